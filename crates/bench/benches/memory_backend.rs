//! The memory backend on 100k objects, next to `object_store::memory::InMemory` doing the
//! same work: put, get, head, a full listing, and a mixed workload on 2 tasks. What
//! `ObjectStoreBridge` adds to the same calls is measured in pairs by `bridge_paired.rs`.

use std::sync::Arc;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use futures::TryStreamExt;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use stowage::{ObjectStorage, PutOptions, S3Path};

#[path = "support/filled.rs"]
mod filled;

use filled::{BODY, BUCKET, OBJECTS};

fn memory_backends(c: &mut Criterion) {
    let rt = filled::runtime();
    let (stowage, s_paths) = rt.block_on(filled::stowage());
    let (object_store, o_paths) = rt.block_on(filled::in_memory());
    // The mixed workload's tasks share the path lists rather than copying 100k paths each.
    let (s_paths, o_paths) = (Arc::new(s_paths), Arc::new(o_paths));
    let mut group = c.benchmark_group("memory_100k");
    let mut i = 0usize;

    group.bench_function(BenchmarkId::new("put", "stowage"), |b| {
        b.iter(|| {
            i = (i + 7919) % OBJECTS;
            rt.block_on(stowage.put_object(
                &s_paths[i],
                Bytes::from_static(BODY).into(),
                PutOptions::new(),
            ))
            .unwrap()
        })
    });
    group.bench_function(BenchmarkId::new("put", "object_store"), |b| {
        b.iter(|| {
            i = (i + 7919) % OBJECTS;
            rt.block_on(object_store.put(&o_paths[i], PutPayload::from_static(BODY)))
                .unwrap()
        })
    });
    group.bench_function(BenchmarkId::new("get", "stowage"), |b| {
        b.iter(|| {
            i = (i + 7919) % OBJECTS;
            rt.block_on(async {
                stowage
                    .get_object(&s_paths[i])
                    .await
                    .unwrap()
                    .body
                    .bytes()
                    .await
                    .unwrap()
            })
        })
    });
    group.bench_function(BenchmarkId::new("get", "object_store"), |b| {
        b.iter(|| {
            i = (i + 7919) % OBJECTS;
            rt.block_on(async {
                object_store
                    .get(&o_paths[i])
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap()
            })
        })
    });
    group.bench_function(BenchmarkId::new("head", "stowage"), |b| {
        b.iter(|| {
            i = (i + 7919) % OBJECTS;
            rt.block_on(stowage.head_object(&s_paths[i])).unwrap()
        })
    });
    group.bench_function(BenchmarkId::new("head", "object_store"), |b| {
        b.iter(|| {
            i = (i + 7919) % OBJECTS;
            rt.block_on(object_store.head(&o_paths[i])).unwrap()
        })
    });
    group.sample_size(10);
    let root = S3Path::bucket_root(BUCKET).unwrap();
    group.bench_function(BenchmarkId::new("list_100k", "stowage"), |b| {
        b.iter(|| {
            assert_eq!(
                rt.block_on(stowage.list_objects(&root, None))
                    .unwrap()
                    .objects
                    .len(),
                OBJECTS
            )
        })
    });
    group.bench_function(BenchmarkId::new("list_100k", "object_store"), |b| {
        b.iter(|| {
            let all: Vec<_> = rt.block_on(object_store.list(None).try_collect()).unwrap();
            assert_eq!(all.len(), OBJECTS)
        })
    });

    // Mixed workload: 2 tasks, each 1000 operations (put, get, head, exists-style head).
    group.bench_function(BenchmarkId::new("mixed_2_tasks", "stowage"), |b| {
        b.iter(|| {
            rt.block_on(async {
                let tasks = (0..2).map(|t| {
                    let storage = stowage.clone();
                    let paths = Arc::clone(&s_paths);
                    tokio::spawn(async move {
                        for n in 0..1000 {
                            let path = &paths[(n * 97 + t * 31) % OBJECTS];
                            match n % 4 {
                                0 => {
                                    storage
                                        .put_object(
                                            path,
                                            Bytes::from_static(BODY).into(),
                                            PutOptions::new(),
                                        )
                                        .await
                                        .unwrap();
                                }
                                1 => {
                                    storage
                                        .get_object(path)
                                        .await
                                        .unwrap()
                                        .body
                                        .bytes()
                                        .await
                                        .unwrap();
                                }
                                2 => {
                                    storage.head_object(path).await.unwrap();
                                }
                                _ => {
                                    storage.object_exists(path).await.unwrap();
                                }
                            }
                        }
                    })
                });
                futures::future::try_join_all(tasks).await.unwrap();
            })
        })
    });
    group.bench_function(BenchmarkId::new("mixed_2_tasks", "object_store"), |b| {
        b.iter(|| {
            rt.block_on(async {
                let tasks = (0..2).map(|t| {
                    let store = object_store.clone();
                    let paths = Arc::clone(&o_paths);
                    tokio::spawn(async move {
                        for n in 0..1000 {
                            let path = &paths[(n * 97 + t * 31) % OBJECTS];
                            match n % 4 {
                                0 => {
                                    store
                                        .put(path, PutPayload::from_static(BODY))
                                        .await
                                        .unwrap();
                                }
                                1 => {
                                    store.get(path).await.unwrap().bytes().await.unwrap();
                                }
                                2 => {
                                    store.head(path).await.unwrap();
                                }
                                _ => {
                                    assert!(store.head(path).await.is_ok());
                                }
                            }
                        }
                    })
                });
                futures::future::try_join_all(tasks).await.unwrap();
            })
        })
    });
    group.finish();
}

criterion_group!(benches, memory_backends);
criterion_main!(benches);
