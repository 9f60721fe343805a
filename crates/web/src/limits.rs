//! Rate limits: on logins per client address, on bookings per patient and per client address,
//! on the FHIR API's bookings per machine client, on messages per patient, and on calendar
//! links asked for that do not exist, per client address. A request over a
//! limit gets 429 with `Retry-After` and a plain page (an OperationOutcome in the FHIR API),
//! and changes nothing.
//!
//! On PostgreSQL the counts live in the database, in fixed windows, so that every
//! `timebok serve` process behind a load balancer counts together; the keys are stored hashed.
//! On SQLite they live in the process's memory in sliding windows: a count there would be a
//! write on every request, queued behind the one writer the bookings need. Should the database
//! not answer a count, the process counts in memory for that request rather than turn it away.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::Store;

/// What a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Login attempts, per client address.
    Login,
    /// Holds and bookings, per patient, whether the portal or a FHIR client asks: one count, so
    /// that a patient's bookings cannot be multiplied by asking through another door.
    BookingPerPatient,
    /// Holds and bookings, per client address.
    BookingPerAddress,
    /// Holds and bookings through the FHIR API, per machine client (by its name).
    BookingPerClient,
    /// Messages written, per patient.
    Messages,
    /// Calendar links asked for that do not exist, per client address. Calendars found are
    /// not counted: calendar services fetch many patients' calendars from few addresses.
    CalendarLinkMisses,
}

/// How many requests of each scope are allowed in its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    pub logins_per_minute: u32,
    pub bookings_per_minute_per_patient: u32,
    pub bookings_per_minute_per_address: u32,
    /// A FHIR client books for many patients, so it gets more than one address of the
    /// portal; a national portal may need more still.
    pub bookings_per_minute_per_client: u32,
    pub messages_per_hour: u32,
    pub calendar_link_misses_per_minute: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            logins_per_minute: 10,
            bookings_per_minute_per_patient: 20,
            bookings_per_minute_per_address: 120,
            bookings_per_minute_per_client: 600,
            messages_per_hour: 20,
            calendar_link_misses_per_minute: 30,
        }
    }
}

impl LimitSettings {
    fn rule(&self, scope: Scope) -> (u32, Duration) {
        let minute = Duration::from_secs(60);
        match scope {
            Scope::Login => (self.logins_per_minute, minute),
            Scope::BookingPerPatient => (self.bookings_per_minute_per_patient, minute),
            Scope::BookingPerAddress => (self.bookings_per_minute_per_address, minute),
            Scope::BookingPerClient => (self.bookings_per_minute_per_client, minute),
            Scope::Messages => (self.messages_per_hour, Duration::from_secs(3600)),
            Scope::CalendarLinkMisses => (self.calendar_link_misses_per_minute, minute),
        }
    }
}

impl Scope {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::BookingPerPatient => "booking-patient",
            Self::BookingPerAddress => "booking-address",
            Self::BookingPerClient => "booking-client",
            Self::Messages => "messages",
            Self::CalendarLinkMisses => "calendar-link-misses",
        }
    }
}

/// The limits of one process: counted in the store where its counts are shared, otherwise in
/// sliding windows in memory, one per scope and key.
pub struct RateLimits {
    settings: LimitSettings,
    store: Arc<dyn Store>,
    seen: Mutex<HashMap<(Scope, String), VecDeque<Instant>>>,
}

impl RateLimits {
    pub fn new(settings: LimitSettings, store: Arc<dyn Store>) -> Self {
        Self {
            settings,
            store,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// The same limits on another store, with a memory of their own, as another process has.
    pub fn on_store(&self, store: Arc<dyn Store>) -> Self {
        Self::new(self.settings, store)
    }

    /// Counts a request of `scope` by `key`, or says in how many seconds to try again.
    pub async fn check(&self, scope: Scope, key: &str) -> Result<(), u64> {
        let checked = self.count(scope, key).await;
        if checked.is_err() {
            crate::exporter::refused_by(scope.code());
        }
        checked
    }

    async fn count(&self, scope: Scope, key: &str) -> Result<(), u64> {
        if self.store.counts_are_shared() {
            let (limit, window) = self.settings.rule(scope);
            // A fødselsnummer or an address is a key here; the table keeps only its hash.
            let hashed = crate::tokens::hash(&format!("{}:{key}", scope.code()));
            match self.store.count_hit(&hashed, window.as_secs()).await {
                Ok(counted) if counted.hits > u64::from(limit) => {
                    return Err(counted.window_left.max(1));
                }
                Ok(_) => return Ok(()),
                Err(error) => {
                    tracing::warn!(%error, "a rate limit was counted in memory: the database did not count it");
                }
            }
        }
        self.check_at(scope, key, Instant::now())
    }

    fn check_at(&self, scope: Scope, key: &str, now: Instant) -> Result<(), u64> {
        let (limit, window) = self.settings.rule(scope);
        // A poisoned lock only means another request panicked mid-count; the counts are
        // still usable.
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.len() > 100_000 {
            seen.retain(|(s, _), times| {
                let (_, w) = self.settings.rule(*s);
                times.back().is_some_and(|t| now.duration_since(*t) < w)
            });
        }
        let times = seen.entry((scope, key.to_owned())).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            times.pop_front();
        }
        if times.len() >= limit as usize {
            let oldest = times.front().copied().unwrap_or(now);
            let wait = window.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        times.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_limit_counts_per_key_and_frees_up_as_the_window_slides() {
        let db = store::testing::TestDb::sqlite().await;
        let clock = std::sync::Arc::new(store::SystemClock);
        let limits = RateLimits::new(
            LimitSettings {
                logins_per_minute: 2,
                ..LimitSettings::default()
            },
            db.open(clock).await,
        );
        let start = Instant::now();
        assert!(limits.check_at(Scope::Login, "10.0.0.1", start).is_ok());
        assert!(
            limits
                .check_at(Scope::Login, "10.0.0.1", start + Duration::from_secs(10))
                .is_ok()
        );
        assert_eq!(
            limits.check_at(Scope::Login, "10.0.0.1", start + Duration::from_secs(20)),
            Err(40)
        );
        assert!(
            limits
                .check_at(Scope::Login, "10.0.0.2", start + Duration::from_secs(20))
                .is_ok()
        );
        assert!(
            limits.check_at(Scope::Messages, "10.0.0.1", start).is_ok(),
            "scopes are apart"
        );
        assert!(
            limits
                .check_at(Scope::Login, "10.0.0.1", start + Duration::from_secs(60))
                .is_ok()
        );
    }
}
