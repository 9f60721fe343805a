//! Every request has an id: on every log line written while it is served, and in its answer's
//! `X-Request-Id`, so a patient's or a journal system's report of a failure leads to its log
//! lines. A trusted reverse proxy's id is kept, so one id follows the request through both;
//! without one configured, a client's own header is not believed, since it could write
//! anything into the logs.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::atomic::{AtomicU64, Ordering};

pub const HEADER: &str = "x-request-id";

/// The longest id taken from a proxy; longer ones are replaced.
const MAX_LENGTH: usize = 128;

/// The request's id, in the request's extensions for the span that logs it.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

pub async fn assign(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let from_proxy = state
        .request_id_header
        .as_deref()
        .and_then(|name| request.headers().get(name))
        .and_then(|value| value.to_str().ok())
        .filter(|id| acceptable(id))
        .map(str::to_owned);
    let id = from_proxy.unwrap_or_else(new_id);
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

/// 128 random bits as hex; ids need to be unique, not secret. Should the system have no
/// randomness to give, the process's own count still tells requests apart.
fn new_id() -> String {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let mut bytes = [0u8; 16];
    match getrandom::fill(&mut bytes) {
        Ok(()) => crate::tokens::hex(&bytes),
        Err(_) => format!("n{}", COUNT.fetch_add(1, Ordering::Relaxed)),
    }
}

/// What may be written into a log line as an id: short, and only characters that cannot
/// start a new line or a field.
fn acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LENGTH
        && id.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'/' | b'+' | b'=')
        })
}

#[cfg(test)]
mod tests {
    use super::acceptable;

    #[test]
    fn only_short_plain_ids_are_taken_from_the_proxy() {
        assert!(acceptable("3f2a9c1e-7d4b-4e0a-9b1c-2d3e4f5a6b7c"));
        assert!(acceptable("Root=1-67891233-abcdef012345678912345678"));
        assert!(!acceptable(""));
        assert!(!acceptable("a b"));
        assert!(!acceptable("line\nbreak"));
        assert!(!acceptable("quote\"d"));
        assert!(!acceptable(&"x".repeat(129)));
    }
}
