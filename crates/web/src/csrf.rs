//! Protection against cross-site request forgery: every visitor gets a random token in an
//! `HttpOnly` cookie, every form carries it in a hidden field `csrf`, and every state-changing
//! request must present both, equal. Together with `SameSite=Lax` this covers anonymous forms
//! (login) as well as logged-in ones. The check sits here, in front of every route, so that no
//! handler can forget it.

use crate::failure::{Failure, Kind};
use crate::texts::T;
use crate::{AppState, cookies, tokens};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The request's CSRF token, for forms to carry.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Forms are small; the largest is a patient list's CSV file. Anything larger is not ours.
const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// Refuses a state-changing request whose form lacks the visitor's token, and gives a visitor
/// without a token a new one.
pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // The FHIR API takes a bearer token in a header and never a cookie, so a forged
    // cross-site request carries no credential there; its clients have no forms.
    if request.uri().path().starts_with(crate::fhir::PATH_PREFIX) {
        return next.run(request).await;
    }
    let request = if request.method().is_safe() {
        request
    } else {
        match checked(request).await {
            Ok(request) => request,
            Err(headers) => {
                let lang = cookies::read(&headers, cookies::LANG)
                    .and_then(|code| i18n::Lang::parse(&code))
                    .unwrap_or_default();
                return Failure::new(T(lang), Kind::Forbidden).into_response();
            }
        }
    };
    issue(state, request, next).await
}

/// The request again, with its body, if its form carries the cookie's token.
async fn checked(request: Request) -> Result<Request, HeaderMap> {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return Err(parts.headers);
    };
    let multipart_boundary = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.starts_with("multipart/form-data"))
        .and_then(|v| v.split("boundary=").nth(1))
        .map(|b| b.trim_matches('"').to_owned());
    let submitted = match multipart_boundary {
        Some(boundary) => multipart_field(&bytes, &boundary, "csrf"),
        None => form_field(&bytes, "csrf"),
    };
    if !valid(&parts.headers, submitted.as_deref()) {
        return Err(parts.headers);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// One field of an `application/x-www-form-urlencoded` body. Tokens are hex, so they need no
/// decoding.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// One small text field of a `multipart/form-data` body (a file upload's form).
fn multipart_field(body: &[u8], boundary: &str, name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let wanted = format!("name=\"{name}\"");
    text.split(&format!("--{boundary}"))
        .filter_map(|part| part.split_once("\r\n\r\n"))
        .find(|(headers, _)| headers.contains(&wanted))
        .map(|(_, value)| value.trim_end_matches("\r\n").to_owned())
}

/// Whether a form's token matches the visitor's cookie.
fn valid(headers: &HeaderMap, submitted: Option<&str>) -> bool {
    match (cookies::read(headers, cookies::CSRF), submitted) {
        (Some(cookie), Some(form)) => cookie.len() == 64 && tokens::same(&cookie, form),
        _ => false,
    }
}

/// Makes the visitor's token available to the page, issuing one on the first visit.
async fn issue(state: AppState, mut request: Request, next: Next) -> Response {
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

#[cfg(test)]
mod tests {
    use super::form_field;

    #[test]
    fn the_token_is_read_from_a_file_upload_form() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"fil\"; filename=\"a.csv\"\r\n\r\nx;y;z\r\n--XyZ--\r\n";
        assert_eq!(
            super::multipart_field(body, "XyZ", "csrf").as_deref(),
            Some("abc")
        );
        assert_eq!(super::multipart_field(body, "XyZ", "other"), None);
    }

    #[test]
    fn the_token_is_read_from_the_form() {
        assert_eq!(
            form_field(b"slot=3&csrf=abc&reason=x", "csrf").as_deref(),
            Some("abc")
        );
        assert_eq!(form_field(b"slot=3", "csrf"), None);
        assert_eq!(form_field(&[0xff, 0xfe], "csrf"), None);
    }
}
