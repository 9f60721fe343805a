//! «Fastleger» on a clinic's register page: the clinic's practitioners with the size of each
//! one's list, adding one by HPR number, putting patients of the clinic's list on a
//! practitioner's list by their fødselsnumre, and importing the fastlegelister of several
//! practitioners at once from a CSV file of `hpr;fødselsnummer` lines.

use super::clinics::{clinic, refused_import};
use crate::AppState;
use crate::failure::Failure;
use crate::lines;
use crate::visitor::OperatorUser;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{ClinicId, HprNumber, NationalId, PersonName, PractitionerId};
use serde::Deserialize;

/// One practitioner as the page lists them.
pub struct PractitionerLine {
    pub id: i64,
    pub name: String,
    pub about: String,
}

/// The clinic's practitioners, for its register page.
pub async fn lines(
    state: &AppState,
    operator: &OperatorUser,
    clinic: ClinicId,
) -> Result<Vec<PractitionerLine>, Failure> {
    let t = operator.visitor.t;
    let practitioners = state
        .store
        .practitioners(clinic)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(practitioners
        .into_iter()
        .map(|listed| {
            let p = listed.practitioner;
            PractitionerLine {
                id: p.id.0,
                name: p.full_name(),
                about: t.args(
                    "register-practitioner-about",
                    &[
                        ("hpr", &p.hpr_number.to_string()),
                        ("count", &listed.patients.to_string()),
                    ],
                ),
            }
        })
        .collect())
}

fn back(id: i64, message: &str) -> Response {
    Redirect::to(&format!(
        "/register/klinikker/{id}?melding={message}#fastleger"
    ))
    .into_response()
}

#[derive(Deserialize)]
pub struct AddForm {
    hpr: Option<String>,
    fornavn: Option<String>,
    etternavn: Option<String>,
}

/// «Legg til fastlege»: a bad HPR number or name comes back with a message and changes
/// nothing; the same number again renames the practitioner.
pub async fn add(
    State(state): State<AppState>,
    operator: OperatorUser,
    Path(id): Path<i64>,
    Form(form): Form<AddForm>,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let clinic = clinic(&state, &operator, id).await?;
    let parsed = (
        HprNumber::parse(form.hpr.as_deref().unwrap_or_default()),
        PersonName::parse(form.fornavn.as_deref().unwrap_or_default()),
        PersonName::parse(form.etternavn.as_deref().unwrap_or_default()),
    );
    let (Ok(hpr), Ok(first), Ok(last)) = parsed else {
        return Ok(back(id, "fastlege-ugyldig"));
    };
    state
        .store
        .save_practitioner(&operator.actor, clinic.id, hpr, (&first, &last))
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(back(id, "fastlege-lagret"))
}

#[derive(Deserialize)]
pub struct ListForm {
    fastlege: Option<i64>,
    pasienter: Option<String>,
}

/// «Sett på listen»: fødselsnumre, one a line; any that cannot be read changes nothing.
pub async fn list(
    State(state): State<AppState>,
    operator: OperatorUser,
    Path(id): Path<i64>,
    Form(form): Form<ListForm>,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let clinic = clinic(&state, &operator, id).await?;
    let patients: Result<Vec<NationalId>, _> = form
        .pasienter
        .as_deref()
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| NationalId::parse(line, state.id_policy))
        .collect();
    let (Some(practitioner), Ok(patients)) = (form.fastlege, patients) else {
        return Ok(back(id, "liste-ugyldig"));
    };
    if patients.is_empty() {
        return Ok(back(id, "liste-ugyldig"));
    }
    let listed = state
        .store
        .list_with_practitioner(
            &operator.actor,
            clinic.id,
            PractitionerId(practitioner),
            &patients,
        )
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to(&format!(
        "/register/klinikker/{id}?melding=liste-satt&antall={listed}#fastleger"
    ))
    .into_response())
}

/// One line of a fastlegeliste file: `hpr;fødselsnummer` (a comma works too).
fn list_row(line: &str, policy: domain::IdPolicy) -> Result<(HprNumber, NationalId), &'static str> {
    let fields: Vec<&str> = line.split([';', ',']).map(str::trim).collect();
    let [hpr, id] = fields.as_slice() else {
        return Err("register-practitioner-import-bad-columns");
    };
    let hpr = HprNumber::parse(hpr).map_err(|_| "register-practitioner-import-bad-hpr")?;
    let id = NationalId::parse(id, policy).map_err(|_| "register-import-bad-id")?;
    Ok((hpr, id))
}

/// Whether a file's first line is its header (`hpr;fodselsnummer`), not a patient.
fn is_header(line: &str) -> bool {
    line.trim_start().to_lowercase().starts_with("hpr")
}

/// «Importer fastlegelister»: a CSV file (`fil`) or pasted lines (`linjer`) of
/// `hpr;fødselsnummer`, a header line allowed. Every line or none: a line that cannot be
/// read, or names an HPR number the clinic has no practitioner with, changes nothing and
/// comes back in a report; good lines are put on their practitioners' lists in one
/// transaction.
pub async fn import(
    State(state): State<AppState>,
    operator: OperatorUser,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let clinic = clinic(&state, &operator, id).await?;
    let fields = lines::multipart_fields(t, form).await?;
    let text = lines::joined(&fields, &["fil", "linjer"]);
    let body = match text.lines().find(|l| !l.trim().is_empty()) {
        Some(first) if is_header(first) => text.replacen(first, "", 1),
        _ => text,
    };
    let mut read = lines::read_lines(&body, |line| list_row(line, state.id_policy));
    let practitioners = state
        .store
        .practitioners(clinic.id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let mut lists: Vec<(PractitionerId, Vec<NationalId>)> = Vec::new();
    for (number, (hpr, patient)) in std::mem::take(&mut read.entries) {
        let Some(practitioner) = practitioners
            .iter()
            .find(|p| p.practitioner.hpr_number == hpr)
            .map(|p| p.practitioner.id)
        else {
            read.rejected
                .push((number, "register-practitioner-import-unknown-hpr"));
            continue;
        };
        match lists.iter_mut().find(|(p, _)| *p == practitioner) {
            Some((_, patients)) => patients.push(patient),
            None => lists.push((practitioner, vec![patient])),
        }
    }
    read.rejected.sort_by_key(|(number, _)| *number);
    if !read.rejected.is_empty() || lists.is_empty() {
        return refused_import(&state, &operator, &clinic, (read.count, &read.rejected)).await;
    }
    let listed = state
        .store
        .import_practitioner_lists(&operator.actor, clinic.id, &lists)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to(&format!(
        "/register/klinikker/{id}?melding=liste-satt&antall={listed}#fastleger"
    ))
    .into_response())
}
