//! Key pairs the tests make for themselves: a client's key for `private_key_jwt`, or a DPoP
//! key, each a fresh P-256 key with its JWKs and ES256 signatures.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub struct EcKey {
    secret: p256::SecretKey,
}

impl EcKey {
    pub fn new() -> Self {
        loop {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).expect("randomness");
            if let Ok(secret) = p256::SecretKey::from_slice(&bytes) {
                return Self { secret };
            }
        }
    }

    /// The private key as a JWK, as HelseID hands it out.
    pub fn private_jwk(&self) -> String {
        let mut jwk = self.public_jwk(None);
        jwk["d"] = URL_SAFE_NO_PAD.encode(self.secret.to_bytes()).into();
        jwk.to_string()
    }

    /// The public key as a JWK, `kid` added where given: its point's coordinates from the
    /// uncompressed SEC1 form, `04 ‖ x ‖ y`.
    pub fn public_jwk(&self, kid: Option<&str>) -> Value {
        let point = self.secret.public_key().to_sec1_bytes();
        assert_eq!((point.len(), point[0]), (65, 4), "an uncompressed point");
        let mut jwk = json!({
            "kty": "EC",
            "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..]),
        });
        if let Some(kid) = kid {
            jwk["kid"] = kid.into();
        }
        jwk
    }

    /// The RFC 7638 thumbprint of the public key.
    pub fn thumbprint(&self) -> String {
        let jwk = self.public_jwk(None);
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            jwk["x"].as_str().expect("x"),
            jwk["y"].as_str().expect("y")
        );
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }

    /// A compact ES256 JWS of `claims` with `header` (to which `alg` is added).
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let mut header = header.clone();
        header["alg"] = "ES256".into();
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signing = p256::ecdsa::SigningKey::from(&self.secret);
        let signature: p256::ecdsa::Signature = signing.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

/// base64url(SHA-256(text)): a DPoP proof's `ath`.
pub fn sha256_base64url(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(text.as_bytes()))
}

/// A DPoP proof (RFC 9449) made with `key` for `method` at `url`, issued at `iat`, for
/// `access_token` where one is given.
pub fn dpop_proof(
    key: &EcKey,
    method: &str,
    url: &str,
    iat: i64,
    jti: &str,
    access_token: Option<&str>,
) -> String {
    let mut claims = json!({ "htm": method, "htu": url, "iat": iat, "jti": jti });
    if let Some(token) = access_token {
        claims["ath"] = sha256_base64url(token).into();
    }
    key.sign(
        &json!({ "typ": "dpop+jwt", "jwk": key.public_jwk(None) }),
        &claims,
    )
}
