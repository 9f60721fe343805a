//! «Meldinger»: the patient writes to their GP office, reads the answers, writes again while
//! the conversation is open, deletes a message from their own view, and sees it as XML.

use crate::AppState;
use crate::conversation::{
    Counter, MessageView, Reader, ReplyBox, ReplyForm, XmlPage, counter, message_views, sent_label,
    text_problem,
};
use crate::failure::{Failure, Kind};
use crate::limits::Scope;
use crate::pages::{FieldError, Page, field_errors, html};
use crate::visitor::Patient;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{DomainError, MessageId, MessageText, Subject, ThreadId};
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
    let now = state.now();
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
    let (errors, [subject_error, text_error]) =
        field_errors(t, [("emne", subject_error), ("melding", text_error)]);
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
    if let Some(key) = crate::texts::text_refusal(error) {
        return key;
    }
    match error {
        DomainError::TextTooLong { .. } => "message-subject-too-long",
        _ => "message-subject-empty",
    }
}

pub async fn send(
    State(state): State<AppState>,
    patient: Patient,
    Form(form): Form<NewForm>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    Failure::limit(t, &state.limits, Scope::Messages, patient.id.as_str()).await?;
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
        .write_message(&patient.caller(), &subject, &text)
        .await
        .map_err(|e| match e {
            StoreError::Refused(domain::Refusal::NotOnList) => Failure::new(t, Kind::Forbidden),
            other => Failure::store(t, other),
        })?;
    Ok(Redirect::to(&format!("/meldinger/{}", id.0)).into_response())
}

#[derive(Template)]
#[template(path = "thread.html")]
struct ThreadPage {
    page: Page,
    subject: String,
    messages: Vec<MessageView>,
    closed: bool,
    reply: ReplyBox,
    errors: Vec<FieldError>,
    /// Where the messages' own actions live.
    base: String,
    can_delete: bool,
}

async fn thread_page(
    state: &AppState,
    patient: &Patient,
    id: ThreadId,
    reply: &str,
    problem: Option<&DomainError>,
) -> Result<ThreadPage, Failure> {
    let t = patient.visitor.t;
    let thread = state
        .store
        .patient_thread(&patient.id, id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let reply = ReplyBox::new(t, format!("/meldinger/{}/svar", id.0), reply, problem);
    Ok(ThreadPage {
        page: Page::new(&patient.visitor, "messages-title"),
        subject: thread.summary.subject.to_string(),
        messages: message_views(
            t,
            &state.zone,
            &thread.summary,
            &thread.messages,
            Reader::Patient,
            state.now(),
        ),
        closed: thread.summary.closed,
        errors: reply.errors(),
        reply,
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

pub async fn reply(
    State(state): State<AppState>,
    patient: Patient,
    Path(id): Path<i64>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    Failure::limit(t, &state.limits, Scope::Messages, patient.id.as_str()).await?;
    let text = match MessageText::parse(&form.melding) {
        Ok(text) => text,
        Err(error) => {
            let page =
                thread_page(&state, &patient, ThreadId(id), &form.melding, Some(&error)).await?;
            return Ok((StatusCode::BAD_REQUEST, html(&page)).into_response());
        }
    };
    match state
        .store
        .reply_as_patient(&patient.caller(), ThreadId(id), &text)
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
        .hide_message_for_patient(&patient.caller(), ThreadId(id), MessageId(message))
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to(&format!("/meldinger/{id}")).into_response())
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
