//! What `ObjectStoreBridge` adds to the memory backend, measured in pairs: put, get, head
//! and a full listing of 100k objects, by the memory backend called directly, the same
//! backend through the bridge (as an `object_store::ObjectStore`), `object_store`'s own
//! `InMemory`, and, as a yardstick for what a layer over an `object_store::ObjectStore`
//! costs, `object_store`'s own `PrefixStore` over that `InMemory` (the keys' first segment
//! as its prefix).
//!
//! Separate benchmark runs of sub-microsecond calls differ by more than the bridge's cost
//! (the heap's layout and the caches change from one process and one minute to the next).
//! So each round runs one block of each of the four, back to back in one process and in a
//! rotating order, and the figures are medians over the rounds of each block's time per
//! call and of the ratios within a round. `BRIDGE_ROUNDS` rounds (31 by default); one JSON
//! line per operation and store: `{"op", "store", "ns_per_call", "vs_direct", "vs_in_memory",
//! "rounds"}`, where the two ratios are this store's time over the memory backend's direct
//! time and over `InMemory`'s, medians of the rounds.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde_json::json;
use stowage::memory::MemoryStorage;
use stowage::{ObjectStorage, PutOptions, S3Path};
use stowage_object_store::ObjectStoreBridge;

#[path = "support/filled.rs"]
mod filled;

use filled::{BODY, BUCKET, OBJECTS};

/// Calls per block of put, get and head: about 30 to 40 ms each.
const CALLS: usize = 20_000;
/// Full listings per block.
const LISTINGS: usize = 2;

/// The operations measured, by the names the JSON lines give them.
#[derive(Clone, Copy, PartialEq)]
enum Operation {
    Put,
    Get,
    Head,
    List,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Self::Put => "put",
            Self::Get => "get",
            Self::Head => "head",
            Self::List => "list_100k",
        }
    }
}

/// The stores of a round, in the order of the ratios' columns.
#[derive(Clone, Copy, PartialEq)]
enum Store {
    Direct,
    Bridge,
    InMemory,
    Prefixed,
}

impl Store {
    const ALL: [Self; 4] = [Self::Direct, Self::Bridge, Self::InMemory, Self::Prefixed];
}

impl Store {
    fn name(self) -> &'static str {
        match self {
            Self::Direct => "memory backend direct",
            Self::Bridge => "bridge",
            Self::InMemory => "object_store InMemory",
            Self::Prefixed => "object_store PrefixStore over InMemory",
        }
    }
}

/// Everything a block runs against.
struct Fixture {
    stowage: MemoryStorage,
    stowage_paths: Vec<S3Path>,
    in_memory: Arc<InMemory>,
    bridge: ObjectStoreBridge,
    paths: Vec<Path>,
    prefixed: PrefixStore<Arc<InMemory>>,
    /// `paths` relative to `prefixed`'s prefix.
    relative_paths: Vec<Path>,
}

async fn fixture() -> Fixture {
    let (stowage, stowage_paths) = filled::stowage().await;
    let (in_memory, paths) = filled::in_memory().await;
    let bridge = ObjectStoreBridge::new(Arc::new(stowage.clone()), BUCKET).unwrap();
    let prefix = Path::from(filled::PREFIX);
    let relative_paths = paths
        .iter()
        .map(|path| path.prefix_match(&prefix).unwrap().collect())
        .collect();
    Fixture {
        stowage,
        stowage_paths,
        prefixed: PrefixStore::new(Arc::clone(&in_memory), prefix),
        in_memory,
        bridge,
        paths,
        relative_paths,
    }
}

/// The `object_store` face of a store, and the paths it names the objects by.
fn object_store(fixture: &Fixture, store: Store) -> (&dyn ObjectStore, &[Path]) {
    match store {
        Store::Bridge => (&fixture.bridge, &fixture.paths),
        Store::Prefixed => (&fixture.prefixed, &fixture.relative_paths),
        _ => (fixture.in_memory.as_ref(), &fixture.paths),
    }
}

/// One block of `op` on `store`: nanoseconds per call.
async fn block(fixture: &Fixture, op: Operation, store: Store) -> f64 {
    let started = Instant::now();
    let mut i = 0usize;
    let mut next = || {
        i = (i + 7919) % OBJECTS;
        i
    };
    let calls = if op == Operation::List {
        LISTINGS
    } else {
        CALLS
    };
    for _ in 0..calls {
        match (op, store) {
            (Operation::Put, Store::Direct) => {
                let path = &fixture.stowage_paths[next()];
                fixture
                    .stowage
                    .put_object(path, Bytes::from_static(BODY).into(), PutOptions::new())
                    .await
                    .unwrap();
            }
            (Operation::Get, Store::Direct) => {
                let path = &fixture.stowage_paths[next()];
                let body = fixture.stowage.get_object(path).await.unwrap().body;
                assert_eq!(body.bytes().await.unwrap().len(), BODY.len());
            }
            (Operation::Head, Store::Direct) => {
                let path = &fixture.stowage_paths[next()];
                fixture.stowage.head_object(path).await.unwrap();
            }
            (Operation::List, Store::Direct) => {
                let root = S3Path::bucket_root(BUCKET).unwrap();
                let listed = fixture.stowage.list_objects(&root, None).await.unwrap();
                assert_eq!(listed.objects.len(), OBJECTS);
            }
            (Operation::Put, store) => {
                let (store, paths) = object_store(fixture, store);
                store
                    .put(&paths[next()], PutPayload::from_static(BODY))
                    .await
                    .unwrap();
            }
            (Operation::Get, store) => {
                let (store, paths) = object_store(fixture, store);
                let result = store.get(&paths[next()]).await.unwrap();
                assert_eq!(result.bytes().await.unwrap().len(), BODY.len());
            }
            (Operation::Head, store) => {
                let (store, paths) = object_store(fixture, store);
                store.head(&paths[next()]).await.unwrap();
            }
            (Operation::List, store) => {
                let listed: Vec<_> = object_store(fixture, store)
                    .0
                    .list(None)
                    .try_collect()
                    .await
                    .unwrap();
                assert_eq!(listed.len(), OBJECTS);
            }
        }
    }
    started.elapsed().as_nanos() as f64 / calls as f64
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    }
}

fn main() {
    let rounds: usize = std::env::var("BRIDGE_ROUNDS")
        .map(|rounds| rounds.parse().expect("BRIDGE_ROUNDS is a round count"))
        .unwrap_or(31);
    filled::runtime().block_on(async {
        let fixture = fixture().await;
        let stores = Store::ALL;
        for op in [
            Operation::Put,
            Operation::Get,
            Operation::Head,
            Operation::List,
        ] {
            // A first block of each, not counted: the caches and the heap settle.
            for store in stores {
                block(&fixture, op, store).await;
            }
            let mut times: Vec<[f64; 4]> = Vec::with_capacity(rounds);
            for round in 0..rounds {
                let mut times_of_round = [0.0; 4];
                for k in 0..stores.len() {
                    let index = (round + k) % stores.len();
                    times_of_round[index] = block(&fixture, op, stores[index]).await;
                }
                times.push(times_of_round);
            }
            for (index, store) in stores.iter().enumerate() {
                let of = |other: usize| median(times.iter().map(|t| t[index] / t[other]).collect());
                println!(
                    "{}",
                    json!({
                        "op": op.name(),
                        "store": store.name(),
                        "ns_per_call": median(times.iter().map(|t| t[index]).collect()),
                        "vs_direct": of(0),
                        "vs_in_memory": of(2),
                        "rounds": rounds,
                    })
                );
            }
        }
    });
}
