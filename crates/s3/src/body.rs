//! A downloaded body as core's chunk stream.

use aws_sdk_s3::primitives::ByteStream as SdkByteStream;
use bytes::Bytes;
use futures::stream;
use stowage_core::{Error, Result};

use crate::logging::SdkLogs;

/// The SDK body as core's chunk stream: chunk by chunk, never collected.
pub(crate) fn body_stream(
    body: SdkByteStream,
    logs: SdkLogs,
) -> impl futures::Stream<Item = Result<Bytes>> {
    stream::unfold(Some((body, logs)), |state| async move {
        let (mut body, logs) = state?;
        match logs.run(body.next()).await {
            Some(Ok(chunk)) => Some((Ok(chunk), Some((body, logs)))),
            Some(Err(error)) => Some((
                Err(Error::Io {
                    message: format!("reading the object body failed: {error}"),
                }),
                None,
            )),
            None => None,
        }
    })
}
