//! «Sett meg på venteliste»: a patient who finds no time that suits on «Velg time» says which
//! weekdays, times of day and days would, at one place or any, and waits for the timebook;
//! «Timeavtaler» lists what they wait for, with a place held for them when there is one, and
//! lets them leave. Which places are offered to whom, and when, is the store's (see its
//! `waitlist` module); booking an offered place is the booking core's.

use super::refusals;
use crate::AppState;
use crate::failure::Failure;
use crate::pages::{FieldError, Page, html};
use crate::texts::{T, clock};
use crate::visitor::Patient;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{DomainError, ResourceId, TimebookId, WaitlistWish, WishError};
use jiff::civil::{Date, Time, Weekday};
use serde::Deserialize;
use store::{JoinWaitlist, Joined, OfferedTimebook, StoreError, WaitlistEntry};

/// What a patient waits for, in words: the weekdays, the time of day and the days.
pub(crate) fn wish_text(t: T, wish: &WaitlistWish) -> String {
    let days = (1..=7)
        .filter_map(|n| Weekday::from_monday_one_offset(n).ok())
        .filter(|d| wish.weekdays().contains(*d))
        .map(|d| t.get(&format!("weekday-short-{}", d.to_monday_one_offset())))
        .collect::<Vec<_>>()
        .join(", ");
    let time = match (wish.minutes(), wish.to_time()) {
        ((0, _), None) => t.get("waitlist-whole-day"),
        (_, to) => t.args(
            "waitlist-time-range",
            &[
                ("from", &wish.from_time().strftime("%H:%M").to_string()),
                (
                    "to",
                    &to.map_or("24:00".into(), |to| to.strftime("%H:%M").to_string()),
                ),
            ],
        ),
    };
    let dates = t.args(
        "waitlist-date-range",
        &[
            ("from", &t.short_date(wish.first_day())),
            ("to", &t.short_date(wish.last_day())),
        ],
    );
    t.args(
        "waitlist-entry-wish",
        &[("days", &days), ("time", &time), ("when", &dates)],
    )
}

// --- «Timeavtaler» -----------------------------------------------------------------------------

/// One entry as «Timeavtaler» shows it.
pub struct EntryView {
    pub id: i64,
    pub title: String,
    pub wish: String,
    pub place: String,
    /// The place held for the patient now: what it is, and its offer's id.
    pub offer: Option<(String, i64)>,
}

fn entry_view(state: &AppState, t: T, entry: &WaitlistEntry) -> EntryView {
    EntryView {
        id: entry.id,
        title: t.args(
            "waitlist-entry-title",
            &[
                ("service", &t.get(entry.kind.service_label_message())),
                ("clinic", entry.clinic_name.as_str()),
            ],
        ),
        wish: wish_text(t, &entry.wish),
        place: match &entry.place {
            Some(place) => t.arg("waitlist-entry-place", "place", place.as_str()),
            None => t.get("waitlist-place-any"),
        },
        offer: entry.offer.map(|offer| {
            let when = t.args(
                "date-time",
                &[
                    ("date", &t.long_date(state.day_of(offer.start))),
                    ("time", &clock(offer.start, &state.zone)),
                ],
            );
            let text = t.args(
                "waitlist-offer-open",
                &[
                    ("time", &clock(offer.expires_at, &state.zone)),
                    ("when", &when),
                ],
            );
            (text, offer.id)
        }),
    }
}

/// The patient's waiting entries for «Timeavtaler».
pub(crate) async fn entries(
    state: &AppState,
    patient: &Patient,
) -> Result<Vec<EntryView>, Failure> {
    let t = patient.visitor.t;
    let entries = state
        .store
        .patient_waitlist(&patient.id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(entries.iter().map(|e| entry_view(state, t, e)).collect())
}

/// «Timeavtaler»'s notice for a `venteliste` it was sent back with.
pub(crate) fn notice(code: Option<&str>) -> Option<&'static str> {
    match code {
        Some("ny") => Some("waitlist-notice-joined"),
        Some("allerede") => Some("waitlist-notice-already"),
        Some("forlatt") => Some("waitlist-notice-left"),
        Some("avslatt") => Some("waitlist-notice-declined"),
        _ => None,
    }
}

/// «Forlat ventelisten»: only the patient's own waiting entry; any other is not found.
pub async fn leave(
    State(state): State<AppState>,
    patient: Patient,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    state
        .store
        .leave_waitlist(&patient.caller(), id)
        .await
        .map_err(|e| Failure::store(patient.visitor.t, e))?;
    Ok(Redirect::to("/timeavtaler?venteliste=forlatt#venteliste").into_response())
}

// --- «Sett meg på venteliste» ------------------------------------------------------------------

pub struct PlaceChoice {
    value: String,
    label: String,
    chosen: bool,
}

/// A weekday's checkbox of «Hvilke dager passer?».
pub struct DayBox {
    pub(crate) number: i8,
    pub(crate) label: String,
    pub(crate) checked: bool,
}

#[derive(Template)]
#[template(path = "waitlist_join.html")]
struct JoinPage {
    page: Page,
    timebook_id: i64,
    intro: String,
    service: String,
    places: Vec<PlaceChoice>,
    days: Vec<DayBox>,
    typed: Typed,
    days_hint: String,
    errors: Vec<FieldError>,
    place_error: Option<String>,
    weekdays_error: Option<String>,
    time_error: Option<String>,
    dates_error: Option<String>,
    back_href: String,
}

/// The form as typed, kept whole so that a refused form comes back filled in. A request for
/// a time (timeønske) asks for the days and times that suit with the same fields.
#[derive(Default)]
pub(super) struct Typed {
    pub(super) place: String,
    pub(super) days: Vec<i8>,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) first: String,
    pub(crate) last: String,
}

impl Typed {
    pub(super) fn read(pairs: &[(String, String)]) -> Self {
        let mut typed = Self::default();
        for (key, value) in pairs {
            let value = value.trim().to_owned();
            match key.as_str() {
                "sted" => typed.place = value,
                "dag" => typed.days.extend(value.parse::<i8>().ok()),
                "fra" => typed.from = value,
                "til" => typed.to = value,
                "forste" => typed.first = value,
                "siste" => typed.last = value,
                _ => {}
            }
        }
        typed
    }

    /// Monday to Friday: where a patient starts.
    pub(super) fn weekdays() -> Self {
        Self {
            days: (1..=5).collect(),
            ..Self::default()
        }
    }
}

/// What is wrong with each part of the form, as message keys.
#[derive(Default)]
pub(super) struct Problems {
    pub(super) place: Option<&'static str>,
    pub(super) weekdays: Option<&'static str>,
    pub(super) time: Option<&'static str>,
    pub(super) dates: Option<&'static str>,
}

impl Problems {
    pub(super) fn any(&self) -> bool {
        self.place.is_some()
            || self.weekdays.is_some()
            || self.time.is_some()
            || self.dates.is_some()
    }
}

fn time_field(text: &str, problems: &mut Problems) -> Option<Time> {
    if text.is_empty() {
        return None;
    }
    let time = text.parse::<Time>().ok().filter(|t| t.second() == 0);
    if time.is_none() {
        problems.time = Some("waitlist-error-time");
    }
    time
}

fn date_field(text: &str, problems: &mut Problems) -> Option<Date> {
    if text.is_empty() {
        return None;
    }
    match domain::parse_date(text) {
        Ok(date) => Some(date),
        Err(DomainError::DateOutOfRange) => {
            problems.dates = Some("date-out-of-range");
            None
        }
        Err(_) => {
            problems.dates = Some("waitlist-error-date");
            None
        }
    }
}

/// The place typed: `None` for any; a problem when it is none of the timebook's.
fn place_field(
    text: &str,
    offered: &OfferedTimebook,
    problems: &mut Problems,
) -> Option<ResourceId> {
    if text.is_empty() || text == "alle" {
        return None;
    }
    let place = text
        .parse::<i64>()
        .ok()
        .map(ResourceId)
        .filter(|id| offered.resources.iter().any(|r| r.id == *id));
    if place.is_none() {
        problems.place = Some("waitlist-error-place");
    }
    place
}

/// The entry the form asks for, or what is wrong with it.
fn parse(typed: &Typed, offered: &OfferedTimebook, today: Date) -> Result<JoinWaitlist, Problems> {
    let mut problems = Problems::default();
    let place = place_field(&typed.place, offered, &mut problems);
    let wish = parse_wish(typed, today, problems)?;
    Ok(JoinWaitlist {
        timebook: offered.timebook.id,
        place,
        wish,
    })
}

/// The weekdays, time of day and days the form says suit, or what is wrong with them and
/// with the rest of the form (`problems`, found before).
pub(super) fn parse_wish(
    typed: &Typed,
    today: Date,
    mut problems: Problems,
) -> Result<WaitlistWish, Problems> {
    let times = (
        time_field(&typed.from, &mut problems),
        time_field(&typed.to, &mut problems),
    );
    let dates = (
        date_field(&typed.first, &mut problems),
        date_field(&typed.last, &mut problems),
    );
    let days: Vec<Weekday> = typed
        .days
        .iter()
        .filter_map(|d| Weekday::from_monday_one_offset(*d).ok())
        .collect();
    if days.is_empty() {
        problems.weekdays = Some("waitlist-error-weekdays");
    }
    if problems.any() {
        return Err(problems);
    }
    WaitlistWish::new(&days, times, dates, today).map_err(|error| {
        let mut problems = Problems::default();
        match error {
            WishError::NoWeekday => problems.weekdays = Some("waitlist-error-weekdays"),
            WishError::TimesReversed => problems.time = Some("waitlist-error-times-reversed"),
            WishError::DaysReversed => problems.dates = Some("waitlist-error-days-reversed"),
            WishError::DaysPassed => problems.dates = Some("waitlist-error-days-passed"),
            WishError::TooLong | WishError::Stored => {
                problems.dates = Some("waitlist-error-too-long");
            }
        }
        problems
    })
}

/// The weekdays' checkboxes, ticked as typed.
pub(super) fn day_boxes(t: T, typed: &Typed) -> Vec<DayBox> {
    (1..=7)
        .map(|number| DayBox {
            number,
            label: t.get(&format!("weekday-{number}")),
            checked: typed.days.contains(&number),
        })
        .collect()
}

fn join_page(
    state: &AppState,
    patient: &Patient,
    offered: &OfferedTimebook,
    typed: Typed,
) -> JoinPage {
    let t = patient.visitor.t;
    let minutes = state.store.offer_time().as_mins().to_string();
    let mut places = vec![PlaceChoice {
        value: "alle".into(),
        label: t.get("waitlist-place-any"),
        chosen: typed.place.is_empty() || typed.place == "alle",
    }];
    places.extend(offered.resources.iter().map(|r| PlaceChoice {
        value: r.id.0.to_string(),
        label: r.name.to_string(),
        chosen: typed.place == r.id.0.to_string(),
    }));
    let days = day_boxes(t, &typed);
    JoinPage {
        page: Page::new(&patient.visitor, "waitlist-join-title"),
        timebook_id: offered.timebook.id.0,
        intro: t.arg("waitlist-join-intro", "minutes", &minutes),
        service: t.arg(
            "waitlist-service",
            "service",
            &t.get(offered.timebook.kind.service_label_message()),
        ),
        places,
        days,
        typed,
        days_hint: t.arg(
            "waitlist-days-hint",
            "days",
            &domain::DEFAULT_WAITLIST_DAYS.to_string(),
        ),
        errors: Vec::new(),
        place_error: None,
        weekdays_error: None,
        time_error: None,
        dates_error: None,
        back_href: format!("/bestill/{}", offered.timebook.id),
    }
}

/// The form again, as typed, with what is wrong with each part.
fn refused_page(mut page: JoinPage, t: T, problems: &Problems) -> JoinPage {
    let parts = [
        (
            problems.place,
            "sted",
            "waitlist-place",
            &mut page.place_error,
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
            problems.dates,
            "forste",
            "waitlist-days-legend",
            &mut page.dates_error,
        ),
    ];
    let mut errors = Vec::new();
    for (key, field, label, message) in parts {
        if let Some(key) = key {
            *message = Some(t.get(key));
            errors.push(FieldError {
                field,
                label: format!("{}: {}", t.get(label), t.get(key)),
            });
        }
    }
    page.errors = errors;
    page
}

/// The timebook offered to the patient, or the answer to the booking core's refusal.
async fn offered(
    state: &AppState,
    patient: &Patient,
    timebook: i64,
) -> Result<Result<OfferedTimebook, Response>, Failure> {
    match state
        .store
        .offered_timebook(&patient.caller(), &patient.id, TimebookId(timebook))
        .await
    {
        Ok(offered) => Ok(Ok(offered)),
        Err(StoreError::Refused(refusal)) => refusals::respond(patient, refusal, None).map(Err),
        Err(error) => Err(Failure::store(patient.visitor.t, error)),
    }
}

#[derive(Deserialize, Default)]
pub struct JoinQuery {
    sted: Option<String>,
}

pub async fn form(
    State(state): State<AppState>,
    patient: Patient,
    Path(timebook): Path<i64>,
    Query(query): Query<JoinQuery>,
) -> Result<Response, Failure> {
    let offered = match offered(&state, &patient, timebook).await? {
        Ok(offered) => offered,
        Err(answer) => return Ok(answer),
    };
    let typed = Typed {
        place: query.sted.unwrap_or_default().trim().to_owned(),
        ..Typed::weekdays()
    };
    Ok(html(&join_page(&state, &patient, &offered, typed)).into_response())
}

pub async fn join(
    State(state): State<AppState>,
    patient: Patient,
    Path(timebook): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let offered = match offered(&state, &patient, timebook).await? {
        Ok(offered) => offered,
        Err(answer) => return Ok(answer),
    };
    let typed = Typed::read(&pairs);
    let join = match parse(&typed, &offered, state.today()) {
        Ok(join) => join,
        Err(problems) => {
            let page = refused_page(join_page(&state, &patient, &offered, typed), t, &problems);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
        }
    };
    match state
        .store
        .join_waitlist(&patient.caller(), &patient.id, &join)
        .await
    {
        Ok(Joined::Waiting(_)) => {
            Ok(Redirect::to("/timeavtaler?venteliste=ny#venteliste").into_response())
        }
        Ok(Joined::AlreadyWaiting(_)) => {
            Ok(Redirect::to("/timeavtaler?venteliste=allerede#venteliste").into_response())
        }
        // A blocked patient is told on «Velg time», as when they look for free slots.
        Err(StoreError::Refused(refusal)) => {
            let href = |code: &str| format!("/bestill/{timebook}?melding={code}");
            refusals::respond(&patient, refusal, Some(&href))
        }
        Err(error) => Err(Failure::store(t, error)),
    }
}
