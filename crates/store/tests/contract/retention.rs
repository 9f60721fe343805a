//! Retention, on a clock the test moves: each kind of record goes when its period has
//! passed, and not a day before; what remains still reads.

use crate::common::{TestDb, World, oslo};
use domain::{Caller, Channel, MessageText, Reason, RetentionPolicy, Subject};
use jiff::SignedDuration;
use store::Clock as _;
use store::{AuditFilter, JobOutcome};

const DAY: i64 = 24 * 60;

async fn write(world: &World, patient: &domain::NationalId, words: &str) -> domain::ThreadId {
    world
        .store
        .write_message(
            &Caller::patient(patient.clone()),
            &Subject::parse("Spørsmål").expect("subject"),
            &MessageText::parse(words).expect("text"),
        )
        .await
        .expect("write")
}

/// The audit log's entries about `patient`.
async fn audited(world: &World, patient: &domain::NationalId) -> Vec<domain::AuditEvent> {
    world
        .store
        .audit_events(&AuditFilter {
            patient: Some(patient.clone()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit")
}

/// Every job due now is sent.
async fn deliver_all(world: &World) -> usize {
    let jobs = world
        .store
        .claim_jobs(100, SignedDuration::from_mins(5), "retention-test")
        .await
        .expect("claim");
    for job in &jobs {
        world
            .store
            .finish_job(job, JobOutcome::Sent(Channel::Sms))
            .await
            .expect("finish");
    }
    jobs.len()
}

pub async fn retention_erases_each_kind_when_its_period_has_passed(db: TestDb) {
    let world = World::new(db).await;
    let policy = RetentionPolicy {
        reason_days: 90,
        message_days: 365,
        notification_days: 30,
        audit_days: 365,
    };
    let kari = world.patient(1).await;
    let first = world.book(1, oslo(2026, 12, 15, 9, 0)).await;
    let kari_thread = write(&world, &kari, "Kan jeg ta med barnet?").await;
    assert!(deliver_all(&world).await > 0, "the confirmation went out");
    world
        .store
        .open_session("kari-session", &kari, SignedDuration::from_hours(8))
        .await
        .expect("session");
    let nothing_yet = world.store.apply_retention(&policy).await.expect("pass");
    assert_eq!(
        nothing_yet.reasons + nothing_yet.threads + nothing_yet.notifications,
        0
    );

    // Sixty days on: the session is over and the delivered notice past its 30 days.
    world.advance(60 * DAY);
    let ola = world.patient(2).await;
    let second = world
        .book(2, world.clock.now() + SignedDuration::from_hours(24))
        .await;
    let ola_thread = write(&world, &ola, "Når kommer svaret?").await;
    let pass = world.store.apply_retention(&policy).await.expect("pass");
    assert_eq!(pass.sessions, 1);
    assert!(pass.notifications > 0);
    assert_eq!(pass.reasons, 0, "the first appointment is 59 days past");
    assert!(
        world
            .store
            .session_patient("kari-session")
            .await
            .expect("read")
            .is_none()
    );

    // A hundred days on: the first appointment's reason is erased, and it still reads.
    world.advance(40 * DAY);
    let pass = world.store.apply_retention(&policy).await.expect("pass");
    assert_eq!(pass.reasons, 1);
    let erased = world
        .store
        .appointment(first.id)
        .await
        .expect("still reads");
    assert_eq!(erased.reason.as_str(), Reason::ERASED);
    let kept = world.store.appointment(second.id).await.expect("reads");
    assert_eq!(kept.reason.as_str(), "Influensavaksine");

    let before = audited(&world, &kari).await;
    assert!(!before.is_empty(), "the booking was audited");

    // Four hundred days on: Kari's thread is a year and more quiet, Ola's not yet.
    world.advance(300 * DAY);
    let pass = world.store.apply_retention(&policy).await.expect("pass");
    assert_eq!((pass.threads, pass.messages), (1, 1));
    let karis = world.store.patient_threads(&kari).await.expect("threads");
    assert!(karis.iter().all(|t| t.id != kari_thread));
    assert!(karis.is_empty());
    let olas = world.store.patient_threads(&ola).await.expect("threads");
    assert_eq!(olas.len(), 1);
    assert_eq!(olas[0].id, ola_thread);
    assert_eq!(
        world
            .store
            .appointment(second.id)
            .await
            .expect("reads")
            .reason
            .as_str(),
        Reason::ERASED
    );
    assert!(
        pass.audit_events > 0,
        "the first days' entries are past 365 days"
    );
    let after = audited(&world, &kari).await;
    assert!(after.is_empty(), "{after:?}");

    // A second pass finds nothing more to do.
    let again = world.store.apply_retention(&policy).await.expect("pass");
    assert_eq!(again.reasons + again.threads + again.audit_events, 0);
    world.finish().await;
}
