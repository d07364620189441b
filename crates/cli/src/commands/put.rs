//! `put`: streamed uploads with bounded memory, in parts above one part size, conditional
//! or not.

use futures::TryStreamExt;
use stowage_core::Payload;
use tokio_util::io::ReaderStream;

use super::error::{CliError, CmdResult, EXIT_OK};
use super::{Settings, is_dash, parse_object_path, progress, write_options};
use crate::cli::PutArgs;

/// Read size for uploads: big enough for throughput, small enough for memory.
const CHUNK_BYTES: usize = 256 * 1024;

/// Uploads a file, or standard input as it arrives.
pub(super) async fn put(settings: &Settings, args: PutArgs) -> CmdResult {
    let path = parse_object_path("S3PATH", &args.path)?;
    let options = write_options::put_options(&args.attributes, &args.write)?;
    let mode = options.mode.clone();
    let (source, length) = if is_dash(&args.source) {
        let stdin: Box<dyn tokio::io::AsyncRead + Send + Unpin> = Box::new(tokio::io::stdin());
        (stdin, None)
    } else {
        let file = tokio::fs::File::open(&args.source).await.map_err(|error| {
            CliError::Invalid(format!(
                "FILE must be a readable file ({}): {error}",
                args.source.display()
            ))
        })?;
        let length = file
            .metadata()
            .await
            .map_err(|error| CliError::Local(format!("cannot read the file's length: {error}")))?
            .len();
        let file: Box<dyn tokio::io::AsyncRead + Send + Unpin> = Box::new(file);
        (file, Some(length))
    };
    let storage = settings.storage(None).await?;
    let bar = progress::bar(length);
    let counter = bar.clone();
    let stream = ReaderStream::with_capacity(source, CHUNK_BYTES).inspect_ok(move |chunk| {
        counter.inc(chunk.len() as u64);
    });
    let payload = match length {
        Some(length) => Payload::from_stream(stream, length),
        None => Payload::from_unsized_stream(stream),
    };
    let result = storage.put_object(&path, payload, options).await;
    bar.finish_and_clear();
    result.map_err(|error| write_options::write_failure(error, &mode))?;
    Ok(EXIT_OK)
}
