//! Texts and dates in the visitor's language, for templates and handlers alike.

use i18n::Lang;
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

/// The visitor's language, with the Fluent lookups that templates call.
#[derive(Debug, Clone, Copy)]
pub struct T(pub Lang);

fn two(n: i8) -> String {
    format!("{n:02}")
}

impl T {
    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    pub fn get(&self, key: &str) -> String {
        self.0.text(key, &[])
    }

    pub fn arg(&self, key: &str, name: &'static str, value: &str) -> String {
        self.0.text(key, &[(name, value)])
    }

    pub fn args(&self, key: &str, args: &[(&'static str, &str)]) -> String {
        self.0.text(key, args)
    }

    /// «Onsdag 17. desember 2025».
    pub fn long_date(&self, date: Date) -> String {
        let weekday = self.get(&format!(
            "weekday-{}",
            date.weekday().to_monday_one_offset()
        ));
        let month = self.get(&format!("month-{}", date.month()));
        self.args(
            "date-long",
            &[
                ("weekday", &weekday),
                ("day", &date.day().to_string()),
                ("month", &month),
                ("year", &date.year().to_string()),
            ],
        )
    }

    /// «17. des. 2025».
    pub fn short_date(&self, date: Date) -> String {
        let month = self.get(&format!("month-short-{}", date.month()));
        self.args(
            "date-short",
            &[
                ("day", &date.day().to_string()),
                ("month", &month),
                ("year", &date.year().to_string()),
            ],
        )
    }

    /// «Desember 2025».
    pub fn month_year(&self, date: Date) -> String {
        let month = self.get(&format!("month-{}", date.month()));
        let mut text = self.args(
            "month-year",
            &[("month", &month), ("year", &date.year().to_string())],
        );
        if let Some(first) = text.chars().next() {
            text.replace_range(..first.len_utf8(), &first.to_uppercase().to_string());
        }
        text
    }

    /// «08:15 - 08:30».
    pub fn time_range(&self, start: Timestamp, end: Timestamp, zone: &TimeZone) -> String {
        self.args(
            "time-range",
            &[("from", &clock(start, zone)), ("to", &clock(end, zone))],
        )
    }

    /// «Onsdag 17. desember 2025 kl. 08:15 - 08:30», in the clinics' time zone.
    pub fn date_time_range(&self, start: Timestamp, end: Timestamp, zone: &TimeZone) -> String {
        let date = self.long_date(start.to_zoned_datetime(zone.clone()).date());
        self.args(
            "date-time-range",
            &[
                ("date", &date),
                ("from", &clock(start, zone)),
                ("to", &clock(end, zone)),
            ],
        )
    }
}

/// «08:15» in the clinics' time zone.
pub fn clock(at: Timestamp, zone: &TimeZone) -> String {
    let time: Time = at.to_zoned_datetime(zone.clone()).time();
    format!("{}:{}", two(time.hour()), two(time.minute()))
}

/// The message for a refusal that every text field shares, whatever the field: characters
/// that cannot be used, or too many code points. `None` for the refusals each field words
/// itself (empty, too long).
pub fn text_refusal(error: &domain::DomainError) -> Option<&'static str> {
    use domain::DomainError;
    match error {
        DomainError::TextTooManyCodePoints { .. } => Some("text-too-many-code-points"),
        DomainError::TextNoncharacter(_) => Some("text-noncharacter"),
        DomainError::TextBidiControl(_) => Some("text-bidi-control"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn dates_read_as_in_the_guide() {
        let zone = domain::clinic_time_zone().expect("tz");
        let t = T(Lang::Nb);
        let start = zone
            .to_ambiguous_timestamp(date(2025, 12, 17).at(8, 15, 0, 0))
            .compatible()
            .expect("ts");
        let end = start + jiff::SignedDuration::from_mins(15);
        assert_eq!(
            t.date_time_range(start, end, &zone),
            "Onsdag 17. desember 2025 kl. 08:15 - 08:30"
        );
        assert_eq!(t.short_date(date(2025, 12, 17)), "17. des. 2025");
        assert_eq!(t.month_year(date(2025, 12, 1)), "Desember 2025");
        assert_eq!(t.time_range(start, end, &zone), "08:15 - 08:30");
        assert_eq!(
            T(Lang::En).date_time_range(start, end, &zone),
            "Wednesday 17 December 2025, 08:15 - 08:30"
        );
    }
}
