//! Each request's span for OpenTelemetry traces, when the process sends them: named by its
//! method and route template (`POST /fhir/Appointment`), with the status of its answer, and
//! the parent of the booking core's and the database's spans. It has the target
//! [`store::measure::TRACE_TARGET`], which only the traces see, so log lines keep the request span of
//! `request_span` and do not repeat these fields; without traces it is never made.
//!
//! Like the log's request span, it names the route, never the path or the query the client
//! sent, which may carry a fødselsnummer.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use opentelemetry::propagation::Extractor;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

pub async fn trace(request: Request, next: Next) -> Response {
    let route = crate::route(&request);
    let method = request.method().as_str();
    let span = tracing::info_span!(
        target: "timebok::trace",
        "request",
        otel.name = %format_args!("{method} {route}"),
        otel.kind = "server",
        otel.status_code = tracing::field::Empty,
        http.request.method = method,
        http.route = route,
        http.response.status_code = tracing::field::Empty,
    );
    if span.is_disabled() {
        return next.run(request).await;
    }
    // A `traceparent` is followed only where the operator said the proxy in front sets it:
    // then the process's propagator reads it; otherwise the propagator reads nothing.
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&Headers(request.headers()))
    });
    let _unlinked = span.set_parent(parent);
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "error");
    }
    response
}

/// A request's headers, as the propagator reads them.
struct Headers<'a>(&'a axum::http::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(axum::http::HeaderName::as_str).collect()
    }
}
