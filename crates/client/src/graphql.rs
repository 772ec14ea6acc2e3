//! Typed GraphQL over HTTP.
//!
//! The operation documents live in the protocol crate and are checked there
//! against the schema the server serves, so generating the Rust types from
//! the same files (`graphql_client`'s derive) means a client that compiles
//! sends only what the server accepts. This module posts them with the
//! member's bearer token and turns every failure into a [`ClientError`] in
//! one place.

use std::sync::{Arc, RwLock};

use graphql_client::{GraphQLQuery, QueryBody, Response};
use suda_protocol::{ErrorBody, ErrorCode};

use crate::error::{ClientError, ClientResult};

/// The generated operations, one struct (and one module of types) each.
///
/// They sit in their own module because some names (`Send`, `Join`) would
/// shadow std items elsewhere.
#[allow(missing_docs, clippy::upper_case_acronyms)]
pub mod ops {
    use graphql_client::GraphQLQuery;

    /// GraphQL `ID`: a decimal string; parsed into typed ids at the edge.
    pub type ID = String;

    macro_rules! operation {
        ($name:ident, $file:literal) => {
            #[derive(GraphQLQuery)]
            #[graphql(
                                                    schema_path = "../protocol/schema.graphql",
                                                    query_path = $file,
                                                    response_derives = "Debug, Clone, PartialEq",
                                                    variables_derives = "Debug, Clone"
                                                )]
            pub struct $name;
        };
    }

    // The compatibility core, verbatim from the contract. (The contract's
    // `ChatChannelEvents` selects an interface without `__typename`, which
    // graphql_client cannot generate code for; `ConversationPage` reads the same
    // field with paging.)
    operation!(
        MyChatChannels,
        "../protocol/operations/MyChatChannels.graphql"
    );
    operation!(
        SendChatMessage,
        "../protocol/operations/SendChatMessage.graphql"
    );

    // The extensions Suda's own clients send.
    operation!(SignUp, "../protocol/operations/Extensions.graphql");
    operation!(SignIn, "../protocol/operations/Extensions.graphql");
    operation!(SignOut, "../protocol/operations/Extensions.graphql");
    operation!(Me, "../protocol/operations/Extensions.graphql");
    operation!(CurrentSession, "../protocol/operations/Extensions.graphql");
    operation!(RenewSession, "../protocol/operations/Extensions.graphql");
    operation!(MySessions, "../protocol/operations/Extensions.graphql");
    operation!(EndSession, "../protocol/operations/Extensions.graphql");
    operation!(BlockMember, "../protocol/operations/Extensions.graphql");
    operation!(UnblockMember, "../protocol/operations/Extensions.graphql");
    operation!(BlockedMembers, "../protocol/operations/Extensions.graphql");
    operation!(FindMember, "../protocol/operations/Extensions.graphql");
    operation!(Channels, "../protocol/operations/Extensions.graphql");
    operation!(ChannelMembers, "../protocol/operations/Extensions.graphql");
    operation!(Send, "../protocol/operations/Extensions.graphql");
    operation!(MarkRead, "../protocol/operations/Extensions.graphql");
    operation!(CreateGroup, "../protocol/operations/Extensions.graphql");
    operation!(OpenDirect, "../protocol/operations/Extensions.graphql");
    operation!(Join, "../protocol/operations/Extensions.graphql");
    operation!(Leave, "../protocol/operations/Extensions.graphql");
    operation!(Invite, "../protocol/operations/Extensions.graphql");
    operation!(Directory, "../protocol/operations/Extensions.graphql");
    operation!(UpdateChannel, "../protocol/operations/Extensions.graphql");
    operation!(
        RemoveFromChannel,
        "../protocol/operations/Extensions.graphql"
    );
    operation!(
        AttachmentLimits,
        "../protocol/operations/Extensions.graphql"
    );
    operation!(SetTyping, "../protocol/operations/Extensions.graphql");
    operation!(Presence, "../protocol/operations/Extensions.graphql");
    operation!(SetAway, "../protocol/operations/Extensions.graphql");

    // Conversations (docs/contract.md): edits, deletions, reactions.
    operation!(EditMessage, "../protocol/operations/Conversations.graphql");
    operation!(
        DeleteMessage,
        "../protocol/operations/Conversations.graphql"
    );
    operation!(React, "../protocol/operations/Conversations.graphql");
    operation!(Message, "../protocol/operations/Conversations.graphql");
    operation!(
        SetNotificationLevel,
        "../protocol/operations/Conversations.graphql"
    );
    operation!(
        ConversationPage,
        "../protocol/operations/Conversations.graphql"
    );
    operation!(Thread, "../protocol/operations/Conversations.graphql");
    operation!(
        SearchMessages,
        "../protocol/operations/Conversations.graphql"
    );
    operation!(
        MarkThreadRead,
        "../protocol/operations/Conversations.graphql"
    );
}

/// Posts operations to one server with the current token.
///
/// Cheap to clone; clones share the token, so signing in or out is seen by
/// every holder (the session, the subscription, the outbox).
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: Arc<RwLock<Option<String>>>,
}

impl Api {
    /// An API client for the server at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(http: reqwest::Client, base: &str, token: Option<String>) -> Self {
        Api {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: Arc::new(RwLock::new(token)),
        }
    }

    /// The server's base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The HTTP client (shared with the event stream).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The bearer token in use, if signed in.
    pub fn token(&self) -> Option<String> {
        self.token.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the token (sign-in) or clears it (sign-out).
    pub fn set_token(&self, token: Option<String>) {
        *self.token.write().unwrap_or_else(|e| e.into_inner()) = token;
    }

    /// Runs one operation; `Ok` only when the server answered with data
    /// and no errors.
    pub async fn run<Q: GraphQLQuery>(
        &self,
        variables: Q::Variables,
    ) -> ClientResult<Q::ResponseData> {
        let url = format!("{}{}", self.base, suda_protocol::GRAPHQL_PATH);
        let body: QueryBody<Q::Variables> = Q::build_query(variables);
        let mut req = self.http.post(&url).json(&body);
        if let Some(token) = self.token() {
            req = req.bearer_auth(token);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| ClientError::unreachable(&url, &e))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ClientError::unreachable(&url, &e))?;
        decode::<Q::ResponseData>(status.as_u16(), &bytes)
    }
}

/// Turns an HTTP answer into data or the one error that explains it.
fn decode<T: serde::de::DeserializeOwned>(status: u16, bytes: &[u8]) -> ClientResult<T> {
    let parsed = serde_json::from_slice::<Response<T>>(bytes);
    if let Ok(resp) = parsed.as_ref() {
        if let Some(err) = resp.errors.as_ref().and_then(|errors| errors.first()) {
            let code = err
                .extensions
                .as_ref()
                .and_then(|ext| ext.get("code"))
                .and_then(|c| c.as_str())
                .and_then(ErrorCode::parse)
                .unwrap_or(ErrorCode::Internal);
            return Err(ClientError::Api {
                code,
                message: err.message.clone(),
            });
        }
    }
    let unreadable = match parsed {
        Ok(Response {
            data: Some(data), ..
        }) => return Ok(data),
        Ok(_) => None,
        Err(e) => Some(e),
    };
    if let Ok(body) = serde_json::from_slice::<ErrorBody>(bytes) {
        return Err(ClientError::Api {
            code: body.error.code,
            message: body.error.message,
        });
    }
    if !(200..300).contains(&status) {
        let text = String::from_utf8_lossy(bytes);
        return Err(ClientError::Http {
            status,
            message: text.chars().take(200).collect(),
        });
    }
    let start: String = String::from_utf8_lossy(bytes).chars().take(200).collect();
    Err(ClientError::Protocol(match unreadable {
        // Data of another shape than the operation's: say where it broke.
        Some(e) => format!("a GraphQL answer this client cannot read ({e}): {start}"),
        None => format!("a GraphQL answer with neither data nor errors: {start}"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_their_code() {
        let body = br#"{"data":null,"errors":[{"message":"no such channel","extensions":{"code":"NOT_FOUND"}}]}"#;
        match decode::<serde_json::Value>(200, body) {
            Err(ClientError::Api { code, message }) => {
                assert_eq!(code, ErrorCode::NotFound);
                assert_eq!(message, "no such channel");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn data_of_another_shape_says_what_could_not_be_read() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Wanted {
            id: String,
        }
        let body = br#"{"data":{"name":"x"}}"#;
        match decode::<Wanted>(200, body) {
            Err(ClientError::Protocol(m)) => {
                assert!(m.contains("cannot read") && m.contains("`id`"), "{m}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn http_error_bodies_and_garbage_are_told_apart() {
        let body = br#"{"error":{"code":"PAYLOAD_TOO_LARGE","message":"too big"}}"#;
        assert_eq!(
            decode::<serde_json::Value>(413, body).unwrap_err().code(),
            Some(ErrorCode::PayloadTooLarge)
        );
        assert!(matches!(
            decode::<serde_json::Value>(502, b"Bad Gateway"),
            Err(ClientError::Http { status: 502, .. })
        ));
    }

    #[test]
    fn operations_carry_their_documents() {
        let q = ops::Send::build_query(ops::send::Variables {
            channel_id: "1".into(),
            message: "hi".into(),
            client_key: Some("k".into()),
            reply_to: None,
            thread_root: None,
            attachment_ids: None,
        });
        assert_eq!(q.operation_name, "Send");
        assert!(q.query.contains("clientKey"));
    }
}
