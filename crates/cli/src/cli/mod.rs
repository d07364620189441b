//! Command-line syntax: every flag and argument, with the help text `--help` shows.

mod ls;
mod objects;
mod parse;
mod presign;
mod serve;
mod transfer;
mod uploads;
mod write;

use std::time::Duration;

use clap::{Parser, Subcommand};

pub(crate) use ls::LsArgs;
pub(crate) use objects::{CpArgs, HashKeyArgs, PathArgs, RmArgs};
pub(crate) use presign::{PresignGetArgs, PresignPostArgs};
pub(crate) use serve::ServeArgs;
pub(crate) use transfer::{GetArgs, PutArgs};
pub(crate) use uploads::{UploadsAbortArgs, UploadsCommand, UploadsLsArgs};
pub(crate) use write::{AttributeArgs, SseAlgorithm, WriteArgs};

/// The help heading of the flags every subcommand takes.
const GLOBAL: &str = "Global options";
/// The help heading of the flags that shape large transfers.
const TRANSFERS: &str = "Transfers (put, get, cp)";

/// Presigned URLs, browser upload policies and object operations on S3 and S3-compatible
/// stores (MinIO, Garage, Ceph, R2).
///
/// Credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
/// AWS_SESSION_TOKEN, AWS_PROFILE and ~/.aws files, SSO, instance metadata). The region comes
/// from --region, else AWS_REGION / AWS_DEFAULT_REGION / the profile, else us-east-1.
///
/// Exit codes: 0 success; 1 `exists` found nothing; 2 invalid input or usage (checked before
/// any request); 3 not found (object or bucket); 4 any other failure (access denied,
/// unreachable, timeout, partial batch failure, a conditional write the store is not trusted
/// with); 5 precondition failed (`get --if-match` / `--if-unmodified-since` did not hold;
/// `put`/`cp --no-clobber` found an object, `--if-match` another ETag: nothing was written);
/// 6 not modified (`get --if-none-match` / `--if-modified-since`: nothing printed or
/// written); 7 range not satisfiable (`get --range` starts at or past the end of the
/// object). Error messages name object keys only by their hash, never raw.
#[derive(Debug, Parser)]
#[command(name = "stowage", version, propagate_version = true)]
pub(crate) struct Cli {
    /// Endpoint of an S3-compatible server, e.g. http://127.0.0.1:3900 (default: AWS S3,
    /// or AWS_ENDPOINT_URL when set).
    #[arg(long, global = true, value_name = "URL", help_heading = GLOBAL)]
    pub(crate) endpoint_url: Option<String>,

    /// Region requests are signed for (default: AWS_REGION, AWS_DEFAULT_REGION or the
    /// profile's region, else us-east-1).
    #[arg(long, global = true, value_name = "REGION", help_heading = GLOBAL)]
    pub(crate) region: Option<String>,

    /// Path-style addressing (ENDPOINT/BUCKET/KEY) instead of virtual-hosted
    /// (BUCKET.ENDPOINT/KEY); most S3-compatible servers need it.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub(crate) path_style: bool,

    /// Trust the store to enforce conditional writes (`put`/`cp` --no-clobber and
    /// --if-match). On by default for AWS S3; off by default with a custom endpoint
    /// (--endpoint-url or AWS_ENDPOINT_URL), because some S3-compatible servers (Garage)
    /// accept the conditions and overwrite anyway. Turn it on for a server that enforces
    /// them (MinIO, Cloudflare R2). While off, a conditional `put`/`cp` fails (exit 4) and
    /// writes nothing.
    #[arg(
        long,
        global = true,
        overrides_with = "no_conditional_writes",
        help_heading = GLOBAL
    )]
    pub(crate) conditional_writes: bool,

    /// Do not trust the store with conditional writes, even on AWS S3: a conditional
    /// `put`/`cp` fails (exit 4) and writes nothing. The last of --conditional-writes and
    /// --no-conditional-writes wins.
    #[arg(
        long,
        global = true,
        overrides_with = "conditional_writes",
        help_heading = GLOBAL
    )]
    pub(crate) no_conditional_writes: bool,

    /// Part size of multipart uploads, part copies and ranged downloads, e.g. 16MiB, 64M,
    /// 8388608 (bytes); 5MiB to 5GiB. Payloads and objects larger than one part go in parts
    /// (copies: above 5 GiB only); parts grow by themselves where an object would need more
    /// than 10,000. Default 16MiB.
    #[arg(long, global = true, value_name = "SIZE", value_parser = parse::parse_size, help_heading = TRANSFERS)]
    pub(crate) part_size: Option<u64>,

    /// Parts in flight at once per transfer, at least 1 (default 8). Memory stays below
    /// part size x concurrency.
    #[arg(long, global = true, value_name = "N", value_parser = parse::parse_concurrency, help_heading = TRANSFERS)]
    pub(crate) concurrency: Option<usize>,

    /// Seconds establishing a connection may take (default 5).
    #[arg(long, global = true, value_name = "SECS", value_parser = parse::parse_seconds, help_heading = GLOBAL)]
    pub(crate) connect_timeout: Option<Duration>,

    /// Seconds the first byte of a response may take, sending the request included (default
    /// 30), and the longest pause of a downloaded body: a server that accepts the connection
    /// and never answers, or stalls midway, fails the attempt. Raise it for large parts on
    /// slow links.
    #[arg(long, global = true, value_name = "SECS", value_parser = parse::parse_seconds, help_heading = GLOBAL)]
    pub(crate) read_timeout: Option<Duration>,

    /// Attempts per request, the first included (default 3; 1 disables retries). Retried:
    /// 5xx, SlowDown, throttling, resets and timeouts, with backoff.
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=20), help_heading = GLOBAL)]
    pub(crate) max_attempts: Option<u32>,

    /// More log events on stderr: warnings only by default (a clamped TTL, a failed clean-up),
    /// -v adds INFO, -vv DEBUG (each operation's failure, each batch), -vvv TRACE. Events
    /// name keys by their hash, never raw, and carry no URL, signature or credential. Goes
    /// before the subcommand (`stowage -vv get ...`), so that a key such as `-v` stays a key.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

impl Cli {
    /// The conditional-writes setting the flags ask for; `None` leaves the backend's
    /// default (on for AWS, off for a custom endpoint).
    pub(crate) fn conditional_writes(&self) -> Option<bool> {
        if self.conditional_writes {
            Some(true)
        } else if self.no_conditional_writes {
            Some(false)
        } else {
            None
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print a browser upload policy (presigned POST) for one key as JSON:
    /// {"url": ..., "fields": {...}}. The form must send the fields in this order, file last.
    PresignPost(PresignPostArgs),
    /// Print a presigned GET URL for one object.
    PresignGet(PresignGetArgs),
    /// Upload a file (or standard input) to an object, streaming.
    ///
    /// Above one part (--part-size) the upload goes in parts, --concurrency at a time; a
    /// failed or interrupted upload is aborted, leaving nothing behind.
    ///
    /// By default the upload replaces any object at the key; --no-clobber and --if-match
    /// make it conditional (exit 5 when the condition does not hold, nothing written).
    Put(PutArgs),
    /// Download an object, or a byte range of it, to a file or standard output, streaming.
    ///
    /// Without --range or conditions, an object larger than one part (--part-size) is read
    /// as ranged GETs, --concurrency at a time, delivered in order and pinned to the
    /// object's ETag: an object replaced during the download fails it (exit 4) rather than
    /// mixing two versions; a broken connection resumes from the last byte received.
    ///
    /// Conditions: a failed --if-match / --if-unmodified-since exits 5; a holding
    /// --if-none-match / --if-modified-since exits 6 (not modified) and prints and writes
    /// nothing. A --range that starts at or past the end of the object exits 7.
    Get(GetArgs),
    /// Print an object's metadata as JSON: size, etag, last_modified, content_type,
    /// cache_control, content_disposition, content_encoding, content_language, metadata
    /// (absent attributes are null).
    Head(PathArgs),
    /// Print `true` (exit 0) when the object exists, `false` (exit 1) when it does not.
    ///
    /// Only "not found" prints false; access denied or an unreachable store is an error
    /// (exit 4), never mistaken for absence.
    Exists(PathArgs),
    /// Copy an object server-side (across buckets too).
    ///
    /// Without attribute flags the copy keeps the source's Content-Type, Cache-Control,
    /// Content-Disposition, Content-Encoding, Content-Language and user metadata. Giving ANY
    /// attribute flag (--content-type, --cache-control, --content-disposition,
    /// --content-encoding, --content-language, --metadata) replaces ALL of them (S3's
    /// REPLACE metadata directive): the copy gets exactly the attributes and metadata given,
    /// and the source's others are dropped. By default the copy replaces any object at DST;
    /// --no-clobber and --if-match make it conditional (exit 5 when the condition does not
    /// hold, nothing written).
    Cp(CpArgs),
    /// Delete objects in one batch and print a JSON report:
    /// {"deleted": [PATH, ...], "failed": [{"path", "code", "message"}, ...]}.
    ///
    /// Deleting a missing key counts as deleted, as in S3. Exit 4 when any path failed.
    Rm(RmArgs),
    /// List the objects under a prefix, one s3:// path per line, streaming page by page.
    ///
    /// Each page's lines are printed as soon as the page arrives, so the first lines show
    /// before the listing is complete and memory holds one page whatever the number of keys.
    /// Lines come in key order (UTF-8 bytes), every page, never cut at 1000. With
    /// --delimiter, the common prefixes (the "directories", each ending with the delimiter)
    /// are interleaved with the objects in that same key order, as S3 returns them. --limit
    /// stops after N lines without reading further pages; `ls` also stops quietly (exit 0)
    /// when the reader of its output goes away (`| head`).
    Ls(LsArgs),
    /// List or abort the multipart uploads under a prefix that were started and neither
    /// completed nor aborted: what a browser or a crashed process left behind, whose parts
    /// are billed until the upload is aborted.
    ///
    /// On AWS, a bucket lifecycle rule with AbortIncompleteMultipartUpload
    /// (DaysAfterInitiation) does the same as a scheduled `uploads abort`, without a client.
    #[command(subcommand)]
    Uploads(UploadsCommand),
    /// Print the 16-hex-character key hash that stowage logs and errors show instead of a
    /// key (first 16 hex digits of SHA-256 over the UTF-8 key).
    HashKey(HashKeyArgs),
    /// Serve an in-memory store over HTTP on 127.0.0.1 for browser tests, until Ctrl-C.
    ///
    /// Prints its endpoint (http://127.0.0.1:PORT) on the first line. It answers what a
    /// browser needs, as S3 would: upload forms POSTed to ENDPOINT/BUCKET (every policy
    /// condition enforced, the file refused as soon as it passes the size cap), presigned
    /// GET downloads, CORS preflights, and S3's XML errors. Nothing is persisted.
    ///
    /// It accepts the forms and URLs signed with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
    /// (set them for `serve`, and for the client that signs, region us-east-1): e.g.
    /// `stowage --endpoint-url ENDPOINT --path-style presign-post s3://BUCKET/KEY ...`.
    /// Without them it makes up credentials nobody else knows. The global connection flags
    /// do not apply to `serve` itself.
    Serve(ServeArgs),
}
