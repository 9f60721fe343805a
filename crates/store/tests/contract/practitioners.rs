//! Fastleger: a clinic's practitioners, each with their own list. A patient has one fastlege,
//! on their clinic; moved to another clinic's list, they are on none of the old clinic's
//! practitioners' lists; another clinic's practitioner is not found; every change is audited.

use crate::common::{TestDb, World};
use domain::{Actor, AuditAction, ClinicName, HerId, HprNumber, InfoText, PersonName};
use store::{AuditFilter, StoreError};

fn name(text: &str) -> PersonName {
    PersonName::parse(text).expect("name")
}

pub async fn each_practitioner_keeps_a_list_of_their_clinics_patients(db: TestDb) {
    let world = World::new(db).await;
    let (kari, ola, per) = (
        world.patient(1).await,
        world.patient(2).await,
        World::person(3),
    );
    let hpr = HprNumber::parse("9144900").expect("hpr");
    let first = world
        .store
        .save_practitioner(
            &world.staff,
            world.clinic.id,
            hpr,
            (&name("Test"), &name("Fastlege")),
        )
        .await
        .expect("saved");
    // Saved again under the same number: the same practitioner, renamed.
    let renamed = world
        .store
        .save_practitioner(
            &world.staff,
            world.clinic.id,
            hpr,
            (&name("Tove"), &name("Fastlege")),
        )
        .await
        .expect("renamed");
    assert_eq!(renamed.id, first.id);
    assert_eq!(renamed.first_name.as_str(), "Tove");
    let second = world
        .store
        .save_practitioner(
            &world.staff,
            world.clinic.id,
            HprNumber::parse("565505933").expect("hpr"),
            (&name("Andre"), &name("Allmennlege")),
        )
        .await
        .expect("saved");

    // Per is on no list of this clinic's: he is not put on the practitioner's.
    let listed = world
        .store
        .list_with_practitioner(
            &world.staff,
            world.clinic.id,
            first.id,
            &[kari.clone(), ola.clone(), per.clone()],
        )
        .await
        .expect("listed");
    assert_eq!(listed, 2);
    assert_eq!(
        world.store.practitioner_of(&kari).await.expect("read"),
        Some(renamed.clone())
    );
    assert_eq!(world.store.practitioner_of(&per).await.expect("read"), None);

    // A patient has one fastlege: listed with another, they leave the first's list.
    world
        .store
        .list_with_practitioner(
            &world.staff,
            world.clinic.id,
            second.id,
            std::slice::from_ref(&ola),
        )
        .await
        .expect("moved");
    let sizes: Vec<_> = world
        .store
        .practitioners(world.clinic.id)
        .await
        .expect("practitioners")
        .into_iter()
        .map(|p| (p.practitioner.last_name.as_str().to_owned(), p.patients))
        .collect();
    assert_eq!(
        sizes,
        vec![("Allmennlege".to_owned(), 1), ("Fastlege".to_owned(), 1)]
    );

    // Kari moves to another clinic's list: she is on none of this clinic's practitioners'.
    let other = world
        .store
        .save_clinic(
            &Actor::System,
            HerId::new(77_020).expect("her"),
            &ClinicName::parse("Annet legekontor").expect("name"),
            &InfoText::parse("").expect("info"),
        )
        .await
        .expect("clinic");
    world
        .store
        .list_patient(
            &Actor::System,
            other.id,
            &kari,
            &name("Kari"),
            &name("Nordmann"),
        )
        .await
        .expect("moved");
    assert_eq!(
        world.store.practitioner_of(&kari).await.expect("read"),
        None
    );
    let sizes: Vec<_> = world
        .store
        .practitioners(world.clinic.id)
        .await
        .expect("practitioners")
        .into_iter()
        .map(|p| p.patients)
        .collect();
    assert_eq!(sizes, vec![1, 0]);

    // The other clinic neither sees nor lists with this clinic's practitioners.
    assert!(
        world
            .store
            .practitioners(other.id)
            .await
            .expect("none")
            .is_empty()
    );
    assert!(matches!(
        world
            .store
            .list_with_practitioner(
                &Actor::System,
                other.id,
                first.id,
                std::slice::from_ref(&kari)
            )
            .await,
        Err(StoreError::NotFound("practitioner"))
    ));

    let audited = |action| {
        let store = world.store.clone();
        async move {
            store
                .audit_events(&AuditFilter {
                    action: Some(action),
                    limit: 10,
                    ..AuditFilter::default()
                })
                .await
                .expect("audit")
                .len()
        }
    };
    assert_eq!(audited(AuditAction::PractitionerSaved).await, 3);
    assert_eq!(audited(AuditAction::PractitionerListChanged).await, 2);
    world.finish().await;
}
