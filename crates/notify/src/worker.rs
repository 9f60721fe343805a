//! The outbox worker: claims due jobs, writes each notice, sends it on the patient's channel,
//! and records the outcome. A failed send is tried again with exponential backoff until the
//! configured number of tries, then marked failed for the operator.
//!
//! Delivery is at least once: a worker that dies after sending but before recording leaves
//! the job to be claimed again when its lease runs out, so at most the jobs of the batch in
//! flight can go out twice. Nothing is dropped without a recorded reason.

use crate::compose::{Notice, Portal, compose};
use crate::config::NotifyConfig;
use crate::error::SendError;
use crate::hook::{HookPayload, HookSender};
use crate::push::{PushOutcome, PushSender};
use crate::sms::SmsSender;
use crate::smtp::SmtpSender;
use domain::RetentionPolicy;
use domain::{AppointmentStatus, Channel};
use futures_util::stream::{self, StreamExt};
use jiff::SignedDuration;
use jiff::tz::TimeZone;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use store::{
    ClaimedJob, Clock, Delivery, HookStatus, JobOutcome, NotificationKind, Notifications,
    OfferRound, Retention, RetentionPass, SkipReason, StoreError, Waitlist,
};
use tracing::Instrument;

/// The configured channels; a channel without configuration is `None`.
struct Channels {
    smtp: Option<SmtpSender>,
    sms: Option<SmsSender>,
    push: Option<PushSender>,
}

pub struct Worker {
    store: Arc<dyn Notifications>,
    clock: Arc<dyn Clock>,
    /// When this worker last wrote due reminders; once a minute is often enough, and a busy
    /// worker claims batch after batch without scanning the appointments each time.
    reminders_written: std::sync::Mutex<Option<jiff::Timestamp>>,
    channels: Channels,
    /// Where FHIR Subscriptions' notifications are posted from, when the program gives it.
    hooks: Option<HookSender>,
    /// The waitlist whose freed places each round offers, when the program gives it.
    waitlist: Option<Arc<dyn Waitlist>>,
    /// When this worker last offered freed places: a busy worker claims batch after batch,
    /// and once a second is soon enough for a place to reach the next in line.
    offered: std::sync::Mutex<Option<jiff::Timestamp>>,
    /// What the worker deletes once it is no longer needed, when the program gives it, and
    /// when it last did: once an hour.
    retention: Option<(Arc<dyn Retention>, RetentionPolicy)>,
    retained: std::sync::Mutex<Option<jiff::Timestamp>>,
    config: NotifyConfig,
    zone: TimeZone,
}

/// What one round of the worker did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub claimed: usize,
    pub sent: usize,
    pub skipped: usize,
    pub retrying: usize,
    pub failed: usize,
}

impl Worker {
    /// A worker on `store`; `clock` is the store's, so that "too late" agrees with the
    /// database's idea of now.
    pub fn new(
        store: Arc<dyn Notifications>,
        clock: Arc<dyn Clock>,
        config: NotifyConfig,
    ) -> Result<Self, String> {
        config.check()?;
        let timeout = Duration::from_secs(u64::from(config.send_timeout_seconds));
        let channels = Channels {
            smtp: config
                .smtp
                .as_ref()
                .map(|c| SmtpSender::new(c, timeout))
                .transpose()?,
            sms: config
                .sms
                .as_ref()
                .map(|c| SmsSender::new(c, timeout))
                .transpose()?,
            push: config
                .push
                .as_ref()
                .map(|c| PushSender::new(c, timeout))
                .transpose()?,
        };
        let zone = domain::clinic_time_zone().map_err(|e| e.to_string())?;
        Ok(Self {
            store,
            clock,
            reminders_written: std::sync::Mutex::new(None),
            channels,
            hooks: None,
            waitlist: None,
            offered: std::sync::Mutex::new(None),
            retention: None,
            retained: std::sync::Mutex::new(None),
            config,
            zone,
        })
    }

    /// The worker, posting FHIR Subscriptions' notifications too: to endpoints `policy`
    /// allows, written by `payload`.
    pub fn with_hooks(
        mut self,
        policy: domain::PushTargetPolicy,
        payload: HookPayload,
    ) -> Result<Self, String> {
        let timeout = Duration::from_secs(u64::from(self.config.send_timeout_seconds));
        self.hooks = Some(HookSender::new(policy, payload, timeout)?);
        Ok(self)
    }

    /// The worker, offering the waitlist's freed places too, at the start of each round, so
    /// that a place freed by a cancellation, a move or a new slot, or by a hold that ran
    /// out, goes to the next in line within `poll_seconds`, and its notice in the same round.
    pub fn with_waitlist(mut self, waitlist: Arc<dyn Waitlist>) -> Self {
        self.waitlist = Some(waitlist);
        self
    }

    /// The worker, applying `policy` too: once an hour, at the start of a round, it deletes or
    /// anonymises what the policy no longer keeps.
    pub fn with_retention(mut self, store: Arc<dyn Retention>, policy: RetentionPolicy) -> Self {
        self.retention = Some((store, policy));
        self
    }

    /// Runs rounds until `shutdown` completes; an idle worker waits `poll_seconds`.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let poll = Duration::from_secs(u64::from(self.config.poll_seconds.max(1)));
        loop {
            let busy = match self.run_once().await {
                Ok(round) => round.claimed == self.config.batch_size as usize,
                Err(error) => {
                    tracing::warn!(%error, "notification worker could not reach the database");
                    false
                }
            };
            if busy {
                continue;
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// One round: writes due reminders (at most once a minute), offers the waitlist's freed
    /// places (at most once a second), claims a batch and delivers each job in it.
    pub async fn run_once(&self) -> Result<Round, StoreError> {
        let now = self.clock.now();
        if due(&self.reminders_written, now, SignedDuration::from_mins(1)) {
            // Each timebook's own reminders, at their moments.
            self.store.schedule_reminders().await?;
        }
        if let Some(waitlist) = &self.waitlist
            && due(&self.offered, now, SignedDuration::from_secs(1))
        {
            match waitlist.offer_freed_places().await {
                Ok(pass) if pass != OfferRound::default() => tracing::info!(
                    offered = pass.offered,
                    lapsed = pass.lapsed,
                    ended = pass.ended,
                    "waitlist pass"
                ),
                Ok(_) => {}
                // The notices already due still go out; the next round offers again.
                Err(error) => tracing::warn!(%error, "the waitlist pass failed"),
            }
        }
        if let Some((store, policy)) = &self.retention
            && due(&self.retained, now, SignedDuration::from_hours(1))
        {
            match store.apply_retention(policy).await {
                Ok(pass) if pass != RetentionPass::default() => tracing::info!(
                    reasons = pass.reasons + pass.requests,
                    threads = pass.threads,
                    messages = pass.messages,
                    notifications = pass.notifications,
                    sessions = pass.sessions,
                    login_attempts = pass.login_attempts,
                    idempotency_keys = pass.idempotency_keys,
                    audit_events = pass.audit_events,
                    "retention pass"
                ),
                Ok(_) => {}
                // Nothing is lost by waiting: the next hour's pass deletes the same and more.
                Err(error) => tracing::warn!(%error, "the retention pass failed"),
            }
        }
        let lease = SignedDuration::from_secs(i64::from(self.config.lease_seconds));
        let jobs = self
            .store
            .claim_jobs(
                self.config.batch_size,
                lease,
                &claim_token(self.clock.now()),
            )
            .await?;
        let mut round = Round {
            claimed: jobs.len(),
            ..Round::default()
        };
        let at_once = usize::try_from(self.config.sends_at_once)
            .unwrap_or(1)
            .max(1);
        // Owned jobs: a stream of borrowed ones makes the worker's future not `Send`.
        let mut endings = stream::iter(jobs)
            .map(|job| async move {
                let span = delivery_span(&job);
                let ending = self.deliver(&job).instrument(span.clone()).await;
                if let Ok(ending) = &ending {
                    span.record("notification.outcome", ending.code());
                }
                (job.id, ending)
            })
            .buffer_unordered(at_once);
        while let Some((job, ending)) = endings.next().await {
            match ending {
                Ok(Ending::Sent) => round.sent += 1,
                Ok(Ending::Skipped) => round.skipped += 1,
                Ok(Ending::Retrying) => round.retrying += 1,
                Ok(Ending::Failed) => round.failed += 1,
                // The lease runs out and another round takes the job again.
                Err(error) => {
                    tracing::warn!(job, %error, "could not record a notification's outcome")
                }
            }
        }
        Ok(round)
    }

    async fn deliver(&self, job: &ClaimedJob) -> Result<Ending, StoreError> {
        if let Some(subscription) = job.subscription_id {
            return self.post_notification(job, subscription).await;
        }
        let delivery = match self.store.delivery(job).await {
            Ok(delivery) => delivery,
            Err(error) => {
                return self
                    .record_failure(
                        job,
                        None,
                        &SendError::Temporary(format!("the job could not be read: {error}")),
                    )
                    .await;
            }
        };
        let now = self.clock.now();
        if job.kind == NotificationKind::Reminder
            && let Some(appointment) = &delivery.appointment
        {
            if appointment.status != AppointmentStatus::Booked {
                return self.skip(job, SkipReason::NotBooked).await;
            }
            if appointment.start <= now {
                return self.skip(job, SkipReason::TooLate).await;
            }
        }
        // A reminder of an invitation the patient has booked, or that has expired, is not
        // sent; nor an invitation answered before its notice went out.
        if matches!(
            job.kind,
            NotificationKind::Invited | NotificationKind::InvitationReminder
        ) && delivery.invitation.as_ref().is_some_and(|i| i.closed)
        {
            return self.skip(job, SkipReason::InvitationClosed).await;
        }
        // An offer answered, expired or lapsed before its notice went out is not sent: the
        // place may be someone else's by now.
        if job.kind == NotificationKind::WaitlistOffer
            && delivery.waitlist_offer.as_ref().is_some_and(|o| o.closed)
        {
            return self.skip(job, SkipReason::OfferClosed).await;
        }
        let Some(channel) = delivery.settings.channel() else {
            return self.skip(job, SkipReason::NoAddress).await;
        };
        let Some(notice) = compose(
            job.kind,
            &delivery,
            Portal {
                name: &self.config.portal_name,
                url: &self.config.portal_url,
            },
            &self.zone,
            now,
        ) else {
            let error = SendError::Refused("the job names no appointment or invitation".into());
            return self.record_failure(job, None, &error).await;
        };
        match self.send_on(channel, &delivery, &notice).await {
            None => self.skip(job, SkipReason::NoAddress).await,
            Some(Ok(())) => self.record_sent(job, channel).await,
            Some(Err(error)) => self.record_failure(job, Some(channel), &error).await,
        }
    }

    /// A FHIR Subscription's notification of an appointment's change, posted to the
    /// subscriber. Logged by job and subscription, with the status the endpoint answered.
    async fn post_notification(
        &self,
        job: &ClaimedJob,
        subscription: i64,
    ) -> Result<Ending, StoreError> {
        let delivery = match self.store.hook_delivery(job).await {
            Ok(delivery) => delivery,
            Err(error) => {
                let error = SendError::Temporary(format!("the job could not be read: {error}"));
                return self.record_failure(job, None, &error).await;
            }
        };
        if delivery.subscription.status == HookStatus::Off {
            return self.skip(job, SkipReason::SubscriptionOff).await;
        }
        let Some(hooks) = &self.hooks else {
            let error = SendError::NotConfigured("FHIR subscription");
            return self.record_failure(job, None, &error).await;
        };
        match hooks.post(&delivery).await {
            Ok(status) => {
                if !self.store.finish_job(job, JobOutcome::Posted).await? {
                    tracing::warn!(
                        job = job.id,
                        subscription,
                        "a subscription notification was posted after its claim ran out; it \
                         may have gone out twice"
                    );
                }
                tracing::info!(
                    job = job.id,
                    subscription,
                    status,
                    "subscription notification delivered"
                );
                count(job, None, Ending::Sent)
            }
            Err(error) => {
                tracing::info!(job = job.id, subscription, %error, "subscription notification not delivered");
                self.record_failure(job, None, &error).await
            }
        }
    }

    /// Sends the notice on the patient's channel; `None` when they have no address there.
    async fn send_on(
        &self,
        channel: Channel,
        delivery: &Delivery,
        notice: &Notice,
    ) -> Option<Result<(), SendError>> {
        Some(match channel {
            Channel::Sms => match (&self.channels.sms, &delivery.settings.mobile) {
                (_, None) => return None,
                (None, _) => Err(SendError::NotConfigured("SMS")),
                (Some(sms), Some(mobile)) => sms.send(mobile, &notice.text).await,
            },
            Channel::Email => match (&self.channels.smtp, &delivery.settings.email) {
                (_, None) => return None,
                (None, _) => Err(SendError::NotConfigured("e-mail")),
                (Some(smtp), Some(email)) => smtp.send(email, notice).await,
            },
            Channel::Push => match &self.channels.push {
                _ if delivery.push.is_empty() => return None,
                None => Err(SendError::NotConfigured("push")),
                Some(push) => match self.push_to_devices(push, &delivery.push, notice).await {
                    Ok(0) => return None,
                    Ok(_) => Ok(()),
                    Err(error) => Err(error),
                },
            },
        })
    }

    async fn record_sent(&self, job: &ClaimedJob, channel: Channel) -> Result<Ending, StoreError> {
        if !self
            .store
            .finish_job(job, JobOutcome::Sent(channel))
            .await?
        {
            tracing::warn!(
                job = job.id,
                "a notification was sent after its claim ran out; it may have gone out twice"
            );
        }
        tracing::info!(
            job = job.id,
            kind = job.kind.code(),
            channel = channel.code(),
            "notification sent"
        );
        count(job, Some(channel), Ending::Sent)
    }

    /// Sends to every device; the number that took it, or the first failure when none did.
    /// Devices the push service has forgotten are forgotten here too.
    async fn push_to_devices(
        &self,
        push: &PushSender,
        devices: &[store::StoredPushSubscription],
        notice: &Notice,
    ) -> Result<usize, SendError> {
        let payload = serde_json::json!({
            "title": notice.subject,
            "body": notice.text,
            "url": format!("{}/timeavtaler", self.config.portal_url.trim_end_matches('/')),
        })
        .to_string();
        let mut delivered = 0;
        let mut first_error = None;
        for device in devices {
            match push.send(&device.subscription, payload.as_bytes()).await {
                PushOutcome::Delivered => delivered += 1,
                PushOutcome::Gone => {
                    if let Err(error) = self
                        .store
                        .forget_push_endpoint(device.subscription.endpoint())
                        .await
                    {
                        tracing::warn!(%error, "could not forget a gone push subscription");
                    }
                }
                PushOutcome::Failed(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        match first_error {
            Some(error) if delivered == 0 => Err(error),
            _ => Ok(delivered),
        }
    }

    async fn skip(&self, job: &ClaimedJob, reason: SkipReason) -> Result<Ending, StoreError> {
        self.store
            .finish_job(job, JobOutcome::Skipped(reason))
            .await?;
        tracing::info!(
            job = job.id,
            kind = job.kind.code(),
            reason = reason.code(),
            "notification not sent"
        );
        count(job, None, Ending::Skipped)
    }

    async fn record_failure(
        &self,
        job: &ClaimedJob,
        channel: Option<Channel>,
        error: &SendError,
    ) -> Result<Ending, StoreError> {
        let last_try = error.is_permanent() || job.attempt >= self.config.max_attempts;
        let retry_in = (!last_try).then(|| backoff(&self.config, job.attempt));
        self.store
            .fail_job(job, channel, &error.to_string(), retry_in)
            .await?;
        if last_try {
            tracing::warn!(job = job.id, attempt = job.attempt, %error, "notification failed for good");
            count(job, channel, Ending::Failed)
        } else {
            tracing::info!(job = job.id, attempt = job.attempt, %error, "notification will be tried again");
            count(job, channel, Ending::Retrying)
        }
    }
}

/// Whether at least `every` has passed since `last` (never set: yes), setting it to `now`
/// when it has.
fn due(
    last: &std::sync::Mutex<Option<jiff::Timestamp>>,
    now: jiff::Timestamp,
    every: SignedDuration,
) -> bool {
    let mut last = last
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let due = last.is_none_or(|at| now.duration_since(at) >= every);
    if due {
        *last = Some(now);
    }
    due
}

#[derive(Debug, Clone, Copy)]
enum Ending {
    Sent,
    Skipped,
    Retrying,
    Failed,
}

impl Ending {
    fn code(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Skipped => "skipped",
            Self::Retrying => "retrying",
            Self::Failed => "failed",
        }
    }
}

/// A delivery's span in the traces, the parent of its statements: the kind of notice and
/// how the try ended, never its address or text.
fn delivery_span(job: &ClaimedJob) -> tracing::Span {
    let kind = if job.subscription_id.is_some() {
        "subscription"
    } else {
        job.kind.code()
    };
    tracing::info_span!(
        target: "timebok::trace",
        "delivery",
        otel.name = %format_args!("deliver {kind}"),
        notification.kind = kind,
        notification.attempt = job.attempt,
        notification.outcome = tracing::field::Empty,
    )
}

/// Counts how a try of `job` ended, on `channel` where one was chosen.
fn count(job: &ClaimedJob, channel: Option<Channel>, ending: Ending) -> Result<Ending, StoreError> {
    let channel = if job.subscription_id.is_some() {
        "subscription"
    } else {
        channel.map_or("none", Channel::code)
    };
    metrics::counter!(store::measure::NOTIFICATION_DELIVERIES, "channel" => channel, "outcome" => ending.code()).increment(1);
    Ok(ending)
}

/// The wait after try number `attempt`: the base, doubled for each earlier try, capped.
pub fn backoff(config: &NotifyConfig, attempt: u32) -> SignedDuration {
    let doublings = attempt.saturating_sub(1).min(30);
    let seconds = u64::from(config.backoff_base_seconds)
        .saturating_mul(1u64 << doublings)
        .min(u64::from(config.backoff_max_seconds));
    SignedDuration::from_secs(i64::try_from(seconds).unwrap_or(i64::MAX))
}

/// A token naming one claim. `now` is only for a machine without randomness, where the
/// process id alone would repeat across containers that all run as process 1.
fn claim_token(now: jiff::Timestamp) -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return format!("{}-{}-{n}", std::process::id(), now.as_nanosecond());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_at_the_cap() {
        let config = NotifyConfig {
            backoff_base_seconds: 30,
            backoff_max_seconds: 300,
            ..NotifyConfig::default()
        };
        let waits: Vec<i64> = (1..=6).map(|n| backoff(&config, n).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 300, 300]);
        assert_eq!(backoff(&config, 200).as_secs(), 300);
    }
}
