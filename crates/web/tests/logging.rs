//! What reaches the logs: every request is logged with its id, method and route, and no
//! fødselsnummer, reason text or calendar link's token ever is, even at the most detailed level.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::fhir::*;
use sha2::Digest as _;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Everything logged, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn requests_are_logged_without_fodselsnummer_or_reason() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();
    let portal = fhir_portal().await;
    let reason = "Hemmelig-grunn-til-timen";
    let booked = post(
        &portal,
        BOOKER,
        "/fhir/Appointment",
        &[],
        &appointment(portal.slots[0], &portal.kari, Some(reason)),
    )
    .await;
    assert_eq!(booked.status, 201);
    let refused = post(
        &portal,
        BOOKER,
        "/fhir/Appointment",
        &[],
        &appointment(portal.slots[0], &portal.ola, Some(reason)),
    )
    .await;
    assert_eq!(refused.status, 409);
    let search = get(
        &portal,
        Some(BOOKER),
        &format!(
            "/fhir/Appointment?patient.identifier={FODSELSNUMMER}%7C{}",
            portal.kari.as_str()
        ),
    )
    .await;
    assert_eq!(search.status, 200);
    // The patient list kept from a journal system: numbers in queries and bodies only.
    let listed = common::person(60);
    let identifier = format!("identifier={FODSELSNUMMER}%7C{}", listed.as_str());
    let patient = serde_json::json!({
        "resourceType": "Patient",
        "identifier": [{ "system": FODSELSNUMMER, "value": listed.as_str() }],
        "name": [{ "family": "Hansen", "given": ["Per"] }],
    });
    let url = format!("{}/fhir/Patient?{identifier}", portal.base);
    let body = Some(("application/fhir+json", patient.to_string()));
    let put = send(reqwest::Method::PUT, &url, Some(LIST_KEEPER), &[], body).await;
    assert_eq!(put.status, 201, "{}", put.body);
    let bundle = serde_json::json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{ "resource": patient, "request": { "method": "PUT", "url": format!("Patient?{identifier}") } }],
    });
    assert_eq!(
        post(&portal, LIST_KEEPER, "/fhir", &[], &bundle)
            .await
            .status,
        200
    );
    let found = get(
        &portal,
        Some(LIST_KEEPER),
        &format!("/fhir/Patient?{identifier}"),
    )
    .await;
    assert_eq!(found.status, 200);
    let removed = send(reqwest::Method::DELETE, &url, Some(LIST_KEEPER), &[], None).await;
    assert_eq!(removed.status, 204);
    // A calendar link's token is a key to the patient's calendar: its path is logged without it.
    let token = "7e".repeat(32);
    let token_hash: String = sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    portal
        .store
        .open_calendar_link(
            &domain::Caller::patient(portal.kari.clone()),
            &token_hash,
            "nb",
        )
        .await
        .expect("calendar link");
    let calendar = reqwest::get(format!("{}/kalender/{token}.ics", portal.base))
        .await
        .expect("calendar");
    assert_eq!(calendar.status(), 200);
    // A client's own request id is not believed where no trusted proxy's header is named: it
    // could write anything into the logs.
    let unrouted = reqwest::Client::new()
        .get(format!(
            "{}/pasient/{}/timer",
            portal.base,
            portal.ola.as_str()
        ))
        .header("x-request-id", "chosen-by-the-client")
        .send()
        .await
        .expect("GET");
    assert_eq!(unrouted.status(), 404);
    let own_id = unrouted.headers()["x-request-id"].to_str().expect("ASCII");
    assert_ne!(own_id, "chosen-by-the-client");
    let log = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("UTF-8");
    assert!(log.contains("route=/kalender/{file}"), "{log}");
    assert!(
        log.contains("route=/fhir/Appointment"),
        "requests are logged by their route: {log}"
    );
    assert!(log.contains(&format!("request_id={own_id}")), "{log}");
    assert!(!log.contains("chosen-by-the-client"));
    for secret in [
        portal.kari.as_str(),
        portal.ola.as_str(),
        listed.as_str(),
        reason,
        &token,
    ] {
        assert!(!log.contains(secret), "logged: {secret}");
    }
}
