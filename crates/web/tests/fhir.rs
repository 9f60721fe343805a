//! The FHIR API over real HTTP: every route and each of its errors. Every body is also written
//! to `TIMEBOK_FHIR_CAPTURE` (when set), where `scripts/validate_fhir.py` checks it against the
//! FHIR models of `fhir.resources`.

mod common;

use common::{Options, Portal, portal_with};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};

const READER: &str = "reader-token-0123456789abcdef0123456789";
const BOOKER: &str = "booker-token-0123456789abcdef0123456789";
const BOUND: &str = "bound-token-0123456789abcdef01234567890";

static CAPTURED: AtomicUsize = AtomicUsize::new(0);

async fn fhir_portal() -> Portal {
    let fhir = serde_json::from_value(serde_json::json!({
        "clients": [
            { "name": "reader", "token": READER, "scopes": ["system/Slot.rs"] },
            { "name": "booker", "token": BOOKER, "scopes": ["system/Appointment.cruds"] },
            { "name": "bound", "token": BOUND, "scopes": ["system/Slot.rs"], "clinic_her_id": 1002 },
        ]
    }))
    .expect("settings");
    portal_with(Options {
        fhir,
        ..Options::default()
    })
    .await
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn get(portal: &Portal, token: Option<&str>, path: &str) -> Answer {
    get_url(token, &format!("{}{path}", portal.base)).await
}

async fn get_url(token: Option<&str>, url: &str) -> Answer {
    let mut request = reqwest::Client::new().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("GET");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON: {text}"));
    if let Ok(dir) = std::env::var("TIMEBOK_FHIR_CAPTURE") {
        let n = CAPTURED.fetch_add(1, Ordering::SeqCst);
        let name = format!("{}-{}-{n}.json", std::process::id(), status);
        std::fs::create_dir_all(&dir).expect("capture dir");
        std::fs::write(std::path::Path::new(&dir).join(name), &text).expect("capture");
    }
    Answer {
        status,
        headers,
        body,
    }
}

fn assert_outcome(answer: &Answer, status: u16, code: &str, expression: Option<&str>) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.body["resourceType"], "OperationOutcome");
    assert_eq!(answer.body["issue"][0]["code"], code, "{}", answer.body);
    assert!(
        answer.body["issue"][0]["diagnostics"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    match expression {
        Some(expression) => assert_eq!(answer.body["issue"][0]["expression"][0], expression),
        None => assert!(answer.body["issue"][0].get("expression").is_none()),
    }
}

fn entries<'a>(bundle: &'a Value, mode: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["search"]["mode"] == mode)
        .map(|e| &e["resource"])
        .collect()
}

fn link(bundle: &Value, relation: &str) -> Option<String> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == relation)
        .and_then(|l| l["url"].as_str())
        .map(str::to_owned)
}

/// `2025-12-17T08:15:00+01:00`: local time with the Oslo offset of that day.
fn is_oslo_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.len() == 25
        && text.parse::<jiff::Timestamp>().is_ok()
        && (text.ends_with("+01:00") || text.ends_with("+02:00"))
        && bytes[10] == b'T'
}

#[tokio::test]
async fn the_capability_statement_is_public_and_names_what_is_supported() {
    let portal = fhir_portal().await;
    let answer = get(&portal, None, "/fhir/metadata").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.headers["content-type"],
        "application/fhir+json; charset=utf-8"
    );
    let body = &answer.body;
    assert_eq!(body["resourceType"], "CapabilityStatement");
    assert_eq!(body["fhirVersion"], "4.0.1");
    let resources = body["rest"][0]["resource"].as_array().expect("resources");
    let types: Vec<&str> = resources
        .iter()
        .filter_map(|r| r["type"].as_str())
        .collect();
    assert_eq!(types, ["Schedule", "Slot"]);
    assert_eq!(resources[1]["searchInclude"][0], "Slot:schedule");
}

#[tokio::test]
async fn clients_need_a_known_token_and_the_right_scope() {
    let portal = fhir_portal().await;
    let path = format!("/fhir/Slot?schedule=Schedule/{}", portal.resource);
    let none = get(&portal, None, &path).await;
    assert_outcome(&none, 401, "login", None);
    assert_eq!(none.headers["www-authenticate"], "Bearer");
    let unknown = get(&portal, Some("not-a-token-of-anyone-0123456789abc"), &path).await;
    assert_outcome(&unknown, 401, "login", None);
    let booker = get(&portal, Some(BOOKER), &path).await;
    assert_outcome(&booker, 403, "forbidden", None);
    assert_eq!(get(&portal, Some(READER), &path).await.status, 200);
}

#[tokio::test]
async fn schedules_are_found_by_service_type_and_actor_and_a_bound_client_sees_its_clinic() {
    let portal = fhir_portal().await;
    let all = get(&portal, Some(READER), "/fhir/Schedule").await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.body["resourceType"], "Bundle");
    assert_eq!(all.body["type"], "searchset");
    let schedules = entries(&all.body, "match");
    assert_eq!(
        schedules.len(),
        4,
        "two clinics with a Vaksine and a Lab timebook each"
    );
    let resource_id = portal.resource.to_string();
    let vaksine = schedules
        .iter()
        .find(|s| s["id"] == resource_id.as_str())
        .expect("the Vaksine schedule");
    assert_eq!(vaksine["serviceType"][0]["coding"][0]["code"], "vaksine");
    assert_eq!(vaksine["identifier"][0]["value"], "1001");
    assert!(
        vaksine["actor"][0]["reference"]
            .as_str()
            .is_some_and(|r| r.starts_with("Location/"))
    );
    assert!(is_oslo_time(
        vaksine["planningHorizon"]["start"].as_str().expect("start")
    ));
    let first_free = vaksine["extension"]
        .as_array()
        .expect("extensions")
        .iter()
        .find(|e| e["url"] == "urn:timebok:fhir:first-free-slot")
        .expect("first free slot");
    assert!(is_oslo_time(
        first_free["valueDateTime"].as_str().expect("time")
    ));

    let lab = get(&portal, Some(READER), "/fhir/Schedule?service-type=lab").await;
    let labs = entries(&lab.body, "match");
    assert_eq!(labs.len(), 2);
    assert!(
        labs.iter()
            .all(|s| s["serviceType"][0]["coding"][0]["code"] == "lab")
    );
    let by_system = get(
        &portal,
        Some(READER),
        "/fhir/Schedule?service-type=urn:timebok:timebook-kind%7Clab",
    )
    .await;
    assert_eq!(entries(&by_system.body, "match").len(), 2);

    let location = vaksine["actor"][0]["reference"].as_str().expect("location");
    let at = get(
        &portal,
        Some(READER),
        &format!("/fhir/Schedule?actor={location}"),
    )
    .await;
    assert!(
        entries(&at.body, "match")
            .iter()
            .all(|s| s["actor"][0]["reference"] == location)
    );
    assert_eq!(
        entries(&at.body, "match").len(),
        2,
        "both timebooks at that place"
    );

    let bound = get(&portal, Some(BOUND), "/fhir/Schedule").await;
    let theirs = entries(&bound.body, "match");
    assert_eq!(theirs.len(), 2);
    assert!(theirs.iter().all(|s| s["identifier"][0]["value"] == "1002"));

    assert_outcome(
        &get(
            &portal,
            Some(READER),
            "/fhir/Schedule?service-type=tannlege",
        )
        .await,
        400,
        "invalid",
        Some("service-type"),
    );
    assert_outcome(
        &get(&portal, Some(READER), "/fhir/Schedule?actor=Patient/1").await,
        400,
        "invalid",
        Some("actor"),
    );
    assert_outcome(
        &get(&portal, Some(READER), "/fhir/Schedule?name=x").await,
        400,
        "not-supported",
        Some("name"),
    );
}

#[tokio::test]
async fn free_slots_are_paged_and_include_their_schedule() {
    let portal = fhir_portal().await;
    let schedule = format!("Schedule/{}", portal.resource);
    let all = get(
        &portal,
        Some(READER),
        &format!("/fhir/Slot?schedule={schedule}&status=free"),
    )
    .await;
    assert_eq!(all.status, 200, "{}", all.body);
    let slots = entries(&all.body, "match");
    assert_eq!(slots.len(), 3, "{}", all.body);
    for slot in &slots {
        assert_eq!(slot["status"], "free");
        assert_eq!(slot["schedule"]["reference"], schedule.as_str());
        assert!(
            is_oslo_time(slot["start"].as_str().expect("start")),
            "{slot}"
        );
        assert!(is_oslo_time(slot["end"].as_str().expect("end")));
        let deep_link = slot["extension"][0]["valueUrl"]
            .as_str()
            .expect("deep link");
        assert!(
            deep_link.contains(&format!(
                "/bestill/{}?sted={}",
                portal.timebook, portal.resource
            )),
            "{deep_link}"
        );
    }
    let ids: Vec<String> = slots
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(
        ids,
        portal.slots.iter().map(i64::to_string).collect::<Vec<_>>()
    );

    // One at a time, by the next links.
    let mut url = format!(
        "{}/fhir/Slot?schedule={schedule}&_count=1&_include=Slot:schedule",
        portal.base
    );
    let mut paged = Vec::new();
    loop {
        let page = get_url(Some(READER), &url).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let matches = entries(&page.body, "match");
        assert!(matches.len() <= 1);
        paged.extend(
            matches
                .iter()
                .map(|s| s["id"].as_str().expect("id").to_owned()),
        );
        let included = entries(&page.body, "include");
        assert_eq!(included.len(), 1, "the schedule, included");
        assert_eq!(included[0]["resourceType"], "Schedule");
        match link(&page.body, "next") {
            Some(next) => url = next,
            None => break,
        }
    }
    assert_eq!(paged, ids);

    let day = &slots[0]["start"].as_str().expect("start")[..10];
    let that_day = get(
        &portal,
        Some(READER),
        &format!("/fhir/Slot?schedule={schedule}&start={day}"),
    )
    .await;
    assert_eq!(entries(&that_day.body, "match").len(), 3);
    let before = get(
        &portal,
        Some(READER),
        &format!("/fhir/Slot?schedule={schedule}&start=lt{day}"),
    )
    .await;
    assert_eq!(entries(&before.body, "match").len(), 0);
}

#[tokio::test]
async fn bad_slot_searches_get_an_operation_outcome_naming_the_parameter() {
    let portal = fhir_portal().await;
    let schedule = format!("Schedule/{}", portal.resource);
    let cases: [(String, u16, &str, Option<&str>); 9] = [
        ("/fhir/Slot".into(), 400, "invalid", Some("schedule")),
        (
            format!("/fhir/Slot?schedule={schedule}&start=ge2026-01-01&start=lt2026-02-15"),
            400,
            "too-costly",
            Some("start"),
        ),
        (
            format!("/fhir/Slot?schedule={schedule}&start=ge2026-13-01"),
            400,
            "invalid",
            Some("start"),
        ),
        (
            format!("/fhir/Slot?schedule={schedule}&start=ge2026-02-01&start=lt2026-01-01"),
            400,
            "invalid",
            Some("start"),
        ),
        (
            format!("/fhir/Slot?schedule={schedule}&status=busy"),
            400,
            "not-supported",
            Some("status=busy"),
        ),
        (
            format!("/fhir/Slot?schedule={schedule}&_count=0"),
            400,
            "invalid",
            Some("_count"),
        ),
        (
            format!("/fhir/Slot?schedule={schedule}&_include=Slot:patient"),
            400,
            "not-supported",
            Some("_include"),
        ),
        (
            format!("/fhir/Slot?schedule={schedule}&_cursor=nonsense"),
            400,
            "invalid",
            Some("_cursor"),
        ),
        (
            "/fhir/Slot?schedule=Schedule/987654".into(),
            404,
            "not-found",
            None,
        ),
    ];
    for (path, status, code, expression) in cases {
        let answer = get(&portal, Some(READER), &path).await;
        assert_outcome(&answer, status, code, expression);
    }
    // Another clinic's schedule is not there for a client bound to one clinic.
    let bound = get(
        &portal,
        Some(BOUND),
        &format!("/fhir/Slot?schedule={schedule}"),
    )
    .await;
    assert_outcome(&bound, 404, "not-found", None);
    // In the client's language.
    let english = reqwest::Client::new()
        .get(format!("{}/fhir/Slot", portal.base))
        .bearer_auth(READER)
        .header("accept-language", "en-GB, nb;q=0.5")
        .send()
        .await
        .expect("GET")
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(
        english["issue"][0]["diagnostics"],
        "schedule must be given as Schedule/<id>."
    );
}
