//! «Be om time» (timeønske): in a timebook that takes requests, the patient — or someone
//! acting for them — writes what it is about and which days and times suit, and sends; the
//! office answers with an appointment or a reply. The request's page shows where it stands,
//! and «Timeavtaler» lists the patient's requests. A blocked patient gets the guide's
//! automatic reply at once. What a request is and how it is answered is the store's.

use super::refusals;
use super::waitlist::{DayBox, Problems, Typed, day_boxes, parse_wish};
use crate::AppState;
use crate::failure::Failure;
use crate::pages::{FieldError, Page, html};
use crate::portal::wish_text;
use crate::texts::{T, clock};
use crate::visitor::Patient;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{DomainError, Reason, TimebookId};
use serde::Deserialize;
use store::{AppointmentRequest, NewRequest, OfferedTimebook, RequestState, Sent, StoreError};

/// How many days a request's days that suit run when the patient names no last day.
const DEFAULT_DAYS: i32 = domain::DEFAULT_WAITLIST_DAYS;

/// Where the request form of a timebook is.
pub(crate) fn form_href(timebook: TimebookId) -> String {
    format!("/bestill/{timebook}/onske")
}

// --- The form -----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "request_form.html")]
struct FormPage {
    page: Page,
    timebook_id: i64,
    service: String,
    errors: Vec<FieldError>,
    reason: String,
    reason_error: Option<String>,
    counter: String,
    counter_template: String,
    days: Vec<DayBox>,
    typed: Typed,
    days_hint: String,
    weekdays_error: Option<String>,
    time_error: Option<String>,
    dates_error: Option<String>,
    /// «Velg time», where the timebook lets patients pick a slot too.
    back_href: Option<String>,
}

fn form_page(
    patient: &Patient,
    offered: &OfferedTimebook,
    slots_too: bool,
    (reason, typed): (String, Typed),
) -> FormPage {
    let t = patient.visitor.t;
    let count = domain::count_characters(reason.trim()).to_string();
    FormPage {
        page: Page::new(&patient.visitor, "request-title"),
        timebook_id: offered.timebook.id.0,
        service: t.arg(
            "request-service",
            "service",
            &t.get(offered.timebook.kind.service_label_message()),
        ),
        errors: Vec::new(),
        reason,
        reason_error: None,
        counter: t.arg("review-reason-counter", "count", &count),
        counter_template: t.arg("review-reason-counter", "count", "{count}"),
        days: day_boxes(t, &typed),
        typed,
        days_hint: t.arg("request-days-hint", "days", &DEFAULT_DAYS.to_string()),
        weekdays_error: None,
        time_error: None,
        dates_error: None,
        back_href: slots_too.then(|| format!("/bestill/{}", offered.timebook.id)),
    }
}

/// The form again, as typed, with what is wrong with each part.
fn refused_page(
    mut page: FormPage,
    t: T,
    reason_error: Option<&'static str>,
    problems: &Problems,
) -> FormPage {
    // The period's limit is the request's own, not the waitlist's.
    let dates = problems.dates.map(|key| match key {
        "waitlist-error-too-long" => "request-error-too-long",
        other => other,
    });
    let parts = [
        (
            reason_error,
            "reason",
            "review-reason-label",
            &mut page.reason_error,
        ),
        (
            problems.weekdays,
            "dag-1",
            "waitlist-weekdays",
            &mut page.weekdays_error,
        ),
        (
            problems.time,
            "fra",
            "waitlist-time-legend",
            &mut page.time_error,
        ),
        (
            dates,
            "forste",
            "waitlist-days-legend",
            &mut page.dates_error,
        ),
    ];
    for (key, field, label, message) in parts {
        if let Some(key) = key {
            *message = Some(t.get(key));
            page.errors.push(FieldError {
                field,
                label: format!("{}: {}", t.get(label), t.get(key)),
            });
        }
    }
    page
}

/// The timebook offered to the patient and whether it takes slot picking too, or the answer:
/// the booking core's refusal, or «Velg time» for a timebook that takes no requests.
async fn offered(
    state: &AppState,
    patient: &Patient,
    timebook: i64,
) -> Result<Result<(OfferedTimebook, bool), Response>, Failure> {
    let t = patient.visitor.t;
    let offered = match state
        .store
        .offered_timebook(&patient.caller(), &patient.id, TimebookId(timebook))
        .await
    {
        Ok(offered) => offered,
        Err(StoreError::Refused(refusal)) => {
            return refusals::respond(patient, refusal, None).map(Err);
        }
        Err(error) => return Err(Failure::store(t, error)),
    };
    let mode = state
        .store
        .booking_mode(offered.timebook.id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    if !mode.takes_requests() {
        return Ok(Err(
            Redirect::to(&format!("/bestill/{timebook}")).into_response()
        ));
    }
    Ok(Ok((offered, mode.takes_slots())))
}

pub async fn form(
    State(state): State<AppState>,
    patient: Patient,
    Path(timebook): Path<i64>,
) -> Result<Response, Failure> {
    let (offered, slots_too) = match offered(&state, &patient, timebook).await? {
        Ok(offered) => offered,
        Err(answer) => return Ok(answer),
    };
    let page = form_page(
        &patient,
        &offered,
        slots_too,
        (String::new(), Typed::weekdays()),
    );
    Ok(html(&page).into_response())
}

fn reason_problem(error: &DomainError) -> &'static str {
    match error {
        DomainError::TextTooLong { .. } => "review-reason-too-long",
        other => crate::texts::text_refusal(other).unwrap_or("review-reason-missing"),
    }
}

pub async fn send(
    State(state): State<AppState>,
    patient: Patient,
    Path(timebook): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let (offered, slots_too) = match offered(&state, &patient, timebook).await? {
        Ok(offered) => offered,
        Err(answer) => return Ok(answer),
    };
    let typed_reason = pairs
        .iter()
        .find(|(key, _)| key == "reason")
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    let typed = Typed::read(&pairs);
    let reason = Reason::parse(&typed_reason);
    let wish = parse_wish(&typed, state.today(), Problems::default());
    let (reason, wish) = match (reason, wish) {
        (Ok(reason), Ok(wish)) => (reason, wish),
        (reason, wish) => {
            let reason_error = reason.err().as_ref().map(reason_problem);
            let problems = wish.err().unwrap_or_default();
            let page = form_page(&patient, &offered, slots_too, (typed_reason, typed));
            let page = refused_page(page, t, reason_error, &problems);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
        }
    };
    let request = NewRequest {
        timebook: offered.timebook.id,
        reason,
        wish,
    };
    match state
        .store
        .send_request(&patient.caller(), &patient.id, &request)
        .await
    {
        Ok(Sent::Open(id) | Sent::AutomaticReply(id)) => {
            Ok(Redirect::to(&format!("/timeonsker/{id}?sendt=ja")).into_response())
        }
        Err(StoreError::Refused(refusal)) => refusals::respond(&patient, refusal, None),
        Err(error) => Err(Failure::store(t, error)),
    }
}

// --- Where a request stands --------------------------------------------------------------------

/// A request as its page and «Timeavtaler» show it.
pub struct RequestView {
    pub id: i64,
    pub title: String,
    pub reason: String,
    pub wish: String,
    pub sent: String,
    /// Where it stands, in words.
    pub state: String,
    /// The guide's second sentence of the automatic reply, after `state`.
    pub contact: Option<String>,
    /// The office's reply, and its thread when the reader may open «Meldinger».
    pub reply: Option<(String, Option<i64>)>,
}

fn view(state: &AppState, patient: &Patient, request: &AppointmentRequest) -> RequestView {
    let t = patient.visitor.t;
    let when = |at: jiff::Timestamp| {
        t.args(
            "date-time",
            &[
                ("date", &t.long_date(state.day_of(at))),
                ("time", &clock(at, &state.zone)),
            ],
        )
    };
    let (status, contact) = match request.state {
        RequestState::Open => (t.get("request-state-open"), None),
        RequestState::Booked => {
            let at = request.appointment.map(|(_, start)| when(start));
            (
                t.arg("request-state-booked", "when", &at.unwrap_or_default()),
                None,
            )
        }
        RequestState::Replied => (t.get("request-state-replied"), None),
        RequestState::AutomaticReply => (
            t.get("message-blocked-reply"),
            Some(t.get("message-blocked-contact")),
        ),
    };
    RequestView {
        id: request.id,
        title: t.args(
            "request-item-title",
            &[
                ("service", &t.get(request.kind.service_label_message())),
                ("clinic", request.clinic_name.as_str()),
            ],
        ),
        reason: t.arg("request-reason", "reason", request.reason.as_str()),
        wish: wish_text(t, &request.wish),
        sent: t.arg("request-sent-at", "when", &when(request.created_at)),
        state: status,
        contact,
        reply: request.reply.as_ref().map(|(thread, text)| {
            (
                text.to_string(),
                patient.may_use_messages().then_some(thread.0),
            )
        }),
    }
}

/// The patient's requests for «Timeavtaler», the latest first.
pub(crate) async fn views(
    state: &AppState,
    patient: &Patient,
) -> Result<Vec<RequestView>, Failure> {
    let requests = state
        .store
        .patient_requests(&patient.id)
        .await
        .map_err(|e| Failure::store(patient.visitor.t, e))?;
    Ok(requests.iter().map(|r| view(state, patient, r)).collect())
}

#[derive(Template)]
#[template(path = "request_status.html")]
struct StatusPage {
    page: Page,
    /// Just sent: the page is the receipt.
    sent: bool,
    request: RequestView,
}

#[derive(Deserialize, Default)]
pub struct StatusQuery {
    sendt: Option<String>,
}

/// The patient's own request; anyone else's is not found.
pub async fn show(
    State(state): State<AppState>,
    patient: Patient,
    Path(id): Path<i64>,
    Query(query): Query<StatusQuery>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let request = state
        .store
        .patient_request(&patient.id, id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let sent = query.sendt.is_some();
    let title = if sent {
        "request-sent-title"
    } else {
        "request-status-title"
    };
    let page = StatusPage {
        page: Page::new(&patient.visitor, title),
        sent,
        request: view(&state, &patient, &request),
    };
    Ok(html(&page).into_response())
}
