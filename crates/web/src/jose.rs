//! Timebok's own signing keys, and the JSON Web Key arithmetic shared by the client assertions
//! it signs (RFC 7523) and the DPoP proofs it checks (RFC 9449): RS256 with an RSA key of at
//! least 2048 bits, or ES256 with a P-256 key, read from PEM (PKCS#8, PKCS#1 or SEC1) or from a
//! private JWK. Neither a key nor anything signed with it is ever logged.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;
use p256::pkcs8::DecodePrivateKey as _;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{RandomizedSigner, SignatureEncoding};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The smallest RSA key accepted, as HelseID and ID-porten require.
const MIN_RSA_BITS: usize = 2048;

/// Why a configured key cannot be used. Never carries the key itself.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("not a PEM private key of RSA or P-256 (PKCS#8, PKCS#1 or SEC1, unencrypted)")]
    Pem,
    #[error("not a private JWK of an RSA or P-256 key: {0}")]
    Jwk(&'static str),
    #[error("the RSA key has fewer than {MIN_RSA_BITS} bits")]
    ShortRsa,
    #[error("the JWK says alg {0}, which does not fit its key: RS256 for RSA, ES256 for P-256")]
    Alg(String),
}

#[derive(Debug, thiserror::Error)]
#[error("the signature could not be made")]
pub struct SignError;

enum KeyPair {
    Rsa(Box<rsa::RsaPrivateKey>),
    P256(p256::SecretKey),
}

/// A private key Timebok signs with, and the `kid` its public half is published under.
pub struct SigningKey {
    pair: KeyPair,
    kid: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg())
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn big(jwk: &Value, name: &'static str) -> Result<rsa::BigUint, KeyError> {
    let text = jwk
        .get(name)
        .and_then(Value::as_str)
        .ok_or(KeyError::Jwk(name))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| KeyError::Jwk(name))?;
    Ok(rsa::BigUint::from_bytes_be(&bytes))
}

impl SigningKey {
    /// A key from a file's or a setting's text: a JWK when it is a JSON object, else PEM.
    /// `kid` names the key where the JWK does not; without either, its thumbprint does.
    pub fn parse(text: &str, kid: Option<&str>) -> Result<Self, KeyError> {
        let text = text.trim();
        if text.starts_with('{') {
            Self::from_jwk(text, kid)
        } else {
            Self::from_pem(text, kid)
        }
    }

    fn from_pem(pem: &str, kid: Option<&str>) -> Result<Self, KeyError> {
        let pair = if let Ok(key) = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem))
        {
            KeyPair::Rsa(Box::new(key))
        } else if let Ok(key) =
            p256::SecretKey::from_pkcs8_pem(pem).or_else(|_| p256::SecretKey::from_sec1_pem(pem))
        {
            KeyPair::P256(key)
        } else {
            return Err(KeyError::Pem);
        };
        Self::named(pair, kid)
    }

    fn from_jwk(text: &str, kid: Option<&str>) -> Result<Self, KeyError> {
        let jwk: Value = serde_json::from_str(text).map_err(|_| KeyError::Jwk("JSON"))?;
        let pair = match jwk.get("kty").and_then(Value::as_str) {
            Some("RSA") => {
                // The primes are optional in a JWK; without them they are recovered from d.
                let primes = match (big(&jwk, "p"), big(&jwk, "q")) {
                    (Ok(p), Ok(q)) => vec![p, q],
                    _ => Vec::new(),
                };
                let key = rsa::RsaPrivateKey::from_components(
                    big(&jwk, "n")?,
                    big(&jwk, "e")?,
                    big(&jwk, "d")?,
                    primes,
                )
                .map_err(|_| KeyError::Jwk("n, e, d, p, q"))?;
                KeyPair::Rsa(Box::new(key))
            }
            Some("EC") => KeyPair::P256(ec_key(&jwk).ok_or(KeyError::Jwk("crv P-256, x, y, d"))?),
            _ => return Err(KeyError::Jwk("kty")),
        };
        let own_kid = jwk.get("kid").and_then(Value::as_str);
        let key = Self::named(pair, kid.or(own_kid))?;
        match jwk.get("alg").and_then(Value::as_str) {
            Some(alg) if alg != key.alg() => Err(KeyError::Alg(alg.to_owned())),
            _ => Ok(key),
        }
    }

    fn named(pair: KeyPair, kid: Option<&str>) -> Result<Self, KeyError> {
        if let KeyPair::Rsa(key) = &pair
            && key.size() * 8 < MIN_RSA_BITS
        {
            return Err(KeyError::ShortRsa);
        }
        let mut key = Self {
            pair,
            kid: String::new(),
        };
        key.kid = match kid.map(str::trim).filter(|k| !k.is_empty()) {
            Some(kid) => kid.to_owned(),
            None => thumbprint(&key.public_jwk()).unwrap_or_default(),
        };
        Ok(key)
    }

    pub fn alg(&self) -> &'static str {
        match self.pair {
            KeyPair::Rsa(_) => "RS256",
            KeyPair::P256(_) => "ES256",
        }
    }

    /// The public half as a JWK, with `kid`, `alg` and `use`, as a JWKS publishes it.
    pub fn public_jwk(&self) -> Value {
        let mut jwk = match &self.pair {
            KeyPair::Rsa(key) => json!({
                "kty": "RSA",
                "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
                "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
            }),
            KeyPair::P256(key) => {
                let (x, y) = coordinates(&key.public_key());
                json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "x": URL_SAFE_NO_PAD.encode(x),
                    "y": URL_SAFE_NO_PAD.encode(y),
                })
            }
        };
        if let Some(fields) = jwk.as_object_mut() {
            fields.insert("alg".into(), self.alg().into());
            fields.insert("use".into(), "sig".into());
            if !self.kid.is_empty() {
                fields.insert("kid".into(), self.kid.clone().into());
            }
        }
        jwk
    }

    /// A compact JWS of `claims`, its header `alg`, `kid` and the fields of `header`.
    pub fn sign_jwt(&self, header: &Value, claims: &Value) -> Result<String, SignError> {
        let mut head = json!({ "alg": self.alg(), "kid": self.kid });
        if let (Some(head), Some(extra)) = (head.as_object_mut(), header.as_object()) {
            head.extend(extra.clone());
        }
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(head.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.sign(input.as_bytes())?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        match &self.pair {
            KeyPair::Rsa(key) => {
                let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(key.as_ref().clone());
                // Blinded with randomness, so the signing time tells nothing of the key.
                signer
                    .try_sign_with_rng(&mut rsa::rand_core::OsRng, message)
                    .map(|s| s.to_vec())
                    .map_err(|_| SignError)
            }
            KeyPair::P256(key) => {
                let signature: p256::ecdsa::Signature = p256::ecdsa::SigningKey::from(key)
                    .try_sign(message)
                    .map_err(|_| SignError)?;
                Ok(signature.to_bytes().to_vec())
            }
        }
    }
}

/// A P-256 point's affine coordinates, 32 bytes each: its uncompressed SEC1 form is
/// `04 ‖ x ‖ y`.
fn coordinates(key: &p256::PublicKey) -> (Vec<u8>, Vec<u8>) {
    let point = key.to_sec1_bytes();
    let (x, y) = point
        .get(1..)
        .unwrap_or_default()
        .split_at(point.len().saturating_sub(1) / 2);
    (x.to_vec(), y.to_vec())
}

/// The private P-256 key of an EC JWK (RFC 7518, section 6.2): `d`, whose public point must
/// be the `x` and `y` the JWK gives. Its other members (`kid`, `use`, `alg`, as HelseID's
/// JWKs have them) are read by the caller.
fn ec_key(jwk: &Value) -> Option<p256::SecretKey> {
    let bytes = |name: &str| {
        let text = jwk.get(name).and_then(Value::as_str)?;
        URL_SAFE_NO_PAD.decode(text).ok()
    };
    if jwk.get("crv").and_then(Value::as_str) != Some("P-256") {
        return None;
    }
    let key = p256::SecretKey::from_slice(&bytes("d")?).ok()?;
    let (x, y) = coordinates(&key.public_key());
    (bytes("x")? == x && bytes("y")? == y).then_some(key)
}

/// base64url(SHA-256(bytes)), as `ath`, `jkt` and thumbprints are written.
pub fn sha256_base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(bytes))
}

/// A public JWK's thumbprint (RFC 7638): the hash of its required members, in order, as JSON
/// without spaces. `None` for a key type Timebok does not take or a member missing.
pub fn thumbprint(jwk: &Value) -> Option<String> {
    // Each member as a JSON string, escaped, so no value can pose as another member.
    let member = |name: &str| {
        jwk.get(name)
            .and_then(Value::as_str)
            .map(|v| Value::from(v).to_string())
    };
    let required = match jwk.get("kty").and_then(Value::as_str)? {
        "RSA" => format!(
            r#"{{"e":{},"kty":"RSA","n":{}}}"#,
            member("e")?,
            member("n")?
        ),
        "EC" => format!(
            r#"{{"crv":{},"kty":"EC","x":{},"y":{}}}"#,
            member("crv")?,
            member("x")?,
            member("y")?
        ),
        _ => return None,
    };
    Some(sha256_base64url(required.as_bytes()))
}

/// The private JWK of a P-256 key in PEM, as a provider's self-service gives one.
#[cfg(test)]
pub(crate) fn private_jwk(pem: &str) -> String {
    let key = SigningKey::from_pem(pem, None).expect("a P-256 key");
    let KeyPair::P256(secret) = &key.pair else {
        panic!("not a P-256 key");
    };
    let mut jwk = key.public_jwk();
    for member in ["alg", "use", "kid"] {
        if let Some(members) = jwk.as_object_mut() {
            members.remove(member);
        }
    }
    jwk["d"] = URL_SAFE_NO_PAD.encode(secret.to_bytes()).into();
    jwk.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use openidconnect::JsonWebKey;
    use openidconnect::core::{CoreJsonWebKey, CoreJwsSigningAlgorithm};
    use rsa::traits::PrivateKeyParts;

    /// A key made for these tests only, with `openssl genpkey -algorithm RSA`.
    const RSA_PKCS8: &str = include_str!("jose/test-rsa.pem");
    /// A P-256 key made for these tests only, with `openssl ecparam -genkey`.
    const EC_SEC1: &str = include_str!("jose/test-ec.pem");
    /// Another, in PKCS#8, with `openssl genpkey -algorithm EC`.
    const EC_OTHER: &str = include_str!("jose/test-ec-other.pem");

    fn verifies(key: &SigningKey, jwt: &str) -> bool {
        let public: CoreJsonWebKey =
            serde_json::from_value(key.public_jwk()).expect("a public JWK");
        let (input, signature) = jwt.rsplit_once('.').expect("three parts");
        let alg = match key.alg() {
            "RS256" => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            _ => CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        };
        let signature = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
        public
            .verify_signature(&alg, input.as_bytes(), &signature)
            .is_ok()
    }

    #[test]
    fn pem_keys_sign_what_their_public_half_verifies() {
        for (pem, alg) in [(RSA_PKCS8, "RS256"), (EC_SEC1, "ES256")] {
            let key = SigningKey::parse(pem, Some("k1")).expect("key");
            assert_eq!(key.alg(), alg);
            assert_eq!(key.kid.as_str(), "k1");
            let jwt = key
                .sign_jwt(&json!({ "typ": "JWT" }), &json!({ "iss": "timebok" }))
                .expect("signed");
            assert!(verifies(&key, &jwt), "{alg}");
            let head: Value = serde_json::from_slice(
                &URL_SAFE_NO_PAD
                    .decode(jwt.split('.').next().expect("head"))
                    .expect("base64url"),
            )
            .expect("JSON");
            assert_eq!(head, json!({ "alg": alg, "kid": "k1", "typ": "JWT" }));
            let public = key.public_jwk();
            assert!(public.get("d").is_none(), "no private part is published");
        }
    }

    #[test]
    fn a_private_jwk_is_read_and_named_by_its_thumbprint_without_a_kid() {
        let jwk = private_jwk(EC_SEC1);
        let key = SigningKey::parse(&jwk, None).expect("key");
        assert_eq!(key.alg(), "ES256");
        assert_eq!(
            Some(key.kid.as_str().to_owned()),
            thumbprint(&key.public_jwk())
        );
        let from_pem = SigningKey::parse(EC_SEC1, None).expect("key");
        assert_eq!(key.public_jwk(), from_pem.public_jwk(), "the same key");

        let mut with_alg: Value = serde_json::from_str(&jwk).expect("JSON");
        with_alg["kid"] = "helseid-1".into();
        with_alg["use"] = "sig".into();
        with_alg["alg"] = "ES256".into();
        let key = SigningKey::parse(&with_alg.to_string(), None).expect("key");
        assert_eq!(key.kid, "helseid-1");
        with_alg["alg"] = "RS256".into();
        assert!(matches!(
            SigningKey::parse(&with_alg.to_string(), None),
            Err(KeyError::Alg(_))
        ));
    }

    #[test]
    fn an_ec_jwk_whose_point_is_not_its_keys_is_refused() {
        let mut jwk: Value = serde_json::from_str(&private_jwk(EC_SEC1)).expect("JSON");
        let other = private_jwk(EC_OTHER);
        let other: Value = serde_json::from_str(&other).expect("JSON");
        jwk["y"] = other["y"].clone();
        assert!(
            SigningKey::parse(&jwk.to_string(), None).is_err(),
            "y of another key"
        );
        jwk["x"] = other["x"].clone();
        assert!(
            SigningKey::parse(&jwk.to_string(), None).is_err(),
            "another key's point"
        );
        jwk = serde_json::from_str(&private_jwk(EC_SEC1)).expect("JSON");
        jwk["crv"] = "P-384".into();
        assert!(SigningKey::parse(&jwk.to_string(), None).is_err());
    }

    #[test]
    fn an_rsa_jwk_with_or_without_its_primes_is_read() {
        let rsa = rsa::RsaPrivateKey::from_pkcs8_pem(RSA_PKCS8).expect("rsa");
        let b = |n: &rsa::BigUint| URL_SAFE_NO_PAD.encode(n.to_bytes_be());
        let mut jwk = json!({
            "kty": "RSA", "kid": "helseid-1",
            "n": b(rsa.n()), "e": b(rsa.e()), "d": b(rsa.d()),
            "p": b(&rsa.primes()[0]), "q": b(&rsa.primes()[1]),
        });
        let key = SigningKey::parse(&jwk.to_string(), None).expect("key");
        assert_eq!((key.alg(), key.kid.as_str()), ("RS256", "helseid-1"));
        if let Some(members) = jwk.as_object_mut() {
            members.remove("p");
            members.remove("q");
        }
        let key = SigningKey::parse(&jwk.to_string(), None).expect("key");
        let jwt = key.sign_jwt(&json!({}), &json!({})).expect("signed");
        assert!(verifies(&key, &jwt));
    }

    #[test]
    fn what_is_not_a_usable_private_key_is_refused_with_its_reason() {
        let public_only = SigningKey::parse(EC_SEC1, None).expect("key").public_jwk();
        for (text, reason) in [
            ("", "PEM"),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
                "PEM",
            ),
            ("{", "JWK"),
            (r#"{"kty":"oct","k":"c2VjcmV0"}"#, "JWK"),
            (&public_only.to_string(), "JWK"),
        ] {
            let error = SigningKey::parse(text, None).expect_err(text);
            assert!(error.to_string().contains(reason), "{text}: {error}");
        }
    }

    #[test]
    fn thumbprints_follow_rfc_7638() {
        // The example of RFC 7638, section 3.1.
        let jwk = json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29",
        });
        assert_eq!(
            thumbprint(&jwk).as_deref(),
            Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        );
        assert_eq!(thumbprint(&json!({ "kty": "oct", "k": "c2VjcmV0" })), None);
        assert_eq!(thumbprint(&json!({ "kty": "EC", "crv": "P-256" })), None);
    }
}
