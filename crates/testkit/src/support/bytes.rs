//! Test data and reading it back: [`pattern`] and [`read_all`].

use bytes::Bytes;
use stowage_core::{ObjectStorage, S3Path};

/// `len` deterministic bytes that do not repeat within any part size a test uses, so a
/// byte out of place, a part sent twice or bytes of another object show; `seed` makes
/// another sequence.
///
/// ```
/// use stowage_testkit::support::pattern;
///
/// assert_eq!(pattern(1000, 7), pattern(1000, 7));
/// assert_ne!(pattern(1000, 7), pattern(1000, 8));
/// ```
pub fn pattern(len: u64, seed: u32) -> Bytes {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect::<Vec<u8>>()
        .into()
}

/// The whole body of the object at `path`.
///
/// # Panics
///
/// On any error of the get or of its body, with the error (which names the key only by
/// its hash).
pub async fn read_all(storage: &dyn ObjectStorage, path: &S3Path) -> Bytes {
    storage
        .get_object(path)
        .await
        .unwrap_or_else(|error| panic!("get: {error}"))
        .body
        .bytes()
        .await
        .unwrap_or_else(|error| panic!("the body of a get: {error}"))
}
