//! The constants the design fixes.

use stowage_core::{
    DEFAULT_GET_URL_TTL_SECONDS, MAX_KEY_BYTES, MAX_PUT_PRESIGNED_URL_TTL_SECONDS,
    MULTIPART_OVERHEAD_BUFFER_BYTES, SIGV4_MAX_TTL_SECONDS,
};

#[test]
fn constants_match_the_design() {
    assert_eq!(MULTIPART_OVERHEAD_BUFFER_BYTES, 16 * 1024);
    assert_eq!(MAX_PUT_PRESIGNED_URL_TTL_SECONDS, 600);
    assert_eq!(DEFAULT_GET_URL_TTL_SECONDS, 3600);
    assert_eq!(SIGV4_MAX_TTL_SECONDS, 604_800);
    assert_eq!(MAX_KEY_BYTES, 1024);
}
