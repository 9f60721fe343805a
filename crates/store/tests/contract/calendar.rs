//! «Velg time»'s reads: the days of a month with a free slot at one place, the slots of one
//! day there, and one of the patient's own appointments.

use crate::common::{TestDb, World, oslo, start_of_tests};
use domain::{BlockReason, Caller, Description, ResourceName, SlotLength};
use jiff::civil::date;
use store::{CalendarRequest, NewSlot, StoreError};

pub async fn the_calendar_shows_local_days_of_one_place_across_a_change_of_offset(db: TestDb) {
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
            &store::NewPlace {
                name: &ResourceName::parse("Korona").expect("name"),
                description: &Description::parse("Et annet rom").expect("description"),
                practitioner: None,
            },
            &world.resource.location,
        )
        .await
        .expect("resource");
    let slot_elsewhere = world
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
    let ask = |place, day| CalendarRequest {
        appointment_type: None,
        place: Some(place),
        dates: Some((date(2027, 3, 22), date(2027, 3, 31))),
        day,
    };
    let shown = world
        .store
        .calendar(
            &caller,
            &kari,
            world.timebook.id,
            ask(world.resource.id, None),
        )
        .await
        .expect("calendar");
    assert_eq!(shown.place, Some(world.resource.id));
    assert_eq!(
        shown.days,
        [date(2027, 3, 27), date(2027, 3, 28), date(2027, 3, 29)],
        "local days, the full slot's day left out, the other place's day not counted"
    );
    assert_eq!(shown.day, Some(date(2027, 3, 27)), "the first free day");
    assert_eq!(shown.offered.resources.len(), 2);
    assert_eq!(shown.offered.clinic, world.clinic);
    let there = world
        .store
        .calendar(&caller, &kari, world.timebook.id, ask(elsewhere.id, None))
        .await
        .expect("calendar elsewhere");
    assert_eq!(there.days, [date(2027, 3, 26)]);
    let ids = |calendar: &store::Calendar| calendar.slots.iter().map(|s| s.id).collect::<Vec<_>>();
    assert_eq!(there.day, Some(date(2027, 3, 26)));

    for (day, slot) in [
        (date(2027, 3, 27), &saturday),
        (date(2027, 3, 28), &sunday),
        (date(2027, 3, 29), &monday_night),
    ] {
        let shown = world
            .store
            .calendar(
                &caller,
                &kari,
                world.timebook.id,
                ask(world.resource.id, Some(day)),
            )
            .await
            .expect("slots of the day");
        assert_eq!(shown.day, Some(day));
        assert_eq!(ids(&shown), [slot.id], "{day}");
    }
    // A day without free slots there shows the first that has; a place of another timebook
    // (or none) shows the timebook's first.
    let shown = world
        .store
        .calendar(
            &caller,
            &kari,
            world.timebook.id,
            ask(elsewhere.id, Some(date(2027, 3, 27))),
        )
        .await
        .expect("a day without free slots");
    assert_eq!(
        (shown.day, ids(&shown)),
        (Some(date(2027, 3, 26)), vec![slot_elsewhere.id])
    );
    let shown = world
        .store
        .calendar(
            &caller,
            &kari,
            world.timebook.id,
            ask(domain::ResourceId(elsewhere.id.0 + 1_000), None),
        )
        .await
        .expect("a place of no timebook");
    assert_eq!(shown.place, Some(world.resource.id));
    assert_eq!(ids(&shown), [saturday.id]);
    world.finish().await;
}

pub async fn the_calendar_is_refused_as_free_slots_are(db: TestDb) {
    let world = World::new(db).await;
    world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let ask = |to| CalendarRequest {
        appointment_type: None,
        place: None,
        dates: Some((date(2026, 12, 14), to)),
        day: None,
    };
    let stranger = World::person(99);
    let result = world
        .store
        .calendar(
            &Caller::patient(stranger.clone()),
            &stranger,
            world.timebook.id,
            ask(date(2026, 12, 31)),
        )
        .await;
    assert!(
        matches!(result, Err(StoreError::Refused(domain::Refusal::NotOnList))),
        "{result:?}"
    );
    let kari = world.patient(1).await;
    let caller = Caller::patient(kari.clone());
    let result = world
        .store
        .calendar(&caller, &kari, world.timebook.id, ask(date(2027, 3, 1)))
        .await;
    assert!(
        matches!(result, Err(StoreError::RangeTooLong { max: 62 })),
        "{result:?}"
    );
    let open = world
        .store
        .calendar(&caller, &kari, world.timebook.id, ask(date(2026, 12, 31)))
        .await
        .expect("calendar");
    assert_eq!((open.blocked, open.days.len()), (false, 1));
    let why = BlockReason::parse("Gjentatte uteblivelser").expect("reason");
    world
        .store
        .block_patient(&world.staff, world.clinic.id, &kari, &why)
        .await
        .expect("block");
    let blocked = world
        .store
        .calendar(&caller, &kari, world.timebook.id, ask(date(2026, 12, 31)))
        .await
        .expect("a blocked patient still sees the timebook");
    assert!(blocked.blocked);
    assert!(blocked.days.is_empty() && blocked.slots.is_empty());
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
