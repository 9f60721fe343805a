//! A slot finder's deep link with `source` and `booking-referral` (SMART Scheduling Links):
//! «Velg time» carries them through its own links and into the hold, and the booking keeps
//! them, so that the bookings each finder brought can be counted.

mod common;

use common::{Browser, portal};

#[tokio::test]
async fn a_booking_made_from_a_finders_link_is_counted_for_that_finder() {
    let portal = portal(true).await;
    let since = store::Clock::now(portal.clock.as_ref());
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let link = format!(
        "/bestill/{}?sted={}&dag={}&tid={}&source=vaksine.example&booking-referral=r%3D1%262",
        portal.timebook, portal.resource, portal.day, portal.slots[1]
    );
    let choose = kari.get(&link).await;
    assert_eq!(choose.status, 200);
    assert!(
        choose
            .body
            .contains(r#"<input type="hidden" name="source" value="vaksine.example">"#),
        "the hold form carries the finder"
    );
    assert!(
        choose
            .body
            .contains(r#"<input type="hidden" name="booking-referral" value="r=1&#38;2">"#),
        "and its reference"
    );
    assert!(
        choose
            .body
            .contains("source=vaksine.example&#38;booking-referral=r%3D1%262&#38;maned="),
        "the calendar's own links keep them"
    );
    let receipt = kari
        .book_with(
            portal.timebook,
            portal.slots[1],
            "Influensavaksine",
            &[("source", "vaksine.example"), ("booking-referral", "r=1&2")],
        )
        .await;
    assert!(receipt.starts_with("/bestill/kvittering/"), "{receipt}");
    let counted = portal
        .store
        .referred_bookings(since)
        .await
        .expect("referred");
    assert_eq!(counted.len(), 1);
    assert_eq!(
        (counted[0].source.as_deref(), counted[0].bookings),
        (Some("vaksine.example"), 1)
    );
    let operator = Browser::new(&portal);
    operator.operator_log_in().await;
    let register = operator.get("/register").await.body;
    assert!(
        register.contains("Bestillinger fra timefinnere siste 30 dager")
            && register.contains("<tr><td>vaksine.example</td><td>1</td></tr>"),
        "the operator sees the count: {register}"
    );
}

#[tokio::test]
async fn a_malformed_referral_is_left_out_and_the_patient_books_as_usual() {
    let portal = portal(true).await;
    let since = store::Clock::now(portal.clock.as_ref());
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let link = format!(
        "/bestill/{}?sted={}&dag={}&source=%E2%80%AEevil%20finder",
        portal.timebook, portal.resource, portal.day
    );
    let choose = kari.get(&link).await;
    assert_eq!(choose.status, 200);
    assert!(!choose.body.contains(r#"name="source""#));
    let receipt = kari
        .book_with(
            portal.timebook,
            portal.slots[1],
            "Influensavaksine",
            &[("source", "evil finder")],
        )
        .await;
    assert!(receipt.starts_with("/bestill/kvittering/"));
    assert!(
        portal
            .store
            .referred_bookings(since)
            .await
            .expect("referred")
            .is_empty()
    );
}
