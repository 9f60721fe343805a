//! «Timebøker»: the office's info text, each timebook's booking rules, notices to patients and
//! places, and new timebooks.

use crate::AppState;
use crate::failure::{Failure, Kind};
use crate::pages::{FieldError, Page, html};
use crate::visitor::StaffMember;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{
    Address, BookingRules, Description, InfoText, ReminderOffsets, ReminderUnit, RemindersError,
    ResourceName, Timebook, TimebookId, TimebookKind, TimebookNotices,
};
use serde::Deserialize;

pub struct PlaceView {
    name: String,
    description: String,
    address: String,
    /// Whose place it is, in a timebook of GPs.
    practitioner: Option<String>,
}

/// One of the clinic's GPs, to choose as a place's.
pub struct PractitionerChoice {
    id: i64,
    name: String,
}

pub struct TimebookView {
    id: i64,
    label: String,
    min_notice: u32,
    horizon: u32,
    deadline_hours: u32,
    max: u32,
    /// «Bekreftelse rett etter bestilling».
    confirm: bool,
    /// «Påminnelser» as the field shows them: as saved, or as typed when refused.
    reminders: String,
    /// The reminders field's id. The error summary links to fields by fixed ids, and a page
    /// shows at most one refused form, so the timebook whose reminders were refused takes
    /// the one fixed id.
    reminders_field: String,
    reminders_error: Option<String>,
    places: Vec<PlaceView>,
    /// A timebook of GPs: each place is one of `practitioners`.
    practitioner_bound: bool,
    practitioners: Vec<PractitionerChoice>,
    /// Its types of appointment, as the office reads them.
    types: Vec<String>,
    /// How patients ask for a time: the choices, the saved one chosen.
    modes: Vec<super::booking_mode::ModeChoice>,
}

/// The reminders a timebook form sent back refused, to show again with the message.
struct RefusedNotices {
    timebook: TimebookId,
    confirm: bool,
    typed: String,
    message: String,
}

/// The id of the reminders field whose input was refused.
const REFUSED_REMINDERS_FIELD: &str = "paminnelser";

pub struct KindChoice {
    code: &'static str,
    label: String,
}

#[derive(Template)]
#[template(path = "timebooks.html")]
struct TimebooksPage {
    page: Page,
    notice: Option<String>,
    errors: Vec<FieldError>,
    info_error: Option<String>,
    info: String,
    counter: String,
    counter_template: String,
    timebooks: Vec<TimebookView>,
    missing: Vec<KindChoice>,
}

#[derive(Deserialize, Default)]
pub struct Notice {
    melding: Option<String>,
}

/// Reminders as the office reads them, in the page's language: «48 t, 2 t».
fn reminders_text(t: crate::texts::T, reminders: &ReminderOffsets) -> String {
    reminders
        .as_slice()
        .iter()
        .map(|offset| {
            let (count, unit) = offset.in_unit();
            let key = match unit {
                ReminderUnit::Minutes => "timebooks-reminder-minutes",
                ReminderUnit::Hours => "timebooks-reminder-hours",
                ReminderUnit::Days => "timebooks-reminder-days",
            };
            t.arg(key, "count", &count.to_string())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Each timebook with its rules, notices and places; `refused` shows one timebook's notices
/// as typed, with their message.
async fn timebook_views(
    state: &AppState,
    staff: &StaffMember,
    timebooks: &[Timebook],
    refused: Option<RefusedNotices>,
) -> Result<Vec<TimebookView>, Failure> {
    let t = staff.visitor.t;
    let notices = state
        .store
        .timebook_notices(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let practitioners = state
        .store
        .practitioners(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let practitioner_name = |id: domain::PractitionerId| {
        practitioners
            .iter()
            .find(|p| p.practitioner.id == id)
            .map(|p| p.practitioner.full_name())
    };
    let mut views = Vec::new();
    for timebook in timebooks {
        let places = state
            .store
            .resources(timebook.id)
            .await
            .map_err(|e| Failure::store(t, e))?;
        let types = state
            .store
            .appointment_types(timebook.id)
            .await
            .map_err(|e| Failure::store(t, e))?;
        let saved = notices
            .iter()
            .find(|(id, _)| *id == timebook.id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default();
        let mut view = TimebookView {
            id: timebook.id.0,
            label: t.get(timebook.kind.service_label_message()),
            min_notice: timebook.rules.min_notice_minutes(),
            horizon: timebook.rules.horizon_days(),
            deadline_hours: timebook.rules.cancel_deadline_minutes() / 60,
            max: timebook.rules.max_future_appointments(),
            confirm: saved.confirm_booking,
            reminders: reminders_text(t, &saved.reminders),
            reminders_field: format!("paminnelser-{}", timebook.id.0),
            reminders_error: None,
            modes: super::booking_mode::choices(state, t, timebook.id).await?,
            places: places
                .into_iter()
                .map(|r| PlaceView {
                    name: r.name.to_string(),
                    description: r.description.to_string(),
                    address: r.location.address.to_string(),
                    practitioner: r.practitioner.and_then(practitioner_name),
                })
                .collect(),
            practitioner_bound: timebook.kind.practitioner_bound(),
            practitioners: practitioners
                .iter()
                .map(|p| PractitionerChoice {
                    id: p.practitioner.id.0,
                    name: p.practitioner.full_name(),
                })
                .collect(),
            types: types
                .iter()
                .map(|y| crate::portal::describe_type(t, y))
                .collect(),
        };
        if let Some(refused) = refused.as_ref().filter(|r| r.timebook == timebook.id) {
            view.confirm = refused.confirm;
            view.reminders.clone_from(&refused.typed);
            view.reminders_field = REFUSED_REMINDERS_FIELD.into();
            view.reminders_error = Some(refused.message.clone());
        }
        views.push(view);
    }
    Ok(views)
}

async fn page(
    state: &AppState,
    staff: &StaffMember,
    info: Option<String>,
    refused: Option<RefusedNotices>,
) -> Result<TimebooksPage, Failure> {
    let t = staff.visitor.t;
    let clinic = state
        .store
        .clinic(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let mut timebooks = state
        .store
        .timebooks(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    timebooks.sort_by_key(|tb| tb.kind);
    let views = timebook_views(state, staff, &timebooks, refused).await?;
    // Only the kinds the register has switched on for this clinic can be created.
    let enabled = state
        .store
        .enabled_services(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let info = info.unwrap_or_else(|| clinic.info.to_string());
    let count = domain::count_characters(info.trim()).to_string();
    Ok(TimebooksPage {
        page: Page::staff(&staff.visitor, "timebooks-title", "/klinikk/timeboker"),
        notice: None,
        errors: Vec::new(),
        info_error: None,
        counter: t.arg("timebooks-info-counter", "count", &count),
        counter_template: t.arg("timebooks-info-counter", "count", "{count}"),
        info,
        timebooks: views,
        missing: enabled
            .into_iter()
            .filter(|kind| timebooks.iter().all(|tb| tb.kind != *kind))
            .map(|kind| KindChoice {
                code: kind.code(),
                label: t.get(kind.service_label_message()),
            })
            .collect(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    staff: StaffMember,
    Query(notice): Query<Notice>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let mut page = page(&state, &staff, None, None).await?;
    page.notice = match notice.melding.as_deref() {
        Some("info") => Some(t.get("timebooks-info-saved")),
        Some("varsler") => Some(t.get("timebooks-notices-saved")),
        Some("regler") => Some(t.get("timebooks-rules-saved")),
        Some("regler-ugyldig") => Some(t.get("timebooks-rules-invalid")),
        Some("sted") => Some(t.get("timebooks-place-saved")),
        Some("sted-ugyldig") => Some(t.get("timebooks-place-invalid")),
        Some("sted-fastlege") => Some(t.get("timebooks-place-practitioner-missing")),
        Some("timetype") => Some(t.get("timebooks-type-saved")),
        Some("timetype-ugyldig") => Some(t.get("timebooks-type-invalid")),
        Some("opprettet") => Some(t.get("timebooks-created")),
        Some("bestillingsmate") => Some(t.get("timebooks-mode-saved")),
        _ => None,
    };
    Ok(html(&page).into_response())
}

#[derive(Deserialize)]
pub struct InfoForm {
    informasjon: Option<String>,
}

pub async fn save_info(
    State(state): State<AppState>,
    staff: StaffMember,
    Form(form): Form<InfoForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let typed = form.informasjon.unwrap_or_default();
    let info = match InfoText::parse(&typed) {
        Ok(info) => info,
        Err(error) => {
            let mut page = page(&state, &staff, Some(typed), None).await?;
            let key = crate::texts::text_refusal(&error).unwrap_or("timebooks-info-too-long");
            page.info_error = Some(t.get(key));
            page.errors.push(FieldError {
                field: "informasjon",
                label: t.get("timebooks-info-label"),
            });
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
        }
    };
    let clinic = state
        .store
        .clinic(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    state
        .store
        .save_clinic(&staff.actor, clinic.her_id, &clinic.name, &info)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to("/klinikk/timeboker?melding=info").into_response())
}

/// A timebook of the staff member's own clinic.
pub(super) async fn own(
    state: &AppState,
    staff: &StaffMember,
    id: i64,
) -> Result<Timebook, Failure> {
    let t = staff.visitor.t;
    let timebooks = state
        .store
        .timebooks(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    timebooks
        .into_iter()
        .find(|tb| tb.id == TimebookId(id))
        .ok_or(Failure::new(t, Kind::NotFound))
}

#[derive(Deserialize)]
pub struct RulesForm {
    varsel: Option<String>,
    horisont: Option<String>,
    frist: Option<String>,
    maks: Option<String>,
}

pub async fn save_rules(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
    Form(form): Form<RulesForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let timebook = own(&state, &staff, id).await?;
    let number = |text: Option<String>| text.and_then(|v| v.trim().parse::<i64>().ok());
    let rules = match (
        number(form.varsel),
        number(form.horisont),
        number(form.frist),
        number(form.maks),
    ) {
        (Some(notice), Some(horizon), Some(hours), Some(max)) => {
            BookingRules::new(notice, horizon, hours.saturating_mul(60), max).ok()
        }
        _ => None,
    };
    let Some(rules) = rules else {
        return Ok(Redirect::to("/klinikk/timeboker?melding=regler-ugyldig").into_response());
    };
    state
        .store
        .save_timebook(&staff.actor, staff.clinic_id, timebook.kind, rules)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to("/klinikk/timeboker?melding=regler").into_response())
}

#[derive(Deserialize)]
pub struct NoticesForm {
    /// The checkbox, sent only when ticked.
    bekreftelse: Option<String>,
    paminnelser: Option<String>,
}

/// The message for reminders that cannot be used, naming the item.
fn reminders_message(t: crate::texts::T, error: &RemindersError) -> String {
    match error {
        RemindersError::Unreadable(item) => t.arg("timebooks-reminders-unreadable", "item", item),
        RemindersError::TooShort(item) => t.arg("timebooks-reminders-too-short", "item", item),
        RemindersError::TooLong(item) => t.arg("timebooks-reminders-too-long", "item", item),
        RemindersError::Duplicate(item) => t.arg("timebooks-reminders-duplicate", "item", item),
        RemindersError::TooMany => t.get("timebooks-reminders-too-many"),
    }
}

/// «Bekreftelse rett etter bestilling» and «Påminnelser» of one timebook. Reminders that
/// cannot be used are shown again as typed, with a message, and nothing is saved.
pub async fn save_notices(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
    Form(form): Form<NoticesForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let timebook = own(&state, &staff, id).await?;
    let confirm_booking = match form.bekreftelse.as_deref() {
        None => false,
        Some("ja") => true,
        Some(_) => return Err(Failure::new(t, Kind::BadRequest)),
    };
    // A browser always sends the text field, empty or not.
    let typed = form.paminnelser.ok_or(Failure::new(t, Kind::BadRequest))?;
    let reminders = match ReminderOffsets::parse(&typed) {
        Ok(reminders) => reminders,
        Err(error) => {
            let message = reminders_message(t, &error);
            let refused = RefusedNotices {
                timebook: timebook.id,
                confirm: confirm_booking,
                typed,
                message: message.clone(),
            };
            let mut page = page(&state, &staff, None, Some(refused)).await?;
            page.errors.push(FieldError {
                field: REFUSED_REMINDERS_FIELD,
                label: message,
            });
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
        }
    };
    let notices = TimebookNotices {
        confirm_booking,
        reminders,
    };
    state
        .store
        .save_timebook_notices(&staff.actor, staff.clinic_id, timebook.id, &notices)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to("/klinikk/timeboker?melding=varsler").into_response())
}

#[derive(Deserialize)]
pub struct PlaceForm {
    navn: Option<String>,
    beskrivelse: Option<String>,
    adresse: Option<String>,
    /// In a timebook of GPs: whose place it is.
    fastlege: Option<String>,
}

pub async fn save_place(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
    Form(form): Form<PlaceForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let timebook = own(&state, &staff, id).await?;
    let practitioner = if timebook.kind.practitioner_bound() {
        let practitioners = state
            .store
            .practitioners(staff.clinic_id)
            .await
            .map_err(|e| Failure::store(t, e))?;
        let wanted = form
            .fastlege
            .as_deref()
            .and_then(|p| p.trim().parse::<i64>().ok());
        match practitioners
            .into_iter()
            .find(|p| Some(p.practitioner.id.0) == wanted)
        {
            Some(found) => Some(found.practitioner),
            None => {
                return Ok(Redirect::to("/klinikk/timeboker?melding=sted-fastlege").into_response());
            }
        }
    } else {
        None
    };
    // A GP's place is named after the GP unless the office names it.
    let typed = form.navn.as_deref().unwrap_or_default();
    let name = match &practitioner {
        Some(gp) if typed.trim().is_empty() => ResourceName::parse(&gp.full_name()),
        _ => ResourceName::parse(typed),
    };
    let description = Description::parse(form.beskrivelse.as_deref().unwrap_or_default());
    let address = Address::parse(form.adresse.as_deref().unwrap_or_default());
    let (Ok(name), Ok(description), Ok(address)) = (name, description, address) else {
        return Ok(Redirect::to("/klinikk/timeboker?melding=sted-ugyldig").into_response());
    };
    let location = state
        .store
        .save_location(&staff.actor, staff.clinic_id, &address)
        .await
        .map_err(|e| Failure::store(t, e))?;
    state
        .store
        .save_resource(
            &staff.actor,
            timebook.id,
            &store::NewPlace {
                name: &name,
                description: &description,
                practitioner: practitioner.map(|p| p.id),
            },
            &location,
        )
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to("/klinikk/timeboker?melding=sted").into_response())
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(rename = "type")]
    type_: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    staff: StaffMember,
    Form(form): Form<CreateForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let kind = TimebookKind::parse(form.type_.as_deref().unwrap_or_default())
        .map_err(|_| Failure::new(t, Kind::BadRequest))?;
    let enabled = state
        .store
        .enabled_services(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    if !enabled.contains(&kind) {
        return Err(Failure::new(t, Kind::NotFound));
    }
    let existing = state
        .store
        .timebooks(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    if existing.iter().all(|tb| tb.kind != kind) {
        state
            .store
            .save_timebook(&staff.actor, staff.clinic_id, kind, BookingRules::default())
            .await
            .map_err(|e| Failure::store(t, e))?;
    }
    Ok(Redirect::to("/klinikk/timeboker?melding=opprettet").into_response())
}

#[derive(Deserialize)]
pub struct TypeForm {
    navn: Option<String>,
    minutter: Option<String>,
    telefon: Option<String>,
}

/// «Timetyper»: a type of appointment of the timebook, created or changed by its name.
pub async fn save_type(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
    Form(form): Form<TypeForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let timebook = own(&state, &staff, id).await?;
    let name = domain::AppointmentTypeName::parse(form.navn.as_deref().unwrap_or_default());
    let length = form
        .minutter
        .as_deref()
        .and_then(|m| m.trim().parse::<i64>().ok())
        .map(domain::SlotLength::minutes);
    let (Ok(name), Some(Ok(length))) = (name, length) else {
        return Ok(Redirect::to("/klinikk/timeboker?melding=timetype-ugyldig").into_response());
    };
    let attendance = if form.telefon.is_some() {
        domain::Attendance::Telephone
    } else {
        domain::Attendance::InPerson
    };
    state
        .store
        .save_appointment_type(
            &staff.actor,
            staff.clinic_id,
            timebook.id,
            &store::NewAppointmentType {
                name,
                length,
                attendance,
            },
        )
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to("/klinikk/timeboker?melding=timetype").into_response())
}
