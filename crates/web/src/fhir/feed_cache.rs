//! The slot finders' whole files as last built, kept per file, reach and language with the
//! store's feed stamp they were built under. A poll while nothing changed costs the stamp's
//! reading: the kept file and its tag answer it, whether with 304 or with the bytes. A file
//! is built again when the stamp has grown (something it is made from was committed) or when
//! time alone changes it (a slot starts, comes too close to book, or comes inside its window).
//! Polls that miss together wait for one build.
//!
//! Each process keeps its own files; the stamp is read from the database on every poll, so a
//! change committed through another process is seen at once.

use axum::body::Bytes;
use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The files kept, together, at most this large; the least recently used go first. A whole
/// Slot file of a few thousand slots is about a megabyte.
const BUDGET_BYTES: usize = 32 * 1024 * 1024;

/// Which file, for whom: what a file's content depends on besides the database and the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub file: File,
    /// The clinic a bound client sees, `Some(None)` for a client bound to an unknown clinic,
    /// `None` for every clinic.
    pub clinic: Option<Option<i64>>,
    pub lang: i18n::Lang,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum File {
    Location,
    Schedule,
    Slot,
}

/// A file as built.
#[derive(Debug)]
pub struct Built {
    /// The stamp read before the build: the file holds every change up to it.
    pub stamp: i64,
    /// From when, and until when, the file is what a build would give with nothing written.
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub body: Bytes,
    /// A strong validator of the body.
    pub etag: String,
}

impl Built {
    fn serves(&self, stamp: i64, now: Timestamp) -> bool {
        self.stamp >= stamp
            && self.from.is_none_or(|from| from <= now)
            && self.until.is_none_or(|until| now < until)
    }
}

/// What a build gives: the body, and from and until when it holds with nothing written.
pub struct Content {
    pub body: Bytes,
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

#[derive(Default)]
struct Cell {
    built: tokio::sync::Mutex<Option<Arc<Built>>>,
    /// The size of the body kept, for the budget.
    bytes: AtomicUsize,
    /// When it was last asked for, as a count of requests.
    used: AtomicU64,
}

#[derive(Default)]
pub struct FeedCache {
    cells: Mutex<HashMap<Key, Arc<Cell>>>,
    requests: AtomicU64,
    builds: AtomicU64,
}

impl FeedCache {
    /// How many files this process has built: a poll answered from a kept file adds none.
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
    }

    /// The file for `key` as of `stamp` (read before this call) at `now`: the kept one when it
    /// still holds, else one built by `build` (once, whoever else is waiting for it).
    pub async fn get<E, F>(
        &self,
        key: Key,
        stamp: i64,
        now: Timestamp,
        build: F,
    ) -> Result<Arc<Built>, E>
    where
        F: AsyncFnOnce() -> Result<Content, E>,
    {
        let cell = self.cell(key);
        let mut kept = cell.built.lock().await;
        if let Some(built) = kept.as_ref()
            && built.serves(stamp, now)
        {
            return Ok(built.clone());
        }
        let content = build().await?;
        self.builds.fetch_add(1, Ordering::Relaxed);
        let built = Arc::new(Built {
            stamp,
            from: content.from,
            until: content.until,
            etag: tag(&content.body),
            body: content.body,
        });
        cell.bytes.store(built.body.len(), Ordering::Relaxed);
        *kept = Some(built.clone());
        drop(kept);
        self.trim(key);
        Ok(built)
    }

    fn cell(&self, key: Key) -> Arc<Cell> {
        let used = self.requests.fetch_add(1, Ordering::Relaxed);
        // A poisoned lock only means another request panicked while holding it; the map is
        // still whole.
        let mut cells = self.cells.lock().unwrap_or_else(PoisonError::into_inner);
        let cell = cells.entry(key).or_default().clone();
        cell.used.store(used, Ordering::Relaxed);
        cell
    }

    /// Forgets the least recently used files until the rest fit the budget; never `keep`.
    fn trim(&self, keep: Key) {
        let mut cells = self.cells.lock().unwrap_or_else(PoisonError::into_inner);
        let mut total: usize = cells
            .values()
            .map(|c| c.bytes.load(Ordering::Relaxed))
            .sum();
        while total > BUDGET_BYTES {
            let oldest = cells
                .iter()
                .filter(|(key, _)| **key != keep)
                .min_by_key(|(_, cell)| cell.used.load(Ordering::Relaxed))
                .map(|(key, cell)| (*key, cell.bytes.load(Ordering::Relaxed)));
            let Some((key, bytes)) = oldest else { break };
            cells.remove(&key);
            total -= bytes;
        }
    }
}

/// A validator of content: equal content, equal tag, in every process.
pub fn tag(content: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(content);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(file: File) -> Key {
        Key {
            file,
            clinic: None,
            lang: i18n::Lang::default(),
        }
    }

    async fn get(cache: &FeedCache, stamp: i64, now: i64, until: Option<i64>) -> Arc<Built> {
        let at = |s: i64| Timestamp::from_second(s).expect("time");
        cache
            .get(key(File::Slot), stamp, at(now), async || {
                Ok::<_, ()>(Content {
                    body: Bytes::from(format!("{stamp}@{now}")),
                    from: Some(at(now)),
                    until: until.map(at),
                })
            })
            .await
            .expect("built")
    }

    #[tokio::test]
    async fn a_file_is_built_again_only_after_a_change_or_when_time_changes_it() {
        let cache = FeedCache::default();
        let first = get(&cache, 5, 100, Some(200)).await;
        assert_eq!(cache.builds(), 1);
        assert!(Arc::ptr_eq(&first, &get(&cache, 5, 150, Some(200)).await));
        assert!(
            Arc::ptr_eq(&first, &get(&cache, 4, 150, Some(200)).await),
            "a reader that saw an older stamp may have the newer file"
        );
        assert_eq!(cache.builds(), 1);
        let changed = get(&cache, 6, 150, Some(200)).await;
        assert_eq!(cache.builds(), 2);
        assert_ne!(first.etag, changed.etag);
        get(&cache, 6, 200, None).await;
        assert_eq!(cache.builds(), 3, "the file's time ran out");
        get(&cache, 6, 10_000, None).await;
        assert_eq!(cache.builds(), 3, "nothing in it moves with time");
    }

    #[tokio::test]
    async fn polls_that_miss_together_wait_for_one_build() {
        let cache = Arc::new(FeedCache::default());
        let polls: Vec<_> = (0..8)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { get(&cache, 1, 100, None).await })
            })
            .collect();
        for poll in polls {
            poll.await.expect("poll");
        }
        assert_eq!(cache.builds(), 1);
    }

    #[test]
    fn the_least_recently_used_files_go_over_the_budget() {
        let cache = FeedCache::default();
        for file in [File::Location, File::Schedule, File::Slot] {
            let cell = cache.cell(key(file));
            cell.bytes.store(BUDGET_BYTES / 2, Ordering::Relaxed);
        }
        cache.cell(key(File::Location));
        cache.trim(key(File::Slot));
        let cells = cache.cells.lock().expect("cells");
        assert!(cells.contains_key(&key(File::Location)), "used last");
        assert!(cells.contains_key(&key(File::Slot)), "kept");
        assert!(!cells.contains_key(&key(File::Schedule)));
    }
}
