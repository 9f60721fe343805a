//! «Publisering»: a slot template, its preview (across daylight saving changes too), and
//! publishing or unpublishing it.

use crate::AppState;
use crate::failure::{Failure, Kind};
use crate::pages::{FieldError, Page, html};
use crate::texts::{T, clock};
use crate::visitor::StaffMember;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Capacity, DomainError, ResourceId, SlotLength, SlotTemplate, TemplateId, Weekdays};
use jiff::civil::{Date, Time, Weekday};
use std::collections::BTreeMap;

/// The days of the preview shown in full; the rest are counted.
const PREVIEW_DAYS: usize = 31;

pub struct Choice {
    id: i64,
    label: String,
    chosen: bool,
}

pub struct DayBox {
    number: i8,
    label: String,
    checked: bool,
}

pub struct PreviewDay {
    label: String,
    times: String,
}

pub struct TemplateLine {
    id: i64,
    text: String,
    published: bool,
}

#[derive(Template)]
#[template(path = "publishing.html")]
struct PublishingPage {
    page: Page,
    notice: Option<String>,
    errors: Vec<FieldError>,
    error: Option<String>,
    resources: Vec<Choice>,
    days: Vec<DayBox>,
    from: String,
    to: String,
    length: String,
    capacity: String,
    first: String,
    last: String,
    preview_title: Option<String>,
    preview: Vec<PreviewDay>,
    preview_more: Option<String>,
    templates: Vec<TemplateLine>,
    day: String,
    day_slots: Vec<SlotLine>,
}

pub struct SlotLine {
    id: i64,
    text: String,
    published: bool,
    deletable: bool,
}

/// The form as typed; every field is kept so that a refused form comes back filled in.
#[derive(Default)]
struct Typed {
    resource: Option<i64>,
    days: Vec<i8>,
    from: String,
    to: String,
    length: String,
    capacity: String,
    first: String,
    last: String,
    preview: bool,
}

fn typed(pairs: &[(String, String)]) -> Typed {
    let mut typed = Typed::default();
    for (key, value) in pairs {
        let value = value.trim().to_owned();
        match key.as_str() {
            "ressurs" => typed.resource = value.parse().ok(),
            "dag" => typed.days.extend(value.parse::<i8>().ok()),
            "fra" => typed.from = value,
            "til" => typed.to = value,
            "lengde" => typed.length = value,
            "plasser" => typed.capacity = value,
            "forste" => typed.first = value,
            "siste" => typed.last = value,
            "forhandsvis" => typed.preview = true,
            _ => {}
        }
    }
    typed
}

/// Why a template form is refused: a field missing or unreadable, or a rule broken.
enum Problem {
    Missing,
    /// A date outside what Timebok accepts (`domain::parse_date`), and the field it was typed in.
    DateOutOfRange(&'static str),
    Invalid(DomainError),
}

impl From<DomainError> for Problem {
    fn from(error: DomainError) -> Self {
        Self::Invalid(error)
    }
}

/// The problem's message and the field it concerns.
fn problem(error: &Problem) -> (&'static str, &'static str) {
    let error = match error {
        Problem::Invalid(error) => error,
        Problem::DateOutOfRange(field) => return ("date-out-of-range", field),
        Problem::Missing => return ("publishing-error-missing", "ressurs"),
    };
    match error {
        DomainError::TemplateEndNotAfterStart => ("publishing-error-end", "til"),
        DomainError::TemplateShorterThanSlot => ("publishing-error-short", "til"),
        DomainError::DatesReversed => ("publishing-error-dates", "siste"),
        DomainError::TemplateRangeTooLong => ("publishing-error-year", "siste"),
        DomainError::InThePast => ("publishing-error-past", "forste"),
        DomainError::TemplateNoWeekdays | DomainError::Weekday => {
            ("publishing-error-weekdays", "dag-1")
        }
        DomainError::SlotLength => ("publishing-error-length", "lengde"),
        DomainError::Capacity => ("publishing-error-capacity", "plasser"),
        _ => ("publishing-error-missing", "ressurs"),
    }
}

fn parse(typed: &Typed, today: Date) -> Result<(ResourceId, SlotTemplate), Problem> {
    let resource = typed.resource.map(ResourceId).ok_or(Problem::Missing)?;
    let days: Vec<Weekday> = typed
        .days
        .iter()
        .filter_map(|d| Weekday::from_monday_one_offset(*d).ok())
        .collect();
    let time = |text: &str| text.parse::<Time>().map_err(|_| Problem::Missing);
    let date = |text: &str, field: &'static str| match domain::parse_date(text) {
        Ok(date) => Ok(date),
        Err(DomainError::DateOutOfRange) => Err(Problem::DateOutOfRange(field)),
        Err(_) => Err(Problem::Missing),
    };
    let number = |text: &str| text.parse::<i64>().map_err(|_| Problem::Missing);
    let template = SlotTemplate::new(
        Weekdays::from_days(&days)?,
        time(&typed.from)?,
        time(&typed.to)?,
        SlotLength::minutes(number(&typed.length)?)?,
        Capacity::new(number(&typed.capacity)?)?,
        date(&typed.first, "forste")?,
        date(&typed.last, "siste")?,
        today,
    )?;
    Ok((resource, template))
}

fn weekday_names(t: T, weekdays: Weekdays) -> String {
    (1..=7)
        .filter_map(|n| Weekday::from_monday_one_offset(n).ok())
        .filter(|d| weekdays.contains(*d))
        .map(|d| t.get(&format!("weekday-short-{}", d.to_monday_one_offset())))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The clinic's places with their labels.
async fn place_labels(
    state: &AppState,
    staff: &StaffMember,
) -> Result<Vec<(domain::ResourceId, String)>, Failure> {
    Ok(super::places(state, staff)
        .await?
        .into_iter()
        .map(|place| (place.id, place.label))
        .collect())
}

/// The clinic's places to choose from, and each place's label by id.
async fn resource_choices(
    state: &AppState,
    staff: &StaffMember,
    typed: &Typed,
) -> Result<(Vec<Choice>, BTreeMap<domain::ResourceId, String>), Failure> {
    let places = place_labels(state, staff).await?;
    let resources = places
        .iter()
        .map(|(id, label)| Choice {
            id: id.0,
            label: label.clone(),
            chosen: typed.resource == Some(id.0),
        })
        .collect();
    Ok((resources, places.into_iter().collect()))
}

/// The clinic's templates, each in a sentence.
async fn template_lines(
    state: &AppState,
    staff: &StaffMember,
    names: &BTreeMap<domain::ResourceId, String>,
) -> Result<Vec<TemplateLine>, Failure> {
    let t = staff.visitor.t;
    Ok(state
        .store
        .templates(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?
        .into_iter()
        .map(|stored| {
            let template = &stored.template;
            let text = t.args(
                "publishing-template-line",
                &[
                    (
                        "resource",
                        names.get(&stored.resource_id).map_or("", String::as_str),
                    ),
                    ("days", &weekday_names(t, template.weekdays())),
                    ("from", &template.from().strftime("%H:%M").to_string()),
                    ("to", &template.to().strftime("%H:%M").to_string()),
                    ("first", &t.short_date(template.first_day())),
                    ("last", &t.short_date(template.last_day())),
                ],
            );
            TemplateLine {
                id: stored.id.0,
                text,
                published: stored.published,
            }
        })
        .collect())
}

async fn page(
    state: &AppState,
    staff: &StaffMember,
    typed: &Typed,
    today: Date,
) -> Result<PublishingPage, Failure> {
    let t = staff.visitor.t;
    let (resources, names) = resource_choices(state, staff, typed).await?;
    let templates = template_lines(state, staff, &names).await?;
    let or = |value: &str, default: String| {
        if value.is_empty() {
            default
        } else {
            value.to_owned()
        }
    };
    Ok(PublishingPage {
        page: Page::staff(&staff.visitor, "publishing-title", "/klinikk/publisering"),
        notice: None,
        errors: Vec::new(),
        error: None,
        resources,
        days: (1..=7)
            .map(|n| DayBox {
                number: n,
                label: t.get(&format!("weekday-{n}")),
                checked: if typed.days.is_empty() && !typed.preview {
                    n <= 5
                } else {
                    typed.days.contains(&n)
                },
            })
            .collect(),
        from: or(&typed.from, "08:00".into()),
        to: or(&typed.to, "11:00".into()),
        length: or(&typed.length, "15".into()),
        capacity: or(&typed.capacity, "1".into()),
        first: or(&typed.first, today.to_string()),
        last: or(
            &typed.last,
            today
                .checked_add(jiff::Span::new().days(27))
                .unwrap_or(today)
                .to_string(),
        ),
        preview_title: None,
        preview: Vec::new(),
        preview_more: None,
        templates,
        day: today.to_string(),
        day_slots: Vec::new(),
    })
}

/// The clinic's slots on one day, with their resource names.
async fn day_slots(
    state: &AppState,
    staff: &StaffMember,
    day: Date,
) -> Result<Vec<SlotLine>, Failure> {
    let t = staff.visitor.t;
    let names: BTreeMap<_, _> = place_labels(state, staff).await?.into_iter().collect();
    let slots = state
        .store
        .day_slots(staff.clinic_id, day)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(slots
        .into_iter()
        .map(|slot| SlotLine {
            id: slot.id.0,
            text: t.args(
                "publishing-slot-line",
                &[
                    ("time", &t.time_range(slot.start, slot.end(), &state.zone)),
                    (
                        "resource",
                        names.get(&slot.resource_id).map_or("", String::as_str),
                    ),
                    ("booked", &slot.booked.to_string()),
                    ("capacity", &slot.capacity.get().to_string()),
                ],
            ),
            published: slot.published,
            deletable: slot.booked == 0,
        })
        .collect())
}

fn refuse(page: &mut PublishingPage, t: T, error: &Problem) {
    let (key, field) = problem(error);
    page.error = Some(t.get(key));
    page.errors.push(FieldError {
        field,
        label: t.get(key),
    });
}

pub async fn show(
    State(state): State<AppState>,
    staff: StaffMember,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let typed = typed(&pairs);
    let today = state.today();
    let mut page = page(&state, &staff, &typed, today).await?;
    let notice = pairs
        .iter()
        .find(|(k, _)| k == "melding")
        .map(|(_, v)| v.as_str());
    page.notice = match notice {
        Some("publisert") => {
            let count = pairs
                .iter()
                .find(|(k, _)| k == "antall")
                .map_or("0", |(_, v)| v.as_str());
            Some(t.arg("publishing-published", "count", count))
        }
        Some("avpublisert") => Some(t.get("publishing-unpublished")),
        Some("slettet") => Some(t.get("publishing-slot-deleted")),
        Some("endret") => Some(t.get("publishing-slot-changed")),
        Some("i-bruk") => Some(t.get("publishing-slot-in-use")),
        _ => None,
    };
    let overlapping = pairs
        .iter()
        .find(|(k, _)| k == "overlapp")
        .map(|(_, v)| v.as_str())
        .filter(|v| *v != "0");
    if let (Some(notice), Some(count)) = (page.notice.as_mut(), overlapping) {
        notice.push(' ');
        notice.push_str(&t.arg("publishing-overlapping", "count", count));
    }
    let day = pairs
        .iter()
        .find(|(k, _)| k == "dag")
        .and_then(|(_, v)| domain::parse_date(v).ok())
        .unwrap_or(today);
    page.day = day.to_string();
    page.day_slots = day_slots(&state, &staff, day).await?;
    if typed.preview {
        preview(&state, &mut page, &typed, today);
    }
    Ok(html(&page).into_response())
}

/// The slots the typed template would publish, shown on the page, or why it would not.
fn preview(state: &AppState, page: &mut PublishingPage, typed: &Typed, today: Date) {
    let t = page.page.t;
    match parse(typed, today) {
        Ok((_, template)) => {
            let mut by_day: BTreeMap<Date, Vec<String>> = BTreeMap::new();
            let planned = template.expand(&state.zone);
            for slot in &planned {
                let day = state.day_of(slot.start);
                by_day
                    .entry(day)
                    .or_default()
                    .push(clock(slot.start, &state.zone));
            }
            page.preview_title = Some(t.arg(
                "publishing-preview-title",
                "count",
                &planned.len().to_string(),
            ));
            let more = by_day.len().saturating_sub(PREVIEW_DAYS);
            page.preview = by_day
                .into_iter()
                .take(PREVIEW_DAYS)
                .map(|(day, times)| PreviewDay {
                    label: t.long_date(day),
                    times: times.join(", "),
                })
                .collect();
            page.preview_more =
                (more > 0).then(|| t.arg("publishing-preview-more", "days", &more.to_string()));
        }
        Err(error) => refuse(page, t, &error),
    }
}

pub async fn publish(
    State(state): State<AppState>,
    staff: StaffMember,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let typed = typed(&pairs);
    let today = state.today();
    // «Forhåndsvis» posts the form too, so that its CSRF token stays out of the address.
    if typed.preview {
        let mut page = page(&state, &staff, &typed, today).await?;
        page.day = today.to_string();
        page.day_slots = day_slots(&state, &staff, today).await?;
        preview(&state, &mut page, &typed, today);
        return Ok(html(&page).into_response());
    }
    let (resource, template) = match parse(&typed, today) {
        Ok(parsed) => parsed,
        Err(error) => {
            let mut page = page(&state, &staff, &typed, today).await?;
            refuse(&mut page, t, &error);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
        }
    };
    // Only a resource of the staff member's own clinic.
    let mut own = false;
    for timebook in state
        .store
        .timebooks(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?
    {
        let resources = state
            .store
            .resources(timebook.id)
            .await
            .map_err(|e| Failure::store(t, e))?;
        own |= resources.iter().any(|r| r.id == resource);
    }
    if !own {
        return Err(Failure::new(t, Kind::NotFound));
    }
    let id = state
        .store
        .create_template(&staff.actor, resource, &template)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let report = state
        .store
        .publish_template(&staff.actor, id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to(&format!(
        "/klinikk/publisering?melding=publisert&antall={}&overlapp={}",
        report.created, report.overlapping
    ))
    .into_response())
}

/// A slot of the staff member's own clinic, and the day it is on.
async fn own_slot(
    state: &AppState,
    staff: &StaffMember,
    id: i64,
) -> Result<(domain::SlotId, Date), Failure> {
    let t = staff.visitor.t;
    // Another clinic's slot is not found, by the store's one check of reach.
    let slot = state
        .store
        .slot_in_reach(domain::Reach::Clinic(staff.clinic_id), domain::SlotId(id))
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok((slot.id, state.day_of(slot.start)))
}

pub async fn slot_published(
    State(state): State<AppState>,
    staff: StaffMember,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let (slot, day) = own_slot(&state, &staff, id).await?;
    let published = match action.as_str() {
        "publiser" => true,
        "avpubliser" => false,
        _ => return Err(Failure::new(t, Kind::NotFound)),
    };
    state
        .store
        .set_slot_published(&staff.actor, slot, published)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to(&format!("/klinikk/publisering?dag={day}&melding=endret")).into_response())
}

pub async fn delete_slot(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let (slot, day) = own_slot(&state, &staff, id).await?;
    match state
        .store
        .delete_slot(&staff.actor, staff.clinic_id, slot)
        .await
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/klinikk/publisering?dag={day}&melding=slettet"))
                .into_response(),
        ),
        Err(store::StoreError::SlotInUse) => Ok(Redirect::to(&format!(
            "/klinikk/publisering?dag={day}&melding=i-bruk"
        ))
        .into_response()),
        Err(error) => Err(Failure::store(t, error)),
    }
}

/// A template of the staff member's own clinic.
async fn own_template(
    state: &AppState,
    staff: &StaffMember,
    id: i64,
) -> Result<TemplateId, Failure> {
    let t = staff.visitor.t;
    let templates = state
        .store
        .templates(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    templates
        .iter()
        .find(|s| s.id.0 == id)
        .map(|s| s.id)
        .ok_or(Failure::new(t, Kind::NotFound))
}

pub async fn unpublish(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let id = own_template(&state, &staff, id).await?;
    state
        .store
        .unpublish_template(&staff.actor, id)
        .await
        .map_err(|e| Failure::store(staff.visitor.t, e))?;
    Ok(Redirect::to("/klinikk/publisering?melding=avpublisert").into_response())
}

pub async fn republish(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let id = own_template(&state, &staff, id).await?;
    let report = state
        .store
        .publish_template(&staff.actor, id)
        .await
        .map_err(|e| Failure::store(staff.visitor.t, e))?;
    Ok(Redirect::to(&format!(
        "/klinikk/publisering?melding=publisert&antall={}&overlapp={}",
        report.created, report.overlapping
    ))
    .into_response())
}
