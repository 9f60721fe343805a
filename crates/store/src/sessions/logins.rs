//! Login through an OpenID provider: the attempts in progress, who may log in as staff or
//! operator, and the provider's ID token kept with a session for the logout at the provider.

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Transaction, q};
use crate::{Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{Actor, AuditAction, ClinicId};
use jiff::{SignedDuration, Timestamp};

/// Which of Timebok's logins: each has its own provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoginFlow {
    /// Patients, through ID-porten in production.
    Patient,
    /// Clinic staff, through HelseID in production.
    Staff,
    /// The operator, through its own organisation's provider.
    Operator,
}

impl LoginFlow {
    pub const ALL: [Self; 3] = [Self::Patient, Self::Staff, Self::Operator];

    pub fn code(self) -> &'static str {
        match self {
            Self::Patient => "patient",
            Self::Staff => "staff",
            Self::Operator => "operator",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// What a login in progress must remember until the provider sends the browser back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginAttempt {
    pub flow: LoginFlow,
    pub pkce_verifier: String,
    pub nonce: String,
}

/// One entry of the staff and operator access list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccess {
    pub flow: LoginFlow,
    /// The `sub` claim the provider gives this person.
    pub subject: String,
    /// The clinic of a staff member; `None` for the operator.
    pub clinic_id: Option<ClinicId>,
    pub granted_at: Timestamp,
}

#[async_trait]
pub trait Logins: Send + Sync {
    /// Remembers a login in progress under a hash of its `state`.
    async fn begin_login(
        &self,
        state_hash: &str,
        attempt: &LoginAttempt,
        lifetime: SignedDuration,
    ) -> Result<()>;
    /// Takes a login in progress: it can be completed once. An expired one is `None`.
    async fn take_login(&self, state_hash: &str) -> Result<Option<LoginAttempt>>;
    /// Lets a subject log in: staff with their clinic, the operator without one. Audited.
    async fn grant_access(
        &self,
        flow: LoginFlow,
        subject: &str,
        clinic: Option<ClinicId>,
    ) -> Result<()>;
    /// Ends a subject's access; `false` when it had none. Audited. Sessions already open end
    /// at their idle or absolute limit.
    async fn revoke_access(&self, flow: LoginFlow, subject: &str) -> Result<bool>;
    async fn staff_access(&self, flow: LoginFlow, subject: &str) -> Result<Option<StaffAccess>>;
    async fn staff_accesses(&self) -> Result<Vec<StaffAccess>>;
    /// Keeps the provider's ID token with a session (the patient's for `Patient`, else the
    /// staff session).
    async fn attach_id_token(
        &self,
        flow: LoginFlow,
        token_hash: &str,
        id_token: &str,
    ) -> Result<()>;
    /// The ID token kept with a session, if any.
    async fn session_id_token(&self, flow: LoginFlow, token_hash: &str) -> Result<Option<String>>;
    /// Records a refused login in the audit log. `reason` is a fixed code, never a claim.
    async fn record_refused_login(&self, flow: LoginFlow, reason: &'static str) -> Result<()>;
}

#[async_trait]
impl<D: Database> Logins for SqlStore<D> {
    async fn begin_login(
        &self,
        state_hash: &str,
        attempt: &LoginAttempt,
        lifetime: SignedDuration,
    ) -> Result<()> {
        let now = self.now();
        let expires_at = now.saturating_add(lifetime).unwrap_or(now);
        let mut tx = self.db.begin_write().await?;
        self.forget_ended(&mut tx, now.as_second()).await?;
        tx.execute(
            q("INSERT INTO login_attempt (state_hash, flow, pkce_verifier, nonce, created_at, expires_at) \
               VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(state_hash)
            .bind(attempt.flow.code())
            .bind(attempt.pkce_verifier.as_str())
            .bind(attempt.nonce.as_str())
            .bind(now.as_second())
            .bind(expires_at.as_second()),
        )
        .await?;
        tx.commit().await
    }

    async fn take_login(&self, state_hash: &str) -> Result<Option<LoginAttempt>> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let row: Option<(String, String, String, i64)> = tx
            .fetch_optional(
                q("DELETE FROM login_attempt WHERE state_hash = $1 \
                   RETURNING flow, pkce_verifier, nonce, expires_at")
                .bind(state_hash),
            )
            .await?;
        tx.commit().await?;
        let Some((flow, pkce_verifier, nonce, expires_at)) = row else {
            return Ok(None);
        };
        if expires_at <= now {
            return Ok(None);
        }
        let flow = LoginFlow::from_code(&flow).ok_or(StoreError::Corrupt("login_attempt.flow"))?;
        Ok(Some(LoginAttempt {
            flow,
            pkce_verifier,
            nonce,
        }))
    }

    async fn grant_access(
        &self,
        flow: LoginFlow,
        subject: &str,
        clinic: Option<ClinicId>,
    ) -> Result<()> {
        let clinic_id = match (flow, clinic) {
            (LoginFlow::Staff, Some(c)) => Some(c.0),
            (LoginFlow::Operator, None) => None,
            _ => return Err(StoreError::NotFound("clinic for this kind of access")),
        };
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        if let Some(id) = clinic_id {
            let known: Option<(i64,)> = tx
                .fetch_optional(q("SELECT id FROM clinic WHERE id = $1").bind(id))
                .await?;
            known.ok_or(StoreError::NotFound("clinic"))?;
        }
        tx.execute(
            q("INSERT INTO staff_access (flow, subject, clinic_id, created_at) VALUES ($1, $2, $3, $4) \
               ON CONFLICT (flow, subject) DO UPDATE SET clinic_id = excluded.clinic_id, created_at = excluded.created_at")
            .bind(flow.code())
            .bind(subject)
            .bind(clinic_id)
            .bind(now),
        )
        .await?;
        let subject = format!("{}:{subject}", flow.code());
        let entry = by_system(AuditAction::AccessGranted, now, clinic_id, subject);
        record(&mut tx, entry).await?;
        tx.commit().await
    }

    async fn revoke_access(&self, flow: LoginFlow, subject: &str) -> Result<bool> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let gone: Option<(Option<i64>,)> = tx
            .fetch_optional(
                q("DELETE FROM staff_access WHERE flow = $1 AND subject = $2 RETURNING clinic_id")
                    .bind(flow.code())
                    .bind(subject),
            )
            .await?;
        let Some((clinic_id,)) = gone else {
            return Ok(false);
        };
        let subject = format!("{}:{subject}", flow.code());
        let entry = by_system(AuditAction::AccessRevoked, now, clinic_id, subject);
        record(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn staff_access(&self, flow: LoginFlow, subject: &str) -> Result<Option<StaffAccess>> {
        let row: Option<AccessRow> = self
            .db
            .pool()
            .fetch_optional(
                q("SELECT flow, subject, clinic_id, created_at FROM staff_access WHERE flow = $1 AND subject = $2")
                    .bind(flow.code())
                    .bind(subject),
            )
            .await?;
        row.map(access).transpose()
    }

    async fn staff_accesses(&self) -> Result<Vec<StaffAccess>> {
        let rows: Vec<AccessRow> = self
            .db
            .pool()
            .fetch_all(q(
                "SELECT flow, subject, clinic_id, created_at FROM staff_access ORDER BY flow, subject",
            ))
            .await?;
        rows.into_iter().map(access).collect()
    }

    async fn attach_id_token(
        &self,
        flow: LoginFlow,
        token_hash: &str,
        id_token: &str,
    ) -> Result<()> {
        let statement = match flow {
            LoginFlow::Patient => q("UPDATE session SET id_token = $1 WHERE token_hash = $2"),
            _ => q("UPDATE staff_session SET id_token = $1 WHERE token_hash = $2"),
        };
        self.db
            .pool()
            .execute(statement.bind(id_token).bind(token_hash))
            .await?;
        Ok(())
    }

    async fn session_id_token(&self, flow: LoginFlow, token_hash: &str) -> Result<Option<String>> {
        let statement = match flow {
            LoginFlow::Patient => q("SELECT id_token FROM session WHERE token_hash = $1"),
            _ => q("SELECT id_token FROM staff_session WHERE token_hash = $1"),
        };
        let token: Option<(Option<String>,)> = self
            .db
            .pool()
            .fetch_optional(statement.bind(token_hash))
            .await?;
        Ok(token.and_then(|(token,)| token))
    }

    async fn record_refused_login(&self, flow: LoginFlow, reason: &'static str) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let subject = format!("{}:{reason}", flow.code());
        let entry = by_system(AuditAction::LoginRefused, now, None, subject);
        record(&mut tx, entry).await?;
        tx.commit().await
    }
}

/// A row of `staff_access`: flow, subject, clinic, when granted.
type AccessRow = (String, String, Option<i64>, i64);

fn access((flow, subject, clinic_id, created_at): AccessRow) -> Result<StaffAccess> {
    Ok(StaffAccess {
        flow: LoginFlow::from_code(&flow).ok_or(StoreError::Corrupt("staff_access.flow"))?,
        subject,
        clinic_id: clinic_id.map(ClinicId),
        granted_at: Timestamp::from_second(created_at)
            .map_err(|_| StoreError::Corrupt("staff_access.created_at"))?,
    })
}

/// The audit entry of a change to who may log in, or of a refused login. Logins are the
/// system's doing, not a person's, and name no patient.
fn by_system(
    action: AuditAction,
    at: i64,
    clinic_id: Option<i64>,
    subject: String,
) -> Entry<'static> {
    Entry {
        at,
        actor: &Actor::System,
        action,
        clinic_id,
        patient: None,
        subject,
    }
}
