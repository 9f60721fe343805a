//! Reading and writing the few cookies Timebok sets.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

pub const SESSION: &str = "timebok_session";
pub const STAFF: &str = "timebok_staff";
pub const CSRF: &str = "timebok_csrf";
pub const LANG: &str = "timebok_lang";
/// The page a patient asked for before logging in, such as a slot finder's link into «Velg
/// time»; the login lands there.
pub const RETURN_TO: &str = "timebok_return";

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

/// A path of this site, written so it can stand in a cookie; `None` for anything that could
/// lead elsewhere (`//host`, `/\host`) or is too long to keep.
pub fn local_path(path: &str) -> Option<String> {
    let local = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && path.len() <= 1000;
    local.then(|| {
        path.bytes()
            .map(|b| match b {
                b'A'..=b'Z'
                | b'a'..=b'z'
                | b'0'..=b'9'
                | b'/'
                | b'?'
                | b'&'
                | b'='
                | b'-'
                | b'_'
                | b'.'
                | b'~'
                | b'%' => char::from(b).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    })
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
