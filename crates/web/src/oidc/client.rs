//! One OpenID provider: its discovery document, fetched when first needed and again after an
//! hour so rotated signing keys are picked up, and the two calls Timebok makes of it: the
//! authorization URL and the code exchange with ID token verification.

use super::client_auth::{ClientAuth, ClientAuthError, JWT_BEARER};
use super::settings::ProviderSettings;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreClaimName, CoreClaimType, CoreClientAuthMethod,
    CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseMode, CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreSubjectIdentifierType, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AsyncHttpClient, AuthType,
    AuthenticationContextClass, AuthenticationFlow, AuthorizationCode, Client, ClientId,
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    HttpRequest, HttpResponse, IdTokenFields, IssuerUrl, LanguageTag, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, ProviderMetadata, RedirectUrl, Scope, StandardErrorResponse,
    StandardTokenResponse,
};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Every claim of the ID token that is not a standard one, such as `pid`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct OtherClaims(pub serde_json::Map<String, serde_json::Value>);
impl AdditionalClaims for OtherClaims {}

/// The one discovery field Timebok needs that the core metadata lacks.
#[derive(Debug, Clone, Deserialize, Serialize)]
struct LogoutMetadata {
    end_session_endpoint: Option<String>,
}
impl AdditionalProviderMetadata for LogoutMetadata {}

type Metadata = ProviderMetadata<
    LogoutMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;
type Fields = IdTokenFields<
    OtherClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResponse = StandardTokenResponse<Fields, CoreTokenType>;
pub type IdClaims = openidconnect::IdTokenClaims<OtherClaims, CoreGenderClaim>;
type OidcClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// How long a discovery document is trusted before it is fetched again.
const REDISCOVER_AFTER: Duration = Duration::from_secs(3600);

/// Why a provider could not be used. Messages name the step, never a token or a claim.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("discovery failed: {0}")]
    Discovery(String),
    #[error("the provider has no token endpoint")]
    NoTokenEndpoint,
    #[error("the code exchange failed: {0}")]
    Exchange(String),
    #[error("the provider sent no ID token")]
    NoIdToken,
    #[error("the ID token failed verification: {0}")]
    Verification(String),
    #[error("bad configuration: {0}")]
    Configuration(String),
    #[error(transparent)]
    ClientAuth(#[from] ClientAuthError),
}

/// reqwest as the HTTP client of `openidconnect`, without following redirects: a redirect
/// from a provider's endpoint is not followed to wherever it points.
#[derive(Clone)]
struct Http(reqwest::Client);

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error(transparent)]
    Request(#[from] reqwest::Error),
    #[error(transparent)]
    Response(#[from] openidconnect::http::Error),
}

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let response = self
                .0
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body)
                .send()
                .await?;
            let mut answer = openidconnect::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                answer = answer.header(name, value);
            }
            let body = response.bytes().await?;
            Ok(answer.body(body.to_vec())?)
        })
    }
}

struct Discovered {
    at: Instant,
    client: OidcClient,
    end_session: Option<String>,
}

/// Where to send the browser, and what to keep until it comes back.
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub pkce_verifier: String,
    pub nonce: String,
}

pub struct Provider {
    pub settings: ProviderSettings,
    auth: ClientAuth,
    issuer: IssuerUrl,
    redirect: RedirectUrl,
    http: Http,
    discovered: Mutex<Option<Discovered>>,
}

impl Provider {
    pub fn new(settings: ProviderSettings, redirect_url: String) -> Result<Self, ProviderError> {
        let auth = ClientAuth::from_settings(&settings)?;
        let issuer = settings
            .discovery_url
            .trim_end_matches('/')
            .trim_end_matches("/.well-known/openid-configuration")
            .to_owned();
        let issuer =
            IssuerUrl::new(issuer).map_err(|e| ProviderError::Configuration(e.to_string()))?;
        let redirect = RedirectUrl::new(redirect_url)
            .map_err(|e| ProviderError::Configuration(e.to_string()))?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ProviderError::Configuration(e.to_string()))?;
        Ok(Self {
            settings,
            auth,
            issuer,
            redirect,
            http: Http(http),
            discovered: Mutex::new(None),
        })
    }

    /// The public key this client signs its assertions with, if it does.
    pub fn public_key(&self) -> Option<serde_json::Value> {
        self.auth.public_key()
    }

    /// The provider's origin, where a logout form's redirect goes on to.
    pub fn origin(&self) -> String {
        self.issuer.url().origin().ascii_serialization()
    }

    /// Whether `iss` of an authorization response (RFC 9207) names this provider: an answer
    /// from another provider is refused, so one cannot be passed off as the other.
    pub fn is_issuer(&self, iss: &str) -> bool {
        iss.trim_end_matches('/') == self.issuer.as_str().trim_end_matches('/')
    }

    /// The client, from a discovery document no older than an hour.
    async fn client(&self) -> Result<(OidcClient, Option<String>), ProviderError> {
        let mut discovered = self.discovered.lock().await;
        if let Some(known) = discovered.as_ref()
            && known.at.elapsed() < REDISCOVER_AFTER
        {
            return Ok((known.client.clone(), known.end_session.clone()));
        }
        let metadata = Metadata::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|e| ProviderError::Discovery(e.to_string()))?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let client = OidcClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            self.auth.secret().map(|s| ClientSecret::new(s.to_owned())),
        )
        .set_redirect_uri(self.redirect.clone());
        // Without a secret the client_id goes in the body, beside the assertion.
        let client = match self.auth {
            ClientAuth::Secret(_) => client,
            ClientAuth::PrivateKeyJwt { .. } => client.set_auth_type(AuthType::RequestBody),
        };
        *discovered = Some(Discovered {
            at: Instant::now(),
            client: client.clone(),
            end_session: end_session.clone(),
        });
        Ok((client, end_session))
    }

    /// The provider's authorization URL with PKCE, `state`, `nonce`, the lowest accepted
    /// `acr` and the visitor's language.
    pub async fn authorize(
        &self,
        min_acr: Option<&str>,
        language: &str,
    ) -> Result<Authorization, ProviderError> {
        let (client, _) = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge)
            .add_ui_locale(LanguageTag::new(language.to_owned()));
        for scope in self.settings.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        if let Some(acr) = min_acr {
            request = request.add_auth_context_value(AuthenticationContextClass::new(acr.into()));
        }
        let (url, state, nonce) = request.url();
        Ok(Authorization {
            url: url.to_string(),
            state: state.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
        })
    }

    /// Exchanges the code, verifies the ID token (signature, issuer, audience, expiry, nonce)
    /// and returns its claims with the token itself, kept for the logout. `now` dates a client
    /// assertion.
    pub async fn finish(
        &self,
        code: String,
        pkce_verifier: String,
        nonce: String,
        now: jiff::Timestamp,
    ) -> Result<(IdClaims, String), ProviderError> {
        let (client, _) = self.client().await?;
        let mut request = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|_| ProviderError::NoTokenEndpoint)?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier));
        let token_endpoint = client
            .token_uri()
            .ok_or(ProviderError::NoTokenEndpoint)?
            .as_str();
        if let Some(assertion) = self.auth.assertion(
            &self.settings.client_id,
            token_endpoint,
            self.issuer.as_str(),
            now.as_second(),
        )? {
            request = request
                .add_extra_param("client_assertion_type", JWT_BEARER)
                .add_extra_param("client_assertion", assertion);
        }
        let response = request
            .request_async(&self.http)
            .await
            .map_err(|e| ProviderError::Exchange(e.to_string()))?;
        let id_token = response
            .extra_fields()
            .id_token()
            .ok_or(ProviderError::NoIdToken)?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(nonce))
            .map_err(|e| ProviderError::Verification(e.to_string()))?
            .clone();
        Ok((claims, id_token.to_string()))
    }

    /// The provider's end-session URL for a session that logged in with `id_token`.
    pub async fn end_session_url(
        &self,
        id_token: &str,
        after: &str,
    ) -> Result<Option<String>, ProviderError> {
        let (_, end_session) = self.client().await?;
        let Some(endpoint) = end_session else {
            return Ok(None);
        };
        let mut url =
            reqwest::Url::parse(&endpoint).map_err(|e| ProviderError::Discovery(e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("id_token_hint", id_token)
            .append_pair("post_logout_redirect_uri", after)
            .append_pair("client_id", &self.settings.client_id);
        Ok(Some(url.to_string()))
    }
}
