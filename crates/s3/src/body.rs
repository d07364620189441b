//! A downloaded body as core's chunk stream.

use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream as SdkByteStream;
use bytes::Bytes;
use futures::stream;
use stowage_core::{Error, Result};

use crate::logging::SdkLogs;

/// The SDK body as core's chunk stream: chunk by chunk, never collected.
///
/// The SDK's read timeout ends only the wait for the response head; here it also bounds the
/// wait for each chunk, so a server that stalls in the middle of a body fails the read with
/// [`Error::Timeout`] (which transfers resume from) instead of hanging it.
pub(crate) fn body_stream(
    body: SdkByteStream,
    logs: SdkLogs,
    idle: Option<Duration>,
) -> impl futures::Stream<Item = Result<Bytes>> {
    stream::unfold(Some((body, logs)), move |state| async move {
        let (mut body, logs) = state?;
        let next = logs.run(body.next());
        let next = match idle {
            None => next.await,
            Some(idle) => match tokio::time::timeout(idle, next).await {
                Ok(next) => next,
                Err(_) => return Some((Err(stalled(idle)), None)),
            },
        };
        match next {
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

/// The error of a body that sent nothing for `idle`.
pub(crate) fn stalled(idle: Duration) -> Error {
    Error::Timeout {
        message: format!(
            "the object body sent nothing for {} ms (read timeout)",
            idle.as_millis()
        ),
    }
}
