//! A three-node Garage cluster (replication factor 3, consistent mode) losing nodes under
//! the client: one node killed in the middle of a workload costs nothing, two dead nodes give
//! a typed error within the timeout, a frozen node is a timeout for the clients talking to it,
//! and the whole conformance suite passes with one node down.
//!
//! Every test starts its own cluster from the Garage binary in the cache
//! (`scripts/garage.sh install`); `STOWAGE_TEST_S3_*` plays no part here.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use stowage_core::{Error, ObjectStorage, PutOptions, S3Path};
use stowage_s3::S3Storage;
use stowage_testkit::areas::transfers::small_parts;
use stowage_testkit::checked_operations::{self, Operation, content};
use stowage_testkit::servers::cluster::GarageCluster;
use stowage_testkit::support::read_all;
use stowage_testkit::{Backend, TestServer, backends};

/// Starts a cluster, failing the test with the reason when it cannot.
async fn start_cluster() -> Arc<GarageCluster> {
    let cluster = tokio::task::spawn_blocking(GarageCluster::start)
        .await
        .expect("the start does not panic")
        .unwrap_or_else(|problem| panic!("{problem}"));
    forbid_leaks(&cluster);
    Arc::new(cluster)
}

/// From here on, no event of this binary may carry a key of these tests (all under
/// `cluster/` or the suite's prefix), a signature, a credential, a policy or the cluster's
/// secret.
fn forbid_leaks(cluster: &GarageCluster) {
    stowage_testkit::logs::forbid(["cluster/".to_owned(), cluster.server(0).secret_access_key]);
}

/// Runs a blocking cluster command (kill, restart, ...) off the runtime's threads.
async fn on_cluster<T: Send + 'static>(
    cluster: &Arc<GarageCluster>,
    command: impl FnOnce(&GarageCluster) -> Result<T, String> + Send + 'static,
) -> T {
    let cluster = Arc::clone(cluster);
    tokio::task::spawn_blocking(move || command(&cluster))
        .await
        .expect("the cluster command does not panic")
        .unwrap_or_else(|problem| panic!("{problem}"))
}

/// An S3 backend talking to `server`, with [`small_parts`] and the default timeouts and
/// retries.
async fn client(server: &TestServer) -> Arc<S3Storage> {
    Arc::new(
        server
            .s3_builder()
            .transfer_settings(small_parts())
            .build()
            .await
            .expect("the S3 backend builds"),
    )
}

// ---- the conformance suite with one node down ----

/// The cluster of the conformance tests: node 2 killed before the first test, and node 0
/// told at once, so no test waits out the survivors' RPC timeout.
fn cluster_with_one_node_down() -> &'static GarageCluster {
    static CLUSTER: OnceLock<GarageCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let cluster = GarageCluster::start().unwrap_or_else(|problem| panic!("{problem}"));
        cluster
            .kill(2)
            .unwrap_or_else(|problem| panic!("{problem}"));
        cluster.probe_peers(0);
        forbid_leaks(&cluster);
        cluster
    })
}

/// The S3 backend on node 0 of [`cluster_with_one_node_down`].
async fn one_node_down() -> Backend {
    let server = tokio::task::spawn_blocking(|| cluster_with_one_node_down().server(0))
        .await
        .expect("the cluster starts");
    backends::garage(&server).await
}

stowage_testkit::conformance_tests!(conformance_with_one_node_down, one_node_down());

// ---- one node killed in the middle of a workload ----

/// Tasks of the workload.
const WORKERS: usize = 8;
/// Rounds every task starts after the kill has happened.
const ROUNDS_AFTER_KILL: usize = 3;

/// What the workload was told succeeded: every path with its bytes, or `None` once deleted.
type Ledger = Mutex<BTreeMap<S3Path, Option<Bytes>>>;

/// The bytes task `worker` writes in round `round`; their length runs up to 96 KiB.
fn round_bytes(worker: usize, round: usize) -> Bytes {
    let len = 1 + (worker * 7919 + round * 104_729) % (96 * 1024);
    (0..len)
        .map(|i| (i ^ round.wrapping_mul(31) ^ (worker * 17)) as u8)
        .collect()
}

/// Stores `bytes` at `path` and enters it in the ledger.
async fn put(storage: &S3Storage, ledger: &Ledger, path: &S3Path, bytes: Bytes) {
    storage
        .put_object(path, bytes.clone().into(), PutOptions::new())
        .await
        .unwrap_or_else(|error| panic!("put: {error}"));
    ledger.lock().unwrap().insert(path.clone(), Some(bytes));
}

/// One round of one task: puts (one of them in parts), reads, a head, a copy, a listing of
/// the task's prefix, a delete and a batch delete; every answer is checked against the
/// ledger.
async fn round(storage: &S3Storage, ledger: &Ledger, prefix: &S3Path, worker: usize, round: usize) {
    let path = prefix.join(&format!("{round}")).unwrap();
    let bytes = round_bytes(worker, round);
    put(storage, ledger, &path, bytes.clone()).await;
    assert_eq!(read_all(storage, &path).await, bytes);
    let meta = storage
        .head_object(&path)
        .await
        .unwrap_or_else(|error| panic!("head: {error}"));
    assert_eq!(meta.size, bytes.len() as u64);

    let copy = prefix.join(&format!("{round}-copy")).unwrap();
    storage
        .copy_object(&path, &copy)
        .await
        .unwrap_or_else(|error| panic!("copy: {error}"));
    ledger
        .lock()
        .unwrap()
        .insert(copy.clone(), Some(bytes.clone()));
    assert_eq!(read_all(storage, &copy).await, bytes);

    if round % 3 == worker % 3 {
        let large = prefix.join(&format!("{round}-large")).unwrap();
        let large_bytes = content(checked_operations::IN_PARTS_LEN);
        put(storage, ledger, &large, large_bytes.clone()).await;
        assert!(
            read_all(storage, &large).await == large_bytes,
            "the large object"
        );
    }

    if round > 0 {
        let previous_copy = prefix.join(&format!("{}-copy", round - 1)).unwrap();
        storage
            .delete_object(&previous_copy)
            .await
            .unwrap_or_else(|error| panic!("delete: {error}"));
        ledger.lock().unwrap().insert(previous_copy, None);
    }

    let batch: Vec<S3Path> = ["a", "b", "c"]
        .iter()
        .map(|name| prefix.join(&format!("{round}-{name}")).unwrap())
        .collect();
    for path in &batch {
        put(storage, ledger, path, bytes.slice(..bytes.len().min(100))).await;
    }
    let report = storage
        .delete_objects(&batch)
        .await
        .unwrap_or_else(|error| panic!("delete_objects: {error}"));
    assert!(report.is_success(), "not deleted: {:?}", report.failed);
    assert_eq!(report.deleted.len(), batch.len(), "every key reported once");
    for path in batch {
        ledger.lock().unwrap().insert(path, None);
    }

    let listed: Vec<S3Path> = storage
        .list_objects(prefix, None)
        .await
        .unwrap_or_else(|error| panic!("list: {error}"))
        .objects
        .into_iter()
        .map(|object| object.path)
        .collect();
    let expected: Vec<S3Path> = ledger
        .lock()
        .unwrap()
        .range(prefix.clone()..)
        .take_while(|(path, _)| path.key().starts_with(prefix.key()))
        .filter(|(_, bytes)| bytes.is_some())
        .map(|(path, _)| path.clone())
        .collect();
    assert_eq!(listed, expected, "the listing holds every stored object");
}

/// Every object of the ledger reads back through `storage` with its bytes, every deleted
/// one is gone.
async fn check_ledger(storage: &S3Storage, ledger: &Ledger, through: &str) {
    let entries: Vec<(S3Path, Option<Bytes>)> = ledger
        .lock()
        .unwrap()
        .iter()
        .map(|(path, bytes)| (path.clone(), bytes.clone()))
        .collect();
    for (path, bytes) in entries {
        match bytes {
            Some(bytes) => assert!(
                read_all(storage, &path).await == bytes,
                "{} reads back through {through}",
                path.key_hash()
            ),
            None => assert!(
                !storage.object_exists(&path).await.unwrap(),
                "{} stays deleted through {through}",
                path.key_hash()
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_workload_costs_no_operation_and_no_object() {
    let logs = stowage_testkit::logs::capture();
    let cluster = start_cluster().await;
    let storage = client(&cluster.server(0)).await;
    let base = S3Path::new(&cluster.server(0).bucket, "cluster/killed/").unwrap();
    let ledger = Arc::new(Ledger::default());
    let rounds_done = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    let slowest = Arc::new(Mutex::new(Duration::ZERO));

    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..WORKERS {
        let (storage, ledger, rounds_done, killed, slowest) = (
            Arc::clone(&storage),
            Arc::clone(&ledger),
            Arc::clone(&rounds_done),
            Arc::clone(&killed),
            Arc::clone(&slowest),
        );
        let prefix = base.join(&format!("{worker}/")).unwrap();
        workers.spawn(async move {
            let mut after_kill = 0;
            for number in 0.. {
                let started_after_kill = killed.load(Ordering::SeqCst);
                let started = Instant::now();
                round(&storage, &ledger, &prefix, worker, number).await;
                let took = started.elapsed();
                let mut slowest = slowest.lock().unwrap();
                *slowest = (*slowest).max(took);
                drop(slowest);
                rounds_done.fetch_add(1, Ordering::SeqCst);
                after_kill += usize::from(started_after_kill);
                if after_kill == ROUNDS_AFTER_KILL {
                    return number + 1;
                }
            }
            unreachable!("the rounds never end before the kill")
        });
    }
    // Kill node 2 once every task is under way.
    while rounds_done.load(Ordering::SeqCst) < WORKERS {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let rounds_before = rounds_done.load(Ordering::SeqCst);
    on_cluster(&cluster, |cluster| cluster.kill(2)).await;
    killed.store(true, Ordering::SeqCst);
    let mut rounds = 0;
    while let Some(done) = workers.join_next().await {
        rounds += done.expect("no task failed");
    }
    eprintln!(
        "{WORKERS} tasks, {rounds} rounds, {rounds_before} finished before node 2 died, {} \
         objects written; slowest round {:?}",
        ledger.lock().unwrap().len(),
        slowest.lock().unwrap()
    );

    check_ledger(&storage, &ledger, "node 0").await;
    check_ledger(&*client(&cluster.server(1)).await, &ledger, "node 1").await;
    // Back on its own data, node 2 serves what was written while it was dead.
    on_cluster(&cluster, |cluster| cluster.restart(2)).await;
    check_ledger(&*client(&cluster.server(2)).await, &ledger, "node 2").await;
    logs.assert_free_of(&[
        "cluster/killed/",
        cluster.server(0).secret_access_key.as_str(),
        "Signature=",
        "Credential=",
    ]);
}

// ---- two nodes dead: no quorum ----

/// How long one attempt may wait for an answer in the quorum and freeze tests.
const READ_TIMEOUT: Duration = Duration::from_secs(2);
/// Longer than any operation may take with [`READ_TIMEOUT`] and two attempts, backoff
/// included: past it, an operation hangs.
const HANG: Duration = Duration::from_secs(30);

/// Longer than any operation through a live node may take while a peer is frozen: each
/// request may wait out the cluster's RPC timeout (5 s) on the frozen node, once per
/// request, and a multipart put is six requests.
const LIVE_HANG: Duration = Duration::from_secs(120);

/// An S3 backend on `server` with [`READ_TIMEOUT`] and `attempts` per request.
async fn impatient_client(server: &TestServer, attempts: u32) -> Arc<S3Storage> {
    Arc::new(
        server
            .s3_builder()
            .transfer_settings(small_parts())
            .read_timeout(READ_TIMEOUT)
            .max_attempts(attempts)
            .build()
            .await
            .expect("the S3 backend builds"),
    )
}

/// Runs every operation through `storage` under `base`, with a stored `source`; returns
/// each outcome, failing the test on a hang, and prints how long each took.
async fn every_operation(
    storage: &Arc<S3Storage>,
    base: &S3Path,
    source: &S3Path,
    bytes: &Bytes,
    hang: Duration,
) -> Vec<(Operation, Result<(), Error>)> {
    let mut outcomes = Vec::new();
    let mut took = Vec::new();
    for op in Operation::ALL {
        let started = Instant::now();
        let outcome = tokio::time::timeout(
            hang,
            checked_operations::run(op, storage, base, source, bytes),
        )
        .await
        .unwrap_or_else(|_| panic!("{op:?} hung"));
        took.push(format!("{op:?} {} ms", started.elapsed().as_millis()));
        outcomes.push((op, outcome));
    }
    eprintln!("{}", took.join(", "));
    outcomes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_two_nodes_dead_every_operation_fails_typed_then_recovers() {
    let cluster = start_cluster().await;
    let storage = impatient_client(&cluster.server(0), 2).await;
    let base = S3Path::new(&cluster.server(0).bucket, "cluster/quorum/").unwrap();
    let source = base.join("source").unwrap();
    let bytes = content(64 * 1024);
    storage
        .put_object(&source, bytes.clone().into(), PutOptions::new())
        .await
        .expect("the source is stored");

    on_cluster(&cluster, |cluster| cluster.kill(1).and(cluster.kill(2))).await;
    for (op, outcome) in every_operation(&storage, &base, &source, &bytes, HANG).await {
        let error = outcome.expect_err("no quorum, no success");
        // S3's answer for a store that cannot serve is a 503, with the code
        // `ServiceUnavailable` where the answer has a body (a HEAD has none). Until the
        // survivor notices its peers are gone, it waits on them: the client's read timeout
        // ends that wait.
        assert!(
            matches!(
                &error,
                Error::Service { status: 503, .. } | Error::Timeout { .. }
            ),
            "{op:?}: a typed unavailability, got {error:?}"
        );
    }

    // One node back: the quorum returns, and with it every operation and the source.
    on_cluster(&cluster, |cluster| cluster.restart(1)).await;
    for (op, outcome) in every_operation(&storage, &base, &source, &bytes, HANG).await {
        outcome.unwrap_or_else(|error| panic!("{op:?} with the quorum back: {error}"));
    }
}

// ---- a frozen node ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_node_is_a_timeout_to_its_clients_and_the_others_serve() {
    let cluster = start_cluster().await;
    let on_frozen = impatient_client(&cluster.server(2), 1).await;
    let on_live = client(&cluster.server(0)).await;
    let base = S3Path::new(&cluster.server(0).bucket, "cluster/frozen/").unwrap();
    let source = base.join("source").unwrap();
    let bytes = content(64 * 1024);
    on_live
        .put_object(&source, bytes.clone().into(), PutOptions::new())
        .await
        .expect("the source is stored");

    on_cluster(&cluster, |cluster| cluster.freeze(2)).await;
    for (op, outcome) in every_operation(&on_frozen, &base, &source, &bytes, HANG).await {
        let error = outcome.expect_err("a frozen node answers nothing");
        assert!(
            matches!(error, Error::Timeout { .. }),
            "{op:?}: a timeout, got {error:?}"
        );
    }
    for (op, outcome) in every_operation(&on_live, &base, &source, &bytes, LIVE_HANG).await {
        outcome.unwrap_or_else(|error| panic!("{op:?} through a live node: {error}"));
    }
    on_cluster(&cluster, |cluster| cluster.thaw(2)).await;
    // A node back from a freeze can answer 403 to signed requests for a moment while it
    // catches up with its peers: it must serve again within THAW_CATCH_UP, and then serve
    // every operation.
    let back = Instant::now();
    while let Err(error) = on_frozen.head_object(&source).await {
        assert!(
            back.elapsed() < THAW_CATCH_UP,
            "the thawed node still refuses after {THAW_CATCH_UP:?}: {error}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for (op, outcome) in every_operation(&on_frozen, &base, &source, &bytes, HANG).await {
        outcome.unwrap_or_else(|error| panic!("{op:?} through the thawed node: {error}"));
    }
}

/// How long a thawed node may take to serve signed requests again.
const THAW_CATCH_UP: Duration = Duration::from_secs(30);
