//! Web Push (RFC 8030) with VAPID (RFC 8292), the payload encrypted for the browser
//! (RFC 8291) by `web-push` and posted with `reqwest`.
//!
//! The endpoint comes from a patient's browser, so the worker checks it before each send:
//! https, a known push service where the operator asks for that, and a public address. The
//! client resolves names through [`CheckedResolver`], which refuses a name with any address
//! that is not public and hands the connector only the addresses it checked, so a name that
//! resolves elsewhere the second time (DNS rebinding) cannot slip past. Redirects are not
//! followed: a push service answers, it does not send the worker on.

use crate::config::PushConfig;
use crate::error::{SendError, http_failure};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::{PushHost, PushSubscription, PushTargetPolicy, PushTargetRefusal};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use web_push::{ContentEncoding, SubscriptionInfo, VapidSignatureBuilder, WebPushMessageBuilder};

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
    private_key: String,
    subject: String,
    policy: PushTargetPolicy,
}

impl PushSender {
    pub fn new(config: &PushConfig, timeout: Duration) -> Result<Self, String> {
        let public = public_key(&config.vapid_private_key)?;
        if public != config.vapid_public_key.trim() {
            return Err("vapid_public_key does not belong to vapid_private_key".into());
        }
        if !config.subject.starts_with("mailto:") && !config.subject.starts_with("https://") {
            return Err("subject must be a mailto: or https: address".into());
        }
        let policy = config.target_policy()?;
        let client = checked_client(&policy, timeout)?;
        Ok(Self {
            client,
            private_key: config.vapid_private_key.trim().to_owned(),
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
        let info = SubscriptionInfo::new(to.endpoint(), to.p256dh(), to.auth());
        let message = (|| {
            let mut signature = VapidSignatureBuilder::from_base64(&self.private_key, &info)?;
            signature.add_claim("sub", self.subject.as_str());
            let mut builder = WebPushMessageBuilder::new(&info);
            builder.set_ttl(TIME_TO_LIVE_SECONDS);
            builder.set_payload(ContentEncoding::Aes128Gcm, payload);
            builder.set_vapid_signature(signature.build()?);
            builder.build()
        })();
        let message = match message {
            Ok(message) => message,
            Err(error) => {
                return PushOutcome::Failed(SendError::Refused(format!(
                    "the push message could not be built: {error}"
                )));
            }
        };
        let mut request = self.client.post(url).header("TTL", message.ttl.to_string());
        if let Some(payload) = message.payload {
            request = request
                .header("Content-Encoding", payload.content_encoding.to_str())
                .header("Content-Type", "application/octet-stream");
            for (name, value) in payload.crypto_headers {
                request = request.header(name, value);
            }
            request = request.body(payload.content);
        }
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
    let builder = VapidSignatureBuilder::from_base64_no_sub(private_key.trim())
        .map_err(|_| "vapid_private_key is not a base64url P-256 private key".to_owned())?;
    Ok(URL_SAFE_NO_PAD.encode(builder.get_public_key()))
}

/// A new VAPID key pair, `(public, private)`, both base64url without padding.
pub fn generate_vapid_keys() -> Result<(String, String), String> {
    // Almost every 32 random bytes are a valid P-256 scalar; try again on the rare miss.
    for _ in 0..16 {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| format!("no randomness: {e}"))?;
        let private = URL_SAFE_NO_PAD.encode(secret);
        if let Ok(public) = public_key(&private) {
            return Ok((public, private));
        }
    }
    Err("could not generate a key".into())
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
