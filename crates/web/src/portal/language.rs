//! «Språk/Language»: the choice is kept in a cookie for a year, and for a logged-in patient
//! also as the language of their notices until they choose one themself.

use crate::failure::{Failure, Kind};
use crate::texts::T;
use crate::visitor::Visitor;
use crate::{AppState, cookies};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use domain::ReturnPath;
use i18n::Lang;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Back {
    tilbake: Option<String>,
}

/// Where the switch goes back to: the page it was made on, if that is a path of this site,
/// else the front page. The query parameter is decoded once, by the form decoding.
fn back_to(path: Option<&str>) -> ReturnPath {
    path.and_then(|p| ReturnPath::parse(p).ok())
        .unwrap_or_default()
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
    if let Some(patient) = &visitor.patient {
        // A logged-in patient's notices follow the switch too, until they choose their own.
        state
            .store
            .remember_site_language(patient, lang.code())
            .await
            .map_err(|e| Failure::store(T(lang), e))?;
    }
    let cookie = cookies::set(
        cookies::LANG,
        lang.code(),
        60 * 60 * 24 * 365,
        state.secure_cookies,
    );
    Ok(cookies::redirect_setting(
        cookie,
        &back_to(back.tilbake.as_deref()),
    ))
}

#[cfg(test)]
mod tests {
    use super::back_to;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(back_to(Some("/bestill?x=1")).as_str(), "/bestill?x=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/\t/evil",
            "",
        ] {
            assert_eq!(back_to(Some(bad)).as_str(), "/", "{bad}");
        }
        assert_eq!(back_to(None).as_str(), "/");
    }
}
