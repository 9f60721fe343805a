//! `/metrics` for Prometheus, on its own listener so that it is never public.
//!
//! Every part of the process counts and times through the `metrics` facade (the booking core
//! in the store, the notification worker, the HTTP layer and the rate limits here); one
//! Prometheus recorder per process keeps the values, and the `/metrics` route renders them.
//! What only the database knows (the outbox, the live sessions, the pool) is read when
//! Prometheus scrapes. The README lists every metric; alert on
//! `timebok_notifications{state="failed"} > 0`, on a rising
//! `timebok_database_long_waits_total`, and on a growing
//! `timebok_outbox_oldest_pending_age_seconds`.

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};
use store::{Clock, Store};

/// Requests by `route` (the route's template, never the path asked for: a path may carry a
/// fødselsnummer or a token), `method` and `status`.
pub const HTTP_REQUESTS: &str = "timebok_http_request_duration_seconds";
/// Requests turned away by a rate limit or the FHIR API's budget, by `limit`.
pub const RATE_LIMIT_REFUSALS: &str = "timebok_rate_limit_refusals_total";
const NOTIFICATIONS: &str = "timebok_notifications";
const OUTBOX_AGE: &str = "timebok_outbox_oldest_pending_age_seconds";
const SESSIONS: &str = "timebok_sessions";
const CONNECTIONS: &str = "timebok_database_connections";
const CONNECTIONS_MAX: &str = "timebok_database_connections_max";
const LONG_WAITS: &str = "timebok_database_long_waits_total";

/// The route label of a request no route matched.
const UNMATCHED: &str = "unmatched";

/// Histogram buckets, in seconds: from a page served from memory to a request that timed out.
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often the recorder folds recent histogram samples in when nobody scrapes.
const UPKEEP: Duration = Duration::from_secs(5);

static EXPORTER: OnceLock<PrometheusHandle> = OnceLock::new();

/// One scrape at a time sets the database's gauges and renders them: the gauges are the
/// process's, and two stores in one process (tests, a second app) must not mix their readings.
static SCRAPE: Mutex<()> = Mutex::new(());

/// The process's recorder, installed on first use: the facade allows one per process, so
/// every app and worker of a process shares it.
pub fn install() -> &'static PrometheusHandle {
    EXPORTER.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new())
            .build_recorder();
        let handle = recorder.handle();
        if let Err(error) = metrics::set_global_recorder(recorder) {
            tracing::warn!(%error, "another metrics recorder was installed first; /metrics shows only what is read at a scrape");
        }
        describe();
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP);
                    upkeep.run_upkeep();
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "no thread for the metrics' upkeep: histograms are folded in at scrapes only");
        }
        handle
    })
}

/// `/metrics`, for its own listener; installs the process's recorder if nothing has yet.
pub fn metrics_router(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Router {
    install();
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(Scraped { store, clock })
}

#[derive(Clone)]
struct Scraped {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

async fn scrape(State(scraped): State<Scraped>) -> Response {
    let store = scraped.store.as_ref();
    let read = async {
        Ok::<_, store::StoreError>((store.outbox_counts().await?, store.live_sessions().await?))
    };
    let (outbox, sessions) = match read.await {
        Ok(read) => read,
        Err(error) => {
            tracing::warn!(%error, "metrics could not read the database");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let now = scraped.clock.now();
    let text = {
        let _one_scrape = SCRAPE.lock().unwrap_or_else(PoisonError::into_inner);
        for (state, count) in [
            ("pending", outbox.pending),
            ("sent", outbox.sent),
            ("skipped", outbox.skipped),
            ("failed", outbox.failed),
        ] {
            metrics::gauge!(NOTIFICATIONS, "state" => state).set(count as f64);
        }
        let age = outbox
            .oldest_pending
            .map_or(0.0, |at| now.duration_since(at).as_secs_f64().max(0.0));
        metrics::gauge!(OUTBOX_AGE).set(age);
        for (kind, count) in [
            ("patient", sessions.patients),
            ("staff", sessions.staff),
            ("operator", sessions.operators),
        ] {
            metrics::gauge!(SESSIONS, "kind" => kind).set(count as f64);
        }
        let pool = store.pool_status();
        metrics::gauge!(CONNECTIONS, "state" => "idle").set(pool.idle);
        metrics::gauge!(CONNECTIONS, "state" => "in_use").set(pool.in_use());
        metrics::gauge!(CONNECTIONS_MAX).set(pool.max);
        metrics::counter!(LONG_WAITS).absolute(store.long_connection_waits());
        install().render()
    };
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// Times each request by its route's template, method and status.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |path| path.as_str().to_owned());
    let method = method_label(request.method());
    let response = next.run(request).await;
    metrics::histogram!(
        HTTP_REQUESTS,
        "route" => route,
        "method" => method,
        "status" => response.status().as_str().to_owned(),
    )
    .record(started.elapsed());
    response
}

/// The standard methods by name; any other a client invents is one label, not one each.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts a request turned away by `limit`.
pub fn refused_by(limit: &'static str) {
    metrics::counter!(RATE_LIMIT_REFUSALS, "limit" => limit).increment(1);
}

/// The HELP lines: what each metric counts, for whoever reads the scrape.
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    use store::measure;
    describe_histogram!(
        HTTP_REQUESTS,
        Unit::Seconds,
        "HTTP requests by route template, method and status, and how long until their answer began."
    );
    describe_counter!(
        measure::BOOKING_OPERATIONS,
        "Holds, bookings, moves, cancellations and waitlist offers by operation, channel (portal, fhir, staff, waitlist) and outcome (done, replayed, refused, unavailable, error)."
    );
    describe_counter!(
        measure::BOOKING_REFUSALS,
        "The booking core's refusals by operation, channel and reason."
    );
    describe_histogram!(
        measure::BOOKING_DURATION,
        Unit::Seconds,
        "How long the booking core took, by operation and outcome."
    );
    describe_histogram!(
        measure::CONNECTION_WAIT,
        Unit::Seconds,
        "How long statements waited for a database connection (on SQLite, writes also for the writer)."
    );
    describe_counter!(
        measure::NOTIFICATION_DELIVERIES,
        "Notification tries by channel (sms, email, push, subscription, none) and outcome (sent, skipped, retrying, failed)."
    );
    describe_counter!(
        RATE_LIMIT_REFUSALS,
        "Requests turned away by a rate limit or the FHIR API's budget, by limit."
    );
    describe_gauge!(
        NOTIFICATIONS,
        "Notification jobs in the outbox, by state; pending is the outbox's depth."
    );
    describe_gauge!(
        OUTBOX_AGE,
        Unit::Seconds,
        "How long the oldest pending notification job has waited; 0 when none is pending."
    );
    describe_gauge!(
        SESSIONS,
        "Live sessions (neither expired nor idle too long), by kind."
    );
    describe_gauge!(
        CONNECTIONS,
        "The database pool's open connections, idle or in use."
    );
    describe_gauge!(
        CONNECTIONS_MAX,
        "The most connections the database pool opens."
    );
    describe_counter!(
        LONG_WAITS,
        format!(
            "Statements that waited over {} ms for a database connection (on SQLite, also for the writer), since the process started.",
            store::LONG_CONNECTION_WAIT.as_millis()
        )
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invented_method_is_one_label() {
        assert_eq!(method_label(&Method::POST), "POST");
        let invented = Method::from_bytes(b"BREW").expect("a method");
        assert_eq!(method_label(&invented), "other");
    }
}
