//! How Timebok proves who it is at a provider's token endpoint: a secret sent with HTTP Basic
//! (`client_secret_basic`), or a client assertion signed with its private key
//! (`private_key_jwt`, RFC 7523), whose public half Timebok publishes in its JWKS.

use super::settings::{AssertionAudience, ProviderSettings};
use crate::jose::SigningKey;
use serde_json::{Value, json};

/// The assertion type of RFC 7523, section 2.2.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How long an assertion is good for: long enough for one request, short enough that a copy
/// is worth nothing.
const ASSERTION_SECONDS: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum ClientAuthError {
    #[error(
        "give client_secret (client_secret_basic) or private_key_file or private_key_jwk \
         (private_key_jwt)"
    )]
    Missing,
    #[error("give one of client_secret, private_key_file and private_key_jwk, not several")]
    Several,
    #[error("private_key_file {0}: {1}")]
    Unreadable(String, std::io::Error),
    #[error("private_key_file {0}: {1}")]
    BadFile(String, crate::jose::KeyError),
    #[error("private_key_jwk: {0}")]
    BadJwk(crate::jose::KeyError),
    #[error("the client assertion could not be signed")]
    Signing,
    #[error("the system has no randomness for the client assertion's jti")]
    NoRandomness,
}

pub enum ClientAuth {
    Secret(String),
    PrivateKeyJwt {
        key: SigningKey,
        audience: AssertionAudience,
    },
}

impl std::fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Secret(_) => f.write_str("client_secret_basic"),
            Self::PrivateKeyJwt { key, .. } => write!(f, "private_key_jwt({key:?})"),
        }
    }
}

impl ClientAuth {
    /// The method the settings choose, with its key read now: a bad key stops the start, it
    /// does not fail the first login.
    pub fn from_settings(settings: &ProviderSettings) -> Result<Self, ClientAuthError> {
        let kid = settings.key_id.as_deref();
        let key = match (&settings.private_key_file, &settings.private_key_jwk) {
            (Some(_), Some(_)) => return Err(ClientAuthError::Several),
            (Some(path), None) => {
                let shown = path.display().to_string();
                let text = std::fs::read_to_string(path)
                    .map_err(|e| ClientAuthError::Unreadable(shown.clone(), e))?;
                Some(
                    SigningKey::parse(&text, kid)
                        .map_err(|e| ClientAuthError::BadFile(shown, e))?,
                )
            }
            (None, Some(jwk)) => {
                Some(SigningKey::parse(jwk, kid).map_err(ClientAuthError::BadJwk)?)
            }
            (None, None) => None,
        };
        let secret = settings
            .client_secret
            .as_ref()
            .filter(|secret| !secret.is_empty());
        match (secret, key) {
            (Some(_), Some(_)) => Err(ClientAuthError::Several),
            (Some(secret), None) => Ok(Self::Secret(secret.clone())),
            (None, Some(key)) => Ok(Self::PrivateKeyJwt {
                key,
                audience: settings.assertion_audience,
            }),
            (None, None) => Err(ClientAuthError::Missing),
        }
    }

    pub fn secret(&self) -> Option<&str> {
        match self {
            Self::Secret(secret) => Some(secret),
            Self::PrivateKeyJwt { .. } => None,
        }
    }

    /// The public key the provider checks assertions with, for Timebok's JWKS.
    pub fn public_key(&self) -> Option<Value> {
        match self {
            Self::Secret(_) => None,
            Self::PrivateKeyJwt { key, .. } => Some(key.public_jwk()),
        }
    }

    /// A fresh client assertion for one token request, as of `now` (seconds since the epoch):
    /// `iss` and `sub` the client, `aud` the token endpoint or the issuer, a unique `jti`.
    /// `None` for a client with a secret.
    pub fn assertion(
        &self,
        client_id: &str,
        token_endpoint: &str,
        issuer: &str,
        now: i64,
    ) -> Result<Option<String>, ClientAuthError> {
        let Self::PrivateKeyJwt { key, audience } = self else {
            return Ok(None);
        };
        let aud = match audience {
            AssertionAudience::TokenEndpoint => token_endpoint,
            AssertionAudience::Issuer => issuer,
        };
        let claims = json!({
            "iss": client_id,
            "sub": client_id,
            "aud": aud,
            "jti": crate::tokens::random().ok_or(ClientAuthError::NoRandomness)?,
            "iat": now,
            "nbf": now,
            "exp": now + ASSERTION_SECONDS,
        });
        key.sign_jwt(&json!({ "typ": "JWT" }), &claims)
            .map(Some)
            .map_err(|_| ClientAuthError::Signing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn settings(extra: Value) -> ProviderSettings {
        let mut settings = json!({
            "discovery_url": "https://helseid.example",
            "client_id": "timebok",
        });
        if let (Some(settings), Some(extra)) = (settings.as_object_mut(), extra.as_object()) {
            settings.extend(extra.clone());
        }
        serde_json::from_value(settings).expect("settings")
    }

    fn ec_jwk() -> String {
        crate::jose::private_jwk(include_str!("../jose/test-ec.pem"))
    }

    #[test]
    fn a_secret_or_one_key_is_the_choice() {
        let auth = ClientAuth::from_settings(&settings(json!({ "client_secret": "s" })));
        assert_eq!(auth.expect("secret").secret(), Some("s"));
        let auth = ClientAuth::from_settings(&settings(json!({ "private_key_jwk": ec_jwk() })))
            .expect("key");
        assert_eq!(auth.secret(), None);
        assert!(auth.public_key().is_some_and(|k| k.get("d").is_none()));

        let refused = |extra: Value| {
            ClientAuth::from_settings(&settings(extra))
                .expect_err("refused")
                .to_string()
        };
        assert!(refused(json!({})).contains("client_secret"));
        assert!(refused(json!({ "client_secret": "" })).contains("client_secret"));
        assert!(
            refused(json!({ "client_secret": "s", "private_key_jwk": ec_jwk() }))
                .contains("not several")
        );
        assert!(
            refused(json!({ "private_key_file": "/nonexistent/key.pem" }))
                .contains("/nonexistent/key.pem")
        );
        assert!(
            refused(json!({ "private_key_jwk": "{\"kty\":\"EC\"}" })).contains("private_key_jwk")
        );
    }

    #[test]
    fn an_assertion_names_the_client_and_its_audience_and_expires_soon() {
        let claims_of = |audience: &str| {
            let auth = ClientAuth::from_settings(&settings(json!({
                "private_key_jwk": ec_jwk(),
                "key_id": "timebok-1",
                "assertion_audience": audience,
            })))
            .expect("key");
            let jwt = auth
                .assertion(
                    "timebok",
                    "https://idp.example/token",
                    "https://idp.example",
                    1_000,
                )
                .expect("signed")
                .expect("an assertion");
            let payload = jwt.split('.').nth(1).expect("payload");
            serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(payload).expect("b64"))
                .expect("JSON")
        };
        let claims = claims_of("token_endpoint");
        assert_eq!(claims["iss"], "timebok");
        assert_eq!(claims["sub"], "timebok");
        assert_eq!(claims["aud"], "https://idp.example/token");
        assert_eq!(claims["exp"], 1_060);
        assert_ne!(claims["jti"], claims_of("token_endpoint")["jti"], "unique");
        assert_eq!(claims_of("issuer")["aud"], "https://idp.example");
    }
}
