//! The desk: staff find a patient who phones on the clinic's own list and book them, through
//! the booking core under the office's rules: inside the patients' minimum notice and past a
//! block (with a warning), never over a slot's places. A fødselsnummer travels in form bodies
//! only, never in an address a log could keep.

use super::{Place, PlaceOption, chosen_place, place_options, places};
use crate::AppState;
use crate::failure::{Failure, Kind};
use crate::pages::{FieldError, Page, html};
use crate::texts::T;
use crate::visitor::StaffMember;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{AppointmentStatus, AuditAction, NationalId, PatientSearch, Reason, Refusal, SlotId};
use serde::Deserialize;
use store::{BookRequest, CalendarRequest, FoundPatient, StoreError};

/// The most patients one search lists: a name that matches more needs another word.
const MOST_FOUND: u32 = 20;

/// How far ahead of the day asked for the picker looks for a free day.
const PICKER_DAYS: i64 = 13;

/// What the desk says when the booking core refuses: one table for booking and moving.
pub fn refusal_message(refusal: Refusal) -> &'static str {
    match refusal {
        Refusal::Taken | Refusal::HoldLost => "desk-refused-taken",
        Refusal::AlreadyBooked => "desk-refused-already-booked",
        Refusal::OutsideWindow => "desk-refused-started",
        Refusal::ServiceOff => "desk-refused-service-off",
        Refusal::NotOnList => "desk-not-on-list",
        Refusal::TypeDoesNotFit => "desk-refused-type",
        Refusal::Stale => "desk-refused-stale",
        Refusal::NotBooked | Refusal::DeadlinePassed => "desk-refused-not-booked",
        Refusal::OtherTimebook => "desk-refused-other-timebook",
        // For the office, out of reach is only ever another clinic's slot.
        Refusal::UnknownSlot
        | Refusal::NotInReach
        | Refusal::UnknownAppointment
        | Refusal::KeyReused
        | Refusal::Blocked
        | Refusal::NotTheirPractitioner
        | Refusal::OverLimit => "desk-refused-unknown",
    }
}

pub struct SlotOption {
    pub id: i64,
    pub label: String,
}

/// «Ledige timer»: a place and a day chosen, and that day's free slots for the patient.
pub struct Picker {
    pub places: Vec<PlaceOption>,
    /// The day asked for, as the date field holds it.
    pub day: String,
    /// The day whose slots are shown (the first free one from the day asked for), in words.
    pub shown_day: Option<String>,
    pub slots: Vec<SlotOption>,
    /// Why there are no slots to choose from, when the core says why.
    pub note: Option<String>,
    pub day_error: Option<String>,
}

/// What the picker was asked for, as typed.
#[derive(Deserialize, Default, Clone)]
pub struct PickerQuery {
    pub sted: Option<String>,
    pub dag: Option<String>,
}

/// The picker for `patient` among `choices`: the free slots the office may book for them,
/// as the booking core lists them for its caller.
pub async fn picker(
    state: &AppState,
    staff: &StaffMember,
    patient: &NationalId,
    choices: &[Place],
    asked: &PickerQuery,
) -> Result<Picker, Failure> {
    let t = staff.visitor.t;
    let today = state.today();
    let place = chosen_place(choices, asked.sted.as_deref());
    let typed_day = asked.dag.as_deref().map(str::trim).unwrap_or_default();
    let (day, day_error) = if typed_day.is_empty() {
        (today, None)
    } else {
        match typed_day.parse::<jiff::civil::Date>() {
            Ok(day) => (day.max(today), None),
            Err(_) => (today, Some(t.get("desk-day-invalid"))),
        }
    };
    let mut picker = Picker {
        places: place_options(choices, place),
        day: day.to_string(),
        shown_day: None,
        slots: Vec::new(),
        note: None,
        day_error,
    };
    let Some(place) = place else {
        picker.note = Some(t.get("desk-no-places"));
        return Ok(picker);
    };
    let last = day
        .checked_add(jiff::Span::new().days(PICKER_DAYS))
        .unwrap_or(day);
    let request = CalendarRequest {
        appointment_type: None,
        place: Some(place.id),
        dates: Some((day, last)),
        day: Some(day),
    };
    match state
        .store
        .calendar(&staff.caller(), patient, place.timebook, request)
        .await
    {
        Ok(calendar) => {
            if let Some(shown) = calendar.day {
                picker.shown_day = Some(t.long_date(shown));
            } else {
                picker.note = Some(t.arg("desk-no-free-days", "date", &t.long_date(last)));
            }
            picker.slots = calendar
                .slots
                .iter()
                .map(|slot| SlotOption {
                    id: slot.id.0,
                    label: slot_label(t, state, slot.start, slot.end(), slot.places_left),
                })
                .collect();
        }
        Err(StoreError::Refused(refusal)) => picker.note = Some(t.get(refusal_message(refusal))),
        Err(error) => return Err(Failure::store(t, error)),
    }
    Ok(picker)
}

/// «10:00–10:15», with the places left when more than one is.
pub fn slot_label(
    t: T,
    state: &AppState,
    start: jiff::Timestamp,
    end: jiff::Timestamp,
    places_left: u16,
) -> String {
    let time = t.time_range(start, end, &state.zone);
    if places_left > 1 {
        format!(
            "{time} ({})",
            t.arg("desk-places-left", "count", &places_left.to_string())
        )
    } else {
        time
    }
}

/// The patient on the clinic's own list, with whether it blocked them; `None` for anyone
/// else, whether another office has them or nobody does. An audited access.
pub async fn own_patient(
    state: &AppState,
    staff: &StaffMember,
    patient: &NationalId,
) -> Result<Option<FoundPatient>, Failure> {
    Ok(state
        .store
        .find_patients(
            &staff.actor,
            staff.clinic_id,
            &PatientSearch::NationalId(patient.clone()),
            1,
        )
        .await
        .map_err(|e| Failure::store(staff.visitor.t, e))?
        .into_iter()
        .next())
}

// --- «Finn pasient» ----------------------------------------------------------------------------

pub struct FoundRow {
    name: String,
    national_id: String,
    blocked: bool,
}

#[derive(Template)]
#[template(path = "desk_search.html")]
struct SearchPage {
    page: Page,
    errors: Vec<FieldError>,
    search_error: Option<String>,
    typed: String,
    results: Option<Vec<FoundRow>>,
    more: bool,
}

fn search_page(staff: &StaffMember) -> SearchPage {
    SearchPage {
        page: Page::staff(&staff.visitor, "desk-search-title", "/klinikk/pasienter"),
        errors: Vec::new(),
        search_error: None,
        typed: String::new(),
        results: None,
        more: false,
    }
}

pub async fn search_form(staff: StaffMember) -> Response {
    html(&search_page(&staff)).into_response()
}

#[derive(Deserialize)]
pub struct SearchForm {
    sok: Option<String>,
}

pub async fn search(
    State(state): State<AppState>,
    staff: StaffMember,
    Form(form): Form<SearchForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let typed = form.sok.unwrap_or_default();
    let mut page = search_page(&staff);
    let search = match PatientSearch::parse(&typed, state.id_policy) {
        Ok(search) => search,
        Err(error) => {
            let key = match error {
                domain::DomainError::TooManyWords { .. } => "desk-search-too-many-words",
                domain::DomainError::TextEmpty(_) => "desk-search-empty",
                domain::DomainError::NationalIdFormat
                | domain::DomainError::NationalIdChecksum
                | domain::DomainError::NationalIdDate
                | domain::DomainError::SyntheticIdRefused => "desk-search-invalid-id",
                other => crate::texts::text_refusal(&other).unwrap_or("desk-search-invalid"),
            };
            page.search_error = Some(t.get(key));
            page.errors.push(FieldError {
                field: "sok",
                label: t.get("desk-search-label"),
            });
            page.typed = typed;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
        }
    };
    let found = state
        .store
        .find_patients(&staff.actor, staff.clinic_id, &search, MOST_FOUND + 1)
        .await
        .map_err(|e| Failure::store(t, e))?;
    // A fødselsnummer names one patient: straight to them.
    if let (PatientSearch::NationalId(_), [one]) = (&search, found.as_slice()) {
        return patient_page(&state, &staff, one, &PickerQuery::default(), None).await;
    }
    page.more = found.len() > MOST_FOUND as usize;
    page.results = Some(
        found
            .into_iter()
            .take(MOST_FOUND as usize)
            .map(|f| FoundRow {
                name: format!("{} {}", f.patient.first_name, f.patient.last_name),
                national_id: f.patient.national_id.as_str().to_owned(),
                blocked: f.blocked,
            })
            .collect(),
    );
    page.typed = typed;
    Ok(html(&page).into_response())
}

// --- The patient's page ------------------------------------------------------------------------

pub struct Planned {
    id: i64,
    when: String,
    what: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "desk_patient.html")]
struct PatientPage {
    page: Page,
    errors: Vec<FieldError>,
    name: String,
    national_id: String,
    blocked: bool,
    planned: Vec<Planned>,
    picker: Picker,
    problem: Option<String>,
    reason_error: Option<String>,
    typed_reason: String,
}

/// What went wrong with a booking asked for on the patient's page.
struct Problem {
    message: Option<String>,
    reason_error: Option<String>,
    typed_reason: String,
}

async fn patient_page(
    state: &AppState,
    staff: &StaffMember,
    found: &FoundPatient,
    asked: &PickerQuery,
    problem: Option<Problem>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let patient = &found.patient.national_id;
    let choices = places(state, staff).await?;
    let planned: Vec<Planned> = state
        .store
        .appointments_for(&staff.caller(), patient, Some(state.now()), None)
        .await
        .map_err(|e| Failure::store(t, e))?
        .into_iter()
        .filter(|a| a.status == AppointmentStatus::Booked)
        .map(|a| Planned {
            id: a.id.0,
            when: t.date_time_range(a.start, a.length.end_from(a.start), &state.zone),
            what: choices
                .iter()
                .find(|p| p.id == a.resource_id)
                .map(|p| p.label.clone())
                .unwrap_or_default(),
            reason: a.reason.to_string(),
        })
        .collect();
    if !planned.is_empty() {
        state
            .store
            .record_view(
                &staff.actor,
                staff.clinic_id,
                patient,
                AuditAction::AppointmentViewed,
                &format!("patient-appointments:{}", staff.clinic_id),
            )
            .await
            .map_err(|e| Failure::store(t, e))?;
    }
    let picker = picker(state, staff, patient, &choices, asked).await?;
    let mut errors = Vec::new();
    if picker.day_error.is_some() {
        errors.push(FieldError {
            field: "dag",
            label: t.get("desk-day"),
        });
    }
    let (problem, reason_error, typed_reason) = match problem {
        Some(p) => (p.message, p.reason_error, p.typed_reason),
        None => (None, None, String::new()),
    };
    if reason_error.is_some() {
        errors.push(FieldError {
            field: "hva",
            label: t.get("desk-reason"),
        });
    }
    let status = if problem.is_some() || !errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = PatientPage {
        page: Page::staff(&staff.visitor, "desk-patient-title", "/klinikk/pasienter"),
        errors,
        name: format!("{} {}", found.patient.first_name, found.patient.last_name),
        national_id: patient.as_str().to_owned(),
        blocked: found.blocked,
        planned,
        picker,
        problem,
        reason_error,
        typed_reason,
    };
    Ok((status, html(&page)).into_response())
}

#[derive(Deserialize)]
pub struct ChooseForm {
    fodselsnummer: Option<String>,
    sted: Option<String>,
    dag: Option<String>,
}

/// The patient's page, for a patient chosen from the search or with another place or day.
pub async fn choose(
    State(state): State<AppState>,
    staff: StaffMember,
    Form(form): Form<ChooseForm>,
) -> Result<Response, Failure> {
    let Some(found) = listed(&state, &staff, form.fodselsnummer.as_deref()).await? else {
        return not_on_list(&staff);
    };
    let asked = PickerQuery {
        sted: form.sted,
        dag: form.dag,
    };
    patient_page(&state, &staff, &found, &asked, None).await
}

/// The patient a form names, when they are on the clinic's own list.
async fn listed(
    state: &AppState,
    staff: &StaffMember,
    typed: Option<&str>,
) -> Result<Option<FoundPatient>, Failure> {
    match NationalId::parse(typed.unwrap_or_default(), state.id_policy) {
        Ok(patient) => own_patient(state, staff, &patient).await,
        Err(_) => Ok(None),
    }
}

/// The search page saying the number is not on the clinic's list: the one answer for a
/// number nobody has and another office's patient alike.
fn not_on_list(staff: &StaffMember) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let mut page = search_page(staff);
    page.search_error = Some(t.get("desk-not-on-list"));
    page.errors.push(FieldError {
        field: "sok",
        label: t.get("desk-search-label"),
    });
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
}

// --- Booking -----------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct BookForm {
    fodselsnummer: Option<String>,
    time: Option<String>,
    hva: Option<String>,
    sted: Option<String>,
    dag: Option<String>,
    /// Which page the form was on: the patient's (`pasient`) or the slot's (`time`).
    skjema: Option<String>,
}

pub async fn book(
    State(state): State<AppState>,
    staff: StaffMember,
    Form(form): Form<BookForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let from_slot = form.skjema.as_deref() == Some("time");
    let slot = form
        .time
        .as_deref()
        .and_then(|s| s.trim().parse::<i64>().ok());
    let typed_reason = form.hva.clone().unwrap_or_default();
    let reason = Reason::parse(&typed_reason);
    let reason_error = reason.as_ref().err().map(|error| reason_message(t, error));
    let found = listed(&state, &staff, form.fodselsnummer.as_deref()).await?;
    if from_slot {
        let Some(slot) = slot else {
            return Err(Failure::new(t, Kind::BadRequest));
        };
        if found.is_none() || reason_error.is_some() {
            let problem = typed_slot_problem(&state, t, &form, found.is_none(), reason_error);
            return slot_page(&state, &staff, SlotId(slot), Some(problem)).await;
        }
    }
    let Some(found) = found else {
        return not_on_list(&staff);
    };
    let asked = PickerQuery {
        sted: form.sted.clone(),
        dag: form.dag.clone(),
    };
    let problem = |message: Option<String>, reason_error: Option<String>| Problem {
        message,
        reason_error,
        typed_reason: typed_reason.clone(),
    };
    let (Some(slot), Ok(reason)) = (slot, reason) else {
        let message = slot.is_none().then(|| t.get("desk-choose-slot"));
        return patient_page(
            &state,
            &staff,
            &found,
            &asked,
            Some(problem(message, reason_error)),
        )
        .await;
    };
    let request = BookRequest {
        appointment_type: None,
        patient: found.patient.national_id.clone(),
        slot: SlotId(slot),
        reason,
        hold: None,
        idempotency: None,
    };
    match state.store.book(&staff.caller(), &request).await {
        Ok(booked) => Ok(Redirect::to(&format!(
            "/klinikk/timeavtaler/{}?melding=bestilt",
            booked.id.0
        ))
        .into_response()),
        Err(StoreError::Refused(refusal)) if from_slot => {
            let problem = SlotProblem {
                message: Some(t.get(refusal_message(refusal))),
                id_error: None,
                reason_error: None,
                typed_id: found.patient.national_id.as_str().to_owned(),
                typed_reason,
            };
            slot_page(&state, &staff, SlotId(slot), Some(problem)).await
        }
        Err(StoreError::Refused(refusal)) => {
            let message = Some(t.get(refusal_message(refusal)));
            patient_page(&state, &staff, &found, &asked, Some(problem(message, None))).await
        }
        Err(error) => Err(Failure::store(t, error)),
    }
}

fn reason_message(t: T, error: &domain::DomainError) -> String {
    t.get(crate::texts::text_refusal(error).unwrap_or(match error {
        domain::DomainError::TextTooLong { .. } => "desk-reason-too-long",
        _ => "desk-reason-missing",
    }))
}

/// What is wrong with the slot page's form as typed: a number off the list, or the reason.
fn typed_slot_problem(
    state: &AppState,
    t: T,
    form: &BookForm,
    unlisted: bool,
    reason_error: Option<String>,
) -> SlotProblem {
    let typed_id = form.fodselsnummer.clone().unwrap_or_default();
    let id_error = unlisted.then(|| {
        t.get(if NationalId::parse(&typed_id, state.id_policy).is_ok() {
            "desk-not-on-list"
        } else {
            "desk-search-invalid-id"
        })
    });
    SlotProblem {
        message: None,
        id_error,
        reason_error,
        typed_id,
        typed_reason: form.hva.clone().unwrap_or_default(),
    }
}

// --- Booking into a slot chosen in the week ----------------------------------------------------

#[derive(Template)]
#[template(path = "desk_slot.html")]
struct SlotPage {
    page: Page,
    errors: Vec<FieldError>,
    slot: i64,
    what: String,
    when: String,
    places_left: String,
    week_href: String,
    problem: Option<String>,
    id_error: Option<String>,
    reason_error: Option<String>,
    typed_id: String,
    typed_reason: String,
}

struct SlotProblem {
    message: Option<String>,
    id_error: Option<String>,
    reason_error: Option<String>,
    typed_id: String,
    typed_reason: String,
}

#[derive(Deserialize)]
pub struct SlotQuery {
    time: Option<String>,
}

pub async fn slot_form(
    State(state): State<AppState>,
    staff: StaffMember,
    Query(query): Query<SlotQuery>,
) -> Result<Response, Failure> {
    let Some(slot) = query.time.as_deref().and_then(|s| s.parse::<i64>().ok()) else {
        return Ok(Redirect::to("/klinikk/pasienter").into_response());
    };
    slot_page(&state, &staff, SlotId(slot), None).await
}

async fn slot_page(
    state: &AppState,
    staff: &StaffMember,
    id: SlotId,
    problem: Option<SlotProblem>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let slot = state
        .store
        .slot_in_reach(domain::Reach::Clinic(staff.clinic_id), id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let choices = places(state, staff).await?;
    let what = choices
        .iter()
        .find(|p| p.id == slot.resource_id)
        .map(|p| p.label.clone())
        .unwrap_or_default();
    let week_href = format!(
        "/klinikk/uke?sted={}&uke={}",
        slot.resource_id.0,
        state.day_of(slot.start)
    );
    let left = u32::from(slot.capacity.get()).saturating_sub(u32::from(slot.booked));
    let mut errors = Vec::new();
    let problem = problem.unwrap_or(SlotProblem {
        message: None,
        id_error: None,
        reason_error: None,
        typed_id: String::new(),
        typed_reason: String::new(),
    });
    if problem.id_error.is_some() {
        errors.push(FieldError {
            field: "fodselsnummer",
            label: t.get("desk-national-id"),
        });
    }
    if problem.reason_error.is_some() {
        errors.push(FieldError {
            field: "hva",
            label: t.get("desk-reason"),
        });
    }
    let status = if problem.message.is_some() || !errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = SlotPage {
        page: Page::staff(&staff.visitor, "desk-slot-title", "/klinikk/uke"),
        errors,
        slot: slot.id.0,
        what,
        when: t.date_time_range(slot.start, slot.end(), &state.zone),
        places_left: t.arg("desk-places-left", "count", &left.to_string()),
        week_href,
        problem: problem.message,
        id_error: problem.id_error,
        reason_error: problem.reason_error,
        typed_id: problem.typed_id,
        typed_reason: problem.typed_reason,
    };
    Ok((status, html(&page)).into_response())
}
