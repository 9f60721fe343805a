//! A publisher's slots: a batch applied all or nothing, the same slot again found rather than
//! made twice, a booked slot neither deleted, moved nor shrunk below its bookings, and nothing
//! of another clinic reached.

use crate::common::{TestDb, World, oslo};
use domain::{Actor, AuditAction, Capacity, DomainError, HerId, Reach, SlotId, SlotLength};
use store::{AuditFilter, SlotChange, SlotChanged, SlotSpec, StoreError};

fn journal() -> Actor {
    Actor::Client {
        name: "journal".into(),
    }
}

fn spec(world: &World, hour: i8, minute: i8, capacity: u16) -> SlotSpec {
    SlotSpec {
        resource_id: world.resource.id,
        start: oslo(2026, 12, 17, hour, minute),
        length: SlotLength::minutes(15).expect("length"),
        capacity: Capacity::new(i64::from(capacity)).expect("capacity"),
        published: true,
    }
}

async fn slot_count(world: &World) -> usize {
    world
        .store
        .day_slots(world.clinic.id, jiff::civil::date(2026, 12, 17))
        .await
        .expect("day")
        .len()
}

pub async fn a_publishers_batch_is_applied_whole_or_not_at_all(db: TestDb) {
    let world = World::new(db).await;
    let reach = Reach::Clinic(world.clinic.id);
    let week: Vec<SlotChange> = (0..8)
        .map(|n| SlotChange::Create(spec(&world, 8 + n / 4, (n % 4) * 15, 1)))
        .collect();
    // One change in the past spoils the batch: nothing of it is made.
    let mut spoiled = week.clone();
    spoiled.push(SlotChange::Create(SlotSpec {
        start: oslo(2026, 12, 14, 7, 0),
        ..spec(&world, 8, 0, 1)
    }));
    let refused = world.store.publish_slots(&journal(), reach, &spoiled).await;
    assert!(
        matches!(
            &refused,
            Err(StoreError::InBatch { index: 8, error })
                if matches!(**error, StoreError::Invalid(DomainError::InThePast))
        ),
        "{refused:?}"
    );
    assert_eq!(slot_count(&world).await, 0);
    let done = world
        .store
        .publish_slots(&journal(), reach, &week)
        .await
        .expect("published");
    assert!(done.iter().all(|d| matches!(d, SlotChanged::Created(_))));
    assert_eq!(slot_count(&world).await, 8);
    // The same batch again, as a retry: every slot is found, none made twice.
    let again = world
        .store
        .publish_slots(&journal(), reach, &week)
        .await
        .expect("again");
    assert!(again.iter().all(|d| matches!(d, SlotChanged::Found(_))));
    assert_eq!(slot_count(&world).await, 8);
    // Another slot at a taken start is an overlap.
    let other = world
        .store
        .publish_slots(
            &journal(),
            reach,
            &[SlotChange::Create(spec(&world, 8, 0, 3))],
        )
        .await;
    assert!(
        matches!(&other, Err(StoreError::InBatch { index: 0, error }) if matches!(**error, StoreError::Overlap)),
        "{other:?}"
    );
    let created = world
        .store
        .audit_events(&AuditFilter {
            action: Some(AuditAction::SlotCreated),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(created.len(), 8, "one event per slot made");
    assert!(created.iter().all(|e| e.actor == journal()));
    world.finish().await;
}

pub async fn a_booked_slot_keeps_its_time_and_its_bookings_places(db: TestDb) {
    let world = World::new(db).await;
    let reach = Reach::Clinic(world.clinic.id);
    let slot = world.slot(oslo(2026, 12, 17, 9, 0), 3).await;
    let (kari, ola) = (world.patient(1).await, world.patient(2).await);
    world.book_as(&kari, slot.id, None).await.expect("kari");
    world.book_as(&ola, slot.id, None).await.expect("ola");
    let as_is = SlotSpec {
        resource_id: slot.resource_id,
        start: slot.start,
        length: slot.length,
        capacity: slot.capacity,
        published: true,
    };
    let change = |spec: SlotSpec| [SlotChange::Update(slot.id, spec)];
    let refusal = |result: store::Result<Vec<SlotChanged>>| match result {
        Err(StoreError::InBatch { error, .. }) => *error,
        other => panic!("{other:?}"),
    };
    let shrink = SlotSpec {
        capacity: Capacity::ONE,
        ..as_is
    };
    let result = world
        .store
        .publish_slots(&journal(), reach, &change(shrink))
        .await;
    assert!(matches!(
        refusal(result),
        StoreError::BelowBookings { booked: 2 }
    ));
    let moved = SlotSpec {
        start: oslo(2026, 12, 17, 10, 0),
        ..as_is
    };
    let result = world
        .store
        .publish_slots(&journal(), reach, &change(moved))
        .await;
    assert!(matches!(refusal(result), StoreError::SlotInUse));
    let longer = SlotSpec {
        length: SlotLength::minutes(30).expect("length"),
        ..as_is
    };
    let result = world
        .store
        .publish_slots(&journal(), reach, &change(longer))
        .await;
    assert!(matches!(refusal(result), StoreError::SlotInUse));
    let result = world
        .store
        .publish_slots(&journal(), reach, &[SlotChange::Delete(slot.id)])
        .await;
    assert!(matches!(refusal(result), StoreError::SlotInUse));
    // Down to its bookings, and unpublished: allowed, and the bookings stay.
    let kept = SlotSpec {
        capacity: Capacity::new(2).expect("two"),
        published: false,
        ..as_is
    };
    world
        .store
        .publish_slots(&journal(), reach, &change(kept))
        .await
        .expect("shrunk to its bookings");
    let stored = world.store.slot(slot.id).await.expect("slot");
    assert_eq!(
        (stored.capacity.get(), stored.booked, stored.published),
        (2, 2, false)
    );
    // A slot that never had an appointment moves and is deleted.
    let free = world.slot(oslo(2026, 12, 17, 11, 0), 1).await;
    let later = SlotSpec {
        start: oslo(2026, 12, 17, 11, 30),
        length: SlotLength::minutes(20).expect("length"),
        ..as_is
    };
    let done = world
        .store
        .publish_slots(&journal(), reach, &[SlotChange::Update(free.id, later)])
        .await
        .expect("moved");
    assert!(
        matches!(&done[0], SlotChanged::Updated(s) if s.start == later.start && s.length.as_minutes() == 20)
    );
    // Onto another slot's start: an overlap.
    let onto = SlotSpec {
        start: slot.start,
        ..later
    };
    let result = world
        .store
        .publish_slots(&journal(), reach, &[SlotChange::Update(free.id, onto)])
        .await;
    assert!(matches!(refusal(result), StoreError::Overlap));
    world
        .store
        .publish_slots(&journal(), reach, &[SlotChange::Delete(free.id)])
        .await
        .expect("deleted");
    assert!(matches!(
        world.store.slot(free.id).await,
        Err(StoreError::NotFound(_))
    ));
    world.finish().await;
}

pub async fn a_publisher_reaches_no_other_clinics_slots(db: TestDb) {
    let world = World::new(db).await;
    let other = world
        .store
        .save_clinic(
            &Actor::System,
            HerId::new(77_002).expect("her"),
            &domain::ClinicName::parse("Annet legekontor").expect("name"),
            &domain::InfoText::parse("").expect("info"),
        )
        .await
        .expect("clinic");
    let elsewhere = Reach::Clinic(other.id);
    let slot = world.slot(oslo(2026, 12, 17, 9, 0), 1).await;
    let not_found = |result: store::Result<Vec<SlotChanged>>| matches!(result, Err(StoreError::InBatch { error, .. }) if matches!(*error, StoreError::NotFound(_)));
    let create = [SlotChange::Create(spec(&world, 10, 0, 1))];
    assert!(not_found(
        world
            .store
            .publish_slots(&journal(), elsewhere, &create)
            .await
    ));
    let update = [SlotChange::Update(
        slot.id,
        SlotSpec {
            published: false,
            ..spec(&world, 9, 0, 1)
        },
    )];
    assert!(not_found(
        world
            .store
            .publish_slots(&journal(), elsewhere, &update)
            .await
    ));
    let delete = [SlotChange::Delete(slot.id)];
    assert!(not_found(
        world
            .store
            .publish_slots(&journal(), elsewhere, &delete)
            .await
    ));
    assert!(not_found(
        world
            .store
            .publish_slots(&journal(), Reach::Nowhere, &delete)
            .await
    ));
    assert!(matches!(
        world.store.slot_in_reach(elsewhere, slot.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        world
            .store
            .slot_in_reach(elsewhere, SlotId(slot.id.0 + 1000))
            .await,
        Err(StoreError::NotFound(_))
    ));
    let own = world
        .store
        .slot_in_reach(Reach::Clinic(world.clinic.id), slot.id)
        .await
        .expect("own");
    assert!(own.published);
    world.finish().await;
}
