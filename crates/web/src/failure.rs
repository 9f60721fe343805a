//! Pages for what went wrong: a clear message in the visitor's language and a 4xx or 5xx
//! status, never a panic and never a blank page.

use crate::pages::{ErrorPage, Page};
use crate::texts::T;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use store::StoreError;

#[derive(Debug)]
pub enum Kind {
    NotFound,
    Forbidden,
    BadRequest,
    LoginRequired,
    Unavailable,
    /// A bug: a handler panicked (see `panics.rs`).
    Internal,
    /// Over a rate limit; try again after this many seconds.
    TooMany(u64),
    /// A form sent from a page of another site.
    CrossSite,
    /// Someone acting for another person whose relation does not reach this page (a parent
    /// and a child's messages from 12).
    NotForRepresentative,
}

/// A failed request, rendered in the visitor's language.
#[derive(Debug)]
pub struct Failure {
    pub t: T,
    pub kind: Kind,
}

impl Failure {
    pub fn new(t: T, kind: Kind) -> Self {
        Self { t, kind }
    }

    /// Counts a request against a rate limit; over it, the 429 page.
    pub async fn limit(
        t: T,
        limits: &crate::limits::RateLimits,
        scope: crate::limits::Scope,
        key: &str,
    ) -> Result<(), Self> {
        limits
            .check(scope, key)
            .await
            .map_err(|seconds| Self::new(t, Kind::TooMany(seconds)))
    }

    /// Store errors that reach a page unhandled. Refusals a handler expects are handled where
    /// they happen; what is left is "not found" or an outage.
    pub fn store(t: T, error: StoreError) -> Self {
        match error {
            // A refusal the page did not answer itself is, at most, something the visitor may
            // not know of.
            StoreError::NotFound(_) | StoreError::Refused(_) => Self::new(t, Kind::NotFound),
            StoreError::Invalid(_) | StoreError::RangeTooLong { .. } => {
                Self::new(t, Kind::BadRequest)
            }
            other => {
                // The error names tables and columns only, never patient data.
                tracing::error!(error = %other, "store failure");
                Self::new(t, Kind::Unavailable)
            }
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (status, message) = match self.kind {
            Kind::NotFound => (StatusCode::NOT_FOUND, self.t.get("error-not-found")),
            Kind::Forbidden => (StatusCode::FORBIDDEN, self.t.get("error-forbidden")),
            Kind::CrossSite => (StatusCode::FORBIDDEN, self.t.get("error-cross-site")),
            Kind::NotForRepresentative => (
                StatusCode::FORBIDDEN,
                self.t.get("error-not-for-representative"),
            ),
            Kind::BadRequest => (StatusCode::BAD_REQUEST, self.t.get("error-bad-request")),
            Kind::LoginRequired => (StatusCode::UNAUTHORIZED, self.t.get("error-login-required")),
            Kind::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                self.t.get("error-unavailable"),
            ),
            Kind::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                self.t.get("error-internal"),
            ),
            Kind::TooMany(seconds) => (
                StatusCode::TOO_MANY_REQUESTS,
                self.t
                    .arg("error-too-many", "seconds", &seconds.to_string()),
            ),
        };
        let page = ErrorPage {
            page: Page::bare(self.t, "error-title"),
            message,
        };
        let mut response = (status, crate::pages::html(&page)).into_response();
        if let Kind::TooMany(seconds) = self.kind
            && let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        response
    }
}
