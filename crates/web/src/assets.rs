//! The stylesheet and the small scripts, compiled into the binary.

use crate::authorization::{Audience::Anyone, Routes};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;

const CSS: &str = include_str!("../static/timebok.css");
const COUNTER_JS: &str = include_str!("../static/counter.js");
const PUSH_JS: &str = include_str!("../static/push.js");
const CALENDAR_JS: &str = include_str!("../static/calendar.js");
const SERVICE_WORKER: &str = include_str!("../static/sw.js");
const MANIFEST: &str = include_str!("../static/manifest.webmanifest");
const ICON: &str = include_str!("../static/icon.svg");

pub fn routes() -> Routes {
    Routes::new()
        .get("/static/timebok.css", Anyone, || async {
            asset("text/css; charset=utf-8", CSS)
        })
        .get("/static/counter.js", Anyone, || async {
            asset("text/javascript; charset=utf-8", COUNTER_JS)
        })
        .get("/static/push.js", Anyone, || async {
            asset("text/javascript; charset=utf-8", PUSH_JS)
        })
        .get("/static/calendar.js", Anyone, || async {
            asset("text/javascript; charset=utf-8", CALENDAR_JS)
        })
        .get("/static/icon.svg", Anyone, || async {
            asset("image/svg+xml", ICON)
        })
        .get("/manifest.webmanifest", Anyone, || async {
            asset("application/manifest+json", MANIFEST)
        })
        // At the root, so that its scope is the whole portal.
        .get("/sw.js", Anyone, || async {
            asset("text/javascript; charset=utf-8", SERVICE_WORKER)
        })
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
