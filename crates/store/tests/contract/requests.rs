//! Timeønske: a patient sends a request for a time to a timebook that takes them; the office
//! answers it with an appointment booked through the core (in the booking's transaction, never
//! twice, never into a taken slot) or with a reply in a thread; a blocked patient gets the
//! guide's automatic reply at once; another clinic neither sees nor answers it.

use crate::common::{TestDb, World, oslo};
use domain::{
    Actor, AuditAction, BlockReason, BookingMode, Caller, ClinicId, MessageText, NationalId,
    Reason, Refusal, WaitlistWish,
};
use jiff::civil::{Weekday, date, time};
use store::{AuditFilter, NewRequest, NotificationKind, RequestState, Sent, StoreError};

fn refused<T: std::fmt::Debug>(result: Result<T, StoreError>, refusal: Refusal) {
    match result {
        Err(StoreError::Refused(r)) if r == refusal => {}
        other => panic!("expected {refusal:?}, got {other:?}"),
    }
}

fn not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::NotFound(_))),
        "expected not found, got {result:?}"
    );
}

/// Weekday mornings in the two weeks from Tuesday 15 December.
fn mornings() -> NewRequest {
    let wish = WaitlistWish::new(
        &[
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
        ],
        (Some(time(8, 0, 0, 0)), Some(time(12, 0, 0, 0))),
        (Some(date(2026, 12, 15)), Some(date(2026, 12, 28))),
        date(2026, 12, 14),
    )
    .expect("wish");
    NewRequest {
        timebook: domain::TimebookId(0),
        reason: Reason::parse("Influensavaksine, helst tidlig").expect("reason"),
        wish,
    }
}

/// The world with its timebook taking requests as well as slot picking.
async fn taking_requests(db: TestDb) -> World {
    let world = World::new(db).await;
    world
        .store
        .set_booking_mode(
            &world.staff,
            world.clinic.id,
            world.timebook.id,
            BookingMode::Both,
        )
        .await
        .expect("mode");
    world
}

async fn send(world: &World, caller: &Caller, patient: &NationalId) -> Result<Sent, StoreError> {
    let request = NewRequest {
        timebook: world.timebook.id,
        ..mornings()
    };
    world.store.send_request(caller, patient, &request).await
}

async fn send_open(world: &World, patient: &NationalId) -> i64 {
    match send(world, &Caller::patient(patient.clone()), patient)
        .await
        .expect("sent")
    {
        Sent::Open(id) => id,
        other => panic!("expected open, got {other:?}"),
    }
}

async fn audit_count(world: &World, action: AuditAction) -> usize {
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

pub async fn a_request_is_sent_only_where_the_timebook_takes_them(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    // A timebook is for slot picking until the office says otherwise.
    assert_eq!(
        world
            .store
            .booking_mode(world.timebook.id)
            .await
            .expect("mode"),
        BookingMode::Slots
    );
    refused(
        send(&world, &Caller::patient(kari.clone()), &kari).await,
        Refusal::ServiceOff,
    );
    // Another clinic's staff cannot set it.
    let other = ClinicId(world.clinic.id.0 + 1);
    let other_staff = Actor::Staff {
        clinic_id: other,
        user: "annen".into(),
    };
    not_found(
        world
            .store
            .set_booking_mode(&other_staff, other, world.timebook.id, BookingMode::Both)
            .await,
    );
    let slot = world.slot(oslo(2026, 12, 15, 9, 0), 1).await;
    for mode in [BookingMode::Requests, BookingMode::Both] {
        world
            .store
            .set_booking_mode(&world.staff, world.clinic.id, world.timebook.id, mode)
            .await
            .expect("mode");
        assert_eq!(
            world
                .store
                .booking_mode(world.timebook.id)
                .await
                .expect("mode"),
            mode
        );
        // Taking requests only, the timebook has no slots for patients to pick.
        let held = world.hold_as(&kari, slot.id).await;
        if mode == BookingMode::Requests {
            refused(held, Refusal::ServiceOff);
        } else {
            held.expect("held");
        }
    }
    assert_eq!(audit_count(&world, AuditAction::BookingModeSaved).await, 2);

    let id = send_open(&world, &kari).await;
    let mine = world.store.patient_requests(&kari).await.expect("mine");
    assert_eq!(mine.len(), 1);
    let request = &mine[0];
    assert_eq!(request.id, id);
    assert_eq!(request.state, RequestState::Open);
    assert_eq!(request.reason.as_str(), "Influensavaksine, helst tidlig");
    assert_eq!(request.wish, mornings().wish);
    assert_eq!(request.appointment, None);
    assert_eq!(audit_count(&world, AuditAction::RequestSent).await, 1);
    // Nobody else's: another patient does not find it.
    let ola = world.patient(2).await;
    not_found(world.store.patient_request(&ola, id).await);
    // A person on no list, or one acting for someone they do not represent, is refused.
    let stranger = World::person(9);
    refused(
        send(&world, &Caller::patient(stranger.clone()), &stranger).await,
        Refusal::NotOnList,
    );
    refused(
        send(
            &world,
            &Caller::representative(ola.clone(), kari.clone()),
            &kari,
        )
        .await,
        Refusal::NotInReach,
    );

    // The office sees it, audited, and counts it.
    assert_eq!(
        world
            .store
            .open_request_count(world.clinic.id)
            .await
            .expect("count"),
        1
    );
    let open = world
        .store
        .clinic_requests(&world.staff, world.clinic.id)
        .await
        .expect("open");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].patient, kari);
    assert!(open[0].name.is_some());
    assert_eq!(audit_count(&world, AuditAction::RequestViewed).await, 1);
    world.finish().await;
}

pub async fn a_blocked_patients_request_gets_the_automatic_reply_at_once(db: TestDb) {
    let world = taking_requests(db).await;
    let kari = world.patient(1).await;
    let why = BlockReason::parse("Misbruk").expect("reason");
    world
        .store
        .block_patient(&world.staff, world.clinic.id, &kari, &why)
        .await
        .expect("block");
    let sent = send(&world, &Caller::patient(kari.clone()), &kari)
        .await
        .expect("kept");
    let Sent::AutomaticReply(id) = sent else {
        panic!("expected the automatic reply, got {sent:?}");
    };
    let request = world.store.patient_request(&kari, id).await.expect("mine");
    assert_eq!(request.state, RequestState::AutomaticReply);
    assert!(request.answered_at.is_some());
    // The office is not bothered with it, and cannot answer it.
    assert_eq!(
        world
            .store
            .open_request_count(world.clinic.id)
            .await
            .expect("count"),
        0
    );
    assert!(
        world
            .store
            .clinic_requests(&world.staff, world.clinic.id)
            .await
            .expect("open")
            .is_empty()
    );
    let slot = world.slot(oslo(2026, 12, 15, 9, 0), 1).await;
    let office = Caller::staff(world.clinic.id, "resepsjon");
    refused(
        world
            .store
            .answer_with_appointment(&office, world.clinic.id, id, slot.id)
            .await,
        Refusal::Stale,
    );
    let text = MessageText::parse("Hei").expect("text");
    refused(
        world
            .store
            .answer_with_reply(&world.staff, world.clinic.id, id, &text)
            .await,
        Refusal::Stale,
    );
    assert_eq!(audit_count(&world, AuditAction::RequestSent).await, 1);
    world.finish().await;
}

pub async fn the_office_answers_with_an_appointment_booked_through_the_core(db: TestDb) {
    let world = taking_requests(db).await;
    let kari = world.patient(1).await;
    let id = send_open(&world, &kari).await;
    let office = Caller::staff(world.clinic.id, "resepsjon");

    // A slot somebody else has taken is refused, and the request stays open.
    let taken = world.slot(oslo(2026, 12, 15, 9, 0), 1).await;
    let ola = world.patient(2).await;
    world.book_as(&ola, taken.id, None).await.expect("ola");
    refused(
        world
            .store
            .answer_with_appointment(&office, world.clinic.id, id, taken.id)
            .await,
        Refusal::Taken,
    );
    let request = world.store.patient_request(&kari, id).await.expect("mine");
    assert_eq!(request.state, RequestState::Open);
    assert_eq!(world.store.slot(taken.id).await.expect("slot").booked, 1);

    // A free one is booked for the patient with the request's reason, and answers it.
    let free = world.slot(oslo(2026, 12, 16, 10, 0), 1).await;
    let booked = world
        .store
        .answer_with_appointment(&office, world.clinic.id, id, free.id)
        .await
        .expect("booked");
    let planned = world
        .store
        .planned_appointments(&kari)
        .await
        .expect("planned");
    assert_eq!(planned.len(), 1);
    assert_eq!(planned[0].id, booked.id);
    assert_eq!(planned[0].reason.as_str(), "Influensavaksine, helst tidlig");
    let request = world.store.patient_request(&kari, id).await.expect("mine");
    assert_eq!(request.state, RequestState::Booked);
    assert_eq!(
        request.appointment,
        Some((booked.id, oslo(2026, 12, 16, 10, 0)))
    );
    // The core's own booking notice tells the patient; the audit names the office.
    let kinds: Vec<_> = world
        .store
        .outbox_jobs(booked.id)
        .await
        .expect("jobs")
        .iter()
        .map(|job| job.kind)
        .collect();
    assert!(kinds.contains(&NotificationKind::Booked), "{kinds:?}");
    assert_eq!(
        audit_count(&world, AuditAction::RequestAnsweredWithAppointment).await,
        1
    );
    assert_eq!(audit_count(&world, AuditAction::AppointmentBooked).await, 2);

    // Answered, it is answered once: neither a second booking nor a reply.
    let another = world.slot(oslo(2026, 12, 17, 10, 0), 1).await;
    refused(
        world
            .store
            .answer_with_appointment(&office, world.clinic.id, id, another.id)
            .await,
        Refusal::Stale,
    );
    let text = MessageText::parse("Hei").expect("text");
    refused(
        world
            .store
            .answer_with_reply(&world.staff, world.clinic.id, id, &text)
            .await,
        Refusal::Stale,
    );
    assert_eq!(world.store.slot(another.id).await.expect("slot").booked, 0);
    assert_eq!(
        world
            .store
            .open_request_count(world.clinic.id)
            .await
            .expect("count"),
        0
    );
    world.finish().await;
}

pub async fn the_office_answers_with_a_reply_the_patient_reads(db: TestDb) {
    let world = taking_requests(db).await;
    let kari = world.patient(1).await;
    let id = send_open(&world, &kari).await;
    let text =
        MessageText::parse("Vi har ingen ledige timer før jul. Ring oss i januar.").expect("text");
    let thread = world
        .store
        .answer_with_reply(&world.staff, world.clinic.id, id, &text)
        .await
        .expect("replied");
    let request = world.store.patient_request(&kari, id).await.expect("mine");
    assert_eq!(request.state, RequestState::Replied);
    assert_eq!(request.reply, Some((thread, text.clone())));
    // The reply is a message from the office, unread by the patient, about the request.
    let read = world
        .store
        .patient_thread(&kari, thread)
        .await
        .expect("thread");
    assert_eq!(
        read.summary.subject.as_str(),
        "Influensavaksine, helst tidlig"
    );
    assert!(read.summary.unread_by_patient && !read.summary.closed);
    assert_eq!(read.messages.len(), 1);
    assert_eq!(read.messages[0].text.as_ref(), Some(&text));
    assert_eq!(audit_count(&world, AuditAction::RequestReplied).await, 1);
    // Nothing is booked, and a second answer is refused.
    assert!(
        world
            .store
            .planned_appointments(&kari)
            .await
            .expect("planned")
            .is_empty()
    );
    let slot = world.slot(oslo(2026, 12, 15, 9, 0), 1).await;
    refused(
        world
            .store
            .answer_with_appointment(
                &Caller::staff(world.clinic.id, "resepsjon"),
                world.clinic.id,
                id,
                slot.id,
            )
            .await,
        Refusal::Stale,
    );
    world.finish().await;
}

pub async fn another_clinics_staff_neither_see_nor_answer_a_request(db: TestDb) {
    let world = taking_requests(db).await;
    let kari = world.patient(1).await;
    let id = send_open(&world, &kari).await;
    let other = ClinicId(world.clinic.id.0 + 1);
    let other_staff = Actor::Staff {
        clinic_id: other,
        user: "annen".into(),
    };
    assert!(
        world
            .store
            .clinic_requests(&other_staff, other)
            .await
            .expect("theirs")
            .is_empty()
    );
    assert_eq!(
        world.store.open_request_count(other).await.expect("count"),
        0
    );
    not_found(world.store.clinic_request(&other_staff, other, id).await);
    let slot = world.slot(oslo(2026, 12, 15, 9, 0), 1).await;
    not_found(
        world
            .store
            .answer_with_appointment(&Caller::staff(other, "annen"), other, id, slot.id)
            .await,
    );
    let text = MessageText::parse("Hei").expect("text");
    not_found(
        world
            .store
            .answer_with_reply(&other_staff, other, id, &text)
            .await,
    );
    // Nothing changed: the request is open, the slot free, nothing audited as read.
    let request = world.store.patient_request(&kari, id).await.expect("mine");
    assert_eq!(request.state, RequestState::Open);
    assert_eq!(world.store.slot(slot.id).await.expect("slot").booked, 0);
    assert_eq!(audit_count(&world, AuditAction::RequestViewed).await, 0);
    world.finish().await;
}

/// A slot finder sees as free what a patient may book: not the slots of a timebook that takes
/// requests only, and a change of mode reaches a finder that asks what changed since.
pub async fn a_requests_only_timebook_shows_no_free_slots_to_finders(db: TestDb) {
    let world = World::new(db).await;
    let slot = world.slot(oslo(2026, 12, 16, 9, 0), 1).await;
    let (from, to) = (oslo(2026, 12, 14, 0, 0), oslo(2026, 12, 31, 0, 0));
    let open = || async {
        world
            .store
            .open_slots(world.resource.id, from, to, None, 10)
            .await
            .expect("open slots")
            .into_iter()
            .map(|s| s.id)
            .collect::<Vec<_>>()
    };
    let fed = |feed: store::SlotFeed| feed.slots.iter().find(|s| s.id == slot.id).map(|s| s.free);
    assert_eq!(open().await, vec![slot.id]);
    let before = world.store.slot_feed(None).await.expect("feed");
    assert_eq!(fed(before.clone()), Some(true));
    world.advance(1);
    for (mode, free) in [(BookingMode::Requests, false), (BookingMode::Both, true)] {
        let since = world.store.slot_feed(None).await.expect("feed").at;
        world.advance(1);
        world
            .store
            .set_booking_mode(&world.staff, world.clinic.id, world.timebook.id, mode)
            .await
            .expect("mode");
        assert_eq!(open().await.contains(&slot.id), free, "{mode:?}");
        assert_eq!(
            fed(world.store.slot_feed(None).await.expect("feed")),
            Some(free)
        );
        // Asked for what changed since, the finder learns of it.
        assert_eq!(
            fed(world.store.slot_feed(Some(since)).await.expect("changes")),
            Some(free),
            "{mode:?}"
        );
        world.advance(1);
    }
    world.finish().await;
}
