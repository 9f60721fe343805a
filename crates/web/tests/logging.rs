//! What reaches the logs: every request is logged with its method and path, and no
//! fødselsnummer or reason text ever is, even at the most detailed level.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::fhir::*;
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
    let log = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("UTF-8");
    assert!(
        log.contains("path=/fhir/Appointment"),
        "requests are logged: {log}"
    );
    for secret in [portal.kari.as_str(), portal.ola.as_str(), reason] {
        assert!(!log.contains(secret), "logged: {secret}");
    }
}
