//! Acting for someone else: a parent for their child, an adult for another adult who has given
//! them fullmakt, as Helsenorge has it.
//!
//! The age rules Timebok implements for a parent (foreldreansvar), after the patient rights act
//! (pasient- og brukerrettighetsloven §§ 3-4 and 4-4):
//! - under 12: full access. The parent books, moves and cancels the child's appointments, sees
//!   them with their «Hva gjelder det?», and writes and reads the child's messages;
//! - from 12 to 16: the parent books, moves and cancels and sees the appointments, but not
//!   the messages. From 12 a child may have said things to the office that the law lets them
//!   keep from their parents, and Timebok has no way to ask the child's consent, so it does not
//!   show the messages rather than assume it;
//! - from 16 (helserettslig myndighetsalder): no access. A 16-year-old who wants a parent to
//!   help gives fullmakt, like any adult.
//!
//! A fullmakt gives full access for as long as the register or the identity provider says it
//! stands.

use crate::NationalId;
use jiff::civil::Date;

/// What kind of relation lets one person act for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationKind {
    /// A parent with foreldreansvar, for their child.
    Parent,
    /// An adult the person has given fullmakt.
    Fullmakt,
}

impl RelationKind {
    pub const ALL: [Self; 2] = [Self::Parent, Self::Fullmakt];

    /// The code stored in the database and used in the register's CSV.
    pub fn code(self) -> &'static str {
        match self {
            Self::Parent => "parent",
            Self::Fullmakt => "fullmakt",
        }
    }

    /// Reads the stored code, or the Norwegian words an operator may type in a CSV file.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_lowercase().as_str() {
            "parent" | "forelder" | "foreldreansvar" => Some(Self::Parent),
            "fullmakt" | "power_of_attorney" => Some(Self::Fullmakt),
            _ => None,
        }
    }
}

/// How much a representative may do for the person, today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Book, move and cancel, and see the appointments; not the messages.
    Appointments,
    /// Everything the person could do themself.
    Full,
}

impl Access {
    /// Whether the representative may read and write the person's messages.
    pub fn messages(self) -> bool {
        self == Self::Full
    }
}

/// The age at which a parent's access narrows to the appointments.
pub const FULL_ACCESS_BELOW_AGE: i16 = 12;
/// The age from which a parent has no access.
pub const NO_ACCESS_FROM_AGE: i16 = 16;

/// The person's age in whole years on `today`.
pub fn age_on(birth: Date, today: Date) -> i16 {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// The day a person turns `years`; a 29 February birthday falls on 1 March in other years.
pub fn birthday(birth: Date, years: i16) -> Date {
    let year = birth.year().saturating_add(years);
    Date::new(year, birth.month(), birth.day())
        .or_else(|_| Date::new(year, 3, 1))
        .unwrap_or(birth)
}

/// What the relation allows on `today`, if anything.
pub fn access(kind: RelationKind, person: &NationalId, today: Date) -> Option<Access> {
    match kind {
        RelationKind::Fullmakt => Some(Access::Full),
        RelationKind::Parent => {
            let age = age_on(person.birth_date(), today);
            if age < FULL_ACCESS_BELOW_AGE {
                Some(Access::Full)
            } else if age < NO_ACCESS_FROM_AGE {
                Some(Access::Appointments)
            } else {
                None
            }
        }
    }
}

/// The first day the relation no longer allows anything: a parent's ends on the child's 16th
/// birthday; a fullmakt has no end of its own.
pub fn access_ends(kind: RelationKind, person: &NationalId) -> Option<Date> {
    match kind {
        RelationKind::Parent => Some(birthday(person.birth_date(), NO_ACCESS_FROM_AGE)),
        RelationKind::Fullmakt => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn born(on: Date) -> NationalId {
        NationalId::synthetic(on, 100).expect("synthetic id")
    }

    #[test]
    fn a_parent_has_full_access_until_twelve_then_appointments_until_sixteen() {
        let child = born(date(2014, 6, 15));
        let day_before_12 = date(2026, 6, 14);
        assert_eq!(
            access(RelationKind::Parent, &child, day_before_12),
            Some(Access::Full)
        );
        assert_eq!(
            access(RelationKind::Parent, &child, date(2026, 6, 15)),
            Some(Access::Appointments)
        );
        assert_eq!(
            access(RelationKind::Parent, &child, date(2030, 6, 14)),
            Some(Access::Appointments)
        );
        assert_eq!(
            access(RelationKind::Parent, &child, date(2030, 6, 15)),
            None
        );
        assert_eq!(
            access_ends(RelationKind::Parent, &child),
            Some(date(2030, 6, 15))
        );
    }

    #[test]
    fn a_fullmakt_gives_full_access_at_any_age() {
        let adult = born(date(1940, 2, 1));
        assert_eq!(
            access(RelationKind::Fullmakt, &adult, date(2026, 12, 1)),
            Some(Access::Full)
        );
        assert_eq!(access_ends(RelationKind::Fullmakt, &adult), None);
    }

    #[test]
    fn a_leap_day_birthday_counts_from_the_first_of_march() {
        assert_eq!(birthday(date(2012, 2, 29), 16), date(2028, 2, 29));
        assert_eq!(birthday(date(2012, 2, 29), 13), date(2025, 3, 1));
        assert_eq!(age_on(date(2012, 2, 29), date(2025, 2, 28)), 12);
        assert_eq!(age_on(date(2012, 2, 29), date(2025, 3, 1)), 13);
    }

    #[test]
    fn only_appointments_are_open_below_full_access() {
        assert!(Access::Full.messages());
        assert!(!Access::Appointments.messages());
    }

    #[test]
    fn kinds_read_back_their_codes_and_norwegian_words() {
        for kind in RelationKind::ALL {
            assert_eq!(RelationKind::parse(kind.code()), Some(kind));
        }
        assert_eq!(
            RelationKind::parse(" Forelder "),
            Some(RelationKind::Parent)
        );
        assert_eq!(RelationKind::parse("venn"), None);
    }
}
