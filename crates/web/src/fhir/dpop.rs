//! DPoP (RFC 9449): an access token bound to its client's key (`cnf.jkt`) is good only with a
//! proof, signed with that key, made for this one request: its method (`htm`), its URL
//! (`htu`, the configured public URL and the path), the hash of the token (`ath`), a time
//! (`iat`) within a short window and a `jti` not used before in that window, by any process
//! on the database. Nothing of a proof or a token is logged.

use crate::jose;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::JsonWebKey;
use openidconnect::core::{CoreJsonWebKey, CoreJwsSigningAlgorithm};
use serde_json::Value;
use store::Store;

/// How far a proof's `iat` may lie from now, either way: long enough for clocks that differ
/// a little and a request in flight, short enough that the proofs seen stay few.
const WINDOW_SECONDS: i64 = 120;
/// A `jti` longer than this is no random identifier but an attempt to fill the table.
const MAX_JTI_CHARS: usize = 256;

/// Why a proof was refused. None carries the proof, the token or a claim's value.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    #[error("no DPoP header, or more than one")]
    Missing,
    #[error("not a signed JWT")]
    Malformed,
    #[error("typ is not dpop+jwt")]
    Type,
    #[error("signed with an algorithm Timebok does not take")]
    Algorithm,
    #[error("no public key in the header")]
    Key,
    #[error("the signature does not verify")]
    Signature,
    #[error("htm is not the request's method")]
    Method,
    #[error("htu is not the request's URL")]
    Url,
    #[error("iat is outside the window")]
    Time,
    #[error("no usable jti")]
    Identifier,
    #[error("the jti was used before")]
    Replay,
    #[error("ath is not the hash of the access token")]
    AccessTokenHash,
    #[error("signed with another key than the token is bound to")]
    Thumbprint,
    #[error("the proofs seen could not be checked: {0}")]
    Store(#[from] store::StoreError),
}

/// The request a proof must be made for.
pub struct ProofRequest<'a> {
    pub method: &'a str,
    /// The configured public URL and the request's path, without query.
    pub url: &'a str,
    pub access_token: &'a str,
    /// The thumbprint the access token is bound to (`cnf.jkt`).
    pub jkt: &'a str,
    /// Seconds since the epoch.
    pub now: i64,
}

fn json_part(part: &str) -> Result<Value, ProofError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| ProofError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| ProofError::Malformed)
}

/// The proof's header and claims once its form and signature are good.
fn signed_claims(proof: &str) -> Result<(Value, Value), ProofError> {
    let mut parts = proof.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ProofError::Malformed);
    };
    let head = json_part(header)?;
    if head.get("typ").and_then(Value::as_str) != Some("dpop+jwt") {
        return Err(ProofError::Type);
    }
    let alg = match head.get("alg").and_then(Value::as_str) {
        Some("ES256") => CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        Some("RS256") => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        _ => return Err(ProofError::Algorithm),
    };
    let jwk = head.get("jwk").ok_or(ProofError::Key)?;
    // A private key in the header is no proof of anything: its holder gave it away.
    if jwk.get("d").is_some() || jwk.get("k").is_some() {
        return Err(ProofError::Key);
    }
    let key: CoreJsonWebKey = serde_json::from_value(jwk.clone()).map_err(|_| ProofError::Key)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| ProofError::Malformed)?;
    key.verify_signature(&alg, format!("{header}.{payload}").as_bytes(), &signature)
        .map_err(|_| ProofError::Signature)?;
    Ok((head, json_part(payload)?))
}

/// Whether `htu` names `url`: the same scheme, host, port and path, whatever query or
/// fragment it carries and however the host is cased (RFC 9449, section 4.3).
fn same_url(htu: &str, url: &str) -> bool {
    let (Ok(htu), Ok(url)) = (reqwest::Url::parse(htu), reqwest::Url::parse(url)) else {
        return false;
    };
    htu.scheme() == url.scheme()
        && htu.host_str() == url.host_str()
        && htu.port_or_known_default() == url.port_or_known_default()
        && htu.path() == url.path()
}

/// Checks everything of a proof but its `jti`'s first use; returns the store's key for that.
fn check(proof: &str, request: &ProofRequest<'_>) -> Result<(String, i64), ProofError> {
    let (head, claims) = signed_claims(proof)?;
    let claim = |name: &str| claims.get(name).and_then(Value::as_str);
    if claim("htm") != Some(request.method) {
        return Err(ProofError::Method);
    }
    if !claim("htu").is_some_and(|htu| same_url(htu, request.url)) {
        return Err(ProofError::Url);
    }
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or(ProofError::Time)?;
    if (request.now - iat).abs() > WINDOW_SECONDS {
        return Err(ProofError::Time);
    }
    if claim("ath") != Some(jose::sha256_base64url(request.access_token.as_bytes()).as_str()) {
        return Err(ProofError::AccessTokenHash);
    }
    let thumbprint = head.get("jwk").and_then(jose::thumbprint);
    if thumbprint.as_deref() != Some(request.jkt) {
        return Err(ProofError::Thumbprint);
    }
    let jti = claim("jti")
        .filter(|jti| !jti.is_empty() && jti.chars().count() <= MAX_JTI_CHARS)
        .ok_or(ProofError::Identifier)?;
    // Per key: one client's jti cannot shut out another's.
    Ok((
        crate::tokens::hash(&format!("{}:{jti}", request.jkt)),
        iat + WINDOW_SECONDS,
    ))
}

/// Verifies the `DPoP` header's proof for `request`; a good proof is then used up.
pub async fn verify(
    proofs: &[&str],
    request: &ProofRequest<'_>,
    store: &dyn Store,
) -> Result<(), ProofError> {
    let [proof] = proofs else {
        return Err(ProofError::Missing);
    };
    let (key, until) = check(proof, request)?;
    // Kept a second past the window's end, so it outlives every iat that would still pass.
    let until = jiff::Timestamp::from_second(until + 1).map_err(|_| ProofError::Time)?;
    if store.first_use_of_proof(&key, until).await? {
        Ok(())
    } else {
        Err(ProofError::Replay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htu_is_compared_without_query_fragment_or_case_of_the_host() {
        let url = "https://timebok.example/fhir/Slot";
        assert!(same_url("https://timebok.example/fhir/Slot", url));
        assert!(same_url("https://TIMEBOK.example:443/fhir/Slot?x=1#f", url));
        assert!(!same_url("http://timebok.example/fhir/Slot", url));
        assert!(!same_url("https://timebok.example:8443/fhir/Slot", url));
        assert!(!same_url("https://timebok.example/fhir/Slot/", url));
        assert!(!same_url("https://other.example/fhir/Slot", url));
        assert!(!same_url("/fhir/Slot", url));
    }

    #[test]
    fn a_proof_signed_rs256_or_es256_holds_for_its_request() {
        for pem in [
            include_str!("../jose/test-rsa.pem"),
            include_str!("../jose/test-ec.pem"),
        ] {
            let key = jose::SigningKey::parse(pem, None).expect("key");
            let jwk = key.public_jwk();
            let jkt = jose::thumbprint(&jwk).expect("thumbprint");
            let url = "https://timebok.example/fhir/Slot";
            let proof = key
                .sign_jwt(
                    &serde_json::json!({ "typ": "dpop+jwt", "jwk": jwk }),
                    &serde_json::json!({
                        "htm": "GET", "htu": url, "iat": 1_000, "jti": "j-1",
                        "ath": jose::sha256_base64url(b"the-token"),
                    }),
                )
                .expect("signed");
            let request = ProofRequest {
                method: "GET",
                url,
                access_token: "the-token",
                jkt: &jkt,
                now: 1_100,
            };
            let (stored, until) = check(&proof, &request).expect("a good proof");
            assert_eq!(stored, crate::tokens::hash(&format!("{jkt}:j-1")));
            assert_eq!(until, 1_000 + WINDOW_SECONDS);
            let late = ProofRequest {
                now: 1_000 + WINDOW_SECONDS + 1,
                ..request
            };
            assert!(matches!(check(&proof, &late), Err(ProofError::Time)));
        }
    }

    #[test]
    fn a_proof_of_another_form_is_refused_before_its_claims_are_read() {
        let b = |value: &str| URL_SAFE_NO_PAD.encode(value);
        let cases = [
            ("a.b", "not a signed JWT"),
            (&format!("{}.{}.c2ln", b("{}"), b("{}")), "typ"),
            (
                &format!(
                    "{}.{}.c2ln",
                    b(r#"{"typ":"dpop+jwt","alg":"HS256"}"#),
                    b("{}")
                ),
                "algorithm",
            ),
            (
                &format!(
                    "{}.{}.c2ln",
                    b(r#"{"typ":"dpop+jwt","alg":"none"}"#),
                    b("{}")
                ),
                "algorithm",
            ),
            (
                &format!(
                    "{}.{}.c2ln",
                    b(r#"{"typ":"dpop+jwt","alg":"ES256"}"#),
                    b("{}")
                ),
                "public key",
            ),
            (
                &format!(
                    "{}.{}.c2ln",
                    b(r#"{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"oct","k":"c2VjcmV0"}}"#),
                    b("{}")
                ),
                "public key",
            ),
        ];
        for (proof, reason) in cases {
            let error = signed_claims(proof).expect_err(proof);
            assert!(error.to_string().contains(reason), "{proof}: {error}");
        }
    }
}
