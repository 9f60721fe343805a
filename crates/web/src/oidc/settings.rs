//! How each login's OpenID provider is configured: `[oidc]` in timebok.toml.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The three logins. Each one left out is simply not offered. The redirect URIs to register
/// at each provider are `<public_url>/innlogging/<pasient|personale|drift>/svar`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    /// Patients: ID-porten in production.
    pub patient: Option<ProviderSettings>,
    /// Clinic staff: HelseID in production.
    pub staff: Option<ProviderSettings>,
    /// The operator: its own organisation's provider.
    pub operator: Option<ProviderSettings>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSettings {
    /// The provider's discovery document (`…/.well-known/openid-configuration`) or its issuer.
    pub discovery_url: String,
    pub client_id: String,
    /// The client's secret, sent with HTTP Basic (`client_secret_basic`). Leave it out where
    /// the client authenticates with a key instead.
    pub client_secret: Option<String>,
    /// `private_key_jwt` (RFC 7523): a file holding the client's private key, PEM or a JWK,
    /// RSA (RS256) or P-256 (ES256). HelseID gives its confidential clients keys, not secrets.
    pub private_key_file: Option<PathBuf>,
    /// The same key inline as a JWK, such as from `TIMEBOK_OIDC_STAFF__PRIVATE_KEY_JWK`.
    pub private_key_jwk: Option<String>,
    /// The key's `kid`, as registered at the provider, where the JWK names none. Default: the
    /// key's thumbprint (RFC 7638).
    pub key_id: Option<String>,
    /// The `aud` of the client assertions: the provider's token endpoint, or its issuer.
    #[serde(default)]
    pub assertion_audience: AssertionAudience,
    /// Scopes asked for besides `openid`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Patients: the claim that carries the fødselsnummer.
    #[serde(default = "pid")]
    pub national_id_claim: String,
    /// The lowest `acr` accepted, asked for in the request too. Patients: `idporten-loa-high`
    /// unless set; staff and operator: not checked unless set.
    pub min_acr: Option<String>,
    /// The `acr` values from lowest to highest, to tell what is below `min_acr`.
    #[serde(default = "idporten_levels")]
    pub acr_levels: Vec<String>,
    /// Staff: a claim whose value is the clinic's organisation number or HER-id.
    pub clinic_claim: Option<String>,
    /// Staff and operator: a claim (a string or a list of them) that must hold `role_value`
    /// for access from claims. Without `clinic_claim` (staff) or this (operator), access comes
    /// from the access list in the database only.
    pub role_claim: Option<String>,
    pub role_value: Option<String>,
    /// Patients: a claim listing whom the person may act for, each as
    /// `<fødselsnummer>:<forelder|fullmakt>` (a string or a list of them). Read at each login,
    /// it replaces what the provider said before; the register's relations stand beside it.
    /// Left out, only the register's relations count.
    pub representation_claim: Option<String>,
}

/// Whom a client assertion is addressed to. The token endpoint is what RFC 7523 names; newer
/// servers, HelseID among them, also take (or want) their issuer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssertionAudience {
    #[default]
    TokenEndpoint,
    Issuer,
}

fn pid() -> String {
    "pid".into()
}

fn idporten_levels() -> Vec<String> {
    [
        "idporten-loa-low",
        "idporten-loa-substantial",
        "idporten-loa-high",
    ]
    .map(String::from)
    .to_vec()
}

/// ID-porten's highest level: what a health service asks of patients.
pub const PATIENT_MIN_ACR: &str = "idporten-loa-high";
