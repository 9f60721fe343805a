//! The security headers every answer carries: a Content-Security-Policy that allows only
//! Timebok's own files (no inline script or style, no other origin, no framing; forms may end
//! at the OpenID providers, for the logout there), no MIME
//! sniffing, no referrer leaving the site, and HSTS where Timebok is served over HTTPS.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::middleware::Next;
use axum::response::Response;

pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; manifest-src 'self'; \
    worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// The policy, with the origins a form's redirects may go on to besides Timebok's own: the
/// OpenID providers, where the logout form ends at their end-session endpoints. Made once, at
/// start-up.
pub fn content_security_policy(form_action_origins: &[String]) -> HeaderValue {
    if form_action_origins.is_empty() {
        return HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE);
    }
    let policy = CONTENT_SECURITY_POLICY_VALUE.replace(
        "form-action 'self'",
        &format!("form-action 'self' {}", form_action_origins.join(" ")),
    );
    HeaderValue::from_str(&policy)
        .unwrap_or(HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE))
}

/// A year, the usual minimum for HSTS preload lists.
const HSTS_VALUE: &str = "max-age=31536000; includeSubDomains";

pub async fn add(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_SECURITY_POLICY,
        state.oidc.content_security_policy().clone(),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // `same-origin`, not `no-referrer`: under `no-referrer` browsers send `Origin: null` with
    // this site's own forms, and the CSRF check needs their origin. Other sites still get no
    // referrer.
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // For browsers that predate frame-ancestors.
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if state.hsts {
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS_VALUE),
        );
    }
    response
}
