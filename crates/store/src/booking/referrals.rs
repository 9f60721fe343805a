//! The bookings slot finders brought, counted by the `source` their deep links named.

use crate::db::{Database, Executor, q};
use crate::{Result, SqlStore};
use async_trait::async_trait;
use jiff::Timestamp;

/// How many bookings since a time came by one slot finder's links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferredBookings {
    /// The finder's `source`; `None` for links that named only a `booking-referral`.
    pub source: Option<String>,
    pub bookings: u64,
}

/// The most finders listed: `source` is whatever a link said, so there is no end to them.
const MOST_SOURCES: i64 = 50;

#[async_trait]
pub trait Referrals: Send + Sync {
    /// Bookings made since `since` that came by a slot finder's deep link, by finder, the
    /// most first, links without a `source` last (at most 50 finders).
    async fn referred_bookings(&self, since: Timestamp) -> Result<Vec<ReferredBookings>>;
}

#[async_trait]
impl<D: Database> Referrals for SqlStore<D> {
    async fn referred_bookings(&self, since: Timestamp) -> Result<Vec<ReferredBookings>> {
        let rows: Vec<(Option<String>, i64)> = self
            .db
            .pool()
            .fetch_all(
                q(
                    "SELECT source, COUNT(*) FROM booking_referral WHERE booked_at >= $1 \
                   GROUP BY source ORDER BY COUNT(*) DESC, source IS NULL, source LIMIT $2",
                )
                .bind(since.as_second())
                .bind(MOST_SOURCES),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(source, bookings)| ReferredBookings {
                source,
                bookings: u64::try_from(bookings).unwrap_or(0),
            })
            .collect())
    }
}
