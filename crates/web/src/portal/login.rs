//! The patients' login page (ID-porten where configured, the test login where switched on),
//! the test login itself, and logout.

use crate::AppState;
use crate::failure::Failure;
use crate::limits::Scope;
use crate::pages::{FieldError, Page, html};
use crate::visitor::Visitor;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::NationalId;
use serde::Deserialize;

pub struct DemoChoice {
    pub name: String,
    pub national_id: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    patients: Vec<DemoChoice>,
    idporten: bool,
    demo: bool,
    errors: Vec<FieldError>,
    id_error: Option<String>,
    typed: String,
}

pub async fn home(visitor: Visitor) -> Redirect {
    match visitor.patient {
        None => Redirect::to("/logg-inn"),
        Some(_) => Redirect::to("/timeavtaler"),
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
        idporten: state.oidc.offers(store::LoginFlow::Patient),
        demo: state.demo_login,
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
    Failure::limit(t, &state.limits, Scope::Login, &visitor.client).await?;
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
    let who = domain::Actor::Patient(patient);
    let opened = crate::sessions::open(&state, t, &headers, &who).await?;
    Ok(crate::sessions::land(
        opened,
        &who,
        &headers,
        state.secure_cookies,
    ))
}

pub async fn log_out(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    crate::logout::end(&state, &visitor, &headers, crate::sessions::Holder::Patient).await
}
