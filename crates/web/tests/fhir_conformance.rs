//! R4 conformance of the FHIR API over real HTTP: no empty arrays where R4's JSON rules leave
//! an element out, the version the 201's `Location` names can be read (vread), unknown paths
//! and methods answer OperationOutcomes, faults in parameters and headers are named in
//! `location` rather than `expression`, `If-Match` decides before "not found", and README's
//! booking example is itself a valid booking. Every answer here is also held to R4's JSON rules
//! by `common::fhir::send`, and validated by both validators of the test command.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::Portal;
use common::fhir::*;
use domain::AuditAction;
use serde_json::{Value, json};
use store::AuditFilter;

async fn book(portal: &Portal, slot: i64) -> Answer {
    post(
        portal,
        BOOKER,
        "/fhir/Appointment",
        &[],
        &appointment(slot, &portal.kari, Some("Influensavaksine")),
    )
    .await
}

async fn views(portal: &Portal) -> usize {
    portal
        .store
        .audit_events(&AuditFilter {
            action: Some(AuditAction::AppointmentViewed),
            limit: 1000,
            ..AuditFilter::default()
        })
        .await
        .expect("audit")
        .len()
}

async fn send_json(
    portal: &Portal,
    method: reqwest::Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, String)>,
) -> Answer {
    send(
        method,
        &format!("{}{path}", portal.base),
        Some(BOOKER),
        headers,
        body,
    )
    .await
}

#[tokio::test]
async fn empty_lists_are_left_out_of_bundles_and_the_capability_statement() {
    let portal = fhir_portal().await;
    let statement = get(&portal, None, "/fhir/metadata").await;
    let resources = statement.body["rest"][0]["resource"]
        .as_array()
        .expect("resources");
    let location = resources
        .iter()
        .find(|r| r["type"] == "Location")
        .expect("Location");
    assert!(location.get("searchParam").is_none(), "{location}");
    assert!(location.get("searchInclude").is_none(), "{location}");
    assert!(location.get("operation").is_none(), "{location}");
    let schedule = resources
        .iter()
        .find(|r| r["type"] == "Schedule")
        .expect("Schedule");
    assert!(schedule.get("searchInclude").is_none(), "{schedule}");
    assert!(
        schedule["searchParam"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );

    // A search that finds nothing: no entry, and the self link.
    let empty = get(
        &portal,
        Some(READER),
        &format!(
            "/fhir/Slot?schedule=Schedule/{}&start=ge2099-01-01&start=lt2099-01-02",
            portal.resource
        ),
    )
    .await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert!(empty.body.get("entry").is_none(), "{}", empty.body);
    assert!(link(&empty.body, "self").is_some(), "{}", empty.body);
    assert!(
        empty.body.get("total").is_none(),
        "a paged search has no total"
    );

    let none = get(
        &portal,
        Some(BOOKER),
        &format!(
            "/fhir/Appointment?patient.identifier={FODSELSNUMMER}|{}",
            portal.ola.as_str()
        ),
    )
    .await;
    assert_eq!(none.status, 200, "{}", none.body);
    assert!(none.body.get("entry").is_none(), "{}", none.body);
    assert_eq!(none.body["total"], 0, "{}", none.body);
    let schedules = get(&portal, Some(READER), "/fhir/Schedule").await;
    assert_eq!(schedules.body["total"], 4, "{}", schedules.body);

    // An operation's Bundle has no links at all, and one entry.
    let mut proposed = appointment(portal.slots[1], &portal.ola, None);
    proposed["status"] = json!("proposed");
    let held = post(
        &portal,
        BOOKER,
        "/fhir/Appointment/$hold",
        &[],
        &parameters(proposed),
    )
    .await;
    assert_eq!(held.status, 200, "{}", held.body);
    assert!(held.body.get("link").is_none(), "{}", held.body);
    assert_eq!(held.body["total"], 1, "{}", held.body);
    assert_eq!(entries(&held.body, "match").len(), 1);
}

#[test]
fn the_strict_check_refuses_empty_values() {
    for empty in [
        json!({ "resourceType": "Bundle", "type": "searchset", "entry": [] }),
        json!({ "resourceType": "Slot", "meta": {} }),
        json!({ "resourceType": "Slot", "comment": "" }),
        json!({ "resourceType": "Slot", "comment": null }),
        json!({ "resourceType": "Bundle", "link": [{ "relation": "self", "url": " " }] }),
    ] {
        let text = empty.to_string();
        let refused = std::panic::catch_unwind(|| assert_strict(&empty, &text)).is_err();
        assert!(refused, "{text} passed");
    }
    let slot = json!({ "resourceType": "Slot", "status": "free", "extension": [{ "url": "x" }] });
    assert_strict(&slot, "a Slot");
}

async fn the_location_of_a_booking_reads_its_version(portal: Portal) {
    let created = book(&portal, portal.slots[0]).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().expect("id").to_owned();
    let location = created.header("location").expect("Location").to_owned();
    assert_eq!(
        location,
        format!("{}/fhir/Appointment/{id}/_history/1", portal.base)
    );
    let before = views(&portal).await;
    let version = get_url(Some(BOOKER), &location).await;
    assert_eq!(version.status, 200, "{}", version.body);
    assert_eq!(version.body, created.body);
    assert_eq!(version.header("etag"), Some("W/\"1\""));
    assert_eq!(
        version.header("content-type"),
        Some("application/fhir+json; charset=utf-8")
    );
    assert_eq!(views(&portal).await, before + 1, "a vread is audited");

    // Cancelled, it is version 2; version 1 is not kept.
    let cancelled = send_json(
        &portal,
        reqwest::Method::PATCH,
        &format!("/fhir/Appointment/{id}"),
        &[("if-match", "W/\"1\"")],
        Some((
            "application/json-patch+json",
            json!([
                { "op": "replace", "path": "/status", "value": "cancelled" },
                { "op": "add", "path": "/cancelationReason", "value": { "text": "Frisk" } },
            ])
            .to_string(),
        )),
    )
    .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    let old = get_url(Some(BOOKER), &location).await;
    assert_outcome(&old, 404, "not-found", None);
    assert_eq!(error_code(&old), "VERSION_NOT_KEPT");
    assert!(
        old.body["issue"][0]["diagnostics"]
            .as_str()
            .is_some_and(|d| d.contains("gjeldende versjonen")),
        "{}",
        old.body
    );
    let current = get(
        &portal,
        Some(BOOKER),
        &format!("/fhir/Appointment/{id}/_history/2"),
    )
    .await;
    assert_eq!(current.status, 200, "{}", current.body);
    assert_eq!(current.body["status"], "cancelled");
    assert_eq!(current.header("etag"), Some("W/\"2\""));
    for path in [
        format!("/fhir/Appointment/{id}/_history/x"),
        format!("/fhir/Appointment/{id}/_history/-1"),
    ] {
        let answer = get(&portal, Some(BOOKER), &path).await;
        assert_eq!(error_code(&answer), "VERSION_NOT_KEPT", "{path}");
    }

    // Scoped as read is: another clinic's client, and an appointment that never was, are
    // not found, alike; a reader may not.
    let foreign = get(
        &portal,
        Some(BOUND_BOOKER),
        &format!("/fhir/Appointment/{id}/_history/2"),
    )
    .await;
    assert_outcome(&foreign, 404, "not-found", None);
    let missing = get(&portal, Some(BOOKER), "/fhir/Appointment/987654/_history/2").await;
    assert_eq!(missing.body, foreign.body);
    let reader = get(
        &portal,
        Some(READER),
        &format!("/fhir/Appointment/{id}/_history/2"),
    )
    .await;
    assert_outcome(&reader, 403, "forbidden", None);
    portal.db.finish().await;
}

on_both_databases!(the_location_of_a_booking_reads_its_version);

#[tokio::test]
async fn unknown_paths_and_methods_under_fhir_answer_an_operation_outcome() {
    let portal = fhir_portal().await;
    for token in [None, Some(READER)] {
        for path in ["/fhir/Observation", "/fhir/Slot/1/x", "/fhir/"] {
            let answer = get(&portal, token, path).await;
            assert_outcome(&answer, 404, "not-found", None);
            assert_eq!(error_code(&answer), "UNKNOWN_PATH", "{path}");
            assert_eq!(
                answer.header("content-type"),
                Some("application/fhir+json; charset=utf-8"),
                "{path}"
            );
        }
    }
    let english = send(
        reqwest::Method::GET,
        &format!("{}/fhir/Observation", portal.base),
        None,
        &[("accept-language", "en")],
        None,
    )
    .await;
    assert!(
        english.body["issue"][0]["diagnostics"]
            .as_str()
            .is_some_and(|d| d.contains("no such address")),
        "{}",
        english.body
    );

    for (method, path, allowed) in [
        (
            reqwest::Method::DELETE,
            "/fhir/Appointment/1",
            &["GET", "PATCH", "PUT"][..],
        ),
        (reqwest::Method::POST, "/fhir/metadata", &["GET"][..]),
        (reqwest::Method::PUT, "/fhir/Location/1", &["GET"][..]),
    ] {
        let answer = send_json(&portal, method.clone(), path, &[], None).await;
        assert_outcome(&answer, 405, "not-supported", None);
        assert_eq!(error_code(&answer), "METHOD_NOT_ALLOWED");
        let allow: Vec<&str> = answer
            .header("allow")
            .expect("Allow")
            .split(',')
            .map(str::trim)
            .filter(|m| *m != "HEAD")
            .collect();
        let mut allow = allow;
        allow.sort_unstable();
        assert_eq!(allow, allowed, "{method} {path}");
    }

    // The rest of the site keeps its own answers.
    let client = reqwest::Client::new();
    let page = client
        .get(format!("{}/finnes-ikke", portal.base))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), 404);
    assert!(
        !page
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("fhir")),
        "{:?}",
        page.headers()
    );
    let method = client
        .request(reqwest::Method::OPTIONS, format!("{}/healthz", portal.base))
        .send()
        .await
        .expect("request");
    assert_eq!(method.status(), 405);
    assert!(
        !method
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("fhir"))
    );
}

#[tokio::test]
async fn parameters_and_headers_are_named_in_location_and_elements_in_expression() {
    let portal = fhir_portal().await;
    let busy = get(
        &portal,
        Some(READER),
        &format!(
            "/fhir/Slot?schedule=Schedule/{}&status=busy",
            portal.resource
        ),
    )
    .await;
    assert_outcome(&busy, 400, "not-supported", Some("status"));
    assert_eq!(busy.body["issue"][0]["location"][0], "http.status");
    let key = post(
        &portal,
        BOOKER,
        "/fhir/Appointment",
        &[("idempotency-key", "")],
        &appointment(portal.slots[0], &portal.kari, Some("Vaksine")),
    )
    .await;
    assert_outcome(&key, 400, "invalid", Some("Idempotency-Key"));
    assert_eq!(key.body["issue"][0]["location"][0], "http.Idempotency-Key");
    let field = post(
        &portal,
        BOOKER,
        "/fhir/Appointment",
        &[],
        &appointment(portal.slots[0], &portal.kari, None),
    )
    .await;
    assert_outcome(&field, 422, "invalid", Some("Appointment.description"));
}

#[tokio::test]
async fn if_match_is_looked_at_before_whether_the_appointment_exists() {
    let portal = fhir_portal().await;
    let created = book(&portal, portal.slots[0]).await;
    let id = created.body["id"].as_str().expect("id").to_owned();
    let patch_body = json!([
        { "op": "replace", "path": "/status", "value": "cancelled" },
        { "op": "add", "path": "/cancelationReason", "value": { "text": "Frisk" } },
    ])
    .to_string();
    let mut put_body = created.body.clone();
    put_body["status"] = json!("cancelled");
    put_body["cancelationReason"] = json!({ "text": "Frisk" });
    for missing in ["987654", "abc"] {
        let mut put_missing = put_body.clone();
        put_missing["id"] = json!(missing);
        let path = format!("/fhir/Appointment/{missing}");
        for (method, content_type, body) in [
            (
                reqwest::Method::PATCH,
                "application/json-patch+json",
                patch_body.clone(),
            ),
            (
                reqwest::Method::PUT,
                "application/fhir+json",
                put_missing.to_string(),
            ),
        ] {
            let unconditional = send_json(
                &portal,
                method.clone(),
                &path,
                &[],
                Some((content_type, body.clone())),
            )
            .await;
            assert_outcome(&unconditional, 428, "required", None);
            let conditional = send_json(
                &portal,
                method.clone(),
                &path,
                &[("if-match", "W/\"1\"")],
                Some((content_type, body)),
            )
            .await;
            assert_outcome(&conditional, 412, "not-found", None);
            assert_eq!(error_code(&conditional), "NOT_FOUND", "{method} {path}");
        }
    }
    // Another clinic's client gets the same as for one that does not exist.
    let foreign = send(
        reqwest::Method::PUT,
        &format!("{}/fhir/Appointment/{id}", portal.base),
        Some(BOUND_BOOKER),
        &[("if-match", "W/\"1\"")],
        Some(("application/fhir+json", put_body.to_string())),
    )
    .await;
    assert_outcome(&foreign, 412, "not-found", None);
    let still = get(&portal, Some(BOOKER), &format!("/fhir/Appointment/{id}")).await;
    assert_eq!(still.body["status"], "booked", "nothing changed");
    let statement = get(&portal, None, "/fhir/metadata").await;
    let documentation = statement.body["rest"][0]["resource"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["type"] == "Appointment")
        .and_then(|r| r["documentation"].as_str())
        .expect("documentation")
        .to_owned();
    assert!(
        documentation.contains("no If-Match, 428")
            && documentation.contains("412 NOT_FOUND")
            && documentation.contains("412 VERSION_CONFLICT"),
        "{documentation}"
    );
}

/// The Appointment of README's curl booking example, between its markers.
fn readme_booking() -> Value {
    let readme = include_str!("../../../README.md");
    let start = "<!-- fhir-booking-example -->";
    let end = "<!-- /fhir-booking-example -->";
    let from = readme.find(start).expect("the start marker") + start.len();
    let to = readme[from..].find(end).expect("the end marker") + from;
    let example = &readme[from..to];
    let json = example
        .split_once("<<'JSON'\n")
        .and_then(|(_, rest)| rest.split_once("\nJSON\n"))
        .map(|(json, _)| json)
        .expect("a here-document JSON … JSON");
    serde_json::from_str(json).unwrap_or_else(|e| panic!("README's JSON: {e}\n{json}"))
}

#[tokio::test]
async fn readmes_booking_example_is_a_valid_appointment_that_books() {
    let example = readme_booking();
    assert_eq!(example["resourceType"], "Appointment");
    // R4 requires status, and participant.status; both validators read it too.
    assert!(example["status"].is_string(), "{example}");
    assert!(
        example["participant"]
            .as_array()
            .is_some_and(|p| p.iter().all(|p| p["status"].is_string())),
        "{example}"
    );
    let text = example.to_string();
    assert_strict(&example, &text);
    capture_sent(&text);

    // The same, for this test's clinic, books.
    let portal = fhir_portal().await;
    let mut mine = example.clone();
    mine["slot"][0]["reference"] = json!(format!("Slot/{}", portal.slots[0]));
    mine["participant"][0]["actor"]["identifier"]["value"] = json!(portal.kari.as_str());
    let created = post(&portal, BOOKER, "/fhir/Appointment", &[], &mine).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["status"], "booked");
    assert_eq!(created.body["description"], example["description"]);
}

#[tokio::test]
async fn a_location_declares_the_no_basis_profile_it_follows_and_nothing_else_does() {
    let portal = fhir_portal().await;
    let no_basis_location = "http://hl7.no/fhir/StructureDefinition/no-basis-Location";
    let schedules = get(&portal, Some(READER), "/fhir/Schedule").await;
    let schedule = entries(&schedules.body, "match")[0].clone();
    assert!(schedule.get("meta").is_none(), "{schedule}");
    let reference = schedule["actor"][0]["reference"].as_str().expect("actor");
    let location = get(&portal, Some(READER), &format!("/fhir/{reference}")).await;
    assert_eq!(location.body["meta"]["profile"], json!([no_basis_location]));
    assert_eq!(
        location.body["managingOrganization"]["identifier"]["system"],
        "urn:oid:2.16.578.1.12.4.1.2"
    );
    let slots = get(
        &portal,
        Some(READER),
        &format!("/fhir/Slot?schedule=Schedule/{}", portal.resource),
    )
    .await;
    assert!(entries(&slots.body, "match")[0].get("meta").is_none());

    let statement = get(&portal, None, "/fhir/metadata").await;
    let profiles: Vec<(String, Value)> = statement.body["rest"][0]["resource"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| {
            (
                r["type"].as_str().unwrap_or_default().to_owned(),
                r.get("supportedProfile").cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
    for (kind, supported) in profiles {
        match kind.as_str() {
            "Location" => assert_eq!(supported, json!([no_basis_location])),
            // Not a Norwegian profile: the subscriptions backport's own.
            "Subscription" => assert_eq!(
                supported,
                json!([
                    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription"
                ])
            ),
            _ => assert_eq!(supported, Value::Null, "{kind}"),
        }
    }
}

#[tokio::test]
async fn a_resource_without_a_description_has_its_name_alone_as_the_schedules_comment() {
    let portal = fhir_portal().await;
    let timebook = domain::TimebookId(portal.timebook);
    let existing = portal.store.resources(timebook).await.expect("resources");
    let plain = portal
        .store
        .save_resource(
            &domain::Actor::System,
            timebook,
            &store::NewPlace {
                name: &domain::ResourceName::parse("Fysioterapi").expect("name"),
                description: &domain::Description::parse("").expect("an empty description"),
                practitioner: None,
            },
            &existing[0].location,
        )
        .await
        .expect("resource");
    let schedules = get(&portal, Some(READER), "/fhir/Schedule").await;
    let comments: Vec<&str> = entries(&schedules.body, "match")
        .iter()
        .filter_map(|s| s["comment"].as_str())
        .collect();
    assert!(comments.contains(&"Fysioterapi"), "{comments:?}");
    assert!(
        comments.contains(&"Influensa: Dette er en influensavaksine som vises på Helsenorge"),
        "{comments:?}"
    );
    assert!(plain.id.0 > 0);
}
