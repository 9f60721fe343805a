//! A panic in a handler answers 500 and leaves the connection open: an OperationOutcome under
//! `/fhir/`, the plain error page elsewhere, in the asker's language. Every value from outside
//! is checked where it is parsed, so a panic means a bug; this is the net under it.
//!
//! What is logged is that a panic happened and where in the code, inside the request's span
//! (method and path). Neither the panic's message nor the request is: a message may quote
//! the value that caused it, such as a date or a fødselsnummer from a query or a body.

use crate::cookies;
use crate::failure::{Failure, Kind};
use crate::fhir::outcome::{self, Outcome, Problem};
use crate::texts::T;
use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use i18n::Lang;
use std::any::Any;
use tower_http::catch_panic::CatchPanicLayer;

/// Marks the bare 500 the catcher answered, so that [`in_language`], which still has the
/// request, can put it in the asker's language.
#[derive(Debug, Clone, Copy)]
struct Panicked;

fn caught(_payload: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked; answered 500");
    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    response.extensions_mut().insert(Panicked);
    response
}

fn is_fhir(path: &str) -> bool {
    crate::fhir::is_api_path(path)
}

async fn in_language(request: Request, next: Next) -> Response {
    let fhir = is_fhir(request.uri().path());
    let t = if fhir {
        outcome::language(request.headers())
    } else {
        T(cookies::read(request.headers(), cookies::LANG)
            .and_then(|code| Lang::parse(&code))
            .unwrap_or_default())
    };
    let response = next.run(request).await;
    if response.extensions().get::<Panicked>().is_none() {
        return response;
    }
    if fhir {
        Outcome::new(t, Problem::Internal).into_response()
    } else {
        Failure::new(t, Kind::Internal).into_response()
    }
}

/// Wraps `router` so that a panic in any of its handlers or route middleware is answered
/// as above. [`crate::router`] adds it under every other layer, so the budget, the headers
/// and the request log see an ordinary 500.
pub fn catch_panics<S>(router: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router
        .layer(CatchPanicLayer::custom(caught))
        .layer(axum::middleware::from_fn(in_language))
}

/// Replaces the standard panic hook, which prints the panic's message, with one that logs
/// only where the panic happened: the message may quote request data (see the module).
pub fn log_panics_without_their_message() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(%location, "panic");
    }));
}
