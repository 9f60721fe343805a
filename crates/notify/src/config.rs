//! What the worker and its channels are configured with (the `[notify]` section).

use serde::{Deserialize, Serialize};

/// The worker's pace, tries and channels. Every field has a default, so a bare installation
/// runs the worker and records, for each job, that no channel is configured.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    /// Whether `timebok serve` runs a worker itself. `timebok worker` runs one alone.
    pub run_in_serve: bool,
    /// The portal's name in the texts: «Logg inn på Helsenorge for å se mer.»
    pub portal_name: String,
    /// The portal's address, for the link in push notices: the installation's `public_url`,
    /// set by the program, never read from `[notify]`.
    #[serde(skip)]
    pub portal_url: String,
    /// Jobs claimed at a time.
    pub batch_size: u32,
    /// Sends of a batch in flight at once: a slow gateway answer does not hold up the rest,
    /// and a burst of bookings is notified at the pace the gateways allow.
    pub sends_at_once: u32,
    /// Tries before a job is marked failed.
    pub max_attempts: u32,
    /// The wait after the first failed try; it doubles with each try.
    pub backoff_base_seconds: u32,
    /// The longest wait between tries.
    pub backoff_max_seconds: u32,
    /// How often an idle worker looks for due jobs.
    pub poll_seconds: u32,
    /// How long a claimed job is reserved for its worker. Must exceed a whole batch of sends
    /// at the send timeout, `sends_at_once` at a time, so a live worker never loses a claim.
    pub lease_seconds: u32,
    /// The longest one send may take.
    pub send_timeout_seconds: u32,
    /// No longer read: each timebook sets its own reminders on «Timebøker». Kept only to
    /// refuse a configuration that still sets it, with a message that says where they went,
    /// instead of letting the operator believe it still counts.
    #[serde(default, skip_serializing)]
    pub reminder_hours: Option<u32>,
    pub smtp: Option<SmtpConfig>,
    pub sms: Option<SmsConfig>,
    pub push: Option<PushConfig>,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            run_in_serve: true,
            portal_name: "Helsenorge".into(),
            portal_url: "http://localhost:8080".into(),
            batch_size: 32,
            sends_at_once: 8,
            max_attempts: 8,
            backoff_base_seconds: 30,
            backoff_max_seconds: 3600,
            poll_seconds: 5,
            lease_seconds: 600,
            send_timeout_seconds: 30,
            reminder_hours: None,
            smtp: None,
            sms: None,
            push: None,
        }
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain SMTP: only for a relay on the same host or in tests.
    None,
    /// STARTTLS, required (the usual submission port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    #[serde(default)]
    pub tls: TlsMode,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, e.g. `Helsenorge testlegekontor <ikke-svar@example.no>`.
    pub from: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// Where the gateway takes messages (HTTP POST).
    pub url: String,
    /// Basic authentication, when the gateway uses it.
    pub username: Option<String>,
    pub password: Option<String>,
    /// A bearer token, when the gateway uses one instead.
    pub token: Option<String>,
    /// The JSON body, with `{{to}}` (E.164), `{{text}}` and `{{sender}}` in string values.
    pub body_template: String,
    /// The sender name shown on the phone.
    #[serde(default = "default_sender")]
    pub sender: String,
}

fn default_sender() -> String {
    "Helsenorge".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushConfig {
    /// The VAPID key pair from `timebok vapid-keys`, base64url.
    pub vapid_public_key: String,
    pub vapid_private_key: String,
    /// Who push services may contact about this sender: `mailto:…` or `https://…`.
    pub subject: String,
    /// Whether endpoints on loopback and private addresses are posted to, and plain http
    /// on loopback: a push service on a developer's machine or in a test. A patient's
    /// browser names the endpoint, so in production this would let anyone aim the worker
    /// at the internal network; the production profile refuses it. (`allow_loopback_http`
    /// is its earlier name.)
    #[serde(default, alias = "allow_loopback_http")]
    pub allow_private_push_hosts: bool,
    /// Whether endpoints must be on one of `known_services`. Absent means on, except in
    /// `timebok demo`, whose visitors may come with any browser.
    #[serde(default)]
    pub only_known_services: Option<bool>,
    /// The push services endpoints may be on: host names, or `*.` and a domain for the hosts
    /// below it. The browsers' own by default.
    #[serde(default = "default_known_services")]
    pub known_services: Vec<String>,
}

fn default_known_services() -> Vec<String> {
    domain::BROWSER_PUSH_SERVICES
        .iter()
        .map(|&host| host.to_owned())
        .collect()
}

impl PushConfig {
    /// A configuration with these keys and subject, and the default policy for endpoints:
    /// the known push services only, never a private address.
    pub fn new(vapid_public_key: String, vapid_private_key: String, subject: String) -> Self {
        Self {
            vapid_public_key,
            vapid_private_key,
            subject,
            allow_private_push_hosts: false,
            only_known_services: None,
            known_services: default_known_services(),
        }
    }

    /// Which endpoints this installation posts to, as configured.
    pub fn target_policy(&self) -> Result<domain::PushTargetPolicy, String> {
        let known = self
            .only_known_services
            .unwrap_or(true)
            .then_some(self.known_services.as_slice());
        if known.is_some_and(<[String]>::is_empty) {
            return Err(
                "known_services is empty while only_known_services is on: no endpoint could \
                 be used"
                    .into(),
            );
        }
        domain::PushTargetPolicy::new(self.allow_private_push_hosts, known).map_err(|entry| {
            format!("known_services has «{entry}», which is not a host name or *. and a domain")
        })
    }
}

impl NotifyConfig {
    /// The configuration's own contradictions, said plainly.
    pub fn check(&self) -> Result<(), String> {
        if self.reminder_hours.is_some() {
            return Err(
                "notify: reminder_hours is no longer read: each timebook sets its own reminders \
                 on «Timebøker» (every timebook that existed got one 24 hours before); remove \
                 the key"
                    .into(),
            );
        }
        if self.batch_size == 0
            || self.sends_at_once == 0
            || self.max_attempts == 0
            || self.send_timeout_seconds == 0
        {
            return Err(
                "notify: batch_size, sends_at_once, max_attempts and send_timeout_seconds must be \
                 at least 1"
                    .into(),
            );
        }
        let batch_time = u64::from(self.batch_size.div_ceil(self.sends_at_once))
            * u64::from(self.send_timeout_seconds);
        if u64::from(self.lease_seconds) <= batch_time {
            return Err(format!(
                "notify: lease_seconds ({}) must exceed batch_size / sends_at_once (rounded up) × \
                 send_timeout_seconds ({batch_time})",
                self.lease_seconds
            ));
        }
        if let Some(sms) = &self.sms {
            crate::sms::BodyTemplate::parse(&sms.body_template)
                .map_err(|e| format!("notify.sms: {e}"))?;
        }
        if let Some(push) = &self.push {
            crate::push::PushSender::new(push, std::time::Duration::from_secs(1))
                .map_err(|e| format!("notify.push: {e}"))?;
        }
        Ok(())
    }
}
