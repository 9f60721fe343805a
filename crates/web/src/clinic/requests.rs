//! «Timeønsker»: the office's open requests for a time, oldest first, and each one's page,
//! where staff answer it: «Gi time» books a free slot of the request's timebook for the
//! patient, with the request's reason, through the booking core as the office (the desk's
//! slot picker and refusals), or «Svar» sends a reply the patient is told of. Only the staff
//! member's own clinic's requests; every patient shown is an audited view (the store's).

use super::desk::{Picker, PickerQuery, picker, refusal_message};
use super::places;
use crate::AppState;
use crate::failure::{Failure, Kind};
use crate::pages::{FieldError, Page, html};
use crate::portal::wish_text;
use crate::texts::{T, clock};
use crate::visitor::StaffMember;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{DomainError, MessageText, Refusal, SlotId};
use serde::Deserialize;
use store::{AppointmentRequest, RequestState, StoreError};

/// The patient's name as the clinic's list has it, or their number when they left it.
fn patient_name(request: &AppointmentRequest) -> String {
    match &request.name {
        Some((first, last)) => format!("{first} {last}"),
        None => request.patient.as_str().to_owned(),
    }
}

fn sent_at(state: &AppState, t: T, request: &AppointmentRequest) -> String {
    t.args(
        "date-time",
        &[
            ("date", &t.short_date(state.day_of(request.created_at))),
            ("time", &clock(request.created_at, &state.zone)),
        ],
    )
}

// --- The list ----------------------------------------------------------------------------------

/// One open request as the list shows it.
struct Line {
    id: i64,
    name: String,
    national_id: String,
    service: String,
    reason: String,
    wish: String,
    sent: String,
}

#[derive(Template)]
#[template(path = "staff_requests.html")]
struct ListPage {
    page: Page,
    notice: Option<String>,
    lines: Vec<Line>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    melding: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    staff: StaffMember,
    Query(query): Query<ListQuery>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let requests = state
        .store
        .clinic_requests(&staff.actor, staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let lines = requests
        .iter()
        .map(|request| Line {
            id: request.id,
            name: patient_name(request),
            national_id: request.patient.as_str().to_owned(),
            service: t.get(request.kind.service_label_message()),
            reason: request.reason.to_string(),
            wish: wish_text(t, &request.wish),
            sent: sent_at(&state, t, request),
        })
        .collect();
    let notice = match query.melding.as_deref() {
        Some("time") => Some(t.get("staff-request-booked-notice")),
        Some("svar") => Some(t.get("staff-request-replied-notice")),
        _ => None,
    };
    let page = ListPage {
        page: Page::staff(
            &staff.visitor,
            "staff-requests-title",
            "/klinikk/timeonsker",
        ),
        notice,
        lines,
    };
    Ok(html(&page).into_response())
}

// --- One request -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "staff_request.html")]
struct RequestPage {
    page: Page,
    errors: Vec<FieldError>,
    id: i64,
    name: String,
    national_id: String,
    service: String,
    reason: String,
    wish: String,
    sent: String,
    /// What became of it, when it is answered.
    answered: Option<String>,
    picker: Picker,
    problem: Option<String>,
    reply: String,
    reply_error: Option<String>,
}

/// What went wrong with an answer, to show on the request's page again.
#[derive(Default)]
struct Problem {
    message: Option<String>,
    reply: String,
    reply_error: Option<String>,
}

fn answered(state: &AppState, t: T, request: &AppointmentRequest) -> Option<String> {
    match request.state {
        RequestState::Open => None,
        RequestState::Booked => {
            let when = request
                .appointment
                .map(|(_, start)| {
                    t.args(
                        "date-time",
                        &[
                            ("date", &t.long_date(state.day_of(start))),
                            ("time", &clock(start, &state.zone)),
                        ],
                    )
                })
                .unwrap_or_default();
            Some(t.arg("request-state-booked", "when", &when))
        }
        RequestState::Replied | RequestState::AutomaticReply => {
            Some(t.get("staff-request-answered"))
        }
    }
}

async fn request_page(
    state: &AppState,
    staff: &StaffMember,
    id: i64,
    asked: PickerQuery,
    problem: Problem,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let request = state
        .store
        .clinic_request(&staff.actor, staff.clinic_id, id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let choices: Vec<_> = places(state, staff)
        .await?
        .into_iter()
        .filter(|place| place.timebook == request.timebook_id)
        .collect();
    // The picker starts at the first day that suits the patient.
    let asked = PickerQuery {
        dag: asked
            .dag
            .or_else(|| Some(request.wish.first_day().max(state.today()).to_string())),
        ..asked
    };
    let picker = picker(state, staff, &request.patient, &choices, &asked).await?;
    let mut errors = Vec::new();
    if picker.day_error.is_some() {
        errors.push(FieldError {
            field: "dag",
            label: t.get("desk-day"),
        });
    }
    if let Some(message) = &problem.reply_error {
        errors.push(FieldError {
            field: "svar",
            label: message.clone(),
        });
    }
    let status = if problem.message.is_some() || !errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = RequestPage {
        page: Page::staff(&staff.visitor, "staff-request-title", "/klinikk/timeonsker"),
        errors,
        id: request.id,
        name: patient_name(&request),
        national_id: request.patient.as_str().to_owned(),
        service: t.get(request.kind.service_label_message()),
        reason: request.reason.to_string(),
        wish: wish_text(t, &request.wish),
        sent: t.arg("request-sent-at", "when", &sent_at(state, t, &request)),
        answered: answered(state, t, &request),
        picker,
        problem: problem.message,
        reply: problem.reply,
        reply_error: problem.reply_error,
    };
    Ok((status, html(&page)).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
    Query(asked): Query<PickerQuery>,
) -> Result<Response, Failure> {
    request_page(&state, &staff, id, asked, Problem::default()).await
}

/// The message for a refused answer: one already answered, or the booking core's refusal.
fn refused(t: T, refusal: Refusal) -> String {
    t.get(match refusal {
        Refusal::Stale => "staff-request-answered",
        other => refusal_message(other),
    })
}

#[derive(Deserialize)]
pub struct GiveForm {
    time: Option<String>,
    sted: Option<String>,
    dag: Option<String>,
}

/// «Gi time»: the chosen slot booked for the patient through the booking core.
pub async fn give(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
    Form(form): Form<GiveForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let asked = PickerQuery {
        sted: form.sted,
        dag: form.dag,
    };
    let slot = form
        .time
        .as_deref()
        .and_then(|s| s.trim().parse::<i64>().ok());
    let Some(slot) = slot else {
        let problem = Problem {
            message: Some(t.get("staff-request-choose-slot")),
            ..Problem::default()
        };
        return request_page(&state, &staff, id, asked, problem).await;
    };
    match state
        .store
        .answer_with_appointment(&staff.caller(), staff.clinic_id, id, SlotId(slot))
        .await
    {
        Ok(_) => Ok(Redirect::to("/klinikk/timeonsker?melding=time").into_response()),
        Err(StoreError::Refused(refusal)) => {
            let problem = Problem {
                message: Some(refused(t, refusal)),
                ..Problem::default()
            };
            request_page(&state, &staff, id, asked, problem).await
        }
        Err(error) => Err(Failure::store(t, error)),
    }
}

#[derive(Deserialize)]
pub struct ReplyForm {
    svar: Option<String>,
}

fn reply_message(t: T, error: &DomainError) -> String {
    t.get(match error {
        DomainError::TextTooLong { .. } => "staff-request-reply-too-long",
        DomainError::TextEmpty(_) => "staff-request-reply-missing",
        other => crate::texts::text_refusal(other).unwrap_or("staff-request-reply-missing"),
    })
}

/// «Svar»: a reply the patient is told of; nothing is sent when it is empty or too long.
pub async fn reply(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let typed = form.svar.ok_or(Failure::new(t, Kind::BadRequest))?;
    let text = match MessageText::parse(&typed) {
        Ok(text) => text,
        Err(error) => {
            let problem = Problem {
                message: None,
                reply_error: Some(reply_message(t, &error)),
                reply: typed,
            };
            return request_page(&state, &staff, id, PickerQuery::default(), problem).await;
        }
    };
    match state
        .store
        .answer_with_reply(&staff.actor, staff.clinic_id, id, &text)
        .await
    {
        Ok(_) => Ok(Redirect::to("/klinikk/timeonsker?melding=svar").into_response()),
        Err(StoreError::Refused(refusal)) => {
            let problem = Problem {
                message: Some(refused(t, refusal)),
                reply: typed,
                reply_error: None,
            };
            request_page(&state, &staff, id, PickerQuery::default(), problem).await
        }
        Err(error) => Err(Failure::store(t, error)),
    }
}
