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
    } else if error.is_connect() && certificate_refused(error) {
        "could not be reached: its TLS certificate was not accepted (no trusted root issued it, \
         or it does not name the host)"
    } else if error.is_connect() {
        "could not be reached"
    } else {
        "failed"
    };
    SendError::Temporary(format!("{service} {what}"))
}

/// Whether a connection failed on the peer's certificate: rustls' error, which the TLS stream
/// hands up wrapped in I/O errors. An I/O error's `source` skips the error it wraps, so the
/// walk goes into it instead.
fn certificate_refused(error: &reqwest::Error) -> bool {
    let mut cause = std::error::Error::source(error);
    while let Some(current) = cause {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return matches!(tls, rustls::Error::InvalidCertificate(_));
        }
        cause = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => current.source(),
        };
    }
    false
}
