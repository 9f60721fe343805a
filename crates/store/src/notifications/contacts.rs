//! How a patient is reached: their channel and addresses, and their devices' push
//! subscriptions.

use super::StoredPushSubscription;
use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Transaction, q};
use crate::rows::{ContactRow, PushRow};
use crate::{Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{
    Actor, AuditAction, Channel, ContactSettings, EmailAddress, MobileNumber, NationalId,
    PushSubscription,
};

#[async_trait]
pub trait ContactPreferences: Send + Sync {
    /// The patient's settings; a patient who never chose has defaults (nothing, bokmål, the
    /// language not chosen).
    async fn contact_settings(&self, patient: &domain::NationalId) -> Result<ContactSettings>;

    /// The language the patient is using the site in, for their notices while they have not
    /// chosen one themself; once they have, this changes nothing.
    async fn remember_site_language(
        &self,
        patient: &domain::NationalId,
        language: &str,
    ) -> Result<()>;

    async fn save_contact_settings(
        &self,
        patient: &domain::NationalId,
        settings: &ContactSettings,
    ) -> Result<()>;

    /// The patient's devices with push switched on, oldest first.
    async fn push_subscriptions(
        &self,
        patient: &domain::NationalId,
    ) -> Result<Vec<StoredPushSubscription>>;

    /// Stores a device's subscription; the same endpoint again replaces the old keys and
    /// moves to this patient, because a browser has one subscription whoever logs in.
    async fn add_push_subscription(
        &self,
        patient: &domain::NationalId,
        subscription: &PushSubscription,
        device: &str,
    ) -> Result<StoredPushSubscription>;

    /// Removes one of the patient's own devices; another patient's id is `NotFound`.
    async fn remove_push_subscription(&self, patient: &domain::NationalId, id: i64) -> Result<()>;

    /// Forgets an endpoint its push service says no longer exists.
    async fn forget_push_endpoint(&self, endpoint: &str) -> Result<()>;
}

#[async_trait]
impl<D: Database> ContactPreferences for SqlStore<D> {
    async fn contact_settings(&self, patient: &NationalId) -> Result<ContactSettings> {
        let row: Option<ContactRow> = self
            .db
            .pool()
            .fetch_optional(
                q("SELECT channel, mobile, email, language, language_chosen FROM contact_settings WHERE national_id = $1")
                    .bind(patient.as_str()),
            )
            .await?;
        row.map_or_else(
            || {
                Ok(ContactSettings {
                    language: "nb".into(),
                    ..Default::default()
                })
            },
            ContactRow::into_domain,
        )
    }

    async fn remember_site_language(&self, patient: &NationalId, language: &str) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        // Not audited: which language a page was read in is no setting the patient made.
        tx.execute(
            q("INSERT INTO contact_settings (national_id, language, language_chosen, updated_at) \
               VALUES ($1, $2, FALSE, $3) \
               ON CONFLICT (national_id) DO UPDATE SET language = excluded.language, \
                 updated_at = excluded.updated_at \
               WHERE NOT contact_settings.language_chosen AND contact_settings.language <> excluded.language")
            .bind(patient.as_str())
            .bind(language)
            .bind(now),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn save_contact_settings(
        &self,
        patient: &NationalId,
        settings: &ContactSettings,
    ) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        tx.execute(
            q("INSERT INTO contact_settings (national_id, channel, mobile, email, language, language_chosen, updated_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7) \
               ON CONFLICT (national_id) DO UPDATE SET channel = excluded.channel, mobile = excluded.mobile, \
                 email = excluded.email, language = excluded.language, \
                 language_chosen = excluded.language_chosen, updated_at = excluded.updated_at")
            .bind(patient.as_str())
            .bind(settings.chosen.map(Channel::code))
            .bind(settings.mobile.as_ref().map(MobileNumber::as_str))
            .bind(settings.email.as_ref().map(EmailAddress::as_str))
            .bind(settings.language.as_str())
            .bind(settings.language_chosen)
            .bind(now),
        )
        .await?;
        let actor = Actor::Patient(patient.clone());
        record(
            &mut tx,
            Entry {
                at: now,
                actor: &actor,
                action: AuditAction::ContactSettingsSaved,
                clinic_id: None,
                patient: Some(patient),
                subject: "contact_settings".into(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn push_subscriptions(
        &self,
        patient: &NationalId,
    ) -> Result<Vec<StoredPushSubscription>> {
        let rows: Vec<PushRow> = self
            .db
            .pool()
            .fetch_all(
                q(
                    "SELECT id, endpoint, p256dh, auth, device, created_at FROM push_subscription \
                   WHERE national_id = $1 ORDER BY id",
                )
                .bind(patient.as_str()),
            )
            .await?;
        rows.into_iter().map(PushRow::into_domain).collect()
    }

    async fn add_push_subscription(
        &self,
        patient: &NationalId,
        subscription: &PushSubscription,
        device: &str,
    ) -> Result<StoredPushSubscription> {
        let now = self.now().as_second();
        let device: String = device
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let mut tx = self.db.begin_write().await?;
        let row: PushRow = tx
            .fetch_one(
                q("INSERT INTO push_subscription (national_id, endpoint, p256dh, auth, device, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6) \
                   ON CONFLICT (endpoint) DO UPDATE SET national_id = excluded.national_id, p256dh = excluded.p256dh, \
                     auth = excluded.auth, device = excluded.device, created_at = excluded.created_at \
                   RETURNING id, endpoint, p256dh, auth, device, created_at")
                .bind(patient.as_str())
                .bind(subscription.endpoint())
                .bind(subscription.p256dh())
                .bind(subscription.auth())
                .bind(device.as_str())
                .bind(now),
            )
            .await?;
        let actor = Actor::Patient(patient.clone());
        record(
            &mut tx,
            Entry {
                at: now,
                actor: &actor,
                action: AuditAction::PushSubscribed,
                clinic_id: None,
                patient: Some(patient),
                subject: format!("push_subscription {}", row.id),
            },
        )
        .await?;
        tx.commit().await?;
        row.into_domain()
    }

    async fn remove_push_subscription(&self, patient: &NationalId, id: i64) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let removed = tx
            .execute(
                q("DELETE FROM push_subscription WHERE id = $1 AND national_id = $2")
                    .bind(id)
                    .bind(patient.as_str()),
            )
            .await?;
        if removed == 0 {
            return Err(StoreError::NotFound("push subscription"));
        }
        let actor = Actor::Patient(patient.clone());
        record(
            &mut tx,
            Entry {
                at: now,
                actor: &actor,
                action: AuditAction::PushUnsubscribed,
                clinic_id: None,
                patient: Some(patient),
                subject: format!("push_subscription {id}"),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn forget_push_endpoint(&self, endpoint: &str) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        tx.execute(q("DELETE FROM push_subscription WHERE endpoint = $1").bind(endpoint))
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
