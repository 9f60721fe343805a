//! A seeded clinic for tests: one Vaksine timebook, the resource «Influensa», listed patients
//! and a clock the test moves.

use super::TestDb;
use crate::{BookRequest, CancelRequest, Hold, HoldRequest, ManualClock, NewSlot, Result, Store};
use domain::{
    Actor, Address, AppointmentId, BookingRules, Caller, CancelReason, Capacity, Clinic, ClinicId,
    ClinicName, Description, HerId, HoldId, InfoText, NationalId, PersonName, Resource,
    ResourceName, Slot, SlotId, SlotLength, Timebook, TimebookKind,
};
use jiff::civil::{Date, DateTime};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;

/// Monday 14 December 2026, 08:00 in Oslo.
pub fn start_of_tests() -> Timestamp {
    oslo(2026, 12, 14, 8, 0)
}

pub fn oslo(y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
    let zone = domain::clinic_time_zone().expect("tz");
    zone.to_ambiguous_timestamp(DateTime::new(y, m, d, h, min, 0, 0).expect("datetime"))
        .compatible()
        .expect("instant")
}

pub fn staff(clinic: &Clinic) -> Actor {
    Actor::Staff {
        clinic_id: clinic.id,
        user: "resepsjon".into(),
    }
}

/// Creates (or finds again) the clinic, its Vaksine timebook and the resource «Influensa».
pub async fn seed(store: &dyn Store, rules: BookingRules) -> (Clinic, Timebook, Resource) {
    let system = Actor::System;
    let clinic = store
        .save_clinic(
            &system,
            HerId::new(8_143_060).expect("her"),
            &ClinicName::parse("Helsenorge testlegekontor").expect("name"),
            &InfoText::parse("Velkommen").expect("info"),
        )
        .await
        .expect("clinic");
    let timebook = store
        .save_timebook(&system, clinic.id, TimebookKind::Vaksine, rules)
        .await
        .expect("timebook");
    let location = store
        .save_location(
            &system,
            clinic.id,
            &Address::parse("Influensaveien 3a, 1325 Lysaker").expect("address"),
        )
        .await
        .expect("location");
    let resource = store
        .save_resource(
            &system,
            timebook.id,
            &crate::NewPlace {
                name: &ResourceName::parse("Influensa").expect("name"),
                description: &Description::parse(
                    "Dette er en influensavaksine som vises på Helsenorge",
                )
                .expect("desc"),
                practitioner: None,
            },
            &location,
        )
        .await
        .expect("resource");
    (clinic, timebook, resource)
}

/// A clinic with a Vaksine timebook, the resource «Influensa» and a few listed patients.
pub struct World {
    pub db: TestDb,
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub clinic: Clinic,
    pub timebook: Timebook,
    pub resource: Resource,
    pub staff: Actor,
}

impl World {
    pub async fn new(db: TestDb) -> Self {
        Self::with_rules(db, BookingRules::new(30, 42, 24 * 60, 1).expect("rules")).await
    }

    pub async fn with_rules(db: TestDb, rules: BookingRules) -> Self {
        let clock = Arc::new(ManualClock::new(start_of_tests()));
        let store = db.open(clock.clone()).await;
        let (clinic, timebook, resource) = seed(store.as_ref(), rules).await;
        let staff = staff(&clinic);
        Self {
            db,
            store,
            clock,
            clinic,
            timebook,
            resource,
            staff,
        }
    }

    /// The `n`th synthetic patient, not yet on any list.
    pub fn person(n: u16) -> NationalId {
        NationalId::synthetic(Date::new(1980, 1, 1).expect("date"), n).expect("synthetic id")
    }

    /// The `n`th patient, on this clinic's list.
    pub async fn patient(&self, n: u16) -> NationalId {
        let id = Self::person(n);
        self.store
            .list_patient(
                &self.staff,
                self.clinic.id,
                &id,
                &PersonName::parse("Kari").expect("first"),
                &PersonName::parse(&format!("Nordmann {n}")).expect("last"),
            )
            .await
            .expect("list patient");
        id
    }

    pub async fn slot(&self, start: Timestamp, capacity: u16) -> Slot {
        self.store
            .add_slot(
                &self.staff,
                NewSlot {
                    resource_id: self.resource.id,
                    start,
                    length: SlotLength::minutes(15).expect("length"),
                    capacity: Capacity::new(i64::from(capacity)).expect("capacity"),
                },
            )
            .await
            .expect("slot")
    }

    /// The `n`th patient, listed, books a new slot of one place at `start`.
    pub async fn book(&self, n: u16, start: Timestamp) -> domain::Appointment {
        let patient = self.patient(n).await;
        let slot = self.slot(start, 1).await;
        self.book_as(&patient, slot.id, None).await.expect("book")
    }

    /// The patient books a slot themself, through the booking core, with the reason
    /// «Influensavaksine»; answers the appointment as stored.
    pub async fn book_as(
        &self,
        patient: &NationalId,
        slot: SlotId,
        hold: Option<HoldId>,
    ) -> Result<domain::Appointment> {
        let booked = self
            .store
            .book(
                &Caller::patient(patient.clone()),
                &BookRequest {
                    appointment_type: None,
                    patient: patient.clone(),
                    slot,
                    reason: domain::Reason::parse("Influensavaksine").expect("reason"),
                    hold,
                    idempotency: None,
                },
            )
            .await?;
        self.store.appointment(booked.id).await
    }

    /// The patient holds a place in a slot themself.
    pub async fn hold_as(&self, patient: &NationalId, slot: SlotId) -> Result<Hold> {
        let request = HoldRequest {
            appointment_type: None,
            patient: patient.clone(),
            slot,
            moving: None,
            referral: None,
        };
        self.store
            .hold(&Caller::patient(patient.clone()), &request)
            .await
    }

    /// The patient cancels their own appointment; answers it as stored.
    pub async fn cancel_as(
        &self,
        patient: &NationalId,
        appointment: AppointmentId,
    ) -> Result<domain::Appointment> {
        let caller = Caller::patient(patient.clone());
        self.cancel_with(&caller, appointment, None).await
    }

    /// A staff member of `clinic` cancels an appointment; answers it as stored.
    pub async fn cancel_by_clinic(
        &self,
        clinic: ClinicId,
        appointment: AppointmentId,
        reason: Option<&CancelReason>,
    ) -> Result<domain::Appointment> {
        let caller = Caller::staff(clinic, "resepsjon");
        self.cancel_with(&caller, appointment, reason).await
    }

    async fn cancel_with(
        &self,
        caller: &Caller,
        appointment: AppointmentId,
        reason: Option<&CancelReason>,
    ) -> Result<domain::Appointment> {
        let id = self
            .store
            .cancel(
                caller,
                &CancelRequest {
                    appointment,
                    reason: reason.cloned(),
                    version: None,
                },
            )
            .await?;
        self.store.appointment(id).await
    }

    pub fn advance(&self, minutes: i64) {
        self.clock.advance(SignedDuration::from_mins(minutes));
    }

    pub async fn finish(self) {
        drop(self.store);
        self.db.finish().await;
    }
}
