//! Servers that die with the test binary that started them.
//!
//! A server runs under a small `sh` watchdog whose standard input is a pipe from the test
//! binary. The binary writes nothing to it but the odd [`ServerCommand`] (a fault test kills,
//! freezes or restarts a server that way); when the binary exits, however it exits (a panic,
//! `abort`, SIGKILL), the kernel closes the pipe, the watchdog reads end-of-file, stops the
//! server (SIGTERM, SIGKILL after 10 s) and deletes the server's directory.

use std::ffi::OsStr;
use std::io::{ErrorKind, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Runs `"$@"` with its output appended to `$1/server.log`, until standard input ends.
///
/// Each line read before the end is a command for the server: `kill` (SIGKILL, then reap
/// it), `freeze` (SIGSTOP), `thaw` (SIGCONT) or `start` (run it again, in the same
/// directory, after a `kill`).
const SCRIPT: &str = r#"
dir=$1; shift
run() { "$@" >>"$dir/server.log" 2>&1 </dev/null & pid=$!; echo "$pid" >"$dir/server.pid"; }
run "$@"
while read -r command; do
    case $command in
        kill) kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid= ;;
        freeze) kill -STOP "$pid" 2>/dev/null ;;
        thaw) kill -CONT "$pid" 2>/dev/null ;;
        start) [ -z "$pid" ] && run "$@" ;;
    esac
done
if [ -n "$pid" ]; then
    kill -CONT "$pid" 2>/dev/null
    kill -TERM "$pid" 2>/dev/null
    i=0
    while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
fi
rm -rf "$dir"
"#;

/// What a watchdog can be told to do with its server (see [`ServerDir::spawn`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerCommand {
    /// SIGKILL: the server dies at once, as in a crash; its directory stays.
    Kill,
    /// SIGSTOP: the server keeps its sockets but answers nothing.
    Freeze,
    /// SIGCONT: a frozen server runs on.
    Thaw,
    /// Runs the server again, on the same directory, after a [`ServerCommand::Kill`].
    Start,
}

impl ServerCommand {
    /// Sends the command to the watchdog whose standard input is `lifeline`.
    pub fn send(self, lifeline: &mut ChildStdin) -> Result<(), String> {
        let line = match self {
            Self::Kill => "kill\n",
            Self::Freeze => "freeze\n",
            Self::Thaw => "thaw\n",
            Self::Start => "start\n",
        };
        lifeline
            .write_all(line.as_bytes())
            .and_then(|()| lifeline.flush())
            .map_err(|e| format!("telling a server's watchdog to {}: {e}", line.trim_end()))
    }
}

/// A server's private directory (its log, pid and data) and its name in messages.
#[derive(Debug)]
pub struct ServerDir {
    name: &'static str,
    dir: PathBuf,
}

impl ServerDir {
    /// A new, empty directory under the system's temporary directory.
    pub fn new(name: &'static str) -> Result<Self, String> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("stowage-{name}-{}-{nanos:x}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        Ok(Self { name, dir })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Starts `program args` under the watchdog, with `envs` added to this process's
    /// environment. The returned pipe end keeps the server alive: drop it, or let the process
    /// exit, and the server stops and the directory goes.
    pub fn spawn(
        &self,
        program: &OsStr,
        args: &[&OsStr],
        envs: &[(&str, &str)],
    ) -> Result<ChildStdin, String> {
        let mut watchdog = Command::new("sh")
            .arg("-c")
            .arg(SCRIPT)
            .arg("sh")
            .arg(&self.dir)
            .arg(program)
            .args(args)
            .envs(envs.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting `sh` to run {}: {e}", self.name))?;
        watchdog
            .stdin
            .take()
            .ok_or_else(|| format!("the watchdog of {} has no standard input", self.name))
    }

    /// Waits until `port` of 127.0.0.1 accepts connections, failing early if the server
    /// died or `deadline` passed.
    pub fn wait_for_port(&self, port: u16, deadline: Instant) -> Result<(), String> {
        loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(_) => return Ok(()),
                Err(error) if error.kind() != ErrorKind::ConnectionRefused => {
                    return Err(self.with_log(format!("connecting to {}: {error}", self.name)));
                }
                Err(_) => {}
            }
            if let Some(pid) = self.pid()
                && !alive(pid)
            {
                return Err(self.with_log(format!("{} exited during startup", self.name)));
            }
            if Instant::now() >= deadline {
                return Err(self.with_log(format!(
                    "{}'s port {port} did not answer in time",
                    self.name
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The process id of the server's latest start, once the watchdog has written it.
    pub fn pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.dir.join("server.pid"))
            .ok()
            .and_then(|pid| pid.trim().parse().ok())
    }

    /// Waits until the server process `pid` is gone, failing when `deadline` passes first.
    pub fn wait_until_gone(&self, pid: u32, deadline: Instant) -> Result<(), String> {
        while alive(pid) {
            if Instant::now() >= deadline {
                return Err(self.with_log(format!("{} (pid {pid}) did not die in time", self.name)));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// `problem` followed by the last lines of the server's log.
    pub fn with_log(&self, problem: String) -> String {
        let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(30)..].join("\n");
        format!(
            "{problem}\n---- last lines of the {} log ----\n{tail}",
            self.name
        )
    }

    /// Removes the directory of a server that was never started.
    pub fn remove(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port of 127.0.0.1 that was free a moment ago (the kernel picks it).
pub fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|e| format!("finding a free port on 127.0.0.1: {e}"))
}

/// True when process `pid` exists and is not a zombie.
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z")
    })
}
