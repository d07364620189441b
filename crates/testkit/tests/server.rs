//! The private test server: it starts from the cached Garage, serves on 127.0.0.1, stops
//! when the process that started it dies, and without a Garage it fails naming the fix.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use stowage_testkit::{ENV_VARS, TestServer};

/// The helper binary that starts a server and prints its settings.
fn server_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stowage-test-server"));
    for name in ENV_VARS {
        command.env_remove(name);
    }
    command
}

/// The settings `child` printed, or a panic carrying its standard error.
fn printed_settings(child: &mut Child) -> TestServer {
    let stdout = child.stdout.take().expect("piped stdout");
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .take(ENV_VARS.len())
        .collect::<Result<_, _>>()
        .expect("readable stdout");
    if lines.len() < ENV_VARS.len() {
        let mut stderr = String::new();
        let _ = child
            .stderr
            .take()
            .expect("piped stderr")
            .read_to_string(&mut stderr);
        panic!("the test server did not start: {stderr}");
    }
    let lookup = |name: &str| {
        lines.iter().find_map(|line| {
            let (key, value) = line.strip_prefix("export ")?.split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
    };
    TestServer::from_vars(lookup)
        .expect("all six settings")
        .expect("settings printed")
}

#[test]
fn a_private_server_dies_with_the_process_that_started_it() {
    let mut child = server_command()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the helper binary");
    let server = printed_settings(&mut child);
    let address = server
        .endpoint
        .strip_prefix("http://127.0.0.1:")
        .map(|port| format!("127.0.0.1:{port}"))
        .expect("a loopback endpoint");
    TcpStream::connect(&address).expect("the private server accepts connections");
    assert_eq!(server.bucket, "stowage-test");
    assert_eq!(server.bucket2, "stowage-test-2");

    // SIGKILL: no destructor, no exit handler runs in the process that started the server.
    child.kill().expect("kill the helper");
    child.wait().expect("reap the helper");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(&address).is_ok() {
        assert!(
            Instant::now() < deadline,
            "the server on {address} outlived the process that started it"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn without_a_garage_binary_the_failure_names_the_install_command() {
    let empty = tempfile::tempdir().expect("tempdir");
    let output = server_command()
        .env("STOWAGE_GARAGE_BIN", empty.path().join("garage"))
        .env("STOWAGE_CACHE_DIR", empty.path())
        .env("PATH", empty.path())
        .stdin(Stdio::null())
        .output()
        .expect("run the helper");
    assert!(!output.status.success(), "no Garage, no server");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("scripts/garage.sh install"), "{stderr}");
    assert!(stderr.contains("garage-2.5.0/bin/garage"), "{stderr}");
}

#[test]
fn a_partial_environment_is_refused_by_name() {
    let output = server_command()
        .env("STOWAGE_TEST_S3_ENDPOINT", "http://127.0.0.1:1")
        .stdin(Stdio::null())
        .output()
        .expect("run the helper");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("STOWAGE_TEST_S3_SECRET_ACCESS_KEY"),
        "{stderr}"
    );
}
