//! The FHIR API's own share of the server: at most `max_concurrent_requests` requests under
//! `/fhir/` are handled at once. One more waits up to `queue_wait_ms` for a place, then gets
//! 503 with `Retry-After` and an OperationOutcome. The portal and the clinic's pages are never
//! counted, so slot finders and journal systems polling hard cannot take the whole server
//! (nor every database connection) from patients and staff.
//!
//! The budget is per process, like the rate limits.

use crate::AppState;
use crate::fhir::Outcome;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::RETRY_AFTER;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How a client that was turned away is told to wait, in seconds.
const RETRY_AFTER_SECONDS: &str = "1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiSettings {
    /// FHIR requests handled at once by this process.
    pub max_concurrent_requests: u32,
    /// How long a FHIR request waits for a place before it is turned away.
    pub queue_wait_ms: u64,
}

impl Default for ApiSettings {
    /// For two cores: two requests per core in hand, so the API cannot hold more than four of
    /// the default ten database connections. A journal system's booking is worth a wait: a
    /// burst queues for up to two seconds before anyone is turned away.
    fn default() -> Self {
        Self {
            max_concurrent_requests: 4,
            queue_wait_ms: 2000,
        }
    }
}

pub struct ApiBudget {
    settings: ApiSettings,
    places: Arc<Semaphore>,
    wait: Duration,
}

impl ApiBudget {
    pub fn new(settings: ApiSettings) -> Self {
        Self {
            settings,
            places: Arc::new(Semaphore::new(settings.max_concurrent_requests as usize)),
            wait: Duration::from_millis(settings.queue_wait_ms),
        }
    }

    /// The same budget, whole, for another process.
    pub fn fresh(&self) -> Self {
        Self::new(self.settings)
    }

    /// A place for one request, waiting at most the configured time; `None` when the API is
    /// busy.
    pub async fn enter(&self) -> Option<OwnedSemaphorePermit> {
        if let Ok(place) = self.places.clone().try_acquire_owned() {
            return Some(place);
        }
        tokio::time::timeout(self.wait, self.places.clone().acquire_owned())
            .await
            .ok()?
            .ok()
    }
}

/// Counts each request under `/fhir/` against the API's budget until its answer is sent: a
/// feed file takes longer to write to a slow client than to find, and fifty pullers writing
/// at once would otherwise take the cores from patients.
pub async fn admit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !crate::fhir::is_api_path(request.uri().path()) {
        return next.run(request).await;
    }
    let Some(place) = state.api_budget.enter().await else {
        crate::exporter::refused_by("api-budget");
        let t = crate::fhir::outcome_language(request.headers());
        let mut response = Outcome::busy(t).into_response();
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
        return response;
    };
    next.run(request).await.map(|body| {
        Body::new(Placed {
            body,
            _place: place,
        })
    })
}

/// An answer's body holding its request's place in the budget until the body is sent, or
/// dropped when the client goes away.
struct Placed {
    body: Body,
    _place: OwnedSemaphorePermit,
}

impl http_body::Body for Placed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(context)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
