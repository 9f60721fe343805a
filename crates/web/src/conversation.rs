//! What the patient's and the clinic's views of a message thread share: who sent each message,
//! when («Sendt: I dag 16.12.2025 16:38»), and the automatic reply in the reader's language.

use crate::pages::{FieldError, Page};
use crate::texts::{T, clock};
use askama::Template;
use domain::{DomainError, count_characters};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use store::{Message, Sender, ThreadSummary};

/// Whose view a thread is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Patient,
    Clinic,
}

/// The live counter's text and its template for the script.
pub struct Counter {
    pub now: String,
    pub template: String,
}

pub fn counter(t: T, key: &str, text: &str) -> Counter {
    Counter {
        now: t.arg(key, "count", &count_characters(text.trim()).to_string()),
        template: t.arg(key, "count", "{count}"),
    }
}

/// The message to show for a text that failed `MessageText::parse`.
pub fn text_problem(error: &DomainError) -> &'static str {
    if let Some(key) = crate::texts::text_refusal(error) {
        return key;
    }
    match error {
        DomainError::TextTooLong { .. } => "message-text-too-long",
        DomainError::TextControlCharacters(_) => "message-text-invalid",
        _ => "message-text-empty",
    }
}

/// The answer box under an open thread (`reply_form.html`), for patients and staff alike:
/// where it posts, what was typed, and what is wrong with it.
pub struct ReplyBox {
    pub action: String,
    pub text: String,
    pub error: Option<String>,
    pub counter: Counter,
}

impl ReplyBox {
    pub fn new(t: T, action: String, text: &str, problem: Option<&DomainError>) -> Self {
        Self {
            action,
            text: text.to_owned(),
            error: problem.map(|p| t.get(text_problem(p))),
            counter: counter(t, "message-text-counter", text),
        }
    }

    /// The error summary's link to the box, when something is wrong.
    pub fn errors(&self) -> Vec<FieldError> {
        self.error
            .iter()
            .map(|label| FieldError {
                field: "melding",
                label: label.clone(),
            })
            .collect()
    }
}

/// «Vis XML» for patients and staff.
#[derive(Template)]
#[template(path = "message_xml.html")]
pub struct XmlPage {
    pub page: Page,
    pub back: String,
    pub xml: String,
}

pub struct MessageView {
    pub id: i64,
    pub from: String,
    pub sent: String,
    /// The text as paragraphs, one per line the writer typed.
    pub lines: Vec<String>,
    pub automatic: bool,
    /// The patient deleted it from their view (shown to the clinic only).
    pub hidden_for_patient: bool,
    pub from_patient: bool,
}

/// «Sendt: I dag 16.12.2025 16:38» in the reader's language and the clinics' time zone.
pub fn sent_label(t: T, at: Timestamp, now: Timestamp, zone: &TimeZone) -> String {
    let local = at.to_zoned_datetime(zone.clone());
    let date = local.strftime("%d.%m.%Y").to_string();
    let today = now.to_zoned_datetime(zone.clone()).date() == local.date();
    let when = format!("{date} {}", clock(at, zone));
    if today {
        t.arg("message-sent-today", "when", &when)
    } else {
        t.arg("message-sent", "when", &when)
    }
}

pub fn message_views(
    t: T,
    zone: &TimeZone,
    thread: &ThreadSummary,
    messages: &[Message],
    reader: Reader,
    now: Timestamp,
) -> Vec<MessageView> {
    messages
        .iter()
        .map(|message| {
            let from = match (&message.sender, reader) {
                (Sender::Patient, Reader::Patient) => t.get("message-from-you"),
                (Sender::Patient, Reader::Clinic) => thread.patient_name.clone(),
                (Sender::Clinic { .. }, Reader::Patient) | (Sender::Automatic, _) => {
                    thread.clinic_name.to_string()
                }
                (Sender::Clinic { user }, Reader::Clinic) => user.clone(),
            };
            let lines = match &message.text {
                Some(text) => text.as_str().lines().map(str::to_owned).collect(),
                None => vec![
                    t.get("message-blocked-reply"),
                    t.get("message-blocked-contact"),
                ],
            };
            MessageView {
                id: message.id.0,
                from,
                sent: sent_label(t, message.sent_at, now, zone),
                lines,
                automatic: message.sender == Sender::Automatic,
                hidden_for_patient: message.hidden_for_patient,
                from_patient: message.sender == Sender::Patient,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use i18n::Lang;

    #[test]
    fn today_is_said_as_in_the_guide() {
        let zone = domain::clinic_time_zone().expect("zone");
        let at = zone
            .to_ambiguous_timestamp(jiff::civil::date(2025, 12, 16).at(16, 38, 0, 0))
            .compatible()
            .expect("at");
        let later = at + jiff::SignedDuration::from_hours(2);
        let t = T(Lang::Nb);
        assert_eq!(
            sent_label(t, at, later, &zone),
            "Sendt: I dag 16.12.2025 16:38"
        );
        let next_day = at + jiff::SignedDuration::from_hours(12);
        assert_eq!(
            sent_label(t, at, next_day, &zone),
            "Sendt: 16.12.2025 16:38"
        );
    }
}

/// An answer in a thread, from the patient or the clinic.
#[derive(serde::Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    pub melding: String,
}
