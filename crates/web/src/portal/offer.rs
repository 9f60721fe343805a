//! A place offered from the waitlist: the page the notice links to (`/venteliste/tilbud/{id}`,
//! kept through the login as every patient page is), with «Bestill», which books the held
//! place through the booking core after «Hva gjelder det?», and «Nei takk», which passes it
//! on. Only the patient's own offer is found; any other id is «not found».

use super::booking::limit_booking;
use super::refusals;
use crate::AppState;
use crate::failure::Failure;
use crate::pages::{FieldError, Page, html};
use crate::texts::clock;
use crate::visitor::Patient;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{DomainError, Reason, Refusal, ReturnPath};
use serde::Deserialize;
use store::{OfferState, StoreError, WaitlistOffer};

#[derive(Template)]
#[template(path = "waitlist_offer.html")]
struct OfferPage {
    page: Page,
    offer_id: i64,
    open: bool,
    /// Why the offer is not open any more, or the refusal of a booking just tried.
    message: Option<String>,
    appointment_at: String,
    when: String,
    attendance: String,
    duration: String,
    held_until: String,
    errors: Vec<FieldError>,
    reason_error: Option<String>,
    reason: String,
    counter: String,
    counter_template: String,
}

fn offer_page(
    state: &AppState,
    patient: &Patient,
    offer: &WaitlistOffer,
    (reason, error): (String, Option<String>),
) -> OfferPage {
    let t = patient.visitor.t;
    let open = offer.state == OfferState::Open;
    let message = match offer.state {
        OfferState::Open => None,
        OfferState::Accepted => Some(t.get("offer-accepted")),
        OfferState::Declined | OfferState::Expired => Some(t.get("offer-gone")),
    };
    let count = domain::count_characters(reason.trim()).to_string();
    OfferPage {
        page: Page::new(&patient.visitor, "offer-title"),
        offer_id: offer.id,
        open,
        message,
        appointment_at: t.args(
            "review-appointment-at",
            &[
                ("resource", offer.resource_name.as_str()),
                ("clinic", offer.clinic_name.as_str()),
            ],
        ),
        when: t.date_time_range(offer.start, offer.length.end_from(offer.start), &state.zone),
        attendance: t.arg("review-attendance", "address", offer.address.as_str()),
        duration: t.arg(
            "review-duration",
            "minutes",
            &offer.length.as_minutes().to_string(),
        ),
        held_until: t.arg(
            "offer-held-until",
            "time",
            &clock(offer.expires_at, &state.zone),
        ),
        errors: error
            .iter()
            .map(|_| FieldError {
                field: "reason",
                label: t.get("review-reason-label"),
            })
            .collect(),
        reason_error: error,
        reason,
        counter: t.arg("review-reason-counter", "count", &count),
        counter_template: t.arg("review-reason-counter", "count", "{count}"),
    }
}

/// The patient's own offer; any other is «not found».
async fn own_offer(state: &AppState, patient: &Patient, id: i64) -> Result<WaitlistOffer, Failure> {
    state
        .store
        .patient_offer(&patient.id, id)
        .await
        .map_err(|e| Failure::store(patient.visitor.t, e))
}

/// The offer is another person's whom the patient may act for (and not the person they act
/// for now).
async fn offered_to_represented(state: &AppState, patient: &Patient, id: i64) -> bool {
    if !patient.visitor.representation.represents_anyone {
        return false;
    }
    let Ok(represented) = state.store.represented(&patient.user).await else {
        return false;
    };
    let people = represented
        .into_iter()
        .map(|relation| relation.person)
        .chain([patient.user.clone()])
        .filter(|person| *person != patient.id);
    for person in people {
        if state.store.patient_offer(&person, id).await.is_ok() {
            return true;
        }
    }
    false
}

#[derive(Deserialize, Default)]
pub struct OfferQuery {
    /// A refusal the booking was just answered with, as «Velg time» names them.
    melding: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    patient: Patient,
    Path(id): Path<i64>,
    Query(query): Query<OfferQuery>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let offer = match state.store.patient_offer(&patient.id, id).await {
        Ok(offer) => offer,
        Err(StoreError::NotFound(_)) if offered_to_represented(&state, &patient, id).await => {
            // The notice went to a parent for their child, say, and they act for themself
            // now: they choose the child, and come back here.
            let here = ReturnPath::parse(&format!("/venteliste/tilbud/{id}"))
                .map_err(|_| Failure::new(t, crate::failure::Kind::NotFound))?;
            return Ok(crate::visitor::choose_person_then(&state, &here));
        }
        Err(error) => return Err(Failure::store(t, error)),
    };
    let mut page = offer_page(&state, &patient, &offer, (String::new(), None));
    if page.open
        && let Some(key) = refusals::calendar_notice(query.melding.as_deref())
    {
        page.message = Some(t.get(key));
    }
    Ok(html(&page).into_response())
}

#[derive(Deserialize)]
pub struct BookForm {
    reason: Option<String>,
}

/// «Bestill»: books the held place with «Hva gjelder det?», as the review page does.
pub async fn book(
    State(state): State<AppState>,
    patient: Patient,
    Path(id): Path<i64>,
    Form(form): Form<BookForm>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    limit_booking(&state, &patient).await?;
    let offer = own_offer(&state, &patient, id).await?;
    let typed = form.reason.unwrap_or_default();
    let reason = match Reason::parse(&typed) {
        Ok(reason) => reason,
        Err(error) => {
            let key = match error {
                DomainError::TextTooLong { .. } => "review-reason-too-long",
                ref other => crate::texts::text_refusal(other).unwrap_or("review-reason-missing"),
            };
            let page = offer_page(&state, &patient, &offer, (typed, Some(t.get(key))));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
        }
    };
    match state
        .store
        .accept_offer(&patient.caller(), id, &reason)
        .await
    {
        Ok(booked) => {
            Ok(Redirect::to(&format!("/bestill/kvittering/{}", booked.id)).into_response())
        }
        // The hold went, or the place with it: the page says the offer no longer stands.
        Err(StoreError::Refused(Refusal::HoldLost | Refusal::Taken)) => {
            Ok(Redirect::to(&format!("/venteliste/tilbud/{id}")).into_response())
        }
        Err(StoreError::Refused(refusal)) => {
            let href = |code: &str| format!("/venteliste/tilbud/{id}?melding={code}");
            refusals::respond(&patient, refusal, Some(&href))
        }
        Err(error) => Err(Failure::store(t, error)),
    }
}

/// «Nei takk»: the place goes to the next in line at the next pass; the patient stays on the
/// list.
pub async fn decline(
    State(state): State<AppState>,
    patient: Patient,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let declined = state
        .store
        .decline_offer(&patient.caller(), id)
        .await
        .map_err(|e| Failure::store(patient.visitor.t, e))?;
    Ok(if declined {
        Redirect::to("/timeavtaler?venteliste=avslatt#venteliste").into_response()
    } else {
        Redirect::to(&format!("/venteliste/tilbud/{id}")).into_response()
    })
}
