//! Members and their sessions: sign-up, sign-in, sign-out, renewing a
//! token, listing and ending sessions, `me`, and finding a member by name.

use async_graphql::{Context, Object, Result, ID};
use suda_protocol::MemberId;

use super::{caller_member, origin, state, types::*, Caller};
use crate::{
    auth::{self, Authenticated},
    error::{ApiError, ApiResult},
    name,
    store::{sqlite::now_millis, MemberRow, NewToken},
    validate,
    wire::timestamp,
    AppState,
};

/// How long a renewed token's predecessor keeps working, so requests
/// already under way with it finish.
const RENEWAL_GRACE_MS: i64 = 60_000;

fn caller<'a>(ctx: &Context<'a>) -> ApiResult<&'a Authenticated> {
    match ctx.data_unchecked::<Caller>() {
        Caller::Member(auth) => Ok(auth),
        Caller::Anonymous | Caller::Invalid => Err(ApiError::Unauthenticated),
    }
}

fn payload(token: String, member: MemberRow, stored: &NewToken) -> AuthPayload {
    AuthPayload {
        token,
        member: Member(member),
        expires_at: timestamp(stored.expires_at),
    }
}

fn sessions(
    app: &AppState,
    me: &Authenticated,
    rows: Vec<crate::store::SessionRow>,
) -> Vec<Session> {
    let lifetime = i64::try_from(app.config.token_lifetime.as_millis()).unwrap_or(i64::MAX);
    let now = now_millis();
    rows.into_iter()
        .filter_map(|row| {
            let expires_at = row
                .expires_at
                .unwrap_or_else(|| row.created_at.saturating_add(lifetime));
            let current = row.digest == me.session.digest;
            (expires_at > now).then_some(Session {
                row,
                expires_at,
                current,
            })
        })
        .collect()
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The signed-in member.
    async fn me(&self, ctx: &Context<'_>) -> Result<Member> {
        Ok(Member(caller_member(ctx)?.clone()))
    }

    /// A member by name, to open a direct channel or invite. Names are
    /// compared ignoring case and look-alike characters: any spelling that
    /// reads as a member's name finds that member.
    async fn member(&self, ctx: &Context<'_>, member_name: String) -> Result<Member> {
        caller_member(ctx)?;
        let found = state(ctx).store.member_by_name(&member_name).await?;
        Ok(Member(found.ok_or_else(|| {
            ApiError::NotFound(format!("there is no member named {member_name:?}"))
        })?))
    }

    /// The caller's signed-in sessions (devices), newest first; the one
    /// this request was made with says `current`.
    #[graphql(complexity = "super::LIST_GUESS * child_complexity")]
    async fn my_sessions(&self, ctx: &Context<'_>) -> Result<Vec<Session>> {
        let app = state(ctx);
        let me = caller(ctx)?;
        let rows = app.store.sessions_of(me.member.id).await?;
        Ok(sessions(app, me, rows))
    }

    /// The members the caller has blocked, by name.
    #[graphql(complexity = "super::LIST_GUESS * child_complexity")]
    async fn blocked_members(&self, ctx: &Context<'_>) -> Result<Vec<Member>> {
        let app = state(ctx);
        let me = caller(ctx)?;
        let rows = app.store.blocked_by(me.member.id).await?;
        Ok(rows.into_iter().map(Member).collect())
    }

    /// The session this request was made with (to know when it expires).
    async fn current_session(&self, ctx: &Context<'_>) -> Result<Session> {
        let me = caller(ctx)?;
        Ok(Session {
            row: me.session.clone(),
            expires_at: me.expires_at,
            current: true,
        })
    }
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates a member and signs them in. Sign-ups are limited per client
    /// address and overall (`RATE_LIMITED`).
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        member_name: String,
        password: String,
    ) -> Result<AuthPayload> {
        let app = state(ctx);
        let from = origin(ctx);
        let member_name = validate::member_name(&member_name)?;
        validate::password(&password)?;
        app.limits.sign_up(from.address).await?;
        if let Err(mixed) = validate::member_name_scripts(&member_name) {
            // Mixed scripts are refused because they can pass for another
            // name; when they do pass for a member's, say what it is: taken.
            if app.store.member_by_name(&member_name).await?.is_some() {
                return Err(ApiError::name_taken(&member_name).into());
            }
            return Err(mixed.into());
        }
        let hash = auth::hash_password(&app.limits, password).await?;
        let address = from.address.to_string();
        let (token, stored) = auth::issue(app, from.device.as_deref(), Some(&address));
        let member = app
            .store
            .create_member(&member_name, &hash, Some(&stored))
            .await?;
        Ok(payload(token, member, &stored))
    }

    /// Signs a member in with a new token. Attempts are limited per client
    /// address, per name from that address, and per name from addresses
    /// the member never signed in from: a stranger's guesses cannot lock
    /// the member out where they usually sign in (`RATE_LIMITED`). A wrong
    /// name or password is `UNAUTHENTICATED` either way, so names cannot be
    /// probed.
    async fn sign_in(
        &self,
        ctx: &Context<'_>,
        member_name: String,
        password: String,
    ) -> Result<AuthPayload> {
        let app = state(ctx);
        let from = origin(ctx);
        let address = from.address.to_string();
        // The address's budget first, before anything is done with the
        // name; and no name longer than any member's can be one.
        app.limits.sign_in_address(from.address).await?;
        if !validate::could_be_member_name(&member_name) {
            auth::hash_password(&app.limits, password).await?;
            return Err(ApiError::BadCredentials.into());
        }
        // Counted by the name's key: every spelling that finds a member
        // spends that member's attempts, so look-alikes buy no extra guesses.
        let key = name::key(&member_name);
        app.limits.sign_in_name_at(from.address, &key).await?;
        let found = app.store.member_with_hash(&member_name).await?;
        let known = match &found {
            Some((member, _)) => {
                let client = crate::admission::address_key(from.address).to_string();
                app.store.known_address(member.id, &client).await?
            }
            None => false,
        };
        if !known {
            app.limits.sign_in_from_stranger(&key).await?;
        }
        let Some((member, hash)) = found else {
            // Spend the same time as a real check.
            auth::hash_password(&app.limits, password).await?;
            return Err(ApiError::BadCredentials.into());
        };
        if !auth::verify_password(&app.limits, password, hash).await? {
            return Err(ApiError::BadCredentials.into());
        }
        let (token, stored) = auth::issue(app, from.device.as_deref(), Some(&address));
        app.store.insert_token(member.id, &stored).await?;
        Ok(payload(token, member, &stored))
    }

    /// Revokes the token the request was made with; its open streams end.
    async fn sign_out(&self, ctx: &Context<'_>) -> Result<bool> {
        let app = state(ctx);
        let me = caller(ctx)?;
        let deleted = app.store.delete_token(&me.session.digest).await?;
        app.admission.revoke(&me.session.digest);
        Ok(deleted)
    }

    /// A fresh token for this session, with a full lifetime; the one the
    /// request was made with stops working a minute later, and its open
    /// streams end now (clients reconnect with the new one and resume).
    async fn renew_session(&self, ctx: &Context<'_>) -> Result<AuthPayload> {
        let app = state(ctx);
        let me = caller(ctx)?;
        app.limits.change(me.member.id).await?;
        let from = origin(ctx);
        let address = from.address.to_string();
        let device = me.session.device.as_deref().or(from.device.as_deref());
        let (token, stored) = auth::issue(app, device, Some(&address));
        let until = now_millis().saturating_add(RENEWAL_GRACE_MS);
        if !app
            .store
            .renew_token(me.member.id, &me.session.digest, &stored, until)
            .await?
        {
            return Err(ApiError::Unauthenticated.into());
        }
        app.admission.revoke(&me.session.digest);
        Ok(payload(token, me.member.clone(), &stored))
    }

    /// Blocks a member: they can no longer add the caller to channels,
    /// invite them or message them directly (`FORBIDDEN`, saying so).
    /// Channels they already share are left with `leaveChannel`.
    async fn block_member(&self, ctx: &Context<'_>, member_id: ID) -> Result<bool> {
        let app = state(ctx);
        let me = caller(ctx)?;
        let whom: MemberId = member_id.parse().map_err(ApiError::from)?;
        if whom == me.member.id {
            return Err(ApiError::BadInput("you cannot block yourself".into()).into());
        }
        app.limits.change(me.member.id).await?;
        if app.store.member(whom).await?.is_none() {
            return Err(ApiError::NotFound(format!("there is no member {whom}")).into());
        }
        app.store.set_blocked(me.member.id, whom, true).await?;
        Ok(true)
    }

    /// Unblocks a member.
    async fn unblock_member(&self, ctx: &Context<'_>, member_id: ID) -> Result<bool> {
        let app = state(ctx);
        let me = caller(ctx)?;
        let whom: MemberId = member_id.parse().map_err(ApiError::from)?;
        app.limits.change(me.member.id).await?;
        app.store.set_blocked(me.member.id, whom, false).await?;
        Ok(true)
    }

    /// Ends one of the caller's sessions (`id` from `mySessions`), at
    /// once: its token stops working and its open streams end.
    async fn end_session(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let app = state(ctx);
        let me = caller(ctx)?;
        app.limits.change(me.member.id).await?;
        let rows = app.store.sessions_of(me.member.id).await?;
        let Some(session) = rows.into_iter().find(|s| s.id == id.as_str()) else {
            return Err(ApiError::NotFound(format!("there is no session {}", id.as_str())).into());
        };
        app.store.delete_token(&session.digest).await?;
        app.admission.revoke(&session.digest);
        Ok(true)
    }
}
