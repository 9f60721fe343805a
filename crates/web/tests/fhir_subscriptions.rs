//! A journal system learns of every appointment of its clinic: by the change feed, and by
//! FHIR Subscriptions whose notifications the outbox worker posts to a real HTTP receiver,
//! in order per appointment, again after failures, and again after a worker dies.

mod common;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use common::fhir::{self, Answer, assert_outcome, capture, entries, get, link, post};
use common::{Browser, Options, Portal, portal_with};
use domain::{Caller, HerId};
use jiff::SignedDuration;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use store::{Clock as _, ManualClock, MoveRequest, NotificationKind, Notifications};

/// Bound to the first clinic (HER-id 1001): books, reads and subscribes.
const JOURNAL: &str = "journal-token-0123456789abcdef0123456789";
/// Bound to the second clinic.
const OTHER: &str = "other-journal-token-0123456789abcdef01234";
/// Every clinic: may not subscribe, and must name a patient to search.
const UNBOUND: &str = "unbound-token-0123456789abcdef0123456789";
/// Bound, but without `system/Subscription.cruds`.
const NO_SCOPE: &str = "no-scope-token-0123456789abcdef0123456789";

const TOKEN: &str = "Bearer journal-secret";

fn settings(allow_private_hook_hosts: bool) -> timebok_web::fhir::FhirSettings {
    let both = ["system/Appointment.cruds", "system/Subscription.cruds"];
    serde_json::from_value(json!({
        "clients": [
            { "name": "journal", "token": JOURNAL, "scopes": both, "clinic_her_id": 1001 },
            { "name": "other", "token": OTHER, "scopes": both, "clinic_her_id": 1002 },
            { "name": "unbound", "token": UNBOUND, "scopes": both },
            { "name": "no-scope", "token": NO_SCOPE, "scopes": ["system/Appointment.cruds"], "clinic_her_id": 1001 },
        ],
        "allow_private_hook_hosts": allow_private_hook_hosts,
    }))
    .expect("settings")
}

async fn journal_portal(clock: Arc<ManualClock>, allow_private_hook_hosts: bool) -> Portal {
    on(None, clock, allow_private_hook_hosts).await
}

/// The portal on `db`, a new SQLite database unless given.
async fn on(
    db: Option<store::testing::TestDb>,
    clock: Arc<ManualClock>,
    allow_private_hook_hosts: bool,
) -> Portal {
    portal_with(Options {
        demo_login: true,
        clock,
        fhir: settings(allow_private_hook_hosts),
        db,
        ..Options::default()
    })
    .await
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(store::SystemClock.now()))
}

/// What the receiver does with the next requests.
#[derive(Default)]
struct Behaviour {
    /// Answer 500 to this many requests first.
    failures: AtomicUsize,
    /// Hold the next request open without answering.
    hold: AtomicBool,
    /// Requests that came in and were held.
    held: AtomicUsize,
}

/// A notification taken: the path, its Authorization header and the Bundle.
type Taken = (String, Option<String>, Value);

#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Taken>>>,
    behaviour: Arc<Behaviour>,
}

impl Receiver {
    fn taken(&self) -> Vec<Taken> {
        self.received.lock().expect("lock").clone()
    }
}

async fn take(
    State(receiver): State<Receiver>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let behaviour = &receiver.behaviour;
    if behaviour
        .failures
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    if behaviour.hold.swap(false, Ordering::SeqCst) {
        behaviour.held.fetch_add(1, Ordering::SeqCst);
        std::future::pending::<()>().await;
    }
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/fhir+json; charset=utf-8")
    );
    capture(&body, 200);
    let bundle: Value = serde_json::from_str(&body).expect("JSON");
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    receiver
        .received
        .lock()
        .expect("lock")
        .push((path, authorization, bundle));
    StatusCode::OK
}

/// Serves the receiver on `listener`; its base URL.
fn serve(listener: tokio::net::TcpListener, receiver: Receiver) -> String {
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = axum::Router::new()
        .route("/hook/{path}", axum::routing::post(take))
        .with_state(receiver);
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

async fn receiver() -> (String, Receiver) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let receiver = Receiver::default();
    (serve(listener, receiver.clone()), receiver)
}

fn config(max_attempts: u32) -> notify::NotifyConfig {
    notify::NotifyConfig {
        batch_size: 4,
        sends_at_once: 1,
        max_attempts,
        backoff_base_seconds: 60,
        backoff_max_seconds: 600,
        lease_seconds: 120,
        send_timeout_seconds: 10,
        ..notify::NotifyConfig::default()
    }
}

fn worker(portal: &Portal, config: notify::NotifyConfig) -> notify::Worker {
    let notifications = timebok_web::fhir::SubscriptionNotifications::new(&portal.state.public_url)
        .expect("notifications");
    let store: Arc<dyn Notifications> = portal.store.clone();
    notify::Worker::new(store, portal.clock.clone(), config)
        .expect("worker")
        .with_hooks(
            timebok_web::fhir::hook_targets(true),
            Arc::new(move |delivery| notifications.bundle(delivery)),
        )
        .expect("hooks")
}

fn subscription(endpoint: &str, content: &str) -> Value {
    json!({
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "Timeavtaler til journalen",
        "criteria": timebok_web::fhir::SUBSCRIPTION_TOPIC,
        "channel": {
            "type": "rest-hook",
            "endpoint": endpoint,
            "payload": "application/fhir+json",
            "_payload": { "extension": [{
                "url": "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content",
                "valueCode": content,
            }] },
            "header": [format!("Authorization: {TOKEN}")],
        },
    })
}

async fn subscribe(portal: &Portal, endpoint: &str, content: &str) -> String {
    let created = post(
        portal,
        JOURNAL,
        "/fhir/Subscription",
        &[],
        &subscription(endpoint, content),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["status"], "active");
    assert!(
        created.body["channel"].get("header").is_none(),
        "never shown"
    );
    created.body["id"].as_str().expect("id").to_owned()
}

/// Runs rounds until the receiver has taken `count` notifications in all.
async fn deliver(worker: &notify::Worker, receiver: &Receiver, count: usize) {
    for _ in 0..50 {
        if receiver.taken().len() >= count {
            return;
        }
        worker.run_once().await.expect("round");
    }
    assert_eq!(receiver.taken().len(), count, "{:#?}", receiver.taken());
}

/// The status parameters of a notification: (event number, focus, the request's method).
fn event(bundle: &Value) -> (String, String, String) {
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "history");
    let status = &bundle["entry"][0]["resource"];
    assert_eq!(status["resourceType"], "Parameters");
    let parameter = |name: &str| {
        status["parameter"]
            .as_array()
            .expect("parameters")
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(parameter("type")["valueCode"], "event-notification");
    assert_eq!(
        parameter("topic")["valueCanonical"],
        timebok_web::fhir::SUBSCRIPTION_TOPIC
    );
    let parts = parameter("notification-event")["part"].clone();
    let part = |name: &str| {
        parts
            .as_array()
            .expect("parts")
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert!(part("timestamp")["valueInstant"].is_string());
    for entry in bundle["entry"].as_array().expect("entries") {
        assert!(
            entry["request"]["method"].is_string(),
            "history entries have request"
        );
        assert!(entry["response"]["status"].is_string(), "and response");
    }
    (
        part("event-number")["valueString"]
            .as_str()
            .expect("number")
            .to_owned(),
        part("focus")["valueReference"]["reference"]
            .as_str()
            .expect("focus")
            .to_owned(),
        bundle["entry"][1]["request"]["method"]
            .as_str()
            .expect("method")
            .to_owned(),
    )
}

async fn first_clinic(portal: &Portal) -> domain::ClinicId {
    portal
        .store
        .clinic_by_her_id(HerId::new(1001).expect("her"))
        .await
        .expect("clinic")
        .expect("there")
        .id
}

async fn move_as_staff(portal: &Portal, appointment: i64, to: i64) {
    let clinic = first_clinic(portal).await;
    portal
        .store
        .move_appointment(
            &Caller::staff(clinic, "resepsjon"),
            &MoveRequest {
                appointment: domain::AppointmentId(appointment),
                to: domain::SlotId(to),
                hold: None,
                version: None,
            },
        )
        .await
        .expect("move");
}

async fn cancel_in_portal(kari: &Browser, id: &str) {
    let csrf = kari.csrf().await;
    let page = kari
        .post(&format!("/timeavtaler/{id}/avbestill"), &[("csrf", &csrf)])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bookings_moves_and_cancellations_reach_the_journal_system_in_order() {
    in_order(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bookings_moves_and_cancellations_reach_the_journal_system_in_order_on_postgres() {
    if let Some(db) = store::testing::TestDb::postgres().await {
        in_order(Some(db)).await;
    }
}

/// Two workers drain the outbox side by side, as two server processes would.
async fn in_order(db: Option<store::testing::TestDb>) {
    let clock = clock();
    let portal = on(db, clock.clone(), true).await;
    let (hooks, receiver) = receiver().await;
    let full = subscribe(&portal, &format!("{hooks}/hook/full"), "full-resource").await;
    let ids = subscribe(&portal, &format!("{hooks}/hook/ids"), "id-only").await;

    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let appointment = kari
        .book(portal.timebook, portal.slots[0], "Influensavaksine")
        .await;
    let number: i64 = appointment.parse().expect("id");
    move_as_staff(&portal, number, portal.slots[2]).await;
    cancel_in_portal(&kari, &appointment).await;

    let (worker, other) = (worker(&portal, config(5)), worker(&portal, config(5)));
    for _ in 0..50 {
        if receiver.taken().len() >= 6 {
            break;
        }
        let (one, two) = tokio::join!(worker.run_once(), other.run_once());
        one.expect("round");
        two.expect("round");
    }
    let taken = receiver.taken();
    let focus = format!("{}/fhir/Appointment/{appointment}", portal.base);
    for (path, subscription) in [("full", &full), ("ids", &ids)] {
        let mine: Vec<&Taken> = taken.iter().filter(|(p, _, _)| p == path).collect();
        let events: Vec<(String, String, String)> =
            mine.iter().map(|(_, _, bundle)| event(bundle)).collect();
        assert_eq!(
            events,
            [
                ("1".to_owned(), focus.clone(), "POST".to_owned()),
                ("2".to_owned(), focus.clone(), "PUT".to_owned()),
                ("3".to_owned(), focus.clone(), "PUT".to_owned()),
            ],
            "{path}: booked, moved, cancelled, in order"
        );
        for (_, authorization, bundle) in &mine {
            assert_eq!(authorization.as_deref(), Some(TOKEN));
            let status = &bundle["entry"][0]["resource"]["parameter"][0];
            assert_eq!(status["name"], "subscription");
            assert_eq!(
                status["valueReference"]["reference"],
                format!("{}/fhir/Subscription/{subscription}", portal.base)
            );
            let resource = bundle["entry"][1].get("resource");
            match path {
                "ids" => assert!(resource.is_none(), "id-only: {bundle}"),
                _ => {
                    let resource = resource.expect("full-resource");
                    assert_eq!(resource["resourceType"], "Appointment");
                    assert_eq!(resource["id"], appointment.as_str());
                }
            }
        }
        if path == "full" {
            // The Appointment as it is when posted: all three show it cancelled at version 3.
            let last = &mine[2].2["entry"][1]["resource"];
            assert_eq!(last["status"], "cancelled");
            assert_eq!(last["meta"]["versionId"], "3");
        }
    }
    // Nothing more is sent, and nothing reached the log's other side twice.
    worker.run_once().await.expect("round");
    assert_eq!(receiver.taken().len(), 6);
}

#[tokio::test]
async fn a_journal_system_that_fails_for_a_while_gets_every_change_later_in_order() {
    failing_for_a_while(None).await;
}

#[tokio::test]
async fn a_journal_system_that_fails_for_a_while_gets_every_change_later_in_order_on_postgres() {
    if let Some(db) = store::testing::TestDb::postgres().await {
        failing_for_a_while(Some(db)).await;
    }
}

async fn failing_for_a_while(db: Option<store::testing::TestDb>) {
    let clock = clock();
    let portal = on(db, clock.clone(), true).await;
    // Nothing listens at first: the connection is refused.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("addr");
    drop(listener);
    subscribe(
        &portal,
        &format!("http://{address}/hook/full"),
        "full-resource",
    )
    .await;

    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let appointment = kari.book(portal.timebook, portal.slots[0], "Vaksine").await;
    cancel_in_portal(&kari, &appointment).await;
    let worker = worker(&portal, config(6));
    let first = worker.run_once().await.expect("round");
    assert_eq!(
        first.retrying, 1,
        "the booking's notification waits: {first:?}"
    );

    // The receiver comes up but answers 500 twice.
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .expect("rebind");
    let receiver = Receiver::default();
    receiver.behaviour.failures.store(2, Ordering::SeqCst);
    serve(listener, receiver.clone());
    // Not due before the backoff has passed.
    assert_eq!(worker.run_once().await.expect("round").claimed, 0);
    for wait in [60, 120] {
        clock.advance(SignedDuration::from_secs(wait));
        let round = worker.run_once().await.expect("round");
        assert_eq!(round.retrying, 1, "{round:?}");
    }
    clock.advance(SignedDuration::from_secs(240));
    deliver(&worker, &receiver, 2).await;
    let events: Vec<(String, String, String)> = receiver
        .taken()
        .iter()
        .map(|(_, _, bundle)| event(bundle))
        .collect();
    assert_eq!(
        events.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
        ["1", "2"],
        "the cancellation after the booking"
    );
    assert_eq!(
        events.iter().map(|e| e.2.as_str()).collect::<Vec<_>>(),
        ["POST", "PUT"]
    );
}

#[tokio::test]
async fn a_worker_killed_mid_delivery_leaves_the_notification_to_another() {
    killed_worker(None).await;
}

#[tokio::test]
async fn a_worker_killed_mid_delivery_leaves_the_notification_to_another_on_postgres() {
    if let Some(db) = store::testing::TestDb::postgres().await {
        killed_worker(Some(db)).await;
    }
}

async fn killed_worker(db: Option<store::testing::TestDb>) {
    let clock = clock();
    let portal = on(db, clock.clone(), true).await;
    let (hooks, receiver) = receiver().await;
    subscribe(&portal, &format!("{hooks}/hook/ids"), "id-only").await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let appointment = kari.book(portal.timebook, portal.slots[1], "Vaksine").await;

    receiver.behaviour.hold.store(true, Ordering::SeqCst);
    let first = Arc::new(worker(&portal, config(5)));
    let running = {
        let first = first.clone();
        tokio::spawn(async move { first.run_once().await })
    };
    for _ in 0..200 {
        if receiver.behaviour.held.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        receiver.behaviour.held.load(Ordering::SeqCst),
        1,
        "in flight"
    );
    running.abort();
    assert!(running.await.is_err(), "killed");

    // Another worker leaves it alone while the lease holds, and delivers it after.
    let second = worker(&portal, config(5));
    second.run_once().await.expect("round");
    assert!(receiver.taken().is_empty());
    clock.advance(SignedDuration::from_secs(121));
    deliver(&second, &receiver, 1).await;
    let (number, focus, method) = event(&receiver.taken()[0].2);
    assert_eq!(
        (number.as_str(), method.as_str()),
        ("1", "POST"),
        "the same event"
    );
    assert!(focus.ends_with(&format!("/Appointment/{appointment}")));
}

#[tokio::test]
async fn failing_for_good_shows_for_the_operator_and_in_the_subscription() {
    let clock = clock();
    let portal = journal_portal(clock.clone(), true).await;
    let (hooks, receiver) = receiver().await;
    let id = subscribe(&portal, &format!("{hooks}/hook/full"), "full-resource").await;
    receiver.behaviour.failures.store(2, Ordering::SeqCst);
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    kari.book(portal.timebook, portal.slots[0], "Vaksine").await;

    let worker = worker(&portal, config(2));
    assert_eq!(worker.run_once().await.expect("round").retrying, 1);
    clock.advance(SignedDuration::from_secs(60));
    assert_eq!(worker.run_once().await.expect("round").failed, 1);

    let read = get(&portal, Some(JOURNAL), &format!("/fhir/Subscription/{id}")).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body["status"], "error");
    assert_eq!(
        read.body["error"],
        "the journal system answered 500 Internal Server Error"
    );

    let status = get(
        &portal,
        Some(JOURNAL),
        &format!("/fhir/Subscription/{id}/$status"),
    )
    .await;
    assert_eq!(status.status, 200, "{}", status.body);
    let parameters = entries(&status.body, "match")[0]["parameter"].clone();
    assert_eq!(
        parameters[2],
        json!({ "name": "status", "valueCode": "error" })
    );
    assert_eq!(
        parameters[3],
        json!({ "name": "type", "valueCode": "query-status" })
    );

    let operator = Browser::new(&portal);
    operator.operator_log_in().await;
    let page = operator.get("/register/varsler").await;
    assert!(
        page.body.contains(&format!("FHIR-abonnement {id}")),
        "{}",
        page.body
    );
    assert!(page.body.contains("the journal system answered 500"));
    assert!(!page.body.contains(portal.kari.as_str()));
    let failed = portal.store.failed_jobs(10).await.expect("failed");
    let job = failed
        .iter()
        .find(|job| job.subscription_id.is_some())
        .expect("the notification");
    assert_eq!(job.kind, NotificationKind::Booked);
    let csrf = operator.csrf().await;
    let retried = operator
        .post(
            &format!("/register/varsler/{}/prov-igjen", job.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        retried.location.as_deref(),
        Some("/register/varsler?provd=1")
    );
    deliver(&worker, &receiver, 1).await;
    let healed = get(&portal, Some(JOURNAL), &format!("/fhir/Subscription/{id}")).await;
    assert_eq!(healed.body["status"], "active");
    assert!(healed.body.get("error").is_none());
}

/// Searches the change feed as `token`, following `next` links; the ids in order.
async fn feed(portal: &Portal, token: &str, query: &str) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut url = Some(format!("{}/fhir/Appointment?{query}", portal.base));
    while let Some(next) = url {
        let page = fhir::get_url(Some(token), &next).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(page.body["type"], "searchset");
        pages += 1;
        if page.body.get("entry").is_some() {
            for appointment in entries(&page.body, "match") {
                assert!(appointment["meta"]["lastUpdated"].is_string());
                assert!(appointment["meta"]["versionId"].is_string());
                ids.push(appointment["id"].as_str().expect("id").to_owned());
            }
        }
        url = link(&page.body, "next");
    }
    (ids, pages)
}

#[tokio::test]
async fn the_change_feed_pages_a_bound_clients_changes_and_shows_no_other_clinics() {
    let clock = clock();
    let portal = journal_portal(clock.clone(), true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let first = kari.book(portal.timebook, portal.slots[0], "Vaksine").await;
    clock.advance(SignedDuration::from_secs(60));
    let since = clock.now();
    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    let second = ola.book(portal.timebook, portal.slots[1], "Vaksine").await;
    clock.advance(SignedDuration::from_secs(60));
    cancel_in_portal(&kari, &first).await;

    let (all, pages) = feed(&portal, JOURNAL, "_count=1").await;
    assert_eq!(all, [second.clone(), first.clone()], "by last change");
    assert_eq!(pages, 2, "one a page");
    let (changed, _) = feed(&portal, JOURNAL, &format!("_lastUpdated=ge{since}")).await;
    assert_eq!(changed, [second.clone(), first.clone()]);
    let later = since + SignedDuration::from_secs(1);
    let (after, _) = feed(
        &portal,
        JOURNAL,
        &format!("_lastUpdated=gt{later}&_sort=_lastUpdated"),
    )
    .await;
    assert_eq!(after, std::slice::from_ref(&first), "only the cancellation");
    let (elsewhere, _) = feed(&portal, OTHER, "").await;
    assert!(elsewhere.is_empty(), "another clinic's client sees none");

    // Reads are audited as any Appointment search's.
    let audited = portal
        .store
        .audit_events(&store::AuditFilter {
            patient: None,
            action: Some(domain::AuditAction::AppointmentViewed),
            limit: 200,
        })
        .await
        .expect("audit");
    assert!(
        audited
            .iter()
            .any(|e| e.action == domain::AuditAction::AppointmentViewed
                && e.subject == format!("appointment:{first}")),
        "{audited:?}"
    );

    let unbound = get(&portal, Some(UNBOUND), "/fhir/Appointment").await;
    assert_outcome(&unbound, 400, "invalid", Some("patient.identifier"));
    let bad = get(
        &portal,
        Some(JOURNAL),
        "/fhir/Appointment?_lastUpdated=yesterday",
    )
    .await;
    assert_outcome(&bad, 400, "invalid", Some("_lastUpdated"));
    let sort = get(&portal, Some(JOURNAL), "/fhir/Appointment?_sort=date").await;
    assert_eq!(sort.status, 400);
    let unknown = get(&portal, Some(JOURNAL), "/fhir/Appointment?status=booked").await;
    assert_eq!(unknown.status, 400);
}

fn refused(answer: &Answer, status: u16, expression: Option<&str>) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.body["resourceType"], "OperationOutcome");
    if let Some(expression) = expression {
        assert_eq!(
            answer.body["issue"][0]["expression"][0], expression,
            "{}",
            answer.body
        );
    }
}

/// Subscriptions with one thing wrong each, and the field the refusal names.
fn bad_subscriptions() -> Vec<(Value, &'static str)> {
    let good = subscription("https://journal.example.net/hooks/timebok", "id-only");
    let with = |pointer: &str, value: Value| {
        let mut body = good.clone();
        *body.pointer_mut(pointer).expect("field") = value;
        body
    };
    let endpoint = "/channel/endpoint";
    vec![
        (
            with(endpoint, json!("http://journal.example.net/hooks")),
            "Subscription.channel.endpoint",
        ),
        (
            with(endpoint, json!("https://127.0.0.1/hooks")),
            "Subscription.channel.endpoint",
        ),
        (
            with(endpoint, json!("https://10.1.2.3/hooks")),
            "Subscription.channel.endpoint",
        ),
        (
            with(endpoint, json!("https://localhost/hooks")),
            "Subscription.channel.endpoint",
        ),
        (
            with(endpoint, json!("https://user:pw@journal.example.net/")),
            "Subscription.channel.endpoint",
        ),
        (
            with("/criteria", json!("Appointment?status=booked")),
            "Subscription.criteria",
        ),
        (
            with("/channel/type", json!("websocket")),
            "Subscription.channel.type",
        ),
        (
            with("/channel/payload", json!("application/xml")),
            "Subscription.channel.payload",
        ),
        (
            with("/channel/_payload/extension/0/valueCode", json!("empty")),
            "Subscription.channel.payload.extension",
        ),
        (
            with("/channel/header", json!(["X-Other: 1"])),
            "Subscription.channel.header",
        ),
        (
            with("/channel/header", json!(["Authorization: a\r\nX: b"])),
            "Subscription.channel.header",
        ),
        (with("/reason", json!("")), "Subscription.reason"),
        (with("/status", json!("off")), "Subscription.status"),
    ]
}

#[tokio::test]
async fn bad_subscriptions_are_refused_and_nothing_is_stored() {
    let portal = journal_portal(clock(), false).await;
    let good = subscription("https://journal.example.net/hooks/timebok", "id-only");
    for (body, expression) in bad_subscriptions() {
        let answer = post(&portal, JOURNAL, "/fhir/Subscription", &[], &body).await;
        refused(&answer, 422, Some(expression));
    }
    let not_a_subscription = post(
        &portal,
        JOURNAL,
        "/fhir/Subscription",
        &[],
        &json!({ "resourceType": "Appointment" }),
    )
    .await;
    refused(&not_a_subscription, 400, None);
    let unbound = post(&portal, UNBOUND, "/fhir/Subscription", &[], &good).await;
    refused(&unbound, 403, None);
    assert!(
        unbound.body["issue"][0]["diagnostics"]
            .as_str()
            .is_some_and(|d| d.contains("legekontor")),
        "{}",
        unbound.body
    );
    let no_scope = post(&portal, NO_SCOPE, "/fhir/Subscription", &[], &good).await;
    refused(&no_scope, 403, None);

    let listed = get(&portal, Some(JOURNAL), "/fhir/Subscription").await;
    assert_eq!(listed.status, 200);
    assert!(
        listed.body["entry"]
            .as_array()
            .is_none_or(std::vec::Vec::is_empty),
        "{}",
        listed.body
    );
}

#[tokio::test]
async fn a_subscription_is_seen_by_its_client_only_and_ends_when_deleted() {
    let portal = journal_portal(clock(), false).await;
    let good = subscription("https://journal.example.net/hooks/timebok", "id-only");
    let created = post(&portal, JOURNAL, "/fhir/Subscription", &[], &good).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().expect("id").to_owned();
    assert_eq!(
        created.header("location"),
        Some(format!("{}/fhir/Subscription/{id}", portal.base).as_str())
    );
    let path = format!("/fhir/Subscription/{id}");
    assert_eq!(get(&portal, Some(OTHER), &path).await.status, 404);
    let listed = get(&portal, Some(JOURNAL), "/fhir/Subscription").await;
    assert_eq!(entries(&listed.body, "match").len(), 1);
    let deleted = fhir::send(
        reqwest::Method::DELETE,
        &format!("{}{path}", portal.base),
        Some(JOURNAL),
        &[],
        None,
    )
    .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(get(&portal, Some(JOURNAL), &path).await.status, 404);
}

#[tokio::test]
async fn the_capability_statement_names_the_topic_and_the_backport() {
    let portal = journal_portal(clock(), false).await;
    let statement = get(&portal, None, "/fhir/metadata").await;
    assert_eq!(
        statement.body["instantiates"][0],
        "http://hl7.org/fhir/uv/subscriptions-backport/CapabilityStatement/backport-subscription-server-r4"
    );
    let resources = statement.body["rest"][0]["resource"]
        .as_array()
        .expect("resources");
    let subscription = resources
        .iter()
        .find(|r| r["type"] == "Subscription")
        .expect("Subscription");
    assert_eq!(
        subscription["extension"][0]["valueCanonical"],
        timebok_web::fhir::SUBSCRIPTION_TOPIC
    );
    assert_eq!(
        subscription["supportedProfile"][0],
        "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription"
    );
}

#[tokio::test]
async fn the_worker_checks_the_endpoint_again_and_fails_it_for_good_when_refused() {
    let clock = clock();
    // Subscribed while private hosts were allowed; the worker's policy no longer allows them.
    let portal = journal_portal(clock.clone(), true).await;
    let (hooks, receiver) = receiver().await;
    let id = subscribe(&portal, &format!("{hooks}/hook/ids"), "id-only").await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    kari.book(portal.timebook, portal.slots[0], "Vaksine").await;
    let notifications = timebok_web::fhir::SubscriptionNotifications::new(&portal.state.public_url)
        .expect("notifications");
    let store: Arc<dyn Notifications> = portal.store.clone();
    let strict = notify::Worker::new(store, portal.clock.clone(), config(5))
        .expect("worker")
        .with_hooks(
            timebok_web::fhir::hook_targets(false),
            Arc::new(move |delivery| notifications.bundle(delivery)),
        )
        .expect("hooks");
    let round = strict.run_once().await.expect("round");
    assert_eq!(round.failed, 1, "at once, not retried: {round:?}");
    assert!(receiver.taken().is_empty());
    let read = get(&portal, Some(JOURNAL), &format!("/fhir/Subscription/{id}")).await;
    assert_eq!(read.body["status"], "error");
    assert!(
        read.body["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("not sent:")),
        "{}",
        read.body
    );
}
