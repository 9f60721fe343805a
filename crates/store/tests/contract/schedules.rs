//! Free slots as machine clients see them: per resource, paged.

use crate::common::{TestDb, World};
use domain::{ClinicId, Reach, ResourceId};
use jiff::{SignedDuration, Timestamp};
use store::{Clock, SlotCursor};

fn at(start: Timestamp, minutes: i64) -> Timestamp {
    start + SignedDuration::from_mins(minutes)
}

pub async fn open_slots_are_published_bookable_and_paged(db: TestDb) {
    let world = World::new(db).await;
    let now = world.clock.now();
    let tomorrow = at(now, 24 * 60);
    let first = world.slot(tomorrow, 1).await;
    let held = world.slot(at(tomorrow, 30), 1).await;
    let roomy = world.slot(at(tomorrow, 45), 2).await;
    let _too_soon = world.slot(at(now, 10), 1).await;
    let _too_far = world.slot(at(now, 50 * 24 * 60), 1).await;
    let hidden = world.slot(at(tomorrow, 60), 1).await;
    world
        .store
        .set_slot_published(&world.staff, hidden.id, false)
        .await
        .expect("unpublish");
    // A slot of one place, booked: full.
    world.book(1, at(tomorrow, 15)).await;
    let kari = world.patient(2).await;
    world.hold_as(&kari, held.id).await.expect("hold");

    let store = &world.store;
    let resource = world.resource.id;
    let (from, to) = (now, at(now, 60 * 24 * 60));
    let ids = |slots: Vec<store::FreeSlot>| slots.into_iter().map(|s| s.id).collect::<Vec<_>>();
    let all = store
        .open_slots(resource, from, to, None, 100)
        .await
        .expect("open");
    assert_eq!(
        ids(all),
        [first.id, roomy.id],
        "not full, held, too soon, too far or hidden"
    );

    let page = store
        .open_slots(resource, from, to, None, 1)
        .await
        .expect("page");
    assert_eq!(ids(page.clone()), [first.id]);
    let cursor = SlotCursor {
        start: page[0].start,
        id: page[0].id,
    };
    let next = store
        .open_slots(resource, from, to, Some(cursor), 1)
        .await
        .expect("next");
    assert_eq!(ids(next.clone()), [roomy.id]);
    assert_eq!(next[0].places_left, 2);
    let cursor = SlotCursor {
        start: next[0].start,
        id: next[0].id,
    };
    assert!(
        store
            .open_slots(resource, from, to, Some(cursor), 1)
            .await
            .expect("last")
            .is_empty()
    );
    let morning = store
        .open_slots(resource, from, at(tomorrow, 1), None, 100)
        .await
        .expect("range");
    assert_eq!(ids(morning), [first.id], "the range's end is exclusive");

    assert_eq!(
        store.open_slot_span(resource).await.expect("span"),
        Some((tomorrow, at(tomorrow, 45)))
    );
    world.advance(6);
    let after_hold = store
        .open_slots(resource, from, to, None, 100)
        .await
        .expect("open");
    assert_eq!(
        ids(after_hold),
        [first.id, held.id, roomy.id],
        "an expired hold frees its place"
    );
    let entry = store
        .schedule(Reach::Everywhere, resource)
        .await
        .expect("read")
        .expect("known");
    assert_eq!(
        (entry.timebook, entry.resource),
        (world.timebook.clone(), world.resource.clone())
    );
    let now = world.clock.now();
    assert_eq!(
        entry.window,
        (
            now + SignedDuration::from_mins(30),
            now + SignedDuration::from_hours(42 * 24)
        ),
        "the patients' booking window, read at the store's now"
    );
    for reach in [
        Reach::Nowhere,
        Reach::Clinic(ClinicId(world.clinic.id.0 + 1)),
    ] {
        assert_eq!(
            store.schedule(reach, resource).await.expect("read"),
            None,
            "{reach:?}"
        );
    }
    assert_eq!(
        store
            .schedule(Reach::Everywhere, ResourceId(987_654))
            .await
            .expect("read"),
        None
    );
    assert!(
        store
            .open_slots(ResourceId(987_654), from, to, None, 10)
            .await
            .expect("read")
            .is_empty()
    );
    world.finish().await;
}
