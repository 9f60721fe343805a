//! SMART Scheduling Links over real HTTP: the `$bulk-publish` manifest and its NDJSON files in
//! the shape of the specification's examples, polling with `_since` and `If-None-Match`, the
//! deep link into «Velg time», and `GET /fhir/Location/{id}`.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::fhir::*;
use common::{Browser, Options, Portal, portal_with};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use store::ManualClock;

const DEEP_LINK: &str =
    "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link";
const CAPACITY: &str = "http://fhir-registry.smarthealthit.org/StructureDefinition/slot-capacity";

/// A portal whose store runs on a clock the test moves.
async fn portal_on_clock() -> (Portal, Arc<ManualClock>) {
    // Whole seconds, as the store keeps time.
    let now =
        Timestamp::from_second(store::Clock::now(&store::SystemClock).as_second()).expect("now");
    let clock = Arc::new(ManualClock::new(now));
    let portal = portal_with(Options {
        fhir: settings(),
        clock: clock.clone(),
        ..Options::default()
    })
    .await;
    (portal, clock)
}

struct Publication {
    manifest: Answer,
    locations: Vec<Value>,
    schedules: Vec<Value>,
    slots: Vec<Value>,
}

async fn publication(portal: &Portal, token: &str, query: &str) -> Publication {
    let manifest = get(portal, Some(token), &format!("/fhir/$bulk-publish{query}")).await;
    assert_eq!(manifest.status, 200, "{}", manifest.body);
    let mut files = Vec::new();
    for (i, kind) in ["Location", "Schedule", "Slot"].iter().enumerate() {
        let output = &manifest.body["output"][i];
        assert_eq!(output["type"], *kind);
        let url = output["url"].as_str().expect("url");
        assert!(url.starts_with(&portal.base), "{url}");
        let file = get_url(Some(token), url).await;
        assert_eq!(file.status, 200, "{}", file.text);
        assert_eq!(file.header("content-type"), Some("application/fhir+ndjson"));
        files.push(file.lines());
    }
    let slots = files.pop().expect("slots");
    let schedules = files.pop().expect("schedules");
    let locations = files.pop().expect("locations");
    Publication {
        manifest,
        locations,
        schedules,
        slots,
    }
}

/// Ids as SMART Scheduling Links takes them: up to 64 letters, digits, `_`, `.` and `-`.
fn smart_id(resource: &Value) -> String {
    let id = resource["id"].as_str().expect("id");
    assert!(
        (1..=64).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)),
        "{id}"
    );
    id.to_owned()
}

/// The shape of the specification's example files, field by field. `telecom` is there when
/// the register knows the clinic's phone number, the address's `district` and `state` when it
/// knows the clinic's municipality (its county follows from its number).
fn assert_smart_shape(publication: &Publication) {
    let mut location_ids = HashSet::new();
    for location in &publication.locations {
        assert_eq!(location["resourceType"], "Location");
        location_ids.insert(smart_id(location));
        assert!(location["name"].as_str().is_some_and(|n| !n.is_empty()));
        let address = &location["address"];
        assert!(
            address["line"]
                .as_array()
                .is_some_and(|l| !l.is_empty() && l.iter().all(Value::is_string)),
            "{location}"
        );
        assert!(address["city"].is_string(), "{location}");
        assert!(address["postalCode"].is_string(), "{location}");
        if let Some(telecom) = location.get("telecom") {
            for entry in telecom.as_array().expect("telecom") {
                assert_eq!(entry["system"], "phone");
                assert!(entry["value"].is_string());
            }
        }
    }
    let mut schedule_ids = HashSet::new();
    for schedule in &publication.schedules {
        assert_eq!(schedule["resourceType"], "Schedule");
        schedule_ids.insert(smart_id(schedule));
        let actors = schedule["actor"].as_array().expect("actor");
        assert_eq!(actors.len(), 1);
        let location = actors[0]["reference"]
            .as_str()
            .and_then(|r| r.strip_prefix("Location/"))
            .expect("Location/<id>");
        assert!(location_ids.contains(location), "{schedule}");
        for concept in schedule["serviceType"].as_array().expect("serviceType") {
            for coding in concept["coding"].as_array().expect("coding") {
                assert!(coding["system"].is_string() && coding["code"].is_string());
            }
        }
    }
    for slot in &publication.slots {
        assert_eq!(slot["resourceType"], "Slot");
        smart_id(slot);
        let schedule = slot["schedule"]["reference"]
            .as_str()
            .and_then(|r| r.strip_prefix("Schedule/"))
            .expect("Schedule/<id>");
        assert!(schedule_ids.contains(schedule), "{slot}");
        assert!(matches!(slot["status"].as_str(), Some("free" | "busy")));
        let start: Timestamp = slot["start"].as_str().expect("start").parse().expect("ISO");
        let end: Timestamp = slot["end"].as_str().expect("end").parse().expect("ISO");
        assert!(start < end);
        for extension in slot["extension"].as_array().expect("extension") {
            match extension["url"].as_str() {
                Some(DEEP_LINK) => assert!(extension["valueUrl"].is_string()),
                Some(CAPACITY) => assert!(extension["valueInteger"].is_u64()),
                other => panic!("unknown extension {other:?}"),
            }
        }
    }
}

fn ids(resources: &[Value]) -> Vec<String> {
    resources
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn the_manifest_names_location_schedule_and_slot_files_in_smart_shape() {
    let portal = portal_with(Options {
        fhir: settings(),
        demo_login: true,
        ..Options::default()
    })
    .await;
    let published = publication(&portal, READER, "").await;
    let manifest = &published.manifest.body;
    assert!(is_oslo_time(
        manifest["transactionTime"].as_str().expect("time")
    ));
    assert_eq!(
        manifest["request"],
        format!("{}/fhir/$bulk-publish", portal.base)
    );
    assert_eq!(manifest["error"], json!([]));
    assert_eq!(manifest["requiresAccessToken"], true);
    assert_smart_shape(&published);

    assert_eq!(published.locations.len(), 2, "one place at each clinic");
    let location = &published.locations[0];
    assert_eq!(
        location["telecom"],
        json!([{ "system": "phone", "value": "+4722334455" }]),
        "the first clinic's phone"
    );
    assert!(
        published.locations[1].get("telecom").is_none(),
        "none known"
    );
    assert_eq!(location["address"]["line"][0], "Influensaveien 3a");
    assert_eq!(location["address"]["postalCode"], "1325");
    assert_eq!(location["address"]["city"], "Lysaker");
    assert_eq!(
        (
            &location["address"]["district"],
            &location["address"]["state"]
        ),
        (&json!("Bærum"), &json!("Akershus")),
        "the municipality and county the register keeps"
    );
    assert!(
        published.locations[1]["address"].get("district").is_none()
            && published.locations[1]["address"].get("state").is_none(),
        "none known"
    );
    assert_eq!(published.schedules.len(), 4);
    let vaksine = published
        .schedules
        .iter()
        .find(|s| s["id"] == portal.resource.to_string().as_str())
        .expect("the Vaksine schedule");
    let codes: Vec<&str> = vaksine["serviceType"][0]["coding"]
        .as_array()
        .expect("coding")
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    assert_eq!(codes, ["vaksine", "57"], "Timebok's kind, and Immunization");
    assert!(
        vaksine.get("planningHorizon").is_none(),
        "nothing that moves with the clock"
    );
    // Every published slot in the booking window, free, with its deep link into «Velg time».
    let mut expected: Vec<String> = portal
        .slots
        .iter()
        .chain([&portal.foreign_slot, &portal.soon_slot])
        .map(i64::to_string)
        .collect();
    expected.sort();
    let mut listed = ids(&published.slots);
    listed.sort();
    assert_eq!(listed, expected);
    assert!(published.slots.iter().all(|s| s["status"] == "free"));
    let first = published
        .slots
        .iter()
        .find(|s| s["id"] == portal.slots[0].to_string().as_str())
        .expect("first slot");
    let link = first["extension"][0]["valueUrl"].as_str().expect("link");
    let (page, fragment) = link.split_once('#').expect("fragment");
    assert_eq!(fragment, format!("tid-{}", portal.slots[0]));
    let path = page.strip_prefix(&portal.base).expect("into the portal");
    assert!(path.starts_with(&format!(
        "/bestill/{}?sted={}",
        portal.timebook, portal.resource
    )));
    // The link opens «Velg time» on that day, with the slot there to choose.
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let velg_time = kari.get(path).await;
    assert_eq!(velg_time.status, 200);
    assert!(
        velg_time.body.contains(&format!(
            "<li id=\"tid-{}\" class=\"linked\" aria-current=\"true\">",
            portal.slots[0]
        )),
        "the slot is marked: {}",
        velg_time.body
    );
    assert!(
        velg_time
            .body
            .contains(&format!("<li id=\"tid-{}\">", portal.slots[1])),
        "the others are not"
    );

    // A client bound to one clinic sees that clinic's only.
    let bound = publication(&portal, BOUND, "").await;
    assert_eq!(bound.locations.len(), 1);
    assert_eq!(bound.schedules.len(), 2);
    assert_eq!(ids(&bound.slots), [portal.foreign_slot.to_string()]);
}

#[tokio::test]
async fn if_none_match_spares_a_poll_while_nothing_changed() {
    let portal = fhir_portal().await;
    let first = get(&portal, Some(READER), "/fhir/$bulk-publish").await;
    let etag = first.header("etag").expect("etag").to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");
    let unchanged = send(
        reqwest::Method::GET,
        &format!("{}/fhir/$bulk-publish", portal.base),
        Some(READER),
        &[("if-none-match", &etag)],
        None,
    )
    .await;
    assert_eq!(unchanged.status, 304);
    assert!(unchanged.text.is_empty());
    assert_eq!(unchanged.header("etag"), Some(etag.as_str()));
    let slot_url = format!("{}/fhir/$bulk-publish/Slot.ndjson", portal.base);
    let slots = get_url(Some(READER), &slot_url).await;
    let slots_etag = slots.header("etag").expect("etag").to_owned();
    let again = send(
        reqwest::Method::GET,
        &slot_url,
        Some(READER),
        &[("if-none-match", &slots_etag)],
        None,
    )
    .await;
    assert_eq!(again.status, 304);

    // A booking changes the slot file, and so the manifest.
    let booked = post(
        &portal,
        BOOKER,
        "/fhir/Appointment",
        &[],
        &appointment(portal.slots[0], &portal.kari, Some("Vaksine")),
    )
    .await;
    assert_eq!(booked.status, 201);
    let changed = send(
        reqwest::Method::GET,
        &format!("{}/fhir/$bulk-publish", portal.base),
        Some(READER),
        &[("if-none-match", &etag)],
        None,
    )
    .await;
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
    let slots = send(
        reqwest::Method::GET,
        &slot_url,
        Some(READER),
        &[("if-none-match", &slots_etag)],
        None,
    )
    .await;
    assert_eq!(slots.status, 200);
    let now_busy = slots
        .lines()
        .into_iter()
        .find(|s| s["id"] == portal.slots[0].to_string().as_str())
        .expect("still listed");
    assert_eq!(now_busy["status"], "busy");
    assert!(
        now_busy["extension"]
            .as_array()
            .expect("extensions")
            .iter()
            .all(|e| e["url"] != CAPACITY),
        "no capacity on a busy slot"
    );
}

#[tokio::test]
async fn since_gives_the_slots_that_changed_after_the_last_poll() {
    let (portal, clock) = portal_on_clock().await;
    clock.advance(SignedDuration::from_mins(10));
    let first = publication(&portal, READER, "").await;
    let polled = first.manifest.body["transactionTime"]
        .as_str()
        .expect("time")
        .to_owned();
    assert_eq!(
        polled.parse::<Timestamp>().expect("time"),
        store::Clock::now(clock.as_ref()),
        "the time of the store's reading"
    );
    let since = polled.replace('+', "%2B");
    let quiet = publication(&portal, READER, &format!("?_since={since}")).await;
    assert!(quiet.slots.is_empty(), "nothing changed: {:?}", quiet.slots);
    assert_eq!(quiet.schedules.len(), 4, "schedules are always whole");
    assert!(
        quiet.manifest.body["output"][2]["url"]
            .as_str()
            .is_some_and(|u| u.contains("_since=")),
        "the Slot file's URL carries _since"
    );

    clock.advance(SignedDuration::from_mins(10));
    let booked = post(
        &portal,
        BOOKER,
        "/fhir/Appointment",
        &[],
        &appointment(portal.slots[1], &portal.kari, Some("Vaksine")),
    )
    .await;
    assert_eq!(booked.status, 201);
    let clinic = portal
        .store
        .clinic_by_her_id(domain::HerId::new(1001).expect("her"))
        .await
        .expect("clinic")
        .expect("known")
        .id;
    let staff = domain::Actor::Staff {
        clinic_id: clinic,
        user: "resepsjon".into(),
    };
    portal
        .store
        .delete_slot(&staff, clinic, domain::SlotId(portal.slots[2]))
        .await
        .expect("delete");
    let changes = publication(&portal, READER, &format!("?_since={since}")).await;
    assert_smart_shape(&changes);
    let mut changed: Vec<(String, String)> = changes
        .slots
        .iter()
        .map(|s| {
            (
                s["id"].as_str().expect("id").to_owned(),
                s["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect();
    changed.sort();
    let mut expected = vec![
        (portal.slots[1].to_string(), "busy".to_owned()),
        (portal.slots[2].to_string(), "busy".to_owned()),
    ];
    expected.sort();
    assert_eq!(changed, expected, "the booked slot, and the deleted one");
    let whole = publication(&portal, READER, "").await;
    assert!(
        !ids(&whole.slots).contains(&portal.slots[2].to_string()),
        "deleted slots leave the whole file"
    );

    for (query, code, expression) in [
        ("?_since=yesterday", "invalid", "_since"),
        ("?_since=2026-12-01", "invalid", "_since"),
        ("?_type=Slot", "not-supported", "_type"),
    ] {
        let answer = get(
            &portal,
            Some(READER),
            &format!("/fhir/$bulk-publish{query}"),
        )
        .await;
        assert_outcome(&answer, 400, code, Some(expression));
    }
    let file = get(
        &portal,
        Some(READER),
        "/fhir/$bulk-publish/Location.ndjson?x=1",
    )
    .await;
    assert_outcome(&file, 400, "not-supported", Some("x"));
    assert_outcome(
        &get(&portal, Some(BOOKER), "/fhir/$bulk-publish").await,
        403,
        "forbidden",
        None,
    );
    assert_outcome(
        &get(&portal, None, "/fhir/$bulk-publish/Slot.ndjson").await,
        401,
        "login",
        None,
    );
}

#[tokio::test]
async fn a_location_is_read_by_id_where_the_client_sees_it() {
    let portal = fhir_portal().await;
    let schedules = get(&portal, Some(READER), "/fhir/Schedule").await;
    let reference = entries(&schedules.body, "match")
        .iter()
        .find(|s| s["identifier"][0]["value"] == "1001")
        .map(|s| s["actor"][0]["reference"].as_str().expect("ref").to_owned())
        .expect("a schedule of the first clinic");
    let location = get(&portal, Some(READER), &format!("/fhir/{reference}")).await;
    assert_eq!(location.status, 200, "{}", location.body);
    assert_eq!(location.body["resourceType"], "Location");
    assert_eq!(location.body["name"], "Helsenorge testlegekontor");
    assert_eq!(
        location.body["address"]["text"],
        "Influensaveien 3a, 1325 Lysaker"
    );
    assert_eq!(
        location.body["managingOrganization"]["identifier"]["value"],
        "1001"
    );
    for (token, path) in [
        (READER, "/fhir/Location/987654".to_owned()),
        (READER, "/fhir/Location/abc".to_owned()),
        (BOUND, format!("/fhir/{reference}")),
    ] {
        assert_outcome(
            &get(&portal, Some(token), &path).await,
            404,
            "not-found",
            None,
        );
    }
}

/// The whole Slot file's slots by id, with their status, and its tag.
async fn slot_statuses(base: &str) -> (std::collections::BTreeMap<String, String>, String) {
    let file = get_url(
        Some(READER),
        &format!("{base}/fhir/$bulk-publish/Slot.ndjson"),
    )
    .await;
    assert_eq!(file.status, 200, "{}", file.text);
    let statuses = file
        .lines()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().expect("id").to_owned(),
                s["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect();
    (statuses, file.header("etag").expect("etag").to_owned())
}

/// Polls answered from the kept file build nothing; each change the feed shows is in the
/// next poll's file.
async fn the_kept_file_answers_polls_until_something_changes(portal: Portal) {
    let url = format!("{}/fhir/$bulk-publish/Slot.ndjson", portal.base);
    let (statuses, etag) = slot_statuses(&portal.base).await;
    let slot = |i: usize| portal.slots[i].to_string();
    assert_eq!(statuses[&slot(0)], "free");
    let builds = portal.state.feed.builds();
    for _ in 0..5 {
        let unchanged = send(
            reqwest::Method::GET,
            &url,
            Some(READER),
            &[("if-none-match", &etag)],
            None,
        )
        .await;
        assert_eq!(unchanged.status, 304);
        assert_eq!(slot_statuses(&portal.base).await.1, etag);
    }
    assert_eq!(
        portal.state.feed.builds(),
        builds,
        "polls while nothing changed are answered from the kept file"
    );

    let booked = post(
        &portal,
        BOOKER,
        "/fhir/Appointment",
        &[],
        &appointment(portal.slots[0], &portal.kari, Some("Vaksine")),
    )
    .await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    let (statuses, after_booking) = slot_statuses(&portal.base).await;
    assert_eq!(statuses[&slot(0)], "busy", "booked");
    assert_ne!(after_booking, etag);
    assert_eq!(portal.state.feed.builds(), builds + 1);

    let clinic = portal
        .store
        .clinic_by_her_id(domain::HerId::new(1001).expect("her"))
        .await
        .expect("clinic")
        .expect("known")
        .id;
    let id = booked.body["id"].as_str().expect("id").parse().expect("id");
    portal
        .store
        .cancel(
            &domain::Caller::staff(clinic, "resepsjon"),
            &store::CancelRequest {
                appointment: domain::AppointmentId(id),
                reason: None,
                version: None,
            },
        )
        .await
        .expect("cancel");
    assert_eq!(
        slot_statuses(&portal.base).await.0[&slot(0)],
        "free",
        "cancelled"
    );

    let staff = domain::Actor::Staff {
        clinic_id: clinic,
        user: "resepsjon".into(),
    };
    let second = domain::SlotId(portal.slots[1]);
    portal
        .store
        .set_slot_published(&staff, second, false)
        .await
        .expect("unpublish");
    assert!(
        !slot_statuses(&portal.base).await.0.contains_key(&slot(1)),
        "unpublished"
    );
    portal
        .store
        .set_slot_published(&staff, second, true)
        .await
        .expect("publish");
    assert_eq!(
        slot_statuses(&portal.base).await.0[&slot(1)],
        "free",
        "published again"
    );

    portal
        .store
        .set_service(
            &domain::Actor::Operator {
                user: "drift".into(),
            },
            clinic,
            domain::TimebookKind::Vaksine,
            false,
        )
        .await
        .expect("off");
    let statuses = slot_statuses(&portal.base).await.0;
    assert!(
        portal
            .slots
            .iter()
            .all(|s| !statuses.contains_key(&s.to_string())),
        "the service is off: {statuses:?}"
    );
    assert!(
        statuses.contains_key(&portal.soon_slot.to_string()),
        "Lab is on"
    );
    portal.db.finish().await;
}

#[tokio::test]
async fn the_kept_file_answers_polls_until_something_changes_on_sqlite() {
    the_kept_file_answers_polls_until_something_changes(fhir_portal().await).await;
}

#[tokio::test]
async fn the_kept_file_answers_polls_until_something_changes_on_postgres() {
    let Some(db) = store::testing::TestDb::postgres().await else {
        return;
    };
    let portal = portal_with(Options {
        fhir: settings(),
        db: Some(db),
        ..Options::default()
    })
    .await;
    the_kept_file_answers_polls_until_something_changes(portal).await;
}

#[tokio::test]
async fn a_second_server_on_postgres_sees_a_booking_made_through_the_first() {
    let Some(db) = store::testing::TestDb::postgres().await else {
        return;
    };
    let portal = portal_with(Options {
        fhir: settings(),
        db: Some(db),
        ..Options::default()
    })
    .await;
    let second = portal.second_server().await;
    let slot = portal.slots[0].to_string();
    let (on_second, second_tag) = slot_statuses(&second).await;
    assert_eq!(on_second[&slot], "free");
    let (_, first_tag) = slot_statuses(&portal.base).await;
    assert_eq!(
        first_tag, second_tag,
        "the same file has the same tag everywhere"
    );
    let booked = post(
        &portal,
        BOOKER,
        "/fhir/Appointment",
        &[],
        &appointment(portal.slots[0], &portal.kari, Some("Vaksine")),
    )
    .await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    let (on_second, changed) = slot_statuses(&second).await;
    assert_eq!(
        on_second[&slot], "busy",
        "the second server's kept file is not served"
    );
    assert_ne!(changed, second_tag);
    portal.db.finish().await;
}

#[tokio::test]
async fn the_kept_file_is_built_again_when_time_alone_changes_it() {
    let (portal, clock) = portal_on_clock().await;
    let soon = portal.soon_slot.to_string();
    assert_eq!(slot_statuses(&portal.base).await.0[&soon], "free");
    let builds = portal.state.feed.builds();
    clock.advance(SignedDuration::from_mins(10));
    assert_eq!(slot_statuses(&portal.base).await.0[&soon], "free");
    assert_eq!(
        portal.state.feed.builds(),
        builds,
        "nothing in the file moved"
    );
    clock.advance(SignedDuration::from_hours(2));
    assert!(
        !slot_statuses(&portal.base).await.0.contains_key(&soon),
        "the slot has started"
    );
    assert_eq!(portal.state.feed.builds(), builds + 1);
}

#[tokio::test]
async fn a_spent_api_budget_turns_clients_away_while_the_portal_answers() {
    let portal = portal_with(Options {
        fhir: settings(),
        api: timebok_web::ApiSettings {
            max_concurrent_requests: 1,
            queue_wait_ms: 0,
        },
        ..Options::default()
    })
    .await;
    let place = portal
        .state
        .api_budget
        .enter()
        .await
        .expect("the one place");
    let busy = get(&portal, Some(READER), "/fhir/$bulk-publish/Slot.ndjson").await;
    assert_outcome(&busy, 503, "throttled", None);
    assert_eq!(error_code(&busy), "BUSY");
    assert_eq!(busy.header("retry-after"), Some("1"));
    let page = Browser::new(&portal).get("/logg-inn").await;
    assert_eq!(page.status, 200, "the portal has its own share");
    drop(place);
    let served = get(&portal, Some(READER), "/fhir/$bulk-publish/Slot.ndjson").await;
    assert_eq!(served.status, 200);
}

#[tokio::test]
async fn a_fhir_answer_keeps_its_place_in_the_budget_until_its_body_is_sent() {
    use tower::ServiceExt;
    let portal = portal_with(Options {
        fhir: settings(),
        api: timebok_web::ApiSettings {
            max_concurrent_requests: 1,
            queue_wait_ms: 0,
        },
        ..Options::default()
    })
    .await;
    let request = axum::http::Request::get("/fhir/$bulk-publish/Slot.ndjson")
        .header("authorization", format!("Bearer {READER}"))
        .body(axum::body::Body::empty())
        .expect("request");
    let answer = timebok_web::router(portal.state.clone())
        .oneshot(request)
        .await
        .expect("answer");
    assert_eq!(answer.status(), 200);
    assert!(
        portal.state.api_budget.enter().await.is_none(),
        "the answer has started but its body is not sent"
    );
    let body = axum::body::to_bytes(answer.into_body(), usize::MAX)
        .await
        .expect("body");
    assert!(!body.is_empty());
    assert!(
        portal.state.api_budget.enter().await.is_some(),
        "the place is free once the body is sent"
    );
}
