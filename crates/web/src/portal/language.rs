//! «Språk/Language»: the choice is kept in a cookie for a year.

use crate::failure::{Failure, Kind};
use crate::visitor::Visitor;
use crate::{AppState, cookies};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use i18n::Lang;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Back {
    tilbake: Option<String>,
}

/// Only paths on this site: never another host, so the link cannot send people elsewhere.
fn local_path(path: Option<String>) -> String {
    match path {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p,
        _ => "/".into(),
    }
}

pub async fn switch(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(code): Path<String>,
    Query(back): Query<Back>,
) -> Result<Response, Failure> {
    let lang = Lang::parse(&code)
        .filter(|l| l.code() == code)
        .ok_or(Failure::new(visitor.t, Kind::NotFound))?;
    let cookie = cookies::set(
        cookies::LANG,
        lang.code(),
        60 * 60 * 24 * 365,
        state.secure_cookies,
    );
    Ok(cookies::redirect_setting(cookie, &local_path(back.tilbake)))
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/bestill?x=1".into())), "/bestill?x=1");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", ""] {
            assert_eq!(local_path(Some(bad.into())), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
    }
}
