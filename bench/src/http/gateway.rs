//! A stand-in for the SMS gateway on loopback: it takes every message with 200, as a
//! gateway does, and counts them and when the last one came. With `--traces` it is the
//! OpenTelemetry collector too: it takes every OTLP/HTTP export with 200 and counts them and
//! their bytes.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Default)]
pub struct Received {
    count: AtomicU64,
    last: Mutex<Option<Instant>>,
    trace_exports: AtomicU64,
    trace_bytes: AtomicU64,
}

impl Received {
    /// The OTLP exports received, and their bytes.
    pub fn traces(&self) -> (u64, u64) {
        (
            self.trace_exports.load(Ordering::SeqCst),
            self.trace_bytes.load(Ordering::SeqCst),
        )
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    pub fn last(&self) -> Option<Instant> {
        self.last.lock().ok().and_then(|last| *last)
    }
}

async fn take(State(received): State<Arc<Received>>) -> &'static str {
    received.count.fetch_add(1, Ordering::SeqCst);
    if let Ok(mut last) = received.last.lock() {
        *last = Some(Instant::now());
    }
    r#"{"status": "accepted"}"#
}

async fn take_traces(
    State(received): State<Arc<Received>>,
    body: axum::body::Bytes,
) -> ([(&'static str, &'static str); 1], Vec<u8>) {
    received.trace_exports.fetch_add(1, Ordering::SeqCst);
    received.trace_bytes.fetch_add(
        u64::try_from(body.len()).unwrap_or(u64::MAX),
        Ordering::SeqCst,
    );
    // An empty ExportTraceServiceResponse: every span accepted.
    ([("content-type", "application/x-protobuf")], Vec::new())
}

/// Starts the gateway; answers its SMS URL, its base (the collector's OTLP/HTTP address) and
/// the counts.
pub async fn start() -> std::io::Result<(String, String, Arc<Received>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let received = Arc::new(Received::default());
    let app = Router::new()
        .route("/sms", post(take))
        .route("/v1/traces", post(take_traces))
        .with_state(received.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((
        format!("http://{address}/sms"),
        format!("http://{address}"),
        received,
    ))
}
