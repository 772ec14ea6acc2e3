//! The GraphQL API: a code-first schema split by noun, its limits, and the
//! HTTP handler.
//!
//! The SDL of this schema is committed as `crates/protocol/schema.graphql`;
//! a test fails when they differ.

mod account;
mod attachment;
mod channel;
pub mod document;
mod message;
mod presence;
mod search;
mod types;

use std::time::Duration;

use async_graphql::{EmptySubscription, MergedObject, Schema};
use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, FromRequest, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use suda_protocol::ErrorCode;

use crate::{
    auth,
    error::{ApiError, ApiResult},
    store::MemberRow,
    AppState,
};

/// Reads.
#[derive(MergedObject, Default)]
pub struct Query(
    account::AccountQuery,
    attachment::AttachmentQuery,
    channel::ChannelQuery,
    presence::PresenceQuery,
    search::SearchQuery,
);

/// Writes.
#[derive(MergedObject, Default)]
pub struct Mutation(
    account::AccountMutation,
    message::MessageMutation,
    channel::ChannelMutation,
    presence::PresenceMutation,
);

/// The server's schema.
pub type SudaSchema = Schema<Query, Mutation, EmptySubscription>;

/// The most a query may cost. A field costs 1, a message's text 50 (it may
/// be 12 KB); a list costs what one item costs times how many it may hold
/// (a history page its `limit`; a list with no limit argument
/// [`LIST_GUESS`]). One full history page of 200 events as Suda's client
/// asks for it (`ConversationPage`: replies, edits and reactions too) fits;
/// two pages do not, however they are aliased and however little they ask
/// of each message (two of bare texts cost 20,402). Tested in
/// `tests/it/expensive.rs`.
pub const MAX_COMPLEXITY: usize = 20_000;

/// What a list without a `limit` argument is taken to hold, for cost.
pub const LIST_GUESS: usize = 50;

/// How long one request may run.
pub const EXECUTION_LIMIT: Duration = Duration::from_secs(10);

/// Builds the schema with its limits: queries deeper than 10 levels or
/// costing more than [`MAX_COMPLEXITY`] are refused before they run. Field
/// suggestions ("did you mean ...") are off: they tell strangers the
/// schema piece by piece.
pub fn schema() -> SudaSchema {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(10)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(32)
        .limit_directives(16)
        .disable_suggestions()
        .finish()
}

/// Who is calling, resolved once per request.
pub enum Caller {
    /// No `Authorization` header.
    Anonymous,
    /// A header with a bad, unknown or revoked token.
    Invalid,
    /// A signed-in member, and the session of the token they used.
    Member(Box<auth::Authenticated>),
}

/// Where a request came from, and what the client calls itself.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The client's address (unspecified where the server cannot know it).
    pub address: std::net::IpAddr,
    /// Its `User-Agent`, cleaned (`auth::device`).
    pub device: Option<String>,
}

fn origin<'a>(ctx: &async_graphql::Context<'a>) -> &'a Origin {
    ctx.data_unchecked::<Origin>()
}

fn state<'a>(ctx: &async_graphql::Context<'a>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}

fn caller_member<'a>(ctx: &async_graphql::Context<'a>) -> ApiResult<&'a MemberRow> {
    match ctx.data_unchecked::<Caller>() {
        Caller::Member(auth) => Ok(&auth.member),
        Caller::Anonymous | Caller::Invalid => Err(ApiError::Unauthenticated),
    }
}

fn parse_id<T: std::str::FromStr<Err = suda_protocol::IdError>>(id: &str) -> ApiResult<T> {
    Ok(id.parse::<T>()?)
}

/// `POST /graphql`. The body must arrive within `Config::body_timeout`.
pub async fn handle(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let headers = request.headers().clone();
    // Set by `direct` for every connection it serves.
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |c| c.0.ip());
    let address = crate::proxy::client_address(peer, &headers, &state.config.trusted_proxies);
    let reading = Bytes::from_request(request, &state);
    let Ok(body) = tokio::time::timeout(state.config.body_timeout, reading).await else {
        return ApiError::BadInput(format!(
            "the request body did not arrive within {:?}",
            state.config.body_timeout
        ))
        .into_response();
    };
    match execute(state, headers, address, body).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

/// Whether a request says its body is JSON. Anything else is refused
/// before it is read: a cross-site form can post `text/plain` without the
/// browser asking first, but not `application/json`.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.eq_ignore_ascii_case("application/graphql-response+json")
}

async fn execute(
    state: AppState,
    headers: HeaderMap,
    address: std::net::IpAddr,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    if !is_json(&headers) {
        return Err(ApiError::NotJson);
    }
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
    let limit = state.config.max_response_bytes;
    let mut request: async_graphql::Request = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadInput(format!("the body is not a JSON GraphQL request: {e}")))?;
    // First, before anything else costs: is the document within bounds?
    let checked = document::check(
        &request.query,
        request.operation_name.as_deref(),
        &document::DocumentLimits::default(),
    );
    let introspects = match checked {
        Ok(checked) => {
            request.set_parsed_query(checked.document);
            checked.introspects
        }
        Err(e) => return Ok(answer(&refusal(&e), limit)),
    };
    let caller = match auth::bearer(&headers) {
        Err(_) => Caller::Invalid,
        Ok(None) => Caller::Anonymous,
        Ok(Some(token)) => match auth::authenticate(&state, &token).await {
            Ok(authenticated) => Caller::Member(Box::new(authenticated)),
            Err(ApiError::Unauthenticated) => Caller::Invalid,
            Err(e) => return Err(e),
        },
    };
    // The schema is public (crates/protocol/schema.graphql), but strangers
    // do not get to explore a running server: introspection is for members.
    if !matches!(caller, Caller::Member(_)) {
        if introspects {
            return Ok(answer(&refusal(&ApiError::IntrospectionForMembers), limit));
        }
        request = request.disable_introspection();
    }
    let origin = Origin {
        address,
        device: auth::device(&headers),
    };
    let schema = state.schema.clone();
    let run = schema.execute(request.data(state).data(caller).data(origin));
    let Ok(mut response) = tokio::time::timeout(EXECUTION_LIMIT, run).await else {
        return Ok(answer(
            &refusal(&ApiError::TimedOut(EXECUTION_LIMIT)),
            limit,
        ));
    };
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
    Ok(answer(&response, limit))
}

/// A GraphQL answer with one error, for a request refused before it ran.
fn refusal(e: &ApiError) -> async_graphql::Response {
    let mut error = async_graphql::ServerError::new(e.public_message(), None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", e.code().as_str());
    async_graphql::Response::from_errors(vec![error])
}

/// Serializes an answer, refusing one over `limit` bytes.
fn answer(response: &async_graphql::Response, limit: usize) -> Response {
    let body = match serde_json::to_vec(response) {
        Ok(body) if body.len() <= limit => body,
        Ok(body) => {
            let too_big = ApiError::BadInput(format!(
                "the answer would be {} bytes; the limit is {limit}: ask for fewer items at once",
                body.len()
            ));
            serde_json::to_vec(&refusal(&too_big)).unwrap_or_default()
        }
        Err(e) => serde_json::to_vec(&refusal(&ApiError::Internal(format!(
            "serializing the answer: {e}"
        ))))
        .unwrap_or_default(),
    };
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `GET /graphql`: says how to use the endpoint.
pub async fn explorer() -> ApiError {
    ApiError::BadInput("send GraphQL requests as JSON with POST".into())
}
