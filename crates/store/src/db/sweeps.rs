//! Tables that grow with every request (rate counts, DPoP proofs) are swept of their expired
//! rows by the request that finds a sweep due, at most once a minute per process and table.

use std::sync::atomic::{AtomicI64, Ordering};

/// When one table was last swept by this process, in seconds since the epoch.
pub(crate) struct Sweep(AtomicI64);

impl Sweep {
    pub(crate) const fn new() -> Self {
        Self(AtomicI64::new(0))
    }

    /// Whether a sweep is due at `now`; `true` for one caller only, who then sweeps.
    pub(crate) fn due(&self, now: i64) -> bool {
        let last = self.0.load(Ordering::Relaxed);
        now - last >= 60
            && self
                .0
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}
