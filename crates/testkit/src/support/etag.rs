//! S3's multipart ETag, computed independently of any store.

use md5::{Digest, Md5};

/// S3's ETag of `data` uploaded in parts of `part_size` bytes (the last one shorter),
/// computed independently of any store: the MD5 of the parts' raw MD5s, then `-` and the
/// part count, quoted.
///
/// ```
/// let etag = stowage_testkit::support::multipart_etag(&[7; 10], 4);
/// assert!(etag.starts_with('"') && etag.ends_with("-3\""));
/// ```
///
/// # Panics
///
/// When `part_size` is zero.
pub fn multipart_etag(data: &[u8], part_size: usize) -> String {
    let mut digests = Vec::new();
    for part in data.chunks(part_size) {
        digests.extend_from_slice(&Md5::digest(part));
    }
    format!(
        "\"{}-{}\"",
        hex::encode(Md5::digest(&digests)),
        data.len().div_ceil(part_size)
    )
}
