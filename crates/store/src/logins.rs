//! Login through an OpenID provider: the attempts in progress, who may log in as staff or
//! operator, and the provider's ID token kept with a session for the logout at the provider.

use crate::Result;
use async_trait::async_trait;
use domain::ClinicId;
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

macro_rules! shared_logins {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::logins::Logins for $store {
            async fn begin_login(
                &self,
                state_hash: &str,
                attempt: &$crate::logins::LoginAttempt,
                lifetime: jiff::SignedDuration,
            ) -> Result<()> {
                let now = self.now();
                let expires_at = now.saturating_add(lifetime).unwrap_or(now);
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM login_attempt WHERE expires_at <= $1")
                    .bind(now.as_second())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO login_attempt (state_hash, flow, pkce_verifier, nonce, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(state_hash)
                .bind(attempt.flow.code())
                .bind(&attempt.pkce_verifier)
                .bind(&attempt.nonce)
                .bind(now.as_second())
                .bind(expires_at.as_second())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn take_login(&self, state_hash: &str) -> Result<Option<$crate::logins::LoginAttempt>> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                let row: Option<(String, String, String, i64)> = sqlx::query_as(
                    "DELETE FROM login_attempt WHERE state_hash = $1 \
                     RETURNING flow, pkce_verifier, nonce, expires_at",
                )
                .bind(state_hash)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                let Some((flow, pkce_verifier, nonce, expires_at)) = row else { return Ok(None) };
                if expires_at <= now {
                    return Ok(None);
                }
                let flow = $crate::logins::LoginFlow::from_code(&flow)
                    .ok_or(StoreError::Corrupt("login_attempt.flow"))?;
                Ok(Some($crate::logins::LoginAttempt { flow, pkce_verifier, nonce }))
            }

            async fn grant_access(
                &self,
                flow: $crate::logins::LoginFlow,
                subject: &str,
                clinic: Option<ClinicId>,
            ) -> Result<()> {
                let clinic_id = match (flow, clinic) {
                    ($crate::logins::LoginFlow::Staff, Some(c)) => Some(c.0),
                    ($crate::logins::LoginFlow::Operator, None) => None,
                    _ => return Err(StoreError::NotFound("clinic for this kind of access")),
                };
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                if let Some(id) = clinic_id {
                    let known: Option<i64> = sqlx::query_scalar("SELECT id FROM clinic WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    known.ok_or(StoreError::NotFound("clinic"))?;
                }
                sqlx::query(
                    "INSERT INTO staff_access (flow, subject, clinic_id, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (flow, subject) DO UPDATE SET clinic_id = excluded.clinic_id, created_at = excluded.created_at",
                )
                .bind(flow.code())
                .bind(subject)
                .bind(clinic_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                Self::audit(&mut *tx, Audit {
                    at: now, actor: &Actor::System, action: AuditAction::AccessGranted, clinic_id, patient: None,
                    subject: format!("{}:{subject}", flow.code()),
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn revoke_access(&self, flow: $crate::logins::LoginFlow, subject: &str) -> Result<bool> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                let gone: Option<Option<i64>> = sqlx::query_scalar(
                    "DELETE FROM staff_access WHERE flow = $1 AND subject = $2 RETURNING clinic_id",
                )
                .bind(flow.code())
                .bind(subject)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(clinic_id) = gone else { return Ok(false) };
                Self::audit(&mut *tx, Audit {
                    at: now, actor: &Actor::System, action: AuditAction::AccessRevoked, clinic_id, patient: None,
                    subject: format!("{}:{subject}", flow.code()),
                })
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn staff_access(
                &self,
                flow: $crate::logins::LoginFlow,
                subject: &str,
            ) -> Result<Option<$crate::logins::StaffAccess>> {
                let row: Option<(String, String, Option<i64>, i64)> = sqlx::query_as(
                    "SELECT flow, subject, clinic_id, created_at FROM staff_access WHERE flow = $1 AND subject = $2",
                )
                .bind(flow.code())
                .bind(subject)
                .fetch_optional(&self.db.pool)
                .await?;
                row.map(Self::access_row).transpose()
            }

            async fn staff_accesses(&self) -> Result<Vec<$crate::logins::StaffAccess>> {
                let rows: Vec<(String, String, Option<i64>, i64)> = sqlx::query_as(
                    "SELECT flow, subject, clinic_id, created_at FROM staff_access ORDER BY flow, subject",
                )
                .fetch_all(&self.db.pool)
                .await?;
                rows.into_iter().map(Self::access_row).collect()
            }

            async fn attach_id_token(
                &self,
                flow: $crate::logins::LoginFlow,
                token_hash: &str,
                id_token: &str,
            ) -> Result<()> {
                let statement = match flow {
                    $crate::logins::LoginFlow::Patient => "UPDATE session SET id_token = $1 WHERE token_hash = $2",
                    _ => "UPDATE staff_session SET id_token = $1 WHERE token_hash = $2",
                };
                sqlx::query(statement).bind(id_token).bind(token_hash).execute(&self.db.pool).await?;
                Ok(())
            }

            async fn session_id_token(
                &self,
                flow: $crate::logins::LoginFlow,
                token_hash: &str,
            ) -> Result<Option<String>> {
                let statement = match flow {
                    $crate::logins::LoginFlow::Patient => "SELECT id_token FROM session WHERE token_hash = $1",
                    _ => "SELECT id_token FROM staff_session WHERE token_hash = $1",
                };
                let token: Option<Option<String>> =
                    sqlx::query_scalar(statement).bind(token_hash).fetch_optional(&self.db.pool).await?;
                Ok(token.flatten())
            }

            async fn record_refused_login(
                &self,
                flow: $crate::logins::LoginFlow,
                reason: &'static str,
            ) -> Result<()> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                Self::audit(&mut *tx, Audit {
                    at: now, actor: &Actor::System, action: AuditAction::LoginRefused, clinic_id: None, patient: None,
                    subject: format!("{}:{reason}", flow.code()),
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }
        }

        impl $store {
            fn access_row(
                (flow, subject, clinic_id, created_at): (String, String, Option<i64>, i64),
            ) -> Result<$crate::logins::StaffAccess> {
                Ok($crate::logins::StaffAccess {
                    flow: $crate::logins::LoginFlow::from_code(&flow)
                        .ok_or(StoreError::Corrupt("staff_access.flow"))?,
                    subject,
                    clinic_id: clinic_id.map(ClinicId),
                    granted_at: Timestamp::from_second(created_at)
                        .map_err(|_| StoreError::Corrupt("staff_access.created_at"))?,
                })
            }
        }
    };
}

pub(crate) use shared_logins;
