//! Keys S3 accepts but naive code mangles.

use bytes::Bytes;
use stowage_core::{Error, MAX_KEY_BYTES, PutOptions, S3Path};

use crate::Fixture;

/// The odd key suffixes every backend must store and list verbatim.
pub const ODD_KEY_SUFFIXES: [&str; 12] = [
    "unicode/été/данные/数据/😀",
    "spaces/a file name.txt",
    "query/what?x=1&y=2",
    "fragment/part#1",
    "percent/100%25 %20 %",
    "double//slash",
    "./dot",
    "../dotdot",
    "folder/",
    "shared",
    "shared-longer",
    "plus+and=equals;semi,comma",
];

/// The odd key suffixes a backend without `Capabilities::s3_key_syntax` may refuse (with a
/// typed error, never by storing another name): not filesystem-like paths, or (`#1`) a
/// name `object_store`'s `LocalFileSystem` reserves for uploads in progress.
pub const PATH_HOSTILE_SUFFIXES: [&str; 5] = [
    "fragment/part#1",
    "double//slash",
    "./dot",
    "../dotdot",
    "folder/",
];

/// Every odd key round-trips through put, head, get, list and delete.
pub async fn odd_keys_round_trip(f: &Fixture<'_>) {
    let prefix = f.fresh_prefix("keys");
    let mut paths: Vec<S3Path> = ODD_KEY_SUFFIXES
        .iter()
        .map(|suffix| prefix.join(suffix).unwrap())
        .collect();
    if f.capabilities.long_keys {
        let filler = MAX_KEY_BYTES - prefix.key().len() - "long/".len();
        paths.push(
            prefix
                .join(&format!("long/{}", "k".repeat(filler)))
                .unwrap(),
        );
        assert_eq!(paths.last().unwrap().key().len(), MAX_KEY_BYTES);
    }
    let mut stored = Vec::new();
    for (index, path) in paths.iter().enumerate() {
        let body = Bytes::from(format!("body {index}"));
        let may_refuse = !f.capabilities.s3_key_syntax
            && PATH_HOSTILE_SUFFIXES
                .iter()
                .any(|suffix| path.key().ends_with(suffix));
        match f
            .storage
            .put_object(path, body.clone().into(), PutOptions::new())
            .await
        {
            Ok(_) => stored.push(path),
            Err(Error::InvalidArgument { .. } | Error::Unsupported { .. }) if may_refuse => {
                assert!(
                    !f.storage.object_exists(path).await.expect("exists"),
                    "a refused odd key #{index} is not stored"
                );
                continue;
            }
            Err(e) => panic!("put of odd key #{index} failed: {e}"),
        }
        let got = f
            .storage
            .get_object(path)
            .await
            .unwrap_or_else(|e| panic!("get of odd key #{index} failed: {e}"));
        assert_eq!(
            got.body.bytes().await.expect("body"),
            body,
            "odd key #{index} body"
        );
        assert_eq!(
            f.storage.head_object(path).await.expect("head").size,
            body.len() as u64
        );
    }
    let listing = f.storage.list_objects(&prefix, None).await.expect("list");
    let mut expected: Vec<&str> = stored.iter().map(|p| p.key()).collect();
    expected.sort_unstable();
    let listed: Vec<&str> = listing.objects.iter().map(|o| o.path.key()).collect();
    assert_eq!(
        listed, expected,
        "listing returns every odd key verbatim, in byte order"
    );
    let report = f
        .storage
        .delete_objects(&paths)
        .await
        .expect("batch delete");
    assert!(
        report.is_success(),
        "odd keys delete cleanly (a refused key is absent, so deleted): {report:?}"
    );
}
