//! «Sperring»: block a patient by fødselsnummer with an internal reason, see who is blocked,
//! and lift a block. The fødselsnummer travels in form bodies only, never in a URL that a log
//! could keep.

use crate::AppState;
use crate::failure::Failure;
use crate::pages::{FieldError, Page, html};
use crate::visitor::StaffMember;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{AuditAction, BlockReason, NationalId, Refusal};
use serde::Deserialize;
use store::StoreError;

pub struct BlockedPatient {
    name: String,
    national_id: String,
    reason: String,
    since: String,
}

#[derive(Template)]
#[template(path = "blocks.html")]
struct BlocksPage {
    page: Page,
    notice: Option<String>,
    blocks: Vec<BlockedPatient>,
    errors: Vec<FieldError>,
    id_error: Option<String>,
    reason_error: Option<String>,
    typed_id: String,
    typed_reason: String,
}

#[derive(Deserialize, Default)]
pub struct Notice {
    melding: Option<String>,
}

async fn blocks_page(
    state: &AppState,
    staff: &StaffMember,
    notice: Option<String>,
) -> Result<BlocksPage, Failure> {
    let t = staff.visitor.t;
    let mut blocks = Vec::new();
    for listed in state
        .store
        .blocked_patients(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?
    {
        let block = listed.block;
        let subject = format!("block:{}", staff.clinic_id);
        state
            .store
            .record_view(
                &staff.actor,
                staff.clinic_id,
                &block.patient,
                AuditAction::BlockViewed,
                &subject,
            )
            .await
            .map_err(|e| Failure::store(t, e))?;
        let date = block
            .blocked_at
            .to_zoned_datetime(state.zone.clone())
            .date();
        blocks.push(BlockedPatient {
            // The store names only patients on this clinic's own list.
            name: listed
                .name
                .map(|(first, last)| format!("{first} {last}"))
                .unwrap_or_default(),
            national_id: block.patient.as_str().to_owned(),
            reason: block.reason.to_string(),
            since: t.arg("blocks-since", "date", &t.long_date(date)),
        });
    }
    Ok(BlocksPage {
        page: Page::staff(&staff.visitor, "blocks-title", "/klinikk/sperring"),
        notice,
        blocks,
        errors: Vec::new(),
        id_error: None,
        reason_error: None,
        typed_id: String::new(),
        typed_reason: String::new(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    staff: StaffMember,
    Query(notice): Query<Notice>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let notice = match notice.melding.as_deref() {
        Some("sperret") => Some(t.get("blocks-blocked")),
        Some("opphevet") => Some(t.get("blocks-unblocked")),
        _ => None,
    };
    Ok(html(&blocks_page(&state, &staff, notice).await?).into_response())
}

#[derive(Deserialize)]
pub struct BlockForm {
    fodselsnummer: Option<String>,
    begrunnelse: Option<String>,
}

pub async fn block(
    State(state): State<AppState>,
    staff: StaffMember,
    Form(form): Form<BlockForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let typed_id = form.fodselsnummer.unwrap_or_default();
    let typed_reason = form.begrunnelse.unwrap_or_default();
    let patient = NationalId::parse(&typed_id, state.id_policy);
    let reason = BlockReason::parse(&typed_reason);
    let (Ok(patient), Ok(reason)) = (&patient, &reason) else {
        let mut page = blocks_page(&state, &staff, None).await?;
        if patient.is_err() {
            page.id_error = Some(t.get("blocks-invalid-id"));
            page.errors.push(FieldError {
                field: "fodselsnummer",
                label: t.get("blocks-national-id"),
            });
        }
        if let Err(error) = &reason {
            let key = crate::texts::text_refusal(error).unwrap_or("blocks-reason-missing");
            page.reason_error = Some(t.get(key));
            page.errors.push(FieldError {
                field: "begrunnelse",
                label: t.get("blocks-reason"),
            });
        }
        page.typed_id = typed_id;
        page.typed_reason = typed_reason;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
    };
    match state
        .store
        .block_patient(&staff.actor, staff.clinic_id, patient, reason)
        .await
    {
        Ok(_) => Ok(Redirect::to("/klinikk/sperring?melding=sperret").into_response()),
        // The one answer for every number off the clinic's list, whether another office has
        // it or nobody does: the page says only what the staff member can see for themself.
        Err(StoreError::Refused(Refusal::NotOnList)) => {
            let mut page = blocks_page(&state, &staff, None).await?;
            page.id_error = Some(t.get("blocks-not-on-list"));
            page.errors.push(FieldError {
                field: "fodselsnummer",
                label: t.get("blocks-national-id"),
            });
            page.typed_id = typed_id;
            page.typed_reason = typed_reason;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
        }
        Err(error) => Err(Failure::store(t, error)),
    }
}

#[derive(Deserialize)]
pub struct UnblockForm {
    fodselsnummer: Option<String>,
}

pub async fn unblock(
    State(state): State<AppState>,
    staff: StaffMember,
    Form(form): Form<UnblockForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let patient = NationalId::parse(
        form.fodselsnummer.as_deref().unwrap_or_default(),
        state.id_policy,
    )
    .map_err(|_| Failure::new(t, crate::failure::Kind::BadRequest))?;
    match state
        .store
        .unblock_patient(&staff.actor, staff.clinic_id, &patient)
        .await
    {
        Ok(()) | Err(StoreError::NotFound("block")) => {
            Ok(Redirect::to("/klinikk/sperring?melding=opphevet").into_response())
        }
        Err(error) => Err(Failure::store(t, error)),
    }
}
