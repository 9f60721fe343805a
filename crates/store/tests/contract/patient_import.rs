//! A clinic's list imported from a file: one transaction, one audit event with the counts,
//! the same again changes nothing, and viewing a page of the list audits the patients shown.

use crate::common::{TestDb, World};
use domain::{AuditAction, NationalId, PersonName};
use jiff::civil::date;
use std::time::{Duration, Instant};
use store::{AuditFilter, ImportCounts, ListEntry};

/// `count` distinct synthetic patients, born on consecutive days from 1950.
pub fn patients(count: usize) -> Vec<NationalId> {
    let mut ids = Vec::with_capacity(count);
    let mut day = date(1950, 1, 1);
    while ids.len() < count {
        ids.extend(NationalId::synthetic_day(day).expect("synthetic ids"));
        day = day.tomorrow().expect("next day");
    }
    ids.truncate(count);
    ids
}

fn entries(ids: &[NationalId], last_name: &str) -> Vec<ListEntry> {
    ids.iter()
        .enumerate()
        .map(|(n, id)| ListEntry {
            national_id: id.clone(),
            first_name: PersonName::parse(&format!("Pasient {n}")).expect("first"),
            last_name: PersonName::parse(last_name).expect("last"),
        })
        .collect()
}

async fn events(world: &World, action: AuditAction) -> Vec<domain::AuditEvent> {
    world
        .store
        .audit_events(&AuditFilter {
            patient: None,
            action: Some(action),
            limit: 1000,
        })
        .await
        .expect("audit")
}

pub async fn an_import_lists_everyone_in_one_event_and_again_changes_nothing(db: TestDb) {
    let world = World::new(db).await;
    let operator = domain::Actor::Operator {
        user: "drift".into(),
    };
    // Kari is on the list already; Ola is on another office's list and moves here.
    let kari = world.patient(1).await;
    let other = world
        .store
        .save_clinic(
            &operator,
            domain::HerId::new(77_001).expect("her"),
            &domain::ClinicName::parse("Annet legekontor").expect("name"),
            &domain::InfoText::parse("").expect("info"),
        )
        .await
        .expect("clinic");
    let ola = NationalId::synthetic(date(1990, 5, 5), 3).expect("ola");
    let name = |text: &str| PersonName::parse(text).expect("name");
    world
        .store
        .list_patient(&operator, other.id, &ola, &name("Ola"), &name("Nordmann"))
        .await
        .expect("ola elsewhere");
    let listed_before = events(&world, AuditAction::PatientListed).await.len();

    let ids = patients(2_000);
    let mut file = entries(&ids, "Hansen");
    file.push(ListEntry {
        national_id: kari.clone(),
        first_name: name("Kari"),
        last_name: name("Nordmann 1"),
    });
    file.push(ListEntry {
        national_id: ola.clone(),
        first_name: name("Ola"),
        last_name: name("Feil"),
    });
    // Named twice: the last line counts.
    file.push(ListEntry {
        national_id: ola.clone(),
        first_name: name("Ola"),
        last_name: name("Nordmann"),
    });
    let counts = world
        .store
        .import_patients(&operator, world.clinic.id, &file)
        .await
        .expect("import");
    assert_eq!(
        counts,
        ImportCounts {
            added: 2_001,
            updated: 0,
            unchanged: 1
        }
    );
    let page = world
        .store
        .clinic_patients_page(world.clinic.id, 0, 5)
        .await
        .expect("page");
    assert_eq!(page.total, 2_002);
    assert_eq!(page.patients.len(), 5);
    let all = world
        .store
        .clinic_patients(world.clinic.id)
        .await
        .expect("list");
    assert_eq!(
        all[..5],
        page.patients[..],
        "the same order, a page at a time"
    );
    let moved = world
        .store
        .patient(&ola)
        .await
        .expect("ola")
        .expect("listed");
    assert_eq!(
        (moved.clinic_id, moved.last_name.as_str()),
        (world.clinic.id, "Nordmann")
    );
    let imported = events(&world, AuditAction::PatientListImported).await;
    assert_eq!(imported.len(), 1, "one event for the import");
    assert_eq!(imported[0].clinic_id, Some(world.clinic.id));
    assert_eq!(imported[0].patient, None);
    assert_eq!(
        imported[0].subject,
        "patient_list:2002 added=2001 updated=0 unchanged=1"
    );
    assert_eq!(
        events(&world, AuditAction::PatientListed).await.len(),
        listed_before,
        "no event per patient"
    );

    // The same file again changes nothing; a new name is an update.
    let again = world
        .store
        .import_patients(&operator, world.clinic.id, &file)
        .await
        .expect("again");
    assert_eq!(
        again,
        ImportCounts {
            added: 0,
            updated: 0,
            unchanged: 2_002
        }
    );
    let renamed = entries(&ids[..10], "Berg");
    let renamed = world
        .store
        .import_patients(&operator, world.clinic.id, &renamed)
        .await
        .expect("renamed");
    assert_eq!(
        renamed,
        ImportCounts {
            added: 0,
            updated: 10,
            unchanged: 0
        }
    );
    let last = world
        .store
        .clinic_patients_page(world.clinic.id, 2_000, 50)
        .await
        .expect("last page");
    assert_eq!((last.patients.len(), last.total), (2, 2_002));
    assert_eq!(
        events(&world, AuditAction::PatientListImported).await.len(),
        3
    );
    world.finish().await;
}

/// The rush's size: 50,000 patients in one import. The bound is for a debug build on a busy
/// machine; a release build takes a fraction of it (bench/README.md).
pub async fn fifty_thousand_patients_are_imported_at_once(db: TestDb) {
    let world = World::new(db).await;
    let file = entries(&patients(50_000), "Hansen");
    let started = Instant::now();
    let counts = world
        .store
        .import_patients(&world.staff, world.clinic.id, &file)
        .await
        .expect("import");
    let took = started.elapsed();
    eprintln!("imported 50,000 patients in {took:?}");
    assert_eq!(counts.added, 50_000);
    assert!(took < Duration::from_secs(30), "{took:?}");
    assert_eq!(
        events(&world, AuditAction::PatientListImported).await.len(),
        1
    );
    world.finish().await;
}

pub async fn viewing_a_page_of_the_list_audits_the_patients_shown(db: TestDb) {
    let world = World::new(db).await;
    let operator = domain::Actor::Operator {
        user: "drift".into(),
    };
    let file = entries(&patients(30), "Dahl");
    world
        .store
        .import_patients(&operator, world.clinic.id, &file)
        .await
        .expect("import");
    let page = world
        .store
        .clinic_patients_page(world.clinic.id, 10, 10)
        .await
        .expect("page");
    let shown: Vec<NationalId> = page
        .patients
        .iter()
        .map(|p| p.national_id.clone())
        .collect();
    world
        .store
        .record_views(
            &operator,
            world.clinic.id,
            &shown,
            AuditAction::PatientListViewed,
            "patient_list",
        )
        .await
        .expect("views");
    let viewed = events(&world, AuditAction::PatientListViewed).await;
    assert_eq!(viewed.len(), 10);
    let mut seen: Vec<NationalId> = viewed.into_iter().filter_map(|e| e.patient).collect();
    seen.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    let mut expected = shown;
    expected.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    assert_eq!(seen, expected);
    world.finish().await;
}
