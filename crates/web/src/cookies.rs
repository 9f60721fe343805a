//! Reading and writing the few cookies Timebok sets.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

pub const SESSION: &str = "timebok_session";
pub const STAFF: &str = "timebok_staff";
pub const CSRF: &str = "timebok_csrf";
pub const LANG: &str = "timebok_lang";

/// The value of cookie `name`, if the request carries it.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// A `Set-Cookie` value. Every cookie is `HttpOnly` and `SameSite=Lax`; `Secure` when the
/// installation is served over HTTPS.
pub fn set(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax{secure}")
}

/// A 303 redirect to `to` that sets `cookie`: how every login, logout and language switch ends.
pub fn redirect_setting(cookie: String, to: &str) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::http::header::{LOCATION, SET_COOKIE};
    use axum::response::IntoResponse;
    (
        StatusCode::SEE_OTHER,
        [(SET_COOKIE, cookie), (LOCATION, to.to_owned())],
    )
        .into_response()
}
