//! What clients send, read into validated values before anything else happens: an Appointment
//! to book or hold, a Parameters around one, a cancellation. A wrong field is answered with an
//! OperationOutcome naming it as a FHIRPath expression, in the client's language.

use super::outcome::{Outcome, Problem};
use crate::texts::T;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use domain::{
    CancelReason, DomainError, HoldId, IdPolicy, NationalId, NationalIdKind, Reason, SlotId,
};
use serde_json::Value;

/// An id as Timebok writes them: a positive whole number.
pub fn positive_id(id: &str) -> Option<i64> {
    id.parse::<i64>().ok().filter(|id| *id > 0)
}

/// The id in a path such as `/fhir/Slot/{id}`; anything but an id names nothing there.
pub fn path_id(t: T, id: &str) -> Result<i64, Outcome> {
    positive_id(id).ok_or_else(|| Outcome::new(t, Problem::NotFound))
}

/// The identifier systems of Norwegian personal numbers: HL7 Norway's no-basis naming systems
/// (OIDs in the Norwegian health sector's arc, 2.16.578.1.12.4).
pub const FODSELSNUMMER_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.1";
pub const D_NUMMER_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.2";

/// The identifier system of a number.
pub fn identifier_system(id: &NationalId) -> &'static str {
    match id.kind() {
        NationalIdKind::Fodselsnummer => FODSELSNUMMER_SYSTEM,
        NationalIdKind::DNummer => D_NUMMER_SYSTEM,
    }
}

/// A JSON body, if it is one: `application/fhir+json` or `application/json`, or, for PATCH,
/// `application/json-patch+json`.
pub fn json_body(t: T, headers: &HeaderMap, body: &Bytes, patch: bool) -> Result<Value, Outcome> {
    let media = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    let accepted = match media.as_deref() {
        Some("application/fhir+json" | "application/json") => !patch,
        Some("application/json-patch+json") => patch,
        _ => false,
    };
    if !accepted {
        return Err(Outcome::new(t, Problem::UnsupportedMediaType));
    }
    serde_json::from_slice(body).map_err(|_| Outcome::new(t, Problem::Structure("fhir-not-json")))
}

/// What an Appointment asks for: which slot, for whom, and why.
#[derive(Debug, Clone)]
pub struct AppointmentRequest {
    pub slot: SlotId,
    pub patient: NationalId,
    /// «Hva gjelder det?»; a hold may come without it.
    pub reason: Option<Reason>,
    /// `hold-<n>` from an earlier `$hold`.
    pub hold: Option<HoldId>,
}

/// What one kind of request expects of its Appointment.
pub struct Expect {
    /// The statuses it may carry.
    pub statuses: &'static [&'static str],
    /// Whether `description` («Hva gjelder det?») must be there.
    pub reason: bool,
    /// Whether `id` names a hold (`$book`); elsewhere an id is ignored, as FHIR's create does.
    pub hold: bool,
    /// Whether the Appointment comes inside `Parameters` (`appointment-resource`), as the
    /// operations take it.
    pub in_parameters: bool,
}

impl AppointmentRequest {
    /// Reads an Appointment resource.
    pub fn parse(t: T, value: &Value, policy: IdPolicy, expect: &Expect) -> Result<Self, Outcome> {
        let (statuses, reason_required) = (expect.statuses, expect.reason);
        if value.get("resourceType").and_then(Value::as_str) != Some("Appointment") {
            return Err(Outcome::new(
                t,
                Problem::Structure("fhir-expected-appointment"),
            ));
        }
        if let Some(status) = value.get("status")
            && !status.as_str().is_some_and(|s| statuses.contains(&s))
        {
            return Err(Outcome::unprocessable(
                t,
                "fhir-appointment-status",
                "Appointment.status",
            ));
        }
        let slot = match value
            .get("slot")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            Some([only]) => only
                .get("reference")
                .and_then(Value::as_str)
                .and_then(|r| reference_id(r, "Slot"))
                .map(SlotId),
            _ => None,
        }
        .ok_or_else(|| Outcome::unprocessable(t, "fhir-slot-reference", "Appointment.slot"))?;
        let patient = patient(t, value, policy)?;
        let reason = match value.get("description") {
            None | Some(Value::Null) if !reason_required => None,
            None | Some(Value::Null) => {
                return Err(Outcome::unprocessable(
                    t,
                    "fhir-reason-missing",
                    "Appointment.description",
                ));
            }
            Some(text) => Some(reason(t, text)?),
        };
        let hold = match value.get("id") {
            Some(id) if expect.hold => Some(
                id.as_str()
                    .and_then(|id| id.strip_prefix("hold-"))
                    .and_then(|n| n.parse().ok())
                    .map(HoldId)
                    .ok_or_else(|| Outcome::unprocessable(t, "fhir-hold-id", "Appointment.id"))?,
            ),
            _ => None,
        };
        Ok(Self {
            slot,
            patient,
            reason,
            hold,
        })
    }

    /// A digest of what is asked, for the Idempotency-Key: the same request in other JSON
    /// (another order, other spacing) is the same request.
    pub fn fingerprint(&self) -> String {
        crate::tokens::hash(&format!(
            "{}|{}|{}|{}",
            self.slot.0,
            self.patient.as_str(),
            self.reason.as_ref().map_or("", Reason::as_str),
            self.hold.map_or(0, |h| h.0),
        ))
    }
}

/// `Slot/12`, or a full URL ending in it.
pub fn reference_id(reference: &str, resource_type: &str) -> Option<i64> {
    let (kind, id) = reference.rsplit_once('/')?;
    let kind = kind.rsplit('/').next()?;
    if kind != resource_type {
        return None;
    }
    id.parse().ok().filter(|id: &i64| *id > 0)
}

/// The one participant that names a patient by personal number.
fn patient(t: T, value: &Value, policy: IdPolicy) -> Result<NationalId, Outcome> {
    let participants = value
        .get("participant")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let found: Vec<(usize, &Value)> = participants
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let identifier = p.get("actor")?.get("identifier")?;
            let system = identifier.get("system")?.as_str()?;
            [FODSELSNUMMER_SYSTEM, D_NUMMER_SYSTEM]
                .contains(&system)
                .then_some((i, identifier))
        })
        .collect();
    let [(index, identifier)] = found.as_slice() else {
        return Err(Outcome::unprocessable(
            t,
            "fhir-patient-identifier",
            "Appointment.participant",
        ));
    };
    let at = format!("Appointment.participant[{index}].actor.identifier");
    let system = identifier.get("system").and_then(Value::as_str);
    let number = identifier
        .get("value")
        .and_then(Value::as_str)
        .unwrap_or_default();
    personal_number(system, number, policy).map_err(|wrong| match wrong {
        WrongNumber::Number => {
            Outcome::unprocessable(t, "fhir-patient-number", &format!("{at}.value"))
        }
        WrongNumber::System => {
            Outcome::unprocessable(t, "fhir-patient-system", &format!("{at}.system"))
        }
    })
}

/// What is wrong with a personal number given with its identifier system.
pub enum WrongNumber {
    /// Not a valid fødselsnummer or D-nummer.
    Number,
    /// A system that is not the number's own.
    System,
}

/// A fødselsnummer or D-nummer; its system, where given, must be the number's own.
pub fn personal_number(
    system: Option<&str>,
    number: &str,
    policy: IdPolicy,
) -> Result<NationalId, WrongNumber> {
    let id = NationalId::parse(number, policy).map_err(|_| WrongNumber::Number)?;
    match system {
        Some(system) if system != identifier_system(&id) => Err(WrongNumber::System),
        _ => Ok(id),
    }
}

fn reason(t: T, value: &Value) -> Result<Reason, Outcome> {
    let expression = "Appointment.description";
    let text = value
        .as_str()
        .ok_or_else(|| Outcome::unprocessable(t, "fhir-reason-missing", expression))?;
    Reason::parse(text).map_err(|error| {
        let key = match error {
            DomainError::TextTooLong { .. } => "fhir-reason-too-long",
            DomainError::TextEmpty(_) => "fhir-reason-missing",
            DomainError::TextTooManyCodePoints { .. } => "fhir-reason-too-many-code-points",
            DomainError::TextNoncharacter(_) => "fhir-reason-noncharacter",
            DomainError::TextBidiControl(_) => "fhir-reason-bidi-control",
            _ => "fhir-reason-invalid",
        };
        Outcome::unprocessable(t, key, expression)
    })
}

/// The Appointment of an operation's Parameters (`appointment-resource`).
pub fn parameters_appointment(t: T, value: &Value) -> Result<Value, Outcome> {
    let wrong = || Outcome::new(t, Problem::Structure("fhir-expected-parameters"));
    if value.get("resourceType").and_then(Value::as_str) != Some("Parameters") {
        return Err(wrong());
    }
    value
        .get("parameter")
        .and_then(Value::as_array)
        .and_then(|all| {
            all.iter()
                .find(|p| p.get("name").and_then(Value::as_str) == Some("appointment-resource"))
        })
        .and_then(|p| p.get("resource"))
        .cloned()
        .ok_or_else(wrong)
}

/// The cancellation reason of a `cancelationReason` CodeableConcept: its text, or the
/// display of its first coding.
pub fn cancel_reason(t: T, value: Option<&Value>) -> Result<CancelReason, Outcome> {
    value
        .and_then(|concept| {
            concept.get("text").and_then(Value::as_str).or_else(|| {
                concept
                    .get("coding")?
                    .as_array()?
                    .first()?
                    .get("display")?
                    .as_str()
            })
        })
        .and_then(|text| CancelReason::parse(text).ok())
        .ok_or_else(|| {
            Outcome::unprocessable(t, "fhir-cancel-reason", "Appointment.cancelationReason")
        })
}

/// A cancellation sent as JSON Patch: `replace` of `/status` with `cancelled`, and `add` or
/// `replace` of `/cancelationReason`. Nothing else may change.
pub fn patch_cancel(t: T, value: &Value) -> Result<CancelReason, Outcome> {
    let invalid = || Outcome::new(t, Problem::PatchInvalid);
    let operations = value.as_array().ok_or_else(invalid)?;
    let mut cancelled = false;
    let mut reason = None;
    for operation in operations {
        let op = operation.get("op").and_then(Value::as_str);
        let path = operation.get("path").and_then(Value::as_str);
        match (op, path) {
            (Some("replace"), Some("/status")) => {
                if operation.get("value").and_then(Value::as_str) != Some("cancelled") {
                    return Err(Outcome::unprocessable(
                        t,
                        "fhir-cancel-status",
                        "Appointment.status",
                    ));
                }
                cancelled = true;
            }
            (Some("add" | "replace"), Some("/cancelationReason")) => {
                reason = Some(cancel_reason(t, operation.get("value"))?);
            }
            // A test only checks; it changes nothing.
            (Some("test"), Some(_)) => {}
            (Some(_), Some(_)) => {
                return Err(Outcome::unprocessable(
                    t,
                    "fhir-cancel-other-change",
                    "Appointment",
                ));
            }
            _ => return Err(invalid()),
        }
    }
    if !cancelled {
        return Err(Outcome::unprocessable(
            t,
            "fhir-cancel-status",
            "Appointment.status",
        ));
    }
    reason.ok_or_else(|| {
        Outcome::unprocessable(t, "fhir-cancel-reason", "Appointment.cancelationReason")
    })
}

/// `If-Match: W/"3"` (or `"3"`, or `3`): the version the client saw.
pub fn if_match(t: T, headers: &HeaderMap) -> Result<i64, Outcome> {
    let value = headers
        .get(axum::http::header::IF_MATCH)
        .ok_or(Outcome::new(t, Problem::VersionRequired))?;
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse().ok())
        // A version that cannot be the stored one fails like any other mismatch.
        .ok_or(Outcome::new(t, Problem::VersionMismatch))
}

/// The `Idempotency-Key` header, if sent: 1–200 visible ASCII characters.
pub fn idempotency_key(t: T, headers: &HeaderMap) -> Result<Option<String>, Outcome> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_matches('"'))
        .filter(|v| (1..=200).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(|v| Some(v.to_owned()))
        .ok_or(Outcome::new(
            t,
            Problem::Invalid("fhir-key-invalid", "Idempotency-Key".into()),
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_their_type_and_a_positive_id() {
        assert_eq!(reference_id("Slot/12", "Slot"), Some(12));
        assert_eq!(
            reference_id("https://timebok.example/fhir/Slot/12", "Slot"),
            Some(12)
        );
        assert_eq!(reference_id("Schedule/12", "Slot"), None);
        assert_eq!(reference_id("Slot/0", "Slot"), None);
        assert_eq!(reference_id("Slot/x", "Slot"), None);
        assert_eq!(reference_id("12", "Slot"), None);
    }
}
