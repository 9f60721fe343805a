//! The texts of each notification, in the patient's language, with the guide's wording.
//!
//! One text serves SMS, push and the e-mail's body, so every channel says the same. It names
//! the kind of appointment, the clinic, the time and the place, never the reason the patient
//! gave or the clinic's reason for cancelling: an SMS can be read on a locked screen.

use i18n::Lang;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use store::{Delivery, InvitationNotice, NotificationKind, WaitlistOfferNotice};

/// What one notification says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The message itself: the whole SMS, the push notice's body, the e-mail's body.
    pub text: String,
    /// The e-mail's subject and the push notice's title.
    pub subject: String,
    /// The appointment as an .ics file, for the e-mail of a new booking.
    pub calendar: Option<String>,
}

/// Where the portal is and what it is called, for the texts and their links.
#[derive(Debug, Clone, Copy)]
pub struct Portal<'a> {
    /// «Logg inn på Helsenorge for å se mer.»
    pub name: &'a str,
    /// The installation's `public_url`, which every link starts with.
    pub url: &'a str,
}

/// The link of an invitation: «Velg time» of its timebook at its first day. Opened before
/// logging in, the portal keeps it and lands there after the login, as a slot finder's
/// link does.
pub fn invitation_link(portal_url: &str, invitation: &InvitationNotice) -> String {
    let day = invitation.first_day;
    format!(
        "{}/bestill/{}?maned={}&dag={day}",
        portal_url.trim_end_matches('/'),
        invitation.timebook_id,
        day.strftime("%Y-%m")
    )
}

/// An invitation or its reminder: the clinic, the timebook's service, the office's message
/// (its own words, which the office chose to send) and the link.
fn invitation_notice(
    kind: NotificationKind,
    delivery: &Delivery,
    lang: Lang,
    portal: Portal<'_>,
) -> Option<Notice> {
    let invitation = delivery.invitation.as_ref()?;
    let clinic = delivery.clinic_name.as_str();
    let service = lang.text(invitation.kind.service_label_message(), &[]);
    let link = invitation_link(portal.url, invitation);
    let (text_key, subject_key) = if kind == NotificationKind::InvitationReminder {
        (
            "notice-invitation-reminder",
            "notice-subject-invitation-reminder",
        )
    } else {
        ("notice-invited", "notice-subject-invited")
    };
    let mut text = lang.text(
        &for_whom(text_key, delivery),
        &[
            ("first", delivery.first_name.as_str()),
            ("clinic", clinic),
            ("service", &service),
            ("link", &link),
            ("portal", portal.name),
        ],
    );
    if let Some(message) = invitation
        .message
        .as_ref()
        .filter(|m| !m.as_str().is_empty())
    {
        text.push('\n');
        text.push_str(&lang.text(
            "notice-invitation-message",
            &[("message", message.as_str())],
        ));
    }
    Some(Notice {
        text,
        subject: lang.text(subject_key, &[("clinic", clinic)]),
        calendar: None,
    })
}

/// The link of a waitlist offer: its page, where the patient books or declines it. Opened
/// before logging in, the portal keeps it and lands there after the login.
pub fn offer_link(portal_url: &str, offer: &WaitlistOfferNotice) -> String {
    format!(
        "{}/venteliste/tilbud/{}",
        portal_url.trim_end_matches('/'),
        offer.id
    )
}

/// The text of `key` for whom the delivery goes to: to someone acting for the patient, the
/// notice names the patient instead of addressing them (`{key}-for`).
fn for_whom(key: &str, delivery: &Delivery) -> String {
    if delivery.on_behalf {
        format!("{key}-for")
    } else {
        key.to_owned()
    }
}

/// A waitlist offer: the time and place held for the patient, until when, and the link.
fn offer_notice(
    delivery: &Delivery,
    lang: Lang,
    portal: Portal<'_>,
    zone: &TimeZone,
) -> Option<Notice> {
    let offer = delivery.waitlist_offer.as_ref()?;
    let clinic = delivery.clinic_name.as_str();
    let local = offer.start.to_zoned_datetime(zone.clone());
    let when = lang.text(
        "notice-when",
        &[
            ("date", &local.strftime("%d.%m.%Y").to_string()),
            ("time", &local.strftime("%H:%M").to_string()),
        ],
    );
    let until = offer
        .expires_at
        .to_zoned_datetime(zone.clone())
        .strftime("%H:%M")
        .to_string();
    let kind = lang.text(&format!("notice-kind-{}", offer.kind.code()), &[]);
    let text = lang.text(
        &for_whom("notice-waitlist-offer", delivery),
        &[
            ("first", delivery.first_name.as_str()),
            ("kind", &kind),
            ("clinic", clinic),
            ("when", &when),
            ("until", &until),
            ("place", offer.address.as_str()),
            ("link", &offer_link(portal.url, offer)),
        ],
    );
    Some(Notice {
        text,
        subject: lang.text("notice-subject-waitlist-offer", &[("clinic", clinic)]),
        calendar: None,
    })
}

/// Writes the notice of `kind` about the delivery's appointment, thread, invitation or
/// waitlist offer. `None` when the job names none of these for a kind that needs one.
pub fn compose(
    kind: NotificationKind,
    delivery: &Delivery,
    portal: Portal<'_>,
    zone: &TimeZone,
    now: Timestamp,
) -> Option<Notice> {
    let lang = Lang::parse(&delivery.settings.language).unwrap_or_default();
    let clinic = delivery.clinic_name.as_str();
    let first = delivery.first_name.as_str();
    let portal_name = portal.name;
    let (text_key, subject_key) = match kind {
        NotificationKind::Invited | NotificationKind::InvitationReminder => {
            return invitation_notice(kind, delivery, lang, portal);
        }
        NotificationKind::WaitlistOffer => return offer_notice(delivery, lang, portal, zone),
        NotificationKind::MessageReply => {
            let text = lang.text(
                &for_whom("notice-message-reply", delivery),
                &[
                    ("first", first),
                    ("clinic", clinic),
                    ("portal", portal_name),
                ],
            );
            let subject = lang.text("notice-subject-message-reply", &[("clinic", clinic)]);
            return Some(Notice {
                text,
                subject,
                calendar: None,
            });
        }
        NotificationKind::Booked => ("notice-booked", "notice-subject-booked"),
        NotificationKind::CancelledByClinic => (
            "notice-cancelled-by-clinic",
            "notice-subject-cancelled-by-clinic",
        ),
        NotificationKind::CancelledByPatient => (
            "notice-cancelled-by-patient",
            "notice-subject-cancelled-by-patient",
        ),
        NotificationKind::Moved => ("notice-moved", "notice-subject-moved"),
        NotificationKind::Reminder => ("notice-reminder", "notice-subject-reminder"),
    };
    let text_key = for_whom(text_key, delivery);
    let appointment = delivery.appointment.as_ref()?;
    let local = appointment.start.to_zoned_datetime(zone.clone());
    let date = local.strftime("%d.%m.%Y").to_string();
    let time = local.strftime("%H:%M").to_string();
    let when = lang.text("notice-when", &[("date", &date), ("time", &time)]);
    let kind_name = lang.text(&format!("notice-kind-{}", appointment.kind.code()), &[]);
    let text = lang.text(
        &text_key,
        &[
            ("first", first),
            ("kind", &kind_name),
            ("clinic", clinic),
            ("when", &when),
            ("place", appointment.address.as_str()),
            ("portal", portal_name),
        ],
    );
    let subject = lang.text(subject_key, &[("clinic", clinic)]);
    // A moved appointment keeps its calendar entry's UID, so the new file replaces the old.
    let calendar = matches!(kind, NotificationKind::Booked | NotificationKind::Moved).then(|| {
        let summary = lang.text(appointment.kind.title_message(), &[("clinic", clinic)]);
        appointment.calendar_file(&summary, now, zone)
    });
    Some(Notice {
        text,
        subject,
        calendar,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{
        Address, AppointmentId, AppointmentStatus, ClinicId, ClinicName, ContactSettings,
        PersonName, Reason, ResourceName, SlotLength, TimebookId, TimebookKind,
    };
    use store::PlannedAppointment;

    fn delivery(language: &str, kind: TimebookKind) -> Delivery {
        let zone = domain::clinic_time_zone().expect("zone");
        let start = zone
            .to_ambiguous_timestamp(jiff::civil::date(2025, 12, 17).at(8, 15, 0, 0))
            .compatible()
            .expect("start");
        Delivery {
            first_name: PersonName::parse("Kari").expect("name"),
            on_behalf: false,
            settings: ContactSettings {
                language: language.into(),
                ..Default::default()
            },
            push: Vec::new(),
            clinic_name: ClinicName::parse("Helsenorge testlegekontor").expect("clinic"),
            appointment: Some(PlannedAppointment {
                id: AppointmentId(7),
                clinic_id: ClinicId(1),
                clinic_name: ClinicName::parse("Helsenorge testlegekontor").expect("clinic"),
                timebook_id: TimebookId(1),
                kind,
                resource_name: ResourceName::parse("Influensa").expect("resource"),
                address: Address::parse("Influensaveien 3a, 1325 Lysaker").expect("address"),
                start,
                length: SlotLength::minutes(15).expect("length"),
                reason: Reason::parse("Hemmelig grunn").expect("reason"),
                status: AppointmentStatus::Booked,
                cancel_until: start,
                version: 1,
                appointment_type: None,
            }),
            invitation: None,
            waitlist_offer: None,
        }
    }

    const PORTAL: Portal<'static> = Portal {
        name: "Helsenorge",
        url: "https://timebok.example.no/",
    };

    fn notice(kind: NotificationKind, language: &str) -> Notice {
        let zone = domain::clinic_time_zone().expect("zone");
        compose(
            kind,
            &delivery(language, TimebookKind::Koronavaksine),
            PORTAL,
            &zone,
            Timestamp::UNIX_EPOCH,
        )
        .expect("a notice")
    }

    #[test]
    fn the_booking_notice_is_the_guides_text() {
        assert_eq!(
            notice(NotificationKind::Booked, "nb").text,
            "Kari, du har fått time til koronavaksine hos Helsenorge testlegekontor \
             17.12.2025, kl. 08:15. Oppmøtested: Influensaveien 3a, 1325 Lysaker. \
             Logg inn på Helsenorge for å se mer."
        );
    }

    #[test]
    fn every_notice_exists_in_every_language_and_never_holds_the_reason() {
        let kinds = [
            NotificationKind::Booked,
            NotificationKind::CancelledByClinic,
            NotificationKind::CancelledByPatient,
            NotificationKind::Moved,
            NotificationKind::Reminder,
        ];
        for language in ["nb", "nn", "en"] {
            let reply = notice(NotificationKind::MessageReply, language);
            assert!(
                !reply.text.contains("notice-") && !reply.subject.contains("notice-"),
                "{language}"
            );
        }
        for language in ["nb", "nn", "en"] {
            for kind in kinds {
                let notice = notice(kind, language);
                assert!(
                    !notice.text.contains("notice-"),
                    "{language} {kind:?}: {}",
                    notice.text
                );
                assert!(!notice.subject.contains("notice-"), "{language} {kind:?}");
                assert!(!notice.text.contains("Hemmelig"), "{language} {kind:?}");
                assert!(
                    notice.text.contains("08:15"),
                    "{language} {kind:?}: {}",
                    notice.text
                );
                assert!(notice.text.starts_with("Kari, "), "{language} {kind:?}");
                // One SMS segment pair at most, as the guide's own text.
                assert!(notice.text.chars().count() <= 306, "{language} {kind:?}");
            }
        }
        assert_ne!(
            notice(NotificationKind::Booked, "nn").text,
            notice(NotificationKind::Booked, "nb").text
        );
        assert!(
            notice(NotificationKind::Booked, "en")
                .text
                .contains("Log in to Helsenorge")
        );
    }

    #[test]
    fn times_are_in_oslo_summer_and_winter() {
        let zone = domain::clinic_time_zone().expect("zone");
        let mut summer = delivery("nb", TimebookKind::Lab);
        summer.appointment.as_mut().expect("appointment").start = zone
            .to_ambiguous_timestamp(jiff::civil::date(2026, 6, 2).at(14, 30, 0, 0))
            .compatible()
            .expect("start");
        let text = compose(
            NotificationKind::Reminder,
            &summer,
            PORTAL,
            &zone,
            Timestamp::UNIX_EPOCH,
        )
        .expect("a notice")
        .text;
        assert!(text.contains("02.06.2026, kl. 14:30"), "{text}");
        assert!(text.contains("laboratoriet"), "{text}");
    }

    #[test]
    fn a_reply_names_the_clinic_and_nothing_of_the_message() {
        let reply = notice(NotificationKind::MessageReply, "nb");
        assert_eq!(
            reply.text,
            "Kari, du har fått svar fra Helsenorge testlegekontor. Logg inn på Helsenorge for å lese svaret."
        );
        assert!(reply.calendar.is_none());
        let mut without = delivery("nb", TimebookKind::Vaksine);
        without.appointment = None;
        let zone = domain::clinic_time_zone().expect("zone");
        assert!(
            compose(
                NotificationKind::Booked,
                &without,
                PORTAL,
                &zone,
                Timestamp::UNIX_EPOCH
            )
            .is_none()
        );
    }

    #[test]
    fn only_the_booking_carries_a_calendar_file() {
        let booked = notice(NotificationKind::Booked, "nb");
        let calendar = booked.calendar.expect("ics");
        assert!(
            calendar.contains("DTSTART;TZID=Europe/Oslo:20251217T081500"),
            "{calendar}"
        );
        assert!(
            notice(NotificationKind::CancelledByClinic, "nb")
                .calendar
                .is_none()
        );
    }

    #[test]
    fn a_notice_to_someone_acting_for_the_patient_names_the_patient() {
        let zone = domain::clinic_time_zone().expect("zone");
        let kinds = [
            NotificationKind::Booked,
            NotificationKind::CancelledByClinic,
            NotificationKind::CancelledByPatient,
            NotificationKind::Moved,
            NotificationKind::Reminder,
        ];
        for language in ["nb", "nn", "en"] {
            for kind in kinds {
                let mut delivery = delivery(language, TimebookKind::Vaksine);
                delivery.on_behalf = true;
                let notice = compose(kind, &delivery, PORTAL, &zone, Timestamp::UNIX_EPOCH)
                    .expect("a notice");
                assert!(!notice.text.contains("notice-"), "{language} {kind:?}");
                assert!(
                    notice.text.starts_with("Kari") && !notice.text.starts_with("Kari,"),
                    "{language} {kind:?}"
                );
                assert!(notice.text.contains("08:15"), "{language} {kind:?}");
                assert!(notice.text.chars().count() <= 306, "{language} {kind:?}");
            }
        }
        let mut delivery = delivery("nb", TimebookKind::Vaksine);
        delivery.on_behalf = true;
        assert_eq!(
            compose(
                NotificationKind::Booked,
                &delivery,
                PORTAL,
                &zone,
                Timestamp::UNIX_EPOCH
            )
            .expect("a notice")
            .text,
            "Kari har fått time til vaksine hos Helsenorge testlegekontor 17.12.2025, kl. 08:15. \
             Oppmøtested: Influensaveien 3a, 1325 Lysaker. Logg inn på Helsenorge for å se mer."
        );
    }

    #[test]
    fn a_reply_an_offer_and_an_invitation_to_someone_acting_for_the_patient_name_the_patient() {
        let zone = domain::clinic_time_zone().expect("zone");
        let compose_for = |kind, mut delivery: Delivery| {
            delivery.on_behalf = true;
            compose(kind, &delivery, PORTAL, &zone, Timestamp::UNIX_EPOCH).expect("a notice")
        };
        for language in ["nb", "nn", "en"] {
            for (kind, delivery) in [
                (
                    NotificationKind::MessageReply,
                    delivery(language, TimebookKind::Vaksine),
                ),
                (NotificationKind::WaitlistOffer, offered(language)),
                (NotificationKind::Invited, invited(language, None)),
                (
                    NotificationKind::InvitationReminder,
                    invited(language, None),
                ),
            ] {
                let text = compose_for(kind, delivery).text;
                assert!(!text.contains("notice-"), "{language} {kind:?}: {text}");
                assert!(!text.starts_with("Kari,"), "{language} {kind:?}: {text}");
                assert!(text.contains("Kari"), "{language} {kind:?}: {text}");
                assert!(text.chars().count() <= 306, "{language} {kind:?}: {text}");
            }
        }
        assert_eq!(
            compose_for(
                NotificationKind::MessageReply,
                delivery("nb", TimebookKind::Vaksine)
            )
            .text,
            "Helsenorge testlegekontor har svart på meldingen om Kari. Logg inn på Helsenorge og \
             velg Kari under «Bytt person» for å lese svaret."
        );
        assert_eq!(
            compose_for(NotificationKind::Invited, invited("nb", None)).text,
            "Helsenorge testlegekontor ber deg bestille time for Kari: Ta prøve på laboratoriet. \
             Velg Kari under «Bytt person» og velg time her: \
             https://timebok.example.no/bestill/4?maned=2026-01&dag=2026-01-12"
        );
        assert_eq!(
            compose_for(NotificationKind::WaitlistOffer, offered("nb")).text,
            "En ledig time for Kari til vaksine hos Helsenorge testlegekontor 17.12.2025, kl. 08:15 \
             er holdt av fra ventelisten til kl. 07:45. Oppmøtested: Influensaveien 3a, 1325 \
             Lysaker. Bestill eller si nei takk her: https://timebok.example.no/venteliste/tilbud/9"
        );
    }

    fn invited(language: &str, message: Option<&str>) -> Delivery {
        let mut delivery = delivery(language, TimebookKind::Lab);
        delivery.appointment = None;
        delivery.invitation = Some(InvitationNotice {
            timebook_id: TimebookId(4),
            kind: TimebookKind::Lab,
            first_day: jiff::civil::date(2026, 1, 12),
            message: message.map(|m| domain::InvitationMessage::parse(m).expect("message")),
            closed: false,
        });
        delivery
    }

    #[test]
    fn an_invitation_names_the_clinic_the_service_and_links_into_velg_time() {
        let zone = domain::clinic_time_zone().expect("zone");
        let notice = compose(
            NotificationKind::Invited,
            &invited("nb", Some("Det er tid for andre dose.")),
            PORTAL,
            &zone,
            Timestamp::UNIX_EPOCH,
        )
        .expect("a notice");
        assert!(notice.text.starts_with("Kari, "), "{}", notice.text);
        assert!(
            notice.text.contains("Helsenorge testlegekontor"),
            "{}",
            notice.text
        );
        assert!(
            notice.text.contains("Ta prøve på laboratoriet"),
            "{}",
            notice.text
        );
        assert!(
            notice
                .text
                .contains("https://timebok.example.no/bestill/4?maned=2026-01&dag=2026-01-12"),
            "{}",
            notice.text
        );
        assert!(
            notice.text.contains("Det er tid for andre dose."),
            "{}",
            notice.text
        );
        assert!(notice.calendar.is_none());
        for language in ["nb", "nn", "en"] {
            for kind in [
                NotificationKind::Invited,
                NotificationKind::InvitationReminder,
            ] {
                let notice = compose(
                    kind,
                    &invited(language, None),
                    PORTAL,
                    &zone,
                    Timestamp::UNIX_EPOCH,
                )
                .expect("a notice");
                assert!(
                    !notice.text.contains("notice-"),
                    "{language} {kind:?}: {}",
                    notice.text
                );
                assert!(!notice.subject.contains("notice-"), "{language} {kind:?}");
                assert!(notice.text.contains("/bestill/4?"), "{language} {kind:?}");
                assert!(!notice.text.contains('\n'), "no message, no message line");
            }
        }
        let mut without = invited("nb", None);
        without.invitation = None;
        assert!(
            compose(
                NotificationKind::Invited,
                &without,
                PORTAL,
                &zone,
                Timestamp::UNIX_EPOCH
            )
            .is_none()
        );
    }

    fn offered(language: &str) -> Delivery {
        let zone = domain::clinic_time_zone().expect("zone");
        let at = |h, m| {
            zone.to_ambiguous_timestamp(jiff::civil::date(2025, 12, 17).at(h, m, 0, 0))
                .compatible()
                .expect("instant")
        };
        let mut delivery = delivery(language, TimebookKind::Vaksine);
        delivery.appointment = None;
        delivery.waitlist_offer = Some(WaitlistOfferNotice {
            id: 9,
            kind: TimebookKind::Vaksine,
            start: at(8, 15),
            address: domain::Address::parse("Influensaveien 3a, 1325 Lysaker").expect("address"),
            expires_at: at(7, 45),
            closed: false,
        });
        delivery
    }

    #[test]
    fn a_waitlist_offer_names_the_time_until_when_it_is_held_and_links_to_the_offer() {
        let zone = domain::clinic_time_zone().expect("zone");
        let text = |language: &str| {
            compose(
                NotificationKind::WaitlistOffer,
                &offered(language),
                PORTAL,
                &zone,
                Timestamp::UNIX_EPOCH,
            )
            .expect("a notice")
        };
        assert_eq!(
            text("nb").text,
            "Kari, en ledig time til vaksine hos Helsenorge testlegekontor 17.12.2025, kl. 08:15 \
             er holdt av til deg fra ventelisten til kl. 07:45. Oppmøtested: Influensaveien 3a, \
             1325 Lysaker. Bestill eller si nei takk her: \
             https://timebok.example.no/venteliste/tilbud/9"
        );
        for language in ["nb", "nn", "en"] {
            let notice = text(language);
            assert!(
                !notice.text.contains("notice-"),
                "{language}: {}",
                notice.text
            );
            assert!(!notice.subject.contains("notice-"), "{language}");
            assert!(!notice.text.contains("Hemmelig"), "{language}");
            assert!(notice.text.ends_with("/venteliste/tilbud/9"), "{language}");
            assert!(notice.calendar.is_none());
            assert!(
                notice.text.chars().count() <= 306,
                "{language}: {}",
                notice.text
            );
        }
        let mut without = offered("nb");
        without.waitlist_offer = None;
        assert!(
            compose(
                NotificationKind::WaitlistOffer,
                &without,
                PORTAL,
                &zone,
                Timestamp::UNIX_EPOCH
            )
            .is_none()
        );
    }
}
