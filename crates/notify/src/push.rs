//! Web Push (RFC 8030) with VAPID (RFC 8292, [`crate::vapid`]), the payload encrypted for the
//! browser (RFC 8291, [`crate::push_encryption`]) and posted with `reqwest`.
//!
//! The endpoint comes from a patient's browser, so the worker checks it before each send:
//! https, a known push service where the operator asks for that, and a public address. The
//! client resolves names through [`CheckedResolver`], which refuses a name with any address
//! that is not public and hands the connector only the addresses it checked, so a name that
//! resolves elsewhere the second time (DNS rebinding) cannot slip past. Redirects are not
//! followed: a push service answers, it does not send the worker on.

use crate::config::PushConfig;
use crate::error::{SendError, http_failure};
use crate::push_encryption::{MessageSecrets, encrypt};
use crate::vapid::VapidKey;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::{PushHost, PushSubscription, PushTargetPolicy, PushTargetRefusal};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// How long a push service keeps a notice for a device that is offline.
const TIME_TO_LIVE_SECONDS: u32 = 24 * 60 * 60;

/// What became of one device's notice.
#[derive(Debug, PartialEq, Eq)]
pub enum PushOutcome {
    Delivered,
    /// The push service no longer knows the subscription (404 or 410): forget it.
    Gone,
    Failed(SendError),
}

pub struct PushSender {
    client: reqwest::Client,
    key: VapidKey,
    subject: String,
    policy: PushTargetPolicy,
}

impl PushSender {
    pub fn new(config: &PushConfig, timeout: Duration) -> Result<Self, String> {
        let key = VapidKey::from_base64(&config.vapid_private_key).map_err(|e| e.to_string())?;
        if key.public_key() != config.vapid_public_key.trim() {
            return Err("vapid_public_key does not belong to vapid_private_key".into());
        }
        if !config.subject.starts_with("mailto:") && !config.subject.starts_with("https://") {
            return Err("subject must be a mailto: or https: address".into());
        }
        let policy = config.target_policy()?;
        let client = checked_client(&policy, timeout)?;
        Ok(Self {
            client,
            key,
            subject: config.subject.clone(),
            policy,
        })
    }

    /// Which endpoints this sender posts to.
    pub fn target_policy(&self) -> &PushTargetPolicy {
        &self.policy
    }

    pub async fn send(&self, to: &PushSubscription, payload: &[u8]) -> PushOutcome {
        // Parsed as the client will parse it, so the host checked is the host connected to.
        let Ok(url) = reqwest::Url::parse(to.endpoint()) else {
            return PushOutcome::Failed(SendError::Refused(
                "the push endpoint is not a URL".into(),
            ));
        };
        let host = url.host_str().unwrap_or_default().to_owned();
        if let Err(refusal) = check_url(&self.policy, &url) {
            return refused(&host, refusal);
        }
        // The subscription's keys were checked as base64url when it was stored.
        let browser_key = URL_SAFE_NO_PAD.decode(to.p256dh()).unwrap_or_default();
        let auth_secret = URL_SAFE_NO_PAD.decode(to.auth()).unwrap_or_default();
        let body = MessageSecrets::random()
            .and_then(|secrets| encrypt(&browser_key, &auth_secret, payload, &secrets));
        let body = match body {
            Ok(body) => body,
            Err(error) => {
                return PushOutcome::Failed(SendError::Refused(format!(
                    "the push message could not be built: {error}"
                )));
            }
        };
        // RFC 8292 §2: the audience is the push resource's origin, its port included.
        let audience = url.origin().ascii_serialization();
        let authorization = self
            .key
            .authorization(&audience, &self.subject, wall_clock_seconds());
        let request = self
            .client
            .post(url)
            .header("TTL", TIME_TO_LIVE_SECONDS.to_string())
            .header("Content-Encoding", "aes128gcm")
            .header("Content-Type", "application/octet-stream")
            .header("Authorization", authorization)
            .body(body);
        match request.send().await {
            Ok(response) => match response.status().as_u16() {
                200..=299 => PushOutcome::Delivered,
                404 | 410 => PushOutcome::Gone,
                300..=399 => {
                    // The host only: the endpoint's path is the subscription's secret.
                    tracing::warn!(
                        host,
                        status = response.status().as_u16(),
                        "a push service answered with a redirect; it is not followed"
                    );
                    PushOutcome::Failed(SendError::Refused(format!(
                        "the push service answered {}; redirects are not followed",
                        response.status()
                    )))
                }
                _ => PushOutcome::Failed(
                    crate::error::http_outcome("the push service", response.status())
                        .err()
                        .unwrap_or_else(|| SendError::Temporary("the push service failed".into())),
                ),
            },
            Err(error) => match refused_address(&error) {
                Some(refusal) => refused(&host, refusal),
                None => PushOutcome::Failed(http_failure("the push service", &error)),
            },
        }
    }
}

/// An HTTP client that connects only where `policy` allows: every address a name resolves to
/// is checked, no proxy stands between, and redirects are not followed. Push services and
/// FHIR Subscriptions' endpoints are both posted to with one.
pub(crate) fn checked_client(
    policy: &PushTargetPolicy,
    timeout: Duration,
) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        // Through a proxy the proxy would resolve and connect, past the address check.
        .no_proxy()
        .dns_resolver(Arc::new(CheckedResolver {
            policy: policy.clone(),
        }))
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

/// A send the target policy stopped before any connection was made; for good, since the
/// same endpoint would be refused again.
fn refused(host: &str, refusal: PushTargetRefusal) -> PushOutcome {
    tracing::warn!(host, %refusal, "a push notice was not sent to a refused endpoint");
    PushOutcome::Failed(SendError::Refused(format!("not sent: {refusal}")))
}

/// The checks that need no resolution: scheme, user info, the host by name or address.
pub(crate) fn check_url(
    policy: &PushTargetPolicy,
    url: &reqwest::Url,
) -> Result<(), PushTargetRefusal> {
    let https = match url.scheme() {
        "https" => true,
        "http" => false,
        _ => return Err(PushTargetRefusal::NotHttps),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(PushTargetRefusal::UserInfo);
    }
    let host = match url.host() {
        Some(url::Host::Domain(name)) => PushHost::Name(name.to_ascii_lowercase()),
        Some(url::Host::Ipv4(ip)) => PushHost::Ip(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => PushHost::Ip(IpAddr::V6(ip)),
        None => return Err(PushTargetRefusal::BadHost),
    };
    policy.check(https, &host)
}

/// The policy's refusal of a resolved address, found among the causes of a failed request.
pub(crate) fn refused_address(error: &reqwest::Error) -> Option<PushTargetRefusal> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(RefusedAddress(refusal)) = current.downcast_ref::<RefusedAddress>() {
            return Some(*refusal);
        }
        cause = current.source();
    }
    None
}

/// A name resolved to an address the policy refuses.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct RefusedAddress(PushTargetRefusal);

/// Resolves push services' names, and refuses a name if any of its addresses is not one the
/// policy allows: the connector gets exactly the addresses checked here, never a second
/// answer from DNS.
struct CheckedResolver {
    policy: PushTargetPolicy,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(resolve_checked(
            self.policy.clone(),
            name.as_str().to_owned(),
        ))
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn resolve_checked(
    policy: PushTargetPolicy,
    host: String,
) -> Result<reqwest::dns::Addrs, BoxError> {
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
    if addresses.is_empty() {
        return Err(std::io::Error::other("the name has no address").into());
    }
    for address in &addresses {
        policy.check_address(address.ip()).map_err(RefusedAddress)?;
    }
    Ok(Box::new(addresses.into_iter()))
}

/// The public key (uncompressed P-256 point, base64url) of a VAPID private key.
pub fn public_key(private_key: &str) -> Result<String, String> {
    VapidKey::from_base64(private_key)
        .map(|key| key.public_key().to_owned())
        .map_err(|e| e.to_string())
}

/// A new VAPID key pair, `(public, private)`, both base64url without padding.
pub fn generate_vapid_keys() -> Result<(String, String), String> {
    let key = VapidKey::generate().map_err(|e| e.to_string())?;
    Ok((key.public_key().to_owned(), key.private_key()))
}

/// The push service checks a VAPID signature's expiry against the real time, so it is signed
/// by the real time even where the application runs on a set clock (the demo's, the tests').
#[expect(
    clippy::disallowed_methods,
    reason = "a push service compares the expiry with its own real clock"
)]
fn wall_clock_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_belong_together_and_differ_each_time() {
        let (public, private) = generate_vapid_keys().expect("keys");
        assert_eq!(public_key(&private).expect("public"), public);
        let bytes = URL_SAFE_NO_PAD.decode(&public).expect("base64");
        assert_eq!(
            (bytes.len(), bytes[0]),
            (65, 4),
            "an uncompressed P-256 point"
        );
        assert_ne!(generate_vapid_keys().expect("keys").1, private);
    }

    #[test]
    fn a_mismatched_key_pair_is_refused() {
        let (public, _) = generate_vapid_keys().expect("keys");
        let (_, other_private) = generate_vapid_keys().expect("keys");
        let config = PushConfig::new(public, other_private, "mailto:drift@example.no".into());
        assert!(PushSender::new(&config, Duration::from_secs(1)).is_err());
    }

    /// A name that resolves to loopback is refused by the resolver itself, whatever the
    /// name looks like: the check is on the address.
    #[tokio::test]
    async fn the_resolver_refuses_a_name_with_a_private_address() {
        use reqwest::dns::Resolve;
        let name = |text: &str| text.parse::<reqwest::dns::Name>().expect("name");
        let strict = CheckedResolver {
            policy: PushTargetPolicy::any_public_host(),
        };
        let Err(error) = strict.resolve(name("localhost")).await else {
            panic!("localhost resolved for a strict policy");
        };
        let refusal = error.downcast_ref::<RefusedAddress>().expect("a refusal");
        assert!(
            matches!(
                refusal.0,
                PushTargetRefusal::Address(domain::AddressKind::Loopback)
            ),
            "{refusal}"
        );
        let local = CheckedResolver {
            policy: PushTargetPolicy::new::<&str>(true, None).expect("policy"),
        };
        let addresses: Vec<SocketAddr> = local
            .resolve(name("localhost"))
            .await
            .expect("resolved")
            .collect();
        assert!(
            addresses.iter().all(|a| a.ip().is_loopback()),
            "{addresses:?}"
        );
    }
}
