//! A stand-in for the SMS gateway on loopback: it takes every message with 200, as a
//! gateway does, and counts them and when the last one came.

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
}

impl Received {
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

/// Starts the gateway; answers its URL and the counts.
pub async fn start() -> std::io::Result<(String, Arc<Received>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let received = Arc::new(Received::default());
    let app = Router::new()
        .route("/sms", post(take))
        .with_state(received.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((format!("http://{address}/sms"), received))
}
