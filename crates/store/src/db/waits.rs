//! How often statements wait long for a database connection. Under overload sqlx would warn
//! once per waiting statement (seventeen thousand lines in a few minutes of a rush); instead
//! every wait is timed for `/metrics`, and the long waits are counted and logged at most once per interval, with how
//! many there were since the last line.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A wait a patient notices.
pub const LONG_WAIT: Duration = Duration::from_millis(250);

/// At most one log line per interval.
const LOG_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub struct ConnectionWaits {
    long: AtomicU64,
    /// Long waits not yet logged, and when the last line was written.
    unlogged: Mutex<(u64, Option<Instant>)>,
}

impl ConnectionWaits {
    /// Counts a wait for a connection, and logs the count when the interval allows.
    pub fn note(&self, waited: Duration) {
        metrics::histogram!(crate::measure::CONNECTION_WAIT).record(waited);
        if waited < LONG_WAIT {
            return;
        }
        if let Some(count) = self.count_long(Instant::now()) {
            tracing::warn!(
                waits = count,
                over_ms = LONG_WAIT.as_millis(),
                "statements waited long for a database connection: the pool is too small for the load, \
                 or the database is slow (count since the last such line)"
            );
        }
    }

    /// Long waits since the process started.
    pub fn long_waits(&self) -> u64 {
        self.long.load(Ordering::Relaxed)
    }

    /// Counts one long wait at `now`; the count to log when a line is due.
    fn count_long(&self, now: Instant) -> Option<u64> {
        self.long.fetch_add(1, Ordering::Relaxed);
        let mut unlogged = self
            .unlogged
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        unlogged.0 += 1;
        if unlogged
            .1
            .is_some_and(|last| now.duration_since(last) < LOG_INTERVAL)
        {
            return None;
        }
        let count = unlogged.0;
        *unlogged = (0, Some(now));
        Some(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_waits_are_logged_once_per_interval_with_their_count() {
        let waits = ConnectionWaits::default();
        let start = Instant::now();
        assert_eq!(
            waits.count_long(start),
            Some(1),
            "the first is logged at once"
        );
        for second in 1..60 {
            assert_eq!(waits.count_long(start + Duration::from_secs(second)), None);
        }
        assert_eq!(
            waits.count_long(start + Duration::from_secs(61)),
            Some(60),
            "then the ones since, together"
        );
        assert_eq!(waits.long_waits(), 61);
    }

    #[tokio::test]
    async fn a_statement_waiting_for_the_one_connection_is_counted() {
        use crate::Store;
        let path = std::env::temp_dir().join(format!("timebok-waits-{}.db", std::process::id()));
        let settings = crate::StoreSettings {
            max_connections: 1,
            ..crate::StoreSettings::default()
        };
        let store = crate::SqliteStore::connect(
            &format!("sqlite://{}", path.display()),
            settings,
            std::sync::Arc::new(crate::SystemClock),
        )
        .await
        .expect("store");
        let store = std::sync::Arc::new(store);
        store.ping().await.expect("a free connection");
        assert_eq!(store.long_connection_waits(), 0);
        let busy = store.db.pool.acquire().await.expect("the one connection");
        let waiting = tokio::spawn({
            let store = store.clone();
            async move { store.ping().await }
        });
        tokio::time::sleep(LONG_WAIT + Duration::from_millis(100)).await;
        drop(busy);
        waiting.await.expect("task").expect("ping after the wait");
        assert_eq!(store.long_connection_waits(), 1);
        store.ping().await.expect("no wait");
        assert_eq!(store.long_connection_waits(), 1);
        for file in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{file}", path.display()));
        }
    }

    #[test]
    fn short_waits_are_not_counted() {
        let waits = ConnectionWaits::default();
        waits.note(Duration::from_millis(10));
        assert_eq!(waits.long_waits(), 0);
        waits.note(LONG_WAIT);
        assert_eq!(waits.long_waits(), 1);
    }
}
