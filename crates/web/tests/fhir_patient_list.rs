//! The clinic's patient list kept from its journal system over FHIR, over real HTTP: read in
//! pages (each view audited), one patient added, renamed and removed, many at once as the
//! register's import takes them (all or none, one audit event), and only by a client bound to
//! the clinic.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::fhir::*;
use common::{Portal, person};
use domain::{AuditAction, NationalId, NationalIdKind};
use serde_json::{Value, json};
use store::AuditFilter;

const D_NUMMER: &str = "urn:oid:2.16.578.1.12.4.1.4.2";
const HER_ID: &str = "urn:oid:2.16.578.1.12.4.1.2";

fn system(id: &NationalId) -> &'static str {
    match id.kind() {
        NationalIdKind::Fodselsnummer => FODSELSNUMMER,
        NationalIdKind::DNummer => D_NUMMER,
    }
}

fn patient(id: &NationalId, given: &str, family: &str) -> Value {
    json!({
        "resourceType": "Patient",
        "identifier": [{ "system": system(id), "value": id.as_str() }],
        "name": [{ "family": family, "given": [given] }],
        "generalPractitioner": [{ "identifier": { "system": HER_ID, "value": "1001" } }],
    })
}

fn conditional(id: &NationalId) -> String {
    format!("/fhir/Patient?identifier={}%7C{}", system(id), id.as_str())
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

async fn clinic(portal: &Portal) -> domain::Clinic {
    portal
        .store
        .clinic_by_her_id(domain::HerId::new(1001).expect("her"))
        .await
        .expect("clinic")
        .expect("known")
}

async fn listed(portal: &Portal) -> Vec<domain::Patient> {
    let clinic = clinic(portal).await;
    portal.store.clinic_patients(clinic.id).await.expect("list")
}

fn numbers(bundle: &Value) -> Vec<String> {
    bundle["entry"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|e| {
                    e["resource"]["identifier"][0]["value"]
                        .as_str()
                        .expect("number")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn a_journal_system_reads_its_list_in_pages_and_each_view_is_audited(portal: Portal) {
    let first = get(&portal, Some(LIST_KEEPER), "/fhir/Patient?_count=2").await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["type"], "searchset");
    assert_eq!(first.body["total"], 3);
    let page = numbers(&first.body);
    assert_eq!(page.len(), 2);
    let resource = &first.body["entry"][0]["resource"];
    assert_eq!(resource["resourceType"], "Patient");
    assert_eq!(
        resource["generalPractitioner"][0]["identifier"]["value"],
        "1001"
    );
    assert_eq!(
        resource["generalPractitioner"][0]["identifier"]["system"],
        HER_ID
    );
    let next = link(&first.body, "next").expect("a next page");
    let second = get_url(Some(LIST_KEEPER), &next).await;
    let mut all = page.clone();
    all.extend(numbers(&second.body));
    all.sort();
    let mut expected = vec![
        portal.kari.as_str().to_owned(),
        portal.ola.as_str().to_owned(),
        portal.blocked.as_str().to_owned(),
    ];
    expected.sort();
    assert_eq!(all, expected);
    assert!(link(&second.body, "next").is_none());
    let one = get(&portal, Some(LIST_KEEPER), &conditional(&portal.ola)).await;
    assert_eq!(numbers(&one.body), vec![portal.ola.as_str().to_owned()]);
    let nobody = get(&portal, Some(LIST_KEEPER), &conditional(&person(40))).await;
    assert_eq!(nobody.status, 200);
    assert_eq!(nobody.body["total"], 0);
    assert!(nobody.body.get("entry").is_none(), "no empty arrays");
    let views = audited(&portal, AuditAction::PatientListViewed).await;
    assert_eq!(views.len(), 4, "one event per patient shown");
    assert!(views.iter().all(|e| e.actor
        == domain::Actor::Client {
            name: "list-keeper".into()
        }));
    let refused = get(&portal, Some(LIST_KEEPER), "/fhir/Patient?_offset=-1").await;
    assert_outcome(&refused, 400, "invalid", Some("_offset"));
    let refused = get(&portal, Some(LIST_KEEPER), "/fhir/Patient?name=Kari").await;
    assert_eq!(refused.status, 400);
}

async fn a_journal_system_adds_renames_and_removes_one_patient(portal: Portal) {
    let per = person(20);
    let added = put(
        &portal,
        LIST_KEEPER,
        &conditional(&per),
        &[],
        &patient(&per, "Per", "Hansen"),
    )
    .await;
    assert_eq!(added.status, 201, "{}", added.body);
    assert_eq!(added.body["name"][0]["family"], "Hansen");
    let again = put(
        &portal,
        LIST_KEEPER,
        &conditional(&per),
        &[],
        &patient(&per, "Per Olav", "Hansen"),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    let stored = portal
        .store
        .patient(&per)
        .await
        .expect("patient")
        .expect("listed");
    assert_eq!(stored.first_name.as_str(), "Per Olav");
    assert_eq!(stored.clinic_id, clinic(&portal).await.id);
    let listed_events = audited(&portal, AuditAction::PatientListed).await;
    assert!(
        listed_events
            .iter()
            .any(|e| e.patient.as_ref() == Some(&per)
                && e.actor
                    == domain::Actor::Client {
                        name: "list-keeper".into()
                    })
    );
    // The number in the address and the body must be the same.
    let other = put(
        &portal,
        LIST_KEEPER,
        &conditional(&per),
        &[],
        &patient(&person(21), "Per", "Hansen"),
    )
    .await;
    assert_outcome(&other, 422, "invalid", Some("Patient.identifier"));
    let removed = delete(&portal, LIST_KEEPER, &conditional(&per)).await;
    assert_eq!(removed.status, 204);
    // Off the list, the person belongs to no office's list.
    assert!(portal.store.patient(&per).await.expect("patient").is_none());
    // Removed again: it is so already.
    let again = delete(&portal, LIST_KEEPER, &conditional(&per)).await;
    assert_eq!(again.status, 204);
    let bad = delete(&portal, LIST_KEEPER, "/fhir/Patient?identifier=12345678901").await;
    assert_outcome(&bad, 400, "invalid", Some("identifier"));
}

async fn bad_patients_are_refused_as_the_registers_import_refuses_them(portal: Portal) {
    let per = person(30);
    let path = conditional(&per);
    let english = [("accept-language", "en")];
    let long = "x".repeat(101);
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            patient(&per, &long, "Hansen"),
            "Patient.name[0].given",
            "name must have a given name and a family name, each of 1–100 characters.",
        ),
        (
            patient(&per, "Per", ""),
            "Patient.name[0].family",
            "name must have a given name and a family name, each of 1–100 characters.",
        ),
        (
            {
                let mut p = patient(&per, "Per", "Hansen");
                p["identifier"][0]["system"] = json!(if system(&per) == D_NUMMER {
                    FODSELSNUMMER
                } else {
                    D_NUMMER
                });
                p
            },
            "Patient.identifier[0].system",
            "The number is not a valid fødselsnummer or D-nummer, or the system is not the number's own.",
        ),
        (
            {
                let mut p = patient(&per, "Per", "Hansen");
                p["generalPractitioner"][0]["identifier"]["value"] = json!("1002");
                p
            },
            "Patient.generalPractitioner",
            "generalPractitioner must be the client's own clinic, by HER-id (urn:oid:2.16.578.1.12.4.1.2), and at most one of its GPs, by HPR number (urn:oid:2.16.578.1.12.4.1.4.4).",
        ),
        (
            {
                let mut p = patient(&per, "Per", "Hansen");
                p["identifier"] = json!([{ "system": "urn:other", "value": "1" }]);
                p
            },
            "Patient.identifier",
            "identifier must hold exactly one fødselsnummer (urn:oid:2.16.578.1.12.4.1.4.1) or D-nummer (urn:oid:2.16.578.1.12.4.1.4.2).",
        ),
    ];
    for (body, expression, text) in cases {
        let answer = put(&portal, LIST_KEEPER, &path, &english, &body).await;
        assert_outcome(&answer, 422, "invalid", Some(expression));
        assert_eq!(answer.body["issue"][0]["diagnostics"], text);
    }
    let mut bad_number = patient(&per, "Per", "Hansen");
    bad_number["identifier"][0]["value"] = json!("12345678901");
    let answer = post(
        &portal,
        LIST_KEEPER,
        "/fhir",
        &[],
        &json!({
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [{
                "resource": bad_number,
                "request": { "method": "PUT", "url": format!("Patient?identifier={}", per.as_str()) },
            }],
        }),
    )
    .await;
    assert_outcome(
        &answer,
        422,
        "invalid",
        Some("Bundle.entry[0].resource.ofType(Patient).identifier[0].value"),
    );
    assert!(portal.store.patient(&per).await.expect("patient").is_none());
}

async fn many_patients_are_listed_at_once_or_none_as_by_the_registers_import(portal: Portal) {
    let people: Vec<NationalId> = (100..160).map(person).collect();
    let entries: Vec<Value> = people
        .iter()
        .enumerate()
        .map(|(n, id)| {
            json!({
                "resource": patient(id, &format!("Pasient {n}"), "Listesen"),
                "request": {
                    "method": "PUT",
                    "url": format!("Patient?identifier={}|{}", system(id), id.as_str()),
                },
            })
        })
        .collect();
    let bundle = |entries: Vec<Value>| json!({ "resourceType": "Bundle", "type": "transaction", "entry": entries });
    // One bad entry, and nobody is listed.
    let mut spoiled = entries.clone();
    spoiled[41]["resource"]["name"][0]["family"] = json!("");
    let refused = post(&portal, LIST_KEEPER, "/fhir", &[], &bundle(spoiled)).await;
    assert_outcome(
        &refused,
        422,
        "invalid",
        Some("Bundle.entry[41].resource.ofType(Patient).name[0].family"),
    );
    assert_eq!(listed(&portal).await.len(), 3);
    assert!(
        audited(&portal, AuditAction::PatientListImported)
            .await
            .is_empty()
    );
    let imported = post(&portal, LIST_KEEPER, "/fhir", &[], &bundle(entries.clone())).await;
    assert_eq!(imported.status, 200, "{}", imported.body);
    assert_eq!(imported.body["type"], "transaction-response");
    let answered = imported.body["entry"].as_array().expect("entries");
    assert_eq!(answered.len(), 60);
    assert!(answered.iter().all(|e| e["response"]["status"] == "200 OK"));
    assert_eq!(listed(&portal).await.len(), 63);
    // The same again changes nothing; one audit event per import, with its counts.
    let again = post(&portal, LIST_KEEPER, "/fhir", &[], &bundle(entries)).await;
    assert_eq!(again.status, 200);
    let imports = audited(&portal, AuditAction::PatientListImported).await;
    assert_eq!(imports.len(), 2);
    assert!(
        imports
            .iter()
            .any(|e| e.subject == "patient_list:60 added=60 updated=0 unchanged=0")
    );
    assert!(
        imports
            .iter()
            .any(|e| e.subject == "patient_list:60 added=0 updated=0 unchanged=60")
    );
    assert!(imports.iter().all(|e| e.patient.is_none()));
}

async fn one_transaction_puts_patients_on_the_list_and_takes_others_off(portal: Portal) {
    let per = person(70);
    let put_entry = |id: &NationalId| {
        json!({
            "resource": patient(id, "Per", "Hansen"),
            "request": { "method": "PUT", "url": format!("Patient?identifier={}", id.as_str()) },
        })
    };
    let delete_entry = |id: &NationalId| json!({ "request": { "method": "DELETE", "url": format!("Patient?identifier={}", id.as_str()) } });
    let bundle = |entries: Vec<Value>| json!({ "resourceType": "Bundle", "type": "transaction", "entry": entries });
    // The same patient both put on and taken off: refused, and nothing changes.
    let refused = post(
        &portal,
        LIST_KEEPER,
        "/fhir",
        &[],
        &bundle(vec![
            put_entry(&per),
            delete_entry(&per),
            delete_entry(&portal.kari),
        ]),
    )
    .await;
    assert_outcome(&refused, 422, "invalid", Some("Bundle.entry[1].request"));
    assert_eq!(listed(&portal).await.len(), 3);
    let changed = post(
        &portal,
        LIST_KEEPER,
        "/fhir",
        &[],
        &bundle(vec![put_entry(&per), delete_entry(&portal.kari)]),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let statuses: Vec<&str> = changed.body["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["response"]["status"].as_str())
        .collect();
    assert_eq!(statuses, ["200 OK", "204 No Content"]);
    let numbers: Vec<String> = listed(&portal)
        .await
        .iter()
        .map(|p| p.national_id.as_str().to_owned())
        .collect();
    assert!(numbers.contains(&per.as_str().to_owned()));
    assert!(!numbers.contains(&portal.kari.as_str().to_owned()));
    let imports = audited(&portal, AuditAction::PatientListImported).await;
    assert_eq!(imports.len(), 1);
    assert_eq!(
        imports[0].subject,
        "patient_list:1 added=1 updated=0 unchanged=0 removed=1"
    );
}

async fn only_a_client_bound_to_one_clinic_keeps_a_list(portal: Portal) {
    let per = person(50);
    let unbound = get(&portal, Some(UNBOUND_LIST_KEEPER), "/fhir/Patient").await;
    assert_outcome(&unbound, 403, "forbidden", None);
    let unbound = put(
        &portal,
        UNBOUND_LIST_KEEPER,
        &conditional(&per),
        &[],
        &patient(&per, "Per", "Hansen"),
    )
    .await;
    assert_outcome(&unbound, 403, "forbidden", None);
    let unbound = delete(&portal, UNBOUND_LIST_KEEPER, &conditional(&portal.kari)).await;
    assert_outcome(&unbound, 403, "forbidden", None);
    let bundle = json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{
            "resource": patient(&per, "Per", "Hansen"),
            "request": { "method": "PUT", "url": format!("Patient?identifier={}", per.as_str()) },
        }],
    });
    let unbound = post(&portal, UNBOUND_LIST_KEEPER, "/fhir", &[], &bundle).await;
    assert_outcome(&unbound, 403, "forbidden", None);
    // A client without the scope, bound or not.
    let reader = get(&portal, Some(BOUND_BOOKER), "/fhir/Patient").await;
    assert_outcome(&reader, 403, "forbidden", None);
    let publisher = post(&portal, PUBLISHER, "/fhir", &[], &bundle).await;
    assert_outcome(&publisher, 403, "forbidden", None);
    assert!(portal.store.patient(&per).await.expect("patient").is_none());
    assert_eq!(listed(&portal).await.len(), 3);
}

/// The patient as `patient` sends them, with the GP of HPR number `hpr` beside the clinic.
fn with_gp(patient: Value, hpr: &str) -> Value {
    let mut patient = patient;
    patient["generalPractitioner"]
        .as_array_mut()
        .expect("general practitioners")
        .push(json!({ "identifier": { "system": "urn:oid:2.16.578.1.12.4.1.4.4", "value": hpr } }));
    patient
}

async fn a_patient_sent_with_a_gp_is_put_on_that_gps_list(portal: Portal) {
    let clinic = clinic(&portal).await;
    let gp = portal
        .store
        .save_practitioner(
            &domain::Actor::System,
            clinic.id,
            domain::HprNumber::parse("9144900").expect("hpr"),
            (
                &domain::PersonName::parse("Test").expect("first"),
                &domain::PersonName::parse("Fastlege").expect("last"),
            ),
        )
        .await
        .expect("gp");
    let per = person(20);
    let added = put(
        &portal,
        LIST_KEEPER,
        &conditional(&per),
        &[],
        &with_gp(patient(&per, "Per", "Hansen"), "9144900"),
    )
    .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let named = &added.body["generalPractitioner"][1];
    assert_eq!(named["type"], "Practitioner");
    assert_eq!(named["identifier"]["value"], "9144900");
    assert_eq!(named["display"], "Test Fastlege");
    let gp_of = |id: NationalId| {
        let store = portal.store.clone();
        async move {
            store
                .practitioner_of(&id)
                .await
                .expect("read")
                .map(|p| p.id)
        }
    };
    assert_eq!(gp_of(per.clone()).await, Some(gp.id));
    let read = get(&portal, Some(LIST_KEEPER), &conditional(&per)).await;
    assert_eq!(
        read.body["entry"][0]["resource"]["generalPractitioner"][1]["identifier"]["value"],
        "9144900"
    );
    // Sent again without a GP, the patient stays on the GP's list.
    let renamed = put(
        &portal,
        LIST_KEEPER,
        &conditional(&per),
        &[],
        &patient(&per, "Per Olav", "Hansen"),
    )
    .await;
    assert_eq!(renamed.status, 200);
    assert_eq!(gp_of(per.clone()).await, Some(gp.id));

    // A GP the clinic does not have, or two GPs: nothing changes.
    let unknown = put(
        &portal,
        LIST_KEEPER,
        &conditional(&per),
        &[],
        &with_gp(patient(&per, "Peder", "Hansen"), "565505933"),
    )
    .await;
    assert_outcome(
        &unknown,
        422,
        "invalid",
        Some("Patient.generalPractitioner"),
    );
    let two = put(
        &portal,
        LIST_KEEPER,
        &conditional(&per),
        &[],
        &with_gp(
            with_gp(patient(&per, "Peder", "Hansen"), "9144900"),
            "9144900",
        ),
    )
    .await;
    assert_outcome(&two, 422, "invalid", Some("Patient.generalPractitioner"));
    let stored = portal
        .store
        .patient(&per)
        .await
        .expect("read")
        .expect("listed");
    assert_eq!(stored.first_name.as_str(), "Per Olav");

    // In a transaction, with the list's other changes.
    let bundle = json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{
            "resource": with_gp(patient(&portal.ola, "Ola", "Nordmann"), "9144900"),
            "request": {
                "method": "PUT",
                "url": format!("Patient?identifier={}", portal.ola.as_str()),
            },
        }],
    });
    let done = post(&portal, LIST_KEEPER, "/fhir", &[], &bundle).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(gp_of(portal.ola.clone()).await, Some(gp.id));
    let refused = json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{
            "resource": with_gp(patient(&portal.kari, "Kari", "Nordmann"), "565505933"),
            "request": {
                "method": "PUT",
                "url": format!("Patient?identifier={}", portal.kari.as_str()),
            },
        }],
    });
    let refused = post(&portal, LIST_KEEPER, "/fhir", &[], &refused).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(gp_of(portal.kari.clone()).await, None);
}

on_both_databases!(
    a_patient_sent_with_a_gp_is_put_on_that_gps_list,
    a_journal_system_reads_its_list_in_pages_and_each_view_is_audited,
    a_journal_system_adds_renames_and_removes_one_patient,
    bad_patients_are_refused_as_the_registers_import_refuses_them,
    many_patients_are_listed_at_once_or_none_as_by_the_registers_import,
    only_a_client_bound_to_one_clinic_keeps_a_list,
    one_transaction_puts_patients_on_the_list_and_takes_others_off,
);
