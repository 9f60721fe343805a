//! Innkalling: an open invitation lifts the per-patient limit, for that patient, that
//! timebook and the slots in its days, and nothing else; the booking answers it; only the
//! clinic's own patients are invited; the notice and reminder jobs go through the outbox.

use crate::common::{TestDb, World, oslo};
use domain::{
    Actor, AuditAction, BlockReason, BookingRules, Caller, Capacity, InvitationDays,
    InvitationMessage, NationalId, Refusal, SlotLength, TimebookId, TimebookKind,
};
use jiff::SignedDuration;
use jiff::civil::{Date, date};
use store::{
    AuditFilter, BookRequest, InvitationState, InviteReport, NewInvitations, NotificationKind,
    StoreError,
};

fn days(first: Date, last: Date) -> InvitationDays {
    InvitationDays::new(Some(first), Some(last), date(2026, 12, 14)).expect("days")
}

async fn invite(
    world: &World,
    timebook: TimebookId,
    days: InvitationDays,
    patients: &[&NationalId],
) -> InviteReport {
    world
        .store
        .invite(
            &world.staff,
            world.clinic.id,
            &NewInvitations {
                timebook,
                days,
                message: Some(InvitationMessage::parse("Det er tid for andre dose.").expect("m")),
                patients: patients.iter().map(|p| (*p).clone()).collect(),
            },
        )
        .await
        .expect("invite")
}

fn refused<T: std::fmt::Debug>(result: Result<T, StoreError>, refusal: Refusal) {
    match result {
        Err(StoreError::Refused(r)) if r == refusal => {}
        other => panic!("expected {refusal:?}, got {other:?}"),
    }
}

/// The patient books the slot directly, with no hold.
async fn book(world: &World, patient: &NationalId, slot: domain::SlotId) -> store::Result<i64> {
    world
        .store
        .book(
            &Caller::patient(patient.clone()),
            &BookRequest {
                appointment_type: None,
                patient: patient.clone(),
                slot,
                reason: domain::Reason::parse("Vaksine").expect("reason"),
                hold: None,
                idempotency: None,
            },
        )
        .await
        .map(|booked| booked.id.0)
}

pub async fn an_invitation_lifts_the_limit_only_while_open_for_its_patient_and_timebook(
    db: TestDb,
) {
    // At most one future appointment per patient and timebook.
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let first = world.slot(oslo(2026, 12, 15, 10, 0), 2).await;
    world
        .book_as(&kari, first.id, None)
        .await
        .expect("kari's first");
    world
        .book_as(&ola, first.id, None)
        .await
        .expect("ola's first");
    let in_range = world.slot(oslo(2026, 12, 17, 10, 0), 3).await;
    let after_range = world.slot(oslo(2026, 12, 18, 10, 0), 3).await;
    refused(world.hold_as(&kari, in_range.id).await, Refusal::OverLimit);

    // A Lab timebook of the same clinic, where Kari has her one appointment too.
    let lab = world
        .store
        .save_timebook(
            &Actor::System,
            world.clinic.id,
            TimebookKind::Lab,
            BookingRules::new(30, 42, 24 * 60, 1).expect("rules"),
        )
        .await
        .expect("lab");
    let location = world
        .store
        .save_location(
            &Actor::System,
            world.clinic.id,
            &domain::Address::parse("Labveien 1").expect("address"),
        )
        .await
        .expect("location");
    let bench = world
        .store
        .save_resource(
            &Actor::System,
            lab.id,
            &store::NewPlace {
                name: &domain::ResourceName::parse("Blodprøve").expect("name"),
                description: &domain::Description::parse("").expect("description"),
                practitioner: None,
            },
            &location,
        )
        .await
        .expect("resource");
    let lab_slot = |start| {
        let store = world.store.clone();
        let staff = world.staff.clone();
        async move {
            store
                .add_slot(
                    &staff,
                    store::NewSlot {
                        resource_id: bench.id,
                        start,
                        length: SlotLength::minutes(15).expect("length"),
                        capacity: Capacity::new(2).expect("capacity"),
                    },
                )
                .await
                .expect("lab slot")
        }
    };
    let lab_first = lab_slot(oslo(2026, 12, 15, 9, 0)).await;
    let lab_second = lab_slot(oslo(2026, 12, 17, 9, 0)).await;
    book(&world, &kari, lab_first.id).await.expect("lab booked");

    let report = invite(
        &world,
        world.timebook.id,
        days(date(2026, 12, 16), date(2026, 12, 17)),
        &[&kari],
    )
    .await;
    assert_eq!(report.invited, vec![kari.clone()]);
    assert!(report.rejected.is_empty());

    // Not for a slot after the invitation's last day, not in another timebook, not for
    // another patient.
    refused(
        world.hold_as(&kari, after_range.id).await,
        Refusal::OverLimit,
    );
    refused(book(&world, &kari, lab_second.id).await, Refusal::OverLimit);
    refused(world.hold_as(&ola, in_range.id).await, Refusal::OverLimit);

    // For Kari in the invitation's days: the hold and the booking both pass.
    let hold = world.hold_as(&kari, in_range.id).await.expect("hold");
    let booked = world
        .book_as(&kari, in_range.id, Some(hold.id))
        .await
        .expect("booked through the invitation");
    let list = world
        .store
        .invitations(&world.staff, world.clinic.id, world.timebook.id)
        .await
        .expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].state, InvitationState::Booked);
    assert_eq!(list[0].booked, Some(booked.id));
    assert!(list[0].name.is_some(), "staff see their own patient's name");

    // Answered, it lets nothing more in.
    let another = world.slot(oslo(2026, 12, 17, 11, 0), 1).await;
    refused(world.hold_as(&kari, another.id).await, Refusal::OverLimit);

    // An invitation nobody answers shows as expired after its last day.
    let per = world.patient(3).await;
    invite(
        &world,
        world.timebook.id,
        days(date(2026, 12, 14), date(2026, 12, 15)),
        &[&per],
    )
    .await;
    world.advance(3 * 24 * 60);
    let list = world
        .store
        .invitations(&world.staff, world.clinic.id, world.timebook.id)
        .await
        .expect("list");
    let states: Vec<InvitationState> = list.iter().map(|i| i.state).collect();
    assert_eq!(
        states,
        vec![InvitationState::Expired, InvitationState::Booked]
    );
    world.finish().await;
}

pub async fn an_invitation_never_lifts_a_block_or_a_full_slot(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let per = world.patient(3).await;
    let range = days(date(2026, 12, 14), date(2026, 12, 20));
    let report = invite(&world, world.timebook.id, range, &[&kari, &ola]).await;
    assert_eq!(report.invited.len(), 2);

    // Blocked after the invitation: still blocked.
    let slot = world.slot(oslo(2026, 12, 16, 10, 0), 2).await;
    world
        .store
        .block_patient(
            &world.staff,
            world.clinic.id,
            &kari,
            &BlockReason::parse("Misbruk").expect("reason"),
        )
        .await
        .expect("block");
    refused(world.hold_as(&kari, slot.id).await, Refusal::Blocked);
    refused(book(&world, &kari, slot.id).await, Refusal::Blocked);
    // And a blocked patient is not invited.
    let again = invite(&world, world.timebook.id, range, &[&kari]).await;
    assert!(again.invited.is_empty());
    assert_eq!(again.rejected, vec![(kari.clone(), Refusal::Blocked)]);

    // A full slot stays full for the invited.
    let one = world.slot(oslo(2026, 12, 16, 11, 0), 1).await;
    world
        .book_as(&per, one.id, None)
        .await
        .expect("per takes it");
    refused(world.hold_as(&ola, one.id).await, Refusal::Taken);
    refused(book(&world, &ola, one.id).await, Refusal::Taken);

    // Nor does it open the window: not inside the minimum notice, not past the horizon.
    let soon = world.slot(oslo(2026, 12, 14, 8, 15), 1).await;
    refused(world.hold_as(&ola, soon.id).await, Refusal::OutsideWindow);
    let list = world
        .store
        .invitations(&world.staff, world.clinic.id, world.timebook.id)
        .await
        .expect("list");
    assert!(list.iter().all(|i| i.state == InvitationState::Sent));
    world.finish().await;
}

pub async fn only_the_clinics_own_patients_are_invited_and_each_gets_a_job(db: TestDb) {
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
    let elsewhere = World::person(60);
    let name = |text: &str| domain::PersonName::parse(text).expect("name");
    world
        .store
        .list_patient(
            &Actor::System,
            other.id,
            &elsewhere,
            &name("Ola"),
            &name("Annen"),
        )
        .await
        .expect("listed elsewhere");
    let nowhere = World::person(61);
    let kari = world.patient(1).await;
    let audited = |action| {
        let store = world.store.clone();
        async move {
            store
                .audit_events(&AuditFilter {
                    action: Some(action),
                    limit: 10_000,
                    ..AuditFilter::default()
                })
                .await
                .expect("audit")
        }
    };
    let range = days(date(2026, 12, 21), date(2026, 12, 24));

    // A stranger alone: the same refusal for both, and nothing written.
    for stranger in [&elsewhere, &nowhere] {
        let report = invite(&world, world.timebook.id, range, &[stranger]).await;
        assert!(report.invited.is_empty());
        assert_eq!(
            report.rejected,
            vec![(stranger.clone(), Refusal::NotOnList)]
        );
    }
    assert!(audited(AuditAction::InvitationSent).await.is_empty());
    let lease = SignedDuration::from_mins(5);
    assert!(
        world
            .store
            .claim_jobs(100, lease, "a")
            .await
            .expect("claim")
            .is_empty()
    );

    // Another clinic's timebook is not found.
    let their_timebook = world
        .store
        .save_timebook(
            &Actor::System,
            other.id,
            TimebookKind::Vaksine,
            BookingRules::default(),
        )
        .await
        .expect("their timebook");
    assert!(matches!(
        world
            .store
            .invite(
                &world.staff,
                world.clinic.id,
                &NewInvitations {
                    timebook: their_timebook.id,
                    days: range,
                    message: None,
                    patients: vec![kari.clone()],
                },
            )
            .await,
        Err(StoreError::NotFound("timebook"))
    ));
    assert!(audited(AuditAction::InvitationSent).await.is_empty());

    // With a patient of the list among them: she alone is invited, with one job.
    let report = invite(
        &world,
        world.timebook.id,
        range,
        &[&elsewhere, &kari, &nowhere],
    )
    .await;
    assert_eq!(report.invited, vec![kari.clone()]);
    assert_eq!(
        report.rejected,
        vec![
            (elsewhere.clone(), Refusal::NotOnList),
            (nowhere.clone(), Refusal::NotOnList)
        ]
    );
    let sent = audited(AuditAction::InvitationSent).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].patient.as_ref(), Some(&kari));
    assert_eq!(sent[0].actor, world.staff, "the staff member is the actor");
    let jobs = world
        .store
        .claim_jobs(100, lease, "b")
        .await
        .expect("claim");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].kind, NotificationKind::Invited);
    let delivery = world.store.delivery(&jobs[0]).await.expect("delivery");
    let notice = delivery.invitation.expect("about the invitation");
    assert_eq!(delivery.first_name.as_str(), "Kari");
    assert_eq!(notice.timebook_id, world.timebook.id);
    assert_eq!(notice.kind, TimebookKind::Vaksine);
    assert_eq!(notice.first_day, date(2026, 12, 21));
    assert_eq!(
        notice.message.as_ref().map(InvitationMessage::as_str),
        Some("Det er tid for andre dose.")
    );
    assert!(!notice.closed);

    // A reminder for the open one, once a day; none for an answered one.
    let ola = world.patient(2).await;
    invite(&world, world.timebook.id, range, &[&ola]).await;
    let slot = world.slot(oslo(2026, 12, 22, 10, 0), 1).await;
    book(&world, &ola, slot.id).await.expect("ola books");
    let remind = || {
        world
            .store
            .remind(&world.staff, world.clinic.id, world.timebook.id)
    };
    assert_eq!(remind().await.expect("remind"), 1);
    assert_eq!(remind().await.expect("again"), 0, "not twice the same day");
    let jobs = world
        .store
        .claim_jobs(100, lease, "c")
        .await
        .expect("claim");
    let reminders: Vec<_> = jobs
        .iter()
        .filter(|j| j.kind == NotificationKind::InvitationReminder)
        .collect();
    assert_eq!(reminders.len(), 1);
    let delivery = world.store.delivery(reminders[0]).await.expect("delivery");
    assert_eq!(delivery.first_name.as_str(), "Kari");
    assert_eq!(audited(AuditAction::InvitationReminded).await.len(), 1);
    world.advance(24 * 60);
    assert_eq!(remind().await.expect("the next day"), 1);
    world.finish().await;
}
