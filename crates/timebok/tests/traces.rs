//! OpenTelemetry traces as a collector receives them: the `timebok` binary posting OTLP/HTTP
//! protobuf to a receiver in the test, which decodes it with OpenTelemetry's own message
//! definitions.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

use axum::body::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::{Span, span::SpanKind};
use prost::Message as _;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::testing::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_timebok");

/// What the collector received: each export's bytes as sent, and the spans in them.
#[derive(Default)]
struct Received {
    bodies: Vec<Bytes>,
    spans: Vec<(Vec<KeyValue>, Span)>,
}

/// An OTLP/HTTP receiver on a port of its own: `POST /v1/traces`, protobuf.
async fn collector() -> (String, Arc<Mutex<Received>>) {
    let received = Arc::new(Mutex::new(Received::default()));
    let kept = received.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: Bytes| {
            let kept = kept.clone();
            async move {
                assert_eq!(headers["content-type"], "application/x-protobuf");
                let request = ExportTraceServiceRequest::decode(body.clone())
                    .expect("an OTLP protobuf export");
                let mut kept = kept.lock().expect("lock");
                for resource_spans in request.resource_spans {
                    let resource = resource_spans.resource.unwrap_or_default().attributes;
                    for scope_spans in resource_spans.scope_spans {
                        for span in scope_spans.spans {
                            kept.spans.push((resource.clone(), span));
                        }
                    }
                }
                kept.bodies.push(body);
                (
                    [("content-type", "application/x-protobuf")],
                    Vec::<u8>::new(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), received)
}

fn text(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match &kv.value {
            Some(AnyValue {
                value: Some(any_value::Value::StringValue(text)),
            }) => Some(text.clone()),
            Some(AnyValue {
                value: Some(any_value::Value::IntValue(number)),
            }) => Some(number.to_string()),
            _ => None,
        })
}

struct Demo {
    child: Child,
    base: String,
    printed: Vec<String>,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn demo(database_url: &str, collector: &str, log: std::fs::File) -> Demo {
    let mut command = Command::new(BIN);
    for (key, _) in std::env::vars() {
        if key.starts_with("TIMEBOK_") || key.starts_with("OTEL_") {
            command.env_remove(key);
        }
    }
    let mut child = command
        .arg("demo")
        .env("TIMEBOK_DATABASE_URL", database_url)
        .env("TIMEBOK_LISTEN", "127.0.0.1:0")
        .env("TIMEBOK_LOG", "debug")
        .env("TIMEBOK_LOG_FORMAT", "json")
        .env("TIMEBOK_TRACES__OTLP_ENDPOINT", collector)
        .env("TIMEBOK_TRACES__ACCEPT_TRACEPARENT", "true")
        .env("TIMEBOK_TRACES__SERVICE_NAME", "timebok-test")
        // The SDK's batches go out every 100 ms instead of every 5 s.
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("start timebok");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut printed = Vec::new();
    let base = loop {
        let line = lines.next().expect("a line").expect("stdout");
        if let Some(address) = line.strip_prefix("timebok: listening on ") {
            break address.to_owned();
        }
        printed.push(line);
    };
    Demo {
        child,
        base,
        printed,
    }
}

/// A booking through the FHIR API is one trace, continuing the caller's: the request's span
/// by its method and route, the booking core's operation under it, and the database's
/// statements under that; and the notice's delivery by the worker is a trace of its own.
/// Neither the patient's number nor the reason is in anything the collector receives, and
/// the log lines written meanwhile still carry the request's span, not these.
#[tokio::test]
async fn a_booking_is_one_trace_from_the_request_to_its_statements() {
    let db = TestDb::sqlite().await;
    let (endpoint, received) = collector().await;
    let log = tempfile::NamedTempFile::new().expect("log file");
    let demo = demo(&db.url, &endpoint, log.reopen().expect("the log, to write"));
    let token = demo
        .printed
        .iter()
        .find_map(|line| {
            line.strip_prefix("demo: FHIR API token (")?
                .split_once("): ")
        })
        .map(|(_, token)| token.to_owned())
        .expect("the demo's token");
    let client = reqwest::Client::new();
    let get = |path: String| {
        client
            .get(format!("{}{path}", demo.base))
            .bearer_auth(&token)
            .send()
    };
    let schedules: serde_json::Value = get("/fhir/Schedule?service-type=vaksine".into())
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    let schedule = schedules["entry"][0]["resource"]["id"]
        .as_str()
        .expect("a schedule")
        .to_owned();
    let slots: serde_json::Value = get(format!(
        "/fhir/Slot?schedule=Schedule/{schedule}&status=free"
    ))
    .await
    .expect("GET")
    .json()
    .await
    .expect("JSON");
    let slot = slots["entry"][0]["resource"]["id"]
        .as_str()
        .expect("a free slot")
        .to_owned();

    // A patient on the demo clinic's list, not the one it blocked.
    let blocked = demo
        .printed
        .iter()
        .find_map(|line| line.split_once("; blocked: "))
        .map(|(_, names)| names.to_owned())
        .expect("the demo's report");
    let (_, patient) = timebok::demo::demo_patients()
        .expect("the demo's patients")
        .into_iter()
        .find(|(name, _)| !blocked.contains(name.as_str()))
        .expect("a patient who may book");
    let reason = "Hoste og feber siden mandag";
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let booked = client
        .post(format!("{}/fhir/Appointment", demo.base))
        .bearer_auth(&token)
        .header("content-type", "application/fhir+json")
        .header("traceparent", format!("00-{trace_id}-{caller_span}-01"))
        .body(
            serde_json::json!({
                "resourceType": "Appointment",
                "status": "booked",
                "description": reason,
                "slot": [{ "reference": format!("Slot/{slot}") }],
                "participant": [{
                    "actor": { "identifier": {
                        "system": "urn:oid:2.16.578.1.12.4.1.4.1",
                        "value": patient.as_str(),
                    } },
                    "status": "accepted",
                }],
            })
            .to_string(),
        )
        .send()
        .await
        .expect("POST");
    assert_eq!(
        booked.status(),
        201,
        "{}",
        booked.text().await.unwrap_or_default()
    );
    // A search by the number: its query must not reach the traces either.
    let search = get(format!(
        "/fhir/Appointment?patient.identifier={}",
        patient.as_str()
    ))
    .await
    .expect("GET");
    assert!(search.status().is_success() || search.status().is_client_error());

    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let spans_of_trace = |received: &Received| -> Vec<Span> {
        received
            .spans
            .iter()
            .filter(|(_, span)| hex(&span.trace_id) == trace_id)
            .map(|(_, span)| span.clone())
            .collect()
    };
    let mut waited = Duration::ZERO;
    let spans = loop {
        {
            let received = received.lock().expect("lock");
            let spans = spans_of_trace(&received);
            let delivered = received
                .spans
                .iter()
                .any(|(_, span)| span.name.starts_with("deliver "));
            if spans
                .iter()
                .any(|span| span.name == "POST /fhir/Appointment")
                && delivered
            {
                break spans;
            }
        }
        assert!(
            waited < Duration::from_secs(15),
            "no trace of the booking and its notice reached the collector"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += Duration::from_millis(100);
    };

    let server = spans
        .iter()
        .find(|span| span.name == "POST /fhir/Appointment")
        .expect("the request's span");
    assert_eq!(server.kind, SpanKind::Server as i32);
    assert_eq!(
        hex(&server.parent_span_id),
        caller_span,
        "the caller's trace continues"
    );
    assert_eq!(
        text(&server.attributes, "http.route").as_deref(),
        Some("/fhir/Appointment")
    );
    assert_eq!(
        text(&server.attributes, "http.request.method").as_deref(),
        Some("POST")
    );
    assert_eq!(
        text(&server.attributes, "http.response.status_code").as_deref(),
        Some("201")
    );

    let booking = spans
        .iter()
        .find(|span| span.name == "booking book")
        .expect("the booking core's span");
    assert_eq!(booking.parent_span_id, server.span_id);
    assert_eq!(
        text(&booking.attributes, "booking.channel").as_deref(),
        Some("fhir")
    );
    assert_eq!(
        text(&booking.attributes, "booking.outcome").as_deref(),
        Some("done")
    );

    let statements: Vec<&Span> = spans
        .iter()
        .filter(|span| span.kind == SpanKind::Client as i32)
        .collect();
    assert!(
        statements
            .iter()
            .any(|span| span.parent_span_id == booking.span_id && span.name == "BEGIN"),
        "the booking's transaction: {statements:#?}"
    );
    assert!(
        statements
            .iter()
            .any(|span| span.parent_span_id == booking.span_id && span.name == "COMMIT")
    );
    for statement in &statements {
        assert_eq!(
            text(&statement.attributes, "db.system.name").as_deref(),
            Some("sqlite")
        );
        assert!(
            text(&statement.attributes, "db.query.text").is_some(),
            "{statement:#?}"
        );
        assert!(
            [server.span_id.clone(), booking.span_id.clone()].contains(&statement.parent_span_id),
            "a statement outside the request: {statement:#?}"
        );
    }

    let received = received.lock().expect("lock");
    let (resource, _) = received.spans.first().expect("a span");
    assert_eq!(
        text(resource, "service.name").as_deref(),
        Some("timebok-test")
    );
    let (_, delivery) = received
        .spans
        .iter()
        .find(|(_, span)| span.name.starts_with("deliver "))
        .expect("a delivery's span");
    assert_ne!(
        hex(&delivery.trace_id),
        trace_id,
        "a delivery is a trace of its own"
    );
    assert!(text(&delivery.attributes, "notification.outcome").is_some());
    assert!(
        received
            .spans
            .iter()
            .any(|(_, span)| span.parent_span_id == delivery.span_id)
    );
    // Nothing else traced: no statement of the worker's polls, no request span of the logs.
    assert!(
        received
            .spans
            .iter()
            .all(|(_, span)| !span.parent_span_id.is_empty()
                || span.name.starts_with("deliver ")
                || span.kind == SpanKind::Server as i32),
        "a root span that is neither a request nor a delivery"
    );
    for body in &received.bodies {
        for secret in [patient.as_str(), reason] {
            assert!(
                !body
                    .windows(secret.len())
                    .any(|window| window == secret.as_bytes()),
                "«{secret}» reached the collector"
            );
        }
    }
    drop(received);
    drop(demo);
    let lines = std::fs::read_to_string(log.path()).expect("log");
    let mut in_requests = 0;
    for line in lines.lines() {
        let line: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        if let Some(name) = line["span"]["name"].as_str() {
            assert_eq!(
                name, "request",
                "a log line in a span of the traces: {line}"
            );
            in_requests += 1;
        }
    }
    assert!(in_requests > 0, "no line of a request was logged");
}
