//! The audit log, read by the operator for one patient. The fødselsnummer is posted, never put
//! in a URL, and reading the log is itself audited.

use crate::AppState;
use crate::failure::{Failure, Kind};
use crate::pages::{Page, html};
use crate::texts::clock;
use crate::visitor::OperatorUser;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use domain::NationalId;
use serde::Deserialize;
use store::AuditFilter;

pub struct EventLine {
    when: String,
    who: String,
    what: String,
    subject: String,
}

#[derive(Template)]
#[template(path = "register_audit.html")]
struct AuditPage {
    page: Page,
    searched: bool,
    events: Vec<EventLine>,
}

pub async fn form(operator: OperatorUser) -> Response {
    html(&AuditPage {
        page: Page::operator(&operator.visitor, "register-audit-title", "/register/logg"),
        searched: false,
        events: Vec::new(),
    })
    .into_response()
}

#[derive(Deserialize)]
pub struct SearchForm {
    fodselsnummer: Option<String>,
}

pub async fn search(
    State(state): State<AppState>,
    operator: OperatorUser,
    Form(form): Form<SearchForm>,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let patient = NationalId::parse(
        form.fodselsnummer.as_deref().unwrap_or_default(),
        state.id_policy,
    )
    .map_err(|_| Failure::new(t, Kind::BadRequest))?;
    let events = state
        .store
        .audit_events(&AuditFilter {
            patient: Some(patient.clone()),
            action: None,
            limit: 500,
        })
        .await
        .map_err(|e| Failure::store(t, e))?;
    if let Some(clinic) = state
        .store
        .patient(&patient)
        .await
        .map_err(|e| Failure::store(t, e))?
        .map(|p| p.clinic_id)
    {
        state
            .store
            .record_view(
                &operator.actor,
                clinic,
                &patient,
                domain::AuditAction::AuditRead,
                "audit",
            )
            .await
            .map_err(|e| Failure::store(t, e))?;
    }
    let events = events
        .into_iter()
        .map(|event| {
            let day = state.day_of(event.at);
            EventLine {
                when: t.args(
                    "date-time",
                    &[
                        ("date", &t.short_date(day)),
                        ("time", &clock(event.at, &state.zone)),
                    ],
                ),
                who: format!(
                    "{} {}",
                    event.actor.kind(),
                    if matches!(event.actor, domain::Actor::Patient(_)) {
                        ""
                    } else {
                        event.actor.identifier()
                    }
                ),
                what: event.action.code().to_owned(),
                subject: event.subject,
            }
        })
        .collect();
    let page = AuditPage {
        page: Page::operator(&operator.visitor, "register-audit-title", "/register/logg"),
        searched: true,
        events,
    };
    Ok(html(&page).into_response())
}
