//! Booking, reading and cancelling on a patient's behalf (machine clients), and the slot
//! finders' feed.

use crate::common::{TestDb, World, oslo};
use domain::{
    Actor, AppointmentStatus, AuditAction, BookingRules, CancelReason, Reason, TimebookKind,
};
use domain::{Caller, Reach, Refusal};
use jiff::SignedDuration;
use std::sync::Arc;
use store::{
    AuditFilter, BookRequest, Booked, CancelRequest, Clock, FeedSlot, Idempotency,
    NotificationKind, Store, StoreError,
};

fn client() -> Actor {
    Actor::Client {
        name: "Vaksinefinner".into(),
    }
}

/// The vaccine finder, trusted by every clinic, acting under the patients' rules.
fn finder() -> Caller {
    Caller::client("Vaksinefinner", Reach::Everywhere)
}

fn request(
    patient: &domain::NationalId,
    slot: domain::SlotId,
    key: Option<(&str, &str)>,
) -> BookRequest {
    BookRequest {
        appointment_type: None,
        patient: patient.clone(),
        slot,
        reason: Reason::parse("Influensavaksine").expect("reason"),
        hold: None,
        idempotency: key.map(|(key, fingerprint)| Idempotency {
            client: "Vaksinefinner".into(),
            key: key.into(),
            fingerprint: fingerprint.into(),
        }),
    }
}

/// The finder books on the patient's behalf.
async fn book(store: &dyn Store, request: &BookRequest) -> Result<Booked, StoreError> {
    store.book(&finder(), request).await
}

async fn audit(world: &World, action: AuditAction) -> Vec<domain::AuditEvent> {
    world
        .store
        .audit_events(&AuditFilter {
            action: Some(action),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .expect("audit")
}

pub async fn a_client_books_and_holds_for_a_patient_and_is_named_in_the_audit(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let hold = world
        .store
        .hold(
            &finder(),
            &store::HoldRequest {
                appointment_type: None,
                patient: kari.clone(),
                slot: slot.id,
                moving: None,
                referral: None,
            },
        )
        .await
        .expect("hold");
    let reserved = world
        .store
        .book(
            &finder(),
            &BookRequest {
                appointment_type: None,
                hold: Some(hold.id),
                ..request(&kari, slot.id, None)
            },
        )
        .await
        .expect("book");
    assert!(!reserved.replayed);
    let record = world
        .store
        .appointment_for(&finder(), reserved.id)
        .await
        .expect("record");
    assert_eq!(
        (
            record.version,
            record.status,
            record.slot_id,
            &record.patient,
            record.kind,
            record.resource_id,
        ),
        (
            1,
            AppointmentStatus::Booked,
            slot.id,
            &kari,
            TimebookKind::Vaksine,
            world.resource.id,
        )
    );
    assert_eq!(record.start, oslo(2026, 12, 17, 8, 15));
    assert_eq!(record.end(), oslo(2026, 12, 17, 8, 30));
    assert_eq!(record.cancel_until, oslo(2026, 12, 16, 8, 15));
    assert_eq!(
        record.location.address.as_str(),
        "Influensaveien 3a, 1325 Lysaker"
    );
    let jobs = world.store.outbox_jobs(reserved.id).await.expect("jobs");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].kind, NotificationKind::Booked);
    for action in [AuditAction::SlotHeld, AuditAction::AppointmentBooked] {
        let events = audit(&world, action).await;
        assert_eq!(events.len(), 1, "{action:?}");
        assert_eq!(events[0].actor, client());
        assert_eq!(events[0].patient.as_ref(), Some(&kari));
    }
    world.finish().await;
}

pub async fn an_idempotency_key_gives_the_first_appointment_again(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 2).await;
    let store = &world.store;
    let first = store
        .book(&finder(), &request(&kari, slot.id, Some(("k-1", "a"))))
        .await
        .expect("first");
    let again = store
        .book(&finder(), &request(&kari, slot.id, Some(("k-1", "a"))))
        .await
        .expect("again");
    assert_eq!((again.id, again.replayed), (first.id, true));
    assert_eq!(
        store.slot(slot.id).await.expect("slot").booked,
        1,
        "booked once"
    );
    assert!(matches!(
        store
            .book(&finder(), &request(&ola, slot.id, Some(("k-1", "b"))))
            .await,
        Err(StoreError::Refused(Refusal::KeyReused))
    ));
    // Without a key, the same request is a new one and meets the patient's own booking.
    assert!(matches!(
        store.book(&finder(), &request(&kari, slot.id, None)).await,
        Err(StoreError::Refused(Refusal::AlreadyBooked))
    ));
    // A refused request leaves its key unused.
    let blocked = world.patient(3).await;
    store
        .block_patient(
            &world.staff,
            world.clinic.id,
            &blocked,
            &domain::BlockReason::parse("Misbruk").expect("reason"),
        )
        .await
        .expect("block");
    assert!(matches!(
        store
            .book(&finder(), &request(&blocked, slot.id, Some(("k-2", "c"))))
            .await,
        Err(StoreError::Refused(Refusal::Blocked))
    ));
    let ola_booked = store
        .book(&finder(), &request(&ola, slot.id, Some(("k-2", "d"))))
        .await
        .expect("the key was free");
    assert!(!ola_booked.replayed);
    // A day later the key is forgotten once another booking is made.
    world.advance(25 * 60);
    let later = world.slot(oslo(2026, 12, 21, 9, 0), 1).await;
    let per = world.patient(4).await;
    store
        .book(&finder(), &request(&per, later.id, Some(("k-3", "e"))))
        .await
        .expect("another booking");
    let lisa = world.patient(5).await;
    let reused = store
        .book(&finder(), &request(&lisa, later.id, Some(("k-1", "f"))))
        .await;
    assert!(
        matches!(reused, Err(StoreError::Refused(Refusal::Taken))),
        "k-1 was forgotten: {reused:?}"
    );
    world.finish().await;
}

pub async fn retries_racing_with_one_key_book_once(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 5).await;
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let store = world.store.clone();
            let request = request(&kari, slot.id, Some(("retry", "same")));
            tokio::spawn(async move { book(store.as_ref(), &request).await })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.expect("task").expect("booked or replayed").id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every try got the one appointment");
    assert_eq!(world.store.slot(slot.id).await.expect("slot").booked, 1);
    world.finish().await;
}

pub async fn clients_cancel_with_the_version_and_the_patients_deadline(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let store = &world.store;
    let id = store
        .book(&finder(), &request(&kari, slot.id, None))
        .await
        .expect("book")
        .id;
    let cancel = |id: domain::AppointmentId, version: i64| CancelRequest {
        appointment: id,
        version: Some(version),
        reason: Some(CancelReason::parse("Pasienten er frisk").expect("reason")),
    };
    assert!(matches!(
        store.cancel(&finder(), &cancel(id, 2)).await,
        Err(StoreError::Refused(Refusal::Stale))
    ));
    let elsewhere = Caller::client(
        "Vaksinefinner",
        Reach::Clinic(domain::ClinicId(world.clinic.id.0 + 1)),
    );
    assert!(matches!(
        store.cancel(&elsewhere, &cancel(id, 1)).await,
        Err(StoreError::Refused(Refusal::NotInReach))
    ));
    assert_eq!(store.slot(slot.id).await.expect("slot").booked, 1);
    store
        .cancel(&finder(), &cancel(id, 1))
        .await
        .expect("cancel");
    let cancelled = store.appointment_for(&finder(), id).await.expect("record");
    assert_eq!(
        (cancelled.status, cancelled.version),
        (AppointmentStatus::CancelledByPatient, 2)
    );
    assert_eq!(
        cancelled.cancel_reason.as_ref().map(CancelReason::as_str),
        Some("Pasienten er frisk")
    );
    assert!(cancelled.cancelled_at.is_some());
    assert_eq!(store.slot(slot.id).await.expect("slot").booked, 0);
    let jobs = store.outbox_jobs(id).await.expect("jobs");
    assert_eq!(
        jobs.iter().map(|j| j.kind).collect::<Vec<_>>(),
        [
            NotificationKind::Booked,
            NotificationKind::CancelledByPatient
        ]
    );
    let events = audit(&world, AuditAction::AppointmentCancelledByPatient).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor, client());
    // Cancelled already: the version moved on.
    assert!(matches!(
        store.cancel(&finder(), &cancel(id, 1)).await,
        Err(StoreError::Refused(Refusal::Stale))
    ));
    assert!(matches!(
        store.cancel(&finder(), &cancel(id, 2)).await,
        Err(StoreError::Refused(Refusal::NotBooked))
    ));

    // The portal's deadline holds for clients too.
    let ola = world.patient(2).await;
    let soon = world.slot(oslo(2026, 12, 15, 7, 0), 1).await;
    let late = store
        .book(&finder(), &request(&ola, soon.id, None))
        .await
        .expect("book")
        .id;
    assert!(matches!(
        store.cancel(&finder(), &cancel(late, 1)).await,
        Err(StoreError::Refused(Refusal::DeadlinePassed))
    ));
    // The clinic's own outcome is a change too.
    let fulfilled = store
        .set_appointment_outcome(
            &world.staff,
            world.clinic.id,
            late,
            AppointmentStatus::Fulfilled,
        )
        .await
        .expect("outcome");
    assert_eq!(fulfilled.status, AppointmentStatus::Fulfilled);
    assert_eq!(
        store
            .appointment_for(&finder(), late)
            .await
            .expect("record")
            .version,
        2
    );
    world.finish().await;
}

pub async fn appointment_records_are_found_by_patient_and_start(db: TestDb) {
    let world = World::with_rules(db, BookingRules::new(30, 42, 24 * 60, 5).expect("rules")).await;
    let kari = world.patient(1).await;
    let mut ids = Vec::new();
    for day in [16, 17, 18] {
        let slot = world.slot(oslo(2026, 12, day, 9, 0), 1).await;
        ids.push(
            world
                .store
                .book(&finder(), &request(&kari, slot.id, None))
                .await
                .expect("book")
                .id,
        );
    }
    let store = &world.store;
    let all = store
        .appointments_for(&finder(), &kari, None, None)
        .await
        .expect("all");
    assert_eq!(all.iter().map(|a| a.id).collect::<Vec<_>>(), ids);
    let from_17 = store
        .appointments_for(&finder(), &kari, Some(oslo(2026, 12, 17, 0, 0)), None)
        .await
        .expect("from");
    assert_eq!(from_17.len(), 2);
    let only_17 = store
        .appointments_for(
            &finder(),
            &kari,
            Some(oslo(2026, 12, 17, 0, 0)),
            Some(oslo(2026, 12, 18, 0, 0)),
        )
        .await
        .expect("day");
    assert_eq!(only_17.iter().map(|a| a.id).collect::<Vec<_>>(), [ids[1]]);
    assert!(
        store
            .appointments_for(&finder(), &World::person(9), None, None)
            .await
            .expect("nobody")
            .is_empty()
    );
    assert!(matches!(
        store
            .appointment_for(&finder(), domain::AppointmentId(987_654))
            .await,
        Err(StoreError::NotFound(_))
    ));
    world.finish().await;
}

fn feed_ids(feed: &[FeedSlot]) -> Vec<(domain::SlotId, bool)> {
    feed.iter().map(|s| (s.id, s.free)).collect()
}

pub async fn the_slot_feed_lists_the_window_and_what_changed_since(db: TestDb) {
    // 30 minutes' notice, 42 days ahead.
    let world = World::new(db).await;
    let store = &world.store;
    let tomorrow = oslo(2026, 12, 15, 9, 0);
    let booked = world.slot(tomorrow, 1).await;
    let free = world
        .slot(tomorrow + SignedDuration::from_mins(15), 2)
        .await;
    let hidden = world
        .slot(tomorrow + SignedDuration::from_mins(30), 1)
        .await;
    store
        .set_slot_published(&world.staff, hidden.id, false)
        .await
        .expect("unpublish");
    let far = world.slot(oslo(2027, 1, 26, 7, 0), 1).await;
    let soon = world.slot(oslo(2026, 12, 14, 8, 20), 1).await;
    let kari = world.patient(1).await;
    store
        .book(&finder(), &request(&kari, booked.id, None))
        .await
        .expect("book");

    let feed = store.slot_feed(None).await.expect("feed");
    assert_eq!(feed.at, world.clock.now(), "read at the store's time");
    let full = feed.slots;
    assert_eq!(
        feed_ids(&full),
        [(soon.id, false), (booked.id, false), (free.id, true)],
        "published, from now to the end of the window: full, too soon and hidden are not free"
    );
    assert_eq!(full[2].places_left, 2);
    assert_eq!(full[2].end(), tomorrow + SignedDuration::from_mins(30));

    let since = world.clock.now();
    world.advance(10);
    assert!(
        store
            .slot_feed(Some(since))
            .await
            .expect("nothing")
            .slots
            .is_empty(),
        "nothing changed"
    );
    // A place given back, a slot deleted, time passing.
    world
        .cancel_by_clinic(world.clinic.id, booked_id(&world, &kari).await, None)
        .await
        .expect("cancel");
    let gone = world
        .slot(tomorrow + SignedDuration::from_mins(45), 1)
        .await;
    let after_create = world.clock.now();
    world.advance(1);
    store
        .delete_slot(&world.staff, world.clinic.id, gone.id)
        .await
        .expect("delete");
    let changes = store.slot_feed(Some(since)).await.expect("changes").slots;
    assert_eq!(
        feed_ids(&changes),
        [(booked.id, true), (gone.id, false)],
        "the freed slot, and the deleted one as not free"
    );
    assert_eq!(
        feed_ids(
            &store
                .slot_feed(Some(after_create))
                .await
                .expect("later")
                .slots
        ),
        [(gone.id, false)]
    );

    // A day on, the far slot comes inside the window: it is new in the feed.
    let before = world.clock.now();
    world.advance(24 * 60);
    let entered = store.slot_feed(Some(before)).await.expect("entered").slots;
    assert!(feed_ids(&entered).contains(&(far.id, true)), "{entered:?}");
    // And within half an hour of a slot, it is no longer free.
    world.clock.set(oslo(2026, 12, 15, 8, 20));
    let before = world.clock.now();
    world.clock.set(oslo(2026, 12, 15, 8, 40));
    let closed = store.slot_feed(Some(before)).await.expect("closed").slots;
    assert_eq!(feed_ids(&closed), [(booked.id, false)]);

    // New rules touch every future slot of the timebook.
    let before = world.clock.now();
    world.advance(1);
    store
        .save_timebook(
            &world.staff,
            world.clinic.id,
            TimebookKind::Vaksine,
            BookingRules::new(30, 7, 24 * 60, 1).expect("rules"),
        )
        .await
        .expect("rules");
    let touched = store.slot_feed(Some(before)).await.expect("rules").slots;
    assert!(
        touched.iter().any(|s| s.id == far.id && !s.free),
        "beyond the shorter window: {touched:?}"
    );
    world.finish().await;
}

async fn booked_id(world: &World, patient: &domain::NationalId) -> domain::AppointmentId {
    world
        .store
        .appointments_for(&finder(), patient, None, None)
        .await
        .expect("records")[0]
        .id
}

pub async fn the_catalogue_lists_schedules_whose_service_is_on(db: TestDb) {
    let world = World::new(db).await;
    let store: &Arc<dyn store::Store> = &world.store;
    let catalogue = store.catalogue(Reach::Everywhere).await.expect("catalogue");
    assert_eq!(catalogue.len(), 1);
    assert_eq!(catalogue[0].resource, world.resource);
    assert_eq!(catalogue[0].timebook, world.timebook);
    assert_eq!(catalogue[0].clinic, world.clinic);
    store
        .set_service(
            &Actor::Operator {
                user: "drift".into(),
            },
            world.clinic.id,
            TimebookKind::Vaksine,
            false,
        )
        .await
        .expect("off");
    assert!(
        store
            .catalogue(Reach::Everywhere)
            .await
            .expect("catalogue")
            .is_empty()
    );
    world.finish().await;
}

pub async fn the_feed_stamp_grows_with_each_change_the_feed_shows(db: TestDb) {
    // 30 minutes' notice, 42 days ahead, from Monday 14 December 08:00.
    let world = World::new(db).await;
    let store = &world.store;
    let slot = world.slot(oslo(2026, 12, 15, 9, 0), 1).await;
    let far = world.slot(oslo(2027, 1, 26, 7, 0), 1).await;
    let feed = store.slot_feed(None).await.expect("feed");
    assert_eq!(
        feed.until,
        Some(oslo(2026, 12, 15, 7, 0)),
        "the far slot comes 42 days away before the first comes within 30 minutes"
    );
    assert!(feed.slots.iter().all(|s| s.id != far.id));
    let soon = world.slot(oslo(2026, 12, 14, 8, 20), 1).await;
    assert_eq!(
        store.slot_feed(None).await.expect("feed").until,
        Some(oslo(2026, 12, 14, 8, 20)),
        "a listed slot leaves as it starts"
    );
    world.clock.set(oslo(2026, 12, 15, 8, 0));
    assert_eq!(
        store.slot_feed(None).await.expect("feed").until,
        Some(oslo(2026, 12, 15, 8, 30) + SignedDuration::from_secs(1)),
        "a free slot is busy once it is less than 30 minutes away"
    );
    assert_eq!(
        store
            .slot_feed(Some(oslo(2026, 12, 14, 8, 0)))
            .await
            .expect("changes")
            .until,
        None
    );
    world.clock.set(oslo(2026, 12, 14, 8, 0));

    let kari = world.patient(1).await;
    let mut stamp = store.feed_stamp().await.expect("stamp");
    world.hold_as(&kari, slot.id).await.expect("hold");
    store.slot_feed(None).await.expect("a read");
    assert_eq!(
        store.feed_stamp().await.expect("stamp"),
        stamp,
        "the feed counts no holds, and reading writes nothing"
    );
    let mut grew = async |what: &str| {
        let now = store.feed_stamp().await.expect("stamp");
        assert!(now > stamp, "{what}: {now} after {stamp}");
        stamp = now;
    };
    let booked = world.book_as(&kari, slot.id, None).await.expect("book");
    grew("a booking").await;
    world
        .cancel_by_clinic(world.clinic.id, booked.id, None)
        .await
        .expect("cancel");
    grew("a cancellation").await;
    store
        .set_slot_published(&world.staff, soon.id, false)
        .await
        .expect("unpublish");
    grew("unpublishing").await;
    store
        .set_slot_published(&world.staff, soon.id, true)
        .await
        .expect("publish");
    grew("publishing").await;
    store
        .delete_slot(&world.staff, world.clinic.id, far.id)
        .await
        .expect("delete");
    grew("a deletion").await;
    store
        .save_timebook(
            &world.staff,
            world.clinic.id,
            TimebookKind::Vaksine,
            BookingRules::new(60, 42, 24 * 60, 1).expect("rules"),
        )
        .await
        .expect("rules");
    grew("new booking rules").await;
    let operator = Actor::Operator {
        user: "drift".into(),
    };
    store
        .set_service(&operator, world.clinic.id, TimebookKind::Vaksine, false)
        .await
        .expect("off");
    grew("a service switched off").await;
    store
        .set_phone(
            &operator,
            world.clinic.id,
            Some(&domain::PhoneNumber::parse("22 33 44 55").expect("phone")),
        )
        .await
        .expect("phone");
    grew("the clinic's phone").await;
    world.finish().await;
}
