//! «Konsultasjon med fastlegen» over real HTTP: first in «Hva trenger du?» for a patient on
//! the GP's list and absent for one on another GP's; the type of appointment asked before the
//! calendar, which then shows only slots of its length; the review naming the GP; and the
//! office setting the GP's place and types up on «Timebøker».

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::{Browser, hold_id, portal};
use domain::{
    Actor, AppointmentTypeName, Attendance, BookingRules, Capacity, Description, HerId, HprNumber,
    PersonName, ResourceName, SlotLength, TimebookKind,
};
use store::{NewAppointmentType, NewPlace, NewSlot};

fn name(text: &str) -> PersonName {
    PersonName::parse(text).expect("name")
}

#[tokio::test]
async fn a_patient_books_a_double_consultation_with_their_own_gp() {
    let portal = portal(true).await;
    let store = portal.store.clone();
    let system = Actor::System;
    let clinic = store
        .clinic_by_her_id(HerId::new(1_001).expect("her"))
        .await
        .expect("read")
        .expect("clinic");
    let gp = store
        .save_practitioner(
            &system,
            clinic.id,
            HprNumber::parse("9144900").expect("hpr"),
            (&name("Test"), &name("Fastlege")),
        )
        .await
        .expect("gp");
    let other = store
        .save_practitioner(
            &system,
            clinic.id,
            HprNumber::parse("565505933").expect("hpr"),
            (&name("Annen"), &name("Lege")),
        )
        .await
        .expect("gp");
    store
        .list_with_practitioner(
            &system,
            clinic.id,
            gp.id,
            std::slice::from_ref(&portal.kari),
        )
        .await
        .expect("listed");
    store
        .list_with_practitioner(
            &system,
            clinic.id,
            other.id,
            std::slice::from_ref(&portal.ola),
        )
        .await
        .expect("listed");
    let timebook = store
        .save_timebook(
            &system,
            clinic.id,
            TimebookKind::Fastlege,
            BookingRules::new(0, 60, 24 * 60, 2).expect("rules"),
        )
        .await
        .expect("timebook");
    let location = store
        .save_location(
            &system,
            clinic.id,
            &domain::Address::parse("Legeveien 1, 1325 Lysaker").expect("address"),
        )
        .await
        .expect("location");
    let place = store
        .save_resource(
            &system,
            timebook.id,
            &NewPlace {
                name: &ResourceName::parse("Testfastlege").expect("name"),
                description: &Description::parse("Din fastlege").expect("description"),
                practitioner: Some(gp.id),
            },
            &location,
        )
        .await
        .expect("place");
    let mut types = Vec::new();
    for (title, minutes, attendance) in [
        ("Vanlig konsultasjon", 20, Attendance::InPerson),
        ("Dobbelttime", 40, Attendance::InPerson),
        ("Telefonkonsultasjon", 20, Attendance::Telephone),
    ] {
        types.push(
            store
                .save_appointment_type(
                    &system,
                    clinic.id,
                    timebook.id,
                    &NewAppointmentType {
                        name: AppointmentTypeName::parse(title).expect("name"),
                        length: SlotLength::minutes(minutes).expect("length"),
                        attendance,
                    },
                )
                .await
                .expect("type"),
        );
    }
    let (ordinary, double, phone) = (types[0].id.0, types[1].id.0, types[2].id.0);
    let zone = domain::clinic_time_zone().expect("zone");
    let at = |hour: i8, minute: i8| {
        zone.to_ambiguous_timestamp(portal.day.at(hour, minute, 0, 0))
            .compatible()
            .expect("instant")
    };
    let slot = |start, minutes| {
        let store = store.clone();
        let system = system.clone();
        let place = place.id;
        async move {
            store
                .add_slot(
                    &system,
                    NewSlot {
                        resource_id: place,
                        start,
                        length: SlotLength::minutes(minutes).expect("length"),
                        capacity: Capacity::ONE,
                    },
                )
                .await
                .expect("slot")
                .id
                .0
        }
    };
    let short = slot(at(12, 0), 20).await;
    let long = slot(at(13, 0), 40).await;

    // Ola's GP takes no bookings here: he is not offered it.
    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    let his = ola.get("/bestill").await;
    assert!(his.body.contains(">Vaksine<"));
    assert!(!his.body.contains("Konsultasjon med fastlegen"));
    assert_eq!(
        ola.get(&format!("/bestill/{}", timebook.id)).await.status,
        404
    );

    // Kari's is: first, above the resource timebooks.
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let services = kari.get("/bestill").await;
    let first = services
        .body
        .find("Konsultasjon med fastlegen")
        .expect("offered");
    assert!(first < services.body.find(">Vaksine<").expect("vaksine"));

    // The type comes before the calendar; sent without one, the page says what is missing.
    let asked = kari.get(&format!("/bestill/{}", timebook.id)).await;
    assert_eq!(asked.status, 200);
    for text in [
        "Hva slags time trenger du?",
        "Vanlig konsultasjon (20 min)",
        "Dobbelttime (40 min)",
        "Telefonkonsultasjon (20 min, legen ringer deg)",
    ] {
        assert!(asked.body.contains(text), "«{text}» missing");
    }
    assert!(!asked.body.contains("Velg sted"));
    let unchosen = kari.get(&format!("/bestill/{}?valgt=1", timebook.id)).await;
    assert_eq!(unchosen.status, 422);
    assert!(unchosen.body.contains("Velg hva slags time du trenger"));
    assert!(unchosen.body.contains("href=\"#timetype\""));

    // A double consultation: only the 40-minute slot is free for it.
    let month = portal.day.strftime("%Y-%m");
    let calendar = kari
        .get(&format!(
            "/bestill/{}?timetype={double}&maned={month}&dag={}",
            timebook.id, portal.day
        ))
        .await;
    assert!(calendar.body.contains("Type time: Dobbelttime (40 min)"));
    assert!(calendar.body.contains("13:00 - 13:40"));
    assert!(!calendar.body.contains("12:00 - 12:20"));
    assert!(
        calendar
            .body
            .contains(&format!("name=\"timetype\" value=\"{double}\""))
    );
    let ordinary_calendar = kari
        .get(&format!(
            "/bestill/{}?timetype={ordinary}&maned={month}&dag={}",
            timebook.id, portal.day
        ))
        .await;
    assert!(ordinary_calendar.body.contains("12:00 - 12:20"));
    assert!(!ordinary_calendar.body.contains("13:00 - 13:40"));

    // A double consultation in a 20-minute slot is refused, back at the calendar with why.
    let misfit = kari
        .hold_with(timebook.id.0, short, &[("timetype", &double.to_string())])
        .await;
    let back = misfit.location.expect("back to the calendar");
    assert!(back.contains("melding=timetype") && back.contains(&format!("timetype={double}")));
    assert!(
        kari.get(&back)
            .await
            .body
            .contains("Den tiden passer ikke for timetypen du valgte.")
    );

    let held = kari
        .hold_with(timebook.id.0, long, &[("timetype", &double.to_string())])
        .await;
    let review_path = held.location.expect("review");
    assert!(review_path.contains(&format!("timetype={double}")));
    let review = kari.get(&review_path).await;
    for text in [
        "Time hos Testfastlege, Helsenorge testlegekontor",
        "Type time: Dobbelttime",
        "Oppmøtested: Legeveien 1, 1325 Lysaker",
        "Antatt varighet: 40 min",
    ] {
        assert!(
            review.body.contains(text),
            "«{text}» missing from the review"
        );
    }
    let csrf = kari.csrf().await;
    let sent = kari
        .post(
            &format!("/bestill/{}/send", timebook.id),
            &[
                ("csrf", &csrf),
                ("slot", &long.to_string()),
                ("hold", &hold_id(&review_path)),
                ("reason", "Flere ting å ta opp"),
                ("timetype", &double.to_string()),
            ],
        )
        .await;
    assert!(
        sent.location
            .as_deref()
            .is_some_and(|l| l.starts_with("/bestill/kvittering/")),
        "{} {:?} {}",
        sent.status,
        sent.location,
        sent.body
    );
    let booked: i64 = portal
        .number(&format!(
            "SELECT appointment_type_id FROM appointment WHERE slot_id = {long}"
        ))
        .await;
    assert_eq!(booked, double);
    let appointments = kari.get("/timeavtaler").await;
    assert!(
        appointments
            .body
            .contains("Konsultasjon med fastlegen hos Helsenorge testlegekontor")
    );

    // A telephone consultation's review says the GP calls instead of where to come.
    let another = slot(at(14, 0), 20).await;
    let by_phone = kari
        .hold_with(timebook.id.0, another, &[("timetype", &phone.to_string())])
        .await
        .location
        .expect("review");
    let review = kari.get(&by_phone).await;
    assert!(review.body.contains("Legen ringer deg"));
    assert!(!review.body.contains("Oppmøtested"));
}

#[tokio::test]
async fn the_office_gives_its_gp_a_place_and_types_on_timebooks() {
    let portal = portal(true).await;
    let store = portal.store.clone();
    let clinic = store
        .clinic_by_her_id(HerId::new(1_001).expect("her"))
        .await
        .expect("read")
        .expect("clinic");
    let gp = store
        .save_practitioner(
            &Actor::System,
            clinic.id,
            HprNumber::parse("9144900").expect("hpr"),
            (&name("Test"), &name("Fastlege")),
        )
        .await
        .expect("gp");
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let csrf = staff.csrf().await;
    let created = staff
        .post(
            "/klinikk/timeboker",
            &[("csrf", &csrf), ("type", "fastlege")],
        )
        .await;
    assert_eq!(created.status, 303);
    let page = staff.get("/klinikk/timeboker").await;
    assert!(page.body.contains("Konsultasjon med fastlegen"));
    assert!(page.body.contains("Test Fastlege"));
    let timebook = store
        .timebooks(clinic.id)
        .await
        .expect("timebooks")
        .into_iter()
        .find(|t| t.kind == TimebookKind::Fastlege)
        .expect("created");
    let path = format!("/klinikk/timeboker/{}", timebook.id);

    // A place without a GP is refused and nothing is saved.
    let refused = staff
        .post(
            &format!("{path}/steder"),
            &[
                ("csrf", &csrf),
                ("navn", "Uten lege"),
                ("adresse", "Legeveien 1"),
            ],
        )
        .await;
    assert_eq!(
        refused.location.as_deref(),
        Some("/klinikk/timeboker?melding=sted-fastlege")
    );
    assert!(
        store
            .resources(timebook.id)
            .await
            .expect("places")
            .is_empty()
    );

    // With the GP and no name, the place is named after her.
    staff
        .post(
            &format!("{path}/steder"),
            &[
                ("csrf", &csrf),
                ("fastlege", &gp.id.0.to_string()),
                ("navn", ""),
                ("beskrivelse", ""),
                ("adresse", "Legeveien 1, 1325 Lysaker"),
            ],
        )
        .await;
    let places = store.resources(timebook.id).await.expect("places");
    assert_eq!(places.len(), 1);
    assert_eq!(places[0].name.as_str(), "Test Fastlege");
    assert_eq!(places[0].practitioner, Some(gp.id));
    // «Publisering» and «Bruk av timebøkene» have it like any other.
    let publishing = staff.get("/klinikk/publisering").await;
    assert!(
        publishing.body.contains("Test Fastlege"),
        "{}",
        publishing.body
    );
    let usage = staff.get("/klinikk/bruk").await;
    assert!(usage.body.contains("Konsultasjon med fastlegen"));

    // Types: a bad length changes nothing; a good one is listed.
    let bad = staff
        .post(
            &format!("{path}/timetyper"),
            &[("csrf", &csrf), ("navn", "Dobbelttime"), ("minutter", "0")],
        )
        .await;
    assert_eq!(
        bad.location.as_deref(),
        Some("/klinikk/timeboker?melding=timetype-ugyldig")
    );
    assert!(
        store
            .appointment_types(timebook.id)
            .await
            .expect("types")
            .is_empty()
    );
    staff
        .post(
            &format!("{path}/timetyper"),
            &[
                ("csrf", &csrf),
                ("navn", "Telefonkonsultasjon"),
                ("minutter", "20"),
                ("telefon", "ja"),
            ],
        )
        .await;
    let page = staff.get("/klinikk/timeboker?melding=timetype").await;
    assert!(page.body.contains("Timetypen er lagret."));
    assert!(
        page.body
            .contains("Telefonkonsultasjon (20 min, legen ringer deg)")
    );
    let audited = portal
        .number("SELECT COUNT(*) FROM audit_event WHERE action = 'appointment_type.saved'")
        .await;
    assert_eq!(audited, 1);
}
