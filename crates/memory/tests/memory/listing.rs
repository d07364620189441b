//! Listings: order, common prefixes, completeness, pages, start-after and tokens.

use std::collections::BTreeSet;

use bytes::Bytes;
use futures::TryStreamExt;
use stowage_core::{
    Error, ListOptions, ListPage, ListResult, ListStreamExt, ListToken, ObjectStorage, PutOptions,
    S3Path,
};
use stowage_memory::MemoryStorage;

use crate::support::{keys, path, prefixes, put, storage};

#[tokio::test]
async fn listing_sorts_by_bytes_and_rolls_up_common_prefixes() {
    let storage = storage();
    for key in ["p/", "p/x", "p/y/z", "p//w", "p", "pa", "é", "z", "Z"] {
        put(&storage, &format!("s3://bucket/{key}"), "x").await;
    }
    let all = storage
        .list_objects(&path("s3://bucket"), None)
        .await
        .unwrap();
    assert_eq!(
        keys(&all),
        ["Z", "p", "p/", "p//w", "p/x", "p/y/z", "pa", "z", "é"]
    );

    let listing = storage
        .list_objects(&path("s3://bucket/p/"), Some("/"))
        .await
        .unwrap();
    assert_eq!(keys(&listing), ["p/", "p/x"]);
    assert_eq!(prefixes(&listing), ["p//", "p/y/"]);

    let listing = storage
        .list_objects(&path("s3://bucket/p"), Some("/"))
        .await
        .unwrap();
    assert_eq!(keys(&listing), ["p", "pa"]);
    assert_eq!(prefixes(&listing), ["p/"]);
}

#[tokio::test]
async fn listing_is_complete_over_many_keys() {
    let storage = storage();
    for i in 0..5000 {
        let key = format!("s3://bucket/many/{i:05}");
        storage
            .put_object(&path(&key), Bytes::new().into(), PutOptions::new())
            .await
            .unwrap();
    }
    let listing = storage
        .list_objects(&path("s3://bucket/many/"), None)
        .await
        .unwrap();
    assert_eq!(listing.objects.len(), 5000);
    assert_eq!(listing.objects[4999].path.key(), "many/04999");
}

/// The keys (objects and common prefixes, merged in key order) of a page.
fn entries(page: &ListPage) -> Vec<String> {
    let mut entries: Vec<String> = page
        .objects
        .iter()
        .map(|object| object.path.key().to_owned())
        .chain(page.common_prefixes.iter().map(|p| p.key().to_owned()))
        .collect();
    entries.sort();
    entries
}

/// Every page of a listing of `prefix` with `options`, read through the tokens.
async fn pages(storage: &MemoryStorage, prefix: &S3Path, options: &ListOptions) -> Vec<ListPage> {
    let mut pages = Vec::new();
    let mut token: Option<ListToken> = None;
    loop {
        let page = storage
            .list_page(prefix, options, token.as_ref())
            .await
            .unwrap();
        token = page.next.clone();
        pages.push(page);
        if token.is_none() {
            return pages;
        }
    }
}

/// The entries of every page, each page's in a vector.
async fn paged(storage: &MemoryStorage, prefix: &str, options: ListOptions) -> Vec<Vec<String>> {
    pages(storage, &path(prefix), &options)
        .await
        .iter()
        .map(entries)
        .collect()
}

/// A store holding `keys` in `bucket`.
async fn holding(keys: &[&str]) -> MemoryStorage {
    let storage = storage();
    for key in keys {
        put(&storage, &format!("s3://bucket/{key}"), "x").await;
    }
    storage
}

#[tokio::test]
async fn pages_hold_at_most_page_size_entries_and_say_when_more_follow() {
    let storage = holding(&["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]).await;
    let options = ListOptions::new().page_size(3);
    assert_eq!(
        paged(&storage, "s3://bucket", options).await,
        [
            vec!["a", "b", "c"],
            vec!["d", "e", "f"],
            vec!["g", "h", "i"],
            vec!["j"]
        ]
    );
    // A last page that is exactly full has no token.
    let options = ListOptions::new().page_size(5);
    let pages = pages(&storage, &path("s3://bucket"), &options).await;
    assert_eq!(pages.len(), 2);
    assert!(pages[0].next.is_some() && pages[1].next.is_none());
    // One page when everything fits, and an empty one for an empty prefix.
    let options = ListOptions::new().page_size(10);
    assert_eq!(paged(&storage, "s3://bucket", options).await.len(), 1);
    let empty = paged(&storage, "s3://bucket/zzz", ListOptions::new()).await;
    assert_eq!(empty, [Vec::<String>::new()]);
}

#[tokio::test]
async fn pages_default_to_1000_and_refuse_other_sizes() {
    let storage = storage();
    for i in 0..2500 {
        let p = path(&format!("s3://bucket/k/{i:05}"));
        storage
            .put_object(&p, Bytes::new().into(), PutOptions::new())
            .await
            .unwrap();
    }
    let sizes: Vec<usize> = paged(&storage, "s3://bucket/k/", ListOptions::new())
        .await
        .iter()
        .map(Vec::len)
        .collect();
    assert_eq!(sizes, [1000, 1000, 500]);
    let sizes: Vec<usize> = paged(
        &storage,
        "s3://bucket/k/",
        ListOptions::new().page_size(1000),
    )
    .await
    .iter()
    .map(Vec::len)
    .collect();
    assert_eq!(sizes, [1000, 1000, 500]);
    for size in [0, 1001] {
        let options = ListOptions::new().page_size(size);
        let page = storage
            .list_page(&path("s3://bucket"), &options, None)
            .await;
        assert!(
            matches!(page, Err(Error::InvalidArgument { .. })),
            "{size}: {page:?}"
        );
    }
}

#[tokio::test]
async fn start_after_skips_to_the_first_later_key() {
    let storage = holding(&["p/a", "p/b", "p/c", "p/d", "q"]).await;
    let listed = |start_after: &str| {
        let options = ListOptions::new().start_after(start_after).page_size(2);
        let storage = storage.clone();
        async move { paged(&storage, "s3://bucket/p/", options).await.concat() }
    };
    assert_eq!(listed("p/b").await, ["p/c", "p/d"], "an existing key");
    assert_eq!(listed("p/bb").await, ["p/c", "p/d"], "between keys");
    assert_eq!(
        listed("a").await,
        ["p/a", "p/b", "p/c", "p/d"],
        "before the prefix"
    );
    assert_eq!(
        listed("p/").await,
        ["p/a", "p/b", "p/c", "p/d"],
        "the prefix itself"
    );
    assert!(listed("p/d").await.is_empty(), "the last key");
    assert!(listed("r").await.is_empty(), "after the prefix");

    // On a resumed page, the token decides; start_after is for the first page only.
    let options = ListOptions::new().start_after("p/a").page_size(1);
    let prefix = path("s3://bucket/p/");
    let first = storage.list_page(&prefix, &options, None).await.unwrap();
    assert_eq!(entries(&first), ["p/b"]);
    let second = storage
        .list_page(&prefix, &options, first.next.as_ref())
        .await
        .unwrap();
    assert_eq!(entries(&second), ["p/c"]);
}

#[tokio::test]
async fn delimited_pages_merge_objects_and_common_prefixes_in_key_order() {
    let storage = holding(&["p/", "p/x", "p/y/z", "p/y/w", "p//w", "p/z", "p/y0"]).await;
    let options = ListOptions::new().delimiter("/").page_size(1);
    assert_eq!(
        paged(&storage, "s3://bucket/p/", options).await,
        [
            vec!["p/"],
            vec!["p//"],
            vec!["p/x"],
            vec!["p/y/"],
            vec!["p/y0"],
            vec!["p/z"]
        ],
        "a common prefix counts once, in its place"
    );
    let options = ListOptions::new().delimiter("/").page_size(2);
    let pages = pages(&storage, &path("s3://bucket/p/"), &options).await;
    assert_eq!(pages.len(), 3);
    assert_eq!(
        pages[1]
            .common_prefixes
            .iter()
            .map(|p| p.key())
            .collect::<Vec<_>>(),
        ["p/y/"]
    );
    assert_eq!(
        pages[1]
            .objects
            .iter()
            .map(|o| o.path.key())
            .collect::<Vec<_>>(),
        ["p/x"]
    );
}

#[tokio::test]
async fn a_common_prefix_spanning_many_keys_is_one_entry_across_pages() {
    let keys: Vec<String> = ["a".to_owned()]
        .into_iter()
        .chain((0..50).map(|i| format!("b/{i:02}")))
        .chain(["c".to_owned(), "d/1".to_owned(), "d/2".to_owned()])
        .collect();
    let storage = holding(&keys.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let options = ListOptions::new().delimiter("/").page_size(2);
    assert_eq!(
        paged(&storage, "s3://bucket", options).await,
        [vec!["a", "b/"], vec!["c", "d/"]]
    );
    // A multi-byte delimiter.
    let options = ListOptions::new().delimiter("/0").page_size(1);
    assert_eq!(
        paged(&storage, "s3://bucket/b", options).await.concat(),
        ["b/0"]
            .into_iter()
            .chain(
                (10..50)
                    .map(|i| format!("b/{i}"))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str)
            )
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn resuming_lists_no_key_twice_and_skips_none_that_stayed() {
    let storage = storage();
    let initial: Vec<String> = (0..300).map(|i| format!("k/{:04}", i * 2)).collect();
    for key in &initial {
        put(&storage, &format!("s3://bucket/{key}"), "x").await;
    }
    let mut deleted = BTreeSet::new();
    let prefix = path("s3://bucket/k/");
    let options = ListOptions::new().page_size(7);
    let mut listed: Vec<String> = Vec::new();
    let mut token: Option<ListToken> = None;
    for round in 0usize.. {
        let page = storage
            .list_page(&prefix, &options, token.as_ref())
            .await
            .unwrap();
        listed.extend(page.objects.iter().map(|o| o.path.key().to_owned()));
        let Some(next) = page.next else { break };
        token = Some(next);
        // Between pages: delete the last key listed (the token's own entry), a key ahead,
        // a key behind; add keys ahead, behind and right after the token.
        let last = listed.last().unwrap().clone();
        let ahead = format!("k/{:04}", (round * 14 + 40) % 600);
        for key in [&last, &ahead, &initial[round % initial.len()]] {
            storage
                .delete_object(&path(&format!("s3://bucket/{key}")))
                .await
                .unwrap();
            deleted.insert(key.clone());
        }
        for key in [
            format!("{last}a"),
            format!("k/{:04}", (round * 14 + 41) % 600),
            format!("k/{:04}", round),
        ] {
            put(&storage, &format!("s3://bucket/{key}"), "x").await;
        }
    }
    let unique: BTreeSet<&String> = listed.iter().collect();
    assert_eq!(unique.len(), listed.len(), "no key listed twice");
    assert!(
        listed.windows(2).all(|pair| pair[0] < pair[1]),
        "in key order throughout"
    );
    for key in initial.iter().filter(|key| !deleted.contains(*key)) {
        assert!(
            unique.contains(key),
            "{key} existed throughout and was skipped"
        );
    }
    assert!(
        listed.iter().any(|key| key.ends_with('a')),
        "a key added right after the token is listed"
    );
}

#[tokio::test]
async fn resuming_after_a_common_prefix_skips_keys_added_under_it() {
    let storage = holding(&["d/1", "d/2", "e", "f/1"]).await;
    let prefix = path("s3://bucket");
    let options = ListOptions::new().delimiter("/").page_size(1);
    let first = storage.list_page(&prefix, &options, None).await.unwrap();
    assert_eq!(entries(&first), ["d/"]);
    put(&storage, "s3://bucket/d/3", "x").await;
    put(&storage, "s3://bucket/d0", "x").await;
    let rest = {
        let mut rest = Vec::new();
        let mut token = first.next;
        while let Some(current) = token {
            let page = storage
                .list_page(&prefix, &options, Some(&current))
                .await
                .unwrap();
            rest.extend(entries(&page));
            token = page.next;
        }
        rest
    };
    assert_eq!(rest, ["d0", "e", "f/"]);
}

#[tokio::test]
async fn malformed_or_foreign_tokens_are_invalid_arguments() {
    let storage = holding(&["p/a", "p/b", "q/a"]).await;
    let options = ListOptions::new().page_size(1);
    let prefix = path("s3://bucket/p/");
    for token in ["", "garbage", "m1:", "m1:!!!", "m9:cC9h"] {
        let page = storage
            .list_page(&prefix, &options, Some(&ListToken::new(token)))
            .await;
        assert!(
            matches!(page, Err(Error::InvalidArgument { .. })),
            "{token:?}: {page:?}"
        );
    }
    // A token of the listing of p/ (it ends after p/a) does not resume a listing of q/.
    let first = storage.list_page(&prefix, &options, None).await.unwrap();
    let foreign = first.next.expect("p/b follows");
    let page = storage
        .list_page(&path("s3://bucket/q/"), &options, Some(&foreign))
        .await;
    assert!(
        matches!(page, Err(Error::InvalidArgument { .. })),
        "{page:?}"
    );
    // The token does not show the key it encodes in `Debug`.
    assert!(!format!("{foreign:?}").contains("p/a"));

    let missing = storage
        .list_page(&path("s3://nope/p/"), &ListOptions::new(), None)
        .await;
    assert!(matches!(missing, Err(Error::NoSuchBucket { ref bucket }) if bucket == "nope"));
}

#[tokio::test]
async fn list_objects_equals_reading_every_page() {
    let storage = holding(&[
        "p/", "p/x", "p/y/z", "p//w", "p", "pa", "é", "z", "Z", "a/b/c", "a/b/d", "a/c",
    ])
    .await;
    for prefix in [
        "s3://bucket",
        "s3://bucket/p",
        "s3://bucket/p/",
        "s3://bucket/a/",
        "s3://bucket/none",
    ] {
        for delimiter in [None, Some("/"), Some("b"), Some("")] {
            let whole = storage
                .list_objects(&path(prefix), delimiter)
                .await
                .unwrap();
            let mut options = ListOptions::new().page_size(2);
            options.delimiter = delimiter.map(str::to_owned);
            let streamed: Vec<ListPage> = storage
                .list_pages(&path(prefix), &options)
                .try_collect()
                .await
                .unwrap();
            let mut paged = ListResult::default();
            for page in streamed {
                paged.objects.extend(page.objects);
                paged.common_prefixes.extend(page.common_prefixes);
            }
            assert_eq!(whole, paged, "{prefix} {delimiter:?}");
        }
    }
}
