//! Clinics, their services and their patient lists.

use crate::AppState;
use crate::failure::{Failure, Kind};
use crate::lines;
use crate::pages::{Page, html};
use crate::visitor::OperatorUser;
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{
    AuditAction, Clinic, ClinicId, ClinicName, HerId, InfoText, NationalId, TimebookKind,
};
use serde::Deserialize;
use store::ListEntry;

pub struct ClinicLine {
    id: i64,
    her_id: u32,
    name: String,
    org_number: String,
    phone: String,
    municipality: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    page: Page,
    notice: Option<String>,
    clinics: Vec<ClinicLine>,
    /// Bookings by slot finder these last days: (finder, bookings).
    referrals: Vec<(String, u64)>,
}

/// How far back the register counts the bookings slot finders brought.
const REFERRAL_DAYS: i64 = 30;

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
    let since = state
        .now()
        .saturating_sub(jiff::SignedDuration::from_hours(24 * REFERRAL_DAYS))
        .unwrap_or(state.now());
    let referrals = state
        .store
        .referred_bookings(since)
        .await
        .map_err(|e| Failure::store(t, e))?
        .into_iter()
        .map(|r| {
            let finder = r
                .source
                .unwrap_or_else(|| t.get("register-referrals-no-source"));
            (finder, r.bookings)
        })
        .collect();
    let page = RegisterPage {
        referrals,
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
                municipality: c.municipality.map(|m| m.to_string()).unwrap_or_default(),
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
    kommunenummer: Option<String>,
    kommune: Option<String>,
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
    let municipality = match (
        form.kommunenummer
            .as_deref()
            .map(str::trim)
            .unwrap_or_default(),
        form.kommune.as_deref().map(str::trim).unwrap_or_default(),
    ) {
        ("", "") => Ok(None),
        (number, name) => domain::Municipality::parse(number, name).map(Some),
    };
    let (Ok(her), Ok(name), Ok(org), Ok(phone), Ok(municipality)) =
        (her, name, org, phone, municipality)
    else {
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
    state
        .store
        .set_municipality(&operator.actor, clinic.id, municipality.as_ref())
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

/// Patients shown on one page of a clinic's list. Each shown patient is an audited view, so a
/// list of 50,000 is read a page at a time, never whole.
const PATIENTS_PER_PAGE: u32 = 50;

#[derive(Template)]
#[template(path = "register_clinic.html")]
struct ClinicPage {
    page: Page,
    notice: Option<String>,
    clinic_id: i64,
    heading: String,
    services: Vec<ServiceBox>,
    patients: Vec<PatientLine>,
    /// «Viser 51–100 av 50 000», when the list is not empty.
    showing: Option<String>,
    previous_page: Option<u64>,
    next_page: Option<u64>,
    report: Vec<String>,
    practitioners: Vec<super::practitioners::PractitionerLine>,
}

#[derive(Deserialize, Default)]
pub struct ClinicQuery {
    melding: Option<String>,
    /// The page of the patient list, from 1.
    side: Option<u64>,
    lagt_til: Option<u64>,
    oppdatert: Option<u64>,
    uendret: Option<u64>,
    /// How many patients were put on a practitioner's list.
    antall: Option<u64>,
}

pub(super) async fn clinic(
    state: &AppState,
    operator: &OperatorUser,
    id: i64,
) -> Result<Clinic, Failure> {
    state
        .store
        .clinic(ClinicId(id))
        .await
        .map_err(|e| Failure::store(operator.visitor.t, e))
}

fn service_boxes(t: crate::texts::T, on: &[TimebookKind]) -> Vec<ServiceBox> {
    TimebookKind::ALL
        .into_iter()
        .map(|kind| ServiceBox {
            code: kind.code(),
            label: t.get(kind.service_label_message()),
            on: on.contains(&kind),
        })
        .collect()
}

/// The clinic's page with page `number` (from 1) of its patient list.
async fn clinic_page(
    state: &AppState,
    operator: &OperatorUser,
    clinic: &Clinic,
    number: u64,
) -> Result<ClinicPage, Failure> {
    let t = operator.visitor.t;
    let on = state
        .store
        .enabled_services(clinic.id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let number = number.max(1);
    let per_page = u64::from(PATIENTS_PER_PAGE);
    let offset = (number - 1).saturating_mul(per_page);
    let list = state
        .store
        .clinic_patients_page(clinic.id, offset, PATIENTS_PER_PAGE)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let shown: Vec<NationalId> = list
        .patients
        .iter()
        .map(|p| p.national_id.clone())
        .collect();
    state
        .store
        .record_views(
            &operator.actor,
            clinic.id,
            &shown,
            AuditAction::PatientListViewed,
            "patient_list",
        )
        .await
        .map_err(|e| Failure::store(t, e))?;
    let last = offset + list.patients.len() as u64;
    Ok(ClinicPage {
        page: Page::operator(&operator.visitor, "register-title", "/register"),
        notice: None,
        clinic_id: clinic.id.0,
        heading: format!("{} ({})", clinic.name, clinic.her_id),
        services: service_boxes(t, &on),
        showing: (!list.patients.is_empty()).then(|| {
            t.args(
                "register-patients-showing",
                &[
                    ("first", &(offset + 1).to_string()),
                    ("last", &last.to_string()),
                    ("total", &list.total.to_string()),
                ],
            )
        }),
        // Past the end, «previous» leads back to the last page.
        previous_page: (number > 1).then(|| (number - 1).min(list.total.div_ceil(per_page).max(1))),
        next_page: (last < list.total).then(|| number + 1),
        patients: list
            .patients
            .into_iter()
            .map(|p| PatientLine {
                name: format!("{} {}", p.first_name, p.last_name),
                national_id: p.national_id.as_str().to_owned(),
            })
            .collect(),
        report: Vec::new(),
        practitioners: super::practitioners::lines(state, operator, clinic.id).await?,
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
    let mut page = clinic_page(&state, &operator, &clinic, query.side.unwrap_or(1)).await?;
    page.notice = match query.melding.as_deref() {
        Some("tjenester") => Some(t.get("register-services-saved")),
        Some("lagt-til") => Some(t.get("register-patient-added")),
        Some("fjernet") => Some(t.get("register-patient-removed")),
        Some("ugyldig") => Some(t.get("register-patient-invalid")),
        Some("fastlege-lagret") => Some(t.get("register-practitioner-saved")),
        Some("fastlege-ugyldig") => Some(t.get("register-practitioner-invalid")),
        Some("liste-ugyldig") => Some(t.get("register-practitioner-list-invalid")),
        Some("liste-satt") => Some(t.arg(
            "register-practitioner-listed",
            "count",
            &query.antall.unwrap_or(0).to_string(),
        )),
        Some("importert") => Some(t.args(
            "register-import-report",
            &[
                ("added", &query.lagt_til.unwrap_or(0).to_string()),
                ("updated", &query.oppdatert.unwrap_or(0).to_string()),
                ("unchanged", &query.uendret.unwrap_or(0).to_string()),
            ],
        )),
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
    let Ok(entry) = ListEntry::parse(
        form.fodselsnummer.as_deref().unwrap_or_default(),
        form.fornavn.as_deref().unwrap_or_default(),
        form.etternavn.as_deref().unwrap_or_default(),
        state.id_policy,
    ) else {
        return Ok(
            Redirect::to(&format!("/register/klinikker/{id}?melding=ugyldig")).into_response(),
        );
    };
    state
        .store
        .list_patient(
            &operator.actor,
            clinic.id,
            &entry.national_id,
            &entry.first_name,
            &entry.last_name,
        )
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

/// The clinic's page again after an import it refused: nothing changed, and the report names
/// each rejected line and why.
pub(super) async fn refused_import(
    state: &AppState,
    operator: &OperatorUser,
    clinic: &Clinic,
    (count, rejected): (usize, &[(usize, &'static str)]),
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let mut page = clinic_page(state, operator, clinic, 1).await?;
    page.notice = Some(t.args(
        "register-import-refused",
        &[
            ("rejected", &rejected.len().to_string()),
            ("lines", &count.to_string()),
        ],
    ));
    page.report = lines::report(t, rejected);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
}

/// One CSV line: `fødselsnummer;fornavn;etternavn` (a comma works too), read as the store
/// reads every list entry.
fn row(line: &str, policy: domain::IdPolicy) -> Result<ListEntry, &'static str> {
    let fields: Vec<&str> = line.split([';', ',']).map(str::trim).collect();
    let [id, first, last] = fields.as_slice() else {
        return Err("register-import-bad-columns");
    };
    ListEntry::parse(id, first, last, policy).map_err(|field| match field {
        store::ListField::NationalId => "register-import-bad-id",
        store::ListField::FirstName | store::ListField::LastName => "register-import-bad-name",
    })
}

/// Imports a CSV file (`fil`) and lines pasted into the text field (`csv`), whichever is given:
/// every line or none. A file with a bad line changes nothing and comes back with a report of
/// its bad lines; a good one is put on the list in one transaction, and the answer is a
/// redirect to the list's first page with the counts, so that the import never shows (and
/// audits a view of) the whole list.
pub async fn import(
    State(state): State<AppState>,
    operator: OperatorUser,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let clinic = clinic(&state, &operator, id).await?;
    let fields = lines::multipart_fields(t, form).await?;
    let text = lines::joined(&fields, &["fil", "csv"]);
    let lines = lines::read_lines(&text, |line| row(line, state.id_policy));
    if !lines.rejected.is_empty() {
        return refused_import(&state, &operator, &clinic, (lines.count, &lines.rejected)).await;
    }
    let entries: Vec<ListEntry> = lines.entries.into_iter().map(|(_, e)| e).collect();
    let counts = state
        .store
        .import_patients(&operator.actor, clinic.id, &entries)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to(&format!(
        "/register/klinikker/{id}?melding=importert&lagt_til={}&oppdatert={}&uendret={}",
        counts.added, counts.updated, counts.unchanged
    ))
    .into_response())
}
