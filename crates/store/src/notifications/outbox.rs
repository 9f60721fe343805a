//! The outbox the notification worker drains: reminders written ahead, jobs claimed under a
//! lease, their outcomes, and the failed ones an operator may send again.

use super::{
    ClaimedJob, ContactPreferences, Delivery, FailedJob, HookDelivery, InvitationNotice,
    JobOutcome, OutboxCounts, WaitlistOfferNotice,
};
use crate::audit::{Entry, record};
use crate::booking::{ONE_FOR_NOTICE, ONE_RECORD, rules};
use crate::db::{Database, Dialect, Env, Executor, Statement, Transaction, q};
use crate::rows::{self, AppointmentRecordRow, ClaimRow, FailedRow, PlannedRow};
use crate::subscriptions::{SubscriptionRow, columns};
use crate::{NotificationKind, Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{
    Actor, AuditAction, Channel, ClinicName, InvitationMessage, PersonName, TimebookId,
    TimebookKind,
};
use jiff::SignedDuration;
use std::sync::{Arc, LazyLock};

#[async_trait]
pub trait Outbox: Send + Sync {
    /// Writes a reminder job for each of its timebook's reminders whose moment (that long
    /// before the start) has come, for every booked appointment that has not started. A
    /// reminder is written once per appointment, reminder and start, and only when its moment
    /// was still ahead when the appointment was booked or moved to that start, and when the
    /// timebook got that reminder: none is sent late for a time that had passed already.
    /// Answers how many were written.
    async fn schedule_reminders(&self) -> Result<u64>;

    /// Claims up to `limit` due jobs for `lease`, under `token`.
    async fn claim_jobs(
        &self,
        limit: u32,
        lease: SignedDuration,
        token: &str,
    ) -> Result<Vec<ClaimedJob>>;

    /// What the claimed job is about, read after the claim.
    async fn delivery(&self, job: &ClaimedJob) -> Result<Delivery>;

    /// What a claimed FHIR Subscription notification posts, read after the claim.
    async fn hook_delivery(&self, job: &ClaimedJob) -> Result<HookDelivery>;

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

/// How far before the last round's moment a round looks again for reminders come due. A
/// booking's time is read when its transaction starts, and it commits a moment later, maybe
/// after a round that already looked past that time; and processes' clocks differ a little.
/// A reminder found twice is written once.
const REMINDER_MARGIN: SignedDuration = SignedDuration::from_mins(10);

/// A reminder is about the appointment `a`, told as its other notices are.
const APPOINTMENT: rules::About<'static> = rules::About {
    row: "a",
    acting: "a.representative",
    parents: true,
};

/// The reminders come due since `$2` (the last round, less the margin) up to `$1` (now): per
/// timebook reminder, the booked appointments that start from its offset after `$2`, but not
/// before now, to its offset after now. Each (timebook, reminder) pair reads a range of the
/// index of booked appointments by timebook and start, so a round reads what came due, not
/// every appointment ahead. `CROSS JOIN` keeps SQLite's planner from scanning all booked
/// appointments first (PostgreSQL reads it as the inner join it is and finds the same plan).
/// The kind is written out, not bound, so that the partial indexes on it apply in every plan.
static SCHEDULE_REMINDERS: LazyLock<[Arc<str>; 2]> = LazyLock::new(|| {
    let reminder = NotificationKind::Reminder.code();
    // The patient's reminder, and each representative's, as a booking's notices go
    // (`rules::patient_told`, `rules::representatives_told`).
    let write = |recipient: &str, representatives: &str, to: String| -> Arc<str> {
        format!(
            "INSERT INTO outbox (clinic_id, kind, appointment_id, created_at, next_attempt_at, \
               reminder_minutes, reminder_for, recipient) \
             SELECT DISTINCT a.clinic_id, '{reminder}', a.id, $1, $1, r.minutes_before, \
               a.starts_at, {recipient} \
             FROM timebook_reminder r CROSS JOIN appointment a{representatives} \
             WHERE a.timebook_id = r.timebook_id AND a.status = 'booked' \
               AND a.starts_at > CASE WHEN $2 + r.minutes_before * 60 > $1 \
                                 THEN $2 + r.minutes_before * 60 ELSE $1 END \
               AND a.starts_at <= $1 + r.minutes_before * 60 \
               AND a.starts_at - r.minutes_before * 60 >= a.changed_at \
               AND a.starts_at - r.minutes_before * 60 >= r.added_at \
               AND {to} \
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = '{reminder}' \
                 AND o.appointment_id = a.id AND o.reminder_minutes = r.minutes_before \
                 AND o.reminder_for = a.starts_at \
                 AND COALESCE(o.recipient, '') = COALESCE({recipient}, '')) \
             ON CONFLICT DO NOTHING"
        )
        .into()
    };
    [
        write("NULL", "", rules::patient_told(APPOINTMENT, "$1")),
        // `r` is the reminder here: the representation rows are `p`.
        write(
            "p.representative",
            " CROSS JOIN representation p",
            rules::representatives_told(APPOINTMENT, "p", "$1"),
        ),
    ]
});

/// Claims due jobs, the longest due first. On PostgreSQL a worker skips the rows another
/// worker is claiming at that moment instead of waiting for them; SQLite's write transaction
/// is exclusive, so it needs no lock.
///
/// A subscriber gets an appointment's changes in order: its job waits while an earlier job
/// of the same subscriber and appointment is neither done nor failed for good (being tried
/// again, or in a worker's hands). The booking core writes a move's or a cancellation's jobs
/// under the appointment's row lock, so an appointment's jobs get ids in the order of its
/// changes.
fn claim(dialect: Dialect) -> Arc<str> {
    format!(
        "UPDATE outbox SET claimed_until = $1, claim_token = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT j.id FROM outbox j \
           WHERE j.sent_at IS NULL AND j.failed_at IS NULL AND j.next_attempt_at <= $3 \
             AND (j.claimed_until IS NULL OR j.claimed_until <= $3) \
             AND (j.subscription_id IS NULL OR NOT EXISTS (SELECT 1 FROM outbox e \
               WHERE e.subscription_id = j.subscription_id AND e.appointment_id = j.appointment_id \
                 AND e.id < j.id AND e.sent_at IS NULL AND e.failed_at IS NULL)) \
           ORDER BY j.next_attempt_at, j.id LIMIT $4{}) \
         RETURNING id, kind, appointment_id, thread_id, invitation_id, waitlist_offer_id, subscription_id, \
         attempts, claim_token",
        dialect.lock(" FOR UPDATE SKIP LOCKED")
    )
    .into()
}

impl<D: Database> SqlStore<D> {
    /// What an invitation's notice needs to say.
    async fn invitation_notice(&self, id: i64) -> Result<InvitationNotice> {
        let (timebook_id, kind, opens_at, expires_at, message, booked): (
            i64,
            String,
            i64,
            i64,
            Option<String>,
            Option<i64>,
        ) = self
            .db
            .pool()
            .fetch_optional(
                q(
                    "SELECT i.timebook_id, t.kind, i.opens_at, i.expires_at, i.message, \
                     i.booked_appointment_id \
                   FROM invitation i JOIN timebook t ON t.id = i.timebook_id WHERE i.id = $1",
                )
                .bind(id),
            )
            .await?
            .ok_or(StoreError::NotFound("invitation"))?;
        let opens_at = rows::instant(opens_at, "invitation.opens_at")?;
        Ok(InvitationNotice {
            timebook_id: TimebookId(timebook_id),
            kind: TimebookKind::parse(&kind).map_err(|_| StoreError::Corrupt("timebook.kind"))?,
            first_day: opens_at.to_zoned_datetime(self.zone.clone()).date(),
            message: message
                .map(|m| InvitationMessage::parse(&m))
                .transpose()
                .map_err(|_| StoreError::Corrupt("invitation.message"))?,
            closed: booked.is_some() || expires_at <= self.now().as_second(),
        })
    }
}

/// A waitlist offer with its slot's start and place, and whether it is closed at `:now`.
static OFFER_NOTICE: std::sync::LazyLock<crate::db::Positional> = std::sync::LazyLock::new(|| {
    crate::db::Positional::new(&format!(
        "SELECT t.kind, s.starts_at, l.address, w.expires_at, \
           (w.state <> 'open' OR ({})) AS closed \
         FROM waitlist_offer w \
           JOIN timebook t ON t.id = w.timebook_id \
           JOIN slot s ON s.id = w.slot_id \
           JOIN resource r ON r.id = s.resource_id \
           JOIN location l ON l.id = r.location_id \
         WHERE w.id = :offer",
        crate::booking::rules::offer_lapsed("w")
    ))
});

impl<D: Database> SqlStore<D> {
    /// What a waitlist offer's notice needs to say. An offer whose slot is gone is closed.
    async fn waitlist_offer_notice(&self, id: i64) -> Result<WaitlistOfferNotice> {
        let env = Env::new()
            .with("offer", id)
            .with("now", self.now().as_second());
        let found: Option<(String, i64, String, i64, bool)> = self
            .db
            .pool()
            .fetch_optional(Statement::named(&OFFER_NOTICE, &env))
            .await?;
        let Some((kind, start, address, expires_at, closed)) = found else {
            return Err(StoreError::NotFound("waitlist offer"));
        };
        Ok(WaitlistOfferNotice {
            id,
            kind: TimebookKind::parse(&kind).map_err(|_| StoreError::Corrupt("timebook.kind"))?,
            start: rows::instant(start, "slot.starts_at")?,
            address: domain::Address::parse(&address)
                .map_err(|_| StoreError::Corrupt("location.address"))?,
            expires_at: rows::instant(expires_at, "waitlist_offer.expires_at")?,
            closed,
        })
    }
}

#[async_trait]
impl<D: Database> Outbox for SqlStore<D> {
    async fn schedule_reminders(&self) -> Result<u64> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let (until,): (i64,) = tx
            .fetch_one(q(
                "SELECT scheduled_until FROM reminder_schedule WHERE id = 1",
            ))
            .await?;
        let mut written = 0;
        for statement in SCHEDULE_REMINDERS.iter() {
            written += tx
                .execute(
                    Statement::shared(statement.clone())
                        .bind(now)
                        .bind(until.min(now) - REMINDER_MARGIN.as_secs()),
                )
                .await?;
        }
        tx.execute(
            q("UPDATE reminder_schedule SET scheduled_until = $1 WHERE id = 1 AND scheduled_until < $1")
                .bind(now),
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
        let mut tx = self.db.begin_write().await?;
        let rows: Vec<ClaimRow> = tx
            .fetch_all(
                Statement::shared(claim(self.db.dialect()))
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
        let (national_id, recipient, clinic_name, first_name): (
            String,
            Option<String>,
            String,
            Option<String>,
        ) = self
            .db
            .pool()
            .fetch_optional(
                q(
                    "SELECT COALESCE(a.national_id, t.national_id, i.national_id, w.national_id), \
                     o.recipient, c.name, p.first_name \
                   FROM outbox o \
                     JOIN clinic c ON c.id = o.clinic_id \
                     LEFT JOIN appointment a ON a.id = o.appointment_id \
                     LEFT JOIN thread t ON t.id = o.thread_id \
                     LEFT JOIN invitation i ON i.id = o.invitation_id \
                     LEFT JOIN waitlist_offer w ON w.id = o.waitlist_offer_id \
                     LEFT JOIN patient p ON p.national_id \
                       = COALESCE(a.national_id, t.national_id, i.national_id, w.national_id) \
                   WHERE o.id = $1",
                )
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
        let invitation = match job.invitation_id {
            Some(id) => Some(self.invitation_notice(id).await?),
            None => None,
        };
        let waitlist_offer = match job.waitlist_offer_id {
            Some(id) => Some(self.waitlist_offer_notice(id).await?),
            None => None,
        };
        let to = match recipient {
            Some(recipient) => rows::national_id(&recipient, "outbox.recipient")?,
            None => rows::national_id(&national_id, "national_id")?,
        };
        let first_name = first_name.ok_or(StoreError::NotFound("patient"))?;
        Ok(Delivery {
            first_name: PersonName::parse(&first_name)
                .map_err(|_| StoreError::Corrupt("patient.first_name"))?,
            on_behalf: to.as_str() != national_id,
            settings: self.contact_settings(&to).await?,
            push: self.push_subscriptions(&to).await?,
            clinic_name: ClinicName::parse(&clinic_name)
                .map_err(|_| StoreError::Corrupt("clinic.name"))?,
            appointment,
            invitation,
            waitlist_offer,
        })
    }

    async fn hook_delivery(&self, job: &ClaimedJob) -> Result<HookDelivery> {
        let (subscription, appointment) = job
            .subscription_id
            .zip(job.appointment_id)
            .ok_or(StoreError::NotFound("subscription notification"))?;
        let row: SubscriptionRow = self
            .db
            .pool()
            .fetch_optional(
                q(concat!(
                    "SELECT ",
                    columns!(),
                    " FROM fhir_subscription WHERE id = $1"
                ))
                .bind(subscription),
            )
            .await?
            .ok_or(StoreError::NotFound("subscription"))?;
        let (subscription, authorization) = row.into_domain()?;
        let (event_number, at): (Option<i64>, i64) = self
            .db
            .pool()
            .fetch_optional(
                q("SELECT event_number, created_at FROM outbox WHERE id = $1").bind(job.id),
            )
            .await?
            .ok_or(StoreError::NotFound("notification job"))?;
        let env = Env::new().with("appointment", appointment.0);
        let record: AppointmentRecordRow = self
            .db
            .pool()
            .fetch_optional(Statement::named(&ONE_RECORD, &env))
            .await?
            .ok_or(StoreError::NotFound("appointment"))?;
        Ok(HookDelivery {
            subscription,
            authorization,
            event_number: event_number.ok_or(StoreError::Corrupt("outbox.event_number"))?,
            at: rows::instant(at, "outbox.created_at")?,
            kind: job.kind,
            appointment: record.into_domain()?,
        })
    }

    async fn finish_job(&self, job: &ClaimedJob, outcome: JobOutcome) -> Result<bool> {
        let now = self.now().as_second();
        let (channel, skipped) = match outcome {
            JobOutcome::Sent(channel) => (Some(channel.code()), None),
            JobOutcome::Posted => (None, None),
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
        if let (Some(subscription), 1, JobOutcome::Posted) = (job.subscription_id, done, outcome) {
            // Delivered again: the subscriber is reachable, whatever failed before.
            tx.execute(
                q(
                    "UPDATE fhir_subscription SET status = 'active', error = NULL \
                   WHERE id = $1 AND status = 'error'",
                )
                .bind(subscription),
            )
            .await?;
        }
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
        if let (Some(subscription), 1, None) = (job.subscription_id, done, retry_in) {
            tx.execute(
                q("UPDATE fhir_subscription SET status = 'error', error = $1 \
                   WHERE id = $2 AND status <> 'off'")
                .bind(error.as_str())
                .bind(subscription),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(done == 1)
    }

    async fn failed_jobs(&self, limit: u32) -> Result<Vec<FailedJob>> {
        let rows: Vec<FailedRow> = self
            .db
            .pool()
            .fetch_all(
                q("SELECT o.id, o.kind, c.name AS clinic_name, o.channel, o.subscription_id, o.attempts, o.last_error, o.created_at, o.failed_at \
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
                q("SELECT o.clinic_id, \
                     COALESCE(a.national_id, t.national_id, i.national_id, w.national_id) FROM outbox o \
                     LEFT JOIN appointment a ON a.id = o.appointment_id LEFT JOIN thread t ON t.id = o.thread_id \
                     LEFT JOIN invitation i ON i.id = o.invitation_id \
                     LEFT JOIN waitlist_offer w ON w.id = o.waitlist_offer_id \
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
        let (pending, sent, skipped, failed, oldest): (i64, i64, i64, i64, Option<i64>) = self
            .db
            .pool()
            .fetch_one(q("SELECT \
                   COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN sent_at IS NOT NULL AND skipped IS NULL THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN sent_at IS NOT NULL AND skipped IS NOT NULL THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
                   MIN(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN created_at END) \
                 FROM outbox"))
            .await?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(OutboxCounts {
            pending: count(pending),
            sent: count(sent),
            skipped: count(skipped),
            failed: count(failed),
            oldest_pending: oldest
                .map(|at| crate::rows::instant(at, "outbox.created_at"))
                .transpose()?,
        })
    }
}
