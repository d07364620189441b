//! [`ResumableError`]: why a browser upload's step was refused.

use crate::error::Error;

/// Why the service refused a step of a resumable upload.
///
/// No variant carries a key, a grant or a URL; [`ResumableError::http_status`] is the
/// status an HTTP service answers with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResumableError {
    /// The upload cannot be planned: empty, above 5 TiB, or parts below 5 MiB.
    #[error("the upload cannot be planned: {0}")]
    Unplannable(String),

    /// The declared size is above the caller's cap.
    #[error("a file of {size} bytes is above the cap of {cap} bytes")]
    TooLarge {
        /// The declared size.
        size: u64,
        /// The cap.
        cap: u64,
    },

    /// The grant is malformed, or was not issued with this service's key (forged,
    /// tampered with, or from another deployment).
    #[error("the upload grant is malformed or was not issued by this service")]
    InvalidGrant,

    /// The grant was issued to another user.
    #[error("the upload grant belongs to another user")]
    NotOwner,

    /// The key the client named is not the grant's.
    #[error("the key does not match the upload grant")]
    KeyMismatch,

    /// The grant's lifetime is over: no part URL, listing or completion any more.
    #[error("the upload grant expired")]
    Expired,

    /// A part number outside the plan.
    #[error("part {number} is outside the plan's parts 1..={count}")]
    PartOutOfPlan {
        /// The part asked for.
        number: u32,
        /// The plan's part count.
        count: u32,
    },

    /// The store's parts are not the plan's; the upload was aborted.
    #[error("the upload does not match its plan ({0}); it was aborted")]
    Mismatch(PartMismatch),

    /// The store failed or refused.
    #[error(transparent)]
    Storage(#[from] Error),
}

/// How the parts a store holds differ from the plan, found at completion.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PartMismatch {
    /// A planned part was never uploaded.
    #[error("part {number} is missing")]
    Missing {
        /// The missing part.
        number: u32,
    },
    /// A part holds another length than planned.
    #[error("part {number} holds {stored} bytes, {planned} were planned")]
    WrongSize {
        /// The part.
        number: u32,
        /// Its planned length.
        planned: u64,
        /// Its length in the store.
        stored: u64,
    },
    /// The store holds a part the plan does not have.
    #[error("part {number} is not in the plan")]
    Unplanned {
        /// The part.
        number: u32,
    },
}

impl ResumableError {
    /// The HTTP status that says this to a client: 403 for a grant that does not entitle
    /// the caller, 413 above the cap, 400 for a request outside the plan, 409 for an upload
    /// that does not match its plan, 404 for an upload the store no longer has (completed or aborted), the
    /// store's status for other store errors.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Unplannable(_) | Self::PartOutOfPlan { .. } => 400,
            Self::TooLarge { .. } => 413,
            Self::InvalidGrant | Self::NotOwner | Self::KeyMismatch | Self::Expired => 403,
            Self::Mismatch(_) => 409,
            Self::Storage(Error::Service { code, .. }) if code == "NoSuchUpload" => 404,
            Self::Storage(error) => error.http_status(),
        }
    }
}
