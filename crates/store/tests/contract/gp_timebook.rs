//! «Konsultasjon med fastlegen»: a timebook whose places are the clinic's GPs. A patient sees
//! it only when their GP has a place there, and books only at their own GP's; the office
//! books anyone anywhere. Its types of appointment are booked into slots of their own length,
//! and a moved appointment keeps its type.

use crate::common::{TestDb, World};
use domain::{
    AppointmentType, AppointmentTypeName, Attendance, BookingRules, Caller, Capacity, Description,
    DomainError, HprNumber, PersonName, PractitionerId, Refusal, Resource, ResourceName, Slot,
    SlotLength, Timebook, TimebookKind,
};
use jiff::{SignedDuration, Timestamp};
use store::{
    BookRequest, CalendarRequest, HoldRequest, MoveRequest, NewAppointmentType, NewPlace, NewSlot,
    StoreError,
};

fn name(text: &str) -> PersonName {
    PersonName::parse(text).expect("name")
}

async fn gp(world: &World, hpr: &str, first: &str) -> PractitionerId {
    world
        .store
        .save_practitioner(
            &world.staff,
            world.clinic.id,
            HprNumber::parse(hpr).expect("hpr"),
            (&name(first), &name("Fastlege")),
        )
        .await
        .expect("practitioner")
        .id
}

async fn gp_timebook(world: &World) -> Timebook {
    world
        .store
        .save_timebook(
            &world.staff,
            world.clinic.id,
            TimebookKind::Fastlege,
            BookingRules::new(30, 42, 24 * 60, 2).expect("rules"),
        )
        .await
        .expect("timebook")
}

async fn place(
    world: &World,
    timebook: &Timebook,
    title: &str,
    practitioner: Option<PractitionerId>,
) -> Result<Resource, StoreError> {
    world
        .store
        .save_resource(
            &world.staff,
            timebook.id,
            &NewPlace {
                name: &ResourceName::parse(title).expect("name"),
                description: &Description::parse("").expect("description"),
                practitioner,
            },
            &world.resource.location,
        )
        .await
}

async fn slot(world: &World, place: &Resource, start: Timestamp, minutes: i64) -> Slot {
    world
        .store
        .add_slot(
            &world.staff,
            NewSlot {
                resource_id: place.id,
                start,
                length: SlotLength::minutes(minutes).expect("length"),
                capacity: Capacity::ONE,
            },
        )
        .await
        .expect("slot")
}

fn days_ahead(days: i64) -> Timestamp {
    crate::common::start_of_tests()
        .checked_add(SignedDuration::from_hours(24 * days))
        .expect("time")
}

/// The tests' first day, in the clinics' time zone.
fn today() -> jiff::civil::Date {
    crate::common::start_of_tests()
        .to_zoned_datetime(domain::clinic_time_zone().expect("zone"))
        .date()
}

fn refusal<T: std::fmt::Debug>(result: Result<T, StoreError>) -> Refusal {
    match result {
        Err(StoreError::Refused(refusal)) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

pub async fn only_a_gps_own_patients_see_and_book_their_consultations(db: TestDb) {
    let world = World::new(db).await;
    let (kari, ola, per) = (
        world.patient(1).await,
        world.patient(2).await,
        world.patient(3).await,
    );
    let (hers, his) = (
        gp(&world, "9144900", "Test").await,
        gp(&world, "565505933", "Annen").await,
    );
    world
        .store
        .list_with_practitioner(
            &world.staff,
            world.clinic.id,
            hers,
            std::slice::from_ref(&kari),
        )
        .await
        .expect("listed");
    world
        .store
        .list_with_practitioner(
            &world.staff,
            world.clinic.id,
            his,
            std::slice::from_ref(&ola),
        )
        .await
        .expect("listed");
    let timebook = gp_timebook(&world).await;

    // A GP consultation's place is a GP's, and no other timebook's place is anyone's.
    assert!(matches!(
        place(&world, &timebook, "Uten lege", None).await,
        Err(StoreError::Invalid(DomainError::PractitionerPlace))
    ));
    assert!(matches!(
        place(&world, &world.timebook, "Lege i vaksinen", Some(hers)).await,
        Err(StoreError::Invalid(DomainError::PractitionerPlace))
    ));
    let her_place = place(&world, &timebook, "Testfastlege", Some(hers))
        .await
        .expect("place");
    // Saved again under another name, it is still her one place.
    let renamed = place(&world, &timebook, "Dr. Test", Some(hers))
        .await
        .expect("renamed");
    assert_eq!(renamed.id, her_place.id);
    let her_slot = slot(&world, &her_place, days_ahead(2), 20).await;

    // Kari sees it; Ola, whose GP has no place there, and Per, on no GP's list, do not.
    let offered = |patient: domain::NationalId| {
        let store = world.store.clone();
        async move {
            let offer = store
                .offer(&Caller::patient(patient.clone()), &patient)
                .await
                .expect("offer")
                .expect("listed");
            offer.timebooks.iter().any(|t| t.id == timebook.id)
        }
    };
    assert!(offered(kari.clone()).await);
    assert!(!offered(ola.clone()).await);
    assert!(!offered(per.clone()).await);
    assert_eq!(
        refusal(
            world
                .store
                .offered_timebook(&Caller::patient(ola.clone()), &ola, timebook.id)
                .await
        ),
        Refusal::NotTheirPractitioner
    );
    assert_eq!(
        refusal(world.hold_as(&ola, her_slot.id).await),
        Refusal::NotTheirPractitioner
    );

    // Once Ola's GP has a place too, Ola sees the timebook with only his GP's place, none of
    // her free slots, and still cannot take hers.
    let his_place = place(&world, &timebook, "Annen Fastlege", Some(his))
        .await
        .expect("place");
    assert!(offered(ola.clone()).await);
    let calendar = world
        .store
        .calendar(
            &Caller::patient(ola.clone()),
            &ola,
            timebook.id,
            CalendarRequest {
                place: Some(her_place.id),
                dates: Some((
                    today(),
                    today().checked_add(jiff::Span::new().days(5)).expect("day"),
                )),
                day: None,
                appointment_type: None,
            },
        )
        .await
        .expect("calendar");
    assert_eq!(
        calendar
            .offered
            .resources
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>(),
        vec![his_place.id]
    );
    assert!(calendar.slots.is_empty());
    assert_eq!(
        refusal(world.hold_as(&ola, her_slot.id).await),
        Refusal::NotTheirPractitioner
    );
    assert_eq!(
        refusal(world.book_as(&ola, her_slot.id, None).await),
        Refusal::NotTheirPractitioner
    );

    // Kari books with her own GP.
    let hold = world.hold_as(&kari, her_slot.id).await.expect("hold");
    world
        .book_as(&kari, her_slot.id, Some(hold.id))
        .await
        .expect("booked");

    // The office books Per, on no GP's list, with her on the phone.
    let another = slot(&world, &her_place, days_ahead(3), 20).await;
    world
        .store
        .book(
            &Caller::staff(world.clinic.id, "resepsjon"),
            &BookRequest {
                patient: per.clone(),
                slot: another.id,
                reason: domain::Reason::parse("Telefonbestilling").expect("reason"),
                appointment_type: None,
                hold: None,
                idempotency: None,
            },
        )
        .await
        .expect("the office books anyone");
    world.finish().await;
}

async fn kind(world: &World, timebook: &Timebook, title: &str, minutes: i64) -> AppointmentType {
    world
        .store
        .save_appointment_type(
            &world.staff,
            world.clinic.id,
            timebook.id,
            &NewAppointmentType {
                name: AppointmentTypeName::parse(title).expect("name"),
                length: SlotLength::minutes(minutes).expect("length"),
                attendance: Attendance::InPerson,
            },
        )
        .await
        .expect("type")
}

pub async fn an_appointment_type_is_booked_into_slots_of_its_length(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let hers = gp(&world, "9144900", "Test").await;
    world
        .store
        .list_with_practitioner(
            &world.staff,
            world.clinic.id,
            hers,
            std::slice::from_ref(&kari),
        )
        .await
        .expect("listed");
    let timebook = gp_timebook(&world).await;
    let her_place = place(&world, &timebook, "Testfastlege", Some(hers))
        .await
        .expect("place");
    let ordinary = kind(&world, &timebook, "Vanlig konsultasjon", 20).await;
    let double = kind(&world, &timebook, "Dobbelttime", 40).await;
    // Another timebook's type fits no slot here, whatever its length.
    let foreign = kind(&world, &world.timebook, "Dobbelttime", 40).await;
    let types = world
        .store
        .appointment_types(timebook.id)
        .await
        .expect("types");
    assert_eq!(types, vec![ordinary.clone(), double.clone()]);

    let short = slot(&world, &her_place, days_ahead(2), 20).await;
    let long = slot(
        &world,
        &her_place,
        days_ahead(2) + SignedDuration::from_hours(1),
        40,
    )
    .await;
    let later_long = slot(&world, &her_place, days_ahead(4), 40).await;

    // The calendar shows only the slots of the chosen type's length.
    let caller = Caller::patient(kari.clone());
    let free = |kind: Option<&AppointmentType>| {
        let (store, caller, kari) = (world.store.clone(), caller.clone(), kari.clone());
        let kind = kind.map(|y| y.id);
        async move {
            let day = today();
            store
                .calendar(
                    &caller,
                    &kari,
                    timebook.id,
                    CalendarRequest {
                        place: None,
                        dates: Some((
                            day,
                            day.checked_add(jiff::Span::new().days(5)).expect("day"),
                        )),
                        day: Some(day.checked_add(jiff::Span::new().days(2)).expect("day")),
                        appointment_type: kind,
                    },
                )
                .await
                .expect("calendar")
                .slots
                .iter()
                .map(|s| s.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(free(Some(&ordinary)).await, vec![short.id]);
    assert_eq!(free(Some(&double)).await, vec![long.id]);
    assert_eq!(free(None).await, vec![short.id, long.id]);
    assert!(free(Some(&foreign)).await.is_empty());

    let hold = |slot: &Slot, kind: &AppointmentType| HoldRequest {
        patient: kari.clone(),
        slot: slot.id,
        moving: None,
        referral: None,
        appointment_type: Some(kind.id),
    };
    assert_eq!(
        refusal(world.store.hold(&caller, &hold(&short, &double)).await),
        Refusal::TypeDoesNotFit
    );
    assert_eq!(
        refusal(world.store.hold(&caller, &hold(&long, &foreign)).await),
        Refusal::TypeDoesNotFit
    );
    let held = world
        .store
        .hold(&caller, &hold(&long, &double))
        .await
        .expect("hold");
    let book = |slot: &Slot, kind: &AppointmentType, hold| BookRequest {
        patient: kari.clone(),
        slot: slot.id,
        reason: domain::Reason::parse("Flere ting å ta opp").expect("reason"),
        appointment_type: Some(kind.id),
        hold,
        idempotency: None,
    };
    // Booking checks the type again, whatever the hold was taken for.
    assert_eq!(
        refusal(
            world
                .store
                .book(&caller, &book(&long, &ordinary, Some(held.id)))
                .await
        ),
        Refusal::TypeDoesNotFit
    );
    let booked = world
        .store
        .book(&caller, &book(&long, &double, Some(held.id)))
        .await
        .expect("booked");
    let planned = world
        .store
        .planned_appointments(&kari)
        .await
        .expect("planned");
    let shown = planned
        .iter()
        .find(|a| a.id == booked.id)
        .and_then(|a| a.appointment_type.clone())
        .expect("typed");
    assert_eq!((shown.id, shown.name.as_str()), (double.id, "Dobbelttime"));

    // A move keeps the type: not into a 20-minute slot, into another 40-minute one.
    let moving = |to: &Slot| MoveRequest {
        appointment: booked.id,
        to: to.id,
        hold: None,
        version: None,
    };
    assert_eq!(
        refusal(world.store.move_appointment(&caller, &moving(&short)).await),
        Refusal::TypeDoesNotFit
    );
    world
        .store
        .move_appointment(&caller, &moving(&later_long))
        .await
        .expect("moved");
    world.finish().await;
}
