//! Acting for someone else: a parent for a child, an adult with fullmakt. The booking core
//! checks the relation inside its transaction; the notices go to the representative (and,
//! for a fullmakt, to the person too); the audit names both; a session acts for someone only
//! while a relation stands.

use crate::common::{TestDb, World};
use domain::{
    Actor, AuditAction, Caller, MessageText, NationalId, PersonName, Reason, Refusal, RelationKind,
    Subject, WaitlistWish,
};
use jiff::SignedDuration;
use jiff::civil::date;
use store::{
    AuditFilter, BookRequest, Clock, JoinWaitlist, MoveRequest, NewRelation, NotificationKind,
    RelationSource, StoreError,
};

fn born(y: i16, m: i8, d: i8, n: u16) -> NationalId {
    NationalId::synthetic(date(y, m, d), n).expect("synthetic id")
}

fn relation(representative: &NationalId, person: &NationalId, kind: RelationKind) -> NewRelation {
    NewRelation {
        representative: representative.clone(),
        person: person.clone(),
        kind,
        last_day: None,
    }
}

async fn list(world: &World, id: &NationalId, first: &str) {
    let name = |text: &str| PersonName::parse(text).expect("name");
    world
        .store
        .list_patient(
            &world.staff,
            world.clinic.id,
            id,
            &name(first),
            &name("Nordmann"),
        )
        .await
        .expect("listed");
}

fn operator() -> Actor {
    Actor::Operator {
        user: "registerforvalter".into(),
    }
}

async fn book_for(
    world: &World,
    caller: &Caller,
    person: &NationalId,
    slot: domain::SlotId,
) -> Result<store::Booked, StoreError> {
    world
        .store
        .book(
            caller,
            &BookRequest {
                appointment_type: None,
                patient: person.clone(),
                slot,
                reason: Reason::parse("Vaksine").expect("reason"),
                hold: None,
                idempotency: None,
            },
        )
        .await
}

/// Every job claimed now: whom each notice goes to (on behalf or not) and its kind.
async fn notices(world: &World) -> Vec<(bool, store::NotificationKind)> {
    let jobs = world
        .store
        .claim_jobs(50, SignedDuration::from_mins(5), "test")
        .await
        .expect("claim");
    let mut told = Vec::new();
    for job in jobs {
        let delivery = world.store.delivery(&job).await.expect("delivery");
        told.push((delivery.on_behalf, job.kind));
    }
    told.sort_by_key(|(on_behalf, kind)| (*on_behalf, kind.code()));
    told
}

pub async fn a_parent_books_and_moves_for_their_child_only_while_the_relation_stands(db: TestDb) {
    let world = World::new(db).await;
    let parent = World::person(1);
    let child = born(2018, 3, 1, 100);
    let stranger = born(2018, 3, 1, 101);
    list(&world, &child, "Ola").await;
    list(&world, &stranger, "Per").await;
    let written = world
        .store
        .import_relations(
            &operator(),
            &[relation(&parent, &child, RelationKind::Parent)],
        )
        .await
        .expect("import");
    assert_eq!(written, 1);
    let represented = world.store.represented(&parent).await.expect("represented");
    assert_eq!(represented.len(), 1);
    assert_eq!(represented[0].person, child);
    assert_eq!(represented[0].first_name.as_deref(), Some("Ola"));

    let start = world.clock.now() + SignedDuration::from_hours(72);
    let slot = world.slot(start, 2).await;
    // Acting for someone without a relation is refused as out of reach, and books nothing.
    let refused = book_for(
        &world,
        &Caller::representative(parent.clone(), stranger.clone()),
        &stranger,
        slot.id,
    )
    .await;
    assert!(matches!(
        refused,
        Err(StoreError::Refused(Refusal::NotInReach))
    ));
    // A caller acting for the child may not book for someone else in the child's name.
    let refused = book_for(
        &world,
        &Caller::representative(parent.clone(), child.clone()),
        &stranger,
        slot.id,
    )
    .await;
    assert!(matches!(
        refused,
        Err(StoreError::Refused(Refusal::NotInReach))
    ));

    let caller = Caller::representative(parent.clone(), child.clone());
    let booked = book_for(&world, &caller, &child, slot.id)
        .await
        .expect("the parent books for the child");
    let appointment = world.store.appointment(booked.id).await.expect("read");
    assert_eq!(appointment.patient, child, "the booking is the child's");

    let later = world.slot(start + SignedDuration::from_hours(24), 1).await;
    world
        .store
        .move_appointment(
            &caller,
            &MoveRequest {
                appointment: booked.id,
                to: later.id,
                hold: None,
                version: None,
            },
        )
        .await
        .expect("the parent moves it");

    // Both notices go to the parent only: a child's own number is not told.
    assert_eq!(
        notices(&world).await,
        vec![
            (true, store::NotificationKind::Booked),
            (true, store::NotificationKind::Moved),
        ]
    );

    // The timebook's reminder (24 hours before) goes to the parent too, and only to her.
    world.advance(73 * 60);
    world.store.schedule_reminders().await.expect("reminders");
    let reminders: Vec<_> = notices(&world)
        .await
        .into_iter()
        .filter(|(_, kind)| *kind == store::NotificationKind::Reminder)
        .collect();
    assert_eq!(reminders, vec![(true, store::NotificationKind::Reminder)]);

    // The audit names both people: the parent acts, the child is the patient.
    let events = world
        .store
        .audit_events(&AuditFilter {
            patient: Some(child.clone()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    for action in [
        AuditAction::AppointmentBooked,
        AuditAction::AppointmentMoved,
    ] {
        let event = events
            .iter()
            .find(|e| e.action == action)
            .expect("an event");
        assert_eq!(event.actor, Actor::Representative(parent.clone()));
    }

    // Once the register removes the relation, the parent reaches nothing of the child's.
    assert!(
        world
            .store
            .remove_relation(&operator(), &parent, &child)
            .await
            .expect("remove")
    );
    let other = world.slot(start + SignedDuration::from_hours(48), 1).await;
    assert!(matches!(
        book_for(&world, &caller, &child, other.id).await,
        Err(StoreError::Refused(Refusal::NotInReach))
    ));
    assert!(matches!(
        world
            .store
            .cancel(
                &caller,
                &store::CancelRequest {
                    appointment: booked.id,
                    reason: None,
                    version: None,
                },
            )
            .await,
        Err(StoreError::Refused(Refusal::NotInReach))
    ));
    assert!(
        world
            .store
            .represented(&parent)
            .await
            .expect("represented")
            .is_empty()
    );
    world.finish().await;
}

pub async fn a_fullmakt_tells_both_and_a_parents_access_ends_at_sixteen(db: TestDb) {
    let world = World::new(db).await;
    let helper = World::person(2);
    let mother = born(1940, 5, 5, 200);
    let teenager = born(2013, 6, 1, 201);
    let grown = born(2010, 12, 13, 202);
    list(&world, &mother, "Astrid").await;
    list(&world, &teenager, "Nora").await;
    list(&world, &grown, "Emil").await;
    world
        .store
        .import_relations(
            &operator(),
            &[
                relation(&helper, &mother, RelationKind::Fullmakt),
                relation(&helper, &teenager, RelationKind::Parent),
                // 16 the day before the tests begin: no access.
                relation(&helper, &grown, RelationKind::Parent),
            ],
        )
        .await
        .expect("import");
    let people: Vec<_> = world
        .store
        .represented(&helper)
        .await
        .expect("represented")
        .into_iter()
        .map(|r| (r.person, r.kind))
        .collect();
    assert_eq!(
        people,
        vec![
            (mother.clone(), RelationKind::Fullmakt),
            (teenager.clone(), RelationKind::Parent),
        ]
    );
    let start = world.clock.now() + SignedDuration::from_hours(72);
    let slot = world.slot(start, 3).await;
    assert!(matches!(
        book_for(
            &world,
            &Caller::representative(helper.clone(), grown.clone()),
            &grown,
            slot.id
        )
        .await,
        Err(StoreError::Refused(Refusal::NotInReach))
    ));
    book_for(
        &world,
        &Caller::representative(helper.clone(), mother.clone()),
        &mother,
        slot.id,
    )
    .await
    .expect("booked with fullmakt");
    // With fullmakt both are told: the helper on behalf, the mother herself.
    assert_eq!(
        notices(&world).await,
        vec![
            (false, store::NotificationKind::Booked),
            (true, store::NotificationKind::Booked),
        ]
    );
    world.finish().await;
}

pub async fn a_session_acts_only_for_someone_a_relation_allows(db: TestDb) {
    let world = World::new(db).await;
    let parent = World::person(3);
    let child = born(2019, 6, 1, 300);
    let stranger = born(2019, 6, 1, 301);
    list(&world, &child, "Mia").await;
    let hour = SignedDuration::from_hours(1);
    world
        .store
        .open_session("parent", &parent, hour)
        .await
        .expect("open");
    let session = world
        .store
        .session_patient("parent")
        .await
        .expect("read")
        .expect("a session");
    assert!(!session.represents_anyone);
    assert!(
        !world
            .store
            .act_for("parent", Some(&child))
            .await
            .expect("act")
    );

    // The identity provider's claims come and go with its logins; the register's stay.
    world
        .store
        .replace_claimed(&parent, &[relation(&parent, &child, RelationKind::Parent)])
        .await
        .expect("claimed");
    assert!(
        world
            .store
            .act_for("parent", Some(&child))
            .await
            .expect("act")
    );
    assert!(
        !world
            .store
            .act_for("parent", Some(&stranger))
            .await
            .expect("act")
    );
    let session = world
        .store
        .session_patient("parent")
        .await
        .expect("read")
        .expect("a session");
    assert!(session.represents_anyone);
    assert!(!session.lapsed);
    let acting = session.acting_for.expect("acting for the child");
    assert_eq!(acting.person, child);
    assert_eq!(acting.first_name.as_deref(), Some("Mia"));

    world
        .store
        .replace_claimed(&parent, &[])
        .await
        .expect("claims gone");
    let session = world
        .store
        .session_patient("parent")
        .await
        .expect("read")
        .expect("a session");
    assert!(session.lapsed, "the relation is gone: choose again");
    assert!(session.acting_for.is_none());
    assert!(
        world
            .store
            .act_for("parent", None)
            .await
            .expect("back to themself")
    );

    let page = world
        .store
        .relations_page(&operator(), 0, 50)
        .await
        .expect("page");
    assert_eq!(page.total, 0);
    world
        .store
        .import_relations(
            &operator(),
            &[relation(&parent, &child, RelationKind::Parent)],
        )
        .await
        .expect("import");
    let page = world
        .store
        .relations_page(&operator(), 0, 50)
        .await
        .expect("page");
    assert_eq!(page.total, 1);
    assert_eq!(page.relations[0].source, RelationSource::Register);
    assert!(
        page.relations[0].valid_until.is_some(),
        "a child's ends at 16"
    );

    let events = world
        .store
        .audit_events(&AuditFilter {
            patient: Some(child.clone()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    let chosen = events
        .iter()
        .find(|e| e.action == AuditAction::ActingFor)
        .expect("choosing the child is audited");
    assert_eq!(chosen.actor, Actor::Representative(parent.clone()));
    world.finish().await;
}

/// Who acted in the audit events of `action` about `person`.
async fn actors(world: &World, person: &NationalId, action: AuditAction) -> Vec<Actor> {
    world
        .store
        .audit_events(&AuditFilter {
            patient: Some(person.clone()),
            action: Some(action),
            limit: 10,
        })
        .await
        .expect("audit")
        .into_iter()
        .map(|event| event.actor)
        .collect()
}

pub async fn replies_and_waitlist_offers_go_where_a_bookings_notices_go(db: TestDb) {
    let world = World::new(db).await;
    let parent = World::person(1);
    let child = born(2018, 3, 1, 100);
    let mother = born(1940, 5, 5, 200);
    list(&world, &child, "Ola").await;
    list(&world, &mother, "Astrid").await;
    world
        .store
        .import_relations(
            &operator(),
            &[
                relation(&parent, &child, RelationKind::Parent),
                relation(&parent, &mother, RelationKind::Fullmakt),
            ],
        )
        .await
        .expect("import");
    let for_child = Caller::representative(parent.clone(), child.clone());
    let for_mother = Caller::representative(parent.clone(), mother.clone());

    // The clinic's reply to a message the parent wrote for the child goes to the parent
    // alone; to one written with fullmakt, to both.
    for (caller, told) in [
        (&for_child, vec![(true, NotificationKind::MessageReply)]),
        (
            &for_mother,
            vec![
                (false, NotificationKind::MessageReply),
                (true, NotificationKind::MessageReply),
            ],
        ),
    ] {
        let thread = world
            .store
            .write_message(
                caller,
                &Subject::parse("Vaksine").expect("subject"),
                &MessageText::parse("Kan vi komme tidligere?").expect("text"),
            )
            .await
            .expect("written");
        world
            .store
            .reply_as_clinic(
                &world.staff,
                world.clinic.id,
                thread,
                &MessageText::parse("Ja, ring oss.").expect("text"),
            )
            .await
            .expect("replied");
        assert_eq!(notices(&world).await, told);
    }
    assert_eq!(
        actors(&world, &child, AuditAction::MessageSent).await,
        vec![Actor::Representative(parent.clone())]
    );

    // On the waitlist for the child: the audit names the parent, the offer goes to the
    // parent, and accepting it for the child books the child's appointment, told to the
    // parent.
    let start = world.clock.now() + SignedDuration::from_hours(72);
    let day = start
        .to_zoned_datetime(domain::clinic_time_zone().expect("zone"))
        .date();
    let wish = WaitlistWish::new(
        &[day.weekday()],
        (None, None),
        (Some(day), Some(day)),
        world
            .clock
            .now()
            .to_zoned_datetime(domain::clinic_time_zone().expect("zone"))
            .date(),
    )
    .expect("wish");
    world
        .store
        .join_waitlist(
            &for_child,
            &child,
            &JoinWaitlist {
                timebook: world.timebook.id,
                place: None,
                wish,
            },
        )
        .await
        .expect("joined");
    assert_eq!(
        actors(&world, &child, AuditAction::WaitlistJoined).await,
        vec![Actor::Representative(parent.clone())]
    );
    world.slot(start, 1).await;
    assert_eq!(
        world
            .store
            .offer_freed_places()
            .await
            .expect("pass")
            .offered,
        1
    );
    assert_eq!(
        notices(&world).await,
        vec![(true, NotificationKind::WaitlistOffer)]
    );
    let offer = world.store.patient_waitlist(&child).await.expect("entries")[0]
        .offer
        .expect("offered")
        .id;
    // The parent acting for themself has no such offer.
    assert!(matches!(
        world
            .store
            .accept_offer(
                &Caller::patient(parent.clone()),
                offer,
                &Reason::parse("Vaksine").expect("reason")
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    let booked = world
        .store
        .accept_offer(
            &for_child,
            offer,
            &Reason::parse("Vaksine").expect("reason"),
        )
        .await
        .expect("accepted for the child");
    let appointment = world.store.appointment(booked.id).await.expect("read");
    assert_eq!(appointment.patient, child);
    assert_eq!(
        notices(&world).await,
        vec![(true, NotificationKind::Booked)]
    );
    assert_eq!(
        actors(&world, &child, AuditAction::AppointmentBooked).await,
        vec![Actor::Representative(parent.clone())]
    );
    world.finish().await;
}

pub async fn a_childs_parents_are_told_of_its_appointments_whoever_books_them(db: TestDb) {
    let world = World::new(db).await;
    let (mother, father) = (World::person(1), World::person(2));
    let child = born(2018, 3, 1, 100);
    let teenager = born(2011, 3, 1, 101);
    list(&world, &child, "Ola").await;
    list(&world, &teenager, "Nora").await;
    world
        .store
        .import_relations(
            &operator(),
            &[
                relation(&mother, &child, RelationKind::Parent),
                relation(&father, &child, RelationKind::Parent),
                relation(&mother, &teenager, RelationKind::Parent),
            ],
        )
        .await
        .expect("import");
    let start = world.clock.now() + SignedDuration::from_hours(72);
    let slot = world.slot(start, 3).await;

    // The office books for the child on the phone: the child and both parents are told.
    let desk = Caller::staff(world.clinic.id, "resepsjon");
    let booked = book_for(&world, &desk, &child, slot.id)
        .await
        .expect("the office books")
        .id;
    assert_eq!(
        notices(&world).await,
        vec![
            (false, NotificationKind::Booked),
            (true, NotificationKind::Booked),
            (true, NotificationKind::Booked),
        ]
    );
    // A teenager booking themself is told, and so is their parent, once.
    book_for(
        &world,
        &Caller::patient(teenager.clone()),
        &teenager,
        slot.id,
    )
    .await
    .expect("the teenager books");
    assert_eq!(
        notices(&world).await,
        vec![
            (false, NotificationKind::Booked),
            (true, NotificationKind::Booked),
        ]
    );
    // A parent moving it tells both parents, not the child.
    let later = world.slot(start + SignedDuration::from_hours(1), 1).await;
    world
        .store
        .move_appointment(
            &Caller::representative(father.clone(), child.clone()),
            &MoveRequest {
                appointment: booked,
                to: later.id,
                hold: None,
                version: None,
            },
        )
        .await
        .expect("the father moves it");
    assert_eq!(
        notices(&world).await,
        vec![
            (true, NotificationKind::Moved),
            (true, NotificationKind::Moved),
        ]
    );
    // A day before, the child's appointment is reminded to both parents and the teenager's
    // to the teenager and their parent; nobody twice, however often the round runs.
    world.advance(49 * 60);
    world.store.schedule_reminders().await.expect("reminders");
    world
        .store
        .schedule_reminders()
        .await
        .expect("reminders again");
    // The jobs claimed above are claimed again after their lease: only the reminders count.
    let reminders: Vec<_> = notices(&world)
        .await
        .into_iter()
        .filter(|(_, kind)| *kind == NotificationKind::Reminder)
        .collect();
    assert_eq!(
        reminders,
        vec![
            (false, NotificationKind::Reminder),
            (true, NotificationKind::Reminder),
            (true, NotificationKind::Reminder),
            (true, NotificationKind::Reminder),
        ]
    );
    // The office's innkalling of the two goes to each and to their parents, who book for
    // them.
    let today = world
        .clock
        .now()
        .to_zoned_datetime(domain::clinic_time_zone().expect("zone"))
        .date();
    world
        .store
        .invite(
            &world.staff,
            world.clinic.id,
            &store::NewInvitations {
                timebook: world.timebook.id,
                days: domain::InvitationDays::new(None, None, today).expect("days"),
                message: None,
                patients: vec![child.clone(), teenager.clone()],
            },
        )
        .await
        .expect("invited");
    let invited: Vec<_> = notices(&world)
        .await
        .into_iter()
        .filter(|(_, kind)| *kind == NotificationKind::Invited)
        .collect();
    assert_eq!(
        invited,
        vec![
            (false, NotificationKind::Invited),
            (false, NotificationKind::Invited),
            (true, NotificationKind::Invited),
            (true, NotificationKind::Invited),
            (true, NotificationKind::Invited),
        ]
    );
    world.finish().await;
}
