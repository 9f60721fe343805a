//! Retention: what the worker deletes or anonymises once it is no longer needed (see
//! [`domain::RetentionPolicy`] for the periods and why). One pass is one transaction, so a
//! thread goes with all its messages or not at all.

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Statement, Transaction, q};
use crate::{Result, SqlStore};
use async_trait::async_trait;
use domain::{Actor, AuditAction, Reason, RetentionPolicy};

/// What one pass deleted or anonymised, by kind; counts only, for the log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionPass {
    pub reasons: u64,
    pub requests: u64,
    pub threads: u64,
    pub messages: u64,
    pub notifications: u64,
    pub sessions: u64,
    pub login_attempts: u64,
    pub idempotency_keys: u64,
    pub audit_events: u64,
}

#[async_trait]
pub trait Retention: Send + Sync {
    /// Deletes or anonymises everything `policy` no longer keeps, as of the store's clock.
    async fn apply_retention(&self, policy: &RetentionPolicy) -> Result<RetentionPass>;
}

fn days_before(now: i64, days: u32) -> i64 {
    now - i64::from(days) * 24 * 60 * 60
}

#[async_trait]
impl<D: Database> Retention for SqlStore<D> {
    async fn apply_retention(&self, policy: &RetentionPolicy) -> Result<RetentionPass> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        // First, so that the log says what was deleted from it and why; the log's own guard
        // lets an entry go only once it is a year older than the newest, which this is.
        record(
            &mut tx,
            Entry {
                at: now,
                actor: &Actor::System,
                action: AuditAction::RetentionApplied,
                clinic_id: None,
                patient: None,
                subject: format!(
                    "reason_days={} message_days={} notification_days={} audit_days={}",
                    policy.reason_days,
                    policy.message_days,
                    policy.notification_days,
                    policy.audit_days
                ),
            },
        )
        .await?;
        let (reasons, requests) =
            erase_reasons(&mut tx, days_before(now, policy.reason_days)).await?;
        let (threads, messages) =
            forget_threads(&mut tx, days_before(now, policy.message_days)).await?;
        let notifications =
            forget_notifications(&mut tx, days_before(now, policy.notification_days)).await?;
        let ended = self.forget_ended(&mut tx, now).await?;
        // The booking core's own rule for how long a key can be replayed.
        let spent_keys = format!(
            "DELETE FROM idempotency_key WHERE NOT ({})",
            crate::booking::rules::key_alive_as_of("idempotency_key", "$1")
        );
        let idempotency_keys = tx
            .execute(Statement::shared(spent_keys.into()).bind(now))
            .await?;
        let audit_events = tx
            .execute(
                q("DELETE FROM audit_event WHERE at < $1")
                    .bind(days_before(now, policy.audit_days)),
            )
            .await?;
        tx.commit().await?;
        Ok(RetentionPass {
            reasons,
            requests,
            threads,
            messages,
            notifications,
            sessions: ended.sessions,
            login_attempts: ended.login_attempts,
            idempotency_keys,
            audit_events,
        })
    }
}

/// Erases «Hva gjelder det?» of appointments that started before `cutoff`, with the office's
/// reason for a cancellation, and of timeønsker answered or closed before it.
async fn erase_reasons(tx: &mut impl Executor, cutoff: i64) -> Result<(u64, u64)> {
    let appointments = tx
        .execute(
            q("UPDATE appointment SET reason = $1, cancel_reason = NULL \
               WHERE starts_at < $2 AND (reason <> $1 OR cancel_reason IS NOT NULL)")
            .bind(Reason::ERASED)
            .bind(cutoff),
        )
        .await?;
    let requests = tx
        .execute(
            q("UPDATE appointment_request SET reason = $1 \
               WHERE reason <> $1 AND COALESCE(answered_at, closes_at) < $2 \
                 AND (state <> 'open' OR closes_at < $2)")
            .bind(Reason::ERASED)
            .bind(cutoff),
        )
        .await?;
    Ok((appointments, requests))
}

/// Deletes the threads quiet since before `cutoff`, with their messages; their notices and
/// the timeønske a thread answered go with them.
async fn forget_threads(tx: &mut impl Executor, cutoff: i64) -> Result<(u64, u64)> {
    for dependent in [
        q("DELETE FROM outbox WHERE thread_id IN (SELECT id FROM thread WHERE last_at < $1)"),
        q("DELETE FROM appointment_request \
           WHERE thread_id IN (SELECT id FROM thread WHERE last_at < $1)"),
    ] {
        tx.execute(dependent.bind(cutoff)).await?;
    }
    let messages = tx
        .execute(
            q("DELETE FROM message WHERE thread_id IN (SELECT id FROM thread WHERE last_at < $1)")
                .bind(cutoff),
        )
        .await?;
    let threads = tx
        .execute(q("DELETE FROM thread WHERE last_at < $1").bind(cutoff))
        .await?;
    Ok((threads, messages))
}

/// Deletes the notification jobs finished (sent, skipped or given up) before `cutoff`. A
/// reminder's row is also the record that it was sent, so it stays while its appointment
/// is ahead.
async fn forget_notifications(tx: &mut impl Executor, cutoff: i64) -> Result<u64> {
    tx.execute(
        q("DELETE FROM outbox \
           WHERE COALESCE(sent_at, failed_at, \
                          CASE WHEN skipped IS NOT NULL THEN next_attempt_at END) < $1 \
             AND (appointment_id IS NULL OR appointment_id IN \
                    (SELECT id FROM appointment WHERE starts_at < $1))")
        .bind(cutoff),
    )
    .await
}
