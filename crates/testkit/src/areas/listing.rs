//! Listing: complete across pages, byte order, delimiters and common prefixes.

use bytes::Bytes;
use stowage_core::{Error, ListResult, PutOptions};

use crate::Fixture;
use crate::areas::batch_delete::seed;

fn keys<'a>(listing: &'a ListResult, strip: &str) -> Vec<&'a str> {
    listing
        .objects
        .iter()
        .map(|o| &o.path.key()[strip.len()..])
        .collect()
}

fn prefixes<'a>(listing: &'a ListResult, strip: &str) -> Vec<&'a str> {
    listing
        .common_prefixes
        .iter()
        .map(|p| &p.key()[strip.len()..])
        .collect()
}

/// S3's answer for `prefix`/`delimiter` over `stored` keys: (keys, common prefixes), sorted.
fn s3_model(stored: &[&str], prefix: &str, delimiter: Option<&str>) -> (Vec<String>, Vec<String>) {
    let (mut keys, mut rolled) = (Vec::new(), std::collections::BTreeSet::new());
    for key in stored.iter().filter(|key| key.starts_with(prefix)) {
        match delimiter.and_then(|d| {
            key[prefix.len()..]
                .find(d)
                .map(|at| prefix.len() + at + d.len())
        }) {
            Some(end) => {
                rolled.insert(key[..end].to_owned());
            }
            None => keys.push((*key).to_owned()),
        }
    }
    keys.sort_unstable();
    (keys, rolled.into_iter().collect())
}

/// The delimiter cases S3 documents: `p/ p/x p/y/z p//w` under `p/`, and `p pa p/…` under `p`.
///
/// Without `Capabilities::s3_key_syntax`, `p/`, `p//w` and `p` (a folder of `p/x` on a
/// filesystem) may be refused with a typed error; the listings must then be exactly S3's
/// answer over the keys that were stored, and the other keys must all be stored.
pub async fn delimiter_and_prefixes(f: &Fixture<'_>) {
    let base = f.fresh_prefix("delimiter");
    // Deepest keys first, so a filesystem-like store keeps the folders and refuses `p`.
    let all = ["p/x", "p/y/z", "p//w", "p/", "p", "pa", "q"];
    let mut stored = Vec::new();
    for key in all {
        match f
            .storage
            .put_object(
                &base.join(key).unwrap(),
                Bytes::new().into(),
                PutOptions::new(),
            )
            .await
        {
            Ok(_) => stored.push(key),
            Err(Error::InvalidArgument { .. } | Error::Unsupported { .. })
                if !f.capabilities.s3_key_syntax && ["p//w", "p/", "p"].contains(&key) => {}
            Err(e) => panic!("put of {key:?} under the test prefix failed: {e}"),
        }
    }
    if f.capabilities.s3_key_syntax {
        let listing = f
            .storage
            .list_objects(&base.join("p/").unwrap(), Some("/"))
            .await
            .expect("list");
        assert_eq!(keys(&listing, base.key()), ["p/", "p/x"]);
        assert_eq!(prefixes(&listing, base.key()), ["p//", "p/y/"]);

        let listing = f
            .storage
            .list_objects(&base.join("p").unwrap(), Some("/"))
            .await
            .expect("list");
        assert_eq!(keys(&listing, base.key()), ["p", "pa"]);
        assert_eq!(prefixes(&listing, base.key()), ["p/"]);

        let listing = f.storage.list_objects(&base, None).await.expect("list");
        assert_eq!(
            keys(&listing, base.key()),
            ["p", "p/", "p//w", "p/x", "p/y/z", "pa", "q"]
        );
        assert!(listing.common_prefixes.is_empty());

        let listing = f
            .storage
            .list_objects(&base, Some("/"))
            .await
            .expect("list");
        assert_eq!(keys(&listing, base.key()), ["p", "pa", "q"]);
        assert_eq!(prefixes(&listing, base.key()), ["p/"]);
    } else {
        for (prefix, delimiter) in [
            ("p/", Some("/")),
            ("p", Some("/")),
            ("", None),
            ("", Some("/")),
            ("p/y", None),
        ] {
            let listing = f
                .storage
                .list_objects(&base.join(prefix).unwrap(), delimiter)
                .await
                .expect("list");
            let (want_keys, want_prefixes) = s3_model(&stored, prefix, delimiter);
            assert_eq!(
                keys(&listing, base.key()),
                want_keys,
                "keys under {prefix:?} with {delimiter:?}"
            );
            assert_eq!(
                prefixes(&listing, base.key()),
                want_prefixes,
                "prefixes under {prefix:?} with {delimiter:?}"
            );
        }
    }

    let paths: Vec<_> = all.iter().map(|key| base.join(key).unwrap()).collect();
    let report = f.storage.delete_objects(&paths).await.expect("cleanup");
    assert!(report.is_success(), "not deleted: {:?}", report.failed);
}

/// 3000 keys (three pages on S3) are all listed, in order, with and without a delimiter.
pub async fn pagination(f: &Fixture<'_>) {
    let base = f.fresh_prefix("pages");
    let paths: Vec<_> = (0..3000)
        .map(|i| base.join(&format!("{}/{i:05}", i % 3)).unwrap())
        .collect();
    seed(f.storage, &paths).await;
    let listing = f.storage.list_objects(&base, None).await.expect("list");
    assert_eq!(
        listing.objects.len(),
        3000,
        "a listing is never cut at a page boundary"
    );
    let mut expected: Vec<&str> = paths.iter().map(|p| p.key()).collect();
    expected.sort_unstable();
    let listed: Vec<&str> = listing.objects.iter().map(|o| o.path.key()).collect();
    assert_eq!(listed, expected);

    let listing = f
        .storage
        .list_objects(&base, Some("/"))
        .await
        .expect("list");
    assert!(listing.objects.is_empty());
    assert_eq!(prefixes(&listing, base.key()), ["0/", "1/", "2/"]);
    let report = f.storage.delete_objects(&paths).await.expect("cleanup");
    assert!(report.is_success(), "not deleted: {:?}", report.failed);
}
