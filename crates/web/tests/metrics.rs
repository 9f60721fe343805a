//! `/metrics` over real HTTP: each family appears and moves when what it counts happens, no
//! label carries a path asked for or a fødselsnummer, every metric the Grafana dashboard
//! names is exported, and every metric exported is documented in the README.
//!
//! The process has one recorder, so the tests here take turns: each compares a scrape after
//! its own doings with one before.

mod common;

use common::fhir::{BOOKER, appointment, post, settings};
use common::{Browser, Options, Portal, portal_with};
use std::collections::BTreeMap;
use std::sync::Arc;

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const HTTP: &str = "timebok_http_request_duration_seconds_count";
const OPERATIONS: &str = "timebok_booking_operations_total";
const REFUSALS: &str = "timebok_booking_refusals_total";

/// One sample: its metric's name and labels, and its value.
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A scrape of `/metrics`, read as Prometheus reads it.
struct Scrape {
    text: String,
    samples: Vec<Sample>,
}

impl Scrape {
    fn parse(text: String) -> Self {
        let samples = text
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .map(|line| sample(line).unwrap_or_else(|| panic!("not a sample: {line}")))
            .collect();
        Self { text, samples }
    }

    /// The sum of `name`'s samples that have every label of `labels`.
    fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
            .sum()
    }

    /// Every value of `label` among `name`'s samples.
    fn label_values(&self, name: &str, label: &str) -> Vec<String> {
        self.samples
            .iter()
            .filter(|s| s.name == name)
            .filter_map(|s| s.labels.get(label).cloned())
            .collect()
    }

    /// The metric families, from their `# TYPE` lines: name and type.
    fn families(&self) -> BTreeMap<String, String> {
        self.text
            .lines()
            .filter_map(|line| line.strip_prefix("# TYPE "))
            .filter_map(|rest| rest.split_once(' '))
            .map(|(name, kind)| (name.to_owned(), kind.to_owned()))
            .collect()
    }

    /// Whether Prometheus would find `name` in this scrape: a family, or a histogram's
    /// `_bucket`, `_count` or `_sum`.
    fn exports(&self, name: &str) -> bool {
        let families = self.families();
        families.contains_key(name)
            || ["_bucket", "_count", "_sum"].iter().any(|suffix| {
                name.strip_suffix(suffix)
                    .is_some_and(|base| families.get(base).is_some_and(|k| k == "histogram"))
            })
    }
}

/// `name{key="value",…} value`, label values unescaped.
fn sample(line: &str) -> Option<Sample> {
    let (series, value) = line.rsplit_once(' ')?;
    let value = value.parse().ok()?;
    let Some((name, mut rest)) = series.split_once('{') else {
        return Some(Sample {
            name: series.to_owned(),
            labels: BTreeMap::new(),
            value,
        });
    };
    let mut labels = BTreeMap::new();
    while !rest.starts_with('}') {
        let (key, after) = rest.split_once("=\"")?;
        let mut label = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next()? {
                (_, '\\') => label.push(chars.next()?.1),
                (at, '"') => break at,
                (_, c) => label.push(c),
            }
        };
        labels.insert(key.to_owned(), label);
        rest = after[end + 1..].trim_start_matches(',');
    }
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// `/metrics` for the portal's store, on a listener of its own as `metrics_listen` gives it.
async fn serve_metrics(portal: &Portal) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let router = timebok_web::metrics_router(portal.store.clone(), portal.clock.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}/metrics")
}

async fn scrape(url: &str) -> Scrape {
    let response = reqwest::get(url).await.expect("scrape");
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain")),
        "Prometheus' text format"
    );
    Scrape::parse(response.text().await.expect("text"))
}

/// How much `name` with `labels` grew from `before` to `after`.
fn grew(before: &Scrape, after: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    after.sum(name, labels) - before.sum(name, labels)
}

/// The portal with the FHIR API, the test login, two logins a minute and a clock the test
/// moves.
async fn metered_portal() -> (Portal, Arc<store::ManualClock>) {
    let clock = Arc::new(store::ManualClock::new(store::Clock::now(
        &store::SystemClock,
    )));
    let portal = portal_with(Options {
        demo_login: true,
        fhir: settings(),
        clock: clock.clone(),
        limits: timebok_web::limits::LimitSettings {
            logins_per_minute: 2,
            ..timebok_web::limits::LimitSettings::default()
        },
        ..Options::default()
    })
    .await;
    (portal, clock)
}

async fn fhir_book(portal: &Portal, slot: i64, patient: &domain::NationalId) -> u16 {
    post(
        portal,
        BOOKER,
        "/fhir/Appointment",
        &[],
        &appointment(slot, patient, Some("Influensavaksine")),
    )
    .await
    .status
}

#[tokio::test]
async fn a_booking_through_the_portal_counts_for_the_portal_by_its_route() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (portal, _) = metered_portal().await;
    let metrics = serve_metrics(&portal).await;
    let before = scrape(&metrics).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let month = portal.day.strftime("%Y-%m");
    let page = kari
        .get(&format!("/bestill/{}?maned={month}", portal.timebook))
        .await;
    assert_eq!(page.status, 200);
    kari.book(portal.timebook, portal.slots[0], "Influensavaksine")
        .await;
    let after = scrape(&metrics).await;
    let done = |operation| {
        grew(
            &before,
            &after,
            OPERATIONS,
            &[
                ("operation", operation),
                ("channel", "portal"),
                ("outcome", "done"),
            ],
        )
    };
    assert_eq!((done("hold"), done("book")), (1.0, 1.0), "{}", after.text);
    assert_eq!(
        grew(
            &before,
            &after,
            "timebok_booking_operation_duration_seconds_count",
            &[("operation", "book")]
        ),
        1.0
    );
    let request = |route, method| {
        grew(
            &before,
            &after,
            HTTP,
            &[("route", route), ("method", method)],
        )
    };
    assert_eq!(request("/bestill/{timebook}", "GET"), 1.0, "«Velg time»");
    assert_eq!(
        grew(
            &before,
            &after,
            HTTP,
            &[
                ("route", "/bestill/{timebook}/send"),
                ("method", "POST"),
                ("status", "303")
            ]
        ),
        1.0
    );
    assert!(
        grew(
            &before,
            &after,
            "timebok_database_connection_wait_seconds_count",
            &[]
        ) > 0.0,
        "every statement's wait for a connection is timed"
    );
    read_at_the_scrape(&after);
    labelled_by_template(&portal, &after);
}

/// Read from the database at the scrape: Kari's session, her booking's notice, the pool.
fn read_at_the_scrape(after: &Scrape) {
    assert_eq!(after.sum("timebok_sessions", &[("kind", "patient")]), 1.0);
    assert_eq!(after.sum("timebok_sessions", &[("kind", "staff")]), 0.0);
    assert_eq!(
        after.sum("timebok_notifications", &[("state", "pending")]),
        1.0
    );
    let max = after.sum("timebok_database_connections_max", &[]);
    assert!(max >= 1.0, "{}", after.text);
    assert!(after.sum("timebok_database_connections", &[]) <= max);
}

/// A route's label is its template (`unmatched` where none matched): never an id, a query
/// or a fødselsnummer.
fn labelled_by_template(portal: &Portal, after: &Scrape) {
    for route in after.label_values(HTTP, "route") {
        assert!(
            route == "unmatched" || portal.rules.iter().any(|rule| rule.path == route),
            "{route} is not a route template"
        );
    }
    assert!(!after.text.contains(portal.kari.as_str()));
    assert!(!after.text.contains("maned"));
}

#[tokio::test]
async fn refusals_count_by_reason_and_a_409_from_fhir_shows_by_status() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (portal, _) = metered_portal().await;
    let metrics = serve_metrics(&portal).await;
    let before = scrape(&metrics).await;

    let blocked = Browser::new(&portal);
    blocked.log_in(&portal.blocked).await;
    assert_eq!(
        blocked.hold(portal.timebook, portal.slots[0]).await.status,
        303
    );
    assert_eq!(fhir_book(&portal, portal.slots[1], &portal.kari).await, 201);
    assert_eq!(fhir_book(&portal, portal.slots[1], &portal.ola).await, 409);

    let after = scrape(&metrics).await;
    let refused = |operation, channel, reason| {
        grew(
            &before,
            &after,
            REFUSALS,
            &[
                ("operation", operation),
                ("channel", channel),
                ("reason", reason),
            ],
        )
    };
    assert_eq!(refused("hold", "portal", "blocked"), 1.0, "{}", after.text);
    assert_eq!(refused("book", "fhir", "taken"), 1.0, "{}", after.text);
    assert_eq!(grew(&before, &after, REFUSALS, &[]), 2.0);
    let by = |channel, outcome| {
        grew(
            &before,
            &after,
            OPERATIONS,
            &[("channel", channel), ("outcome", outcome)],
        )
    };
    assert_eq!(
        (
            by("portal", "refused"),
            by("fhir", "refused"),
            by("fhir", "done")
        ),
        (1.0, 1.0, 1.0)
    );
    let fhir = |status| {
        grew(
            &before,
            &after,
            HTTP,
            &[
                ("route", "/fhir/Appointment"),
                ("method", "POST"),
                ("status", status),
            ],
        )
    };
    assert_eq!((fhir("201"), fhir("409")), (1.0, 1.0));
}

#[tokio::test]
async fn staff_bookings_and_cancellations_count_for_staff() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (portal, _) = metered_portal().await;
    let metrics = serve_metrics(&portal).await;
    let before = scrape(&metrics).await;
    let clinic = portal
        .number(&format!(
            "SELECT clinic_id FROM timebook WHERE id = {}",
            portal.timebook
        ))
        .await;
    let staff = domain::Caller::staff(domain::ClinicId(clinic), "resepsjon");
    let booked = portal
        .store
        .book(
            &staff,
            &store::BookRequest {
                patient: portal.ola.clone(),
                slot: domain::SlotId(portal.slots[2]),
                reason: domain::Reason::parse("Influensavaksine").expect("reason"),
                appointment_type: None,
                hold: None,
                idempotency: None,
            },
        )
        .await
        .expect("booked at the desk");
    portal
        .store
        .cancel(
            &staff,
            &store::CancelRequest {
                appointment: booked.id,
                reason: None,
                version: None,
            },
        )
        .await
        .expect("cancelled by the office");
    let after = scrape(&metrics).await;
    let done = |operation| {
        grew(
            &before,
            &after,
            OPERATIONS,
            &[
                ("operation", operation),
                ("channel", "staff"),
                ("outcome", "done"),
            ],
        )
    };
    assert_eq!((done("book"), done("cancel")), (1.0, 1.0), "{}", after.text);
    assert_eq!(
        grew(&before, &after, OPERATIONS, &[("channel", "portal")]),
        0.0
    );
}

#[tokio::test]
async fn an_unmatched_path_has_one_label_and_rate_limits_count_their_refusals() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (portal, _) = metered_portal().await;
    let metrics = serve_metrics(&portal).await;
    let before = scrape(&metrics).await;
    let stranger = Browser::new(&portal);
    let missing = stranger
        .get(&format!("/finnes-ikke/{}", portal.kari.as_str()))
        .await;
    assert_eq!(missing.status, 404);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let browser = Browser::new(&portal);
        let csrf = browser.csrf().await;
        let page = browser
            .post(
                "/logg-inn",
                &[("csrf", &csrf), ("national_id", portal.ola.as_str())],
            )
            .await;
        statuses.push(page.status);
    }
    assert_eq!(statuses, [303, 303, 429]);
    let after = scrape(&metrics).await;
    assert_eq!(
        grew(
            &before,
            &after,
            HTTP,
            &[("route", "unmatched"), ("status", "404")]
        ),
        1.0
    );
    assert!(!after.text.contains(portal.kari.as_str()));
    assert!(!after.text.contains("finnes-ikke"));
    assert_eq!(
        grew(
            &before,
            &after,
            "timebok_rate_limit_refusals_total",
            &[("limit", "login")]
        ),
        1.0,
        "{}",
        after.text
    );
}

#[tokio::test]
async fn notification_tries_count_by_outcome_and_the_outbox_tells_its_oldest_job() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (portal, clock) = metered_portal().await;
    let metrics = serve_metrics(&portal).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    kari.book(portal.timebook, portal.slots[0], "Influensavaksine")
        .await;
    clock.advance(jiff::SignedDuration::from_mins(7));
    let before = scrape(&metrics).await;
    // The job was written at a whole second, now has fractions.
    let age = before.sum("timebok_outbox_oldest_pending_age_seconds", &[]);
    assert!((420.0..421.0).contains(&age), "{}", before.text);
    let worker = notify::Worker::new(
        portal.store.clone(),
        portal.clock.clone(),
        notify::NotifyConfig::default(),
    )
    .expect("worker");
    let round = worker.run_once().await.expect("round");
    assert_eq!(round.claimed, 1);
    let after = scrape(&metrics).await;
    let deliveries = "timebok_notification_deliveries_total";
    assert_eq!(
        grew(&before, &after, deliveries, &[]),
        1.0,
        "{}",
        after.text
    );
    let outcome = |outcome| grew(&before, &after, deliveries, &[("outcome", outcome)]);
    assert_eq!(
        (
            outcome("sent"),
            outcome("skipped"),
            outcome("retrying"),
            outcome("failed")
        ),
        (
            round.sent as f64,
            round.skipped as f64,
            round.retrying as f64,
            round.failed as f64
        )
    );
    for channel in after.label_values(deliveries, "channel") {
        assert!(
            ["sms", "email", "push", "subscription", "none"].contains(&channel.as_str()),
            "{channel}"
        );
    }
    if round.retrying == 0 {
        assert_eq!(
            after.sum("timebok_outbox_oldest_pending_age_seconds", &[]),
            0.0
        );
    }
}

/// Every `timebok_*` name in the dashboard's queries.
fn dashboard_metrics(dashboard: &serde_json::Value) -> Vec<String> {
    let mut exprs = Vec::new();
    collect_exprs(dashboard, &mut exprs);
    assert!(!exprs.is_empty(), "the dashboard has queries");
    let mut names = Vec::new();
    for expr in exprs {
        let mut rest = expr.as_str();
        while let Some(at) = rest.find("timebok_") {
            let name: String = rest[at..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            rest = &rest[at + name.len()..];
            names.push(name);
        }
    }
    names.sort();
    names.dedup();
    names
}

fn collect_exprs(value: &serde_json::Value, exprs: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("expr", serde_json::Value::String(expr)) => exprs.push(expr.clone()),
                    _ => collect_exprs(value, exprs),
                }
            }
        }
        serde_json::Value::Array(values) => {
            for value in values {
                collect_exprs(value, exprs);
            }
        }
        _ => {}
    }
}

fn repository_file(path: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
async fn every_metric_the_dashboard_names_is_exported_and_every_one_exported_is_documented() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (portal, _) = metered_portal().await;
    let metrics = serve_metrics(&portal).await;
    // What a rush does: «Velg time», bookings, a conflict, a refusal, a rate limit, notices.
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    kari.get(&format!("/bestill/{}", portal.timebook)).await;
    kari.book(portal.timebook, portal.slots[0], "Influensavaksine")
        .await;
    assert_eq!(fhir_book(&portal, portal.slots[0], &portal.ola).await, 409);
    for _ in 0..3 {
        let browser = Browser::new(&portal);
        let csrf = browser.csrf().await;
        browser
            .post(
                "/logg-inn",
                &[("csrf", &csrf), ("national_id", portal.ola.as_str())],
            )
            .await;
    }
    notify::Worker::new(
        portal.store.clone(),
        portal.clock.clone(),
        notify::NotifyConfig::default(),
    )
    .expect("worker")
    .run_once()
    .await
    .expect("round");
    let scraped = scrape(&metrics).await;

    let dashboard: serde_json::Value =
        serde_json::from_str(&repository_file("docs/grafana/timebok-rush.json"))
            .expect("the dashboard is JSON");
    let named = dashboard_metrics(&dashboard);
    for required in [
        "timebok_booking_operations_total",
        "timebok_http_request_duration_seconds_count",
        "timebok_http_request_duration_seconds_bucket",
        "timebok_outbox_oldest_pending_age_seconds",
    ] {
        assert!(named.iter().any(|n| n == required), "{required}");
    }
    let missing: Vec<&String> = named.iter().filter(|n| !scraped.exports(n)).collect();
    assert!(
        missing.is_empty(),
        "the dashboard names metrics /metrics does not export: {missing:?}\n{}",
        scraped.text
    );
    // A route the dashboard picks out («Velg time») is a route template the scrape labels.
    let mut exprs = Vec::new();
    collect_exprs(&dashboard, &mut exprs);
    let routes = scraped.label_values(HTTP, "route");
    for expr in &exprs {
        for picked in expr.split("route=\"").skip(1) {
            let route = picked.split('"').next().unwrap_or_default();
            assert!(routes.iter().any(|r| r == route), "{route} in {expr}");
        }
    }
    assert!(!scraped.exports("timebok_no_such_metric"));
    assert!(
        !scraped.exports("timebok_notifications_bucket"),
        "not a histogram"
    );

    let readme = repository_file("README.md");
    let undocumented: Vec<String> = scraped
        .families()
        .into_keys()
        .filter(|name| !readme.contains(&format!("| `{name}` |")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "metrics the README's table does not list: {undocumented:?}"
    );
}
