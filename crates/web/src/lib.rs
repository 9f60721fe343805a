//! Timebok's HTTP application.

mod health;

use axum::Router;
use std::sync::Arc;
use store::Store;
use tower_http::trace::TraceLayer;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Whether fødselsnumre typed into forms may be synthetic test numbers.
    pub id_policy: domain::IdPolicy,
}

/// The whole application. Request logging records method, path and status only: paths carry
/// no fødselsnummer and bodies are never logged.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(health::routes())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
