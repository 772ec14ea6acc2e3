//! The PostgreSQL under a cluster, observed over a fan-out run's measured
//! window: what limits the cluster's writes shows here, not in the nodes.
//!
//! Every event-writing transaction of the cluster holds one row,
//! `ledger_head`, from its start to its commit (docs/deploy.md), so the
//! cluster's write rate is bounded by how long each batch holds it. Three
//! readings say where the time goes:
//!
//! - **Sessions**, sampled every [`SAMPLE_EVERY`] from `pg_stat_activity`
//!   and `pg_locks`: each of the nodes' sessions that is not idle is
//!   classed as holding the head row (it has the table's `RowShareLock`,
//!   which `SELECT ... FOR UPDATE` takes, and waits for no lock), waiting
//!   for it (the same, and waiting on a lock), ringing (its statement is
//!   the doorbell's `pg_notify`), or other (token lookups, reads forward),
//!   with its state, wait event and statement. The share of samples with
//!   a holder is how busy the head row was; what the holder was doing
//!   (running a statement, waiting for its node's next one, flushing the
//!   WAL at commit) is where a batch's time goes.
//! - **WAL**, from `pg_stat_wal` at the window's two ends: records,
//!   bytes, writes and syncs (each sync one disk flush), with their time
//!   when `track_wal_io_timing` is on; and the checkpoints in between.
//! - **Statements**, from `pg_stat_statements` when PostgreSQL preloads it
//!   (`shared_preload_libraries`): calls and execution time of each
//!   statement in the window. A batch begins with `SELECT seq FROM
//!   ledger_head FOR UPDATE`, so its calls are the batches, and its time
//!   is mostly the wait for the row; `pg_notify` is the rings.
//!
//! The two views of a sample are read a fraction of a millisecond apart,
//! so a few samples catch a session as it begins or ends a batch (it shows
//! holding the head row while `idle`). The sampling itself costs
//! PostgreSQL about 0.3 ms of CPU per sample (some 1.5 % of a core at one
//! every 20 ms), inside its CPU figure; its statements are left out of the
//! list.
//!
//! PostgreSQL's cumulative statistics reach the shared counters when a
//! backend goes idle, at most once a second, so the WAL and statement
//! figures of a window may be off by about a second's worth at each end
//! (the same at both ends in a steady run, where they cancel).

use std::{collections::HashMap, str::FromStr, time::Duration};

use serde::Serialize;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool, Row,
};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};

/// How often the sessions are sampled.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(20);

/// The statement that begins every ledger batch (crates/server's
/// `store/postgres/tx.rs`): its calls count the batches.
pub const BATCH_BEGIN: &str = "SELECT seq FROM ledger_head FOR UPDATE";

/// Activities listed in a report, the busiest first.
const ACTIVITIES_LISTED: usize = 16;
/// Statements listed in a report, by total time.
const STATEMENTS_LISTED: usize = 12;

/// A connection to the cluster's database for statistics.
pub struct Observer {
    pool: PgPool,
    postmaster: Option<u32>,
    statements: bool,
}

/// The cumulative counters at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    wal: Wal,
    checkpoints: Option<i64>,
    /// Calls and total execution time (ms) per statement text.
    statements: Option<HashMap<String, (i64, f64)>>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Wal {
    records: i64,
    fpi: i64,
    bytes: i64,
    writes: i64,
    syncs: i64,
    write_ms: f64,
    sync_ms: f64,
}

/// The WAL written over the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalSpent {
    /// WAL records.
    pub records: i64,
    /// Full-page images among them.
    pub full_page_images: i64,
    /// Bytes of WAL.
    pub bytes: i64,
    /// Writes of WAL buffers to the files.
    pub writes: i64,
    /// Syncs of the WAL to disk (`fsync`/`fdatasync`): one flush each.
    pub syncs: i64,
    /// Time in those writes and syncs, ms (0 unless `track_wal_io_timing`).
    pub write_ms: f64,
    /// Time in the syncs, ms (0 unless `track_wal_io_timing`).
    pub sync_ms: f64,
}

/// One statement's share of the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementSpent {
    /// Its text, as `pg_stat_statements` keeps it (parameters as `$n`).
    pub query: String,
    /// Calls in the window.
    pub calls: i64,
    /// Execution time in the window, ms (for `COMMIT`, not the commit
    /// itself: PostgreSQL commits after the statement has run).
    pub total_ms: f64,
    /// Per call, ms.
    pub mean_ms: f64,
}

/// What the nodes' sessions were doing, from the samples.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Sessions {
    /// Samples taken.
    pub samples: u64,
    /// The mean time between them, ms.
    pub every_ms: f64,
    /// Share of samples in which a session held the head row (0 to 1).
    pub head_held: f64,
    /// Sessions waiting for the head row, on average.
    pub waiting_for_head: f64,
    /// Sessions ringing (in the doorbell's `pg_notify`), on average.
    pub ringing: f64,
    /// The busiest activities: sessions in each, on average.
    pub activities: Vec<Activity>,
}

/// Sessions in one role, state, wait and statement, on average over the
/// samples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    /// `holding the head row`, `waiting for the head row`, `ringing
    /// (NOTIFY)` or `other`.
    pub role: String,
    /// `active`, `idle in transaction`, ...
    pub state: String,
    /// `type:event` (e.g. `IO:WALSync`, `Lock:transactionid`,
    /// `Client:ClientRead`), empty when on CPU.
    pub wait: String,
    /// The session's current (or, when idle in a transaction, last)
    /// statement, shortened.
    pub query: String,
    /// Sessions in it, on average (for the one head row: the share of
    /// the time it was held so).
    pub sessions: f64,
}

/// What PostgreSQL did over the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PgReport {
    /// The WAL written, when `pg_stat_wal` could be read.
    pub wal: WalSpent,
    /// Checkpoints that started in the window (their writes are disk
    /// traffic too).
    pub checkpoints: Option<i64>,
    /// Ledger batches committed in the window (calls of [`BATCH_BEGIN`]),
    /// with `pg_stat_statements`.
    pub batches: Option<i64>,
    /// Doorbell rings sent (calls of `pg_notify`), with `pg_stat_statements`.
    pub rings: Option<i64>,
    /// The head row held per batch, ms: its share of the window over the
    /// batches.
    pub head_ms_per_batch: Option<f64>,
    /// The statements that took the most time, with `pg_stat_statements`.
    pub statements: Option<Vec<StatementSpent>>,
    /// The sampled sessions.
    pub sessions: Sessions,
}

impl Observer {
    /// Connects to the cluster's database at `url` (as a user that may
    /// read every session's activity: a superuser or `pg_monitor`).
    pub async fn connect(url: &str) -> Result<Observer> {
        let options = PgConnectOptions::from_str(url)
            .map_err(pg_error)?
            .application_name("suda-bench");
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await
            .map_err(pg_error)?;
        let backend: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&pool)
            .await
            .map_err(pg_error)?;
        // A backend is a child of the postmaster, when both are here.
        let postmaster = u32::try_from(backend)
            .ok()
            .and_then(|pid| crate::proc::parent(pid).ok());
        // Available only when PostgreSQL preloads the library.
        let _ = sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            .execute(&pool)
            .await;
        let statements = sqlx::query("SELECT 1 FROM pg_stat_statements LIMIT 1")
            .fetch_optional(&pool)
            .await
            .is_ok();
        Ok(Observer {
            pool,
            postmaster,
            statements,
        })
    }

    /// The postmaster's pid, when PostgreSQL runs on this machine.
    pub fn postmaster(&self) -> Option<u32> {
        self.postmaster
    }

    /// Reads the cumulative counters now.
    pub async fn snapshot(&self) -> Result<Snapshot> {
        let row = sqlx::query(
            "SELECT wal_records, wal_fpi, wal_bytes::bigint, wal_write, wal_sync,
                    wal_write_time, wal_sync_time FROM pg_stat_wal",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(pg_error)?;
        let wal = Wal {
            records: row.try_get(0).map_err(pg_error)?,
            fpi: row.try_get(1).map_err(pg_error)?,
            bytes: row.try_get(2).map_err(pg_error)?,
            writes: row.try_get(3).map_err(pg_error)?,
            syncs: row.try_get(4).map_err(pg_error)?,
            write_ms: row.try_get(5).map_err(pg_error)?,
            sync_ms: row.try_get(6).map_err(pg_error)?,
        };
        // pg_stat_bgwriter up to PostgreSQL 16, pg_stat_checkpointer after.
        let mut checkpoints = sqlx::query_scalar::<_, i64>(
            "SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter",
        )
        .fetch_one(&self.pool)
        .await
        .ok();
        if checkpoints.is_none() {
            checkpoints = sqlx::query_scalar::<_, i64>(
                "SELECT num_timed + num_requested FROM pg_stat_checkpointer",
            )
            .fetch_one(&self.pool)
            .await
            .ok();
        }
        let statements = if self.statements {
            let rows: Vec<(String, i64, f64)> = sqlx::query_as(
                "SELECT query, sum(calls)::bigint, sum(total_exec_time)
                 FROM pg_stat_statements
                 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                 GROUP BY query",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(pg_error)?;
            Some(
                rows.into_iter()
                    .map(|(query, calls, ms)| (query, (calls, ms)))
                    .collect(),
            )
        } else {
            None
        };
        Ok(Snapshot {
            wal,
            checkpoints,
            statements,
        })
    }

    /// Starts sampling the nodes' sessions every [`SAMPLE_EVERY`] until
    /// [`Sampler::finish`].
    pub fn sample(&self) -> Sampler {
        let stop = CancellationToken::new();
        let task = tokio::spawn(sample(self.pool.clone(), stop.clone()));
        Sampler { stop, task }
    }

    /// What happened between `start` and `end`, with the `sessions`
    /// sampled in between, over a window of `secs`.
    pub fn report(start: &Snapshot, end: &Snapshot, sessions: Sessions, secs: f64) -> PgReport {
        let (a, b) = (start.wal, end.wal);
        let wal = WalSpent {
            records: b.records - a.records,
            full_page_images: b.fpi - a.fpi,
            bytes: b.bytes - a.bytes,
            writes: b.writes - a.writes,
            syncs: b.syncs - a.syncs,
            write_ms: b.write_ms - a.write_ms,
            sync_ms: b.sync_ms - a.sync_ms,
        };
        let statements = match (&start.statements, &end.statements) {
            (Some(a), Some(b)) => Some(statements_between(a, b)),
            _ => None,
        };
        let calls = |pattern: &str| {
            statements.as_ref().map(|all| {
                all.iter()
                    .filter(|s| s.query.contains(pattern))
                    .map(|s| s.calls)
                    .sum::<i64>()
            })
        };
        let batches = calls(BATCH_BEGIN);
        let rings = calls("pg_notify");
        let head_ms_per_batch = batches
            .filter(|&n| n > 0)
            .map(|n| sessions.head_held * secs * 1000.0 / n as f64);
        let listed = statements.map(|mut all| {
            all.sort_by(|x, y| y.total_ms.total_cmp(&x.total_ms));
            // The batch's first statement and the ring are always listed.
            let (mut kept, rest): (Vec<_>, Vec<_>) = all
                .into_iter()
                .partition(|s| s.query.contains(BATCH_BEGIN) || s.query.contains("pg_notify"));
            kept.extend(
                rest.into_iter()
                    .take(STATEMENTS_LISTED.saturating_sub(kept.len())),
            );
            kept.sort_by(|x, y| y.total_ms.total_cmp(&x.total_ms));
            kept
        });
        PgReport {
            wal,
            checkpoints: match (start.checkpoints, end.checkpoints) {
                (Some(a), Some(b)) => Some(b - a),
                _ => None,
            },
            batches,
            rings,
            head_ms_per_batch,
            statements: listed,
            sessions,
        }
    }
}

/// Whether `query` is one of this observer's own (the nodes never read
/// PostgreSQL's statistics).
fn is_observers(query: &str) -> bool {
    ["pg_stat", "pg_locks", "pg_backend_pid", "EXTENSION"]
        .iter()
        .any(|word| query.contains(word))
}

/// Each statement's calls and time between two readings, those called,
/// but for the observer's own.
fn statements_between(
    start: &HashMap<String, (i64, f64)>,
    end: &HashMap<String, (i64, f64)>,
) -> Vec<StatementSpent> {
    end.iter()
        .filter(|(query, _)| !is_observers(query))
        .filter_map(|(query, &(calls, ms))| {
            let (calls0, ms0) = start.get(query).copied().unwrap_or((0, 0.0));
            let calls = calls - calls0;
            (calls > 0).then(|| StatementSpent {
                query: one_line(query, 80),
                calls,
                total_ms: ms - ms0,
                mean_ms: (ms - ms0) / calls as f64,
            })
        })
        .collect()
}

/// `text` on one line, at most `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let line = words.join(" ");
    match line.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

/// A running sample of the sessions.
pub struct Sampler {
    stop: CancellationToken,
    task: JoinHandle<Result<Sessions>>,
}

impl Sampler {
    /// Stops sampling; what the samples say.
    pub async fn finish(self) -> Result<Sessions> {
        self.stop.cancel();
        self.task
            .await
            .map_err(|e| Error::Local(format!("the sampler failed: {e}")))?
    }
}

/// One sample: every session of the nodes that is not idle (or holds the
/// head row), classed.
const SAMPLE: &str = r"
SELECT CASE
         WHEN h.pid IS NOT NULL AND a.wait_event_type = 'Lock' THEN 'waiting for the head row'
         WHEN h.pid IS NOT NULL THEN 'holding the head row'
         WHEN a.query LIKE '%pg_notify%' THEN 'ringing (NOTIFY)'
         ELSE 'other'
       END,
       coalesce(a.state, ''),
       coalesce(a.wait_event_type || ':' || a.wait_event, ''),
       left(regexp_replace(a.query, '\s+', ' ', 'g'), 60)
FROM pg_stat_activity a
LEFT JOIN (SELECT DISTINCT pid FROM pg_locks
           WHERE locktype = 'relation' AND relation = 'ledger_head'::regclass
             AND mode = 'RowShareLock' AND granted) h ON h.pid = a.pid
WHERE a.backend_type = 'client backend' AND a.application_name = 'suda-server'
  AND (a.state <> 'idle' OR h.pid IS NOT NULL)";

async fn sample(pool: PgPool, stop: CancellationToken) -> Result<Sessions> {
    let mut conn = pool.acquire().await.map_err(pg_error)?;
    let mut counts: HashMap<(String, String, String, String), u64> = HashMap::new();
    let (mut samples, mut held, mut waiting, mut ringing) = (0u64, 0u64, 0u64, 0u64);
    let started = tokio::time::Instant::now();
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            () = stop.cancelled() => break,
            _ = tick.tick() => {}
        }
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(SAMPLE)
            .fetch_all(&mut *conn)
            .await
            .map_err(pg_error)?;
        samples += 1;
        held += u64::from(rows.iter().any(|r| r.0 == "holding the head row"));
        waiting += rows
            .iter()
            .filter(|r| r.0 == "waiting for the head row")
            .count() as u64;
        ringing += rows.iter().filter(|r| r.0 == "ringing (NOTIFY)").count() as u64;
        for row in rows {
            *counts.entry(row).or_default() += 1;
        }
    }
    let n = samples.max(1) as f64;
    let mut activities: Vec<Activity> = counts
        .into_iter()
        .map(|((role, state, wait, query), count)| Activity {
            role,
            state,
            wait,
            query,
            sessions: count as f64 / n,
        })
        .collect();
    activities.sort_by(|a, b| b.sessions.total_cmp(&a.sessions));
    activities.truncate(ACTIVITIES_LISTED);
    Ok(Sessions {
        samples,
        every_ms: started.elapsed().as_secs_f64() * 1000.0 / n,
        head_held: held as f64 / n,
        waiting_for_head: waiting as f64 / n,
        ringing: ringing as f64 / n,
        activities,
    })
}

fn pg_error(e: impl std::fmt::Display) -> Error {
    Error::Local(format!("postgres: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_what_was_called_between_the_readings() {
        let start = HashMap::from([
            (BATCH_BEGIN.to_owned(), (10, 5.0)),
            ("COMMIT".to_owned(), (10, 1.0)),
        ]);
        let end = HashMap::from([
            (BATCH_BEGIN.to_owned(), (30, 45.0)),
            ("COMMIT".to_owned(), (10, 1.0)),
            ("SELECT pg_notify($1, $2)".to_owned(), (4, 2.0)),
            ("SELECT * FROM pg_stat_wal".to_owned(), (4, 2.0)),
        ]);
        let mut spent = statements_between(&start, &end);
        spent.sort_by(|a, b| a.query.cmp(&b.query));
        assert_eq!(
            spent.len(),
            2,
            "COMMIT was not called, the rest is the observer's: {spent:?}"
        );
        assert_eq!(spent[0].query, "SELECT pg_notify($1, $2)");
        assert_eq!(
            (spent[1].calls, spent[1].total_ms, spent[1].mean_ms),
            (20, 40.0, 2.0)
        );
    }

    #[test]
    fn a_report_counts_batches_and_rings_and_the_head_per_batch() {
        let start = Snapshot {
            statements: Some(HashMap::new()),
            ..Snapshot::default()
        };
        let end = Snapshot {
            wal: Wal {
                syncs: 200,
                bytes: 1 << 20,
                ..Wal::default()
            },
            checkpoints: None,
            statements: Some(HashMap::from([
                (BATCH_BEGIN.to_owned(), (100, 50.0)),
                ("SELECT pg_notify($1, $2)".to_owned(), (90, 9.0)),
            ])),
        };
        let sessions = Sessions {
            head_held: 0.5,
            ..Sessions::default()
        };
        let r = Observer::report(&start, &end, sessions, 2.0);
        assert_eq!((r.wal.syncs, r.wal.bytes), (200, 1 << 20));
        assert_eq!((r.batches, r.rings), (Some(100), Some(90)));
        // Held half of 2 s, over 100 batches.
        assert_eq!(r.head_ms_per_batch, Some(10.0));
        assert_eq!(r.statements.unwrap().len(), 2);
    }

    #[test]
    fn long_statements_are_shortened_to_one_line() {
        assert_eq!(one_line("SELECT a,\n   b FROM t", 80), "SELECT a, b FROM t");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }
}
