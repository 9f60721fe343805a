//! The clinic's workspace over real HTTP: the day list, cancelling, outcomes and blocking, and
//! one clinic's staff trying another clinic's ids.

mod common;

use common::{Browser, portal};
use domain::{AppointmentStatus, AuditAction};
use store::{AuditFilter, NotificationKind};

#[tokio::test]
async fn staff_see_the_days_and_cancel_with_a_reason_that_reaches_the_patient() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let id = kari
        .book(
            portal.timebook,
            portal.slots[0],
            "<script>alert(1)</script>",
        )
        .await;

    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let overview = staff.get("/klinikk").await;
    assert_eq!(overview.status, 200);
    assert!(overview.body.contains("Kari Nordmann"));
    assert!(
        overview
            .body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || overview.body.contains("&lt;script&gt;")
    );
    assert!(!overview.body.contains("<script>alert(1)</script>"));
    let viewed = portal
        .store
        .audit_events(&AuditFilter {
            patient: Some(portal.kari.clone()),
            action: Some(AuditAction::AppointmentViewed),
            limit: 10,
        })
        .await
        .expect("audit");
    assert_eq!(
        viewed.len(),
        1,
        "the staff's view of Kari's appointment is audited"
    );

    let csrf = staff.csrf().await;
    let without = staff
        .post(
            &format!("/klinikk/timeavtaler/{id}/avlys"),
            &[("csrf", &csrf), ("begrunnelse", " ")],
        )
        .await;
    assert_eq!(
        without.location.as_deref(),
        Some("/klinikk?melding=begrunnelse")
    );
    assert_eq!(
        portal
            .store
            .planned_appointments(&portal.kari)
            .await
            .expect("planned")
            .len(),
        1
    );
    let cancelled = staff
        .post(
            &format!("/klinikk/timeavtaler/{id}/avlys"),
            &[("csrf", &csrf), ("begrunnelse", "Vaksinen er ikke levert")],
        )
        .await;
    assert_eq!(
        cancelled.location.as_deref(),
        Some("/klinikk?melding=avlyst")
    );
    assert!(
        staff
            .get("/klinikk?melding=avlyst")
            .await
            .body
            .contains("Timen er avlyst, og pasienten får beskjed.")
    );
    assert!(
        kari.get("/timeavtaler")
            .await
            .body
            .contains("Avlyst av tjenesten")
    );
    let appointment = domain::AppointmentId(id.parse().expect("id"));
    let jobs: Vec<_> = portal
        .store
        .outbox_jobs(appointment)
        .await
        .expect("jobs")
        .iter()
        .map(|j| j.kind)
        .collect();
    assert_eq!(
        jobs,
        [
            NotificationKind::Booked,
            NotificationKind::CancelledByClinic
        ]
    );
}

#[tokio::test]
async fn staff_mark_fulfilled_or_no_show() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let id = kari.book(portal.timebook, portal.slots[0], "Vaksine").await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let csrf = staff.csrf().await;
    let path = format!("/klinikk/timeavtaler/{id}/utfall");
    assert_eq!(
        staff
            .post(&path, &[("csrf", &csrf), ("utfall", "booked")])
            .await
            .status,
        400
    );
    assert_eq!(
        staff
            .post(&path, &[("csrf", &csrf), ("utfall", "fulfilled")])
            .await
            .location
            .as_deref(),
        Some("/klinikk?melding=lagret")
    );
    assert_eq!(
        staff
            .post(&path, &[("csrf", &csrf), ("utfall", "no_show")])
            .await
            .location
            .as_deref(),
        Some("/klinikk?melding=ikke-bestilt")
    );
    let appointment = portal
        .store
        .appointment(domain::AppointmentId(id.parse().expect("id")))
        .await
        .expect("read");
    assert_eq!(appointment.status, AppointmentStatus::Fulfilled);
}

#[tokio::test]
async fn a_block_from_the_clinic_reaches_the_portal_at_once_and_can_be_lifted() {
    let portal = portal(true).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let csrf = staff.csrf().await;
    let bad = staff
        .post(
            "/klinikk/sperring",
            &[
                ("csrf", &csrf),
                ("fodselsnummer", "12345678901"),
                ("begrunnelse", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("Fødselsnummeret er ikke gyldig")
            && bad.body.contains("Skriv en begrunnelse, høyst 300 tegn")
    );
    let too_long = "x".repeat(301);
    let long = staff
        .post(
            "/klinikk/sperring",
            &[
                ("csrf", &csrf),
                ("fodselsnummer", portal.ola.as_str()),
                ("begrunnelse", &too_long),
            ],
        )
        .await;
    assert_eq!(long.status, 422);
    assert!(
        portal
            .store
            .blocks(domain::ClinicId(1))
            .await
            .expect("blocks")
            .iter()
            .all(|b| b.patient != portal.ola)
    );

    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    let month = portal.day.strftime("%Y-%m");
    let calendar = format!("/bestill/{}?maned={month}", portal.timebook);
    assert!(ola.get(&calendar).await.body.contains("08:00 - 08:15"));

    let blocked = staff
        .post(
            "/klinikk/sperring",
            &[
                ("csrf", &csrf),
                ("fodselsnummer", portal.ola.as_str()),
                ("begrunnelse", "Gjentatte uteblivelser"),
            ],
        )
        .await;
    assert_eq!(
        blocked.location.as_deref(),
        Some("/klinikk/sperring?melding=sperret")
    );
    let list = staff.get("/klinikk/sperring").await;
    assert!(list.body.contains("Ola Nordmann") && list.body.contains("Gjentatte uteblivelser"));
    let page = ola.get(&calendar).await;
    assert!(
        page.body
            .contains("Tjenesten kunne ikke hente ledige timer. Prøv igjen senere.")
    );
    assert!(!page.body.contains("08:00 - 08:15"));

    staff
        .post(
            "/klinikk/sperring/opphev",
            &[("csrf", &csrf), ("fodselsnummer", portal.ola.as_str())],
        )
        .await;
    assert!(ola.get(&calendar).await.body.contains("08:00 - 08:15"));
    let actions: Vec<_> = portal
        .store
        .audit_events(&AuditFilter {
            patient: Some(portal.ola.clone()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&AuditAction::PatientBlocked)
            && actions.contains(&AuditAction::PatientUnblocked)
    );
    assert!(actions.contains(&AuditAction::BlockViewed));
}

#[tokio::test]
async fn staff_of_one_clinic_cannot_touch_anothers_ids() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let id = kari.book(portal.timebook, portal.slots[0], "Vaksine").await;
    let other = Browser::new(&portal);
    other.staff_log_in(1).await;
    let csrf = other.csrf().await;
    assert!(!other.get("/klinikk").await.body.contains("Kari Nordmann"));
    let cancel = other
        .post(
            &format!("/klinikk/timeavtaler/{id}/avlys"),
            &[("csrf", &csrf), ("begrunnelse", "Nei")],
        )
        .await;
    assert_eq!(cancel.status, 404);
    let outcome = other
        .post(
            &format!("/klinikk/timeavtaler/{id}/utfall"),
            &[("csrf", &csrf), ("utfall", "no_show")],
        )
        .await;
    assert_eq!(outcome.status, 404);
    other
        .post(
            "/klinikk/sperring/opphev",
            &[("csrf", &csrf), ("fodselsnummer", portal.blocked.as_str())],
        )
        .await;
    assert!(
        !other
            .get("/klinikk/sperring")
            .await
            .body
            .contains(portal.blocked.as_str())
    );
    let appointment = portal
        .store
        .appointment(domain::AppointmentId(id.parse().expect("id")))
        .await
        .expect("read");
    assert_eq!(appointment.status, AppointmentStatus::Booked);
    let blocks = portal
        .store
        .blocks(domain::ClinicId(1))
        .await
        .expect("blocks");
    assert!(
        blocks.iter().any(|b| b.patient == portal.blocked),
        "clinic A's block stands"
    );

    // A patient's session opens no clinic page.
    assert_eq!(
        kari.get("/klinikk").await.location.as_deref(),
        Some("/personale/logg-inn")
    );
}
