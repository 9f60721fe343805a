//! «Fastleger» on a clinic's register page: the clinic's practitioners with the size of each
//! one's list, adding one by HPR number, and putting patients of the clinic's list on a
//! practitioner's list by their fødselsnumre.

use super::clinics::clinic;
use crate::AppState;
use crate::failure::Failure;
use crate::visitor::OperatorUser;
use axum::Form;
use axum::extract::{Path, State};
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
                name: format!("{} {}", p.first_name, p.last_name),
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
