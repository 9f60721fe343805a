use crate::{ClinicId, DomainError, IdPolicy, NationalId, PersonName, TextField};

/// A patient (innbygger) on a GP office's list (fastlegeliste).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patient {
    pub national_id: NationalId,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub clinic_id: ClinicId,
}

/// «Finn pasient»: what staff type to find a patient on their own clinic's list, a
/// fødselsnummer or words of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatientSearch {
    NationalId(NationalId),
    /// Each word must be found in the patient's «first last» name, in any case.
    Name(Vec<String>),
}

impl PatientSearch {
    /// The most words a name search takes; more would not narrow a clinic's list further.
    pub const MAX_WORDS: usize = 3;
    /// The fewest letters a name search takes: one letter would list half the clinic.
    pub const MIN_LETTERS: usize = 2;

    /// Eleven digits (spaces allowed, as people read them out) are a fødselsnummer and must
    /// be valid; any other digits are a mistyped one; anything else is a name.
    pub fn parse(typed: &str, policy: IdPolicy) -> Result<Self, DomainError> {
        let compact: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        if !compact.is_empty() && compact.chars().all(|c| c.is_ascii_digit()) {
            return NationalId::parse(&compact, policy).map(Self::NationalId);
        }
        let name = PersonName::parse(typed).map_err(|error| match error {
            DomainError::TextEmpty(_) => DomainError::TextEmpty(TextField::Search),
            DomainError::TextTooLong { max, .. } => DomainError::TextTooLong {
                field: TextField::Search,
                max,
            },
            other => other,
        })?;
        let words: Vec<String> = name
            .as_str()
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        if words.iter().map(|w| w.chars().count()).sum::<usize>() < Self::MIN_LETTERS {
            return Err(DomainError::TextEmpty(TextField::Search));
        }
        if words.len() > Self::MAX_WORDS {
            return Err(DomainError::TooManyWords {
                max: Self::MAX_WORDS,
            });
        }
        Ok(Self::Name(words))
    }

    /// Whether a patient's name matches a name search, compared as Unicode lower case.
    pub fn matches(words: &[String], first: &str, last: &str) -> bool {
        let name = format!("{first} {last}").to_lowercase();
        words.iter().all(|word| name.contains(word.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eleven_digits_are_a_national_id_and_must_be_valid() {
        assert!(matches!(
            PatientSearch::parse("010107 50160", IdPolicy::TEST),
            Ok(PatientSearch::NationalId(_))
        ));
        assert_eq!(
            PatientSearch::parse("01010750161", IdPolicy::TEST),
            Err(DomainError::NationalIdChecksum)
        );
        assert_eq!(
            PatientSearch::parse("0101", IdPolicy::TEST),
            Err(DomainError::NationalIdFormat)
        );
    }

    #[test]
    fn a_name_search_takes_words_in_any_case() {
        let Ok(PatientSearch::Name(words)) = PatientSearch::parse("  Ærlig  NORD ", IdPolicy::TEST)
        else {
            panic!("a name search");
        };
        assert_eq!(words, vec!["ærlig".to_owned(), "nord".to_owned()]);
        assert!(PatientSearch::matches(&words, "Åse Ærlig", "Nordmann"));
        assert!(!PatientSearch::matches(&words, "Åse", "Nordmann"));
    }

    #[test]
    fn a_name_search_is_neither_empty_nor_one_letter_nor_a_sentence() {
        for typed in ["", "   ", "a"] {
            assert_eq!(
                PatientSearch::parse(typed, IdPolicy::TEST),
                Err(DomainError::TextEmpty(TextField::Search)),
                "{typed:?}"
            );
        }
        assert_eq!(
            PatientSearch::parse("a b c d", IdPolicy::TEST),
            Err(DomainError::TooManyWords { max: 3 })
        );
        assert_eq!(
            PatientSearch::parse("kari\u{0}", IdPolicy::TEST),
            Err(DomainError::TextControlCharacters(TextField::PersonName))
        );
    }
}
