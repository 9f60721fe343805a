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
use std::sync::{Arc, Mutex};
use store::testing::TestDb;

mod common;

use common::{Server, timebok, wait_until};

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

/// `timebok demo` sending its traces to `collector`, logging JSON at the debug level to `log`.
fn demo(database_url: &str, collector: &str, log: std::fs::File) -> Server {
    let mut command = timebok(database_url);
    command
        .arg("demo")
        .env("TIMEBOK_LOG", "debug")
        .env("TIMEBOK_LOG_FORMAT", "json")
        .env("TIMEBOK_TRACES__OTLP_ENDPOINT", collector)
        .env("TIMEBOK_TRACES__ACCEPT_TRACEPARENT", "true")
        .env("TIMEBOK_TRACES__SERVICE_NAME", "timebok-test")
        // The SDK's batches go out every 100 ms instead of every 5 s.
        .env("OTEL_BSP_SCHEDULE_DELAY", "100");
    Server::start_logging_to(command, log)
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
    let token = demo.demo_token();
    let slot = demo.first_free_slot(&token).await;

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
    let traceparent = format!("00-{trace_id}-{caller_span}-01");
    demo.book(
        &token,
        &slot,
        &patient,
        reason,
        &[("traceparent", traceparent.as_str())],
    )
    .await;
    // A search by the number: its query must not reach the traces either.
    let search = reqwest::Client::new()
        .get(format!(
            "{}/fhir/Appointment?patient.identifier={}",
            demo.base,
            patient.as_str()
        ))
        .bearer_auth(&token)
        .send()
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
    wait_until(
        15,
        "no trace of the booking and its notice reached the collector",
        async || {
            let received = received.lock().expect("lock");
            let delivered = received
                .spans
                .iter()
                .any(|(_, span)| span.name.starts_with("deliver "));
            delivered
                && spans_of_trace(&received)
                    .iter()
                    .any(|span| span.name == "POST /fhir/Appointment")
        },
    )
    .await;
    let spans = spans_of_trace(&received.lock().expect("lock"));

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
