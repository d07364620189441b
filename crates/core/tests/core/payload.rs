//! `Payload` and `ObjectBody`: declared lengths, streams, collection, errors.

use bytes::Bytes;
use futures::{StreamExt as _, TryStreamExt as _};
use stowage_core::{Error, ObjectBody, Payload};

fn chunks(
    parts: &[&'static str],
) -> impl futures::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let items: Vec<std::io::Result<Bytes>> = parts
        .iter()
        .map(|p| Ok(Bytes::from_static(p.as_bytes())))
        .collect();
    futures::stream::iter(items)
}

#[tokio::test]
async fn payload_stream_with_the_declared_length_is_collected() {
    let payload = Payload::from_stream(chunks(&["ab", "cde", "", "f"]), 6);
    assert_eq!(payload.length(), Some(6));
    assert_eq!(
        format!("{payload:?}"),
        "Payload { kind: \"stream\", length: Some(6) }"
    );
    assert_eq!(
        payload.into_bytes().await.unwrap(),
        Bytes::from_static(b"abcdef")
    );

    let payload = Payload::from_stream(chunks(&["ab", "cd"]), 4);
    let parts: Vec<Bytes> = payload.into_stream().try_collect().await.unwrap();
    assert_eq!(
        parts,
        vec![Bytes::from_static(b"ab"), Bytes::from_static(b"cd")]
    );

    let empty = Payload::from_stream(chunks(&[]), 0);
    assert_eq!(empty.length(), Some(0));
    assert_eq!(empty.into_bytes().await.unwrap(), Bytes::new());
}

#[tokio::test]
async fn payload_stream_with_a_wrong_declared_length_fails_with_io() {
    // Shorter than declared.
    let short = Payload::from_stream(chunks(&["abc", "de"]), 10);
    let error = short.into_bytes().await.unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("10"), "{error}");

    // Longer than declared: fails as soon as the excess chunk arrives, then ends.
    let long = Payload::from_stream(chunks(&["abc", "de", "never read"]), 3);
    let mut stream = long.into_stream();
    assert_eq!(
        stream.next().await.unwrap().unwrap(),
        Bytes::from_static(b"abc")
    );
    assert!(matches!(stream.next().await, Some(Err(Error::Io { .. }))));
    assert!(stream.next().await.is_none());
    assert!(matches!(
        Payload::from_stream(chunks(&["abc", "de"]), 3)
            .into_bytes()
            .await,
        Err(Error::Io { .. })
    ));

    // Short, as a stream: every chunk, then the error, then the end.
    let mut stream = Payload::from_stream(chunks(&["ab"]), 3).into_stream();
    assert_eq!(
        stream.next().await.unwrap().unwrap(),
        Bytes::from_static(b"ab")
    );
    assert!(matches!(stream.next().await, Some(Err(Error::Io { .. }))));
    assert!(stream.next().await.is_none());

    // An empty stream declared non-empty.
    assert!(matches!(
        Payload::from_stream(chunks(&[]), 1).into_bytes().await,
        Err(Error::Io { .. })
    ));

    // An I/O error from the source becomes Error::Io with its message.
    let failing = futures::stream::iter(vec![
        Ok(Bytes::from_static(b"ab")),
        Err(std::io::Error::other("disk unplugged")),
    ]);
    let error = Payload::from_stream(failing, 4)
        .into_bytes()
        .await
        .unwrap_err();
    match error {
        Error::Io { message } => assert!(message.contains("disk unplugged"), "{message}"),
        other => panic!("expected Io, got {other:?}"),
    }
}

#[tokio::test]
async fn payload_with_an_absurd_declared_length_is_an_error_not_an_abort() {
    // Nothing may be allocated on the strength of the declared length alone.
    for declared in [u64::MAX, 1 << 60, usize::MAX as u64 / 2] {
        let result = Payload::from_stream(chunks(&["ab"]), declared)
            .into_bytes()
            .await;
        assert!(
            matches!(result, Err(Error::Io { .. })),
            "{declared}: {result:?}"
        );
    }
}

#[tokio::test]
async fn payloads_of_unknown_length_yield_what_their_source_yields() {
    let payload = Payload::from_unsized_stream(chunks(&["ab", "", "cde"]));
    assert_eq!(payload.length(), None);
    assert_eq!(
        payload.into_bytes().await.unwrap(),
        Bytes::from_static(b"abcde")
    );

    let reader = std::io::Cursor::new(vec![7u8; 600 * 1024]);
    let payload = Payload::from_reader(reader);
    assert_eq!(payload.length(), None);
    let parts: Vec<Bytes> = payload.into_stream().try_collect().await.unwrap();
    assert!(parts.len() >= 3, "read in bounded chunks: {}", parts.len());
    assert_eq!(parts.concat(), vec![7u8; 600 * 1024]);

    let failing = futures::stream::iter(vec![
        Ok(Bytes::from_static(b"ab")),
        Err(std::io::Error::other("pipe closed")),
    ]);
    match Payload::from_unsized_stream(failing).into_bytes().await {
        Err(Error::Io { message }) => assert!(message.contains("pipe closed"), "{message}"),
        other => panic!("expected Io, got {other:?}"),
    }
}

#[tokio::test]
async fn in_memory_payloads() {
    for (payload, expected) in [
        (Payload::from("hello"), &b"hello"[..]),
        (Payload::from(&b"bytes"[..]), &b"bytes"[..]),
        (Payload::from(String::from("owned")), &b"owned"[..]),
        (Payload::from(vec![1u8, 2, 3]), &[1u8, 2, 3][..]),
        (Payload::from(Bytes::new()), &[][..]),
    ] {
        assert_eq!(payload.length(), Some(expected.len() as u64));
        assert_eq!(
            payload.into_bytes().await.unwrap(),
            Bytes::copy_from_slice(expected)
        );
    }
    let collected: Vec<Bytes> = Payload::from("x")
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(collected, vec![Bytes::from_static(b"x")]);
}

#[tokio::test]
async fn object_body_collects_chunks() {
    let parts = || {
        futures::stream::iter(vec![
            Ok(Bytes::from_static(b"hello ")),
            Ok(Bytes::new()),
            Ok(Bytes::from_static(b"wor")),
            Ok(Bytes::from_static(b"ld")),
        ])
    };
    let body = ObjectBody::new(parts());
    assert_eq!(
        body.bytes().await.unwrap(),
        Bytes::from_static(b"hello world")
    );

    // As a Stream: chunk by chunk, unchanged.
    let body = ObjectBody::new(parts());
    let collected: Vec<Bytes> = body.try_collect().await.unwrap();
    assert_eq!(collected.len(), 4);
    assert_eq!(collected.concat(), b"hello world");

    // As an AsyncRead.
    let body = ObjectBody::new(parts());
    let mut reader = body.into_async_read();
    let mut out = Vec::new();
    futures::io::AsyncReadExt::read_to_end(&mut reader, &mut out)
        .await
        .unwrap();
    assert_eq!(out, b"hello world");

    assert_eq!(
        ObjectBody::from_bytes(Bytes::from_static(b"abc"))
            .bytes()
            .await
            .unwrap(),
        Bytes::from_static(b"abc")
    );
    assert_eq!(
        ObjectBody::new(futures::stream::empty())
            .bytes()
            .await
            .unwrap(),
        Bytes::new()
    );

    // An error mid-body is returned, not swallowed.
    let body = ObjectBody::new(futures::stream::iter(vec![
        Ok(Bytes::from_static(b"partial")),
        Err(Error::Io {
            message: "connection reset".into(),
        }),
        Ok(Bytes::from_static(b"never")),
    ]));
    assert!(matches!(body.bytes().await, Err(Error::Io { .. })));
    let body = ObjectBody::new(futures::stream::iter(vec![Err(Error::Timeout {
        message: "read timeout".into(),
    })]));
    let mut out = Vec::new();
    let error = futures::io::AsyncReadExt::read_to_end(&mut body.into_async_read(), &mut out)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("read timeout"), "{error}");
}
