//! Threads between patients and their GP office, and blocking's automatic reply.

use crate::common::{TestDb, World};
use domain::{AuditAction, BlockReason, MessageText, Subject};
use store::{AuditFilter, NotificationKind, Sender, StoreError};

fn subject(text: &str) -> Subject {
    Subject::parse(text).expect("subject")
}

fn text(text: &str) -> MessageText {
    MessageText::parse(text).expect("text")
}

async fn audited(world: &World, action: AuditAction) -> usize {
    world
        .store
        .audit_events(&AuditFilter {
            patient: None,
            action: Some(action),
            limit: 100,
        })
        .await
        .expect("audit")
        .len()
}

pub async fn a_patient_and_the_clinic_exchange_messages_until_it_is_closed(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let id = world
        .store
        .write_message(
            &domain::Caller::patient(kari.clone()),
            &subject("Resept"),
            &text("Kan jeg fornye resepten?"),
        )
        .await
        .expect("write");
    let inbox = world
        .store
        .clinic_threads(&world.staff, world.clinic.id)
        .await
        .expect("inbox");
    assert_eq!(inbox.len(), 1);
    assert!(inbox[0].unread_by_clinic && !inbox[0].from_blocked && !inbox[0].closed);
    assert_eq!(inbox[0].patient_name, "Kari Nordmann 1");

    let thread = world
        .store
        .clinic_thread(&world.staff, world.clinic.id, id)
        .await
        .expect("open");
    assert_eq!(thread.messages.len(), 1);
    assert_eq!(thread.messages[0].sender, Sender::Patient);
    world
        .store
        .reply_as_clinic(
            &world.staff,
            world.clinic.id,
            id,
            &text("Ja, den er fornyet."),
        )
        .await
        .expect("reply");
    let inbox = world
        .store
        .clinic_threads(&world.staff, world.clinic.id)
        .await
        .expect("inbox");
    assert!(!inbox[0].unread_by_clinic);

    let mine = world.store.patient_threads(&kari).await.expect("threads");
    assert!(mine[0].unread_by_patient);
    let seen = world.store.patient_thread(&kari, id).await.expect("read");
    assert_eq!(seen.messages.len(), 2);
    assert_eq!(
        seen.messages[1].sender,
        Sender::Clinic {
            user: "resepsjon".into()
        }
    );
    assert!(!world.store.patient_threads(&kari).await.expect("threads")[0].unread_by_patient);
    world
        .store
        .reply_as_patient(&domain::Caller::patient(kari.clone()), id, &text("Takk!"))
        .await
        .expect("again");

    world
        .store
        .close_thread(&world.staff, world.clinic.id, id)
        .await
        .expect("close");
    let refused = world
        .store
        .reply_as_patient(
            &domain::Caller::patient(kari.clone()),
            id,
            &text("Enda en ting"),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::ThreadClosed)),
        "{refused:?}"
    );
    let refused = world
        .store
        .reply_as_clinic(&world.staff, world.clinic.id, id, &text("x"))
        .await;
    assert!(
        matches!(refused, Err(StoreError::ThreadClosed)),
        "{refused:?}"
    );
    assert_eq!(
        world
            .store
            .patient_thread(&kari, id)
            .await
            .expect("read")
            .messages
            .len(),
        3
    );

    // The reply is a notification job about the thread.
    let jobs = world
        .store
        .claim_jobs(10, jiff::SignedDuration::from_mins(5), "w")
        .await
        .expect("claim");
    let reply: Vec<_> = jobs
        .iter()
        .filter(|j| j.kind == NotificationKind::MessageReply)
        .collect();
    assert_eq!(reply.len(), 1);
    assert_eq!(reply[0].thread_id, Some(id));
    let delivery = world.store.delivery(reply[0]).await.expect("delivery");
    assert_eq!(delivery.clinic_name.as_str(), "Helsenorge testlegekontor");
    assert!(delivery.appointment.is_none());
    for action in [
        AuditAction::MessageSent,
        AuditAction::MessageReplied,
        AuditAction::ThreadViewed,
        AuditAction::ThreadClosed,
    ] {
        assert!(audited(&world, action).await >= 1, "{action:?}");
    }
    world.finish().await;
}

pub async fn nobody_reaches_another_patients_or_clinics_thread(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    let id = world
        .store
        .write_message(
            &domain::Caller::patient(kari.clone()),
            &subject("Privat"),
            &text("Hemmelig"),
        )
        .await
        .expect("write");
    assert!(matches!(
        world.store.patient_thread(&ola, id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        world
            .store
            .reply_as_patient(&domain::Caller::patient(ola.clone()), id, &text("x"))
            .await,
        Err(StoreError::NotFound(_))
    ));
    let first = world
        .store
        .patient_thread(&kari, id)
        .await
        .expect("read")
        .messages[0]
        .id;
    assert!(matches!(
        world
            .store
            .hide_message_for_patient(&domain::Caller::patient(ola.clone()), id, first)
            .await,
        Err(StoreError::NotFound(_))
    ));
    let other_clinic = domain::ClinicId(world.clinic.id.0 + 1);
    let other_staff = domain::Actor::Staff {
        clinic_id: other_clinic,
        user: "annen".into(),
    };
    assert!(matches!(
        world
            .store
            .clinic_thread(&other_staff, other_clinic, id)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        world
            .store
            .reply_as_clinic(&other_staff, other_clinic, id, &text("x"))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        world
            .store
            .close_thread(&other_staff, other_clinic, id)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        world
            .store
            .clinic_threads(&other_staff, other_clinic)
            .await
            .expect("inbox")
            .is_empty()
    );
    assert!(matches!(
        world
            .store
            .write_message(
                &domain::Caller::patient(World::person(9).clone()),
                &subject("x"),
                &text("y")
            )
            .await,
        Err(StoreError::Refused(domain::Refusal::NotOnList))
    ));
    world.finish().await;
}

pub async fn a_deleted_message_leaves_the_patients_view_only(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let id = world
        .store
        .write_message(
            &domain::Caller::patient(kari.clone()),
            &subject("Spørsmål"),
            &text("Feilskrevet"),
        )
        .await
        .expect("write");
    world
        .store
        .reply_as_patient(&domain::Caller::patient(kari.clone()), id, &text("Riktig"))
        .await
        .expect("again");
    let message = world
        .store
        .patient_thread(&kari, id)
        .await
        .expect("read")
        .messages[0]
        .id;
    world
        .store
        .hide_message_for_patient(&domain::Caller::patient(kari.clone()), id, message)
        .await
        .expect("delete");
    let mine = world.store.patient_thread(&kari, id).await.expect("read");
    assert_eq!(mine.messages.len(), 1);
    assert_eq!(
        mine.messages[0].text.as_ref().map(MessageText::as_str),
        Some("Riktig")
    );
    let clinics = world
        .store
        .clinic_thread(&world.staff, world.clinic.id, id)
        .await
        .expect("clinic");
    assert_eq!(clinics.messages.len(), 2, "the clinic keeps its copy");
    assert!(clinics.messages[0].hidden_for_patient);
    assert!(matches!(
        world
            .store
            .hide_message_for_patient(&domain::Caller::patient(kari.clone()), id, message)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        audited(&world, AuditAction::MessageDeletedByPatient).await,
        1
    );
    world.finish().await;
}

pub async fn a_blocked_patients_message_is_kept_answered_and_closed(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let open = world
        .store
        .write_message(
            &domain::Caller::patient(kari.clone()),
            &subject("Før"),
            &text("Skrevet før sperringen"),
        )
        .await
        .expect("write");
    let why = BlockReason::parse("Misbruk").expect("reason");
    world
        .store
        .block_patient(&world.staff, world.clinic.id, &kari, &why)
        .await
        .expect("block");

    let id = world
        .store
        .write_message(
            &domain::Caller::patient(kari.clone()),
            &subject("Hjelp"),
            &text("Hvorfor?"),
        )
        .await
        .expect("stored");
    let thread = world.store.patient_thread(&kari, id).await.expect("read");
    assert!(thread.summary.closed && thread.summary.from_blocked);
    let senders: Vec<_> = thread.messages.iter().map(|m| m.sender.clone()).collect();
    assert_eq!(senders, [Sender::Patient, Sender::Automatic]);
    let inbox = world
        .store
        .clinic_threads(&world.staff, world.clinic.id)
        .await
        .expect("inbox");
    let marked = inbox
        .iter()
        .find(|t| t.id == id)
        .expect("the clinic sees it");
    assert!(marked.from_blocked && marked.unread_by_clinic);

    // A reply in a thread opened before the block gets the same treatment.
    world
        .store
        .reply_as_patient(
            &domain::Caller::patient(kari.clone()),
            open,
            &text("Og nå?"),
        )
        .await
        .expect("stored");
    let before = world.store.patient_thread(&kari, open).await.expect("read");
    assert!(before.summary.closed);
    assert_eq!(
        before.messages.last().map(|m| m.sender.clone()),
        Some(Sender::Automatic)
    );

    // Unblocking restores writing, but does not reopen what was closed.
    world
        .store
        .unblock_patient(&world.staff, world.clinic.id, &kari)
        .await
        .expect("unblock");
    assert!(
        world
            .store
            .patient_thread(&kari, id)
            .await
            .expect("read")
            .summary
            .closed
    );
    let after = world
        .store
        .write_message(
            &domain::Caller::patient(kari.clone()),
            &subject("Igjen"),
            &text("Nå da?"),
        )
        .await
        .expect("write");
    let after = world
        .store
        .patient_thread(&kari, after)
        .await
        .expect("read");
    assert!(!after.summary.closed && !after.summary.from_blocked);
    assert_eq!(after.messages.len(), 1);
    world.finish().await;
}

pub async fn blocking_keeps_existing_appointments_until_the_clinic_cancels(db: TestDb) {
    let world = World::new(db).await;
    let booked = world
        .book(1, crate::common::oslo(2026, 12, 17, 8, 15))
        .await;
    let why = BlockReason::parse("Misbruk").expect("reason");
    world
        .store
        .block_patient(&world.staff, world.clinic.id, &booked.patient, &why)
        .await
        .expect("block");
    let planned = world
        .store
        .planned_appointments(&booked.patient)
        .await
        .expect("planned");
    assert_eq!(planned.len(), 1, "the appointment stays");
    assert_eq!(planned[0].status, domain::AppointmentStatus::Booked);
    world
        .cancel_by_clinic(world.clinic.id, booked.id, None)
        .await
        .expect("the clinic cancels");
    assert!(
        world
            .store
            .planned_appointments(&booked.patient)
            .await
            .expect("planned")
            .is_empty()
    );
    world.finish().await;
}

pub async fn sessions_end_when_idle_and_at_their_absolute_limit(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let three_hours = jiff::SignedDuration::from_hours(3);
    world
        .store
        .open_session("idle", &kari, three_hours)
        .await
        .expect("open");
    world.advance(20);
    assert_eq!(
        world
            .store
            .session_patient("idle")
            .await
            .expect("read")
            .map(|s| s.user),
        Some(kari.clone())
    );
    world.advance(20);
    assert_eq!(
        world
            .store
            .session_patient("idle")
            .await
            .expect("read")
            .map(|s| s.user),
        Some(kari.clone()),
        "40 minutes after login, but used 20 minutes ago"
    );
    world.advance(31);
    assert_eq!(
        world
            .store
            .session_patient("idle")
            .await
            .expect("read")
            .map(|s| s.user),
        None,
        "idle for 31 minutes"
    );

    world
        .store
        .open_session("busy", &kari, three_hours)
        .await
        .expect("open");
    for _ in 0..8 {
        world.advance(20);
        assert!(
            world
                .store
                .session_patient("busy")
                .await
                .expect("read")
                .is_some()
        );
    }
    world.advance(21);
    assert_eq!(
        world
            .store
            .session_patient("busy")
            .await
            .expect("read")
            .map(|s| s.user),
        None,
        "past three hours"
    );

    let staff = world.staff.clone();
    world
        .store
        .open_staff_session("desk", &staff, three_hours)
        .await
        .expect("open");
    world.advance(29);
    assert_eq!(
        world.store.staff_session("desk").await.expect("read"),
        Some(staff)
    );
    world.advance(31);
    assert_eq!(world.store.staff_session("desk").await.expect("read"), None);
    world.finish().await;
}
