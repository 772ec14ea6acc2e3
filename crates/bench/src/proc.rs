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

/// CPU time (user + system) the process has used so far, all its threads
/// together (those that ended included: the kernel keeps their time in
/// the process's), its child processes not.
pub fn cpu_time(pid: u32) -> Result<Duration> {
    let times = stat_times(&read(pid, "stat")?)
        .ok_or_else(|| Error::Local(format!("cannot read utime/stime of {pid}")))?;
    Ok(ticks_to_duration(times.utime + times.stime))
}

/// CPU time of a process tree at one moment: see [`tree_cpu_time`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeCpu {
    /// Processes alive in the tree when it was read.
    pub processes: usize,
    /// User + system time of every process alive in the tree, with the
    /// time of the children each has reaped.
    pub cpu: Duration,
}

/// CPU time (user + system) used so far by process `root` and everything
/// below it: nginx's master and its workers, a node or suda-server process
/// with all its threads.
///
/// Each process counts with the time of the children it has reaped
/// (`cutime` and `cstime`), so the difference between two readings is
/// what the tree spent between them even if a process of it ended in
/// between (a worker that exits and is reaped moves its time into its
/// parent's), or started in between (it counts from zero). A process that
/// ends while the tree is being read may be missed or counted twice in
/// that one reading; a server's processes do not come and go during a run.
pub fn tree_cpu_time(root: u32) -> Result<TreeCpu> {
    let mut processes = 0;
    let mut ticks = 0;
    for pid in family(root)? {
        let stat = match read(pid, "stat") {
            Ok(stat) => stat,
            // Gone since the tree was listed; its time is its parent's now.
            Err(_) if pid != root => continue,
            Err(e) => return Err(e),
        };
        let t = stat_times(&stat)
            .ok_or_else(|| Error::Local(format!("cannot read the times of {pid}")))?;
        ticks += t.utime + t.stime + t.cutime + t.cstime;
        processes += 1;
    }
    Ok(TreeCpu {
        processes,
        cpu: ticks_to_duration(ticks),
    })
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
    Ok(ticks_to_duration(ticks))
}

fn ticks_to_duration(ticks: u64) -> Duration {
    Duration::from_micros(ticks * 1_000_000 / ticks_per_second())
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

/// The parent of process `pid`.
pub fn parent(pid: u32) -> Result<u32> {
    stat_parent(&read(pid, "stat")?)
        .ok_or_else(|| Error::Local(format!("cannot read the parent of {pid}")))
}

/// Memory summed over `pids` (a root and its family, [`family`]'s order).
/// A process of the family that exited since it was listed counts for
/// nothing; the root must be there.
pub fn memory_of(pids: &[u32]) -> Result<Memory> {
    let mut sum = Memory::default();
    for (i, &pid) in pids.iter().enumerate() {
        match memory(pid) {
            Ok(m) => {
                sum.rss_kib += m.rss_kib;
                sum.pss_kib += m.pss_kib;
            }
            Err(_) if i > 0 && gone(pid) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(sum)
}

/// File descriptors summed over `pids`, as [`memory_of`] counts.
pub fn open_fds_of(pids: &[u32]) -> Result<u64> {
    let mut sum = 0;
    for (i, &pid) in pids.iter().enumerate() {
        match open_fds(pid) {
            Ok(n) => sum += n,
            Err(_) if i > 0 && gone(pid) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(sum)
}

/// Whether process `pid` has exited (its `/proc` entry is gone).
fn gone(pid: u32) -> bool {
    !std::path::Path::new(&format!("/proc/{pid}")).exists()
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

/// A process's CPU times from `/proc/PID/stat`, in clock ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StatTimes {
    /// User time of the process (all its threads).
    utime: u64,
    /// System time of the process.
    stime: u64,
    /// User time of the children it has waited for.
    cutime: u64,
    /// System time of the children it has waited for.
    cstime: u64,
}

/// Fields 14 to 17 of `/proc/PID/stat` (`utime stime cutime cstime`),
/// counted after the parenthesised command name (which may hold spaces).
fn stat_times(stat: &str) -> Option<StatTimes> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // fields[0] is field 3 (state), so field N is fields[N - 3].
    let field = |n: usize| fields.get(n - 3)?.parse().ok();
    Some(StatTimes {
        utime: field(14)?,
        stime: field(15)?,
        cutime: field(16)?,
        cstime: field(17)?,
    })
}

#[cfg(test)]
mod tests {
    use std::{
        io::{BufRead, BufReader, Write},
        process::{Command, Stdio},
        time::Instant,
    };

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
        let stat = "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 7 5 3 2 20 0 1 0";
        assert_eq!(
            stat_times(stat),
            Some(StatTimes {
                utime: 7,
                stime: 5,
                cutime: 3,
                cstime: 2
            })
        );
        assert_eq!(stat_parent(stat), Some(1));
        assert_eq!(stat_times("42 (short) S 1 42"), None);
    }

    /// A shell loop that keeps a core busy for about a third of a second
    /// of CPU, with no program started (only shell builtins).
    const BUSY: &str = "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done";

    /// Starts `sh -c script`; the script ends with `times` (the shell's own
    /// and its reaped children's user and system time, as it sees them) and
    /// then waits for a line on stdin, so its /proc entry stays readable.
    fn shell(script: &str) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("{script}; times; read x"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        (child, out)
    }

    /// One line of `times`: user + system, e.g. `0m0.220000s 0m0.010000s`.
    fn times_line(out: &mut impl BufRead) -> Duration {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        line.split_whitespace()
            .map(|t| {
                let (m, s) = t.trim_end_matches('s').split_once('m').unwrap();
                Duration::from_secs_f64(
                    m.parse::<f64>().unwrap() * 60.0 + s.parse::<f64>().unwrap(),
                )
            })
            .sum()
    }

    fn finish(mut child: std::process::Child) {
        child.stdin.take().unwrap().write_all(b"\n").unwrap();
        assert!(child.wait().unwrap().success());
    }

    fn close(a: Duration, b: Duration, tolerance: Duration) -> bool {
        a.abs_diff(b) <= tolerance
    }

    /// Two clock ticks, and a little for the shell's `read` after `times`.
    const TOLERANCE: Duration = Duration::from_millis(30);

    #[test]
    fn a_busy_childs_cpu_time_is_what_it_reports_itself() {
        let started = Instant::now();
        let (child, mut out) = shell(BUSY);
        let reported = times_line(&mut out) + times_line(&mut out);
        let wall = started.elapsed();
        let pid = child.id();
        let read = cpu_time(pid).unwrap();
        let tree = tree_cpu_time(pid).unwrap();
        finish(child);
        assert!(reported >= Duration::from_millis(100), "busy: {reported:?}");
        assert!(close(read, reported, TOLERANCE), "{read:?} vs {reported:?}");
        assert_eq!(tree.processes, 1);
        assert!(
            close(tree.cpu, reported, TOLERANCE),
            "{tree:?} vs {reported:?}"
        );
        // CPU of one thread cannot exceed the time it was alive.
        assert!(read <= wall + TOLERANCE, "{read:?} in {wall:?}");
    }

    #[test]
    fn a_family_member_that_exits_after_the_listing_counts_for_nothing() {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        let me = std::process::id();
        let listed = family(me).unwrap();
        assert!(listed.contains(&child.id()), "{listed:?}");
        child.kill().unwrap();
        child.wait().unwrap();
        let memory = memory_of(&listed).expect("the exited child is skipped");
        assert!(memory.rss_kib > 0);
        open_fds_of(&listed).expect("the exited child is skipped");
        // The root itself must be there.
        assert!(memory_of(&[child.id()]).is_err());
    }

    #[test]
    fn a_trees_cpu_time_counts_its_children_alive_and_after_they_are_reaped() {
        let (child, mut out) = shell(&format!("({BUSY}) & ({BUSY}) & wait"));
        let pid = child.id();
        // While the two busy children run, the tree is three processes.
        let deadline = Instant::now() + Duration::from_secs(10);
        let during = loop {
            let tree = tree_cpu_time(pid).unwrap();
            if tree.processes == 3 {
                break tree;
            }
            assert!(
                Instant::now() < deadline,
                "the children never showed: {tree:?}"
            );
            std::thread::sleep(Duration::from_millis(1));
        };
        // The shell's own time, then its reaped children's.
        let own = times_line(&mut out);
        let children = times_line(&mut out);
        let after = tree_cpu_time(pid).unwrap();
        let own_read = cpu_time(pid).unwrap();
        finish(child);
        assert!(children >= Duration::from_millis(200), "busy: {children:?}");
        assert_eq!(after.processes, 1, "the children were reaped");
        // What the children spent moved into the parent's reading: nothing
        // of it is lost between a reading with them and one without.
        assert!(
            close(after.cpu, own + children, TOLERANCE),
            "{after:?} vs {own:?} + {children:?}"
        );
        assert!(after.cpu >= during.cpu, "{after:?} < {during:?}");
        assert!(close(own_read, own, TOLERANCE), "{own_read:?} vs {own:?}");
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
