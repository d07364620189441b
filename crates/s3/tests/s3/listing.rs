//! Listing page by page: start-after, page sizes and tokens.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn list_page_follows_start_after_page_sizes_and_tokens() {
    let env = env();
    let storage = env.s3_storage().await;
    let prefix = prefix("pages");
    let keys: Vec<S3Path> = (0..25)
        .map(|i| path(&env.bucket, &format!("{prefix}k{i:02}")))
        .collect();
    put_many(&storage, &keys).await;
    let root = path(&env.bucket, &prefix);

    // Pages of 10: 10, 10, 5, each resumed from the last page's token given as a string.
    let options = ListOptions::new().page_size(10);
    let mut listed = Vec::new();
    let mut sizes = Vec::new();
    let mut token: Option<ListToken> = None;
    loop {
        let page = storage
            .list_page(&root, &options, token.as_ref())
            .await
            .unwrap();
        sizes.push(page.objects.len());
        listed.extend(page.objects.into_iter().map(|o| o.path));
        match page.next {
            Some(next) => {
                assert!(!format!("{next:?}").contains(&prefix), "{next:?}");
                token = Some(ListToken::new(next.as_str()));
            }
            None => break,
        }
    }
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(listed, keys);

    // start_after: only later keys, on the first page; a page holding all is the last.
    let options = ListOptions::new().start_after(format!("{prefix}k19"));
    let page = storage.list_page(&root, &options, None).await.unwrap();
    assert_eq!(
        page.objects
            .iter()
            .map(|o| o.path.clone())
            .collect::<Vec<_>>(),
        keys[20..]
    );
    assert_eq!(page.next, None);
    let options = ListOptions::new()
        .start_after(format!("{prefix}k04"))
        .page_size(7);
    let first = storage.list_page(&root, &options, None).await.unwrap();
    assert_eq!(first.objects[0].path, keys[5]);
    assert_eq!(first.objects.len(), 7);
    let second = storage
        .list_page(&root, &options, first.next.as_ref())
        .await
        .unwrap();
    assert_eq!(second.objects[0].path, keys[12], "start_after reapplied");

    // A delimiter: common prefixes count towards the page size.
    let nested: Vec<S3Path> = ["d/a/1", "d/a/2", "d/b/1", "d/c", "d/e/1"]
        .iter()
        .map(|k| path(&env.bucket, &format!("{prefix}{k}")))
        .collect();
    put_many(&storage, &nested).await;
    let options = ListOptions::new().delimiter("/").page_size(2);
    let d = path(&env.bucket, &format!("{prefix}d/"));
    let mut entries = Vec::new();
    let mut token = None;
    loop {
        let page = storage
            .list_page(&d, &options, token.as_ref())
            .await
            .unwrap();
        assert!(page.objects.len() + page.common_prefixes.len() <= 2);
        entries.extend(page.common_prefixes.iter().map(|p| p.key().to_owned()));
        entries.extend(page.objects.iter().map(|o| o.path.key().to_owned()));
        match page.next {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    entries.sort();
    let expected: Vec<String> = ["d/a/", "d/b/", "d/c", "d/e/"]
        .iter()
        .map(|k| format!("{prefix}{k}"))
        .collect();
    assert_eq!(entries, expected);

    for size in [0, 1001] {
        let error = nowhere(true)
            .await
            .list_page(&root, &ListOptions::new().page_size(size), None)
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidArgument { .. }),
            "{size}: {error:?}"
        );
    }
    storage.delete_objects(&keys).await.unwrap();
    storage.delete_objects(&nested).await.unwrap();
}
