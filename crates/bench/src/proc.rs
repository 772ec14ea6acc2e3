//! What the operating system knows about a process: its memory and CPU
//! time from `/proc`, and the open-file limit.
//!
//! The server's own counters would measure what the server thinks it uses;
//! `/proc` measures what it costs the machine. RSS counts every resident
//! page; PSS splits shared pages (libraries) among the processes sharing
//! them, so its growth is the fairest "memory per subscriber".
//!
//! Every connection costs one file descriptor on each side, and the usual
//! soft limit (1,024) stops a run at about a thousand subscribers, so the
//! bench raises its own soft limit to the hard limit before it starts the
//! server, which inherits it.

use std::time::Duration;

use nix::sys::resource::{getrlimit, setrlimit, Resource};
use serde::Serialize;

use crate::error::{Error, Result};

/// A process's memory, in KiB.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Memory {
    /// Resident set size (`VmRSS` in `/proc/PID/status`).
    pub rss_kib: u64,
    /// Proportional set size (`Pss` in `/proc/PID/smaps_rollup`).
    pub pss_kib: u64,
}

/// Reads the memory of process `pid`.
pub fn memory(pid: u32) -> Result<Memory> {
    let status = read(pid, "status")?;
    let rollup = read(pid, "smaps_rollup")?;
    Ok(Memory {
        rss_kib: kib_field(&status, "VmRSS:")
            .ok_or_else(|| Error::Local("no VmRSS in /proc status".into()))?,
        pss_kib: kib_field(&rollup, "Pss:")
            .ok_or_else(|| Error::Local("no Pss in /proc smaps_rollup".into()))?,
    })
}

/// CPU time (user + system) the process has used so far.
pub fn cpu_time(pid: u32) -> Result<Duration> {
    let stat = read(pid, "stat")?;
    let ticks = stat_ticks(&stat)
        .ok_or_else(|| Error::Local(format!("cannot read utime/stime of {pid}")))?;
    Ok(Duration::from_micros(
        ticks * 1_000_000 / ticks_per_second(),
    ))
}

/// CPU time every core of the machine spent busy so far (all processes,
/// the kernel included): the `cpu` line of `/proc/stat` less idle and
/// iowait. A run on a shared machine compares it with its own processes'
/// time to see how much other work competed for the cores.
pub fn machine_busy() -> Result<Duration> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let ticks = stat
        .lines()
        .find_map(|l| l.strip_prefix("cpu "))
        .and_then(busy_ticks)
        .ok_or_else(|| Error::Local("cannot read the cpu line of /proc/stat".into()))?;
    Ok(Duration::from_micros(
        ticks * 1_000_000 / ticks_per_second(),
    ))
}

/// user + nice + system + irq + softirq + steal, from the fields after `cpu`.
fn busy_ticks(fields: &str) -> Option<u64> {
    let n: Vec<u64> = fields
        .split_whitespace()
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    let (idle, iowait) = (*n.get(3)?, *n.get(4)?);
    Some(n.iter().take(8).sum::<u64>() - idle - iowait)
}

fn ticks_per_second() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .and_then(|t| u64::try_from(t).ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

/// How many file descriptors the process holds (sockets included).
pub fn open_fds(pid: u32) -> Result<u64> {
    Ok(std::fs::read_dir(format!("/proc/{pid}/fd"))?.count() as u64)
}

/// The process and all its descendants, `pid` first. A server may be more
/// than one process (nginx: a master and its workers); what it costs the
/// machine is the sum over all of them.
pub fn family(pid: u32) -> Result<Vec<u32>> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        let Some(child) = entry?.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        // A process may exit between listing and reading: skip it.
        if let Some(parent) = read(child, "stat").ok().as_deref().and_then(stat_parent) {
            parents.push((child, parent));
        }
    }
    Ok(descendants(pid, &parents))
}

/// Memory summed over `pids`.
pub fn memory_of(pids: &[u32]) -> Result<Memory> {
    pids.iter().try_fold(Memory::default(), |sum, &pid| {
        let m = memory(pid)?;
        Ok(Memory {
            rss_kib: sum.rss_kib + m.rss_kib,
            pss_kib: sum.pss_kib + m.pss_kib,
        })
    })
}

/// CPU time summed over `pids`.
pub fn cpu_time_of(pids: &[u32]) -> Result<Duration> {
    pids.iter()
        .try_fold(Duration::ZERO, |sum, &pid| Ok(sum + cpu_time(pid)?))
}

/// File descriptors summed over `pids`.
pub fn open_fds_of(pids: &[u32]) -> Result<u64> {
    pids.iter()
        .try_fold(0, |sum, &pid| Ok(sum + open_fds(pid)?))
}

/// `root` and every process below it, given `(pid, parent pid)` pairs.
fn descendants(root: u32, parents: &[(u32, u32)]) -> Vec<u32> {
    let mut family = vec![root];
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        family.extend(
            parents
                .iter()
                .filter(|&&(child, p)| p == parent && child != root)
                .map(|&(child, _)| child),
        );
        i += 1;
    }
    family
}

/// The open-file limits after raising the soft limit to the hard one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FileLimit {
    /// The soft limit now in force (what a process may open).
    pub soft: u64,
    /// The hard limit (how far an unprivileged process may raise it).
    pub hard: u64,
}

/// Raises this process's open-file soft limit to its hard limit. Children
/// started afterwards (the server) inherit it.
pub fn raise_file_limit() -> Result<FileLimit> {
    let (soft, hard) =
        getrlimit(Resource::RLIMIT_NOFILE).map_err(|e| Error::Local(format!("getrlimit: {e}")))?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard)
            .map_err(|e| Error::Local(format!("setrlimit: {e}")))?;
    }
    Ok(FileLimit { soft: hard, hard })
}

fn read(pid: u32, file: &str) -> Result<String> {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .map_err(|e| Error::Local(format!("/proc/{pid}/{file}: {e}")))
}

fn kib_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// The parent pid: field 4 of `/proc/PID/stat`.
fn stat_parent(stat: &str) -> Option<u32> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// `utime + stime` in clock ticks: fields 14 and 15 of `/proc/PID/stat`,
/// counted after the parenthesised command name (which may hold spaces).
fn stat_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // fields[0] is field 3 (state), so field N is fields[N - 3].
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let me = std::process::id();
        let m = memory(me).unwrap();
        assert!(m.rss_kib > 0 && m.pss_kib > 0);
        cpu_time(me).unwrap();
        assert!(open_fds(me).unwrap() > 0);
        machine_busy().unwrap();
    }

    #[test]
    fn machine_busy_leaves_out_idle_and_iowait() {
        assert_eq!(busy_ticks(" 10 1 5 1000 50 2 3 4 0 0"), Some(25));
    }

    #[test]
    fn stat_fields_count_from_after_the_name() {
        let stat = "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 1 0";
        assert_eq!(stat_ticks(stat), Some(12));
        assert_eq!(stat_parent(stat), Some(1));
    }

    #[test]
    fn a_family_is_the_root_and_everything_below_it() {
        let parents = [(10, 1), (11, 10), (12, 10), (13, 11), (20, 1), (1, 0)];
        assert_eq!(descendants(10, &parents), vec![10, 11, 12, 13]);
        assert_eq!(descendants(20, &parents), vec![20]);
        let me = std::process::id();
        assert_eq!(family(me).unwrap()[0], me);
        assert_eq!(memory_of(&[]).unwrap(), Memory::default());
    }
}
