//! The hand-off to hyper: a connection that is not a plain stream request
//! is served by hyper and the router, with the bytes the direct path
//! already read put back in front of the socket ([`Prefixed`]).

use super::*;

/// Serves a connection with hyper and the router until it closes; when the
/// server stops, hyper finishes the request in hand and closes. A client
/// gets `head_timeout` to send each request head, counted from when the
/// connection is ready for it: so a kept-alive connection that sits idle
/// that long is closed too.
pub(super) async fn through_hyper<S>(
    io: Prefixed,
    app: S,
    head_timeout: Duration,
    stop: CancellationToken,
) where
    S: tower::Service<
            axum::extract::Request<hyper::body::Incoming>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(head_timeout)
        .serve_connection(TokioIo::new(io), TowerToHyperService::new(app))
        .with_upgrades();
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        served = conn.as_mut() => {
            if let Err(e) = served {
                tracing::trace!(error = %e, "connection ended with an error");
            }
            return;
        }
        () = stop.cancelled() => conn.as_mut().graceful_shutdown(),
    }
    let _ = conn.await;
}

/// A socket with the bytes already read from it put back in front, whose
/// writes give up once the client has read nothing for `write_limit`: a
/// client that stops reading (a GraphQL answer, a stream through hyper, a
/// WebSocket) is let go, as the direct stream path lets it go, instead of
/// holding its connection and its buffers for ever.
pub(super) struct Prefixed {
    head: Bytes,
    io: TcpStream,
    write_limit: Duration,
    /// Running while a write is waiting for the client to read.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Prefixed {
    pub(super) fn new(head: Bytes, io: TcpStream, write_limit: Duration) -> Self {
        Prefixed {
            head,
            io,
            write_limit,
            stalled: None,
        }
    }

    /// Turns a write's `Pending` into an error once the client has not
    /// read for `write_limit`; clears the clock on progress.
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if polled.is_ready() {
            self.stalled = None;
            return polled;
        }
        let limit = self.write_limit;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        if stalled.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client stopped reading",
            )));
        }
        Poll::Pending
    }
}

impl AsyncRead for Prefixed {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.head.is_empty() {
            return Pin::new(&mut self.io).poll_read(cx, buf);
        }
        let n = self.head.len().min(buf.remaining());
        buf.put_slice(&self.head[..n]);
        self.head.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Prefixed {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        self.watch(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.watch(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.io).poll_flush(cx);
        self.watch(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.io).poll_shutdown(cx);
        self.watch(cx, polled)
    }
}
