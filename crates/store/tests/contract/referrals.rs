//! A slot finder's referral travels from the hold to the booking, and bookings are counted by
//! finder.

use crate::common::{TestDb, World, oslo};
use domain::{Caller, NationalId, Referral, SlotId};
use store::HoldRequest;

async fn hold_from(world: &World, patient: &NationalId, slot: SlotId, referral: Option<Referral>) {
    world
        .store
        .hold(
            &Caller::patient(patient.clone()),
            &HoldRequest {
                appointment_type: None,
                patient: patient.clone(),
                slot,
                moving: None,
                referral,
            },
        )
        .await
        .expect("hold");
}

fn counts(found: &[store::ReferredBookings]) -> Vec<(Option<&str>, u64)> {
    found
        .iter()
        .map(|r| (r.source.as_deref(), r.bookings))
        .collect()
}

pub async fn a_finders_referral_is_kept_from_the_hold_to_the_booking(db: TestDb) {
    let world = World::new(db).await;
    let since = store::Clock::now(world.clock.as_ref());
    let finder = Referral::from_link(Some("vaksinefinner"), Some("ref-1"));
    let mut booked = Vec::new();
    for (n, minute, referral) in [
        (1, 0, finder.clone()),
        (2, 15, finder.clone()),
        (3, 30, Referral::from_link(None, Some("ref-3"))),
        (4, 45, Referral::from_link(Some("annen-finner"), None)),
        (5, 50, None),
    ] {
        let patient = world.patient(n).await;
        let slot = world.slot(oslo(2026, 12, 17, 8, minute), 1).await;
        hold_from(&world, &patient, slot.id, referral).await;
        // Held again without the link, as when the patient goes back from the review: the
        // hold keeps the referral it was taken with.
        hold_from(&world, &patient, slot.id, None).await;
        booked.push(world.book_as(&patient, slot.id, None).await.expect("book"));
    }
    let found = world
        .store
        .referred_bookings(since)
        .await
        .expect("referred");
    assert_eq!(
        counts(&found),
        [
            (Some("vaksinefinner"), 2),
            (Some("annen-finner"), 1),
            (None, 1)
        ]
    );
    // A hold taken without a link brings no referral to a later booking.
    let patient = world.patient(6).await;
    let slot = world.slot(oslo(2026, 12, 18, 9, 0), 1).await;
    hold_from(&world, &patient, slot.id, None).await;
    world.book_as(&patient, slot.id, None).await.expect("book");
    let later = world
        .store
        .referred_bookings(since)
        .await
        .expect("referred");
    assert_eq!(counts(&later), counts(&found));
    let after = since
        .checked_add(jiff::SignedDuration::from_hours(1))
        .expect("later");
    assert!(
        world
            .store
            .referred_bookings(after)
            .await
            .expect("none")
            .is_empty(),
        "only bookings since the time asked"
    );
    world.finish().await;
}
