//! «Be om time» (timeønske) over HTTP: staff set a timebook to take requests in «Timebøker»;
//! the patient's form refuses an empty or too long reason and days that do not suit with a
//! clear message and saves nothing, and a good one gives a receipt and a line in
//! «Timeavtaler»; a blocked patient gets the guide's automatic reply; staff list the open
//! requests and answer one with an appointment booked through the core and another with a
//! reply, which the patients see; another clinic's staff reach none of it; every page speaks
//! nynorsk and English too.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::{Browser, Page, Portal, portal};

/// Staff of the first clinic set the test's timebook to `mode` on «Timebøker».
async fn set_mode(portal: &Portal, staff: &Browser, mode: &str) {
    let csrf = staff.csrf().await;
    let page = staff
        .post(
            &format!("/klinikk/timeboker/{}/bestillingsmate", portal.timebook),
            &[("csrf", &csrf), ("mate", mode)],
        )
        .await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/klinikk/timeboker?melding=bestillingsmate")),
        "{}",
        page.body
    );
}

/// The patient sends the form with `reason`, for the portal's day, all day.
async fn send(browser: &Browser, portal: &Portal, reason: &str) -> Page {
    let csrf = browser.csrf().await;
    let day = portal.day.to_string();
    let weekday = portal.day.weekday().to_monday_one_offset().to_string();
    browser
        .post(
            &format!("/bestill/{}/onske", portal.timebook),
            &[
                ("csrf", &csrf),
                ("reason", reason),
                ("dag", &weekday),
                ("fra", ""),
                ("til", ""),
                ("forste", &day),
                ("siste", &day),
            ],
        )
        .await
}

/// The request's id from the receipt's address.
fn sent_id(page: &Page) -> String {
    let location = page.location.as_deref().expect("receipt");
    assert!(location.starts_with("/timeonsker/"), "{location}");
    location
        .trim_start_matches("/timeonsker/")
        .trim_end_matches("?sendt=ja")
        .to_owned()
}

async fn requests(portal: &Portal) -> i64 {
    portal
        .number("SELECT COUNT(*) FROM appointment_request")
        .await
}

#[tokio::test]
async fn the_timebook_says_whether_patients_ask_and_a_bad_form_changes_nothing() {
    let portal = portal(true).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let form = format!("/bestill/{}/onske", portal.timebook);
    let velg = format!("/bestill/{}", portal.timebook);

    // Slot picking only, as every timebook starts: the form sends the patient to «Velg time».
    let page = staff.get("/klinikk/timeboker").await;
    assert!(page.body.contains("Hvordan ber pasientene om time?"));
    assert!(
        page.body.contains("value=\"slots\" checked"),
        "{}",
        page.body
    );
    assert_eq!(
        kari.get(&form).await.location.as_deref(),
        Some(velg.as_str())
    );
    assert!(!kari.get(&velg).await.body.contains(&form));

    // Requests only: «Velg time» sends the patient to the form.
    set_mode(&portal, &staff, "requests").await;
    assert_eq!(
        kari.get(&velg).await.location.as_deref(),
        Some(form.as_str())
    );
    // Both: «Velg time» has its slots and a link to ask instead.
    set_mode(&portal, &staff, "both").await;
    let page = staff
        .get("/klinikk/timeboker?melding=bestillingsmate")
        .await;
    assert!(page.body.contains("Bestillingsmåten er lagret."));
    assert!(page.body.contains("value=\"both\" checked"));
    let page = kari.get(&velg).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Be om en time i stedet"),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!("href=\"{form}\"")));
    // A mode that is none of the three is refused and changes nothing.
    let csrf = staff.csrf().await;
    let page = staff
        .post(
            &format!("/klinikk/timeboker/{}/bestillingsmate", portal.timebook),
            &[("csrf", &csrf), ("mate", "alle")],
        )
        .await;
    assert_eq!(page.status, 400);

    let page = kari.get(&form).await;
    assert_eq!(page.status, 200);
    for text in [
        "Be om time",
        "Hva gjelder det?",
        "0/50 tegn",
        "Hvilke dager passer?",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }

    // Empty, 51 characters, and no weekday: each says what is wrong, and nothing is saved.
    let page = send(&kari, &portal, "   ").await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("Du må skrive hva timen gjelder"),
        "{}",
        page.body
    );
    assert!(page.body.contains("href=\"#reason\""));
    let long = "x".repeat(51);
    let page = send(&kari, &portal, &long).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("Du kan skrive høyst 50 tegn"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!("value=\"{long}\"")),
        "kept as typed"
    );
    let csrf = kari.csrf().await;
    let page = kari
        .post(
            &form,
            &[("csrf", &csrf), ("reason", "Influensavaksine"), ("fra", "")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Velg minst én dag"), "{}", page.body);
    assert_eq!(requests(&portal).await, 0);

    // Fifty characters is enough; the receipt and «Timeavtaler» show the request.
    let fifty = "y".repeat(50);
    let page = send(&kari, &portal, &fifty).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let id = sent_id(&page);
    let receipt = kari.get(&format!("/timeonsker/{id}?sendt=ja")).await;
    assert_eq!(receipt.status, 200);
    for text in [
        "Timeønsket er sendt",
        &fifty,
        "Venter på svar fra legekontoret.",
    ] {
        assert!(receipt.body.contains(text), "{text}: {}", receipt.body);
    }
    let list = kari.get("/timeavtaler").await;
    assert!(list.body.contains("Timeønsker"), "{}", list.body);
    assert!(list.body.contains(&format!("href=\"/timeonsker/{id}\"")));
    assert_eq!(
        portal
            .number("SELECT COUNT(*) FROM appointment_request WHERE state = 'open'")
            .await,
        1
    );
    // Another patient does not find it.
    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    assert_eq!(ola.get(&format!("/timeonsker/{id}")).await.status, 404);
}

#[tokio::test]
async fn a_blocked_patient_gets_the_automatic_reply_and_staff_are_not_bothered() {
    let portal = portal(true).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    set_mode(&portal, &staff, "requests").await;
    let per = Browser::new(&portal);
    per.log_in(&portal.blocked).await;
    let page = send(&per, &portal, "Influensavaksine").await;
    assert_eq!(page.status, 303, "{}", page.body);
    let id = sent_id(&page);
    let receipt = per.get(&format!("/timeonsker/{id}?sendt=ja")).await;
    for text in [
        "Legekontoret har ikke gitt deg tilgang til denne tjenesten.",
        "Kontakt fastlegekontoret ved eventuelle spørsmål.",
    ] {
        assert!(receipt.body.contains(text), "{text}: {}", receipt.body);
    }
    let list = staff.get("/klinikk/timeonsker").await;
    assert!(
        list.body.contains("Ingen timeønsker venter på svar."),
        "{}",
        list.body
    );
    assert_eq!(
        portal
            .number("SELECT COUNT(*) FROM appointment_request WHERE state = 'automatic'")
            .await,
        1
    );
}

#[tokio::test]
async fn staff_answer_with_an_appointment_or_a_reply_and_another_clinic_reaches_neither() {
    let portal = portal(true).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    set_mode(&portal, &staff, "both").await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    let karis = sent_id(&send(&kari, &portal, "Influensavaksine, tidlig").await);
    let olas = sent_id(&send(&ola, &portal, "Vaksine for reise").await);

    let list = staff.get("/klinikk/timeonsker").await;
    assert_eq!(list.status, 200);
    for text in [
        "Influensavaksine, tidlig",
        "Vaksine for reise",
        "Kari Nordmann",
        &format!("/klinikk/timeonsker/{karis}"),
    ] {
        assert!(list.body.contains(text), "{text}: {}", list.body);
    }
    assert!(
        list.body.contains("href=\"/klinikk/timeonsker\""),
        "in the navigation"
    );
    assert!(list.body.contains("Timeønsker (2)"), "with the count");
    let viewed = portal
        .number("SELECT COUNT(*) FROM audit_event WHERE action = 'request.viewed'")
        .await;
    assert_eq!(viewed, 2, "each patient shown is audited");

    // Another clinic's staff: not in their list, and neither shown nor answered.
    let other = Browser::new(&portal);
    other.staff_log_in(1).await;
    let theirs = other.get("/klinikk/timeonsker").await;
    assert!(!theirs.body.contains("Influensavaksine, tidlig"));
    assert!(
        !theirs.body.contains("Timeønsker ("),
        "no count of another clinic's"
    );
    assert_eq!(
        other
            .get(&format!("/klinikk/timeonsker/{karis}"))
            .await
            .status,
        404
    );
    let csrf = other.csrf().await;
    let slot = portal.slots[0].to_string();
    let page = other
        .post(
            &format!("/klinikk/timeonsker/{karis}/time"),
            &[("csrf", &csrf), ("time", &slot)],
        )
        .await;
    assert_eq!(page.status, 404);
    let page = other
        .post(
            &format!("/klinikk/timeonsker/{karis}/svar"),
            &[("csrf", &csrf), ("svar", "Hei")],
        )
        .await;
    assert_eq!(page.status, 404);
    assert_eq!(
        portal
            .number("SELECT COUNT(*) FROM appointment_request WHERE state = 'open'")
            .await,
        2
    );

    // «Gi time»: the request's page offers the free slots of its timebook on the day that suits.
    let page = staff.get(&format!("/klinikk/timeonsker/{karis}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!("value=\"{slot}\"")),
        "{}",
        page.body
    );
    let csrf = staff.csrf().await;
    let page = staff
        .post(
            &format!("/klinikk/timeonsker/{karis}/time"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Velg en av de ledige timene"));
    let page = staff
        .post(
            &format!("/klinikk/timeonsker/{karis}/time"),
            &[("csrf", &csrf), ("time", &slot)],
        )
        .await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/klinikk/timeonsker?melding=time")),
        "{}",
        page.body
    );
    assert_eq!(
        portal
            .number(&format!(
                "SELECT COUNT(*) FROM appointment WHERE status = 'booked' AND slot_id = {slot} \
                 AND reason = 'Influensavaksine, tidlig'"
            ))
            .await,
        1
    );
    let appointments = kari.get("/timeavtaler").await;
    assert!(appointments.body.contains("Influensavaksine, tidlig"));
    assert!(
        appointments
            .body
            .contains("Legekontoret har gitt deg en time"),
        "{}",
        appointments.body
    );
    // Answered, it is not answered again: Ola cannot be put into the same request's slot.
    let page = staff
        .post(
            &format!("/klinikk/timeonsker/{karis}/svar"),
            &[("csrf", &csrf), ("svar", "Hei")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Timeønsket er allerede besvart."));

    // A slot already taken is refused and Ola's request stays open.
    let page = staff
        .post(
            &format!("/klinikk/timeonsker/{olas}/time"),
            &[("csrf", &csrf), ("time", &slot)],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("Timen er ikke ledig lenger."),
        "{}",
        page.body
    );

    // «Svar»: empty is refused; a reply reaches Ola's request and his messages.
    let page = staff
        .post(
            &format!("/klinikk/timeonsker/{olas}/svar"),
            &[("csrf", &csrf), ("svar", "  ")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Du må skrive et svar"));
    let page = staff
        .post(
            &format!("/klinikk/timeonsker/{olas}/svar"),
            &[("csrf", &csrf), ("svar", "Ring oss i januar.")],
        )
        .await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/klinikk/timeonsker?melding=svar"))
    );
    let seen = ola.get(&format!("/timeonsker/{olas}")).await;
    assert!(
        seen.body.contains("Legekontoret har svart:"),
        "{}",
        seen.body
    );
    assert!(seen.body.contains("Ring oss i januar."));
    assert!(
        ola.get("/meldinger")
            .await
            .body
            .contains("Vaksine for reise")
    );
    assert!(
        staff
            .get("/klinikk/timeonsker")
            .await
            .body
            .contains("Ingen timeønsker venter på svar.")
    );
}

#[tokio::test]
async fn the_pages_speak_nynorsk_and_english() {
    let portal = portal(true).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    set_mode(&portal, &staff, "both").await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let id = sent_id(&send(&kari, &portal, "Influensavaksine").await);
    for (lang, form_title, staff_title, mode) in [
        (
            "nn",
            "Be om time",
            "Timeønske",
            "Korleis ber pasientane om time?",
        ),
        (
            "en",
            "Ask for a time",
            "Requests for a time",
            "How do patients ask for a time?",
        ),
    ] {
        for browser in [&kari, &staff] {
            browser.get(&format!("/sprak/{lang}?tilbake=/")).await;
        }
        for (browser, path, title) in [
            (
                &kari,
                format!("/bestill/{}/onske", portal.timebook),
                form_title,
            ),
            (&kari, format!("/timeonsker/{id}"), ""),
            (&kari, "/timeavtaler".to_owned(), ""),
            (&staff, "/klinikk/timeonsker".to_owned(), staff_title),
            (&staff, format!("/klinikk/timeonsker/{id}"), ""),
            (&staff, "/klinikk/timeboker".to_owned(), mode),
        ] {
            let page = browser.get(&path).await;
            assert_eq!(page.status, 200, "{lang} {path}");
            assert!(page.body.contains(title), "{lang} {path}: {}", page.body);
            for key in [
                "request-",
                "staff-request",
                "timebooks-mode-",
                "review-reason-",
            ] {
                assert!(
                    !page.body.contains(key),
                    "{lang} {path}: {key} in {}",
                    page.body
                );
            }
        }
    }
}

#[tokio::test]
async fn a_parent_asks_for_their_child_and_the_request_is_the_childs() {
    let portal = portal(true).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    set_mode(&portal, &staff, "both").await;
    let child = common::represented_child(&portal, &portal.kari, 2019).await;
    let parent = Browser::new(&portal);
    parent.log_in_to_act_for(&portal.kari, &child).await;
    let id = sent_id(&send(&parent, &portal, "Vaksine for barnet").await);
    assert_eq!(
        portal
            .number(&format!(
                "SELECT COUNT(*) FROM appointment_request WHERE id = {id} \
                 AND national_id = '{}' AND representative = '{}'",
                child.as_str(),
                portal.kari.as_str()
            ))
            .await,
        1,
        "the child's request, sent by the parent"
    );
    // The office answers the child's request with an appointment for the child.
    let csrf = staff.csrf().await;
    let slot = portal.slots[2].to_string();
    let page = staff
        .post(
            &format!("/klinikk/timeonsker/{id}/time"),
            &[("csrf", &csrf), ("time", &slot)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        portal
            .number(&format!(
                "SELECT COUNT(*) FROM appointment WHERE national_id = '{}' \
                 AND slot_id = {slot} AND status = 'booked'",
                child.as_str()
            ))
            .await,
        1
    );
    let seen = parent.get("/timeavtaler").await;
    assert!(seen.body.contains("Vaksine for barnet"), "{}", seen.body);
    assert!(seen.body.contains("Legekontoret har gitt deg en time"));
}
