//! Each timebook's notices: the confirmation after booking, and reminders at its own times
//! before the appointment, written by the worker's round at their moments.

use crate::common::{TestDb, World, oslo};
use domain::{
    Actor, AppointmentId, AuditAction, Caller, ClinicName, HerId, InfoText, ReminderOffsets,
    TimebookKind, TimebookNotices,
};
use jiff::Timestamp;
use store::{AuditFilter, MoveRequest, NotificationKind, StoreError};

fn notices(confirm_booking: bool, reminders: &str) -> TimebookNotices {
    TimebookNotices {
        confirm_booking,
        reminders: ReminderOffsets::parse(reminders).expect("reminders"),
    }
}

async fn set_notices(world: &World, notices: &TimebookNotices) {
    world
        .store
        .save_timebook_notices(&world.staff, world.clinic.id, world.timebook.id, notices)
        .await
        .expect("save notices");
}

/// Runs the worker's round of reminders at `at`; answers how many it wrote.
async fn round_at(world: &World, at: Timestamp) -> u64 {
    world.clock.set(at);
    world.store.schedule_reminders().await.expect("schedule")
}

/// The appointment's reminders as (minutes before, when written), in the order written.
async fn reminders(world: &World, id: AppointmentId) -> Vec<(u32, Timestamp)> {
    world
        .store
        .outbox_jobs(id)
        .await
        .expect("jobs")
        .into_iter()
        .filter(|job| job.kind == NotificationKind::Reminder)
        .map(|job| {
            (
                job.minutes_before.expect("a reminder's offset"),
                job.created_at,
            )
        })
        .collect()
}

async fn kinds(world: &World, id: AppointmentId) -> Vec<NotificationKind> {
    world
        .store
        .outbox_jobs(id)
        .await
        .expect("jobs")
        .into_iter()
        .map(|job| job.kind)
        .collect()
}

pub async fn reminders_at_48_and_2_hours_are_each_written_once_at_their_moment(db: TestDb) {
    let world = World::new(db).await;
    set_notices(&world, &notices(true, "48 t, 2 t")).await;
    // Booked on Monday 08:00 for Friday 10:00, and on Thursday 12:00 for Friday 10:15.
    let early = world.book(1, oslo(2026, 12, 18, 10, 0)).await.id;

    assert_eq!(round_at(&world, oslo(2026, 12, 16, 9, 59)).await, 0);
    assert_eq!(
        round_at(&world, oslo(2026, 12, 16, 10, 0)).await,
        1,
        "48 hours before"
    );
    assert_eq!(round_at(&world, oslo(2026, 12, 16, 10, 1)).await, 0, "once");
    // Booked on Wednesday 10:20 for Friday 10:15: its 48 hours had passed five minutes before.
    world.clock.set(oslo(2026, 12, 16, 10, 20));
    let late = world.book(2, oslo(2026, 12, 18, 10, 15)).await.id;
    assert_eq!(
        round_at(&world, oslo(2026, 12, 16, 10, 21)).await,
        0,
        "not sent late for a time that had passed when it was booked"
    );
    assert_eq!(round_at(&world, oslo(2026, 12, 18, 7, 59)).await, 0);
    assert_eq!(
        round_at(&world, oslo(2026, 12, 18, 8, 0)).await,
        1,
        "2 hours before"
    );
    assert_eq!(round_at(&world, oslo(2026, 12, 18, 8, 15)).await, 1);
    assert_eq!(round_at(&world, oslo(2026, 12, 18, 11, 0)).await, 0);

    assert_eq!(
        reminders(&world, early).await,
        [
            (48 * 60, oslo(2026, 12, 16, 10, 0)),
            (2 * 60, oslo(2026, 12, 18, 8, 0))
        ]
    );
    assert_eq!(
        reminders(&world, late).await,
        [(2 * 60, oslo(2026, 12, 18, 8, 15))]
    );
    world.finish().await;
}

pub async fn a_round_after_a_pause_writes_what_came_due_but_nothing_after_the_start(db: TestDb) {
    let world = World::new(db).await;
    set_notices(&world, &notices(true, "48 t, 2 t")).await;
    let wednesday = world.book(1, oslo(2026, 12, 16, 9, 0)).await.id;
    let friday = world.book(2, oslo(2026, 12, 18, 10, 0)).await.id;
    assert_eq!(round_at(&world, oslo(2026, 12, 14, 8, 1)).await, 0);
    // No round from Monday until Wednesday 08:30: Wednesday's 48 hours came while the worker
    // was away and are written late, with its 2 hours; Friday's 48 hours are still ahead.
    assert_eq!(round_at(&world, oslo(2026, 12, 16, 8, 30)).await, 2);
    assert_eq!(reminders(&world, friday).await, []);
    // Friday's come in a round after the start of Friday's appointment: too late for both.
    assert_eq!(round_at(&world, oslo(2026, 12, 18, 10, 0)).await, 0);
    assert_eq!(reminders(&world, friday).await, []);
    let mut written: Vec<u32> = reminders(&world, wednesday)
        .await
        .iter()
        .map(|r| r.0)
        .collect();
    // One round writes both; their order is the database's.
    written.sort_unstable();
    assert_eq!(written, [2 * 60, 48 * 60]);
    world.finish().await;
}

pub async fn reminders_changed_after_booking_apply_to_appointments_not_yet_reminded(db: TestDb) {
    let world = World::new(db).await;
    // A new timebook reminds 24 hours before.
    let defaults = world
        .store
        .timebook_notices(world.clinic.id)
        .await
        .expect("notices");
    assert_eq!(defaults, [(world.timebook.id, TimebookNotices::default())]);
    let tuesday = world.book(3, oslo(2026, 12, 15, 12, 25)).await.id;
    let wednesday = world.book(1, oslo(2026, 12, 16, 10, 0)).await.id;
    let friday = world.book(2, oslo(2026, 12, 18, 10, 0)).await.id;
    assert_eq!(round_at(&world, oslo(2026, 12, 14, 12, 0)).await, 0);
    assert_eq!(round_at(&world, oslo(2026, 12, 15, 10, 0)).await, 2);
    assert_eq!(
        reminders(&world, wednesday).await,
        [(24 * 60, oslo(2026, 12, 15, 10, 0))]
    );

    // Tuesday 10:30: 48 and 2 hours instead of 24.
    world.clock.set(oslo(2026, 12, 15, 10, 30));
    set_notices(&world, &notices(true, "2 t, 48 t")).await;
    assert_eq!(
        round_at(&world, oslo(2026, 12, 15, 10, 31)).await,
        0,
        "Tuesday's 2 hours had passed five minutes before they were chosen"
    );
    // Wednesday's 48 hours had passed when they were chosen; its 2 hours had not.
    assert_eq!(round_at(&world, oslo(2026, 12, 16, 8, 0)).await, 1);
    assert_eq!(
        round_at(&world, oslo(2026, 12, 16, 10, 0)).await,
        1,
        "Friday's 48 hours"
    );
    // The 24 hours are no longer written.
    assert_eq!(round_at(&world, oslo(2026, 12, 17, 10, 0)).await, 0);
    assert_eq!(round_at(&world, oslo(2026, 12, 18, 8, 0)).await, 1);
    assert_eq!(
        reminders(&world, wednesday)
            .await
            .iter()
            .map(|r| r.0)
            .collect::<Vec<_>>(),
        [24 * 60, 2 * 60]
    );
    assert_eq!(
        reminders(&world, friday)
            .await
            .iter()
            .map(|r| r.0)
            .collect::<Vec<_>>(),
        [48 * 60, 2 * 60]
    );

    assert_eq!(
        reminders(&world, tuesday).await,
        [(24 * 60, oslo(2026, 12, 15, 10, 0))]
    );

    // No reminders at all: nothing more is written.
    set_notices(&world, &notices(true, "")).await;
    let next_week = world.book(4, oslo(2026, 12, 22, 10, 0)).await.id;
    assert_eq!(round_at(&world, oslo(2026, 12, 22, 9, 0)).await, 0);
    assert_eq!(reminders(&world, next_week).await, []);
    world.finish().await;
}

pub async fn a_moved_appointment_is_reminded_again_for_its_new_time(db: TestDb) {
    let world = World::new(db).await;
    let id = world.book(1, oslo(2026, 12, 16, 10, 0)).await.id;
    assert_eq!(round_at(&world, oslo(2026, 12, 15, 10, 0)).await, 1);

    // Tuesday 11:00 the office moves it to Friday: reminded again, 24 hours before Friday.
    let friday = world.slot(oslo(2026, 12, 18, 10, 0), 1).await;
    let office = Caller::staff(world.clinic.id, "resepsjon");
    let move_to = |to| MoveRequest {
        appointment: id,
        to,
        hold: None,
        version: None,
    };
    world.clock.set(oslo(2026, 12, 15, 11, 0));
    world
        .store
        .move_appointment(&office, &move_to(friday.id))
        .await
        .expect("move");
    assert_eq!(round_at(&world, oslo(2026, 12, 17, 9, 59)).await, 0);
    assert_eq!(round_at(&world, oslo(2026, 12, 17, 10, 0)).await, 1);

    // Thursday 12:00, moved to Friday 11:55: its 24 hours had passed five minutes before.
    let later = world.slot(oslo(2026, 12, 18, 11, 55), 1).await;
    world.clock.set(oslo(2026, 12, 17, 12, 0));
    world
        .store
        .move_appointment(&office, &move_to(later.id))
        .await
        .expect("move");
    assert_eq!(round_at(&world, oslo(2026, 12, 17, 12, 1)).await, 0);
    assert_eq!(round_at(&world, oslo(2026, 12, 18, 11, 0)).await, 0);
    assert_eq!(
        reminders(&world, id).await,
        [
            (24 * 60, oslo(2026, 12, 15, 10, 0)),
            (24 * 60, oslo(2026, 12, 17, 10, 0))
        ]
    );
    assert_eq!(
        kinds(&world, id).await,
        [
            NotificationKind::Booked,
            NotificationKind::Reminder,
            NotificationKind::Moved,
            NotificationKind::Reminder,
            NotificationKind::Moved
        ]
    );
    world.finish().await;
}

pub async fn without_the_confirmation_a_booking_writes_no_notice_but_changes_still_do(db: TestDb) {
    let world = World::new(db).await;
    set_notices(&world, &notices(false, "24 t")).await;
    let quiet = world.book(1, oslo(2026, 12, 16, 10, 0)).await.id;
    assert_eq!(kinds(&world, quiet).await, [], "no confirmation");
    let booked = world
        .store
        .audit_events(&AuditFilter {
            patient: Some(World::person(1)),
            action: Some(AuditAction::AppointmentBooked),
            limit: 10,
        })
        .await
        .expect("audit");
    assert_eq!(booked.len(), 1, "the booking itself is as always");
    assert_eq!(round_at(&world, oslo(2026, 12, 15, 10, 0)).await, 1);
    world
        .cancel_by_clinic(world.clinic.id, quiet, None)
        .await
        .expect("cancel");
    assert_eq!(
        kinds(&world, quiet).await,
        [
            NotificationKind::Reminder,
            NotificationKind::CancelledByClinic
        ]
    );

    set_notices(&world, &notices(true, "24 t")).await;
    let confirmed = world.book(2, oslo(2026, 12, 16, 11, 0)).await.id;
    assert_eq!(kinds(&world, confirmed).await, [NotificationKind::Booked]);
    world.finish().await;
}

pub async fn notices_are_kept_per_timebook_audited_and_only_the_clinics_own(db: TestDb) {
    let world = World::new(db).await;
    let lab = world
        .store
        .save_timebook(
            &Actor::System,
            world.clinic.id,
            TimebookKind::Lab,
            domain::BookingRules::default(),
        )
        .await
        .expect("lab");
    let chosen = notices(false, "48 t, 2 t, 30 min");
    set_notices(&world, &chosen).await;
    // Saving a timebook's rules again keeps its notices.
    world
        .store
        .save_timebook(
            &Actor::System,
            world.clinic.id,
            TimebookKind::Vaksine,
            world.timebook.rules,
        )
        .await
        .expect("rules");
    assert_eq!(
        world
            .store
            .timebook_notices(world.clinic.id)
            .await
            .expect("notices"),
        [
            (world.timebook.id, chosen.clone()),
            (lab.id, TimebookNotices::default())
        ]
    );
    let audited = world
        .store
        .audit_events(&AuditFilter {
            patient: None,
            action: Some(AuditAction::TimebookNoticesSaved),
            limit: 10,
        })
        .await
        .expect("audit");
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].actor, world.staff);
    assert_eq!(
        audited[0].subject,
        format!("timebook:{}", world.timebook.id.0)
    );

    let other = world
        .store
        .save_clinic(
            &Actor::System,
            HerId::new(999_002).expect("her"),
            &ClinicName::parse("Nabolegekontoret").expect("name"),
            &InfoText::parse("").expect("info"),
        )
        .await
        .expect("clinic");
    let refused = world
        .store
        .save_timebook_notices(
            &Actor::Staff {
                clinic_id: other.id,
                user: "nabo".into(),
            },
            other.id,
            world.timebook.id,
            &notices(true, ""),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::NotFound(_))),
        "{refused:?}"
    );
    assert_eq!(
        world
            .store
            .timebook_notices(world.clinic.id)
            .await
            .expect("notices")[0]
            .1,
        chosen,
        "unchanged"
    );
    assert_eq!(
        world.store.timebook_notices(other.id).await.expect("none"),
        []
    );
    world.finish().await;
}
