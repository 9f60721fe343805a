//! Login through OpenID Connect: ID-porten for patients, HelseID for staff, the operator's
//! own provider. The authorization code flow with PKCE, `state` and `nonce`; the attempt in
//! progress is kept in the database under a hash of its `state`, and the `state` itself in a
//! cookie of the browser that started it, so an answer only completes the login in that
//! browser, once, within ten minutes.

mod client;
mod client_auth;
mod identity;
mod settings;

pub(crate) use identity::{clinic_named, values_of};

pub use client::ProviderError;
pub use settings::{AssertionAudience, OidcSettings, ProviderSettings};

use crate::authorization::{Audience::Anyone, Routes};
use crate::failure::{Failure, Kind};
use crate::limits::Scope;
use crate::pages::{Page, html};
use crate::visitor::Visitor;
use crate::{AppState, PublicUrl, cookies, sessions, tokens};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use client::Provider;
use identity::Refusal;
use serde::Deserialize;
use store::{LoginAttempt, LoginFlow};

/// Holds the `state` of a login in progress.
const LOGIN_COOKIE: &str = "timebok_login";
/// How long a login may take at the provider.
const ATTEMPT_MINUTES: i64 = 10;

/// The providers that are configured, one per flow.
pub struct Providers {
    public_url: PublicUrl,
    /// The Content-Security-Policy, whose `form-action` names the providers' origins: the
    /// logout form ends at their end-session endpoints.
    csp: axum::http::HeaderValue,
    patient: Option<Provider>,
    staff: Option<Provider>,
    operator: Option<Provider>,
}

impl Providers {
    pub fn new(settings: OidcSettings, public_url: &PublicUrl) -> Result<Self, ProviderError> {
        let provider = |flow: LoginFlow, settings: Option<ProviderSettings>| {
            settings
                .map(|s| {
                    Provider::new(s, public_url.join(&format!("{}/svar", start_path(flow))))
                        .map_err(|e| {
                            ProviderError::Configuration(format!("[oidc.{}] {e}", flow.code()))
                        })
                })
                .transpose()
        };
        let patient = provider(LoginFlow::Patient, settings.patient)?;
        let staff = provider(LoginFlow::Staff, settings.staff)?;
        let operator = provider(LoginFlow::Operator, settings.operator)?;
        let mut origins: Vec<String> = [&patient, &staff, &operator]
            .into_iter()
            .flatten()
            .map(Provider::origin)
            .collect();
        origins.sort();
        origins.dedup();
        Ok(Self {
            patient,
            staff,
            operator,
            public_url: public_url.clone(),
            csp: crate::headers::content_security_policy(&origins),
        })
    }

    pub fn content_security_policy(&self) -> &axum::http::HeaderValue {
        &self.csp
    }

    fn get(&self, flow: LoginFlow) -> Option<&Provider> {
        match flow {
            LoginFlow::Patient => self.patient.as_ref(),
            LoginFlow::Staff => self.staff.as_ref(),
            LoginFlow::Operator => self.operator.as_ref(),
        }
    }

    pub fn offers(&self, flow: LoginFlow) -> bool {
        self.get(flow).is_some()
    }

    /// The public keys Timebok's client assertions are signed with, once each: what a provider
    /// reads at [`JWKS_PATH`] where it fetches keys rather than having them registered.
    pub fn public_keys(&self) -> Vec<serde_json::Value> {
        let mut keys: Vec<serde_json::Value> = Vec::new();
        for key in [&self.patient, &self.staff, &self.operator]
            .into_iter()
            .flatten()
            .filter_map(Provider::public_key)
        {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        keys
    }

    /// Where the provider sends the browser once the session has ended there too.
    /// `None`: the flow has no provider, the session no ID token, or the provider no
    /// end-session endpoint.
    pub async fn end_session_url(&self, flow: LoginFlow, id_token: &str) -> Option<String> {
        let provider = self.get(flow)?;
        let after = self.public_url.join(login_page(flow));
        match provider.end_session_url(id_token, &after).await {
            Ok(url) => url,
            Err(error) => {
                tracing::warn!(%error, flow = flow.code(), "no logout at the provider");
                None
            }
        }
    }
}

/// The path that starts a flow's login; its answer comes to the same path with `/svar`.
pub fn start_path(flow: LoginFlow) -> &'static str {
    match flow {
        LoginFlow::Patient => "/innlogging/pasient",
        LoginFlow::Staff => "/innlogging/personale",
        LoginFlow::Operator => "/innlogging/drift",
    }
}

/// The login page a flow belongs to.
pub fn login_page(flow: LoginFlow) -> &'static str {
    match flow {
        LoginFlow::Patient => "/logg-inn",
        _ => "/personale/logg-inn",
    }
}

fn flow_named(segment: &str) -> Option<LoginFlow> {
    LoginFlow::ALL
        .into_iter()
        .find(|flow| start_path(*flow).rsplit('/').next() == Some(segment))
}

/// Where Timebok publishes the public keys of its client assertions.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

pub fn routes() -> Routes {
    Routes::new()
        .get("/innlogging/{flow}", Anyone, start)
        .get("/innlogging/{flow}/svar", Anyone, answer)
        .get(JWKS_PATH, Anyone, jwks)
}

/// Timebok's JWKS: the public keys of every login that uses `private_key_jwt`. Not found
/// where none does.
async fn jwks(State(state): State<AppState>, visitor: Visitor) -> Result<Response, Failure> {
    let keys = state.oidc.public_keys();
    if keys.is_empty() {
        return Err(Failure::new(visitor.t, Kind::NotFound));
    }
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/jwk-set+json"),
            // Providers fetch it now and then; a rotated key reaches them within minutes.
            (axum::http::header::CACHE_CONTROL, "public, max-age=300"),
        ],
        serde_json::json!({ "keys": keys }).to_string(),
    )
        .into_response())
}

/// Why a login did not complete, each with its own page.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Refused(Refusal),
    /// The answer's `state` is not the one this browser started with.
    StateMismatch,
    /// The attempt expired or was already used.
    Expired,
    /// The person cancelled at the provider, or the provider refused.
    Cancelled,
    /// The provider could not be reached or its answer did not verify.
    ProviderFailed,
}

impl Outcome {
    fn message_key(self) -> &'static str {
        match self {
            Self::Refused(Refusal::LowAcr) => "login-refused-acr",
            Self::Refused(Refusal::NoNationalId) => "login-refused-national-id",
            Self::Refused(Refusal::NoAccess) => "login-refused-no-access",
            Self::StateMismatch => "login-refused-state",
            Self::Expired => "login-refused-expired",
            Self::Cancelled => "login-refused-cancelled",
            Self::ProviderFailed => "login-refused-provider",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::Refused(_) => StatusCode::FORBIDDEN,
            Self::ProviderFailed => StatusCode::BAD_GATEWAY,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// What the audit log records; a cancelled login is no security event.
    fn audit_code(self) -> Option<&'static str> {
        match self {
            Self::Refused(refusal) => Some(refusal.code()),
            Self::StateMismatch => Some("state"),
            Self::Expired => Some("expired"),
            Self::ProviderFailed => Some("provider"),
            Self::Cancelled => None,
        }
    }
}

#[derive(Template)]
#[template(path = "login_refused.html")]
struct RefusedPage {
    page: Page,
    message: String,
    again: &'static str,
}

/// The refusal page; the login cookie is cleared with it.
async fn refused(
    state: &AppState,
    visitor: &Visitor,
    flow: LoginFlow,
    outcome: Outcome,
) -> Response {
    if let Some(code) = outcome.audit_code() {
        tracing::warn!(flow = flow.code(), reason = code, "login refused");
        if let Err(error) = state.store.record_refused_login(flow, code).await {
            tracing::error!(%error, "could not audit a refused login");
        }
    }
    let page = RefusedPage {
        page: Page::new(visitor, "login-refused-title"),
        message: visitor.t.get(outcome.message_key()),
        again: login_page(flow),
    };
    let clear = cookies::set(LOGIN_COOKIE, "", 0, state.secure_cookies);
    (
        outcome.status(),
        [(axum::http::header::SET_COOKIE, clear)],
        html(&page),
    )
        .into_response()
}

/// Sends the browser to the provider.
async fn start(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(segment): Path<String>,
) -> Result<Response, Failure> {
    let t = visitor.t;
    let flow = flow_named(&segment).ok_or(Failure::new(t, Kind::NotFound))?;
    let provider = state
        .oidc
        .get(flow)
        .ok_or(Failure::new(t, Kind::NotFound))?;
    Failure::limit(t, &state.limits, Scope::Login, &visitor.client).await?;
    let authorization = match provider
        .authorize(identity::min_acr(flow, &provider.settings), t.code())
        .await
    {
        Ok(authorization) => authorization,
        Err(error) => {
            tracing::error!(%error, flow = flow.code(), "the provider cannot be reached");
            return Ok(refused(&state, &visitor, flow, Outcome::ProviderFailed).await);
        }
    };
    let attempt = LoginAttempt {
        flow,
        pkce_verifier: authorization.pkce_verifier,
        nonce: authorization.nonce,
    };
    state
        .store
        .begin_login(
            &tokens::hash(&authorization.state),
            &attempt,
            jiff::SignedDuration::from_mins(ATTEMPT_MINUTES),
        )
        .await
        .map_err(|e| Failure::store(t, e))?;
    let cookie = cookies::set(
        LOGIN_COOKIE,
        &authorization.state,
        ATTEMPT_MINUTES * 60,
        state.secure_cookies,
    );
    Ok(cookies::redirect_to_provider(cookie, &authorization.url))
}

#[derive(Deserialize)]
struct Answer {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

/// The provider's answer: checks it belongs to this browser's attempt, exchanges the code,
/// verifies the ID token, and opens a session for whom it names, or refuses with a page.
async fn answer(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(segment): Path<String>,
    Query(answer): Query<Answer>,
) -> Result<Response, Failure> {
    let t = visitor.t;
    let flow = flow_named(&segment).ok_or(Failure::new(t, Kind::NotFound))?;
    let provider = state
        .oidc
        .get(flow)
        .ok_or(Failure::new(t, Kind::NotFound))?;
    // Not rate-limited here: every answer needs a start, which is, and a state cannot be
    // guessed.
    let started = cookies::read(&headers, LOGIN_COOKIE);
    let Some(returned) = answer.state else {
        return Ok(refused(&state, &visitor, flow, Outcome::StateMismatch).await);
    };
    if !started.is_some_and(|s| tokens::same(&s, &returned)) {
        return Ok(refused(&state, &visitor, flow, Outcome::StateMismatch).await);
    }
    // Taken now, whatever follows: a state completes at most one login.
    let attempt = state
        .store
        .take_login(&tokens::hash(&returned))
        .await
        .map_err(|e| Failure::store(t, e))?;
    let Some(attempt) = attempt.filter(|a| a.flow == flow) else {
        return Ok(refused(&state, &visitor, flow, Outcome::Expired).await);
    };
    if answer.error.is_some() {
        return Ok(refused(&state, &visitor, flow, Outcome::Cancelled).await);
    }
    let (Some(code), true) = (
        answer.code,
        answer.iss.is_none_or(|iss| provider.is_issuer(&iss)),
    ) else {
        return Ok(refused(&state, &visitor, flow, Outcome::StateMismatch).await);
    };
    let (claims, id_token) = match provider
        .finish(code, attempt.pkce_verifier, attempt.nonce, state.now())
        .await
    {
        Ok(done) => done,
        Err(error) => {
            tracing::warn!(%error, flow = flow.code(), "login failed at the provider");
            return Ok(refused(&state, &visitor, flow, Outcome::ProviderFailed).await);
        }
    };
    let who = match flow {
        LoginFlow::Patient => identity::patient(&provider.settings, state.id_policy, &claims)
            .map(domain::Actor::Patient),
        _ => identity::staff_or_operator(state.store.as_ref(), flow, &provider.settings, &claims)
            .await
            .map_err(|e| Failure::store(t, e))?,
    };
    let who = match who {
        Ok(who) => who,
        Err(refusal) => return Ok(refused(&state, &visitor, flow, Outcome::Refused(refusal)).await),
    };
    if let domain::Actor::Patient(patient) = &who
        && let Some(relations) =
            identity::claimed_relations(&provider.settings, state.id_policy, patient, &claims)
    {
        state
            .store
            .replace_claimed(patient, &relations)
            .await
            .map_err(|e| Failure::store(t, e))?;
    }
    let opened = sessions::open(&state, t, &headers, &who).await?;
    state
        .store
        .attach_id_token(flow, &opened.token_hash, &id_token)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let clear = cookies::set(LOGIN_COOKIE, "", 0, state.secure_cookies);
    let mut response = sessions::land(opened, &who, &headers, state.secure_cookies);
    if let Ok(value) = axum::http::HeaderValue::from_str(&clear) {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, value);
    }
    Ok(response)
}
