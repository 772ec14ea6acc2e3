//! The scenarios, and what they share: many subscribers, each a task that
//! opens its member's stream, says when it is connected, and records what
//! it receives until the scenario stops it.
//!
//! A scenario measures only once every subscriber has its `CONNECTED`
//! event, so connection set-up never counts as idle memory or as delivery
//! latency. A stream the server ends (it drops subscribers that fall behind)
//! is resumed from the last position, as real clients do, and counted.

pub mod fanout;
pub mod idle;

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use tokio::{
    sync::{mpsc, Semaphore},
    task::JoinHandle,
};
use tokio_util::sync::CancellationToken;

use crate::{
    error::{Error, Result},
    metrics::{Clock, Received},
    transport::{Event, Stream, Transport},
};

/// What every subscriber task of one run shares.
#[derive(Clone)]
pub(crate) struct Crowd {
    pub http: reqwest::Client,
    pub base: String,
    pub transport: Transport,
    pub clock: Clock,
    /// Cancelled to end every subscriber.
    pub stop: CancellationToken,
    /// Chat deliveries so far, across subscribers.
    pub delivered: Arc<AtomicU64>,
    /// When the latest delivery arrived, in microseconds on `clock`.
    pub last_delivery_us: Arc<AtomicU64>,
    /// Bounds how many streams are being opened at once.
    pub connecting: Arc<Semaphore>,
}

/// The HTTP client for a run: no overall timeout (streams stay open for the
/// whole run) and no idle-connection cap (each subscriber holds its own).
pub(crate) fn http_client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .tcp_nodelay(true)
        .build()?)
}

impl Crowd {
    pub fn new(
        base: &str,
        transport: Transport,
        clock: Clock,
        connect_concurrency: usize,
    ) -> Result<Crowd> {
        Ok(Crowd {
            http: http_client()?,
            base: base.to_owned(),
            transport,
            clock,
            stop: CancellationToken::new(),
            delivered: Arc::new(AtomicU64::new(0)),
            last_delivery_us: Arc::new(AtomicU64::new(0)),
            connecting: Arc::new(Semaphore::new(connect_concurrency.max(1))),
        })
    }

    /// Starts one subscriber task per token and waits, up to `deadline`,
    /// until every one is connected. On failure the tasks are stopped.
    pub async fn connect_all(
        &self,
        tokens: impl IntoIterator<Item = String>,
        deadline: Duration,
    ) -> Result<Vec<JoinHandle<Received>>> {
        let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
        let tasks: Vec<_> = tokens
            .into_iter()
            .map(|token| tokio::spawn(self.clone().subscriber(token, ready_tx.clone())))
            .collect();
        drop(ready_tx);
        let waited = tokio::time::timeout(deadline, async {
            for _ in 0..tasks.len() {
                match ready_rx.recv().await {
                    Some(Ok(())) => {}
                    Some(Err(e)) => return Err(e),
                    None => return Err(Error::Local("a subscriber task ended".into())),
                }
            }
            Ok(())
        })
        .await;
        let outcome = match waited {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout(format!(
                "{} subscribers did not all connect within {deadline:?}",
                tasks.len()
            ))),
        };
        if let Err(e) = outcome {
            self.stop.cancel();
            for t in &tasks {
                t.abort();
            }
            return Err(e);
        }
        Ok(tasks)
    }

    /// Opens a stream, retrying a few times: a burst of thousands of
    /// connects can overflow the server's accept queue.
    async fn open(&self, token: &str, after: Option<i64>) -> Result<(Stream, i64)> {
        let mut attempt = 0;
        loop {
            let opened = async {
                let mut stream =
                    Stream::open(&self.http, &self.base, token, self.transport, after).await?;
                match stream.next().await? {
                    Some(Event::Connected(position)) => Ok((stream, position)),
                    other => Err(Error::Protocol(format!(
                        "expected CONNECTED first, got {other:?}"
                    ))),
                }
            }
            .await;
            match opened {
                Ok(opened) => return Ok(opened),
                Err(Error::Refused { code, message }) => {
                    return Err(Error::Refused { code, message })
                }
                Err(e) if attempt >= 5 => return Err(e),
                Err(_) => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                }
            }
        }
    }

    async fn subscriber(self, token: String, ready: mpsc::UnboundedSender<Result<()>>) -> Received {
        let mut received = Received::default();
        let permit = self.connecting.acquire().await;
        let (mut stream, mut last) = match self.open(&token, None).await {
            Ok(opened) => opened,
            Err(e) => {
                let _ = ready.send(Err(e));
                return received;
            }
        };
        drop(permit);
        let _ = ready.send(Ok(()));
        loop {
            let next = tokio::select! {
                biased;
                _ = self.stop.cancelled() => return received,
                next = stream.next() => next,
            };
            match next {
                Ok(Some(Event::Chat {
                    position,
                    channel,
                    text,
                })) => {
                    let now = self.clock.now_micros();
                    received.record(channel, position, &text, now);
                    last = last.max(position);
                    self.delivered.fetch_add(1, Ordering::Relaxed);
                    self.last_delivery_us.fetch_max(now, Ordering::Relaxed);
                }
                Ok(Some(Event::Connected(position) | Event::Other(position))) => {
                    last = last.max(position);
                }
                Ok(None) | Err(_) => {
                    // The server ended the stream: resume from where we are.
                    received.resumes += 1;
                    let reopened = tokio::select! {
                        _ = self.stop.cancelled() => return received,
                        r = self.open(&token, Some(last)) => r,
                    };
                    match reopened {
                        Ok((s, _)) => stream = s,
                        Err(_) => return received,
                    }
                }
            }
        }
    }
}

/// Stops every subscriber and collects what each received, in task order.
pub(crate) async fn collect(crowd: &Crowd, tasks: Vec<JoinHandle<Received>>) -> Vec<Received> {
    crowd.stop.cancel();
    let mut all = Vec::with_capacity(tasks.len());
    for task in tasks {
        all.push(task.await.unwrap_or_default());
    }
    all
}
