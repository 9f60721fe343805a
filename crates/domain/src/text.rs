use crate::DomainError;
use unicode_segmentation::UnicodeSegmentation;

/// Which field a text error concerns, so that the message can name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Reason,
    InfoText,
    PersonName,
    Address,
    ClinicName,
    ResourceName,
    Description,
    BlockReason,
    CancelReason,
    Subject,
    MessageText,
}

impl std::fmt::Display for TextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Reason => "reason",
            Self::InfoText => "info text",
            Self::PersonName => "name",
            Self::Address => "address",
            Self::ClinicName => "clinic name",
            Self::ResourceName => "resource name",
            Self::Description => "description",
            Self::BlockReason => "block reason",
            Self::CancelReason => "cancellation reason",
            Self::Subject => "subject",
            Self::MessageText => "message",
        })
    }
}

/// Counts characters as a person sees them: a letter with its accents, «æ», or an emoji made
/// of several code points is one. The portal's live counter counts the same way.
pub fn count_characters(text: &str) -> usize {
    text.graphemes(true).count()
}

struct Rule {
    field: TextField,
    min: usize,
    max: usize,
    multiline: bool,
}

fn check(rule: &Rule, raw: &str) -> Result<String, DomainError> {
    let text = raw.trim().replace("\r\n", "\n");
    let allowed = |c: char| !c.is_control() || (rule.multiline && (c == '\n' || c == '\t'));
    if !text.chars().all(allowed) {
        return Err(DomainError::TextControlCharacters(rule.field));
    }
    let length = count_characters(&text);
    if length < rule.min {
        return Err(DomainError::TextEmpty(rule.field));
    }
    if length > rule.max {
        return Err(DomainError::TextTooLong {
            field: rule.field,
            max: rule.max,
        });
    }
    Ok(text)
}

macro_rules! bounded_text {
    ($($(#[$doc:meta])* $name:ident: $field:ident, $min:literal..=$max:literal, multiline = $multi:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARACTERS: usize = $max;

            /// Trims the text and checks its length in characters (see [`count_characters`]).
            pub fn parse(text: &str) -> Result<Self, DomainError> {
                check(&Rule { field: TextField::$field, min: $min, max: $max, multiline: $multi }, text)
                    .map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

bounded_text! {
    /// «Hva gjelder det?»: what the appointment is about, 1–50 characters. Health data: never log it.
    Reason: Reason, 1..=50, multiline = false;
    /// «Informasjon fra legekontoret»: up to 300 characters, may be empty.
    InfoText: InfoText, 0..=300, multiline = true;
    /// A first or last name.
    PersonName: PersonName, 1..=100, multiline = false;
    /// An address such as «Influensaveien 3a, 1325 Lysaker».
    Address: Address, 1..=200, multiline = false;
    /// A clinic's name such as «Helsenorge testlegekontor».
    ClinicName: ClinicName, 1..=200, multiline = false;
    /// A resource's name such as «Influensa».
    ResourceName: ResourceName, 1..=100, multiline = false;
    /// A resource's description shown to patients.
    Description: Description, 0..=300, multiline = true;
    /// The clinic's internal note on why a patient is blocked. Never shown to the patient.
    BlockReason: BlockReason, 1..=300, multiline = true;
    /// Why the clinic cancelled an appointment; the patient is told.
    CancelReason: CancelReason, 1..=300, multiline = true;
    /// «Emne»: a message thread's subject. Health data: never log it.
    Subject: Subject, 1..=60, multiline = false;
    /// «Melding»: the text of a message between a patient and the GP office. Health data.
    MessageText: MessageText, 1..=2000, multiline = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_is_trimmed_and_must_not_be_empty() {
        assert_eq!(
            Reason::parse("  Influensavaksine  ").map(|r| r.to_string()),
            Ok("Influensavaksine".into())
        );
        assert_eq!(
            Reason::parse("   "),
            Err(DomainError::TextEmpty(TextField::Reason))
        );
    }

    #[test]
    fn reason_counts_characters_not_bytes() {
        let fifty = "æøå".repeat(16) + "🧑‍⚕️💉";
        assert_eq!(count_characters(&fifty), 50);
        assert!(fifty.len() > 100);
        assert!(Reason::parse(&fifty).is_ok());
        let fifty_one = fifty + "ø";
        assert_eq!(
            Reason::parse(&fifty_one),
            Err(DomainError::TextTooLong {
                field: TextField::Reason,
                max: 50
            })
        );
    }

    #[test]
    fn reason_is_one_line() {
        assert_eq!(
            Reason::parse("hei\nder"),
            Err(DomainError::TextControlCharacters(TextField::Reason))
        );
    }

    #[test]
    fn info_text_allows_300_characters_and_lines() {
        assert!(InfoText::parse(&"å".repeat(300)).is_ok());
        assert!(InfoText::parse("").is_ok());
        assert!(
            InfoText::parse("Linje 1\r\nLinje 2").is_ok_and(|t| t.as_str() == "Linje 1\nLinje 2")
        );
        assert_eq!(
            InfoText::parse(&"å".repeat(301)),
            Err(DomainError::TextTooLong {
                field: TextField::InfoText,
                max: 300
            })
        );
    }

    #[test]
    fn names_and_addresses_must_be_given() {
        assert!(PersonName::parse("Kari").is_ok());
        assert!(PersonName::parse("").is_err());
        assert!(Address::parse("Influensaveien 3a, 1325 Lysaker").is_ok());
        assert!(Address::parse(&"x".repeat(201)).is_err());
        assert!(Address::parse("a\u{0}b").is_err());
    }
}
