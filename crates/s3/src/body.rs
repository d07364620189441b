//! Object bodies between core and the SDK: an upload [`Payload`] as an SDK body, a download
//! as core's chunk stream.

use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use aws_sdk_s3::primitives::ByteStream as SdkByteStream;
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use futures::stream::{self, StreamExt};
use http_body::{Body, Frame, SizeHint};
use stowage_core::{ByteStream, Error, Payload, Result};

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

/// The upload body and whether it is streamed: in-memory bytes stay retryable; a stream
/// becomes a body of known length.
pub(crate) async fn payload_body(payload: Payload) -> Result<(SdkByteStream, bool)> {
    let length = payload.len();
    let mut chunks = payload.into_stream();
    let first = match chunks.next().await {
        Some(first) => first?,
        None => Bytes::new(),
    };
    if first.len() as u64 == length {
        // Everything is already in memory (always the case for a `Bytes` payload):
        // confirm the stream is done, so a stream yielding too much still fails.
        if let Some(extra) = chunks.next().await {
            extra?;
            return Err(Error::Io {
                message: format!("payload declared {length} bytes but yielded more"),
            });
        }
        return Ok((SdkByteStream::from(first), false));
    }
    let rest: ByteStream = stream::once(async move { Ok(first) }).chain(chunks).boxed();
    let body = LengthBody {
        stream: Mutex::new(rest),
        remaining: length,
    };
    Ok((SdkByteStream::new(SdkBody::from_body_1_x(body)), true))
}

/// An `http_body` over a chunk stream whose total length is known.
struct LengthBody {
    // A Mutex only to make the body `Sync`, as the SDK requires; never contended.
    stream: Mutex<ByteStream>,
    remaining: u64,
}

impl Body for LengthBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = self.get_mut();
        let stream = this
            .stream
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match stream.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.remaining = this.remaining.saturating_sub(chunk.len() as u64);
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(error))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}
