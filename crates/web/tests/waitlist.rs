//! «Venteliste» over HTTP: a patient joins from «Velg time» with the days and times that
//! suit, a bad form says what is wrong and changes nothing, «Timeavtaler» lists the entry and
//! lets the patient leave; an offered place is booked or declined by its own patient only,
//! through the booking core; staff see their own timebook's line, audited; every page speaks
//! nynorsk and English too.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::{Browser, Portal, person, portal};
use domain::{Caller, NationalId, PersonName};
use store::{BookRequest, CancelRequest};

/// Weekday number (Monday 1) of the test's day.
fn weekday(portal: &Portal) -> String {
    portal.day.weekday().to_monday_one_offset().to_string()
}

/// Kari's wish for the portal's day, from `from` up to `to`.
async fn join(browser: &Browser, portal: &Portal, (from, to): (&str, &str)) -> common::Page {
    let csrf = browser.csrf().await;
    let day = portal.day.to_string();
    let weekday = weekday(portal);
    browser
        .post(
            &format!("/bestill/{}/venteliste", portal.timebook),
            &[
                ("csrf", &csrf),
                ("sted", "alle"),
                ("dag", &weekday),
                ("fra", from),
                ("til", to),
                ("forste", &day),
                ("siste", &day),
            ],
        )
        .await
}

async fn entries(portal: &Portal) -> i64 {
    portal
        .number("SELECT COUNT(*) FROM waitlist_entry WHERE state = 'waiting'")
        .await
}

async fn booked(portal: &Portal) -> i64 {
    portal
        .number("SELECT COUNT(*) FROM appointment WHERE status = 'booked'")
        .await
}

/// A fourth patient of the first clinic, who books the 08:15 place: the one the others want.
async fn taken_by_another(portal: &Portal) -> (NationalId, domain::AppointmentId) {
    let viktig = person(4);
    portal
        .store
        .list_patient(
            &domain::Actor::System,
            portal
                .store
                .patient(&portal.kari)
                .await
                .expect("read")
                .expect("listed")
                .clinic_id,
            &viktig,
            &PersonName::parse("Viktig").expect("name"),
            &PersonName::parse("Person").expect("name"),
        )
        .await
        .expect("listed");
    let booked = portal
        .store
        .book(
            &Caller::patient(viktig.clone()),
            &BookRequest {
                appointment_type: None,
                patient: viktig.clone(),
                slot: domain::SlotId(portal.slots[1]),
                reason: domain::Reason::parse("Vaksine").expect("reason"),
                hold: None,
                idempotency: None,
            },
        )
        .await
        .expect("booked");
    (viktig, booked.id)
}

async fn free_it(portal: &Portal, (viktig, appointment): (NationalId, domain::AppointmentId)) {
    portal
        .store
        .cancel(
            &Caller::patient(viktig),
            &CancelRequest {
                appointment,
                reason: None,
                version: None,
            },
        )
        .await
        .expect("cancelled");
}

/// The offer on the patient's «Timeavtaler», from its «Se tilbudet» link.
async fn offer_link(browser: &Browser) -> Option<String> {
    let page = browser.get("/timeavtaler").await;
    let start = page.body.find("href=\"/venteliste/tilbud/")? + "href=\"".len();
    let end = start + page.body[start..].find('"')?;
    Some(page.body[start..end].to_owned())
}

#[tokio::test]
async fn a_patient_joins_from_velg_time_and_a_bad_form_changes_nothing() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let calendar = kari.get(&format!("/bestill/{}", portal.timebook)).await;
    let link = format!(
        "/bestill/{}/venteliste?sted={}",
        portal.timebook, portal.resource
    );
    assert!(calendar.body.contains(&link), "{}", calendar.body);
    assert!(calendar.body.contains("Sett meg på venteliste"));
    let form = kari.get(&link).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("<h1>Sett meg på venteliste</h1>"));
    assert!(form.body.contains("30 minutter"), "{}", form.body);
    assert!(
        form.body
            .contains(&format!("value=\"{}\" selected", portal.resource))
    );

    // Each mistake gets its message on the form, in the patient's language, and nothing is
    // written.
    let csrf = kari.csrf().await;
    let day = portal.day.to_string();
    let weekday = weekday(&portal);
    let path = format!("/bestill/{}/venteliste", portal.timebook);
    for (form, message) in [
        (vec![("fra", "08:00")], "Velg minst én dag"),
        (
            vec![
                ("dag", weekday.as_str()),
                ("fra", "10:00"),
                ("til", "09:00"),
            ],
            "Til-klokkeslettet må være etter fra-klokkeslettet",
        ),
        (
            vec![("dag", weekday.as_str()), ("fra", "25:99")],
            "Skriv klokkeslettet som timer og minutter",
        ),
        (
            vec![("dag", weekday.as_str()), ("forste", "2026-13-40")],
            "Skriv datoen som dag, måned og år",
        ),
        (
            vec![("dag", weekday.as_str()), ("forste", "3000-01-01")],
            "Datoen må være mellom 1900 og 2199.",
        ),
        (
            vec![
                ("dag", weekday.as_str()),
                ("forste", &day),
                ("siste", "2199-01-01"),
            ],
            "Du kan stå på ventelisten i høyst ett år om gangen",
        ),
        (
            vec![("dag", weekday.as_str()), ("siste", "2000-01-01")],
            "Til-datoen har allerede vært",
        ),
        (
            vec![("dag", weekday.as_str()), ("sted", "99999")],
            "Velg et av stedene i listen",
        ),
    ] {
        let mut sent = vec![("csrf", csrf.as_str())];
        sent.extend(form.iter().copied());
        let page = kari.post(&path, &sent).await;
        assert_eq!(page.status, 422, "{message}");
        assert!(page.body.contains(message), "{message}: {}", page.body);
        assert!(page.body.contains("error-summary"), "{message}");
        assert_eq!(entries(&portal).await, 0, "{message}");
    }

    let joined = join(&kari, &portal, ("08:00", "09:00")).await;
    assert_eq!(
        joined.location.as_deref(),
        Some("/timeavtaler?venteliste=ny#venteliste")
    );
    let list = kari.get("/timeavtaler?venteliste=ny").await;
    assert!(
        list.body.contains("Du står nå på ventelisten."),
        "{}",
        list.body
    );
    assert!(list.body.contains("Vaksine hos Helsenorge testlegekontor"));
    assert!(list.body.contains("kl. 08:00–09:00"), "{}", list.body);
    assert!(list.body.contains("Alle steder"));
    let again = join(&kari, &portal, ("08:00", "09:00")).await;
    assert_eq!(
        again.location.as_deref(),
        Some("/timeavtaler?venteliste=allerede#venteliste")
    );
    assert_eq!(entries(&portal).await, 1);

    // Only Kari leaves her entry.
    let entry = portal
        .number("SELECT id FROM waitlist_entry WHERE state = 'waiting'")
        .await;
    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    let csrf_ola = ola.csrf().await;
    let refused = ola
        .post(
            &format!("/venteliste/{entry}/forlat"),
            &[("csrf", &csrf_ola)],
        )
        .await;
    assert_eq!(refused.status, 404);
    assert_eq!(entries(&portal).await, 1);
    let csrf = kari.csrf().await;
    let left = kari
        .post(&format!("/venteliste/{entry}/forlat"), &[("csrf", &csrf)])
        .await;
    assert_eq!(
        left.location.as_deref(),
        Some("/timeavtaler?venteliste=forlatt#venteliste")
    );
    assert_eq!(entries(&portal).await, 0);

    // Another clinic's timebook is not found; a blocked patient is sent back to «Velg time»,
    // which tells them, and nothing is written.
    let other = kari
        .post(
            &format!("/bestill/{}/venteliste", portal.other_timebook),
            &[("csrf", &csrf), ("dag", "1")],
        )
        .await;
    assert_eq!(other.status, 404);
    let blocked = Browser::new(&portal);
    blocked.log_in(&portal.blocked).await;
    let csrf_blocked = blocked.csrf().await;
    let refused = blocked
        .post(&path, &[("csrf", &csrf_blocked), ("dag", "1")])
        .await;
    assert_eq!(refused.status, 303);
    assert!(
        refused
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with(&format!("/bestill/{}", portal.timebook))),
        "{:?}",
        refused.location
    );
    assert_eq!(
        portal
            .number("SELECT COUNT(*) FROM waitlist_entry WHERE state <> 'left'")
            .await,
        0
    );
}

#[tokio::test]
async fn an_offered_place_is_booked_by_its_own_patient_through_the_core() {
    let portal = portal(true).await;
    let taken = taken_by_another(&portal).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    // Kari wants 08:15 only, which is taken: nothing to offer yet.
    join(&kari, &portal, ("08:15", "08:30")).await;
    assert_eq!(
        portal
            .store
            .offer_freed_places()
            .await
            .expect("pass")
            .offered,
        0
    );
    assert_eq!(offer_link(&kari).await, None);

    free_it(&portal, taken).await;
    assert_eq!(
        portal
            .store
            .offer_freed_places()
            .await
            .expect("pass")
            .offered,
        1
    );
    let link = offer_link(&kari).await.expect("the offer on «Timeavtaler»");
    let list = kari.get("/timeavtaler").await;
    assert!(
        list.body
            .contains("En ledig time er holdt av til deg til kl.")
    );

    // Ola reaches nothing of it, and changes nothing.
    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    let csrf_ola = ola.csrf().await;
    assert_eq!(ola.get(&link).await.status, 404);
    for action in ["bestill", "nei"] {
        let page = ola
            .post(
                &format!("{link}/{action}"),
                &[("csrf", &csrf_ola), ("reason", "Vaksine")],
            )
            .await;
        assert_eq!(page.status, 404, "{action}");
    }
    assert_eq!(booked(&portal).await, 0);

    let offer = kari.get(&link).await;
    assert_eq!(offer.status, 200);
    for text in [
        "Ledig time fra ventelisten",
        "Time hos Influensa, Helsenorge testlegekontor",
        "08:15 - 08:30",
        "Timen er holdt av til deg til kl.",
        "Hva gjelder det?",
        ">Bestill<",
        ">Nei takk<",
    ] {
        assert!(offer.body.contains(text), "{text}: {}", offer.body);
    }
    // Without «Hva gjelder det?» nothing is booked.
    let csrf = kari.csrf().await;
    let empty = kari
        .post(
            &format!("{link}/bestill"),
            &[("csrf", &csrf), ("reason", " ")],
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Du må skrive hva timen gjelder"));
    assert_eq!(booked(&portal).await, 0);

    let sent = kari
        .post(
            &format!("{link}/bestill"),
            &[("csrf", &csrf), ("reason", "Influensavaksine")],
        )
        .await;
    let receipt = sent.location.expect("receipt");
    assert!(receipt.starts_with("/bestill/kvittering/"), "{receipt}");
    assert!(kari.get(&receipt).await.body.contains("Timen er bestilt"));
    assert_eq!(
        portal
            .number(&format!(
                "SELECT COUNT(*) FROM appointment WHERE status = 'booked' AND slot_id = {} \
                 AND national_id = '{}'",
                portal.slots[1],
                portal.kari.as_str()
            ))
            .await,
        1
    );
    let after = kari.get(&link).await;
    assert!(after.body.contains("Du har bestilt denne timen."));
    assert!(!after.body.contains(">Bestill<"));
    // Booked, Kari is off the list.
    assert_eq!(entries(&portal).await, 0);
}

#[tokio::test]
async fn nei_takk_passes_the_place_to_the_next_in_line() {
    let portal = portal(true).await;
    let taken = taken_by_another(&portal).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    join(&kari, &portal, ("08:15", "08:30")).await;
    join(&ola, &portal, ("08:15", "08:30")).await;
    free_it(&portal, taken).await;
    portal.store.offer_freed_places().await.expect("pass");
    let link = offer_link(&kari).await.expect("Kari is first");
    assert_eq!(offer_link(&ola).await, None);

    let csrf = kari.csrf().await;
    let declined = kari.post(&format!("{link}/nei"), &[("csrf", &csrf)]).await;
    assert_eq!(
        declined.location.as_deref(),
        Some("/timeavtaler?venteliste=avslatt#venteliste")
    );
    let list = kari.get("/timeavtaler?venteliste=avslatt").await;
    assert!(list.body.contains("Du har sagt nei takk til timen."));
    assert!(
        kari.get(&link)
            .await
            .body
            .contains("Tilbudet gjelder ikke lenger.")
    );
    // A second «Nei takk» changes nothing and goes back to the page.
    let again = kari.post(&format!("{link}/nei"), &[("csrf", &csrf)]).await;
    assert_eq!(again.location.as_deref(), Some(link.as_str()));

    portal.store.offer_freed_places().await.expect("pass");
    assert!(offer_link(&ola).await.is_some(), "Ola is next");
    assert_eq!(offer_link(&kari).await, None);
    assert_eq!(entries(&portal).await, 2, "both still wait");
}

#[tokio::test]
async fn a_parent_waits_for_their_child_and_the_offer_goes_to_the_parent() {
    let portal = portal(true).await;
    let taken = taken_by_another(&portal).await;
    let child = common::represented_child(&portal, &portal.kari, 2018).await;
    let parent = Browser::new(&portal);
    parent.log_in_to_act_for(&portal.kari, &child).await;
    join(&parent, &portal, ("08:15", "08:30")).await;
    let joined_by = portal
        .number(&format!(
            "SELECT COUNT(*) FROM audit_event WHERE action = 'waitlist.joined' \
             AND national_id = '{}' AND actor_kind = 'representative' AND actor_id = '{}'",
            child.as_str(),
            portal.kari.as_str()
        ))
        .await;
    assert_eq!(joined_by, 1, "the audit names the child and the parent");

    free_it(&portal, taken).await;
    portal.store.offer_freed_places().await.expect("pass");
    // The offer's notice is the parent's, not the child's.
    let told = |recipient: String| {
        format!("SELECT COUNT(*) FROM outbox WHERE waitlist_offer_id IS NOT NULL AND {recipient}")
    };
    assert_eq!(
        portal
            .number(&told(format!("recipient = '{}'", portal.kari.as_str())))
            .await,
        1
    );
    assert_eq!(portal.number(&told("recipient IS NULL".into())).await, 0);
    let link = offer_link(&parent)
        .await
        .expect("on the child's «Timeavtaler»");

    // Back to acting for herself, the parent follows the notice's link: she is asked whom
    // she acts for, and choosing the child brings her to the offer.
    let csrf = parent.csrf().await;
    parent
        .post("/bytt-person", &[("csrf", &csrf), ("person", "meg")])
        .await;
    let asked = parent.get(&link).await;
    assert_eq!(
        (asked.status, asked.location.as_deref()),
        (303, Some("/bytt-person"))
    );
    let chosen = parent
        .post(
            "/bytt-person",
            &[("csrf", &csrf), ("person", child.as_str())],
        )
        .await;
    assert_eq!(chosen.location.as_deref(), Some(link.as_str()));
    let offer = parent.get(&link).await;
    assert_eq!(offer.status, 200);
    assert!(offer.body.contains("Du handler på vegne av Ola."));

    let booked = parent
        .post(
            &format!("{link}/bestill"),
            &[("csrf", &csrf), ("reason", "Vaksine")],
        )
        .await;
    assert!(
        booked
            .location
            .as_deref()
            .is_some_and(|to| to.starts_with("/bestill/kvittering/")),
        "{}",
        booked.body
    );
    let appointment = portal
        .number(&format!(
            "SELECT COUNT(*) FROM appointment WHERE status = 'booked' AND national_id = '{}' \
             AND representative = '{}'",
            child.as_str(),
            portal.kari.as_str()
        ))
        .await;
    assert_eq!(appointment, 1, "the child's, booked by the parent");
}

#[tokio::test]
async fn staff_see_their_own_timebooks_line_in_order_and_each_view_is_audited() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    join(&kari, &portal, ("08:15", "08:30")).await;
    join(&ola, &portal, ("07:00", "07:30")).await;

    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let page = staff
        .get(&format!("/klinikk/venteliste?timebok={}", portal.timebook))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("href=\"/klinikk/venteliste\" aria-current=\"page\"")
    );
    let (first, second) = (
        page.body.find(portal.kari.as_str()).expect("Kari listed"),
        page.body.find(portal.ola.as_str()).expect("Ola listed"),
    );
    assert!(first < second, "in line order");
    assert!(page.body.contains("Kari Nordmann"));
    assert!(page.body.contains("kl. 07:00–07:30"));
    let viewed = portal
        .number("SELECT COUNT(*) FROM audit_event WHERE action = 'waitlist.viewed'")
        .await;
    assert_eq!(viewed, 2);

    // The other clinic's staff asking for this timebook get their own first timebook's line:
    // nobody of this clinic's.
    let other = Browser::new(&portal);
    other.staff_log_in(1).await;
    let theirs = other
        .get(&format!("/klinikk/venteliste?timebok={}", portal.timebook))
        .await;
    assert_eq!(theirs.status, 200);
    assert!(!theirs.body.contains(portal.kari.as_str()));
    assert!(!theirs.body.contains("Kari"));
    assert!(theirs.body.contains("Ingen står på ventelisten."));
    assert_eq!(
        portal
            .number("SELECT COUNT(*) FROM audit_event WHERE action = 'waitlist.viewed'")
            .await,
        2
    );
}

#[tokio::test]
async fn the_pages_speak_nynorsk_and_english() {
    let portal = portal(true).await;
    let taken = taken_by_another(&portal).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    join(&kari, &portal, ("08:15", "08:30")).await;
    free_it(&portal, taken).await;
    portal.store.offer_freed_places().await.expect("pass");
    let link = offer_link(&kari).await.expect("offer");
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    for (lang, join_title, offer_title, staff_title) in [
        (
            "nn",
            "Set meg på venteliste",
            "Ledig time frå ventelista",
            "Venteliste",
        ),
        (
            "en",
            "Put me on the waiting list",
            "A free appointment from the waiting list",
            "Waiting list",
        ),
    ] {
        for browser in [&kari, &staff] {
            browser.get(&format!("/sprak/{lang}?tilbake=/")).await;
        }
        for (browser, path, title) in [
            (
                &kari,
                format!("/bestill/{}/venteliste", portal.timebook),
                join_title,
            ),
            (&kari, link.clone(), offer_title),
            (&kari, "/timeavtaler".to_owned(), ""),
            (&staff, "/klinikk/venteliste".to_owned(), staff_title),
        ] {
            let page = browser.get(&path).await;
            assert_eq!(page.status, 200, "{lang} {path}");
            assert!(page.body.contains(title), "{lang} {path}: {}", page.body);
            for key in ["waitlist-", "offer-", "staff-waitlist-"] {
                assert!(
                    !page.body.contains(key),
                    "{lang} {path}: {key} in {}",
                    page.body
                );
            }
        }
    }
}
