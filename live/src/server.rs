//! Local `nats-server` processes for trying a board and for tests: each on a
//! free loopback port with its own temporary store, stopped (and its store
//! removed) when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::LiveError;

/// A `nats-server` with JetStream on loopback; dropping it stops the server
/// and removes its store.
#[derive(Debug)]
pub struct LocalServer {
    /// The client address (`nats://127.0.0.1:PORT`).
    pub url: String,
    /// The client port.
    pub port: u16,
    child: Option<Child>,
    args: Vec<String>,
    store: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

/// Whether `nats-server` can be started from PATH.
pub fn nats_server_available() -> bool {
    Command::new("nats-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A free loopback TCP port (the OS picks one).
pub fn free_port() -> Result<u16, LiveError> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| LiveError::LocalServer(format!("no free loopback port: {e}")))
}

/// Starts `nats-server -js` on a free loopback port with a temporary store.
pub fn spawn_local_server() -> Result<LocalServer, LiveError> {
    LocalServer::spawn(&[])
}

impl LocalServer {
    /// Starts a server with extra arguments (auth, clustering) after the
    /// JetStream, address, port and store ones.
    pub fn spawn(extra: &[String]) -> Result<LocalServer, LiveError> {
        let dir = tempfile::Builder::new()
            .prefix("stormflow-nats-")
            .tempdir()
            .map_err(|e| LiveError::LocalServer(format!("cannot make a store folder: {e}")))?;
        let store = dir.path().to_path_buf();
        let port = free_port()?;
        let mut args = vec![
            "-js".to_string(),
            "-a".into(),
            "127.0.0.1".into(),
            "-p".into(),
            port.to_string(),
            "-sd".into(),
            store.display().to_string(),
        ];
        args.extend(extra.iter().cloned());
        let mut server = LocalServer {
            url: format!("nats://127.0.0.1:{port}"),
            port,
            child: None,
            args,
            store,
            _dir: Some(dir),
        };
        server.start()?;
        Ok(server)
    }

    /// The server's store folder.
    pub fn store(&self) -> &Path {
        &self.store
    }

    /// Whether the process is running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Starts the process (again) with the same arguments and store, and
    /// waits until it accepts connections.
    pub fn start(&mut self) -> Result<(), LiveError> {
        if self.is_running() {
            return Ok(());
        }
        let child = Command::new("nats-server")
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                LiveError::LocalServer(format!(
                    "`nats-server` could not be started ({e}); install it (Debian: apt-get install nats-server) or give --nats URL"
                ))
            })?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            if !self.is_running() {
                return Err(LiveError::LocalServer(format!(
                    "nats-server exited at once (port {} taken?)",
                    self.port
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        Err(LiveError::LocalServer(
            "nats-server did not accept connections within 10 s".into(),
        ))
    }

    /// Stops the process (kill, then reap); the store stays for a restart.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A JetStream cluster of local servers on loopback.
#[derive(Debug)]
pub struct LocalCluster {
    /// The servers, in order.
    pub servers: Vec<LocalServer>,
}

impl LocalCluster {
    /// Starts `size` clustered servers (`size` of at least 3 lets streams
    /// keep 3 replicas and survive the loss of one).
    pub fn spawn(size: usize) -> Result<LocalCluster, LiveError> {
        let cluster_ports: Vec<u16> = (0..size).map(|_| free_port()).collect::<Result<_, _>>()?;
        let routes = cluster_ports
            .iter()
            .map(|p| format!("nats://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut servers = Vec::new();
        for (i, port) in cluster_ports.iter().enumerate() {
            servers.push(LocalServer::spawn(&[
                "--cluster_name".into(),
                "stormflow".into(),
                "--cluster".into(),
                format!("nats://127.0.0.1:{port}"),
                "--routes".into(),
                routes.clone(),
                "--server_name".into(),
                format!("n{i}"),
            ])?);
        }
        Ok(LocalCluster { servers })
    }

    /// Every client address, comma-separated (what `--nats` takes).
    pub fn urls(&self) -> String {
        self.servers
            .iter()
            .map(|s| s.url.clone())
            .collect::<Vec<_>>()
            .join(",")
    }
}
