//! The searches: Schedules by actor and service type, and free Slots of a Schedule in a time
//! range, paged, with the Schedule included on request. Unknown parameters are refused rather
//! than ignored, so a client never mistakes an unfiltered answer for a filtered one.

use super::outcome::{Outcome, Problem};
use super::resources::{self, ScheduleView};
use super::{ApiClient, base_url, fhir_json};
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::{SlotId, TimebookKind};
use jiff::{SignedDuration, Timestamp};
use store::CatalogueEntry;
use store::SlotCursor;

/// The longest time range one Slot search may cover.
const MAX_RANGE_DAYS: i64 = 31;
const DEFAULT_COUNT: u32 = 100;
const MAX_COUNT: u32 = 500;

type Params = Vec<(String, String)>;

/// Every schedule the client may see: its service is on, and it is in the client's reach.
/// A GP's place («Konsultasjon med fastlegen») is seen only by clients of its own clinic: its
/// slots are for the patients on that GP's list, not for a slot finder's public.
pub(super) async fn visible(
    state: &AppState,
    client: &ApiClient,
) -> Result<Vec<CatalogueEntry>, Outcome> {
    let reach = client.reach(state).await?;
    let mut entries = state
        .store
        .catalogue(reach)
        .await
        .map_err(|e| Outcome::store(client.t, e))?;
    entries.retain(|e| shown_to(reach, e));
    Ok(entries)
}

/// Whether a client of `reach` is shown the schedule: see [`visible`].
fn shown_to(reach: domain::Reach, entry: &CatalogueEntry) -> bool {
    entry.resource.practitioner.is_none() || matches!(reach, domain::Reach::Clinic(_))
}

/// One schedule, if the client may see it.
pub(super) async fn schedule_of(
    state: &AppState,
    client: &ApiClient,
    resource: i64,
) -> Result<CatalogueEntry, Outcome> {
    let reach = client.reach(state).await?;
    state
        .store
        .schedule(reach, domain::ResourceId(resource))
        .await
        .map_err(|e| Outcome::store(client.t, e))?
        .filter(|e| shown_to(reach, e))
        .ok_or_else(|| Outcome::new(client.t, Problem::NotFound))
}

pub(super) fn refuse_unknown(
    client: &ApiClient,
    params: &Params,
    known: &[&str],
) -> Result<(), Outcome> {
    match params
        .iter()
        .find(|(name, _)| !known.contains(&name.as_str()))
    {
        Some((name, _)) => Err(Outcome::new(
            client.t,
            Problem::NotSupported("fhir-parameter-not-supported", name.clone()),
        )),
        None => Ok(()),
    }
}

/// `Location/12` or `12`.
pub(super) fn id_of(value: &str, resource_type: &str) -> Option<i64> {
    value
        .strip_prefix(resource_type)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(value)
        .parse()
        .ok()
}

/// Whom a Schedule search asks for: a place's Location, or a GP as Practitioner or
/// PractitionerRole (whose id is the Practitioner's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Location(i64),
    Practitioner(i64),
}

impl Actor {
    fn names(self, entry: &CatalogueEntry) -> bool {
        match self {
            Self::Location(id) => entry.resource.location.id.0 == id,
            Self::Practitioner(id) => entry.resource.practitioner.is_some_and(|p| p.0 == id),
        }
    }
}

/// `Location/12`, `12` (a Location), `Practitioner/3` or `PractitionerRole/3`.
fn actor_of(value: &str) -> Option<Actor> {
    for kind in ["PractitionerRole", "Practitioner"] {
        if let Some(id) = value.strip_prefix(kind).and_then(|r| r.strip_prefix('/')) {
            return id.parse().ok().map(Actor::Practitioner);
        }
    }
    id_of(value, "Location").map(Actor::Location)
}

/// `code` or `system|code`.
fn kind_of(value: &str) -> Option<TimebookKind> {
    let code = match value.split_once('|') {
        Some((system, code)) if system.is_empty() || system == resources::SERVICE_TYPE_SYSTEM => {
            code
        }
        Some(_) => return None,
        None => value,
    };
    TimebookKind::parse(code).ok()
}

pub async fn schedules(
    State(state): State<AppState>,
    client: ApiClient,
    Query(params): Query<Params>,
) -> Result<Response, Outcome> {
    let t = client.t;
    refuse_unknown(&client, &params, &["actor", "service-type"])?;
    let mut actor = None;
    let mut kind = None;
    for (name, value) in &params {
        match name.as_str() {
            "actor" => {
                actor = Some(actor_of(value).ok_or(Outcome::new(
                    t,
                    Problem::Invalid("fhir-actor-invalid", "actor".into()),
                ))?);
            }
            _ => {
                kind = Some(kind_of(value).ok_or(Outcome::new(
                    t,
                    Problem::Invalid("fhir-service-type-invalid", "service-type".into()),
                ))?);
            }
        }
    }
    let mut matches = Vec::new();
    for entry in visible(&state, &client).await? {
        if actor.is_some_and(|a| !a.names(&entry)) || kind.is_some_and(|k| k != entry.timebook.kind)
        {
            continue;
        }
        let free = state
            .store
            .open_slot_span(entry.resource.id)
            .await
            .map_err(|e| Outcome::store(t, e))?;
        let view = ScheduleView::new(&entry, t, free);
        matches.push(resources::schedule(&view, &state.zone));
    }
    let base = base_url(&state);
    let this = format!("{base}/fhir/Schedule{}", query_string(&params));
    Ok(fhir_json(
        &resources::searchset(
            &format!("{base}/fhir"),
            &[("self", this)],
            matches,
            Vec::new(),
        )
        .complete(),
    ))
}

pub(super) fn query_string(params: &Params) -> String {
    if params.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("?{}", pairs.join("&"))
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' | b'/' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Why date parameters were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BadDates {
    /// Not a date, not an instant with an offset, or an end before the start.
    Invalid,
    /// A date or instant outside what Timebok accepts (`domain::parse_date`), where adding a
    /// day could leave the range of time itself.
    OutOfRange,
}

impl From<domain::DomainError> for BadDates {
    fn from(error: domain::DomainError) -> Self {
        match error {
            domain::DomainError::DateOutOfRange => Self::OutOfRange,
            _ => Self::Invalid,
        }
    }
}

/// A date (`2025-12-17`, the start of that day in Oslo) or a date-time with an offset.
fn moment(text: &str, zone: &jiff::tz::TimeZone) -> Result<Timestamp, BadDates> {
    match domain::parse_instant(text) {
        Ok(at) => return Ok(at),
        Err(domain::DomainError::DateOutOfRange) => return Err(BadDates::OutOfRange),
        // Not an instant: perhaps a day.
        Err(_) => {}
    }
    let date = domain::parse_date(text)?;
    let at = zone
        .to_ambiguous_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .compatible()
        .map_err(|_| BadDates::Invalid)?;
    Ok(domain::check_instant(at)?)
}

/// `at` moved by `by`, or out of range: the bounds are checked, and so is the sum.
fn shifted(at: Timestamp, by: SignedDuration) -> Result<Timestamp, BadDates> {
    at.checked_add(by).map_err(|_| BadDates::OutOfRange)
}

/// The `[from, to)` that date parameters (`ge`, `gt`, `lt`, `le`, or a day) give; `None` for
/// an open end, `Err` for a value that is not a date or a range that ends before it starts.
pub(super) fn bounds(
    values: &[&str],
    zone: &jiff::tz::TimeZone,
) -> Result<(Option<Timestamp>, Option<Timestamp>), BadDates> {
    let second = SignedDuration::from_secs(1);
    let mut from = None;
    let mut to = None;
    for value in values {
        let (prefix, rest) = match value.get(..2) {
            Some(p @ ("ge" | "gt" | "lt" | "le" | "eq")) => (p, &value[2..]),
            _ => ("eq", *value),
        };
        let at = moment(rest, zone)?;
        match prefix {
            "ge" => from = Some(at),
            "gt" => from = Some(shifted(at, second)?),
            "lt" => to = Some(at),
            "le" => to = Some(shifted(at, second)?),
            // A day: all of it.
            _ => {
                from = Some(at);
                to = Some(shifted(at, SignedDuration::from_hours(24))?);
            }
        }
    }
    if let (Some(from), Some(to)) = (from, to)
        && to <= from
    {
        return Err(BadDates::Invalid);
    }
    Ok((from, to))
}

/// The `[from, to)` of the `start` parameters.
fn start_range(
    client: &ApiClient,
    values: &[&str],
    now: Timestamp,
    zone: &jiff::tz::TimeZone,
) -> Result<(Timestamp, Timestamp), Outcome> {
    let refused = |bad: BadDates| {
        let key = match bad {
            BadDates::Invalid => "fhir-start-invalid",
            BadDates::OutOfRange => "fhir-start-out-of-range",
        };
        Outcome::new(client.t, Problem::Invalid(key, "start".into()))
    };
    let longest = SignedDuration::from_hours(24 * MAX_RANGE_DAYS);
    let (from, to) = bounds(values, zone).map_err(refused)?;
    let from = from.unwrap_or(now);
    let to = match to {
        Some(to) => to,
        None => shifted(from, longest).map_err(refused)?,
    };
    if to <= from {
        return Err(refused(BadDates::Invalid));
    }
    if to.duration_since(from) > longest {
        return Err(Outcome::new(
            client.t,
            Problem::TooCostly("fhir-range-too-long", "start".into()),
        ));
    }
    Ok((from, to))
}

fn cursor_of(text: &str) -> Option<SlotCursor> {
    let (start, id) = text.split_once('.')?;
    Some(SlotCursor {
        start: domain::check_instant(Timestamp::from_second(start.parse().ok()?).ok()?).ok()?,
        id: SlotId(id.parse().ok()?),
    })
}

/// A Slot search as asked for.
struct SlotSearch {
    schedule: i64,
    include: bool,
    count: u32,
    cursor: Option<SlotCursor>,
    from: Timestamp,
    to: Timestamp,
}

impl SlotSearch {
    fn parse(
        client: &ApiClient,
        params: &Params,
        now: Timestamp,
        zone: &jiff::tz::TimeZone,
    ) -> Result<Self, Outcome> {
        let t = client.t;
        refuse_unknown(
            client,
            params,
            &[
                "schedule", "status", "start", "_count", "_include", "_cursor",
            ],
        )?;
        let params_ref = params;
        let value = move |name: &'static str| {
            params_ref
                .iter()
                .filter(move |(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let invalid =
            |key: &'static str, name: &str| Outcome::new(t, Problem::Invalid(key, name.into()));
        let schedule = value("schedule")
            .next()
            .and_then(|s| id_of(s, "Schedule"))
            .ok_or_else(|| invalid("fhir-schedule-required", "schedule"))?;
        if value("status").any(|s| s != "free") {
            return Err(Outcome::new(
                t,
                Problem::NotSupported("fhir-status-not-supported", "status".into()),
            ));
        }
        if value("_include").any(|s| s != "Slot:schedule") {
            return Err(Outcome::new(
                t,
                Problem::NotSupported("fhir-include-not-supported", "_include".into()),
            ));
        }
        let include = value("_include").next().is_some();
        let count = match value("_count").next() {
            None => DEFAULT_COUNT,
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_COUNT).contains(n))
                .ok_or_else(|| invalid("fhir-count-invalid", "_count"))?,
        };
        let cursor = match value("_cursor").next() {
            None => None,
            Some(text) => {
                Some(cursor_of(text).ok_or_else(|| invalid("fhir-cursor-invalid", "_cursor"))?)
            }
        };
        let starts: Vec<&str> = value("start").collect();
        let (from, to) = start_range(client, &starts, now, zone)?;
        Ok(Self {
            schedule,
            include,
            count,
            cursor,
            from,
            to,
        })
    }
}

pub async fn slots(
    State(state): State<AppState>,
    client: ApiClient,
    Query(params): Query<Params>,
) -> Result<Response, Outcome> {
    let t = client.t;
    let SlotSearch {
        schedule,
        include,
        count,
        cursor,
        from,
        to,
    } = SlotSearch::parse(&client, &params, state.now(), &state.zone)?;
    let entry = schedule_of(&state, &client, schedule).await?;
    let (timebook, resource) = (&entry.timebook, &entry.resource);
    let mut free = state
        .store
        .open_slots(resource.id, from, to, cursor, count + 1)
        .await
        .map_err(|e| Outcome::store(t, e))?;
    let more = free.len() > count as usize;
    free.truncate(count as usize);
    let base = base_url(&state);
    let label = t.get(timebook.kind.service_label_message());
    let matches = free
        .iter()
        .map(|slot| {
            resources::slot(
                &resources::SlotView::free(slot, timebook, &label),
                base,
                &state.zone,
            )
        })
        .collect();
    let mut links = vec![("self", format!("{base}/fhir/Slot{}", query_string(&params)))];
    if let (true, Some(last)) = (more, free.last()) {
        let mut next: Params = params
            .iter()
            .filter(|(n, _)| n != "_cursor")
            .cloned()
            .collect();
        next.push((
            "_cursor".into(),
            format!("{}.{}", last.start.as_second(), last.id.0),
        ));
        links.push(("next", format!("{base}/fhir/Slot{}", query_string(&next))));
    }
    let included = if include {
        let span = state
            .store
            .open_slot_span(resource.id)
            .await
            .map_err(|e| Outcome::store(t, e))?;
        vec![resources::schedule(
            &ScheduleView::new(&entry, t, span),
            &state.zone,
        )]
    } else {
        Vec::new()
    };
    Ok(fhir_json(&resources::searchset(
        &format!("{base}/fhir"),
        &links,
        matches,
        included,
    )))
}

/// `GET /fhir/Location/{id}`: an oppmøtested with a schedule the client may see.
pub async fn location(
    State(state): State<AppState>,
    client: ApiClient,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, Outcome> {
    let entries = visible(&state, &client).await?;
    entries
        .iter()
        .find(|e| e.resource.location.id.0.to_string() == id)
        .map(|e| fhir_json(&resources::location(&e.resource.location, &e.clinic)))
        .ok_or(Outcome::new(client.t, Problem::NotFound))
}

/// A GP of a schedule the client may see, with that schedule's entries.
async fn practitioner_of(
    state: &AppState,
    client: &ApiClient,
    id: &str,
) -> Result<(domain::Practitioner, Vec<CatalogueEntry>), Outcome> {
    let not_found = || Outcome::new(client.t, Problem::NotFound);
    let id = domain::PractitionerId(id.parse().map_err(|_| not_found())?);
    let entries: Vec<CatalogueEntry> = visible(state, client)
        .await?
        .into_iter()
        .filter(|e| e.resource.practitioner == Some(id))
        .collect();
    let clinic = entries.first().ok_or_else(not_found)?.clinic.id;
    let practitioner = state
        .store
        .practitioners(clinic)
        .await
        .map_err(|e| Outcome::store(client.t, e))?
        .into_iter()
        .map(|listed| listed.practitioner)
        .find(|p| p.id == id)
        .ok_or_else(not_found)?;
    Ok((practitioner, entries))
}

/// `Practitioner` read: a GP whose place is one of the schedules the client may see.
pub async fn practitioner(
    State(state): State<AppState>,
    client: ApiClient,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, Outcome> {
    let (practitioner, _) = practitioner_of(&state, &client, &id).await?;
    Ok(fhir_json(&resources::practitioner(&practitioner)))
}

/// `PractitionerRole` read: that GP as fastlege at their clinic, where patients meet them.
pub async fn practitioner_role(
    State(state): State<AppState>,
    client: ApiClient,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, Outcome> {
    let (practitioner, entries) = practitioner_of(&state, &client, &id).await?;
    let places: Vec<&domain::Location> = entries.iter().map(|e| &e.resource.location).collect();
    let label = client.t.get(TimebookKind::Fastlege.service_label_message());
    Ok(fhir_json(&resources::practitioner_role(
        &practitioner,
        &entries[0].clinic,
        &places,
        &label,
    )))
}
