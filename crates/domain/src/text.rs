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
    MunicipalityName,
    ResourceName,
    Description,
    BlockReason,
    CancelReason,
    Subject,
    MessageText,
    /// «Finn pasient»'s search words.
    Search,
    InvitationMessage,
    AppointmentTypeName,
}

impl std::fmt::Display for TextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Reason => "reason",
            Self::InfoText => "info text",
            Self::PersonName => "name",
            Self::Address => "address",
            Self::ClinicName => "clinic name",
            Self::MunicipalityName => "municipality name",
            Self::ResourceName => "resource name",
            Self::Description => "description",
            Self::BlockReason => "block reason",
            Self::CancelReason => "cancellation reason",
            Self::Subject => "subject",
            Self::MessageText => "message",
            Self::Search => "search",
            Self::InvitationMessage => "invitation message",
            Self::AppointmentTypeName => "appointment type name",
        })
    }
}

/// Counts characters as a person sees them: a letter with its accents, «æ», or an emoji made
/// of several code points is one. The portal's live counter counts the same way.
pub fn count_characters(text: &str) -> usize {
    text.graphemes(true).count()
}

/// How many code points a text may hold for each character a person sees. A letter with its
/// accents, or the longest emoji in common use (a family, a flag of a region), takes up to
/// about ten, so four on average leaves room for any real text; a letter with 20,000
/// combining marks, which counts as one character, does not pass.
pub const CODE_POINTS_PER_CHARACTER: usize = 4;

/// Noncharacters: U+FDD0–U+FDEF and the last two code points of every plane (U+FFFE, U+FFFF,
/// U+1FFFE, …). Unicode reserves them for a program's own use; U+FFFE and U+FFFF are not
/// even allowed in XML 1.0, so a message holding one would break «Vis XML».
pub fn is_noncharacter(c: char) -> bool {
    let code = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE
}

/// Bidirectional embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069): they
/// reorder the text around them, so «gnp.exe» can show as «exe.png», and an override left
/// open spills into whatever a page shows next.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

struct Rule {
    field: TextField,
    min: usize,
    max: usize,
    multiline: bool,
}

impl Rule {
    fn max_code_points(&self) -> usize {
        self.max * CODE_POINTS_PER_CHARACTER
    }
}

/// Every text a person types passes here: it must be characters XML 1.0 and JSON carry as
/// they are (no control characters but line breaks and tabs where lines are allowed, no
/// noncharacters), must not reorder what is shown around it, and is bounded twice: in the
/// characters a person sees, and in code points, which bounds its bytes too (four each).
fn check(rule: &Rule, raw: &str) -> Result<String, DomainError> {
    let text = raw.trim().replace("\r\n", "\n");
    let allowed = |c: char| !c.is_control() || (rule.multiline && (c == '\n' || c == '\t'));
    if !text.chars().all(allowed) {
        return Err(DomainError::TextControlCharacters(rule.field));
    }
    if text.chars().any(is_noncharacter) {
        return Err(DomainError::TextNoncharacter(rule.field));
    }
    if text.chars().any(is_bidi_control) {
        return Err(DomainError::TextBidiControl(rule.field));
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
    // Within its characters, a text may still be made long by stacking marks on one letter.
    if text.chars().count() > rule.max_code_points() {
        return Err(DomainError::TextTooManyCodePoints {
            field: rule.field,
            max: rule.max_code_points(),
        });
    }
    Ok(text)
}

/// Escapes text for XML 1.0 content and attribute values, as «Vis XML» writes it. Every
/// text the domain accepts consists of characters XML allows, so the result is always
/// well-formed.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

macro_rules! bounded_text {
    ($($(#[$doc:meta])* $name:ident: $field:ident, $min:literal..=$max:literal, multiline = $multi:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARACTERS: usize = $max;
            /// The most code points the text may hold (see [`CODE_POINTS_PER_CHARACTER`]).
            pub const MAX_CODE_POINTS: usize = $max * CODE_POINTS_PER_CHARACTER;
            /// The most bytes the text may take in UTF-8: four for each code point.
            pub const MAX_BYTES: usize = Self::MAX_CODE_POINTS * 4;

            /// Trims the text and checks its characters and its length (see [`check`]).
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
    /// A municipality's name such as «Bærum».
    MunicipalityName: MunicipalityName, 1..=100, multiline = false;
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
    /// An invitation's (innkalling's) message from the office to the patients it calls in,
    /// up to 300 characters; empty for none. The clinic's own words, but kept out of logs
    /// like every text sent to a patient.
    InvitationMessage: InvitationMessage, 0..=300, multiline = true;
    /// A type of appointment as patients choose it, such as «Dobbelttime».
    AppointmentTypeName: AppointmentTypeName, 1..=60, multiline = false;
}

impl Reason {
    /// What a reason reads once retention has erased it: no words of the patient's, and one
    /// character, so that it is still a valid reason.
    pub const ERASED: &'static str = "–";
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
    fn an_invitation_message_is_at_most_300_characters_and_may_be_empty() {
        assert!(InvitationMessage::parse("").is_ok_and(|m| m.as_str().is_empty()));
        assert!(InvitationMessage::parse(&"ø".repeat(300)).is_ok());
        assert_eq!(
            InvitationMessage::parse(&"ø".repeat(301)),
            Err(DomainError::TextTooLong {
                field: TextField::InvitationMessage,
                max: 300
            })
        );
        assert!(
            InvitationMessage::parse(" Andre dose.\r\nVelkommen! ")
                .is_ok_and(|m| m.as_str() == "Andre dose.\nVelkommen!")
        );
        assert_eq!(
            InvitationMessage::parse("Hei \u{202E}der"),
            Err(DomainError::TextBidiControl(TextField::InvitationMessage))
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

    #[test]
    fn a_letter_with_thousands_of_marks_is_one_character_but_too_many_code_points() {
        let stacked = format!("a{}", "\u{301}".repeat(20_000));
        assert_eq!(count_characters(&stacked), 1);
        assert_eq!(
            Reason::parse(&stacked),
            Err(DomainError::TextTooManyCodePoints {
                field: TextField::Reason,
                max: Reason::MAX_CODE_POINTS
            })
        );
        // A name with its accents, or an emoji family, is well within the bound.
        assert!(Reason::parse(&"👨‍👩‍👧‍👦".repeat(25)).is_ok());
        assert!(PersonName::parse("Ǹ̈guyễn").is_ok());
        const { assert!(Reason::MAX_BYTES <= 800) };
    }

    #[test]
    fn noncharacters_are_refused_in_every_plane() {
        for c in [
            '\u{FFFE}',
            '\u{FFFF}',
            '\u{FDD0}',
            '\u{FDEF}',
            '\u{1FFFE}',
            '\u{10FFFF}',
        ] {
            assert_eq!(
                MessageText::parse(&format!("Hei {c} der")),
                Err(DomainError::TextNoncharacter(TextField::MessageText)),
                "U+{:X}",
                u32::from(c)
            );
        }
        assert!(MessageText::parse("Hei \u{FDCF}\u{FDF0}\u{FFFD} der").is_ok());
    }

    #[test]
    fn bidirectional_overrides_and_isolates_are_refused() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2069}',
        ] {
            assert_eq!(
                Subject::parse(&format!("gnp{c}.exe")),
                Err(DomainError::TextBidiControl(TextField::Subject)),
                "U+{:X}",
                u32::from(c)
            );
            assert_eq!(
                Reason::parse(&format!("a{c}b")),
                Err(DomainError::TextBidiControl(TextField::Reason))
            );
        }
        // Arabic and Hebrew text and the plain direction marks stay allowed.
        assert!(Reason::parse("\u{5E9}\u{5DC}\u{5D5}\u{5DD} \u{200F}").is_ok());
    }

    #[test]
    fn characters_xml_forbids_are_refused() {
        assert_eq!(
            MessageText::parse("a\u{1}b"),
            Err(DomainError::TextControlCharacters(TextField::MessageText))
        );
        assert_eq!(
            MessageText::parse("a\rb"),
            Err(DomainError::TextControlCharacters(TextField::MessageText))
        );
        assert_eq!(
            MessageText::parse("a\u{FFFF}b"),
            Err(DomainError::TextNoncharacter(TextField::MessageText))
        );
    }

    mod accepted_text {
        use super::super::*;
        use proptest::prelude::*;

        /// A text whose characters come from every corner: letters, marks, emoji, markup,
        /// controls, noncharacters, bidi controls and any code point at all.
        fn any_text() -> impl Strategy<Value = String> {
            let interesting = prop_oneof![
                Just('<'),
                Just('&'),
                Just('>'),
                Just('"'),
                Just('\''),
                Just(']'),
                Just('\n'),
                Just('\r'),
                Just('\t'),
                Just('\u{0}'),
                Just('\u{85}'),
                Just('\u{301}'),
                Just('\u{200D}'),
                Just('\u{202E}'),
                Just('\u{2067}'),
                Just('\u{FDD0}'),
                Just('\u{FFFE}'),
                Just('\u{FFFF}'),
                Just('\u{1FFFF}'),
                Just('\u{FEFF}'),
                Just('æ'),
                Just('🧑'),
            ];
            proptest::collection::vec(prop_oneof![interesting, any::<char>()], 0..80)
                .prop_map(|chars| chars.into_iter().collect())
        }

        fn well_formed_xml(text: &str) -> Result<(), String> {
            let document = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Melding a=\"{text}\">{text}</Melding>",
                text = escape_xml(text)
            );
            let parsed = roxmltree::Document::parse(&document).map_err(|e| e.to_string())?;
            let root = parsed.root_element();
            // The parser normalises tabs and line breaks in attributes, so compare the
            // element's text, which keeps them.
            if root.text().unwrap_or_default() != text {
                return Err("the text did not come back as it was".into());
            }
            Ok(())
        }

        fn round_trips_as_json(text: &str) -> Result<(), String> {
            let json = serde_json::to_string(text).map_err(|e| e.to_string())?;
            let back: String = serde_json::from_str(&json).map_err(|e| e.to_string())?;
            if back == text {
                Ok(())
            } else {
                Err("changed".into())
            }
        }

        macro_rules! every_type {
            ($($name:ident),*) => {
                proptest! {
                    #![proptest_config(ProptestConfig::with_cases(400))]
                    #[test]
                    fn what_a_type_accepts_is_well_formed_xml_and_json(raw in any_text()) {
                        $(
                            if let Ok(value) = $name::parse(&raw) {
                                let text = value.as_str();
                                prop_assert!(well_formed_xml(text).is_ok(), "{}: {:?}", stringify!($name), well_formed_xml(text));
                                prop_assert!(round_trips_as_json(text).is_ok());
                                let serialized = serde_json::to_string(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
                                let back: Option<String> = serde_json::from_str(&serialized).ok();
                                prop_assert_eq!(back.as_deref(), Some(text));
                                prop_assert!(text.chars().count() <= $name::MAX_CODE_POINTS);
                                prop_assert!(text.len() <= $name::MAX_BYTES);
                            }
                        )*
                    }
                }
            };
        }

        every_type!(
            Reason,
            InfoText,
            PersonName,
            Address,
            ClinicName,
            MunicipalityName,
            ResourceName,
            Description,
            BlockReason,
            CancelReason,
            Subject,
            MessageText,
            InvitationMessage,
            AppointmentTypeName
        );

        #[test]
        fn the_xml_check_sees_what_would_break_vis_xml() {
            assert!(well_formed_xml("Hei & <hallo>").is_ok());
            assert!(well_formed_xml("a\u{FFFF}b").is_err());
            assert!(well_formed_xml("a\u{1}b").is_err());
        }
    }
}
