//! «Innboks»: the clinic's messages from patients, unread first. Staff open a thread, answer
//! it and close it. A message from a blocked patient is marked so, already answered and closed.

use crate::AppState;
use crate::conversation::{
    MessageView, Reader, ReplyBox, ReplyForm, XmlPage, message_views, sent_label,
};
use crate::failure::Failure;
use crate::pages::{FieldError, Page, html};
use crate::visitor::StaffMember;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{DomainError, MessageId, MessageText, ThreadId};
use store::StoreError;

pub struct InboxLine {
    id: i64,
    subject: String,
    patient: String,
    last: String,
    unread: bool,
    closed: bool,
    from_blocked: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    page: Page,
    threads: Vec<InboxLine>,
}

pub async fn list(State(state): State<AppState>, staff: StaffMember) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let threads = state
        .store
        .clinic_threads(&staff.actor, staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let now = state.now();
    Ok(html(&InboxPage {
        page: Page::staff(&staff.visitor, "inbox-title", "/klinikk/innboks"),
        threads: threads
            .into_iter()
            .map(|thread| InboxLine {
                id: thread.id.0,
                subject: thread.subject.to_string(),
                patient: thread.patient_name.clone(),
                last: sent_label(t, thread.last_at, now, &state.zone),
                unread: thread.unread_by_clinic,
                closed: thread.closed,
                from_blocked: thread.from_blocked,
            })
            .collect(),
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "inbox_thread.html")]
struct ThreadPage {
    page: Page,
    id: i64,
    subject: String,
    patient: String,
    from_blocked: bool,
    messages: Vec<MessageView>,
    closed: bool,
    reply: ReplyBox,
    errors: Vec<FieldError>,
    base: String,
    can_delete: bool,
}

async fn thread_page(
    state: &AppState,
    staff: &StaffMember,
    id: ThreadId,
    reply: &str,
    problem: Option<&DomainError>,
) -> Result<ThreadPage, Failure> {
    let t = staff.visitor.t;
    let thread = state
        .store
        .clinic_thread(&staff.actor, staff.clinic_id, id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let reply = ReplyBox::new(t, format!("/klinikk/innboks/{}/svar", id.0), reply, problem);
    Ok(ThreadPage {
        page: Page::staff(&staff.visitor, "inbox-title", "/klinikk/innboks"),
        id: id.0,
        subject: thread.summary.subject.to_string(),
        patient: thread.summary.patient_name.clone(),
        from_blocked: thread.summary.from_blocked,
        messages: message_views(
            t,
            &state.zone,
            &thread.summary,
            &thread.messages,
            Reader::Clinic,
            state.now(),
        ),
        closed: thread.summary.closed,
        errors: reply.errors(),
        reply,
        base: format!("/klinikk/innboks/{}/meldinger", id.0),
        can_delete: false,
    })
}

pub async fn show(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let page = thread_page(&state, &staff, ThreadId(id), "", None).await?;
    Ok(html(&page).into_response())
}

pub async fn reply(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let text = match MessageText::parse(&form.melding) {
        Ok(text) => text,
        Err(error) => {
            let page =
                thread_page(&state, &staff, ThreadId(id), &form.melding, Some(&error)).await?;
            return Ok((StatusCode::BAD_REQUEST, html(&page)).into_response());
        }
    };
    match state
        .store
        .reply_as_clinic(&staff.actor, staff.clinic_id, ThreadId(id), &text)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/klinikk/innboks/{id}")).into_response()),
        Err(StoreError::ThreadClosed) => {
            let page = thread_page(&state, &staff, ThreadId(id), "", None).await?;
            Ok((StatusCode::CONFLICT, html(&page)).into_response())
        }
        Err(error) => Err(Failure::store(t, error)),
    }
}

pub async fn close(
    State(state): State<AppState>,
    staff: StaffMember,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    state
        .store
        .close_thread(&staff.actor, staff.clinic_id, ThreadId(id))
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to(&format!("/klinikk/innboks/{id}")).into_response())
}

pub async fn xml(
    State(state): State<AppState>,
    staff: StaffMember,
    Path((id, message)): Path<(i64, i64)>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let thread = state
        .store
        .clinic_thread(&staff.actor, staff.clinic_id, ThreadId(id))
        .await
        .map_err(|e| Failure::store(t, e))?;
    let xml =
        crate::dialogmelding::thread_message_xml(&state, t, &thread, MessageId(message)).await?;
    Ok(html(&XmlPage {
        page: Page::staff(&staff.visitor, "message-xml-title", "/klinikk/innboks"),
        back: format!("/klinikk/innboks/{id}"),
        xml,
    })
    .into_response())
}
