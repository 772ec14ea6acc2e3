//! nginx in front of several nodes, with the configuration operators are
//! told to use (`deploy/nginx/suda.conf`, quoted in docs/deploy.md): only
//! its addresses are rewritten (the nodes' ports and the one it listens
//! on), so the tests exercise the file as it is shipped.

use std::{path::PathBuf, process::Stdio};

use tokio::process::{Child, Command};

/// The shipped configuration.
pub fn shipped_config() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/nginx/suda.conf")
}

/// The shipped configuration with the nodes at `nodes` (ports on
/// 127.0.0.1) and listening on 127.0.0.1:`port`.
pub fn config_for(nodes: &[u16], port: u16) -> String {
    let shipped = std::fs::read_to_string(shipped_config()).expect("deploy/nginx/suda.conf");
    let mut out = String::new();
    let mut upstream_written = false;
    for line in shipped.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("server 127.0.0.1:") {
            // The shipped upstream lists three nodes; the test's replace them.
            if !upstream_written {
                let options = trimmed
                    .split_once(' ')
                    .and_then(|(_, rest)| rest.split_once(' '))
                    .map_or(";", |(_, options)| options);
                for node in nodes {
                    out.push_str(&format!("    server 127.0.0.1:{node} {options}\n"));
                }
                upstream_written = true;
            }
            continue;
        }
        if trimmed.starts_with("listen 8080;") {
            out.push_str(&format!("    listen 127.0.0.1:{port};\n"));
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    assert!(
        upstream_written,
        "the shipped config has an upstream with nodes"
    );
    out
}

/// A running nginx, stopped when dropped.
pub struct Nginx {
    child: Child,
    /// `http://127.0.0.1:port`.
    pub base: String,
    _dir: tempfile::TempDir,
}

impl Nginx {
    /// Starts Debian's nginx in front of the nodes on `nodes` and waits
    /// until it answers `/healthz` (from a node: start the nodes first).
    pub async fn start(nodes: &[u16]) -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        let port = crate::free_port();
        let d = dir.path().display();
        let site = dir.path().join("suda.conf");
        std::fs::write(&site, config_for(nodes, port)).unwrap();
        let main = format!(
            "# Written by the test kit: the shipped site file, included as Debian's nginx.conf includes conf.d.
daemon off;
worker_processes 2;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {site};
}}
",
            site = site.display()
        );
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, main).unwrap();
        let child = Command::new(nginx_binary())
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            // Its own process group: the workers are killed with the master.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("nginx starts (scripts/setup.sh installs it)");
        let base = format!("http://127.0.0.1:{port}");
        crate::wait_ready(&base).await;
        Nginx {
            child,
            base,
            _dir: dir,
        }
    }

    /// What nginx logged (warnings and errors).
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // The whole group, at once: killing only the master leaves its
        // workers running, still holding the port. (SIGQUIT would wait for
        // open streams; the test is over.)
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .status();
        }
        let _ = self.child.start_kill();
    }
}

fn nginx_binary() -> PathBuf {
    std::env::var_os("SUDA_NGINX").map_or_else(|| PathBuf::from("/usr/sbin/nginx"), PathBuf::from)
}
