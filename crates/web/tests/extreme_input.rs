//! Input at the edges: dates near the ends of time and texts made of characters a person
//! does not see. Each is refused where it is parsed, with a 400 or 422 naming the parameter
//! or field, and never drops the connection; and a panic that slips through anyway is caught
//! and answered.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::fhir::*;
use common::{Browser, hold_id, portal};
use tower::ServiceExt;

#[tokio::test]
async fn dates_near_the_ends_of_time_are_refused_naming_the_parameter() {
    let portal = fhir_portal().await;
    let slots = format!("/fhir/Slot?schedule=Schedule/{}", portal.resource);
    for start in [
        "9999-12-30",
        "9999-12-31",
        "ge9999-12-30T21:00:00Z",
        "gt9999-12-31T23:59:59Z",
        "le9999-12-31T23:59:59Z",
        "-009999-01-01",
        "lt-009999-01-02T01:59:59Z",
        "1899-12-31",
        "2200-01-01",
    ] {
        let answer = get(&portal, Some(READER), &format!("{slots}&start={start}")).await;
        assert_outcome(&answer, 400, "invalid", Some("start"));
    }
    // The last accepted day still leaves room for the default 31 days after it.
    let last = get(
        &portal,
        Some(READER),
        &format!("{slots}&start=ge2199-12-31"),
    )
    .await;
    assert_eq!(last.status, 200, "{}", last.body);
    let cursor = get(
        &portal,
        Some(READER),
        &format!("{slots}&_cursor=253402207200.1"),
    )
    .await;
    assert_outcome(&cursor, 400, "invalid", Some("_cursor"));

    for date in ["9999-12-30", "ge9999-12-30T21:00:00Z", "le-009999-01-01"] {
        let answer = get(
            &portal,
            Some(BOOKER),
            &format!(
                "/fhir/Appointment?patient.identifier={}&date={date}",
                portal.kari.as_str()
            ),
        )
        .await;
        assert_outcome(&answer, 400, "invalid", Some("date"));
    }

    for since in [
        "-009999-01-02T01:59:59Z",
        "9999-12-31T23:59:59Z",
        "1899-12-31T23:59:59Z",
    ] {
        let answer = get(
            &portal,
            Some(READER),
            &format!("/fhir/$bulk-publish?_since={since}"),
        )
        .await;
        assert_outcome(&answer, 400, "invalid", Some("_since"));
    }
}

#[tokio::test]
async fn the_api_names_each_kind_of_unusable_reason() {
    let portal = fhir_portal().await;
    let cases = [
        // One letter with 20,000 combining marks: one character as a person counts, but
        // far more code points than any reason needs.
        (
            format!("a{}", "\u{301}".repeat(20_000)),
            "fhir-reason-too-many-code-points",
        ),
        ("Vaksine \u{FFFF}".to_owned(), "fhir-reason-noncharacter"),
        ("Vaksine \u{FDD0}".to_owned(), "fhir-reason-noncharacter"),
        ("Vaksine \u{10FFFE}".to_owned(), "fhir-reason-noncharacter"),
        ("gnp\u{202E}.exe".to_owned(), "fhir-reason-bidi-control"),
        (
            "Vaksine \u{2066}x\u{2069}".to_owned(),
            "fhir-reason-bidi-control",
        ),
    ];
    for (reason, key) in &cases {
        let answer = post(
            &portal,
            BOOKER,
            "/fhir/Appointment",
            &[("accept-language", "en")],
            &appointment(portal.slots[0], &portal.kari, Some(reason)),
        )
        .await;
        assert_outcome(&answer, 422, "invalid", Some("Appointment.description"));
        let english = i18n::Lang::En.text(key, &[]);
        assert_eq!(answer.body["issue"][0]["diagnostics"], english.as_str());
    }
    assert_eq!(
        portal
            .store
            .slot(domain::SlotId(portal.slots[0]))
            .await
            .expect("slot")
            .booked,
        0,
        "nothing was booked"
    );
}

#[tokio::test]
async fn the_portal_and_the_clinic_name_unusable_text_and_dates_in_their_fields() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let review = kari
        .hold(portal.timebook, portal.slots[0])
        .await
        .location
        .expect("review");
    let csrf = kari.csrf().await;
    let slot = portal.slots[0].to_string();
    let hold = hold_id(&review);
    for (reason, message) in [
        (
            "gnp\u{202E}.exe",
            "Teksten inneholder usynlige tegn som snur skriveretningen.",
        ),
        (
            "a\u{FFFE}",
            "Teksten inneholder et tegn som ikke kan brukes.",
        ),
        (
            &*format!("a{}", "\u{301}".repeat(20_000)),
            "Teksten har for mange sammensatte tegn.",
        ),
    ] {
        let page = kari
            .post(
                &format!("/bestill/{}/send", portal.timebook),
                &[
                    ("csrf", &csrf),
                    ("slot", &slot),
                    ("hold", &hold),
                    ("reason", reason),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(page.body.contains(message), "{}", page.body);
    }
    // Out-of-range days in the calendar's links fall back to today instead of panicking.
    for query in ["maned=9999-12", "dag=9999-12-31", "maned=-009999-01"] {
        let page = kari
            .get(&format!("/bestill/{}?{query}", portal.timebook))
            .await;
        assert_eq!(page.status, 200, "{query}: {}", page.body);
    }

    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let csrf = staff.csrf().await;
    let resource = portal.resource.to_string();
    let today = portal.day.to_string();
    for (first, last, field) in [
        ("9999-12-30", "9999-12-31", "forste"),
        (today.as_str(), "9999-12-31", "siste"),
    ] {
        let mut form = vec![
            ("ressurs", resource.as_str()),
            ("fra", "08:00"),
            ("til", "09:00"),
            ("lengde", "15"),
            ("plasser", "1"),
            ("forste", first),
            ("siste", last),
            ("dag", "1"),
            ("csrf", &csrf),
        ];
        form.push(("dag", "2"));
        let page = staff.post("/klinikk/publisering", &form).await;
        assert_eq!(page.status, 422, "{}", page.body);
        assert!(
            page.body.contains("Datoen må være mellom 1900 og 2199."),
            "{}",
            page.body
        );
        assert!(
            page.body.contains(&format!("href=\"#{field}\"")),
            "{}",
            page.body
        );
    }
    let page = staff.get("/klinikk/publisering?dag=9999-12-31").await;
    assert_eq!(page.status, 200);
    let page = staff
        .post(
            "/klinikk/sperring",
            &[
                ("csrf", &csrf),
                ("fodselsnummer", portal.ola.as_str()),
                ("begrunnelse", "Misbruk\u{202E}"),
            ],
        )
        .await;
    assert!(
        page.body
            .contains("Teksten inneholder usynlige tegn som snur skriveretningen."),
        "{}",
        page.body
    );
}

/// The router production serves, reduced to what matters here: a handler that panics, under
/// the same layer `timebok_web::router` adds.
async fn boom() -> &'static str {
    let fodselsnummer = "01010012345";
    panic!("a bug that quotes {fodselsnummer}");
}

fn panicking_app() -> axum::Router {
    timebok_web::catch_panics(
        axum::Router::new()
            .route("/fhir/Slot", axum::routing::get(boom))
            .route("/bestill", axum::routing::get(boom)),
    )
}

/// Everything logged while a test runs on this thread.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_panic_is_answered_in_the_askers_language_and_logged_without_request_data() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // The test runtime polls every future on this thread, so this catches all it logs.
    let _guard = tracing::subscriber::set_default(subscriber);

    let fhir = panicking_app()
        .oneshot(
            Request::get("/fhir/Slot?patient.identifier=01010012345")
                .header("accept-language", "nn")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("an answer, not a dropped connection");
    assert_eq!(fhir.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        fhir.headers()["content-type"],
        "application/fhir+json; charset=utf-8"
    );
    let body = axum::body::to_bytes(fhir.into_body(), 1 << 20)
        .await
        .expect("body");
    let outcome: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(outcome["resourceType"], "OperationOutcome");
    assert_eq!(outcome["issue"][0]["code"], "exception");
    assert_eq!(
        outcome["issue"][0]["diagnostics"],
        i18n::Lang::Nn.text("fhir-internal", &[]).as_str()
    );

    let page = panicking_app()
        .oneshot(
            Request::get("/bestill?dag=01010012345")
                .header("cookie", "timebok_lang=en")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("an answer, not a dropped connection");
    assert_eq!(page.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = axum::body::to_bytes(page.into_body(), 1 << 20)
        .await
        .expect("body");
    let html = String::from_utf8(body.to_vec()).expect("UTF-8");
    assert!(html.contains("<html"), "{html}");
    assert!(
        html.contains(&i18n::Lang::En.text("error-internal", &[])),
        "{html}"
    );

    let logged = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("UTF-8");
    assert_eq!(logged.matches("a handler panicked").count(), 2, "{logged}");
    assert!(!logged.contains("01010012345"), "{logged}");
}
