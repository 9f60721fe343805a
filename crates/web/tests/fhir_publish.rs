//! A journal system publishes its slots over FHIR, over real HTTP: create, read back, change,
//! delete, a retry that makes nothing twice, a booked slot that is kept, another clinic's
//! slots out of reach, a week of slots in one transaction Bundle (all or nothing), and the
//! portal showing a published slot at once.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::fhir::*;
use common::{Browser, Portal};
use domain::{Actor, AuditAction, Caller, Reason};
use jiff::civil::Date;
use serde_json::{Value, json};
use store::{AuditFilter, BookRequest};

const CAPACITY: &str = "http://fhir-registry.smarthealthit.org/StructureDefinition/slot-capacity";

/// `day` at `hour:minute` in Oslo, as FHIR writes it.
fn oslo(day: Date, hour: i8, minute: i8) -> String {
    let zone = domain::clinic_time_zone().expect("tz");
    zone.to_ambiguous_timestamp(day.at(hour, minute, 0, 0))
        .compatible()
        .expect("instant")
        .to_zoned_datetime(zone)
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn slot(schedule: i64, day: Date, (hour, minute): (i8, i8), minutes: i8, status: &str) -> Value {
    let end = i32::from(hour) * 60 + i32::from(minute) + i32::from(minutes);
    let (end_hour, end_minute) = (end / 60, end % 60);
    json!({
        "resourceType": "Slot",
        "schedule": { "reference": format!("Schedule/{schedule}") },
        "status": status,
        "start": oslo(day, hour, minute),
        "end": oslo(
            day,
            i8::try_from(end_hour).expect("hour"),
            i8::try_from(end_minute).expect("minute"),
        ),
    })
}

fn with_capacity(mut slot: Value, capacity: i64) -> Value {
    slot["extension"] = json!([{ "url": CAPACITY, "valueInteger": capacity }]);
    slot
}

fn capacity_of(slot: &Value) -> Option<i64> {
    slot["extension"]
        .as_array()?
        .iter()
        .find(|e| e["url"] == CAPACITY)?["valueInteger"]
        .as_i64()
}

async fn put(
    portal: &Portal,
    token: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> Answer {
    send(
        reqwest::Method::PUT,
        &format!("{}{path}", portal.base),
        Some(token),
        headers,
        Some(("application/fhir+json", body.to_string())),
    )
    .await
}

async fn delete(portal: &Portal, token: &str, path: &str) -> Answer {
    send(
        reqwest::Method::DELETE,
        &format!("{}{path}", portal.base),
        Some(token),
        &[],
        None,
    )
    .await
}

fn id_of(answer: &Answer) -> String {
    answer.body["id"].as_str().expect("id").to_owned()
}

async fn audited(portal: &Portal, action: AuditAction) -> Vec<domain::AuditEvent> {
    portal
        .store
        .audit_events(&AuditFilter {
            action: Some(action),
            limit: 10_000,
            ..AuditFilter::default()
        })
        .await
        .expect("audit")
}

async fn day_slots(portal: &Portal, day: Date) -> usize {
    let clinic = portal
        .store
        .clinic_by_her_id(domain::HerId::new(1001).expect("her"))
        .await
        .expect("clinic")
        .expect("known");
    portal
        .store
        .day_slots(clinic.id, day)
        .await
        .expect("day")
        .len()
}

async fn a_journal_system_publishes_reads_changes_and_deletes_a_slot(portal: Portal) {
    let body = with_capacity(slot(portal.resource, portal.day, (12, 0), 15, "free"), 2);
    let created = post(&portal, PUBLISHER, "/fhir/Slot", &[], &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = id_of(&created);
    assert_eq!(
        created.header("location"),
        Some(format!("{}/fhir/Slot/{id}", portal.base).as_str())
    );
    assert_eq!(created.body["status"], "free");
    assert_eq!(created.body["start"], oslo(portal.day, 12, 0));
    assert_eq!(created.body["end"], oslo(portal.day, 12, 15));
    assert_eq!(capacity_of(&created.body), Some(2));
    let events = audited(&portal, AuditAction::SlotCreated).await;
    assert!(events.iter().any(|e| e.actor
        == Actor::Client {
            name: "journal".into()
        }
        && e.subject == format!("slot:{id}")));
    // A retry makes nothing twice: the same slot is answered.
    let again = post(&portal, PUBLISHER, "/fhir/Slot", &[], &body).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(id_of(&again), id);
    // Another slot at that start is a conflict.
    let other = post(
        &portal,
        PUBLISHER,
        "/fhir/Slot",
        &[],
        &with_capacity(slot(portal.resource, portal.day, (12, 0), 15, "free"), 3),
    )
    .await;
    assert_outcome(&other, 409, "conflict", Some("Slot.start"));
    assert_eq!(error_code(&other), "SLOT_OVERLAP");
    let read = get(&portal, Some(PUBLISHER), &format!("/fhir/Slot/{id}")).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, created.body);
    // Unpublished, then with more places and moved: all allowed while nobody has booked it.
    let mut unpublished = created.body.clone();
    unpublished["status"] = json!("busy-unavailable");
    let changed = put(
        &portal,
        PUBLISHER,
        &format!("/fhir/Slot/{id}"),
        &[],
        &unpublished,
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["status"], "busy-unavailable");
    let hidden = get(
        &portal,
        Some(READER),
        &format!("/fhir/Slot?schedule=Schedule/{}", portal.resource),
    )
    .await;
    assert!(
        hidden.body["entry"]
            .as_array()
            .is_none_or(|all| all.iter().all(|e| e["resource"]["id"] != json!(id))),
        "an unpublished slot is not free"
    );
    let moved = with_capacity(slot(portal.resource, portal.day, (13, 0), 20, "free"), 4);
    let changed = put(&portal, PUBLISHER, &format!("/fhir/Slot/{id}"), &[], &moved).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(
        (
            &changed.body["status"],
            &changed.body["start"],
            capacity_of(&changed.body)
        ),
        (&json!("free"), &json!(oslo(portal.day, 13, 0)), Some(4))
    );
    let gone = delete(&portal, PUBLISHER, &format!("/fhir/Slot/{id}")).await;
    assert_eq!(gone.status, 204);
    assert_eq!(gone.text, "");
    let read = get(&portal, Some(PUBLISHER), &format!("/fhir/Slot/{id}")).await;
    assert_outcome(&read, 404, "not-found", None);
    let again = delete(&portal, PUBLISHER, &format!("/fhir/Slot/{id}")).await;
    assert_outcome(&again, 404, "not-found", None);
    // Reading needs system/Slot.rs, writing system/Slot.cud.
    let refused = post(&portal, READER, "/fhir/Slot", &[], &body).await;
    assert_outcome(&refused, 403, "forbidden", None);
}

async fn a_booked_slot_is_neither_deleted_moved_nor_shrunk_below_its_bookings(portal: Portal) {
    let body = with_capacity(slot(portal.resource, portal.day, (14, 0), 15, "free"), 2);
    let created = post(&portal, PUBLISHER, "/fhir/Slot", &[], &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = id_of(&created);
    let slot_id = domain::SlotId(id.parse().expect("number"));
    for patient in [&portal.kari, &portal.ola] {
        portal
            .store
            .book(
                &Caller::patient(patient.clone()),
                &BookRequest {
                    appointment_type: None,
                    patient: patient.clone(),
                    slot: slot_id,
                    reason: Reason::parse("Influensavaksine").expect("reason"),
                    hold: None,
                    idempotency: None,
                },
            )
            .await
            .expect("booked");
    }
    let full = get(&portal, Some(PUBLISHER), &format!("/fhir/Slot/{id}")).await;
    assert_eq!(full.body["status"], "busy");
    let path = format!("/fhir/Slot/{id}");
    let english = [("accept-language", "en")];
    let shrunk = put(
        &portal,
        PUBLISHER,
        &path,
        &english,
        &with_capacity(full.body.clone(), 1),
    )
    .await;
    assert_outcome(&shrunk, 409, "conflict", Some("Slot.extension"));
    assert_eq!(error_code(&shrunk), "CAPACITY_BELOW_BOOKINGS");
    assert_eq!(
        shrunk.body["issue"][0]["diagnostics"],
        "The capacity cannot be lower than the places booked in the slot."
    );
    let moved = with_capacity(slot(portal.resource, portal.day, (15, 0), 15, "free"), 2);
    let refused = put(&portal, PUBLISHER, &path, &[], &moved).await;
    assert_outcome(&refused, 409, "conflict", None);
    assert_eq!(error_code(&refused), "SLOT_IN_USE");
    let refused = delete(&portal, PUBLISHER, &path).await;
    assert_outcome(&refused, 409, "conflict", None);
    assert_eq!(error_code(&refused), "SLOT_IN_USE");
    // Unpublishing keeps the bookings.
    let mut unpublished = full.body.clone();
    unpublished["status"] = json!("busy-unavailable");
    let changed = put(&portal, PUBLISHER, &path, &[], &unpublished).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let stored = portal.store.slot(slot_id).await.expect("slot");
    assert_eq!((stored.booked, stored.published), (2, false));
}

async fn another_clinics_slots_are_out_of_reach(portal: Portal) {
    let theirs = portal.slots[0];
    let path = format!("/fhir/Slot/{theirs}");
    let read = get(&portal, Some(OTHER_PUBLISHER), &path).await;
    assert_outcome(&read, 404, "not-found", None);
    let own = get(&portal, Some(PUBLISHER), &path).await;
    assert_eq!(own.status, 200);
    let unpublished = {
        let mut body = own.body.clone();
        body["status"] = json!("busy-unavailable");
        body
    };
    let changed = put(&portal, OTHER_PUBLISHER, &path, &[], &unpublished).await;
    assert_outcome(&changed, 404, "not-found", None);
    let deleted = delete(&portal, OTHER_PUBLISHER, &path).await;
    assert_outcome(&deleted, 404, "not-found", None);
    let created = post(
        &portal,
        OTHER_PUBLISHER,
        "/fhir/Slot",
        &[],
        &slot(portal.resource, portal.day, (16, 0), 15, "free"),
    )
    .await;
    assert_outcome(&created, 422, "invalid", Some("Slot.schedule"));
    assert!(
        portal
            .store
            .slot(domain::SlotId(theirs))
            .await
            .expect("slot")
            .published
    );
    assert_eq!(day_slots(&portal, portal.day).await, 3, "nothing was made");
}

async fn bad_slots_are_answered_in_the_clients_language_and_change_nothing(portal: Portal) {
    let nynorsk = [("accept-language", "nn")];
    let good = slot(portal.resource, portal.day, (12, 0), 15, "free");
    let cases: Vec<(Value, &str)> = vec![
        (
            {
                let mut s = good.clone();
                s["status"] = json!("busy-tentative");
                s
            },
            "Slot.status",
        ),
        (
            {
                let mut s = good.clone();
                s["end"] = s["start"].clone();
                s
            },
            "Slot.end",
        ),
        (
            slot(portal.resource, portal.day, (12, 0), 0, "free"),
            "Slot.end",
        ),
        (
            {
                let mut s = good.clone();
                s["end"] = json!(oslo(portal.day, 20, 1));
                s
            },
            "Slot.end",
        ),
        (
            {
                let mut s = good.clone();
                s["start"] = json!("2026-12-17T08:00:00");
                s
            },
            "Slot.start",
        ),
        (with_capacity(good.clone(), 0), "Slot.extension[0]"),
        (with_capacity(good.clone(), 501), "Slot.extension[0]"),
        (
            {
                let mut s = good.clone();
                s["schedule"] = json!({ "reference": "Location/1" });
                s
            },
            "Slot.schedule",
        ),
        (
            slot(
                portal.resource,
                Date::new(2020, 1, 6).expect("day"),
                (8, 0),
                15,
                "free",
            ),
            "Slot.start",
        ),
    ];
    for (body, expression) in cases {
        let answer = post(&portal, PUBLISHER, "/fhir/Slot", &nynorsk, &body).await;
        assert_outcome(&answer, 422, "invalid", Some(expression));
        let text = answer.body["issue"][0]["diagnostics"]
            .as_str()
            .expect("text");
        assert!(
            ["må vere", "Kapasiteten", "Timen må byrje"]
                .iter()
                .any(|word| text.contains(word)),
            "not nynorsk: {text}"
        );
    }
    let not_a_slot = post(
        &portal,
        PUBLISHER,
        "/fhir/Slot",
        &[],
        &json!({ "resourceType": "Patient" }),
    )
    .await;
    assert_outcome(&not_a_slot, 422, "invalid", Some("Slot"));
    assert_eq!(day_slots(&portal, portal.day).await, 3, "nothing was made");
}

/// A transaction Bundle of `n` slots of 15 minutes from 08:00 on the days after `day`.
fn week(portal: &Portal, count: usize) -> Vec<Value> {
    (0..count)
        .map(|n| {
            let day = portal
                .day
                .checked_add(jiff::Span::new().days(1 + (n / 40) as i64))
                .expect("day");
            let minutes = (n % 40) * 15;
            let at = (
                i8::try_from(8 + minutes / 60).expect("hour"),
                i8::try_from(minutes % 60).expect("minute"),
            );
            let body = slot(portal.resource, day, at, 15, "free");
            json!({ "resource": body, "request": { "method": "POST", "url": "Slot" } })
        })
        .collect()
}

fn transaction(entries: Vec<Value>) -> Value {
    json!({ "resourceType": "Bundle", "type": "transaction", "entry": entries })
}

async fn a_week_of_slots_is_published_in_one_transaction_all_or_nothing(portal: Portal) {
    let mut entries = week(&portal, 280);
    let later = portal
        .day
        .checked_add(jiff::Span::new().days(1))
        .expect("day");
    // One bad entry: nothing of the Bundle is published.
    let mut spoiled = entries.clone();
    spoiled[137]["resource"]["end"] = spoiled[137]["resource"]["start"].clone();
    let refused = post(&portal, PUBLISHER, "/fhir", &[], &transaction(spoiled)).await;
    assert_outcome(
        &refused,
        422,
        "invalid",
        Some("Bundle.entry[137].resource.ofType(Slot).end"),
    );
    // A refusal of the store's rules is just as whole: the last slot is in the past.
    let mut past = entries.clone();
    past.push(json!({
        "resource": slot(portal.resource, Date::new(2020, 1, 6).expect("day"), (8, 0), 15, "free"),
        "request": { "method": "POST", "url": "Slot" },
    }));
    let refused = post(&portal, PUBLISHER, "/fhir", &[], &transaction(past)).await;
    assert_outcome(
        &refused,
        422,
        "invalid",
        Some("Bundle.entry[280].resource.ofType(Slot).start"),
    );
    assert_eq!(day_slots(&portal, later).await, 0, "nothing was published");
    // An existing slot changed and another deleted, in the same Bundle.
    let mut unpublished = get(
        &portal,
        Some(PUBLISHER),
        &format!("/fhir/Slot/{}", portal.slots[1]),
    )
    .await
    .body;
    unpublished["status"] = json!("busy-unavailable");
    entries.push(json!({
        "resource": unpublished,
        "request": { "method": "PUT", "url": format!("Slot/{}", portal.slots[1]) },
    }));
    entries.push(json!({
        "request": { "method": "DELETE", "url": format!("Slot/{}", portal.slots[2]) },
    }));
    let started = std::time::Instant::now();
    let published = post(
        &portal,
        PUBLISHER,
        "/fhir",
        &[],
        &transaction(entries.clone()),
    )
    .await;
    let took = started.elapsed();
    assert_eq!(published.status, 200, "{}", published.body);
    assert!(took < std::time::Duration::from_secs(20), "{took:?}");
    assert_eq!(published.body["type"], "transaction-response");
    let answered = published.body["entry"].as_array().expect("entries");
    assert_eq!(answered.len(), 282);
    assert!(answered.iter().all(|e| e.get("search").is_none()));
    assert!(answered[..280].iter().all(|e| {
        e["response"]["status"] == "201 Created"
            && e["response"]["location"]
                .as_str()
                .is_some_and(|l| l.starts_with("Slot/"))
            && e["resource"]["status"] == "free"
    }));
    assert_eq!(answered[280]["response"]["status"], "200 OK");
    assert_eq!(answered[280]["resource"]["status"], "busy-unavailable");
    assert_eq!(answered[281]["response"]["status"], "204 No Content");
    assert_eq!(day_slots(&portal, later).await, 40);
    // The same Bundle of new slots again, as a retry: every slot is the one made before.
    let retried = post(
        &portal,
        PUBLISHER,
        "/fhir",
        &[],
        &transaction(entries[..280].to_vec()),
    )
    .await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    let again = retried.body["entry"].as_array().expect("entries");
    assert!(again.iter().all(|e| e["response"]["status"] == "200 OK"));
    assert_eq!(
        again[5]["response"]["location"],
        answered[5]["response"]["location"]
    );
    assert_eq!(day_slots(&portal, later).await, 40);
    // Too many entries, a Bundle of another kind, mixed entries, another scope: refused.
    let many = week(&portal, 5_001);
    let refused = post(&portal, PUBLISHER, "/fhir", &[], &transaction(many)).await;
    assert_outcome(&refused, 413, "too-costly", None);
    let mut batch = transaction(Vec::new());
    batch["type"] = json!("batch");
    let refused = post(&portal, PUBLISHER, "/fhir", &[], &batch).await;
    assert_outcome(&refused, 422, "invalid", Some("Bundle.type"));
    let mut mixed = week(&portal, 2);
    mixed.push(json!({
        "resource": { "resourceType": "Patient" },
        "request": { "method": "PUT", "url": format!("Patient?identifier={}", portal.kari.as_str()) },
    }));
    let refused = post(&portal, PUBLISHER, "/fhir", &[], &transaction(mixed)).await;
    assert_outcome(&refused, 422, "invalid", Some("Bundle.entry"));
    let unknown = json!({ "request": { "method": "GET", "url": "Slot" } });
    let refused = post(
        &portal,
        PUBLISHER,
        "/fhir",
        &[],
        &transaction(vec![unknown]),
    )
    .await;
    assert_outcome(&refused, 422, "invalid", Some("Bundle.entry[0].request"));
    let refused = post(
        &portal,
        READER,
        "/fhir",
        &[],
        &transaction(week(&portal, 2)),
    )
    .await;
    assert_outcome(&refused, 403, "forbidden", None);
    let empty = post(&portal, PUBLISHER, "/fhir", &[], &transaction(Vec::new())).await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.get("entry").is_none(), "no empty arrays");
}

async fn the_portal_shows_a_slot_right_after_it_is_published(portal: Portal) {
    let browser = Browser::new(&portal);
    browser.log_in(&portal.kari).await;
    let calendar = format!(
        "/bestill/{}?sted={}&maned={}&dag={}",
        portal.timebook,
        portal.resource,
        portal.day.strftime("%Y-%m"),
        portal.day,
    );
    let before = browser.get(&calendar).await;
    assert_eq!(before.status, 200);
    assert!(!before.body.contains("11:45 - 12:00"));
    let created = post(
        &portal,
        PUBLISHER,
        "/fhir/Slot",
        &[],
        &slot(portal.resource, portal.day, (11, 45), 15, "free"),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let after = browser.get(&calendar).await;
    assert!(
        after.body.contains("11:45 - 12:00"),
        "the new slot is shown at once"
    );
    assert!(after.body.contains(&format!("tid-{}", id_of(&created))));
    // Unpublished, it is gone as soon.
    let mut unpublished = created.body.clone();
    unpublished["status"] = json!("busy-unavailable");
    let id = id_of(&created);
    let changed = put(
        &portal,
        PUBLISHER,
        &format!("/fhir/Slot/{id}"),
        &[],
        &unpublished,
    )
    .await;
    assert_eq!(changed.status, 200);
    let hidden = browser.get(&calendar).await;
    assert!(!hidden.body.contains("11:45 - 12:00"));
}

on_both_databases!(
    a_journal_system_publishes_reads_changes_and_deletes_a_slot,
    a_booked_slot_is_neither_deleted_moved_nor_shrunk_below_its_bookings,
    another_clinics_slots_are_out_of_reach,
    bad_slots_are_answered_in_the_clients_language_and_change_nothing,
    a_week_of_slots_is_published_in_one_transaction_all_or_nothing,
    the_portal_shows_a_slot_right_after_it_is_published,
);
