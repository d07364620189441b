//! Listings a page at a time: page sizes, start-after, delimiters across pages, the page
//! stream, and resuming from a token while keys come and go.

use std::collections::BTreeSet;

use futures::TryStreamExt;
use stowage_core::{Error, ListOptions, ListPage, ListStreamExt, ListToken, S3Path};

use crate::Fixture;
use crate::areas::batch_delete::seed;

/// Every page of a listing, following the tokens.
async fn all_pages(f: &Fixture<'_>, prefix: &S3Path, options: &ListOptions) -> Vec<ListPage> {
    let mut pages = Vec::new();
    let mut token: Option<ListToken> = None;
    loop {
        let page = f
            .storage
            .list_page(prefix, options, token.as_ref())
            .await
            .expect("list_page");
        token = page.next.clone();
        pages.push(page);
        if token.is_none() {
            return pages;
        }
        assert!(pages.len() < 1000, "a listing that never ends");
    }
}

/// The entries of pages, relative to `prefix`: objects and common prefixes, in page order.
fn entries(pages: &[ListPage], prefix: &S3Path) -> Vec<String> {
    let strip = |path: &S3Path| path.key()[prefix.key().len()..].to_owned();
    pages
        .iter()
        .flat_map(|page| {
            let mut entries: Vec<String> = page.objects.iter().map(|o| strip(&o.path)).collect();
            entries.extend(page.common_prefixes.iter().map(strip));
            entries.sort();
            entries
        })
        .collect()
}

/// Pages hold at most the page size, together list every key once and in order, honour
/// start-after, count a common prefix once, and stream the same pages.
pub async fn pages_and_start_after(f: &Fixture<'_>) {
    let prefix = f.fresh_prefix("list-pages");
    let names: Vec<String> = (0..23)
        .map(|i| format!("k{i:02}"))
        .chain(["d/x".into(), "d/y".into(), "e".into()])
        .collect();
    let paths: Vec<S3Path> = names
        .iter()
        .map(|name| prefix.join(name).unwrap())
        .collect();
    seed(f.storage, &paths).await;

    let pages = all_pages(f, &prefix, &ListOptions::new().page_size(10)).await;
    assert_eq!(pages.len(), 3, "26 keys in pages of 10");
    assert!(
        pages
            .iter()
            .all(|page| page.objects.len() + page.common_prefixes.len() <= 10)
    );
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(entries(&pages, &prefix), sorted, "every key once, in order");

    let after = ListOptions::new()
        .page_size(5)
        .start_after(format!("{}k19", prefix.key()));
    let listed = entries(&all_pages(f, &prefix, &after).await, &prefix);
    assert_eq!(listed, ["k20", "k21", "k22"], "only keys after start-after");

    let delimited = ListOptions::new().page_size(4).delimiter("/");
    let listed = entries(&all_pages(f, &prefix, &delimited).await, &prefix);
    let mut expected: Vec<String> = names.iter().filter(|n| !n.contains('/')).cloned().collect();
    expected.push("d/".into());
    expected.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(
        listed_sorted, expected,
        "a common prefix is one entry, listed once"
    );
    assert_eq!(listed.len(), expected.len(), "no entry twice across pages");

    let streamed: Vec<ListPage> = f
        .storage
        .list_pages(&prefix, &delimited)
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(
        entries(&streamed, &prefix),
        listed,
        "the stream yields the same pages"
    );

    for size in [0, 1001] {
        let result = f
            .storage
            .list_page(&prefix, &ListOptions::new().page_size(size), None)
            .await;
        assert!(
            matches!(result, Err(Error::InvalidArgument { .. })),
            "page size {size}: {result:?}"
        );
    }
}

/// A listing resumed from a stored token while keys are added and removed: no key twice, none
/// skipped that existed throughout.
pub async fn resume_from_token(f: &Fixture<'_>) {
    let prefix = f.fresh_prefix("list-resume");
    let names: Vec<String> = (0..30).map(|i| format!("a{i:02}")).collect();
    let paths: Vec<S3Path> = names
        .iter()
        .map(|name| prefix.join(name).unwrap())
        .collect();
    seed(f.storage, &paths).await;
    let options = ListOptions::new().page_size(10);

    let first = f
        .storage
        .list_page(&prefix, &options, None)
        .await
        .expect("first page");
    let stored = first.next.clone().expect("more pages").as_str().to_owned();
    let first_keys = entries(std::slice::from_ref(&first), &prefix);
    assert_eq!(first_keys, names[..10], "the first page");

    // Between pages: remove a listed key and an unlisted one, add keys before and after
    // the resume point.
    let changes_removed = ["a05", "a20"];
    for name in changes_removed {
        f.storage
            .delete_object(&prefix.join(name).unwrap())
            .await
            .expect("delete");
    }
    seed(
        f.storage,
        &[prefix.join("a01x").unwrap(), prefix.join("a15x").unwrap()],
    )
    .await;

    let mut rest = Vec::new();
    let mut token = Some(ListToken::new(stored));
    while let Some(current) = token {
        let page = f
            .storage
            .list_page(&prefix, &options, Some(&current))
            .await
            .expect("resumed page");
        rest.extend(entries(std::slice::from_ref(&page), &prefix));
        token = page.next;
    }
    let mut seen = BTreeSet::new();
    for key in first_keys.iter().chain(&rest) {
        assert!(seen.insert(key.clone()), "{key} listed twice");
    }
    for name in &names {
        if !changes_removed.contains(&name.as_str()) {
            assert!(
                seen.contains(name),
                "{name} existed throughout and was skipped"
            );
        }
    }
    assert!(
        !rest.iter().any(|key| key == "a20"),
        "a key removed before its page is not listed"
    );
    assert!(
        !rest.iter().any(|key| key.as_str() <= "a09"),
        "the resumed listing starts after the first page"
    );
}
