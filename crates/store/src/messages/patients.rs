//! The patient's side: writing to the GP office, answering, reading, and hiding a message
//! from their own view.

use super::{PATIENT_THREAD, PATIENT_THREADS, Thread, ThreadSummary, add_patient_message};
use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Statement, Transaction, q};
use crate::rows::ThreadRow;
use crate::{Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{AuditAction, MessageId, MessageText, NationalId, Subject, ThreadId};
use std::sync::Arc;

#[async_trait]
pub trait PatientMessages: Send + Sync {
    /// The patient (or someone acting for them, whom the audit names) writes to their GP
    /// office. Blocked: stored, answered automatically, closed.
    async fn write_message(
        &self,
        caller: &domain::Caller,
        subject: &Subject,
        text: &MessageText,
    ) -> Result<ThreadId>;

    /// The patient writes again in an open thread of theirs.
    async fn reply_as_patient(
        &self,
        caller: &domain::Caller,
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
        caller: &domain::Caller,
        thread: ThreadId,
        message: MessageId,
    ) -> Result<()>;
}

#[async_trait]
impl<D: Database> PatientMessages for SqlStore<D> {
    async fn write_message(
        &self,
        caller: &domain::Caller,
        subject: &Subject,
        text: &MessageText,
    ) -> Result<ThreadId> {
        let patient = crate::own_patient(caller)?;
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
        add_patient_message(&mut tx, clinic_id, thread_id, caller, text, now).await?;
        tx.commit().await?;
        Ok(ThreadId(thread_id))
    }

    async fn reply_as_patient(
        &self,
        caller: &domain::Caller,
        thread: ThreadId,
        text: &MessageText,
    ) -> Result<()> {
        let patient = crate::own_patient(caller)?;
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
                add_patient_message(&mut tx, clinic_id, thread.0, caller, text, now).await?;
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
        caller: &domain::Caller,
        thread: ThreadId,
        message: MessageId,
    ) -> Result<()> {
        let patient = crate::own_patient(caller)?;
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
        record(
            &mut tx,
            Entry {
                at: now,
                actor: &caller.actor,
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
}
