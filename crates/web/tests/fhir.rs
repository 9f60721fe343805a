//! The FHIR API's searches over real HTTP: the CapabilityStatement, Schedules, Slots and
//! Locations, and each of their errors. See `common::fhir` for how answers are validated.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::fhir::*;
use serde_json::Value;

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
    assert_eq!(
        types,
        [
            "Schedule",
            "Slot",
            "Location",
            "Practitioner",
            "PractitionerRole",
            "Appointment",
            "Patient",
            "Subscription"
        ]
    );
    assert_eq!(resources[1]["searchInclude"][0], "Slot:schedule");
    assert_eq!(codes_of(&resources[3]), ["read"]);
    assert_eq!(codes_of(&resources[4]), ["read"]);
    let appointment = &resources[5];
    let interactions: Vec<&str> = appointment["interaction"]
        .as_array()
        .expect("interactions")
        .iter()
        .filter_map(|i| i["code"].as_str())
        .collect();
    assert_eq!(
        interactions,
        ["create", "read", "vread", "search-type", "update", "patch"]
    );
    let operations: Vec<&str> = appointment["operation"]
        .as_array()
        .expect("operations")
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect();
    assert_eq!(operations, ["hold", "book"]);
    assert_eq!(body["rest"][0]["operation"][0]["name"], "bulk-publish");
    let codes = |resource: &Value| -> Vec<String> {
        resource["interaction"]
            .as_array()
            .expect("interactions")
            .iter()
            .filter_map(|i| i["code"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(
        codes(&resources[1]),
        ["search-type", "read", "create", "update", "delete"]
    );
    assert_eq!(codes(&resources[6]), ["search-type", "update", "delete"]);
    assert_eq!(resources[6]["conditionalUpdate"], true);
    assert_eq!(resources[6]["conditionalDelete"], "single");
    assert_eq!(codes(&body["rest"][0]), ["transaction"]);
}

/// The interaction codes a CapabilityStatement's resource lists.
fn codes_of(resource: &Value) -> Vec<String> {
    resource["interaction"]
        .as_array()
        .expect("interactions")
        .iter()
        .filter_map(|i| i["code"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_gps_schedule_names_the_gp_and_only_their_clinics_clients_see_it() {
    let portal = fhir_portal().await;
    let store = portal.store.clone();
    let system = domain::Actor::System;
    let clinic = store
        .clinic_by_her_id(domain::HerId::new(1_001).expect("her"))
        .await
        .expect("read")
        .expect("clinic");
    let gp = store
        .save_practitioner(
            &system,
            clinic.id,
            domain::HprNumber::parse("9144900").expect("hpr"),
            (
                &domain::PersonName::parse("Test").expect("first"),
                &domain::PersonName::parse("Fastlege").expect("last"),
            ),
        )
        .await
        .expect("gp");
    let timebook = store
        .save_timebook(
            &system,
            clinic.id,
            domain::TimebookKind::Fastlege,
            domain::BookingRules::default(),
        )
        .await
        .expect("timebook");
    let location = store
        .save_location(
            &system,
            clinic.id,
            &domain::Address::parse("Legeveien 1, 1325 Lysaker").expect("address"),
        )
        .await
        .expect("location");
    store
        .save_resource(
            &system,
            timebook.id,
            &store::NewPlace {
                name: &domain::ResourceName::parse("Testfastlege").expect("name"),
                description: &domain::Description::parse("Din fastlege").expect("description"),
                practitioner: Some(gp.id),
            },
            &location,
        )
        .await
        .expect("place");
    let id = gp.id.0;

    // A slot finder of every clinic is not shown it: its slots are for the GP's patients.
    let all = get(&portal, Some(READER), "/fhir/Schedule").await;
    assert_eq!(entries(&all.body, "match").len(), 4);
    assert_eq!(
        get(&portal, Some(READER), &format!("/fhir/Practitioner/{id}"))
            .await
            .status,
        404
    );
    assert_eq!(
        get(&portal, Some(BOUND), &format!("/fhir/Practitioner/{id}"))
            .await
            .status,
        404
    );

    // The clinic's own journal system is, with the GP beside the place.
    let own = get(
        &portal,
        Some(PUBLISHER),
        "/fhir/Schedule?service-type=fastlege",
    )
    .await;
    let schedules = entries(&own.body, "match");
    assert_eq!(schedules.len(), 1, "{}", own.body);
    let actors: Vec<&str> = schedules[0]["actor"]
        .as_array()
        .expect("actors")
        .iter()
        .filter_map(|a| a["reference"].as_str())
        .collect();
    assert_eq!(
        actors,
        [
            format!("Location/{}", location.id.0),
            format!("Practitioner/{id}"),
            format!("PractitionerRole/{id}")
        ]
    );
    let by_gp = get(
        &portal,
        Some(PUBLISHER),
        &format!("/fhir/Schedule?actor=Practitioner/{id}"),
    )
    .await;
    assert_eq!(entries(&by_gp.body, "match").len(), 1);

    let practitioner = get(
        &portal,
        Some(PUBLISHER),
        &format!("/fhir/Practitioner/{id}"),
    )
    .await;
    assert_eq!(practitioner.status, 200, "{}", practitioner.body);
    assert_eq!(practitioner.body["resourceType"], "Practitioner");
    assert_eq!(
        practitioner.body["identifier"][0]["system"],
        "urn:oid:2.16.578.1.12.4.1.4.4"
    );
    assert_eq!(practitioner.body["identifier"][0]["value"], "9144900");
    assert_eq!(practitioner.body["name"][0]["family"], "Fastlege");
    let role = get(
        &portal,
        Some(PUBLISHER),
        &format!("/fhir/PractitionerRole/{id}"),
    )
    .await;
    assert_eq!(role.status, 200, "{}", role.body);
    assert_eq!(
        role.body["practitioner"]["reference"],
        format!("Practitioner/{id}")
    );
    assert_eq!(role.body["organization"]["identifier"]["value"], "1001");
    assert_eq!(
        role.body["location"][0]["reference"],
        format!("Location/{}", location.id.0)
    );
    assert_eq!(
        get(&portal, Some(PUBLISHER), "/fhir/Practitioner/nine")
            .await
            .status,
        404
    );
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
    assert_eq!(
        unknown.headers["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
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
            Some("status"),
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
