//! Which answers the lean request path tries again, as the SDK's standard retry mode
//! decides; how often and after how long is `crate::retry_policy`.

/// The status codes the SDK retries whatever the error code
/// (`aws_smithy_runtime`'s `TRANSIENT_ERROR_STATUS_CODES`).
const TRANSIENT_STATUSES: [u16; 4] = [500, 502, 503, 504];

/// The error codes the SDK retries as throttling or transient errors
/// (`aws_runtime`'s `THROTTLING_ERRORS` and `TRANSIENT_ERRORS`).
const RETRYABLE_CODES: [&str; 16] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "RequestTimeout",
    "RequestTimeoutException",
];

/// Whether an error answer is worth another attempt: a transient status or a throttling or
/// timeout code, as the SDK decides.
pub(crate) fn retryable_answer(status: u16, code: &str) -> bool {
    TRANSIENT_STATUSES.contains(&status) || RETRYABLE_CODES.contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_answers_are_retried_client_errors_are_not() {
        assert!(retryable_answer(503, "SlowDown"));
        assert!(retryable_answer(500, "InternalError"));
        assert!(retryable_answer(400, "RequestTimeout"));
        assert!(!retryable_answer(404, "NoSuchKey"));
        assert!(!retryable_answer(403, "SignatureDoesNotMatch"));
        assert!(!retryable_answer(412, "PreconditionFailed"));
    }
}
