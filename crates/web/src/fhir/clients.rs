//! The machine clients of the FHIR API and what each may do. Clients present either an
//! access token from the configured authorization server (`[fhir.oauth]`, see
//! `access_tokens`) or a static bearer token from the configuration, of which only a hash is
//! kept in memory.

use crate::tokens;
use domain::HerId;
use serde::{Deserialize, Serialize};

/// What a client may do, as SMART v2 system scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Read Schedules and Slots.
    ReadSlots,
    /// Book, read and cancel appointments.
    Book,
    /// Publish, change and delete slots: a journal system's own publication.
    PublishSlots,
    /// Read and keep the clinic's patient list (fastlegeliste); clients bound to one clinic.
    PatientList,
    /// Subscribe to the clinic's appointment changes.
    Subscribe,
}

impl Scope {
    pub const ALL: [Self; 5] = [
        Self::ReadSlots,
        Self::Book,
        Self::PublishSlots,
        Self::PatientList,
        Self::Subscribe,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::ReadSlots => "system/Slot.rs",
            Self::Book => "system/Appointment.cruds",
            Self::PublishSlots => "system/Slot.cud",
            Self::PatientList => "system/Patient.cruds",
            Self::Subscribe => "system/Subscription.cruds",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// One client as configured in `[[fhir.clients]]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSettings {
    /// Who the client is, for the audit log.
    pub name: String,
    /// The bearer token, at least 32 characters.
    pub token: String,
    /// `system/Slot.rs` to read slots, `system/Appointment.cruds` to book,
    /// `system/Slot.cud` to publish slots, `system/Patient.cruds` to keep the patient list.
    pub scopes: Vec<String>,
    /// The HER-id of the one clinic the client may see; without it, every clinic.
    pub clinic_her_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FhirSettings {
    #[serde(default)]
    pub clients: Vec<ClientSettings>,
    /// Access tokens from an OAuth 2.0 authorization server, such as HelseID.
    pub oauth: Option<super::access_tokens::OAuthSettings>,
    /// Serve the SMART Scheduling Links feed (`$bulk-publish` and its files) without a
    /// token. Off unless set: publishing every clinic's opening times to anyone is the
    /// operator's decision, made with the clinics, not a side effect of an upgrade.
    #[serde(default)]
    pub public_feed: bool,
    /// Whether Subscriptions may name endpoints on loopback and private addresses, and plain
    /// http on loopback: a journal system on the same machine in a demo or a test. Refused
    /// under the production profile, as push's `allow_private_push_hosts` is.
    #[serde(default)]
    pub allow_private_hook_hosts: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("fhir client «{0}»: the token must be at least 32 characters")]
    ShortToken(String),
    #[error(
        "fhir client «{0}»: unknown scope «{1}»; known: system/Slot.rs, \
         system/Appointment.cruds, system/Slot.cud, system/Patient.cruds, \
         system/Subscription.cruds"
    )]
    UnknownScope(String, String),
    #[error("fhir client «{0}»: clinic_her_id is not a HER-id")]
    HerId(String),
    #[error("fhir client «{0}»: the name is the open feed's readers'; choose another")]
    ReservedName(String),
    #[error("[fhir.oauth]: {0}")]
    OAuth(String),
}

/// The name the open feed's readers go by; no configured client may take it.
pub const OPEN_FEED_READER: &str = "public-feed";

/// A client that presented its token.
#[derive(Debug, Clone)]
pub struct Client {
    pub name: String,
    token_hash: String,
    pub scopes: Vec<Scope>,
    /// The one clinic it may see.
    pub clinic: Option<HerId>,
}

impl Client {
    /// A client that showed an access token: no static token of its own.
    pub fn with_access_token(name: String, scopes: Vec<Scope>, clinic: Option<HerId>) -> Self {
        Self {
            name,
            token_hash: String::new(),
            scopes,
            clinic,
        }
    }

    /// Whoever reads the open feed: no token, every clinic, reading slots only.
    pub fn open_feed_reader() -> Self {
        Self::with_access_token(OPEN_FEED_READER.into(), vec![Scope::ReadSlots], None)
    }

    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

pub struct Clients {
    configured: Vec<Client>,
    pub access_tokens: Option<super::access_tokens::AccessTokens>,
    /// `[fhir] public_feed`.
    pub public_feed: bool,
    /// Where Subscriptions may post: the push endpoints' policy, with
    /// `[fhir] allow_private_hook_hosts`.
    pub hook_targets: domain::PushTargetPolicy,
}

impl Clients {
    pub fn new(settings: FhirSettings) -> Result<Self, ClientError> {
        let access_tokens = settings
            .oauth
            .map(|oauth| {
                if !oauth.issuer.starts_with("https://") && !oauth.issuer.starts_with("http://") {
                    return Err(ClientError::OAuth("issuer must be an http(s) URL".into()));
                }
                if oauth.audience.trim().is_empty() {
                    return Err(ClientError::OAuth("audience must be given".into()));
                }
                super::access_tokens::AccessTokens::new(oauth)
                    .map_err(|e| ClientError::OAuth(e.to_string()))
            })
            .transpose()?;
        let configured = settings
            .clients
            .into_iter()
            .map(|c| {
                if c.name == OPEN_FEED_READER {
                    return Err(ClientError::ReservedName(c.name));
                }
                if c.token.chars().count() < 32 {
                    return Err(ClientError::ShortToken(c.name));
                }
                let scopes = c
                    .scopes
                    .iter()
                    .map(|s| {
                        Scope::from_code(s)
                            .ok_or(ClientError::UnknownScope(c.name.clone(), s.clone()))
                    })
                    .collect::<Result<_, _>>()?;
                let clinic = c
                    .clinic_her_id
                    .map(|id| HerId::new(id).map_err(|_| ClientError::HerId(c.name.clone())))
                    .transpose()?;
                Ok(Client {
                    token_hash: tokens::hash(&c.token),
                    name: c.name,
                    scopes,
                    clinic,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            configured,
            access_tokens,
            public_feed: settings.public_feed,
            hook_targets: hook_targets(settings.allow_private_hook_hosts),
        })
    }

    /// The configured client whose static token this is.
    pub fn find(&self, token: &str) -> Option<&Client> {
        let hash = tokens::hash(token);
        self.configured
            .iter()
            .find(|c| tokens::same(&c.token_hash, &hash))
    }
}

/// The policy Subscriptions' endpoints are judged by, here and in the notification worker:
/// any host, https on a public address unless private hosts are allowed.
pub fn hook_targets(allow_private_hosts: bool) -> domain::PushTargetPolicy {
    domain::PushTargetPolicy::new::<&str>(allow_private_hosts, None)
        .unwrap_or_else(|_| domain::PushTargetPolicy::any_public_host())
}
