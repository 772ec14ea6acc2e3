//! The GraphQL API: a code-first schema split by noun, its limits, and the
//! HTTP handler.
//!
//! The SDL of this schema is committed as `crates/protocol/schema.graphql`;
//! a test fails when they differ.

mod account;
mod channel;
mod message;
mod types;

use async_graphql::{EmptySubscription, MergedObject, Schema};
use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use suda_protocol::{ChannelId, ErrorCode};

use crate::{
    auth,
    error::{ApiError, ApiResult},
    store::MemberRow,
    AppState,
};

/// Reads.
#[derive(MergedObject, Default)]
pub struct Query(account::AccountQuery, channel::ChannelQuery);

/// Writes.
#[derive(MergedObject, Default)]
pub struct Mutation(
    account::AccountMutation,
    message::MessageMutation,
    channel::ChannelMutation,
);

/// The server's schema.
pub type SudaSchema = Schema<Query, Mutation, EmptySubscription>;

/// Builds the schema with its limits: queries deeper than 10 levels or more
/// complex than 500 (one per field) are refused before they run.
pub fn schema() -> SudaSchema {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(10)
        .limit_complexity(500)
        .limit_recursive_depth(32)
        .limit_directives(16)
        .finish()
}

/// Who is calling, resolved once per request.
pub enum Caller {
    /// No `Authorization` header.
    Anonymous,
    /// A header with a bad, unknown or revoked token.
    Invalid,
    /// A signed-in member and the token they used.
    Member { member: MemberRow, token: String },
}

fn state<'a>(ctx: &async_graphql::Context<'a>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}

fn caller_member<'a>(ctx: &async_graphql::Context<'a>) -> ApiResult<&'a MemberRow> {
    match ctx.data_unchecked::<Caller>() {
        Caller::Member { member, .. } => Ok(member),
        Caller::Anonymous | Caller::Invalid => Err(ApiError::Unauthenticated),
    }
}

fn parse_id<T: std::str::FromStr<Err = suda_protocol::IdError>>(id: &str) -> ApiResult<T> {
    Ok(id.parse::<T>()?)
}

/// Refuses unless `member` is in `channel` now: `FORBIDDEN` for a group
/// channel they are not in, `NOT_FOUND` when there is no such channel (or it
/// is a direct channel of others).
async fn require_member(state: &AppState, member: &MemberRow, channel: ChannelId) -> ApiResult<()> {
    if state.store.is_member(member.id, channel).await? {
        return Ok(());
    }
    match state.store.channel_for(member.id, channel).await? {
        Some(_) => Err(ApiError::Forbidden(format!(
            "you are not a member of channel {channel}"
        ))),
        None => Err(ApiError::NotFound(format!("there is no channel {channel}"))),
    }
}

/// `POST /graphql`.
pub async fn handle(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match execute(state, headers, body).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

async fn execute(
    state: AppState,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(state.config.body_limit)
        } else {
            ApiError::BadInput(e.body_text())
        }
    })?;
    if body.trim_ascii_start().first() != Some(&b'{') {
        return Err(ApiError::BadInput(
            "the body must be a JSON object: {\"query\": ..., \"variables\": ...}".into(),
        ));
    }
    let request: async_graphql::Request = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadInput(format!("the body is not a JSON GraphQL request: {e}")))?;
    let caller = match auth::bearer(&headers) {
        Err(_) => Caller::Invalid,
        Ok(None) => Caller::Anonymous,
        Ok(Some(token)) => match auth::authenticate(&state, &token).await {
            Ok(member) => Caller::Member { member, token },
            Err(ApiError::Unauthenticated) => Caller::Invalid,
            Err(e) => return Err(e),
        },
    };
    let schema = state.schema.clone();
    let mut response = schema.execute(request.data(state).data(caller)).await;
    // The one place where errors get their code: ours from their
    // `ApiError`; the rest are the request's fault (syntax, validation,
    // limits, argument types).
    for error in &mut response.errors {
        let (code, message) = match error.source::<ApiError>() {
            Some(e) => (e.code(), Some(e.public_message())),
            None => (ErrorCode::BadUserInput, None),
        };
        if let Some(message) = message {
            error.message = message;
        }
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code.as_str());
    }
    Ok(Json(response).into_response())
}

/// `GET /graphql`: says how to use the endpoint.
pub async fn explorer() -> ApiError {
    ApiError::BadInput("send GraphQL requests as JSON with POST".into())
}
