//! «Meldinger»: the patient writes to their GP office, reads the answers, writes again while
//! the conversation is open, deletes a message from their own view, and sees it as XML.

use crate::AppState;
use crate::conversation::{MessageView, Reader, message_views, sent_label};
use crate::failure::{Failure, Kind};
use crate::limits::Scope;
use crate::pages::{FieldError, Page, html};
use crate::texts::T;
use crate::visitor::Patient;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{DomainError, MessageId, MessageText, Subject, ThreadId, count_characters};
use jiff::Timestamp;
use serde::Deserialize;
use store::StoreError;

pub struct ThreadLine {
    id: i64,
    subject: String,
    clinic: String,
    last: String,
    unread: bool,
    closed: bool,
}

#[derive(Template)]
#[template(path = "messages.html")]
struct ListPage {
    page: Page,
    threads: Vec<ThreadLine>,
}

pub async fn list(State(state): State<AppState>, patient: Patient) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let threads = state
        .store
        .patient_threads(&patient.id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let now = Timestamp::now();
    Ok(html(&ListPage {
        page: Page::new(&patient.visitor, "messages-title"),
        threads: threads
            .into_iter()
            .map(|thread| ThreadLine {
                id: thread.id.0,
                subject: thread.subject.to_string(),
                clinic: thread.clinic_name.to_string(),
                last: sent_label(t, thread.last_at, now, &state.zone),
                unread: thread.unread_by_patient,
                closed: thread.closed,
            })
            .collect(),
    })
    .into_response())
}

/// The live counter's text and its template for the script.
pub struct Counter {
    pub now: String,
    pub template: String,
}

pub fn counter(t: T, key: &str, text: &str) -> Counter {
    Counter {
        now: t.arg(key, "count", &count_characters(text.trim()).to_string()),
        template: t.arg(key, "count", "{count}"),
    }
}

#[derive(Template)]
#[template(path = "message_new.html")]
struct NewPage {
    page: Page,
    errors: Vec<FieldError>,
    subject: String,
    subject_error: Option<String>,
    subject_counter: Counter,
    text: String,
    text_error: Option<String>,
    text_counter: Counter,
}

#[derive(Deserialize, Default)]
pub struct NewForm {
    #[serde(default)]
    emne: String,
    #[serde(default)]
    melding: String,
}

fn new_page(
    patient: &Patient,
    form: &NewForm,
    subject_error: Option<&str>,
    text_error: Option<&str>,
) -> NewPage {
    let t = patient.visitor.t;
    let mut errors = Vec::new();
    let mut message = |field: &'static str, key: Option<&str>| {
        key.map(|key| {
            let label = t.get(key);
            errors.push(FieldError {
                field,
                label: label.clone(),
            });
            label
        })
    };
    let subject_error = message("emne", subject_error);
    let text_error = message("melding", text_error);
    NewPage {
        page: Page::new(&patient.visitor, "message-new-title"),
        errors,
        subject: form.emne.clone(),
        subject_error,
        subject_counter: counter(t, "message-subject-counter", &form.emne),
        text: form.melding.clone(),
        text_error,
        text_counter: counter(t, "message-text-counter", &form.melding),
    }
}

pub async fn new_form(patient: Patient) -> Response {
    html(&new_page(&patient, &NewForm::default(), None, None)).into_response()
}

fn subject_problem(error: &DomainError) -> &'static str {
    match error {
        DomainError::TextTooLong { .. } => "message-subject-too-long",
        _ => "message-subject-empty",
    }
}

fn text_problem(error: &DomainError) -> &'static str {
    match error {
        DomainError::TextTooLong { .. } => "message-text-too-long",
        DomainError::TextControlCharacters(_) => "message-text-invalid",
        _ => "message-text-empty",
    }
}

pub async fn send(
    State(state): State<AppState>,
    patient: Patient,
    Form(form): Form<NewForm>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    Failure::limit(t, &state.limits, Scope::Messages, patient.id.as_str())?;
    let subject = Subject::parse(&form.emne);
    let text = MessageText::parse(&form.melding);
    let (subject, text) = match (subject, text) {
        (Ok(subject), Ok(text)) => (subject, text),
        (subject, text) => {
            let page = new_page(
                &patient,
                &form,
                subject.err().as_ref().map(subject_problem),
                text.err().as_ref().map(text_problem),
            );
            return Ok((StatusCode::BAD_REQUEST, html(&page)).into_response());
        }
    };
    let id = state
        .store
        .write_message(&patient.id, &subject, &text)
        .await
        .map_err(|e| match e {
            StoreError::NotOnList => Failure::new(t, Kind::Forbidden),
            other => Failure::store(t, other),
        })?;
    Ok(Redirect::to(&format!("/meldinger/{}", id.0)).into_response())
}

#[derive(Template)]
#[template(path = "thread.html")]
struct ThreadPage {
    page: Page,
    id: i64,
    subject: String,
    messages: Vec<MessageView>,
    closed: bool,
    reply: String,
    reply_error: Option<String>,
    errors: Vec<FieldError>,
    text_counter: Counter,
    /// Where the messages' own actions live.
    base: String,
    can_delete: bool,
}

async fn thread_page(
    state: &AppState,
    patient: &Patient,
    id: ThreadId,
    reply: &str,
    reply_error: Option<&str>,
) -> Result<ThreadPage, Failure> {
    let t = patient.visitor.t;
    let thread = state
        .store
        .patient_thread(&patient.id, id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let reply_error = reply_error.map(|key| t.get(key));
    let errors = reply_error
        .iter()
        .map(|label| FieldError {
            field: "melding",
            label: label.clone(),
        })
        .collect();
    Ok(ThreadPage {
        page: Page::new(&patient.visitor, "messages-title"),
        id: id.0,
        subject: thread.summary.subject.to_string(),
        messages: message_views(
            t,
            &state.zone,
            &thread.summary,
            &thread.messages,
            Reader::Patient,
            Timestamp::now(),
        ),
        closed: thread.summary.closed,
        reply: reply.to_owned(),
        reply_error,
        errors,
        text_counter: counter(t, "message-text-counter", reply),
        base: format!("/meldinger/{}/meldinger", id.0),
        can_delete: true,
    })
}

pub async fn show(
    State(state): State<AppState>,
    patient: Patient,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let page = thread_page(&state, &patient, ThreadId(id), "", None).await?;
    Ok(html(&page).into_response())
}

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    melding: String,
}

pub async fn reply(
    State(state): State<AppState>,
    patient: Patient,
    Path(id): Path<i64>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    Failure::limit(t, &state.limits, Scope::Messages, patient.id.as_str())?;
    let text = match MessageText::parse(&form.melding) {
        Ok(text) => text,
        Err(error) => {
            let page = thread_page(
                &state,
                &patient,
                ThreadId(id),
                &form.melding,
                Some(text_problem(&error)),
            )
            .await?;
            return Ok((StatusCode::BAD_REQUEST, html(&page)).into_response());
        }
    };
    match state
        .store
        .reply_as_patient(&patient.id, ThreadId(id), &text)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/meldinger/{id}")).into_response()),
        Err(StoreError::ThreadClosed) => {
            let page = thread_page(&state, &patient, ThreadId(id), "", None).await?;
            Ok((StatusCode::CONFLICT, html(&page)).into_response())
        }
        Err(error) => Err(Failure::store(t, error)),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    patient: Patient,
    Path((id, message)): Path<(i64, i64)>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    state
        .store
        .hide_message_for_patient(&patient.id, ThreadId(id), MessageId(message))
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to(&format!("/meldinger/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "message_xml.html")]
pub struct XmlPage {
    pub page: Page,
    pub back: String,
    pub xml: String,
}

pub async fn xml(
    State(state): State<AppState>,
    patient: Patient,
    Path((id, message)): Path<(i64, i64)>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let thread = state
        .store
        .patient_thread(&patient.id, ThreadId(id))
        .await
        .map_err(|e| Failure::store(t, e))?;
    let xml =
        crate::dialogmelding::thread_message_xml(&state, t, &thread, MessageId(message)).await?;
    Ok(html(&XmlPage {
        page: Page::new(&patient.visitor, "message-xml-title"),
        back: format!("/meldinger/{id}"),
        xml,
    })
    .into_response())
}
