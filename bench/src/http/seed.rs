//! The generated clinic, written through the store before the server starts: a Koronavaksine
//! timebook with three places, 32 fifteen-minute slots a day on weekdays for two months, and
//! thousands of patients on the clinic's list.

use super::HttpError;
use super::direct::Direct;
use domain::{
    Actor, BookingRules, Capacity, Description, MobileNumber, NationalId, PersonName, ResourceName,
    SlotLength, SlotTemplate, TimebookKind, Weekdays,
};
use jiff::Span;
use jiff::civil::{Date, time};
use std::sync::Arc;
use store::Store;

/// The demo's clinic HER-id: the test login offers its staff user («resepsjon»).
pub const HER_ID: i64 = 999_001;
pub const PLACES: [&str; 3] = ["Rom 1", "Rom 2", "Rom 3"];
/// Places per slot: several patients may share a vaccination slot.
pub const CAPACITY: u16 = 10;
/// A patient may have this many future appointments in the timebook (the rules' maximum).
pub const MAX_PER_PATIENT: i64 = 50;
/// Patients at the end of the list with a mobile number, for the outbox scenario.
pub const WITH_MOBILE: usize = 500;

#[derive(Debug, Clone)]
pub struct Slot {
    pub id: i64,
    pub resource: i64,
    pub day: Date,
}

pub struct Clinic {
    pub id: i64,
    pub timebook: i64,
    pub resources: Vec<i64>,
    /// Every published slot, by start and place.
    pub slots: Vec<Slot>,
    pub patients: Vec<NationalId>,
    /// The day «Velg time» and the slot searches show: no booking ever takes its slots.
    pub quiet_day: Date,
}

impl Clinic {
    /// Patients without a mobile number: the portal's and FHIR's bookings.
    pub fn plain_patients(&self) -> &[NationalId] {
        &self.patients[..self.patients.len().saturating_sub(WITH_MOBILE)]
    }

    /// Patients with a mobile number, who get an SMS for each booking.
    pub fn sms_patients(&self) -> &[NationalId] {
        &self.patients[self.patients.len().saturating_sub(WITH_MOBILE)..]
    }
}

/// The `n`-th synthetic patient: spread over birth dates from 1940, a few per day.
pub fn patient(n: usize) -> Result<NationalId, HttpError> {
    let days = i64::try_from(n / 4).unwrap_or(0);
    let born = jiff::civil::date(1940, 1, 1)
        .checked_add(Span::new().days(days))
        .map_err(|_| domain::DomainError::NationalIdDate)?;
    Ok(NationalId::synthetic(
        born,
        u16::try_from(n % 4).unwrap_or(0),
    )?)
}

pub async fn seed(
    store: &Arc<dyn Store>,
    direct: &Direct,
    today: Date,
    patients: usize,
) -> Result<Clinic, HttpError> {
    let actor = Actor::System;
    let (clinic, location) = crate::scenario::bench_clinic(store.as_ref(), HER_ID)
        .await
        .map_err(|e| HttpError::Seed(e.to_string()))?;
    let timebook = store
        .save_timebook(
            &actor,
            clinic.id,
            TimebookKind::Koronavaksine,
            BookingRules::new(0, 366, 0, MAX_PER_PATIENT)?,
        )
        .await?;
    let first = today
        .tomorrow()
        .map_err(|_| domain::DomainError::DatesReversed)?;
    let last = first
        .checked_add(Span::new().months(2))
        .map_err(|_| domain::DomainError::DatesReversed)?;
    let template = SlotTemplate::new(
        Weekdays::MONDAY_TO_FRIDAY,
        time(8, 0, 0, 0),
        time(16, 0, 0, 0),
        SlotLength::minutes(15)?,
        Capacity::new(i64::from(CAPACITY))?,
        first,
        last,
        today,
    )?;
    let mut resources = Vec::new();
    for name in PLACES {
        let resource = store
            .save_resource(
                &actor,
                timebook.id,
                &store::NewPlace {
                    name: &ResourceName::parse(name)?,
                    description: &Description::parse("")?,
                    practitioner: None,
                },
                &location,
            )
            .await?;
        let id = store
            .create_template(&actor, resource.id, &template)
            .await?;
        store.publish_template(&actor, id).await?;
        resources.push(resource.id.0);
    }
    list_patients(store, clinic.id, patients).await?;
    let ids: Vec<NationalId> = (0..patients).map(patient).collect::<Result<_, _>>()?;
    for (n, id) in ids.iter().rev().take(WITH_MOBILE).enumerate() {
        let mut settings = store.contact_settings(id).await?;
        settings.mobile = Some(MobileNumber::parse(&format!("9{:07}", n + 1))?);
        store.save_contact_settings(id, &settings).await?;
    }
    let slots = direct.slots(timebook.id.0).await?;
    // The last weekday with slots: the bookings take slots from the first day on.
    let quiet_day = slots
        .last()
        .map(|s| s.day)
        .ok_or_else(|| HttpError::Seed("no slots were published".into()))?;
    Ok(Clinic {
        id: clinic.id.0,
        timebook: timebook.id.0,
        resources,
        slots,
        patients: ids,
        quiet_day,
    })
}

/// Lists the patients from a few tasks at once, as a register import would.
async fn list_patients(
    store: &Arc<dyn Store>,
    clinic: domain::ClinicId,
    patients: usize,
) -> Result<(), HttpError> {
    const TASKS: usize = 8;
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let store = store.clone();
            tokio::spawn(async move {
                let first = PersonName::parse("Benk")?;
                let last = PersonName::parse("Pasient")?;
                for n in (task..patients).step_by(TASKS) {
                    store
                        .list_patient(&Actor::System, clinic, &patient(n)?, &first, &last)
                        .await?;
                }
                Ok::<(), HttpError>(())
            })
        })
        .collect();
    for task in tasks {
        task.await
            .map_err(|e| HttpError::Seed(format!("a seeding task failed: {e}")))??;
    }
    Ok(())
}
