//! Members: sign-up, sign-in, sign-out, `me`, and finding a member by name.

use async_graphql::{Context, Object, Result};

use super::{caller_member, state, types::*, Caller};
use crate::{auth, error::ApiError, name, validate};

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
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates a member and signs them in.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        member_name: String,
        password: String,
    ) -> Result<AuthPayload> {
        let app = state(ctx);
        let member_name = validate::member_name(&member_name)?;
        validate::password(&password)?;
        app.limits.sign_up()?;
        if let Err(mixed) = validate::member_name_scripts(&member_name) {
            // Mixed scripts are refused because they can pass for another
            // name; when they do pass for a member's, say what it is: taken.
            if app.store.member_by_name(&member_name).await?.is_some() {
                return Err(ApiError::name_taken(&member_name).into());
            }
            return Err(mixed.into());
        }
        let hash = auth::hash_password(&app.limits, password).await?;
        let token = auth::new_token();
        let member = app
            .store
            .create_member(&member_name, &hash, Some(&auth::digest(&token)))
            .await?;
        Ok(AuthPayload {
            token,
            member: Member(member),
        })
    }

    /// Signs a member in with a new token. Attempts per member name are
    /// limited (`RATE_LIMITED`); a wrong name or password is `UNAUTHENTICATED`
    /// either way, so names cannot be probed.
    async fn sign_in(
        &self,
        ctx: &Context<'_>,
        member_name: String,
        password: String,
    ) -> Result<AuthPayload> {
        let app = state(ctx);
        // Counted by the name's key: every spelling that finds a member
        // spends that member's attempts, so look-alikes buy no extra guesses.
        app.limits.sign_in(&name::key(&member_name))?;
        let Some((member, hash)) = app.store.member_with_hash(&member_name).await? else {
            // Spend the same time as a real check.
            auth::hash_password(&app.limits, password).await?;
            return Err(ApiError::BadCredentials.into());
        };
        if !auth::verify_password(&app.limits, password, hash).await? {
            return Err(ApiError::BadCredentials.into());
        }
        let token = auth::new_token();
        app.store
            .insert_token(&auth::digest(&token), member.id)
            .await?;
        Ok(AuthPayload {
            token,
            member: Member(member),
        })
    }

    /// Revokes the token the request was made with.
    async fn sign_out(&self, ctx: &Context<'_>) -> Result<bool> {
        match ctx.data_unchecked::<Caller>() {
            Caller::Member { token, .. } => {
                Ok(state(ctx).store.delete_token(&auth::digest(token)).await?)
            }
            _ => Err(ApiError::Unauthenticated.into()),
        }
    }
}
