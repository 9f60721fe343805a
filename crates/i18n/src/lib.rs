//! Every user-facing text of Timebok, in bokmål (the default), nynorsk and English.
//!
//! The texts live in `locales/{nb,nn,en}/*.ftl`, compiled into the binary. The language is
//! passed per call, never held as global state, because one process serves people in all three.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, langid};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "nb",
        // Unicode isolation marks around arguments would end up inside SMS texts and
        // e-mails; the texts are checked against the guide character for character.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The languages Timebok speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Nb,
    Nn,
    En,
}

impl Lang {
    pub const ALL: [Self; 3] = [Self::Nb, Self::Nn, Self::En];

    pub fn code(self) -> &'static str {
        match self {
            Self::Nb => "nb",
            Self::Nn => "nn",
            Self::En => "en",
        }
    }

    /// Reads a language code such as `nb`, `nn-NO` or `en-GB`; anything else is `None`.
    pub fn parse(code: &str) -> Option<Self> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "nb" | "no" => Some(Self::Nb),
            "nn" => Some(Self::Nn),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    fn id(self) -> LanguageIdentifier {
        match self {
            Self::Nb => langid!("nb"),
            Self::Nn => langid!("nn"),
            Self::En => langid!("en"),
        }
    }

    /// The text of `key` with named arguments. A missing key gives the key itself, so a gap
    /// is visible instead of silent; a test checks that every key exists in every language.
    pub fn text(self, key: &str, args: &[(&'static str, &str)]) -> String {
        self.try_text(key, args).unwrap_or_else(|| key.to_owned())
    }

    /// Like [`Lang::text`], but `None` when this language lacks the key.
    pub fn try_text(self, key: &str, args: &[(&'static str, &str)]) -> Option<String> {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, value)| (Cow::Borrowed(*name), FluentValue::from(*value)))
            .collect();
        let args = (!args.is_empty()).then_some(&args);
        LOCALES.lookup_single_language(&self.id(), key, args).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::TimebookKind;

    #[test]
    fn patient_titles_are_the_guides() {
        let clinic = [("clinic", "Helsenorge testlegekontor")];
        let titles: Vec<String> = TimebookKind::ALL
            .iter()
            .map(|k| Lang::Nb.text(k.title_message(), &clinic))
            .collect();
        assert_eq!(
            titles,
            [
                "Konsultasjon med fastlegen hos Helsenorge testlegekontor",
                "Time til koronatest hos Helsenorge testlegekontor",
                "Time til koronavaksine hos Helsenorge testlegekontor",
                "Time til laboratoriet hos Helsenorge testlegekontor",
                "Time til vaksine hos Helsenorge testlegekontor",
            ]
        );
    }

    #[test]
    fn service_labels_are_the_guides() {
        let label = |k: TimebookKind| Lang::Nb.text(k.service_label_message(), &[]);
        assert_eq!(label(TimebookKind::Fastlege), "Konsultasjon med fastlegen");
        assert_eq!(label(TimebookKind::Koronavaksine), "Koronavaksine");
        assert_eq!(label(TimebookKind::Lab), "Ta prøve på laboratoriet");
        assert_eq!(label(TimebookKind::Vaksine), "Vaksine");
    }

    #[test]
    fn every_key_exists_in_every_language() {
        for kind in TimebookKind::ALL {
            for key in [kind.title_message(), kind.service_label_message()] {
                for lang in Lang::ALL {
                    assert!(
                        lang.try_text(key, &[("clinic", "X")]).is_some(),
                        "{key} in {lang:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn languages_are_read_from_codes() {
        assert_eq!(Lang::parse("nn-NO"), Some(Lang::Nn));
        assert_eq!(Lang::parse("no"), Some(Lang::Nb));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("sv"), None);
    }
}

#[cfg(test)]
mod completeness {
    use super::Lang;
    use std::collections::BTreeSet;
    use std::path::Path;

    fn keys(lang: Lang) -> BTreeSet<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(lang.code());
        let mut keys = BTreeSet::new();
        for entry in std::fs::read_dir(dir).expect("locale folder") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("ftl");
            for line in text.lines() {
                if let Some((key, _)) = line.split_once(" = ")
                    && !key.starts_with([' ', '#'])
                {
                    keys.insert(key.to_owned());
                }
            }
        }
        keys
    }

    /// Every key in the files is in the compiled bundle, so a file added without a rebuild
    /// cannot leave pages showing keys.
    #[test]
    fn every_key_in_the_files_is_compiled_in() {
        const NAMES: &[&str] = &[
            "clinic",
            "address",
            "reason",
            "deadline",
            "date",
            "day",
            "days",
            "month",
            "year",
            "weekday",
            "from",
            "to",
            "time",
            "minutes",
            "count",
            "resource",
            "first",
            "last",
            "added",
            "rejected",
            "line",
            "booked",
            "capacity",
            "kind",
            "when",
            "place",
            "portal",
            "device",
            "channel",
            "attempts",
            "error",
            "seconds",
            "updated",
            "unchanged",
            "lines",
            "total",
            "id",
            "week",
            "percent",
            "service",
            "link",
            "message",
            "sent",
            "expired",
            "invited",
            "name",
            "item",
            "until",
            "hpr",
            "type",
        ];
        let args: Vec<(&'static str, &str)> = NAMES.iter().map(|n| (*n, "x")).collect();
        for lang in Lang::ALL {
            for key in keys(lang) {
                assert!(
                    lang.try_text(&key, &args).is_some(),
                    "{key} in {lang:?} is not compiled in"
                );
            }
        }
    }

    #[test]
    fn every_language_has_every_key() {
        let bokmal = keys(Lang::Nb);
        assert!(bokmal.len() > 50);
        for lang in [Lang::Nn, Lang::En] {
            assert_eq!(keys(lang), bokmal, "{lang:?} differs from bokmål");
        }
    }
}
