//! Patients' sessions: opened at login, ended at logout, after idle time, or at their
//! absolute limit.

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Transaction, q};
use crate::rows::national_id;
use crate::{Result, SqlStore};
use async_trait::async_trait;
use domain::{Actor, AuditAction, NationalId};
use jiff::SignedDuration;

#[async_trait]
pub trait PatientSessions: Send + Sync {
    /// Starts a session for a logged-in patient. `token_hash` is a hash of the cookie's
    /// token, so that the table cannot be used to take over sessions.
    async fn open_session(
        &self,
        token_hash: &str,
        patient: &NationalId,
        lifetime: SignedDuration,
    ) -> Result<()>;
    /// The patient of a live session.
    async fn session_patient(&self, token_hash: &str) -> Result<Option<NationalId>>;
    async fn close_session(&self, token_hash: &str) -> Result<()>;
}

/// The audit entry of a patient's login or logout.
fn logged<'a>(
    actor: &'a Actor,
    action: AuditAction,
    at: i64,
    patient: &'a NationalId,
) -> Entry<'a> {
    Entry {
        at,
        actor,
        action,
        clinic_id: None,
        patient: Some(patient),
        subject: "session".into(),
    }
}

#[async_trait]
impl<D: Database> PatientSessions for SqlStore<D> {
    async fn open_session(
        &self,
        token_hash: &str,
        patient: &NationalId,
        lifetime: SignedDuration,
    ) -> Result<()> {
        let now = self.now();
        let expires_at = now.saturating_add(lifetime).unwrap_or(now);
        let mut tx = self.db.begin_write().await?;
        tx.execute(q("DELETE FROM session WHERE expires_at <= $1").bind(now.as_second()))
            .await?;
        tx.execute(
            q("INSERT INTO session (token_hash, national_id, created_at, expires_at, last_seen_at) \
               VALUES ($1, $2, $3, $4, $3)")
            .bind(token_hash)
            .bind(patient.as_str())
            .bind(now.as_second())
            .bind(expires_at.as_second()),
        )
        .await?;
        let actor = Actor::Patient(patient.clone());
        let entry = logged(
            &actor,
            AuditAction::PatientLoggedIn,
            now.as_second(),
            patient,
        );
        record(&mut tx, entry).await?;
        tx.commit().await
    }

    async fn session_patient(&self, token_hash: &str) -> Result<Option<NationalId>> {
        let now = self.now().as_second();
        let row: Option<(String, i64)> = self
            .db
            .pool()
            .fetch_optional(
                q("SELECT national_id, last_seen_at FROM session \
                   WHERE token_hash = $1 AND expires_at > $2 AND last_seen_at > $3")
                .bind(token_hash)
                .bind(now)
                .bind(now - self.settings.session_idle.as_secs()),
            )
            .await?;
        let Some((id, last_seen)) = row else {
            return Ok(None);
        };
        self.touch_session(
            "UPDATE session SET last_seen_at = $1 WHERE token_hash = $2",
            token_hash,
            last_seen,
            now,
        )
        .await?;
        national_id(&id, "session.national_id").map(Some)
    }

    async fn close_session(&self, token_hash: &str) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let patient: Option<(String,)> = tx
            .fetch_optional(
                q("DELETE FROM session WHERE token_hash = $1 RETURNING national_id")
                    .bind(token_hash),
            )
            .await?;
        if let Some((patient,)) = patient {
            let patient = national_id(&patient, "session.national_id")?;
            let actor = Actor::Patient(patient.clone());
            record(
                &mut tx,
                logged(&actor, AuditAction::PatientLoggedOut, now, &patient),
            )
            .await?;
        }
        tx.commit().await
    }
}
