//! PostgreSQL for tests: throwaway clusters this kit starts itself, from
//! the Debian packages `scripts/setup.sh` installs (no service, no manual
//! step).
//!
//! A cluster is `initdb` then `postgres` (the server in the foreground)
//! from `pg_config --bindir` (or `/usr/lib/postgresql/15/bin`), in a
//! temporary directory: its data directory, its unix socket, its log, and
//! a free TCP port on 127.0.0.1. PostgreSQL refuses to run as root, so
//! under root (as CI runs) both run as the `postgres` user, through
//! `setpriv`, with the directory given to that user.
//!
//! A cluster never outlives its test process: the server and its backends
//! are killed when the [`Postgres`] is dropped (also when a test panics),
//! and `setpriv --pdeathsig` makes the server shut down at once (ending
//! its backends) when the thread that started it ends: a thread that
//! waits for it, so that is when the test process ends, however it ends.
//! A directory left behind by a process that died anyway (the shared
//! cluster's, which is never dropped) is removed by the next test process.
//!
//! [`shared`] is one cluster per test binary, started on first use with
//! `fsync=off` (the tests crash processes, never the machine; a benchmark
//! that measures durable commits asks for [`Options::durable`]), and
//! [`fresh_database`] a new database in it for every server a test starts,
//! so tests stay independent and run in parallel. A test that stops,
//! restarts, freezes or fills its database starts a
//! [`Postgres::start_private`] (or [`Postgres::start_with`]) of its own.
//!
//! `SUDA_TEST_STORE=postgres` makes every server the kit starts use a fresh
//! PostgreSQL database ([`selected`]).

use std::{
    collections::HashMap,
    io::Read,
    os::unix::fs::MetadataExt,
    path::{Path, PathBuf},
    process::{Command, ExitStatus, Stdio},
    sync::{
        atomic::{AtomicU64, Ordering},
        mpsc, Mutex, OnceLock,
    },
    time::{Duration, Instant},
};

/// Whether the tests run on PostgreSQL (`SUDA_TEST_STORE=postgres`) rather
/// than SQLite (unset, or `sqlite`).
pub fn selected() -> bool {
    match std::env::var("SUDA_TEST_STORE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Ok("") | Err(_) => false,
        Ok(other) => panic!("SUDA_TEST_STORE={other}: use postgres or sqlite"),
    }
}

/// Says that the running test is skipped, and why, where it shows: on the
/// test process's stderr itself, past the test harness's capture (which
/// hides what a passing test prints), so a skip is never silent.
pub fn say_skipped(why: &str) {
    use std::io::Write;
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let _ = writeln!(std::io::stderr(), "skipped: {test}: {why}");
}

/// Skips a PostgreSQL test in SQLite mode: true (after saying so) when the
/// tests do not run on PostgreSQL.
pub fn skipped_unless_selected() -> bool {
    let skip = !selected();
    if skip {
        say_skipped("a PostgreSQL test; scripts/test.sh runs it with SUDA_TEST_STORE=postgres");
    }
    skip
}

/// Whether this process runs as root (then PostgreSQL runs as `postgres`).
pub fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The cluster every test of this binary shares, started on first use.
pub fn shared() -> &'static Postgres {
    static SHARED: OnceLock<Postgres> = OnceLock::new();
    SHARED.get_or_init(|| {
        remove_stale_clusters();
        Postgres::start_with(Options {
            max_connections: 400,
            ..Options::default()
        })
    })
}

/// A new, empty database in the shared cluster; its URL.
pub fn fresh_database() -> String {
    shared().create_database()
}

/// The database standing for the SQLite file `path` in PostgreSQL mode:
/// the same one every time it is asked for the same path, so a test that
/// restarts a server "on the same file" restarts it on the same database.
pub fn database_for(path: &Path) -> String {
    static BY_PATH: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    let mut by_path = BY_PATH.get_or_init(Mutex::default).lock().unwrap();
    by_path
        .entry(path.to_owned())
        .or_insert_with(fresh_database)
        .clone()
}

/// How a cluster is set up.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where its directory goes (default: the system's temporary directory).
    pub parent: Option<PathBuf>,
    /// `max_connections`.
    pub max_connections: u32,
    /// Commits on disk, as in production: `fsync`, `full_page_writes`
    /// and `synchronous_commit` on (PostgreSQL's defaults), where tests
    /// turn the first two off. For benchmarks of durable writes.
    pub durable: bool,
    /// More settings (`name`, `value`), given after the kit's own, which
    /// they override: e.g. `track_wal_io_timing` for a benchmark.
    pub settings: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            parent: None,
            max_connections: 100,
            durable: false,
            settings: Vec::new(),
        }
    }
}

/// A running PostgreSQL cluster of the tests' own; stopped and removed
/// when dropped.
pub struct Postgres {
    dir: Option<tempfile::TempDir>,
    port: u16,
    bin: PathBuf,
    max_connections: u32,
    durable: bool,
    settings: Vec<(String, String)>,
    server: Mutex<Option<Running>>,
    databases: AtomicU64,
}

/// The postmaster of a started cluster.
struct Running {
    pid: u32,
    exited: mpsc::Receiver<ExitStatus>,
}

impl Postgres {
    /// A cluster of the caller's own (to stop, restart or fill); the
    /// database to use in it is [`Postgres::create_database`]'s.
    pub fn start_private() -> Postgres {
        Self::start_with(Options::default())
    }

    /// A cluster of the caller's own, set up by `options`.
    pub fn start_with(options: Options) -> Postgres {
        let bin = bin_dir();
        let parent = options.parent.clone().unwrap_or_else(std::env::temp_dir);
        let dir = tempfile::Builder::new()
            .prefix("suda-pg-")
            .tempdir_in(&parent)
            .expect("a directory for the cluster");
        std::fs::write(dir.path().join("owner.pid"), std::process::id().to_string()).unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        if is_root() {
            give_to_postgres(dir.path());
        }
        let data = dir.path().join("data");
        let mut initdb = as_cluster_owner(&bin.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8"])
            .args(["--locale=C", "--no-instructions"]);
        if !options.durable {
            initdb.arg("--no-sync");
        }
        let out = initdb.output().expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let postgres = Postgres {
            dir: Some(dir),
            port: crate::free_port(),
            bin,
            max_connections: options.max_connections,
            durable: options.durable,
            settings: options.settings,
            server: Mutex::new(None),
            databases: AtomicU64::new(0),
        };
        postgres.start_server();
        postgres
    }

    /// The cluster's directory (its data directory is `data` in it).
    pub fn dir(&self) -> &Path {
        self.dir.as_ref().unwrap().path()
    }

    /// Its TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The postmaster's process id, while it runs (its backends and
    /// background processes are its children).
    pub fn pid(&self) -> Option<u32> {
        self.server.lock().unwrap().as_ref().map(|r| r.pid)
    }

    /// The URL of the database `name` in this cluster, as the superuser.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates a new, empty database; its URL.
    pub fn create_database(&self) -> String {
        let n = self.databases.fetch_add(1, Ordering::Relaxed);
        let name = format!("suda_{n}");
        self.sql(&format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// Runs `sql` in the `postgres` database with `psql`; what it printed
    /// (unaligned, tuples only). Panics when it fails.
    pub fn sql(&self, sql: &str) -> String {
        self.sql_in("postgres", sql)
    }

    /// Runs `sql` in the database `database`, as [`Postgres::sql`].
    pub fn sql_in(&self, database: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            // The kit's own sessions write even when a test has made the
            // cluster read-only.
            .env("PGOPTIONS", "-c default_transaction_read_only=off")
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-U", "postgres"])
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-d")
            .arg(database)
            .arg("-c")
            .arg(sql)
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "psql {sql:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Starts the server again after [`Postgres::stop`] or
    /// [`Postgres::kill`], on the same data and port; returns once it
    /// accepts connections.
    pub fn start(&self) {
        self.start_server();
    }

    /// Stops the server at once, as `pg_ctl stop -m immediate` does
    /// (SIGQUIT: its backends are ended, no checkpoint, crash recovery at
    /// the next start), and waits for it to exit.
    pub fn stop(&self) {
        self.end("QUIT");
    }

    /// Kills the server and its backends with SIGKILL, and waits.
    pub fn kill(&self) {
        self.end("KILL");
    }

    /// Freezes the server and its backends (SIGSTOP): connections stay
    /// open and nothing answers, as when the database's machine hangs.
    /// [`Postgres::resume`] thaws it.
    pub fn pause(&self) {
        if let Some(running) = self.server.lock().unwrap().as_ref() {
            signal("STOP", &cluster_pids(running.pid));
        }
    }

    /// Thaws a server [`Postgres::pause`] froze (SIGCONT).
    pub fn resume(&self) {
        if let Some(running) = self.server.lock().unwrap().as_ref() {
            signal("CONT", &cluster_pids(running.pid));
        }
    }

    fn end(&self, how: &str) {
        let Some(running) = self.server.lock().unwrap().take() else {
            return;
        };
        // The postmaster and its backends (each is a session of its own,
        // so not in the postmaster's process group).
        let pids = cluster_pids(running.pid);
        if how == "KILL" {
            signal("KILL", &pids);
        } else {
            signal(how, &pids[..1]);
            // A paused server takes no signal but SIGKILL until thawed.
            signal("CONT", &pids);
        }
        let _ = running.exited.recv_timeout(Duration::from_secs(30));
        // Its backends go with it (immediate shutdown ends them; a killed
        // one's notice the postmaster is gone): wait, so that a start
        // finds its shared memory free.
        let deadline = Instant::now() + Duration::from_secs(10);
        while pids.iter().any(|&pid| alive(pid)) {
            if Instant::now() > deadline {
                signal("KILL", &pids);
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn start_server(&self) {
        let mut server = self.server.lock().unwrap();
        assert!(server.is_none(), "the cluster is running already");
        let dir = self.dir().to_owned();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("postgres.log"))
            .unwrap();
        let mut command = as_cluster_owner(&self.bin.join("postgres"));
        command
            .arg("-D")
            .arg(dir.join("data"))
            .arg("-k")
            .arg(&dir)
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-c", &format!("max_connections={}", self.max_connections)])
            .args(["-c", "shared_buffers=32MB", "-c", "max_wal_size=256MB"])
            .args(["-c", "log_min_messages=warning"]);
        if self.durable {
            command.args(["-c", "fsync=on", "-c", "full_page_writes=on"]);
            command.args(["-c", "synchronous_commit=on"]);
        } else {
            command.args(["-c", "fsync=off", "-c", "full_page_writes=off"]);
        }
        for (name, value) in &self.settings {
            command.arg("-c").arg(format!("{name}={value}"));
        }
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        // Its own process group: signals meant for the test's terminal
        // (Ctrl+C) reach it only through the test's end.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        *server = Some(supervise(command));
        let pid = server.as_ref().unwrap().pid;
        drop(server);
        self.wait_ready(pid);
    }

    fn wait_ready(&self, pid: u32) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return;
            }
            let exited = {
                let server = self.server.lock().unwrap();
                server.as_ref().is_none_or(|r| r.pid != pid || !alive(pid))
            };
            assert!(
                !exited && Instant::now() < deadline,
                "PostgreSQL did not start: {}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The end of the server's log.
    pub fn log_tail(&self) -> String {
        let mut log = String::new();
        if let Ok(mut file) = std::fs::File::open(self.dir().join("postgres.log")) {
            let _ = file.read_to_string(&mut log);
        }
        let mut start = log.len().saturating_sub(3000);
        while !log.is_char_boundary(start) {
            start += 1;
        }
        log[start..].to_owned()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `command` from a thread that lives as long as the process it
/// starts (the parent `--pdeathsig` watches is that thread).
fn supervise(mut command: Command) -> Running {
    let (started, pid) = mpsc::channel();
    let (exit, exited) = mpsc::channel();
    std::thread::Builder::new()
        .name("postgres".into())
        .spawn(move || {
            let mut child = match command.spawn() {
                Ok(child) => child,
                Err(e) => {
                    let _ = started.send(Err(e));
                    return;
                }
            };
            let _ = started.send(Ok(child.id()));
            if let Ok(status) = child.wait() {
                let _ = exit.send(status);
            }
        })
        .unwrap();
    let pid = pid
        .recv()
        .unwrap()
        .expect("PostgreSQL starts (scripts/setup.sh installs it)");
    Running { pid, exited }
}

/// `program` run as the cluster's owner: this user, or `postgres` under
/// root (PostgreSQL refuses root). Either way it gets SIGQUIT (shut down
/// at once) if the thread that started it ends.
fn as_cluster_owner(program: &Path) -> Command {
    let mut command = Command::new("setpriv");
    if is_root() {
        command.args(["--reuid=postgres", "--regid=postgres", "--clear-groups"]);
    }
    command.args(["--pdeathsig", "QUIT", "--"]).arg(program);
    command
}

/// The processes of the cluster whose postmaster is `postmaster`: it
/// first, then its children (backends and helpers).
fn cluster_pids(postmaster: u32) -> Vec<u32> {
    let mut pids = vec![postmaster];
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
                continue;
            };
            if stat(pid).is_some_and(|(_, ppid)| ppid == postmaster) {
                pids.push(pid);
            }
        }
    }
    pids
}

/// A process's state letter and parent, from `/proc/PID/stat`.
fn stat(pid: u32) -> Option<(char, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid ...`; comm may hold spaces.
    let after = &stat[stat.rfind(')')? + 1..];
    let mut fields = after.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((state, ppid))
}

/// Whether `pid` is a live process (not a zombie).
fn alive(pid: u32) -> bool {
    stat(pid).is_some_and(|(state, _)| state != 'Z' && state != 'X')
}

/// Sends `signal` to each of `pids`.
fn signal(signal: &str, pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .args(pids.iter().map(u32::to_string))
        .stderr(Stdio::null())
        .status();
}

/// Gives `dir` (and what is in it) to the `postgres` user.
fn give_to_postgres(dir: &Path) {
    let status = Command::new("chown")
        .arg("-R")
        .arg("postgres:postgres")
        .arg(dir)
        .status()
        .expect("run chown");
    assert!(
        status.success(),
        "chown {} to postgres (is PostgreSQL installed? scripts/setup.sh installs it)",
        dir.display()
    );
}

/// Where PostgreSQL's programs are.
fn bin_dir() -> PathBuf {
    let asked = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let found = asked
        .into_iter()
        .chain([PathBuf::from("/usr/lib/postgresql/15/bin")])
        .find(|dir| dir.join("postgres").exists() && dir.join("initdb").exists());
    found.expect(
        "PostgreSQL's server programs (initdb, postgres) are not installed: run scripts/setup.sh \
         (Debian: apt-get install postgresql)",
    )
}

/// Removes cluster directories of test processes that are gone (killed
/// before they could clean up).
fn remove_stale_clusters() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let is_cluster = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("suda-pg-"));
        let owner = std::fs::read_to_string(path.join("owner.pid")).ok();
        let gone = owner.is_some_and(|pid| !Path::new(&format!("/proc/{}", pid.trim())).exists());
        if is_cluster && gone {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}
