//! The member's event stream over three transports: Server-Sent Events (the
//! contract's), WebSocket and HTTP long polling (for networks that break
//! SSE). All three carry the same frames from the same [`Subscription`],
//! with the same resume semantics; only the framing differs.

use std::{convert::Infallible, sync::Arc, time::Duration};

use axum::{
    body::{Body, Bytes},
    extract::{
        rejection::QueryRejection,
        ws::{rejection::WebSocketUpgradeRejection, Message, WebSocket, WebSocketUpgrade},
        Query, State,
    },
    http::{header, HeaderMap, HeaderValue},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use suda_protocol::MemberId;
use tokio::time::{interval_at, Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::{
    admission::{StreamTicket, Ticket},
    auth,
    error::{ApiError, ApiResult},
    fanout::Frame,
    store::MemberRow,
    subscription::{Start, Subscription},
    AppState,
};

/// Query parameters the stream endpoints accept.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamParams {
    /// The token, for clients that cannot set headers (browser EventSource).
    #[serde(rename = "access_token")]
    pub(crate) access_token: Option<String>,
    /// The original API's `?memberId=`: accepted only when it is the token's own.
    pub(crate) member_id: Option<String>,
    /// Resume position for clients that cannot set `Last-Event-ID`.
    pub(crate) last_event_id: Option<String>,
    /// Long polling: the position to continue after.
    pub(crate) after: Option<String>,
    /// Long polling: how many seconds to wait for an event.
    pub(crate) timeout: Option<String>,
}

pub(crate) fn params(
    query: Result<Query<StreamParams>, QueryRejection>,
) -> ApiResult<StreamParams> {
    query
        .map(|Query(p)| p)
        .map_err(|e| ApiError::BadInput(format!("bad query string: {e}")))
}

/// Who is subscribing: the bearer header or `access_token`, and a
/// `memberId` that, if present, must name the same member. Their place
/// among the member's and the token's open streams is taken here, so a
/// refusal (`RATE_LIMITED`) comes before anything is subscribed.
async fn subscriber(
    state: &AppState,
    headers: &HeaderMap,
    params: &StreamParams,
) -> ApiResult<(MemberRow, StreamTicket)> {
    let token = match auth::bearer(headers)? {
        Some(token) => token,
        None => params
            .access_token
            .clone()
            .ok_or(ApiError::Unauthenticated)?,
    };
    let authenticated = auth::authenticate(state, &token).await?;
    let member = authenticated.member.clone();
    if let Some(asked) = &params.member_id {
        let asked: MemberId = asked.parse()?;
        if asked != member.id {
            return Err(ApiError::Forbidden(
                "memberId names another member; a stream is only for its own member".into(),
            ));
        }
    }
    let ticket = state.admission.stream(
        member.id,
        authenticated.session.digest,
        authenticated.remaining(),
        &state.config,
    )?;
    // Signed out, or renewed, between the check above and taking the
    // ticket? Then the revocation found no stream to end: look once more,
    // at the token's life too (a renewal cuts it short).
    let mut ticket = ticket;
    let again = auth::authenticate(state, &token).await?;
    ticket.end_within(again.remaining());
    Ok((member, ticket))
}

pub(crate) fn keep_alive_timer(period: Duration) -> tokio::time::Interval {
    let mut tick = interval_at(Instant::now() + period, period);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    tick
}

/// The headers of a stream response (besides framing), on both SSE paths.
pub(crate) const SSE_HEADERS: [(&str, &str); 3] = [
    ("content-type", "text/event-stream"),
    ("cache-control", "no-cache"),
    // No proxy buffering: each event must reach the client as it is written.
    ("x-accel-buffering", "no"),
];

/// The SSE comment that keeps an idle stream's connection alive.
pub(crate) const SSE_KEEP_ALIVE: &[u8] = b": keep-alive\n\n";

/// Opens the subscription an SSE request asks for: who (token), and from
/// where (`Last-Event-ID` or `?lastEventId=`). Shared by [`sse`] and the
/// direct path (`crate::direct`).
pub(crate) async fn open_sse(
    state: &AppState,
    headers: &HeaderMap,
    params: &StreamParams,
) -> ApiResult<Subscription> {
    let (member, ticket) = subscriber(state, headers, params).await?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(params.last_event_id.as_deref());
    Subscription::open(state, member.id, Start::parse(resume), ticket).await
}

/// `GET /v1/chats/subscriptions/channels`: the stream over SSE, through
/// hyper. Most streams are served by `crate::direct` instead, which owns
/// the socket; this serves a stream asked for on a connection that already
/// carried other requests.
pub async fn sse(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<StreamParams>, QueryRejection>,
) -> ApiResult<Response> {
    let params = params(query)?;
    let sub = open_sse(&state, &headers, &params).await?;
    let tick = keep_alive_timer(state.config.keep_alive);
    let body = futures::stream::unfold(
        (sub, tick, state.shutdown.clone()),
        |(mut sub, mut tick, stop)| async move {
            let chunk = tokio::select! {
                biased;
                _ = stop.cancelled() => return None,
                next = sub.next() => match next {
                    Ok(Some(frame)) => frame.sse.clone(),
                    Ok(None) => return None,
                    Err(e) => {
                        tracing::warn!(error = %e, "stream ended by a storage error");
                        return None;
                    }
                },
                _ = tick.tick() => Bytes::from_static(SSE_KEEP_ALIVE),
            };
            Some((Ok::<_, Infallible>(chunk), (sub, tick, stop)))
        },
    );
    let mut response = Body::from_stream(body).into_response();
    for (name, value) in SSE_HEADERS {
        response.headers_mut().insert(
            header::HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    Ok(response)
}

/// `GET /v1/chats/subscriptions/ws`: the stream over WebSocket, one text
/// frame `{"id":"N","data":{...}}` per event. Resume with `?lastEventId=`.
pub async fn websocket(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<StreamParams>, QueryRejection>,
    connection: Option<axum::Extension<Arc<Ticket>>>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let params = params(query)?;
    let (member, ticket) = subscriber(&state, &headers, &params).await?;
    let upgrade =
        upgrade.map_err(|e| ApiError::BadInput(format!("not a WebSocket request: {e}")))?;
    let sub = Subscription::open(
        &state,
        member.id,
        Start::parse(params.last_event_id.as_deref()),
        ticket,
    )
    .await?;
    let period = state.config.keep_alive;
    let stop = state.shutdown.clone();
    // Small buffers: tungstenite's defaults (128 KiB each way) made an idle
    // WebSocket subscriber cost five times an SSE one. Clients send almost
    // nothing, and each frame is flushed as it is written. Every buffer is
    // bounded: a frame or message over 64 KiB is refused from its header
    // (clients part-way through 16 MiB frames once held 390 MiB), and
    // what waits to be written (pongs to a client that pings and never
    // reads once grew the server by 1.45 GB) is capped; over either, the
    // connection ends. A client that stops reading is let go after
    // `stream_write_timeout` (`direct::Prefixed`).
    Ok(upgrade
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(WS_MAX_WRITE_BUFFER)
        .max_frame_size(WS_MAX_MESSAGE)
        .max_message_size(WS_MAX_MESSAGE)
        .on_upgrade(move |socket| async move {
            // The connection's place among the caps lives as long as the
            // WebSocket does (hyper is done with the connection by now).
            let _connection = connection;
            ws_session(socket, sub, period, stop).await;
        }))
}

/// The largest frame or message a WebSocket client may send.
const WS_MAX_MESSAGE: usize = 64 * 1024;
/// The most a WebSocket connection buffers for a client that does not read.
const WS_MAX_WRITE_BUFFER: usize = 256 * 1024;

async fn ws_session(
    mut socket: WebSocket,
    mut sub: Subscription,
    period: Duration,
    stop: CancellationToken,
) {
    let mut tick = keep_alive_timer(period);
    loop {
        let message = tokio::select! {
            biased;
            _ = stop.cancelled() => Message::Close(None),
            incoming = socket.recv() => match incoming {
                // Clients have nothing to say on this socket but pongs and close.
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => continue,
            },
            next = sub.next() => match next {
                Ok(Some(frame)) => Message::Text(utf8(&frame)),
                Ok(None) | Err(_) => Message::Close(None),
            },
            _ = tick.tick() => Message::Ping(Bytes::new()),
        };
        let closing = matches!(message, Message::Close(_));
        if socket.send(message).await.is_err() || closing {
            return;
        }
    }
}

fn utf8(frame: &Frame) -> axum::extract::ws::Utf8Bytes {
    // Frames are built from Strings, so this never fails.
    std::str::from_utf8(&frame.wire).unwrap_or_default().into()
}

const MAX_POLL_EVENTS: usize = 500;

/// `GET /v1/chats/subscriptions/poll?after=N&timeout=S`: the stream over
/// long polling. Answers `{"events":[{"id","data"}...],"position":"N"}` as
/// soon as there is at least one event, or empty when `timeout` seconds
/// pass. Without `after` it answers at once with `CONNECTED` and the
/// current position.
pub async fn poll(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<StreamParams>, QueryRejection>,
) -> ApiResult<Response> {
    let params = params(query)?;
    let (member, ticket) = subscriber(&state, &headers, &params).await?;
    let max_wait = state.config.max_poll_wait;
    let wait = match params.timeout.as_deref() {
        None => max_wait.min(Duration::from_secs(25)),
        Some(s) => s
            .parse::<u64>()
            .map(|s| Duration::from_secs(s).min(max_wait))
            .map_err(|_| ApiError::BadInput(format!("timeout {s:?} is not a number of seconds")))?,
    };
    let start = match params.after.as_deref() {
        None => Start::Now,
        some => Start::parse(some),
    };
    let mut sub = Subscription::open(&state, member.id, start, ticket).await?;
    // A poll that continues a position does not need CONNECTED each time.
    let mut skip_connected = sub.resumed();
    let deadline = Instant::now() + wait;
    let mut frames: Vec<Arc<Frame>> = Vec::new();
    let mut push = |frame: Arc<Frame>, frames: &mut Vec<Arc<Frame>>| {
        if std::mem::take(&mut skip_connected) {
            return;
        }
        frames.push(frame);
    };
    while frames.len() < MAX_POLL_EVENTS {
        while let Some(frame) = sub.try_next_ready() {
            push(frame, &mut frames);
            if frames.len() >= MAX_POLL_EVENTS {
                break;
            }
        }
        if (!frames.is_empty() && !sub.replaying()) || frames.len() >= MAX_POLL_EVENTS {
            break;
        }
        tokio::select! {
            _ = state.shutdown.cancelled() => break,
            next = tokio::time::timeout_at(deadline, sub.next()) => match next {
                Ok(Ok(Some(frame))) => push(frame, &mut frames),
                Ok(Ok(None)) | Err(_) => break,
                Ok(Err(e)) => return Err(e),
            },
        }
    }
    let position = frames.last().map_or(sub.start(), |f| f.id);
    let mut body = Vec::with_capacity(64 + frames.iter().map(|f| f.wire.len() + 1).sum::<usize>());
    body.extend_from_slice(b"{\"events\":[");
    for (i, frame) in frames.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&frame.wire);
    }
    body.extend_from_slice(format!("],\"position\":\"{position}\"}}").as_bytes());
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

/// Any other path.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("there is no such endpoint".into())
}
