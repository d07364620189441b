//! What a backend claims to support, checked by the suite either way.

/// What a backend claims to support; the suite checks the claim either way.
///
/// An operation marked unsupported must fail with `Error::Unsupported`: the suite asserts
/// that instead of skipping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// `presigned_get_url` produces URLs an HTTP GET can redeem.
    pub presigned_get: bool,
    /// `presigned_post` produces forms the store enforces.
    pub post_policy: bool,
    /// Keys of up to 1024 bytes, whatever their segments (filesystems cap a name at 255).
    pub long_keys: bool,
    /// Every key S3 accepts, including keys that are not filesystem-like paths: empty
    /// segments (`a//b`, `folder/`), `.`/`..` segments, a key that is also a folder of
    /// other keys (`p` and `p/x`), store-reserved names. Without it, such a key may be
    /// refused with `Error::InvalidArgument` or `Error::Unsupported`, never stored under
    /// another name; the suite checks that every key it accepts round-trips verbatim.
    pub s3_key_syntax: bool,
    /// Content-Type and user metadata are stored with an object. Without it, a put that
    /// carries them must fail with `Error::Unsupported` rather than drop them.
    pub object_metadata: bool,
    /// ETags are the quoted MD5 of the body (single-part puts) and a copy keeps its source's.
    /// Without it, ETags must still be present, quoted, and agree between put and head.
    pub md5_etags: bool,
    /// `Cache-Control`, `Content-Disposition`, `Content-Encoding` and `Content-Language`
    /// are stored and returned. Without it, a put carrying them must fail with
    /// `Error::Unsupported`.
    pub http_attributes: bool,
    /// Conditional reads: `If-Match`, `If-None-Match`, `If-Modified-Since`,
    /// `If-Unmodified-Since`, with S3's precedence. Without it, a read carrying one must fail
    /// with `Error::Unsupported`.
    pub conditional_reads: bool,
    /// Create-only puts (`If-None-Match: *`) are enforced. Without it, such a put must fail
    /// with `Error::Unsupported` and write nothing (never overwrite).
    pub create_only_writes: bool,
    /// Compare-and-swap puts (`If-Match`) are enforced. Without it, such a put must fail with
    /// `Error::Unsupported` and write nothing.
    pub compare_and_swap_writes: bool,
    /// Create-only copies are enforced on the destination. Without it, such a copy must fail
    /// with `Error::Unsupported` and write nothing.
    pub create_only_copies: bool,
    /// Compare-and-swap copies are enforced on the destination. Without it, such a copy must
    /// fail with `Error::Unsupported` and write nothing.
    pub compare_and_swap_copies: bool,
    /// A copy can replace the source's attributes and metadata. Without it, such a copy must
    /// fail with `Error::Unsupported`.
    pub replace_on_copy: bool,
    /// The store keeps multipart uploads that were started and not finished, and lists
    /// them and their parts (`list_multipart_uploads`, `list_parts`): the suite then checks
    /// that failed and dropped uploads leave none behind. Without it, both calls must fail
    /// with `Error::Unsupported`.
    pub multipart_uploads: bool,
    /// A caller can drive a multipart upload itself: `create_multipart_upload`,
    /// `upload_part`, `complete_multipart_upload` and `abort_multipart_upload` of the
    /// upload it started. Without it, the first two must fail with `Error::Unsupported`.
    pub caller_driven_uploads: bool,
    /// Copies above the backend's copy threshold go as multipart uploads of ranged part
    /// copies (UploadPartCopy), so their ETag is a multipart one where ETags are MD5s.
    /// Without it, a copy of any size is still one whole copy with the source's bytes and
    /// attributes.
    pub multipart_copies: bool,
}

impl Capabilities {
    /// Everything S3 supports.
    pub fn full() -> Self {
        Self {
            presigned_get: true,
            post_policy: true,
            long_keys: true,
            s3_key_syntax: true,
            object_metadata: true,
            md5_etags: true,
            http_attributes: true,
            conditional_reads: true,
            create_only_writes: true,
            compare_and_swap_writes: true,
            create_only_copies: true,
            compare_and_swap_copies: true,
            replace_on_copy: true,
            multipart_uploads: true,
            caller_driven_uploads: true,
            multipart_copies: true,
        }
    }
}
