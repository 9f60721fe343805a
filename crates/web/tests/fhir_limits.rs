//! The rate limits on the FHIR API's holds and bookings, over real HTTP: per machine client,
//! and per patient as one count with the portal's. Over a limit the answer is 429 with
//! `Retry-After` and an OperationOutcome (`throttled`, `RATE_LIMITED`), and nothing is held or
//! booked.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::fhir::*;
use common::{Browser, Options, Portal, person, portal_with};
use serde_json::json;
use sqlx::Connection;
use timebok_web::limits::LimitSettings;

async fn limited_portal(limits: LimitSettings) -> Portal {
    portal_with(Options {
        demo_login: true,
        fhir: settings(),
        limits,
        ..Options::default()
    })
    .await
}

async fn hold(portal: &Portal, token: &str, slot: i64, patient: &domain::NationalId) -> Answer {
    let mut proposed = appointment(slot, patient, None);
    proposed["status"] = json!("proposed");
    post(
        portal,
        token,
        "/fhir/Appointment/$hold",
        &[],
        &parameters(proposed),
    )
    .await
}

/// Holds and appointments in the database, to show a refusal took nothing.
async fn held_and_booked(portal: &Portal) -> (i64, i64) {
    let mut conn = sqlx::SqliteConnection::connect(&portal.db.url)
        .await
        .expect("connect");
    let holds = sqlx::query_scalar("SELECT COUNT(*) FROM slot_hold")
        .fetch_one(&mut conn)
        .await
        .expect("holds");
    let appointments = sqlx::query_scalar("SELECT COUNT(*) FROM appointment")
        .fetch_one(&mut conn)
        .await
        .expect("appointments");
    (holds, appointments)
}

fn assert_rate_limited(answer: &Answer) {
    assert_outcome(answer, 429, "throttled", None);
    assert_eq!(error_code(answer), "RATE_LIMITED");
    let seconds: u64 = answer
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&seconds), "{seconds}");
}

#[tokio::test]
async fn a_client_over_its_limit_gets_429_with_retry_after_and_takes_nothing() {
    let portal = limited_portal(LimitSettings {
        bookings_per_minute_per_client: 3,
        ..LimitSettings::default()
    })
    .await;
    // Every hold and booking counts, the refused ones too: probing is not free.
    assert_eq!(
        hold(&portal, BOOKER, portal.slots[0], &portal.kari)
            .await
            .status,
        200
    );
    assert_eq!(
        hold(&portal, BOOKER, portal.slots[1], &portal.ola)
            .await
            .status,
        200
    );
    let stranger = post(
        &portal,
        BOOKER,
        "/fhir/Appointment",
        &[],
        &appointment(portal.slots[2], &person(40), Some("Vaksine")),
    )
    .await;
    assert_eq!(error_code(&stranger), "NOT_ON_LIST");
    let before = held_and_booked(&portal).await;
    assert_eq!(before, (2, 0));

    // The fourth in the minute, whichever of the three ways it comes.
    assert_rate_limited(&hold(&portal, BOOKER, portal.slots[2], &portal.kari).await);
    let create = post(
        &portal,
        BOOKER,
        "/fhir/Appointment",
        &[("idempotency-key", "limit-1")],
        &appointment(portal.slots[2], &portal.kari, Some("Vaksine")),
    )
    .await;
    assert_rate_limited(&create);
    let book = post(
        &portal,
        BOOKER,
        "/fhir/Appointment/$book",
        &[("accept-language", "en")],
        &parameters(appointment(portal.slots[2], &portal.ola, Some("Vaksine"))),
    )
    .await;
    assert_rate_limited(&book);
    assert!(
        book.body["issue"][0]["diagnostics"]
            .as_str()
            .is_some_and(|d| d.starts_with("Too many holds and bookings")),
        "{}",
        book.body
    );
    // A body that is not even an Appointment is refused for the limit before it is read.
    let garbage = send(
        reqwest::Method::POST,
        &format!("{}/fhir/Appointment", portal.base),
        Some(BOOKER),
        &[],
        Some(("application/fhir+json", "{".to_owned())),
    )
    .await;
    assert_rate_limited(&garbage);
    assert_eq!(held_and_booked(&portal).await, before, "nothing taken");

    // Another client is counted apart; reading is not limited.
    let other = hold(&portal, BOUND_BOOKER, portal.foreign_slot, &person(41)).await;
    assert_eq!(error_code(&other), "NOT_ON_LIST", "{}", other.body);
    let read = get(
        &portal,
        Some(BOOKER),
        &format!(
            "/fhir/Appointment?patient.identifier={FODSELSNUMMER}|{}",
            portal.kari.as_str()
        ),
    )
    .await;
    assert_eq!(read.status, 200, "{}", read.body);
}

#[tokio::test]
async fn one_patient_is_limited_across_clients_and_the_portal() {
    let portal = limited_portal(LimitSettings {
        bookings_per_minute_per_patient: 5,
        ..LimitSettings::default()
    })
    .await;
    // One client holding slot after slot for one patient: the sixth in the minute stops.
    let mut answers = Vec::new();
    for n in 0..8 {
        let slot = portal.slots[n % portal.slots.len()];
        answers.push(hold(&portal, BOOKER, slot, &portal.kari).await);
    }
    assert_eq!(answers[0].status, 200);
    assert!(
        answers[..5].iter().all(|a| a.status != 429),
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    for over in &answers[5..] {
        assert_rate_limited(over);
    }
    let before = held_and_booked(&portal).await;

    // The count is the patient's, not the client's: another client is refused for her too,
    // and so is the portal.
    assert_rate_limited(&hold(&portal, BOUND_BOOKER, portal.foreign_slot, &portal.kari).await);
    let booked = post(
        &portal,
        BOUND_BOOKER,
        "/fhir/Appointment",
        &[],
        &appointment(portal.slots[0], &portal.kari, Some("Vaksine")),
    )
    .await;
    assert_rate_limited(&booked);
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let in_portal = kari.hold(portal.timebook, portal.slots[1]).await;
    assert_eq!(in_portal.status, 429);
    assert!(
        in_portal
            .body
            .contains("Du har prøvd for mange ganger på kort tid.")
    );
    assert_eq!(held_and_booked(&portal).await, before, "nothing taken");

    // Another patient, through the same client, is counted apart.
    assert_eq!(
        hold(&portal, BOOKER, portal.slots[2], &portal.ola)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn the_portal_counts_toward_a_patients_limit_over_fhir() {
    let portal = limited_portal(LimitSettings {
        bookings_per_minute_per_patient: 2,
        ..LimitSettings::default()
    })
    .await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    for slot in &portal.slots[..2] {
        assert_eq!(kari.hold(portal.timebook, *slot).await.status, 303);
    }
    assert_rate_limited(&hold(&portal, BOOKER, portal.slots[2], &portal.kari).await);
}
