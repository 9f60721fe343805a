//! Paths under `/fhir` that serve nothing, or not with the method asked, answer as the rest of
//! the API does: an OperationOutcome in the client's language with the FHIR content type (404,
//! or 405 with the router's `Allow`), not the router's empty answer. The rest of the site keeps
//! its own.

use super::PATH_PREFIX;
use super::outcome::{self, Outcome, Problem};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::{ALLOW, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn answer(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path != "/fhir" && !path.starts_with(PATH_PREFIX) {
        return next.run(request).await;
    }
    let t = outcome::language(request.headers());
    let response = next.run(request).await;
    // A handler's own 404 already is an OperationOutcome; only the router's has no body.
    if response.headers().contains_key(CONTENT_TYPE) {
        return response;
    }
    let problem = match response.status() {
        StatusCode::NOT_FOUND => Problem::UnknownPath,
        StatusCode::METHOD_NOT_ALLOWED => Problem::MethodNotAllowed,
        _ => return response,
    };
    let allow = response.headers().get(ALLOW).cloned();
    let mut answer = Outcome::new(t, problem).into_response();
    if let Some(allow) = allow {
        answer.headers_mut().insert(ALLOW, allow);
    }
    answer
}
