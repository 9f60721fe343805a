//! The clinic's patient list (fastlegeliste) kept from its journal system, as Patient
//! resources whose `generalPractitioner` is the clinic (by HER-id) and, for a patient on one
//! of its GPs' lists, that GP (a Practitioner by HPR number). A patient is addressed by
//! their identifier (`identifier=system|number`) in conditional operations: Timebok keys a
//! person by fødselsnummer or D-nummer and has no other id for them, and request paths are
//! logged while queries are not, so a number never stands in a path.
//!
//! Each patient is read as the register's import reads a line of its file
//! ([`store::ListEntry::parse`]), and many at once go through the import itself
//! ([`store::PatientList::import_patients`]): every one or none, one audit event with the
//! counts. Only a client bound to one clinic keeps a list, and only that clinic's.

use super::input::{self, D_NUMMER_SYSTEM, FODSELSNUMMER_SYSTEM, identifier_system};
use super::outcome::{Outcome, Problem};
use super::resources::{HER_ID_SYSTEM, HPR_SYSTEM};
use super::search::{query_string, refuse_unknown};
use super::{ApiClient, base_url, fhir_json};
use crate::AppState;
use crate::texts::T;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::{AuditAction, Clinic, HprNumber, IdPolicy, NationalId, Patient, Practitioner};
use serde_json::{Value, json};
use store::{ListEntry, ListField};

type Params = Vec<(String, String)>;

const DEFAULT_COUNT: u32 = 100;
const MAX_COUNT: u32 = 500;

/// The clinic whose list the client keeps: a client bound to no clinic, or to one the
/// register does not know, keeps none.
pub(super) async fn own_clinic(state: &AppState, client: &ApiClient) -> Result<Clinic, Outcome> {
    let t = client.t;
    let her_id = client
        .client
        .clinic
        .ok_or_else(|| Outcome::new(t, Problem::Forbidden))?;
    state
        .store
        .clinic_by_her_id(her_id)
        .await
        .map_err(|e| Outcome::store(t, e))?
        .ok_or_else(|| Outcome::new(t, Problem::Forbidden))
}

/// A patient of the list as FHIR shows them, with their GP when they are on one's list.
fn patient_json(patient: &Patient, clinic: &Clinic, gp: Option<&Practitioner>) -> Value {
    let mut general = vec![json!({
        "type": "Organization",
        "identifier": { "system": HER_ID_SYSTEM, "value": clinic.her_id.to_string() },
        "display": clinic.name.as_str(),
    })];
    if let Some(gp) = gp {
        general.push(json!({
            "type": "Practitioner",
            "identifier": { "system": HPR_SYSTEM, "value": gp.hpr_number.to_string() },
            "display": gp.full_name(),
        }));
    }
    json!({
        "resourceType": "Patient",
        "identifier": [{
            "system": identifier_system(&patient.national_id),
            "value": patient.national_id.as_str(),
        }],
        "name": [{
            "family": patient.last_name.as_str(),
            "given": [patient.first_name.as_str()],
        }],
        "generalPractitioner": general,
    })
}

/// A patient as sent for the list: the list's entry, and the GP whose list they are to be on,
/// when a `generalPractitioner` names one by HPR number.
pub(super) struct SentPatient {
    pub entry: ListEntry,
    pub gp: Option<HprNumber>,
}

/// Reads `generalPractitioner`: the clinic by its HER-id, and at most one GP by HPR number;
/// anything else is refused. Answers the GP's HPR number, if one is named.
fn general_practitioners(value: &Value, clinic: &Clinic) -> Result<Option<HprNumber>, ()> {
    let mut gp = None;
    for named in value
        .get("generalPractitioner")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let identifier = named.get("identifier");
        let field = |name| identifier.and_then(|i| i.get(name)).and_then(Value::as_str);
        match (field("system"), field("value")) {
            (Some(HER_ID_SYSTEM), Some(her)) if her == clinic.her_id.to_string() => {}
            (Some(HPR_SYSTEM), Some(hpr)) if gp.is_none() => {
                gp = Some(HprNumber::parse(hpr).map_err(|_| ())?);
            }
            _ => return Err(()),
        }
    }
    Ok(gp)
}

/// `identifier=system|number` (or the number alone) of a search or a conditional change.
fn identifier_param(
    t: T,
    params: &Params,
    policy: IdPolicy,
) -> Result<Option<NationalId>, Outcome> {
    let Some((_, value)) = params.iter().find(|(name, _)| name == "identifier") else {
        return Ok(None);
    };
    let (system, number) = match value.split_once('|') {
        Some((system, number)) => (Some(system), number),
        None => (None, value.as_str()),
    };
    input::personal_number(system, number, policy)
        .map(Some)
        .map_err(|_| {
            Outcome::new(
                t,
                Problem::Invalid("fhir-list-identifier-search", "identifier".into()),
            )
        })
}

fn required_identifier(t: T, params: &Params, policy: IdPolicy) -> Result<NationalId, Outcome> {
    identifier_param(t, params, policy)?.ok_or_else(|| {
        Outcome::new(
            t,
            Problem::Invalid("fhir-list-identifier-search", "identifier".into()),
        )
    })
}

/// Reads a Patient sent for the list of `clinic`; `at` is where it stands, as FHIRPath.
pub(super) fn list_entry(
    t: T,
    value: &Value,
    policy: IdPolicy,
    clinic: &Clinic,
    at: &str,
) -> Result<SentPatient, Outcome> {
    let wrong = |key, field: &str| Outcome::unprocessable(t, key, &format!("{at}.{field}"));
    if value.get("resourceType").and_then(Value::as_str) != Some("Patient") {
        return Err(Outcome::unprocessable(t, "fhir-expected-patient", at));
    }
    let numbers: Vec<(usize, &str, &str)> = value
        .get("identifier")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(index, identifier)| {
            let system = identifier.get("system")?.as_str()?;
            [FODSELSNUMMER_SYSTEM, D_NUMMER_SYSTEM]
                .contains(&system)
                .then(|| {
                    let number = identifier.get("value").and_then(Value::as_str);
                    (index, system, number.unwrap_or_default())
                })
        })
        .collect();
    let [(index, system, number)] = numbers.as_slice() else {
        return Err(wrong("fhir-list-identifier", "identifier"));
    };
    let name = value
        .get("name")
        .and_then(Value::as_array)
        .and_then(|names| names.first());
    let given: Vec<&str> = name
        .and_then(|n| n.get("given"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let family = name
        .and_then(|n| n.get("family"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let gp = general_practitioners(value, clinic)
        .map_err(|()| wrong("fhir-list-gp", "generalPractitioner"))?;
    let entry =
        ListEntry::parse(number, &given.join(" "), family, policy).map_err(
            |field| match field {
                ListField::NationalId => {
                    wrong("fhir-list-number", &format!("identifier[{index}].value"))
                }
                ListField::FirstName => wrong("fhir-list-name", "name[0].given"),
                ListField::LastName => wrong("fhir-list-name", "name[0].family"),
            },
        )?;
    if identifier_system(&entry.national_id) != *system {
        return Err(wrong(
            "fhir-list-number",
            &format!("identifier[{index}].system"),
        ));
    }
    Ok(SentPatient { entry, gp })
}

/// The GPs sent patients name, as the clinic's practitioners; a number none of them has is
/// refused at `at(index)` before anything is written.
async fn named_gps(
    state: &AppState,
    t: T,
    clinic: &Clinic,
    sent: &[(String, &SentPatient)],
) -> Result<Vec<(domain::PractitionerId, Vec<NationalId>)>, Outcome> {
    if sent.iter().all(|(_, s)| s.gp.is_none()) {
        return Ok(Vec::new());
    }
    let practitioners = state
        .store
        .practitioners(clinic.id)
        .await
        .map_err(|e| Outcome::store(t, e))?;
    let mut lists: Vec<(domain::PractitionerId, Vec<NationalId>)> = Vec::new();
    for (at, patient) in sent {
        let Some(hpr) = patient.gp else { continue };
        let Some(gp) = practitioners
            .iter()
            .find(|p| p.practitioner.hpr_number == hpr)
            .map(|p| p.practitioner.id)
        else {
            return Err(Outcome::unprocessable(
                t,
                "fhir-list-gp-unknown",
                &format!("{at}.generalPractitioner"),
            ));
        };
        match lists.iter_mut().find(|(p, _)| *p == gp) {
            Some((_, patients)) => patients.push(patient.entry.national_id.clone()),
            None => lists.push((gp, vec![patient.entry.national_id.clone()])),
        }
    }
    Ok(lists)
}

/// Puts the patients the clinic has just listed on the lists of the GPs they were sent with.
async fn put_on_gps_lists(
    state: &AppState,
    client: &ApiClient,
    clinic: &Clinic,
    lists: &[(domain::PractitionerId, Vec<NationalId>)],
) -> Result<(), Outcome> {
    if lists.is_empty() {
        return Ok(());
    }
    let caller = client.caller(state).await?;
    state
        .store
        .import_practitioner_lists(&caller.actor, clinic.id, lists)
        .await
        .map_err(|e| Outcome::store(client.t, e))?;
    Ok(())
}

/// The GPs of the patients shown, for their `generalPractitioner`.
async fn gps_of(
    state: &AppState,
    t: T,
    clinic: &Clinic,
    patients: &[Patient],
) -> Result<Vec<(NationalId, Practitioner)>, Outcome> {
    let ids: Vec<NationalId> = patients.iter().map(|p| p.national_id.clone()).collect();
    state
        .store
        .practitioners_of(clinic.id, &ids)
        .await
        .map_err(|e| Outcome::store(t, e))
}

/// `GET /fhir/Patient`: the clinic's list, paged by `_count` and `_offset` in the register's
/// order, or the one patient `identifier` names. Every patient shown is audited as a view of
/// the list, as on the register's page.
pub async fn search(
    State(state): State<AppState>,
    client: ApiClient,
    Query(params): Query<Params>,
) -> Result<Response, Outcome> {
    let t = client.t;
    refuse_unknown(&client, &params, &["identifier", "_count", "_offset"])?;
    let (count, offset) = paging(t, &params)?;
    let one = identifier_param(t, &params, state.id_policy)?;
    let clinic = own_clinic(&state, &client).await?;
    let (patients, total) = match one {
        Some(ref id) => {
            let found = state
                .store
                .patient(id)
                .await
                .map_err(|e| Outcome::store(t, e))?
                .filter(|p| p.clinic_id == clinic.id);
            let total = u64::from(found.is_some());
            (found.into_iter().collect(), total)
        }
        None => {
            let page = state
                .store
                .clinic_patients_page(clinic.id, offset, count)
                .await
                .map_err(|e| Outcome::store(t, e))?;
            (page.patients, page.total)
        }
    };
    let shown: Vec<NationalId> = patients.iter().map(|p| p.national_id.clone()).collect();
    let caller = client.caller(&state).await?;
    state
        .store
        .record_views(
            &caller.actor,
            clinic.id,
            &shown,
            AuditAction::PatientListViewed,
            "patient_list",
        )
        .await
        .map_err(|e| Outcome::store(t, e))?;
    let after = offset.saturating_add(patients.len() as u64);
    let more = one.is_none() && after < total;
    let gps = gps_of(&state, t, &clinic, &patients).await?;
    Ok(fhir_json(&searchset(
        base_url(&state),
        &params,
        more.then_some(after),
        (&patients, &gps),
        total,
        &clinic,
    )))
}

/// `_count` (1 to 500, 100 unless given) and `_offset` (0 unless given).
fn paging(t: T, params: &Params) -> Result<(u32, u64), Outcome> {
    let invalid = |key, name: &str| Outcome::new(t, Problem::Invalid(key, name.into()));
    let count = match params.iter().find(|(n, _)| n == "_count") {
        None => DEFAULT_COUNT,
        Some((_, text)) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_COUNT).contains(n))
            .ok_or_else(|| invalid("fhir-count-invalid", "_count"))?,
    };
    let offset = match params.iter().find(|(n, _)| n == "_offset") {
        None => 0,
        Some((_, text)) => text
            .parse::<u64>()
            .map_err(|_| invalid("fhir-offset-invalid", "_offset"))?,
    };
    Ok((count, offset))
}

/// A page of the list as a searchset Bundle, with a `next` link to `next` when there is more.
fn searchset(
    base: &str,
    params: &Params,
    next: Option<u64>,
    (patients, gps): (&[Patient], &[(NationalId, Practitioner)]),
    total: u64,
    clinic: &Clinic,
) -> Value {
    let mut links = vec![json!({
        "relation": "self",
        "url": format!("{base}/fhir/Patient{}", query_string(params)),
    })];
    if let Some(after) = next {
        let mut next: Params = params
            .iter()
            .filter(|(n, _)| n != "_offset")
            .cloned()
            .collect();
        next.push(("_offset".into(), after.to_string()));
        links.push(json!({
            "relation": "next",
            "url": format!("{base}/fhir/Patient{}", query_string(&next)),
        }));
    }
    let mut bundle = json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
    });
    let entries: Vec<Value> = patients
        .iter()
        .map(|p| {
            let gp = gps
                .iter()
                .find(|(id, _)| *id == p.national_id)
                .map(|(_, gp)| gp);
            json!({ "resource": patient_json(p, clinic, gp), "search": { "mode": "match" } })
        })
        .collect();
    if let (false, Some(object)) = (entries.is_empty(), bundle.as_object_mut()) {
        object.insert("entry".into(), Value::Array(entries));
    }
    bundle
}

/// `PUT /fhir/Patient?identifier=…`: puts the patient on the list, or renames them there
/// (201 when they were not on it, 200 when they were). A patient on another office's list
/// moves here, as with the register's import: a person has one GP office.
pub async fn update(
    State(state): State<AppState>,
    client: ApiClient,
    Query(params): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Outcome> {
    let t = client.t;
    refuse_unknown(&client, &params, &["identifier"])?;
    let named = required_identifier(t, &params, state.id_policy)?;
    let clinic = own_clinic(&state, &client).await?;
    let value = input::json_body(t, &headers, &body, false)?;
    let sent = list_entry(t, &value, state.id_policy, &clinic, "Patient")?;
    let lists = named_gps(&state, t, &clinic, &[("Patient".into(), &sent)]).await?;
    let entry = sent.entry;
    if entry.national_id != named {
        return Err(Outcome::unprocessable(
            t,
            "fhir-list-identifier-mismatch",
            "Patient.identifier",
        ));
    }
    let listed_before = state
        .store
        .patient(&named)
        .await
        .map_err(|e| Outcome::store(t, e))?
        .is_some_and(|p| p.clinic_id == clinic.id);
    let caller = client.caller(&state).await?;
    let patient = state
        .store
        .list_patient(
            &caller.actor,
            clinic.id,
            &entry.national_id,
            &entry.first_name,
            &entry.last_name,
        )
        .await
        .map_err(|e| Outcome::store(t, e))?;
    put_on_gps_lists(&state, &client, &clinic, &lists).await?;
    let gp = gps_of(&state, t, &clinic, std::slice::from_ref(&patient)).await?;
    let mut response = fhir_json(&patient_json(
        &patient,
        &clinic,
        gp.first().map(|(_, gp)| gp),
    ));
    if !listed_before {
        *response.status_mut() = StatusCode::CREATED;
    }
    Ok(response)
}

/// `DELETE /fhir/Patient?identifier=…`: takes the patient off the list. A patient who is not
/// on it is answered the same (204): what the client asked for is so, and a retry is safe.
pub async fn delete(
    State(state): State<AppState>,
    client: ApiClient,
    Query(params): Query<Params>,
) -> Result<Response, Outcome> {
    let t = client.t;
    refuse_unknown(&client, &params, &["identifier"])?;
    let named = required_identifier(t, &params, state.id_policy)?;
    let clinic = own_clinic(&state, &client).await?;
    let caller = client.caller(&state).await?;
    match state
        .store
        .unlist_patient(&caller.actor, clinic.id, &named)
        .await
    {
        Ok(()) | Err(store::StoreError::NotFound(_)) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(error) => Err(Outcome::store(t, error)),
    }
}

/// The patient a transaction entry's `request.url` names: `Patient?identifier=…`.
pub(super) fn url_identifier(url: &str, policy: IdPolicy) -> Option<NationalId> {
    url.strip_prefix("Patient?")?;
    let uri: axum::http::Uri = format!("/{url}").parse().ok()?;
    let Query(params) = Query::<Params>::try_from_uri(&uri).ok()?;
    let [(name, value)] = params.as_slice() else {
        return None;
    };
    if name != "identifier" {
        return None;
    }
    let (system, number) = match value.split_once('|') {
        Some((system, number)) => (Some(system), number),
        None => (None, value.as_str()),
    };
    input::personal_number(system, number, policy).ok()
}

/// A transaction of `PUT Patient?identifier=…` entries (with their Patient) and
/// `DELETE Patient?identifier=…` entries (without): the register's import, with the patients
/// deleted taken off in the same transaction; every change or none, one audit event with the
/// counts. A patient put on the list twice is taken as the last entry has them, as a file's
/// last line is; one both put on and taken off is refused, since neither can be meant.
pub(super) async fn change(
    state: &AppState,
    client: &ApiClient,
    entries: &[(usize, NationalId, Option<&Value>)],
) -> Result<Response, Outcome> {
    let t = client.t;
    client.require(super::Scope::PatientList)?;
    let clinic = own_clinic(state, client).await?;
    let mut list = Vec::with_capacity(entries.len());
    let mut sent_gps: Vec<(String, SentPatient)> = Vec::new();
    let mut removed = Vec::new();
    let (put, deleted): (Vec<_>, Vec<_>) = entries.iter().partition(|(_, _, r)| r.is_some());
    let put: std::collections::HashSet<&str> = put.iter().map(|(_, id, _)| id.as_str()).collect();
    for (index, named, _) in deleted {
        if put.contains(named.as_str()) {
            return Err(Outcome::unprocessable(
                t,
                "fhir-list-named-twice",
                &format!("Bundle.entry[{index}].request"),
            ));
        }
    }
    for (index, named, resource) in entries {
        let Some(resource) = resource else {
            removed.push(named.clone());
            continue;
        };
        let at = format!("Bundle.entry[{index}].resource.ofType(Patient)");
        let sent = list_entry(t, resource, state.id_policy, &clinic, &at)?;
        if sent.entry.national_id != *named {
            return Err(Outcome::unprocessable(
                t,
                "fhir-list-identifier-mismatch",
                &format!("{at}.identifier"),
            ));
        }
        list.push(sent.entry.clone());
        sent_gps.push((at, sent));
    }
    let sent: Vec<(String, &SentPatient)> = sent_gps.iter().map(|(a, s)| (a.clone(), s)).collect();
    let lists = named_gps(state, t, &clinic, &sent).await?;
    let caller = client.caller(state).await?;
    state
        .store
        .change_patient_list(&caller.actor, clinic.id, &list, &removed)
        .await
        .map_err(|e| Outcome::store(t, e))?;
    put_on_gps_lists(state, client, &clinic, &lists).await?;
    let answered: Vec<Value> = entries
        .iter()
        .map(|(_, _, resource)| {
            let status = if resource.is_some() {
                "200 OK"
            } else {
                "204 No Content"
            };
            json!({ "response": { "status": status } })
        })
        .collect();
    Ok(fhir_json(&super::transaction::response_bundle(answered)))
}
