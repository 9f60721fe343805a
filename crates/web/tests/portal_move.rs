//! «Endre time» in the portal: a patient moves an appointment to another slot of its timebook
//! through the core's move, past their own limit of one (the appointment moved does not
//! count), until the deadline; a lost race leaves the appointment as it was.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::{Browser, portal};
use domain::AppointmentId;
use store::NotificationKind;

/// The value of `name` in a path's query.
fn param(path: &str, name: &str) -> String {
    path.split(['?', '&'])
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("{name} in {path}"))
        .to_owned()
}

#[tokio::test]
async fn a_patient_moves_an_appointment_in_one_step_and_a_lost_race_changes_nothing() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let id = kari
        .book(portal.timebook, portal.slots[0], "Influensavaksine")
        .await;
    let ics = format!("/timeavtaler/{id}/kalender.ics");
    let first = kari.get(&ics).await.body;
    assert!(first.contains("SEQUENCE:0\r\n"), "{first}");
    let list = kari.get("/timeavtaler").await;
    let link = format!("/bestill/{}?endre={id}", portal.timebook);
    assert!(list.body.contains(&link), "{}", list.body);
    assert!(list.body.contains("Endre time"));

    let calendar = kari
        .get(&format!(
            "{link}&sted={}&dag={}",
            portal.resource, portal.day
        ))
        .await;
    assert_eq!(calendar.status, 200, "{}", calendar.body);
    assert!(calendar.body.contains("Du endrer timen"));
    assert!(
        calendar
            .body
            .contains(&format!("name=\"endre\" value=\"{id}\""))
    );

    // Ola holds the last slot: moving there is refused, and Kari's appointment stays.
    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    assert_eq!(ola.hold(portal.timebook, portal.slots[2]).await.status, 303);
    let lost = kari
        .hold_with(portal.timebook, portal.slots[2], &[("endre", &id)])
        .await;
    let back = lost.location.expect("back to the calendar");
    assert!(back.contains("melding=opptatt"), "{back}");
    assert!(
        back.contains(&format!("endre={id}")),
        "the move goes on: {back}"
    );
    assert_eq!(
        portal
            .number(&format!("SELECT slot_id FROM appointment WHERE id = {id}"))
            .await,
        portal.slots[0]
    );

    // The limit is one appointment: only as a move may she hold a second slot.
    let over = kari.hold(portal.timebook, portal.slots[1]).await;
    assert!(
        over.location
            .as_deref()
            .is_some_and(|l| l.contains("melding=grense")),
        "{:?}",
        over.location
    );
    let held = kari
        .hold_with(portal.timebook, portal.slots[1], &[("endre", &id)])
        .await;
    let review = held.location.expect("the review");
    assert!(review.contains(&format!("endre={id}")), "{review}");
    let page = kari.get(&review).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Nå: "));
    assert!(page.body.contains("Ny tid: "));
    assert!(
        page.body.contains("Du kan avbestille fram til"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("name=\"reason\""),
        "a move keeps the reason"
    );
    let csrf = kari.csrf().await;
    let moved = kari
        .post(
            &format!("/bestill/{}/send", portal.timebook),
            &[
                ("csrf", &csrf),
                ("slot", &portal.slots[1].to_string()),
                ("hold", &param(&review, "hold")),
                ("endre", &id),
            ],
        )
        .await;
    let receipt = moved.location.expect("the receipt");
    assert_eq!(receipt, format!("/bestill/kvittering/{id}?endret=1"));
    let receipt = kari.get(&receipt).await;
    assert!(receipt.body.contains("Timen er endret"));
    // The calendar file keeps its UID and says it is a newer version of the same event.
    let second = kari.get(&ics).await.body;
    let uid = |file: &str| {
        file.lines()
            .find(|line| line.starts_with("UID:"))
            .map(str::to_owned)
    };
    assert_eq!(uid(&second), uid(&first));
    assert!(second.contains("SEQUENCE:1\r\n"), "{second}");
    assert_ne!(second, first);
    assert_eq!(
        portal
            .number(&format!("SELECT slot_id FROM appointment WHERE id = {id}"))
            .await,
        portal.slots[1]
    );
    assert_eq!(
        portal
            .number(&format!(
                "SELECT booked FROM slot WHERE id = {}",
                portal.slots[0]
            ))
            .await,
        0,
        "the old place is free again"
    );
    assert_eq!(
        portal.number("SELECT COUNT(*) FROM appointment").await,
        1,
        "moved, not booked again"
    );
    let jobs: Vec<_> = portal
        .store
        .outbox_jobs(AppointmentId(id.parse().expect("id")))
        .await
        .expect("jobs")
        .into_iter()
        .map(|job| job.kind)
        .collect();
    assert_eq!(jobs, [NotificationKind::Booked, NotificationKind::Moved]);
    let reason = portal
        .number(&format!(
            "SELECT COUNT(*) FROM appointment WHERE id = {id} AND reason = 'Influensavaksine'"
        ))
        .await;
    assert_eq!(reason, 1);
}

#[tokio::test]
async fn only_the_patients_own_appointment_moves_and_only_before_the_deadline() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    let olas = ola.book(portal.timebook, portal.slots[0], "Vaksine").await;
    // Ola's appointment, named in Kari's move: not found, everywhere.
    let calendar = kari
        .get(&format!("/bestill/{}?endre={olas}", portal.timebook))
        .await;
    assert_eq!(calendar.status, 404);
    let held = kari
        .hold_with(portal.timebook, portal.slots[1], &[("endre", &olas)])
        .await;
    assert_ne!(held.status, 303, "{:?}", held.location);
    assert_eq!(
        portal.number("SELECT COUNT(*) FROM slot_hold").await,
        0,
        "nothing was held for another's appointment"
    );
    // The lab slot in two hours is inside the 24-hour deadline: the review says so before
    // sending, and once booked it cannot be moved online.
    let review = kari
        .hold(portal.lab_timebook, portal.soon_slot)
        .await
        .location
        .expect("the review");
    let warned = kari.get(&review).await.body;
    assert!(
        warned.contains("Denne timen kan ikke avbestilles eller endres på nett"),
        "{warned}"
    );
    let soon = kari
        .book(portal.lab_timebook, portal.soon_slot, "Blodprøve")
        .await;
    let list = kari.get("/timeavtaler").await;
    assert!(
        !list
            .body
            .contains(&format!("/bestill/{}?endre={soon}", portal.lab_timebook))
    );
    let late = kari
        .get(&format!("/bestill/{}?endre={soon}", portal.lab_timebook))
        .await;
    assert_eq!(late.status, 409, "{}", late.body);
    // Kari's own appointment named under another timebook is not found either.
    let elsewhere = kari
        .get(&format!("/bestill/{}?endre={soon}", portal.timebook))
        .await;
    assert_eq!(elsewhere.status, 404);
}
