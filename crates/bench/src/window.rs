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

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::{error::Result, proc};

/// What is read at each end of the window.
#[derive(Debug, Clone)]
pub struct Meter {
    /// The server's root process, when known.
    server: Option<u32>,
    /// Processes of a CPU-bound competitor, when one runs.
    competitors: Vec<u32>,
}

/// One end of the window: every counter at one moment.
#[derive(Debug, Clone)]
pub struct Mark {
    at: Instant,
    server: Option<proc::TreeCpu>,
    bench: Option<Duration>,
    machine: Option<Duration>,
    competitors: Option<proc::TreeCpu>,
    deliveries: u64,
    sends: u64,
}

impl Meter {
    /// A meter of the server whose root process is `server` (none: its CPU
    /// is not reported), and of the `competitors`' processes.
    pub fn new(server: Option<u32>, competitors: Vec<u32>) -> Meter {
        Meter {
            server,
            competitors,
        }
    }

    /// Reads every counter now, with the run's `deliveries` (events
    /// received by subscribers so far) and `sends` (sends made so far).
    /// Fails if the server's process is gone.
    pub fn mark(&self, deliveries: u64, sends: u64) -> Result<Mark> {
        let server = self.server.map(proc::tree_cpu_time).transpose()?;
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
            server,
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
    /// The server, summed over its processes, when its pid is known.
    pub server: Option<Spent>,
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
        let server = match (start.server, end.server) {
            (Some(a), Some(b)) => Some(spent(busy(b.processes, b.cpu.saturating_sub(a.cpu)))),
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
            server: Some(proc::TreeCpu {
                processes: 3,
                cpu: Duration::from_millis(server_ms),
            }),
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
        let meter = Meter::new(Some(std::process::id()), vec![std::process::id()]);
        let start = meter.mark(0, 0).unwrap();
        let end = meter.mark(1, 1).unwrap();
        let c = Cost::between(&start, &end);
        assert!(c.server.is_some() && c.bench.is_some() && c.competitor.is_some());
        assert!(c.machine_cpu_percent.is_some());
    }
}
