//! The GraphQL calls the scenarios make: sign up members, create channels,
//! send messages. Sign-up is the slow part of setting up (the server hashes
//! each password with argon2, tens of milliseconds of CPU), so members are
//! signed up concurrently and retried while the server's sign-up limit
//! says `RATE_LIMITED`.

use std::time::Duration;

use futures::{stream, StreamExt, TryStreamExt};
use serde_json::{json, Value};

use crate::error::{Error, Result};

/// A signed-up member.
#[derive(Debug, Clone)]
pub struct Member {
    /// The bearer token.
    pub token: String,
    /// The member id, as GraphQL carries it.
    pub id: String,
}

/// A GraphQL client for one server.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

/// How long sign-up keeps retrying while the server rate-limits sign-ups
/// (600 a minute by default; a 1,000-member channel needs more than that).
const SIGN_UP_PATIENCE: Duration = Duration::from_secs(300);

impl Api {
    /// A client for the server at `base` (`http://host:port`).
    pub fn new(http: reqwest::Client, base: &str) -> Self {
        Api {
            http,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// The server's address.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Runs one operation; returns `data`, or the first error with its code.
    pub async fn call(&self, token: Option<&str>, query: &str, variables: Value) -> Result<Value> {
        let mut req = self
            .http
            .post(format!("{}{}", self.base, suda_protocol::GRAPHQL_PATH))
            .json(&json!({"query": query, "variables": variables}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let mut answer: Value = req.send().await?.json().await?;
        if let Some(first) = answer["errors"].get(0) {
            return Err(Error::Refused {
                code: first["extensions"]["code"]
                    .as_str()
                    .unwrap_or("UNKNOWN")
                    .to_owned(),
                message: first["message"].as_str().unwrap_or_default().to_owned(),
            });
        }
        Ok(answer["data"].take())
    }

    /// Signs up `name`, waiting out the server's sign-up rate limit.
    pub async fn sign_up(&self, name: &str) -> Result<Member> {
        let query =
            "mutation($n:String!,$p:String!){signUp(memberName:$n,password:$p){token member{id}}}";
        let deadline = tokio::time::Instant::now() + SIGN_UP_PATIENCE;
        loop {
            match self
                .call(None, query, json!({"n": name, "p": "bench-password"}))
                .await
            {
                Ok(data) => {
                    let token = data["signUp"]["token"].as_str();
                    let id = data["signUp"]["member"]["id"].as_str();
                    return match (token, id) {
                        (Some(token), Some(id)) => Ok(Member {
                            token: token.to_owned(),
                            id: id.to_owned(),
                        }),
                        _ => Err(Error::Protocol(format!("signUp answered {data}"))),
                    };
                }
                Err(Error::Refused { code, .. })
                    if code == "RATE_LIMITED" && tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Signs up `count` members named `{prefix}{i}`, `concurrency` at a time,
    /// in order of `i`.
    pub async fn sign_up_many(
        &self,
        prefix: &str,
        count: usize,
        concurrency: usize,
    ) -> Result<Vec<Member>> {
        stream::iter(0..count)
            .map(|i| {
                let name = format!("{prefix}{i}");
                async move { self.sign_up(&name).await }
            })
            .buffered(concurrency.max(1))
            .try_collect()
            .await
    }

    /// Creates a group channel owned by `owner` with `members` in it; returns its id.
    pub async fn create_group(
        &self,
        owner: &Member,
        name: &str,
        members: &[String],
    ) -> Result<i64> {
        let data = self
            .call(
                Some(&owner.token),
                "mutation($n:String!,$m:[ID!]){createGroupChannel(name:$n,memberIds:$m){id}}",
                json!({"n": name, "m": members}),
            )
            .await?;
        parse_id(&data["createGroupChannel"]["id"])
    }

    /// Sends a chat message; returns its event id once the server acknowledged it.
    pub async fn send(&self, token: &str, channel: i64, text: &str) -> Result<i64> {
        let data = self
            .call(
                Some(token),
                "mutation($c:ID!,$m:String!){sendChatMessage(channelId:$c,message:$m){id}}",
                json!({"c": channel.to_string(), "m": text}),
            )
            .await?;
        parse_id(&data["sendChatMessage"]["id"])
    }
}

fn parse_id(v: &Value) -> Result<i64> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::Protocol(format!("expected an id, got {v}")))
}

/// A prefix that makes this run's member names unique on a server that
/// already has members (a `--url` target keeps its database).
pub fn run_prefix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("b{:x}-", (nanos as u64) & 0xffff_ffff_ffff)
}
