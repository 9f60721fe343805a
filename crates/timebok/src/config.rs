//! Configuration: defaults, then a TOML file, then `TIMEBOK_*` environment variables.

use domain::IdPolicy;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use store::StoreSettings;

/// What kind of installation this is. Production refuses what only a demo may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    #[default]
    Production,
    /// A developer's or a demo's machine.
    Development,
}

/// The configuration as written by an operator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RawConfig {
    /// `sqlite://path` or `postgres://user@host/db`. Default: `timebok.db` beside the config file.
    pub database_url: Option<String>,
    /// Address and port to listen on.
    pub listen: String,
    /// Where browsers and clients reach Timebok, such as `https://timebok.example.no`: every
    /// link Timebok writes starts with it. Default: `http://` and the listen address.
    pub public_url: Option<String>,
    /// How long a slot is held for a patient reviewing a booking.
    pub hold_minutes: i64,
    /// How long a freed place is held for the patient the waitlist offers it to.
    pub waitlist_offer_minutes: i64,
    /// Accept synthetic test fødselsnumre (test and demo installations only).
    pub accept_synthetic_ids: bool,
    /// Database connections per process.
    pub max_connections: i64,
    /// Minutes without use after which a login session ends.
    pub session_idle_minutes: i64,
    /// Mark cookies `Secure`, so browsers send them only over HTTPS.
    pub secure_cookies: bool,
    /// The demo's test login, where anyone can be any test patient. Always on in `demo`.
    pub demo_login: bool,
    /// `production` (the default) or `development`; `timebok demo` runs as development.
    pub profile: Profile,
    /// Send `Strict-Transport-Security`, for installations served over HTTPS only.
    pub hsts: bool,
    /// The header a trusted reverse proxy puts the client's address in, such as
    /// `x-forwarded-for`; absent, the connection's own address counts.
    pub client_address_header: Option<String>,
    /// The header a trusted reverse proxy puts its request id in, such as `x-request-id`:
    /// Timebok logs that id and answers with it. Absent, each request gets an id of its own,
    /// and a client's own header is not believed.
    pub request_id_header: Option<String>,
    /// `text` (the default) or `json`, one object per line, for log shippers.
    pub log_format: crate::logging::LogFormat,
    /// Rate limits (per process).
    pub rate_limits: web::limits::LimitSettings,
    /// Where Prometheus reads `/metrics`, on its own port; off when absent.
    pub metrics_listen: Option<String>,
    /// Notifications: the worker and its channels.
    pub notify: notify::NotifyConfig,
    /// The OpenID providers of the patients', the staff's and the operator's logins.
    pub oidc: web::oidc::OidcSettings,
    /// The FHIR API's clients.
    pub fhir: web::fhir::FhirSettings,
    /// The FHIR API's share of the process (per process).
    pub api: web::ApiSettings,
    /// The server's key for CSRF tokens, the same in every process behind one site. Required
    /// by `serve` under the production profile; `demo` makes one.
    pub csrf_key: Option<String>,
    /// A file whose content is the demo's time (see `demo_clock.rs`). Only `timebok demo`
    /// honours it; the production profile and every other command refuse it.
    pub demo_clock: Option<PathBuf>,
    /// How long reasons, messages, notifications and the audit log are kept.
    pub retention: domain::RetentionPolicy,
    /// OpenTelemetry traces to a collector; off unless `otlp_endpoint` is set.
    pub traces: crate::traces::TraceSettings,
}

impl Default for RawConfig {
    fn default() -> Self {
        Self {
            database_url: None,
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            hold_minutes: 5,
            waitlist_offer_minutes: 30,
            accept_synthetic_ids: false,
            max_connections: 10,
            session_idle_minutes: 30,
            secure_cookies: true,
            demo_login: false,
            profile: Profile::Production,
            hsts: false,
            client_address_header: None,
            request_id_header: None,
            log_format: crate::logging::LogFormat::Text,
            rate_limits: web::limits::LimitSettings::default(),
            metrics_listen: None,
            notify: notify::NotifyConfig::default(),
            oidc: web::oidc::OidcSettings::default(),
            fhir: web::fhir::FhirSettings::default(),
            api: web::ApiSettings::default(),
            csrf_key: None,
            demo_clock: None,
            retention: domain::RetentionPolicy::default(),
            traces: crate::traces::TraceSettings::default(),
        }
    }
}

/// Configuration that passed validation.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub listen: SocketAddr,
    /// `public_url` as configured; see [`Settings::public_url_at`].
    pub public_url: Option<web::PublicUrl>,
    pub store: StoreSettings,
    pub id_policy: IdPolicy,
    pub secure_cookies: bool,
    pub demo_login: bool,
    pub hsts: bool,
    pub client_address_header: Option<String>,
    pub request_id_header: Option<String>,
    pub log_format: crate::logging::LogFormat,
    pub rate_limits: web::limits::LimitSettings,
    pub metrics_listen: Option<SocketAddr>,
    pub notify: notify::NotifyConfig,
    pub oidc: web::oidc::OidcSettings,
    pub fhir: web::fhir::FhirSettings,
    pub api: web::ApiSettings,
    /// `csrf_key` as configured; see [`Settings::csrf_key`].
    pub csrf_key: Option<web::CsrfKey>,
    pub profile: Profile,
    /// `demo_clock` as configured; `timebok demo` alone reads it.
    pub demo_clock: Option<PathBuf>,
    pub retention: domain::RetentionPolicy,
    pub traces: crate::traces::TraceSettings,
}

impl Settings {
    /// The key CSRF tokens are made with. Several processes behind one site must share it, so
    /// production requires it configured; a development machine without one gets a key for
    /// this process only.
    pub fn csrf_key(&self) -> Result<web::CsrfKey, ConfigError> {
        match (&self.csrf_key, self.profile) {
            (Some(key), _) => Ok(key.clone()),
            (None, Profile::Development) => {
                tracing::warn!(
                    "csrf_key is not set: forms made by this process are accepted by no other"
                );
                web::CsrfKey::random().ok_or(ConfigError::NoRandomness)
            }
            (None, Profile::Production) => Err(ConfigError::CsrfKeyMissing),
        }
    }

    /// Where Timebok is reached: the configured public URL, or else `http://` and the address
    /// it listens on — `address`, once the system has chosen a port for `listen = …:0`.
    pub fn public_url_at(&self, address: SocketAddr) -> Result<web::PublicUrl, ConfigError> {
        if let Some(url) = &self.public_url {
            return Ok(url.clone());
        }
        let text = if address.ip().is_unspecified() {
            // Listening on every interface means others reach this machine by a name Timebok
            // cannot know; the links it writes would send them to their own machine.
            tracing::warn!(
                port = address.port(),
                "public_url is not set: links Timebok writes (FHIR, push notices, logins) \
                 name http://localhost"
            );
            format!("http://localhost:{}", address.port())
        } else {
            format!("http://{address}")
        };
        web::PublicUrl::parse(&text).map_err(|e| ConfigError::PublicUrl(text, e))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("configuration: {0}")]
    Unreadable(#[from] Box<figment::Error>),
    #[error(transparent)]
    Retention(#[from] domain::RetentionError),
    #[error(transparent)]
    Traces(#[from] crate::traces::TraceError),
    #[error("listen = «{0}» is not an address with a port, such as 127.0.0.1:8080")]
    Listen(String),
    #[error(
        "csrf_key is not set: under the production profile every process behind the site needs \
         the same key, such as the output of `openssl rand -hex 32` (or TIMEBOK_CSRF_KEY)"
    )]
    CsrfKeyMissing,
    #[error("csrf_key: {0}")]
    CsrfKey(#[from] web::CsrfKeyError),
    #[error("the system has no randomness to give")]
    NoRandomness,
    #[error("public_url = «{0}»: {1}")]
    PublicUrl(String, web::PublicUrlError),
    #[error(
        "[oidc] has a provider, but public_url is not set: the redirect URIs registered at the \
         provider are <public_url>/innlogging/…/svar"
    )]
    PublicUrlForLogin,
    #[error("database_url must start with sqlite:// or postgres://")]
    DatabaseUrl,
    #[error("hold_minutes must be between 1 and 60, not {0}")]
    HoldMinutes(i64),
    #[error("waitlist_offer_minutes must be between 5 and 1440, not {0}")]
    OfferMinutes(i64),
    #[error("max_connections must be between 1 and 500, not {0}")]
    MaxConnections(i64),
    #[error("metrics_listen = «{0}» is not an address with a port, such as 127.0.0.1:9090")]
    MetricsListen(String),
    #[error("{0}")]
    Notify(String),
    #[error("session_idle_minutes must be between 5 and 720, not {0}")]
    SessionIdle(i64),
    #[error("[api] max_concurrent_requests must be at least 1")]
    ApiBudget,
    #[error("every rate limit must be at least 1; [rate_limits] has a 0")]
    RateLimit,
    #[error(
        "demo_login is on, but profile is production: the test login lets anyone be any \
         patient. Switch demo_login off, or set profile = \"development\" on a test machine"
    )]
    DemoLoginInProduction,
    #[error(
        "[[fhir.clients]] has static tokens, but profile is production: there, FHIR clients \
         use access tokens from [fhir.oauth] (HelseID). Remove [[fhir.clients]], or set \
         profile = \"development\" on a test machine"
    )]
    StaticTokensInProduction,
    #[error(
        "[notify.push] allow_private_push_hosts is on, but profile is production: a patient's \
         browser names the push endpoint, so anyone could make the worker post into the \
         internal network. Switch it off, or set profile = \"development\" on a test machine"
    )]
    PrivatePushHostsInProduction,
    #[error(
        "[fhir] allow_private_hook_hosts is on, but profile is production: a FHIR client names \
         its Subscription's endpoint, so it could make the worker post into the internal \
         network. Switch it off, or set profile = \"development\" on a test machine"
    )]
    PrivateHookHostsInProduction,
    #[error(
        "demo_clock is set, but profile is production: whoever can write its file decides \
         what time bookings, holds, deadlines and reminders see. Remove demo_clock (or \
         TIMEBOK_DEMO_CLOCK); it is for `timebok demo` and its tests"
    )]
    DemoClockInProduction,
}

/// Reads the configuration. An explicitly named file must exist; `timebok.toml` in the
/// working directory is read when present.
pub fn load(file: Option<&Path>) -> Result<RawConfig, ConfigError> {
    let mut figment = Figment::from(Serialized::defaults(RawConfig::default()));
    match file {
        Some(path) if !path.exists() => return Err(ConfigError::MissingFile(path.to_owned())),
        Some(path) => figment = figment.merge(Toml::file(path)),
        None => figment = figment.merge(Toml::file("timebok.toml")),
    }
    figment
        .merge(Env::prefixed("TIMEBOK_").only(&[
            "database_url",
            "listen",
            "public_url",
            "hold_minutes",
            "waitlist_offer_minutes",
            "accept_synthetic_ids",
            "max_connections",
            "session_idle_minutes",
            "secure_cookies",
            "demo_login",
            "profile",
            "hsts",
            "client_address_header",
            "request_id_header",
            "log_format",
            "csrf_key",
            "demo_clock",
            "metrics_listen",
        ]))
        // Client secrets, keys and the rest of [oidc] may come from the environment, e.g.
        // TIMEBOK_OIDC_PATIENT__CLIENT_SECRET for oidc.patient.client_secret or
        // TIMEBOK_OIDC_STAFF__PRIVATE_KEY_JWK for oidc.staff.private_key_jwk.
        .merge(
            Env::prefixed("TIMEBOK_OIDC_")
                .map(|key| format!("oidc.{}", key.as_str().replace("__", ".")).into()),
        )
        // The authorization server of the FHIR API's clients, e.g. TIMEBOK_FHIR_OAUTH__ISSUER.
        .merge(
            Env::prefixed("TIMEBOK_FHIR_OAUTH__")
                .map(|key| format!("fhir.oauth.{}", key.as_str().replace("__", ".")).into()),
        )
        .merge(
            Env::prefixed("TIMEBOK_FHIR_")
                .only(&["public_feed"])
                .map(|key| format!("fhir.{}", key.as_str()).into()),
        )
        // [traces], e.g. TIMEBOK_TRACES__OTLP_ENDPOINT.
        .merge(
            Env::prefixed("TIMEBOK_TRACES__").map(|key| format!("traces.{}", key.as_str()).into()),
        )
        // The periods of [retention], e.g. TIMEBOK_RETENTION__MESSAGE_DAYS.
        .merge(
            Env::prefixed("TIMEBOK_RETENTION__")
                .map(|key| format!("retention.{}", key.as_str()).into()),
        )
        .extract()
        .map_err(|e| ConfigError::Unreadable(Box::new(e)))
}

impl RawConfig {
    /// The public URL as configured. A login through a provider needs it set, because the
    /// provider only sends browsers back to where it was told.
    fn public_url(&self) -> Result<Option<web::PublicUrl>, ConfigError> {
        let login = self.oidc.patient.is_some()
            || self.oidc.staff.is_some()
            || self.oidc.operator.is_some();
        match &self.public_url {
            Some(text) => web::PublicUrl::parse(text)
                .map(Some)
                .map_err(|e| ConfigError::PublicUrl(text.clone(), e)),
            None if login => Err(ConfigError::PublicUrlForLogin),
            None => Ok(None),
        }
    }

    /// The rate limits and the API's budget: none may be 0, which would refuse everything.
    fn check_limits(&self) -> Result<(), ConfigError> {
        let limits = self.rate_limits;
        if [
            limits.logins_per_minute,
            limits.bookings_per_minute_per_patient,
            limits.bookings_per_minute_per_address,
            limits.bookings_per_minute_per_client,
            limits.messages_per_hour,
            limits.calendar_link_misses_per_minute,
        ]
        .contains(&0)
        {
            return Err(ConfigError::RateLimit);
        }
        if self.api.max_concurrent_requests == 0 {
            return Err(ConfigError::ApiBudget);
        }
        Ok(())
    }

    /// What the production profile refuses: the ways in that exist for tests and demos.
    fn check_production(&self) -> Result<(), ConfigError> {
        if self.profile != Profile::Production {
            return Ok(());
        }
        if self.demo_login {
            return Err(ConfigError::DemoLoginInProduction);
        }
        if !self.fhir.clients.is_empty() {
            return Err(ConfigError::StaticTokensInProduction);
        }
        let private_push_hosts = self
            .notify
            .push
            .as_ref()
            .is_some_and(|push| push.allow_private_push_hosts);
        if private_push_hosts {
            return Err(ConfigError::PrivatePushHostsInProduction);
        }
        if self.fhir.allow_private_hook_hosts {
            return Err(ConfigError::PrivateHookHostsInProduction);
        }
        if self.demo_clock.is_some() {
            return Err(ConfigError::DemoClockInProduction);
        }
        Ok(())
    }

    pub fn validate(self, file: Option<&Path>) -> Result<Settings, ConfigError> {
        self.check_limits()?;
        self.check_production()?;
        let listen: SocketAddr = self
            .listen
            .parse()
            .map_err(|_| ConfigError::Listen(self.listen.clone()))?;
        let public_url = self.public_url()?;
        let database_url = match self.database_url {
            Some(url)
                if url.starts_with("sqlite:")
                    || url.starts_with("postgres://")
                    || url.starts_with("postgresql://") =>
            {
                url
            }
            Some(_) => return Err(ConfigError::DatabaseUrl),
            None => {
                let dir = file
                    .and_then(Path::parent)
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                format!("sqlite://{}", dir.join("timebok.db").display())
            }
        };
        if !(1..=60).contains(&self.hold_minutes) {
            return Err(ConfigError::HoldMinutes(self.hold_minutes));
        }
        if !(5..=1440).contains(&self.waitlist_offer_minutes) {
            return Err(ConfigError::OfferMinutes(self.waitlist_offer_minutes));
        }
        let max_connections = u32::try_from(self.max_connections)
            .ok()
            .filter(|n| (1..=500).contains(n))
            .ok_or(ConfigError::MaxConnections(self.max_connections))?;
        let metrics_listen = self
            .metrics_listen
            .map(|text| text.parse().map_err(|_| ConfigError::MetricsListen(text)))
            .transpose()?;
        self.notify.check().map_err(ConfigError::Notify)?;
        self.retention.check()?;
        self.traces.check()?;
        if !(5..=720).contains(&self.session_idle_minutes) {
            return Err(ConfigError::SessionIdle(self.session_idle_minutes));
        }
        let csrf_key = self
            .csrf_key
            .as_deref()
            .map(web::CsrfKey::parse)
            .transpose()?;
        Ok(Settings {
            csrf_key,
            profile: self.profile,
            demo_clock: self.demo_clock,
            retention: self.retention,
            traces: self.traces,
            hsts: self.hsts,
            client_address_header: header_name(self.client_address_header),
            request_id_header: header_name(self.request_id_header),
            log_format: self.log_format,
            rate_limits: self.rate_limits,
            metrics_listen,
            notify: self.notify,
            oidc: self.oidc,
            fhir: self.fhir,
            api: self.api,
            database_url,
            listen,
            public_url,
            store: StoreSettings {
                hold_for: jiff::SignedDuration::from_mins(self.hold_minutes),
                offer_for: jiff::SignedDuration::from_mins(self.waitlist_offer_minutes),
                max_connections,
                session_idle: jiff::SignedDuration::from_mins(self.session_idle_minutes),
            },
            id_policy: IdPolicy {
                accept_synthetic: self.accept_synthetic_ids,
            },
            secure_cookies: self.secure_cookies,
            demo_login: self.demo_login,
        })
    }
}

/// A header's name as configured: lower case, and none if left empty.
fn header_name(name: Option<String>) -> Option<String> {
    name.map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// README's «Running in production» configuration is one an operator can use as written.
    #[test]
    fn the_production_example_in_readme_is_valid() {
        let readme = include_str!("../../../README.md");
        let section = readme
            .split("## Running in production")
            .nth(1)
            .expect("the section");
        let example = section
            .split("```toml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("its TOML");
        let raw: RawConfig = Figment::from(Serialized::defaults(RawConfig::default()))
            .merge(Toml::string(example))
            .extract()
            .expect("the example reads");
        let settings = raw
            .validate(Some(Path::new("/etc/timebok/timebok.toml")))
            .expect("the example is valid");
        assert_eq!(settings.profile, Profile::Production);
        assert!(settings.oidc.staff.is_some() && settings.oidc.patient.is_some());
        assert!(!settings.notify.run_in_serve);
        assert_eq!(settings.log_format, crate::logging::LogFormat::Json);
    }

    #[test]
    fn defaults_are_valid_and_put_the_database_beside_the_config() {
        let settings = RawConfig::default()
            .validate(Some(Path::new("/etc/timebok/timebok.toml")))
            .expect("valid");
        assert_eq!(settings.database_url, "sqlite:///etc/timebok/timebok.db");
        assert_eq!(settings.listen.port(), 8080);
        assert!(!settings.id_policy.accept_synthetic);
        let url = |listen: &str| {
            settings
                .public_url_at(listen.parse().expect("address"))
                .expect("url")
                .to_string()
        };
        assert_eq!(url("127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(url("0.0.0.0:9000"), "http://localhost:9000");
        let here = RawConfig::default().validate(None).expect("valid");
        assert_eq!(here.database_url, "sqlite://./timebok.db");
        let configured = RawConfig {
            public_url: Some("https://timebok.example.no/".into()),
            ..RawConfig::default()
        }
        .validate(None)
        .expect("valid");
        assert_eq!(
            configured
                .public_url_at("0.0.0.0:9000".parse().expect("address"))
                .expect("url")
                .as_str(),
            "https://timebok.example.no"
        );
    }

    #[test]
    fn the_notify_section_is_read_from_toml() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("timebok.toml");
        std::fs::write(
            &file,
            "[notify]\nportal_name = \"Helsenorge\"\nmax_attempts = 4\n\
             [notify.sms]\nurl = \"https://sms.example.no/send\"\n\
             body_template = '{\"to\": \"{{to}}\", \"text\": \"{{text}}\"}'\n\
             [notify.smtp]\nhost = \"smtp.example.no\"\nport = 587\nfrom = \"ikke-svar@example.no\"\n",
        )
        .expect("write");
        let settings = load(Some(&file))
            .expect("load")
            .validate(Some(&file))
            .expect("valid");
        assert_eq!(settings.notify.max_attempts, 4);
        assert_eq!(
            settings.notify.smtp.expect("smtp").tls,
            notify::TlsMode::Starttls
        );
        assert!(settings.notify.sms.is_some());
        assert!(settings.notify.run_in_serve);
    }

    #[test]
    fn bad_values_are_named() {
        let bad = |change: fn(&mut RawConfig)| {
            let mut config = RawConfig::default();
            change(&mut config);
            config.validate(None).expect_err("refused").to_string()
        };
        assert!(bad(|c| c.listen = "localhost".into()).contains("«localhost»"));
        assert!(bad(|c| c.database_url = Some("mysql://x".into())).contains("database_url"));
        assert!(bad(|c| c.hold_minutes = 0).contains("hold_minutes"));
        assert!(bad(|c| c.waitlist_offer_minutes = 4).contains("waitlist_offer_minutes"));
        assert!(bad(|c| c.waitlist_offer_minutes = 1441).contains("waitlist_offer_minutes"));
        assert!(bad(|c| c.max_connections = 0).contains("max_connections"));
        assert!(bad(|c| c.metrics_listen = Some("9090".into())).contains("metrics_listen"));
        assert!(bad(|c| c.notify.lease_seconds = 10).contains("lease_seconds"));
        assert!(bad(|c| c.notify.reminder_hours = Some(24)).contains("«Timebøker»"));
        assert!(bad(|c| c.demo_login = true).contains("profile is production"));
        assert!(bad(|c| c.rate_limits.messages_per_hour = 0).contains("rate limit"));
        assert!(bad(|c| c.rate_limits.calendar_link_misses_per_minute = 0).contains("rate limit"));
        assert!(bad(|c| c.rate_limits.bookings_per_minute_per_client = 0).contains("rate limit"));
        assert!(bad(|c| c.api.max_concurrent_requests = 0).contains("[api]"));
        assert!(bad(|c| c.session_idle_minutes = 0).contains("session_idle_minutes"));
        assert!(bad(|c| c.public_url = Some("timebok.example.no".into())).contains("public_url"));
        assert!(bad(|c| c.csrf_key = Some("kort".into())).contains("csrf_key"));
        assert!(
            bad(|c| c.demo_clock = Some("/tmp/klokke".into()))
                .contains("demo_clock is set, but profile is production")
        );
        let mut development = RawConfig {
            demo_login: true,
            profile: Profile::Development,
            ..RawConfig::default()
        };
        assert!(development.clone().validate(None).is_ok());
        development.profile = Profile::Production;
        assert!(development.validate(None).is_err());
    }

    #[test]
    fn private_hook_hosts_are_refused_under_the_production_profile() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("timebok.toml");
        std::fs::write(&file, "[fhir]\nallow_private_hook_hosts = true\n").expect("write");
        let refused = load(Some(&file))
            .expect("load")
            .validate(Some(&file))
            .expect_err("refused")
            .to_string();
        assert!(refused.contains("allow_private_hook_hosts"), "{refused}");
        std::fs::write(
            &file,
            "profile = \"development\"\n[fhir]\nallow_private_hook_hosts = true\n",
        )
        .expect("write");
        let development = load(Some(&file))
            .expect("load")
            .validate(Some(&file))
            .expect("valid");
        assert!(development.fhir.allow_private_hook_hosts);
    }

    #[test]
    fn private_push_hosts_are_refused_under_the_production_profile() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("timebok.toml");
        let (public, private) = notify::push::generate_vapid_keys().expect("keys");
        let push = format!(
            "[notify.push]\nvapid_public_key = \"{public}\"\nvapid_private_key = \"{private}\"\n\
             subject = \"mailto:drift@example.no\"\n"
        );
        std::fs::write(&file, &push).expect("write");
        let settings = load(Some(&file))
            .expect("load")
            .validate(Some(&file))
            .expect("valid");
        let config = settings.notify.push.expect("push");
        assert!(!config.allow_private_push_hosts);
        assert_eq!(config.only_known_services, None, "on unless switched off");
        assert_eq!(config.known_services, domain::BROWSER_PUSH_SERVICES);

        // The earlier name of the setting means the same, and is refused the same way.
        for key in ["allow_private_push_hosts", "allow_loopback_http"] {
            std::fs::write(&file, format!("{push}{key} = true\n")).expect("write");
            let refused = load(Some(&file))
                .expect("load")
                .validate(Some(&file))
                .expect_err("refused")
                .to_string();
            assert!(refused.contains("allow_private_push_hosts"), "{refused}");
            std::fs::write(
                &file,
                format!("profile = \"development\"\n{push}{key} = true\n"),
            )
            .expect("write");
            let development = load(Some(&file))
                .expect("load")
                .validate(Some(&file))
                .expect("valid");
            assert!(
                development
                    .notify
                    .push
                    .expect("push")
                    .allow_private_push_hosts
            );
        }

        std::fs::write(&file, format!("{push}known_services = [\"https://x\"]\n")).expect("write");
        let refused = load(Some(&file))
            .expect("load")
            .validate(Some(&file))
            .expect_err("refused")
            .to_string();
        assert!(refused.contains("known_services"), "{refused}");
    }

    /// Production needs the key that every process shares; development makes one.
    #[test]
    fn serving_in_production_needs_a_csrf_key() {
        let production = RawConfig::default().validate(None).expect("valid");
        assert!(matches!(
            production.csrf_key(),
            Err(ConfigError::CsrfKeyMissing)
        ));
        let configured = RawConfig {
            csrf_key: Some(format!("{}\n", "k".repeat(32))),
            ..RawConfig::default()
        };
        assert!(configured.validate(None).expect("valid").csrf_key().is_ok());
        let development = RawConfig {
            profile: Profile::Development,
            ..RawConfig::default()
        };
        assert!(
            development
                .validate(None)
                .expect("valid")
                .csrf_key()
                .is_ok()
        );
    }
}
