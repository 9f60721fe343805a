//! Appointments over FHIR: booking (`POST /fhir/Appointment`, or `$hold` then `$book` after
//! IHE ITI Scheduling), reading and searching a patient's appointments, and cancelling with
//! `PATCH` or `PUT` under `If-Match`. Every step is the portal's own (the store's
//! `ClientBookings`), with the client named in the audit log; every read of an appointment by
//! a client is audited too. Holds and bookings count against the client's and the patient's
//! rate limits first (see `crate::limits`).

use super::input::{self, AppointmentRequest, Expect};
use super::outcome::{Outcome, Problem};
use super::resources;
use super::search::{BadDates, bounds, query_string, refuse_unknown};
use super::{ApiClient, base_url, fhir_json};
use crate::AppState;
use crate::limits::Scope;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::{ETAG, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use domain::{AppointmentId, AuditAction, Caller, NationalId};
use serde_json::Value;
use store::{AppointmentRecord, BookRequest, Booked, CancelRequest, HoldRequest, Idempotency};

/// `POST /fhir/Appointment` books at once; the Appointment may say `proposed`, `pending` or
/// `booked`, and must carry `description`.
const CREATE: Expect = Expect {
    statuses: &["proposed", "pending", "booked"],
    reason: true,
    hold: false,
    in_parameters: false,
};
/// `$hold` asks for a place only; the reason comes with `$book`.
const HOLD: Expect = Expect {
    statuses: &["proposed", "pending"],
    reason: false,
    hold: false,
    in_parameters: true,
};
/// `$book` takes the held Appointment back, `hold-<n>` as its id, with `description`.
const BOOK: Expect = Expect {
    statuses: &["pending", "booked"],
    reason: true,
    hold: true,
    in_parameters: true,
};

/// The Appointment a request's body asks for: the body itself for `create`, inside
/// `Parameters` for the operations.
fn read_request(
    state: &AppState,
    client: &ApiClient,
    headers: &HeaderMap,
    body: &Bytes,
    expect: &Expect,
) -> Result<AppointmentRequest, Outcome> {
    let t = client.t;
    let value = input::json_body(t, headers, body, false)?;
    let appointment = if expect.in_parameters {
        input::parameters_appointment(t, &value)?
    } else {
        value
    };
    AppointmentRequest::parse(t, &appointment, state.id_policy, expect)
}

/// The Appointment a hold or booking asks for, counted against the rate limits as the
/// portal counts its own: the client's limit before the body is read, so a client over it
/// costs no parsing; then the patient's, which is one count with the portal's, so a patient
/// cannot be held for again and again through another door. A request over either changes
/// nothing.
async fn limited_request(
    state: &AppState,
    client: &ApiClient,
    headers: &HeaderMap,
    body: &Bytes,
    expect: &Expect,
) -> Result<AppointmentRequest, Outcome> {
    let t = client.t;
    Outcome::limit(
        t,
        &state.limits,
        Scope::BookingPerClient,
        &client.client.name,
    )
    .await?;
    let request = read_request(state, client, headers, body, expect)?;
    Outcome::limit(
        t,
        &state.limits,
        Scope::BookingPerPatient,
        request.patient.as_str(),
    )
    .await?;
    Ok(request)
}

/// Books what `request` asks for on the patient's behalf. Every rule, the client's reach
/// included, is the booking core's to check; a retry with its Idempotency-Key gets the first
/// booking back before any rule is asked again.
async fn reserve(
    state: &AppState,
    client: &ApiClient,
    headers: &HeaderMap,
    request: &AppointmentRequest,
) -> Result<(AppointmentRecord, Booked), Outcome> {
    let t = client.t;
    let key = input::idempotency_key(t, headers)?;
    let reason = request.reason.clone().ok_or_else(|| {
        Outcome::unprocessable(t, "fhir-reason-missing", "Appointment.description")
    })?;
    let caller = client.caller(state).await?;
    let booked = state
        .store
        .book(
            &caller,
            &BookRequest {
                appointment_type: None,
                patient: request.patient.clone(),
                slot: request.slot,
                reason,
                hold: request.hold,
                idempotency: key.map(|key| Idempotency {
                    client: client.client.name.clone(),
                    key,
                    fingerprint: request.fingerprint(),
                }),
            },
        )
        .await
        .map_err(|e| Outcome::store(t, e))?;
    let record = state
        .store
        .appointment_for(&caller, booked.id)
        .await
        .map_err(|e| Outcome::store(t, e))?;
    Ok((record, booked))
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("W/\"{version}\""))
        .unwrap_or(HeaderValue::from_static("W/\"0\""))
}

fn appointment_json(state: &AppState, client: &ApiClient, record: &AppointmentRecord) -> Value {
    let label = client.t.get(record.kind.service_label_message());
    resources::appointment(record, &label, &state.zone)
}

/// One appointment, with its version as the ETag.
fn one(state: &AppState, client: &ApiClient, record: &AppointmentRecord) -> Response {
    let mut response = fhir_json(&appointment_json(state, client, record));
    response.headers_mut().insert(ETAG, etag(record.version));
    response
}

/// A retry answered from its Idempotency-Key says so, as payment APIs do.
fn mark_replayed(response: &mut Response, reserved: Booked) {
    if reserved.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
}

pub async fn create(
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Outcome> {
    let request = limited_request(&state, &client, &headers, &body, &CREATE).await?;
    let (record, reserved) = reserve(&state, &client, &headers, &request).await?;
    let mut response = one(&state, &client, &record);
    *response.status_mut() = StatusCode::CREATED;
    let location = format!(
        "{}/fhir/Appointment/{}/_history/{}",
        base_url(&state),
        record.id.0,
        record.version
    );
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, location);
    }
    mark_replayed(&mut response, reserved);
    Ok(response)
}

/// A searchset Bundle of one resource: what IHE's operations answer with.
fn bundle_of(state: &AppState, resource: Value) -> Response {
    fhir_json(
        &resources::searchset(
            &format!("{}/fhir", base_url(state)),
            &[],
            vec![resource],
            Vec::new(),
        )
        .complete(),
    )
}

/// `$hold` (IHE ITI-116): holds the slot for the patient as «Se gjennom før du sender» does,
/// for the configured minutes. Answers the pending Appointment; `$book` takes it back.
pub async fn hold(
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Outcome> {
    let t = client.t;
    let request = limited_request(&state, &client, &headers, &body, &HOLD).await?;
    let caller = client.caller(&state).await?;
    let hold = state
        .store
        .hold(
            &caller,
            &HoldRequest {
                appointment_type: None,
                patient: request.patient.clone(),
                slot: request.slot,
                moving: None,
                referral: None,
            },
        )
        .await
        .map_err(|e| Outcome::store(t, e))?;
    // The hold has passed every rule; what is left is to say where the slot is.
    let slot = state
        .store
        .slot(request.slot)
        .await
        .map_err(|e| Outcome::store(t, e))?;
    let resource = state
        .store
        .resources(slot.timebook_id)
        .await
        .map_err(|e| Outcome::store(t, e))?
        .into_iter()
        .find(|r| r.id == slot.resource_id)
        .ok_or_else(|| Outcome::new(t, Problem::NotFound))?;
    let held = resources::held_appointment(
        &hold,
        &request.patient,
        &slot,
        &resource.location,
        &state.zone,
    );
    Ok(bundle_of(&state, held))
}

/// `$book` (IHE ITI-117): books the held slot (the Appointment `$hold` gave, with
/// `description` added), or a slot directly when the Appointment has no id.
pub async fn book(
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Outcome> {
    let request = limited_request(&state, &client, &headers, &body, &BOOK).await?;
    let (record, reserved) = reserve(&state, &client, &headers, &request).await?;
    let mut response = bundle_of(&state, appointment_json(&state, &client, &record));
    mark_replayed(&mut response, reserved);
    Ok(response)
}

/// An appointment the client may see: in its clinic, when it is bound to one.
async fn visible_record(
    state: &AppState,
    client: &ApiClient,
    caller: &Caller,
    id: &str,
) -> Result<AppointmentRecord, Outcome> {
    let t = client.t;
    let id = input::path_id(t, id)?;
    state
        .store
        .appointment_for(caller, AppointmentId(id))
        .await
        .map_err(|e| Outcome::store(t, e))
}

/// The appointment a change under `If-Match` names. One that does not exist, or that the
/// client may not see, has no current version for the tag to match: 412, as RFC 9110
/// §13.1.1 has it, the same answer for both.
async fn record_to_change(
    state: &AppState,
    client: &ApiClient,
    caller: &Caller,
    id: &str,
) -> Result<AppointmentRecord, Outcome> {
    visible_record(state, client, caller, id)
        .await
        .map_err(|outcome| match outcome.problem {
            Problem::NotFound => Outcome::new(outcome.t, Problem::NothingToMatch),
            _ => outcome,
        })
}

/// Writes the audit entry of a client's read of an appointment.
async fn audit_read(
    state: &AppState,
    client: &ApiClient,
    caller: &Caller,
    record: &AppointmentRecord,
) -> Result<(), Outcome> {
    state
        .store
        .record_view(
            &caller.actor,
            record.clinic_id,
            &record.patient,
            AuditAction::AppointmentViewed,
            &format!("appointment:{}", record.id.0),
        )
        .await
        .map_err(|e| Outcome::store(client.t, e))
}

pub async fn read(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let caller = client.caller(&state).await?;
    let record = visible_record(&state, &client, &caller, &id).await?;
    audit_read(&state, &client, &caller, &record).await?;
    Ok(one(&state, &client, &record))
}

/// `GET /fhir/Appointment/{id}/_history/{vid}`, the version the 201's `Location` names. Only
/// the current version is kept: it is answered as `read` answers it (and audited as a read);
/// another version of a visible appointment is 404 saying so.
pub async fn vread(
    State(state): State<AppState>,
    client: ApiClient,
    Path((id, vid)): Path<(String, String)>,
) -> Result<Response, Outcome> {
    let caller = client.caller(&state).await?;
    let record = visible_record(&state, &client, &caller, &id).await?;
    if vid.parse::<i64>().ok() != Some(record.version) {
        return Err(Outcome::new(client.t, Problem::VersionNotKept));
    }
    audit_read(&state, &client, &caller, &record).await?;
    Ok(one(&state, &client, &record))
}

/// `patient.identifier`: `system|number` or the number alone.
fn patient_of(
    t: crate::texts::T,
    value: &str,
    policy: domain::IdPolicy,
) -> Result<NationalId, Outcome> {
    let (system, number) = match value.split_once('|') {
        Some((system, number)) => (Some(system), number),
        None => (None, value),
    };
    input::personal_number(system, number, policy).map_err(|_| {
        Outcome::new(
            t,
            Problem::Invalid(
                "fhir-patient-identifier-search",
                "patient.identifier".into(),
            ),
        )
    })
}

pub async fn search(
    State(state): State<AppState>,
    client: ApiClient,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, Outcome> {
    let t = client.t;
    let has_patient = params.iter().any(|(name, _)| name == "patient.identifier");
    if !has_patient && client.client.clinic.is_some() {
        return super::changes::feed(&state, &client, &params).await;
    }
    refuse_unknown(&client, &params, &["patient.identifier", "date"])?;
    let patient = params
        .iter()
        .find(|(name, _)| name == "patient.identifier")
        .map(|(_, value)| patient_of(t, value, state.id_policy))
        .unwrap_or_else(|| {
            Err(Outcome::new(
                t,
                Problem::Invalid(
                    "fhir-patient-identifier-search",
                    "patient.identifier".into(),
                ),
            ))
        })?;
    let dates: Vec<&str> = params
        .iter()
        .filter(|(name, _)| name == "date")
        .map(|(_, value)| value.as_str())
        .collect();
    let (from, to) = bounds(&dates, &state.zone).map_err(|bad| {
        let key = match bad {
            BadDates::Invalid => "fhir-date-invalid",
            BadDates::OutOfRange => "fhir-date-out-of-range",
        };
        Outcome::new(t, Problem::Invalid(key, "date".into()))
    })?;
    let caller = client.caller(&state).await?;
    let records = state
        .store
        .appointments_for(&caller, &patient, from, to)
        .await
        .map_err(|e| Outcome::store(t, e))?;
    let matches = audited_json(&state, &client, &caller, &records).await?;
    let base = base_url(&state);
    Ok(fhir_json(
        &resources::searchset(
            &format!("{base}/fhir"),
            &[(
                "self",
                format!("{base}/fhir/Appointment{}", query_string(&params)),
            )],
            matches,
            Vec::new(),
        )
        .complete(),
    ))
}

/// The appointments as FHIR, each read audited.
pub(super) async fn audited_json(
    state: &AppState,
    client: &ApiClient,
    caller: &Caller,
    records: &[AppointmentRecord],
) -> Result<Vec<Value>, Outcome> {
    let mut matches = Vec::new();
    for record in records {
        audit_read(state, client, caller, record).await?;
        matches.push(appointment_json(state, client, record));
    }
    Ok(matches)
}

/// Cancels on the patient's behalf, if the appointment is still the version the client saw.
async fn cancel(
    state: &AppState,
    client: &ApiClient,
    caller: &Caller,
    record: &AppointmentRecord,
    version: i64,
    reason: domain::CancelReason,
) -> Result<Response, Outcome> {
    let t = client.t;
    let request = CancelRequest {
        appointment: record.id,
        reason: Some(reason),
        version: Some(version),
    };
    state
        .store
        .cancel(caller, &request)
        .await
        .map_err(|e| Outcome::store(t, e))?;
    let cancelled = state
        .store
        .appointment_for(caller, record.id)
        .await
        .map_err(|e| Outcome::store(t, e))?;
    Ok(one(state, client, &cancelled))
}

/// `PATCH` with a JSON Patch that sets `/status` to `cancelled` and gives a
/// `/cancelationReason`.
pub async fn patch(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Outcome> {
    let t = client.t;
    let version = input::if_match(t, &headers)?;
    let value = input::json_body(t, &headers, &body, true)?;
    let reason = input::patch_cancel(t, &value)?;
    let caller = client.caller(&state).await?;
    let record = record_to_change(&state, &client, &caller, &id).await?;
    cancel(&state, &client, &caller, &record, version, reason).await
}

/// `PUT` of the whole Appointment with `status` `cancelled` and a `cancelationReason`; its
/// slot and patient must be the stored ones.
pub async fn update(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Outcome> {
    let t = client.t;
    let version = input::if_match(t, &headers)?;
    let value = input::json_body(t, &headers, &body, false)?;
    if value.get("resourceType").and_then(Value::as_str) != Some("Appointment") {
        return Err(Outcome::new(
            t,
            Problem::Structure("fhir-expected-appointment"),
        ));
    }
    let unprocessable = |key, at: &str| Outcome::unprocessable(t, key, at);
    if value.get("id").and_then(Value::as_str) != Some(id.as_str()) {
        return Err(unprocessable("fhir-id-mismatch", "Appointment.id"));
    }
    if value.get("status").and_then(Value::as_str) != Some("cancelled") {
        return Err(unprocessable("fhir-cancel-status", "Appointment.status"));
    }
    let reason = input::cancel_reason(t, value.get("cancelationReason"))?;
    let caller = client.caller(&state).await?;
    let record = record_to_change(&state, &client, &caller, &id).await?;
    let stored = appointment_json(&state, &client, &record);
    for field in ["slot", "start", "end"] {
        if value
            .get(field)
            .is_some_and(|v| Some(v) != stored.get(field))
        {
            return Err(unprocessable(
                "fhir-cancel-other-change",
                &format!("Appointment.{field}"),
            ));
        }
    }
    let same_patient = value
        .get("participant")
        .and_then(Value::as_array)
        .is_none_or(|sent| {
            sent.iter()
                .filter_map(|p| p.get("actor")?.get("identifier"))
                .all(|identifier| {
                    identifier.get("value").and_then(Value::as_str) == Some(record.patient.as_str())
                })
        });
    if !same_patient {
        return Err(unprocessable(
            "fhir-cancel-other-change",
            "Appointment.participant",
        ));
    }
    cancel(&state, &client, &caller, &record, version, reason).await
}
