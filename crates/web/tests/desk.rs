//! The desk over HTTP: staff find a patient who phones, book them inside the patients'
//! minimum notice and past a block, move and cancel; the week of a place shows each slot's
//! state. Refusals are plain messages that change nothing; another clinic's patients are
//! strangers.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::{Browser, Portal, person, portal};
use domain::{AppointmentId, AuditAction, PersonName};
use store::{AuditFilter, NotificationKind};

fn appointment_id(location: Option<&str>) -> i64 {
    let location = location.expect("a redirect to the appointment");
    let rest = location
        .strip_prefix("/klinikk/timeavtaler/")
        .expect("the appointment's page");
    rest.split('?')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("an id")
}

async fn jobs(portal: &Portal, id: i64) -> Vec<NotificationKind> {
    portal
        .store
        .outbox_jobs(AppointmentId(id))
        .await
        .expect("jobs")
        .into_iter()
        .map(|job| job.kind)
        .collect()
}

#[tokio::test]
async fn a_receptionist_finds_a_caller_books_inside_the_notice_moves_and_cancels() {
    let portal = portal(true).await;
    // Patients must book the lab a day ahead; the slot starts in two hours.
    portal
        .execute(&format!(
            "UPDATE timebook SET min_notice_minutes = 1440 WHERE id = {}",
            portal.lab_timebook
        ))
        .await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let csrf = staff.csrf().await;

    // By name: the clinic's own Kari only.
    let found = staff
        .post(
            "/klinikk/pasienter",
            &[("csrf", &csrf), ("sok", "kari NORD")],
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert!(found.body.contains("Kari Nordmann"));
    assert!(found.body.contains(portal.kari.as_str()));
    assert!(!found.body.contains("Ola Nordmann"));

    // By fødselsnummer, spaced as read out on the phone: straight to her page.
    let spaced = format!(
        "{} {}",
        &portal.kari.as_str()[..6],
        &portal.kari.as_str()[6..]
    );
    let page = staff
        .post(
            "/klinikk/pasienter",
            &[("csrf", &csrf), ("sok", spaced.as_str())],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<h1>Kari Nordmann</h1>"));
    assert!(page.body.contains("Bestill time"));

    // The lab's place, today: the slot in two hours is there for the office.
    let lab_place = portal
        .number(&format!(
            "SELECT id FROM resource WHERE timebook_id = {}",
            portal.lab_timebook
        ))
        .await;
    let today = portal.state.today().to_string();
    let picked = staff
        .post(
            "/klinikk/pasienter/velg",
            &[
                ("csrf", &csrf),
                ("fodselsnummer", portal.kari.as_str()),
                ("sted", &lab_place.to_string()),
                ("dag", &today),
            ],
        )
        .await;
    assert_eq!(picked.status, 200, "{}", picked.body);
    assert!(
        picked
            .body
            .contains(&format!("value=\"{}\"", portal.soon_slot)),
        "the slot inside the patients' notice is offered to the office"
    );

    let booked = staff
        .post(
            "/klinikk/bestill",
            &[
                ("csrf", &csrf),
                ("skjema", "pasient"),
                ("fodselsnummer", portal.kari.as_str()),
                ("time", &portal.soon_slot.to_string()),
                ("hva", "Blodprøve"),
            ],
        )
        .await;
    assert_eq!(booked.status, 303, "{}", booked.body);
    let id = appointment_id(booked.location.as_deref());
    assert_eq!(jobs(&portal, id).await, vec![NotificationKind::Booked]);
    let shown = staff
        .get(&format!("/klinikk/timeavtaler/{id}?melding=bestilt"))
        .await;
    assert!(
        shown
            .body
            .contains("Timen er bestilt, og pasienten får beskjed.")
    );
    assert!(shown.body.contains("Blodprøve"));
    let booked_by = portal
        .store
        .audit_events(&AuditFilter {
            patient: Some(portal.kari.clone()),
            action: Some(AuditAction::AppointmentBooked),
            limit: 10,
        })
        .await
        .expect("audit");
    assert_eq!(booked_by.len(), 1);
    assert!(
        matches!(&booked_by[0].actor, domain::Actor::Staff { user, .. } if user == "resepsjon"),
        "booked with the staff member as actor: {:?}",
        booked_by[0].actor
    );

    // The patient sees it among her appointments.
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    assert!(kari.get("/timeavtaler").await.body.contains("Blodprøve"));

    // A second lab slot tomorrow to move to; the patients' limit of one does not bind staff.
    let tomorrow = portal
        .state
        .today()
        .tomorrow()
        .expect("tomorrow")
        .to_string();
    let zone = domain::clinic_time_zone().expect("tz");
    let nine = portal
        .state
        .today()
        .tomorrow()
        .expect("tomorrow")
        .at(9, 0, 0, 0);
    let nine = zone
        .to_ambiguous_timestamp(nine)
        .compatible()
        .expect("ts")
        .as_second();
    portal
        .execute(&format!(
            "INSERT INTO slot (clinic_id, timebook_id, resource_id, starts_at, length_minutes, \
               capacity, booked, published) \
             SELECT r.clinic_id, r.timebook_id, r.id, {nine}, 15, 1, 0, TRUE \
             FROM resource r WHERE r.id = {lab_place}"
        ))
        .await;
    let tomorrow_slot = portal
        .number(&format!("SELECT id FROM slot WHERE starts_at = {nine}"))
        .await;
    let offered = staff
        .get(&format!(
            "/klinikk/timeavtaler/{id}?sted={lab_place}&dag={tomorrow}"
        ))
        .await;
    assert!(offered.body.contains(&format!("value=\"{tomorrow_slot}\"")));
    let version = portal
        .number(&format!("SELECT version FROM appointment WHERE id = {id}"))
        .await;
    // A stale version changes nothing.
    let stale = staff
        .post(
            &format!("/klinikk/timeavtaler/{id}/flytt"),
            &[
                ("csrf", &csrf),
                ("time", &tomorrow_slot.to_string()),
                ("versjon", &(version + 7).to_string()),
            ],
        )
        .await;
    assert_eq!(
        stale.location.as_deref(),
        Some(format!("/klinikk/timeavtaler/{id}?melding=endret").as_str())
    );
    let moved = staff
        .post(
            &format!("/klinikk/timeavtaler/{id}/flytt"),
            &[
                ("csrf", &csrf),
                ("time", &tomorrow_slot.to_string()),
                ("versjon", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(
        moved.location.as_deref(),
        Some(format!("/klinikk/timeavtaler/{id}?melding=flyttet").as_str())
    );
    assert_eq!(
        jobs(&portal, id).await,
        vec![NotificationKind::Booked, NotificationKind::Moved],
        "one «endret time» notice"
    );
    assert_eq!(
        portal
            .number(&format!(
                "SELECT booked FROM slot WHERE id = {}",
                portal.soon_slot
            ))
            .await,
        0,
        "the old place is free again"
    );
    assert_eq!(
        portal
            .number(&format!("SELECT slot_id FROM appointment WHERE id = {id}"))
            .await,
        tomorrow_slot
    );

    // Cancelling from the appointment's page comes back to it.
    let cancelled = staff
        .post(
            &format!("/klinikk/timeavtaler/{id}/avlys"),
            &[
                ("csrf", &csrf),
                ("tilbake", "avtale"),
                ("begrunnelse", "Legen er syk"),
            ],
        )
        .await;
    assert_eq!(
        cancelled.location.as_deref(),
        Some(format!("/klinikk/timeavtaler/{id}?melding=avlyst").as_str())
    );
    let after = staff.get(&format!("/klinikk/timeavtaler/{id}")).await;
    assert!(after.body.contains("Avlyst av tjenesten"));
    assert!(
        !after.body.contains("/flytt"),
        "a cancelled time is not moved"
    );
}

#[tokio::test]
async fn the_office_books_a_blocked_patient_with_a_warning_but_never_over_the_places() {
    let portal = portal(true).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let csrf = staff.csrf().await;
    let page = staff
        .post(
            "/klinikk/pasienter/velg",
            &[("csrf", &csrf), ("fodselsnummer", portal.blocked.as_str())],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("Pasienten er sperret og kan ikke bestille selv.")
    );
    let booked = staff
        .post(
            "/klinikk/bestill",
            &[
                ("csrf", &csrf),
                ("skjema", "pasient"),
                ("fodselsnummer", portal.blocked.as_str()),
                ("time", &portal.slots[0].to_string()),
                ("hva", "Vaksine"),
            ],
        )
        .await;
    assert_eq!(booked.status, 303, "{}", booked.body);
    let id = appointment_id(booked.location.as_deref());
    let shown = staff.get(&format!("/klinikk/timeavtaler/{id}")).await;
    assert!(
        shown
            .body
            .contains("Pasienten er sperret og kan ikke bestille selv.")
    );

    // The slot has one place: Kari gets a plain refusal, and nothing changes.
    let before = (
        portal.number("SELECT COUNT(*) FROM appointment").await,
        portal.number("SELECT SUM(booked) FROM slot").await,
        portal.number("SELECT COUNT(*) FROM outbox").await,
    );
    for form in ["pasient", "time"] {
        let full = staff
            .post(
                "/klinikk/bestill",
                &[
                    ("csrf", &csrf),
                    ("skjema", form),
                    ("fodselsnummer", portal.kari.as_str()),
                    ("time", &portal.slots[0].to_string()),
                    ("hva", "Vaksine"),
                ],
            )
            .await;
        assert_eq!(full.status, 422, "{}", full.body);
        assert!(
            full.body
                .contains("Timen er ikke ledig lenger. Velg en annen time."),
            "{}",
            full.body
        );
    }
    let after = (
        portal.number("SELECT COUNT(*) FROM appointment").await,
        portal.number("SELECT SUM(booked) FROM slot").await,
        portal.number("SELECT COUNT(*) FROM outbox").await,
    );
    assert_eq!(before, after);
}

#[tokio::test]
async fn another_clinics_patients_are_never_found_and_bad_input_changes_nothing() {
    let portal = portal(true).await;
    // Another clinic lists «Kari Utenfor»; a name search here must not find her.
    let other_clinic = domain::ClinicId(portal.number("SELECT MAX(id) FROM clinic").await);
    let stranger = person(40);
    portal
        .store
        .list_patient(
            &domain::Actor::System,
            other_clinic,
            &stranger,
            &PersonName::parse("Kari").expect("n"),
            &PersonName::parse("Utenfor").expect("n"),
        )
        .await
        .expect("list");
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let csrf = staff.csrf().await;
    let by_name = staff
        .post("/klinikk/pasienter", &[("csrf", &csrf), ("sok", "Kari")])
        .await;
    assert!(by_name.body.contains("Kari Nordmann"));
    assert!(!by_name.body.contains("Utenfor"));
    assert!(!by_name.body.contains(stranger.as_str()));

    // Her number and a number nobody has get the one same answer.
    let nobody = person(41);
    let mut answers = Vec::new();
    for number in [&stranger, &nobody] {
        let by_number = staff
            .post(
                "/klinikk/pasienter",
                &[("csrf", &csrf), ("sok", number.as_str())],
            )
            .await;
        let chosen = staff
            .post(
                "/klinikk/pasienter/velg",
                &[("csrf", &csrf), ("fodselsnummer", number.as_str())],
            )
            .await;
        let booked = staff
            .post(
                "/klinikk/bestill",
                &[
                    ("csrf", &csrf),
                    ("skjema", "time"),
                    ("fodselsnummer", number.as_str()),
                    ("time", &portal.slots[1].to_string()),
                    ("hva", "Vaksine"),
                ],
            )
            .await;
        assert!(
            booked
                .body
                .contains("Pasienten står ikke på legekontorets liste.")
        );
        answers.push((
            by_number.status,
            by_number.body.replace(number.as_str(), "N"),
            chosen.status,
            chosen.body.replace(number.as_str(), "N"),
            booked.status,
            booked.body.replace(number.as_str(), "N"),
        ));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, 200);

    let before = portal.number("SELECT COUNT(*) FROM appointment").await;
    for (typed, message) in [
        (
            "",
            "Skriv et fødselsnummer eller minst to bokstaver av navnet",
        ),
        (
            "k",
            "Skriv et fødselsnummer eller minst to bokstaver av navnet",
        ),
        ("12345", "Fødselsnummeret er ikke gyldig."),
        ("a b c d", "Skriv høyst tre ord av navnet."),
        ("Kari\u{202e}", "tegn"),
    ] {
        let page = staff
            .post("/klinikk/pasienter", &[("csrf", &csrf), ("sok", typed)])
            .await;
        assert_eq!(page.status, 422, "{typed:?}");
        assert!(page.body.contains(message), "{typed:?}: {}", page.body);
    }
    for (slot, reason, message) in [
        ("x", "Vaksine", "Velg en ledig time."),
        ("", "Vaksine", "Velg en ledig time."),
        (
            &portal.slots[1].to_string() as &str,
            "",
            "Skriv hva timen gjelder",
        ),
        (
            &portal.slots[1].to_string() as &str,
            &"x".repeat(51) as &str,
            "Skriv høyst 50 tegn",
        ),
        (
            &portal.foreign_slot.to_string() as &str,
            "Vaksine",
            "Timen kan ikke bestilles.",
        ),
    ] {
        let page = staff
            .post(
                "/klinikk/bestill",
                &[
                    ("csrf", &csrf),
                    ("skjema", "pasient"),
                    ("fodselsnummer", portal.kari.as_str()),
                    ("time", slot),
                    ("hva", reason),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "{slot} {reason}: {}", page.body);
        assert!(
            page.body.contains(message),
            "{slot} {reason}: {}",
            page.body
        );
    }
    assert_eq!(
        portal.number("SELECT COUNT(*) FROM appointment").await,
        before
    );
    // Another clinic's slot and appointment pages are not there for this clinic.
    assert_eq!(
        staff
            .get(&format!("/klinikk/bestill?time={}", portal.foreign_slot))
            .await
            .status,
        404
    );
    let week = staff.get("/klinikk/uke?sted=999999&uke=nonsense").await;
    assert_eq!(week.status, 200);
    assert!(
        week.body
            .contains("Skriv en dato, for eksempel 17.12.2026.")
    );
    let searched = portal
        .store
        .audit_events(&AuditFilter {
            patient: Some(portal.kari.clone()),
            action: Some(AuditAction::PatientFound),
            limit: 10,
        })
        .await
        .expect("audit");
    assert!(
        !searched.is_empty(),
        "every patient found is an audited access"
    );
}

#[tokio::test]
async fn the_week_shows_each_slot_as_free_booked_held_unpublished_or_past() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    kari.book(portal.timebook, portal.slots[0], "Influensa")
        .await;
    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    let held = ola.hold(portal.timebook, portal.slots[1]).await;
    assert_eq!(held.status, 303, "{}", held.body);
    portal
        .execute(&format!(
            "UPDATE slot SET published = FALSE WHERE id = {}",
            portal.slots[2]
        ))
        .await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let week = staff
        .get(&format!(
            "/klinikk/uke?sted={}&uke={}",
            portal.resource, portal.day
        ))
        .await;
    assert_eq!(week.status, 200, "{}", week.body);
    let body = &week.body;
    assert!(body.contains("<caption id=\"week-caption\">Uke "));
    assert!(body.contains("<th scope=\"row\">08:00</th>"));
    assert!(body.contains("<th scope=\"col\""));
    assert!(body.contains("Kari Nordmann: Influensa"));
    assert!(body.contains("1 holdt av pasient som bestiller"));
    assert!(body.contains("Ikke publisert"));
    assert!(body.contains("Fullt"));
    assert!(
        !body.contains(&format!("/klinikk/bestill?time={}", portal.slots[1])),
        "a held single place is not free"
    );
    // Ola's hold lapses: the slot is free for the office.
    portal.execute("UPDATE slot_hold SET expires_at = 0").await;
    let week = staff
        .get(&format!(
            "/klinikk/uke?sted={}&uke={}",
            portal.resource, portal.day
        ))
        .await;
    assert!(
        week.body
            .contains(&format!("/klinikk/bestill?time={}", portal.slots[1]))
    );
    // Today's column is marked on this week's page.
    let this_week = staff
        .get(&format!("/klinikk/uke?sted={}", portal.resource))
        .await;
    assert!(this_week.body.contains("aria-current=\"date\""));
    let viewed = portal
        .store
        .audit_events(&AuditFilter {
            patient: Some(portal.kari.clone()),
            action: Some(AuditAction::AppointmentViewed),
            limit: 10,
        })
        .await
        .expect("audit");
    assert!(!viewed.is_empty(), "the week's names are audited accesses");
}
