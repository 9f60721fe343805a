//! «Oversikt»: today's and the next six days' appointments, with cancelling (the patient is
//! notified as «avlyst av tjenesten») and marking fulfilled or no-show.

use crate::AppState;
use crate::failure::{Failure, Kind};
use crate::pages::{Page, html};
use crate::texts::clock;
use crate::visitor::StaffMember;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{AppointmentId, AppointmentStatus, CancelReason, Refusal};
use serde::Deserialize;
use store::{CancelRequest, StoreError};

pub struct Row {
    id: i64,
    time: String,
    patient: String,
    what: String,
    reason: String,
    status: String,
    booked: bool,
    describe: String,
}

pub struct DayList {
    label: String,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    page: Page,
    notice: Option<String>,
    days: Vec<DayList>,
}

#[derive(Deserialize)]
pub struct Notice {
    melding: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    staff: StaffMember,
    Query(notice): Query<Notice>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let today = state.today();
    let last = today
        .checked_add(jiff::Span::new().days(6))
        .unwrap_or(today);
    let appointments = state
        .store
        .clinic_appointments(&staff.actor, staff.clinic_id, today, last)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let mut days = Vec::new();
    let mut day = today;
    while day <= last {
        let rows = appointments
            .iter()
            .filter(|a| state.day_of(a.start) == day)
            .map(|a| {
                let patient = format!("{} {}", a.first_name, a.last_name);
                let time = t.time_range(a.start, a.length.end_from(a.start), &state.zone);
                Row {
                    id: a.id.0,
                    describe: format!("{} {}", clock(a.start, &state.zone), patient),
                    time,
                    patient,
                    what: format!(
                        "{}, {}",
                        t.get(a.kind.service_label_message()),
                        a.resource_name
                    ),
                    reason: a.reason.to_string(),
                    status: t.get(&format!("appointments-status-{}", a.status.code())),
                    booked: a.status == AppointmentStatus::Booked,
                }
            })
            .collect();
        days.push(DayList {
            label: t.long_date(day),
            rows,
        });
        day = match day.tomorrow() {
            Ok(next) => next,
            Err(_) => break,
        };
    }
    let notice = match notice.melding.as_deref() {
        Some("avlyst") => Some(t.get("overview-cancelled")),
        Some("lagret") => Some(t.get("overview-outcome-saved")),
        Some("ikke-bestilt") => Some(t.get("overview-not-booked")),
        Some("begrunnelse") => Some(t.get("overview-reason-missing")),
        _ => None,
    };
    let page = OverviewPage {
        page: Page::staff(&staff.visitor, "overview-title", "/klinikk"),
        notice,
        days,
    };
    Ok(html(&page).into_response())
}

#[derive(Deserialize)]
pub struct CancelForm {
    begrunnelse: Option<String>,
    /// `avtale` when the form was on the appointment's own page, which it then returns to.
    tilbake: Option<String>,
}

pub async fn cancel(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
    Form(form): Form<CancelForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let back = |code: &str| {
        let to = if form.tilbake.as_deref() == Some("avtale") {
            format!("/klinikk/timeavtaler/{id}?melding={code}")
        } else {
            format!("/klinikk?melding={code}")
        };
        Ok(Redirect::to(&to).into_response())
    };
    let Ok(reason) = CancelReason::parse(form.begrunnelse.as_deref().unwrap_or_default()) else {
        return back("begrunnelse");
    };
    let request = CancelRequest {
        appointment: AppointmentId(id),
        reason: Some(reason),
        version: None,
    };
    match state.store.cancel(&staff.caller(), &request).await {
        Ok(_) => back("avlyst"),
        Err(StoreError::Refused(Refusal::NotBooked)) => back("ikke-bestilt"),
        Err(error) => Err(Failure::store(t, error)),
    }
}

#[derive(Deserialize)]
pub struct OutcomeForm {
    utfall: Option<String>,
}

pub async fn outcome(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
    Form(form): Form<OutcomeForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let outcome = match form.utfall.as_deref() {
        Some("fulfilled") => AppointmentStatus::Fulfilled,
        Some("no_show") => AppointmentStatus::NoShow,
        _ => return Err(Failure::new(t, Kind::BadRequest)),
    };
    match state
        .store
        .set_appointment_outcome(&staff.actor, staff.clinic_id, AppointmentId(id), outcome)
        .await
    {
        Ok(_) => Ok(Redirect::to("/klinikk?melding=lagret").into_response()),
        Err(StoreError::Refused(Refusal::NotBooked)) => {
            Ok(Redirect::to("/klinikk?melding=ikke-bestilt").into_response())
        }
        Err(error) => Err(Failure::store(t, error)),
    }
}
