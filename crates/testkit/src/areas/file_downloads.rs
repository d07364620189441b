//! Downloads into files: ranged reads written at their offsets as they arrive, through
//! broken bodies, with every byte reported; a temporary file renamed into place only when
//! the whole object arrived.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use stowage_core::transfer::{Download, download_to_file};
use stowage_core::{Error, PutOptions};

use crate::areas::transfers::three_parts;
use crate::support::pattern;
use crate::{Fixture, FlakyBodies};

/// The names of the files in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read the download directory")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// A large object written to a file lands whole, through broken bodies too, with every byte
/// reported to the progress callback; a file that held more ends up the object's size; an
/// object replaced after the download opened is `ObjectChanged` and leaves the destination
/// as it was, with no temporary file behind; empty and small objects land as they are; a
/// missing object creates no file.
pub async fn downloads_to_files(f: &Fixture<'_>) {
    let base = f.fresh_prefix("downloads-to-files");
    let settings = f.transfer.clone();
    let data = pattern(three_parts(&settings), 8);
    let path = base.join("object").unwrap();
    f.storage
        .put_object(&path, data.clone().into(), PutOptions::new())
        .await
        .expect("put");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let destination = dir.path().join("object.bin");

    let meta = download_to_file(Arc::clone(&f.shared), &path, &destination, &settings)
        .await
        .expect("download to a file");
    assert_eq!(meta.size, data.len() as u64);
    assert!(
        std::fs::read(&destination).expect("the file") == data,
        "the file holds the object"
    );
    assert_eq!(
        files_in(dir.path()),
        ["object.bin"],
        "no temporary file is left"
    );

    let parts = data.len() as u64 / settings.part_size + 1;
    let flaky = Arc::new(FlakyBodies::new(Arc::clone(&f.shared), 1000, 2));
    let through_flaky = dir.path().join("flaky.bin");
    std::fs::write(&through_flaky, vec![0xEE; data.len() + 4096]).expect("a larger file");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&through_flaky)
        .expect("open the file");
    let written = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&written);
    Download::open(Arc::clone(&flaky), &path, &settings)
        .await
        .expect("open the download")
        .write_into(&file, move |bytes| {
            counter.fetch_add(bytes, Ordering::Relaxed);
        })
        .await
        .expect("download through broken bodies");
    assert!(
        std::fs::read(&through_flaky).expect("the file") == data,
        "the file holds exactly the object, resumed where the bodies broke"
    );
    assert_eq!(
        written.load(Ordering::Relaxed),
        data.len() as u64,
        "every byte reported once"
    );
    assert_eq!(
        u64::from(flaky.reads()),
        parts + 2,
        "one read per part and one per resume"
    );

    std::fs::write(&destination, b"the previous version").expect("a previous version");
    let opened = Download::open(Arc::clone(&f.shared), &path, &settings)
        .await
        .expect("open the download");
    assert_eq!(opened.meta().size, data.len() as u64);
    f.storage
        .put_object(
            &path,
            pattern(data.len() as u64, 9).into(),
            PutOptions::new(),
        )
        .await
        .expect("replace the object");
    let result = opened.write_to_path(&destination).await;
    assert!(
        matches!(result, Err(Error::ObjectChanged { .. })),
        "a replaced object is ObjectChanged: {:?}",
        result.map(|meta| meta.size)
    );
    assert_eq!(
        std::fs::read(&destination).expect("the destination"),
        b"the previous version",
        "a failed download leaves the destination as it was"
    );
    assert_eq!(
        files_in(dir.path()),
        ["flaky.bin", "object.bin"],
        "no temporary file is left"
    );

    let empty = base.join("empty").unwrap();
    f.storage
        .put_object(&empty, Bytes::new().into(), PutOptions::new())
        .await
        .expect("put an empty object");
    let empty_file = dir.path().join("empty.bin");
    let meta = download_to_file(Arc::clone(&f.shared), &empty, &empty_file, &settings)
        .await
        .expect("download an empty object");
    assert_eq!(meta.size, 0);
    assert!(std::fs::read(&empty_file).expect("the file").is_empty());

    let small = base.join("small").unwrap();
    f.storage
        .put_object(&small, "a few bytes".into(), PutOptions::new())
        .await
        .expect("put a small object");
    let small_file = dir.path().join("small.bin");
    download_to_file(Arc::clone(&f.shared), &small, &small_file, &settings)
        .await
        .expect("download a small object");
    assert_eq!(
        std::fs::read(&small_file).expect("the file"),
        b"a few bytes"
    );

    let missing = base.join("missing").unwrap();
    let missing_file = dir.path().join("missing.bin");
    let result = download_to_file(Arc::clone(&f.shared), &missing, &missing_file, &settings).await;
    assert!(
        matches!(result, Err(Error::NotFound { .. })),
        "{:?}",
        result.map(|meta| meta.size)
    );
    assert!(!missing_file.exists(), "a missing object creates no file");
    assert_eq!(
        files_in(dir.path()),
        ["empty.bin", "flaky.bin", "object.bin", "small.bin"],
        "no temporary file is left"
    );
}
