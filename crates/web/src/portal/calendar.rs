//! The month calendar of «Velg time»: weeks from Monday, days with free slots as links.

use jiff::civil::{Date, Weekday};

pub struct Day {
    pub number: i8,
    /// A link for days with free slots; `None` for days that cannot be chosen.
    pub href: Option<String>,
    pub label: String,
    pub chosen: bool,
}

/// The weeks of the month holding `first`, each seven cells from Monday; cells outside the
/// month are empty. `day` describes each day of the month.
pub fn weeks(first: Date, mut day: impl FnMut(Date) -> Day) -> Vec<Vec<Option<Day>>> {
    let lead = usize::try_from(first.weekday().to_monday_zero_offset()).unwrap_or(0);
    let mut cells: Vec<Option<Day>> = (0..lead).map(|_| None).collect();
    let mut date = first;
    while date.month() == first.month() {
        cells.push(Some(day(date)));
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    while !cells.len().is_multiple_of(7) {
        cells.push(None);
    }
    let mut weeks = Vec::new();
    let mut cells = cells.into_iter().peekable();
    while cells.peek().is_some() {
        weeks.push(cells.by_ref().take(7).collect());
    }
    weeks
}

/// Monday to Sunday, for the column headings.
pub const WEEK: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// The column headings, short and in full (for screen readers).
pub fn weekday_heads(t: crate::texts::T) -> Vec<(String, String)> {
    WEEK.iter()
        .map(|d| {
            let n = d.to_monday_one_offset();
            (
                t.get(&format!("weekday-short-{n}")),
                t.get(&format!("weekday-{n}")),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn december_2025_starts_on_a_monday_and_has_five_weeks() {
        let weeks = weeks(date(2025, 12, 1), |d| Day {
            number: d.day(),
            href: None,
            label: String::new(),
            chosen: false,
        });
        assert_eq!(weeks.len(), 5);
        assert_eq!(weeks[0][0].as_ref().map(|d| d.number), Some(1));
        assert_eq!(weeks[2][2].as_ref().map(|d| d.number), Some(17));
        assert_eq!(weeks[4][2].as_ref().map(|d| d.number), Some(31));
        assert!(weeks[4][3].is_none());
    }

    #[test]
    fn a_month_starting_on_sunday_leads_with_six_empty_cells() {
        let weeks = weeks(date(2026, 11, 1), |d| Day {
            number: d.day(),
            href: None,
            label: String::new(),
            chosen: false,
        });
        assert!(weeks[0][..6].iter().all(Option::is_none));
        assert_eq!(weeks[0][6].as_ref().map(|d| d.number), Some(1));
    }
}
