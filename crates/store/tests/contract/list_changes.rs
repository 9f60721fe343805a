//! A journal system's changes to the list in one transaction: patients put on it or renamed,
//! others taken off, one audit event with the counts, and nobody of another office's list
//! touched.

use crate::common::{TestDb, World};
use domain::{Actor, AuditAction, HerId, PersonName};
use store::{AuditFilter, ImportCounts, ListEntry};

pub async fn a_list_change_adds_renames_and_takes_off_in_one_event(db: TestDb) {
    let world = World::new(db).await;
    let journal = Actor::Client {
        name: "journal".into(),
    };
    let (kari, ola) = (world.patient(1).await, world.patient(2).await);
    let other = world
        .store
        .save_clinic(
            &Actor::System,
            HerId::new(77_003).expect("her"),
            &domain::ClinicName::parse("Annet legekontor").expect("name"),
            &domain::InfoText::parse("").expect("info"),
        )
        .await
        .expect("clinic");
    let theirs = World::person(7);
    let name = |text: &str| PersonName::parse(text).expect("name");
    world
        .store
        .list_patient(
            &Actor::System,
            other.id,
            &theirs,
            &name("Per"),
            &name("Annen"),
        )
        .await
        .expect("listed elsewhere");
    let new = World::person(5);
    let entries = [
        ListEntry {
            national_id: new.clone(),
            first_name: name("Nina"),
            last_name: name("Ny"),
        },
        ListEntry {
            national_id: kari.clone(),
            first_name: name("Kari"),
            last_name: name("Omdøpt"),
        },
    ];
    let (counts, removed) = world
        .store
        .change_patient_list(
            &journal,
            world.clinic.id,
            &entries,
            &[ola.clone(), theirs.clone(), World::person(9)],
        )
        .await
        .expect("changed");
    assert_eq!(
        counts,
        ImportCounts {
            added: 1,
            updated: 1,
            unchanged: 0
        }
    );
    assert_eq!(removed, 1, "only the clinic's own patient is taken off");
    assert!(world.store.patient(&ola).await.expect("ola").is_none());
    let still = world
        .store
        .patient(&theirs)
        .await
        .expect("theirs")
        .expect("listed");
    assert_eq!(still.clinic_id, other.id);
    let renamed = world
        .store
        .patient(&kari)
        .await
        .expect("kari")
        .expect("listed");
    assert_eq!(renamed.last_name.as_str(), "Omdøpt");
    let events = world
        .store
        .audit_events(&AuditFilter {
            action: Some(AuditAction::PatientListImported),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].subject,
        "patient_list:2 added=1 updated=1 unchanged=0 removed=1"
    );
    assert_eq!(events[0].actor, journal);
    world.finish().await;
}
