//! What goes wrong in the FHIR API, answered as an OperationOutcome with the right status, in
//! the client's language (Accept-Language; bokmål unless it asks for nynorsk or English).

use crate::texts::T;
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::Refusal;
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
    /// No token: the challenge names the schemes the API takes, DPoP too where the
    /// authorization server's tokens are taken (RFC 9449, section 7.1).
    Unauthenticated {
        dpop: bool,
    },
    /// A bearer token nobody was given, forged, expired or for another audience.
    InvalidToken,
    /// The client's scopes do not cover this.
    Forbidden,
    NotFound,
    /// A version of an appointment other than the current one: only the current one is kept.
    VersionNotKept,
    /// A path under `/fhir` that serves nothing.
    UnknownPath,
    /// A method the path does not serve.
    MethodNotAllowed,
    /// A query parameter or a header is wrong: the text's key, and the parameter's or
    /// header's name (named in `location` as `http.<name>`, not as FHIRPath).
    Invalid(&'static str, String),
    /// A query parameter or a value of one that Timebok does not support: the text's key and
    /// the parameter's name.
    NotSupported(&'static str, String),
    /// More than a search may cover: the text's key and the parameter's name.
    TooCostly(&'static str, String),
    /// The body is not the JSON of a resource Timebok expected.
    Structure(&'static str),
    /// A field of the body is missing or wrong: the text's key, and the field as a FHIRPath
    /// expression.
    Unprocessable(&'static str, String),
    /// A JSON Patch that is not a list of operations: a document, not a resource, so no
    /// FHIRPath names the fault.
    PatchInvalid,
    /// The slot has no place left (GP Connect's DUPLICATE_REJECTED).
    SlotTaken,
    /// The patient already has this slot.
    AlreadyBooked,
    /// The hold ran out or was given up.
    HoldLost,
    /// The clinic has blocked the patient.
    PatientBlocked,
    /// A booking rule refuses: the text's key and the machine code.
    BusinessRule(&'static str, &'static str),
    /// The Idempotency-Key was sent before with another request.
    KeyReused,
    /// A change without `If-Match`.
    VersionRequired,
    /// `If-Match` names another version than the stored one.
    VersionMismatch,
    /// `If-Match` on an appointment that does not exist or that the client may not see: no
    /// current version for the tag to match (RFC 9110 §13.1.1).
    NothingToMatch,
    /// A body in a format Timebok does not read.
    UnsupportedMediaType,
    Unavailable,
    /// A bug: a handler panicked (see `panics.rs`).
    Internal,
    /// The API has as many requests in hand as it takes; the client should come back shortly.
    Busy,
    /// Over a rate limit (the client's, or the patient's); try again after this many seconds.
    RateLimited(u64),
    /// A publisher's change clashes with what is stored: the text's key, the machine code,
    /// and the field as a FHIRPath expression.
    Conflict(&'static str, &'static str, Option<String>),
    /// A body or a Bundle larger than the API takes: the text's key.
    TooLarge(&'static str),
    /// Subscribing takes a client bound to one clinic.
    NotBound,
    /// A DPoP-bound access token without a good proof, or shown the wrong way.
    Dpop(DpopRefusal),
}

/// The two ways a DPoP request is refused, each its own `WWW-Authenticate` error (RFC 9449,
/// section 7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DpopRefusal {
    /// The `DPoP` header is missing or its proof does not hold for this request.
    InvalidProof,
    /// A bound token shown as a bearer token, or an unbound one under the DPoP scheme.
    InvalidToken,
}

impl DpopRefusal {
    fn challenge(self) -> &'static str {
        match self {
            Self::InvalidProof => "DPoP error=\"invalid_dpop_proof\", algs=\"ES256 RS256\"",
            Self::InvalidToken => "DPoP error=\"invalid_token\", algs=\"ES256 RS256\"",
        }
    }
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

    /// The API's budget of requests is spent: 503.
    pub fn busy(t: T) -> Self {
        Self::new(t, Problem::Busy)
    }

    /// Counts a hold or booking against a rate limit; over it, 429.
    pub async fn limit(
        t: T,
        limits: &crate::limits::RateLimits,
        scope: crate::limits::Scope,
        key: &str,
    ) -> Result<(), Self> {
        limits
            .check(scope, key)
            .await
            .map_err(|seconds| Self::new(t, Problem::RateLimited(seconds)))
    }

    /// A field of the body that is missing or wrong: 422 naming it.
    pub fn unprocessable(t: T, key: &'static str, expression: &str) -> Self {
        Self::new(t, Problem::Unprocessable(key, expression.to_owned()))
    }

    /// A store error as the client should see it: a refusal by the table below, anything
    /// else an outage.
    pub fn store(t: T, error: StoreError) -> Self {
        let problem = match error {
            StoreError::NotFound(_) => Problem::NotFound,
            StoreError::Refused(refusal) => problem(refusal),
            other => {
                // Store errors name tables and columns only, never patient data.
                tracing::error!(error = %other, "store failure in the FHIR API");
                Problem::Unavailable
            }
        };
        Self::new(t, problem)
    }
}

/// What a client is told for each refusal of the booking core: the one table.
pub fn problem(refusal: Refusal) -> Problem {
    match refusal {
        // A slot out of reach is one the client may not know of.
        Refusal::UnknownSlot | Refusal::NotInReach => {
            Problem::Unprocessable("fhir-slot-unknown", "Appointment.slot".into())
        }
        Refusal::UnknownAppointment => Problem::NotFound,
        Refusal::Taken => Problem::SlotTaken,
        Refusal::AlreadyBooked => Problem::AlreadyBooked,
        Refusal::HoldLost => Problem::HoldLost,
        Refusal::Blocked => Problem::PatientBlocked,
        Refusal::ServiceOff => Problem::BusinessRule("fhir-service-off", "SERVICE_OFF"),
        Refusal::NotOnList => Problem::BusinessRule("fhir-not-on-list", "NOT_ON_LIST"),
        Refusal::NotTheirPractitioner => {
            Problem::BusinessRule("fhir-not-their-practitioner", "NOT_ON_PRACTITIONERS_LIST")
        }
        Refusal::TypeDoesNotFit => {
            Problem::BusinessRule("fhir-type-does-not-fit", "APPOINTMENT_TYPE_DOES_NOT_FIT")
        }
        Refusal::OutsideWindow => {
            Problem::BusinessRule("fhir-outside-window", "OUTSIDE_BOOKING_WINDOW")
        }
        Refusal::OverLimit => Problem::BusinessRule("fhir-over-limit", "OVER_LIMIT"),
        Refusal::DeadlinePassed => {
            Problem::BusinessRule("fhir-deadline-passed", "CANCEL_DEADLINE_PASSED")
        }
        Refusal::NotBooked => Problem::BusinessRule("fhir-not-booked", "NOT_BOOKED"),
        Refusal::OtherTimebook => Problem::BusinessRule("fhir-other-timebook", "OTHER_TIMEBOOK"),
        Refusal::KeyReused => Problem::KeyReused,
        Refusal::Stale => Problem::VersionMismatch,
    }
}

/// The code system of Timebok's machine-readable error codes, in `issue.details`.
pub const ERROR_SYSTEM: &str = "urn:timebok:fhir:error";

/// Where a fault is, as R4's OperationOutcome says it: an element of the resource sent, as a
/// FHIRPath `expression`; or a query parameter or header of the request, as a `location`
/// `http.<name>` (R4 allows only FHIRPath in `expression`).
enum At {
    Element(String),
    Http(String),
}

/// `issue.location` for a fault in the request's parameters or headers.
fn at_http(body: &mut serde_json::Value, name: &str) {
    if let Some(issue) = body
        .get_mut("issue")
        .and_then(|issues| issues.get_mut(0))
        .and_then(serde_json::Value::as_object_mut)
    {
        issue.insert("location".into(), json!([format!("http.{name}")]));
    }
}

/// One issue of an OperationOutcome: what went wrong, in words and as codes.
pub struct Issue<'a> {
    /// FHIR's issue type, such as `invalid` or `duplicate`.
    pub code: &'a str,
    /// Timebok's own code, for clients to act on.
    pub machine_code: &'a str,
    pub diagnostics: &'a str,
    pub expression: Option<&'a str>,
}

/// An OperationOutcome with one issue.
pub fn operation_outcome(issue: &Issue<'_>) -> serde_json::Value {
    let mut entry = json!({
        "severity": "error",
        "code": issue.code,
        "details": { "coding": [{ "system": ERROR_SYSTEM, "code": issue.machine_code }], "text": issue.diagnostics },
        "diagnostics": issue.diagnostics,
    });
    if let (Some(expression), Some(entry)) = (issue.expression, entry.as_object_mut()) {
        entry.insert("expression".into(), json!([expression]));
    }
    json!({ "resourceType": "OperationOutcome", "issue": [entry] })
}

impl IntoResponse for Outcome {
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per problem: the API's table of errors reads best whole"
    )]
    fn into_response(self) -> Response {
        let t = self.t;
        let text = |key: &str| t.get(key);
        let problem_seconds = match self.problem {
            Problem::RateLimited(seconds) => Some(seconds),
            _ => None,
        };
        let challenge = match &self.problem {
            Problem::Dpop(refusal) => refusal.challenge(),
            Problem::Unauthenticated { dpop: true } => "Bearer, DPoP algs=\"ES256 RS256\"",
            Problem::InvalidToken => "Bearer error=\"invalid_token\"",
            _ => "Bearer",
        };
        let (status, code, machine_code, diagnostics, at) = match self.problem {
            Problem::Unauthenticated { .. } | Problem::InvalidToken => (
                StatusCode::UNAUTHORIZED,
                "login",
                "UNAUTHENTICATED",
                text("fhir-unauthenticated"),
                None,
            ),
            Problem::Dpop(DpopRefusal::InvalidProof) => (
                StatusCode::UNAUTHORIZED,
                "login",
                "INVALID_DPOP_PROOF",
                text("fhir-dpop-invalid-proof"),
                None,
            ),
            Problem::Dpop(DpopRefusal::InvalidToken) => (
                StatusCode::UNAUTHORIZED,
                "login",
                "UNAUTHENTICATED",
                text("fhir-dpop-invalid-token"),
                None,
            ),
            Problem::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "SCOPE_MISSING",
                text("fhir-forbidden"),
                None,
            ),
            Problem::NotFound => (
                StatusCode::NOT_FOUND,
                "not-found",
                "NOT_FOUND",
                text("fhir-not-found"),
                None,
            ),
            Problem::VersionNotKept => (
                StatusCode::NOT_FOUND,
                "not-found",
                "VERSION_NOT_KEPT",
                text("fhir-version-not-kept"),
                None,
            ),
            Problem::UnknownPath => (
                StatusCode::NOT_FOUND,
                "not-found",
                "UNKNOWN_PATH",
                text("fhir-unknown-path"),
                None,
            ),
            Problem::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "not-supported",
                "METHOD_NOT_ALLOWED",
                text("fhir-method-not-allowed"),
                None,
            ),
            Problem::Invalid(key, parameter) => (
                StatusCode::BAD_REQUEST,
                "invalid",
                "INVALID_PARAMETER",
                text(key),
                Some(At::Http(parameter)),
            ),
            Problem::NotSupported(key, parameter) => (
                StatusCode::BAD_REQUEST,
                "not-supported",
                "NOT_SUPPORTED",
                text(key),
                Some(At::Http(parameter)),
            ),
            Problem::TooCostly(key, parameter) => (
                StatusCode::BAD_REQUEST,
                "too-costly",
                "RANGE_TOO_LONG",
                text(key),
                Some(At::Http(parameter)),
            ),
            Problem::Structure(key) => (
                StatusCode::BAD_REQUEST,
                "structure",
                "INVALID_RESOURCE",
                text(key),
                None,
            ),
            Problem::Unprocessable(key, expression) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "INVALID_RESOURCE",
                text(key),
                Some(At::Element(expression)),
            ),
            Problem::PatchInvalid => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "INVALID_RESOURCE",
                text("fhir-patch-invalid"),
                None,
            ),
            Problem::SlotTaken => (
                StatusCode::CONFLICT,
                "duplicate",
                "DUPLICATE_REJECTED",
                text("fhir-slot-taken"),
                Some(At::Element("Appointment.slot".into())),
            ),
            Problem::AlreadyBooked => (
                StatusCode::CONFLICT,
                "duplicate",
                "ALREADY_BOOKED",
                text("fhir-already-booked"),
                Some(At::Element("Appointment.slot".into())),
            ),
            Problem::HoldLost => (
                StatusCode::CONFLICT,
                "conflict",
                "HOLD_EXPIRED",
                text("fhir-hold-lost"),
                Some(At::Element("Appointment.id".into())),
            ),
            Problem::NotBound => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "CLIENT_NOT_BOUND",
                text("fhir-subscription-not-bound"),
                None,
            ),
            Problem::PatientBlocked => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "PATIENT_BLOCKED",
                text("fhir-patient-blocked"),
                None,
            ),
            Problem::BusinessRule(key, machine_code) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "business-rule",
                machine_code,
                text(key),
                None,
            ),
            Problem::KeyReused => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "business-rule",
                "IDEMPOTENCY_KEY_REUSED",
                text("fhir-key-reused"),
                None,
            ),
            Problem::VersionRequired => (
                StatusCode::PRECONDITION_REQUIRED,
                "required",
                "VERSION_REQUIRED",
                text("fhir-version-required"),
                None,
            ),
            Problem::VersionMismatch => (
                StatusCode::PRECONDITION_FAILED,
                "conflict",
                "VERSION_CONFLICT",
                text("fhir-version-mismatch"),
                None,
            ),
            Problem::NothingToMatch => (
                StatusCode::PRECONDITION_FAILED,
                "not-found",
                "NOT_FOUND",
                text("fhir-version-nothing-to-match"),
                None,
            ),
            Problem::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "not-supported",
                "UNSUPPORTED_MEDIA_TYPE",
                text("fhir-media-type"),
                None,
            ),
            Problem::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "transient",
                "UNAVAILABLE",
                text("fhir-unavailable"),
                None,
            ),
            Problem::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "exception",
                "INTERNAL_ERROR",
                text("fhir-internal"),
                None,
            ),
            Problem::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "throttled",
                "BUSY",
                text("fhir-busy"),
                None,
            ),
            Problem::RateLimited(seconds) => (
                StatusCode::TOO_MANY_REQUESTS,
                "throttled",
                "RATE_LIMITED",
                t.arg("fhir-rate-limited", "seconds", &seconds.to_string()),
                None,
            ),
            Problem::Conflict(key, machine_code, expression) => (
                StatusCode::CONFLICT,
                "conflict",
                machine_code,
                text(key),
                expression.map(At::Element),
            ),
            Problem::TooLarge(key) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-costly",
                "TOO_LARGE",
                text(key),
                None,
            ),
        };
        let expression = match &at {
            Some(At::Element(expression)) => Some(expression.as_str()),
            _ => None,
        };
        let mut body = operation_outcome(&Issue {
            code,
            machine_code,
            diagnostics: &diagnostics,
            expression,
        });
        if let Some(At::Http(name)) = &at {
            at_http(&mut body, name);
        }
        let retry_after = match problem_seconds {
            Some(seconds) => axum::http::HeaderValue::from_str(&seconds.to_string()).ok(),
            None => None,
        };
        let mut response = (status, [(CONTENT_TYPE, FHIR_JSON)], body.to_string()).into_response();
        if let Some(value) = retry_after {
            response.headers_mut().insert(RETRY_AFTER, value);
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static(challenge),
            );
        }
        response
    }
}
