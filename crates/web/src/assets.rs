//! The stylesheet and the one small script, compiled into the binary.

use crate::AppState;
use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;

const CSS: &str = include_str!("../static/timebok.css");
const COUNTER_JS: &str = include_str!("../static/counter.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/static/timebok.css",
            get(|| async { asset("text/css; charset=utf-8", CSS) }),
        )
        .route(
            "/static/counter.js",
            get(|| async { asset("text/javascript; charset=utf-8", COUNTER_JS) }),
        )
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}
