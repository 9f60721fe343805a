//! Protection against cross-site request forgery: every visitor gets a random token in an
//! `HttpOnly` cookie, every form carries it in a hidden field, and every state-changing request
//! must present both, equal. Together with `SameSite=Lax` this covers anonymous forms (login)
//! as well as logged-in ones.

use crate::{AppState, cookies, tokens};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The request's CSRF token, for forms to carry.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Gives a visitor without a token a new one.
pub async fn ensure_token(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let existing = cookies::read(request.headers(), cookies::CSRF).filter(|t| t.len() == 64);
    let (token, fresh) = match existing {
        Some(token) => (token, false),
        None => (tokens::random().unwrap_or_default(), true),
    };
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    if fresh && !token.is_empty() {
        let cookie = cookies::set(cookies::CSRF, &token, 60 * 60 * 24, state.secure_cookies);
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .unwrap_or(CsrfToken(String::new())))
    }
}

/// Whether a form's token matches the visitor's cookie.
pub fn valid(headers: &HeaderMap, submitted: Option<&str>) -> bool {
    match (cookies::read(headers, cookies::CSRF), submitted) {
        (Some(cookie), Some(form)) => cookie.len() == 64 && tokens::same(&cookie, form),
        _ => false,
    }
}
