//! «Innkalling»: staff invite patients of the office's list to book a timebook, one number a
//! line, pasted or uploaded; see each timebook's invitations (sent, booked, expired); and
//! remind those who have not booked. Fødselsnumre travel in form bodies only, never in a URL.
//! What an invitation lets a patient do is the booking core's to decide (see the store's
//! `invitations.rs` and the booking rules).

use crate::AppState;
use crate::failure::Failure;
use crate::lines;
use crate::pages::{FieldError, Page, html};
use crate::texts::T;
use crate::visitor::StaffMember;
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{
    InvitationDays, InvitationDaysError, InvitationMessage, NationalId, Refusal, TimebookId,
    count_characters,
};
use serde::Deserialize;
use store::{Invitation, InvitationState, NewInvitations};

/// A timebook to choose.
struct TimebookOption {
    id: i64,
    label: String,
    chosen: bool,
}

/// One invitation as the list shows it.
struct InvitationLine {
    name: String,
    national_id: String,
    sent: String,
    days: String,
    state: String,
}

#[derive(Template)]
#[template(path = "invitations.html")]
struct InvitationsPage {
    page: Page,
    notice: Option<String>,
    report: Vec<String>,
    errors: Vec<FieldError>,
    timebooks: Vec<TimebookOption>,
    /// The timebook whose list is shown.
    shown: Option<i64>,
    shown_label: String,
    counts: String,
    invitations: Vec<InvitationLine>,
    timebook_error: Option<String>,
    days_error: Option<String>,
    message_error: Option<String>,
    patients_error: Option<String>,
    typed_first: String,
    typed_last: String,
    typed_message: String,
    typed_patients: String,
    counter: String,
    counter_template: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    timebok: Option<String>,
    melding: Option<String>,
    sendt: Option<u64>,
    paminnet: Option<u64>,
    /// The rejected lines of the invitations just sent, as `line.code` joined by commas (see
    /// [`REJECTIONS`]), and how many there were in all.
    avvist: Option<String>,
    avviste: Option<usize>,
}

/// Why a line was not sent: its code in the address the sending redirects to, and its message.
const REJECTIONS: [(&str, &str); 4] = [
    ("fnr", "register-import-bad-id"),
    ("igjen", "invitations-repeated"),
    ("liste", "invitations-not-on-list"),
    ("sperret", "invitations-blocked"),
];

/// The rejected lines as the redirect's `avvist` carries them, up to the report's length.
fn rejections_param(rejected: &[(usize, &'static str)]) -> String {
    rejected
        .iter()
        .take(lines::REPORTED_LINES)
        .filter_map(|(line, key)| {
            REJECTIONS
                .iter()
                .find(|(_, k)| k == key)
                .map(|(code, _)| format!("{line}.{code}"))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The report of `avvist`, read back; anything it cannot read is left out.
fn rejections_report(t: T, param: &str, total: usize) -> Vec<String> {
    let rejected: Vec<(usize, &'static str)> = param
        .split(',')
        .take(lines::REPORTED_LINES)
        .filter_map(|item| {
            let (line, code) = item.split_once('.')?;
            let line = line.parse::<usize>().ok()?;
            let key = REJECTIONS.iter().find(|(c, _)| *c == code)?.1;
            Some((line, key))
        })
        .collect();
    let mut report = lines::report(t, &rejected);
    if total > rejected.len() && total <= 1_000_000 {
        let more = (total - rejected.len()).to_string();
        report.push(t.arg("register-import-more", "count", &more));
    }
    report
}

fn state_label(t: T, state: InvitationState) -> String {
    t.get(match state {
        InvitationState::Sent => "invitations-state-sent",
        InvitationState::Booked => "invitations-state-booked",
        InvitationState::Expired => "invitations-state-expired",
    })
}

fn line(state: &AppState, t: T, invitation: &Invitation) -> InvitationLine {
    let day = |at: jiff::Timestamp| at.to_zoned_datetime(state.zone.clone()).date();
    // The invitation expires at the start of the day after its last.
    let last = day(invitation.expires_at)
        .yesterday()
        .unwrap_or(day(invitation.expires_at));
    InvitationLine {
        name: invitation
            .name
            .as_ref()
            .map(|(first, last)| format!("{first} {last}"))
            .unwrap_or_default(),
        national_id: invitation.patient.as_str().to_owned(),
        sent: t.short_date(day(invitation.sent_at)),
        days: t.args(
            "invitations-days",
            &[
                ("from", &t.short_date(day(invitation.opens_at))),
                ("to", &t.short_date(last)),
            ],
        ),
        state: state_label(t, invitation.state),
    }
}

/// The page with the form empty and the list of `shown` (the first timebook when none).
async fn invitations_page(
    state: &AppState,
    staff: &StaffMember,
    shown: Option<i64>,
) -> Result<InvitationsPage, Failure> {
    let t = staff.visitor.t;
    let timebooks = state
        .store
        .timebooks(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let shown = shown
        .filter(|id| timebooks.iter().any(|tb| tb.id.0 == *id))
        .or(timebooks.first().map(|tb| tb.id.0));
    let label = |tb: &domain::Timebook| t.get(tb.kind.service_label_message());
    let shown_label = timebooks
        .iter()
        .find(|tb| Some(tb.id.0) == shown)
        .map(label)
        .unwrap_or_default();
    let mut invitations = Vec::new();
    let mut counts = String::new();
    if let Some(id) = shown {
        let list = state
            .store
            .invitations(&staff.actor, staff.clinic_id, TimebookId(id))
            .await
            .map_err(|e| Failure::store(t, e))?;
        let count = |s: InvitationState| list.iter().filter(|i| i.state == s).count().to_string();
        counts = t.args(
            "invitations-counts",
            &[
                ("sent", &count(InvitationState::Sent)),
                ("booked", &count(InvitationState::Booked)),
                ("expired", &count(InvitationState::Expired)),
            ],
        );
        invitations = list.iter().map(|i| line(state, t, i)).collect();
    }
    Ok(InvitationsPage {
        page: Page::staff(&staff.visitor, "invitations-title", "/klinikk/innkalling"),
        notice: None,
        report: Vec::new(),
        errors: Vec::new(),
        timebooks: timebooks
            .iter()
            .map(|tb| TimebookOption {
                id: tb.id.0,
                label: label(tb),
                chosen: Some(tb.id.0) == shown,
            })
            .collect(),
        shown,
        shown_label,
        counts,
        invitations,
        timebook_error: None,
        days_error: None,
        message_error: None,
        patients_error: None,
        typed_first: String::new(),
        typed_last: String::new(),
        typed_message: String::new(),
        typed_patients: String::new(),
        counter: t.arg("invitations-message-counter", "count", "0"),
        counter_template: t.arg("invitations-message-counter", "count", "{count}"),
    })
}

pub async fn show(
    State(state): State<AppState>,
    staff: StaffMember,
    Query(query): Query<ListQuery>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let shown = query.timebok.as_deref().and_then(|s| s.parse::<i64>().ok());
    let mut page = invitations_page(&state, &staff, shown).await?;
    let sent = query.sendt.unwrap_or(0).to_string();
    page.notice = match (query.melding.as_deref(), &query.avvist) {
        (Some("sendt"), Some(rejected)) => {
            let total = query.avviste.unwrap_or(0);
            page.report = rejections_report(t, rejected, total);
            Some(t.args(
                "invitations-sent-with-rejections",
                &[("invited", &sent), ("rejected", &total.to_string())],
            ))
        }
        (Some("sendt"), None) => Some(t.arg("invitations-sent", "count", &sent)),
        (Some("paminnet"), _) => Some(t.arg(
            "invitations-reminded",
            "count",
            &query.paminnet.unwrap_or(0).to_string(),
        )),
        _ => None,
    };
    Ok(html(&page).into_response())
}

/// The value of the form's field `name`, the first when it is given more than once.
fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// A date field: `None` when left empty, `Err` when it is not a date.
fn date_field(text: &str) -> Result<Option<jiff::civil::Date>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    domain::parse_date(text).map(Some).map_err(|_| ())
}

/// The form's patients, a fødselsnummer a line: pasted (`fodselsnumre`) and uploaded (`fil`).
/// A line that is not a valid number, or repeats one above, is rejected with its number.
fn patient_lines(text: &str, policy: domain::IdPolicy) -> lines::Lines<NationalId> {
    let mut read = lines::read_lines(text, |line| {
        NationalId::parse(line.trim(), policy).map_err(|_| "register-import-bad-id")
    });
    let mut seen = std::collections::HashSet::new();
    let mut entries = Vec::new();
    for (number, id) in read.entries {
        if seen.insert(id.clone()) {
            entries.push((number, id));
        } else {
            read.rejected.push((number, "invitations-repeated"));
        }
    }
    read.rejected.sort_by_key(|(number, _)| *number);
    read.entries = entries;
    read
}

/// What was wrong with a form that sends nothing.
struct Refused<'a> {
    timebook: Option<i64>,
    days: Option<&'static str>,
    message: Option<&'a domain::DomainError>,
    lines: &'a lines::Lines<NationalId>,
    fields: &'a [(String, String)],
}

/// The form again, as it was typed, with what is wrong with each field.
async fn refused_form(
    state: &AppState,
    staff: &StaffMember,
    form: Refused<'_>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let typed_message = field(form.fields, "melding").to_owned();
    let typed_patients = field(form.fields, "fodselsnumre").to_owned();
    let mut page = invitations_page(state, staff, form.timebook).await?;
    if form.timebook.is_none() {
        page.timebook_error = Some(t.get("invitations-timebook-missing"));
        page.errors.push(FieldError {
            field: "timebok",
            label: t.get("invitations-timebook"),
        });
    }
    if let Some(key) = form.days {
        page.days_error = Some(t.get(key));
        page.errors.push(FieldError {
            field: "fra",
            label: t.get("invitations-first-day"),
        });
    }
    if let Some(error) = form.message {
        let key = crate::texts::text_refusal(error).unwrap_or("invitations-message-too-long");
        page.message_error = Some(t.get(key));
        page.errors.push(FieldError {
            field: "melding",
            label: t.get("invitations-message"),
        });
    }
    if form.lines.entries.is_empty() {
        page.patients_error = Some(t.get("invitations-patients-missing"));
        page.errors.push(FieldError {
            field: "fodselsnumre",
            label: t.get("invitations-patients"),
        });
        page.report = lines::report(t, &form.lines.rejected);
    }
    page.typed_first = field(form.fields, "fra").to_owned();
    page.typed_last = field(form.fields, "til").to_owned();
    page.counter = t.arg(
        "invitations-message-counter",
        "count",
        &count_characters(&typed_message).to_string(),
    );
    page.typed_message = typed_message;
    page.typed_patients = typed_patients;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
}

/// The days of the form's `fra` and `til`, or the message key saying what is wrong.
fn invitation_days(
    first: &str,
    last: &str,
    today: jiff::civil::Date,
) -> Result<InvitationDays, &'static str> {
    let (Ok(first), Ok(last)) = (date_field(first), date_field(last)) else {
        return Err("invitations-days-invalid");
    };
    InvitationDays::new(first, last, today).map_err(|e| match e {
        InvitationDaysError::Reversed => "invitations-days-reversed",
        InvitationDaysError::Passed => "invitations-days-passed",
        InvitationDaysError::TooLong => "invitations-days-too-long",
    })
}

/// The lines rejected when read and those the store refused, by line. Any number off the
/// office's own list gets the same words, whoever else may have it.
fn all_rejected(
    read: lines::Lines<NationalId>,
    refused: &[(NationalId, Refusal)],
) -> Vec<(usize, &'static str)> {
    let mut rejected = read.rejected;
    for (patient, refusal) in refused {
        let reason = match refusal {
            Refusal::Blocked => "invitations-blocked",
            _ => "invitations-not-on-list",
        };
        for (number, _) in read.entries.iter().filter(|(_, id)| id == patient) {
            rejected.push((*number, reason));
        }
    }
    rejected.sort_by_key(|(number, _)| *number);
    rejected
}

/// Sends the invitations. A form whose timebook, days or message is wrong, or with no patient
/// at all, sends nothing and says why. Otherwise every good line of the office's own list is
/// invited, and each rejected line is reported, as the register's import reports its lines.
pub async fn send(
    State(state): State<AppState>,
    staff: StaffMember,
    request: Request,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let fields = lines::form_fields(t, request, &state).await?;
    let timebook = field(&fields, "timebok").trim().parse::<i64>().ok();
    let (first, last) = (field(&fields, "fra"), field(&fields, "til"));
    let message = InvitationMessage::parse(field(&fields, "melding"));
    let text = lines::joined(&fields, &["fodselsnumre", "fil"]);
    let read = patient_lines(&text, state.id_policy);

    let timebooks = state
        .store
        .timebooks(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let timebook = timebook.filter(|id| timebooks.iter().any(|tb| tb.id.0 == *id));
    let days = invitation_days(first, last, state.today());
    let (Some(timebook), Ok(days), Ok(message), false) =
        (timebook, days, &message, read.entries.is_empty())
    else {
        let form = Refused {
            timebook,
            days: days.err(),
            message: message.as_ref().err(),
            lines: &read,
            fields: &fields,
        };
        return refused_form(&state, &staff, form).await;
    };
    let patients: Vec<NationalId> = read.entries.iter().map(|(_, id)| id.clone()).collect();
    let report = state
        .store
        .invite(
            &staff.actor,
            staff.clinic_id,
            &NewInvitations {
                timebook: TimebookId(timebook),
                days,
                message: Some(message.clone()),
                patients,
            },
        )
        .await
        .map_err(|e| Failure::store(t, e))?;
    let invited = report.invited.len().to_string();
    if report.rejected.is_empty() && read.rejected.is_empty() {
        return Ok(Redirect::to(&format!(
            "/klinikk/innkalling?timebok={timebook}&melding=sendt&sendt={invited}"
        ))
        .into_response());
    }
    let rejected = all_rejected(read, &report.rejected);
    if !report.invited.is_empty() {
        // Sent: the answer is a redirect, so that reloading the page sends nothing again. The
        // report travels as line numbers and reason codes, never a number.
        return Ok(Redirect::to(&format!(
            "/klinikk/innkalling?timebok={timebook}&melding=sendt&sendt={invited}&avvist={}&avviste={}",
            rejections_param(&rejected),
            rejected.len()
        ))
        .into_response());
    }
    let mut page = invitations_page(&state, &staff, Some(timebook)).await?;
    page.notice = Some(t.args(
        "invitations-sent-with-rejections",
        &[
            ("invited", &invited),
            ("rejected", &rejected.len().to_string()),
        ],
    ));
    page.report = lines::report(t, &rejected);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
}

/// «Send påminnelse»: reminds everyone invited to the timebook who has not booked, once a day.
pub async fn remind(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let count = state
        .store
        .remind(&staff.actor, staff.clinic_id, TimebookId(id))
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to(&format!(
        "/klinikk/innkalling?timebok={id}&melding=paminnet&paminnet={count}"
    ))
    .into_response())
}
