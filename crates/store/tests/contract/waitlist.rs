//! Venteliste: a freed place goes to the first in line who wants it, held for them through
//! the booking core; the blocked, those at the timebook's limit and those already offered
//! another place are passed over; declined or expired, it goes to the next; accepted, it is
//! booked through the core; a newly published slot is offered like a freed one; several
//! servers running the pass at once never offer one place twice; a pass gives nobody behind
//! the first in line a place of theirs, even one it lost a race for or did not list; and
//! «Bestill» and «Nei takk» at once do one of the two.

use crate::common::{TestDb, World, oslo};
use domain::{
    Actor, AuditAction, BlockReason, Caller, NationalId, Reason, Refusal, ResourceId, SlotId,
    WaitlistWish,
};
use jiff::SignedDuration;
use jiff::civil::{Date, Time, Weekday, date, time};
use std::sync::Arc;
use store::{
    AuditFilter, EntryState, JoinWaitlist, Joined, NotificationKind, OfferRound, OfferState, Store,
    StoreError,
};

const TODAY: Date = date(2026, 12, 14);

/// Weekdays `days` from `from` to `to` on the days from `first` to `last`.
fn wish(days: &[Weekday], (from, to): (Time, Time), (first, last): (Date, Date)) -> WaitlistWish {
    WaitlistWish::new(
        days,
        (Some(from), Some(to)),
        (Some(first), Some(last)),
        TODAY,
    )
    .expect("wish")
}

/// Thursday 17 December, 08:00 to 09:00, at any place.
fn thursday_morning() -> WaitlistWish {
    wish(
        &[Weekday::Thursday],
        (time(8, 0, 0, 0), time(9, 0, 0, 0)),
        (date(2026, 12, 17), date(2026, 12, 17)),
    )
}

async fn join(world: &World, patient: &NationalId, wish: WaitlistWish) -> i64 {
    join_at(world, patient, wish, None).await
}

async fn join_at(
    world: &World,
    patient: &NationalId,
    wish: WaitlistWish,
    place: Option<ResourceId>,
) -> i64 {
    let joined = world
        .store
        .join_waitlist(
            &Caller::patient(patient.clone()),
            patient,
            &JoinWaitlist {
                timebook: world.timebook.id,
                place,
                wish,
            },
        )
        .await
        .expect("join");
    // Line order is by the minute the patient joined: the next joins after.
    world.advance(1);
    match joined {
        Joined::Waiting(id) => id,
        Joined::AlreadyWaiting(id) => panic!("already waiting as {id}"),
    }
}

async fn pass(world: &World) -> OfferRound {
    world.store.offer_freed_places().await.expect("pass")
}

/// The open offer of the patient's one waiting entry, if any.
async fn offer_of(world: &World, patient: &NationalId) -> Option<(i64, i64)> {
    let entries = world
        .store
        .patient_waitlist(patient)
        .await
        .expect("waitlist");
    assert!(entries.len() <= 1, "{entries:?}");
    let entry = entries.first()?;
    let offer = entry.offer?;
    let slot = world
        .store
        .patient_offer(patient, offer.id)
        .await
        .expect("own offer")
        .slot;
    Some((offer.id, slot.0))
}

fn refused<T: std::fmt::Debug>(result: Result<T, StoreError>, refusal: Refusal) {
    match result {
        Err(StoreError::Refused(r)) if r == refusal => {}
        other => panic!("expected {refusal:?}, got {other:?}"),
    }
}

fn reason() -> Reason {
    Reason::parse("Influensavaksine").expect("reason")
}

/// Patient 1 has the one place of Thursday 08:15; patients 2 and 3, in that order, wait for
/// Thursday mornings. Answers the slot and patient 1's appointment.
async fn full_thursday(world: &World) -> (SlotId, domain::AppointmentId) {
    let holder = world.patient(1).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let booked = world.book_as(&holder, slot.id, None).await.expect("booked");
    for n in [2, 3] {
        let patient = world.patient(n).await;
        join(world, &patient, thursday_morning()).await;
    }
    (slot.id, booked.id)
}

pub async fn a_freed_place_goes_to_the_first_in_line_and_is_held_for_them(db: TestDb) {
    let world = World::new(db).await;
    let (slot, appointment) = full_thursday(&world).await;
    let (first, second) = (World::person(2), World::person(3));
    // Nothing is free: nobody is offered anything.
    assert_eq!(pass(&world).await.offered, 0);

    world
        .cancel_as(&World::person(1), appointment)
        .await
        .expect("cancel");
    let offered_at = store::Clock::now(world.clock.as_ref());
    assert_eq!(pass(&world).await.offered, 1);
    let (offer, offered) = offer_of(&world, &first).await.expect("first in line");
    assert_eq!(offered, slot.0);
    assert_eq!(offer_of(&world, &second).await, None);
    let shown = world
        .store
        .patient_offer(&first, offer)
        .await
        .expect("offer");
    assert_eq!(shown.state, OfferState::Open);
    assert_eq!(
        shown.expires_at,
        offered_at
            .checked_add(SignedDuration::from_mins(30))
            .expect("instant")
    );

    // The place is held: nobody else holds it, books it or sees it free, and the next pass
    // offers it to nobody else.
    let other = world.patient(4).await;
    refused(world.hold_as(&other, slot).await, Refusal::Taken);
    refused(world.book_as(&other, slot, None).await, Refusal::Taken);
    let free = world
        .store
        .free_slots(
            &Caller::patient(second.clone()),
            &second,
            world.timebook.id,
            date(2026, 12, 17),
            date(2026, 12, 17),
        )
        .await
        .expect("free");
    assert!(free.iter().all(|s| s.id != slot), "{free:?}");
    assert_eq!(pass(&world).await, OfferRound::default());
    assert_eq!(offer_of(&world, &second).await, None);

    // Its notice waits in the outbox, with the place and until when it is held.
    let jobs = world
        .store
        .claim_jobs(50, SignedDuration::from_mins(5), "worker")
        .await
        .expect("claim");
    let job = jobs
        .iter()
        .find(|j| j.kind == NotificationKind::WaitlistOffer)
        .expect("the offer's job");
    assert_eq!(job.waitlist_offer_id, Some(offer));
    let delivery = world.store.delivery(job).await.expect("delivery");
    let notice = delivery.waitlist_offer.expect("offer notice");
    assert_eq!(
        (notice.id, notice.start, notice.closed),
        (offer, oslo(2026, 12, 17, 8, 15), false)
    );
    assert_eq!(delivery.first_name.as_str(), "Kari");

    // The audit log names the offer, made by Timebok for the patient.
    let events = world
        .store
        .audit_events(&AuditFilter {
            patient: Some(first.clone()),
            action: Some(AuditAction::WaitlistOffered),
            limit: 10,
        })
        .await
        .expect("audit");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor, Actor::System);
    assert_eq!(events[0].subject, format!("waitlist_offer:{offer}"));
    world.finish().await;
}

pub async fn declining_or_letting_an_offer_expire_gives_it_to_the_next(db: TestDb) {
    let world = World::new(db).await;
    let (slot, appointment) = full_thursday(&world).await;
    let (first, second) = (World::person(2), World::person(3));
    world
        .cancel_as(&World::person(1), appointment)
        .await
        .expect("cancel");
    pass(&world).await;
    let (offer, _) = offer_of(&world, &first).await.expect("first's offer");

    // Another patient cannot decline it; the patient can, once.
    assert!(matches!(
        world
            .store
            .decline_offer(&domain::Caller::patient(second.clone()), offer)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        world
            .store
            .decline_offer(&domain::Caller::patient(first.clone()), offer)
            .await
            .expect("declined")
    );
    assert!(
        !world
            .store
            .decline_offer(&domain::Caller::patient(first.clone()), offer)
            .await
            .expect("again")
    );
    assert_eq!(
        world
            .store
            .patient_offer(&first, offer)
            .await
            .expect("offer")
            .state,
        OfferState::Declined
    );

    // The next in line gets it; the first stays on the list, never offered it again.
    assert_eq!(pass(&world).await.offered, 1);
    let (second_offer, offered) = offer_of(&world, &second).await.expect("second's offer");
    assert_eq!(offered, slot.0);
    let waiting = world.store.patient_waitlist(&first).await.expect("list");
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].state, EntryState::Waiting);
    assert_eq!(waiting[0].offer, None);

    // Unanswered for 30 minutes, the offer expires and its place is free; the first, who
    // declined it, is not offered it again, so it stays free.
    world.advance(30);
    let round = pass(&world).await;
    assert_eq!((round.lapsed, round.offered), (1, 0));
    assert_eq!(
        world
            .store
            .patient_offer(&second, second_offer)
            .await
            .expect("offer")
            .state,
        OfferState::Expired
    );
    refused(
        world
            .store
            .accept_offer(
                &domain::Caller::patient(second.clone()),
                second_offer,
                &reason(),
            )
            .await,
        Refusal::HoldLost,
    );
    // A third patient joining now is offered it at once.
    let third = world.patient(5).await;
    join(&world, &third, thursday_morning()).await;
    assert_eq!(pass(&world).await.offered, 1);
    assert_eq!(offer_of(&world, &third).await.map(|o| o.1), Some(slot.0));
    world.finish().await;
}

pub async fn accepting_books_through_the_core_and_takes_the_patient_off_the_list(db: TestDb) {
    let world = World::new(db).await;
    let (slot, appointment) = full_thursday(&world).await;
    let (first, second) = (World::person(2), World::person(3));
    world
        .cancel_as(&World::person(1), appointment)
        .await
        .expect("cancel");
    pass(&world).await;
    let (offer, _) = offer_of(&world, &first).await.expect("first's offer");

    // Nobody else reaches it.
    assert!(matches!(
        world.store.patient_offer(&second, offer).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        world
            .store
            .accept_offer(&domain::Caller::patient(second.clone()), offer, &reason())
            .await,
        Err(StoreError::NotFound(_))
    ));

    let booked = world
        .store
        .accept_offer(&domain::Caller::patient(first.clone()), offer, &reason())
        .await
        .expect("booked");
    let stored = world
        .store
        .appointment(booked.id)
        .await
        .expect("appointment");
    assert_eq!((stored.slot_id, &stored.patient), (slot, &first));
    assert_eq!(world.store.slot(slot).await.expect("slot").booked, 1);
    let accepted = world
        .store
        .patient_offer(&first, offer)
        .await
        .expect("offer");
    assert_eq!(
        (accepted.state, accepted.appointment),
        (OfferState::Accepted, Some(booked.id))
    );
    // Off the list, and the one behind is not offered the booked place.
    assert!(
        world
            .store
            .patient_waitlist(&first)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(pass(&world).await.offered, 0);
    assert_eq!(offer_of(&world, &second).await, None);
    refused(
        world
            .store
            .accept_offer(&domain::Caller::patient(first.clone()), offer, &reason())
            .await,
        Refusal::HoldLost,
    );
    world.finish().await;
}

pub async fn blocked_and_booked_patients_are_passed_over(db: TestDb) {
    let world = World::new(db).await;
    let (slot, appointment) = full_thursday(&world).await;
    let (blocked, booked) = (World::person(2), World::person(3));
    // The first in line is blocked after joining; the second has the one appointment the
    // timebook allows; the third is next.
    world
        .store
        .block_patient(
            &world.staff,
            world.clinic.id,
            &blocked,
            &BlockReason::parse("Misbruk").expect("reason"),
        )
        .await
        .expect("block");
    let elsewhere = world.slot(oslo(2026, 12, 18, 9, 0), 1).await;
    world
        .book_as(&booked, elsewhere.id, None)
        .await
        .expect("booked elsewhere");
    let third = world.patient(4).await;
    join(&world, &third, thursday_morning()).await;

    world
        .cancel_as(&World::person(1), appointment)
        .await
        .expect("cancel");
    assert_eq!(pass(&world).await.offered, 1);
    assert_eq!(offer_of(&world, &blocked).await, None);
    assert_eq!(offer_of(&world, &booked).await, None);
    assert_eq!(offer_of(&world, &third).await.map(|o| o.1), Some(slot.0));

    // A blocked patient cannot join at all, nor one off the clinic's list.
    let stranger = World::person(99);
    for (patient, refusal) in [
        (&blocked, Refusal::Blocked),
        (&stranger, Refusal::NotOnList),
    ] {
        refused(
            world
                .store
                .join_waitlist(
                    &Caller::patient(patient.clone()),
                    patient,
                    &JoinWaitlist {
                        timebook: world.timebook.id,
                        place: None,
                        wish: thursday_morning(),
                    },
                )
                .await,
            refusal,
        );
    }
    world.finish().await;
}

pub async fn a_newly_published_slot_is_offered_when_it_matches_the_wish(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(2).await;
    // Mondays 10:00–11:00 on the 21st only, at «Influensa».
    let monday = wish(
        &[Weekday::Monday],
        (time(10, 0, 0, 0), time(11, 0, 0, 0)),
        (date(2026, 12, 21), date(2026, 12, 21)),
    );
    join_at(&world, &kari, monday, Some(world.resource.id)).await;
    let other_place = world
        .store
        .save_resource(
            &Actor::System,
            world.timebook.id,
            &store::NewPlace {
                name: &domain::ResourceName::parse("Lunge").expect("name"),
                description: &domain::Description::parse("").expect("description"),
                practitioner: None,
            },
            &world.resource.location,
        )
        .await
        .expect("place");
    // Too early, the wrong weekday, past the last day, at another place, at 11:00: none.
    for start in [
        oslo(2026, 12, 21, 9, 45),
        oslo(2026, 12, 22, 10, 15),
        oslo(2026, 12, 28, 10, 15),
        oslo(2026, 12, 21, 11, 0),
    ] {
        world.slot(start, 1).await;
    }
    world
        .store
        .add_slot(
            &world.staff,
            store::NewSlot {
                resource_id: other_place.id,
                start: oslo(2026, 12, 21, 10, 15),
                length: domain::SlotLength::minutes(15).expect("length"),
                capacity: domain::Capacity::ONE,
            },
        )
        .await
        .expect("slot elsewhere");
    assert_eq!(pass(&world).await.offered, 0);
    // Published unpublished first, then published: offered when it is.
    let right = world.slot(oslo(2026, 12, 21, 10, 30), 1).await;
    world
        .store
        .set_slot_published(&world.staff, right.id, false)
        .await
        .expect("unpublished");
    assert_eq!(pass(&world).await.offered, 0);
    world
        .store
        .set_slot_published(&world.staff, right.id, true)
        .await
        .expect("published");
    assert_eq!(pass(&world).await.offered, 1);
    assert_eq!(offer_of(&world, &kari).await.map(|o| o.1), Some(right.id.0));
    world.finish().await;
}

pub async fn the_wall_clock_decides_across_the_change_to_summer_time(db: TestDb) {
    let world = World::new(db).await;
    // Monday 22 March 2027, 08:00; summer time begins on Sunday the 28th.
    world.advance(98 * 24 * 60);
    let kari = world.patient(2).await;
    let today = date(2027, 3, 22);
    let mondays = WaitlistWish::new(
        &[Weekday::Monday],
        (Some(time(8, 0, 0, 0)), Some(time(9, 0, 0, 0))),
        (Some(date(2027, 3, 23)), Some(date(2027, 4, 5))),
        today,
    )
    .expect("wish");
    join(&world, &kari, mondays).await;
    // 07:30 and 09:15 on the Monday after the change are outside the wish on the wall clock
    // (though 08:30 and 08:15 in winter time); 08:30 is inside.
    world.slot(oslo(2027, 3, 29, 7, 30), 1).await;
    world.slot(oslo(2027, 3, 29, 9, 15), 1).await;
    assert_eq!(pass(&world).await.offered, 0);
    let inside = world.slot(oslo(2027, 3, 29, 8, 30), 1).await;
    assert_eq!(pass(&world).await.offered, 1);
    assert_eq!(
        offer_of(&world, &kari).await.map(|o| o.1),
        Some(inside.id.0)
    );
    world.finish().await;
}

pub async fn joining_is_refused_as_free_slots_are_and_twice_is_once(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(2).await;
    let ola = world.patient(3).await;
    let caller = Caller::patient(kari.clone());
    let join_with = |timebook, place| JoinWaitlist {
        timebook,
        place,
        wish: thursday_morning(),
    };
    assert!(matches!(
        world
            .store
            .join_waitlist(&caller, &kari, &join_with(domain::TimebookId(999), None))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        world
            .store
            .join_waitlist(
                &caller,
                &kari,
                &join_with(world.timebook.id, Some(ResourceId(999)))
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    let id = join(&world, &kari, thursday_morning()).await;
    assert_eq!(
        world
            .store
            .join_waitlist(&caller, &kari, &join_with(world.timebook.id, None))
            .await
            .expect("again"),
        Joined::AlreadyWaiting(id)
    );
    let entries = world.store.patient_waitlist(&kari).await.expect("list");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].wish, thursday_morning());
    assert_eq!(entries[0].place, None);

    // Only the patient leaves their own entry; then they may join again.
    assert!(matches!(
        world
            .store
            .leave_waitlist(&domain::Caller::patient(ola.clone()), id)
            .await,
        Err(StoreError::NotFound(_))
    ));
    world
        .store
        .leave_waitlist(&domain::Caller::patient(kari.clone()), id)
        .await
        .expect("left");
    assert!(
        world
            .store
            .patient_waitlist(&kari)
            .await
            .expect("list")
            .is_empty()
    );
    assert!(matches!(
        world
            .store
            .leave_waitlist(&domain::Caller::patient(kari.clone()), id)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_ne!(join(&world, &kari, thursday_morning()).await, id);

    // The office sees its own timebook's line, each patient an audited view, and nobody
    // else's.
    join(&world, &ola, thursday_morning()).await;
    let line = world
        .store
        .clinic_waitlist(&world.staff, world.clinic.id, world.timebook.id)
        .await
        .expect("line");
    assert_eq!(
        line.iter().map(|e| e.patient.clone()).collect::<Vec<_>>(),
        [kari.clone(), ola.clone()]
    );
    assert!(line[0].name.is_some());
    let viewed = world
        .store
        .audit_events(&AuditFilter {
            patient: None,
            action: Some(AuditAction::WaitlistViewed),
            limit: 10,
        })
        .await
        .expect("audit");
    assert_eq!(viewed.len(), 2);
    assert!(matches!(
        world
            .store
            .clinic_waitlist(&world.staff, domain::ClinicId(999), world.timebook.id)
            .await,
        Err(StoreError::NotFound(_))
    ));
    world.finish().await;
}

/// One count the database answers, read behind the store's back.
async fn count(world: &World, sql: &'static str) -> i64 {
    use sqlx::Connection;
    if world.db.is_postgres() {
        let mut conn = sqlx::PgConnection::connect(&world.db.url)
            .await
            .expect("connect");
        sqlx::query_scalar(sql)
            .fetch_one(&mut conn)
            .await
            .expect(sql)
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&world.db.url)
            .await
            .expect("connect");
        sqlx::query_scalar(sql)
            .fetch_one(&mut conn)
            .await
            .expect(sql)
    }
}

pub async fn passes_racing_on_several_servers_never_offer_a_place_twice(db: TestDb) {
    let world = World::new(db).await;
    // Twenty one-place slots, each booked; forty patients waiting for any of them.
    let mut slots = Vec::new();
    let mut appointments = Vec::new();
    for i in 0..20u16 {
        let hour = i8::try_from(8 + i / 4).expect("hour");
        let minute = i8::try_from((i % 4) * 15).expect("minute");
        let day = if i % 2 == 0 { 17 } else { 18 };
        let slot = world.slot(oslo(2026, 12, day, hour, minute), 1).await;
        let holder = world.patient(100 + i).await;
        let booked = world.book_as(&holder, slot.id, None).await.expect("booked");
        slots.push(slot.id);
        appointments.push((holder, booked.id));
    }
    let any_time = wish(
        &[Weekday::Thursday, Weekday::Friday],
        (time(7, 0, 0, 0), time(18, 0, 0, 0)),
        (date(2026, 12, 17), date(2026, 12, 18)),
    );
    for n in 0..40u16 {
        let patient = world.patient(200 + n).await;
        join(&world, &patient, any_time).await;
    }
    // The first place is freed first, and someone not waiting holds it in «Velg time».
    let (holder, appointment) = &appointments[0];
    world.cancel_as(holder, *appointment).await.expect("cancel");
    let browsing = world.patient(300).await;
    world
        .hold_as(&browsing, slots[0])
        .await
        .expect("held by someone browsing");

    // Four servers, each with its own connections. The other nineteen places are freed, the
    // latest first, while every server runs passes: each pass sees another set of free
    // places, so two servers' passes pair different patients with the same place.
    let mut servers: Vec<Arc<dyn Store>> = Vec::new();
    for _ in 0..4 {
        servers.push(world.db.open(world.clock.clone()).await);
    }
    let cancellations: Vec<_> = appointments[1..]
        .iter()
        .rev()
        .cloned()
        .enumerate()
        .map(|(i, (holder, appointment))| {
            let server = servers[i % servers.len()].clone();
            tokio::spawn(async move {
                let request = store::CancelRequest {
                    appointment,
                    reason: None,
                    version: None,
                };
                server
                    .cancel(&Caller::patient(holder), &request)
                    .await
                    .expect("cancel");
            })
        })
        .collect();
    let passes: Vec<_> = (0..8)
        .map(|i| {
            let server = servers[i % servers.len()].clone();
            tokio::spawn(async move {
                let mut offered = 0;
                for _ in 0..4 {
                    offered += server.offer_freed_places().await.expect("pass").offered;
                    tokio::task::yield_now().await;
                }
                offered
            })
        })
        .collect();
    for task in cancellations {
        task.await.expect("cancellation");
    }
    let mut offered = 0;
    for task in passes {
        offered += task.await.expect("passes");
    }
    // Whatever the race left, the next passes finish: each judges a few places per entry,
    // so a pass after a burst serves the line a part at a time.
    for _ in 0..20 {
        let more = pass(&world).await.offered;
        if more == 0 {
            break;
        }
        offered += more;
    }
    assert_eq!(offered, 19, "every freed place but the one held, once");
    assert_eq!(
        count(
            &world,
            "SELECT COUNT(*) FROM waitlist_offer WHERE state = 'open'"
        )
        .await,
        19
    );
    // Never two open offers on one slot, or for one entry; never an offer on the held slot.
    assert_eq!(
        count(
            &world,
            "SELECT COUNT(*) FROM (SELECT slot_id FROM waitlist_offer WHERE state = 'open' \
             GROUP BY slot_id HAVING COUNT(*) > 1) x"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &world,
            "SELECT COUNT(*) FROM (SELECT entry_id FROM waitlist_offer WHERE state = 'open' \
             GROUP BY entry_id HAVING COUNT(*) > 1) x"
        )
        .await,
        0
    );
    // Each slot has at most its one place held or booked, and each offer holds its place.
    assert_eq!(
        count(
            &world,
            "SELECT COUNT(*) FROM slot s WHERE s.booked + (SELECT COUNT(*) FROM slot_hold h \
             WHERE h.slot_id = s.id) > s.capacity"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &world,
            "SELECT COUNT(*) FROM waitlist_offer o JOIN slot_hold h ON h.id = o.hold_id \
             AND h.slot_id = o.slot_id AND h.national_id = o.national_id WHERE o.state = 'open'"
        )
        .await,
        19
    );
    let held_slot = slots[0].0;
    assert!(
        offer_of(&world, &World::person(200)).await.is_some(),
        "the first in line was offered a place"
    );
    let mut offered_slots = Vec::new();
    for n in 0..40u16 {
        if let Some((_, slot)) = offer_of(&world, &World::person(200 + n)).await {
            offered_slots.push(slot);
        }
    }
    assert_eq!(offered_slots.len(), 19);
    assert!(!offered_slots.contains(&held_slot));
    drop(servers);
    world.finish().await;
}

pub async fn a_place_past_those_a_pass_lists_for_the_first_in_line_is_still_theirs(db: TestDb) {
    let world = World::new(db).await;
    // Seven places on Thursday morning, 08:00 to 09:30.
    let mut slots = Vec::new();
    for (hour, minute) in [(8, 0), (8, 15), (8, 30), (8, 45), (9, 0), (9, 15), (9, 30)] {
        slots.push(world.slot(oslo(2026, 12, 17, hour, minute), 1).await.id.0);
    }
    let thursday = |from: Time| {
        wish(
            &[Weekday::Thursday],
            (from, time(10, 0, 0, 0)),
            (date(2026, 12, 17), date(2026, 12, 17)),
        )
    };
    // Six patients in line take any of them; the seventh only those from 08:30.
    let mut line = Vec::new();
    for n in 20..27 {
        let patient = world.patient(n).await;
        let from = if n == 26 {
            time(8, 30, 0, 0)
        } else {
            time(8, 0, 0, 0)
        };
        join(&world, &patient, thursday(from)).await;
        line.push(patient);
    }
    // A pass judges each entry's earliest few places: the first five in line take the first
    // five, and the sixth, whose few those were, has none. The seventh, listed later places,
    // waits behind the sixth all the same.
    assert_eq!(pass(&world).await.offered, 5);
    assert_eq!(offer_of(&world, &line[5]).await, None);
    assert_eq!(offer_of(&world, &line[6]).await, None);
    assert_eq!(pass(&world).await.offered, 2);
    for (patient, slot) in line.iter().zip(&slots) {
        assert_eq!(
            offer_of(&world, patient).await.map(|(_, offered)| offered),
            Some(*slot),
            "each in line gets the earliest place left"
        );
    }
    world.finish().await;
}

/// Waits until `waiting` of the PostgreSQL database's connections wait for a row lock: the
/// interleaving a case stages is then in place.
async fn lock_waiters(world: &World, waiting: i64) {
    for _ in 0..1_000 {
        let now = count(
            world,
            "SELECT COUNT(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .await;
        if now >= waiting {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{waiting} connections never waited for a lock");
}

/// A transaction of the test's own on PostgreSQL, to stage what another server does at the
/// same moment.
async fn staging(world: &World) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let pool = sqlx::PgPool::connect(&world.db.url).await.expect("connect");
    pool.begin().await.expect("begin")
}

pub async fn a_pass_that_loses_races_for_the_first_in_line_offers_nobody_behind_them(db: TestDb) {
    // Staged with PostgreSQL's row locks, which let the test see where the pass waits.
    if !db.is_postgres() {
        return;
    }
    let world = World::new(db).await;
    let mut slots = Vec::new();
    for minute in [0, 15, 30, 45] {
        slots.push(world.slot(oslo(2026, 12, 17, 8, minute), 1).await.id.0);
    }
    let (first, second) = (world.patient(2).await, world.patient(3).await);
    join(&world, &first, thursday_morning()).await;
    join(&world, &second, thursday_morning()).await;

    // Three patients hold the first three places on another server, committed after the
    // pass has listed them free and while it waits for the first of them.
    let mut other_server = staging(&world).await;
    sqlx::query("SELECT 1 FROM slot WHERE id IN ($1, $2, $3) FOR UPDATE")
        .bind(slots[0])
        .bind(slots[1])
        .bind(slots[2])
        .execute(&mut *other_server)
        .await
        .expect("lock");
    let until = store::Clock::now(world.clock.as_ref()).as_second() + 600;
    for (n, slot) in (10u16..).zip(&slots[..3]) {
        sqlx::query(
            "INSERT INTO slot_hold (clinic_id, timebook_id, slot_id, national_id, expires_at) \
             SELECT clinic_id, timebook_id, id, $1, $2 FROM slot WHERE id = $3",
        )
        .bind(World::person(n).as_str())
        .bind(until)
        .bind(slot)
        .execute(&mut *other_server)
        .await
        .expect("hold");
    }
    let store = world.store.clone();
    let racing = tokio::spawn(async move { store.offer_freed_places().await });
    lock_waiters(&world, 1).await;
    other_server.commit().await.expect("commit");

    // The first in line lost three races; the fourth place is still theirs before the
    // second's.
    let round = racing.await.expect("pass").expect("pass");
    assert_eq!(round.offered, 0);
    assert_eq!(offer_of(&world, &second).await, None);
    assert_eq!(pass(&world).await.offered, 1);
    assert_eq!(
        offer_of(&world, &first).await.map(|(_, slot)| slot),
        Some(slots[3])
    );
    assert_eq!(offer_of(&world, &second).await, None);
    world.finish().await;
}

pub async fn bestill_and_nei_takk_at_once_do_one_of_the_two(db: TestDb) {
    // Staged with PostgreSQL's row locks; SQLite's one writer never interleaves the two.
    if !db.is_postgres() {
        return;
    }
    let world = World::new(db).await;
    let (_, appointment) = full_thursday(&world).await;
    let first = World::person(2);
    world
        .cancel_as(&World::person(1), appointment)
        .await
        .expect("cancel");
    assert_eq!(pass(&world).await.offered, 1);
    let (offer, _) = offer_of(&world, &first).await.expect("offered");

    // «Nei takk» on one server stops at the offer's hold, which a third transaction has
    // locked; «Bestill» on another starts while it waits.
    let mut third = staging(&world).await;
    let hold: i64 = sqlx::query_scalar("SELECT hold_id FROM waitlist_offer WHERE id = $1")
        .bind(offer)
        .fetch_one(&mut *third)
        .await
        .expect("hold");
    sqlx::query("SELECT 1 FROM slot_hold WHERE id = $1 FOR UPDATE")
        .bind(hold)
        .execute(&mut *third)
        .await
        .expect("lock");
    let (declining, accepting) = (
        world.db.open(world.clock.clone()).await,
        world.db.open(world.clock.clone()).await,
    );
    let patient = first.clone();
    let declined = tokio::spawn(async move {
        declining
            .decline_offer(&Caller::patient(patient), offer)
            .await
    });
    lock_waiters(&world, 1).await;
    let patient = first.clone();
    let accepted = tokio::spawn(async move {
        accepting
            .accept_offer(&Caller::patient(patient), offer, &reason())
            .await
    });
    lock_waiters(&world, 2).await;
    third.commit().await.expect("commit");
    let declined = declined.await.expect("decline").expect("decline");
    let accepted = accepted.await.expect("accept");

    // The one that came first did what it says; the other found the offer answered.
    let state = world
        .store
        .patient_offer(&first, offer)
        .await
        .expect("offer")
        .state;
    let booked = world
        .store
        .planned_appointments(&first)
        .await
        .expect("planned")
        .len();
    match (declined, accepted) {
        (true, Err(StoreError::Refused(Refusal::HoldLost))) => {
            assert_eq!((state, booked), (OfferState::Declined, 0));
        }
        (false, Ok(_)) => assert_eq!((state, booked), (OfferState::Accepted, 1)),
        other => panic!("both or neither: {other:?}, the offer {state:?}, {booked} booked"),
    }
    assert_eq!(
        count(
            &world,
            "SELECT COUNT(*) FROM slot s WHERE s.booked + (SELECT COUNT(*) FROM slot_hold h \
             WHERE h.slot_id = s.id) > s.capacity"
        )
        .await,
        0
    );
    world.finish().await;
}
