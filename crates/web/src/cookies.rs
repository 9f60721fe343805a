//! Reading and writing the few cookies Timebok sets.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use domain::ReturnPath;

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

/// A 303 redirect back to a path of this site that sets `cookie`: how every login, local
/// logout and language switch ends. It takes a [`ReturnPath`], so no path from a request can
/// reach `Location` unchecked.
pub fn redirect_setting(cookie: String, to: &ReturnPath) -> axum::response::Response {
    see_other(cookie, to.as_str())
}

/// A 303 redirect to an OpenID provider that sets `cookie`. `url` is built from the
/// provider's discovery document and the configuration, never from the request.
pub fn redirect_to_provider(cookie: String, url: &str) -> axum::response::Response {
    see_other(cookie, url)
}

fn see_other(cookie: String, to: &str) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::http::header::{LOCATION, SET_COOKIE};
    use axum::response::IntoResponse;
    (
        StatusCode::SEE_OTHER,
        [(SET_COOKIE, cookie), (LOCATION, to.to_owned())],
    )
        .into_response()
}
