//! Messages between a patient and their GP office (henvendelser), and what blocking does to
//! them: a blocked patient's message is stored, answered automatically with the guide's text
//! and closed at once, in one transaction.

mod clinic;
mod patients;

pub use clinic::ClinicMessages;
pub(crate) use clinic::REPLY_NOTICES;
pub use patients::PatientMessages;

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Statement, q};
use crate::rows::{MessageRow, ThreadRow};
use crate::{Result, SqlStore, StoreError};
use domain::AuditAction;
use domain::{ClinicId, ClinicName, MessageId, MessageText, NationalId, Subject, ThreadId};
use jiff::Timestamp;
use std::sync::{Arc, LazyLock};

/// Both sides of the conversation.
pub trait Messaging: PatientMessages + ClinicMessages {}

impl<T: PatientMessages + ClinicMessages> Messaging for T {}

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    Patient,
    /// A staff member of the clinic, by user name.
    Clinic {
        user: String,
    },
    /// The clinic's automatic reply to a blocked patient; its text is the guide's, shown in
    /// the reader's language.
    Automatic,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub sender: Sender,
    /// `None` for the automatic reply.
    pub text: Option<MessageText>,
    pub sent_at: Timestamp,
    /// The patient deleted it from their view; the clinic still has it.
    pub hidden_for_patient: bool,
}

/// A thread as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadSummary {
    pub id: ThreadId,
    pub clinic_id: ClinicId,
    pub clinic_name: ClinicName,
    pub patient: NationalId,
    /// The patient's name as on the clinic's list.
    pub patient_name: String,
    pub subject: Subject,
    pub created_at: Timestamp,
    pub last_at: Timestamp,
    pub closed: bool,
    /// Written while the clinic had blocked the patient.
    pub from_blocked: bool,
    pub unread_by_clinic: bool,
    pub unread_by_patient: bool,
}

/// A thread with its messages, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    pub summary: ThreadSummary,
    pub messages: Vec<Message>,
}

/// A thread as [`ThreadRow`] reads it, for the threads that `condition` picks.
fn threads(condition: &str) -> Arc<str> {
    format!(
        "SELECT t.id, t.clinic_id, c.name AS clinic_name, t.national_id, \
           COALESCE(p.first_name, '') AS first_name, COALESCE(p.last_name, '') AS last_name, \
           t.subject, t.created_at, t.last_at, t.closed_at, t.from_blocked, t.unread_by_clinic, \
           t.unread_by_patient \
         FROM thread t JOIN clinic c ON c.id = t.clinic_id \
           LEFT JOIN patient p ON p.national_id = t.national_id {condition}"
    )
    .into()
}

static CLINIC_THREAD: LazyLock<Arc<str>> =
    LazyLock::new(|| threads("WHERE t.id = $1 AND t.clinic_id = $2"));

static PATIENT_THREAD: LazyLock<Arc<str>> =
    LazyLock::new(|| threads("WHERE t.id = $1 AND t.national_id = $2"));

static PATIENT_THREADS: LazyLock<Arc<str>> =
    LazyLock::new(|| threads("WHERE t.national_id = $1 ORDER BY t.last_at DESC, t.id DESC"));

static CLINIC_THREADS: LazyLock<Arc<str>> = LazyLock::new(|| {
    threads("WHERE t.clinic_id = $1 ORDER BY t.unread_by_clinic DESC, t.last_at DESC, t.id DESC")
});

/// Adds the patient's message to a thread, in the caller's transaction. When the clinic has
/// blocked the patient, the automatic reply follows and the thread closes, so the patient sees
/// the guide's texts at once.
async fn add_patient_message(
    tx: &mut impl Executor,
    clinic_id: i64,
    thread_id: i64,
    caller: &domain::Caller,
    text: &MessageText,
    now: i64,
) -> Result<()> {
    let patient = crate::own_patient(caller)?;
    let blocked: Option<(i64,)> = tx
        .fetch_optional(
            q("SELECT blocked_at FROM block WHERE clinic_id = $1 AND national_id = $2")
                .bind(clinic_id)
                .bind(patient.as_str()),
        )
        .await?;
    let blocked = blocked.is_some();
    tx.execute(
        q("INSERT INTO message (clinic_id, thread_id, sender, body, sent_at) VALUES ($1, $2, 'patient', $3, $4)")
            .bind(clinic_id)
            .bind(thread_id)
            .bind(text.as_str())
            .bind(now),
    )
    .await?;
    if blocked {
        tx.execute(
            q("INSERT INTO message (clinic_id, thread_id, sender, body, sent_at) VALUES ($1, $2, 'automatic', '', $3)")
                .bind(clinic_id)
                .bind(thread_id)
                .bind(now),
        )
        .await?;
    }
    // The clinic's reply is told to whoever wrote last: the patient, or the one acting for
    // them.
    tx.execute(
        q("UPDATE thread SET last_at = $1, unread_by_clinic = TRUE, \
             unread_by_patient = $2, closed_at = CASE WHEN $2 THEN $1 ELSE closed_at END, \
             from_blocked = from_blocked OR $2, representative = $4 \
           WHERE id = $3")
        .bind(now)
        .bind(blocked)
        .bind(thread_id)
        .bind(caller.representative_id().map(NationalId::as_str)),
    )
    .await?;
    record(
        tx,
        Entry {
            at: now,
            actor: &caller.actor,
            action: AuditAction::MessageSent,
            clinic_id: Some(clinic_id),
            patient: Some(patient),
            subject: format!("thread {thread_id}"),
        },
    )
    .await
}

impl<D: Database> SqlStore<D> {
    async fn thread_messages(&self, thread: i64, for_patient: bool) -> Result<Vec<Message>> {
        let rows: Vec<MessageRow> = self
            .db
            .pool()
            .fetch_all(
                q("SELECT id, sender, staff_user, body, sent_at, hidden_for_patient_at FROM message \
                   WHERE thread_id = $1 AND ($2 = FALSE OR hidden_for_patient_at IS NULL) ORDER BY id")
                .bind(thread)
                .bind(for_patient),
            )
            .await?;
        rows.into_iter().map(MessageRow::into_domain).collect()
    }

    /// The thread of `clinic`, or `NotFound`; never another clinic's.
    async fn clinic_thread_row(&self, clinic: ClinicId, thread: ThreadId) -> Result<ThreadRow> {
        self.db
            .pool()
            .fetch_optional(
                Statement::shared(Arc::clone(&CLINIC_THREAD))
                    .bind(thread.0)
                    .bind(clinic.0),
            )
            .await?
            .ok_or(StoreError::NotFound("thread"))
    }
}
