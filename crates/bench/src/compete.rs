//! A competitor for the cores: CPU-bound busy loops, each in a process of
//! its own, running through a fan-out run's warm-up and measured window.
//!
//! A server shares its machine with other work more often than not, and
//! its latency under contention is what a member feels then. One busy loop
//! per core takes as much of the CPU as the scheduler gives it, so the
//! server (and the bench) get what is left. The loops are separate
//! processes so their time is neither the server's nor the bench's; the
//! window reports it on its own, to show they did compete.

use std::process::Stdio;

use tokio::process::{Child, Command};

use crate::error::{Error, Result};

/// A shell loop of builtins only: it never sleeps, never starts a
/// program and never writes, so all its time is user CPU.
const BUSY_LOOP: &str = "while :; do :; done";

/// The running busy loops. Killed when dropped; [`Competitor::stop`]
/// also waits for them.
pub struct Competitor {
    loops: Vec<Child>,
}

impl Competitor {
    /// Starts `n` busy loops (`sh -c 'while :; do :; done'`).
    pub fn start(n: usize) -> Result<Competitor> {
        let loops = (0..n)
            .map(|_| {
                Command::new("sh")
                    .args(["-c", BUSY_LOOP])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .kill_on_drop(true)
                    .spawn()
                    .map_err(|e| Error::Local(format!("cannot start a busy loop: {e}")))
            })
            .collect::<Result<_>>()?;
        Ok(Competitor { loops })
    }

    /// The loops' process ids.
    pub fn pids(&self) -> Vec<u32> {
        self.loops.iter().filter_map(Child::id).collect()
    }

    /// Kills the loops and waits until they have exited.
    pub async fn stop(mut self) {
        for child in &mut self.loops {
            let _ = child.kill().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::proc;

    #[tokio::test]
    async fn the_loops_burn_cpu_until_stopped() {
        let competitor = Competitor::start(2).unwrap();
        let pids = competitor.pids();
        assert_eq!(pids.len(), 2);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        // Each loop shows CPU time of its own (a tick of it at least).
        while !pids
            .iter()
            .all(|&pid| proc::cpu_time(pid).is_ok_and(|t| t > Duration::ZERO))
        {
            assert!(tokio::time::Instant::now() < deadline, "no loop burned CPU");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        competitor.stop().await;
        for pid in pids {
            assert!(proc::cpu_time(pid).is_err(), "{pid} still there");
        }
    }
}
