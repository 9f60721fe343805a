//! The security headers on every kind of answer: pages for each kind of visitor, errors,
//! redirects and static files.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::{Browser, portal};

async fn assert_headers(browser: &Browser, path: &str) {
    let response = browser
        .http
        .get(format!("{}{path}", browser.base))
        .send()
        .await
        .expect("GET");
    let headers = response.headers();
    let csp = headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{path}: no CSP"))
        .to_str()
        .expect("ascii");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{path}: {csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("http"),
        "{path}: {csp}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
    assert_eq!(headers["x-frame-options"], "DENY", "{path}");
    assert_eq!(
        headers["strict-transport-security"], "max-age=31536000; includeSubDomains",
        "{path}"
    );
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let portal = portal(true).await;
    let anonymous = Browser::new(&portal);
    for path in [
        "/",
        "/logg-inn",
        "/personale/logg-inn",
        "/timeavtaler",
        "/no-such-page",
        "/static/timebok.css",
        "/static/counter.js",
        "/static/calendar.js",
        "/kalender/no-such-link.ics",
        "/sw.js",
        "/manifest.webmanifest",
        "/healthz",
    ] {
        assert_headers(&anonymous, path).await;
    }
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    for path in [
        "/timeavtaler",
        "/bestill",
        &format!("/bestill/{}", portal.timebook),
        "/meldinger",
        "/meldinger/ny",
        "/varslinger",
        "/timeavtaler/kalender",
        "/meldinger/999999",
    ] {
        assert_headers(&kari, path).await;
    }
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    for path in [
        "/klinikk",
        "/klinikk/innboks",
        "/klinikk/timeboker",
        "/klinikk/publisering",
        "/klinikk/sperring",
        "/register",
    ] {
        assert_headers(&staff, path).await;
    }
    let operator = Browser::new(&portal);
    operator.operator_log_in().await;
    for path in ["/register", "/register/varsler", "/register/logg"] {
        assert_headers(&operator, path).await;
    }
}

fn small_limits() -> timebok_web::limits::LimitSettings {
    timebok_web::limits::LimitSettings {
        logins_per_minute: 3,
        bookings_per_minute_per_patient: 2,
        bookings_per_minute_per_address: 100,
        messages_per_hour: 2,
        ..timebok_web::limits::LimitSettings::default()
    }
}

/// A form of owned fields as `post_from` takes it.
fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn post_from(
    browser: &Browser,
    address: &str,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .http
        .post(format!("{}{path}", browser.base))
        .header("x-forwarded-for", format!("203.0.113.9, {address}"))
        .form(form)
        .send()
        .await
        .expect("POST")
}

#[tokio::test]
async fn logins_bookings_and_messages_are_rate_limited_with_a_clear_page() {
    let portal = common::portal_with_limits(true, small_limits()).await;
    let kari = Browser::new(&portal);
    // Each login gives the browser a new session and so a new token: the next form carries it.
    let login = |csrf: String| {
        [
            ("csrf".to_owned(), csrf),
            ("national_id".to_owned(), portal.kari.as_str().to_owned()),
        ]
    };
    for _ in 0..3 {
        let form = login(kari.csrf().await);
        assert_eq!(
            post_from(&kari, "198.51.100.7", "/logg-inn", &pairs(&form))
                .await
                .status(),
            303
        );
    }
    let form = login(kari.csrf().await);
    let refused = post_from(&kari, "198.51.100.7", "/logg-inn", &pairs(&form)).await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body = refused.text().await.expect("body");
    assert!(
        body.contains("Du har prøvd for mange ganger på kort tid."),
        "{body}"
    );
    // Another address is counted apart; the spoofable first entry of the header is ignored.
    assert_eq!(
        post_from(&kari, "198.51.100.8", "/logg-inn", &pairs(&form))
            .await
            .status(),
        303
    );

    // Bookings, per patient: the third hold in a minute is refused and holds nothing.
    let csrf = kari.csrf().await;
    for slot in &portal.slots[..2] {
        let form = [("csrf", csrf.as_str()), ("slot", &slot.to_string())];
        let held = post_from(
            &kari,
            "198.51.100.8",
            &format!("/bestill/{}/hold", portal.timebook),
            &form,
        )
        .await;
        assert_eq!(held.status(), 303);
    }
    let third = portal.slots[2].to_string();
    let form = [("csrf", csrf.as_str()), ("slot", third.as_str())];
    let refused = post_from(
        &kari,
        "198.51.100.9",
        &format!("/bestill/{}/hold", portal.timebook),
        &form,
    )
    .await;
    assert_eq!(
        refused.status(),
        429,
        "the patient's own limit, whatever the address"
    );
    assert!(refused.headers().contains_key("retry-after"));
    let other = Browser::new(&portal);
    other.log_in(&portal.ola).await;
    assert_eq!(
        other.hold(portal.timebook, portal.slots[2]).await.status,
        303,
        "the slot was not held"
    );

    // Messages, per patient.
    for n in 0..2 {
        let form = [
            ("csrf", csrf.as_str()),
            ("emne", "Spørsmål"),
            ("melding", &format!("Nummer {n}")),
        ];
        assert_eq!(kari.post("/meldinger/ny", &form).await.status, 303);
    }
    let form = [
        ("csrf", csrf.as_str()),
        ("emne", "Spørsmål"),
        ("melding", "Nummer 3"),
    ];
    let refused = kari.post("/meldinger/ny", &form).await;
    assert_eq!(refused.status, 429);
    let list = kari.get("/meldinger").await.body;
    assert_eq!(
        list.matches("<li class=\"thread").count(),
        2,
        "the third was not stored"
    );
}

#[tokio::test]
async fn a_login_ends_the_session_that_came_before_it() {
    use domain::AuditAction;
    let portal = portal(true).await;
    let shared = Browser::new(&portal);
    shared.log_in(&portal.kari).await;
    shared.log_in(&portal.ola).await;
    let ended = portal
        .store
        .audit_events(&store::AuditFilter {
            patient: Some(portal.kari.clone()),
            action: Some(AuditAction::PatientLoggedOut),
            limit: 10,
        })
        .await
        .expect("audit");
    assert_eq!(
        ended.len(),
        1,
        "Kari's session ended when Ola logged in on the same browser"
    );
    assert_eq!(
        shared.get("/timeavtaler").await.status,
        200,
        "Ola is logged in"
    );
}
