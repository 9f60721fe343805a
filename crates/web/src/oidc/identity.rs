//! Who a verified ID token says the person is, in Timebok's terms: a patient's fødselsnummer,
//! or a staff member's clinic, or the operator. Anything short of that is a refusal with its
//! own page.

use super::client::IdClaims;
use super::settings::{PATIENT_MIN_ACR, ProviderSettings};
use domain::{Actor, Clinic, HerId, IdPolicy, NationalId, OrgNumber};
use store::{LoginFlow, Store, StoreError};

/// Why a login with a valid ID token is still refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Logged in at a lower level than required.
    LowAcr,
    /// The token carries no valid fødselsnummer.
    NoNationalId,
    /// Neither the access list nor the claims give access.
    NoAccess,
}

impl Refusal {
    /// The code written to the audit log.
    pub fn code(self) -> &'static str {
        match self {
            Self::LowAcr => "acr",
            Self::NoNationalId => "national_id",
            Self::NoAccess => "no_access",
        }
    }
}

/// The lowest `acr` a flow accepts: patients always need one.
pub fn min_acr(flow: LoginFlow, settings: &ProviderSettings) -> Option<&str> {
    match (&settings.min_acr, flow) {
        (Some(level), _) => Some(level),
        (None, LoginFlow::Patient) => Some(PATIENT_MIN_ACR),
        (None, _) => None,
    }
}

/// Whether the token's `acr` is at least the flow's lowest; a missing or unknown one is not.
fn acr_is_enough(flow: LoginFlow, settings: &ProviderSettings, claims: &IdClaims) -> bool {
    let Some(required) = min_acr(flow, settings) else {
        return true;
    };
    let rank = |level: &str| settings.acr_levels.iter().position(|l| l == level);
    let Some(required) = rank(required) else {
        // A required level that is not in the list: only that exact value will do.
        return claims
            .auth_context_ref()
            .is_some_and(|acr| acr.as_str() == required);
    };
    claims
        .auth_context_ref()
        .and_then(|acr| rank(acr.as_str()))
        .is_some_and(|got| got >= required)
}

/// A claim's values: a string, or each string of a list.
fn claim_values(claims: &IdClaims, name: &str) -> Vec<String> {
    values_of(claims.additional_claims().0.get(name))
}

/// A claim's values: a string, a number, or a list of strings.
pub(crate) fn values_of(claim: Option<&serde_json::Value>) -> Vec<String> {
    match claim {
        Some(serde_json::Value::String(one)) => vec![one.clone()],
        Some(serde_json::Value::Array(many)) => many
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(serde_json::Value::Number(n)) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

pub fn patient(
    settings: &ProviderSettings,
    policy: IdPolicy,
    claims: &IdClaims,
) -> Result<NationalId, Refusal> {
    if !acr_is_enough(LoginFlow::Patient, settings, claims) {
        return Err(Refusal::LowAcr);
    }
    claim_values(claims, &settings.national_id_claim)
        .first()
        .and_then(|pid| NationalId::parse(pid, policy).ok())
        .ok_or(Refusal::NoNationalId)
}

/// Whom the logged-in patient may act for, as the provider's `representation_claim` says:
/// `None` when no claim is configured (the register's relations alone count), else every
/// well-formed value; a value that is not is passed over, as if the provider had not sent it.
pub fn claimed_relations(
    settings: &ProviderSettings,
    policy: IdPolicy,
    patient: &NationalId,
    claims: &IdClaims,
) -> Option<Vec<store::NewRelation>> {
    let name = settings.representation_claim.as_deref()?;
    let relations = claim_values(claims, name)
        .iter()
        .filter_map(|value| {
            let (person, kind) = value.split_once(':')?;
            let person = NationalId::parse(person, policy).ok()?;
            let kind = domain::RelationKind::parse(kind)?;
            (&person != patient).then(|| store::NewRelation {
                representative: patient.clone(),
                person,
                kind,
                last_day: None,
            })
        })
        .collect();
    Some(relations)
}

/// How staff and the operator are named in Timebok's audit log: their name and the provider's
/// subject, so that two people of the same name stay apart.
fn user_name(claims: &IdClaims) -> String {
    let subject = claims.subject().as_str();
    match claims.name().and_then(|n| n.get(None)) {
        Some(name) => format!("{} ({subject})", name.as_str()),
        None => subject.to_owned(),
    }
}

/// The first clinic a claim's values name, by organisation number or HER-id.
pub(crate) async fn clinic_named(
    store: &dyn Store,
    values: &[String],
) -> Result<Option<Clinic>, StoreError> {
    for value in values.iter().map(|v| v.trim()) {
        let found = if let Ok(org) = OrgNumber::parse(value) {
            store.clinic_by_org_number(&org).await?
        } else if let Ok(her) = HerId::parse(value) {
            store.clinic_by_her_id(her).await?
        } else {
            None
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// Staff or operator, from the access list first and then from the configured claims.
pub async fn staff_or_operator(
    store: &dyn Store,
    flow: LoginFlow,
    settings: &ProviderSettings,
    claims: &IdClaims,
) -> Result<Result<Actor, Refusal>, StoreError> {
    if !acr_is_enough(flow, settings, claims) {
        return Ok(Err(Refusal::LowAcr));
    }
    let user = user_name(claims);
    let listed = store.staff_access(flow, claims.subject().as_str()).await?;
    if let Some(access) = listed {
        return Ok(match (flow, access.clinic_id) {
            (LoginFlow::Staff, Some(clinic_id)) => Ok(Actor::Staff { clinic_id, user }),
            (LoginFlow::Operator, None) => Ok(Actor::Operator { user }),
            _ => Err(Refusal::NoAccess),
        });
    }
    let has_role = match (&settings.role_claim, &settings.role_value) {
        (Some(claim), Some(value)) => claim_values(claims, claim).contains(value),
        (None, None) => true,
        // Half a rule gives nobody access.
        _ => false,
    };
    let access = match flow {
        LoginFlow::Staff => match &settings.clinic_claim {
            Some(claim) if has_role => clinic_named(store, &claim_values(claims, claim))
                .await?
                .map(|clinic| Actor::Staff {
                    clinic_id: clinic.id,
                    user,
                }),
            _ => None,
        },
        LoginFlow::Operator if has_role && settings.role_claim.is_some() => {
            Some(Actor::Operator { user })
        }
        _ => None,
    };
    Ok(access.ok_or(Refusal::NoAccess))
}
