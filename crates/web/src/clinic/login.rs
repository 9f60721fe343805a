//! The staff's and the operator's login page (HelseID and the operator's provider where
//! configured, the test login where switched on), the test login itself, and logout.

use crate::AppState;
use crate::failure::Failure;
use crate::limits::Scope;
use crate::pages::{FieldError, Page, html};
use crate::visitor::Visitor;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "staff_login.html")]
struct StaffLoginPage {
    page: Page,
    users: Vec<String>,
    helseid: bool,
    operator: bool,
    demo: bool,
    errors: Vec<FieldError>,
}

fn login_page(state: &AppState, visitor: &Visitor, errors: Vec<FieldError>) -> StaffLoginPage {
    StaffLoginPage {
        page: Page::new(visitor, "staff-login-title"),
        users: state
            .demo_staff
            .iter()
            .map(|(name, _)| name.clone())
            .collect(),
        helseid: state.oidc.offers(store::LoginFlow::Staff),
        operator: state.oidc.offers(store::LoginFlow::Operator),
        demo: state.demo_login,
        errors,
    }
}

pub async fn form(State(state): State<AppState>, visitor: Visitor) -> Response {
    html(&login_page(&state, &visitor, Vec::new())).into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    user: Option<String>,
}

pub async fn log_in(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: axum::http::HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, Failure> {
    let t = visitor.t;
    Failure::limit(t, &state.limits, Scope::Login, &visitor.client).await?;
    let chosen = form
        .user
        .and_then(|u| u.parse::<usize>().ok())
        .and_then(|i| state.demo_staff.get(i));
    let Some((_, who)) = chosen else {
        let errors = vec![FieldError {
            field: "user",
            label: t.get("staff-login-choose-error"),
        }];
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            html(&login_page(&state, &visitor, errors)),
        )
            .into_response());
    };
    let opened = crate::sessions::open(&state, t, &headers, who).await?;
    Ok(crate::sessions::land(
        opened,
        who,
        &headers,
        state.secure_cookies,
    ))
}

pub async fn log_out(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    crate::logout::end(&state, &visitor, &headers, crate::sessions::Holder::Staff).await
}
