//! The staff's test login in demo mode, and logout. Real login (HelseID) replaces the former.

use crate::failure::{Failure, Kind};
use crate::limits::Scope;
use crate::pages::{FieldError, Page, html};
use crate::visitor::Visitor;
use crate::{AppState, cookies, tokens};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

const SESSION_HOURS: i64 = 10;

#[derive(Template)]
#[template(path = "staff_login.html")]
struct StaffLoginPage {
    page: Page,
    users: Vec<String>,
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
    Failure::limit(t, &state.limits, Scope::Login, &visitor.client)?;
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
    // A new session id at every login: a session id planted before the login (fixation)
    // ends here.
    if let Some(old) = cookies::read(&headers, cookies::STAFF) {
        state
            .store
            .close_staff_session(&tokens::hash(&old))
            .await
            .map_err(|e| Failure::store(t, e))?;
    }
    let token = tokens::random().ok_or(Failure::new(t, Kind::Unavailable))?;
    state
        .store
        .open_staff_session(
            &tokens::hash(&token),
            who,
            jiff::SignedDuration::from_hours(SESSION_HOURS),
        )
        .await
        .map_err(|e| Failure::store(t, e))?;
    let cookie = cookies::set(
        cookies::STAFF,
        &token,
        SESSION_HOURS * 3600,
        state.secure_cookies,
    );
    let to = match who {
        domain::Actor::Staff { .. } => "/klinikk",
        _ => "/register",
    };
    Ok(cookies::redirect_setting(cookie, to))
}

pub async fn log_out(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    crate::logout::end(&state, &visitor, &headers, crate::logout::Whose::Staff).await
}
