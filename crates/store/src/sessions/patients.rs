//! Patients' sessions: opened at login, ended at logout, after idle time, or at their
//! absolute limit.

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Transaction, q};
use crate::rows::national_id;
use crate::{Result, SqlStore, StoreError};
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
    /// The patient of a live session, and whom they act for.
    async fn session_patient(&self, token_hash: &str) -> Result<Option<SessionPatient>>;
    async fn close_session(&self, token_hash: &str) -> Result<()>;
}

/// Who a live session belongs to and whom it acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPatient {
    /// The person who logged in.
    pub user: NationalId,
    /// The person they chose to act for, with the relation that lets them.
    pub acting_for: Option<ActingFor>,
    /// They chose someone whose relation no longer stands (removed, or a child grown past
    /// it): they must choose again.
    pub lapsed: bool,
    /// They may act for someone: «Bytt person» is offered.
    pub represents_anyone: bool,
}

/// The person a session acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActingFor {
    pub person: NationalId,
    pub kind: domain::RelationKind,
    /// Their first name where a clinic lists them.
    pub first_name: Option<String>,
}

type SessionRow = (
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
);

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
        self.forget_ended(&mut tx, now.as_second()).await?;
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

    async fn session_patient(&self, token_hash: &str) -> Result<Option<SessionPatient>> {
        let now = self.now().as_second();
        // One statement for the session and its representation, as every patient page asks.
        // A person related both ways is acted for under the relation that allows most.
        let row: Option<SessionRow> = self
            .db
            .pool()
            .fetch_optional(
                q(concat!(
                    "SELECT s.national_id, s.last_seen_at, s.acting_for, \
                     (SELECT MIN(r.kind) FROM representation r \
                      WHERE r.representative = s.national_id AND r.person = s.acting_for \
                        AND (r.valid_until IS NULL OR r.valid_until > $2)), \
                     (SELECT p.first_name FROM patient p WHERE p.national_id = s.acting_for), \
                     EXISTS (SELECT 1 FROM representation r \
                      WHERE r.representative = s.national_id \
                        AND (r.valid_until IS NULL OR r.valid_until > $2)) \
                   FROM session s \
                   WHERE s.token_hash = $1 AND ",
                    live_session!("s.", "$2", "$3")
                ))
                .bind(token_hash)
                .bind(now)
                .bind(self.seen_since(now)),
            )
            .await?;
        let Some((id, last_seen, acting_for, kind, first_name, represents_anyone)) = row else {
            return Ok(None);
        };
        self.touch_session(
            "UPDATE session SET last_seen_at = $1 WHERE token_hash = $2",
            token_hash,
            last_seen,
            now,
        )
        .await?;
        let user = national_id(&id, "session.national_id")?;
        let lapsed = acting_for.is_some() && kind.is_none();
        let acting_for = match (acting_for, kind) {
            (Some(person), Some(kind)) => Some(ActingFor {
                person: national_id(&person, "session.acting_for")?,
                kind: domain::RelationKind::parse(&kind)
                    .ok_or(StoreError::Corrupt("representation.kind"))?,
                first_name,
            }),
            _ => None,
        };
        Ok(Some(SessionPatient {
            user,
            acting_for,
            lapsed,
            represents_anyone,
        }))
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
