//! The clinic's side: the inbox, reading a thread, answering and closing it.

use super::{CLINIC_THREADS, Thread, ThreadSummary};
use crate::audit::{Entry, record};
use crate::booking::rules;
use crate::db::{Database, Executor, Statement, Transaction, q};
use crate::rows::{ThreadRow, national_id};
use crate::{NotificationKind, Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{Actor, AuditAction, ClinicId, MessageText, NationalId, ThreadId};
use std::sync::{Arc, LazyLock};

/// The reply's notice jobs (thread `$1`, kind `$2`, at `$3`): to the patient, to whoever
/// wrote last for them, or to both, as a booking's notices go.
pub(crate) static REPLY_NOTICES: LazyLock<[String; 2]> = LazyLock::new(|| {
    rules::told_jobs(
        (
            "clinic_id, kind, thread_id, created_at, next_attempt_at",
            "t.clinic_id, $2, t.id, $3, $3",
        ),
        "thread t WHERE t.id = $1",
        // A reply is told to whoever wrote, never to a parent the teenager did not ask.
        rules::About {
            row: "t",
            acting: "t.representative",
            parents: false,
        },
        "$3",
    )
});

#[async_trait]
pub trait ClinicMessages: Send + Sync {
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

/// The audit entry of staff reading or acting on one of the clinic's threads.
fn about_thread<'a>(
    actor: &'a Actor,
    action: AuditAction,
    at: i64,
    clinic: ClinicId,
    patient: &'a NationalId,
    thread: i64,
) -> Entry<'a> {
    Entry {
        at,
        actor,
        action,
        clinic_id: Some(clinic.0),
        patient: Some(patient),
        subject: format!("thread {thread}"),
    }
}

#[async_trait]
impl<D: Database> ClinicMessages for SqlStore<D> {
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
            let action = AuditAction::ThreadListed;
            let entry = about_thread(actor, action, now, clinic, &thread.patient, thread.id.0);
            record(&mut tx, entry).await?;
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
        let action = AuditAction::ThreadViewed;
        let entry = about_thread(actor, action, now, clinic, &summary.patient, thread.0);
        record(&mut tx, entry).await?;
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
        for notice in REPLY_NOTICES.iter() {
            tx.execute(
                q(notice.as_str())
                    .bind(thread.0)
                    .bind(NotificationKind::MessageReply.code())
                    .bind(now),
            )
            .await?;
        }
        let action = AuditAction::MessageReplied;
        let entry = about_thread(actor, action, now, clinic, &patient, thread.0);
        record(&mut tx, entry).await?;
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
        let action = AuditAction::ThreadClosed;
        let entry = about_thread(actor, action, now, clinic, &patient, thread.0);
        record(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }
}
