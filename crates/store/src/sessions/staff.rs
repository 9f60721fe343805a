//! The staff's and the operator's sessions; a staff session knows its clinic.

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Transaction, q};
use crate::rows::{StaffSessionRow, StaffSessionSeenRow};
use crate::{Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{Actor, AuditAction};
use jiff::SignedDuration;

#[async_trait]
pub trait StaffSessions: Send + Sync {
    /// Starts a session for a staff member (`Actor::Staff`) or the operator (`Actor::Operator`).
    async fn open_staff_session(
        &self,
        token_hash: &str,
        who: &Actor,
        lifetime: SignedDuration,
    ) -> Result<()>;
    async fn staff_session(&self, token_hash: &str) -> Result<Option<Actor>>;
    async fn close_staff_session(&self, token_hash: &str) -> Result<()>;
}

/// The audit entry of a staff member's or the operator's login or logout.
fn logged(who: &Actor, action: AuditAction, at: i64, clinic_id: Option<i64>) -> Entry<'_> {
    Entry {
        at,
        actor: who,
        action,
        clinic_id,
        patient: None,
        subject: "session".into(),
    }
}

#[async_trait]
impl<D: Database> StaffSessions for SqlStore<D> {
    async fn open_staff_session(
        &self,
        token_hash: &str,
        who: &Actor,
        lifetime: SignedDuration,
    ) -> Result<()> {
        let (role, clinic_id) = match who {
            Actor::Staff { clinic_id, .. } => ("staff", Some(clinic_id.0)),
            Actor::Operator { .. } => ("operator", None),
            _ => return Err(StoreError::NotFound("staff user")),
        };
        let now = self.now();
        let expires_at = now.saturating_add(lifetime).unwrap_or(now);
        let mut tx = self.db.begin_write().await?;
        self.forget_ended(&mut tx, now.as_second()).await?;
        tx.execute(
            q(
                "INSERT INTO staff_session (token_hash, role, user_name, clinic_id, created_at, \
                 expires_at, last_seen_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $5)",
            )
            .bind(token_hash)
            .bind(role)
            .bind(who.identifier())
            .bind(clinic_id)
            .bind(now.as_second())
            .bind(expires_at.as_second()),
        )
        .await?;
        let entry = logged(who, AuditAction::StaffLoggedIn, now.as_second(), clinic_id);
        record(&mut tx, entry).await?;
        tx.commit().await
    }

    async fn staff_session(&self, token_hash: &str) -> Result<Option<Actor>> {
        let now = self.now().as_second();
        let row: Option<StaffSessionSeenRow> = self
            .db
            .pool()
            .fetch_optional(
                q(concat!(
                    "SELECT role, user_name, clinic_id, last_seen_at FROM staff_session \
                     WHERE token_hash = $1 AND ",
                    live_session!("", "$2", "$3")
                ))
                .bind(token_hash)
                .bind(now)
                .bind(self.seen_since(now)),
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        self.touch_session(
            "UPDATE staff_session SET last_seen_at = $1 WHERE token_hash = $2",
            token_hash,
            row.last_seen_at,
            now,
        )
        .await?;
        row.session.into_domain().map(Some)
    }

    async fn close_staff_session(&self, token_hash: &str) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let row: Option<StaffSessionRow> = tx
            .fetch_optional(
                q("DELETE FROM staff_session WHERE token_hash = $1 \
                   RETURNING role, user_name, clinic_id")
                .bind(token_hash),
            )
            .await?;
        if let Some(row) = row {
            let clinic_id = row.clinic_id;
            let who = row.into_domain()?;
            record(
                &mut tx,
                logged(&who, AuditAction::StaffLoggedOut, now, clinic_id),
            )
            .await?;
        }
        tx.commit().await
    }
}
