//! The FHIR R4 API under `/fhir`, for journal systems, the national portal and vaccine finders:
//! Schedules (one per timebook resource) and their free Slots, and Appointments. Norwegian
//! identifiers are HL7 Norway's no-basis naming systems (fødselsnummer
//! `urn:oid:2.16.578.1.12.4.1.4.1`, D-nummer `…4.2`, HER-id `urn:oid:2.16.578.1.12.4.1.2`);
//! Location follows the no-basis-Location profile and says so in `meta.profile`
//! (`resources::PROFILES`). Schedule, Slot and Appointment are base R4: no-basis has no released
//! profile of them.
//! Clients authenticate with a bearer token; the scopes they were given decide what they may
//! do, and a client bound to one clinic sees only that clinic.

mod access_tokens;
mod appointments;
mod bulk;
mod capability;
mod changes;
mod clients;
mod dpop;
mod feed_cache;
mod input;
pub(crate) mod outcome;
mod patient_list;
mod publish;
mod resources;
mod search;
mod subscriptions;
mod transaction;
mod unrouted;

pub use access_tokens::OAuthSettings;
pub use clients::{ClientError, ClientSettings, Clients, FhirSettings, Scope, hook_targets};
pub use feed_cache::FeedCache;
pub use outcome::Outcome;
pub use outcome::language as outcome_language;
pub use subscriptions::{Notifications as SubscriptionNotifications, TOPIC as SUBSCRIPTION_TOPIC};
pub use unrouted::answer as answer_unrouted;

use crate::AppState;
use crate::authorization::{Audience, Routes};
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use outcome::{FHIR_JSON, Problem};

/// Where the API lives. Only bearer tokens open it; no cookie does.
pub const PATH_PREFIX: &str = "/fhir/";

pub fn routes() -> Routes {
    let read = Audience::Client(Scope::ReadSlots);
    let book = Audience::Client(Scope::Book);
    let subscribe = Audience::Client(Scope::Subscribe);
    Routes::new()
        .get("/fhir/metadata", Audience::Anyone, capability::metadata)
        .get("/fhir/Schedule", read, search::schedules)
        .get("/fhir/Slot", read, search::slots)
        .get("/fhir/Location/{id}", read, search::location)
        .get("/fhir/Practitioner/{id}", read, search::practitioner)
        .get(
            "/fhir/PractitionerRole/{id}",
            read,
            search::practitioner_role,
        )
        .get("/fhir/$bulk-publish", Audience::Feed, bulk::manifest)
        .get(bulk::FILES[0].1, Audience::Feed, bulk::location_file)
        .get(bulk::FILES[1].1, Audience::Feed, bulk::schedule_file)
        .get(bulk::FILES[2].1, Audience::Feed, bulk::slot_file)
        .post("/fhir/Appointment", book, appointments::create)
        .get("/fhir/Appointment", book, appointments::search)
        .get("/fhir/Appointment/{id}", book, appointments::read)
        .get(
            "/fhir/Appointment/{id}/_history/{vid}",
            book,
            appointments::vread,
        )
        .put("/fhir/Appointment/{id}", book, appointments::update)
        .patch("/fhir/Appointment/{id}", book, appointments::patch)
        .post("/fhir/Appointment/$hold", book, appointments::hold)
        .post("/fhir/Appointment/$book", book, appointments::book)
        .post("/fhir/Subscription", subscribe, subscriptions::create)
        .get("/fhir/Subscription", subscribe, subscriptions::search)
        .get("/fhir/Subscription/{id}", subscribe, subscriptions::read)
        .get(
            "/fhir/Subscription/{id}/$status",
            subscribe,
            subscriptions::status,
        )
        .delete("/fhir/Subscription/{id}", subscribe, subscriptions::delete)
        .merge(journal_routes())
}

/// The journal system's side: publishing slots and keeping the patient list, one by one or
/// in a transaction Bundle.
fn journal_routes() -> Routes {
    let read = Audience::Client(Scope::ReadSlots);
    let publish = Audience::Client(Scope::PublishSlots);
    let list = Audience::Client(Scope::PatientList);
    Routes::new()
        .post("/fhir/Slot", publish, publish::create)
        .get("/fhir/Slot/{id}", read, publish::read)
        .put("/fhir/Slot/{id}", publish, publish::update)
        .delete("/fhir/Slot/{id}", publish, publish::delete)
        .get("/fhir/Patient", list, patient_list::search)
        .put("/fhir/Patient", list, patient_list::update)
        .delete("/fhir/Patient", list, patient_list::delete)
        .post(
            TRANSACTION_PATH,
            Audience::AnyClient,
            transaction::transaction,
        )
}

/// Where a transaction Bundle is posted: the base itself.
pub const TRANSACTION_PATH: &str = "/fhir";

/// Whether a path is the API's: the base (transactions) or under it.
pub fn is_api_path(path: &str) -> bool {
    path == TRANSACTION_PATH || path.starts_with(PATH_PREFIX)
}

/// The methods and paths the CapabilityStatement describes, to check against the routes
/// served.
pub fn described_routes() -> Vec<(axum::http::Method, String)> {
    capability::described_routes()
}

/// A machine client that presented a known token, with the language it asked for.
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub client: clients::Client,
    pub t: crate::texts::T,
}

impl ApiClient {
    /// The clinics the client reaches: every one, its own, or none when it is bound to a
    /// clinic the register does not know.
    pub async fn reach(&self, state: &AppState) -> Result<domain::Reach, Outcome> {
        let Some(her_id) = self.client.clinic else {
            return Ok(domain::Reach::Everywhere);
        };
        match state.store.clinic_by_her_id(her_id).await {
            Ok(Some(clinic)) => Ok(domain::Reach::Clinic(clinic.id)),
            Ok(None) => Ok(domain::Reach::Nowhere),
            Err(error) => Err(Outcome::store(self.t, error)),
        }
    }

    /// The client as the booking core knows it: acting for patients, under their rules, in
    /// its reach.
    pub async fn caller(&self, state: &AppState) -> Result<domain::Caller, Outcome> {
        Ok(domain::Caller::client(
            &self.client.name,
            self.reach(state).await?,
        ))
    }

    /// Whether this request reads the feed openly: the operator publishes it, and the request
    /// shows no token (one that does is judged by its token, and may see less).
    pub fn is_open_feed_reader(parts: &Parts, state: &AppState) -> bool {
        state.fhir.public_feed && !parts.headers.contains_key(AUTHORIZATION)
    }

    /// The reader of the open feed: it sees every clinic's places, schedules and slots,
    /// which hold no patient data, and may do nothing else.
    pub fn open_feed_reader(parts: &Parts) -> Self {
        Self {
            client: clients::Client::open_feed_reader(),
            t: outcome::language(&parts.headers),
        }
    }

    /// Refuses a client without `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), Outcome> {
        if self.client.may(scope) {
            Ok(())
        } else {
            Err(Outcome::new(self.t, Problem::Forbidden))
        }
    }
}

impl FromRequestParts<AppState> for ApiClient {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if let Some(known) = parts.extensions.get::<Self>() {
            return Ok(known.clone());
        }
        let t = outcome::language(&parts.headers);
        let refuse = |problem| Outcome::new(t, problem).into_response();
        let Some(shown) = Shown::read(&parts.headers) else {
            let dpop = state.fhir.access_tokens.is_some();
            return Err(refuse(Problem::Unauthenticated { dpop }));
        };
        if let Shown::Bearer(token) = shown
            && let Some(client) = state.fhir.find(token)
        {
            return Ok(Self {
                client: client.clone(),
                t,
            });
        }
        match &state.fhir.access_tokens {
            Some(tokens) => access_token_client(state, tokens, shown, parts)
                .await
                .map(|client| Self { client, t })
                .map_err(refuse),
            None => Err(refuse(shown.refused())),
        }
    }
}

/// A token as the request shows it in `Authorization`: as a bearer token, or under the DPoP
/// scheme with a proof beside it (the scheme's name in any case, RFC 9110 §11.1).
#[derive(Clone, Copy)]
enum Shown<'a> {
    Bearer(&'a str),
    Dpop(&'a str),
}

impl<'a> Shown<'a> {
    fn read(headers: &'a axum::http::HeaderMap) -> Option<Self> {
        let (scheme, token) = headers.get(AUTHORIZATION)?.to_str().ok()?.split_once(' ')?;
        let token = token.trim();
        if token.is_empty() {
            None
        } else if scheme.eq_ignore_ascii_case("Bearer") {
            Some(Self::Bearer(token))
        } else if scheme.eq_ignore_ascii_case("DPoP") {
            Some(Self::Dpop(token))
        } else {
            None
        }
    }

    /// What a refused token is answered, in the challenge of the scheme it came under.
    fn refused(self) -> Problem {
        match self {
            Self::Bearer(_) => Problem::InvalidToken,
            Self::Dpop(_) => Problem::Dpop(outcome::DpopRefusal::InvalidToken),
        }
    }

    fn token(self) -> &'a str {
        match self {
            Self::Bearer(token) | Self::Dpop(token) => token,
        }
    }
}

/// A bound token needs the DPoP scheme and a good proof for this request; an unbound one the
/// bearer scheme.
async fn check_binding(
    state: &AppState,
    shown: Shown<'_>,
    bound_to: Option<&str>,
    parts: &Parts,
    now: i64,
) -> Result<(), Problem> {
    let jkt = match (shown, bound_to) {
        (Shown::Bearer(_), None) => return Ok(()),
        (Shown::Dpop(_), Some(jkt)) => jkt,
        (Shown::Bearer(_), Some(_)) | (Shown::Dpop(_), None) => {
            tracing::info!("access token refused: shown under the wrong scheme");
            return Err(Problem::Dpop(outcome::DpopRefusal::InvalidToken));
        }
    };
    let proofs: Vec<&str> = parts
        .headers
        .get_all("dpop")
        .iter()
        .map(|v| v.to_str().unwrap_or_default())
        .collect();
    let url = state.public_url.join(parts.uri.path());
    let request = dpop::ProofRequest {
        method: parts.method.as_str(),
        url: &url,
        access_token: shown.token(),
        jkt,
        now,
    };
    dpop::verify(&proofs, &request, state.store.as_ref())
        .await
        .map_err(|error| match error {
            dpop::ProofError::Store(error) => {
                tracing::warn!(%error, "the DPoP proofs seen could not be checked");
                Problem::Unavailable
            }
            refused => {
                tracing::info!(reason = %refused, "DPoP proof refused");
                Problem::Dpop(outcome::DpopRefusal::InvalidProof)
            }
        })
}

/// The client an access token speaks for, bound to its clinic when the token names one.
async fn access_token_client(
    state: &AppState,
    tokens: &access_tokens::AccessTokens,
    shown: Shown<'_>,
    parts: &Parts,
) -> Result<clients::Client, Problem> {
    let now = state.now().as_second();
    let verified = tokens
        .verify(shown.token(), now)
        .await
        .map_err(|error| match error {
            access_tokens::TokenError::Keys(_) => {
                tracing::warn!(%error, "the authorization server's keys could not be fetched");
                Problem::Unavailable
            }
            refused => {
                tracing::info!(reason = %refused, "access token refused");
                shown.refused()
            }
        })?;
    check_binding(state, shown, verified.bound_to.as_deref(), parts, now).await?;
    let scopes = verified
        .scopes
        .iter()
        .filter_map(|s| Scope::from_code(s))
        .collect();
    let settings = &tokens.settings;
    let clinic = match (&settings.clinic_claim, verified.clinic_claim) {
        (None, _) => None,
        (Some(_), None) if settings.all_clinics_clients.contains(&verified.name) => None,
        // A client that should name its clinic and does not sees nothing.
        (Some(_), None) => return Err(Problem::Forbidden),
        (Some(_), Some(values)) => {
            let clinic = crate::oidc::clinic_named(state.store.as_ref(), &values)
                .await
                .map_err(|_| Problem::Unavailable)?
                .ok_or(Problem::Forbidden)?;
            Some(clinic.her_id)
        }
    };
    Ok(clients::Client::with_access_token(
        verified.name,
        scopes,
        clinic,
    ))
}

/// A FHIR JSON answer.
fn fhir_json(body: &impl serde::Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(json) => ([(CONTENT_TYPE, FHIR_JSON)], json).into_response(),
        // Timebok's resources have string keys only, so this is never reached.
        Err(_) => axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The API's base URL: the configured public URL, whatever `Host` the request carried.
fn base_url(state: &AppState) -> &str {
    state.public_url.as_str()
}
