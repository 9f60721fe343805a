//! The booking core for every caller: moving an appointment, the office's rules, a service
//! switched off and a client's clinic binding refused inside the transaction, and the races
//! where two of these meet.

use crate::common::{TestDb, World, oslo};
use domain::{
    AppointmentId, AppointmentStatus, AuditAction, BlockReason, Caller, CancelReason, ClinicId,
    Reach, Reason, Refusal, TimebookKind,
};
use std::sync::Arc;
use store::{
    AuditFilter, BookRequest, CancelRequest, HoldRequest, Idempotency, MoveRequest,
    NotificationKind, Store, StoreError,
};

fn request(patient: &domain::NationalId, slot: domain::SlotId) -> BookRequest {
    BookRequest {
        appointment_type: None,
        patient: patient.clone(),
        slot,
        reason: Reason::parse("Andre dose").expect("reason"),
        hold: None,
        idempotency: None,
    }
}

fn move_to(appointment: AppointmentId, slot: domain::SlotId) -> MoveRequest {
    MoveRequest {
        appointment,
        to: slot,
        hold: None,
        version: None,
    }
}

fn refused<T: std::fmt::Debug>(outcome: Result<T, StoreError>, refusal: Refusal) {
    match outcome {
        Err(StoreError::Refused(got)) => assert_eq!(got, refusal),
        other => panic!("expected {refusal:?}, got {other:?}"),
    }
}

async fn booked_count(world: &World, slot: domain::SlotId) -> u16 {
    world.store.slot(slot).await.expect("slot").booked
}

pub async fn an_appointment_moves_in_one_transaction_and_keeps_its_id(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let first = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let second = world.slot(oslo(2026, 12, 18, 9, 0), 1).await;
    let booked = world.book_as(&kari, first.id, None).await.expect("book");
    let caller = Caller::patient(kari.clone());
    // Kari is at her limit of one appointment: only a hold for the move is let through.
    refused(world.hold_as(&kari, second.id).await, Refusal::OverLimit);
    let hold = world
        .store
        .hold(
            &caller,
            &HoldRequest {
                appointment_type: None,
                patient: kari.clone(),
                slot: second.id,
                moving: Some(booked.id),
                referral: None,
            },
        )
        .await
        .expect("hold");
    let moved = world
        .store
        .move_appointment(
            &caller,
            &MoveRequest {
                hold: Some(hold.id),
                ..move_to(booked.id, second.id)
            },
        )
        .await
        .expect("move");
    assert_eq!(moved, booked.id, "the appointment keeps its id");
    let record = world
        .store
        .appointment_for(&caller, booked.id)
        .await
        .expect("record");
    assert_eq!(
        (record.slot_id, record.start, record.version, record.status),
        (
            second.id,
            oslo(2026, 12, 18, 9, 0),
            2,
            AppointmentStatus::Booked
        )
    );
    assert_eq!(record.reason.as_str(), "Influensavaksine");
    assert_eq!(record.cancel_until, oslo(2026, 12, 17, 9, 0));
    assert_eq!(
        (
            booked_count(&world, first.id).await,
            booked_count(&world, second.id).await
        ),
        (0, 1),
        "the old place is free and the new one taken"
    );
    let jobs = world.store.outbox_jobs(booked.id).await.expect("jobs");
    assert_eq!(
        jobs.iter().map(|j| j.kind).collect::<Vec<_>>(),
        [NotificationKind::Booked, NotificationKind::Moved]
    );
    let audit = world
        .store
        .audit_events(&AuditFilter {
            action: Some(AuditAction::AppointmentMoved),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, domain::Actor::Patient(kari.clone()));
    assert_eq!(audit[0].subject, format!("appointment:{}", booked.id));
    // The hold on the new slot went with the move: Ola may hold the old slot and nobody the
    // new one.
    let ola = world.patient(2).await;
    world
        .hold_as(&ola, first.id)
        .await
        .expect("the old slot is free");
    refused(world.hold_as(&ola, second.id).await, Refusal::Taken);
    let integrity = world.store.integrity().await.expect("integrity");
    assert_eq!(
        (integrity.overbooked_slots, integrity.miscounted_slots),
        (0, 0)
    );
    world.finish().await;
}

pub async fn a_move_is_refused_by_the_rules_and_changes_nothing(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let full = world.slot(oslo(2026, 12, 17, 8, 30), 1).await;
    let free = world.slot(oslo(2026, 12, 17, 8, 45), 1).await;
    let too_soon = world.slot(oslo(2026, 12, 14, 8, 15), 1).await;
    let booked = world.book_as(&kari, slot.id, None).await.expect("book");
    world.book_as(&ola, full.id, None).await.expect("book");
    let caller = Caller::patient(kari.clone());
    let attempt = |to: domain::SlotId| {
        let (store, caller) = (world.store.clone(), caller.clone());
        async move {
            store
                .move_appointment(&caller, &move_to(booked.id, to))
                .await
        }
    };
    refused(attempt(full.id).await, Refusal::Taken);
    refused(attempt(slot.id).await, Refusal::AlreadyBooked);
    refused(attempt(too_soon.id).await, Refusal::OutsideWindow);
    refused(attempt(domain::SlotId(987_654)).await, Refusal::UnknownSlot);
    // Another timebook of the same clinic.
    let lab = world
        .store
        .save_timebook(
            &world.staff,
            world.clinic.id,
            TimebookKind::Lab,
            domain::BookingRules::default(),
        )
        .await
        .expect("lab");
    let place = world
        .store
        .save_resource(
            &world.staff,
            lab.id,
            &store::NewPlace {
                name: &domain::ResourceName::parse("Blodprøve").expect("name"),
                description: &domain::Description::parse("").expect("description"),
                practitioner: None,
            },
            &world.resource.location,
        )
        .await
        .expect("resource");
    let lab_slot = world
        .store
        .add_slot(
            &world.staff,
            store::NewSlot {
                resource_id: place.id,
                start: oslo(2026, 12, 17, 10, 0),
                length: domain::SlotLength::minutes(15).expect("length"),
                capacity: domain::Capacity::ONE,
            },
        )
        .await
        .expect("slot");
    refused(attempt(lab_slot.id).await, Refusal::OtherTimebook);
    // Someone else's appointment, as the patient.
    refused(
        world
            .store
            .move_appointment(&Caller::patient(ola.clone()), &move_to(booked.id, free.id))
            .await,
        Refusal::NotInReach,
    );
    // The version named must be the one stored.
    refused(
        world
            .store
            .move_appointment(
                &caller,
                &MoveRequest {
                    version: Some(7),
                    ..move_to(booked.id, free.id)
                },
            )
            .await,
        Refusal::Stale,
    );
    assert_eq!(
        (
            booked_count(&world, slot.id).await,
            booked_count(&world, free.id).await
        ),
        (1, 0),
        "nothing moved"
    );
    // After the patient's deadline, the office may still move it.
    world.clock.set(oslo(2026, 12, 16, 9, 0));
    refused(attempt(free.id).await, Refusal::DeadlinePassed);
    let office = Caller::staff(world.clinic.id, "resepsjon");
    world
        .store
        .move_appointment(&office, &move_to(booked.id, free.id))
        .await
        .expect("the office moves it");
    // A cancelled appointment moves nowhere.
    world
        .cancel_by_clinic(world.clinic.id, booked.id, None)
        .await
        .expect("cancel");
    refused(
        world
            .store
            .move_appointment(&office, &move_to(booked.id, slot.id))
            .await,
        Refusal::NotBooked,
    );
    assert_eq!(booked_count(&world, free.id).await, 0);
    world.finish().await;
}

/// Two patients move into the last place of one slot at once, each from their own store (as
/// two server processes would): one wins, the other keeps the appointment they had.
pub async fn two_patients_moving_into_the_last_place_one_wins(db: TestDb) {
    let world = World::new(db).await;
    let target = world.slot(oslo(2026, 12, 17, 12, 0), 1).await;
    let mut moves = Vec::new();
    for n in 1..=8u16 {
        let patient = world.patient(n).await;
        let slot = world
            .slot(
                oslo(2026, 12, 17, 8, 0) + jiff::SignedDuration::from_mins(15 * i64::from(n)),
                1,
            )
            .await;
        let booked = world.book_as(&patient, slot.id, None).await.expect("book");
        moves.push((patient, slot.id, booked.id));
    }
    let stores: Vec<Arc<dyn Store>> = vec![
        world.store.clone(),
        world.db.open(world.clock.clone()).await,
    ];
    let tasks: Vec<_> = moves
        .iter()
        .enumerate()
        .map(|(i, (patient, _, appointment))| {
            let store = stores[i % stores.len()].clone();
            let caller = Caller::patient(patient.clone());
            let request = move_to(*appointment, target.id);
            tokio::spawn(async move { store.move_appointment(&caller, &request).await })
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
    assert_eq!(won, 1);
    assert_eq!(booked_count(&world, target.id).await, 1);
    let mut kept = 0;
    for (patient, old, appointment) in &moves {
        let record = world
            .store
            .appointment_for(&Caller::patient(patient.clone()), *appointment)
            .await
            .expect("record");
        assert_eq!(record.status, AppointmentStatus::Booked, "never neither");
        if record.slot_id == *old {
            kept += 1;
            assert_eq!(booked_count(&world, *old).await, 1);
        } else {
            assert_eq!(booked_count(&world, *old).await, 0, "never both");
        }
    }
    assert_eq!(kept, moves.len() - 1);
    let integrity = world.store.integrity().await.expect("integrity");
    assert_eq!(
        (integrity.overbooked_slots, integrity.miscounted_slots),
        (0, 0)
    );
    drop(stores);
    world.finish().await;
}

pub async fn the_office_books_inside_the_notice_and_a_blocked_patient_but_never_over_a_place(
    db: TestDb,
) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let soon = world.slot(oslo(2026, 12, 14, 8, 10), 1).await;
    let far = world.slot(oslo(2027, 3, 1, 8, 0), 1).await;
    let office = Caller::staff(world.clinic.id, "resepsjon");
    let why = BlockReason::parse("Misbruk").expect("reason");
    world
        .store
        .block_patient(&world.staff, world.clinic.id, &kari, &why)
        .await
        .expect("block");
    refused(world.book_as(&kari, soon.id, None).await, Refusal::Blocked);
    let booked = world
        .store
        .book(&office, &request(&kari, soon.id))
        .await
        .expect("the office books the blocked patient inside the notice");
    world
        .store
        .book(&office, &request(&kari, far.id))
        .await
        .expect("and past the horizon, over the patient's limit");
    refused(
        world.store.book(&office, &request(&ola, soon.id)).await,
        Refusal::Taken,
    );
    let audit = world
        .store
        .audit_events(&AuditFilter {
            action: Some(AuditAction::AppointmentBooked),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(audit[1].actor, world.staff, "the staff member is named");
    // Another clinic's staff reach nothing here.
    let elsewhere = Caller::staff(ClinicId(world.clinic.id.0 + 1), "annen");
    let spare = world.slot(oslo(2026, 12, 17, 8, 0), 1).await;
    refused(
        world.store.book(&elsewhere, &request(&ola, spare.id)).await,
        Refusal::NotInReach,
    );
    refused(
        world
            .store
            .cancel(
                &elsewhere,
                &CancelRequest {
                    appointment: booked.id,
                    reason: None,
                    version: None,
                },
            )
            .await,
        Refusal::NotInReach,
    );
    // A slot in the past is not booked, not even by the office.
    world.clock.set(oslo(2026, 12, 14, 8, 20));
    let past = world.slot(oslo(2026, 12, 14, 8, 30), 1).await;
    world.clock.set(oslo(2026, 12, 14, 8, 40));
    refused(
        world.store.book(&office, &request(&ola, past.id)).await,
        Refusal::OutsideWindow,
    );
    world.finish().await;
}

pub async fn a_client_bound_to_a_clinic_acts_nowhere_else(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let other = world.slot(oslo(2026, 12, 17, 8, 30), 1).await;
    let booked = world.book_as(&kari, slot.id, None).await.expect("book");
    for reach in [
        Reach::Clinic(ClinicId(world.clinic.id.0 + 1)),
        Reach::Nowhere,
    ] {
        let client = Caller::client("Journalsystem", reach);
        refused(
            world
                .store
                .hold(
                    &client,
                    &HoldRequest {
                        appointment_type: None,
                        patient: kari.clone(),
                        slot: other.id,
                        moving: None,
                        referral: None,
                    },
                )
                .await,
            Refusal::NotInReach,
        );
        refused(
            world.store.book(&client, &request(&kari, other.id)).await,
            Refusal::NotInReach,
        );
        refused(
            world
                .store
                .move_appointment(&client, &move_to(booked.id, other.id))
                .await,
            Refusal::NotInReach,
        );
        refused(
            world
                .store
                .cancel(
                    &client,
                    &CancelRequest {
                        appointment: booked.id,
                        reason: Some(CancelReason::parse("Feil").expect("reason")),
                        version: Some(1),
                    },
                )
                .await,
            Refusal::NotInReach,
        );
        assert!(matches!(
            world.store.appointment_for(&client, booked.id).await,
            Err(StoreError::NotFound(_))
        ));
    }
    let own = Caller::client("Journalsystem", Reach::Clinic(world.clinic.id));
    world
        .store
        .move_appointment(&own, &move_to(booked.id, other.id))
        .await
        .expect("in its own clinic");
    assert_eq!(
        (
            booked_count(&world, slot.id).await,
            booked_count(&world, other.id).await
        ),
        (0, 1)
    );
    world.finish().await;
}

pub async fn a_service_switched_off_refuses_holds_and_bookings_but_not_a_retry(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 2).await;
    let hold = world.hold_as(&ola, slot.id).await.expect("hold");
    let finder = Caller::client("Vaksinefinner", Reach::Everywhere);
    let keyed = BookRequest {
        appointment_type: None,
        idempotency: Some(Idempotency {
            client: "Vaksinefinner".into(),
            key: "first-try".into(),
            fingerprint: "kari-slot".into(),
        }),
        ..request(&kari, slot.id)
    };
    let first = world.store.book(&finder, &keyed).await.expect("book");
    world
        .store
        .set_service(
            &domain::Actor::System,
            world.clinic.id,
            TimebookKind::Vaksine,
            false,
        )
        .await
        .expect("switch off");
    refused(world.hold_as(&ola, slot.id).await, Refusal::ServiceOff);
    refused(
        world.book_as(&ola, slot.id, Some(hold.id)).await,
        Refusal::ServiceOff,
    );
    refused(
        world.store.book(&finder, &request(&ola, slot.id)).await,
        Refusal::ServiceOff,
    );
    let again = world.store.book(&finder, &keyed).await.expect("retry");
    assert_eq!((again.id, again.replayed), (first.id, true));
    // The patient still cancels what they booked.
    world
        .cancel_as(&kari, first.id)
        .await
        .expect("cancelled after the switch");
    assert_eq!(booked_count(&world, slot.id).await, 0);
    world.finish().await;
}

/// Bookings race with the register switching the service off: each booking either commits
/// before the switch or is refused by it, and none made after the switch returned exists.
pub async fn a_switch_off_racing_bookings_lets_none_through_after_it(db: TestDb) {
    let world = World::new(db).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 50).await;
    let mut patients = Vec::new();
    for n in 1..=40u16 {
        patients.push(world.patient(n).await);
    }
    let second = world.db.open(world.clock.clone()).await;
    let stores = [world.store.clone(), second.clone()];
    let tasks: Vec<_> = patients
        .iter()
        .enumerate()
        .map(|(i, patient)| {
            let store = stores[i % 2].clone();
            let (patient, slot) = (patient.clone(), slot.id);
            tokio::spawn(async move {
                store
                    .book(&Caller::patient(patient.clone()), &request(&patient, slot))
                    .await
            })
        })
        .collect();
    world
        .store
        .set_service(
            &domain::Actor::System,
            world.clinic.id,
            TimebookKind::Vaksine,
            false,
        )
        .await
        .expect("switch off");
    let after: Vec<_> = patients
        .iter()
        .map(|patient| {
            let store = second.clone();
            let (patient, slot) = (patient.clone(), slot.id);
            tokio::spawn(async move {
                store
                    .book(&Caller::patient(patient.clone()), &request(&patient, slot))
                    .await
            })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => won += 1,
            Err(StoreError::Refused(Refusal::ServiceOff | Refusal::OverLimit)) => {}
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
    for task in after {
        match task.await.expect("task") {
            Err(StoreError::Refused(Refusal::ServiceOff)) => {}
            other => panic!("a booking after the switch: {other:?}"),
        }
    }
    assert_eq!(booked_count(&world, slot.id).await, won);
    let integrity = world.store.integrity().await.expect("integrity");
    assert_eq!(
        (integrity.overbooked_slots, integrity.miscounted_slots),
        (0, 0)
    );
    drop((stores, second));
    world.finish().await;
}

pub async fn an_idempotency_key_is_kept_a_day(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let slot = world.slot(oslo(2027, 1, 4, 8, 15), 1).await;
    let other = world.slot(oslo(2027, 1, 4, 8, 30), 1).await;
    let finder = Caller::client("Vaksinefinner", Reach::Everywhere);
    let keyed = |fingerprint: &str| BookRequest {
        appointment_type: None,
        idempotency: Some(Idempotency {
            client: "Vaksinefinner".into(),
            key: "k".into(),
            fingerprint: fingerprint.into(),
        }),
        ..request(
            &kari,
            if fingerprint == "a" {
                slot.id
            } else {
                other.id
            },
        )
    };
    let first = world.store.book(&finder, &keyed("a")).await.expect("book");
    world.advance(24 * 60 - 1);
    refused(
        world.store.book(&finder, &keyed("b")).await,
        Refusal::KeyReused,
    );
    world.advance(2);
    // A day on, the key is forgotten: this is a new request, refused by the patient's limit.
    refused(
        world.store.book(&finder, &keyed("b")).await,
        Refusal::OverLimit,
    );
    world
        .cancel_as(&kari, first.id)
        .await
        .expect("cancel the first");
    let second = world.store.book(&finder, &keyed("b")).await.expect("book");
    assert!(!second.replayed);
    assert_ne!(second.id, first.id);
    world.finish().await;
}
