//! «Varslingsinnstillinger», push subscriptions, the operator's failed notifications and the
//! metrics, over real HTTP.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::{Browser, VAPID_PUBLIC_KEY, portal};
use domain::{Channel, ContactSettings, MobileNumber};
use store::JobOutcome;

const P256DH: &str = VAPID_PUBLIC_KEY;
const AUTH: &str = "EvcWjEgzr4rbvhfi3yds0A";

#[tokio::test]
async fn sms_is_preselected_when_a_number_is_known() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let empty = kari.get("/varslinger").await;
    assert_eq!(empty.status, 200);
    assert!(
        empty.body.contains("<h1>Varslingsinnstillinger</h1>"),
        "{}",
        empty.body
    );
    assert!(
        !empty.body.contains(" checked"),
        "nothing chosen without a number"
    );

    let known = ContactSettings {
        mobile: MobileNumber::parse("91234567").ok(),
        language: "nb".into(),
        ..ContactSettings::default()
    };
    portal
        .store
        .save_contact_settings(&portal.kari, &known)
        .await
        .expect("save");
    let page = kari.get("/varslinger").await;
    assert!(
        page.body
            .contains(r#"value="sms" aria-describedby="kanal-sms-hint" checked"#),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"value="912 34 567""#));
    assert!(
        page.body
            .contains(r#"href="/varslinger" aria-current="page""#)
    );
}

#[tokio::test]
async fn settings_are_saved_and_bad_input_changes_nothing() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let csrf = kari.csrf().await;
    let saved = kari
        .post(
            "/varslinger",
            &[
                ("csrf", &csrf),
                ("kanal", "email"),
                ("mobil", "+47 912 34 567"),
                ("epost", "kari@example.no"),
                ("sprak", "nn"),
            ],
        )
        .await;
    assert_eq!(
        (saved.status, saved.location.as_deref()),
        (303, Some("/varslinger?lagret=1"))
    );
    let settings = portal
        .store
        .contact_settings(&portal.kari)
        .await
        .expect("read");
    assert_eq!(settings.chosen, Some(Channel::Email));
    assert_eq!(
        settings.email.as_ref().map(|e| e.as_str()),
        Some("kari@example.no")
    );
    assert_eq!(settings.language, "nn");
    assert!(
        kari.get("/varslinger?lagret=1")
            .await
            .body
            .contains("Varslingsinnstillingene er lagret.")
    );

    for (form, message) in [
        (
            [("kanal", "sms"), ("mobil", "22 22 22 22"), ("epost", "")],
            "Skriv et norsk mobilnummer med 8 siffer som begynner på 4 eller 9, for eksempel 912 34 567",
        ),
        (
            [("kanal", "email"), ("mobil", ""), ("epost", "kari@")],
            "Skriv en gyldig e-postadresse, for eksempel navn@eksempel.no",
        ),
        (
            [("kanal", "sms"), ("mobil", ""), ("epost", "")],
            "Du må skrive mobilnummeret ditt for å få varsel på SMS",
        ),
        (
            [("kanal", "push"), ("mobil", ""), ("epost", "")],
            "Slå på push-varsel på denne enheten før du velger push-varsel",
        ),
        (
            [("kanal", "fax"), ("mobil", ""), ("epost", "")],
            "Velg hvordan du vil få varsel",
        ),
    ] {
        let mut fields = vec![("csrf", csrf.as_str()), ("sprak", "nb")];
        fields.extend(form);
        let refused = kari.post("/varslinger", &fields).await;
        assert_eq!(refused.status, 400, "{form:?}");
        assert!(refused.body.contains(message), "{form:?}: {}", refused.body);
        assert!(refused.body.contains("error-summary"));
        assert_eq!(
            portal
                .store
                .contact_settings(&portal.kari)
                .await
                .expect("read"),
            settings,
            "{form:?}"
        );
    }
    // What was typed is kept, escaped.
    let typed = kari
        .post(
            "/varslinger",
            &[
                ("csrf", &csrf),
                ("kanal", "sms"),
                ("mobil", "<b>12</b>"),
                ("epost", ""),
            ],
        )
        .await;
    assert!(
        typed.body.contains("&lt;b&gt;12&lt;/b&gt;") || typed.body.contains("&#60;b&#62;12"),
        "{}",
        typed.body
    );

    let english = Browser::new(&portal);
    english.log_in(&portal.kari).await;
    english.get("/sprak/en?tilbake=/varslinger").await;
    let csrf = english.csrf().await;
    let refused = english
        .post(
            "/varslinger",
            &[
                ("csrf", &csrf),
                ("kanal", "email"),
                ("mobil", ""),
                ("epost", ""),
            ],
        )
        .await;
    assert!(
        refused
            .body
            .contains("Enter your e-mail address to be notified by e-mail"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn a_device_subscribes_to_push_and_only_its_owner_removes_it() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let csrf = kari.csrf().await;
    let endpoint = "https://push.example.net/send/kari-phone";
    let form = [
        ("csrf", csrf.as_str()),
        ("endpoint", endpoint),
        ("p256dh", P256DH),
        ("auth", AUTH),
        ("device", "Kari sin telefon"),
    ];
    let without_csrf = kari.post("/varslinger/push", &form[1..]).await;
    assert_eq!(without_csrf.status, 403);
    assert!(
        portal
            .store
            .push_subscriptions(&portal.kari)
            .await
            .expect("list")
            .is_empty()
    );

    assert_eq!(kari.post("/varslinger/push", &form).await.status, 204);
    let devices = portal
        .store
        .push_subscriptions(&portal.kari)
        .await
        .expect("list");
    assert_eq!(devices.len(), 1);
    let page = kari.get("/varslinger").await;
    assert!(page.body.contains("Kari sin telefon"), "{}", page.body);
    assert!(
        page.body
            .contains(&format!(r#"data-key="{VAPID_PUBLIC_KEY}""#))
    );

    // Plain http, a bad key, or an address elsewhere is refused and stores nothing.
    for (endpoint, p256dh) in [
        ("http://127.0.0.1:9/push", P256DH),
        ("https://push.example.net/x", AUTH),
        ("javascript:alert(1)", P256DH),
    ] {
        let refused = kari
            .post(
                "/varslinger/push",
                &[
                    ("csrf", &csrf),
                    ("endpoint", endpoint),
                    ("p256dh", p256dh),
                    ("auth", AUTH),
                ],
            )
            .await;
        assert_eq!(refused.status, 400, "{endpoint}");
    }
    assert_eq!(
        portal
            .store
            .push_subscriptions(&portal.kari)
            .await
            .expect("list")
            .len(),
        1
    );

    // Push chosen, then Ola tries to remove Kari's device by guessing its id.
    let csrf_push = [
        ("csrf", csrf.as_str()),
        ("kanal", "push"),
        ("mobil", ""),
        ("epost", ""),
    ];
    assert_eq!(kari.post("/varslinger", &csrf_push).await.status, 303);
    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    let ola_csrf = ola.csrf().await;
    let guessed = ola
        .post(
            &format!("/varslinger/push/{}/fjern", devices[0].id),
            &[("csrf", &ola_csrf)],
        )
        .await;
    assert_eq!(guessed.status, 404);
    let by_endpoint = ola
        .post(
            "/varslinger/push/slett",
            &[("csrf", &ola_csrf), ("endpoint", endpoint)],
        )
        .await;
    assert_eq!(by_endpoint.status, 404);
    assert_eq!(
        portal
            .store
            .push_subscriptions(&portal.kari)
            .await
            .expect("list")
            .len(),
        1
    );

    // The browser switches push off: the device goes, and so does push as the channel.
    let off = kari
        .post(
            "/varslinger/push/slett",
            &[("csrf", &csrf), ("endpoint", endpoint)],
        )
        .await;
    assert_eq!(off.status, 204);
    assert!(
        portal
            .store
            .push_subscriptions(&portal.kari)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(
        portal
            .store
            .contact_settings(&portal.kari)
            .await
            .expect("read")
            .chosen,
        None
    );
}

#[tokio::test]
async fn the_service_worker_and_manifest_are_served() {
    let portal = portal(true).await;
    let anyone = Browser::new(&portal);
    let worker = anyone
        .http
        .get(format!("{}/sw.js", portal.base))
        .send()
        .await
        .expect("sw");
    assert_eq!(
        worker.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(
        worker
            .text()
            .await
            .expect("body")
            .contains("showNotification")
    );
    let manifest = anyone
        .http
        .get(format!("{}/manifest.webmanifest", portal.base))
        .send()
        .await
        .expect("manifest");
    assert_eq!(
        manifest.headers()["content-type"],
        "application/manifest+json"
    );
    let manifest: serde_json::Value = manifest.json().await.expect("json");
    assert_eq!(manifest["start_url"], "/timeavtaler");
    assert_eq!(manifest["display"], "standalone");
    assert!(
        anyone
            .get("/static/push.js")
            .await
            .body
            .contains("pushManager.subscribe")
    );
    assert_eq!(
        anyone.get("/varslinger").await.status,
        303,
        "the settings need a login"
    );
}

#[tokio::test]
async fn the_operator_sees_failed_notifications_and_retries_them() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    kari.book(portal.timebook, portal.slots[0], "Influensavaksine")
        .await;
    let jobs = portal
        .store
        .claim_jobs(10, jiff::SignedDuration::from_mins(5), "test")
        .await
        .expect("claim");
    assert_eq!(jobs.len(), 1);
    portal
        .store
        .fail_job(
            &jobs[0],
            Some(Channel::Sms),
            "the SMS gateway answered 500 Internal Server Error",
            None,
        )
        .await
        .expect("fail");

    let operator = Browser::new(&portal);
    operator.operator_log_in().await;
    let page = operator.get("/register/varsler").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Time bestilt"), "{}", page.body);
    assert!(page.body.contains("the SMS gateway answered 500"));
    assert!(
        !page.body.contains("Influensavaksine"),
        "no reason text for the operator"
    );
    assert!(
        !page.body.contains(portal.kari.as_str()),
        "no fødselsnummer for the operator"
    );

    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    assert_eq!(staff.get("/register/varsler").await.status, 403);
    let staff_csrf = staff.csrf().await;
    let path = format!("/register/varsler/{}/prov-igjen", jobs[0].id);
    assert_eq!(
        staff.post(&path, &[("csrf", &staff_csrf)]).await.status,
        403
    );
    // A patient has no staff session: sent to the staff's login.
    let patient = kari.post(&path, &[("csrf", &kari.csrf().await)]).await;
    assert_eq!(patient.status, 303);
    assert_eq!(
        portal.store.outbox_counts().await.expect("counts").failed,
        1
    );

    let csrf = operator.csrf().await;
    let retried = operator.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(
        retried.location.as_deref(),
        Some("/register/varsler?provd=1")
    );
    assert_eq!(
        portal.store.outbox_counts().await.expect("counts").failed,
        0
    );
    assert_eq!(
        operator.post(&path, &[("csrf", &csrf)]).await.status,
        404,
        "only failed jobs"
    );
    let again = portal
        .store
        .claim_jobs(10, jiff::SignedDuration::from_mins(5), "test-2")
        .await
        .expect("claim");
    assert_eq!(again.len(), 1);
    portal
        .store
        .finish_job(&again[0], JobOutcome::Sent(Channel::Sms))
        .await
        .expect("finish");
}

#[tokio::test]
async fn metrics_count_the_outbox_by_state() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    kari.book(portal.timebook, portal.slots[0], "Influensavaksine")
        .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("addr");
    let router = timebok_web::metrics_router(portal.store.clone(), portal.clock.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let text = reqwest::get(format!("http://{address}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains("# TYPE timebok_notifications gauge"),
        "{text}"
    );
    assert!(
        text.contains("timebok_notifications{state=\"pending\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("timebok_notifications{state=\"failed\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE timebok_database_long_waits_total counter")
            && text.contains("\ntimebok_database_long_waits_total 0\n"),
        "{text}"
    );
}
