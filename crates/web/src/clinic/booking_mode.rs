//! «Bestilling for pasienter» in «Timebøker»: whether a timebook's patients pick a free slot
//! themself, send a request for a time (timeønske) that the office answers, or either.

use crate::AppState;
use crate::failure::{Failure, Kind};
use crate::texts::T;
use crate::visitor::StaffMember;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{BookingMode, TimebookId};
use serde::Deserialize;

/// One of the modes as a radio button shows it.
pub struct ModeChoice {
    pub code: &'static str,
    pub label: String,
    pub chosen: bool,
}

fn label_key(mode: BookingMode) -> &'static str {
    match mode {
        BookingMode::Slots => "timebooks-mode-slots",
        BookingMode::Requests => "timebooks-mode-requests",
        BookingMode::Both => "timebooks-mode-both",
    }
}

/// The modes for the timebook's form, its saved one chosen.
pub async fn choices(
    state: &AppState,
    t: T,
    timebook: TimebookId,
) -> Result<Vec<ModeChoice>, Failure> {
    let saved = state
        .store
        .booking_mode(timebook)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(BookingMode::ALL
        .into_iter()
        .map(|mode| ModeChoice {
            code: mode.code(),
            label: t.get(label_key(mode)),
            chosen: mode == saved,
        })
        .collect())
}

#[derive(Deserialize)]
pub struct ModeForm {
    mate: Option<String>,
}

/// Saves the mode of one of the clinic's own timebooks; a mode that is none of the three is a
/// bad request, as only a hand-made form sends one.
pub async fn save(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
    Form(form): Form<ModeForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let timebook = super::timebooks::own(&state, &staff, id).await?;
    let mode = BookingMode::parse(form.mate.as_deref().unwrap_or_default().trim())
        .map_err(|_| Failure::new(t, Kind::BadRequest))?;
    state
        .store
        .set_booking_mode(&staff.actor, staff.clinic_id, timebook.id, mode)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to("/klinikk/timeboker?melding=bestillingsmate").into_response())
}
