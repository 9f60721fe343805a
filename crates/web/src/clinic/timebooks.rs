//! «Timebøker»: the office's info text, each timebook's booking rules and places, and new
//! timebooks.

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
    Address, BookingRules, Description, InfoText, ResourceName, Timebook, TimebookId, TimebookKind,
};
use serde::Deserialize;

pub struct PlaceView {
    name: String,
    description: String,
    address: String,
}

pub struct TimebookView {
    id: i64,
    label: String,
    min_notice: u32,
    horizon: u32,
    deadline_hours: u32,
    max: u32,
    places: Vec<PlaceView>,
}

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

async fn page(
    state: &AppState,
    staff: &StaffMember,
    info: Option<String>,
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
    let mut views = Vec::new();
    for timebook in &timebooks {
        let places = state
            .store
            .resources(timebook.id)
            .await
            .map_err(|e| Failure::store(t, e))?;
        views.push(TimebookView {
            id: timebook.id.0,
            label: t.get(timebook.kind.service_label_message()),
            min_notice: timebook.rules.min_notice_minutes(),
            horizon: timebook.rules.horizon_days(),
            deadline_hours: timebook.rules.cancel_deadline_minutes() / 60,
            max: timebook.rules.max_future_appointments(),
            places: places
                .into_iter()
                .map(|r| PlaceView {
                    name: r.name.to_string(),
                    description: r.description.to_string(),
                    address: r.location.address.to_string(),
                })
                .collect(),
        });
    }
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
    let mut page = page(&state, &staff, None).await?;
    page.notice = match notice.melding.as_deref() {
        Some("info") => Some(t.get("timebooks-info-saved")),
        Some("regler") => Some(t.get("timebooks-rules-saved")),
        Some("regler-ugyldig") => Some(t.get("timebooks-rules-invalid")),
        Some("sted") => Some(t.get("timebooks-place-saved")),
        Some("sted-ugyldig") => Some(t.get("timebooks-place-invalid")),
        Some("opprettet") => Some(t.get("timebooks-created")),
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
            let mut page = page(&state, &staff, Some(typed)).await?;
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
async fn own(state: &AppState, staff: &StaffMember, id: i64) -> Result<Timebook, Failure> {
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
pub struct PlaceForm {
    navn: Option<String>,
    beskrivelse: Option<String>,
    adresse: Option<String>,
}

pub async fn save_place(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
    Form(form): Form<PlaceForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let timebook = own(&state, &staff, id).await?;
    let name = ResourceName::parse(form.navn.as_deref().unwrap_or_default());
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
        .save_resource(&staff.actor, timebook.id, &name, &description, &location)
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
