//! `POST /fhir` with a `transaction` Bundle: a journal system's many changes at once, all or
//! nothing. Its entries change slots (`POST Slot`, `PUT Slot/{id}`, `DELETE Slot/{id}`, as a
//! week of a template's expansion) in one store transaction, or the patient list
//! (`PUT` and `DELETE Patient?identifier=…`) through the register's import; one Bundle does
//! one or the
//! other, each under its own scope. The answer is a `transaction-response` Bundle, one entry
//! per entry sent, in order.

use super::outcome::{Outcome, Problem};
use super::patient_list;
use super::publish::{Schedules, SlotRequest, location_of, refused, slot_json};
use super::{ApiClient, Scope, fhir_json, input};
use crate::AppState;
use crate::texts::T;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use domain::{NationalId, SlotId};
use serde_json::{Value, json};
use store::{SlotChange, SlotChanged};

/// The most entries one transaction takes: a week of slots of a busy clinic is well under it.
pub const MAX_ENTRIES: usize = 5_000;
/// The largest body a transaction takes; a full Bundle of slots is about 2 MB.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// One entry, read from its `request`.
enum Entry<'a> {
    CreateSlot(&'a Value),
    UpdateSlot(SlotId, &'a Value),
    DeleteSlot(SlotId),
    ListPatient(NationalId, &'a Value),
    UnlistPatient(NationalId),
}

/// A `transaction-response` Bundle of these entries; none left out when there are none.
pub(super) fn response_bundle(entries: Vec<Value>) -> Value {
    let mut bundle = json!({ "resourceType": "Bundle", "type": "transaction-response" });
    if let (false, Some(object)) = (entries.is_empty(), bundle.as_object_mut()) {
        object.insert("entry".into(), Value::Array(entries));
    }
    bundle
}

fn slot_id(url: &str) -> Option<SlotId> {
    input::positive_id(url.strip_prefix("Slot/")?).map(SlotId)
}

/// Reads entry `index`'s request.
fn entry<'a>(
    t: T,
    index: usize,
    value: &'a Value,
    policy: domain::IdPolicy,
) -> Result<Entry<'a>, Outcome> {
    let request = value.get("request");
    let method = request
        .and_then(|r| r.get("method"))
        .and_then(Value::as_str);
    let url = request
        .and_then(|r| r.get("url"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let resource = value.get("resource");
    let wrong = || {
        Outcome::unprocessable(
            t,
            "fhir-bundle-entry",
            &format!("Bundle.entry[{index}].request"),
        )
    };
    let entry = match (method, resource) {
        (Some("POST"), Some(resource)) if url == "Slot" => Entry::CreateSlot(resource),
        (Some("PUT"), Some(resource)) if url.starts_with("Slot/") => {
            Entry::UpdateSlot(slot_id(url).ok_or_else(wrong)?, resource)
        }
        (Some("DELETE"), _) if url.starts_with("Slot/") => {
            Entry::DeleteSlot(slot_id(url).ok_or_else(wrong)?)
        }
        (Some("PUT"), Some(resource)) if url.starts_with("Patient?") => Entry::ListPatient(
            patient_list::url_identifier(url, policy).ok_or_else(wrong)?,
            resource,
        ),
        (Some("DELETE"), _) if url.starts_with("Patient?") => {
            Entry::UnlistPatient(patient_list::url_identifier(url, policy).ok_or_else(wrong)?)
        }
        _ => return Err(wrong()),
    };
    Ok(entry)
}

pub async fn transaction(
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Outcome> {
    let t = client.t;
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| Outcome::new(t, Problem::TooLarge("fhir-body-too-large")))?;
    let value = input::json_body(t, &headers, &body, false)?;
    if value.get("resourceType").and_then(Value::as_str) != Some("Bundle")
        || value.get("type").and_then(Value::as_str) != Some("transaction")
    {
        return Err(Outcome::unprocessable(t, "fhir-bundle-type", "Bundle.type"));
    }
    let sent: &[Value] = value
        .get("entry")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    if sent.len() > MAX_ENTRIES {
        return Err(Outcome::new(t, Problem::TooLarge("fhir-bundle-too-large")));
    }
    let entries = sent
        .iter()
        .enumerate()
        .map(|(index, value)| entry(t, index, value, state.id_policy))
        .collect::<Result<Vec<_>, _>>()?;
    let patients: Vec<(usize, NationalId, Option<&Value>)> = entries
        .iter()
        .enumerate()
        .filter_map(|(index, entry)| match entry {
            Entry::ListPatient(id, resource) => Some((index, id.clone(), Some(*resource))),
            Entry::UnlistPatient(id) => Some((index, id.clone(), None)),
            _ => None,
        })
        .collect();
    if patients.is_empty() {
        slots(&state, &client, &entries).await
    } else if patients.len() == entries.len() {
        patient_list::change(&state, &client, &patients).await
    } else {
        Err(Outcome::unprocessable(
            t,
            "fhir-bundle-mixed",
            "Bundle.entry",
        ))
    }
}

/// Slot entries: every change in one store transaction, under the publication rules.
async fn slots(
    state: &AppState,
    client: &ApiClient,
    entries: &[Entry<'_>],
) -> Result<Response, Outcome> {
    let t = client.t;
    if entries.is_empty() {
        return Ok(fhir_json(&response_bundle(Vec::new())));
    }
    client.require(Scope::PublishSlots)?;
    let reach = client.reach(state).await?;
    let mut schedules = Schedules::default();
    let mut changes = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let at = format!("Bundle.entry[{index}].resource.ofType(Slot)");
        let change = match entry {
            Entry::CreateSlot(resource) => {
                let request = SlotRequest::parse(t, resource, &at)?;
                schedules
                    .named(state, client, reach, request.schedule, &at)
                    .await?;
                SlotChange::Create(request.spec(None))
            }
            Entry::UpdateSlot(id, resource) => {
                let request = SlotRequest::parse(t, resource, &at)?;
                schedules
                    .named(state, client, reach, request.schedule, &at)
                    .await?;
                // A capacity left out keeps the stored one; a slot out of reach is not found.
                let stored = match request.capacity {
                    Some(_) => None,
                    None => Some(
                        state
                            .store
                            .slot_in_reach(reach, *id)
                            .await
                            .map_err(|e| Outcome::store(t, e))?
                            .capacity,
                    ),
                };
                SlotChange::Update(*id, request.spec(stored))
            }
            Entry::DeleteSlot(id) => SlotChange::Delete(*id),
            Entry::ListPatient(..) | Entry::UnlistPatient(_) => {
                return Err(Outcome::unprocessable(
                    t,
                    "fhir-bundle-mixed",
                    "Bundle.entry",
                ));
            }
        };
        changes.push(change);
    }
    let caller = client.caller(state).await?;
    let done = state
        .store
        .publish_slots(&caller.actor, reach, &changes)
        .await
        .map_err(|error| match error {
            store::StoreError::InBatch { index, error } => refused(
                t,
                *error,
                &format!("Bundle.entry[{index}].resource.ofType(Slot)"),
            ),
            other => refused(t, other, "Bundle.entry"),
        })?;
    answer(state, client, reach, &mut schedules, done).await
}

/// Each change done, as a `transaction-response` entry.
async fn answer(
    state: &AppState,
    client: &ApiClient,
    reach: domain::Reach,
    schedules: &mut Schedules,
    done: Vec<SlotChanged>,
) -> Result<Response, Outcome> {
    let mut answered = Vec::with_capacity(done.len());
    for changed in done {
        let (slot, status) = match changed {
            SlotChanged::Created(slot) => (slot, "201 Created"),
            SlotChanged::Found(slot) | SlotChanged::Updated(slot) => (slot, "200 OK"),
            SlotChanged::Deleted(_) => {
                answered.push(json!({ "response": { "status": "204 No Content" } }));
                continue;
            }
        };
        let Some(schedule) = schedules
            .get(state, client, reach, slot.resource_id)
            .await?
        else {
            return Err(Outcome::new(client.t, Problem::NotFound));
        };
        answered.push(json!({
            "fullUrl": location_of(state, slot.id),
            "resource": slot_json(state, client.t, &slot, schedule),
            "response": { "status": status, "location": format!("Slot/{}", slot.id.0) },
        }));
    }
    Ok(fhir_json(&response_bundle(answered)))
}
