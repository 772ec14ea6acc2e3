//! The measured window of a fan-out run and what it cost: the server's CPU
//! per delivery and per send, beside the bench's own and the machine's.
//!
//! Throughput and latency are what the server and the load generator
//! achieve together: on a machine where the two share the cores, a
//! cheaper bench leaves the server more CPU and the same server looks
//! faster. The CPU the server spends per delivery does not depend on the
//! bench. It is the server's own work (user + system time of every one of
//! its processes, from `/proc`, see [`proc::tree_cpu_time`]) divided by
//! the events its subscribers actually received, both counted between the
//! same two [`Mark`]s: one taken just before the first measured send, one
//! after the last delivery. Set-up, connecting and warm-up fall before the
//! first mark and are not in it.
//!
//! The bench's CPU per delivery is reported the same way, so a reader can
//! see whether the bench (parsing every event of every stream) or the
//! server was the busier, and the machine's busy time, so a run that
//! shared the cores with other work shows it.
//!
//! A cluster's server is its nodes: their CPU is summed (and given node by
//! node too). The PostgreSQL they share is part of what the cluster costs,
//! but not the nodes' own work, so its CPU (the postmaster and every
//! process below it: backends, WAL writer, checkpointer) is reported
//! apart, per delivery and per send like the server's.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::{error::Result, proc};

/// What is read at each end of the window.
#[derive(Debug, Clone)]
pub struct Meter {
    /// The root process of each node of the server, when known (one for a
    /// single server).
    servers: Option<Vec<u32>>,
    /// PostgreSQL's postmaster, when the server is a cluster on it.
    postgres: Option<u32>,
    /// Processes of a CPU-bound competitor, when one runs.
    competitors: Vec<u32>,
}

/// One end of the window: every counter at one moment.
#[derive(Debug, Clone)]
pub struct Mark {
    at: Instant,
    servers: Option<Vec<proc::TreeCpu>>,
    postgres: Option<proc::TreeCpu>,
    bench: Option<Duration>,
    machine: Option<Duration>,
    competitors: Option<proc::TreeCpu>,
    deliveries: u64,
    sends: u64,
}

impl Meter {
    /// A meter of the server whose nodes' root processes are `servers`
    /// (none: its CPU is not reported), of the PostgreSQL whose postmaster
    /// is `postgres`, and of the `competitors`' processes.
    pub fn new(servers: Option<Vec<u32>>, postgres: Option<u32>, competitors: Vec<u32>) -> Meter {
        Meter {
            servers,
            postgres,
            competitors,
        }
    }

    /// Reads every counter now, with the run's `deliveries` (events
    /// received by subscribers so far) and `sends` (sends made so far).
    /// Fails if a server's process is gone.
    pub fn mark(&self, deliveries: u64, sends: u64) -> Result<Mark> {
        let servers = self
            .servers
            .as_ref()
            .map(|pids| pids.iter().map(|&pid| proc::tree_cpu_time(pid)).collect())
            .transpose()?;
        let postgres = self.postgres.and_then(|pid| proc::tree_cpu_time(pid).ok());
        let competitors = if self.competitors.is_empty() {
            None
        } else {
            self.competitors
                .iter()
                .map(|&pid| proc::cpu_time(pid))
                .sum::<Result<Duration>>()
                .ok()
                .map(|cpu| proc::TreeCpu {
                    processes: self.competitors.len(),
                    cpu,
                })
        };
        Ok(Mark {
            at: Instant::now(),
            servers,
            postgres,
            bench: proc::cpu_time(std::process::id()).ok(),
            machine: proc::machine_busy().ok(),
            competitors,
            deliveries,
            sends,
        })
    }
}

/// CPU a set of processes spent over the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Busy {
    /// Processes counted (at the window's end).
    pub processes: u64,
    /// User + system time, seconds.
    pub cpu_secs: f64,
    /// CPU time over the window's wall time, percent of one core.
    pub cpu_percent: f64,
}

/// CPU spent over the window, and what it came to per unit of work.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spent {
    /// The time itself.
    #[serde(flatten)]
    pub busy: Busy,
    /// CPU seconds per million deliveries in the window (none without deliveries).
    pub cpu_s_per_million_deliveries: Option<f64>,
    /// CPU milliseconds per send in the window (none without sends).
    pub cpu_ms_per_send: Option<f64>,
}

/// What the measured window cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cost {
    /// Wall time from the first mark to the second, seconds.
    pub secs: f64,
    /// Chat events subscribers received in the window.
    pub deliveries: u64,
    /// Sends made in the window.
    pub sends: u64,
    /// The server, summed over its processes (over every node of a
    /// cluster), when its pid is known.
    pub server: Option<Spent>,
    /// Each node of the server on its own, in the order given (one for a
    /// single server).
    pub nodes: Vec<Spent>,
    /// The PostgreSQL the nodes share, all its processes, when observed.
    pub postgres: Option<Spent>,
    /// This process: the subscribers' clients and the senders.
    pub bench: Option<Spent>,
    /// The CPU-bound competitor, when one ran.
    pub competitor: Option<Busy>,
    /// Busy CPU of the whole machine, percent of one core (at most 100
    /// times the cores). Well above server + bench (+ competitor) means
    /// other work took the difference.
    pub machine_cpu_percent: Option<f64>,
}

impl Cost {
    /// What was spent between `start` and `end`.
    pub fn between(start: &Mark, end: &Mark) -> Cost {
        let wall = end.at.saturating_duration_since(start.at);
        let deliveries = end.deliveries.saturating_sub(start.deliveries);
        let sends = end.sends.saturating_sub(start.sends);
        let busy = |processes: usize, cpu: Duration| Busy {
            processes: processes as u64,
            cpu_secs: cpu.as_secs_f64(),
            cpu_percent: percent(cpu, wall),
        };
        let spent = |busy: Busy| Spent {
            cpu_s_per_million_deliveries: (deliveries > 0)
                .then(|| busy.cpu_secs * 1e6 / deliveries as f64),
            cpu_ms_per_send: (sends > 0).then(|| busy.cpu_secs * 1e3 / sends as f64),
            busy,
        };
        let tree = |a: &proc::TreeCpu, b: &proc::TreeCpu| {
            spent(busy(b.processes, b.cpu.saturating_sub(a.cpu)))
        };
        let nodes: Vec<Spent> = match (&start.servers, &end.servers) {
            (Some(a), Some(b)) => a.iter().zip(b).map(|(a, b)| tree(a, b)).collect(),
            _ => Vec::new(),
        };
        let server = (!nodes.is_empty()).then(|| {
            let (processes, cpu) = match (&start.servers, &end.servers) {
                (Some(a), Some(b)) => (
                    b.iter().map(|t| t.processes).sum(),
                    b.iter()
                        .zip(a)
                        .map(|(b, a)| b.cpu.saturating_sub(a.cpu))
                        .sum(),
                ),
                _ => (0, Duration::ZERO),
            };
            spent(busy(processes, cpu))
        });
        let postgres = match (&start.postgres, &end.postgres) {
            (Some(a), Some(b)) => Some(tree(a, b)),
            _ => None,
        };
        let bench = match (start.bench, end.bench) {
            (Some(a), Some(b)) => Some(spent(busy(1, b.saturating_sub(a)))),
            _ => None,
        };
        let competitor = match (start.competitors, end.competitors) {
            (Some(a), Some(b)) => Some(busy(b.processes, b.cpu.saturating_sub(a.cpu))),
            _ => None,
        };
        Cost {
            secs: wall.as_secs_f64(),
            deliveries,
            sends,
            server,
            nodes,
            postgres,
            bench,
            competitor,
            machine_cpu_percent: match (start.machine, end.machine) {
                (Some(a), Some(b)) => Some(percent(b.saturating_sub(a), wall)),
                _ => None,
            },
        }
    }
}

fn percent(cpu: Duration, wall: Duration) -> f64 {
    100.0 * cpu.as_secs_f64() / wall.as_secs_f64().max(1e-9)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(at: Instant, server_ms: u64, bench_ms: u64, deliveries: u64, sends: u64) -> Mark {
        Mark {
            at,
            servers: Some(vec![proc::TreeCpu {
                processes: 3,
                cpu: Duration::from_millis(server_ms),
            }]),
            postgres: None,
            bench: Some(Duration::from_millis(bench_ms)),
            machine: None,
            competitors: None,
            deliveries,
            sends,
        }
    }

    #[test]
    fn the_cost_is_what_was_spent_between_the_marks_per_delivery_and_per_send() {
        let t0 = Instant::now();
        let start = mark(t0, 5_000, 1_000, 70, 7);
        let end = mark(t0 + Duration::from_secs(4), 7_000, 2_000, 1_000_070, 1_007);
        let c = Cost::between(&start, &end);
        assert_eq!((c.secs, c.deliveries, c.sends), (4.0, 1_000_000, 1_000));
        let s = c.server.unwrap();
        assert_eq!(s.busy.processes, 3);
        assert_eq!(s.busy.cpu_secs, 2.0);
        assert_eq!(s.busy.cpu_percent, 50.0);
        assert_eq!(s.cpu_s_per_million_deliveries, Some(2.0));
        assert_eq!(s.cpu_ms_per_send, Some(2.0));
        let b = c.bench.unwrap();
        assert_eq!(b.cpu_s_per_million_deliveries, Some(1.0));
        assert_eq!(c.competitor, None);
        assert_eq!(c.machine_cpu_percent, None);
        assert_eq!(c.nodes, vec![s]);
        assert_eq!(c.postgres, None);
    }

    #[test]
    fn a_clusters_cost_sums_its_nodes_and_keeps_postgres_apart() {
        let t0 = Instant::now();
        let tree = |processes, ms| proc::TreeCpu {
            processes,
            cpu: Duration::from_millis(ms),
        };
        let at = |at, nodes: [u64; 3], pg, deliveries| Mark {
            at,
            servers: Some(nodes.iter().map(|&ms| tree(1, ms)).collect()),
            postgres: Some(tree(12, pg)),
            bench: None,
            machine: None,
            competitors: None,
            deliveries,
            sends: deliveries / 100,
        };
        let c = Cost::between(
            &at(t0, [1_000, 2_000, 3_000], 500, 0),
            &at(
                t0 + Duration::from_secs(2),
                [2_000, 2_500, 4_500],
                1_500,
                1_000_000,
            ),
        );
        let per_node: Vec<f64> = c.nodes.iter().map(|n| n.busy.cpu_secs).collect();
        assert_eq!(per_node, [1.0, 0.5, 1.5]);
        let s = c.server.unwrap();
        assert_eq!((s.busy.processes, s.busy.cpu_secs), (3, 3.0));
        assert_eq!(s.cpu_s_per_million_deliveries, Some(3.0));
        let pg = c.postgres.unwrap();
        assert_eq!((pg.busy.processes, pg.busy.cpu_secs), (12, 1.0));
        assert_eq!(pg.cpu_ms_per_send, Some(0.1));
    }

    #[test]
    fn a_window_without_deliveries_has_no_cost_per_delivery() {
        let t0 = Instant::now();
        let c = Cost::between(
            &mark(t0, 0, 0, 5, 0),
            &mark(t0 + Duration::from_secs(1), 10, 0, 5, 0),
        );
        let s = c.server.unwrap();
        assert_eq!(s.cpu_s_per_million_deliveries, None);
        assert_eq!(s.cpu_ms_per_send, None);
    }

    #[test]
    fn marks_read_this_process_and_the_machine() {
        let me = std::process::id();
        let meter = Meter::new(Some(vec![me]), Some(me), vec![me]);
        let start = meter.mark(0, 0).unwrap();
        let end = meter.mark(1, 1).unwrap();
        let c = Cost::between(&start, &end);
        assert!(c.server.is_some() && c.bench.is_some() && c.competitor.is_some());
        assert!(c.postgres.is_some() && c.nodes.len() == 1);
        assert!(c.machine_cpu_percent.is_some());
    }
}
