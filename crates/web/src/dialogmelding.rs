//! «Vis XML»: one message as the structured document a journal system would receive, in
//! Timebok's own versioned format modelled on the Norwegian Dialogmelding (`docs/melding-xml.md`).
//! A patient's message is a `Foresporsel`; the clinic's answer and the automatic reply are a
//! `Notat`. Every text is escaped, so a message can never change the document's structure.

use domain::{HerId, NationalIdKind};
use jiff::tz::TimeZone;
use store::{Message, Sender, ThreadSummary};

/// The format's version, in the namespace and the `versjon` attribute.
pub const VERSION: &str = "1.0";
pub const NAMESPACE: &str = "urn:no:timebok:melding:1.0";

/// The guide's automatic reply, as the record keeps it (bokmål).
pub const AUTOMATIC_REPLY: &str = "Legekontoret har ikke gitt deg tilgang til denne tjenesten. \
                                   Kontakt fastlegekontoret ved eventuelle spørsmål.";

/// The domain's escaping: every text it accepts holds only characters XML 1.0 allows, so the
/// document stays well-formed whatever a patient typed.
fn escape(text: &str) -> String {
    domain::escape_xml(text)
}

/// The message as XML. `clinic_her_id` identifies the office as the address register does.
pub fn message_xml(
    thread: &ThreadSummary,
    message: &Message,
    clinic_her_id: HerId,
    zone: &TimeZone,
) -> String {
    let sent = message
        .sent_at
        .to_zoned_datetime(zone.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string();
    let (sender, sender_name) = match &message.sender {
        Sender::Patient => ("pasient", thread.patient_name.clone()),
        Sender::Clinic { user } => ("legekontor", user.clone()),
        Sender::Automatic => ("automatisk", thread.clinic_name.to_string()),
    };
    let text = message
        .text
        .as_ref()
        .map_or(AUTOMATIC_REPLY.to_owned(), |t| t.as_str().to_owned());
    // OIDs of the Norwegian person identifiers: fødselsnummer and D-nummer.
    let (id_type, oid) = match thread.patient.kind() {
        NationalIdKind::DNummer => ("DNR", "2.16.578.1.12.4.1.4.2"),
        _ => ("FNR", "2.16.578.1.12.4.1.4.1"),
    };
    let body = match message.sender {
        Sender::Patient => format!(
            "    <Foresporsel>\n\
             \x20     <TypeForesp V=\"HENV\" DN=\"Henvendelse fra pasient\" S=\"urn:no:timebok:kodeverk:foresporsel\"/>\n\
             \x20     <TemaKodet V=\"E-KONTAKT\" DN=\"Melding til fastlegekontoret\" S=\"urn:no:timebok:kodeverk:tema\"/>\n\
             \x20     <Tema>{subject}</Tema>\n\
             \x20     <Sporsmal>{text}</Sporsmal>\n\
             \x20   </Foresporsel>\n",
            subject = escape(thread.subject.as_str()),
            text = escape(&text),
        ),
        Sender::Clinic { .. } | Sender::Automatic => {
            let (code, name) = if message.sender == Sender::Automatic {
                ("AUTOSVAR", "Automatisk svar: pasienten er sperret")
            } else {
                ("SVAR", "Svar fra legekontoret")
            };
            format!(
                "    <Notat>\n\
                 \x20     <TemaKodet V=\"{code}\" DN=\"{name}\" S=\"urn:no:timebok:kodeverk:tema\"/>\n\
                 \x20     <Tema>{subject}</Tema>\n\
                 \x20     <TekstNotatInnhold>{text}</TekstNotatInnhold>\n\
                 \x20   </Notat>\n",
                subject = escape(thread.subject.as_str()),
                text = escape(&text),
            )
        }
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <Melding xmlns=\"{NAMESPACE}\" versjon=\"{VERSION}\">\n\
         \x20 <MeldingsInfo>\n\
         \x20   <MeldingsId>timebok-melding-{message_id}</MeldingsId>\n\
         \x20   <SamtaleId>timebok-samtale-{thread_id}</SamtaleId>\n\
         \x20   <Sendt>{sent}</Sendt>\n\
         \x20   <Avsender type=\"{sender}\">{sender_name}</Avsender>\n\
         \x20   <Legekontor herId=\"{her}\">{clinic}</Legekontor>\n\
         \x20   <Pasient>\n\
         \x20     <Ident type=\"{id_type}\" oid=\"{oid}\">{national_id}</Ident>\n\
         \x20     <Navn>{patient}</Navn>\n\
         \x20   </Pasient>\n\
         \x20   <Avsluttet>{closed}</Avsluttet>\n\
         \x20 </MeldingsInfo>\n\
         \x20 <Dialogmelding>\n{body}\x20 </Dialogmelding>\n\
         </Melding>\n",
        message_id = message.id.0,
        thread_id = thread.id.0,
        sender_name = escape(&sender_name),
        her = clinic_her_id,
        clinic = escape(thread.clinic_name.as_str()),
        national_id = thread.patient.as_str(),
        patient = escape(&thread.patient_name),
        closed = thread.closed,
    )
}

/// The XML of one message of `thread`, for «Vis XML»; a message not in the thread (or hidden
/// from this reader) is not found.
pub async fn thread_message_xml(
    state: &crate::AppState,
    t: crate::texts::T,
    thread: &store::Thread,
    message: domain::MessageId,
) -> Result<String, crate::failure::Failure> {
    use crate::failure::{Failure, Kind};
    let found = thread
        .messages
        .iter()
        .find(|m| m.id == message)
        .ok_or_else(|| Failure::new(t, Kind::NotFound))?;
    let clinic = state
        .store
        .clinic(thread.summary.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(message_xml(
        &thread.summary,
        found,
        clinic.her_id,
        &state.zone,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{ClinicId, ClinicName, MessageId, MessageText, NationalId, Subject, ThreadId};
    use jiff::Timestamp;

    fn thread(subject: &str) -> ThreadSummary {
        ThreadSummary {
            id: ThreadId(7),
            clinic_id: ClinicId(1),
            clinic_name: ClinicName::parse("Helsenorge testlegekontor").expect("name"),
            patient: NationalId::synthetic(jiff::civil::date(1982, 3, 8), 1).expect("id"),
            patient_name: "Kari Nordmann".into(),
            subject: Subject::parse(subject).expect("subject"),
            created_at: Timestamp::UNIX_EPOCH,
            last_at: Timestamp::UNIX_EPOCH,
            closed: false,
            from_blocked: false,
            unread_by_clinic: true,
            unread_by_patient: false,
        }
    }

    fn message(sender: Sender, text: Option<&str>) -> Message {
        Message {
            id: MessageId(3),
            sender,
            text: text.map(|t| MessageText::parse(t).expect("text")),
            sent_at: Timestamp::from_second(1_765_899_480).expect("time"),
            hidden_for_patient: false,
        }
    }

    #[test]
    fn a_patients_message_is_a_foresporsel_in_oslo_time() {
        let zone = domain::clinic_time_zone().expect("zone");
        let xml = message_xml(
            &thread("Resept"),
            &message(Sender::Patient, Some("Kan jeg fornye?")),
            HerId::new(999_001).expect("her"),
            &zone,
        );
        assert!(
            xml.contains("<Melding xmlns=\"urn:no:timebok:melding:1.0\" versjon=\"1.0\">"),
            "{xml}"
        );
        assert!(
            xml.contains("<Sendt>2025-12-16T16:38:00+01:00</Sendt>"),
            "{xml}"
        );
        assert!(xml.contains("<Sporsmal>Kan jeg fornye?</Sporsmal>"));
        assert!(
            xml.contains("<Legekontor herId=\"999001\">Helsenorge testlegekontor</Legekontor>")
        );
        assert!(xml.contains("oid=\"2.16.578.1.12.4.1.4.1\""));
    }

    #[test]
    fn markup_in_a_message_stays_text() {
        let zone = domain::clinic_time_zone().expect("zone");
        let xml = message_xml(
            &thread("</Tema><Tema>x"),
            &message(
                Sender::Clinic {
                    user: "a\"b".into(),
                },
                Some("]]><script>&amp;"),
            ),
            HerId::new(1).expect("her"),
            &zone,
        );
        assert!(
            xml.contains("<Tema>&lt;/Tema&gt;&lt;Tema&gt;x</Tema>"),
            "{xml}"
        );
        assert!(
            xml.contains("<TekstNotatInnhold>]]&gt;&lt;script&gt;&amp;amp;</TekstNotatInnhold>"),
            "{xml}"
        );
        assert!(xml.contains("type=\"legekontor\">a&quot;b<"), "{xml}");
        assert_eq!(xml.matches("<Tema>").count(), 1);
    }

    #[test]
    fn the_automatic_reply_is_a_notat_with_the_guides_text() {
        let zone = domain::clinic_time_zone().expect("zone");
        let xml = message_xml(
            &thread("Hjelp"),
            &message(Sender::Automatic, None),
            HerId::new(1).expect("her"),
            &zone,
        );
        assert!(xml.contains("V=\"AUTOSVAR\""));
        assert!(xml.contains("Legekontoret har ikke gitt deg tilgang til denne tjenesten."));
    }
}
