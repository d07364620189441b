//! Exit codes, and why a command failed.

use std::fmt;

/// Exit code: success.
pub(crate) const EXIT_OK: u8 = 0;
/// Exit code: `exists` found nothing.
pub(crate) const EXIT_ABSENT: u8 = 1;
/// Exit code: invalid input or usage (clap uses 2 for usage errors too).
pub(crate) const EXIT_INVALID: u8 = 2;
/// Exit code: the object or bucket does not exist.
pub(crate) const EXIT_NOT_FOUND: u8 = 3;
/// Exit code: any other failure.
pub(crate) const EXIT_FAILURE: u8 = 4;
/// Exit code: a condition did not hold (HTTP 412): nothing was read or written.
pub(crate) const EXIT_PRECONDITION_FAILED: u8 = 5;
/// Exit code: `get`'s copy is current (HTTP 304): nothing was printed or written.
pub(crate) const EXIT_NOT_MODIFIED: u8 = 6;
/// Exit code: `get --range` starts at or past the end of the object (HTTP 416).
pub(crate) const EXIT_RANGE_NOT_SATISFIABLE: u8 = 7;

/// Why a command failed. `Display` never contains a raw key, URL, signature or credential.
#[derive(Debug)]
pub(crate) enum CliError {
    /// A storage operation failed; its `Display` names keys only by hash.
    Storage(stowage_core::Error),
    /// A storage operation failed, with what it means for this command.
    Explained {
        /// The failure.
        error: stowage_core::Error,
        /// What happened and what to do, in the command's terms (no key).
        hint: &'static str,
    },
    /// An argument broke a rule (exit 2).
    Invalid(String),
    /// A local file or stream failed (exit 4).
    Local(String),
    /// The command already reported its outcome on stdout and only sets the exit code.
    Reported(u8),
}

impl CliError {
    /// The process exit code for this failure.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Storage(error) | CliError::Explained { error, .. } => {
                storage_exit_code(error)
            }
            CliError::Invalid(_) => EXIT_INVALID,
            CliError::Local(_) => EXIT_FAILURE,
            CliError::Reported(code) => *code,
        }
    }

    /// `error` with a hint, or as it is when there is none.
    pub(crate) fn explained(error: stowage_core::Error, hint: Option<&'static str>) -> Self {
        match hint {
            Some(hint) => CliError::Explained { error, hint },
            None => CliError::Storage(error),
        }
    }
}

/// The exit code of a storage failure.
fn storage_exit_code(error: &stowage_core::Error) -> u8 {
    use stowage_core::Error;
    match error {
        Error::InvalidPath(_) | Error::InvalidArgument { .. } => EXIT_INVALID,
        Error::PreconditionFailed { .. } => EXIT_PRECONDITION_FAILED,
        Error::RangeNotSatisfiable { .. } => EXIT_RANGE_NOT_SATISFIABLE,
        error if error.is_not_found() => EXIT_NOT_FOUND,
        _ => EXIT_FAILURE,
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Storage(error) => write!(f, "{error} [{}]", error.kind_name()),
            CliError::Explained { error, hint } => {
                write!(f, "{error} [{}]: {hint}", error.kind_name())
            }
            CliError::Invalid(message) | CliError::Local(message) => f.write_str(message),
            CliError::Reported(code) => write!(f, "failed (exit code {code})"),
        }
    }
}

impl From<stowage_core::Error> for CliError {
    fn from(error: stowage_core::Error) -> Self {
        CliError::Storage(error)
    }
}

/// Result of a command: the exit code on success.
pub(crate) type CmdResult = Result<u8, CliError>;

#[cfg(test)]
mod tests {
    use stowage_core::{Error, S3Path};

    use super::*;

    /// Every storage failure kind has its exit code, and no message shows the key.
    #[test]
    fn storage_failures_map_onto_exit_codes() {
        let path = S3Path::parse("s3://bucket/secret-key").unwrap();
        let cases = [
            (Error::invalid_argument("x"), EXIT_INVALID),
            (Error::NotFound { path: path.clone() }, EXIT_NOT_FOUND),
            (
                Error::PreconditionFailed { path: path.clone() },
                EXIT_PRECONDITION_FAILED,
            ),
            (
                Error::RangeNotSatisfiable {
                    path: path.clone(),
                    size: Some(3),
                },
                EXIT_RANGE_NOT_SATISFIABLE,
            ),
            (
                Error::Unsupported {
                    operation: "conditional put_object",
                    backend: "s3",
                },
                EXIT_FAILURE,
            ),
        ];
        for (error, code) in cases {
            let error = CliError::explained(error, Some("hint"));
            assert_eq!(error.exit_code(), code, "{error}");
            assert!(!error.to_string().contains("secret-key"), "{error}");
        }
    }
}
