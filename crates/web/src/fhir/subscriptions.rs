//! FHIR Subscriptions after the R4 backport of topic-based subscriptions
//! (<http://hl7.org/fhir/uv/subscriptions-backport/>): a journal system bound to one clinic
//! subscribes to [`TOPIC`], the appointments of its clinic, and every new, moved and cancelled
//! appointment is posted to its endpoint as a `history` Bundle (`notification`).
//!
//! The notifications are outbox jobs the booking core writes in each change's transaction; the
//! notification worker posts them (crate `notify`), retried with backoff, in order per
//! appointment. This module reads and writes the Subscription resources and says what a
//! notification holds.

use super::outcome::{Outcome, Problem};
use super::resources::{self, instant};
use super::search::refuse_unknown;
use super::{ApiClient, base_url, fhir_json, input};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::{PushEndpoint, Reach};
use serde_json::{Value, json};
use store::{HookContent, HookDelivery, HookStatus, NewSubscription, NotificationKind};

/// The one topic: every appointment of the subscriber's clinic that is booked, moved or
/// cancelled. Its canonical URL is what `Subscription.criteria` names.
pub const TOPIC: &str = "urn:timebok:fhir:SubscriptionTopic:appointment";

const BACKPORT: &str = "http://hl7.org/fhir/uv/subscriptions-backport";
/// The backport's R4 server CapabilityStatement, which Timebok's instantiates.
pub const SERVER_CAPABILITY: &str = "http://hl7.org/fhir/uv/subscriptions-backport/CapabilityStatement/backport-subscription-server-r4";
/// The profile the Subscriptions follow.
pub const SUBSCRIPTION_PROFILE: &str =
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription";
/// The CapabilityStatement's extension naming the topics offered.
pub const TOPIC_CANONICAL: &str = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical";
const PAYLOAD_CONTENT: &str =
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content";
const FHIR_JSON_PAYLOAD: &str = "application/fhir+json";
const MAX_REASON: usize = 200;
const MAX_ENDPOINT: usize = 2000;
const MAX_HEADER: usize = 4000;

/// A Subscription's channel as asked for.
struct Requested {
    reason: String,
    endpoint: String,
    content: HookContent,
    authorization: Option<String>,
}

fn unprocessable(t: crate::texts::T, key: &'static str, at: &str) -> Outcome {
    Outcome::unprocessable(t, key, at)
}

/// A text without control characters, of 1 to `max` characters.
fn plain(text: &str, max: usize) -> bool {
    let count = text.chars().count();
    (1..=max).contains(&count) && !text.chars().any(char::is_control) && !text.trim().is_empty()
}

/// Reads a Subscription: every field Timebok acts on checked, nothing stored yet.
fn parse(t: crate::texts::T, value: &Value) -> Result<Requested, Outcome> {
    if value.get("resourceType").and_then(Value::as_str) != Some("Subscription") {
        return Err(Outcome::new(
            t,
            Problem::Structure("fhir-expected-subscription"),
        ));
    }
    match value.get("status").map(Value::as_str) {
        None | Some(Some("requested" | "active")) => {}
        Some(_) => {
            return Err(unprocessable(
                t,
                "fhir-subscription-status",
                "Subscription.status",
            ));
        }
    }
    if value.get("end").is_some() {
        return Err(unprocessable(
            t,
            "fhir-subscription-end",
            "Subscription.end",
        ));
    }
    let reason = value
        .get("reason")
        .and_then(Value::as_str)
        .filter(|r| plain(r, MAX_REASON))
        .ok_or_else(|| unprocessable(t, "fhir-subscription-reason", "Subscription.reason"))?;
    if value.get("criteria").and_then(Value::as_str) != Some(TOPIC) {
        return Err(unprocessable(
            t,
            "fhir-subscription-topic",
            "Subscription.criteria",
        ));
    }
    let channel = value.get("channel").unwrap_or(&Value::Null);
    if channel.get("type").and_then(Value::as_str) != Some("rest-hook") {
        return Err(unprocessable(
            t,
            "fhir-subscription-channel-type",
            "Subscription.channel.type",
        ));
    }
    let endpoint = channel
        .get("endpoint")
        .and_then(Value::as_str)
        .filter(|e| plain(e, MAX_ENDPOINT))
        .ok_or_else(|| {
            unprocessable(
                t,
                "fhir-subscription-endpoint",
                "Subscription.channel.endpoint",
            )
        })?;
    if channel.get("payload").and_then(Value::as_str) != Some(FHIR_JSON_PAYLOAD) {
        return Err(unprocessable(
            t,
            "fhir-subscription-payload",
            "Subscription.channel.payload",
        ));
    }
    let content = match payload_content(channel) {
        None => HookContent::IdOnly,
        Some(code) => HookContent::parse(code).ok_or_else(|| {
            unprocessable(
                t,
                "fhir-subscription-content",
                "Subscription.channel.payload.extension",
            )
        })?,
    };
    let authorization = authorization(channel).map_err(|()| {
        unprocessable(t, "fhir-subscription-header", "Subscription.channel.header")
    })?;
    Ok(Requested {
        reason: reason.to_owned(),
        endpoint: endpoint.to_owned(),
        content,
        authorization,
    })
}

/// The backport's payload content (`channel._payload.extension`), when given.
fn payload_content(channel: &Value) -> Option<&str> {
    channel
        .get("_payload")?
        .get("extension")?
        .as_array()?
        .iter()
        .find(|e| e.get("url").and_then(Value::as_str) == Some(PAYLOAD_CONTENT))
        .map(|e| {
            e.get("valueCode")
                .and_then(Value::as_str)
                .unwrap_or_default()
        })
}

/// The one header a subscriber may ask for, `Authorization: …`; its value.
fn authorization(channel: &Value) -> Result<Option<String>, ()> {
    let Some(headers) = channel.get("header") else {
        return Ok(None);
    };
    let headers = headers.as_array().ok_or(())?;
    match headers.as_slice() {
        [] => Ok(None),
        [header] => {
            let text = header.as_str().ok_or(())?;
            let (name, value) = text.split_once(':').ok_or(())?;
            let value = value.trim();
            if !name.trim().eq_ignore_ascii_case("authorization")
                || name.trim() != name
                || !plain(value, MAX_HEADER)
            {
                return Err(());
            }
            Ok(Some(value.to_owned()))
        }
        _ => Err(()),
    }
}

/// The endpoint is https on a public address, by the push endpoints' own check, and its
/// name resolves to public addresses now (the worker checks again at every post).
async fn check_endpoint(
    state: &AppState,
    t: crate::texts::T,
    endpoint: &str,
) -> Result<(), Outcome> {
    let refused = || {
        unprocessable(
            t,
            "fhir-subscription-endpoint",
            "Subscription.channel.endpoint",
        )
    };
    let policy = &state.fhir.hook_targets;
    let parsed = PushEndpoint::parse(endpoint).map_err(|_| refused())?;
    if endpoint.contains('#') {
        return Err(refused());
    }
    policy
        .check(parsed.https, &parsed.host)
        .map_err(|_| refused())?;
    crate::portal::notifications::resolves_publicly(policy, endpoint)
        .await
        .map_err(|_| refused())
}

/// The clinic a client subscribes in: its own, for a client bound to one.
async fn clinic_of(state: &AppState, client: &ApiClient) -> Result<domain::ClinicId, Outcome> {
    match client.reach(state).await? {
        Reach::Clinic(clinic) => Ok(clinic),
        Reach::Everywhere | Reach::Nowhere => Err(Outcome::new(client.t, Problem::NotBound)),
    }
}

/// A stored Subscription as FHIR. The `Authorization` value is never shown again.
pub fn subscription(stored: &store::StoredSubscription) -> Value {
    let mut resource = json!({
        "resourceType": "Subscription",
        "id": stored.id.to_string(),
        "meta": { "profile": [SUBSCRIPTION_PROFILE] },
        "status": match stored.status {
            HookStatus::Active => "active",
            HookStatus::Error => "error",
            HookStatus::Off => "off",
        },
        "reason": stored.reason,
        "criteria": stored.topic,
        "channel": {
            "type": "rest-hook",
            "endpoint": stored.endpoint,
            "payload": FHIR_JSON_PAYLOAD,
            "_payload": {
                "extension": [{ "url": PAYLOAD_CONTENT, "valueCode": stored.content.code() }],
            },
        },
    });
    if let (Some(error), Some(object)) = (&stored.error, resource.as_object_mut()) {
        object.insert("error".into(), json!(error));
    }
    resource
}

/// `POST /fhir/Subscription`: stores an active subscription, or refuses with nothing stored.
pub async fn create(
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Outcome> {
    let t = client.t;
    let clinic = clinic_of(&state, &client).await?;
    let value = input::json_body(t, &headers, &body, false)?;
    let requested = parse(t, &value)?;
    check_endpoint(&state, t, &requested.endpoint).await?;
    let stored = state
        .store
        .create_subscription(&NewSubscription {
            clinic,
            client: client.client.name.clone(),
            topic: TOPIC.into(),
            reason: requested.reason,
            endpoint: requested.endpoint,
            content: requested.content,
            authorization: requested.authorization,
        })
        .await
        .map_err(|e| Outcome::store(t, e))?;
    tracing::info!(subscription = stored.id, "FHIR subscription created");
    let mut response = fhir_json(&subscription(&stored));
    *response.status_mut() = StatusCode::CREATED;
    let location = format!("{}/fhir/Subscription/{}", base_url(&state), stored.id);
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

/// One of the client's own subscriptions in its clinic; any other is not found.
async fn own(
    state: &AppState,
    client: &ApiClient,
    id: &str,
) -> Result<store::StoredSubscription, Outcome> {
    let t = client.t;
    let clinic = clinic_of(state, client).await?;
    state
        .store
        .subscription(clinic, &client.client.name, super::input::path_id(t, id)?)
        .await
        .map_err(|e| Outcome::store(t, e))?
        .ok_or_else(|| Outcome::new(t, Problem::NotFound))
}

/// `GET /fhir/Subscription/{id}`: one of the client's own.
pub async fn read(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let stored = own(&state, &client, &id).await?;
    Ok(fhir_json(&subscription(&stored)))
}

/// `GET /fhir/Subscription`: the client's own that it has not deleted.
pub async fn search(
    State(state): State<AppState>,
    client: ApiClient,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, Outcome> {
    let t = client.t;
    refuse_unknown(&client, &params, &[])?;
    let clinic = clinic_of(&state, &client).await?;
    let stored = state
        .store
        .subscriptions(clinic, &client.client.name)
        .await
        .map_err(|e| Outcome::store(t, e))?;
    let base = base_url(&state);
    Ok(fhir_json(&resources::searchset(
        &format!("{base}/fhir"),
        &[("self", format!("{base}/fhir/Subscription"))],
        stored.iter().map(subscription).collect(),
        Vec::new(),
    )))
}

/// `DELETE /fhir/Subscription/{id}`: nothing more is posted, not even what waits.
pub async fn delete(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let t = client.t;
    let clinic = clinic_of(&state, &client).await?;
    let ended = state
        .store
        .end_subscription(clinic, &client.client.name, super::input::path_id(t, &id)?)
        .await
        .map_err(|e| Outcome::store(t, e))?;
    if !ended {
        return Err(Outcome::new(t, Problem::NotFound));
    }
    tracing::info!(subscription = id, "FHIR subscription deleted");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The backport's SubscriptionStatus (R4: Parameters) of a subscription, as of now.
fn status_parameters(
    base: &str,
    subscription: &store::StoredSubscription,
    kind: &str,
    id: &str,
) -> Value {
    json!({
        "resourceType": "Parameters",
        "id": id,
        "meta": { "profile": [format!("{BACKPORT}/StructureDefinition/backport-subscription-status-r4")] },
        "parameter": [
            { "name": "subscription", "valueReference": { "reference": format!("{base}/fhir/Subscription/{}", subscription.id) } },
            { "name": "topic", "valueCanonical": subscription.topic },
            { "name": "status", "valueCode": if subscription.status == HookStatus::Error { "error" } else { "active" } },
            { "name": "type", "valueCode": kind },
            { "name": "events-since-subscription-start", "valueString": subscription.events.to_string() },
        ],
    })
}

/// `GET /fhir/Subscription/{id}/$status`: the backport's status of one of the client's own,
/// in a searchset Bundle.
pub async fn status(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let stored = own(&state, &client, &id).await?;
    let base = base_url(&state);
    let this = format!("{base}/fhir/Subscription/{}/$status", stored.id);
    let status = status_parameters(
        base,
        &stored,
        "query-status",
        &uuid_of(&format!("{}-status", stored.id)),
    );
    Ok(fhir_json(&resources::searchset(
        &format!("{base}/fhir"),
        &[("self", this)],
        vec![status],
        Vec::new(),
    )))
}

/// What the notifications of one installation say: its base URL, and the time zone the
/// Appointment's times are written in.
pub struct Notifications {
    base: String,
    zone: jiff::tz::TimeZone,
}

impl Notifications {
    pub fn new(public_url: &crate::PublicUrl) -> Result<Self, domain::DomainError> {
        Ok(Self {
            base: public_url.as_str().trim_end_matches('/').to_owned(),
            zone: domain::clinic_time_zone()?,
        })
    }

    /// The notification Bundle of one event (`history`, after the backport's R4 notification
    /// profile): the SubscriptionStatus as Parameters, then the Appointment, whole or by id.
    pub fn bundle(&self, delivery: &HookDelivery) -> Value {
        let base = &self.base;
        let subscription = &delivery.subscription;
        let appointment = &delivery.appointment;
        let status_id = uuid_of(&format!("{}-{}", subscription.id, delivery.event_number));
        let focus = format!("{base}/fhir/Appointment/{}", appointment.id.0);
        let mut status = status_parameters(base, subscription, "event-notification", &status_id);
        if let Some(parameters) = status["parameter"].as_array_mut() {
            parameters.push(json!({ "name": "notification-event", "part": [
                { "name": "event-number", "valueString": delivery.event_number.to_string() },
                { "name": "timestamp", "valueInstant": instant(delivery.at, &self.zone) },
                { "name": "focus", "valueReference": { "reference": focus } },
            ] }));
        }
        let (method, url, code) = match delivery.kind {
            NotificationKind::Booked => ("POST", "Appointment".to_owned(), "201"),
            _ => ("PUT", format!("Appointment/{}", appointment.id.0), "200"),
        };
        let mut entry = json!({
            "fullUrl": focus,
            "request": { "method": method, "url": url },
            "response": { "status": code },
        });
        if let (HookContent::FullResource, Some(object)) =
            (subscription.content, entry.as_object_mut())
        {
            let label = crate::texts::T(i18n::Lang::default())
                .get(appointment.kind.service_label_message());
            object.insert(
                "resource".into(),
                resources::appointment(appointment, &label, &self.zone),
            );
        }
        json!({
            "resourceType": "Bundle",
            "id": format!("notification-{status_id}"),
            "meta": { "profile": [format!("{BACKPORT}/StructureDefinition/backport-subscription-notification-r4")] },
            "type": "history",
            "timestamp": instant(delivery.at, &self.zone),
            "entry": [
                {
                    "fullUrl": format!("urn:uuid:{status_id}"),
                    "resource": status,
                    "request": { "method": "GET", "url": format!("{base}/fhir/Subscription/{}/$status", subscription.id) },
                    "response": { "status": "200" },
                },
                entry,
            ],
        })
    }
}

/// A stable UUID-shaped name for the status of one event: the same event posted again has
/// the same one, so a receiver can tell a repeat.
fn uuid_of(name: &str) -> String {
    let digest = sha2::Digest::finalize(sha2::Digest::chain_update(
        <sha2::Sha256 as sha2::Digest>::new(),
        name.as_bytes(),
    ));
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}
