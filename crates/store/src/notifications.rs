//! The patient's notification settings and the outbox the notification worker drains.
//!
//! Jobs are written by the changes that cause them (see `sql.rs`), in the same transaction.
//! A worker claims due jobs with a lease: the claim commits before anything is sent, so a
//! send never holds a database transaction open, and a worker that dies mid-batch leaves
//! jobs that become claimable again when their lease runs out. Only the worker holding a
//! job's current claim token may record its outcome. On PostgreSQL claims skip rows another
//! worker is claiming (`FOR UPDATE SKIP LOCKED`); SQLite's write transaction is exclusive.

use crate::audit::{Entry, record};
use crate::booking::ONE_FOR_NOTICE;
use crate::db::{Database, Dialect, Env, Executor, Statement, Transaction, q};
use crate::rows::{self, ClaimRow, ContactRow, FailedRow, PlannedRow, PushRow};
use crate::{NotificationKind, PlannedAppointment, Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{
    Actor, AppointmentId, AuditAction, Channel, ClinicName, ContactSettings, EmailAddress,
    MobileNumber, NationalId, PersonName, PushSubscription, ThreadId,
};
use jiff::{SignedDuration, Timestamp};
use std::sync::{Arc, LazyLock};

/// A push subscription as stored, one per device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPushSubscription {
    pub id: i64,
    pub subscription: PushSubscription,
    /// What the browser said it is, to tell the patient's devices apart.
    pub device: String,
    pub created_at: Timestamp,
}

/// A job a worker has claimed. `attempt` counts this try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    pub id: i64,
    pub kind: NotificationKind,
    /// The appointment the job is about, or else…
    pub appointment_id: Option<AppointmentId>,
    /// …the message thread (a reply from the clinic).
    pub thread_id: Option<ThreadId>,
    pub attempt: u32,
    pub token: String,
}

/// Everything needed to write and send one notification.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub first_name: PersonName,
    pub settings: ContactSettings,
    pub push: Vec<StoredPushSubscription>,
    pub clinic_name: ClinicName,
    /// The appointment, for every kind but a reply to a message.
    pub appointment: Option<PlannedAppointment>,
}

/// Why a job ended without a notice going out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The patient has given no address for any channel.
    NoAddress,
    /// A reminder for an appointment that is no longer booked.
    NotBooked,
    /// A reminder that could only be sent after the appointment began.
    TooLate,
}

impl SkipReason {
    pub fn code(self) -> &'static str {
        match self {
            Self::NoAddress => "no_address",
            Self::NotBooked => "not_booked",
            Self::TooLate => "too_late",
        }
    }
}

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    Sent(Channel),
    Skipped(SkipReason),
}

/// A job that used up its tries, for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedJob {
    pub id: i64,
    pub kind: NotificationKind,
    pub clinic_name: String,
    pub channel: Option<Channel>,
    pub attempts: u32,
    pub last_error: String,
    pub created_at: Timestamp,
    pub failed_at: Timestamp,
}

/// How many jobs are in each state; the operator's page and the metrics show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxCounts {
    /// Waiting for their first or next try, or being sent.
    pub pending: u64,
    pub sent: u64,
    pub skipped: u64,
    pub failed: u64,
}

#[async_trait]
pub trait Notifications: Send + Sync {
    /// The patient's settings; a patient who never chose has defaults (nothing, bokmål).
    async fn contact_settings(&self, patient: &domain::NationalId) -> Result<ContactSettings>;
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

    /// Writes a reminder job for every booked appointment that starts within `lead` and was
    /// booked before the reminder time. Each appointment gets at most one reminder.
    async fn schedule_reminders(&self, lead: SignedDuration) -> Result<u64>;
    /// Claims up to `limit` due jobs for `lease`, under `token`.
    async fn claim_jobs(
        &self,
        limit: u32,
        lease: SignedDuration,
        token: &str,
    ) -> Result<Vec<ClaimedJob>>;
    /// What the claimed job is about, read after the claim.
    async fn delivery(&self, job: &ClaimedJob) -> Result<Delivery>;
    /// Records that the job is done. `false` when the claim was lost (the lease ran out
    /// and another worker took the job), so the caller knows it may have been sent twice.
    async fn finish_job(&self, job: &ClaimedJob, outcome: JobOutcome) -> Result<bool>;
    /// Records a failed try: tried again after `retry_in`, or failed for good when `None`.
    async fn fail_job(
        &self,
        job: &ClaimedJob,
        channel: Option<Channel>,
        error: &str,
        retry_in: Option<SignedDuration>,
    ) -> Result<bool>;
    /// Jobs that failed for good, the latest first.
    async fn failed_jobs(&self, limit: u32) -> Result<Vec<FailedJob>>;
    /// Puts a failed job back in the queue with fresh tries. Audited.
    async fn retry_job(&self, actor: &Actor, id: i64) -> Result<()>;
    async fn outbox_counts(&self) -> Result<OutboxCounts>;
}

/// Claims due jobs, the longest due first. On PostgreSQL a worker skips the rows another
/// worker is claiming at that moment instead of waiting for them; SQLite's write transaction
/// is exclusive, so it needs no lock.
fn claim(dialect: Dialect) -> Arc<str> {
    format!(
        "UPDATE outbox SET claimed_until = $1, claim_token = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox \
           WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $3 \
             AND (claimed_until IS NULL OR claimed_until <= $3) \
           ORDER BY next_attempt_at, id LIMIT $4{}) \
         RETURNING id, kind, appointment_id, thread_id, attempts, claim_token",
        dialect.lock(" FOR UPDATE SKIP LOCKED")
    )
    .into()
}

static CLAIM_SQLITE: LazyLock<Arc<str>> = LazyLock::new(|| claim(Dialect::Sqlite));

static CLAIM_POSTGRES: LazyLock<Arc<str>> = LazyLock::new(|| claim(Dialect::Postgres));

#[async_trait]
impl<D: Database> Notifications for SqlStore<D> {
    async fn contact_settings(&self, patient: &NationalId) -> Result<ContactSettings> {
        let row: Option<ContactRow> = self
            .db
            .pool()
            .fetch_optional(
                q("SELECT channel, mobile, email, language FROM contact_settings WHERE national_id = $1")
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

    async fn save_contact_settings(
        &self,
        patient: &NationalId,
        settings: &ContactSettings,
    ) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        tx.execute(
            q("INSERT INTO contact_settings (national_id, channel, mobile, email, language, updated_at) \
               VALUES ($1, $2, $3, $4, $5, $6) \
               ON CONFLICT (national_id) DO UPDATE SET channel = excluded.channel, mobile = excluded.mobile, \
                 email = excluded.email, language = excluded.language, updated_at = excluded.updated_at")
            .bind(patient.as_str())
            .bind(settings.chosen.map(Channel::code))
            .bind(settings.mobile.as_ref().map(MobileNumber::as_str))
            .bind(settings.email.as_ref().map(EmailAddress::as_str))
            .bind(settings.language.as_str())
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

    async fn schedule_reminders(&self, lead: SignedDuration) -> Result<u64> {
        let now = self.now().as_second();
        let lead = lead.as_secs();
        let mut tx = self.db.begin_write().await?;
        // ON CONFLICT covers a reminder another worker wrote at the same moment.
        let written = tx
            .execute(
                q("INSERT INTO outbox (clinic_id, kind, appointment_id, created_at, next_attempt_at) \
                   SELECT a.clinic_id, $1, a.id, $2, $2 FROM appointment a \
                   WHERE a.status = 'booked' AND a.starts_at > $2 AND a.starts_at <= $2 + $3 \
                     AND a.booked_at <= a.starts_at - $3 \
                     AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.appointment_id = a.id AND o.kind = $1) \
                   ON CONFLICT DO NOTHING")
                .bind(NotificationKind::Reminder.code())
                .bind(now)
                .bind(lead),
            )
            .await?;
        tx.commit().await?;
        Ok(written)
    }

    async fn claim_jobs(
        &self,
        limit: u32,
        lease: SignedDuration,
        token: &str,
    ) -> Result<Vec<ClaimedJob>> {
        let now = self.now().as_second();
        let sql = match self.db.dialect() {
            Dialect::Sqlite => &CLAIM_SQLITE,
            Dialect::Postgres => &CLAIM_POSTGRES,
        };
        let mut tx = self.db.begin_write().await?;
        let rows: Vec<ClaimRow> = tx
            .fetch_all(
                Statement::shared(Arc::clone(sql))
                    .bind(now + lease.as_secs())
                    .bind(token)
                    .bind(now)
                    .bind(i64::from(limit)),
            )
            .await?;
        tx.commit().await?;
        let mut jobs = rows
            .into_iter()
            .map(ClaimRow::into_domain)
            .collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|job| job.id);
        Ok(jobs)
    }

    async fn delivery(&self, job: &ClaimedJob) -> Result<Delivery> {
        // Whom the job is for, whether it concerns an appointment or a thread.
        let (national_id, clinic_name, first_name): (String, String, Option<String>) = self
            .db
            .pool()
            .fetch_optional(
                q("SELECT COALESCE(a.national_id, t.national_id), c.name, p.first_name FROM outbox o \
                     JOIN clinic c ON c.id = o.clinic_id \
                     LEFT JOIN appointment a ON a.id = o.appointment_id \
                     LEFT JOIN thread t ON t.id = o.thread_id \
                     LEFT JOIN patient p ON p.national_id = COALESCE(a.national_id, t.national_id) \
                   WHERE o.id = $1")
                .bind(job.id),
            )
            .await?
            .ok_or(StoreError::NotFound("notification job"))?;
        let appointment = match job.appointment_id {
            Some(id) => {
                let env = Env::new().with("appointment", id.0);
                let row: PlannedRow = self
                    .db
                    .pool()
                    .fetch_optional(Statement::named(&ONE_FOR_NOTICE, &env))
                    .await?
                    .ok_or(StoreError::NotFound("appointment"))?;
                Some(row.into_domain()?)
            }
            None => None,
        };
        let patient = rows::national_id(&national_id, "national_id")?;
        let first_name = first_name.ok_or(StoreError::NotFound("patient"))?;
        Ok(Delivery {
            first_name: PersonName::parse(&first_name)
                .map_err(|_| StoreError::Corrupt("patient.first_name"))?,
            settings: self.contact_settings(&patient).await?,
            push: self.push_subscriptions(&patient).await?,
            clinic_name: ClinicName::parse(&clinic_name)
                .map_err(|_| StoreError::Corrupt("clinic.name"))?,
            appointment,
        })
    }

    async fn finish_job(&self, job: &ClaimedJob, outcome: JobOutcome) -> Result<bool> {
        let now = self.now().as_second();
        let (channel, skipped) = match outcome {
            JobOutcome::Sent(channel) => (Some(channel.code()), None),
            JobOutcome::Skipped(reason) => (None, Some(reason.code())),
        };
        let mut tx = self.db.begin_write().await?;
        let done = tx
            .execute(
                q("UPDATE outbox SET sent_at = $1, channel = $2, skipped = $3, claimed_until = NULL, last_error = NULL \
                   WHERE id = $4 AND claim_token = $5 AND sent_at IS NULL AND failed_at IS NULL")
                .bind(now)
                .bind(channel)
                .bind(skipped)
                .bind(job.id)
                .bind(job.token.as_str()),
            )
            .await?;
        tx.commit().await?;
        Ok(done == 1)
    }

    async fn fail_job(
        &self,
        job: &ClaimedJob,
        channel: Option<Channel>,
        error: &str,
        retry_in: Option<SignedDuration>,
    ) -> Result<bool> {
        let now = self.now().as_second();
        let error: String = error.chars().take(500).collect();
        let (next_attempt_at, failed_at) = match retry_in {
            Some(delay) => (Some(now + delay.as_secs()), None),
            None => (None, Some(now)),
        };
        let mut tx = self.db.begin_write().await?;
        let done = tx
            .execute(
                q(
                    "UPDATE outbox SET last_error = $1, channel = $2, claimed_until = NULL, \
                     next_attempt_at = COALESCE($3, next_attempt_at), failed_at = $4 \
                   WHERE id = $5 AND claim_token = $6 AND sent_at IS NULL AND failed_at IS NULL",
                )
                .bind(error.as_str())
                .bind(channel.map(Channel::code))
                .bind(next_attempt_at)
                .bind(failed_at)
                .bind(job.id)
                .bind(job.token.as_str()),
            )
            .await?;
        tx.commit().await?;
        Ok(done == 1)
    }

    async fn failed_jobs(&self, limit: u32) -> Result<Vec<FailedJob>> {
        let rows: Vec<FailedRow> = self
            .db
            .pool()
            .fetch_all(
                q("SELECT o.id, o.kind, c.name AS clinic_name, o.channel, o.attempts, o.last_error, o.created_at, o.failed_at \
                   FROM outbox o JOIN clinic c ON c.id = o.clinic_id \
                   WHERE o.failed_at IS NOT NULL ORDER BY o.failed_at DESC, o.id DESC LIMIT $1")
                .bind(i64::from(limit)),
            )
            .await?;
        rows.into_iter().map(FailedRow::into_domain).collect()
    }

    async fn retry_job(&self, actor: &Actor, id: i64) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let row: Option<(i64, String)> = tx
            .fetch_optional(
                q("SELECT o.clinic_id, COALESCE(a.national_id, t.national_id) FROM outbox o \
                     LEFT JOIN appointment a ON a.id = o.appointment_id LEFT JOIN thread t ON t.id = o.thread_id \
                   WHERE o.id = $1 AND o.failed_at IS NOT NULL")
                .bind(id),
            )
            .await?;
        tx.execute(
            q("UPDATE outbox SET failed_at = NULL, attempts = 0, next_attempt_at = $1, claimed_until = NULL, \
                 claim_token = NULL WHERE id = $2 AND failed_at IS NOT NULL")
            .bind(now)
            .bind(id),
        )
        .await?;
        let Some((clinic_id, patient)) = row else {
            return Err(StoreError::NotFound("failed notification"));
        };
        let patient = rows::national_id(&patient, "appointment.national_id")?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::NotificationRetried,
                clinic_id: Some(clinic_id),
                patient: Some(&patient),
                subject: format!("outbox {id}"),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn outbox_counts(&self) -> Result<OutboxCounts> {
        let (pending, sent, skipped, failed): (i64, i64, i64, i64) = self
            .db
            .pool()
            .fetch_one(q("SELECT \
                   COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN sent_at IS NOT NULL AND skipped IS NULL THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN sent_at IS NOT NULL AND skipped IS NOT NULL THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) \
                 FROM outbox"))
            .await?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(OutboxCounts {
            pending: count(pending),
            sent: count(sent),
            skipped: count(skipped),
            failed: count(failed),
        })
    }
}
