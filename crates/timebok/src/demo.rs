//! `timebok demo`: the guide's example, ready to click through.
//!
//! Every step finds what an earlier run created (clinics by HER-id, timebooks by kind,
//! resources by name, slots by resource and start), so running it again duplicates nothing;
//! on a later day it only adds the days that have come into the six weeks.

use domain::{
    Actor, Address, BlockReason, BookingRules, Capacity, ClinicName, Description, DomainError,
    HerId, InfoText, Location, NationalId, PersonName, RelationKind, ResourceName, SlotLength,
    SlotTemplate, Timebook, TimebookKind, Weekdays,
};
use jiff::civil::{Date, date, time};
use jiff::{Span, Timestamp};
use store::{NewRelation, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("demo data: {0}")]
    Domain(#[from] DomainError),
}

/// What the demo created, for the operator's console.
#[derive(Debug, Default)]
pub struct DemoReport {
    pub clinic: String,
    pub timebooks: usize,
    pub new_slots: usize,
    pub patients: Vec<String>,
    pub blocked: Vec<String>,
}

pub const DEMO_HER_ID: i64 = 999_001;

struct DemoPatient {
    first: &'static str,
    last: &'static str,
    born: Date,
    blocked: bool,
    /// A mobile number known from the contact register, so SMS is her default channel.
    mobile: Option<&'static str>,
}

const PATIENTS: [DemoPatient; 7] = [
    DemoPatient {
        first: "Viktig",
        last: "Person",
        born: date(1975, 5, 17),
        blocked: false,
        mobile: None,
    },
    DemoPatient {
        first: "Kari",
        last: "Nordmann",
        born: date(1982, 3, 8),
        blocked: false,
        mobile: Some("912 34 567"),
    },
    DemoPatient {
        first: "Ola",
        last: "Nordmann",
        born: date(1990, 11, 23),
        blocked: false,
        mobile: None,
    },
    DemoPatient {
        first: "Per",
        last: "Sperre",
        born: date(1968, 9, 2),
        blocked: true,
        mobile: None,
    },
    DemoPatient {
        first: "Nora",
        last: "Forelder",
        born: date(1986, 2, 14),
        blocked: false,
        mobile: Some("934 56 789"),
    },
    DemoPatient {
        first: "Emma",
        last: "Forelder",
        born: date(2019, 4, 10),
        blocked: false,
        mobile: None,
    },
    DemoPatient {
        first: "Jonas",
        last: "Forelder",
        born: date(2012, 8, 20),
        blocked: false,
        mobile: None,
    },
];

/// Who acts for whom in the demo, by index into [`PATIENTS`]: Nora is the mother of Emma
/// (under 12: everything) and Jonas (12 to 16: the appointments), and Viktig Person has given
/// her fullmakt.
const RELATIONS: [(usize, usize, RelationKind); 3] = [
    (4, 5, RelationKind::Parent),
    (4, 6, RelationKind::Parent),
    (4, 0, RelationKind::Fullmakt),
];

/// The demo patients' names and synthetic numbers, for the test login.
pub fn demo_patients() -> Result<Vec<(String, NationalId)>, DomainError> {
    PATIENTS
        .iter()
        .zip(demo_patient_ids()?)
        .map(|(p, id)| Ok((format!("{} {}", p.first, p.last), id)))
        .collect()
}

/// HER-id of a second clinic, whose staff show that one clinic cannot reach another's data.
pub const NEIGHBOUR_HER_ID: i64 = 999_002;

/// «Nabolegekontoret»: a Lab timebook and its own staff user.
async fn seed_neighbour(
    store: &dyn Store,
    actor: &Actor,
    days: (Date, Date),
) -> Result<(), DemoError> {
    let clinic = store
        .save_clinic(
            actor,
            HerId::new(NEIGHBOUR_HER_ID)?,
            &ClinicName::parse("Nabolegekontoret")?,
            &InfoText::parse("")?,
        )
        .await?;
    let location = store
        .save_location(
            actor,
            clinic.id,
            &Address::parse("Naboveien 1, 1325 Lysaker")?,
        )
        .await?;
    let timebook = store
        .save_timebook(actor, clinic.id, TimebookKind::Lab, BookingRules::default())
        .await?;
    publish_mornings(
        store,
        actor,
        &timebook,
        &location,
        ("Laboratoriet", "Blodprøver", 1),
        days,
    )
    .await?;
    Ok(())
}

/// The demo clinic's staff user, once the demo data is there, and the register's operator, for
/// the staff's test login.
pub async fn demo_staff(store: &dyn Store) -> Result<Vec<(String, Actor)>, DemoError> {
    let mut users: Vec<(String, Actor)> = Vec::new();
    for her in [DEMO_HER_ID, NEIGHBOUR_HER_ID] {
        if let Some(clinic) = store.clinic_by_her_id(HerId::new(her)?).await? {
            let who = Actor::Staff {
                clinic_id: clinic.id,
                user: "resepsjon".into(),
            };
            users.push((format!("Resepsjonen, {}", clinic.name), who));
        }
    }
    users.push((
        "Operatør, Adresseregisteret".into(),
        Actor::Operator {
            user: "operator".into(),
        },
    ));
    Ok(users)
}

/// The demo patients' synthetic numbers, in the order of [`PATIENTS`].
pub fn demo_patient_ids() -> Result<Vec<NationalId>, DomainError> {
    PATIENTS
        .iter()
        .map(|p| NationalId::synthetic(p.born, 0))
        .collect()
}

/// The demo's clinic, as the register keeps it.
async fn demo_clinic(store: &dyn Store, actor: &Actor) -> Result<domain::Clinic, DemoError> {
    let clinic = store
        .save_clinic(
            actor,
            HerId::new(DEMO_HER_ID)?,
            &ClinicName::parse("Helsenorge testlegekontor")?,
            &InfoText::parse(
                "Dette er en tekst legekontoret selv kan legge til på opptil 300 tegn.",
            )?,
        )
        .await?;
    // Lysaker lies in Bærum: slot finders read the municipality and county in the feed.
    Ok(store
        .set_municipality(
            actor,
            clinic.id,
            Some(&domain::Municipality::parse("3201", "Bærum")?),
        )
        .await?)
}

/// The resource timebooks' places: kind, name, description and how many each slot takes.
const RESOURCE_PLACES: [(TimebookKind, &str, &str, u16); 4] = [
    (
        TimebookKind::Vaksine,
        "Influensa",
        "Dette er en influensavaksine som vises på Helsenorge",
        1,
    ),
    (
        TimebookKind::Vaksine,
        "Influensavaksine 2",
        "Influensavaksine for deg over 65 år",
        1,
    ),
    (
        TimebookKind::Koronavaksine,
        "Koronavaksine",
        "Oppfriskningsdose mot covid-19",
        5,
    ),
    (
        TimebookKind::Lab,
        "Laboratoriet",
        "Blodprøver og andre prøver",
        1,
    ),
];

pub async fn seed(store: &dyn Store, now: Timestamp) -> Result<DemoReport, DemoError> {
    let actor = Actor::System;
    let clinic = demo_clinic(store, &actor).await?;
    let location = store
        .save_location(
            &actor,
            clinic.id,
            &Address::parse("Influensaveien 3a, 1325 Lysaker")?,
        )
        .await?;
    let today = now.to_zoned_datetime(domain::clinic_time_zone()?).date();
    let six_weeks = today
        .checked_add(Span::new().days(41))
        .map_err(|_| DomainError::TemplateRangeTooLong)?;

    let mut report = DemoReport {
        clinic: clinic.name.to_string(),
        ..DemoReport::default()
    };
    let mut timebooks: Vec<Timebook> = Vec::new();
    for (kind, name, description, capacity) in RESOURCE_PLACES {
        let timebook = match timebooks.iter().find(|t| t.kind == kind) {
            Some(existing) => existing.clone(),
            None => {
                let created = store
                    .save_timebook(&actor, clinic.id, kind, demo_rules(kind)?)
                    .await?;
                timebooks.push(created.clone());
                created
            }
        };
        report.new_slots += publish_mornings(
            store,
            &actor,
            &timebook,
            &location,
            (name, description, capacity),
            (today, six_weeks),
        )
        .await?;
    }
    let gp = list_patients(store, &actor, clinic.id, &mut report).await?;
    let (gp_timebook, gp_slots) = seed_gp_timebook(
        store,
        &actor,
        (clinic.id, &location),
        gp,
        (today, six_weeks),
    )
    .await?;
    timebooks.push(gp_timebook);
    report.new_slots += gp_slots;
    report.timebooks = timebooks.len();
    // Vaksine takes requests for a time (timeønsker) as well as slot picking, to show both.
    // Seeded again, it changes nothing.
    if let Some(vaksine) = timebooks.iter().find(|t| t.kind == TimebookKind::Vaksine)
        && store.booking_mode(vaksine.id).await? != domain::BookingMode::Both
    {
        store
            .set_booking_mode(&actor, clinic.id, vaksine.id, domain::BookingMode::Both)
            .await?;
    }

    seed_neighbour(store, &actor, (today, six_weeks)).await?;
    Ok(report)
}

/// The demo patients, on the clinic's list, one of them blocked; all on the list of
/// «Testfastlege», whose id this gives, but Ola Nordmann, who is on another GP's list.
async fn list_patients(
    store: &dyn Store,
    actor: &Actor,
    clinic: domain::ClinicId,
    report: &mut DemoReport,
) -> Result<domain::PractitionerId, DemoError> {
    let why = BlockReason::parse("Demo: gjentatt misbruk av timebestillingen")?;
    for (patient, id) in PATIENTS.iter().zip(demo_patient_ids()?) {
        store
            .list_patient(
                actor,
                clinic,
                &id,
                &PersonName::parse(patient.first)?,
                &PersonName::parse(patient.last)?,
            )
            .await?;
        if let Some(mobile) = patient.mobile {
            let mut settings = store.contact_settings(&id).await?;
            if settings.mobile.is_none() {
                settings.mobile = Some(domain::MobileNumber::parse(mobile)?);
                store.save_contact_settings(&id, &settings).await?;
            }
        }
        let name = format!("{} {}", patient.first, patient.last);
        if patient.blocked {
            store.block_patient(actor, clinic, &id, &why).await?;
            report.blocked.push(name);
        } else {
            report.patients.push(name);
        }
    }
    let ids = demo_patient_ids()?;
    let relations: Vec<NewRelation> = RELATIONS
        .iter()
        .filter_map(|&(representative, person, kind)| {
            Some(NewRelation {
                representative: ids.get(representative)?.clone(),
                person: ids.get(person)?.clone(),
                kind,
                last_day: None,
            })
        })
        .collect();
    store.import_relations(actor, &relations).await?;
    // «Testfastlege», with every demo patient on her list but Ola Nordmann, who is on the
    // list of a GP who takes no bookings online.
    let gp = store
        .save_practitioner(
            actor,
            clinic,
            domain::HprNumber::new(DEMO_HPR_NUMBER)?,
            (&PersonName::parse("Test")?, &PersonName::parse("Fastlege")?),
        )
        .await?;
    let other = store
        .save_practitioner(
            actor,
            clinic,
            domain::HprNumber::new(OTHER_HPR_NUMBER)?,
            (&PersonName::parse("Annen")?, &PersonName::parse("Lege")?),
        )
        .await?;
    let ola = ids.get(OLA).cloned();
    let hers: Vec<NationalId> = ids
        .iter()
        .filter(|id| Some(*id) != ola.as_ref())
        .cloned()
        .collect();
    store
        .list_with_practitioner(actor, clinic, gp.id, &hers)
        .await?;
    if let Some(ola) = ola {
        store
            .list_with_practitioner(actor, clinic, other.id, &[ola])
            .await?;
    }
    Ok(gp.id)
}

/// The demo GPs' HPR numbers: made up, as the demo patients' numbers are synthetic.
const DEMO_HPR_NUMBER: i64 = 9_144_900;
const OTHER_HPR_NUMBER: i64 = 9_144_901;

/// Ola Nordmann's place in [`PATIENTS`].
const OLA: usize = 2;

/// The default rules, except that vaccine doses for a booked koronavaksine time are ordered a
/// week ahead: online cancellation closes seven days before. The demo thus shows both sides of
/// a cancellation deadline.
fn demo_rules(kind: TimebookKind) -> Result<BookingRules, DomainError> {
    let rules = BookingRules::default();
    match kind {
        TimebookKind::Koronavaksine => BookingRules::new(
            i64::from(rules.min_notice_minutes()),
            i64::from(rules.horizon_days()),
            7 * 24 * 60,
            i64::from(rules.max_future_appointments()),
        ),
        _ => Ok(rules),
    }
}

/// Publishes weekday slots 08:00–11:00 of 15 minutes for one resource.
async fn publish_mornings(
    store: &dyn Store,
    actor: &Actor,
    timebook: &Timebook,
    location: &Location,
    (name, description, capacity): (&str, &str, u16),
    (first, last): (Date, Date),
) -> Result<usize, DemoError> {
    let resource = store
        .save_resource(
            actor,
            timebook.id,
            &store::NewPlace {
                name: &ResourceName::parse(name)?,
                description: &Description::parse(description)?,
                practitioner: None,
            },
            location,
        )
        .await?;
    publish_weekdays(
        store,
        actor,
        resource.id,
        ((8, 11), 15, capacity),
        (first, last),
    )
    .await
}

/// Publishes weekday slots from one whole hour to another, of `minutes` and `capacity`.
async fn publish_weekdays(
    store: &dyn Store,
    actor: &Actor,
    resource: domain::ResourceId,
    ((from, to), minutes, capacity): ((i8, i8), i64, u16),
    (first, last): (Date, Date),
) -> Result<usize, DemoError> {
    let template = SlotTemplate::new(
        Weekdays::MONDAY_TO_FRIDAY,
        time(from, 0, 0, 0),
        time(to, 0, 0, 0),
        SlotLength::minutes(minutes)?,
        Capacity::new(i64::from(capacity))?,
        first,
        last,
        first,
    )?;
    let id = store.create_template(actor, resource, &template).await?;
    Ok(store.publish_template(actor, id).await?.created)
}

/// «Konsultasjon med fastlegen» with «Testfastlege»: her place, the types of consultation she
/// offers, and mornings of 20-minute slots followed by 40-minute ones for double
/// consultations. (The afternoons are the reference journal system's to publish in.)
async fn seed_gp_timebook(
    store: &dyn Store,
    actor: &Actor,
    (clinic, location): (domain::ClinicId, &Location),
    gp: domain::PractitionerId,
    days: (Date, Date),
) -> Result<(Timebook, usize), DemoError> {
    let timebook = store
        .save_timebook(
            actor,
            clinic,
            TimebookKind::Fastlege,
            BookingRules::default(),
        )
        .await?;
    let place = store
        .save_resource(
            actor,
            timebook.id,
            &store::NewPlace {
                name: &ResourceName::parse("Testfastlege")?,
                description: &Description::parse("Din fastlege")?,
                practitioner: Some(gp),
            },
            location,
        )
        .await?;
    for (name, minutes, attendance) in [
        ("Vanlig konsultasjon", 20, domain::Attendance::InPerson),
        ("Dobbelttime", 40, domain::Attendance::InPerson),
        ("Telefonkonsultasjon", 20, domain::Attendance::Telephone),
    ] {
        store
            .save_appointment_type(
                actor,
                clinic,
                timebook.id,
                &store::NewAppointmentType {
                    name: domain::AppointmentTypeName::parse(name)?,
                    length: SlotLength::minutes(minutes)?,
                    attendance,
                },
            )
            .await?;
    }
    let ordinary = publish_weekdays(store, actor, place.id, ((8, 10), 20, 1), days).await?;
    let double = publish_weekdays(store, actor, place.id, ((10, 12), 40, 1), days).await?;
    Ok((timebook, ordinary + double))
}
