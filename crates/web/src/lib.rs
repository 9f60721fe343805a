//! Timebok's HTTP application: the patient portal, health and readiness.

pub mod api_budget;
mod app;
mod assets;
pub mod authorization;
mod clinic;
mod conversation;
mod cookies;
mod csrf;
mod dialogmelding;
mod exporter;
mod failure;
pub mod fhir;
mod headers;
mod health;
mod jose;
pub mod limits;
mod lines;
mod logout;
mod notices;
pub mod oidc;
mod pages;
mod panics;
mod portal;
mod public_url;
mod register;
mod request_id;
mod server_span;
mod sessions;
mod texts;
mod tokens;
mod visitor;

use axum::Router;
use domain::NationalId;
use jiff::tz::TimeZone;
use std::sync::Arc;
use store::Store;
use tower_http::trace::TraceLayer;

pub use api_budget::ApiSettings;
pub use app::{AppSettings, BuildError, PublicUrl, PublicUrlError, serve};
pub use csrf::{CsrfKey, CsrfKeyError};
pub use exporter::{install as install_metrics, metrics_router};
pub use panics::{catch_panics, log_panics_without_their_message};
pub use tokens::random as random_token;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Whether fødselsnumre typed into forms may be synthetic test numbers.
    pub id_policy: domain::IdPolicy,
    /// The demo's test login: on only in `timebok demo` or when switched on explicitly.
    pub demo_login: bool,
    /// Names and numbers offered by the test login.
    pub demo_patients: Vec<(String, NationalId)>,
    /// Staff users and the operator offered by the staff's test login.
    pub demo_staff: Vec<(String, domain::Actor)>,
    /// Mark cookies `Secure`: on wherever Timebok is served over HTTPS.
    pub secure_cookies: bool,
    /// The clinics' time zone, Europe/Oslo.
    pub zone: TimeZone,
    /// Web Push, where it is configured.
    pub push: Option<PushSettings>,
    /// Send `Strict-Transport-Security`: on wherever Timebok is served over HTTPS.
    pub hsts: bool,
    /// Rate limits, counted in this process.
    pub limits: Arc<limits::RateLimits>,
    /// The header a trusted reverse proxy puts the client's address in (its last entry), such
    /// as `x-forwarded-for`; without it, the address of the connection.
    pub client_address_header: Option<String>,
    /// The header a trusted reverse proxy puts its request id in, such as `x-request-id`:
    /// that id is logged and answered. Without it, every request gets an id of its own.
    pub request_id_header: Option<String>,
    /// The OpenID providers of the three logins, where configured.
    pub oidc: Arc<oidc::Providers>,
    /// The FHIR API's clients.
    pub fhir: Arc<fhir::Clients>,
    /// The clock the store reads too: every "now" a page shows comes from it.
    pub clock: Arc<dyn store::Clock>,
    /// Where browsers and clients reach Timebok.
    pub public_url: PublicUrl,
    /// The slot finders' whole files, kept per feed stamp in this process.
    pub feed: Arc<fhir::FeedCache>,
    /// The FHIR API's share of this process: requests it handles at once.
    pub api_budget: Arc<api_budget::ApiBudget>,
    /// The key CSRF tokens are made with.
    pub csrf_key: CsrfKey,
    /// The configured public URL, which alone says which site a form may be sent from; `None`
    /// where none is configured, and the request's own `Host` says it.
    pub site: Option<reqwest::Url>,
}

impl AppState {
    /// Now, by the application's one clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    /// The clinics' calendar day at `at`.
    pub fn day_of(&self, at: jiff::Timestamp) -> jiff::civil::Date {
        at.to_zoned_datetime(self.zone.clone()).date()
    }

    /// Today in the clinics' time zone, by the application's clock.
    pub fn today(&self) -> jiff::civil::Date {
        self.day_of(self.now())
    }
}

/// What the portal needs to let a browser subscribe to Web Push.
#[derive(Clone)]
pub struct PushSettings {
    /// The VAPID public key the browser subscribes with (base64url).
    pub public_key: String,
    /// Which endpoints a subscription may name: the same policy the notification worker
    /// applies at send time, so a patient learns at once that their browser's push service
    /// cannot be used, rather than never getting a notice.
    pub targets: domain::PushTargetPolicy,
}

/// The whole application. Request logging records method, path and status only: paths carry
/// no fødselsnummer and bodies are never logged.
pub fn router(state: AppState) -> Router {
    routes(state).0
}

/// Every route and who it is for, as [`router`] enforces them; for the route-table tests.
pub fn route_table(state: AppState) -> Vec<authorization::Rule> {
    routes(state).1
}

/// A request's span: its id, its method and its route as the router knows it
/// (`/fhir/Appointment/{id}`), never the path the client sent, which may carry anything (a
/// fødselsnummer, a calendar link's token), nor the query, which may carry a fødselsnummer
/// (the FHIR API's `patient.identifier`).
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let route = route(request);
    let id = request
        .extensions()
        .get::<request_id::RequestId>()
        .map_or("", |id| id.0.as_str());
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        route = %route,
    )
}

/// The route logged for a request no route matched.
const UNROUTED: &str = "(no route)";

/// A request's route template as the router matched it, for its spans.
pub(crate) fn route<B>(request: &axum::http::Request<B>) -> &str {
    request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or(UNROUTED, axum::extract::MatchedPath::as_str)
}

fn routes(state: AppState) -> (Router, Vec<authorization::Rule>) {
    let (routes, rules) = authorization::Routes::new()
        .merge(health::routes())
        .merge(assets::routes())
        .merge(portal::routes(state.demo_login))
        .merge(clinic::routes(state.demo_login))
        .merge(clinic::request_routes())
        .merge(register::routes())
        .merge(oidc::routes())
        .merge(fhir::routes())
        .finish(&state);
    let router = panics::catch_panics(routes)
        .layer(axum::middleware::from_fn(fhir::answer_unrouted))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            api_budget::admit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            csrf::protect,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::add,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(axum::middleware::from_fn(server_span::trace))
        .layer(axum::middleware::from_fn(exporter::track))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_id::assign,
        ))
        .with_state(state);
    (router, rules)
}
