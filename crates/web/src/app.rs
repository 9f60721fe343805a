//! Building the application: one way for `serve`, `demo` and the test harness alike.

use crate::{AppState, PushSettings, fhir, limits, oidc};
use domain::{Actor, IdPolicy, NationalId};
use std::future::Future;
use std::sync::Arc;
use store::{Clock, Store};

pub use crate::public_url::{PublicUrl, PublicUrlError};

/// What an installation configures of the web application.
#[derive(Clone)]
pub struct AppSettings {
    /// Where browsers and clients reach Timebok; every absolute link starts with it.
    pub public_url: PublicUrl,
    /// Whether fødselsnumre typed into forms may be synthetic test numbers.
    pub id_policy: IdPolicy,
    /// The demo's test login: on only in `timebok demo` or when switched on explicitly.
    pub demo_login: bool,
    /// Names and numbers offered by the test login.
    pub demo_patients: Vec<(String, NationalId)>,
    /// Staff users and the operator offered by the staff's test login.
    pub demo_staff: Vec<(String, Actor)>,
    /// Mark cookies `Secure`: on wherever Timebok is served over HTTPS.
    pub secure_cookies: bool,
    /// Send `Strict-Transport-Security`: on wherever Timebok is served over HTTPS.
    pub hsts: bool,
    /// Web Push, where it is configured.
    pub push: Option<PushSettings>,
    pub rate_limits: limits::LimitSettings,
    /// The header a trusted reverse proxy puts the client's address in (its last entry), such
    /// as `x-forwarded-for`; without it, the address of the connection.
    pub client_address_header: Option<String>,
    /// The header a trusted reverse proxy puts its request id in, such as `x-request-id`.
    pub request_id_header: Option<String>,
    pub oidc: oidc::OidcSettings,
    pub fhir: fhir::FhirSettings,
    /// The FHIR API's share of the process.
    pub api: crate::ApiSettings,
    /// The key CSRF tokens are made with: the same in every process behind one site, so a
    /// form made by one is accepted by another.
    pub csrf_key: crate::CsrfKey,
    /// Whether `public_url` was configured rather than made from the listen address: then it
    /// alone says which site a form may be sent from; else the request's own `Host` does.
    pub public_url_configured: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("login: {0}")]
    Oidc(#[from] oidc::ProviderError),
    #[error(transparent)]
    Fhir(#[from] fhir::ClientError),
    #[error("the clinics' time zone is missing from the time zone database")]
    TimeZone,
    #[error("public_url is not a URL")]
    Site,
}

impl AppState {
    /// The application on `store`, reading time from `clock` — the store's own — and checking
    /// the settings once, before anything is served.
    pub fn build(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        settings: AppSettings,
    ) -> Result<Self, BuildError> {
        let oidc = oidc::Providers::new(settings.oidc, &settings.public_url)?;
        let site = if settings.public_url_configured {
            Some(reqwest::Url::parse(settings.public_url.as_str()).map_err(|_| BuildError::Site)?)
        } else {
            None
        };
        Ok(Self {
            limits: Arc::new(limits::RateLimits::new(settings.rate_limits, store.clone())),
            store,
            clock,
            id_policy: settings.id_policy,
            demo_login: settings.demo_login,
            demo_patients: settings.demo_patients,
            demo_staff: settings.demo_staff,
            secure_cookies: settings.secure_cookies,
            zone: domain::clinic_time_zone().map_err(|_| BuildError::TimeZone)?,
            push: settings.push,
            hsts: settings.hsts,
            client_address_header: settings.client_address_header,
            request_id_header: settings.request_id_header,
            oidc: Arc::new(oidc),
            fhir: Arc::new(fhir::Clients::new(settings.fhir)?),
            public_url: settings.public_url,
            feed: Arc::new(fhir::FeedCache::default()),
            api_budget: Arc::new(crate::api_budget::ApiBudget::new(settings.api)),
            csrf_key: settings.csrf_key,
            site,
        })
    }

    /// The same application on another store: a second process on the same database, with
    /// its own memory of the slot finders' files.
    pub fn on_store(&self, store: Arc<dyn Store>) -> Self {
        Self {
            limits: Arc::new(self.limits.on_store(store.clone())),
            store,
            feed: Arc::new(fhir::FeedCache::default()),
            api_budget: Arc::new(self.api_budget.fresh()),
            ..self.clone()
        }
    }
}

/// Serves the application on `listener` until `shutdown` resolves; requests in flight finish
/// first. Each request knows the address of its connection, for the rate limits.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = crate::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
