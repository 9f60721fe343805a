//! `/metrics` for Prometheus, on its own listener so that it is never public: the outbox's
//! jobs by state, and the long waits for a database connection. Alert on
//! `timebok_notifications{state="failed"} > 0`, and on a rising
//! `timebok_database_long_waits_total`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::fmt::Write;
use std::sync::Arc;
use store::Store;

pub fn metrics_router(store: Arc<dyn Store>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(store)
}

async fn metrics(State(store): State<Arc<dyn Store>>) -> Response {
    match store.outbox_counts().await {
        Ok(counts) => {
            let mut text = String::from(
                "# HELP timebok_notifications Notification jobs in the outbox, by state.\n\
                 # TYPE timebok_notifications gauge\n",
            );
            for (state, count) in [
                ("pending", counts.pending),
                ("sent", counts.sent),
                ("skipped", counts.skipped),
                ("failed", counts.failed),
            ] {
                let _ = writeln!(text, "timebok_notifications{{state=\"{state}\"}} {count}");
            }
            let _ = write!(
                text,
                "# HELP timebok_database_long_waits_total Statements that waited over {} ms for a \
                 database connection (on SQLite, also for the writer), since the process started.\n\
                 # TYPE timebok_database_long_waits_total counter\n\
                 timebok_database_long_waits_total {}\n",
                store::LONG_CONNECTION_WAIT.as_millis(),
                store.long_connection_waits()
            );
            ([(CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
        }
        Err(error) => {
            tracing::warn!(%error, "metrics could not read the outbox");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
