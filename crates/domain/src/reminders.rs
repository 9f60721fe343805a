//! A timebook's notices to the patient: the confirmation right after booking, and reminders
//! at chosen times before the appointment.

use crate::text::is_bidi_control;

/// How long before an appointment a reminder goes out: from a quarter of an hour to two weeks,
/// in whole minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReminderOffset(u32);

/// The unit a [`ReminderOffset`] reads best in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderUnit {
    Minutes,
    Hours,
    Days,
}

impl ReminderOffset {
    /// The shortest: a reminder closer to the start would hardly reach the patient in time.
    pub const MIN_MINUTES: u32 = 15;
    /// The longest: two weeks.
    pub const MAX_MINUTES: u32 = 14 * 24 * 60;

    /// `None` outside [`Self::MIN_MINUTES`]..=[`Self::MAX_MINUTES`].
    pub fn from_minutes(minutes: i64) -> Option<Self> {
        u32::try_from(minutes)
            .ok()
            .filter(|m| (Self::MIN_MINUTES..=Self::MAX_MINUTES).contains(m))
            .map(Self)
    }

    pub fn minutes(self) -> u32 {
        self.0
    }

    /// The offset as a count of the unit it reads best in: whole days from three days on
    /// (so «48 t» stays hours, as offices say it), whole hours, else minutes.
    pub fn in_unit(self) -> (u32, ReminderUnit) {
        const DAY: u32 = 24 * 60;
        if self.0 >= 3 * DAY && self.0.is_multiple_of(DAY) {
            (self.0 / DAY, ReminderUnit::Days)
        } else if self.0.is_multiple_of(60) {
            (self.0 / 60, ReminderUnit::Hours)
        } else {
            (self.0, ReminderUnit::Minutes)
        }
    }
}

/// Why the reminders an office typed cannot be used. Each names the item it is about, as the
/// office typed it (shortened, without characters that would disturb a page).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemindersError {
    #[error("«{0}» is not a whole number with a unit (min, t, d)")]
    Unreadable(String),
    #[error("«{0}» is shorter than {min} minutes", min = ReminderOffset::MIN_MINUTES)]
    TooShort(String),
    #[error("«{0}» is longer than 14 days")]
    TooLong(String),
    #[error("«{0}» is the same time as a reminder before it")]
    Duplicate(String),
    #[error("at most {max} reminders", max = ReminderOffsets::MAX)]
    TooMany,
}

/// A timebook's reminders: at most [`ReminderOffsets::MAX`] different offsets, the earliest
/// reminder (the longest offset) first. Empty means no reminders.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReminderOffsets(Vec<ReminderOffset>);

/// Unit words in bokmål, nynorsk and English, so a value shown in one language is read back
/// in any.
const MINUTE_WORDS: &[&str] = &[
    "m", "min", "mins", "minutt", "minutter", "minute", "minutes",
];
const HOUR_WORDS: &[&str] = &[
    "t", "h", "hr", "hrs", "time", "timer", "timar", "hour", "hours",
];
const DAY_WORDS: &[&str] = &["d", "dag", "dager", "dagar", "døgn", "døger", "day", "days"];

/// The longest piece of the office's text a message repeats.
const ECHO_CHARACTERS: usize = 20;

/// The item as a message may show it.
fn echo(item: &str) -> String {
    item.chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .take(ECHO_CHARACTERS)
        .collect()
}

/// One item, such as «48 t», «2t» or «30 min».
fn parse_item(item: &str) -> Result<ReminderOffset, RemindersError> {
    let unreadable = || RemindersError::Unreadable(echo(item));
    let digits = item.len() - item.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (number, unit) = item.split_at(digits);
    // More digits than any offset has would only overflow.
    if number.is_empty() || number.len() > 6 {
        return Err(unreadable());
    }
    let count: i64 = number.parse().map_err(|_| unreadable())?;
    let unit = unit.trim().to_lowercase();
    let per_unit = if MINUTE_WORDS.contains(&unit.as_str()) {
        1
    } else if HOUR_WORDS.contains(&unit.as_str()) {
        60
    } else if DAY_WORDS.contains(&unit.as_str()) {
        24 * 60
    } else {
        return Err(unreadable());
    };
    let minutes = count * per_unit;
    ReminderOffset::from_minutes(minutes).ok_or_else(|| {
        if minutes < i64::from(ReminderOffset::MIN_MINUTES) {
            RemindersError::TooShort(echo(item))
        } else {
            RemindersError::TooLong(echo(item))
        }
    })
}

impl ReminderOffsets {
    /// The most reminders one timebook sends before an appointment.
    pub const MAX: usize = 5;

    /// Reads the office's text: items separated by commas, semicolons or line breaks, each a
    /// whole number and a unit (min, t or h, d; the words in full in any of the three
    /// languages too), such as «48 t, 2 t». Blank means no reminders.
    pub fn parse(text: &str) -> Result<Self, RemindersError> {
        let items: Vec<&str> = text
            .split([',', ';', '\n', '\r'])
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .collect();
        if items.len() > Self::MAX {
            return Err(RemindersError::TooMany);
        }
        let mut offsets: Vec<ReminderOffset> = Vec::with_capacity(items.len());
        for item in items {
            let offset = parse_item(item)?;
            if offsets.contains(&offset) {
                return Err(RemindersError::Duplicate(echo(item)));
            }
            offsets.push(offset);
        }
        Ok(Self::sorted(offsets))
    }

    /// Offsets as stored; `None` when they break a rule above.
    pub fn from_minutes(minutes: impl IntoIterator<Item = i64>) -> Option<Self> {
        let mut offsets = Vec::new();
        for m in minutes {
            let offset = ReminderOffset::from_minutes(m)?;
            if offsets.contains(&offset) || offsets.len() == Self::MAX {
                return None;
            }
            offsets.push(offset);
        }
        Some(Self::sorted(offsets))
    }

    fn sorted(mut offsets: Vec<ReminderOffset>) -> Self {
        offsets.sort_unstable_by(|a, b| b.cmp(a));
        Self(offsets)
    }

    /// The earliest reminder first.
    pub fn as_slice(&self) -> &[ReminderOffset] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What a timebook tells its patients by itself, besides changes and cancellations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimebookNotices {
    /// A confirmation right after each booking.
    pub confirm_booking: bool,
    pub reminders: ReminderOffsets,
}

impl TimebookNotices {
    /// The reminder every timebook had before each set its own, and every new one gets.
    pub const DEFAULT_REMINDER_MINUTES: u32 = 24 * 60;
}

impl Default for TimebookNotices {
    /// A confirmation, and a reminder 24 hours before.
    fn default() -> Self {
        Self {
            confirm_booking: true,
            reminders: ReminderOffsets(vec![ReminderOffset(Self::DEFAULT_REMINDER_MINUTES)]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes(text: &str) -> Result<Vec<u32>, RemindersError> {
        ReminderOffsets::parse(text).map(|o| o.as_slice().iter().map(|o| o.minutes()).collect())
    }

    #[test]
    fn the_offices_words_are_read_in_any_of_the_three_languages() {
        assert_eq!(minutes("48 t, 2 t"), Ok(vec![2880, 120]));
        assert_eq!(minutes("2t;48T"), Ok(vec![2880, 120]));
        assert_eq!(minutes("30 min\n7 døgn"), Ok(vec![10_080, 30]));
        assert_eq!(
            minutes("1 day, 3 hours, 15 minutes"),
            Ok(vec![1440, 180, 15])
        );
        assert_eq!(minutes("2 dagar, 5 timar"), Ok(vec![2880, 300]));
        assert_eq!(minutes(" 14 d , "), Ok(vec![14 * 1440]));
        assert_eq!(minutes(""), Ok(vec![]));
        assert_eq!(minutes(" , \n"), Ok(vec![]));
    }

    #[test]
    fn bad_items_are_named_in_the_refusal() {
        assert_eq!(
            minutes("48 t, to timer"),
            Err(RemindersError::Unreadable("to timer".into()))
        );
        assert_eq!(minutes("48"), Err(RemindersError::Unreadable("48".into())));
        assert_eq!(minutes("t"), Err(RemindersError::Unreadable("t".into())));
        assert_eq!(
            minutes("1.5 t"),
            Err(RemindersError::Unreadable("1.5 t".into()))
        );
        assert_eq!(
            minutes("-2 t"),
            Err(RemindersError::Unreadable("-2 t".into()))
        );
        assert_eq!(
            minutes("99999999999999999999 t"),
            Err(RemindersError::Unreadable("99999999999999999999".into()))
        );
        assert_eq!(
            minutes("10 min"),
            Err(RemindersError::TooShort("10 min".into()))
        );
        assert_eq!(minutes("0 t"), Err(RemindersError::TooShort("0 t".into())));
        assert_eq!(minutes("15 d"), Err(RemindersError::TooLong("15 d".into())));
        assert_eq!(
            minutes("999999 d"),
            Err(RemindersError::TooLong("999999 d".into()))
        );
        assert_eq!(
            minutes("48 t, 2 d"),
            Err(RemindersError::Duplicate("2 d".into()))
        );
        assert_eq!(
            minutes("1 t, 2 t, 3 t, 4 t, 5 t, 6 t"),
            Err(RemindersError::TooMany)
        );
        assert_eq!(minutes("1 t, 2 t, 3 t, 4 t, 5 t").map(|m| m.len()), Ok(5));
    }

    #[test]
    fn an_echoed_item_is_short_and_has_nothing_that_disturbs_a_page() {
        let long = format!("\u{202E}x\u{0}{}", "y".repeat(100));
        let Err(RemindersError::Unreadable(shown)) = ReminderOffsets::parse(&long) else {
            panic!("refused");
        };
        assert_eq!(shown, format!("x{}", "y".repeat(19)));
    }

    #[test]
    fn offsets_read_in_the_unit_offices_use() {
        let unit = |m| ReminderOffset::from_minutes(m).expect("offset").in_unit();
        assert_eq!(unit(2880), (48, ReminderUnit::Hours));
        assert_eq!(unit(120), (2, ReminderUnit::Hours));
        assert_eq!(unit(90), (90, ReminderUnit::Minutes));
        assert_eq!(unit(3 * 1440), (3, ReminderUnit::Days));
        assert_eq!(unit(3 * 1440 + 60), (73, ReminderUnit::Hours));
    }

    #[test]
    fn stored_offsets_are_held_to_the_same_rules() {
        let stored = ReminderOffsets::from_minutes([120, 2880]).expect("valid");
        assert_eq!(stored, ReminderOffsets::parse("48 t, 2 t").expect("parsed"));
        assert_eq!(ReminderOffsets::from_minutes([120, 120]), None);
        assert_eq!(ReminderOffsets::from_minutes([5]), None);
        assert_eq!(
            ReminderOffsets::from_minutes([15, 30, 45, 60, 75, 90]),
            None
        );
        let default = TimebookNotices::default();
        assert!(default.confirm_booking);
        assert_eq!(
            default.reminders,
            ReminderOffsets::from_minutes([1440]).expect("a day")
        );
    }
}
