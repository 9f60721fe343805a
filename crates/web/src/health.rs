//! Liveness and readiness for load balancers and orchestrators.

use crate::AppState;
use crate::authorization::{Audience, Routes};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

pub fn routes() -> Routes {
    Routes::new()
        .get("/healthz", Audience::Anyone, live)
        .get("/readyz", Audience::Anyone, ready)
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    database: &'static str,
}

/// The process is up; says nothing about the database, so a database outage does not make
/// an orchestrator restart every server at once.
async fn live(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        database: state.store.backend(),
    })
}

/// Ready to take traffic: the database answers.
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = state.store.backend();
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                database,
            }),
        ),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    database,
                }),
            )
        }
    }
}
