//! Protection against cross-site request forgery, in front of every route so that no handler
//! can forget it. Two checks, each enough against a forged form on its own:
//!
//! - The site: a state-changing request whose `Origin` (or, without one, `Referer`) names
//!   another site is refused. The site is the configured `public_url`, or, where none is
//!   configured, the request's own `Host`.
//! - The token: every form carries one in a hidden field `csrf`, an HMAC under the server's
//!   key of the browser's random `HttpOnly` cookie and of the session cookies it holds. A
//!   token cannot be made without the key, and one made for another browser or another
//!   session does not fit, so a value planted in a cookie (from a sibling domain, over plain
//!   HTTP) is worth nothing. The key comes from the configuration, so every process behind
//!   one site makes and accepts the same tokens.

use crate::failure::{Failure, Kind};
use crate::texts::T;
use crate::{AppState, cookies, tokens};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{HOST, ORIGIN, REFERER, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;

/// The request's CSRF token, for forms to carry.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// The server's key for CSRF tokens: the same in every process behind one site.
#[derive(Clone)]
pub struct CsrfKey(Arc<[u8]>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "csrf_key must have at least {min} characters, such as the output of `openssl rand -hex 32`",
    min = CsrfKey::MIN_LEN
)]
pub struct CsrfKeyError;

impl CsrfKey {
    /// 32 characters: 128 bits even of hex, which is what a key is usually written in.
    pub const MIN_LEN: usize = 32;

    /// A key as configured; surrounding white space (a line break from a file) is ignored.
    pub fn parse(text: &str) -> Result<Self, CsrfKeyError> {
        let text = text.trim();
        if text.chars().count() < Self::MIN_LEN {
            return Err(CsrfKeyError);
        }
        Ok(Self(Arc::from(text.as_bytes())))
    }

    /// A new key, for one process (a demo) or to print for the configuration. `None` only if
    /// the operating system has no randomness to give.
    pub fn random() -> Option<Self> {
        tokens::random().and_then(|text| Self::parse(&text).ok())
    }

    /// The token of a browser whose random cookie is `browser`, holding the session cookies
    /// in `headers`. Each part is prefixed by its length, so no two sets of parts run together
    /// into the same input.
    fn token(&self, browser: &str, headers: &HeaderMap) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            // HMAC takes keys of any length; an empty token fits no form.
            return String::new();
        };
        mac.update(b"timebok-csrf-1");
        let patient = cookies::read(headers, cookies::SESSION).unwrap_or_default();
        let staff = cookies::read(headers, cookies::STAFF).unwrap_or_default();
        for part in [browser, &patient, &staff] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The key is a secret: it never reaches a log.
impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(…)")
    }
}

/// Forms are small; the largest is a patient list's CSV file. Anything larger is not ours.
const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// Refuses a state-changing request from another site or whose form lacks the token, and
/// gives a visitor without a browser cookie a new one.
pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // The FHIR API takes a bearer token in a header and never a cookie, so a forged
    // cross-site request carries no credential there; its clients have no forms.
    if crate::fhir::is_api_path(request.uri().path()) {
        return next.run(request).await;
    }
    if request.method().is_safe() {
        return issue(state, request, next).await;
    }
    let checked = if from_this_site(&state, &request) {
        checked(&state.csrf_key, request).await
    } else {
        Err((request.headers().clone(), Kind::CrossSite))
    };
    match checked {
        Ok(request) => issue(state, request, next).await,
        Err((headers, kind)) => {
            let lang = cookies::read(&headers, cookies::LANG)
                .and_then(|code| i18n::Lang::parse(&code))
                .unwrap_or_default();
            Failure::new(T(lang), kind).into_response()
        }
    }
}

/// Whether the request comes from a page of this site, by its `Origin`, or its `Referer`
/// where a browser sent no `Origin`. A request with neither (an old browser, a script) is left
/// to the token. `Origin: null` (a sandboxed frame, or a form whose page allowed no
/// referrer) is refused: this site's pages send their origin, by their referrer policy.
fn from_this_site(state: &AppState, request: &Request) -> bool {
    let headers = request.headers();
    let claimed = match (headers.get(ORIGIN), headers.get(REFERER)) {
        (Some(origin), _) => origin,
        (None, Some(referer)) => referer,
        (None, None) => return true,
    };
    let Some(claimed) = claimed
        .to_str()
        .ok()
        .and_then(|text| reqwest::Url::parse(text).ok())
    else {
        return false;
    };
    let site = match &state.site {
        Some(site) => Some(site.clone()),
        // No public URL was configured: the site is the host the request was sent to, in the
        // scheme the browser used (a proxy in front may have ended TLS).
        None => request
            .uri()
            .authority()
            .map(|a| a.as_str().to_owned())
            .or_else(|| {
                headers
                    .get(HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_owned)
            })
            .and_then(|host| reqwest::Url::parse(&format!("{}://{host}", claimed.scheme())).ok()),
    };
    site.is_some_and(|site| {
        matches!(claimed.scheme(), "http" | "https") && site.origin() == claimed.origin()
    })
}

/// The request again, with its body, if its form carries the token of its cookies; else its
/// headers, to answer in the visitor's language.
async fn checked(key: &CsrfKey, request: Request) -> Result<Request, (HeaderMap, Kind)> {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return Err((parts.headers, Kind::Forbidden));
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
    if !valid(key, &parts.headers, submitted.as_deref()) {
        return Err((parts.headers, Kind::Forbidden));
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

/// The browser's random cookie, if it is one this site could have set.
fn browser_cookie(headers: &HeaderMap) -> Option<String> {
    cookies::read(headers, cookies::CSRF)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether a form's token is the one its browser's cookies give.
fn valid(key: &CsrfKey, headers: &HeaderMap, submitted: Option<&str>) -> bool {
    match (browser_cookie(headers), submitted) {
        (Some(browser), Some(form)) => {
            let expected = key.token(&browser, headers);
            !expected.is_empty() && tokens::same(&expected, form)
        }
        _ => false,
    }
}

/// Makes the visitor's token available to the page, issuing a browser cookie on the first
/// visit.
async fn issue(state: AppState, mut request: Request, next: Next) -> Response {
    let (browser, fresh) = match browser_cookie(request.headers()) {
        Some(browser) => (browser, false),
        None => (tokens::random().unwrap_or_default(), true),
    };
    let token = if browser.is_empty() {
        String::new()
    } else {
        state.csrf_key.token(&browser, request.headers())
    };
    request.extensions_mut().insert(CsrfToken(token));
    let mut response = next.run(request).await;
    if fresh && !browser.is_empty() {
        let cookie = cookies::set(cookies::CSRF, &browser, 60 * 60 * 24, state.secure_cookies);
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::{CsrfKey, form_field};
    use axum::http::HeaderMap;
    use axum::http::header::COOKIE;

    fn cookies(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, value.parse().expect("cookie"));
        headers
    }

    #[test]
    fn a_token_is_bound_to_the_key_the_browser_and_the_session() {
        let key = CsrfKey::parse("one-key-for-every-process-0123456789").expect("key");
        let browser = "a".repeat(64);
        let none = HeaderMap::new();
        let token = key.token(&browser, &none);
        assert_eq!(token.len(), 64, "forms carry 64 hex characters");
        // Another process with the same configured key makes the same token.
        let same = CsrfKey::parse("one-key-for-every-process-0123456789").expect("key");
        assert_eq!(same.token(&browser, &none), token);
        let other = CsrfKey::parse("another-key-of-another-site-0123456789").expect("key");
        assert_ne!(other.token(&browser, &none), token);
        assert_ne!(key.token(&"b".repeat(64), &none), token);
        let patient = key.token(&browser, &cookies("timebok_session=s1"));
        let staff = key.token(&browser, &cookies("timebok_staff=s1"));
        assert_ne!(patient, token, "a login changes the token");
        assert_ne!(patient, staff, "the parts do not run together");
        assert_ne!(
            patient,
            key.token(&browser, &cookies("timebok_session=s2")),
            "each session has its own"
        );
    }

    #[test]
    fn a_key_is_long_enough_and_never_printed() {
        assert!(CsrfKey::parse(&"k".repeat(31)).is_err());
        assert!(CsrfKey::parse(&format!("  {}\n", "k".repeat(31))).is_err());
        let key = CsrfKey::parse(&"k".repeat(32)).expect("key");
        assert!(!format!("{key:?}").contains('k'));
        assert!(CsrfKey::random().is_some());
    }

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
