//! The server's router without a socket.

use axum::{body::Body, http::Request, Router};
use serde_json::{json, Value};
use suda_server::{Config, Server};
use tower::ServiceExt;

use crate::config;

/// The server's state and router on a temporary database, called request by
/// request with `oneshot`: no listener, no connection, no HTTP parsing. For
/// bad input whose answer does not depend on the connection.
pub struct TestApp {
    router: Router,
    server: Server,
    _dir: tempfile::TempDir,
}

/// What the router answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    /// The body as JSON (`Value::Null` when it is not JSON).
    pub json: Value,
}

impl TestApp {
    /// The router with [`config`]'s settings.
    pub async fn start() -> Self {
        Self::start_with(config()).await
    }

    /// The router with `config`, on a temporary database.
    pub async fn start_with(config: Config) -> Self {
        let (server, dir) = crate::open_in_temp_dir(config).await;
        TestApp {
            router: suda_server::router(server.state().clone()),
            server,
            _dir: dir,
        }
    }

    /// The server's state.
    pub fn state(&self) -> &suda_server::AppState {
        self.server.state()
    }

    /// Calls the router with `request`.
    pub async fn call(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Answer {
            status,
            content_type,
            json: serde_json::from_slice(&body).unwrap_or(Value::Null),
        }
    }

    /// Posts `body` to /graphql with `content_type`, as `token` if given.
    pub async fn post(&self, token: Option<&str>, content_type: &str, body: Vec<u8>) -> Answer {
        let mut request = Request::post(suda_protocol::GRAPHQL_PATH)
            .header(axum::http::header::CONTENT_TYPE, content_type);
        if let Some(t) = token {
            request = request.header(axum::http::header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.call(request.body(Body::from(body)).unwrap()).await
    }

    /// Posts a GraphQL request as JSON.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Answer {
        let body = json!({"query": query, "variables": variables}).to_string();
        self.post(token, "application/json", body.into_bytes())
            .await
    }

    /// Signs up a member through the router; returns (token, member id).
    pub async fn member(&self, name: &str) -> (String, String) {
        let answer = self
            .gql(
                None,
                "mutation($n:String!,$p:String!){signUp(memberName:$n,password:$p){token member{id}}}",
                json!({"n": name, "p": crate::PASSWORD}),
            )
            .await;
        let up = &answer.json["data"]["signUp"];
        let token = up["token"].as_str().unwrap_or_else(|| panic!("{answer:?}"));
        (
            token.to_owned(),
            up["member"]["id"].as_str().unwrap().to_owned(),
        )
    }

    /// `GET path` with `headers`.
    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = Request::get(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.call(request.body(Body::empty()).unwrap()).await
    }
}
