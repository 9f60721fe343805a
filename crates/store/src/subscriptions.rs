//! Machine clients' subscriptions to their clinic's appointments (FHIR Subscriptions, rest-hook).
//!
//! A subscription only says where to post; the notifications themselves are outbox jobs that
//! the booking core writes in each change's transaction (`booking/programs.rs`, `enqueue`),
//! one per subscription of the appointment's clinic, numbered in the subscription's order. A
//! subscription is never deleted, only switched off, so that its jobs keep their subscriber.

use crate::db::{Database, Executor, Transaction, q};
use crate::rows::instant;
use crate::{Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::ClinicId;
use jiff::Timestamp;

/// What a notification carries besides its status: the Appointment's id or the whole of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookContent {
    IdOnly,
    FullResource,
}

impl HookContent {
    pub fn code(self) -> &'static str {
        match self {
            Self::IdOnly => "id-only",
            Self::FullResource => "full-resource",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Self::IdOnly, Self::FullResource]
            .into_iter()
            .find(|content| content.code() == code)
    }
}

/// A subscription's state, as FHIR's `Subscription.status` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookStatus {
    Active,
    /// A notification failed for good; later ones are still sent, and the first that is
    /// delivered makes the subscription active again.
    Error,
    /// Deleted by its client: nothing more is sent.
    Off,
}

impl HookStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Error => "error",
            Self::Off => "off",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Self::Active, Self::Error, Self::Off]
            .into_iter()
            .find(|status| status.code() == code)
    }
}

/// A subscription as its client asked for it, checked by the web layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscription {
    pub clinic: ClinicId,
    /// The client's name: only it sees and ends the subscription.
    pub client: String,
    pub topic: String,
    pub reason: String,
    pub endpoint: String,
    pub content: HookContent,
    /// The `Authorization` header's value to post with.
    pub authorization: Option<String>,
}

/// A stored subscription. Its `Authorization` value is kept for the worker and never shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSubscription {
    pub id: i64,
    pub clinic: ClinicId,
    pub client: String,
    pub topic: String,
    pub reason: String,
    pub endpoint: String,
    pub content: HookContent,
    pub has_authorization: bool,
    pub status: HookStatus,
    /// Why the last notification failed for good, while the status is `Error`.
    pub error: Option<String>,
    /// Events numbered so far.
    pub events: i64,
    pub created_at: Timestamp,
}

#[derive(sqlx::FromRow)]
pub(crate) struct SubscriptionRow {
    pub id: i64,
    pub clinic_id: i64,
    pub client: String,
    pub topic: String,
    pub reason: String,
    pub endpoint: String,
    pub content: String,
    pub auth_header: Option<String>,
    pub status: String,
    pub error: Option<String>,
    pub events: i64,
    pub created_at: i64,
}

/// The columns of a [`SubscriptionRow`].
macro_rules! columns {
    () => {
        "id, clinic_id, client, topic, reason, endpoint, content, auth_header, status, error, \
         events, created_at"
    };
}
pub(crate) use columns;

impl SubscriptionRow {
    pub fn into_domain(self) -> Result<(StoredSubscription, Option<String>)> {
        let stored = StoredSubscription {
            id: self.id,
            clinic: ClinicId(self.clinic_id),
            client: self.client,
            topic: self.topic,
            reason: self.reason,
            endpoint: self.endpoint,
            content: HookContent::parse(&self.content)
                .ok_or(StoreError::Corrupt("fhir_subscription.content"))?,
            has_authorization: self.auth_header.is_some(),
            status: HookStatus::parse(&self.status)
                .ok_or(StoreError::Corrupt("fhir_subscription.status"))?,
            error: self.error,
            events: self.events,
            created_at: instant(self.created_at, "fhir_subscription.created_at")?,
        };
        Ok((stored, self.auth_header))
    }
}

#[async_trait]
pub trait Subscriptions: Send + Sync {
    /// Stores an active subscription.
    async fn create_subscription(&self, new: &NewSubscription) -> Result<StoredSubscription>;
    /// The client's subscription in its clinic, unless it was deleted.
    async fn subscription(
        &self,
        clinic: ClinicId,
        client: &str,
        id: i64,
    ) -> Result<Option<StoredSubscription>>;
    /// The client's subscriptions in its clinic that were not deleted, the oldest first.
    async fn subscriptions(
        &self,
        clinic: ClinicId,
        client: &str,
    ) -> Result<Vec<StoredSubscription>>;
    /// Switches the subscription off: its waiting notifications are not sent. `false` when
    /// the client has no such subscription.
    async fn end_subscription(&self, clinic: ClinicId, client: &str, id: i64) -> Result<bool>;
}

#[async_trait]
impl<D: Database> Subscriptions for SqlStore<D> {
    async fn create_subscription(&self, new: &NewSubscription) -> Result<StoredSubscription> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let row: SubscriptionRow = tx
            .fetch_one(
                q(concat!(
                    "INSERT INTO fhir_subscription (clinic_id, client, topic, reason, endpoint, \
                       content, auth_header, status, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8) RETURNING ",
                    columns!()
                ))
                .bind(new.clinic.0)
                .bind(new.client.as_str())
                .bind(new.topic.as_str())
                .bind(new.reason.as_str())
                .bind(new.endpoint.as_str())
                .bind(new.content.code())
                .bind(new.authorization.as_deref())
                .bind(now),
            )
            .await?;
        tx.commit().await?;
        Ok(row.into_domain()?.0)
    }

    async fn subscription(
        &self,
        clinic: ClinicId,
        client: &str,
        id: i64,
    ) -> Result<Option<StoredSubscription>> {
        let row: Option<SubscriptionRow> = self
            .db
            .pool()
            .fetch_optional(
                q(concat!(
                    "SELECT ",
                    columns!(),
                    " FROM fhir_subscription \
                     WHERE id = $1 AND clinic_id = $2 AND client = $3 AND status <> 'off'"
                ))
                .bind(id)
                .bind(clinic.0)
                .bind(client),
            )
            .await?;
        row.map(|row| row.into_domain().map(|(stored, _)| stored))
            .transpose()
    }

    async fn subscriptions(
        &self,
        clinic: ClinicId,
        client: &str,
    ) -> Result<Vec<StoredSubscription>> {
        let rows: Vec<SubscriptionRow> = self
            .db
            .pool()
            .fetch_all(
                q(concat!(
                    "SELECT ",
                    columns!(),
                    " FROM fhir_subscription \
                     WHERE clinic_id = $1 AND client = $2 AND status <> 'off' ORDER BY id"
                ))
                .bind(clinic.0)
                .bind(client),
            )
            .await?;
        rows.into_iter()
            .map(|row| row.into_domain().map(|(stored, _)| stored))
            .collect()
    }

    async fn end_subscription(&self, clinic: ClinicId, client: &str, id: i64) -> Result<bool> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let ended = tx
            .execute(
                q(
                    "UPDATE fhir_subscription SET status = 'off', ended_at = $1 \
                   WHERE id = $2 AND clinic_id = $3 AND client = $4 AND status <> 'off'",
                )
                .bind(now)
                .bind(id)
                .bind(clinic.0)
                .bind(client),
            )
            .await?;
        tx.commit().await?;
        Ok(ended == 1)
    }
}
