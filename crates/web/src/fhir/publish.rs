//! A journal system publishes its slots: `POST /fhir/Slot` creates one, `GET` reads any slot
//! of the client's clinic back (published or not), `PUT` publishes, unpublishes, resizes or
//! moves it, and `DELETE` withdraws one that never had an appointment. Every rule is the
//! store's (`store::publication`), the same the clinic's pages go through; this module reads
//! the Slot, names the client in the audit log and scopes it to the client's reach.
//!
//! A retry of a create is safe without a key: one resource has one slot per start, so the same
//! Slot sent again answers the slot made the first time (200), and another slot at that start
//! is a conflict (409). Slots carry no version: a `PUT` is the last write, with every rule
//! checked inside its transaction.

use super::input;
use super::outcome::{Outcome, Problem};
use super::resources::{self, SlotView};
use super::{ApiClient, base_url, fhir_json};
use crate::AppState;
use crate::texts::T;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::{Capacity, DomainError, ResourceId, Slot, SlotId, SlotLength};
use serde_json::{Value, json};
use std::collections::HashMap;
use store::{CatalogueEntry, SlotChange, SlotChanged, SlotSpec, StoreError};

/// SMART Scheduling Links' capacity extension: here, the places the slot has in all.
const CAPACITY: &str = "http://fhir-registry.smarthealthit.org/StructureDefinition/slot-capacity";
/// The places booked in a slot.
const BOOKED: &str = "urn:timebok:fhir:booked-places";

/// A Slot as a publisher sends it, read.
pub(super) struct SlotRequest {
    pub schedule: ResourceId,
    pub start: jiff::Timestamp,
    pub length: SlotLength,
    /// Left out: one place for a new slot, the stored capacity for a changed one.
    pub capacity: Option<Capacity>,
    pub published: bool,
}

impl SlotRequest {
    /// Reads a Slot; `at` is where it stands, as FHIRPath (`Slot`, or a Bundle entry's
    /// resource).
    pub(super) fn parse(t: T, value: &Value, at: &str) -> Result<Self, Outcome> {
        if value.get("resourceType").and_then(Value::as_str) != Some("Slot") {
            return Err(Outcome::unprocessable(t, "fhir-expected-slot", at));
        }
        let wrong = |key, field: &str| Outcome::unprocessable(t, key, &format!("{at}.{field}"));
        let schedule = value
            .get("schedule")
            .and_then(|s| s.get("reference"))
            .and_then(Value::as_str)
            .and_then(|r| input::reference_id(r, "Schedule"))
            .map(ResourceId)
            .ok_or_else(|| wrong("fhir-slot-schedule", "schedule"))?;
        let published = match value.get("status").and_then(Value::as_str) {
            // Busy is a published slot whose places are taken: the places decide which.
            Some("free" | "busy") => true,
            Some("busy-unavailable") => false,
            _ => return Err(wrong("fhir-slot-status-publish", "status")),
        };
        let instant = |field| {
            value
                .get(field)
                .and_then(Value::as_str)
                .and_then(|text| domain::parse_instant(text).ok())
        };
        let start = instant("start").ok_or_else(|| wrong("fhir-slot-start", "start"))?;
        let end = instant("end").ok_or_else(|| wrong("fhir-slot-end", "end"))?;
        let seconds = end.as_second() - start.as_second();
        let length = (seconds % 60 == 0)
            .then(|| SlotLength::minutes(seconds / 60).ok())
            .flatten()
            .ok_or_else(|| wrong("fhir-slot-end", "end"))?;
        let mut capacity = None;
        let extensions = value.get("extension").and_then(Value::as_array);
        for (index, extension) in extensions.into_iter().flatten().enumerate() {
            if extension.get("url").and_then(Value::as_str) == Some(CAPACITY) {
                capacity = Some(
                    extension
                        .get("valueInteger")
                        .and_then(Value::as_i64)
                        .and_then(|n| Capacity::new(n).ok())
                        .ok_or_else(|| {
                            wrong("fhir-slot-capacity", &format!("extension[{index}]"))
                        })?,
                );
            }
        }
        Ok(Self {
            schedule,
            start,
            length,
            capacity,
            published,
        })
    }

    pub(super) fn spec(&self, stored: Option<Capacity>) -> SlotSpec {
        SlotSpec {
            resource_id: self.schedule,
            start: self.start,
            length: self.length,
            capacity: self.capacity.or(stored).unwrap_or(Capacity::ONE),
            published: self.published,
        }
    }
}

/// The schedules a publisher's slots name, each looked up once and only if the client may
/// see it: one it may not is unknown, as one that does not exist.
#[derive(Default)]
pub(super) struct Schedules(HashMap<ResourceId, Option<CatalogueEntry>>);

impl Schedules {
    pub(super) async fn get(
        &mut self,
        state: &AppState,
        client: &ApiClient,
        reach: domain::Reach,
        id: ResourceId,
    ) -> Result<Option<&CatalogueEntry>, Outcome> {
        if let std::collections::hash_map::Entry::Vacant(vacant) = self.0.entry(id) {
            let entry = state
                .store
                .schedule(reach, id)
                .await
                .map_err(|e| Outcome::store(client.t, e))?;
            vacant.insert(entry);
        }
        Ok(self.0.get(&id).and_then(Option::as_ref))
    }

    /// The schedule a Slot names, or 422 at its `schedule`.
    pub(super) async fn named(
        &mut self,
        state: &AppState,
        client: &ApiClient,
        reach: domain::Reach,
        id: ResourceId,
        at: &str,
    ) -> Result<(), Outcome> {
        match self.get(state, client, reach, id).await? {
            Some(_) => Ok(()),
            None => Err(Outcome::unprocessable(
                client.t,
                "fhir-schedule-unknown",
                &format!("{at}.schedule"),
            )),
        }
    }
}

/// A refusal of the store's publication rules as the client is told it; `at` is the Slot's
/// place, as FHIRPath.
pub(super) fn refused(t: T, error: StoreError, at: &str) -> Outcome {
    let field = |name: &str| Some(format!("{at}.{name}"));
    let problem = match error {
        StoreError::InBatch { error, .. } => return refused(t, *error, at),
        StoreError::NotFound("resource") => {
            Problem::Unprocessable("fhir-schedule-unknown", format!("{at}.schedule"))
        }
        StoreError::Invalid(DomainError::InThePast) => {
            Problem::Unprocessable("fhir-slot-in-the-past", format!("{at}.start"))
        }
        StoreError::Overlap => {
            Problem::Conflict("fhir-slot-overlap", "SLOT_OVERLAP", field("start"))
        }
        StoreError::SlotInUse => Problem::Conflict("fhir-slot-in-use", "SLOT_IN_USE", None),
        StoreError::BelowBookings { .. } => Problem::Conflict(
            "fhir-slot-below-bookings",
            "CAPACITY_BELOW_BOOKINGS",
            field("extension"),
        ),
        other => return Outcome::store(t, other),
    };
    Outcome::new(t, problem)
}

/// A slot as its publisher sees it: `free`, `busy` when its places are taken, or
/// `busy-unavailable` when unpublished; its capacity in all and its booked places.
pub(super) fn slot_json(state: &AppState, t: T, slot: &Slot, entry: &CatalogueEntry) -> Value {
    let label = t.get(entry.timebook.kind.service_label_message());
    let free = slot.published && slot.places_left() > 0;
    let view = SlotView {
        id: slot.id,
        resource_id: slot.resource_id,
        start: slot.start,
        end: slot.end(),
        places_left: slot.places_left(),
        free,
        timebook: &entry.timebook,
        kind_label: &label,
    };
    let mut value = serde_json::to_value(resources::slot(&view, base_url(state), &state.zone))
        .unwrap_or_default();
    let status = match (slot.published, free) {
        (false, _) => "busy-unavailable",
        (true, true) => "free",
        (true, false) => "busy",
    };
    if let Some(object) = value.as_object_mut() {
        object.insert("status".into(), json!(status));
        // The deep link leads patients to the slot: only a published one has a place there.
        let mut extension: Vec<Value> = object
            .get("extension")
            .and_then(Value::as_array)
            .map(|all| {
                all.iter()
                    .filter(|e| e.get("url").and_then(Value::as_str) != Some(CAPACITY))
                    .filter(|_| slot.published)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        extension.push(json!({ "url": CAPACITY, "valueInteger": slot.capacity.get() }));
        extension.push(json!({ "url": BOOKED, "valueInteger": slot.booked }));
        object.insert("extension".into(), Value::Array(extension));
    }
    value
}

/// Where a slot is read.
pub(super) fn location_of(state: &AppState, id: SlotId) -> String {
    format!("{}/fhir/Slot/{}", base_url(state), id.0)
}

fn with_location(mut response: Response, location: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// The path's slot id; anything else names no slot.
fn slot_id(t: T, id: &str) -> Result<SlotId, Outcome> {
    input::path_id(t, id).map(SlotId)
}

/// One change, alone in its transaction.
async fn apply(
    state: &AppState,
    client: &ApiClient,
    reach: domain::Reach,
    change: SlotChange,
) -> Result<SlotChanged, Outcome> {
    let caller = client.caller(state).await?;
    let mut done = state
        .store
        .publish_slots(&caller.actor, reach, &[change])
        .await
        .map_err(|e| refused(client.t, e, "Slot"))?;
    done.pop()
        .ok_or_else(|| Outcome::new(client.t, Problem::Unavailable))
}

/// The slot with its schedule, answered.
async fn answer(
    state: &AppState,
    client: &ApiClient,
    reach: domain::Reach,
    slot: &Slot,
) -> Result<Response, Outcome> {
    let entry = Schedules::default()
        .get(state, client, reach, slot.resource_id)
        .await?
        .cloned()
        .ok_or_else(|| Outcome::new(client.t, Problem::NotFound))?;
    Ok(fhir_json(&slot_json(state, client.t, slot, &entry)))
}

pub async fn create(
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Outcome> {
    let t = client.t;
    let value = input::json_body(t, &headers, &body, false)?;
    let request = SlotRequest::parse(t, &value, "Slot")?;
    let reach = client.reach(&state).await?;
    Schedules::default()
        .named(&state, &client, reach, request.schedule, "Slot")
        .await?;
    let change = SlotChange::Create(request.spec(None));
    let (status, slot) = match apply(&state, &client, reach, change).await? {
        SlotChanged::Created(slot) => (StatusCode::CREATED, slot),
        SlotChanged::Found(slot) | SlotChanged::Updated(slot) => (StatusCode::OK, slot),
        SlotChanged::Deleted(_) => return Err(Outcome::new(t, Problem::Unavailable)),
    };
    let mut response = answer(&state, &client, reach, &slot).await?;
    *response.status_mut() = status;
    Ok(with_location(response, &location_of(&state, slot.id)))
}

pub async fn read(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let t = client.t;
    let id = slot_id(t, &id)?;
    let reach = client.reach(&state).await?;
    let slot = state
        .store
        .slot_in_reach(reach, id)
        .await
        .map_err(|e| Outcome::store(t, e))?;
    answer(&state, &client, reach, &slot).await
}

pub async fn update(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Outcome> {
    let t = client.t;
    let id = slot_id(t, &id)?;
    let value = input::json_body(t, &headers, &body, false)?;
    let request = SlotRequest::parse(t, &value, "Slot")?;
    if value
        .get("id")
        .is_some_and(|sent| sent.as_str() != Some(id.0.to_string().as_str()))
    {
        return Err(Outcome::unprocessable(t, "fhir-id-mismatch", "Slot.id"));
    }
    let reach = client.reach(&state).await?;
    let stored = state
        .store
        .slot_in_reach(reach, id)
        .await
        .map_err(|e| Outcome::store(t, e))?;
    Schedules::default()
        .named(&state, &client, reach, request.schedule, "Slot")
        .await?;
    let change = SlotChange::Update(id, request.spec(Some(stored.capacity)));
    match apply(&state, &client, reach, change).await? {
        SlotChanged::Updated(slot) | SlotChanged::Created(slot) | SlotChanged::Found(slot) => {
            answer(&state, &client, reach, &slot).await
        }
        SlotChanged::Deleted(_) => Err(Outcome::new(t, Problem::Unavailable)),
    }
}

/// Withdraws a slot that never had an appointment; a slot that is not there (any more) is
/// not found, so that a client learns its delete did not happen now.
pub async fn delete(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let id = slot_id(client.t, &id)?;
    let reach = client.reach(&state).await?;
    apply(&state, &client, reach, SlotChange::Delete(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
