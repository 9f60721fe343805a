//! Acting for someone else in the portal: «Bytt person» first after the login, every page
//! naming the person, bookings that are the child's, messages closed to a parent from the
//! child's 12th year, nothing for a person without a relation, and a lapsed relation sending
//! the parent back to choose.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::{Browser, portal};
use domain::{Actor, AuditAction};
use store::AuditFilter;

#[tokio::test]
async fn a_parent_acts_for_their_child_and_for_nobody_else() {
    let portal = portal(true).await;
    let child = common::represented_child(&portal, &portal.kari, 2018).await;
    let teenager = common::represented_child(&portal, &portal.kari, 2012).await;
    let parent = Browser::new(&portal);
    parent.log_in_to_act_for(&portal.kari, &child).await;

    let choose = parent.get("/bytt-person").await;
    assert_eq!(choose.status, 200);
    assert!(choose.body.contains("Meg selv"), "{}", choose.body);
    assert!(choose.body.contains("Ola Nordmann"));
    assert!(choose.body.contains("Barn under 12 år"));
    assert!(choose.body.contains("Barn mellom 12 og 16 år"));

    let list = parent.get("/timeavtaler").await;
    assert!(
        list.body.contains("Du handler på vegne av Ola."),
        "{}",
        list.body
    );
    assert!(list.body.contains("href=\"/bytt-person\""));

    // The booking is the child's, made by the parent.
    let id = parent
        .book(portal.timebook, portal.slots[0], "Vaksine")
        .await;
    let owner = portal
        .number(&format!(
            "SELECT COUNT(*) FROM appointment WHERE id = {id} AND national_id = '{}' \
             AND representative = '{}'",
            child.as_str(),
            portal.kari.as_str()
        ))
        .await;
    assert_eq!(owner, 1, "the child's appointment, booked by the parent");
    assert_eq!(
        portal
            .number(&format!(
                "SELECT COUNT(*) FROM outbox WHERE appointment_id = {id} AND recipient = '{}'",
                portal.kari.as_str()
            ))
            .await,
        1,
        "the notice goes to the parent"
    );
    let events = portal
        .store
        .audit_events(&AuditFilter {
            patient: Some(child.clone()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    let booked = events
        .iter()
        .find(|e| e.action == AuditAction::AppointmentBooked)
        .expect("booked");
    assert_eq!(booked.actor, Actor::Representative(portal.kari.clone()));
    assert_eq!(parent.get("/meldinger").await.status, 200, "under 12: all");

    // Back as herself, the parent's own list does not hold the child's appointment.
    let csrf = parent.csrf().await;
    let back = parent
        .post("/bytt-person", &[("csrf", &csrf), ("person", "meg")])
        .await;
    assert_eq!(back.status, 303);
    let own = parent.get("/timeavtaler").await;
    assert!(!own.body.contains("Du handler på vegne av"));
    assert!(
        !own.body.contains(&format!("/timeavtaler/{id}/")),
        "{}",
        own.body
    );

    // For a child of 12 to 16: the appointments, not the messages.
    let csrf = parent.csrf().await;
    let chosen = parent
        .post(
            "/bytt-person",
            &[("csrf", &csrf), ("person", teenager.as_str())],
        )
        .await;
    assert_eq!(chosen.status, 303);
    assert_eq!(parent.get("/timeavtaler").await.status, 200);
    let messages = parent.get("/meldinger").await;
    assert_eq!(messages.status, 403);
    assert!(
        messages
            .body
            .contains("kan du ikke lese eller sende meldingene deres")
    );
    let csrf = parent.csrf().await;
    let refused = parent
        .post(
            "/meldinger/ny",
            &[("csrf", &csrf), ("emne", "Hei"), ("melding", "Hei")],
        )
        .await;
    assert_eq!(refused.status, 403);

    // Someone without a relation cannot be chosen, and the choice stays as it was.
    let csrf = parent.csrf().await;
    let stranger = parent
        .post(
            "/bytt-person",
            &[("csrf", &csrf), ("person", portal.ola.as_str())],
        )
        .await;
    assert_eq!(stranger.status, 400);
    assert!(
        stranger
            .body
            .contains("Du kan ikke handle på vegne av denne personen")
    );
    let bad = parent
        .post("/bytt-person", &[("csrf", &csrf), ("person", "123")])
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        parent
            .get("/timeavtaler")
            .await
            .body
            .contains("Du handler på vegne av Ola.")
    );

    // Once the register removes the relation, the parent is sent to choose again.
    portal
        .store
        .remove_relation(
            &Actor::Operator {
                user: "register".into(),
            },
            &portal.kari,
            &teenager,
        )
        .await
        .expect("removed");
    let lapsed = parent.get("/timeavtaler").await;
    assert_eq!(lapsed.location.as_deref(), Some("/bytt-person"));
    let again = parent.get("/bytt-person").await;
    assert!(again.body.contains("Du kan ikke lenger handle på vegne av"));
}

#[tokio::test]
async fn the_register_imports_lists_and_removes_relations() {
    let portal = portal(true).await;
    let operator = Browser::new(&portal);
    operator.operator_log_in().await;
    let page = operator.get("/register/representasjon").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Ingen relasjoner er registrert."));

    let csrf = operator.csrf().await;
    let lines = format!(
        "{};{};forelder\n{};{};venn\n",
        portal.kari.as_str(),
        portal.ola.as_str(),
        portal.kari.as_str(),
        portal.blocked.as_str()
    );
    let refused = operator
        .post(
            "/register/representasjon",
            &[("csrf", &csrf), ("linjer", &lines)],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("Linje 2: ukjent relasjon"),
        "{}",
        refused.body
    );
    assert_eq!(
        portal.number("SELECT COUNT(*) FROM representation").await,
        0,
        "a file with a bad line changes nothing"
    );

    let lines = format!(
        "{};{};fullmakt;2027-06-30\n",
        portal.kari.as_str(),
        portal.ola.as_str()
    );
    let imported = operator
        .post(
            "/register/representasjon",
            &[("csrf", &csrf), ("linjer", &lines)],
        )
        .await;
    assert_eq!(imported.status, 303, "{}", imported.body);
    let page = operator
        .get(imported.location.as_deref().expect("back"))
        .await;
    assert!(
        page.body.contains("1 relasjoner er lagret."),
        "{}",
        page.body
    );
    assert!(page.body.contains("30.06.2027"));
    assert!(page.body.contains("Fullmakt"));

    let removed = operator
        .post(
            "/register/representasjon/fjern",
            &[
                ("csrf", &csrf),
                ("representant", portal.kari.as_str()),
                ("person", portal.ola.as_str()),
            ],
        )
        .await;
    assert_eq!(removed.status, 303);
    assert_eq!(
        portal.number("SELECT COUNT(*) FROM representation").await,
        0
    );
    let actions: Vec<_> = portal
        .store
        .audit_events(&AuditFilter::default())
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        AuditAction::RelationsImported,
        AuditAction::RelationsViewed,
        AuditAction::RelationRemoved,
    ] {
        assert!(actions.contains(&action), "{action:?}");
    }
}
