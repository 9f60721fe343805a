//! The patient portal over real HTTP, against a real database: the journey, and every kind of
//! bad or tampered input getting a clear 4xx page that changes nothing.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::{Browser, hold_id, portal};
use jiff::civil::Date;

#[tokio::test]
async fn the_whole_journey_books_an_appointment() {
    let portal = portal(true).await;
    let browser = Browser::new(&portal);
    assert_eq!(
        browser.get("/").await.location.as_deref(),
        Some("/logg-inn")
    );
    browser.log_in(&portal.kari).await;

    let services = browser.get("/bestill").await;
    for text in [
        "Hva trenger du?",
        "Her kan du se tjenester som tilbys av helsekontakten eller tilhørende behandlingssted.",
        "Informasjon fra legekontoret",
        "Velkommen til oss",
        "Ta prøve på laboratoriet",
        ">Vaksine<",
        "Tilbake",
        "Neste",
        "Avbryt",
    ] {
        assert!(
            services.body.contains(text),
            "«{text}» missing from «Hva trenger du?»"
        );
    }
    let csrf = browser.csrf().await;
    let nothing = browser.post("/bestill", &[("csrf", &csrf)]).await;
    assert_eq!(nothing.status, 422);
    assert!(
        nothing
            .body
            .contains("Sjekk at følgende er riktig valgt/utfylt:")
    );
    let chosen = browser
        .post(
            "/bestill",
            &[("csrf", &csrf), ("timebook", &portal.timebook.to_string())],
        )
        .await;
    let choose_path = chosen.location.expect("redirect to «Velg time»");

    let month = portal.day.strftime("%Y-%m");
    let choose = browser
        .get(&format!("{choose_path}?maned={month}&dag={}", portal.day))
        .await;
    for text in [
        "Timebestilling",
        "Velg time",
        "Alle felt må fylles ut",
        "Velg sted",
        "I dag",
        "Man",
        "Søn",
        "Oppmøtested: Influensaveien 3a, 1325 Lysaker",
        "08:15 - 08:30",
    ] {
        assert!(
            choose.body.contains(text),
            "«{text}» missing from «Velg time»"
        );
    }
    // The label above the heading names the task; a colon there promised more that never came.
    assert!(!choose.body.contains("Timebestilling:"));
    assert!(
        choose
            .body
            .contains(&format!("Ledige timer {}", short_date(portal.day)))
    );
    let review_path = browser
        .hold(portal.timebook, portal.slots[1])
        .await
        .location
        .expect("review");
    let review = browser.get(&review_path).await;
    for text in [
        "Se gjennom før du sender",
        "Time hos Influensa, Helsenorge testlegekontor",
        "kl. 08:15 - 08:30",
        "Antatt varighet: 15 min",
        "Hva gjelder det?",
        "Maks 50 tegn.",
        "0/50 tegn",
        "Henvendelsen lagres i legens journalsystem.",
    ] {
        assert!(
            review.body.contains(text),
            "«{text}» missing from the review"
        );
    }
    let hold = hold_id(&review_path);
    let slot = portal.slots[1].to_string();
    let send = format!("/bestill/{}/send", portal.timebook);
    let sent = browser
        .post(
            &send,
            &[
                ("csrf", &csrf),
                ("slot", &slot),
                ("hold", &hold),
                ("reason", "Influensavaksine"),
            ],
        )
        .await;
    let receipt = browser.get(&sent.location.expect("receipt")).await;
    assert!(
        receipt
            .body
            .contains("Time til vaksine hos Helsenorge testlegekontor")
    );
    let list = browser.get("/timeavtaler").await;
    assert!(list.body.contains("kl. 08:15 - 08:30") && list.body.contains("Avbestill"));
    assert_eq!(
        portal
            .store
            .planned_appointments(&portal.kari)
            .await
            .expect("planned")
            .len(),
        1
    );
}

fn short_date(day: Date) -> String {
    let months = [
        "jan.", "feb.", "mar.", "apr.", "mai", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.",
        "des.",
    ];
    format!(
        "{}. {} {}",
        day.day(),
        months[usize::try_from(day.month() - 1).unwrap_or(0)],
        day.year()
    )
}

#[tokio::test]
async fn an_empty_or_too_long_reason_is_refused_with_the_guides_texts() {
    let portal = portal(true).await;
    let browser = Browser::new(&portal);
    browser.log_in(&portal.kari).await;
    let review_path = browser
        .hold(portal.timebook, portal.slots[0])
        .await
        .location
        .expect("review");
    let (hold, slot, csrf) = (
        hold_id(&review_path),
        portal.slots[0].to_string(),
        browser.csrf().await,
    );
    let send = format!("/bestill/{}/send", portal.timebook);
    let empty = browser
        .post(
            &send,
            &[
                ("csrf", &csrf),
                ("slot", &slot),
                ("hold", &hold),
                ("reason", "   "),
            ],
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(
        empty
            .body
            .contains("Sjekk at følgende er riktig valgt/utfylt:")
    );
    assert!(empty.body.contains("href=\"#reason\""));
    assert!(empty.body.contains("Du må skrive hva timen gjelder"));
    let long = "æ".repeat(51);
    let too_long = browser
        .post(
            &send,
            &[
                ("csrf", &csrf),
                ("slot", &slot),
                ("hold", &hold),
                ("reason", &long),
            ],
        )
        .await;
    assert_eq!(too_long.status, 422);
    assert!(too_long.body.contains("51/50 tegn"));
    let fifty = "🧑‍⚕️".repeat(50);
    let ok = browser
        .post(
            &send,
            &[
                ("csrf", &csrf),
                ("slot", &slot),
                ("hold", &hold),
                ("reason", &fifty),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "50 emoji are 50 characters");
    assert_eq!(
        portal
            .store
            .planned_appointments(&portal.kari)
            .await
            .expect("planned")
            .len(),
        1
    );
}

#[tokio::test]
async fn a_blocked_patient_gets_the_guides_message_and_no_slots() {
    let portal = portal(true).await;
    let browser = Browser::new(&portal);
    browser.log_in(&portal.blocked).await;
    let month = portal.day.strftime("%Y-%m");
    let page = browser
        .get(&format!("/bestill/{}?maned={month}", portal.timebook))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Tjenesten kunne ikke hente ledige timer. Prøv igjen senere.")
    );
    assert!(!page.body.contains("08:00 - 08:15"));
    let held = browser.hold(portal.timebook, portal.slots[0]).await;
    assert_eq!(held.status, 303);
    assert!(
        portal
            .store
            .hold(
                &domain::Caller::patient(portal.ola.clone()),
                &store::HoldRequest {
                    appointment_type: None,
                    patient: portal.ola.clone(),
                    slot: domain::SlotId(portal.slots[0]),
                    moving: None,
                    referral: None,
                },
            )
            .await
            .is_ok(),
        "the blocked patient held nothing"
    );
}

#[tokio::test]
async fn a_slot_taken_meanwhile_sends_the_patient_back_with_a_plain_message() {
    let portal = portal(true).await;
    let (kari, ola) = (Browser::new(&portal), Browser::new(&portal));
    kari.log_in(&portal.kari).await;
    ola.log_in(&portal.ola).await;
    let kari_review = kari
        .hold(portal.timebook, portal.slots[2])
        .await
        .location
        .expect("review");
    let refused = ola.hold(portal.timebook, portal.slots[2]).await;
    let back = refused.location.expect("back to the calendar");
    assert!(
        back.contains("melding=opptatt") && back.contains("sted="),
        "{back}"
    );
    assert!(
        ola.get(&back)
            .await
            .body
            .contains("Noen andre har nettopp fått denne timen. Velg en annen time.")
    );
    let csrf = kari.csrf().await;
    let sent = kari
        .post(
            &format!("/bestill/{}/send", portal.timebook),
            &[
                ("csrf", &csrf),
                ("slot", &portal.slots[2].to_string()),
                ("hold", &hold_id(&kari_review)),
                ("reason", "Vaksine"),
            ],
        )
        .await;
    assert!(
        sent.location
            .expect("receipt")
            .starts_with("/bestill/kvittering/")
    );
}

#[tokio::test]
async fn tampered_requests_get_a_clear_4xx_and_change_nothing() {
    let portal = portal(true).await;
    let (kari, ola) = (Browser::new(&portal), Browser::new(&portal));
    kari.log_in(&portal.kari).await;
    ola.log_in(&portal.ola).await;
    let csrf = kari.csrf().await;

    // No CSRF token, or a wrong one.
    for token in [
        "",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let page = kari
            .post(
                &format!("/bestill/{}/hold", portal.timebook),
                &[("csrf", token), ("slot", &portal.slots[0].to_string())],
            )
            .await;
        assert_eq!(page.status, 403);
        assert!(page.body.contains("sikkerhetsmerke"));
    }
    // Every form of the portal refuses a request without the token, and nothing changes.
    for path in [
        "/logg-ut",
        "/bestill",
        "/timeavtaler/1/avbestill",
        &format!("/bestill/{}/send", portal.timebook),
    ] {
        let page = kari
            .post(path, &[("timebook", &portal.timebook.to_string())])
            .await;
        assert_eq!(page.status, 403, "{path}");
    }
    assert_eq!(
        kari.get("/timeavtaler").await.status,
        200,
        "still logged in"
    );
    // Another clinic's timebook and slot, a slot of the wrong timebook, forged ids.
    assert_eq!(
        kari.get(&format!("/bestill/{}", portal.other_timebook))
            .await
            .status,
        404
    );
    let foreign = kari
        .post(
            &format!("/bestill/{}/hold", portal.timebook),
            &[("csrf", &csrf), ("slot", &portal.foreign_slot.to_string())],
        )
        .await;
    assert_eq!(foreign.status, 404);
    assert_eq!(
        kari.post(
            &format!("/bestill/{}/hold", portal.timebook),
            &[("csrf", &csrf), ("slot", "99999")]
        )
        .await
        .status,
        404
    );
    assert_eq!(
        kari.post(
            &format!("/bestill/{}/hold", portal.timebook),
            &[("csrf", &csrf), ("slot", "x")]
        )
        .await
        .status,
        400
    );
    assert_eq!(kari.get("/bestill/99999").await.status, 404);

    // Ola's appointment is not Kari's to see, download or cancel.
    let id = ola.book(portal.timebook, portal.slots[0], "Vaksine").await;
    assert_eq!(
        kari.get(&format!("/bestill/kvittering/{id}")).await.status,
        404
    );
    assert_eq!(
        kari.get(&format!("/timeavtaler/{id}/kalender.ics"))
            .await
            .status,
        404
    );
    assert_eq!(
        kari.post(&format!("/timeavtaler/{id}/avbestill"), &[("csrf", &csrf)])
            .await
            .status,
        404
    );
    assert_eq!(
        portal
            .store
            .planned_appointments(&portal.ola)
            .await
            .expect("planned")
            .len(),
        1
    );

    // Not logged in: sent to the login, nothing shown.
    let stranger = Browser::new(&portal);
    assert_eq!(
        stranger.get("/timeavtaler").await.location.as_deref(),
        Some("/logg-inn")
    );
}

#[tokio::test]
async fn patients_cancel_before_the_deadline_and_download_a_calendar_file() {
    let portal = portal(true).await;
    let browser = Browser::new(&portal);
    browser.log_in(&portal.kari).await;
    let csrf = browser.csrf().await;
    let id = browser
        .book(portal.timebook, portal.slots[0], "Vaksine")
        .await;
    let ics = browser
        .get(&format!("/timeavtaler/{id}/kalender.ics"))
        .await;
    assert_eq!(ics.status, 200);
    assert!(ics.body.contains(&format!(
        "DTSTART;TZID=Europe/Oslo:{}T080000",
        portal.day.strftime("%Y%m%d")
    )));
    let cancelled = browser
        .post(&format!("/timeavtaler/{id}/avbestill"), &[("csrf", &csrf)])
        .await;
    assert_eq!(
        cancelled.location.as_deref(),
        Some("/timeavtaler?avbestilt=1")
    );
    let list = browser.get("/timeavtaler?avbestilt=1").await;
    assert!(list.body.contains("Timen er avbestilt.") && list.body.contains("Avbestilt av deg"));
    let again = browser
        .post(&format!("/timeavtaler/{id}/avbestill"), &[("csrf", &csrf)])
        .await;
    assert_eq!(again.status, 409);

    // Inside the deadline: no «Avbestill», a way to reach the office instead, and a refusal.
    let soon = browser
        .book(portal.lab_timebook, portal.soon_slot, "Blodprøve")
        .await;
    let list = browser.get("/timeavtaler").await;
    assert!(
        list.body
            .contains("Det er for sent å avbestille på nett. Kontakt legekontoret")
    );
    assert!(
        !list
            .body
            .contains(&format!("/timeavtaler/{soon}/avbestill"))
    );
    let refused = browser
        .post(
            &format!("/timeavtaler/{soon}/avbestill"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, 409);
    assert_eq!(
        portal
            .store
            .planned_appointments(&portal.kari)
            .await
            .expect("planned")
            .len(),
        1
    );
}

#[tokio::test]
async fn the_language_switch_is_kept_and_only_goes_to_local_pages() {
    let portal = portal(true).await;
    let browser = Browser::new(&portal);
    browser.log_in(&portal.kari).await;
    let switched = browser.get("/sprak/nn?tilbake=/bestill").await;
    assert_eq!(
        (switched.status, switched.location.as_deref()),
        (303, Some("/bestill"))
    );
    let page = browser.get("/bestill").await;
    assert!(page.body.contains("<html lang=\"nn\"") && page.body.contains("Kva treng du?"));
    browser.get("/sprak/en?tilbake=//evil.example").await;
    let page = browser.get("/bestill").await;
    assert!(page.body.contains("<html lang=\"en\"") && page.body.contains("What do you need?"));
    assert_eq!(browser.get("/sprak/sv").await.status, 404);
    assert_eq!(
        browser
            .get("/sprak/en?tilbake=//evil.example")
            .await
            .location
            .as_deref(),
        Some("/")
    );
}

#[tokio::test]
async fn outside_demo_there_is_no_test_login() {
    let portal = portal(false).await;
    let browser = Browser::new(&portal);
    let login = browser.get("/logg-inn").await;
    assert_eq!(login.status, 200);
    assert!(
        !login.body.contains("name=\"patient\"") && !login.body.contains("<form"),
        "no test login form"
    );
    assert!(login.body.contains("Innlogging er ikke satt opp her"));
    let staff = browser.get("/personale/logg-inn").await;
    assert!(
        !staff.body.contains("<form") && staff.body.contains("Innlogging er ikke satt opp her")
    );
    let posts: Vec<_> = portal
        .rules
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/logg-inn"))
        .collect();
    assert!(posts.is_empty(), "no test login routes: {posts:?}");
    let page = browser.get("/timeavtaler").await;
    assert_eq!(page.status, 401);
    assert!(page.body.contains("Du må logge inn"));
}

/// The CSRF token on the login page, as a browser that just arrived there has it.
async fn login_csrf(browser: &Browser) -> String {
    let page = browser.get("/logg-inn").await;
    let marker = "name=\"csrf\" value=\"";
    let start = page.body.find(marker).expect("a CSRF token") + marker.len();
    page.body[start..start + 64].to_owned()
}

#[tokio::test]
async fn a_link_opened_before_logging_in_is_where_the_login_lands() {
    let portal = portal(true).await;
    let browser = Browser::new(&portal);
    // A slot finder's link into «Velg time».
    let link = format!(
        "/bestill/{}?sted={}&maned={}&dag={}&tid={}",
        portal.timebook,
        portal.resource,
        portal.day.strftime("%Y-%m"),
        portal.day,
        portal.slots[0]
    );
    let asked = browser.get(&link).await;
    assert_eq!(
        (asked.status, asked.location.as_deref()),
        (303, Some("/logg-inn"))
    );
    let csrf = login_csrf(&browser).await;
    let form = [
        ("csrf", csrf.as_str()),
        ("national_id", portal.kari.as_str()),
    ];
    let landed = browser.post("/logg-inn", &form).await;
    assert_eq!(landed.location.as_deref(), Some(link.as_str()));
    let page = browser.get(&link).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!(
        "<li id=\"tid-{}\" class=\"linked\" aria-current=\"true\">",
        portal.slots[0]
    )));
    // Used once: the next login lands on the start page. The login gave the browser a new
    // token, which the next form carries.
    let csrf = browser.csrf().await;
    let form = [
        ("csrf", csrf.as_str()),
        ("national_id", portal.kari.as_str()),
    ];
    let again = browser.post("/logg-inn", &form).await;
    assert_eq!(again.location.as_deref(), Some("/timeavtaler"));

    // A planted cookie cannot send the login elsewhere.
    for planted in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        // The token the server gives this browser cookie.
        let browser_cookie = format!("timebok_csrf={}", "a".repeat(64));
        let login = client
            .get(format!("{}/logg-inn", portal.base))
            .header("cookie", &browser_cookie)
            .send()
            .await
            .expect("GET")
            .text()
            .await
            .expect("body");
        let marker = "name=\"csrf\" value=\"";
        let start = login.find(marker).expect("a CSRF token") + marker.len();
        let token = &login[start..start + 64];
        let response = client
            .post(format!("{}/logg-inn", portal.base))
            .header(
                "cookie",
                format!("{browser_cookie}; timebok_return={planted}"),
            )
            .form(&[("csrf", token), ("national_id", portal.ola.as_str())])
            .send()
            .await
            .expect("POST");
        assert_eq!(
            response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok()),
            Some("/timeavtaler"),
            "{planted}"
        );
    }
}
