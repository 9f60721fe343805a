//! OAuth 2.0 access tokens from an authorization server (HelseID in production): JWTs that a
//! client got with the client credentials grant. Timebok checks the signature against the
//! server's published keys, the issuer, the audience and the time, and reads the client's
//! name, scopes and, when configured, the clinic it belongs to. Nothing of a token is logged.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::JsonWebKey;
use openidconnect::core::{CoreJsonWebKeySet, CoreJwsSigningAlgorithm};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// `[fhir.oauth]`: the authorization server whose access tokens open the API.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthSettings {
    /// The tokens' issuer (`iss`); its metadata, at `<issuer>/.well-known/openid-configuration`,
    /// names the signing keys (`jwks_uri`).
    pub issuer: String,
    /// The audience (`aud`) a token must be for: Timebok's API as the issuer knows it.
    pub audience: String,
    /// The claim naming the client, for the audit log.
    #[serde(default = "client_id_claim")]
    pub name_claim: String,
    /// The claim with the scopes: a space-separated string or a list.
    #[serde(default = "scope_claim")]
    pub scope_claim: String,
    /// Taken off each scope before it is read, for issuers that put the API's name in front
    /// (`nhn:timebok/system/Slot.rs`).
    #[serde(default)]
    pub scope_prefix: String,
    /// The claim holding the organisation number or HER-id of the clinic a client belongs
    /// to. With it, a client sees that clinic only; a token without the claim is refused
    /// unless its client is one of `all_clinics_clients`.
    pub clinic_claim: Option<String>,
    /// Clients (by `name_claim`) that may see every clinic, such as the national portal.
    #[serde(default)]
    pub all_clinics_clients: Vec<String>,
}

fn client_id_claim() -> String {
    "client_id".into()
}

fn scope_claim() -> String {
    "scope".into()
}

/// How long published keys are trusted before they are fetched again.
const KEYS_FOR: Duration = Duration::from_secs(3600);
/// A token signed with a key Timebok has not seen makes it fetch the keys again, at most
/// this often, so that forged tokens cannot make it hammer the server.
const REFETCH_AT_MOST_EVERY: Duration = Duration::from_secs(60);
/// Clocks differ a little.
const LEEWAY_SECONDS: i64 = 60;

/// Why a token was refused. None of these carries the token or a claim's value.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("not a signed JWT")]
    Malformed,
    #[error("signed with an algorithm Timebok does not take")]
    Algorithm,
    #[error("no published key verifies the signature")]
    Signature,
    #[error("issued by another issuer")]
    Issuer,
    #[error("for another audience")]
    Audience,
    #[error("expired or not yet valid")]
    Time,
    #[error("bound to a certificate (mTLS), whose proof Timebok does not check")]
    SenderConstrained,
    #[error("the issuer's keys could not be fetched: {0}")]
    Keys(String),
}

/// What a verified token says of its client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClient {
    pub name: String,
    pub scopes: Vec<String>,
    /// The clinic claim's values, when the claim is configured and present.
    pub clinic_claim: Option<Vec<String>>,
    /// The thumbprint of the key the token is bound to (`cnf.jkt`): it is good only with a
    /// DPoP proof signed with that key.
    pub bound_to: Option<String>,
}

struct Keys {
    fetched: Instant,
    set: Arc<CoreJsonWebKeySet>,
}

pub struct AccessTokens {
    pub settings: OAuthSettings,
    http: reqwest::Client,
    keys: Mutex<Option<Keys>>,
}

fn decode_part(part: &str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| TokenError::Malformed)
}

fn json_part(part: &str) -> Result<Value, TokenError> {
    serde_json::from_slice(&decode_part(part)?).map_err(|_| TokenError::Malformed)
}

impl AccessTokens {
    pub fn new(settings: OAuthSettings) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(Self {
            settings,
            http,
            keys: Mutex::new(None),
        })
    }

    fn issuer(&self) -> &str {
        self.settings.issuer.trim_end_matches('/')
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, TokenError> {
        let failed = |e: reqwest::Error| TokenError::Keys(e.to_string());
        self.http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(failed)?
            .json()
            .await
            .map_err(failed)
    }

    async fn fetch_keys(&self) -> Result<CoreJsonWebKeySet, TokenError> {
        let metadata: Value = self
            .get_json(&format!(
                "{}/.well-known/openid-configuration",
                self.issuer()
            ))
            .await?;
        let jwks_uri = metadata
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or_else(|| TokenError::Keys("the metadata names no jwks_uri".into()))?;
        self.get_json(jwks_uri).await
    }

    /// The published keys; fetched again when old, or when `unknown_key` and the last fetch
    /// is a minute old.
    async fn keys(&self, unknown_key: bool) -> Result<Arc<CoreJsonWebKeySet>, TokenError> {
        let mut keys = self.keys.lock().await;
        let fresh = keys.as_ref().is_some_and(|k| {
            let age = k.fetched.elapsed();
            age < KEYS_FOR && !(unknown_key && age >= REFETCH_AT_MOST_EVERY)
        });
        if let (true, Some(known)) = (fresh, keys.as_ref()) {
            return Ok(known.set.clone());
        }
        let set = Arc::new(self.fetch_keys().await?);
        *keys = Some(Keys {
            fetched: Instant::now(),
            set: set.clone(),
        });
        Ok(set)
    }

    fn verifies(
        set: &CoreJsonWebKeySet,
        kid: Option<&str>,
        alg: &CoreJwsSigningAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> bool {
        set.keys()
            .iter()
            .filter(|key| kid.is_none_or(|kid| key.key_id().is_some_and(|k| k.as_str() == kid)))
            .any(|key| key.verify_signature(alg, message, signature).is_ok())
    }

    /// Checks a token and reads its client, as of `now` (seconds since the epoch).
    pub async fn verify(&self, token: &str, now: i64) -> Result<TokenClient, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let head = json_part(header)?;
        let alg: CoreJwsSigningAlgorithm =
            serde_json::from_value(head.get("alg").cloned().unwrap_or(Value::Null))
                .map_err(|_| TokenError::Algorithm)?;
        // Only public-key signatures: a shared secret or none proves nothing here.
        if matches!(
            alg,
            CoreJwsSigningAlgorithm::None
                | CoreJwsSigningAlgorithm::HmacSha256
                | CoreJwsSigningAlgorithm::HmacSha384
                | CoreJwsSigningAlgorithm::HmacSha512
        ) {
            return Err(TokenError::Algorithm);
        }
        let kid = head.get("kid").and_then(Value::as_str);
        let message = format!("{header}.{payload}");
        let signature = decode_part(signature)?;
        let known = self.keys(false).await?;
        let verified = Self::verifies(&known, kid, &alg, message.as_bytes(), &signature) || {
            let refreshed = self.keys(true).await?;
            Self::verifies(&refreshed, kid, &alg, message.as_bytes(), &signature)
        };
        if !verified {
            return Err(TokenError::Signature);
        }
        let claims = json_part(payload)?;
        self.read_claims(&claims, now)
    }

    fn read_claims(&self, claims: &Value, now: i64) -> Result<TokenClient, TokenError> {
        let issuer = claims.get("iss").and_then(Value::as_str);
        if issuer.map(|i| i.trim_end_matches('/')) != Some(self.issuer()) {
            return Err(TokenError::Issuer);
        }
        let audience = crate::oidc::values_of(claims.get("aud"));
        if !audience.contains(&self.settings.audience) {
            return Err(TokenError::Audience);
        }
        let expires = claims.get("exp").and_then(Value::as_i64);
        let not_before = claims.get("nbf").and_then(Value::as_i64);
        if expires.is_none_or(|exp| exp + LEEWAY_SECONDS <= now)
            || not_before.is_some_and(|nbf| nbf - LEEWAY_SECONDS > now)
        {
            return Err(TokenError::Time);
        }
        // A token bound to its client's key is only good with a proof of that key; taken
        // as a bare bearer token, anyone holding it could use it. DPoP's proof is checked
        // (see `dpop`); a certificate's (mTLS) is not, so such a token is refused.
        let bound_to = match claims.get("cnf") {
            None => None,
            Some(cnf) => Some(
                cnf.get("jkt")
                    .and_then(Value::as_str)
                    .filter(|jkt| !jkt.is_empty())
                    .ok_or(TokenError::SenderConstrained)?
                    .to_owned(),
            ),
        };
        let name = claims
            .get(&self.settings.name_claim)
            .or_else(|| claims.get("sub"))
            .and_then(Value::as_str)
            .ok_or(TokenError::Malformed)?
            .to_owned();
        let scopes = crate::oidc::values_of(claims.get(&self.settings.scope_claim))
            .iter()
            .flat_map(|s| s.split_whitespace())
            .map(|s| {
                s.strip_prefix(&self.settings.scope_prefix)
                    .unwrap_or(s)
                    .to_owned()
            })
            .collect();
        let clinic_claim = self.settings.clinic_claim.as_ref().and_then(|claim| {
            let values = crate::oidc::values_of(claims.get(claim));
            (!values.is_empty()).then_some(values)
        });
        Ok(TokenClient {
            name,
            scopes,
            clinic_claim,
            bound_to,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(clinic_claim: Option<&str>) -> AccessTokens {
        AccessTokens::new(OAuthSettings {
            issuer: "https://helseid.example/".into(),
            audience: "timebok-fhir".into(),
            name_claim: client_id_claim(),
            scope_claim: scope_claim(),
            scope_prefix: "nhn:timebok/".into(),
            clinic_claim: clinic_claim.map(str::to_owned),
            all_clinics_clients: Vec::new(),
        })
        .expect("client")
    }

    fn claims(extra: Value) -> Value {
        let mut claims = serde_json::json!({
            "iss": "https://helseid.example",
            "aud": ["other", "timebok-fhir"],
            "exp": 1_000_100,
            "client_id": "vaksinefinner",
            "scope": "nhn:timebok/system/Slot.rs openid",
        });
        if let (Some(claims), Some(extra)) = (claims.as_object_mut(), extra.as_object()) {
            claims.extend(extra.clone());
        }
        claims
    }

    #[test]
    fn claims_give_the_client_and_its_scopes() {
        let read = tokens(Some("orgnr"))
            .read_claims(
                &claims(serde_json::json!({ "orgnr": "974589095" })),
                1_000_000,
            )
            .expect("claims");
        assert_eq!(
            read,
            TokenClient {
                name: "vaksinefinner".into(),
                scopes: vec!["system/Slot.rs".into(), "openid".into()],
                clinic_claim: Some(vec!["974589095".into()]),
                bound_to: None,
            }
        );
        assert_eq!(
            tokens(Some("orgnr"))
                .read_claims(&claims(serde_json::json!({})), 1_000_000)
                .expect("claims")
                .clinic_claim,
            None
        );
    }

    #[test]
    fn the_wrong_issuer_audience_or_time_is_refused() {
        let t = tokens(None);
        let check = |extra: Value, now: i64| {
            t.read_claims(&claims(extra), now)
                .err()
                .map(|e| e.to_string())
        };
        assert_eq!(
            check(serde_json::json!({}), 1_000_159),
            None,
            "within the leeway"
        );
        assert!(check(serde_json::json!({}), 1_000_160).is_some(), "expired");
        assert!(check(serde_json::json!({ "nbf": 1_000_100 }), 1_000_000).is_some());
        assert!(
            check(
                serde_json::json!({ "iss": "https://evil.example" }),
                1_000_000
            )
            .is_some()
        );
        assert!(check(serde_json::json!({ "aud": "other" }), 1_000_000).is_some());
        assert!(check(serde_json::json!({ "exp": null }), 1_000_000).is_some());
        assert!(
            check(
                serde_json::json!({ "cnf": { "x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2" } }),
                1_000_000
            )
            .is_some(),
            "a token bound to a certificate"
        );
    }

    #[test]
    fn a_dpop_bound_token_names_its_key() {
        let jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
        let read = tokens(None)
            .read_claims(
                &claims(serde_json::json!({ "cnf": { "jkt": jkt } })),
                1_000_000,
            )
            .expect("claims");
        assert_eq!(read.bound_to.as_deref(), Some(jkt));
        assert!(
            tokens(None)
                .read_claims(
                    &claims(serde_json::json!({ "cnf": { "jkt": "" } })),
                    1_000_000
                )
                .is_err()
        );
    }
}
