//! «Timeavtaler»: the patient's upcoming and past appointments, cancelling, and calendar files.

use super::refusals;
use crate::AppState;
use crate::failure::Failure;
use crate::pages::{Page, html};
use crate::texts::{T, clock};
use crate::visitor::Patient;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{AppointmentId, AppointmentStatus};
use jiff::Timestamp;
use serde::Deserialize;
use store::{CancelRequest, PlannedAppointment, StoreError};

pub struct AppointmentView {
    pub id: i64,
    pub timebook_id: i64,
    pub title: String,
    pub when: String,
    pub place: String,
    pub reason: String,
    pub status: String,
    pub cancellable: bool,
    pub cancel_note: String,
}

/// «Time til vaksine hos Helsenorge testlegekontor».
pub fn title(t: T, appointment: &PlannedAppointment) -> String {
    t.arg(
        appointment.kind.title_message(),
        "clinic",
        appointment.clinic_name.as_str(),
    )
}

fn view(state: &AppState, t: T, a: &PlannedAppointment, now: Timestamp) -> AppointmentView {
    let deadline = a.cancel_until.to_zoned_datetime(state.zone.clone());
    let deadline = t.args(
        "date-time",
        &[
            ("date", &t.long_date(deadline.date())),
            ("time", &clock(a.cancel_until, &state.zone)),
        ],
    );
    AppointmentView {
        id: a.id.0,
        timebook_id: a.timebook_id.0,
        title: title(t, a),
        when: t.date_time_range(a.start, a.end(), &state.zone),
        place: t.arg("appointments-where", "address", a.address.as_str()),
        reason: t.arg("appointments-reason", "reason", a.reason.as_str()),
        status: t.get(&format!("appointments-status-{}", a.status.code())),
        cancellable: a.status == AppointmentStatus::Booked && now <= a.cancel_until,
        cancel_note: t.arg("appointments-cancel-until", "deadline", &deadline),
    }
}

#[derive(Template)]
#[template(path = "appointments.html")]
struct AppointmentsPage {
    page: Page,
    notice: Option<String>,
    upcoming: Vec<AppointmentView>,
    past: Vec<AppointmentView>,
    waitlist: Vec<super::waitlist::EntryView>,
    requests: Vec<super::requests::RequestView>,
}

#[derive(Deserialize)]
pub struct Notice {
    avbestilt: Option<String>,
    /// What became of the patient's waitlist: joined, already on it, left, an offer declined.
    venteliste: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    patient: Patient,
    Query(notice): Query<Notice>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let history = state
        .store
        .appointment_history(&patient.id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let now = state.now();
    let (mut upcoming, past): (Vec<_>, Vec<_>) = history
        .iter()
        .partition(|a| a.status == AppointmentStatus::Booked && a.end() > now);
    upcoming.reverse();
    let waitlist = super::waitlist::entries(&state, &patient).await?;
    let requests = super::requests::views(&state, &patient).await?;
    let page = AppointmentsPage {
        page: Page::new(&patient.visitor, "appointments-title"),
        notice: notice
            .avbestilt
            .map(|_| t.get("appointments-cancelled-notice"))
            .or_else(|| super::waitlist::notice(notice.venteliste.as_deref()).map(|k| t.get(k))),
        waitlist,
        requests,
        upcoming: upcoming
            .into_iter()
            .map(|a| view(&state, t, a, now))
            .collect(),
        past: past.into_iter().map(|a| view(&state, t, a, now)).collect(),
    };
    Ok(html(&page).into_response())
}

pub async fn cancel(
    State(state): State<AppState>,
    patient: Patient,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let request = CancelRequest {
        appointment: AppointmentId(id),
        reason: None,
        version: None,
    };
    match state.store.cancel(&patient.caller(), &request).await {
        Ok(_) => Ok(Redirect::to("/timeavtaler?avbestilt=1").into_response()),
        Err(StoreError::Refused(refusal)) => refusals::respond(&patient, refusal, None),
        Err(error) => Err(Failure::store(patient.visitor.t, error)),
    }
}

/// One of the patient's own appointments; any other is "not found".
pub async fn own_appointment(
    state: &AppState,
    patient: &Patient,
    id: AppointmentId,
) -> Result<PlannedAppointment, Failure> {
    let t = patient.visitor.t;
    match state.store.patient_appointment(&patient.id, id).await {
        Err(StoreError::NotFound(_)) => Err(Failure::new(t, crate::failure::Kind::NotFound)),
        found => found.map_err(|e| Failure::store(t, e)),
    }
}

pub async fn calendar_file(
    State(state): State<AppState>,
    patient: Patient,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let appointment = own_appointment(&state, &patient, AppointmentId(id)).await?;
    let summary = title(t, &appointment);
    let file = appointment.calendar_file(&summary, state.now(), &state.zone);
    let headers = [
        (CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()),
        (
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"time-{id}.ics\""),
        ),
    ];
    Ok((headers, file).into_response())
}
