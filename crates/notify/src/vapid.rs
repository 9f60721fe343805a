//! VAPID (RFC 8292): the worker names itself to a push service with a short JWT signed by
//! the operator's P-256 key (ES256), sent beside that key's public half.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::SecretKey;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};

/// How long a signature is good for; RFC 8292 allows at most 24 hours.
const VALID_SECONDS: i64 = 12 * 60 * 60;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VapidError {
    #[error("vapid_private_key is not a base64url P-256 private key")]
    BadPrivateKey,
    #[error("no randomness for a key")]
    NoRandomness,
}

/// The operator's VAPID key pair.
#[derive(Clone)]
pub struct VapidKey {
    secret: SecretKey,
    public: String,
}

impl VapidKey {
    /// From the private key as `timebok vapid-keys` writes it: the 32-byte scalar, base64url.
    pub fn from_base64(private_key: &str) -> Result<Self, VapidError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(private_key.trim())
            .map_err(|_| VapidError::BadPrivateKey)?;
        let secret = SecretKey::from_slice(&bytes).map_err(|_| VapidError::BadPrivateKey)?;
        Ok(Self::from_secret(secret))
    }

    pub fn generate() -> Result<Self, VapidError> {
        crate::push_encryption::random_secret_key()
            .map(Self::from_secret)
            .ok_or(VapidError::NoRandomness)
    }

    fn from_secret(secret: SecretKey) -> Self {
        let public = URL_SAFE_NO_PAD.encode(secret.public_key().to_sec1_bytes());
        Self { secret, public }
    }

    /// The public key (an uncompressed P-256 point, base64url): the browser's
    /// `applicationServerKey`, and `k=` in the Authorization header.
    pub fn public_key(&self) -> &str {
        &self.public
    }

    pub fn private_key(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.secret.to_bytes())
    }

    /// The `Authorization` header for one request to `audience` (the push service's origin),
    /// signed at `now` (seconds since the epoch).
    pub fn authorization(&self, audience: &str, subject: &str, now: i64) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({
            "aud": audience,
            "exp": now + VALID_SECONDS,
            "sub": subject,
        });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{claims}");
        let signature: Signature = SigningKey::from(&self.secret).sign(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(signature.to_bytes());
        format!("vapid t={signing_input}.{signature}, k={}", self.public)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::Verifier;

    #[test]
    fn the_header_carries_a_jwt_the_public_key_verifies() {
        let key = VapidKey::generate().expect("key");
        let again = VapidKey::from_base64(&key.private_key()).expect("round trip");
        assert_eq!(again.public_key(), key.public_key());

        let header = key.authorization("https://push.example", "mailto:drift@x.example", 1000);
        let (jwt, public) = header
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split_once(", k="))
            .expect("vapid t=…, k=…");
        assert_eq!(public, key.public_key());
        let (input, signature) = jwt.rsplit_once('.').expect("signed");
        let verifying =
            VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(public).expect("base64"))
                .expect("point");
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).expect("base64"))
            .expect("r||s");
        verifying
            .verify(input.as_bytes(), &signature)
            .expect("the signature verifies");
        let claims: serde_json::Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(input.split('.').nth(1).expect("claims"))
                .expect("base64"),
        )
        .expect("json");
        assert_eq!(claims["aud"], "https://push.example");
        assert_eq!(claims["exp"], 1000 + VALID_SECONDS);
        assert_eq!(claims["sub"], "mailto:drift@x.example");
    }

    #[test]
    fn a_bad_private_key_is_refused() {
        assert!(VapidKey::from_base64("not a key").is_err());
        assert!(VapidKey::from_base64(&URL_SAFE_NO_PAD.encode([0u8; 32])).is_err());
    }
}
