//! The route table, route by route: with the wrong identity every route answers 401, 403,
//! 404 or a redirect to a login, and changes nothing; every POST without its CSRF token gets
//! 403. A route added without a rule cannot exist (see `authorization::Routes`), and these
//! tests take every route from the same table.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::{Browser, Portal, portal};
use sqlx::Connection;
use timebok_web::authorization::Audience;

/// What the wrong identity could change: a count or sum per table, sessions and audit aside.
async fn fingerprint(portal: &Portal) -> Vec<i64> {
    let mut conn = sqlx::SqliteConnection::connect(&portal.db.url)
        .await
        .expect("connect");
    let mut values = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM appointment",
        "SELECT COUNT(*) FROM appointment WHERE status = 'booked'",
        "SELECT COALESCE(SUM(booked), 0) FROM slot",
        "SELECT COUNT(*) FROM slot",
        "SELECT COUNT(*) FROM slot WHERE published",
        "SELECT COUNT(*) FROM slot_hold",
        "SELECT COUNT(*) FROM slot_template",
        "SELECT COUNT(*) FROM block",
        "SELECT COUNT(*) FROM thread",
        "SELECT COUNT(*) FROM thread WHERE closed_at IS NOT NULL",
        "SELECT COUNT(*) FROM message",
        "SELECT COUNT(*) FROM message WHERE hidden_for_patient_at IS NOT NULL",
        "SELECT COUNT(*) FROM outbox",
        "SELECT COUNT(*) FROM outbox WHERE failed_at IS NULL",
        "SELECT COUNT(*) FROM push_subscription",
        "SELECT COUNT(*) FROM contact_settings",
        "SELECT COUNT(*) FROM clinic",
        "SELECT COUNT(*) FROM patient",
        "SELECT COUNT(*) FROM timebook",
        "SELECT COUNT(*) FROM resource",
        "SELECT COUNT(*) FROM location",
        "SELECT COUNT(*) FROM waitlist_entry",
        "SELECT COUNT(*) FROM waitlist_entry WHERE state = 'waiting'",
        "SELECT COUNT(*) FROM waitlist_offer",
        "SELECT COUNT(*) FROM waitlist_offer WHERE state = 'open'",
        "SELECT COUNT(*) FROM appointment_request",
        "SELECT COUNT(*) FROM appointment_request WHERE state = 'open'",
        "SELECT COUNT(*) FROM timebook WHERE booking_mode = 'slots'",
    ] {
        values.push(
            sqlx::query_scalar(sql)
                .fetch_one(&mut conn)
                .await
                .expect(sql),
        );
    }
    values
}

/// The path with every `{…}` filled in from `ids`, by the placeholder itself or by the
/// segment before it, else with 1.
fn fill(path: &str, ids: &[(&str, String)]) -> String {
    let mut out = Vec::new();
    let mut previous = "";
    for segment in path.split('/') {
        if segment.starts_with('{') {
            let id = ids
                .iter()
                .find(|(key, _)| *key == segment)
                .or_else(|| ids.iter().find(|(before, _)| *before == previous))
                .map_or_else(|| "1".to_owned(), |(_, id)| id.clone());
            let value = if segment == "{action}" {
                "avpubliser".to_owned()
            } else {
                id
            };
            out.push(value);
        } else {
            out.push(segment.to_owned());
        }
        previous = segment;
    }
    out.join("/")
}

/// Valid values for every form field any route reads, so that a refusal comes from who is
/// asking, never from a missing field.
const PLAUSIBLE_FORM: [(&str, &str); 14] = [
    ("begrunnelse", "Legen er syk"),
    ("utfall", "fulfilled"),
    ("melding", "Hei"),
    ("emne", "Hei"),
    ("navn", "Influensa"),
    ("beskrivelse", "Vaksine"),
    ("adresse", "Influensaveien 3a, 1325 Lysaker"),
    ("varsel", "30"),
    ("horisont", "42"),
    ("frist", "1440"),
    ("maks", "1"),
    ("endpoint", "https://push.example.net/kari"),
    ("mate", "both"),
    ("svar", "Ring oss i januar"),
];

async fn call(
    browser: &Browser,
    method: &axum::http::Method,
    path: &str,
    csrf: Option<&str>,
) -> (u16, Option<String>) {
    let page = if method == axum::http::Method::GET {
        browser.get(path).await
    } else {
        let mut form: Vec<(&str, &str)> = csrf.map(|c| vec![("csrf", c)]).unwrap_or_default();
        form.extend(PLAUSIBLE_FORM);
        browser.send(method.clone(), path, &form).await
    };
    (page.status, page.location)
}

fn refused(status: u16, location: Option<&str>) -> bool {
    matches!(status, 401 | 403 | 404)
        || (status == 303 && matches!(location, Some("/logg-inn" | "/personale/logg-inn")))
}

#[tokio::test]
async fn every_route_refuses_the_wrong_identity_and_changes_nothing() {
    let portal = portal(true).await;
    let anonymous = Browser::new(&portal);
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let operator = Browser::new(&portal);
    operator.operator_log_in().await;
    let before = fingerprint(&portal).await;
    let mut checked = 0;
    for rule in &portal.rules {
        let wrong: Vec<(&str, &Browser)> = match rule.audience {
            Audience::Anyone => continue,
            Audience::Patient | Audience::PatientMessages => vec![
                ("anonymous", &anonymous),
                ("staff", &staff),
                ("operator", &operator),
            ],
            Audience::Staff => vec![
                ("anonymous", &anonymous),
                ("patient", &kari),
                ("operator", &operator),
            ],
            Audience::Operator => vec![
                ("anonymous", &anonymous),
                ("patient", &kari),
                ("staff", &staff),
            ],
            // The FHIR API takes bearer tokens only: no login cookie opens it.
            Audience::Client(_) | Audience::Feed | Audience::AnyClient => vec![
                ("anonymous", &anonymous),
                ("patient", &kari),
                ("staff", &staff),
                ("operator", &operator),
            ],
        };
        let path = fill(rule.path, &[]);
        for (who, browser) in wrong {
            let csrf = browser.csrf_or_login_page().await;
            let (status, location) = call(browser, &rule.method, &path, Some(&csrf)).await;
            assert!(
                refused(status, location.as_deref()),
                "{} {} as {who}: {status} {location:?}",
                rule.method,
                rule.path
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} checks");
    assert_eq!(fingerprint(&portal).await, before, "nothing changed");
}

/// Kari's waitlist entry for the third slot's time, and the offer the pass makes her of it.
async fn kari_waits_and_is_offered(portal: &Portal) -> (String, String) {
    let time = |h, m| jiff::civil::Time::new(h, m, 0, 0).expect("time");
    let wish = domain::WaitlistWish::new(
        &[portal.day.weekday()],
        (Some(time(8, 30)), Some(time(8, 45))),
        (Some(portal.day), Some(portal.day)),
        portal.day,
    )
    .expect("wish");
    portal
        .store
        .join_waitlist(
            &domain::Caller::patient(portal.kari.clone()),
            &portal.kari,
            &store::JoinWaitlist {
                timebook: domain::TimebookId(portal.timebook),
                place: None,
                wish,
            },
        )
        .await
        .expect("join");
    assert_eq!(
        portal
            .store
            .offer_freed_places()
            .await
            .expect("pass")
            .offered,
        1
    );
    let entry = portal.number("SELECT MAX(id) FROM waitlist_entry").await;
    let offer = portal.number("SELECT MAX(id) FROM waitlist_offer").await;
    (entry.to_string(), offer.to_string())
}

/// Kari asks for a time in the first clinic's timebook, which takes requests; the request's id.
async fn kari_asks_for_a_time(portal: &Portal) -> String {
    let clinic = domain::ClinicId(
        portal
            .number(&format!(
                "SELECT clinic_id FROM timebook WHERE id = {}",
                portal.timebook
            ))
            .await,
    );
    portal
        .store
        .set_booking_mode(
            &domain::Actor::System,
            clinic,
            domain::TimebookId(portal.timebook),
            domain::BookingMode::Both,
        )
        .await
        .expect("mode");
    let wish = domain::WaitlistWish::new(
        &[portal.day.weekday()],
        (None, None),
        (Some(portal.day), Some(portal.day)),
        portal.day,
    )
    .expect("wish");
    let sent = portal
        .store
        .send_request(
            &domain::Caller::patient(portal.kari.clone()),
            &portal.kari,
            &store::NewRequest {
                timebook: domain::TimebookId(portal.timebook),
                reason: domain::Reason::parse("Vaksine").expect("reason"),
                wish,
            },
        )
        .await
        .expect("sent");
    match sent {
        store::Sent::Open(id) => id.to_string(),
        other => panic!("expected open, got {other:?}"),
    }
}

#[tokio::test]
async fn another_patients_or_clinics_objects_are_not_found() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    // Kari waits for 08:30, which is free: she is offered it at once.
    let (entry, offer) = kari_waits_and_is_offered(&portal).await;
    let appointment = kari.book(portal.timebook, portal.slots[0], "Vaksine").await;
    let csrf = kari.csrf().await;
    let thread = kari
        .post(
            "/meldinger/ny",
            &[("csrf", &csrf), ("emne", "Privat"), ("melding", "Hemmelig")],
        )
        .await
        .location
        .expect("thread")
        .rsplit('/')
        .next()
        .expect("id")
        .to_owned();
    let message = common::kari_first_message(&portal, &thread).await;
    let device = common::kari_push_device(&portal).await;
    let request = kari_asks_for_a_time(&portal).await;
    let patient_ids = [
        ("timeavtaler", appointment.clone()),
        ("kvittering", appointment.clone()),
        ("push", device),
        ("meldinger", thread.clone()),
        ("{message}", message.clone()),
        ("venteliste", entry),
        ("tilbud", offer),
        ("timeonsker", request.clone()),
    ];
    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    // A parent acting for her own child reaches nothing of Kari's either.
    let parent = Browser::new(&portal);
    let child = common::represented_child(&portal, &portal.blocked, 2019).await;
    parent.log_in_to_act_for(&portal.blocked, &child).await;
    let other_staff = Browser::new(&portal);
    other_staff.staff_log_in(1).await;
    let staff_ids = [
        ("timeavtaler", appointment.clone()),
        ("innboks", thread.clone()),
        ("timeboker", portal.timebook.to_string()),
        ("timer", portal.slots[1].to_string()),
        ("innkalling", portal.timebook.to_string()),
        ("{message}", message),
        ("timeonsker", request),
    ];
    let before = fingerprint(&portal).await;
    let mut checked = 0;
    for rule in &portal.rules {
        // Routes with an object of someone else's in their path.
        let (browsers, ids): (Vec<&Browser>, &[(&str, String)]) = match rule.audience {
            Audience::Patient | Audience::PatientMessages if rule.path.contains("{id}") => {
                (vec![&ola, &parent], &patient_ids)
            }
            Audience::Staff
                if rule.path.contains("{id}") && !rule.path.starts_with("/klinikk/publisering") =>
            {
                (vec![&other_staff], &staff_ids)
            }
            _ => continue,
        };
        let path = fill(rule.path, ids);
        for browser in browsers {
            let csrf = browser.csrf_or_login_page().await;
            let (status, location) = call(browser, &rule.method, &path, Some(&csrf)).await;
            assert!(
                matches!(status, 403 | 404),
                "{} {path}: {status} {location:?}",
                rule.method
            );
            checked += 1;
        }
    }
    assert!(checked >= 25, "{checked} checks");
    assert_eq!(fingerprint(&portal).await, before, "nothing changed");
}

/// An answer as the one who asked sees it, with what differs between two servers and two
/// sessions for no reason of the data taken out: the server's address and the CSRF token.
fn seen(page: &common::Page, base: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let body = page.body.replace(base, "BASE");
    let mut out = String::with_capacity(body.len());
    let mut rest = body.as_str();
    while let Some(at) = rest.find(marker) {
        let end = (at + marker.len() + 64).min(rest.len());
        out.push_str(&rest[..at + marker.len()]);
        out.push_str("CSRF");
        rest = &rest[end..];
    }
    out.push_str(rest);
    format!("{} {:?}\n{out}", page.status, page.location)
}

/// Audit events written: a refusal must not write more for one number than for another.
async fn audit_events(portal: &Portal) -> i64 {
    let mut conn = sqlx::SqliteConnection::connect(&portal.db.url)
        .await
        .expect("connect");
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_event")
        .fetch_one(&mut conn)
        .await
        .expect("audit")
}

#[tokio::test]
async fn another_clinics_patient_is_a_stranger_to_staff_through_every_form() {
    // Two worlds alike but for one thing: in the first Kari is on the first clinic's list, in
    // the second on no list at all. The second clinic's staff send her number in every field
    // any route reads a fødselsnummer from (the block and unblock forms, the desk's search and
    // booking, the register's
    // patient forms and audit search, the FHIR API's identifiers) to every route that is not
    // a login, and must get the same answers and cause the same writes in both worlds.
    let listed = portal(true).await;
    let unlisted = portal(true).await;
    let kari = listed.kari.clone();
    assert_eq!(kari, unlisted.kari);
    let first_clinic = listed
        .store
        .patient(&kari)
        .await
        .expect("read")
        .expect("listed")
        .clinic_id;
    unlisted
        .store
        .unlist_patient(&domain::Actor::System, first_clinic, &kari)
        .await
        .expect("unlist");
    assert_eq!(
        listed
            .rules
            .iter()
            .map(|r| (r.method.clone(), r.path))
            .collect::<Vec<_>>(),
        unlisted
            .rules
            .iter()
            .map(|r| (r.method.clone(), r.path))
            .collect::<Vec<_>>()
    );
    let worlds = [&listed, &unlisted];
    let mut staff = Vec::new();
    for world in worlds {
        let browser = Browser::new(world);
        browser.staff_log_in(1).await;
        let csrf = browser.csrf_or_login_page().await;
        staff.push((browser, csrf, audit_events(world).await));
    }
    let identifier = format!("{}|{}", "urn:oid:2.16.578.1.12.4.1.4.1", kari.as_str());
    // The second clinic's own timebook, so that «Innkalling» reaches its list's check.
    assert_eq!(listed.other_timebook, unlisted.other_timebook);
    let own_timebook = listed.other_timebook.to_string();
    let mut checked = 0;
    let mut refused_block = 0;
    let mut refused_invitation = 0;
    for rule in &listed.rules {
        // Logins and logouts take no one's number from staff (the demo's patient login lets
        // anyone be a test patient on purpose, and exists only in the demo).
        if rule.audience == Audience::Anyone {
            continue;
        }
        let path = fill(rule.path, &[]);
        let mut answers = Vec::new();
        for (world, (browser, csrf, _)) in worlds.iter().zip(&staff) {
            let page = if rule.method == axum::http::Method::GET {
                browser
                    .get(&format!(
                        "{path}?fodselsnummer={}&patient.identifier={identifier}",
                        kari.as_str()
                    ))
                    .await
            } else {
                let mut form: Vec<(&str, &str)> = vec![
                    ("csrf", csrf),
                    ("fodselsnummer", kari.as_str()),
                    ("sok", kari.as_str()),
                    ("national_id", kari.as_str()),
                    ("fodselsnumre", kari.as_str()),
                    ("timebok", &own_timebook),
                    ("patient.identifier", &identifier),
                ];
                form.extend(PLAUSIBLE_FORM);
                browser.send(rule.method.clone(), &path, &form).await
            };
            assert!(
                !page.body.contains("Kari"),
                "{} {path} names her: {}",
                rule.method,
                page.body
            );
            answers.push(seen(&page, &world.base));
        }
        assert_eq!(
            answers[0], answers[1],
            "{} {path}: the answer tells whether she is another clinic's patient",
            rule.method
        );
        if rule.method == axum::http::Method::POST && rule.path == "/klinikk/sperring" {
            assert!(answers[0].starts_with("422 None"), "{}", answers[0]);
            assert!(
                answers[0].contains("Fødselsnummeret er ikke på legekontorets liste."),
                "{}",
                answers[0]
            );
            refused_block += 1;
        }
        if rule.method == axum::http::Method::POST && rule.path == "/klinikk/innkalling" {
            assert!(answers[0].starts_with("422 None"), "{}", answers[0]);
            assert!(
                answers[0].contains("Linje 1: ikke på legekontorets liste"),
                "{}",
                answers[0]
            );
            refused_invitation += 1;
        }
        checked += 1;
    }
    assert_eq!(refused_block, 1, "the block form was probed");
    assert_eq!(refused_invitation, 1, "the invitation form was probed");
    assert!(checked > 40, "{checked} routes");
    // The table's order unblocks after it blocks; block once more and read «Sperring» after.
    let mut lists = Vec::new();
    for (world, (browser, csrf, audited)) in worlds.iter().zip(&staff) {
        let form = [
            ("csrf", csrf.as_str()),
            ("fodselsnummer", kari.as_str()),
            ("begrunnelse", "Prøver"),
        ];
        browser.post("/klinikk/sperring", &form).await;
        let page = browser.get("/klinikk/sperring").await;
        assert!(!page.body.contains("Kari"), "{}", page.body);
        assert!(!page.body.contains(kari.as_str()), "no block was made");
        lists.push(seen(&page, &world.base));
        let written = audit_events(world).await - audited;
        lists.push(format!("{written} audit events"));
    }
    assert_eq!(lists[..2], lists[2..]);
    assert_eq!(fingerprint(&listed).await, fingerprint(&unlisted).await);
}

#[tokio::test]
async fn every_post_without_its_csrf_token_is_refused() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let operator = Browser::new(&portal);
    operator.operator_log_in().await;
    let anonymous = Browser::new(&portal);
    let before = fingerprint(&portal).await;
    let mut checked = 0;
    for rule in portal
        .rules
        .iter()
        .filter(|r| r.method == axum::http::Method::POST)
    {
        let browser = match rule.audience {
            Audience::Anyone => &anonymous,
            Audience::Patient | Audience::PatientMessages => &kari,
            Audience::Staff => &staff,
            Audience::Operator => &operator,
            // Bearer tokens, not cookies: a browser cannot be made to send one.
            Audience::Client(_) | Audience::Feed | Audience::AnyClient => continue,
        };
        let path = fill(rule.path, &[("timebok", portal.timebook.to_string())]);
        let (status, _) = call(browser, &rule.method, &path, None).await;
        assert_eq!(status, 403, "POST {} without a token", rule.path);
        let (status, _) = call(browser, &rule.method, &path, Some("forged")).await;
        assert_eq!(status, 403, "POST {} with a forged token", rule.path);
        checked += 1;
    }
    assert!(checked > 30, "{checked} POST routes");
    assert_eq!(fingerprint(&portal).await, before, "nothing changed");
}

#[tokio::test]
async fn only_these_routes_are_open_to_anyone() {
    let portal = portal(true).await;
    let mut open: Vec<String> = portal
        .rules
        .iter()
        .filter(|rule| rule.audience == Audience::Anyone)
        .map(|rule| format!("{} {}", rule.method, rule.path))
        .collect();
    open.sort();
    assert_eq!(
        open,
        [
            "GET /",
            "GET /.well-known/jwks.json",
            "GET /fhir/metadata",
            "GET /healthz",
            "GET /innlogging/{flow}",
            "GET /innlogging/{flow}/svar",
            "GET /kalender/{file}",
            "GET /logg-inn",
            "GET /manifest.webmanifest",
            "GET /personale/logg-inn",
            "GET /readyz",
            "GET /sprak/{code}",
            "GET /static/calendar.js",
            "GET /static/counter.js",
            "GET /static/icon.svg",
            "GET /static/push.js",
            "GET /static/timebok.css",
            "GET /sw.js",
            "POST /logg-inn",
            "POST /logg-ut",
            "POST /personale/logg-inn",
            "POST /personale/logg-ut",
        ],
        "a new public route must be added here on purpose"
    );
    let paths: std::collections::HashSet<_> = portal
        .rules
        .iter()
        .map(|r| (r.method.clone(), r.path))
        .collect();
    assert_eq!(paths.len(), portal.rules.len(), "one rule per route");
}

#[tokio::test]
async fn the_capability_statement_describes_every_fhir_route() {
    let portal = portal(false).await;
    let mut served: Vec<(String, String)> = portal
        .rules
        .iter()
        .filter(|r| {
            (r.path == "/fhir" || r.path.starts_with("/fhir/")) && r.path != "/fhir/metadata"
        })
        .map(|r| (r.method.to_string(), r.path.to_owned()))
        .collect();
    served.sort();
    let mut described: Vec<(String, String)> = timebok_web::fhir::described_routes()
        .into_iter()
        .map(|(method, path)| (method.to_string(), path))
        .collect();
    described.sort();
    assert_eq!(served, described);
}
