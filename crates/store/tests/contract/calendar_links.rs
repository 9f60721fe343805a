//! A patient's calendar link: what it shows, and that a new link or switching it off ends the
//! old one at once.

use crate::common::{TestDb, World, oslo};
use domain::{AppointmentStatus, AuditAction, NationalId};
use store::{AuditFilter, CALENDAR_LINK_PAST_DAYS, Clock, Store};

/// The patient's audit events of one action.
async fn audited(store: &dyn Store, patient: &NationalId, action: AuditAction) -> usize {
    store
        .audit_events(&AuditFilter {
            patient: Some(patient.clone()),
            action: Some(action),
            limit: 100,
        })
        .await
        .expect("audit")
        .len()
}

pub async fn a_calendar_link_shows_the_patients_own_appointments_from_ninety_days_back(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let first = world.slot(oslo(2026, 12, 16, 8, 15), 1).await;
    let second = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let olas = world.slot(oslo(2026, 12, 16, 9, 0), 1).await;
    let cancelled = world.book_as(&kari, first.id, None).await.expect("book");
    world.cancel_as(&kari, cancelled.id).await.expect("cancel");
    let booked = world.book_as(&kari, second.id, None).await.expect("book");
    world.book_as(&ola, olas.id, None).await.expect("book");

    assert_eq!(world.store.calendar_link(&kari).await.expect("read"), None);
    assert_eq!(
        world
            .store
            .linked_calendar("kari-hash")
            .await
            .expect("read"),
        None,
        "no link before it is made"
    );
    let link = world
        .store
        .open_calendar_link(&domain::Caller::patient(kari.clone()), "kari-hash", "nn")
        .await
        .expect("open");
    assert_eq!(link.language, "nn");
    assert_eq!(
        world.store.calendar_link(&kari).await.expect("read"),
        Some(link)
    );
    assert_eq!(
        audited(
            world.store.as_ref(),
            &kari,
            AuditAction::CalendarLinkCreated
        )
        .await,
        1
    );

    let shown = |at: &str| {
        let store = world.store.clone();
        let at = at.to_owned();
        async move {
            store
                .linked_calendar(&at)
                .await
                .expect("read")
                .expect("a link")
        }
    };
    let calendar = shown("kari-hash").await;
    assert_eq!(calendar.language, "nn");
    let seen: Vec<_> = calendar
        .appointments
        .iter()
        .map(|a| (a.id, a.status, a.version))
        .collect();
    assert_eq!(
        seen,
        [
            (cancelled.id, AppointmentStatus::CancelledByPatient, 2),
            (booked.id, AppointmentStatus::Booked, 1),
        ],
        "Kari's own, cancelled ones too, by start; never Ola's"
    );

    // An appointment that started exactly 90 days ago is still shown; a minute later it is not.
    let past = jiff::SignedDuration::from_hours(24 * CALENDAR_LINK_PAST_DAYS);
    let until_edge = (oslo(2026, 12, 16, 8, 15) + past).duration_since(world.clock.now());
    world.advance(until_edge.as_mins());
    assert_eq!(shown("kari-hash").await.appointments.len(), 2);
    world.advance(1);
    let later = shown("kari-hash").await;
    assert_eq!(
        later.appointments.iter().map(|a| a.id).collect::<Vec<_>>(),
        [booked.id]
    );
    world.finish().await;
}

pub async fn a_new_calendar_link_ends_the_old_and_switching_off_ends_it(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let store = world.store.as_ref();
    store
        .open_calendar_link(&domain::Caller::patient(kari.clone()), "first", "nb")
        .await
        .expect("open");
    store
        .open_calendar_link(&domain::Caller::patient(ola.clone()), "olas", "en")
        .await
        .expect("open");
    store
        .open_calendar_link(&domain::Caller::patient(kari.clone()), "second", "nb")
        .await
        .expect("replace");
    assert_eq!(store.linked_calendar("first").await.expect("read"), None);
    assert!(
        store
            .linked_calendar("second")
            .await
            .expect("read")
            .is_some()
    );
    assert_eq!(
        audited(store, &kari, AuditAction::CalendarLinkCreated).await,
        1
    );
    assert_eq!(
        audited(store, &kari, AuditAction::CalendarLinkReplaced).await,
        1
    );

    assert!(
        store
            .close_calendar_link(&domain::Caller::patient(kari.clone()))
            .await
            .expect("close")
    );
    assert_eq!(store.linked_calendar("second").await.expect("read"), None);
    assert_eq!(store.calendar_link(&kari).await.expect("read"), None);
    assert_eq!(
        audited(store, &kari, AuditAction::CalendarLinkRevoked).await,
        1
    );
    assert!(
        !store
            .close_calendar_link(&domain::Caller::patient(kari.clone()))
            .await
            .expect("close"),
        "nothing left to switch off"
    );
    assert_eq!(
        audited(store, &kari, AuditAction::CalendarLinkRevoked).await,
        1,
        "and nothing audited"
    );
    let olas = store
        .linked_calendar("olas")
        .await
        .expect("read")
        .expect("Ola's link is his own");
    assert_eq!(olas.language, "en");
    world.finish().await;
}
