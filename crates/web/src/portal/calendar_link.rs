//! «Timeavtaler i kalenderen»: the patient switches on a secret link that their calendar app
//! subscribes to, makes a new one, or switches it off.
//!
//! Only a hash of the link's token is stored, as for sessions, so the link is shown once: in
//! the answer to the form that made it, never in an address (no history, no log). A patient
//! who lost it makes a new one, which ends the old.

use crate::AppState;
use crate::failure::{Failure, Kind};
use crate::pages::{Page, html};
use crate::tokens;
use crate::visitor::Patient;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The link as the patient adds it: to a calendar app by `webcal:` (which opens the app), or
/// copied as https.
pub struct NewLink {
    webcal: String,
    https: String,
}

impl NewLink {
    fn new(state: &AppState, token: &str) -> Self {
        let https = state
            .public_url
            .join(&format!("{}{token}.ics", super::calendar_feed::PREFIX));
        let webcal = match https.split_once("://") {
            Some((_, rest)) => format!("webcal://{rest}"),
            None => https.clone(),
        };
        Self { webcal, https }
    }
}

#[derive(Template)]
#[template(path = "calendar_link.html")]
struct LinkPage {
    page: Page,
    /// Which appointments the calendar shows.
    covers: String,
    /// «Den ble laget …» while a link is on.
    made: Option<String>,
    /// The link just made, shown this once.
    new_link: Option<NewLink>,
    revoked: bool,
}

#[derive(Deserialize)]
pub struct Notice {
    avslatt: Option<String>,
}

fn covers(patient: &Patient) -> String {
    patient.visitor.t.arg(
        "calendar-link-covers",
        "days",
        &store::CALENDAR_LINK_PAST_DAYS.to_string(),
    )
}

fn made(state: &AppState, patient: &Patient, link: &store::CalendarLink) -> String {
    let t = patient.visitor.t;
    t.arg(
        "calendar-link-on",
        "date",
        &t.long_date(state.day_of(link.created_at)),
    )
}

/// The page answers no cache: it may hold the secret link.
fn private(page: &LinkPage) -> Response {
    ([(CACHE_CONTROL, "no-store")], html(page)).into_response()
}

pub async fn show(
    State(state): State<AppState>,
    patient: Patient,
    Query(notice): Query<Notice>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let link = state
        .store
        .calendar_link(&patient.id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(private(&LinkPage {
        page: Page::new(&patient.visitor, "calendar-link-title"),
        covers: covers(&patient),
        made: link.as_ref().map(|l| made(&state, &patient, l)),
        new_link: None,
        revoked: notice.avslatt.is_some() && link.is_none(),
    }))
}

/// Switches the link on, or makes a new one in place of the old, and shows it.
pub async fn open(State(state): State<AppState>, patient: Patient) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let token = tokens::random().ok_or(Failure::new(t, Kind::Unavailable))?;
    let link = state
        .store
        .open_calendar_link(&patient.caller(), &tokens::hash(&token), t.code())
        .await
        .map_err(|e| Failure::store(t, e))?;
    // The language links come back to the page, not to this form's address.
    let mut visitor = patient.visitor.clone();
    visitor.path = "/timeavtaler/kalender".into();
    Ok(private(&LinkPage {
        page: Page::new(&visitor, "calendar-link-title"),
        covers: covers(&patient),
        made: Some(made(&state, &patient, &link)),
        new_link: Some(NewLink::new(&state, &token)),
        revoked: false,
    }))
}

pub async fn close(State(state): State<AppState>, patient: Patient) -> Result<Response, Failure> {
    state
        .store
        .close_calendar_link(&patient.caller())
        .await
        .map_err(|e| Failure::store(patient.visitor.t, e))?;
    Ok(Redirect::to("/timeavtaler/kalender?avslatt=1").into_response())
}
