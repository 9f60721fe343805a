pub use crate::booking_core::*;
pub use crate::calendar::*;
pub use crate::calendar_links::*;
pub use crate::client_bookings::*;
use crate::common::{TestDb, World, oslo, start_of_tests};
pub use crate::desk::*;
pub use crate::dpop::*;
pub use crate::gp_timebook::*;
pub use crate::invitations::*;
pub use crate::list_changes::*;
pub use crate::logins::*;
pub use crate::messages::*;
pub use crate::outbox::*;
pub use crate::patient_import::*;
pub use crate::practitioners::*;
pub use crate::rate::*;
pub use crate::referrals::*;
pub use crate::reminders::*;
pub use crate::representation::*;
pub use crate::requests::*;
pub use crate::retention::*;
pub use crate::schedules::*;
pub use crate::slot_publishing::*;
pub use crate::subscriptions::*;
pub use crate::usage::*;
pub use crate::waitlist::*;
use domain::Refusal;
use domain::{
    Actor, AppointmentStatus, AuditAction, BlockReason, BookingRules, CancelReason, Capacity,
    DomainError, Reason, SlotLength, SlotTemplate, Weekdays,
};
use jiff::civil::{date, time};
use std::sync::Arc;
use store::{AuditFilter, NotificationKind, Store, StoreError};

fn reason(text: &str) -> Reason {
    Reason::parse(text).expect("reason")
}

/// The patient books the slot themself, from a task of its own.
async fn book(
    store: &dyn Store,
    patient: &domain::NationalId,
    slot: domain::SlotId,
) -> Result<store::Booked, StoreError> {
    store
        .book(
            &domain::Caller::patient(patient.clone()),
            &store::BookRequest {
                appointment_type: None,
                patient: patient.clone(),
                slot,
                reason: reason("Influensavaksine"),
                hold: None,
                idempotency: None,
            },
        )
        .await
}

/// The kinds of notification job written for an appointment, oldest first.
async fn job_kinds(world: &World, appointment: domain::AppointmentId) -> Vec<NotificationKind> {
    let jobs = world.store.outbox_jobs(appointment).await.expect("outbox");
    jobs.iter().map(|job| job.kind).collect()
}

/// Asserts a refusal and that the slot's count did not move.
async fn refused(
    world: &World,
    slot: domain::SlotId,
    result: Result<domain::Appointment, StoreError>,
    expected: &str,
) {
    let before = world.store.slot(slot).await.expect("slot").booked;
    match result {
        Err(error) => assert_eq!(format!("{error:?}"), expected),
        Ok(_) => panic!("expected {expected}, got a booking"),
    }
    assert_eq!(world.store.slot(slot).await.expect("slot").booked, before);
}

pub async fn migrations_run_again_and_concurrently(db: TestDb) {
    let clock = Arc::new(store::ManualClock::new(start_of_tests()));
    let stores: Vec<Arc<dyn Store>> = futures::future::join_all((0..4).map(|_| {
        let clock = clock.clone();
        let url = db.url.clone();
        async move {
            store::open(&url, store::StoreSettings::default(), clock)
                .await
                .expect("open")
        }
    }))
    .await;
    let results = futures::future::join_all(stores.iter().map(|s| s.migrate())).await;
    for result in results {
        result.expect("concurrent migration");
    }
    stores[0].migrate().await.expect("migrate again");
    stores[0].ping().await.expect("ping");
    drop(stores);
    db.finish().await;
}

pub async fn free_slots_are_published_future_and_inside_the_window(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let too_soon = world.slot(oslo(2026, 12, 14, 8, 15), 1).await;
    let open = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let hidden = world.slot(oslo(2026, 12, 17, 8, 30), 1).await;
    let full = world.slot(oslo(2026, 12, 17, 8, 45), 1).await;
    let beyond_horizon = world.slot(oslo(2027, 1, 26, 9, 0), 1).await;
    world
        .store
        .set_slot_published(&world.staff, hidden.id, false)
        .await
        .expect("unpublish");
    let other = world.patient(2).await;
    world.book_as(&other, full.id, None).await.expect("book");

    let free = world
        .store
        .free_slots(
            &domain::Caller::patient(kari.clone()),
            &kari,
            world.timebook.id,
            date(2026, 12, 14),
            date(2027, 1, 31),
        )
        .await
        .expect("free slots");
    let ids: Vec<_> = free.iter().map(|s| s.id).collect();
    assert_eq!(ids, [open.id]);
    assert!(!ids.contains(&too_soon.id) && !ids.contains(&beyond_horizon.id));
    assert_eq!(free[0].places_left, 1);
    assert_eq!(free[0].start, oslo(2026, 12, 17, 8, 15));
    assert_eq!(free[0].end(), oslo(2026, 12, 17, 8, 30));

    // One local day, both ends included.
    let day = world
        .store
        .free_slots(
            &domain::Caller::patient(kari.clone()),
            &kari,
            world.timebook.id,
            date(2026, 12, 17),
            date(2026, 12, 17),
        )
        .await
        .expect("day");
    assert_eq!(day.len(), 1);
    let other_day = world
        .store
        .free_slots(
            &domain::Caller::patient(kari.clone()),
            &kari,
            world.timebook.id,
            date(2026, 12, 18),
            date(2026, 12, 18),
        )
        .await
        .expect("day");
    assert!(other_day.is_empty());
    world.finish().await;
}

pub async fn free_slots_are_refused_to_blocked_and_unlisted_patients(db: TestDb) {
    let world = World::new(db).await;
    world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let blocked = world.patient(1).await;
    world
        .store
        .block_patient(
            &world.staff,
            world.clinic.id,
            &blocked,
            &BlockReason::parse("Misbruk").expect("reason"),
        )
        .await
        .expect("block");
    let (from, to) = (date(2026, 12, 14), date(2026, 12, 31));
    let result = world
        .store
        .free_slots(
            &domain::Caller::patient(blocked.clone()),
            &blocked,
            world.timebook.id,
            from,
            to,
        )
        .await;
    assert!(
        matches!(result, Err(StoreError::Refused(Refusal::Blocked))),
        "{result:?}"
    );
    let stranger = World::person(99);
    let result = world
        .store
        .free_slots(
            &domain::Caller::patient(stranger.clone()),
            &stranger,
            world.timebook.id,
            from,
            to,
        )
        .await;
    assert!(
        matches!(result, Err(StoreError::Refused(Refusal::NotOnList))),
        "{result:?}"
    );
    world.finish().await;
}

pub async fn free_slot_queries_refuse_bad_ranges(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let result = world
        .store
        .free_slots(
            &domain::Caller::patient(kari.clone()),
            &kari,
            world.timebook.id,
            date(2026, 12, 14),
            date(2027, 3, 1),
        )
        .await;
    assert!(
        matches!(result, Err(StoreError::RangeTooLong { max: 62 })),
        "{result:?}"
    );
    let result = world
        .store
        .free_slots(
            &domain::Caller::patient(kari.clone()),
            &kari,
            world.timebook.id,
            date(2026, 12, 14),
            date(2026, 12, 13),
        )
        .await;
    assert!(
        matches!(result, Err(StoreError::Invalid(DomainError::DatesReversed))),
        "{result:?}"
    );
    let result = world
        .store
        .free_slots(
            &domain::Caller::patient(kari.clone()),
            &kari,
            domain::TimebookId(9_999),
            date(2026, 12, 14),
            date(2026, 12, 20),
        )
        .await;
    assert!(
        matches!(result, Err(StoreError::NotFound("timebook"))),
        "{result:?}"
    );
    world.finish().await;
}

pub async fn a_booking_writes_appointment_outbox_and_audit_together(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let hold = world.hold_as(&kari, slot.id).await.expect("hold");
    assert_eq!(hold.expires_at, oslo(2026, 12, 14, 8, 5));
    let booked = world
        .book_as(&kari, slot.id, Some(hold.id))
        .await
        .expect("book");
    assert_eq!(booked.status, AppointmentStatus::Booked);
    assert_eq!(
        world.store.appointment(booked.id).await.expect("read"),
        booked
    );
    assert_eq!(world.store.slot(slot.id).await.expect("slot").booked, 1);

    assert_eq!(
        job_kinds(&world, booked.id).await,
        [NotificationKind::Booked]
    );
    let audit = world
        .store
        .audit_events(&AuditFilter {
            patient: Some(kari.clone()),
            action: Some(AuditAction::AppointmentBooked),
            limit: 10,
        })
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, Actor::Patient(kari.clone()));
    assert_eq!(audit[0].subject, format!("appointment:{}", booked.id));

    let planned = world
        .store
        .planned_appointments(&kari)
        .await
        .expect("planned");
    assert_eq!(planned.len(), 1);
    let p = &planned[0];
    assert_eq!(
        (p.id, p.start, p.length.as_minutes()),
        (booked.id, oslo(2026, 12, 17, 8, 15), 15)
    );
    assert_eq!(p.clinic_name.as_str(), "Helsenorge testlegekontor");
    assert_eq!(p.resource_name.as_str(), "Influensa");
    assert_eq!(p.address.as_str(), "Influensaveien 3a, 1325 Lysaker");
    assert_eq!(p.reason.as_str(), "Influensavaksine");
    assert_eq!(p.cancel_until, oslo(2026, 12, 16, 8, 15));

    // Once it is over, it is no longer planned.
    world.clock.set(oslo(2026, 12, 17, 8, 31));
    assert!(
        world
            .store
            .planned_appointments(&kari)
            .await
            .expect("planned")
            .is_empty()
    );
    world.finish().await;
}

pub async fn refused_bookings_change_nothing(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let second = world.slot(oslo(2026, 12, 17, 8, 30), 1).await;
    let too_soon = world.slot(oslo(2026, 12, 14, 8, 15), 1).await;
    let late = world.slot(oslo(2027, 1, 26, 9, 0), 1).await;

    world.book_as(&kari, slot.id, None).await.expect("book");
    refused(
        &world,
        slot.id,
        world.book_as(&kari, slot.id, None).await,
        "Refused(AlreadyBooked)",
    )
    .await;
    refused(
        &world,
        slot.id,
        world.book_as(&ola, slot.id, None).await,
        "Refused(Taken)",
    )
    .await;
    refused(
        &world,
        second.id,
        world.book_as(&kari, second.id, None).await,
        "Refused(OverLimit)",
    )
    .await;
    refused(
        &world,
        too_soon.id,
        world.book_as(&ola, too_soon.id, None).await,
        "Refused(OutsideWindow)",
    )
    .await;
    refused(
        &world,
        late.id,
        world.book_as(&ola, late.id, None).await,
        "Refused(OutsideWindow)",
    )
    .await;
    let stranger = World::person(50);
    refused(
        &world,
        second.id,
        world.book_as(&stranger, second.id, None).await,
        "Refused(NotOnList)",
    )
    .await;
    let missing = world.book_as(&ola, domain::SlotId(987_654), None).await;
    assert!(
        matches!(missing, Err(StoreError::Refused(Refusal::UnknownSlot))),
        "{missing:?}"
    );
    world
        .store
        .set_slot_published(&world.staff, second.id, false)
        .await
        .expect("unpublish");
    refused(
        &world,
        second.id,
        world.book_as(&ola, second.id, None).await,
        "Refused(Taken)",
    )
    .await;
    world
        .store
        .set_slot_published(&world.staff, second.id, true)
        .await
        .expect("publish");
    world
        .store
        .block_patient(
            &world.staff,
            world.clinic.id,
            &ola,
            &BlockReason::parse("Misbruk").expect("reason"),
        )
        .await
        .expect("block");
    refused(
        &world,
        second.id,
        world.book_as(&ola, second.id, None).await,
        "Refused(Blocked)",
    )
    .await;

    // Only the one booking left a trace.
    let booked = world
        .store
        .audit_events(&AuditFilter {
            action: Some(AuditAction::AppointmentBooked),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(booked.len(), 1);
    let integrity = world.store.integrity().await.expect("integrity");
    assert_eq!(
        (integrity.overbooked_slots, integrity.miscounted_slots),
        (0, 0)
    );
    world.finish().await;
}

/// 30 minutes' notice and 42 days ahead, both ends included (now is 14 December 08:00).
pub async fn the_booking_window_includes_both_ends(db: TestDb) {
    let world = World::new(db).await;
    let (first, last) = (oslo(2026, 12, 14, 8, 30), oslo(2027, 1, 25, 8, 0));
    let minute = jiff::SignedDuration::from_mins(1);
    let cases = [
        (first - minute, false),
        (first, true),
        (last, true),
        (last + minute, false),
    ];
    for (n, (start, bookable)) in (1u16..).zip(cases) {
        let patient = world.patient(n).await;
        let slot = world.slot(start, 1).await;
        let listed = world
            .store
            .free_slots(
                &domain::Caller::patient(patient.clone()),
                &patient,
                world.timebook.id,
                date(2026, 12, 14),
                date(2027, 1, 31),
            )
            .await
            .expect("free");
        assert_eq!(
            listed.iter().any(|s| s.id == slot.id),
            bookable,
            "listed at {start}"
        );
        let outcome = world.book_as(&patient, slot.id, None).await;
        if bookable {
            outcome.expect("inside the window");
        } else {
            refused(&world, slot.id, outcome, "Refused(OutsideWindow)").await;
        }
    }
    world.finish().await;
}

pub async fn a_hold_keeps_the_slot_until_it_expires(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let (from, to) = (date(2026, 12, 17), date(2026, 12, 17));

    let hold = world.hold_as(&kari, slot.id).await.expect("hold");
    assert!(
        world
            .store
            .free_slots(
                &domain::Caller::patient(ola.clone()),
                &ola,
                world.timebook.id,
                from,
                to
            )
            .await
            .expect("free")
            .is_empty()
    );
    assert_eq!(
        world
            .store
            .free_slots(
                &domain::Caller::patient(kari.clone()),
                &kari,
                world.timebook.id,
                from,
                to
            )
            .await
            .expect("free")
            .len(),
        1
    );
    assert!(matches!(
        world.hold_as(&ola, slot.id).await,
        Err(StoreError::Refused(Refusal::Taken))
    ));
    refused(
        &world,
        slot.id,
        world.book_as(&ola, slot.id, None).await,
        "Refused(Taken)",
    )
    .await;

    // Five minutes later the hold is gone: Ola may take the slot, and Kari has lost it.
    world.advance(5);
    assert_eq!(
        world
            .store
            .free_slots(
                &domain::Caller::patient(ola.clone()),
                &ola,
                world.timebook.id,
                from,
                to
            )
            .await
            .expect("free")
            .len(),
        1
    );
    let ola_hold = world
        .hold_as(&ola, slot.id)
        .await
        .expect("hold after expiry");
    refused(
        &world,
        slot.id,
        world.book_as(&kari, slot.id, Some(hold.id)).await,
        "Refused(HoldLost)",
    )
    .await;
    world
        .book_as(&ola, slot.id, Some(ola_hold.id))
        .await
        .expect("book with hold");

    // In a slot of several places, a hold takes one place from everybody else.
    let room = world.slot(oslo(2026, 12, 17, 10, 0), 3).await;
    world.hold_as(&kari, room.id).await.expect("hold a place");
    let places =
        |free: Vec<store::FreeSlot>| free.iter().find(|s| s.id == room.id).map(|s| s.places_left);
    assert_eq!(
        places(
            world
                .store
                .free_slots(
                    &domain::Caller::patient(ola.clone()),
                    &ola,
                    world.timebook.id,
                    from,
                    to
                )
                .await
                .expect("free")
        ),
        Some(2)
    );
    assert_eq!(
        places(
            world
                .store
                .free_slots(
                    &domain::Caller::patient(kari.clone()),
                    &kari,
                    world.timebook.id,
                    from,
                    to
                )
                .await
                .expect("free")
        ),
        Some(3)
    );
    world.finish().await;
}

pub async fn a_new_hold_releases_the_old_one(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let first = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let second = world.slot(oslo(2026, 12, 17, 8, 30), 1).await;
    let old = world.hold_as(&kari, first.id).await.expect("hold");
    world.hold_as(&kari, second.id).await.expect("hold another");
    world
        .hold_as(&ola, first.id)
        .await
        .expect("first is free again");
    refused(
        &world,
        first.id,
        world.book_as(&kari, first.id, Some(old.id)).await,
        "Refused(HoldLost)",
    )
    .await;
    world.finish().await;
}

/// Back on the review page after their hold lapsed, a patient who holds the same slot again
/// renews the hold they had: the review's form, which names that hold, books on both databases.
pub async fn holding_the_same_slot_again_renews_the_lapsed_hold(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let first = world.hold_as(&kari, slot.id).await.expect("hold");
    world.advance(30);
    let again = world.hold_as(&kari, slot.id).await.expect("hold again");
    assert_eq!(again.id, first.id, "the same hold, renewed");
    world
        .book_as(&kari, slot.id, Some(first.id))
        .await
        .expect("books with the renewed hold");
    world.finish().await;
}

pub async fn patients_cancel_until_the_deadline(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let later = world.slot(oslo(2026, 12, 18, 8, 15), 1).await;
    let booked = world.book_as(&kari, slot.id, None).await.expect("book");

    let foreign = world.cancel_as(&ola, booked.id).await;
    assert!(
        matches!(foreign, Err(StoreError::Refused(Refusal::NotInReach))),
        "{foreign:?}"
    );
    let cancelled = world.cancel_as(&kari, booked.id).await.expect("cancel");
    assert_eq!(cancelled.status, AppointmentStatus::CancelledByPatient);
    assert_eq!(world.store.slot(slot.id).await.expect("slot").booked, 0);
    let kinds = job_kinds(&world, booked.id).await;
    assert_eq!(
        kinds,
        [
            NotificationKind::Booked,
            NotificationKind::CancelledByPatient
        ]
    );
    assert!(matches!(
        world.cancel_as(&kari, booked.id).await,
        Err(StoreError::Refused(Refusal::NotBooked))
    ));
    assert!(
        world
            .store
            .planned_appointments(&kari)
            .await
            .expect("planned")
            .is_empty()
    );

    // The place is free again, and the limit no longer counts the cancelled appointment.
    // Its deadline is 24 hours before the start: 17 December 08:15.
    let again = world
        .book_as(&kari, later.id, None)
        .await
        .expect("book later");
    world.clock.set(oslo(2026, 12, 17, 8, 16));
    assert!(matches!(
        world.cancel_as(&kari, again.id).await,
        Err(StoreError::Refused(Refusal::DeadlinePassed))
    ));
    assert_eq!(
        world
            .store
            .appointment(again.id)
            .await
            .expect("read")
            .status,
        AppointmentStatus::Booked
    );
    assert_eq!(world.store.slot(later.id).await.expect("slot").booked, 1);
    world.clock.set(oslo(2026, 12, 17, 8, 15));
    world
        .cancel_as(&kari, again.id)
        .await
        .expect("cancel at the deadline");
    world.finish().await;
}

pub async fn clinics_cancel_any_time_and_only_their_own(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let slot = world.slot(oslo(2026, 12, 14, 9, 0), 1).await;
    let booked = world.book_as(&kari, slot.id, None).await.expect("book");
    world.clock.set(oslo(2026, 12, 14, 8, 55));
    let other_clinic = world
        .cancel_by_clinic(domain::ClinicId(world.clinic.id.0 + 1), booked.id, None)
        .await;
    assert!(
        matches!(other_clinic, Err(StoreError::Refused(Refusal::NotInReach))),
        "{other_clinic:?}"
    );
    let why = CancelReason::parse("Vaksinen er ikke levert").expect("reason");
    let cancelled = world
        .cancel_by_clinic(world.clinic.id, booked.id, Some(&why))
        .await
        .expect("cancel");
    assert_eq!(cancelled.status, AppointmentStatus::CancelledByClinic);
    assert_eq!(world.store.slot(slot.id).await.expect("slot").booked, 0);
    let kinds = job_kinds(&world, booked.id).await;
    assert_eq!(
        kinds,
        [
            NotificationKind::Booked,
            NotificationKind::CancelledByClinic
        ]
    );
    let audit = world
        .store
        .audit_events(&AuditFilter {
            action: Some(AuditAction::AppointmentCancelledByClinic),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, world.staff);
    assert_eq!(audit[0].patient.as_ref(), Some(&kari));
    world.finish().await;
}

/// A clinic blocks only its own patients: a number on another office's list and a number on
/// no list get the same refusal and write nothing, and «Sperring» names a blocked patient only
/// while they are on the blocking clinic's list.
pub async fn only_the_clinics_own_patients_are_blocked_and_named(db: TestDb) {
    let world = World::new(db).await;
    let other = world
        .store
        .save_clinic(
            &Actor::System,
            domain::HerId::new(77_002).expect("her"),
            &domain::ClinicName::parse("Annet legekontor").expect("name"),
            &domain::InfoText::parse("").expect("info"),
        )
        .await
        .expect("clinic");
    let name = |text: &str| domain::PersonName::parse(text).expect("name");
    let elsewhere = World::person(60);
    world
        .store
        .list_patient(
            &Actor::System,
            other.id,
            &elsewhere,
            &name("Ola"),
            &name("Annen"),
        )
        .await
        .expect("listed elsewhere");
    let nowhere = World::person(61);
    let why = BlockReason::parse("Misbruk").expect("reason");
    let audited = || async {
        world
            .store
            .audit_events(&AuditFilter {
                limit: 10_000,
                ..AuditFilter::default()
            })
            .await
            .expect("audit")
            .len()
    };
    let before = audited().await;
    for stranger in [&elsewhere, &nowhere] {
        assert!(matches!(
            world
                .store
                .block_patient(&world.staff, world.clinic.id, stranger, &why)
                .await,
            Err(StoreError::Refused(Refusal::NotOnList))
        ));
    }
    assert_eq!(audited().await, before, "a refusal writes nothing");
    assert!(
        world
            .store
            .blocked_patients(world.clinic.id)
            .await
            .expect("blocks")
            .is_empty()
    );

    // Kari is blocked while on the list and named; once she moves to the other office the
    // block stays, by number only.
    let kari = world.patient(1).await;
    let block = world
        .store
        .block_patient(&world.staff, world.clinic.id, &kari, &why)
        .await
        .expect("block");
    let listed = world
        .store
        .blocked_patients(world.clinic.id)
        .await
        .expect("blocks");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].block, block);
    assert_eq!(listed[0].name, Some((name("Kari"), name("Nordmann 1"))));
    world
        .store
        .list_patient(
            &Actor::System,
            other.id,
            &kari,
            &name("Kari"),
            &name("Flyttet"),
        )
        .await
        .expect("moved");
    let moved = world
        .store
        .blocked_patients(world.clinic.id)
        .await
        .expect("blocks");
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].block.patient, kari);
    assert_eq!(moved[0].name, None);
    world.finish().await;
}

pub async fn blocking_releases_holds_and_unblocking_restores_booking(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let hold = world.hold_as(&kari, slot.id).await.expect("hold");
    let why = BlockReason::parse("Gjentatte uteblivelser").expect("reason");
    let block = world
        .store
        .block_patient(&world.staff, world.clinic.id, &kari, &why)
        .await
        .expect("block");
    assert_eq!(block.patient, kari);
    assert_eq!(
        world.store.blocks(world.clinic.id).await.expect("blocks"),
        [block]
    );
    // The hold was released: Ola can hold the slot at once.
    world.hold_as(&ola, slot.id).await.expect("released");
    refused(
        &world,
        slot.id,
        world.book_as(&kari, slot.id, Some(hold.id)).await,
        "Refused(Blocked)",
    )
    .await;
    assert!(matches!(
        world.hold_as(&kari, slot.id).await,
        Err(StoreError::Refused(Refusal::Blocked))
    ));

    world
        .store
        .unblock_patient(&world.staff, world.clinic.id, &kari)
        .await
        .expect("unblock");
    assert!(
        world
            .store
            .blocks(world.clinic.id)
            .await
            .expect("blocks")
            .is_empty()
    );
    assert!(matches!(
        world
            .store
            .unblock_patient(&world.staff, world.clinic.id, &kari)
            .await,
        Err(StoreError::NotFound("block"))
    ));
    let other = world.slot(oslo(2026, 12, 17, 9, 0), 1).await;
    world
        .book_as(&kari, other.id, None)
        .await
        .expect("books again");
    let actions: Vec<_> = world
        .store
        .audit_events(&AuditFilter {
            patient: Some(kari.clone()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&AuditAction::PatientBlocked));
    assert!(actions.contains(&AuditAction::PatientUnblocked));
    world.finish().await;
}

fn weekday_mornings(
    first: jiff::civil::Date,
    last: jiff::civil::Date,
    today: jiff::civil::Date,
) -> SlotTemplate {
    SlotTemplate::new(
        Weekdays::MONDAY_TO_FRIDAY,
        time(8, 0, 0, 0),
        time(9, 0, 0, 0),
        SlotLength::minutes(15).expect("length"),
        Capacity::ONE,
        first,
        last,
        today,
    )
    .expect("template")
}

pub async fn templates_publish_once_and_unpublish(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let template = weekday_mornings(date(2026, 12, 14), date(2026, 12, 20), date(2026, 12, 14));
    let id = world
        .store
        .create_template(&world.staff, world.resource.id, &template)
        .await
        .expect("create");
    assert_eq!(
        world
            .store
            .create_template(&world.staff, world.resource.id, &template)
            .await
            .expect("again"),
        id
    );
    assert_eq!(
        world.store.template(id).await.expect("read").template,
        template
    );

    // Monday 08:00 and 08:15 have passed or are too close; 08:00 is "now", so it is skipped.
    let report = world
        .store
        .publish_template(&world.staff, id)
        .await
        .expect("publish");
    assert_eq!((report.created, report.skipped_past), (19, 1));
    let again = world
        .store
        .publish_template(&world.staff, id)
        .await
        .expect("publish again");
    assert_eq!((again.created, again.republished), (0, 0));
    let caller = domain::Caller::patient(kari.clone());
    let week = || {
        world.store.free_slots(
            &caller,
            &kari,
            world.timebook.id,
            date(2026, 12, 14),
            date(2026, 12, 20),
        )
    };
    // 08:15 is inside the 30 minutes' notice.
    assert_eq!(week().await.expect("free").len(), 18);

    assert_eq!(
        world
            .store
            .unpublish_template(&world.staff, id)
            .await
            .expect("unpublish"),
        19
    );
    assert!(week().await.expect("free").is_empty());
    assert!(!world.store.template(id).await.expect("read").published);
    let back = world
        .store
        .publish_template(&world.staff, id)
        .await
        .expect("publish");
    assert_eq!((back.created, back.republished), (0, 19));
    assert_eq!(week().await.expect("free").len(), 18);
    world.finish().await;
}

pub async fn templates_keep_local_time_across_dst_in_the_store(db: TestDb) {
    let world = World::with_rules(db, BookingRules::new(0, 366, 0, 5).expect("rules")).await;
    let kari = world.patient(1).await;
    world.clock.set(oslo(2026, 3, 20, 12, 0));
    let template = SlotTemplate::new(
        Weekdays::EVERY_DAY,
        time(8, 0, 0, 0),
        time(8, 15, 0, 0),
        SlotLength::minutes(15).expect("length"),
        Capacity::ONE,
        date(2026, 3, 27),
        date(2026, 10, 31),
        date(2026, 3, 20),
    )
    .expect("template");
    let id = world
        .store
        .create_template(&world.staff, world.resource.id, &template)
        .await
        .expect("create");
    world
        .store
        .publish_template(&world.staff, id)
        .await
        .expect("publish");
    for (from, to) in [
        (date(2026, 3, 27), date(2026, 4, 1)),
        (date(2026, 10, 22), date(2026, 10, 28)),
    ] {
        let free = world
            .store
            .free_slots(
                &domain::Caller::patient(kari.clone()),
                &kari,
                world.timebook.id,
                from,
                to,
            )
            .await
            .expect("free");
        assert!(!free.is_empty());
        for slot in free {
            let local = slot
                .start
                .to_zoned_datetime(domain::clinic_time_zone().expect("tz"));
            assert_eq!((local.hour(), local.minute()), (8, 0), "{local}");
        }
    }
    world.finish().await;
}

pub async fn single_slots_refuse_the_past_and_overlaps(db: TestDb) {
    let world = World::new(db).await;
    let past = world
        .store
        .add_slot(
            &world.staff,
            store::NewSlot {
                resource_id: world.resource.id,
                start: oslo(2026, 12, 14, 7, 45),
                length: SlotLength::minutes(15).expect("length"),
                capacity: Capacity::ONE,
            },
        )
        .await;
    assert!(
        matches!(past, Err(StoreError::Invalid(DomainError::InThePast))),
        "{past:?}"
    );
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let overlap = world
        .store
        .add_slot(
            &world.staff,
            store::NewSlot {
                resource_id: world.resource.id,
                start: slot.start,
                length: slot.length,
                capacity: Capacity::ONE,
            },
        )
        .await;
    assert!(matches!(overlap, Err(StoreError::Overlap)), "{overlap:?}");
    let kari = world.patient(1).await;
    let free = world
        .store
        .free_slots(
            &domain::Caller::patient(kari.clone()),
            &kari,
            world.timebook.id,
            date(2026, 12, 14),
            date(2026, 12, 31),
        )
        .await
        .expect("free");
    assert_eq!(free.len(), 1);
    world.finish().await;
}

/// 231 patients race for 20 slots of one place and one slot of five: exactly 25 win.
pub async fn race_of_many_patients_books_exactly_the_capacity(db: TestDb) {
    let world = World::new(db).await;
    let mut slots = Vec::new();
    for i in 0..20 {
        slots.push(
            world
                .slot(
                    oslo(2026, 12, 17, 8, 0) + jiff::SignedDuration::from_mins(15 * i),
                    1,
                )
                .await,
        );
    }
    slots.push(world.slot(oslo(2026, 12, 18, 8, 0), 5).await);
    let mut patients = Vec::new();
    for n in 0..231u16 {
        patients.push(world.patient(n).await);
    }
    let tasks: Vec<_> = patients
        .into_iter()
        .enumerate()
        .map(|(i, patient)| {
            let store = world.store.clone();
            let slot = slots[i % slots.len()].id;
            tokio::spawn(async move { book(store.as_ref(), &patient, slot).await })
        })
        .collect();
    let (mut won, mut taken) = (0, 0);
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => won += 1,
            Err(StoreError::Refused(Refusal::Taken)) => taken += 1,
            Err(other) => panic!("unexpected error in the race: {other:?}"),
        }
    }
    assert_eq!((won, taken), (25, 206));
    for slot in &slots {
        let stored = world.store.slot(slot.id).await.expect("slot");
        assert_eq!(stored.booked, stored.capacity.get());
    }
    let integrity = world.store.integrity().await.expect("integrity");
    assert_eq!(
        (integrity.overbooked_slots, integrity.miscounted_slots),
        (0, 0)
    );
    let booked = world
        .store
        .audit_events(&AuditFilter {
            action: Some(AuditAction::AppointmentBooked),
            limit: 1000,
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(booked.len(), 25);
    world.finish().await;
}

/// One patient books ten different slots at once; the limit of one holds.
pub async fn race_of_one_patient_respects_the_limit(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let mut slots = Vec::new();
    for i in 0..10 {
        slots.push(
            world
                .slot(
                    oslo(2026, 12, 17, 8, 0) + jiff::SignedDuration::from_mins(15 * i),
                    1,
                )
                .await,
        );
    }
    let tasks: Vec<_> = slots
        .iter()
        .map(|slot| {
            let (store, kari, slot) = (world.store.clone(), kari.clone(), slot.id);
            tokio::spawn(async move { book(store.as_ref(), &kari, slot).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("task"));
    }
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1);
    assert!(
        outcomes
            .iter()
            .filter_map(|o| o.as_ref().err())
            .all(|e| matches!(e, StoreError::Refused(Refusal::OverLimit)))
    );
    assert_eq!(
        world
            .store
            .planned_appointments(&kari)
            .await
            .expect("planned")
            .len(),
        1
    );
    world.finish().await;
}

/// Several independent stores on one database, as several `timebok serve` processes are.
pub async fn race_across_separate_connection_pools(db: TestDb) {
    let world = World::new(db).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 0), 3).await;
    let mut patients = Vec::new();
    for n in 0..40u16 {
        patients.push(world.patient(n).await);
    }
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(world.db.open(world.clock.clone()).await);
    }
    let tasks: Vec<_> = patients
        .into_iter()
        .enumerate()
        .map(|(i, patient)| {
            let store = stores[i % stores.len()].clone();
            tokio::spawn(async move { book(store.as_ref(), &patient, slot.id).await })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => won += 1,
            Err(StoreError::Refused(Refusal::Taken)) => {}
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
    assert_eq!(won, 3);
    assert_eq!(world.store.slot(slot.id).await.expect("slot").booked, 3);
    drop(stores);
    world.finish().await;
}

pub async fn audit_log_is_append_only(db: TestDb) {
    let world = World::new(db).await;
    world.patient(1).await;
    let statements = [
        "UPDATE audit_event SET subject = 'x'",
        "DELETE FROM audit_event",
    ];
    for statement in statements {
        let result = if world.db.is_postgres() {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&world.db.url)
                .await
                .expect("connect");
            sqlx::query(statement).execute(&mut conn).await.map(|_| ())
        } else {
            use sqlx::Connection;
            let mut conn = sqlx::SqliteConnection::connect(&world.db.url)
                .await
                .expect("connect");
            sqlx::query(statement).execute(&mut conn).await.map(|_| ())
        };
        let error = result.expect_err("audit rows must not change");
        assert!(error.to_string().contains("append-only"), "{error}");
    }
    let events = world
        .store
        .audit_events(&AuditFilter::default())
        .await
        .expect("audit");
    assert!(events.iter().all(|e| e.subject != "x"));
    world.finish().await;
}

pub async fn demo_style_seeding_twice_duplicates_nothing(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let again = crate::common::seed(world.store.as_ref(), world.timebook.rules).await;
    assert_eq!(
        again,
        (
            world.clinic.clone(),
            world.timebook.clone(),
            world.resource.clone()
        )
    );
    world.patient(1).await;
    assert_eq!(
        world
            .store
            .resources(world.timebook.id)
            .await
            .expect("resources")
            .len(),
        1
    );
    assert_eq!(
        world
            .store
            .timebooks(world.clinic.id)
            .await
            .expect("timebooks")
            .len(),
        1
    );
    assert_eq!(
        world
            .store
            .patient(&kari)
            .await
            .expect("patient")
            .map(|p| p.clinic_id),
        Some(world.clinic.id)
    );
    world.finish().await;
}

pub async fn sessions_expire_and_close(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let hour = jiff::SignedDuration::from_hours(1);
    world
        .store
        .open_session("token-a", &kari, hour)
        .await
        .expect("open");
    assert_eq!(
        world
            .store
            .session_patient("token-a")
            .await
            .expect("read")
            .map(|s| s.user),
        Some(kari.clone())
    );
    assert_eq!(
        world
            .store
            .session_patient("token-b")
            .await
            .expect("read")
            .map(|s| s.user),
        None
    );
    world.advance(60);
    assert_eq!(
        world
            .store
            .session_patient("token-a")
            .await
            .expect("read")
            .map(|s| s.user),
        None
    );

    world
        .store
        .open_session("token-b", &kari, hour)
        .await
        .expect("open");
    world.store.close_session("token-b").await.expect("close");
    assert_eq!(
        world
            .store
            .session_patient("token-b")
            .await
            .expect("read")
            .map(|s| s.user),
        None
    );
    let actions: Vec<_> = world
        .store
        .audit_events(&AuditFilter {
            patient: Some(kari.clone()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == AuditAction::PatientLoggedIn)
            .count(),
        2
    );
    assert!(actions.contains(&AuditAction::PatientLoggedOut));
    world.finish().await;
}

pub async fn history_lists_every_appointment_latest_first(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let early = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let late = world.slot(oslo(2026, 12, 18, 8, 15), 1).await;
    let first = world.book_as(&kari, early.id, None).await.expect("book");
    world.cancel_as(&kari, first.id).await.expect("cancel");
    let second = world.book_as(&kari, late.id, None).await.expect("book");
    let history = world
        .store
        .appointment_history(&kari)
        .await
        .expect("history");
    let seen: Vec<_> = history.iter().map(|a| (a.id, a.status)).collect();
    assert_eq!(
        seen,
        [
            (second.id, AppointmentStatus::Booked),
            (first.id, AppointmentStatus::CancelledByPatient)
        ]
    );
    assert_eq!(history[0].end(), oslo(2026, 12, 18, 8, 30));
    let planned = world
        .store
        .planned_appointments(&kari)
        .await
        .expect("planned");
    assert_eq!(
        planned.iter().map(|a| a.id).collect::<Vec<_>>(),
        [second.id]
    );
    world.finish().await;
}

pub async fn staff_sessions_know_their_clinic(db: TestDb) {
    let world = World::new(db).await;
    let hour = jiff::SignedDuration::from_hours(1);
    let operator = Actor::Operator {
        user: "drift".into(),
    };
    world
        .store
        .open_staff_session("staff-token", &world.staff, hour)
        .await
        .expect("open");
    world
        .store
        .open_staff_session("operator-token", &operator, hour)
        .await
        .expect("open");
    assert_eq!(
        world
            .store
            .staff_session("staff-token")
            .await
            .expect("read"),
        Some(world.staff.clone())
    );
    assert_eq!(
        world
            .store
            .staff_session("operator-token")
            .await
            .expect("read"),
        Some(operator)
    );
    assert_eq!(
        world.store.staff_session("nobody").await.expect("read"),
        None
    );
    world
        .store
        .close_staff_session("staff-token")
        .await
        .expect("close");
    assert_eq!(
        world
            .store
            .staff_session("staff-token")
            .await
            .expect("read"),
        None
    );
    world.advance(61);
    assert_eq!(
        world
            .store
            .staff_session("operator-token")
            .await
            .expect("read"),
        None
    );
    assert!(
        world
            .store
            .open_staff_session("x", &Actor::System, hour)
            .await
            .is_err()
    );
    world.finish().await;
}

pub async fn the_day_list_shows_the_clinics_appointments_and_audits_each_view(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let early = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let late = world.slot(oslo(2026, 12, 17, 9, 0), 1).await;
    let next_day = world.slot(oslo(2026, 12, 18, 9, 0), 1).await;
    world.book_as(&ola, late.id, None).await.expect("book");
    world.book_as(&kari, early.id, None).await.expect("book");
    let day = world
        .store
        .clinic_appointments(
            &world.staff,
            world.clinic.id,
            date(2026, 12, 17),
            date(2026, 12, 17),
        )
        .await
        .expect("day");
    let shown: Vec<_> = day
        .iter()
        .map(|a| (a.patient.clone(), a.start, a.last_name.to_string()))
        .collect();
    assert_eq!(
        shown,
        [
            (
                kari.clone(),
                oslo(2026, 12, 17, 8, 15),
                "Nordmann 1".to_owned()
            ),
            (
                ola.clone(),
                oslo(2026, 12, 17, 9, 0),
                "Nordmann 2".to_owned()
            )
        ]
    );
    assert_eq!(day[0].reason.as_str(), "Influensavaksine");
    let other_clinic = world
        .store
        .clinic_appointments(
            &world.staff,
            domain::ClinicId(world.clinic.id.0 + 1),
            date(2026, 12, 17),
            date(2026, 12, 18),
        )
        .await
        .expect("other");
    assert!(other_clinic.is_empty());
    let _ = next_day;
    let views = world
        .store
        .audit_events(&AuditFilter {
            patient: Some(kari.clone()),
            action: Some(AuditAction::AppointmentViewed),
            limit: 10,
        })
        .await
        .expect("audit");
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].actor, world.staff);
    world.finish().await;
}

pub async fn outcomes_are_recorded_for_booked_appointments_of_the_clinic(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let booked = world.book_as(&kari, slot.id, None).await.expect("book");
    let elsewhere = world
        .store
        .set_appointment_outcome(
            &world.staff,
            domain::ClinicId(world.clinic.id.0 + 1),
            booked.id,
            AppointmentStatus::Fulfilled,
        )
        .await;
    assert!(
        matches!(elsewhere, Err(StoreError::NotFound("appointment"))),
        "{elsewhere:?}"
    );
    let wrong = world
        .store
        .set_appointment_outcome(
            &world.staff,
            world.clinic.id,
            booked.id,
            AppointmentStatus::Booked,
        )
        .await;
    assert!(matches!(wrong, Err(StoreError::Invalid(_))), "{wrong:?}");
    let done = world
        .store
        .set_appointment_outcome(
            &world.staff,
            world.clinic.id,
            booked.id,
            AppointmentStatus::NoShow,
        )
        .await
        .expect("no-show");
    assert_eq!(done.status, AppointmentStatus::NoShow);
    let again = world
        .store
        .set_appointment_outcome(
            &world.staff,
            world.clinic.id,
            booked.id,
            AppointmentStatus::Fulfilled,
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::Refused(Refusal::NotBooked))),
        "{again:?}"
    );
    // A no-show keeps its place: the slot stays counted.
    assert_eq!(world.store.slot(slot.id).await.expect("slot").booked, 1);
    let integrity = world.store.integrity().await.expect("integrity");
    assert_eq!(
        (integrity.overbooked_slots, integrity.miscounted_slots),
        (0, 0)
    );
    world.finish().await;
}

pub async fn services_switch_off_and_on_and_lists_are_kept(db: TestDb) {
    let world = World::new(db).await;
    let operator = Actor::Operator {
        user: "drift".into(),
    };
    assert_eq!(
        world
            .store
            .enabled_services(world.clinic.id)
            .await
            .expect("services"),
        domain::TimebookKind::ALL
    );
    world
        .store
        .set_service(
            &operator,
            world.clinic.id,
            domain::TimebookKind::Vaksine,
            false,
        )
        .await
        .expect("off");
    let on = world
        .store
        .enabled_services(world.clinic.id)
        .await
        .expect("services");
    assert!(
        !on.contains(&domain::TimebookKind::Vaksine)
            && on.len() == domain::TimebookKind::ALL.len() - 1
    );
    world
        .store
        .set_service(
            &operator,
            world.clinic.id,
            domain::TimebookKind::Vaksine,
            true,
        )
        .await
        .expect("on");
    assert_eq!(
        world
            .store
            .enabled_services(world.clinic.id)
            .await
            .expect("services")
            .len(),
        domain::TimebookKind::ALL.len()
    );
    let missing = world
        .store
        .set_service(
            &operator,
            domain::ClinicId(999),
            domain::TimebookKind::Lab,
            false,
        )
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound("clinic"))),
        "{missing:?}"
    );

    let ola = world.patient(2).await;
    let kari = world.patient(1).await;
    let listed: Vec<_> = world
        .store
        .clinic_patients(world.clinic.id)
        .await
        .expect("list")
        .into_iter()
        .map(|p| p.national_id)
        .collect();
    assert_eq!(listed, [kari.clone(), ola.clone()]);
    world
        .store
        .unlist_patient(&operator, world.clinic.id, &kari)
        .await
        .expect("unlist");
    assert_eq!(
        world
            .store
            .clinic_patients(world.clinic.id)
            .await
            .expect("list")
            .len(),
        1
    );
    assert_eq!(
        world.store.clinics().await.expect("clinics"),
        std::slice::from_ref(&world.clinic)
    );
    world.finish().await;
}

pub async fn free_slots_can_be_deleted_and_booked_ones_cannot(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let free = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let booked = world.slot(oslo(2026, 12, 17, 8, 30), 1).await;
    world.book_as(&kari, booked.id, None).await.expect("book");
    let day = world
        .store
        .day_slots(world.clinic.id, date(2026, 12, 17))
        .await
        .expect("day");
    assert_eq!(
        day.iter().map(|s| s.id).collect::<Vec<_>>(),
        [free.id, booked.id]
    );
    let in_use = world
        .store
        .delete_slot(&world.staff, world.clinic.id, booked.id)
        .await;
    assert!(matches!(in_use, Err(StoreError::SlotInUse)), "{in_use:?}");
    let elsewhere = world
        .store
        .delete_slot(
            &world.staff,
            domain::ClinicId(world.clinic.id.0 + 1),
            free.id,
        )
        .await;
    assert!(
        matches!(elsewhere, Err(StoreError::NotFound("slot"))),
        "{elsewhere:?}"
    );
    world
        .store
        .delete_slot(&world.staff, world.clinic.id, free.id)
        .await
        .expect("delete");
    let day = world
        .store
        .day_slots(world.clinic.id, date(2026, 12, 17))
        .await
        .expect("day");
    assert_eq!(day.iter().map(|s| s.id).collect::<Vec<_>>(), [booked.id]);
    world.finish().await;
}

pub async fn overlapping_publication_is_reported(db: TestDb) {
    let world = World::new(db).await;
    world.slot(oslo(2026, 12, 15, 8, 15), 1).await;
    let template = weekday_mornings(date(2026, 12, 15), date(2026, 12, 15), date(2026, 12, 14));
    let id = world
        .store
        .create_template(&world.staff, world.resource.id, &template)
        .await
        .expect("create");
    let report = world
        .store
        .publish_template(&world.staff, id)
        .await
        .expect("publish");
    assert_eq!((report.created, report.overlapping), (3, 1));
    let again = world
        .store
        .publish_template(&world.staff, id)
        .await
        .expect("again");
    assert_eq!((again.created, again.overlapping), (0, 1));
    world.finish().await;
}

pub async fn the_register_keeps_a_clinics_org_number_phone_and_municipality(db: TestDb) {
    let world = World::new(db).await;
    let operator = Actor::Operator {
        user: "drift".into(),
    };
    let store = &world.store;
    let org = domain::OrgNumber::parse("974760673").expect("org");
    let phone = domain::PhoneNumber::parse("22 33 44 55").expect("phone");
    store
        .set_org_number(&operator, world.clinic.id, &org)
        .await
        .expect("org");
    let saved = store
        .set_phone(&operator, world.clinic.id, Some(&phone))
        .await
        .expect("phone");
    assert_eq!(
        (saved.org_number.as_ref(), saved.phone.as_ref()),
        (Some(&org), Some(&phone))
    );
    assert_eq!(store.clinic(world.clinic.id).await.expect("clinic"), saved);
    assert_eq!(
        store.clinic_by_org_number(&org).await.expect("by org"),
        Some(saved.clone())
    );
    assert_eq!(
        store
            .clinic_by_org_number(&domain::OrgNumber::parse("974589095").expect("org"))
            .await
            .expect("none"),
        None
    );
    assert_eq!(
        store
            .catalogue(domain::Reach::Everywhere)
            .await
            .expect("catalogue")[0]
            .clinic,
        saved,
        "the catalogue reads the same clinic"
    );
    let baerum = domain::Municipality::parse("3201", "Bærum").expect("Bærum");
    let placed = store
        .set_municipality(&operator, world.clinic.id, Some(&baerum))
        .await
        .expect("municipality");
    assert_eq!(placed.municipality.as_ref(), Some(&baerum));
    assert_eq!(placed.phone.as_ref(), Some(&phone), "the phone is kept");
    assert_eq!(
        store
            .catalogue(domain::Reach::Everywhere)
            .await
            .expect("catalogue")[0]
            .clinic
            .municipality,
        Some(baerum),
        "the catalogue reads the municipality"
    );
    let unplaced = store
        .set_municipality(&operator, world.clinic.id, None)
        .await
        .expect("clear municipality");
    assert_eq!(unplaced.municipality, None);
    let cleared = store
        .set_phone(&operator, world.clinic.id, None)
        .await
        .expect("clear");
    assert_eq!(cleared.phone, None);
    assert!(matches!(
        store
            .set_phone(&operator, domain::ClinicId(987_654), Some(&phone))
            .await,
        Err(StoreError::NotFound(_))
    ));
    let saved_events = store
        .audit_events(&AuditFilter {
            action: Some(AuditAction::ClinicSaved),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert!(
        saved_events.iter().filter(|e| e.actor == operator).count() >= 3,
        "each change is audited"
    );
    world.finish().await;
}
