//! Serving connections: the member's SSE stream written straight to its
//! socket, everything else through hyper and the router.
//!
//! Idle streams are most of what a chat server holds: one per member with
//! the app open. Served by hyper, an idle stream cost about 20 KiB (heap
//! profile in docs/benchmarks.md): hyper keeps a connection's read buffer
//! and its header buffer, 8 KiB each, for the connection's whole life, and
//! a stream's connection lives as long as the stream. So a connection whose
//! first request opens the stream is served here instead, by a task that
//! owns the socket: it reads the request head (at most [`HEAD_LIMIT`] bytes,
//! freed once parsed), authenticates exactly as the router's handler does
//! ([`transport::open_sse`]), answers with a close-delimited
//! `text/event-stream` and writes each frame's bytes as they come, several
//! in one write when several are ready. A client that stops reading is let
//! go after `Config::stream_write_timeout`; it resumes from its last id.
//!
//! Every other connection goes to hyper with the bytes already read put
//! back in front ([`Prefixed`]), and so does a stream asked for on a
//! connection that already carried other requests ([`transport::sse`]).
//! Anything this module cannot parse goes to hyper too, which refuses it
//! as it always did.

use std::{
    future::Future,
    io,
    net::SocketAddr,
    pin::Pin,
    sync::atomic::{AtomicUsize, Ordering},
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    extract::{ConnectInfo, Query},
    http::{HeaderMap, HeaderName, HeaderValue, Uri},
    response::IntoResponse,
    Router,
};
use bytes::{Buf, Bytes, BytesMut};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf},
    net::{TcpListener, TcpStream},
    time::{timeout, timeout_at, Instant},
};
use tokio_util::{
    sync::{CancellationToken, WaitForCancellationFuture},
    task::TaskTracker,
};

use crate::{admission::Ticket, error::ApiError, subscription::Subscription, transport, AppState};

mod handoff;

use handoff::{through_hyper, Prefixed};

/// The longest request head the direct path reads. A stream request is a
/// few hundred bytes; a longer head goes to hyper, which has its own limit.
pub const HEAD_LIMIT: usize = 16 * 1024;
/// The most frames written in one go when several are ready.
const MAX_BATCH: usize = 64;
/// How long shutting down waits for open connections to finish.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// How long telling a refused connection why may take.
const REFUSAL_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// Accepts connections on `listener` until `stop` completes or the state's
/// shutdown token is cancelled. Then stops accepting, cancels the token
/// (streams end, hyper connections finish what they are answering) and
/// waits, at most [`DRAIN_TIMEOUT`], for every connection to close.
pub async fn serve<F>(listener: TcpListener, app: Router, state: AppState, stop: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let connections = TaskTracker::new();
    let shutdown = state.shutdown.clone();
    let mut stop = std::pin::pin!(stop);
    loop {
        let (tcp, peer) = tokio::select! {
            () = &mut stop => break,
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
        };
        // Frames are small and already batched here; Nagle would only delay them.
        let _ = tcp.set_nodelay(true);
        match state.admission.connection(peer.ip()) {
            Ok(ticket) => {
                connections.spawn(connection(tcp, peer, app.clone(), state.clone(), ticket));
            }
            Err(refusal) => {
                let error = refusal.error(&state.config);
                connections.spawn(answer_error(tcp, error, REFUSAL_WRITE_TIMEOUT));
            }
        }
    }
    drop(listener);
    tracing::info!("shutting down: ending streams, finishing writes");
    shutdown.cancel();
    connections.close();
    if timeout(DRAIN_TIMEOUT, connections.wait()).await.is_err() {
        tracing::warn!(
            open = connections.len(),
            "connections still open after {DRAIN_TIMEOUT:?}; stopping anyway"
        );
    }
}

async fn accept_failed(e: io::Error) {
    // A connection that failed between the handshake and accept: nothing to do.
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    ) {
        return;
    }
    // Most likely out of file descriptors: wait for some to be closed
    // rather than spinning.
    tracing::error!(error = %e, "accepting a connection failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// What the first request of a connection turned out to be.
enum Opened {
    /// A stream, subscribed and answered with its response head.
    Stream(TcpStream, Subscription),
    /// Anything else, with the bytes read so far.
    Other(TcpStream, Bytes),
    /// Answered (an error) or gone.
    Done,
}

async fn connection(
    tcp: TcpStream,
    peer: SocketAddr,
    app: Router,
    state: AppState,
    ticket: Ticket,
) {
    // Shared with each request, so a connection upgraded to a WebSocket
    // keeps its place counted after hyper lets go of it.
    let ticket = std::sync::Arc::new(ticket);
    // The opening and hyper's connection are boxed, so their state is freed
    // when they finish and an idle stream's task holds only its own loop.
    match Box::pin(open(tcp, &state)).await {
        Opened::Stream(tcp, sub) => {
            let _open = Counted::new(&state.streams_open);
            let config = &state.config;
            let limits = (config.keep_alive, config.stream_write_timeout);
            stream(tcp, sub, limits, state.shutdown.clone()).await;
        }
        Opened::Other(tcp, head) => {
            let io = Prefixed::new(head, tcp, state.config.stream_write_timeout);
            let head_timeout = state.config.head_timeout;
            let app = tower::ServiceBuilder::new()
                .map_request(
                    move |mut request: axum::extract::Request<hyper::body::Incoming>| {
                        request.extensions_mut().insert(ConnectInfo(peer));
                        request
                            .extensions_mut()
                            .insert(std::sync::Arc::clone(&ticket));
                        request
                    },
                )
                .service(app);
            Box::pin(through_hyper(io, app, head_timeout, state.shutdown.clone())).await;
        }
        Opened::Done => {}
    }
}

/// Reads the first request head; opens the stream if that is what it asks for.
async fn open(mut tcp: TcpStream, state: &AppState) -> Opened {
    let deadline = Instant::now() + state.config.head_timeout;
    let mut buf = BytesMut::with_capacity(1024);
    loop {
        if buf.capacity() - buf.len() < 256 {
            buf.reserve(1024);
        }
        let read = tokio::select! {
            () = state.shutdown.cancelled() => return Opened::Done,
            read = timeout_at(deadline, tcp.read_buf(&mut buf)) => read,
        };
        match read {
            Ok(Ok(n)) if n > 0 => {}
            // Closed, failed, or silent for too long: nothing to answer.
            _ => return Opened::Done,
        }
        match classify(&buf) {
            Head::Other => return Opened::Other(tcp, buf.freeze()),
            Head::Partial if buf.len() >= HEAD_LIMIT => return Opened::Other(tcp, buf.freeze()),
            Head::Partial => continue,
            Head::Stream(request) => {
                drop(buf);
                return match transport::open_sse(state, &request.headers, &request.params).await {
                    Ok(sub) => {
                        let stopped = std::pin::pin!(state.shutdown.cancelled());
                        let limit = state.config.stream_write_timeout;
                        if write(&mut tcp, stream_head().as_bytes(), limit, stopped).await {
                            Opened::Stream(tcp, sub)
                        } else {
                            Opened::Done
                        }
                    }
                    Err(e) => {
                        answer_error(tcp, e, state.config.stream_write_timeout).await;
                        Opened::Done
                    }
                };
            }
            Head::Refused(request_error) => {
                drop(buf);
                answer_error(tcp, request_error, state.config.stream_write_timeout).await;
                return Opened::Done;
            }
        }
    }
}

/// A stream request, parsed.
#[derive(Debug)]
struct StreamRequest {
    headers: HeaderMap,
    params: transport::StreamParams,
}

/// What the bytes read so far are.
#[derive(Debug)]
enum Head {
    /// Not a stream request, or not one this module parses: hyper's.
    Other,
    /// Could still be a stream request; read more.
    Partial,
    /// A complete stream request.
    Stream(StreamRequest),
    /// A stream request whose query string is malformed.
    Refused(ApiError),
}

/// Decides from the request line whether a head is a stream request, and
/// parses it once it is complete. Only `GET <SSE_PATH>` over HTTP/1.x is
/// taken; everything else is left to hyper untouched.
fn classify(buf: &[u8]) -> Head {
    let prefix = b"GET ";
    let path = suda_protocol::SSE_PATH.as_bytes();
    let line = prefix.len() + path.len();
    let seen = buf.len().min(line);
    let expected = prefix.iter().chain(path).take(seen);
    if !buf[..seen].iter().eq(expected) {
        return Head::Other;
    }
    match buf.get(line) {
        None => return Head::Partial,
        Some(b' ' | b'?') => {}
        Some(_) => return Head::Other,
    }
    let mut slots = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut slots);
    match request.parse(buf) {
        Ok(httparse::Status::Partial) => Head::Partial,
        Ok(httparse::Status::Complete(_)) => stream_request(&request).unwrap_or(Head::Other),
        Err(_) => Head::Other,
    }
}

/// The headers and query of a complete stream request; `None` where hyper
/// should judge it (an odd URI or header).
fn stream_request(request: &httparse::Request<'_, '_>) -> Option<Head> {
    let uri: Uri = request.path?.parse().ok()?;
    let mut headers = HeaderMap::with_capacity(request.headers.len());
    for h in request.headers.iter() {
        let name = HeaderName::from_bytes(h.name.as_bytes()).ok()?;
        let value = HeaderValue::from_bytes(h.value).ok()?;
        headers.append(name, value);
    }
    // A stream request never has a body; one that says otherwise is hyper's
    // to answer, so nothing it sent is mistaken for the next request.
    if headers.contains_key("content-length") || headers.contains_key("transfer-encoding") {
        return None;
    }
    Some(match transport::params(Query::try_from_uri(&uri)) {
        Ok(params) => Head::Stream(StreamRequest { headers, params }),
        Err(e) => Head::Refused(e),
    })
}

/// The response head of a stream: the same headers as the router's
/// handler, and the body runs until the connection closes.
fn stream_head() -> String {
    let mut head = String::from("HTTP/1.1 200 OK\r\n");
    for (name, value) in transport::SSE_HEADERS {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str("connection: close\r\n\r\n");
    head
}

/// Answers a refused stream request as the router would (the contract's
/// `{ "error": { "code", "message" } }`), then closes the connection.
async fn answer_error(mut tcp: TcpStream, error: ApiError, limit: Duration) {
    let (parts, body) = error.into_response().into_parts();
    let body = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        parts.status.as_u16(),
        parts.status.canonical_reason().unwrap_or("")
    );
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    let never = CancellationToken::new();
    let mut stopped = std::pin::pin!(never.cancelled());
    if write(&mut tcp, head.as_bytes(), limit, stopped.as_mut()).await
        && write(&mut tcp, &body, limit, stopped).await
    {
        let _ = tcp.shutdown().await;
    }
}

/// Writes a stream until it ends: the server stops, the client goes away
/// or stops reading, or the fan-out drops it for falling behind (the
/// client then resumes from its last id).
/// `limits`: the keep-alive period, and how long a write may wait for the
/// client to read.
async fn stream(
    mut tcp: TcpStream,
    mut sub: Subscription,
    (keep_alive, limit): (Duration, Duration),
    stop: CancellationToken,
) {
    let mut tick = transport::keep_alive_timer(keep_alive);
    // Made once: each `cancelled()` registers with the token anew.
    let stopped = stop.cancelled();
    let mut stopped = std::pin::pin!(stopped);
    loop {
        let next = tokio::select! {
            biased;
            () = &mut stopped => break,
            next = sub.next() => match next {
                Ok(Some(frame)) => Some(frame),
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "stream ended by a storage error");
                    break;
                }
            },
            _ = tick.tick() => None,
            // The socket's one reader slot, not a waiter list: this task is
            // the only reader.
            ready = std::future::poll_fn(|cx| tcp.poll_read_ready(cx)) => {
                if ready.is_err() || client_left(&tcp) {
                    return;
                }
                continue;
            }
        };
        let written = match next {
            None => write(&mut tcp, transport::SSE_KEEP_ALIVE, limit, stopped.as_mut()).await,
            Some(frame) => match sub.try_next_ready() {
                None => write(&mut tcp, &frame.sse, limit, stopped.as_mut()).await,
                Some(second) => {
                    let mut batch = BytesMut::with_capacity(8 * frame.sse.len());
                    batch.extend_from_slice(&frame.sse);
                    batch.extend_from_slice(&second.sse);
                    for _ in 2..MAX_BATCH {
                        let Some(more) = sub.try_next_ready() else {
                            break;
                        };
                        batch.extend_from_slice(&more.sse);
                    }
                    write(&mut tcp, &batch, limit, stopped.as_mut()).await
                }
            },
        };
        if !written {
            return;
        }
    }
    let _ = tcp.shutdown().await;
}

/// Whether the client closed its side. A stream's client has nothing to
/// say; whatever it sends is read and dropped.
fn client_left(tcp: &TcpStream) -> bool {
    let mut scratch = [0u8; 256];
    for _ in 0..16 {
        match tcp.try_read(&mut scratch) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
            Err(_) => return true,
        }
    }
    false
}

/// Writes all of `bytes`; `false` if the connection failed, the client did
/// not read for `limit`, or `stopped` completed (the server is stopping).
async fn write(
    tcp: &mut TcpStream,
    bytes: &[u8],
    limit: Duration,
    stopped: Pin<&mut WaitForCancellationFuture<'_>>,
) -> bool {
    // Nearly always the socket has room: one syscall, no timer. Only what
    // does not fit waits, under the time limit.
    let rest = match tcp.try_write(bytes) {
        Ok(n) if n == bytes.len() => return true,
        Ok(n) => &bytes[n..],
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => bytes,
        Err(_) => return false,
    };
    tokio::select! {
        biased;
        () = stopped => false,
        written = timeout(limit, tcp.write_all(rest)) => matches!(written, Ok(Ok(()))),
    }
}

/// Counts itself in `count` while it lives.
struct Counted<'a>(&'a AtomicUsize);

impl<'a> Counted<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Counted(count)
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests;
