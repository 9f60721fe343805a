//! The booking journey: «Hva trenger du?», «Velg time», «Se gjennom før du sender», receipt.

use super::appointment_type;
use super::appointments::{own_appointment, title};
use super::calendar::{self, Day};
use super::refusals;
use crate::AppState;
use crate::failure::{Failure, Kind};
use crate::limits::Scope;
use crate::pages::{FieldError, Page, html};
use crate::visitor::Patient;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{
    AppointmentId, AppointmentType, AppointmentTypeId, DomainError, HoldId, Reason, Referral,
    Refusal, Resource, SlotId, TimebookId,
};
use jiff::civil::Date;
use serde::Deserialize;
use store::{
    BookRequest, Calendar, CalendarRequest, FreeSlot, HoldRequest, MoveRequest, OfferedSlot,
    OfferedTimebook, PlannedAppointment, StoreError,
};

// --- «Hva trenger du?» -----------------------------------------------------------------------

pub struct Service {
    id: i64,
    label: String,
}

#[derive(Template)]
#[template(path = "services.html")]
struct ServicesPage {
    page: Page,
    info: Option<String>,
    notice: Option<String>,
    unavailable: Option<String>,
    services: Vec<Service>,
    errors: Vec<FieldError>,
}

async fn services_page(
    state: &AppState,
    patient: &Patient,
    errors: Vec<FieldError>,
    notice: Option<&str>,
) -> Result<ServicesPage, Failure> {
    let t = patient.visitor.t;
    let mut page = ServicesPage {
        page: Page::new(&patient.visitor, "services-title"),
        info: None,
        notice: refusals::services_notice(notice).map(|key| t.get(key)),
        unavailable: None,
        services: Vec::new(),
        errors,
    };
    let offer = state
        .store
        .offer(&patient.caller(), &patient.id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let Some(offer) = offer else {
        page.unavailable = Some(t.get("services-not-listed"));
        return Ok(page);
    };
    let mut timebooks = offer.timebooks;
    timebooks.sort_by_key(|tb| tb.kind);
    page.info = Some(offer.clinic.info.to_string()).filter(|i| !i.is_empty());
    page.services = timebooks
        .iter()
        .map(|tb| Service {
            id: tb.id.0,
            label: t.get(tb.kind.service_label_message()),
        })
        .collect();
    if page.services.is_empty() {
        page.unavailable = Some(t.get("services-none"));
    }
    Ok(page)
}

#[derive(Deserialize, Default)]
pub struct ServicesQuery {
    melding: Option<String>,
}

pub async fn services(
    State(state): State<AppState>,
    patient: Patient,
    Query(query): Query<ServicesQuery>,
) -> Result<Response, Failure> {
    let page = services_page(&state, &patient, Vec::new(), query.melding.as_deref()).await?;
    Ok(html(&page).into_response())
}

#[derive(Deserialize)]
pub struct ServiceForm {
    timebook: Option<String>,
}

pub async fn choose_service(
    State(state): State<AppState>,
    patient: Patient,
    Form(form): Form<ServiceForm>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let Some(chosen) = form.timebook.filter(|v| !v.is_empty()) else {
        let errors = vec![FieldError {
            field: "service",
            label: t.get("services-choose-error"),
        }];
        let page = services_page(&state, &patient, errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
    };
    let id = chosen
        .parse()
        .map(TimebookId)
        .map_err(|_| Failure::new(t, Kind::BadRequest))?;
    match offered(&state, &patient, id).await? {
        Ok(offered) => {
            Ok(Redirect::to(&format!("/bestill/{}", offered.timebook.id)).into_response())
        }
        Err(refusal) => refusals::respond(&patient, refusal, None),
    }
}

// --- «Velg time» -----------------------------------------------------------------------------

pub struct Place {
    id: i64,
    name: String,
    description: String,
    chosen: bool,
}

pub struct SlotButton {
    id: i64,
    text: String,
    label: String,
    /// The slot a link (a slot finder's) pointed to.
    linked: bool,
}

#[derive(Template)]
#[template(path = "choose.html")]
struct ChoosePage {
    page: Page,
    timebook_id: i64,
    info: Option<String>,
    notice: Option<String>,
    blocked: bool,
    resources: Vec<Place>,
    month_param: String,
    month_label: String,
    today_href: String,
    previous_href: String,
    next_href: String,
    weekday_heads: Vec<(String, String)>,
    weeks: Vec<Vec<Option<Day>>>,
    day_heading: Option<String>,
    slots: Vec<SlotButton>,
    attendance: Option<String>,
    /// A slot finder's, carried in the hold form.
    referral: Option<Referral>,
    /// «Endre time»: the appointment being moved, carried in the hold form, and what the
    /// page says of it.
    moving: Option<i64>,
    moving_note: Option<String>,
    /// «Sett meg på venteliste», at the place shown.
    waitlist_href: String,
    /// The type of appointment chosen, carried in the forms, and what the page says of it.
    appointment_type: Option<i64>,
    type_note: Option<String>,
    /// «Be om en time i stedet», where the timebook takes requests as well.
    request_href: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ChooseQuery {
    sted: Option<String>,
    maned: Option<String>,
    dag: Option<String>,
    melding: Option<String>,
    /// A slot to point out: a slot finder's link names the slot it was about.
    tid: Option<String>,
    /// The slot finder's `source` and `booking-referral`, carried to the hold.
    source: Option<String>,
    #[serde(rename = "booking-referral")]
    booking_referral: Option<String>,
    /// «Endre time»: the patient's appointment to move to the slot they choose.
    endre: Option<String>,
    /// The type of appointment chosen, in a timebook with types.
    timetype: Option<String>,
    /// Sent from the type's page: without a type, the patient is told to choose one.
    valgt: Option<String>,
}

/// The appointment a form or link asks to move, parsed; nothing for none.
fn moving_of(endre: Option<&str>) -> Option<AppointmentId> {
    endre.and_then(|e| e.trim().parse().ok()).map(AppointmentId)
}

/// `&endre=…` for the links of a move, so that the move survives every step.
fn moving_param(moving: Option<AppointmentId>) -> String {
    moving.map(|m| format!("&endre={m}")).unwrap_or_default()
}

/// The patient's own appointment they ask to move within `timebook`: booked, and before the
/// deadline after which they may neither cancel nor move it. Else the answer to show.
async fn movable(
    state: &AppState,
    patient: &Patient,
    timebook: TimebookId,
    id: AppointmentId,
) -> Result<Result<PlannedAppointment, Response>, Failure> {
    let appointment = own_appointment(state, patient, id).await?;
    if appointment.timebook_id != timebook {
        return Err(Failure::new(patient.visitor.t, Kind::NotFound));
    }
    if appointment.status != domain::AppointmentStatus::Booked
        || state.now() > appointment.cancel_until
    {
        return refusals::respond(patient, Refusal::DeadlinePassed, None).map(Err);
    }
    Ok(Ok(appointment))
}

/// The start of «Velg time»'s own links, ending in `&`: the place, and the slot finder's
/// referral so that it reaches the hold whichever day the patient picks.
fn calendar_base(
    timebook_id: i64,
    place: Option<domain::ResourceId>,
    referral: &Option<Referral>,
    (moving, kind): (Option<AppointmentId>, Option<AppointmentTypeId>),
) -> String {
    let mut sted = place.map(|r| format!("sted={r}&")).unwrap_or_default();
    if let Some(moving) = moving {
        sted.push_str(&format!("endre={moving}&"));
    }
    if let Some(kind) = kind {
        sted.push_str(&format!("timetype={kind}&"));
    }
    let Some(referral) = referral else {
        return format!("/bestill/{timebook_id}?{sted}");
    };
    let start = format!("/bestill/{timebook_id}?{sted}");
    let mut query = form_urlencoded::Serializer::for_suffix(start.clone(), start.len());
    if let Some(source) = referral.source() {
        query.append_pair("source", source);
    }
    if let Some(code) = referral.referral() {
        query.append_pair("booking-referral", code);
    }
    format!("{}&", query.finish())
}

fn first_of_month(text: Option<&str>, today: Date) -> Date {
    text.and_then(|m| domain::parse_date(&format!("{m}-01")).ok())
        .unwrap_or(today.first_of_month())
}

fn month_param(date: Date) -> String {
    date.strftime("%Y-%m").to_string()
}

/// «Velg time» in the month of `date`, from the calendar's own links' start.
fn month_href(base: &str, date: Date) -> String {
    format!("{base}maned={}", month_param(date))
}

/// «Velg time» at the day of a slot, with its place chosen and, if given, a notice: where
/// the review page goes back to and a refused hold or booking returns.
pub(crate) fn calendar_href(
    timebook: TimebookId,
    resource: domain::ResourceId,
    day: Date,
    message: Option<&str>,
) -> String {
    let message = message
        .map(|code| format!("&melding={code}"))
        .unwrap_or_default();
    format!(
        "/bestill/{timebook}?sted={resource}&maned={}&dag={day}{message}",
        month_param(day)
    )
}

/// The timebook's places to choose between.
fn places(resources: &[Resource], chosen: Option<domain::ResourceId>) -> Vec<Place> {
    resources
        .iter()
        .map(|r| Place {
            id: r.id.0,
            name: r.name.to_string(),
            description: r.description.to_string(),
            chosen: Some(r.id) == chosen,
        })
        .collect()
}

/// The month from `first` as weeks of days, those with a free slot linked.
fn month(
    t: crate::texts::T,
    first: Date,
    base: &str,
    free: impl Fn(Date) -> bool,
    chosen: Option<Date>,
) -> Vec<Vec<Option<Day>>> {
    calendar::weeks(first, |date| {
        let free_day = free(date);
        Day {
            number: date.day(),
            // Choosing a day goes on to its times: focus lands on them, not on the page's top.
            href: free_day
                .then(|| format!("{base}maned={}&dag={date}#free-heading", month_param(date))),
            label: if free_day {
                format!("{}, {}", t.long_date(date), t.get("choose-available"))
            } else {
                t.get("choose-unavailable")
            },
            chosen: Some(date) == chosen,
        }
    })
}

/// A day's slots as buttons; `linked` is the slot a link pointed to.
fn slot_buttons(
    state: &AppState,
    t: crate::texts::T,
    slots: &[FreeSlot],
    linked: Option<i64>,
) -> Vec<SlotButton> {
    slots
        .iter()
        .map(|s| SlotButton {
            id: s.id.0,
            text: t.time_range(s.start, s.end(), &state.zone),
            label: t.date_time_range(s.start, s.end(), &state.zone),
            linked: linked == Some(s.id.0),
        })
        .collect()
}

/// «Sett meg på venteliste» from «Velg time», at the place shown.
fn waitlist_href(timebook_id: i64, place: Option<domain::ResourceId>) -> String {
    match place {
        Some(place) => format!("/bestill/{timebook_id}/venteliste?sted={place}"),
        None => format!("/bestill/{timebook_id}/venteliste"),
    }
}

/// What «Velg time» asks the store for: the place and day asked for, and the month shown from
/// today on.
fn calendar_request(
    query: &ChooseQuery,
    (first, last): (Date, Date),
    today: Date,
    appointment_type: Option<AppointmentTypeId>,
) -> CalendarRequest {
    CalendarRequest {
        appointment_type,
        place: query
            .sted
            .as_deref()
            .and_then(|s| s.parse::<i64>().ok())
            .map(domain::ResourceId),
        dates: (last >= today).then_some((first.max(today), last)),
        day: query
            .dag
            .as_deref()
            .and_then(|d| domain::parse_date(d).ok()),
    }
}

/// What «Velg time» shows besides the calendar.
struct BesideCalendar {
    /// The appointment being moved, and what the page says of it.
    moving: Option<AppointmentId>,
    moving_note: Option<String>,
    /// The type of appointment the calendar is for: a moved appointment's own, which the
    /// move keeps, or the one asked for, which the store checks is the timebook's (any other
    /// finds no free slot).
    asked_type: Option<AppointmentTypeId>,
    /// «Be om en time i stedet», where the timebook takes requests too.
    request_href: Option<String>,
}

/// What «Velg time» shows besides the calendar, or where it sends the patient instead: a
/// timebook that takes requests only has no slots to pick, and the patient asks.
async fn before_calendar(
    state: &AppState,
    patient: &Patient,
    timebook_id: i64,
    query: &ChooseQuery,
) -> Result<Result<BesideCalendar, Response>, Failure> {
    let t = patient.visitor.t;
    let moving = match moving(state, patient, timebook_id, query.endre.as_deref()).await? {
        Ok(moving) => moving,
        Err(answer) => return Ok(Err(answer)),
    };
    let mode = state
        .store
        .booking_mode(TimebookId(timebook_id))
        .await
        .map_err(|e| Failure::store(t, e))?;
    let request_href = (mode.takes_requests() && moving.is_none())
        .then(|| super::requests::form_href(TimebookId(timebook_id)));
    if let (false, Some(href)) = (mode.takes_slots(), &request_href) {
        return Ok(Err(Redirect::to(href).into_response()));
    }
    Ok(Ok(BesideCalendar {
        moving: moving.as_ref().map(|m| m.id),
        moving_note: moving.as_ref().map(|m| t.arg("move-note", "when", &m.from)),
        asked_type: match moving {
            Some(moving) => moving.kind,
            None => appointment_type::asked(query.timetype.as_deref()),
        },
        request_href,
    }))
}

/// «Velg time»'s calendar from the store, or the answer to the core's refusal.
async fn calendar_of(
    state: &AppState,
    patient: &Patient,
    timebook: TimebookId,
    request: CalendarRequest,
) -> Result<Result<Calendar, Response>, Failure> {
    let answer = state
        .store
        .calendar(&patient.caller(), &patient.id, timebook, request)
        .await;
    match answer {
        Ok(calendar) => Ok(Ok(calendar)),
        Err(StoreError::Refused(refusal)) => refusals::respond(patient, refusal, None).map(Err),
        Err(error) => Err(Failure::store(patient.visitor.t, error)),
    }
}

pub async fn choose_time(
    State(state): State<AppState>,
    patient: Patient,
    Path(timebook_id): Path<i64>,
    Query(query): Query<ChooseQuery>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let BesideCalendar {
        moving,
        moving_note,
        asked_type,
        request_href,
    } = match before_calendar(&state, &patient, timebook_id, &query).await? {
        Ok(shown) => shown,
        Err(answer) => return Ok(answer),
    };
    let today = state.today();
    let first = first_of_month(query.maned.as_deref(), today);
    let last = first.last_of_month();
    let request = calendar_request(&query, (first, last), today, asked_type);
    let Calendar {
        offered:
            OfferedTimebook {
                clinic,
                resources,
                types,
                ..
            },
        place,
        blocked,
        days,
        day,
        slots,
    } = match calendar_of(&state, &patient, TimebookId(timebook_id), request).await? {
        Ok(calendar) => calendar,
        Err(answer) => return Ok(answer),
    };
    let referral = Referral::from_link(query.source.as_deref(), query.booking_referral.as_deref());
    let kind = appointment_type::chosen(&types, asked_type);
    if kind.is_none() && !types.is_empty() && moving.is_none() {
        let asked = query.valgt.is_some();
        return Ok(appointment_type::ask(
            &patient,
            timebook_id,
            &types,
            referral,
            asked,
        ));
    }
    let linked = query.tid.as_deref().and_then(|t| t.parse::<i64>().ok());
    let chosen = resources.iter().find(|r| Some(r.id) == place);
    let kind_id = kind.map(|y| y.id);
    let base = calendar_base(timebook_id, place, &referral, (moving, kind_id));
    let weeks = month(t, first, &base, |d| days.binary_search(&d).is_ok(), day);
    let slots = slot_buttons(&state, t, &slots, linked);
    let page = ChoosePage {
        page: Page::new(&patient.visitor, "choose-title"),
        timebook_id,
        info: Some(clinic.info.to_string()).filter(|i| !i.is_empty()),
        notice: refusals::calendar_notice(query.melding.as_deref()).map(|key| t.get(key)),
        blocked,
        resources: places(&resources, place),
        month_param: month_param(first),
        month_label: t.month_year(first),
        today_href: month_href(&base, today),
        previous_href: month_href(&base, first.yesterday().unwrap_or(first)),
        next_href: month_href(&base, last.tomorrow().unwrap_or(last)),
        weekday_heads: calendar::weekday_heads(t),
        weeks,
        day_heading: day.map(|d| t.arg("choose-free-on", "date", &t.short_date(d))),
        slots,
        attendance: chosen
            .map(|r| t.arg("choose-attendance", "address", r.location.address.as_str())),
        referral,
        moving: moving.map(|m| m.0),
        moving_note,
        waitlist_href: waitlist_href(timebook_id, place),
        appointment_type: kind_id.map(|y| y.0),
        type_note: kind.map(|y| t.arg("type-chosen", "type", &appointment_type::describe(t, y))),
        request_href,
    };
    Ok(html(&page).into_response())
}

/// A timebook offered to the patient, or the booking core's refusal.
async fn offered(
    state: &AppState,
    patient: &Patient,
    id: TimebookId,
) -> Result<Result<OfferedTimebook, Refusal>, Failure> {
    match state
        .store
        .offered_timebook(&patient.caller(), &patient.id, id)
        .await
    {
        Ok(offered) => Ok(Ok(offered)),
        Err(StoreError::Refused(refusal)) => Ok(Err(refusal)),
        Err(error) => Err(Failure::store(patient.visitor.t, error)),
    }
}

/// The answer to a refusal while booking `slot`: back to its day on «Velg time».
fn refused_at(
    state: &AppState,
    patient: &Patient,
    error: StoreError,
    slot: &domain::Slot,
    (moving, kind): (Option<AppointmentId>, Option<AppointmentTypeId>),
) -> Result<Response, Failure> {
    let StoreError::Refused(refusal) = error else {
        return Err(Failure::store(patient.visitor.t, error));
    };
    let day = state.day_of(slot.start);
    let href = |message: &str| {
        calendar_href(slot.timebook_id, slot.resource_id, day, Some(message))
            + &moving_param(moving)
            + &appointment_type::type_param(kind)
    };
    refusals::respond(patient, refusal, Some(&href))
}

#[derive(Deserialize)]
pub struct HoldForm {
    slot: Option<String>,
    source: Option<String>,
    #[serde(rename = "booking-referral")]
    booking_referral: Option<String>,
    endre: Option<String>,
    timetype: Option<String>,
}

/// Choosing a slot holds it for the patient, then shows «Se gjennom før du sender».
/// Holds and bookings count against the patient's and the client address's limits.
pub(super) async fn limit_booking(state: &AppState, patient: &Patient) -> Result<(), Failure> {
    let t = patient.visitor.t;
    Failure::limit(
        t,
        &state.limits,
        Scope::BookingPerPatient,
        patient.id.as_str(),
    )
    .await?;
    Failure::limit(
        t,
        &state.limits,
        Scope::BookingPerAddress,
        &patient.visitor.client,
    )
    .await
}

pub async fn hold(
    State(state): State<AppState>,
    patient: Patient,
    Path(timebook_id): Path<i64>,
    Form(form): Form<HoldForm>,
) -> Result<Response, Failure> {
    limit_booking(&state, &patient).await?;
    let slot = slot_in(&state, &patient, timebook_id, form.slot.as_deref()).await?;
    let moving = match moving(&state, &patient, timebook_id, form.endre.as_deref()).await? {
        Ok(moving) => moving.map(|m| m.id),
        Err(answer) => return Ok(answer),
    };
    let kind = appointment_type::asked(form.timetype.as_deref());
    let request = HoldRequest {
        appointment_type: kind,
        patient: patient.id.clone(),
        slot: slot.id,
        moving,
        referral: Referral::from_link(form.source.as_deref(), form.booking_referral.as_deref()),
    };
    match state.store.hold(&patient.caller(), &request).await {
        Ok(hold) => Ok(Redirect::to(&format!(
            "/bestill/{timebook_id}/se-gjennom?time={}&hold={}{}{}",
            slot.id,
            hold.id,
            moving_param(moving),
            appointment_type::type_param(kind)
        ))
        .into_response()),
        Err(error) => refused_at(&state, &patient, error, &slot, (moving, kind)),
    }
}

// --- «Se gjennom før du sender» --------------------------------------------------------------

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    page: Page,
    timebook_id: i64,
    slot_id: i64,
    hold_id: i64,
    appointment_at: String,
    when: String,
    attendance: String,
    duration: String,
    errors: Vec<FieldError>,
    reason_error: Option<String>,
    reason: String,
    counter: String,
    counter_template: String,
    back_href: String,
    /// «Endre time»: the appointment being moved, and when it is now.
    moving: Option<i64>,
    moving_from: Option<String>,
    /// Until when it could be cancelled online, or that it could not: said before sending.
    cancel_note: String,
    /// The type of appointment chosen, carried in the form, and what the page says of it.
    appointment_type: Option<i64>,
    type_note: Option<String>,
}

#[derive(Deserialize)]
pub struct ReviewQuery {
    time: Option<String>,
    hold: Option<String>,
    endre: Option<String>,
    timetype: Option<String>,
}

/// The appointment being moved, with when it is now in words, once the patient may move it.
struct Moving {
    id: AppointmentId,
    from: String,
    /// Its type, which the move keeps.
    kind: Option<AppointmentTypeId>,
}

/// The move a form or link names, checked; `Ok(None)` when it names none.
async fn moving(
    state: &AppState,
    patient: &Patient,
    timebook_id: i64,
    endre: Option<&str>,
) -> Result<Result<Option<Moving>, Response>, Failure> {
    let Some(id) = moving_of(endre) else {
        return Ok(Ok(None));
    };
    let t = patient.visitor.t;
    Ok(
        match movable(state, patient, TimebookId(timebook_id), id).await? {
            Ok(appointment) => Ok(Some(Moving {
                id,
                from: t.date_time_range(appointment.start, appointment.end(), &state.zone),
                kind: appointment.appointment_type.map(|y| y.id),
            })),
            Err(answer) => Err(answer),
        },
    )
}

/// The slot a form or link names, if it belongs to the timebook in the path; which slots the
/// patient may book is the booking core's to say.
async fn slot_in(
    state: &AppState,
    patient: &Patient,
    timebook_id: i64,
    slot: Option<&str>,
) -> Result<domain::Slot, Failure> {
    let t = patient.visitor.t;
    let id = slot
        .and_then(|s| s.parse().ok())
        .map(SlotId)
        .ok_or(Failure::new(t, Kind::BadRequest))?;
    let slot = state
        .store
        .slot(id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    if slot.timebook_id != TimebookId(timebook_id) {
        return Err(Failure::new(t, Kind::NotFound));
    }
    Ok(slot)
}

/// The slot being reviewed, with its timebook, place and clinic, as offered to the patient;
/// or, when it no longer is (the service switched off, say), the answer to that refusal.
async fn chosen(
    state: &AppState,
    patient: &Patient,
    timebook_id: i64,
    slot: Option<&str>,
    moving: Option<AppointmentId>,
) -> Result<Result<OfferedSlot, Response>, Failure> {
    let slot = slot_in(state, patient, timebook_id, slot).await?;
    match state
        .store
        .offered_slot(&patient.caller(), &patient.id, slot.id)
        .await
    {
        Ok(chosen) => Ok(Ok(chosen)),
        Err(error) => refused_at(state, patient, error, &slot, (moving, None)).map(Err),
    }
}

/// Until when the slot's appointment could be cancelled online, or that it could not; asked
/// only by the review pages, not on the way to a booking.
async fn cancel_note(
    state: &AppState,
    patient: &Patient,
    chosen: &OfferedSlot,
) -> Result<String, Failure> {
    let t = patient.visitor.t;
    let cancel_until = state
        .store
        .slot_cancel_until(chosen.slot.id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(if state.now() > cancel_until {
        t.get("review-too-late-to-cancel")
    } else {
        t.arg(
            "appointments-cancel-until",
            "deadline",
            &t.args(
                "date-time",
                &[
                    ("date", &t.long_date(state.day_of(cancel_until))),
                    ("time", &crate::texts::clock(cancel_until, &state.zone)),
                ],
            ),
        )
    })
}

fn review_page(
    state: &AppState,
    patient: &Patient,
    chosen: &OfferedSlot,
    hold: i64,
    (reason, error): (String, Option<String>),
    (moving, cancel_note): (Option<&Moving>, String),
    kind: Option<&AppointmentType>,
) -> ReviewPage {
    let t = patient.visitor.t;
    let by_phone = kind.is_some_and(|y| y.attendance == domain::Attendance::Telephone);
    let count = domain::count_characters(reason.trim()).to_string();
    let day = state.day_of(chosen.slot.start);
    let errors = error
        .iter()
        .map(|_| FieldError {
            field: "reason",
            label: t.get("review-reason-label"),
        })
        .collect();
    ReviewPage {
        page: Page::new(&patient.visitor, "review-title"),
        timebook_id: chosen.timebook.id.0,
        slot_id: chosen.slot.id.0,
        hold_id: hold,
        appointment_at: t.args(
            "review-appointment-at",
            &[
                ("resource", chosen.resource.name.as_str()),
                ("clinic", chosen.clinic.name.as_str()),
            ],
        ),
        when: t.date_time_range(chosen.slot.start, chosen.slot.end(), &state.zone),
        attendance: if by_phone {
            t.get("review-telephone")
        } else {
            t.arg(
                "review-attendance",
                "address",
                chosen.resource.location.address.as_str(),
            )
        },
        duration: t.arg(
            "review-duration",
            "minutes",
            &chosen.slot.length.as_minutes().to_string(),
        ),
        errors,
        reason_error: error,
        reason,
        counter: t.arg("review-reason-counter", "count", &count),
        counter_template: t.arg("review-reason-counter", "count", "{count}"),
        back_href: calendar_href(chosen.timebook.id, chosen.resource.id, day, None)
            + &moving_param(moving.map(|m| m.id))
            + &appointment_type::type_param(kind.map(|y| y.id)),
        moving: moving.map(|m| m.id.0),
        moving_from: moving.map(|m| t.arg("move-from", "when", &m.from)),
        cancel_note,
        appointment_type: kind.map(|y| y.id.0),
        type_note: kind.map(|y| t.arg("review-type", "type", y.name.as_str())),
    }
}

pub async fn review(
    State(state): State<AppState>,
    patient: Patient,
    Path(timebook_id): Path<i64>,
    Query(query): Query<ReviewQuery>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let moving = match moving(&state, &patient, timebook_id, query.endre.as_deref()).await? {
        Ok(moving) => moving,
        Err(answer) => return Ok(answer),
    };
    let moving_id = moving.as_ref().map(|m| m.id);
    let chosen = match chosen(
        &state,
        &patient,
        timebook_id,
        query.time.as_deref(),
        moving_id,
    )
    .await?
    {
        Ok(chosen) => chosen,
        Err(answer) => return Ok(answer),
    };
    let hold = query
        .hold
        .and_then(|h| h.parse().ok())
        .ok_or(Failure::new(t, Kind::BadRequest))?;
    let note = cancel_note(&state, &patient, &chosen).await?;
    let kind = moving
        .as_ref()
        .map_or(appointment_type::asked(query.timetype.as_deref()), |m| {
            m.kind
        });
    let kind = appointment_type::chosen(&chosen.types, kind);
    let page = review_page(
        &state,
        &patient,
        &chosen,
        hold,
        (String::new(), None),
        (moving.as_ref(), note),
        kind,
    );
    Ok(html(&page).into_response())
}

#[derive(Deserialize)]
pub struct SendForm {
    slot: Option<String>,
    hold: Option<String>,
    reason: Option<String>,
    endre: Option<String>,
    timetype: Option<String>,
}

pub async fn send(
    State(state): State<AppState>,
    patient: Patient,
    Path(timebook_id): Path<i64>,
    Form(form): Form<SendForm>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    limit_booking(&state, &patient).await?;
    let moving = match moving(&state, &patient, timebook_id, form.endre.as_deref()).await? {
        Ok(moving) => moving.map(|m| m.id),
        Err(answer) => return Ok(answer),
    };
    let chosen = match chosen(&state, &patient, timebook_id, form.slot.as_deref(), moving).await? {
        Ok(chosen) => chosen,
        Err(answer) => return Ok(answer),
    };
    let hold = form
        .hold
        .and_then(|h| h.parse().ok())
        .ok_or(Failure::new(t, Kind::BadRequest))?;
    if let Some(appointment) = moving {
        // The reason stays the appointment's: a move changes the time and nothing else.
        let request = MoveRequest {
            appointment,
            to: chosen.slot.id,
            hold: Some(HoldId(hold)),
            version: None,
        };
        return match state
            .store
            .move_appointment(&patient.caller(), &request)
            .await
        {
            Ok(id) => {
                Ok(Redirect::to(&format!("/bestill/kvittering/{id}?endret=1")).into_response())
            }
            Err(error) => refused_at(&state, &patient, error, &chosen.slot, (moving, None)),
        };
    }
    let typed = form.reason.unwrap_or_default();
    let reason = match Reason::parse(&typed) {
        Ok(reason) => reason,
        Err(error) => {
            let key = match error {
                DomainError::TextTooLong { .. } => "review-reason-too-long",
                ref other => crate::texts::text_refusal(other).unwrap_or("review-reason-missing"),
            };
            let note = cancel_note(&state, &patient, &chosen).await?;
            let kind = appointment_type::asked(form.timetype.as_deref());
            let kind = appointment_type::chosen(&chosen.types, kind);
            let page = review_page(
                &state,
                &patient,
                &chosen,
                hold,
                (typed, Some(t.get(key))),
                (None, note),
                kind,
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
        }
    };
    let kind = appointment_type::asked(form.timetype.as_deref());
    let request = BookRequest {
        appointment_type: kind,
        patient: patient.id.clone(),
        slot: chosen.slot.id,
        reason,
        hold: Some(HoldId(hold)),
        idempotency: None,
    };
    match state.store.book(&patient.caller(), &request).await {
        Ok(booked) => {
            Ok(Redirect::to(&format!("/bestill/kvittering/{}", booked.id)).into_response())
        }
        Err(error) => refused_at(&state, &patient, error, &chosen.slot, (None, kind)),
    }
}

// --- Kvittering ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    page: Page,
    heading: String,
    text: String,
    title: String,
    when: String,
    place: String,
}

#[derive(Deserialize)]
pub struct ReceiptQuery {
    /// The receipt of a move rather than of a booking.
    endret: Option<String>,
}

pub async fn receipt(
    State(state): State<AppState>,
    patient: Patient,
    Path(id): Path<i64>,
    Query(query): Query<ReceiptQuery>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let appointment = own_appointment(&state, &patient, AppointmentId(id)).await?;
    let (heading, text) = if query.endret.is_some() {
        ("receipt-moved-title", "receipt-moved-text")
    } else if crate::notices::confirms_booking(
        &state,
        t,
        appointment.clinic_id,
        appointment.timebook_id,
    )
    .await?
    {
        ("receipt-title", "receipt-text")
    } else {
        ("receipt-title", "receipt-text-unconfirmed")
    };
    let page = ReceiptPage {
        page: Page::new(&patient.visitor, heading),
        heading: t.get(heading),
        text: t.get(text),
        title: title(t, &appointment),
        when: t.date_time_range(appointment.start, appointment.end(), &state.zone),
        place: t.arg(
            "appointments-where",
            "address",
            appointment.address.as_str(),
        ),
    };
    Ok(html(&page).into_response())
}
