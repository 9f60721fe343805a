//! Clinics, their services and their patient lists.

use crate::AppState;
use crate::failure::{Failure, Kind};
use crate::pages::{Page, html};
use crate::visitor::OperatorUser;
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{
    AuditAction, Clinic, ClinicId, ClinicName, HerId, InfoText, NationalId, PersonName,
    TimebookKind,
};
use serde::Deserialize;

pub struct ClinicLine {
    id: i64,
    her_id: u32,
    name: String,
    org_number: String,
    phone: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    page: Page,
    notice: Option<String>,
    clinics: Vec<ClinicLine>,
}

#[derive(Deserialize, Default)]
pub struct Notice {
    melding: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    operator: OperatorUser,
    Query(notice): Query<Notice>,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let clinics = state
        .store
        .clinics()
        .await
        .map_err(|e| Failure::store(t, e))?;
    let page = RegisterPage {
        page: Page::operator(&operator.visitor, "register-title", "/register"),
        notice: (notice.melding.as_deref() == Some("ugyldig")).then(|| t.get("register-invalid")),
        clinics: clinics
            .into_iter()
            .map(|c| ClinicLine {
                id: c.id.0,
                her_id: c.her_id.get(),
                name: c.name.to_string(),
                org_number: c.org_number.map(|o| o.to_string()).unwrap_or_default(),
                phone: c.phone.map(|p| p.to_string()).unwrap_or_default(),
            })
            .collect(),
    };
    Ok(html(&page).into_response())
}

#[derive(Deserialize)]
pub struct CreateForm {
    her: Option<String>,
    navn: Option<String>,
    org: Option<String>,
    telefon: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    operator: OperatorUser,
    Form(form): Form<CreateForm>,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let her = HerId::parse(form.her.as_deref().unwrap_or_default());
    let name = ClinicName::parse(form.navn.as_deref().unwrap_or_default());
    let org = domain::OrgNumber::parse(form.org.as_deref().unwrap_or_default());
    let phone = match form.telefon.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(typed) => domain::PhoneNumber::parse(typed).map(Some),
    };
    let (Ok(her), Ok(name), Ok(org), Ok(phone)) = (her, name, org, phone) else {
        return Ok(Redirect::to("/register?melding=ugyldig").into_response());
    };
    let info = match state
        .store
        .clinic_by_her_id(her)
        .await
        .map_err(|e| Failure::store(t, e))?
    {
        Some(existing) => existing.info,
        None => InfoText::parse("").map_err(|_| Failure::new(t, Kind::BadRequest))?,
    };
    let clinic = state
        .store
        .save_clinic(&operator.actor, her, &name, &info)
        .await
        .map_err(|e| Failure::store(t, e))?;
    state
        .store
        .set_org_number(&operator.actor, clinic.id, &org)
        .await
        .map_err(|e| Failure::store(t, e))?;
    state
        .store
        .set_phone(&operator.actor, clinic.id, phone.as_ref())
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to(&format!("/register/klinikker/{}", clinic.id)).into_response())
}

pub struct ServiceBox {
    code: &'static str,
    label: String,
    on: bool,
}

pub struct PatientLine {
    name: String,
    national_id: String,
}

#[derive(Template)]
#[template(path = "register_clinic.html")]
struct ClinicPage {
    page: Page,
    notice: Option<String>,
    clinic_id: i64,
    heading: String,
    services: Vec<ServiceBox>,
    patients: Vec<PatientLine>,
    report: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct ClinicQuery {
    melding: Option<String>,
}

async fn clinic(state: &AppState, operator: &OperatorUser, id: i64) -> Result<Clinic, Failure> {
    state
        .store
        .clinic(ClinicId(id))
        .await
        .map_err(|e| Failure::store(operator.visitor.t, e))
}

async fn clinic_page(
    state: &AppState,
    operator: &OperatorUser,
    clinic: &Clinic,
) -> Result<ClinicPage, Failure> {
    let t = operator.visitor.t;
    let on = state
        .store
        .enabled_services(clinic.id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let patients = state
        .store
        .clinic_patients(clinic.id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    for patient in &patients {
        state
            .store
            .record_view(
                &operator.actor,
                clinic.id,
                &patient.national_id,
                AuditAction::PatientListViewed,
                "patient_list",
            )
            .await
            .map_err(|e| Failure::store(t, e))?;
    }
    Ok(ClinicPage {
        page: Page::operator(&operator.visitor, "register-title", "/register"),
        notice: None,
        clinic_id: clinic.id.0,
        heading: format!("{} ({})", clinic.name, clinic.her_id),
        services: TimebookKind::ALL
            .into_iter()
            .map(|kind| ServiceBox {
                code: kind.code(),
                label: t.get(kind.service_label_message()),
                on: on.contains(&kind),
            })
            .collect(),
        patients: patients
            .into_iter()
            .map(|p| PatientLine {
                name: format!("{} {}", p.first_name, p.last_name),
                national_id: p.national_id.as_str().to_owned(),
            })
            .collect(),
        report: Vec::new(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    operator: OperatorUser,
    Path(id): Path<i64>,
    Query(query): Query<ClinicQuery>,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let clinic = clinic(&state, &operator, id).await?;
    let mut page = clinic_page(&state, &operator, &clinic).await?;
    page.notice = match query.melding.as_deref() {
        Some("tjenester") => Some(t.get("register-services-saved")),
        Some("lagt-til") => Some(t.get("register-patient-added")),
        Some("fjernet") => Some(t.get("register-patient-removed")),
        Some("ugyldig") => Some(t.get("register-patient-invalid")),
        _ => None,
    };
    Ok(html(&page).into_response())
}

pub async fn services(
    State(state): State<AppState>,
    operator: OperatorUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let clinic = clinic(&state, &operator, id).await?;
    let chosen: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "tjeneste")
        .map(|(_, v)| v.as_str())
        .collect();
    let on = state
        .store
        .enabled_services(clinic.id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    for kind in TimebookKind::ALL {
        let wanted = chosen.contains(&kind.code());
        if wanted != on.contains(&kind) {
            state
                .store
                .set_service(&operator.actor, clinic.id, kind, wanted)
                .await
                .map_err(|e| Failure::store(t, e))?;
        }
    }
    Ok(Redirect::to(&format!("/register/klinikker/{id}?melding=tjenester")).into_response())
}

#[derive(Deserialize)]
pub struct PatientForm {
    fodselsnummer: Option<String>,
    fornavn: Option<String>,
    etternavn: Option<String>,
}

pub async fn add_patient(
    State(state): State<AppState>,
    operator: OperatorUser,
    Path(id): Path<i64>,
    Form(form): Form<PatientForm>,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let clinic = clinic(&state, &operator, id).await?;
    let patient = NationalId::parse(
        form.fodselsnummer.as_deref().unwrap_or_default(),
        state.id_policy,
    );
    let first = PersonName::parse(form.fornavn.as_deref().unwrap_or_default());
    let last = PersonName::parse(form.etternavn.as_deref().unwrap_or_default());
    let (Ok(patient), Ok(first), Ok(last)) = (patient, first, last) else {
        return Ok(
            Redirect::to(&format!("/register/klinikker/{id}?melding=ugyldig")).into_response(),
        );
    };
    state
        .store
        .list_patient(&operator.actor, clinic.id, &patient, &first, &last)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to(&format!("/register/klinikker/{id}?melding=lagt-til")).into_response())
}

#[derive(Deserialize)]
pub struct RemoveForm {
    fodselsnummer: Option<String>,
}

pub async fn remove_patient(
    State(state): State<AppState>,
    operator: OperatorUser,
    Path(id): Path<i64>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let clinic = clinic(&state, &operator, id).await?;
    let patient = NationalId::parse(
        form.fodselsnummer.as_deref().unwrap_or_default(),
        state.id_policy,
    )
    .map_err(|_| Failure::new(t, Kind::BadRequest))?;
    state
        .store
        .unlist_patient(&operator.actor, clinic.id, &patient)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to(&format!("/register/klinikker/{id}?melding=fjernet")).into_response())
}

/// One CSV line: `fødselsnummer;fornavn;etternavn` (a comma works too).
fn row(
    line: &str,
    policy: domain::IdPolicy,
) -> Result<(NationalId, PersonName, PersonName), &'static str> {
    let fields: Vec<&str> = line.split([';', ',']).map(str::trim).collect();
    let [id, first, last] = fields.as_slice() else {
        return Err("register-import-bad-columns");
    };
    let id = NationalId::parse(id, policy).map_err(|_| "register-import-bad-id")?;
    let first = PersonName::parse(first).map_err(|_| "register-import-bad-name")?;
    let last = PersonName::parse(last).map_err(|_| "register-import-bad-name")?;
    Ok((id, first, last))
}

/// Imports a CSV file (`fil`) and lines pasted into the text field (`csv`), whichever is given.
pub async fn import(
    State(state): State<AppState>,
    operator: OperatorUser,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let clinic = clinic(&state, &operator, id).await?;
    let mut text = String::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| Failure::new(t, Kind::BadRequest))?
    {
        if matches!(field.name(), Some("fil" | "csv")) {
            let bytes = field
                .bytes()
                .await
                .map_err(|_| Failure::new(t, Kind::BadRequest))?;
            let content =
                String::from_utf8(bytes.to_vec()).map_err(|_| Failure::new(t, Kind::BadRequest))?;
            text.push_str(content.trim_start_matches('\u{feff}'));
            text.push('\n');
        }
    }
    let (mut added, mut rejected) = (0usize, Vec::new());
    for (number, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        match row(line, state.id_policy) {
            Ok((patient, first, last)) => {
                state
                    .store
                    .list_patient(&operator.actor, clinic.id, &patient, &first, &last)
                    .await
                    .map_err(|e| Failure::store(t, e))?;
                added += 1;
            }
            Err(reason) => rejected.push(t.args(
                "register-import-rejected",
                &[
                    ("line", &(number + 1).to_string()),
                    ("reason", &t.get(reason)),
                ],
            )),
        }
    }
    let mut page = clinic_page(&state, &operator, &clinic).await?;
    page.notice = Some(t.args(
        "register-import-report",
        &[
            ("added", &added.to_string()),
            ("rejected", &rejected.len().to_string()),
        ],
    ));
    page.report = rejected;
    let status = if page.report.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html(&page)).into_response())
}
