//! Where a booking came from: SMART Scheduling Links lets a slot finder add `source` (who
//! the finder is) and `booking-referral` (its own reference) to a slot's deep link, so that
//! the bookings it brought can be counted. Both are the finder's opaque words, not the
//! patient's: a value that is not short printable ASCII is left out, and the patient books
//! as if it had not been there.

/// The most characters either value may have.
pub const MAX_REFERRAL_LENGTH: usize = 200;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Referral {
    source: Option<String>,
    referral: Option<String>,
}

fn opaque(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| {
            !v.is_empty()
                && v.len() <= MAX_REFERRAL_LENGTH
                && v.bytes().all(|b| b.is_ascii_graphic())
        })
        .map(str::to_owned)
}

impl Referral {
    /// The deep link's `source` and `booking-referral`, each kept when well formed.
    pub fn from_link(source: Option<&str>, referral: Option<&str>) -> Option<Self> {
        let found = Self {
            source: opaque(source),
            referral: opaque(referral),
        };
        (found.source.is_some() || found.referral.is_some()).then_some(found)
    }

    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    pub fn referral(&self) -> Option<&str> {
        self.referral.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finders_values_are_kept_when_well_formed() {
        let both = Referral::from_link(Some("vaccinefinder"), Some("ref-123")).expect("both");
        assert_eq!(
            (both.source(), both.referral()),
            (Some("vaccinefinder"), Some("ref-123"))
        );
        let one = Referral::from_link(Some("finder"), Some("has space")).expect("one");
        assert_eq!((one.source(), one.referral()), (Some("finder"), None));
    }

    #[test]
    fn nothing_well_formed_is_no_referral() {
        for (source, referral) in [
            (None, None),
            (Some(""), Some("  ")),
            (Some("ø"), Some("\u{202e}x")),
            (Some("a\nb"), Some(&*"x".repeat(MAX_REFERRAL_LENGTH + 1))),
        ] {
            assert_eq!(Referral::from_link(source, referral), None, "{source:?}");
        }
        assert!(Referral::from_link(Some(&"x".repeat(MAX_REFERRAL_LENGTH)), None).is_some());
    }
}
