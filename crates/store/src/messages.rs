//! Messages between a patient and their GP office (henvendelser), and what blocking does to
//! them: a blocked patient's message is stored, answered automatically with the guide's text
//! and closed at once, in one transaction.

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Statement, Transaction, q};
use crate::rows::{MessageRow, ThreadRow, national_id};
use crate::{NotificationKind, Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{
    Actor, AuditAction, ClinicId, ClinicName, MessageId, MessageText, NationalId, Subject, ThreadId,
};
use jiff::Timestamp;
use std::sync::{Arc, LazyLock};

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

#[async_trait]
pub trait Messaging: Send + Sync {
    /// The patient writes to their GP office. Blocked: stored, answered automatically, closed.
    async fn write_message(
        &self,
        patient: &NationalId,
        subject: &Subject,
        text: &MessageText,
    ) -> Result<ThreadId>;
    /// The patient writes again in an open thread of theirs.
    async fn reply_as_patient(
        &self,
        patient: &NationalId,
        thread: ThreadId,
        text: &MessageText,
    ) -> Result<()>;
    /// The patient's threads, the latest first.
    async fn patient_threads(&self, patient: &NationalId) -> Result<Vec<ThreadSummary>>;
    /// One of the patient's threads, without the messages they deleted; marks it read.
    /// Another patient's thread is `NotFound`.
    async fn patient_thread(&self, patient: &NationalId, thread: ThreadId) -> Result<Thread>;
    /// «Slett melding»: hides a message from the patient's view only. Audited.
    async fn hide_message_for_patient(
        &self,
        patient: &NationalId,
        thread: ThreadId,
        message: MessageId,
    ) -> Result<()>;
    /// The clinic's inbox: unread first, then the latest. Each patient shown is audited.
    async fn clinic_threads(&self, actor: &Actor, clinic: ClinicId) -> Result<Vec<ThreadSummary>>;
    /// One of the clinic's threads with every message; marks it read. Audited.
    async fn clinic_thread(
        &self,
        actor: &Actor,
        clinic: ClinicId,
        thread: ThreadId,
    ) -> Result<Thread>;
    /// Staff answer in an open thread; the patient is notified.
    async fn reply_as_clinic(
        &self,
        actor: &Actor,
        clinic: ClinicId,
        thread: ThreadId,
        text: &MessageText,
    ) -> Result<()>;
    /// Staff close a thread; it takes no more messages.
    async fn close_thread(&self, actor: &Actor, clinic: ClinicId, thread: ThreadId) -> Result<()>;
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
    patient: &NationalId,
    text: &MessageText,
    now: i64,
) -> Result<()> {
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
    tx.execute(
        q("UPDATE thread SET last_at = $1, unread_by_clinic = TRUE, \
             unread_by_patient = $2, closed_at = CASE WHEN $2 THEN $1 ELSE closed_at END, \
             from_blocked = from_blocked OR $2 \
           WHERE id = $3")
        .bind(now)
        .bind(blocked)
        .bind(thread_id),
    )
    .await?;
    let actor = Actor::Patient(patient.clone());
    record(
        tx,
        Entry {
            at: now,
            actor: &actor,
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

#[async_trait]
impl<D: Database> Messaging for SqlStore<D> {
    async fn write_message(
        &self,
        patient: &NationalId,
        subject: &Subject,
        text: &MessageText,
    ) -> Result<ThreadId> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let clinic_id: Option<(Option<i64>,)> = tx
            .fetch_optional(
                q("SELECT clinic_id FROM patient WHERE national_id = $1").bind(patient.as_str()),
            )
            .await?;
        let Some((Some(clinic_id),)) = clinic_id else {
            return Err(StoreError::Refused(domain::Refusal::NotOnList));
        };
        let (thread_id,): (i64,) = tx
            .fetch_one(
                q(
                    "INSERT INTO thread (clinic_id, national_id, subject, created_at, last_at) \
                   VALUES ($1, $2, $3, $4, $4) RETURNING id",
                )
                .bind(clinic_id)
                .bind(patient.as_str())
                .bind(subject.as_str())
                .bind(now),
            )
            .await?;
        add_patient_message(&mut tx, clinic_id, thread_id, patient, text, now).await?;
        tx.commit().await?;
        Ok(ThreadId(thread_id))
    }

    async fn reply_as_patient(
        &self,
        patient: &NationalId,
        thread: ThreadId,
        text: &MessageText,
    ) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let row: Option<(i64, Option<i64>)> = tx
            .fetch_optional(
                q("SELECT clinic_id, closed_at FROM thread WHERE id = $1 AND national_id = $2")
                    .bind(thread.0)
                    .bind(patient.as_str()),
            )
            .await?;
        match row {
            None => Err(StoreError::NotFound("thread")),
            Some((_, Some(_))) => Err(StoreError::ThreadClosed),
            Some((clinic_id, None)) => {
                add_patient_message(&mut tx, clinic_id, thread.0, patient, text, now).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    }

    async fn patient_threads(&self, patient: &NationalId) -> Result<Vec<ThreadSummary>> {
        let rows: Vec<ThreadRow> = self
            .db
            .pool()
            .fetch_all(Statement::shared(Arc::clone(&PATIENT_THREADS)).bind(patient.as_str()))
            .await?;
        rows.into_iter().map(ThreadRow::into_domain).collect()
    }

    async fn patient_thread(&self, patient: &NationalId, thread: ThreadId) -> Result<Thread> {
        let row: ThreadRow = self
            .db
            .pool()
            .fetch_optional(
                Statement::shared(Arc::clone(&PATIENT_THREAD))
                    .bind(thread.0)
                    .bind(patient.as_str()),
            )
            .await?
            .ok_or(StoreError::NotFound("thread"))?;
        if row.unread_by_patient {
            let mut tx = self.db.begin_write().await?;
            tx.execute(
                q("UPDATE thread SET unread_by_patient = FALSE WHERE id = $1").bind(thread.0),
            )
            .await?;
            tx.commit().await?;
        }
        Ok(Thread {
            messages: self.thread_messages(thread.0, true).await?,
            summary: row.into_domain()?,
        })
    }

    async fn hide_message_for_patient(
        &self,
        patient: &NationalId,
        thread: ThreadId,
        message: MessageId,
    ) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let clinic_id: Option<(i64,)> = tx
            .fetch_optional(
                q("UPDATE message SET hidden_for_patient_at = $1 \
                   WHERE id = $2 AND thread_id = $3 AND hidden_for_patient_at IS NULL \
                     AND thread_id IN (SELECT id FROM thread WHERE national_id = $4) \
                   RETURNING clinic_id")
                .bind(now)
                .bind(message.0)
                .bind(thread.0)
                .bind(patient.as_str()),
            )
            .await?;
        let Some((clinic_id,)) = clinic_id else {
            return Err(StoreError::NotFound("message"));
        };
        let actor = Actor::Patient(patient.clone());
        record(
            &mut tx,
            Entry {
                at: now,
                actor: &actor,
                action: AuditAction::MessageDeletedByPatient,
                clinic_id: Some(clinic_id),
                patient: Some(patient),
                subject: format!("message {}", message.0),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn clinic_threads(&self, actor: &Actor, clinic: ClinicId) -> Result<Vec<ThreadSummary>> {
        let rows: Vec<ThreadRow> = self
            .db
            .pool()
            .fetch_all(Statement::shared(Arc::clone(&CLINIC_THREADS)).bind(clinic.0))
            .await?;
        let threads = rows
            .into_iter()
            .map(ThreadRow::into_domain)
            .collect::<Result<Vec<_>>>()?;
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        for thread in &threads {
            record(
                &mut tx,
                Entry {
                    at: now,
                    actor,
                    action: AuditAction::ThreadListed,
                    clinic_id: Some(clinic.0),
                    patient: Some(&thread.patient),
                    subject: format!("thread {}", thread.id.0),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(threads)
    }

    async fn clinic_thread(
        &self,
        actor: &Actor,
        clinic: ClinicId,
        thread: ThreadId,
    ) -> Result<Thread> {
        let row = self.clinic_thread_row(clinic, thread).await?;
        let now = self.now().as_second();
        let summary = row.into_domain()?;
        let mut tx = self.db.begin_write().await?;
        tx.execute(q("UPDATE thread SET unread_by_clinic = FALSE WHERE id = $1").bind(thread.0))
            .await?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::ThreadViewed,
                clinic_id: Some(clinic.0),
                patient: Some(&summary.patient),
                subject: format!("thread {}", thread.0),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Thread {
            messages: self.thread_messages(thread.0, false).await?,
            summary,
        })
    }

    async fn reply_as_clinic(
        &self,
        actor: &Actor,
        clinic: ClinicId,
        thread: ThreadId,
        text: &MessageText,
    ) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let row: Option<(String, Option<i64>)> = tx
            .fetch_optional(
                q("SELECT national_id, closed_at FROM thread WHERE id = $1 AND clinic_id = $2")
                    .bind(thread.0)
                    .bind(clinic.0),
            )
            .await?;
        let patient = match row {
            None => return Err(StoreError::NotFound("thread")),
            Some((_, Some(_))) => return Err(StoreError::ThreadClosed),
            Some((patient, None)) => national_id(&patient, "thread.national_id")?,
        };
        tx.execute(
            q(
                "INSERT INTO message (clinic_id, thread_id, sender, staff_user, body, sent_at) \
               VALUES ($1, $2, 'clinic', $3, $4, $5)",
            )
            .bind(clinic.0)
            .bind(thread.0)
            .bind(actor.identifier())
            .bind(text.as_str())
            .bind(now),
        )
        .await?;
        tx.execute(
            q("UPDATE thread SET last_at = $1, unread_by_patient = TRUE, unread_by_clinic = FALSE WHERE id = $2")
                .bind(now)
                .bind(thread.0),
        )
        .await?;
        tx.execute(
            q("INSERT INTO outbox (clinic_id, kind, thread_id, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)")
                .bind(clinic.0)
                .bind(NotificationKind::MessageReply.code())
                .bind(thread.0)
                .bind(now),
        )
        .await?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::MessageReplied,
                clinic_id: Some(clinic.0),
                patient: Some(&patient),
                subject: format!("thread {}", thread.0),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn close_thread(&self, actor: &Actor, clinic: ClinicId, thread: ThreadId) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let patient: Option<(String,)> = tx
            .fetch_optional(
                q("UPDATE thread SET closed_at = $1 WHERE id = $2 AND clinic_id = $3 AND closed_at IS NULL RETURNING national_id")
                    .bind(now)
                    .bind(thread.0)
                    .bind(clinic.0),
            )
            .await?;
        let Some((patient,)) = patient else {
            return Err(StoreError::NotFound("open thread"));
        };
        let patient = national_id(&patient, "thread.national_id")?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::ThreadClosed,
                clinic_id: Some(clinic.0),
                patient: Some(&patient),
                subject: format!("thread {}", thread.0),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
