//! The demo's test login, and logout. Real login (ID-porten) replaces the former; the latter
//! stays.

use crate::failure::{Failure, Kind};
use crate::limits::Scope;
use crate::pages::{FieldError, Page, html};
use crate::visitor::Visitor;
use crate::{AppState, cookies, tokens};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::NationalId;
use serde::Deserialize;

/// How long a login lasts.
const SESSION_HOURS: i64 = 12;

pub struct DemoChoice {
    pub name: String,
    pub national_id: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    patients: Vec<DemoChoice>,
    errors: Vec<FieldError>,
    id_error: Option<String>,
    typed: String,
}

pub async fn home(State(state): State<AppState>, visitor: Visitor) -> Redirect {
    match (&visitor.patient, state.demo_login) {
        (None, true) => Redirect::to("/logg-inn"),
        _ => Redirect::to("/timeavtaler"),
    }
}

fn login_page(
    state: &AppState,
    visitor: &Visitor,
    error: Option<String>,
    typed: String,
) -> LoginPage {
    let patients = state
        .demo_patients
        .iter()
        .map(|(name, id)| DemoChoice {
            name: name.clone(),
            national_id: id.as_str().to_owned(),
        })
        .collect();
    let errors = error
        .iter()
        .map(|e| FieldError {
            field: "national_id",
            label: e.clone(),
        })
        .collect();
    LoginPage {
        page: Page::new(visitor, "login-title"),
        patients,
        errors,
        id_error: error,
        typed,
    }
}

pub async fn form(State(state): State<AppState>, visitor: Visitor) -> Response {
    if visitor.patient.is_some() {
        return Redirect::to("/timeavtaler").into_response();
    }
    html(&login_page(&state, &visitor, None, String::new())).into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    patient: Option<String>,
    national_id: Option<String>,
}

pub async fn log_in(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: axum::http::HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, Failure> {
    let t = visitor.t;
    Failure::limit(t, &state.limits, Scope::Login, &visitor.client)?;
    let typed = form.national_id.unwrap_or_default().trim().to_owned();
    let chosen = if typed.is_empty() {
        form.patient.unwrap_or_default()
    } else {
        typed.clone()
    };
    if chosen.is_empty() {
        let page = login_page(&state, &visitor, Some(t.get("login-choose-error")), typed);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
    }
    let Ok(patient) = NationalId::parse(&chosen, state.id_policy) else {
        let page = login_page(&state, &visitor, Some(t.get("login-invalid-id")), typed);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
    };
    // A new session id at every login: a session id planted before the login (fixation)
    // ends here.
    if let Some(old) = cookies::read(&headers, cookies::SESSION) {
        state
            .store
            .close_session(&tokens::hash(&old))
            .await
            .map_err(|e| Failure::store(t, e))?;
    }
    let token = tokens::random().ok_or(Failure::new(t, Kind::Unavailable))?;
    state
        .store
        .open_session(
            &tokens::hash(&token),
            &patient,
            jiff::SignedDuration::from_hours(SESSION_HOURS),
        )
        .await
        .map_err(|e| Failure::store(t, e))?;
    let cookie = cookies::set(
        cookies::SESSION,
        &token,
        SESSION_HOURS * 3600,
        state.secure_cookies,
    );
    Ok(cookies::redirect_setting(cookie, "/timeavtaler"))
}

pub async fn log_out(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    crate::logout::end(&state, &visitor, &headers, crate::logout::Whose::Patient).await
}
