//! What goes wrong in the FHIR API, answered as an OperationOutcome with the right status, in
//! the client's language (Accept-Language; bokmål unless it asks for nynorsk or English).

use crate::texts::T;
use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use i18n::Lang;
use serde_json::json;
use store::StoreError;

pub const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";

/// The client's language from `Accept-Language`: the first of nb, nn and en it names.
pub fn language(headers: &HeaderMap) -> T {
    let lang = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|part| Lang::parse(part.split(';').next().unwrap_or_default()))
        })
        .unwrap_or_default();
    T(lang)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No token, or one nobody was given.
    Unauthenticated,
    /// The client's scopes do not cover this.
    Forbidden,
    NotFound,
    /// A parameter is wrong: the text's key, and the parameter.
    Invalid(&'static str, String),
    /// A parameter or value Timebok does not support.
    NotSupported(&'static str, String),
    /// More than a search may cover.
    TooCostly(&'static str, String),
    Unavailable,
}

/// A problem, in the client's language.
#[derive(Debug)]
pub struct Outcome {
    pub t: T,
    pub problem: Problem,
}

impl Outcome {
    pub fn new(t: T, problem: Problem) -> Self {
        Self { t, problem }
    }

    pub fn store(t: T, error: StoreError) -> Self {
        match error {
            StoreError::NotFound(_) => Self::new(t, Problem::NotFound),
            other => {
                tracing::error!(error = %other, "store failure in the FHIR API");
                Self::new(t, Problem::Unavailable)
            }
        }
    }
}

/// An OperationOutcome with one issue.
pub fn operation_outcome(
    code: &str,
    diagnostics: &str,
    expression: Option<&str>,
) -> serde_json::Value {
    let mut issue = json!({ "severity": "error", "code": code, "diagnostics": diagnostics });
    if let (Some(expression), Some(issue)) = (expression, issue.as_object_mut()) {
        issue.insert("expression".into(), json!([expression]));
    }
    json!({ "resourceType": "OperationOutcome", "issue": [issue] })
}

impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        let t = self.t;
        let (status, code, text, expression) = match self.problem {
            Problem::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "login",
                t.get("fhir-unauthenticated"),
                None,
            ),
            Problem::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                t.get("fhir-forbidden"),
                None,
            ),
            Problem::NotFound => (
                StatusCode::NOT_FOUND,
                "not-found",
                t.get("fhir-not-found"),
                None,
            ),
            Problem::Invalid(key, expression) => (
                StatusCode::BAD_REQUEST,
                "invalid",
                t.get(key),
                Some(expression),
            ),
            Problem::NotSupported(key, expression) => (
                StatusCode::BAD_REQUEST,
                "not-supported",
                t.get(key),
                Some(expression),
            ),
            Problem::TooCostly(key, expression) => (
                StatusCode::BAD_REQUEST,
                "too-costly",
                t.get(key),
                Some(expression),
            ),
            Problem::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "transient",
                t.get("fhir-unavailable"),
                None,
            ),
        };
        let body = operation_outcome(code, &text, expression.as_deref());
        let mut response = (status, [(CONTENT_TYPE, FHIR_JSON)], body.to_string()).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
