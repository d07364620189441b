//! Objects of any size: multipart uploads, multipart copies and parallel ranged downloads.
//!
//! S3 takes at most 5 GiB in one PutObject or CopyObject and stores objects up to 5 TiB as
//! multipart uploads of at most 10,000 parts of 5 MiB to 5 GiB. This module holds the one
//! engine every backend runs on top of its [`MultipartStore`] requests:
//!
//! - [`upload`]: one PutObject up to a threshold, else parts read from the payload and sent
//!   concurrently, with memory bounded by `part_size x concurrency`; a failed or dropped
//!   upload is aborted.
//! - [`copy_in_parts`]: ranged part copies pinned to the source's ETag.
//! - [`download`], [`download_to_file`] and [`Download`]: ranged GETs in parallel, pinned to
//!   one version and resumed where a body broke, delivered in order as a stream or written
//!   at their offsets into a file; for any [`ObjectStorage`](crate::ObjectStorage).
//! - [`write_to_file`]: a body written to a file in large writes off the async threads.
//! - [`abort_stale_uploads`]: the cleanup of uploads a client abandoned.
//!
//! [`TransferSettings`] says when and how: thresholds, part size, parts in flight.

mod abort;
mod copy;
mod download;
mod file;
mod offset_writer;
mod part_buffer;
mod part_reader;
mod parts;
mod settings;
mod stale;
mod store;
mod tasks;
mod upload;

pub use copy::copy_in_parts;
pub use download::{Download, download, download_to_file};
pub use file::write_to_file;
pub use parts::{PartPlan, check_part, check_upload_mode};
pub use settings::{
    MAX_OBJECT_SIZE, MAX_PART_SIZE, MAX_PARTS, MAX_SINGLE_REQUEST_SIZE, MIN_PART_SIZE,
    TransferSettings,
};
pub use stale::{StaleUploadReport, abort_stale_uploads};
pub use store::{CompletedPart, MultipartStore, PendingUpload, UploadId, UploadedPart};
pub use upload::upload;
