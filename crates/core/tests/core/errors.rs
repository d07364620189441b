//! Every error variant: kinds, messages without raw keys, the path behind them, and
//! `redact_key`.

use stowage_core::{Error, PathError, S3Path, redact_key};

use crate::support::{SECRET_KEY, SECRET_KEY_HASH, assert_no_key, secret_path};

fn every_error() -> Vec<(Error, bool)> {
    let path = secret_path();
    let service_message = redact_key(
        &format!("The specified key {SECRET_KEY} is being throttled"),
        SECRET_KEY,
    );
    // (error, carries a path)
    vec![
        (Error::InvalidPath(PathError::EmptyKey), false),
        (
            Error::InvalidPath(PathError::KeyTooLong { len: 2000 }),
            false,
        ),
        (Error::invalid_argument("max_bytes is too large"), false),
        (Error::NotFound { path: path.clone() }, true),
        (
            Error::NoSuchBucket {
                bucket: "clinic-data".into(),
            },
            false,
        ),
        (
            Error::AccessDenied {
                path: Some(path.clone()),
            },
            true,
        ),
        (Error::AccessDenied { path: None }, false),
        (Error::PreconditionFailed { path: path.clone() }, true),
        (
            Error::Unreachable {
                message: "connection refused".into(),
            },
            false,
        ),
        (
            Error::Timeout {
                message: "operation timeout after 30 s".into(),
            },
            false,
        ),
        (
            Error::Io {
                message: "stream ended early".into(),
            },
            false,
        ),
        (
            Error::Unsupported {
                operation: "presigned_post",
                backend: "memory",
            },
            false,
        ),
        (
            Error::Service {
                code: "SlowDown".into(),
                status: 503,
                message: service_message,
                path: Some(path.clone()),
            },
            true,
        ),
        (
            Error::Service {
                code: "InternalError".into(),
                status: 500,
                message: "We encountered an internal error.".into(),
                path: None,
            },
            false,
        ),
    ]
}

#[test]
fn every_error_variant_is_redacted() {
    let errors = every_error();
    let kinds: std::collections::BTreeSet<&str> =
        errors.iter().map(|(e, _)| e.kind_name()).collect();
    let expected: std::collections::BTreeSet<&str> = [
        "invalid_path",
        "invalid_argument",
        "not_found",
        "no_such_bucket",
        "access_denied",
        "precondition_failed",
        "unreachable",
        "timeout",
        "io",
        "unsupported",
        "service",
    ]
    .into_iter()
    .collect();
    assert_eq!(kinds, expected, "one value of every variant");

    for (error, has_path) in &errors {
        let display = error.to_string();
        let debug = format!("{error:?}");
        let alternate = format!("{error:#?}");
        for text in [&display, &debug, &alternate] {
            assert_no_key(text, error.kind_name());
        }
        if *has_path {
            assert!(display.contains(SECRET_KEY_HASH), "{display}");
            assert!(debug.contains(SECRET_KEY_HASH), "{debug}");
            assert!(display.contains("clinic-data"), "{display}");
            // The raw path stays reachable for code that needs it.
            assert_eq!(error.path().map(S3Path::key), Some(SECRET_KEY));
        } else {
            assert!(error.path().is_none(), "{debug}");
        }
        // Usable as a std error / anyhow-style source chain.
        let dyn_error: &dyn std::error::Error = error;
        let mut source = dyn_error.source();
        while let Some(inner) = source {
            assert_no_key(&inner.to_string(), "source");
            source = inner.source();
        }
    }

    let not_found = Error::NotFound {
        path: secret_path(),
    };
    assert!(not_found.is_not_found());
    assert!(Error::NoSuchBucket { bucket: "b".into() }.is_not_found());
    assert!(!Error::AccessDenied { path: None }.is_not_found());
    assert_eq!(
        not_found.to_string(),
        format!("not found: s3://clinic-data/<key sha256:{SECRET_KEY_HASH}>")
    );
    let service = &errors
        .iter()
        .find(|(e, p)| e.kind_name() == "service" && *p)
        .unwrap()
        .0;
    let text = service.to_string();
    assert!(text.contains("SlowDown") && text.contains("503"), "{text}");
}

#[test]
fn redact_key_replaces_every_occurrence() {
    let message = format!("Key '{SECRET_KEY}' not found; retry {SECRET_KEY} later");
    let redacted = redact_key(&message, SECRET_KEY);
    assert_eq!(
        redacted,
        format!(
            "Key '<key sha256:{SECRET_KEY_HASH}>' not found; retry <key sha256:{SECRET_KEY_HASH}> later"
        )
    );
    assert_no_key(&redacted, "redact_key");
    assert_eq!(redact_key("nothing to hide", SECRET_KEY), "nothing to hide");
    assert_eq!(redact_key("empty key", ""), "empty key");
    assert_eq!(redact_key("", SECRET_KEY), "");
}
