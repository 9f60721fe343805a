/// Why a send did not go through. Messages name hosts and status codes, never the text or
/// the patient, because they are stored and shown to the operator.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SendError {
    /// The channel the patient chose has no configuration here; tried again later, in case
    /// the operator adds it.
    #[error("the {0} channel is not configured")]
    NotConfigured(&'static str),
    /// Worth another try: a timeout, a refused connection, a 5xx or 429 answer.
    #[error("{0}")]
    Temporary(String),
    /// Another try would get the same answer: a bad address, a 4xx answer.
    #[error("{0}")]
    Refused(String),
}

impl SendError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Refused(_))
    }
}

/// Sorts an HTTP status into success, a temporary failure or a refusal.
pub(crate) fn http_outcome(service: &str, status: reqwest::StatusCode) -> Result<(), SendError> {
    if status.is_success() {
        Ok(())
    } else if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        Err(SendError::Temporary(format!("{service} answered {status}")))
    } else {
        Err(SendError::Refused(format!("{service} answered {status}")))
    }
}

/// A request that got no answer: connection refused, timeout, TLS failure.
pub(crate) fn http_failure(service: &str, error: &reqwest::Error) -> SendError {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not be reached"
    } else {
        "failed"
    };
    SendError::Temporary(format!("{service} {what}"))
}
