//! The demo's clock, moved by writing a file. `demo_clock` names the file; the store, the
//! worker and the pages then all read "now" from it, so that what happens days after a
//! booking (a reminder two days before, a cancellation deadline passing) can be shown, and
//! tested in a browser, within seconds. Only `timebok demo` honours the setting: every other
//! command, and the production profile, refuse it (see `lib.rs` and `config.rs`).

use jiff::{SignedDuration, Timestamp};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use store::{Clock, SystemClock};

/// Why the file gives no time. Named when the demo starts; later, the clock keeps its last
/// reading and logs it.
#[derive(Debug, thiserror::Error)]
pub enum DemoClockError {
    #[error("demo_clock: cannot read {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "demo_clock: {path} says «{text}», which is neither an instant such as \
         2026-12-16T08:01:00+01:00 (between 1900 and 2199) nor an offset from the system's \
         time such as +48h or -PT30M"
    )]
    Unusable { path: PathBuf, text: String },
}

/// What the file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// An RFC 3339 instant: the clock stands there until the file changes, so that a test
    /// knows to the second what time the process sees.
    At(Timestamp),
    /// A signed duration, in ISO 8601 (`PT48H`) or jiff's friendly form (`+48h`, `-2h 30m`):
    /// the system's time moved by it, running on as usual.
    Offset(SignedDuration),
}

impl Reading {
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(at) = domain::parse_instant(text) {
            return Some(Self::At(at));
        }
        let offset: SignedDuration = text.parse().ok()?;
        // Held to the range of instants from outside, as an instant written out is; the
        // few years a demo runs cannot carry it out again.
        let moved = SystemClock.now().checked_add(offset).ok()?;
        domain::check_instant(moved).ok()?;
        Some(Self::Offset(offset))
    }

    fn now(self) -> Timestamp {
        match self {
            Self::At(at) => at,
            Self::Offset(offset) => {
                let system = SystemClock.now();
                system.checked_add(offset).unwrap_or(system)
            }
        }
    }
}

/// A clock that reads its file at every reading of the time: a few bytes from a local file,
/// which costs a demo nothing and needs no watcher to notice a change. A test moves it by
/// writing another file and renaming it over this one, so that no reading sees half a time.
#[derive(Debug)]
pub struct FileClock {
    path: PathBuf,
    last: Mutex<Last>,
}

/// The last good reading, and whether the failure since has been logged: "now" cannot fail,
/// and is read many times a second.
#[derive(Debug)]
struct Last {
    reading: Reading,
    warned: bool,
}

impl FileClock {
    /// The clock on `path`, which must say a usable time already, so that a mistake stops
    /// the demo at its start rather than leaving it on a time nobody chose.
    pub fn open(path: &Path) -> Result<Self, DemoClockError> {
        let reading = read(path)?;
        Ok(Self {
            path: path.to_owned(),
            last: Mutex::new(Last {
                reading,
                warned: false,
            }),
        })
    }
}

fn read(path: &Path) -> Result<Reading, DemoClockError> {
    let text = std::fs::read_to_string(path).map_err(|source| DemoClockError::Unreadable {
        path: path.to_owned(),
        source,
    })?;
    Reading::parse(&text).ok_or_else(|| DemoClockError::Unusable {
        path: path.to_owned(),
        // Enough to recognise what was written, not a whole stray file in the message.
        text: text.trim().chars().take(60).collect(),
    })
}

impl Clock for FileClock {
    fn now(&self) -> Timestamp {
        let fresh = read(&self.path);
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        match fresh {
            Ok(reading) => {
                last.reading = reading;
                last.warned = false;
            }
            Err(error) if !last.warned => {
                tracing::warn!(%error, "the demo's clock keeps its last good reading");
                last.warned = true;
            }
            Err(_) => {}
        }
        last.reading.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("instant")
    }

    #[test]
    fn an_instant_stands_still_and_an_offset_runs_on() {
        assert_eq!(
            Reading::parse(" 2026-12-16T08:01:00+01:00\n"),
            Some(Reading::At(at("2026-12-16T07:01:00Z")))
        );
        assert_eq!(
            Reading::parse("2026-12-16T07:01:00.250Z"),
            Some(Reading::At(at("2026-12-16T07:01:00.25Z")))
        );
        for (text, hours) in [("+48h", 48), ("48h", 48), ("-PT2H", -2), ("PT0S", 0)] {
            assert_eq!(
                Reading::parse(text),
                Some(Reading::Offset(SignedDuration::from_hours(hours))),
                "{text}"
            );
        }
        let ahead = Reading::Offset(SignedDuration::from_hours(48));
        let before = SystemClock.now();
        let read = ahead.now();
        let after = SystemClock.now();
        assert!(read.duration_since(before) >= SignedDuration::from_hours(48));
        assert!(read.duration_since(after) <= SignedDuration::from_hours(48));
    }

    #[test]
    fn anything_else_is_refused() {
        for text in [
            "",
            "i morgen",
            "2026-12-16",
            "2026-12-16T08:01:00",
            "1899-12-31T23:59:59Z",
            "2200-01-01T00:00:00Z",
            "3 days",
            "+2000000h",
        ] {
            assert_eq!(Reading::parse(text), None, "{text}");
        }
    }

    #[test]
    fn the_file_is_read_at_every_reading_and_a_bad_one_keeps_the_last_good() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("now");
        assert!(matches!(
            FileClock::open(&path),
            Err(DemoClockError::Unreadable { .. })
        ));
        std::fs::write(&path, "neste tirsdag").expect("write");
        let refused = FileClock::open(&path).expect_err("refused").to_string();
        assert!(refused.contains("«neste tirsdag»"), "{refused}");

        std::fs::write(&path, "2026-12-14T08:00:00+01:00").expect("write");
        let clock = FileClock::open(&path).expect("clock");
        assert_eq!(clock.now(), at("2026-12-14T07:00:00Z"));
        assert_eq!(clock.now(), at("2026-12-14T07:00:00Z"), "it stands still");
        std::fs::write(&path, "2026-12-16T08:01:00+01:00").expect("write");
        assert_eq!(clock.now(), at("2026-12-16T07:01:00Z"), "moved by the file");
        std::fs::write(&path, "").expect("write");
        assert_eq!(
            clock.now(),
            at("2026-12-16T07:01:00Z"),
            "the last good reading"
        );
        std::fs::remove_file(&path).expect("remove");
        assert_eq!(
            clock.now(),
            at("2026-12-16T07:01:00Z"),
            "the last good reading"
        );
        std::fs::write(&path, "2026-12-18T07:46:00+01:00").expect("write");
        assert_eq!(clock.now(), at("2026-12-18T06:46:00Z"), "and on again");
    }
}
