//! The desk's reads: a patient found on the clinic's own list only, by fødselsnummer or by
//! words of the name in any case, letters beyond ASCII included; and the week of a place with
//! each slot's places, holds and standing bookings. Each patient shown is an audited access.

use crate::common::{TestDb, World, oslo};
use domain::{Actor, AuditAction, IdPolicy, PatientSearch, PersonName};
use store::AuditFilter;

fn search(typed: &str) -> PatientSearch {
    PatientSearch::parse(typed, IdPolicy::TEST).expect("a search")
}

pub async fn the_desk_finds_only_the_clinics_own_patients_in_any_case(db: TestDb) {
    let world = World::new(db).await;
    let other = world
        .store
        .save_clinic(
            &Actor::System,
            domain::HerId::new(77_003).expect("her"),
            &domain::ClinicName::parse("Annet legekontor").expect("name"),
            &domain::InfoText::parse("").expect("info"),
        )
        .await
        .expect("clinic");
    let name = |text: &str| PersonName::parse(text).expect("name");
    let listed = [
        (World::person(1), "Åse", "Ærlig", world.clinic.id),
        (World::person(2), "Ola", "Østby", world.clinic.id),
        (World::person(3), "Per_Ola", "50%", world.clinic.id),
        (World::person(4), "Åse", "Ærlig", other.id),
    ];
    for (id, first, last, clinic) in &listed {
        world
            .store
            .list_patient(&Actor::System, *clinic, id, &name(first), &name(last))
            .await
            .expect("listed");
    }
    let found = |typed: &'static str| {
        let world = &world;
        async move {
            world
                .store
                .find_patients(&world.staff, world.clinic.id, &search(typed), 20)
                .await
                .expect("found")
                .into_iter()
                .map(|f| f.patient.national_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("ærlig").await, vec![World::person(1)]);
    assert_eq!(found("ÅSE ÆR").await, vec![World::person(1)]);
    assert_eq!(found("østby").await, vec![World::person(2)]);
    assert_eq!(found("ola").await, vec![World::person(3), World::person(2)]);
    // The name's own wildcards match only themselves.
    assert_eq!(found("r_o").await, vec![World::person(3)]);
    assert_eq!(found("0%").await, vec![World::person(3)]);
    assert!(found("a%b").await.is_empty());
    // Another clinic's patient is found neither by name nor by number.
    let by_number = world
        .store
        .find_patients(
            &world.staff,
            world.clinic.id,
            &PatientSearch::NationalId(World::person(4)),
            20,
        )
        .await
        .expect("found");
    assert!(by_number.is_empty());
    let by_own_number = world
        .store
        .find_patients(
            &world.staff,
            world.clinic.id,
            &PatientSearch::NationalId(World::person(1)),
            20,
        )
        .await
        .expect("found");
    assert_eq!(by_own_number.len(), 1);
    assert!(!by_own_number[0].blocked);
    // At most the limit.
    let limited = world
        .store
        .find_patients(&world.staff, world.clinic.id, &search("la"), 1)
        .await
        .expect("found");
    assert_eq!(limited.len(), 1);
    let audited = world
        .store
        .audit_events(&AuditFilter {
            patient: Some(World::person(1)),
            action: Some(AuditAction::PatientFound),
            limit: 100,
        })
        .await
        .expect("audit");
    assert_eq!(audited.len(), 3, "each search that showed her");
    assert!(
        world
            .store
            .audit_events(&AuditFilter {
                patient: Some(World::person(4)),
                action: Some(AuditAction::PatientFound),
                limit: 100,
            })
            .await
            .expect("audit")
            .is_empty()
    );
    world.finish().await;
}

pub async fn the_week_of_a_place_counts_places_holds_and_standing_bookings(db: TestDb) {
    let world = World::new(db).await;
    let three = world.slot(oslo(2026, 12, 17, 8, 0), 3).await;
    let one = world.slot(oslo(2026, 12, 18, 9, 0), 1).await;
    let next_week = world.slot(oslo(2026, 12, 21, 9, 0), 1).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let per = world.patient(3).await;
    let booked = world.book_as(&kari, three.id, None).await.expect("book");
    world.hold_as(&ola, three.id).await.expect("hold");
    let cancelled = world.book_as(&per, one.id, None).await.expect("book");
    world
        .cancel_by_clinic(world.clinic.id, cancelled.id, None)
        .await
        .expect("cancel");
    let week = world
        .store
        .place_week(
            &world.staff,
            world.clinic.id,
            world.resource.id,
            jiff::civil::date(2026, 12, 14),
            jiff::civil::date(2026, 12, 20),
        )
        .await
        .expect("week");
    assert_eq!(
        week.iter().map(|w| w.slot.id).collect::<Vec<_>>(),
        vec![three.id, one.id],
        "{next_week:?} is next week's"
    );
    assert_eq!((week[0].places_left, week[0].held), (1, 1));
    assert_eq!(
        week[0]
            .appointments
            .iter()
            .map(|a| (a.id, a.patient.clone()))
            .collect::<Vec<_>>(),
        vec![(booked.id, kari.clone())]
    );
    assert_eq!((week[1].places_left, week[1].held), (1, 0));
    assert!(
        week[1].appointments.is_empty(),
        "a cancelled booking frees its place"
    );
    // Once the hold runs out, its place counts as free again.
    world.advance(60);
    let later = world
        .store
        .place_week(
            &world.staff,
            world.clinic.id,
            world.resource.id,
            jiff::civil::date(2026, 12, 14),
            jiff::civil::date(2026, 12, 20),
        )
        .await
        .expect("week");
    assert_eq!((later[0].places_left, later[0].held), (2, 0));
    let viewed = world
        .store
        .audit_events(&AuditFilter {
            patient: Some(kari),
            action: Some(AuditAction::AppointmentViewed),
            limit: 10,
        })
        .await
        .expect("audit");
    assert_eq!(viewed.len(), 2);
    world.finish().await;
}
