//! A private three-node Garage cluster for fault tests: replication factor 3, consistent
//! mode, one zone of 1 GB per node, every node on free ports of 127.0.0.1.
//!
//! The metadata engine is SQLite, not LMDB: LMDB refuses database keys over 511 bytes
//! (`MDB_BAD_VALSIZE`), and an S3 key may have 1024, which the conformance suite writes.
//!
//! Each node runs under its own watchdog (see [`crate::servers::watchdog`]), so a test can kill,
//! freeze or restart one node while the others serve; the whole cluster stops and its data
//! goes when the [`GarageCluster`] is dropped or the test binary exits.
//!
//! Every node's key pair is written before the first start, so every configuration names the
//! other nodes in `bootstrap_peers` from the beginning: a restarted node finds its peers on
//! its own. `rpc_timeout_msec` is 5 s, which bounds how long the survivors wait on a node
//! that died or froze.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair};

use crate::servers::TestServer;
use crate::servers::garage::{self, BUCKET, BUCKET2, REGION};
use crate::servers::watchdog::{ServerCommand, ServerDir, free_port};

/// How many nodes the cluster has, and how many copies it keeps of everything.
pub const NODES: usize = 3;

/// How long starting the cluster, or restarting a node, may take.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a killed node may take to die.
const KILL_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one node waits on another before it counts the call as failed.
const RPC_TIMEOUT_MSEC: u64 = 5000;

/// A running three-node Garage cluster with a key that owns two buckets.
///
/// The nodes are numbered `0..NODES`; [`GarageCluster::server`] gives the settings of a
/// client talking to one of them.
#[derive(Debug)]
pub struct GarageCluster {
    bin: PathBuf,
    nodes: Vec<Node>,
    server: TestServer,
}

/// One node: its directory, configuration, ports and the pipe to its watchdog.
#[derive(Debug)]
struct Node {
    dir: ServerDir,
    config: PathBuf,
    id: String,
    s3_port: u16,
    rpc_port: u16,
    watchdog: Mutex<ChildStdin>,
    running: AtomicBool,
}

/// What a node needs to know before its first start.
struct NodePlan {
    dir: ServerDir,
    id: String,
    s3_port: u16,
    rpc_port: u16,
}

impl GarageCluster {
    /// Starts three fresh nodes, applies a layout with one zone and 1 GB per node, and
    /// creates a key owning the test buckets. Takes a few seconds.
    pub fn start() -> Result<Self, String> {
        let bin = garage::find_binary()?;
        let rpc_secret = random_hex(32)?;
        let plans = plan_nodes()?;
        let peers: Vec<String> = plans
            .iter()
            .map(|plan| format!("\"{}@127.0.0.1:{}\"", plan.id, plan.rpc_port))
            .collect();
        let mut nodes = Vec::with_capacity(NODES);
        for plan in plans {
            nodes.push(Node::spawn(&bin, plan, &rpc_secret, &peers.join(", "))?);
        }
        let deadline = Instant::now() + START_TIMEOUT;
        for node in &nodes {
            node.dir.wait_for_port(node.s3_port, deadline)?;
        }
        let access_key_id = format!("GK{}", random_hex(12)?);
        let secret_access_key = random_hex(32)?;
        let cluster = Self {
            bin,
            server: TestServer {
                endpoint: nodes[0].endpoint(),
                region: REGION.to_owned(),
                access_key_id,
                secret_access_key,
                bucket: BUCKET.to_owned(),
                bucket2: BUCKET2.to_owned(),
            },
            nodes,
        };
        cluster.configure(deadline)?;
        Ok(cluster)
    }

    /// The settings of a client that talks to `node`.
    ///
    /// # Panics
    ///
    /// When `node` is not below [`NODES`].
    pub fn server(&self, node: usize) -> TestServer {
        TestServer {
            endpoint: self.nodes[node].endpoint(),
            ..self.server.clone()
        }
    }

    /// Kills `node` with SIGKILL, as a crash would, and waits until it is gone. Its data
    /// stays for [`GarageCluster::restart`].
    pub fn kill(&self, node: usize) -> Result<(), String> {
        let node = &self.nodes[node];
        let pid = node.dir.pid().ok_or("a node without a pid")?;
        node.send(ServerCommand::Kill)?;
        node.running.store(false, Ordering::SeqCst);
        node.dir.wait_until_gone(pid, Instant::now() + KILL_TIMEOUT)
    }

    /// Stops `node` with SIGSTOP: its sockets stay open, it answers nothing.
    pub fn freeze(&self, node: usize) -> Result<(), String> {
        self.nodes[node].send(ServerCommand::Freeze)
    }

    /// Lets a frozen `node` run on.
    pub fn thaw(&self, node: usize) -> Result<(), String> {
        self.nodes[node].send(ServerCommand::Thaw)
    }

    /// Starts a killed `node` again on its own data, waits for its S3 port, and has every
    /// other running node connect to it at once (Garage's `ConnectClusterNodes`) rather than
    /// at its next periodic attempt.
    pub fn restart(&self, node: usize) -> Result<(), String> {
        let restarted = &self.nodes[node];
        if restarted.running.load(Ordering::SeqCst) {
            return Err(format!(
                "node {node} is running: only a killed node restarts"
            ));
        }
        let deadline = Instant::now() + START_TIMEOUT;
        let old_pid = restarted.dir.pid();
        restarted.send(ServerCommand::Start)?;
        while restarted.dir.pid() == old_pid {
            if Instant::now() >= deadline {
                return Err(restarted.dir.with_log("the node did not restart".into()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        restarted.dir.wait_for_port(restarted.s3_port, deadline)?;
        restarted.running.store(true, Ordering::SeqCst);
        for (index, other) in self.nodes.iter().enumerate() {
            if index != node && other.running.load(Ordering::SeqCst) {
                self.admin(
                    other,
                    &["node", "connect", &restarted.peer_address()],
                    deadline,
                )?;
            }
        }
        Ok(())
    }

    /// Has node `from` probe every other node (Garage's `ConnectClusterNodes`): a live
    /// node finds out at once which peers are gone, instead of on its next request's RPC
    /// timeout.
    pub fn probe_peers(&self, from: usize) {
        let node = &self.nodes[from];
        for (index, other) in self.nodes.iter().enumerate() {
            if index != from {
                // A dead peer refuses the connection: that failure is the news wanted.
                let _ = self.admin_once(node, &["node", "connect", &other.peer_address()]);
            }
        }
    }

    /// The layout, the key and the buckets, through node 0; then waits until every node
    /// sees the buckets and the key's permissions on both (a node that has the buckets but
    /// not yet the key's permissions answers 403 to a signed request).
    fn configure(&self, deadline: Instant) -> Result<(), String> {
        let first = &self.nodes[0];
        for (index, node) in self.nodes.iter().enumerate() {
            let zone = format!("zone{index}");
            self.admin(
                first,
                &["layout", "assign", "-z", &zone, "-c", "1G", &node.id],
                deadline,
            )?;
        }
        self.admin(first, &["layout", "apply", "--version", "1"], deadline)?;
        let key = &self.server.access_key_id;
        self.admin(
            first,
            &[
                "key",
                "import",
                "--yes",
                key,
                &self.server.secret_access_key,
            ],
            deadline,
        )?;
        for bucket in [BUCKET, BUCKET2] {
            self.admin(first, &["bucket", "create", bucket], deadline)?;
            self.admin(
                first,
                &[
                    "bucket", "allow", "--read", "--write", "--owner", bucket, "--key", key,
                ],
                deadline,
            )?;
        }
        for node in &self.nodes {
            for bucket in [BUCKET, BUCKET2] {
                self.admin(node, &["bucket", "info", bucket], deadline)?;
            }
            self.admin_until(node, &["key", "info", key], deadline, |info| {
                [BUCKET, BUCKET2]
                    .iter()
                    .all(|bucket| grants_rwo(info, bucket))
            })?;
        }
        Ok(())
    }

    /// Runs a `garage` admin command through `node` until it succeeds or `deadline` passes.
    fn admin(&self, node: &Node, args: &[&str], deadline: Instant) -> Result<(), String> {
        self.admin_until(node, args, deadline, |_| true)
    }

    /// Runs a `garage` admin command through `node` until it succeeds with an output `ready`
    /// accepts, or `deadline` passes.
    fn admin_until(
        &self,
        node: &Node,
        args: &[&str],
        deadline: Instant,
        ready: impl Fn(&str) -> bool,
    ) -> Result<(), String> {
        loop {
            let problem = match self.admin_once(node, args) {
                Ok(output) if ready(&output) => return Ok(()),
                Ok(_) => format!(
                    "garage {} {}: not ready yet",
                    args[0],
                    args.get(1).unwrap_or(&"")
                ),
                Err(problem) => problem,
            };
            if Instant::now() >= deadline {
                return Err(node.dir.with_log(problem));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Runs a `garage` admin command through `node` once and returns its standard output.
    fn admin_once(&self, node: &Node, args: &[&str]) -> Result<String, String> {
        let output = Command::new(&self.bin)
            .arg("-c")
            .arg(&node.config)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("running garage {}: {e}", args[0]))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(format!(
                "garage {} {} failed: {}",
                args[0],
                args.get(1).unwrap_or(&""),
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    }
}

impl Node {
    /// Writes the node's key pair and configuration and starts it under a watchdog.
    fn spawn(bin: &Path, plan: NodePlan, rpc_secret: &str, peers: &str) -> Result<Self, String> {
        let NodePlan {
            dir,
            id,
            s3_port,
            rpc_port,
        } = plan;
        let config = dir.path().join("garage.toml");
        let toml = format!(
            "metadata_dir = \"{path}/meta\"\n\
             data_dir = \"{path}/data\"\n\
             db_engine = \"sqlite\"\n\
             replication_factor = {NODES}\n\
             consistency_mode = \"consistent\"\n\
             rpc_bind_addr = \"127.0.0.1:{rpc_port}\"\n\
             rpc_public_addr = \"127.0.0.1:{rpc_port}\"\n\
             rpc_secret = \"{rpc_secret}\"\n\
             rpc_timeout_msec = {RPC_TIMEOUT_MSEC}\n\
             bootstrap_peers = [{peers}]\n\
             \n\
             [s3_api]\n\
             s3_region = \"{REGION}\"\n\
             api_bind_addr = \"127.0.0.1:{s3_port}\"\n\
             root_domain = \".s3.garage.localhost\"\n",
            path = dir.path().display(),
        );
        std::fs::write(&config, toml).map_err(|e| format!("writing {}: {e}", config.display()))?;
        let args: [&OsStr; 3] = ["-c".as_ref(), config.as_os_str(), "server".as_ref()];
        let watchdog = dir.spawn(
            bin.as_os_str(),
            &args,
            &[("RUST_LOG", "garage=info,netapp=info"), ("NO_COLOR", "1")],
        )?;
        Ok(Self {
            dir,
            config,
            id,
            s3_port,
            rpc_port,
            watchdog: Mutex::new(watchdog),
            running: AtomicBool::new(true),
        })
    }

    /// The node's S3 endpoint.
    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.s3_port)
    }

    /// `ID@ADDRESS`, as `garage node connect` takes it.
    fn peer_address(&self) -> String {
        format!("{}@127.0.0.1:{}", self.id, self.rpc_port)
    }

    /// Passes `command` to the node's watchdog.
    fn send(&self, command: ServerCommand) -> Result<(), String> {
        command.send(
            &mut self
                .watchdog
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }
}

/// Whether `key info` output lists read, write and owner permissions on `bucket` (its
/// lines: permissions, bucket id, global aliases, local aliases).
fn grants_rwo(key_info: &str, bucket: &str) -> bool {
    key_info.lines().any(|line| {
        let mut fields = line.split_whitespace();
        fields.next() == Some("RWO") && fields.any(|field| field == bucket)
    })
}

/// Directories, ports and key pairs of the nodes, all distinct.
fn plan_nodes() -> Result<Vec<NodePlan>, String> {
    let mut ports = Vec::with_capacity(2 * NODES);
    while ports.len() < 2 * NODES {
        let port = free_port()?;
        if !ports.contains(&port) {
            ports.push(port);
        }
    }
    let mut plans = Vec::with_capacity(NODES);
    for pair in ports.chunks(2) {
        let dir = ServerDir::new("garage-node")?;
        let id = match write_node_key(&dir.path().join("meta")) {
            Ok(id) => id,
            Err(problem) => {
                dir.remove();
                return Err(problem);
            }
        };
        plans.push(NodePlan {
            dir,
            id,
            s3_port: pair[0],
            rpc_port: pair[1],
        });
    }
    Ok(plans)
}

/// Writes a fresh Ed25519 key pair where Garage looks for it (`node_key`: the 32-byte seed
/// then the 32-byte public key, mode 0600; `node_key.pub`: the public key) and returns the
/// node id, the public key in hex.
fn write_node_key(meta: &Path) -> Result<String, String> {
    use std::os::unix::fs::OpenOptionsExt;

    let mut seed = [0; 32];
    SystemRandom::new()
        .fill(&mut seed)
        .map_err(|_| "no randomness for a node key")?;
    let pair = Ed25519KeyPair::from_seed_unchecked(&seed)
        .map_err(|e| format!("deriving a node key: {e}"))?;
    let public = pair.public_key().as_ref();
    let mut secret = seed.to_vec();
    secret.extend_from_slice(public);
    std::fs::create_dir_all(meta).map_err(|e| format!("creating {}: {e}", meta.display()))?;
    let write = |name: &str, bytes: &[u8], mode: u32| {
        let path = meta.join(name);
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&path)
            .and_then(|mut file| std::io::Write::write_all(&mut file, bytes))
            .map_err(|e| format!("writing {}: {e}", path.display()))
    };
    write("node_key", &secret, 0o600)?;
    write("node_key.pub", public, 0o644)?;
    Ok(hex::encode(public))
}

/// `bytes` random bytes in lowercase hex.
fn random_hex(bytes: usize) -> Result<String, String> {
    let mut buffer = vec![0; bytes];
    SystemRandom::new()
        .fill(&mut buffer)
        .map_err(|_| "no randomness for a secret")?;
    Ok(hex::encode(buffer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_info_grants_read_write_owner_per_bucket() {
        let info = "==== BUCKETS FOR THIS KEY ====\n\
                    Permissions  ID                Global aliases  Local aliases\n\
                    RWO          4587de8fe507ad31  stowage-test-2\n\
                    R            3537a5425e7d3156  stowage-test\n";
        assert!(grants_rwo(info, "stowage-test-2"));
        assert!(
            !grants_rwo(info, "stowage-test"),
            "read only, and not a prefix match"
        );
    }
}
