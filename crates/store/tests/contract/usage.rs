//! «Bruk av timebøkene»: counts per timebook, place and ISO week in Oslo, on both databases.

use crate::common::{TestDb, World, oslo, start_of_tests};
use domain::{
    Actor, AppointmentStatus, AuditAction, BookingRules, Caller, CancelReason, Capacity,
    ClinicName, Description, HerId, InfoText, ResourceName, SlotLength,
};
use jiff::civil::date;
use store::{AuditFilter, MoveRequest, NewSlot, UsageCounts, UsageQuery};

pub async fn usage_counts_each_place_by_local_week_and_never_another_clinics(db: TestDb) {
    // Patients may cancel until the start, and book as many times as the test needs.
    let world = World::with_rules(db, BookingRules::new(0, 60, 0, 10).expect("rules")).await;
    // The week of the change to summer time (Sunday 28 March 2027) and the week after.
    let before = oslo(2027, 3, 15, 8, 0);
    world.advance(before.duration_since(start_of_tests()).as_mins());
    let slot = |start, places: i64, resource| {
        let store = world.store.clone();
        let staff = world.staff.clone();
        async move {
            store
                .add_slot(
                    &staff,
                    NewSlot {
                        resource_id: resource,
                        start,
                        length: SlotLength::minutes(15).expect("length"),
                        capacity: Capacity::new(places).expect("capacity"),
                    },
                )
                .await
                .expect("slot")
        }
    };
    let influensa = world.resource.id;
    // 00:30 on Monday 22 March is 23:30 on Sunday in UTC: week 12 in Oslo, week 11 in UTC.
    let a = slot(oslo(2027, 3, 22, 0, 30), 2, influensa).await;
    // 23:30 on Sunday 28 March is summer time already: still week 12.
    let b = slot(oslo(2027, 3, 28, 23, 30), 1, influensa).await;
    // 00:30 on Monday 29 March is 22:30 on Sunday in UTC: week 13 in Oslo.
    let c = slot(oslo(2027, 3, 29, 0, 30), 3, influensa).await;
    let d = slot(oslo(2027, 3, 31, 10, 0), 1, influensa).await;
    let unpublished = slot(oslo(2027, 4, 1, 10, 0), 5, influensa).await;
    world
        .store
        .set_slot_published(&world.staff, unpublished.id, false)
        .await
        .expect("unpublish");
    // Outside the period on either side.
    slot(oslo(2027, 3, 21, 23, 30), 1, influensa).await;
    slot(oslo(2027, 4, 5, 0, 0), 1, influensa).await;
    let korona = world
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
    let f = slot(oslo(2027, 3, 24, 9, 0), 1, korona.id).await;

    let mut patients = Vec::new();
    for n in 1..=7 {
        patients.push(world.patient(n).await);
    }
    let book = |n: usize, slot| world.book_as(&patients[n], slot, None);
    let fulfilled = book(0, a.id).await.expect("book");
    let cancelled = book(1, a.id).await.expect("book");
    let no_show = book(2, b.id).await.expect("book");
    book(3, c.id).await.expect("book");
    let by_clinic = book(4, c.id).await.expect("book");
    let moved = book(5, c.id).await.expect("book");
    book(6, f.id).await.expect("book");
    world
        .cancel_as(&patients[1], cancelled.id)
        .await
        .expect("cancel");
    world
        .cancel_by_clinic(
            world.clinic.id,
            by_clinic.id,
            Some(&CancelReason::parse("Legen er syk").expect("reason")),
        )
        .await
        .expect("cancel");
    world
        .store
        .move_appointment(
            &Caller::patient(patients[5].clone()),
            &MoveRequest {
                appointment: moved.id,
                to: d.id,
                hold: None,
                version: None,
            },
        )
        .await
        .expect("move");
    for (appointment, outcome) in [
        (fulfilled.id, AppointmentStatus::Fulfilled),
        (no_show.id, AppointmentStatus::NoShow),
    ] {
        world
            .store
            .set_appointment_outcome(&world.staff, world.clinic.id, appointment, outcome)
            .await
            .expect("outcome");
    }

    // Another clinic, its slot booked in the same week.
    let system = Actor::System;
    let other = world
        .store
        .save_clinic(
            &system,
            HerId::new(8_143_061).expect("her"),
            &ClinicName::parse("Et annet legekontor").expect("name"),
            &InfoText::parse("").expect("info"),
        )
        .await
        .expect("clinic");
    let other_book = world
        .store
        .save_timebook(
            &system,
            other.id,
            domain::TimebookKind::Vaksine,
            world.timebook.rules,
        )
        .await
        .expect("timebook");
    let other_location = world
        .store
        .save_location(
            &system,
            other.id,
            &domain::Address::parse("Nabovegen 1, 1325 Lysaker").expect("address"),
        )
        .await
        .expect("location");
    let other_place = world
        .store
        .save_resource(
            &system,
            other_book.id,
            &store::NewPlace {
                name: &ResourceName::parse("Influensa").expect("name"),
                description: &Description::parse("Vaksine").expect("description"),
                practitioner: None,
            },
            &other_location,
        )
        .await
        .expect("resource");
    slot(oslo(2027, 3, 23, 9, 0), 4, other_place.id).await;

    // Wednesday to Tuesday: widened to the whole weeks 12 and 13.
    let query = UsageQuery {
        from: date(2027, 3, 24),
        to: date(2027, 3, 30),
        timebook: None,
        resource: None,
    };
    let report = world
        .store
        .usage(&world.staff, world.clinic.id, &query)
        .await
        .expect("usage");
    assert_eq!(report.weeks, [date(2027, 3, 22), date(2027, 3, 29)]);
    let names: Vec<&str> = report.places.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["Influensa", "Korona"],
        "by name, no other clinic's place"
    );
    let counts =
        |published, places, booked, by_patient, by_clinic, no_shows, fulfilled| UsageCounts {
            published,
            places,
            booked,
            cancelled_by_patient: by_patient,
            cancelled_by_clinic: by_clinic,
            no_shows,
            fulfilled,
        };
    let here = &report.places[0];
    assert_eq!(
        (here.timebook, here.resource, here.kind),
        (world.timebook.id, influensa, domain::TimebookKind::Vaksine)
    );
    assert_eq!(
        here.weeks,
        [
            // a (2 places: fulfilled, cancelled by the patient) and b (no-show).
            counts(2, 3, 2, 1, 0, 1, 1),
            // c (3 places: booked, cancelled by the office, moved away) and d (moved in);
            // the unpublished slot is not counted.
            counts(2, 4, 2, 0, 1, 0, 0),
        ]
    );
    assert_eq!(here.weeks[0].utilisation_percent(), Some(67));
    assert_eq!(here.weeks[1].utilisation_percent(), Some(50));
    assert_eq!(
        report.places[1].weeks,
        [counts(1, 1, 1, 0, 0, 0, 0), UsageCounts::default()]
    );

    // One place, and a timebook of another clinic (nothing, not an error).
    let only_korona = world
        .store
        .usage(
            &world.staff,
            world.clinic.id,
            &UsageQuery {
                resource: Some(korona.id),
                ..query
            },
        )
        .await
        .expect("usage of one place");
    assert_eq!(only_korona.places.len(), 1);
    assert_eq!(only_korona.places[0].resource, korona.id);
    let foreign = world
        .store
        .usage(
            &world.staff,
            world.clinic.id,
            &UsageQuery {
                timebook: Some(other_book.id),
                ..query
            },
        )
        .await
        .expect("usage of another clinic's timebook");
    assert!(foreign.places.is_empty());
    assert_eq!(foreign.weeks.len(), 2);

    // Each look is audited, naming the staff member and no patient.
    let events = world
        .store
        .audit_events(&AuditFilter {
            action: Some(AuditAction::UsageViewed),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.actor == world.staff
        && e.patient.is_none()
        && e.clinic_id == Some(world.clinic.id)));
    assert_eq!(
        events[1].subject,
        format!("usage:2027-03-22..2027-03-29:resource:{}", korona.id.0)
    );

    // Reversed and too long periods are refused.
    for (from, to) in [
        (date(2027, 3, 30), date(2027, 3, 24)),
        (date(2026, 1, 1), date(2027, 3, 24)),
    ] {
        let result = world
            .store
            .usage(
                &world.staff,
                world.clinic.id,
                &UsageQuery { from, to, ..query },
            )
            .await;
        assert!(result.is_err(), "{from}..{to}: {result:?}");
    }
    world.finish().await;
}
