//! One appointment at the desk: who, when, where and why; moving it to another slot of its
//! timebook (the core's move: one transaction, one «endret time» notice) and cancelling it.

use super::desk::{Picker, PickerQuery, own_patient, picker, refusal_message};
use super::places;
use crate::AppState;
use crate::failure::{Failure, Kind};
use crate::pages::{FieldError, Page, html};
use crate::visitor::StaffMember;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{AppointmentId, AppointmentStatus, AuditAction, SlotId};
use serde::Deserialize;
use store::{MoveRequest, StoreError};

#[derive(Template)]
#[template(path = "staff_appointment.html")]
struct AppointmentPage {
    page: Page,
    errors: Vec<FieldError>,
    notice: Option<String>,
    problem: Option<String>,
    id: i64,
    version: i64,
    name: String,
    national_id: String,
    blocked: bool,
    when: String,
    what: String,
    reason: String,
    status: String,
    cancel_reason: Option<String>,
    booked: bool,
    picker: Option<Picker>,
    week_href: String,
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    melding: Option<String>,
    sted: Option<String>,
    dag: Option<String>,
}

/// What a `melding` the page was sent back with says, and whether it is a problem.
fn message(code: Option<&str>) -> Option<(&'static str, bool)> {
    Some(match code? {
        "bestilt" => ("desk-booked", false),
        "flyttet" => ("desk-moved", false),
        "avlyst" => ("overview-cancelled", false),
        "velg-time" => ("desk-choose-slot", true),
        "begrunnelse" => ("overview-reason-missing", true),
        "opptatt" => ("desk-refused-taken", true),
        "endret" => ("desk-refused-stale", true),
        "ikke-bestilt" => ("desk-refused-not-booked", true),
        "begynt" => ("desk-refused-started", true),
        "ukjent" => ("desk-refused-unknown", true),
        _ => return None,
    })
}

/// The `melding` a refusal of the move is shown with.
fn refusal_code(refusal: domain::Refusal) -> &'static str {
    match refusal_message(refusal) {
        "desk-refused-taken" => "opptatt",
        "desk-refused-stale" => "endret",
        "desk-refused-not-booked" => "ikke-bestilt",
        "desk-refused-started" => "begynt",
        _ => "ukjent",
    }
}

pub async fn show(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let record = clinic_appointment(&state, &staff, AppointmentId(id)).await?;
    let patient = &record.patient;
    state
        .store
        .record_view(
            &staff.actor,
            staff.clinic_id,
            patient,
            AuditAction::AppointmentViewed,
            &format!("appointment:{id}"),
        )
        .await
        .map_err(|e| Failure::store(t, e))?;
    let (name, blocked) = patient_name(&state, &staff, patient).await?;
    let all = places(&state, &staff).await?;
    let what = all
        .iter()
        .find(|p| p.id == record.resource_id)
        .map(|p| p.label.clone())
        .unwrap_or_default();
    let booked = record.status == AppointmentStatus::Booked;
    let picker = if booked && record.start > state.now() {
        Some(move_picker(&state, &staff, &record, all, &query).await?)
    } else {
        None
    };
    let mut errors = Vec::new();
    if picker.as_ref().is_some_and(|p| p.day_error.is_some()) {
        errors.push(FieldError {
            field: "dag",
            label: t.get("desk-day"),
        });
    }
    let (notice, problem) = match message(query.melding.as_deref()) {
        Some((key, true)) => (None, Some(t.get(key))),
        Some(("desk-booked", false))
            if !crate::notices::confirms_booking(
                &state,
                t,
                record.clinic_id,
                record.timebook_id,
            )
            .await? =>
        {
            (Some(t.get("desk-booked-unconfirmed")), None)
        }
        Some((key, false)) => (Some(t.get(key)), None),
        None => (None, None),
    };
    let page = AppointmentPage {
        page: Page::staff(&staff.visitor, "desk-appointment-title", "/klinikk"),
        errors,
        notice,
        problem,
        id,
        version: record.version,
        name,
        national_id: patient.as_str().to_owned(),
        blocked,
        when: t.date_time_range(
            record.start,
            record.length.end_from(record.start),
            &state.zone,
        ),
        what,
        reason: record.reason.to_string(),
        status: t.get(&format!("appointments-status-{}", record.status.code())),
        cancel_reason: record.cancel_reason.map(|r| r.to_string()),
        booked,
        picker,
        week_href: format!(
            "/klinikk/uke?sted={}&uke={}",
            record.resource_id.0,
            state.day_of(record.start)
        ),
    };
    Ok(html(&page).into_response())
}

/// Where a booked appointment may move: the free slots of its own timebook's places, from its
/// own place and day unless others are asked for.
async fn move_picker(
    state: &AppState,
    staff: &StaffMember,
    record: &store::AppointmentRecord,
    all: Vec<super::Place>,
    query: &ShowQuery,
) -> Result<Picker, Failure> {
    let same_timebook: Vec<_> = all
        .into_iter()
        .filter(|p| p.timebook == record.timebook_id)
        .collect();
    let asked = PickerQuery {
        sted: query
            .sted
            .clone()
            .or_else(|| Some(record.resource_id.0.to_string())),
        dag: query
            .dag
            .clone()
            .or_else(|| Some(state.day_of(record.start).to_string())),
    };
    picker(state, staff, &record.patient, &same_timebook, &asked).await
}

/// One of the clinic's appointments; not found for any other.
async fn clinic_appointment(
    state: &AppState,
    staff: &StaffMember,
    id: AppointmentId,
) -> Result<store::AppointmentRecord, Failure> {
    let t = staff.visitor.t;
    match state.store.appointment_for(&staff.caller(), id).await {
        Ok(record) => Ok(record),
        Err(StoreError::NotFound(_) | StoreError::Refused(_)) => {
            Err(Failure::new(t, Kind::NotFound))
        }
        Err(error) => Err(Failure::store(t, error)),
    }
}

/// The patient's name, and whether the clinic has blocked them.
async fn patient_name(
    state: &AppState,
    staff: &StaffMember,
    patient: &domain::NationalId,
) -> Result<(String, bool), Failure> {
    if let Some(found) = own_patient(state, staff, patient).await? {
        let name = format!("{} {}", found.patient.first_name, found.patient.last_name);
        return Ok((name, found.blocked));
    }
    // The patient has left the clinic's list since; the appointment is still the clinic's.
    let name = state
        .store
        .patient(patient)
        .await
        .map_err(|e| Failure::store(staff.visitor.t, e))?
        .map(|p| format!("{} {}", p.first_name, p.last_name))
        .unwrap_or_default();
    Ok((name, false))
}

#[derive(Deserialize)]
pub struct MoveForm {
    time: Option<String>,
    versjon: Option<String>,
}

pub async fn move_to(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let back = |code: &str| {
        Ok(Redirect::to(&format!("/klinikk/timeavtaler/{id}?melding={code}")).into_response())
    };
    let Some(slot) = form
        .time
        .as_deref()
        .and_then(|s| s.trim().parse::<i64>().ok())
    else {
        // Only for an appointment of the clinic: nothing tells another clinic's apart.
        clinic_appointment(&state, &staff, AppointmentId(id)).await?;
        return back("velg-time");
    };
    let version = form
        .versjon
        .as_deref()
        .and_then(|v| v.trim().parse::<i64>().ok());
    let request = MoveRequest {
        appointment: AppointmentId(id),
        to: SlotId(slot),
        hold: None,
        version,
    };
    match state
        .store
        .move_appointment(&staff.caller(), &request)
        .await
    {
        Ok(_) => back("flyttet"),
        Err(StoreError::Refused(
            domain::Refusal::UnknownAppointment | domain::Refusal::NotInReach,
        )) => Err(Failure::new(t, Kind::NotFound)),
        Err(StoreError::Refused(refusal)) => back(refusal_code(refusal)),
        Err(error) => Err(Failure::store(t, error)),
    }
}
