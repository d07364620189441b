//! A streamed GetObject body as core's chunk stream: each chunk within the read timeout,
//! its length and the whole object's checksum checked at the end.

use std::time::Duration;

use bytes::Bytes;
use futures::{FutureExt as _, stream};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use stowage_core::{Error, Result};

use crate::body::stalled;
use crate::errors::io_detail;
use crate::lean::checksum::BodyChecksum;

/// What is left of a body being streamed.
struct Streaming {
    body: Incoming,
    checksum: Option<BodyChecksum>,
    /// The `Content-Length` announced, when there was one.
    announced: Option<u64>,
    /// The bytes received so far.
    received: u64,
}

impl Streaming {
    /// The next chunk, or `None` at the end of a whole body; the error of a broken, stalled,
    /// short or corrupted one.
    async fn next(&mut self, idle: Option<Duration>) -> Option<Result<Bytes>> {
        loop {
            let mut frame = self.body.frame();
            // A chunk already received needs no timer.
            let frame = match ((&mut frame).now_or_never(), idle) {
                (Some(ready), _) => ready,
                (None, None) => frame.await,
                (None, Some(idle)) => match tokio::time::timeout(idle, frame).await {
                    Ok(frame) => frame,
                    Err(_) => return Some(Err(stalled(idle))),
                },
            };
            match frame {
                Some(Ok(frame)) => {
                    // Trailers carry nothing a reader asked for.
                    let Ok(chunk) = frame.into_data() else {
                        continue;
                    };
                    if let Some(checksum) = &mut self.checksum {
                        checksum.update(&chunk);
                    }
                    self.received += chunk.len() as u64;
                    return Some(Ok(chunk));
                }
                Some(Err(error)) => {
                    return Some(Err(Error::Io {
                        message: format!("reading the object body failed{}", io_detail(&error)),
                    }));
                }
                None => return self.finish().map(Err),
            }
        }
    }

    /// The end of the body: an error when it is shorter or longer than announced (as the
    /// SDK enforces), or when its checksum differs.
    fn finish(&mut self) -> Option<Error> {
        if let Some(announced) = self.announced
            && announced != self.received
        {
            return Some(Error::Io {
                message: format!(
                    "the object body ended after {} of the {announced} bytes announced",
                    self.received
                ),
            });
        }
        let checked = self.checksum.take().map(BodyChecksum::finish)?;
        checked.err().map(|message| Error::Io { message })
    }
}

/// `body` chunk by chunk, never collected: a wait longer than `idle` for the next chunk is
/// [`Error::Timeout`] (which transfers resume from); a broken connection, a body of another
/// length than `announced` or one whose checksum differs from `checksum`'s is
/// [`Error::Io`]. Nothing follows an error.
pub(crate) fn object_body(
    body: Incoming,
    announced: Option<u64>,
    checksum: Option<BodyChecksum>,
    idle: Option<Duration>,
) -> impl futures::Stream<Item = Result<Bytes>> + Send {
    let streaming = Streaming {
        body,
        checksum,
        announced,
        received: 0,
    };
    stream::unfold(Some(streaming), move |state| async move {
        let mut state = state?;
        match state.next(idle).await? {
            Ok(chunk) => Some((Ok(chunk), Some(state))),
            Err(error) => Some((Err(error), None)),
        }
    })
}
