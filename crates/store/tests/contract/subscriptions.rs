//! What a journal system learns of its clinic's appointments: the change feed, and the
//! FHIR Subscriptions' notifications the booking core writes into the outbox, claimed in
//! order per appointment.

use crate::common::{TestDb, World, oslo};
use domain::{AppointmentStatus, Caller, ClinicId};
use jiff::SignedDuration;
use store::Clock as _;
use store::{
    ChangeCursor, ChangeQuery, ClaimedJob, HookContent, HookStatus, JobOutcome, MoveRequest,
    NewSubscription, NotificationKind, SkipReason,
};

const LEASE: SignedDuration = SignedDuration::from_mins(5);

fn changes(clinic: ClinicId, from: Option<jiff::Timestamp>, limit: u32) -> ChangeQuery {
    ChangeQuery {
        clinic,
        from,
        to: None,
        after: None,
        limit,
    }
}

fn subscription(world: &World, client: &str) -> NewSubscription {
    NewSubscription {
        clinic: world.clinic.id,
        client: client.into(),
        topic: "urn:test:topic".into(),
        reason: "Journal".into(),
        endpoint: "https://hooks.example.net/timebok".into(),
        content: HookContent::FullResource,
        authorization: Some("Bearer secret".into()),
    }
}

async fn claim(world: &World) -> Vec<ClaimedJob> {
    world
        .store
        .claim_jobs(50, LEASE, "worker")
        .await
        .expect("claim")
}

fn hooks(jobs: &[ClaimedJob]) -> Vec<&ClaimedJob> {
    jobs.iter()
        .filter(|j| j.subscription_id.is_some())
        .collect()
}

pub async fn the_change_feed_lists_a_clinics_changes_by_time_and_pages(db: TestDb) {
    let world = World::new(db).await;
    let before = world.clock.now();
    let first = world.book(1, oslo(2026, 12, 16, 8, 0)).await;
    world.advance(10);
    let second = world.book(2, oslo(2026, 12, 16, 9, 0)).await;
    world.advance(10);
    let since = world.clock.now();
    let slot = world.slot(oslo(2026, 12, 17, 10, 0), 1).await;
    world
        .store
        .move_appointment(
            &Caller::staff(world.clinic.id, "resepsjon"),
            &MoveRequest {
                appointment: first.id,
                to: slot.id,
                hold: None,
                version: None,
            },
        )
        .await
        .expect("move");
    world.advance(10);
    world
        .store
        .set_appointment_outcome(
            &world.staff,
            world.clinic.id,
            second.id,
            AppointmentStatus::NoShow,
        )
        .await
        .expect("no-show");

    let all = world
        .store
        .appointment_changes(changes(world.clinic.id, Some(before), 10))
        .await
        .expect("feed");
    let order: Vec<_> = all.iter().map(|r| (r.id, r.version)).collect();
    assert_eq!(order, [(first.id, 2), (second.id, 2)], "by last change");
    assert_eq!(all[0].changed_at, since);
    assert_eq!(all[1].status, AppointmentStatus::NoShow);

    // Since the move: both; from after it: the no-show only.
    let later = world
        .store
        .appointment_changes(changes(
            world.clinic.id,
            Some(since + SignedDuration::from_secs(1)),
            10,
        ))
        .await
        .expect("feed");
    assert_eq!(later.iter().map(|r| r.id).collect::<Vec<_>>(), [second.id]);

    // A page at a time, each starting after the last change of the one before.
    let page = world
        .store
        .appointment_changes(changes(world.clinic.id, None, 1))
        .await
        .expect("page");
    assert_eq!(page.len(), 1);
    let rest = world
        .store
        .appointment_changes(ChangeQuery {
            after: Some(ChangeCursor {
                changed_at: page[0].changed_at,
                id: page[0].id,
            }),
            ..changes(world.clinic.id, None, 5)
        })
        .await
        .expect("rest");
    assert_eq!(rest.len(), 1);
    assert_ne!(rest[0].id, page[0].id);

    let elsewhere = world
        .store
        .appointment_changes(changes(ClinicId(world.clinic.id.0 + 1), None, 10))
        .await
        .expect("other clinic");
    assert!(elsewhere.is_empty());
    world.finish().await;
}

pub async fn each_change_notifies_every_subscription_of_the_clinic_in_numbered_order(db: TestDb) {
    let world = World::new(db).await;
    let journal = world
        .store
        .create_subscription(&subscription(&world, "journal"))
        .await
        .expect("subscribe");
    assert_eq!(
        (journal.status, journal.events, journal.has_authorization),
        (HookStatus::Active, 0, true)
    );
    let ended = world
        .store
        .create_subscription(&subscription(&world, "journal"))
        .await
        .expect("subscribe");
    assert!(
        world
            .store
            .end_subscription(world.clinic.id, "journal", ended.id)
            .await
            .expect("end")
    );
    assert!(
        !world
            .store
            .end_subscription(world.clinic.id, "another", journal.id)
            .await
            .expect("not another client's")
    );
    let listed = world
        .store
        .subscriptions(world.clinic.id, "journal")
        .await
        .expect("list");
    assert_eq!(
        listed.iter().map(|s| s.id).collect::<Vec<_>>(),
        [journal.id]
    );
    assert!(
        world
            .store
            .subscription(world.clinic.id, "journal", ended.id)
            .await
            .expect("read")
            .is_none()
    );

    let booked = world.book(1, oslo(2026, 12, 16, 8, 0)).await;
    let kari = World::person(1);
    world.cancel_as(&kari, booked.id).await.expect("cancel");

    // The patient's two notices are as before; the subscriber has two notifications.
    let patient_jobs = world.store.outbox_jobs(booked.id).await.expect("jobs");
    assert_eq!(patient_jobs.len(), 2);
    let first = claim(&world).await;
    let first_hooks = hooks(&first);
    assert_eq!(first_hooks.len(), 1, "the second waits for the first");
    assert_eq!(first_hooks[0].subscription_id, Some(journal.id));
    assert_eq!(first_hooks[0].kind, NotificationKind::Booked);
    let delivery = world
        .store
        .hook_delivery(first_hooks[0])
        .await
        .expect("delivery");
    assert_eq!(delivery.event_number, 1);
    assert_eq!(delivery.authorization.as_deref(), Some("Bearer secret"));
    assert_eq!(delivery.appointment.id, booked.id);
    assert!(
        world
            .store
            .finish_job(first_hooks[0], JobOutcome::Posted)
            .await
            .expect("done")
    );
    let second = claim(&world).await;
    let second_hooks = hooks(&second);
    assert_eq!(second_hooks.len(), 1);
    assert_eq!(second_hooks[0].kind, NotificationKind::CancelledByPatient);
    let delivery = world
        .store
        .hook_delivery(second_hooks[0])
        .await
        .expect("delivery");
    assert_eq!(delivery.event_number, 2);
    assert_eq!(
        delivery.appointment.status,
        AppointmentStatus::CancelledByPatient
    );
    let again = world
        .store
        .subscription(world.clinic.id, "journal", journal.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(again.events, 2);
    world.finish().await;
}

pub async fn a_subscribers_later_change_waits_until_the_earlier_is_done_or_failed(db: TestDb) {
    let world = World::new(db).await;
    let journal = world
        .store
        .create_subscription(&subscription(&world, "journal"))
        .await
        .expect("subscribe");
    let booked = world.book(1, oslo(2026, 12, 16, 8, 0)).await;
    world
        .cancel_as(&World::person(1), booked.id)
        .await
        .expect("cancel");
    let other = world.book(2, oslo(2026, 12, 16, 9, 0)).await;

    let jobs = claim(&world).await;
    let claimed = hooks(&jobs);
    // The first change of each appointment; the cancellation waits for the booking.
    assert_eq!(
        claimed
            .iter()
            .map(|j| (j.appointment_id, j.kind))
            .collect::<Vec<_>>(),
        [
            (Some(booked.id), NotificationKind::Booked),
            (Some(other.id), NotificationKind::Booked)
        ]
    );
    // Tried again later: the cancellation still waits, even when the lease has run out.
    world
        .store
        .fail_job(
            claimed[0],
            None,
            "the journal system answered 500",
            Some(LEASE),
        )
        .await
        .expect("retry later");
    world.advance(6);
    let retried = claim(&world).await;
    let retried_hooks = hooks(&retried);
    assert_eq!(
        retried_hooks.len(),
        2,
        "the retry and the other's lease ran out"
    );
    assert!(
        retried_hooks
            .iter()
            .all(|j| j.kind == NotificationKind::Booked)
    );
    let mine = retried_hooks
        .iter()
        .find(|j| j.appointment_id == Some(booked.id))
        .expect("the booking again");
    // Failed for good: the subscription says so, and the cancellation goes next.
    world
        .store
        .fail_job(mine, None, "the journal system answered 500", None)
        .await
        .expect("fail");
    let status = world
        .store
        .subscription(world.clinic.id, "journal", journal.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(status.status, HookStatus::Error);
    assert_eq!(
        status.error.as_deref(),
        Some("the journal system answered 500")
    );
    let failed = world.store.failed_jobs(10).await.expect("failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].subscription_id, Some(journal.id));
    let next = claim(&world).await;
    let next_hooks = hooks(&next);
    assert_eq!(next_hooks.len(), 1);
    assert_eq!(next_hooks[0].kind, NotificationKind::CancelledByPatient);
    assert!(
        world
            .store
            .finish_job(next_hooks[0], JobOutcome::Posted)
            .await
            .expect("posted")
    );
    let healed = world
        .store
        .subscription(world.clinic.id, "journal", journal.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!((healed.status, healed.error), (HookStatus::Active, None));

    // The operator sends the failed one again; a deleted subscription's jobs are skipped.
    world
        .store
        .retry_job(&world.staff, failed[0].id)
        .await
        .expect("retry");
    let resent = claim(&world).await;
    assert_eq!(hooks(&resent).len(), 1);
    world
        .store
        .end_subscription(world.clinic.id, "journal", journal.id)
        .await
        .expect("end");
    world
        .store
        .finish_job(
            hooks(&resent)[0],
            JobOutcome::Skipped(SkipReason::SubscriptionOff),
        )
        .await
        .expect("skipped");
    world.book(3, oslo(2026, 12, 16, 10, 0)).await;
    assert!(
        hooks(&claim(&world).await).is_empty(),
        "nothing after the end"
    );
    world.finish().await;
}
