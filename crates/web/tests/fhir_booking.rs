//! Booking, reading and cancelling over FHIR, over real HTTP: every route and each of its
//! errors, the Idempotency-Key, `$hold` then `$book`, and a race of 200 bookings on 20 slots.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::fhir::*;
use common::{Options, Portal, person, portal_with};
use domain::{Actor, AuditAction, Capacity, SlotLength};
use jiff::SignedDuration;
use serde_json::{Value, json};
use store::{AuditFilter, NewSlot, NotificationKind};

fn booker() -> Actor {
    Actor::Client {
        name: "booker".into(),
    }
}

async fn book(portal: &Portal, slot: i64, patient: &domain::NationalId) -> Answer {
    post(
        portal,
        BOOKER,
        "/fhir/Appointment",
        &[],
        &appointment(slot, patient, Some("Influensavaksine")),
    )
    .await
}

async fn audit(portal: &Portal, action: AuditAction) -> Vec<domain::AuditEvent> {
    portal
        .store
        .audit_events(&AuditFilter {
            action: Some(action),
            limit: 1000,
            ..AuditFilter::default()
        })
        .await
        .expect("audit")
}

/// The notification jobs of an appointment, by kind, oldest first.
async fn job_kinds(portal: &Portal, id: &str) -> Vec<NotificationKind> {
    let id = domain::AppointmentId(id.parse().expect("number"));
    let jobs = portal.store.outbox_jobs(id).await.expect("jobs");
    jobs.iter().map(|j| j.kind).collect()
}

async fn booked(portal: &Portal, slot: i64) -> i64 {
    portal
        .store
        .slot(domain::SlotId(slot))
        .await
        .expect("slot")
        .booked
        .into()
}

#[tokio::test]
async fn a_client_books_a_slot_for_a_patient_and_reads_it_back() {
    let portal = fhir_portal().await;
    let slot = portal.slots[0];
    // The links the server writes start with its configured public URL, whatever the request
    // says its host and scheme are.
    let created = post(
        &portal,
        BOOKER,
        "/fhir/Appointment",
        &[("host", "evil.example"), ("x-forwarded-proto", "https")],
        &appointment(slot, &portal.kari, Some("Influensavaksine")),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().expect("id").to_owned();
    assert_eq!(
        created.header("location"),
        Some(format!("{}/fhir/Appointment/{id}/_history/1", portal.base).as_str())
    );
    assert_eq!(created.header("etag"), Some("W/\"1\""));
    let body = &created.body;
    assert_eq!(body["resourceType"], "Appointment");
    assert_eq!(body["status"], "booked");
    assert_eq!(body["meta"]["versionId"], "1");
    assert_eq!(body["description"], "Influensavaksine");
    assert_eq!(body["slot"][0]["reference"], format!("Slot/{slot}"));
    assert_eq!(body["minutesDuration"], 15);
    assert!(is_oslo_time(body["start"].as_str().expect("start")));
    assert!(is_oslo_time(body["end"].as_str().expect("end")));
    let patient = &body["participant"][0]["actor"]["identifier"];
    assert_eq!(patient["system"], FODSELSNUMMER);
    assert_eq!(patient["value"], portal.kari.as_str());
    assert!(
        body["participant"][1]["actor"]["reference"]
            .as_str()
            .is_some_and(|r| r.starts_with("Location/"))
    );
    assert_eq!(body["serviceType"][0]["coding"][0]["code"], "vaksine");
    assert_eq!(booked(&portal, slot).await, 1);

    // The patient is notified, and the client is named in the audit log.
    assert_eq!(job_kinds(&portal, &id).await, [NotificationKind::Booked]);
    let booked_events = audit(&portal, AuditAction::AppointmentBooked).await;
    assert_eq!(booked_events.len(), 1);
    assert_eq!(booked_events[0].actor, booker());

    let read = get(&portal, Some(BOOKER), &format!("/fhir/Appointment/{id}")).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body, created.body);
    assert_eq!(read.header("etag"), Some("W/\"1\""));
    let views = audit(&portal, AuditAction::AppointmentViewed).await;
    assert_eq!(views.len(), 1, "every read by a client is audited");
    assert_eq!(views[0].actor, booker());
    assert_eq!(views[0].patient.as_ref(), Some(&portal.kari));

    assert_outcome(
        &get(&portal, Some(BOOKER), "/fhir/Appointment/987654").await,
        404,
        "not-found",
        None,
    );
    assert_outcome(
        &get(&portal, Some(BOOKER), "/fhir/Appointment/hold-1").await,
        404,
        "not-found",
        None,
    );
    // Another clinic's client does not see it; a reader may not book or read appointments.
    assert_outcome(
        &get(
            &portal,
            Some(BOUND_BOOKER),
            &format!("/fhir/Appointment/{id}"),
        )
        .await,
        404,
        "not-found",
        None,
    );
    assert_outcome(
        &get(&portal, Some(READER), &format!("/fhir/Appointment/{id}")).await,
        403,
        "forbidden",
        None,
    );
    let by_reader = post(
        &portal,
        READER,
        "/fhir/Appointment",
        &[],
        &appointment(portal.slots[1], &portal.ola, Some("Vaksine")),
    )
    .await;
    assert_outcome(&by_reader, 403, "forbidden", None);
    assert_eq!(booked(&portal, portal.slots[1]).await, 0);
}

#[tokio::test]
async fn a_taken_slot_a_blocked_patient_and_the_booking_rules_are_refused() {
    let portal = fhir_portal().await;
    let slot = portal.slots[0];
    assert_eq!(book(&portal, slot, &portal.kari).await.status, 201);

    let taken = book(&portal, slot, &portal.ola).await;
    assert_outcome(&taken, 409, "duplicate", Some("Appointment.slot"));
    assert_eq!(error_code(&taken), "DUPLICATE_REJECTED");
    let again = book(&portal, slot, &portal.kari).await;
    assert_outcome(&again, 409, "duplicate", Some("Appointment.slot"));
    assert_eq!(error_code(&again), "ALREADY_BOOKED");

    let blocked = book(&portal, portal.slots[1], &portal.blocked).await;
    assert_outcome(&blocked, 403, "forbidden", None);
    assert_eq!(error_code(&blocked), "PATIENT_BLOCKED");

    // One future appointment per timebook, as the clinic set it.
    let over = book(&portal, portal.slots[1], &portal.kari).await;
    assert_outcome(&over, 422, "business-rule", None);
    assert_eq!(error_code(&over), "OVER_LIMIT");
    // Someone on no list of this clinic.
    let stranger = book(&portal, portal.slots[1], &person(40)).await;
    assert_outcome(&stranger, 422, "business-rule", None);
    assert_eq!(error_code(&stranger), "NOT_ON_LIST");
    // Beyond the 60 days the timebook can be booked ahead.
    let far = portal
        .store
        .add_slot(
            &Actor::System,
            NewSlot {
                resource_id: domain::ResourceId(portal.resource),
                start: portal.clock.now() + SignedDuration::from_hours(24 * 70),
                length: SlotLength::minutes(15).expect("length"),
                capacity: Capacity::ONE,
            },
        )
        .await
        .expect("slot");
    let outside = book(&portal, far.id.0, &portal.ola).await;
    assert_outcome(&outside, 422, "business-rule", None);
    assert_eq!(error_code(&outside), "OUTSIDE_BOOKING_WINDOW");
    // Another clinic's slot is not there for a client bound to this one, nor any unknown one.
    let foreign = post(
        &portal,
        BOUND_BOOKER,
        "/fhir/Appointment",
        &[],
        &appointment(portal.slots[1], &portal.ola, Some("Vaksine")),
    )
    .await;
    assert_outcome(&foreign, 422, "invalid", Some("Appointment.slot"));
    let unknown = book(&portal, 987_654, &portal.ola).await;
    assert_outcome(&unknown, 422, "invalid", Some("Appointment.slot"));

    for slot in [portal.slots[1], far.id.0] {
        assert_eq!(booked(&portal, slot).await, 0, "refusals change nothing");
    }
    assert_eq!(
        audit(&portal, AuditAction::AppointmentBooked).await.len(),
        1
    );
}

#[tokio::test]
async fn bad_appointments_get_an_operation_outcome_naming_the_field() {
    let portal = fhir_portal().await;
    let slot = portal.slots[0];
    let good = appointment(slot, &portal.kari, Some("Influensavaksine"));
    let with = |path: &str, value: Value| {
        let mut body = good.clone();
        let mut target = &mut body;
        let keys: Vec<&str> = path.split('.').collect();
        for key in &keys[..keys.len() - 1] {
            target = match key.parse::<usize>() {
                Ok(i) => &mut target[i],
                Err(_) => &mut target[*key],
            };
        }
        target[keys[keys.len() - 1]] = value;
        body
    };
    let d_number_system = "urn:oid:2.16.578.1.12.4.1.4.2";
    let cases: Vec<(Value, &str)> = vec![
        (with("description", json!("")), "Appointment.description"),
        (
            with("description", json!("x".repeat(51))),
            "Appointment.description",
        ),
        (
            with("description", json!("to\nlinjer")),
            "Appointment.description",
        ),
        (with("description", Value::Null), "Appointment.description"),
        (with("status", json!("cancelled")), "Appointment.status"),
        (with("slot", json!([])), "Appointment.slot"),
        (
            with("slot", json!([{ "reference": "Schedule/1" }])),
            "Appointment.slot",
        ),
        (
            with(
                "slot",
                json!([{ "reference": format!("Slot/{slot}") }, { "reference": "Slot/2" }]),
            ),
            "Appointment.slot",
        ),
        (with("participant", json!([])), "Appointment.participant"),
        (
            with("participant.0.actor.identifier.value", json!("12345678901")),
            "Appointment.participant[0].actor.identifier.value",
        ),
        (
            with(
                "participant.0.actor.identifier.system",
                json!(d_number_system),
            ),
            "Appointment.participant[0].actor.identifier.system",
        ),
    ];
    for (body, expression) in cases {
        let answer = post(&portal, BOOKER, "/fhir/Appointment", &[], &body).await;
        assert_outcome(&answer, 422, "invalid", Some(expression));
    }
    // 50 characters, counted as a person counts them, are fine.
    let fifty = "æ".repeat(50);
    let answer = post(
        &portal,
        BOOKER,
        "/fhir/Appointment",
        &[],
        &with("description", json!(fifty)),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.body["description"], fifty.as_str());

    let url = format!("{}/fhir/Appointment", portal.base);
    let not_json = send(
        reqwest::Method::POST,
        &url,
        Some(BOOKER),
        &[],
        Some(("application/fhir+json", "{ not json".into())),
    )
    .await;
    assert_outcome(&not_json, 400, "structure", None);
    let patient = post(
        &portal,
        BOOKER,
        "/fhir/Appointment",
        &[],
        &json!({ "resourceType": "Patient" }),
    )
    .await;
    assert_outcome(&patient, 400, "structure", None);
    let text = send(
        reqwest::Method::POST,
        &url,
        Some(BOOKER),
        &[],
        Some(("text/plain", good.to_string())),
    )
    .await;
    assert_outcome(&text, 415, "not-supported", None);
    // In the client's language.
    let english = send(
        reqwest::Method::POST,
        &url,
        Some(BOOKER),
        &[("accept-language", "en")],
        Some((
            "application/fhir+json",
            with("description", json!("")).to_string(),
        )),
    )
    .await;
    assert_eq!(
        english.body["issue"][0]["diagnostics"],
        "description must say what the appointment is for."
    );
    assert_eq!(booked(&portal, portal.slots[1]).await, 0);
}

#[tokio::test]
async fn an_idempotency_key_makes_a_retry_return_the_first_booking() {
    let portal = fhir_portal().await;
    let body = appointment(portal.slots[0], &portal.kari, Some("Influensavaksine"));
    let key = [("idempotency-key", "7f3c2a90-booking-kari")];
    let first = post(&portal, BOOKER, "/fhir/Appointment", &key, &body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.header("idempotent-replayed"), None);
    let retry = post(&portal, BOOKER, "/fhir/Appointment", &key, &body).await;
    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(retry.body["id"], first.body["id"]);
    assert_eq!(retry.header("location"), first.header("location"));
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(booked(&portal, portal.slots[0]).await, 1);
    // The same request in other JSON is the same request.
    let reordered: Value =
        serde_json::from_str(&serde_json::to_string_pretty(&body).expect("json")).expect("json");
    let again = post(&portal, BOOKER, "/fhir/Appointment", &key, &reordered).await;
    assert_eq!(again.body["id"], first.body["id"]);

    let other = post(
        &portal,
        BOOKER,
        "/fhir/Appointment",
        &key,
        &appointment(portal.slots[1], &portal.ola, Some("Vaksine")),
    )
    .await;
    assert_outcome(&other, 422, "business-rule", None);
    assert_eq!(error_code(&other), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(booked(&portal, portal.slots[1]).await, 0);
    // Without the key, a retry is a new request and meets the first booking.
    let unkeyed = post(&portal, BOOKER, "/fhir/Appointment", &[], &body).await;
    assert_eq!(unkeyed.status, 409);
    let bad_key = "x".repeat(201);
    let bad = post(
        &portal,
        BOOKER,
        "/fhir/Appointment",
        &[("idempotency-key", &bad_key)],
        &appointment(portal.slots[1], &portal.ola, Some("Vaksine")),
    )
    .await;
    assert_outcome(&bad, 400, "invalid", Some("Idempotency-Key"));
    assert_eq!(booked(&portal, portal.slots[1]).await, 0);

    // The register switches the service off: a retry still gets the booking it made, and a
    // new booking is refused by the rule.
    let clinic = portal
        .store
        .clinic_by_her_id(domain::HerId::new(1_001).expect("her"))
        .await
        .expect("read")
        .expect("clinic")
        .id;
    portal
        .store
        .set_service(&Actor::System, clinic, domain::TimebookKind::Vaksine, false)
        .await
        .expect("switch off");
    let late_retry = post(&portal, BOOKER, "/fhir/Appointment", &key, &body).await;
    assert_eq!(late_retry.status, 201, "{}", late_retry.body);
    assert_eq!(late_retry.body["id"], first.body["id"]);
    assert_eq!(late_retry.header("idempotent-replayed"), Some("true"));
    let refused = post(
        &portal,
        BOOKER,
        "/fhir/Appointment",
        &[("idempotency-key", "another-key")],
        &appointment(portal.slots[1], &portal.ola, Some("Vaksine")),
    )
    .await;
    assert_outcome(&refused, 422, "business-rule", None);
    assert_eq!(error_code(&refused), "SERVICE_OFF");
    assert_eq!(booked(&portal, portal.slots[1]).await, 0);
}

#[tokio::test]
async fn a_held_slot_is_booked_with_book_and_kept_from_others_meanwhile() {
    let portal = fhir_portal().await;
    let slot = portal.slots[1];
    let proposed = appointment_for_hold(slot, &portal.ola);
    let held = operation(&portal, "$hold", proposed.clone()).await;
    assert_eq!(held.status, 200, "{}", held.body);
    assert_eq!(held.body["resourceType"], "Bundle");
    let pending = entries(&held.body, "match")[0].clone();
    assert_eq!(pending["status"], "pending");
    let hold_id = pending["id"].as_str().expect("id").to_owned();
    assert!(hold_id.starts_with("hold-"), "{hold_id}");
    assert!(is_oslo_time(
        pending["extension"][0]["valueDateTime"]
            .as_str()
            .expect("held until")
    ));
    let held_events = audit(&portal, AuditAction::SlotHeld).await;
    assert_eq!(held_events[0].actor, booker());

    // Held: not free to anyone else, and gone from the Slot search.
    let taken = book(&portal, slot, &portal.kari).await;
    assert_outcome(&taken, 409, "duplicate", Some("Appointment.slot"));
    let held_too = operation(&portal, "$hold", appointment_for_hold(slot, &portal.kari)).await;
    assert_outcome(&held_too, 409, "duplicate", Some("Appointment.slot"));
    let search = get(
        &portal,
        Some(READER),
        &format!("/fhir/Slot?schedule=Schedule/{}", portal.resource),
    )
    .await;
    assert!(
        entries(&search.body, "match")
            .iter()
            .all(|s| s["id"] != slot.to_string().as_str())
    );

    // $book without a reason is refused; with one it books.
    let no_reason = operation(&portal, "$book", pending.clone()).await;
    assert_outcome(&no_reason, 422, "invalid", Some("Appointment.description"));
    let mut complete = pending.clone();
    complete["description"] = json!("Influensavaksine");
    let booked_now = operation(&portal, "$book", complete.clone()).await;
    assert_eq!(booked_now.status, 200, "{}", booked_now.body);
    let appointment = entries(&booked_now.body, "match")[0];
    assert_eq!(appointment["status"], "booked");
    assert_eq!(appointment["description"], "Influensavaksine");
    assert!(
        appointment["id"]
            .as_str()
            .is_some_and(|id| !id.starts_with("hold"))
    );
    assert_eq!(booked(&portal, slot).await, 1);

    // The hold was used: it cannot book again.
    let used = operation(&portal, "$book", complete).await;
    assert_eq!(used.status, 409, "{}", used.body);
    // A hold that never was.
    let mut unknown = pending.clone();
    unknown["id"] = json!("hold-987654");
    unknown["description"] = json!("Vaksine");
    unknown["participant"][0]["actor"]["identifier"]["value"] = json!(portal.kari.as_str());
    unknown["slot"][0]["reference"] = json!(format!("Slot/{}", portal.slots[2]));
    let lost = operation(&portal, "$book", unknown.clone()).await;
    assert_outcome(&lost, 409, "conflict", Some("Appointment.id"));
    assert_eq!(error_code(&lost), "HOLD_EXPIRED");
    unknown["id"] = json!("nonsense");
    let bad_id = operation(&portal, "$book", unknown.clone()).await;
    assert_outcome(&bad_id, 422, "invalid", Some("Appointment.id"));
    // Without an id, $book books directly.
    let direct = {
        let mut direct = unknown;
        if let Some(object) = direct.as_object_mut() {
            object.remove("id");
        }
        direct
    };
    let answer = operation(&portal, "$book", direct).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    // Operations take Parameters.
    let bare = post(&portal, BOOKER, "/fhir/Appointment/$hold", &[], &proposed).await;
    assert_outcome(&bare, 400, "structure", None);
    let blocked = operation(
        &portal,
        "$hold",
        appointment_for_hold(portal.slots[0], &portal.blocked),
    )
    .await;
    assert_outcome(&blocked, 403, "forbidden", None);
    assert_eq!(error_code(&blocked), "PATIENT_BLOCKED");
}

/// `$hold` or `$book` with the Appointment in its Parameters.
async fn operation(portal: &Portal, name: &str, appointment: Value) -> Answer {
    post(
        portal,
        BOOKER,
        &format!("/fhir/Appointment/{name}"),
        &[],
        &parameters(appointment),
    )
    .await
}

fn appointment_for_hold(slot: i64, patient: &domain::NationalId) -> Value {
    let mut body = appointment(slot, patient, None);
    body["status"] = json!("proposed");
    body
}

async fn search(portal: &Portal, token: &str, query: &str) -> Answer {
    get(portal, Some(token), &format!("/fhir/Appointment?{query}")).await
}

fn ids_found(answer: &Answer) -> Vec<Value> {
    entries(&answer.body, "match")
        .iter()
        .map(|a| a["id"].clone())
        .collect()
}

#[tokio::test]
async fn a_patients_appointments_are_searched_by_identifier_and_date() {
    let portal = fhir_portal().await;
    let created = book(&portal, portal.slots[0], &portal.kari).await;
    let lab = book(&portal, portal.soon_slot, &portal.kari).await;
    assert_eq!(lab.status, 201, "{}", lab.body);
    let kari = portal.kari.as_str();
    let with_system = format!("patient.identifier={FODSELSNUMMER}%7C{kari}");
    let all = search(&portal, BOOKER, &with_system).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(
        ids_found(&all),
        [lab.body["id"].clone(), created.body["id"].clone()],
        "by start: the lab is sooner"
    );
    assert_eq!(
        audit(&portal, AuditAction::AppointmentViewed).await.len(),
        2,
        "each appointment shown is audited"
    );
    let day = &created.body["start"].as_str().expect("start")[..10];
    let that_day = search(
        &portal,
        BOOKER,
        &format!("patient.identifier={kari}&date={day}"),
    )
    .await;
    assert_eq!(ids_found(&that_day), [created.body["id"].clone()]);
    let later = format!("patient.identifier={kari}&date=ge{day}T23:59:00%2B01:00");
    assert!(ids_found(&search(&portal, BOOKER, &later).await).is_empty());
    // Ola has none; a client bound to the other clinic sees none of Kari's.
    let ola = format!("patient.identifier={}", portal.ola.as_str());
    assert!(ids_found(&search(&portal, BOOKER, &ola).await).is_empty());
    let bound = search(&portal, BOUND_BOOKER, &with_system).await;
    assert_eq!(bound.status, 200);
    assert!(ids_found(&bound).is_empty());

    for (query, expression) in [
        (String::new(), "patient.identifier"),
        (
            "patient.identifier=12345678901".into(),
            "patient.identifier",
        ),
        (
            format!("patient.identifier=urn:oid:2.16.578.1.12.4.1.4.2%7C{kari}"),
            "patient.identifier",
        ),
        (
            format!("patient.identifier={kari}&date=ge2026-13-01"),
            "date",
        ),
        (
            format!("patient.identifier={kari}&date=ge2026-02-01&date=lt2026-01-01"),
            "date",
        ),
    ] {
        let answer = search(&portal, BOOKER, &query).await;
        assert_outcome(&answer, 400, "invalid", Some(expression));
    }
    let unknown = search(
        &portal,
        BOOKER,
        &format!("patient.identifier={kari}&status=booked"),
    )
    .await;
    assert_outcome(&unknown, 400, "not-supported", Some("status"));
}

async fn patch(
    portal: &Portal,
    token: &str,
    id: &str,
    if_match: Option<&str>,
    body: &Value,
) -> Answer {
    let mut headers = Vec::new();
    if let Some(version) = if_match {
        headers.push(("if-match", version));
    }
    send(
        reqwest::Method::PATCH,
        &format!("{}/fhir/Appointment/{id}", portal.base),
        Some(token),
        &headers,
        Some(("application/json-patch+json", body.to_string())),
    )
    .await
}

fn cancel_patch(reason: &str) -> Value {
    json!([
        { "op": "replace", "path": "/status", "value": "cancelled" },
        { "op": "add", "path": "/cancelationReason", "value": { "text": reason } },
    ])
}

#[tokio::test]
async fn a_client_cancels_with_patch_or_put_under_if_match() {
    let portal = fhir_portal().await;
    let created = book(&portal, portal.slots[0], &portal.kari).await;
    let id = created.body["id"].as_str().expect("id").to_owned();
    let cancel = cancel_patch("Pasienten er frisk igjen");

    assert_outcome(
        &patch(&portal, BOOKER, &id, None, &cancel).await,
        428,
        "required",
        None,
    );
    let stale = patch(&portal, BOOKER, &id, Some("W/\"7\""), &cancel).await;
    assert_outcome(&stale, 412, "conflict", None);
    assert_eq!(error_code(&stale), "VERSION_CONFLICT");
    let as_fhir_json = send(
        reqwest::Method::PATCH,
        &format!("{}/fhir/Appointment/{id}", portal.base),
        Some(BOOKER),
        &[("if-match", "W/\"1\"")],
        Some(("application/fhir+json", cancel.to_string())),
    )
    .await;
    assert_outcome(&as_fhir_json, 415, "not-supported", None);
    // Not a JSON Patch: no element of the Appointment to name.
    let not_a_patch = patch(
        &portal,
        BOOKER,
        &id,
        Some("W/\"1\""),
        &json!({ "status": "cancelled" }),
    )
    .await;
    assert_outcome(&not_a_patch, 422, "invalid", None);
    for (body, expression) in [
        (
            json!([{ "op": "replace", "path": "/status", "value": "booked" }]),
            "Appointment.status",
        ),
        (
            json!([{ "op": "replace", "path": "/status", "value": "cancelled" }]),
            "Appointment.cancelationReason",
        ),
        (
            json!([
                { "op": "replace", "path": "/status", "value": "cancelled" },
                { "op": "add", "path": "/cancelationReason", "value": { "text": "Frisk" } },
                { "op": "replace", "path": "/start", "value": "2030-01-01T08:00:00+01:00" },
            ]),
            "Appointment",
        ),
    ] {
        let answer = patch(&portal, BOOKER, &id, Some("W/\"1\""), &body).await;
        assert_outcome(&answer, 422, "invalid", Some(expression));
    }
    // Another clinic's client cannot find it: under If-Match, as for one that does not
    // exist, no version can match (412), and nothing tells the two apart.
    let foreign = patch(&portal, BOUND_BOOKER, &id, Some("W/\"1\""), &cancel).await;
    assert_outcome(&foreign, 412, "not-found", None);
    let missing = patch(&portal, BOOKER, "999999", Some("W/\"1\""), &cancel).await;
    assert_eq!(missing.body, foreign.body);
    assert_eq!(
        booked(&portal, portal.slots[0]).await,
        1,
        "nothing changed yet"
    );

    let cancelled = patch(&portal, BOOKER, &id, Some("W/\"1\""), &cancel).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["meta"]["versionId"], "2");
    assert_eq!(cancelled.header("etag"), Some("W/\"2\""));
    assert_eq!(
        cancelled.body["cancelationReason"]["coding"][0]["code"],
        "pat"
    );
    assert_eq!(
        cancelled.body["cancelationReason"]["text"],
        "Pasienten er frisk igjen"
    );
    assert_eq!(
        booked(&portal, portal.slots[0]).await,
        0,
        "the place is free again"
    );
    assert_eq!(
        job_kinds(&portal, &id).await,
        [
            NotificationKind::Booked,
            NotificationKind::CancelledByPatient
        ],
        "the patient is notified"
    );
    let cancel_events = audit(&portal, AuditAction::AppointmentCancelledByPatient).await;
    assert_eq!(cancel_events[0].actor, booker());
    // Done once; the old version no longer matches, and the new one is not booked.
    assert_eq!(
        patch(&portal, BOOKER, &id, Some("W/\"1\""), &cancel)
            .await
            .status,
        412
    );
    let twice = patch(&portal, BOOKER, &id, Some("W/\"2\""), &cancel).await;
    assert_outcome(&twice, 422, "business-rule", None);
    assert_eq!(error_code(&twice), "NOT_BOOKED");

    // PUT: the Appointment as read, cancelled.
    let other = book(&portal, portal.slots[1], &portal.ola).await;
    let other_id = other.body["id"].as_str().expect("id").to_owned();
    let put = |body: Value, version: &'static str| {
        let url = format!("{}/fhir/Appointment/{other_id}", portal.base);
        async move {
            send(
                reqwest::Method::PUT,
                &url,
                Some(BOOKER),
                &[("if-match", version)],
                Some(("application/fhir+json", body.to_string())),
            )
            .await
        }
    };
    let mut resource = other.body.clone();
    resource["status"] = json!("cancelled");
    resource["cancelationReason"] = json!({ "text": "Kan ikke komme" });
    let unversioned = send(
        reqwest::Method::PUT,
        &format!("{}/fhir/Appointment/{other_id}", portal.base),
        Some(BOOKER),
        &[],
        Some(("application/fhir+json", resource.to_string())),
    )
    .await;
    assert_outcome(&unversioned, 428, "required", None);
    assert_outcome(
        &put(resource.clone(), "W/\"2\"").await,
        412,
        "conflict",
        None,
    );
    let mut moved = resource.clone();
    moved["slot"][0]["reference"] = json!(format!("Slot/{}", portal.slots[2]));
    assert_outcome(
        &put(moved, "W/\"1\"").await,
        422,
        "invalid",
        Some("Appointment.slot"),
    );
    let mut booked_again = resource.clone();
    booked_again["status"] = json!("booked");
    assert_outcome(
        &put(booked_again, "W/\"1\"").await,
        422,
        "invalid",
        Some("Appointment.status"),
    );
    let mut wrong_id = resource.clone();
    wrong_id["id"] = json!(id);
    assert_outcome(
        &put(wrong_id, "W/\"1\"").await,
        422,
        "invalid",
        Some("Appointment.id"),
    );
    let mut no_reason = resource.clone();
    if let Some(object) = no_reason.as_object_mut() {
        object.remove("cancelationReason");
    }
    assert_outcome(
        &put(no_reason, "W/\"1\"").await,
        422,
        "invalid",
        Some("Appointment.cancelationReason"),
    );
    assert_eq!(booked(&portal, portal.slots[1]).await, 1);
    let done = put(resource, "W/\"1\"").await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["status"], "cancelled");
    assert_eq!(booked(&portal, portal.slots[1]).await, 0);
}

#[tokio::test]
async fn cancelling_keeps_the_portals_deadline() {
    let portal = fhir_portal().await;
    // The lab slot starts in two hours; patients may cancel until 24 hours before.
    let created = book(&portal, portal.soon_slot, &portal.kari).await;
    let id = created.body["id"].as_str().expect("id");
    let late = patch(&portal, BOOKER, id, Some("W/\"1\""), &cancel_patch("Syk")).await;
    assert_outcome(&late, 422, "business-rule", None);
    assert_eq!(error_code(&late), "CANCEL_DEADLINE_PASSED");
    assert_eq!(booked(&portal, portal.soon_slot).await, 1);
}

/// Bookings from many clients at once: exactly one per place, the rest refused, on SQLite
/// and, with two servers on one database, on PostgreSQL.
async fn race(portal: Portal, bases: Vec<String>) {
    let system = Actor::System;
    let zone = domain::clinic_time_zone().expect("tz");
    let day = portal
        .day
        .checked_add(jiff::Span::new().days(1))
        .expect("day");
    let mut slots = Vec::new();
    for i in 0..20i8 {
        let start = zone
            .to_ambiguous_timestamp(day.at(8 + i / 4, (i % 4) * 15, 0, 0))
            .compatible()
            .expect("start");
        let slot = portal
            .store
            .add_slot(
                &system,
                NewSlot {
                    resource_id: domain::ResourceId(portal.resource),
                    start,
                    length: SlotLength::minutes(15).expect("length"),
                    capacity: Capacity::ONE,
                },
            )
            .await
            .expect("slot");
        slots.push(slot.id.0);
    }
    let clinic = portal
        .store
        .clinic_by_her_id(domain::HerId::new(1001).expect("her"))
        .await
        .expect("clinic")
        .expect("known");
    let mut patients = Vec::new();
    for n in 100..300u16 {
        let id = person(n);
        portal
            .store
            .list_patient(
                &system,
                clinic.id,
                &id,
                &domain::PersonName::parse("Kari").expect("name"),
                &domain::PersonName::parse("Nordmann").expect("name"),
            )
            .await
            .expect("list");
        patients.push(id);
    }
    let client = reqwest::Client::new();
    let tasks: Vec<_> = patients
        .iter()
        .enumerate()
        .map(|(i, patient)| {
            let url = format!("{}/fhir/Appointment", bases[i % bases.len()]);
            let body = appointment(slots[i % slots.len()], patient, Some("Koronavaksine"));
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(BOOKER)
                    .header("content-type", "application/fhir+json")
                    .body(body.to_string())
                    .send()
                    .await
                    .expect("POST")
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::new();
    for task in tasks {
        *statuses.entry(task.await.expect("task")).or_insert(0) += 1;
    }
    assert_eq!(
        statuses,
        std::collections::BTreeMap::from([(201, 20), (409, 180)])
    );
    for slot in slots {
        assert_eq!(booked(&portal, slot).await, 1);
    }
    let integrity = portal.store.integrity().await.expect("integrity");
    assert_eq!(
        (integrity.overbooked_slots, integrity.miscounted_slots),
        (0, 0)
    );
    portal.db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_bookings_on_twenty_slots_give_twenty() {
    let portal = fhir_portal().await;
    let bases = vec![portal.base.clone()];
    race(portal, bases).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_bookings_on_twenty_slots_give_twenty_on_postgres_with_two_servers() {
    let Some(db) = store::testing::TestDb::postgres().await else {
        return;
    };
    let portal = portal_with(Options {
        fhir: settings(),
        db: Some(db),
        ..Options::default()
    })
    .await;
    let bases = vec![portal.base.clone(), portal.second_server().await];
    race(portal, bases).await;
}
