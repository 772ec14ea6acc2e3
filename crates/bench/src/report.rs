//! Printing results: a plain two-column table for people, or JSON (the
//! report structs as they are) for scripts that collect runs.

use std::fmt::Write;

use crate::{pg::PgReport, proc::Memory, FanoutReport, IdleReport, UploadsReport};

fn row(out: &mut String, name: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "{name:<34} {value}");
}

fn memory(m: &Option<Memory>) -> String {
    m.map_or_else(
        || "n/a (server pid unknown)".into(),
        |m| format!("RSS {} KiB, PSS {} KiB", m.rss_kib, m.pss_kib),
    )
}

fn per(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.1} KiB"))
}

/// The `idle` report as a table.
pub fn idle_table(r: &IdleReport) -> String {
    let mut out = String::new();
    row(&mut out, "scenario", "idle");
    row(
        &mut out,
        "transport",
        format!("{:?}", r.config.transport).to_lowercase(),
    );
    row(&mut out, "subscribers (streams held)", r.config.subscribers);
    row(&mut out, "members", r.config.members);
    row(&mut out, "sign-up time", format!("{:.1} s", r.sign_up_secs));
    row(&mut out, "connect time", format!("{:.1} s", r.connect_secs));
    row(&mut out, "server before", memory(&r.before));
    row(&mut out, "server with all streams idle", memory(&r.after));
    row(
        &mut out,
        "RSS per idle subscriber",
        per(r.rss_kib_per_subscriber),
    );
    row(
        &mut out,
        "PSS per idle subscriber",
        per(r.pss_kib_per_subscriber),
    );
    row(
        &mut out,
        "server file descriptors",
        r.server_fds.map_or_else(|| "n/a".into(), |n| n.to_string()),
    );
    row(&mut out, "bench process (the clients)", memory(&r.bench));
    out
}

/// The `uploads` report as a table.
pub fn uploads_table(r: &UploadsReport) -> String {
    let mut out = String::new();
    let c = &r.config;
    let none = || "n/a".to_owned();
    row(&mut out, "scenario", "uploads");
    row(&mut out, "kind", format!("{:?}", c.kind).to_lowercase());
    row(
        &mut out,
        "files",
        format!(
            "{} of {:.2} MiB, {} at a time",
            c.files,
            r.file_bytes as f64 / 1048576.0,
            c.concurrency
        ),
    );
    row(&mut out, "wall time", format!("{:.2} s", r.wall_secs));
    row(
        &mut out,
        "throughput",
        format!("{:.1} MiB/s, {:.1} files/s", r.mib_per_sec, r.files_per_sec),
    );
    row(
        &mut out,
        "upload latency p50 / p99",
        format!("{:.1} / {:.1} ms", r.latency_p50_ms, r.latency_p99_ms),
    );
    row(
        &mut out,
        "server CPU",
        r.server_cpu_secs.map_or_else(none, |s| format!("{s:.2} s")),
    );
    row(
        &mut out,
        "server CPU per file / per MiB",
        match (r.server_cpu_ms_per_file, r.server_cpu_ms_per_mib) {
            (Some(f), Some(m)) => format!("{f:.1} ms / {m:.1} ms"),
            _ => none(),
        },
    );
    row(
        &mut out,
        "server RSS before / peak",
        match (r.server_rss_before_kib, r.server_rss_peak_kib) {
            (Some(b), Some(p)) => {
                format!("{:.1} / {:.1} MiB", b as f64 / 1024.0, p as f64 / 1024.0)
            }
            _ => none(),
        },
    );
    out
}

/// The `fanout` report as a table.
pub fn fanout_table(r: &FanoutReport) -> String {
    let mut out = String::new();
    let c = &r.config;
    let k = &r.completeness;
    row(&mut out, "scenario", "fanout");
    row(&mut out, "server", c.server_name());
    row(&mut out, "transport", c.transport_name());
    row(
        &mut out,
        "channels x members",
        format!("{} x {}", c.channels, c.channel_size),
    );
    row(&mut out, "connections held (streams)", r.subscribers);
    row(&mut out, "senders", c.senders.unwrap_or(c.channels));
    if r.nodes.len() > 1 {
        for (i, n) in r.nodes.iter().enumerate() {
            row(
                &mut out,
                &format!("node {i}"),
                format!("{}: {} streams, {} senders", n.base, n.streams, n.senders),
            );
        }
    }
    row(
        &mut out,
        "setup (sign-up, channels)",
        format!("{:.1} s", r.setup_secs),
    );
    row(
        &mut out,
        "target rate",
        format!("{} msg/s for {} s", c.rate, c.duration),
    );
    row(
        &mut out,
        "sent / acknowledged / failed",
        format!("{} / {} / {}", r.sent, r.acknowledged, r.send_errors),
    );
    if let Some(e) = &r.first_send_error {
        row(&mut out, "first send error", e);
    }
    row(
        &mut out,
        "achieved send rate",
        format!("{:.1} msg/s", r.send_rate),
    );
    row(
        &mut out,
        "deliveries/s",
        format!("{:.0}", r.deliveries_per_sec),
    );
    row(
        &mut out,
        "latency p50 / p99 / p99.9 / max",
        format!(
            "{:.1} / {:.1} / {:.1} / {:.1} ms",
            r.latency.p50_ms, r.latency.p99_ms, r.latency.p999_ms, r.latency.max_ms
        ),
    );
    window(&mut out, r);
    row(
        &mut out,
        "deliveries received / expected",
        format!("{} / {}", k.received, k.expected),
    );
    row(&mut out, "lost", k.lost);
    row(&mut out, "duplicated", k.duplicated);
    row(&mut out, "out of order", k.out_of_order);
    row(&mut out, "unacknowledged deliveries", k.unacknowledged);
    row(
        &mut out,
        "subscribers that got everything",
        format!("{} / {}", k.complete_subscribers, r.subscribers),
    );
    row(&mut out, "streams resumed", r.resumes);
    if r.ended > 0 {
        row(&mut out, "streams ended, not resumable", r.ended);
    }
    row(
        &mut out,
        "GraphQL fetches to receive",
        format!("{} ({:.2} per delivery)", r.fetches, r.fetches_per_delivery),
    );
    match &r.server {
        Some(s) => {
            row(
                &mut out,
                "server memory, not connected",
                memory(&Some(s.unconnected)),
            );
            row(&mut out, "server memory before", memory(&Some(s.before)));
            row(&mut out, "server memory after", memory(&Some(s.after)));
            row(
                &mut out,
                "server memory growth",
                format!(
                    "RSS {} KiB, PSS {} KiB (connections and run)",
                    s.after.rss_kib as i64 - s.unconnected.rss_kib as i64,
                    s.after.pss_kib as i64 - s.unconnected.pss_kib as i64
                ),
            );
            row(&mut out, "server file descriptors", s.fds);
        }
        None => row(&mut out, "server memory", "n/a (server pid unknown)"),
    }
    if let Some(pg) = &r.postgres {
        postgres(&mut out, pg, r.window.sends);
    }
    row(
        &mut out,
        "verdict",
        if r.is_complete() {
            "complete: every subscriber got every message once"
        } else {
            "INCOMPLETE"
        },
    );
    out
}

/// The measured window's rows: what it held, and what the server, the
/// bench and the machine spent in it.
fn window(out: &mut String, r: &FanoutReport) {
    let w = &r.window;
    let warmup = if r.config.warmup > 0.0 {
        format!(", after {} s of warm-up", r.config.warmup)
    } else {
        String::new()
    };
    row(
        out,
        "measured window",
        format!(
            "{:.1} s, {} deliveries, {} sends{warmup}",
            w.secs, w.deliveries, w.sends
        ),
    );
    match &w.server {
        Some(s) => {
            row(
                out,
                "server CPU per 1M deliveries",
                per_million(s.cpu_s_per_million_deliveries),
            );
            row(out, "server CPU per send", per_send(s.cpu_ms_per_send));
            row(
                out,
                "server CPU",
                format!(
                    "{:.2} s ({:.0}% of one core), {} processes",
                    s.busy.cpu_secs, s.busy.cpu_percent, s.busy.processes
                ),
            );
        }
        None => row(out, "server CPU", "n/a (server pid unknown)"),
    }
    if w.nodes.len() > 1 {
        for (i, n) in w.nodes.iter().enumerate() {
            row(
                out,
                &format!("node {i} CPU"),
                format!(
                    "{:.2} s ({:.0}% of one core), {} per 1M deliveries",
                    n.busy.cpu_secs,
                    n.busy.cpu_percent,
                    per_million(n.cpu_s_per_million_deliveries)
                ),
            );
        }
    }
    if let Some(p) = &w.postgres {
        row(
            out,
            "PostgreSQL CPU per 1M deliveries",
            per_million(p.cpu_s_per_million_deliveries),
        );
        row(out, "PostgreSQL CPU per send", per_send(p.cpu_ms_per_send));
        row(
            out,
            "PostgreSQL CPU",
            format!(
                "{:.2} s ({:.0}% of one core), {} processes",
                p.busy.cpu_secs, p.busy.cpu_percent, p.busy.processes
            ),
        );
    }
    if let Some(b) = &w.bench {
        row(
            out,
            "bench CPU per 1M deliveries",
            per_million(b.cpu_s_per_million_deliveries),
        );
        row(
            out,
            "bench CPU (clients, senders)",
            format!(
                "{:.2} s ({:.0}% of one core)",
                b.busy.cpu_secs, b.busy.cpu_percent
            ),
        );
    }
    if let Some(c) = &w.competitor {
        row(
            out,
            "competitor CPU (busy loops)",
            format!(
                "{:.2} s ({:.0}% of one core), {} processes",
                c.cpu_secs, c.cpu_percent, c.processes
            ),
        );
    }
    if let Some(p) = w.machine_cpu_percent {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        row(
            out,
            "machine CPU, all processes",
            format!("{p:.0}% of one core ({cores} cores)"),
        );
    }
}

/// What the cluster's PostgreSQL did over the window (`sends` in it).
fn postgres(out: &mut String, pg: &PgReport, sends: u64) {
    let w = &pg.wal;
    let per = |n: i64| {
        if sends > 0 {
            format!("{:.3}", n as f64 / sends as f64)
        } else {
            "n/a".into()
        }
    };
    row(
        out,
        "PostgreSQL WAL",
        format!(
            "{} records, {:.1} MiB, {} writes, {} syncs ({} per send), sync time {:.0} ms",
            w.records,
            w.bytes as f64 / 1048576.0,
            w.writes,
            w.syncs,
            per(w.syncs),
            w.sync_ms
        ),
    );
    if let Some(n) = pg.checkpoints {
        row(out, "PostgreSQL checkpoints", n);
    }
    let opt =
        |v: Option<i64>| v.map_or_else(|| "n/a (no pg_stat_statements)".into(), |v| v.to_string());
    row(out, "ledger batches", opt(pg.batches));
    if let Some(b) = pg.batches.filter(|&b| b > 0) {
        row(
            out,
            "sends per batch",
            format!("{:.1}", sends as f64 / b as f64),
        );
    }
    row(out, "doorbell rings (pg_notify)", opt(pg.rings));
    let s = &pg.sessions;
    row(
        out,
        "head row held",
        format!(
            "{:.0}% of {} samples ({:.0} ms apart){}",
            s.head_held * 100.0,
            s.samples,
            s.every_ms,
            pg.head_ms_per_batch
                .map_or_else(String::new, |ms| format!(", {ms:.2} ms per batch"))
        ),
    );
    row(
        out,
        "sessions waiting for it / ringing",
        format!("{:.2} / {:.2} on average", s.waiting_for_head, s.ringing),
    );
    for a in &s.activities {
        row(
            out,
            &format!("  {:.3} sessions", a.sessions),
            format!(
                "{}, {}{}: {}",
                a.role,
                a.state,
                if a.wait.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", a.wait)
                },
                a.query
            ),
        );
    }
    if let Some(statements) = &pg.statements {
        for st in statements {
            row(
                out,
                &format!("  {} calls", st.calls),
                format!(
                    "{:.0} ms, {:.3} ms each: {}",
                    st.total_ms, st.mean_ms, st.query
                ),
            );
        }
    }
}

fn per_million(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a (no deliveries)".into(), |v| format!("{v:.2} s"))
}

fn per_send(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a (no sends)".into(), |v| format!("{v:.3} ms"))
}
