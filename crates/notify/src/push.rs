//! Web Push (RFC 8030) with VAPID (RFC 8292), the payload encrypted for the browser
//! (RFC 8291) by `web-push` and posted with `reqwest`.

use crate::config::PushConfig;
use crate::error::{SendError, http_failure};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::PushSubscription;
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
    allow_loopback_http: bool,
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
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self {
            client,
            private_key: config.vapid_private_key.trim().to_owned(),
            subject: config.subject.clone(),
            allow_loopback_http: config.allow_loopback_http,
        })
    }

    /// Whether plain-http loopback endpoints are accepted (development and tests).
    pub fn allows_loopback_http(&self) -> bool {
        self.allow_loopback_http
    }

    pub async fn send(&self, to: &PushSubscription, payload: &[u8]) -> PushOutcome {
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
        let mut request = self
            .client
            .post(to.endpoint())
            .header("TTL", message.ttl.to_string());
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
                _ => PushOutcome::Failed(
                    crate::error::http_outcome("the push service", response.status())
                        .err()
                        .unwrap_or_else(|| SendError::Temporary("the push service failed".into())),
                ),
            },
            Err(error) => PushOutcome::Failed(http_failure("the push service", &error)),
        }
    }
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
        let config = PushConfig {
            vapid_public_key: public,
            vapid_private_key: other_private,
            subject: "mailto:drift@example.no".into(),
            allow_loopback_http: false,
        };
        assert!(PushSender::new(&config, Duration::from_secs(1)).is_err());
    }
}
