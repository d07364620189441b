//! Conditional writes on moto, which enforces them.

use super::*;

/// The moto server, with the log capture on.
fn moto() -> &'static MotoServer {
    capture_logs();
    MotoServer::get()
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_create_only_put_fails_the_second_time() {
    let moto = moto();
    let storage = moto.s3_builder().build().await.unwrap();
    assert!(storage.conditional_writes());
    let p = path(&moto.bucket, &format!("{}once", prefix("create")));
    let create = || PutOptions::new().mode(PutMode::Create);
    storage
        .put_object(&p, Payload::from("first"), create())
        .await
        .expect("the first create-only put");
    let error = storage
        .put_object(&p, Payload::from("second"), create())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::PreconditionFailed { path } if path == &p),
        "{error:?}"
    );
    assert_eq!(read_all(&storage, &p).await, "first".as_bytes());
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_compare_and_swap_needs_the_current_etag() {
    let moto = moto();
    let storage = moto.s3_builder().build().await.unwrap();
    let prefix = prefix("cas");
    let p = path(&moto.bucket, &format!("{prefix}counter"));
    let v1 = storage
        .put_object(&p, Payload::from("1"), PutOptions::new())
        .await
        .unwrap()
        .etag
        .unwrap();
    let swap = |etag: &str| PutOptions::new().mode(PutMode::IfMatch(etag.to_owned()));
    let v2 = storage
        .put_object(&p, Payload::from("2"), swap(&v1))
        .await
        .expect("the right ETag wins")
        .etag
        .unwrap();
    assert_ne!(v1, v2);
    // The old ETag is now the wrong one.
    let error = storage
        .put_object(&p, Payload::from("3"), swap(&v1))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::PreconditionFailed { path } if path == &p),
        "{error:?}"
    );
    assert_eq!(read_all(&storage, &p).await, "2".as_bytes());

    // If-Match on a missing key: whatever the server answers (moto, like AWS: NoSuchKey).
    let missing = path(&moto.bucket, &format!("{prefix}missing"));
    let error = storage
        .put_object(&missing, Payload::from("x"), swap(&v2))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
    assert!(!storage.object_exists(&missing).await.unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_concurrent_create_only_puts_exactly_one_wins() {
    let moto = moto();
    let storage = Arc::new(moto.s3_builder().build().await.unwrap());
    let prefix = prefix("race");
    for round in 0..20 {
        let p = path(&moto.bucket, &format!("{prefix}{round}"));
        let racers = ["a", "b"].map(|body| {
            let storage = Arc::clone(&storage);
            let p = p.clone();
            tokio::spawn(async move {
                let options = PutOptions::new().mode(PutMode::Create);
                (
                    body,
                    storage.put_object(&p, Payload::from(body), options).await,
                )
            })
        });
        let mut winners = Vec::new();
        for racer in racers {
            let (body, result) = racer.await.unwrap();
            match result {
                Ok(_) => winners.push(body),
                Err(Error::PreconditionFailed { .. }) => {}
                Err(error) => panic!("round {round}: {error:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
        assert_eq!(read_all(storage.as_ref(), &p).await, winners[0].as_bytes());
    }
}
