//! «Varsler» for the operator: how many notifications wait, went out, were skipped or failed,
//! and the failed ones with their last error, each of which can be tried again. Journal
//! systems' FHIR Subscription notifications are among them, named by their subscription.

use crate::AppState;
use crate::failure::Failure;
use crate::pages::{Page, html};
use crate::texts::clock;
use crate::visitor::OperatorUser;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::OutboxCounts;

pub struct FailedLine {
    id: i64,
    created: String,
    failed: String,
    kind: String,
    clinic: String,
    channel: String,
    attempts: u32,
    error: String,
}

#[derive(Template)]
#[template(path = "register_notifications.html")]
struct NotificationsPage {
    page: Page,
    retried: bool,
    counts: OutboxCounts,
    failed: Vec<FailedLine>,
}

#[derive(Deserialize)]
pub struct Retried {
    provd: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    operator: OperatorUser,
    Query(retried): Query<Retried>,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let counts = state
        .store
        .outbox_counts()
        .await
        .map_err(|e| Failure::store(t, e))?;
    let failed = state
        .store
        .failed_jobs(200)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let page = NotificationsPage {
        page: Page::operator(
            &operator.visitor,
            "register-notifications-title",
            "/register/varsler",
        ),
        retried: retried.provd.is_some(),
        counts,
        failed: failed
            .into_iter()
            .map(|job| FailedLine {
                id: job.id,
                created: clock(job.created_at, &state.zone),
                failed: clock(job.failed_at, &state.zone),
                kind: t.get(&kind_key(job.kind)),
                clinic: job.clinic_name,
                channel: match (job.subscription_id, job.channel) {
                    (Some(subscription), _) => t.arg(
                        "register-notification-hook",
                        "id",
                        &subscription.to_string(),
                    ),
                    (None, channel) => channel
                        .map(|c| t.get(&format!("notify-channel-{}", c.code())))
                        .unwrap_or_default(),
                },
                attempts: job.attempts,
                error: job.last_error,
            })
            .collect(),
    };
    Ok(html(&page).into_response())
}

pub async fn retry(
    State(state): State<AppState>,
    operator: OperatorUser,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    state
        .store
        .retry_job(&operator.actor, id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to("/register/varsler?provd=1").into_response())
}

/// The message key naming a job's kind in the list of failed notifications.
fn kind_key(kind: store::NotificationKind) -> String {
    format!(
        "register-notification-kind-{}",
        kind.code().replace(['.', '_'], "-")
    )
}

#[cfg(test)]
mod tests {
    use store::NotificationKind;

    #[test]
    fn every_kind_of_job_is_named_in_every_language() {
        let codes = [
            "appointment.booked",
            "appointment.cancelled_by_patient",
            "appointment.cancelled_by_clinic",
            "appointment.moved",
            "appointment.reminder",
            "message.reply",
            "invitation.sent",
            "invitation.reminder",
            "waitlist.offer",
        ];
        for code in codes {
            let kind = NotificationKind::parse(code).expect("a kind");
            for lang in i18n::Lang::ALL {
                assert!(
                    lang.try_text(&super::kind_key(kind), &[]).is_some(),
                    "{code} in {lang:?}"
                );
            }
        }
    }
}
