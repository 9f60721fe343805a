//! The notification settings and the outbox's claims, leases, retries and reminders.

use crate::common::{TestDb, World, oslo};
use domain::{AuditAction, Channel, ContactSettings, EmailAddress, MobileNumber, PushSubscription};
use jiff::SignedDuration;
use std::collections::HashSet;
use store::{AuditFilter, JobOutcome, NotificationKind, SkipReason, StoreError};

const P256DH: &str =
    "BGa4N1PI79lboMR_YrwCiCsgp35DRvedt7opHcf0yM3iOBTSoQYqQLwWxAfRKE6tsDnReWmhsImkhDF_DBdkNSU";
const AUTH: &str = "EvcWjEgzr4rbvhfi3yds0A";
const LEASE: SignedDuration = SignedDuration::from_mins(5);

fn subscription(endpoint: &str) -> PushSubscription {
    PushSubscription::parse(
        endpoint,
        P256DH,
        AUTH,
        &domain::PushTargetPolicy::any_public_host(),
    )
    .expect("subscription")
}

/// Books a slot of capacity one for each of `count` new patients, one job each, from
/// Wednesday 08:00 on.
async fn bookings(world: &World, count: u16) -> Vec<domain::AppointmentId> {
    bookings_from(world, 0, count).await
}

/// Like [`bookings`], starting with the `first`th patient and quarter hour.
async fn bookings_from(world: &World, first: u16, count: u16) -> Vec<domain::AppointmentId> {
    let mut ids = Vec::new();
    for n in first..first + count {
        let start = oslo(2026, 12, 16, 8, 0) + SignedDuration::from_mins(15 * i64::from(n));
        ids.push(world.book(100 + n, start).await.id);
    }
    ids
}

pub async fn contact_settings_are_kept_per_patient_and_audited(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let untouched = world.store.contact_settings(&kari).await.expect("settings");
    assert_eq!(untouched.channel(), None);
    assert_eq!(untouched.language, "nb");

    let chosen = ContactSettings {
        chosen: Some(Channel::Email),
        mobile: MobileNumber::parse("912 34 567").ok(),
        email: EmailAddress::parse("kari@example.no").ok(),
        language: "nn".into(),
        language_chosen: true,
    };
    world
        .store
        .save_contact_settings(&kari, &chosen)
        .await
        .expect("save");
    assert_eq!(
        world.store.contact_settings(&kari).await.expect("read"),
        chosen
    );
    assert_eq!(
        world
            .store
            .contact_settings(&ola)
            .await
            .expect("read")
            .chosen,
        None
    );
    let audited = world
        .store
        .audit_events(&AuditFilter {
            patient: Some(kari.clone()),
            action: Some(AuditAction::ContactSettingsSaved),
            limit: 10,
        })
        .await
        .expect("audit");
    assert_eq!(audited.len(), 1);
    world.finish().await;
}

pub async fn the_notice_language_follows_the_site_until_the_patient_chooses(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;

    // No row yet: the site's language makes one, with nothing else in it.
    world
        .store
        .remember_site_language(&kari, "en")
        .await
        .expect("remember");
    let following = world.store.contact_settings(&kari).await.expect("read");
    assert_eq!(following.language, "en");
    assert!(!following.language_chosen);
    assert_eq!(following.channel(), None);
    assert_eq!(
        world
            .store
            .contact_settings(&ola)
            .await
            .expect("read")
            .language,
        "nb",
        "per patient"
    );

    // Settings saved without choosing the language (the demo's number) keep following.
    let number = ContactSettings {
        mobile: MobileNumber::parse("912 34 567").ok(),
        ..following
    };
    world
        .store
        .save_contact_settings(&kari, &number)
        .await
        .expect("number");
    world
        .store
        .remember_site_language(&kari, "nn")
        .await
        .expect("remember");
    let following = world.store.contact_settings(&kari).await.expect("read");
    assert_eq!(following.language, "nn");
    assert_eq!(following.mobile, number.mobile, "the rest is kept");

    // The patient's own choice stands against any later site language.
    let chosen = ContactSettings {
        language: "en".into(),
        language_chosen: true,
        ..following
    };
    world
        .store
        .save_contact_settings(&kari, &chosen)
        .await
        .expect("choose");
    world
        .store
        .remember_site_language(&kari, "nb")
        .await
        .expect("remember");
    assert_eq!(
        world.store.contact_settings(&kari).await.expect("read"),
        chosen
    );
    world.finish().await;
}

pub async fn push_subscriptions_are_per_device_and_only_the_owners(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let phone = world
        .store
        .add_push_subscription(
            &kari,
            &subscription("https://push.example.net/phone"),
            "Telefon",
        )
        .await
        .expect("phone");
    world
        .store
        .add_push_subscription(
            &kari,
            &subscription("https://push.example.net/laptop"),
            "PC",
        )
        .await
        .expect("laptop");
    assert_eq!(
        world
            .store
            .push_subscriptions(&kari)
            .await
            .expect("list")
            .len(),
        2
    );

    let foreign = world.store.remove_push_subscription(&ola, phone.id).await;
    assert!(
        matches!(foreign, Err(StoreError::NotFound(_))),
        "{foreign:?}"
    );
    assert_eq!(
        world
            .store
            .push_subscriptions(&kari)
            .await
            .expect("list")
            .len(),
        2
    );

    // The same browser, now logged in as Ola: the subscription follows the person.
    world
        .store
        .add_push_subscription(&ola, &subscription("https://push.example.net/laptop"), "PC")
        .await
        .expect("moved");
    assert_eq!(
        world
            .store
            .push_subscriptions(&kari)
            .await
            .expect("list")
            .len(),
        1
    );
    assert_eq!(
        world
            .store
            .push_subscriptions(&ola)
            .await
            .expect("list")
            .len(),
        1
    );

    world
        .store
        .remove_push_subscription(&kari, phone.id)
        .await
        .expect("remove");
    assert!(
        world
            .store
            .push_subscriptions(&kari)
            .await
            .expect("list")
            .is_empty()
    );
    world
        .store
        .forget_push_endpoint("https://push.example.net/laptop")
        .await
        .expect("forget");
    assert!(
        world
            .store
            .push_subscriptions(&ola)
            .await
            .expect("list")
            .is_empty()
    );
    world.finish().await;
}

pub async fn a_claimed_job_is_leased_and_finished_once(db: TestDb) {
    let world = World::new(db).await;
    let ids = bookings(&world, 1).await;
    let claimed = world
        .store
        .claim_jobs(10, LEASE, "first")
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].appointment_id, Some(ids[0]));
    assert_eq!(claimed[0].kind, NotificationKind::Booked);
    assert_eq!(claimed[0].attempt, 1);
    assert!(
        world
            .store
            .claim_jobs(10, LEASE, "second")
            .await
            .expect("claim")
            .is_empty()
    );

    let delivery = world.store.delivery(&claimed[0]).await.expect("delivery");
    assert_eq!(delivery.first_name.as_str(), "Kari");
    assert_eq!(delivery.appointment.map(|a| a.id), Some(ids[0]));

    // The first worker died; its lease runs out and another worker takes the job.
    world.advance(6);
    let again = world
        .store
        .claim_jobs(10, LEASE, "second")
        .await
        .expect("claim");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempt, 2);
    assert!(
        !world
            .store
            .finish_job(&claimed[0], JobOutcome::Sent(Channel::Sms))
            .await
            .expect("finish"),
        "a lost claim cannot record the outcome"
    );
    assert!(
        world
            .store
            .finish_job(&again[0], JobOutcome::Sent(Channel::Sms))
            .await
            .expect("finish")
    );
    world.advance(60);
    assert!(
        world
            .store
            .claim_jobs(10, LEASE, "third")
            .await
            .expect("claim")
            .is_empty()
    );
    let counts = world.store.outbox_counts().await.expect("counts");
    assert_eq!((counts.sent, counts.pending, counts.failed), (1, 0, 0));
    world.finish().await;
}

pub async fn failed_tries_wait_then_fail_and_can_be_retried(db: TestDb) {
    let world = World::new(db).await;
    bookings(&world, 2).await;
    let claimed = world.store.claim_jobs(10, LEASE, "w").await.expect("claim");
    assert_eq!(claimed.len(), 2);
    let (bad, good) = (&claimed[0], &claimed[1]);
    world
        .store
        .fail_job(
            bad,
            Some(Channel::Sms),
            "gateway answered 500",
            Some(SignedDuration::from_mins(2)),
        )
        .await
        .expect("fail");
    world
        .store
        .finish_job(good, JobOutcome::Skipped(SkipReason::NoAddress))
        .await
        .expect("finish");
    world.advance(1);
    assert!(
        world
            .store
            .claim_jobs(10, LEASE, "w")
            .await
            .expect("claim")
            .is_empty()
    );
    world.advance(1);
    let retried = world.store.claim_jobs(10, LEASE, "w").await.expect("claim");
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].attempt, 2);
    world
        .store
        .fail_job(
            &retried[0],
            Some(Channel::Sms),
            "gateway answered 500",
            None,
        )
        .await
        .expect("fail for good");

    let failed = world.store.failed_jobs(10).await.expect("failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].channel, Some(Channel::Sms));
    assert_eq!(failed[0].attempts, 2);
    assert_eq!(failed[0].last_error, "gateway answered 500");
    let counts = world.store.outbox_counts().await.expect("counts");
    assert_eq!(
        (counts.failed, counts.skipped, counts.sent, counts.pending),
        (1, 1, 0, 0)
    );
    world.advance(600);
    assert!(
        world
            .store
            .claim_jobs(10, LEASE, "w")
            .await
            .expect("claim")
            .is_empty()
    );

    let operator = domain::Actor::Operator {
        user: "drift".into(),
    };
    world
        .store
        .retry_job(&operator, failed[0].id)
        .await
        .expect("retry");
    let missing = world.store.retry_job(&operator, failed[0].id).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
    let back = world.store.claim_jobs(10, LEASE, "w").await.expect("claim");
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].attempt, 1);
    let audited = world
        .store
        .audit_events(&AuditFilter {
            patient: None,
            action: Some(AuditAction::NotificationRetried),
            limit: 10,
        })
        .await
        .expect("audit");
    assert_eq!(audited.len(), 1);
    world.finish().await;
}

pub async fn reminders_are_written_once_and_only_for_booked_appointments(db: TestDb) {
    let world = World::new(db).await;
    // Booked on Monday 08:00 for Wednesday 08:00, 08:15 and 08:30.
    let ids = bookings(&world, 3).await;
    // The timebook reminds 24 hours before, as every new one does.
    world
        .cancel_by_clinic(world.clinic.id, ids[1], None)
        .await
        .expect("cancel");
    assert_eq!(world.store.schedule_reminders().await.expect("schedule"), 0);
    // Tuesday 08:20: the first two start within 24 hours, the second is cancelled.
    world.clock.set(oslo(2026, 12, 15, 8, 20));
    assert_eq!(world.store.schedule_reminders().await.expect("schedule"), 1);
    assert_eq!(world.store.schedule_reminders().await.expect("schedule"), 0);
    world.clock.set(oslo(2026, 12, 15, 9, 0));
    assert_eq!(world.store.schedule_reminders().await.expect("schedule"), 1);
    for (id, expected) in [(ids[0], 1), (ids[1], 0), (ids[2], 1)] {
        let reminders = world
            .store
            .outbox_jobs(id)
            .await
            .expect("jobs")
            .into_iter()
            .filter(|job| job.kind == NotificationKind::Reminder)
            .count();
        assert_eq!(reminders, expected, "appointment {id:?}");
    }

    // Booked inside the reminder window: the booking notice is the reminder.
    let late = bookings_from(&world, 3, 1).await;
    world.store.schedule_reminders().await.expect("schedule");
    let late_kinds: Vec<_> = world
        .store
        .outbox_jobs(late[0])
        .await
        .expect("jobs")
        .into_iter()
        .map(|job| job.kind)
        .collect();
    assert_eq!(late_kinds, [NotificationKind::Booked]);
    world.finish().await;
}

pub async fn concurrent_claims_never_hand_out_one_job_twice(db: TestDb) {
    let world = World::new(db).await;
    let booked = bookings(&world, 60).await;
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(world.db.open(world.clock.clone()).await);
    }
    let tasks: Vec<_> = stores
        .iter()
        .enumerate()
        .map(|(n, store)| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let token = format!("worker-{n}-{}", mine.len());
                    let jobs = store.claim_jobs(3, LEASE, &token).await.expect("claim");
                    if jobs.is_empty() {
                        break;
                    }
                    for job in jobs {
                        assert!(
                            store
                                .finish_job(&job, JobOutcome::Sent(Channel::Email))
                                .await
                                .expect("finish")
                        );
                        mine.push(job.id);
                    }
                }
                mine
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("worker"));
    }
    let distinct: HashSet<_> = all.iter().copied().collect();
    assert_eq!(all.len(), booked.len(), "each job claimed exactly once");
    assert_eq!(distinct.len(), booked.len());
    drop(stores);
    world.finish().await;
}

pub async fn the_outbox_tells_when_its_oldest_pending_job_was_written(db: TestDb) {
    let world = World::new(db).await;
    let empty = world.store.outbox_counts().await.expect("counts");
    assert_eq!(empty.oldest_pending, None);
    let first_written = store::Clock::now(world.clock.as_ref());
    bookings(&world, 1).await;
    world.advance(10);
    bookings_from(&world, 1, 1).await;
    let counts = world.store.outbox_counts().await.expect("counts");
    assert_eq!(counts.pending, 2);
    assert_eq!(
        counts.oldest_pending.map(|at| at.as_second()),
        Some(first_written.as_second())
    );
    let claimed = world.store.claim_jobs(1, LEASE, "w").await.expect("claim");
    world
        .store
        .finish_job(&claimed[0], JobOutcome::Sent(Channel::Sms))
        .await
        .expect("finish");
    let counts = world.store.outbox_counts().await.expect("counts");
    assert_eq!(
        counts.oldest_pending.map(|at| at.as_second()),
        Some(first_written.as_second() + 600),
        "the job left is the one written ten minutes later"
    );
    world.finish().await;
}
