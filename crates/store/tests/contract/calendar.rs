//! «Velg time»'s reads: the days of a month with a free slot at one place, the slots of one
//! day there, and one of the patient's own appointments.

use crate::common::{TestDb, World, oslo, start_of_tests};
use domain::{Caller, Description, ResourceName, SlotLength};
use jiff::civil::date;
use store::{NewSlot, StoreError};

pub async fn free_days_are_local_days_of_one_place_across_a_change_of_offset(db: TestDb) {
    let world = World::new(db).await;
    // The week before summer time starts (Sunday 28 March 2027, 02:00 becomes 03:00).
    let monday = oslo(2027, 3, 22, 8, 0);
    world.advance(monday.duration_since(start_of_tests()).as_mins());
    let kari = world.patient(1).await;
    let other = world.patient(2).await;
    // 23:30 on Saturday and 00:30 on Sunday are at UTC+1; 00:30 on Monday is at UTC+2, which
    // is still Sunday in UTC+1.
    let saturday = world.slot(oslo(2027, 3, 27, 23, 30), 1).await;
    let sunday = world.slot(oslo(2027, 3, 28, 0, 30), 1).await;
    let monday_night = world.slot(oslo(2027, 3, 29, 0, 30), 1).await;
    let full = world.slot(oslo(2027, 3, 30, 10, 0), 1).await;
    world.book_as(&other, full.id, None).await.expect("book");
    let elsewhere = world
        .store
        .save_resource(
            &world.staff,
            world.timebook.id,
            &ResourceName::parse("Korona").expect("name"),
            &Description::parse("Et annet rom").expect("description"),
            &world.resource.location,
        )
        .await
        .expect("resource");
    world
        .store
        .add_slot(
            &world.staff,
            NewSlot {
                resource_id: elsewhere.id,
                start: oslo(2027, 3, 26, 10, 0),
                length: SlotLength::minutes(15).expect("length"),
                capacity: domain::Capacity::new(1).expect("capacity"),
            },
        )
        .await
        .expect("slot elsewhere");
    let caller = Caller::patient(kari.clone());
    let (from, to) = (date(2027, 3, 22), date(2027, 3, 31));

    let days = world
        .store
        .free_days(
            &caller,
            &kari,
            world.timebook.id,
            world.resource.id,
            from,
            to,
        )
        .await
        .expect("free days");
    assert_eq!(
        days,
        [date(2027, 3, 27), date(2027, 3, 28), date(2027, 3, 29)],
        "local days, the full slot's day left out, the other place's day not counted"
    );
    let there = world
        .store
        .free_days(&caller, &kari, world.timebook.id, elsewhere.id, from, to)
        .await
        .expect("free days elsewhere");
    assert_eq!(there, [date(2027, 3, 26)]);

    for (day, slot) in [
        (date(2027, 3, 27), &saturday),
        (date(2027, 3, 28), &sunday),
        (date(2027, 3, 29), &monday_night),
    ] {
        let slots = world
            .store
            .free_slots_at(
                &caller,
                &kari,
                world.timebook.id,
                world.resource.id,
                day,
                day,
            )
            .await
            .expect("slots of the day");
        let ids: Vec<_> = slots.iter().map(|s| s.id).collect();
        assert_eq!(ids, [slot.id], "{day}");
    }
    world.finish().await;
}

pub async fn free_days_are_refused_as_free_slots_are(db: TestDb) {
    let world = World::new(db).await;
    world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let stranger = World::person(99);
    let result = world
        .store
        .free_days(
            &Caller::patient(stranger.clone()),
            &stranger,
            world.timebook.id,
            world.resource.id,
            date(2026, 12, 14),
            date(2026, 12, 31),
        )
        .await;
    assert!(
        matches!(result, Err(StoreError::Refused(domain::Refusal::NotOnList))),
        "{result:?}"
    );
    let kari = world.patient(1).await;
    let result = world
        .store
        .free_days(
            &Caller::patient(kari.clone()),
            &kari,
            world.timebook.id,
            world.resource.id,
            date(2026, 12, 14),
            date(2027, 3, 1),
        )
        .await;
    assert!(
        matches!(result, Err(StoreError::RangeTooLong { max: 62 })),
        "{result:?}"
    );
    world.finish().await;
}

pub async fn a_patient_reads_only_their_own_appointment(db: TestDb) {
    let world = World::new(db).await;
    let booked = world.book(1, oslo(2026, 12, 17, 8, 15)).await;
    let kari = World::person(1);
    let ola = world.patient(2).await;
    let own = world
        .store
        .patient_appointment(&kari, booked.id)
        .await
        .expect("own appointment");
    assert_eq!(own.id, booked.id);
    let result = world.store.patient_appointment(&ola, booked.id).await;
    assert!(
        matches!(result, Err(StoreError::NotFound("appointment"))),
        "{result:?}"
    );
    world.finish().await;
}
