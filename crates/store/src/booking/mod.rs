//! The booking core: the one way every actor holds, books, moves and cancels.
//!
//! A request comes with a [`Caller`] (who acts, where, for whom, under which rules). It runs
//! as one [`Program`] (`programs.rs`) in one transaction, checking the rules of `rules.rs`
//! inside it, and answers with what was done or one [`Refusal`]. The path of a booking:
//!
//! 1. a portal page or a FHIR handler parses the request and calls [`Booking::book`];
//! 2. the caller and the request become the program's inputs ([`caller_inputs`]);
//! 3. the backend runs the program: statement by statement in a SQLite `BEGIN IMMEDIATE`
//!    transaction (`steps.rs`), or as one PostgreSQL function compiled from the same steps
//!    (`postgres.rs`);
//! 4. the program locks the patient, decides on the slot under its lock, takes the place,
//!    writes the appointment, its notification job and its audit entry, and commits;
//! 5. the answer becomes an appointment id or a `StoreError::Refused`, which the page or
//!    handler maps to its answer from its one table.

mod appointments;
mod offers;
mod postgres;
mod program;
pub(crate) mod programs;
mod referrals;
pub(crate) mod rules;
mod steps;

pub use appointments::Appointments;
pub use offers::{
    CALENDAR_LINK_PAST_DAYS, Calendar, CalendarRequest, MAX_QUERY_DAYS, Offer, OfferedSlot,
    OfferedTimebook, Offers,
};
pub(crate) use offers::{IN_CALENDAR, ONE_FOR_NOTICE, ONE_RECORD};
pub(crate) use postgres::{PgFunction, call, install};
pub(crate) use program::Program;
pub use referrals::{Referrals, ReferredBookings};
pub use rules::KEY_LIFETIME_SECONDS;
pub(crate) use steps::CompiledSteps;

use crate::db::Database;
use crate::db::named::{Env, Value};
use crate::measure::Operation;
use crate::{Hold, Idempotency, NotificationKind, Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{
    AppointmentId, AppointmentTypeId, AuditAction, Caller, CancelReason, HoldId, NationalId,
    Patients, Policy, Reach, Reason, Refusal, SlotId,
};

/// What a program answered: an outcome code (a [`Refusal`]'s, or what was done) and an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub outcome: String,
    pub id: Option<i64>,
}

impl Answer {
    /// The id of what was done, or the refusal.
    pub(crate) fn id(self, done: &[&str]) -> Result<i64> {
        if let Some(refusal) = Refusal::parse(&self.outcome) {
            return Err(StoreError::Refused(refusal));
        }
        match self.id {
            Some(id) if done.contains(&self.outcome.as_str()) => Ok(id),
            _ => Err(StoreError::Corrupt("booking program outcome")),
        }
    }
}

/// A hold, as asked for at «Se gjennom før du sender».
#[derive(Debug, Clone)]
pub struct HoldRequest {
    pub patient: NationalId,
    pub slot: SlotId,
    /// The appointment the patient is moving to this slot, if that is what they review: it
    /// does not count against the timebook's limit.
    pub moving: Option<AppointmentId>,
    /// The slot finder the patient came from, kept with the booking this hold becomes.
    pub referral: Option<domain::Referral>,
    /// The type of appointment the patient chose; the slot must be its length.
    pub appointment_type: Option<AppointmentTypeId>,
}

/// A booking, as asked for.
#[derive(Debug, Clone)]
pub struct BookRequest {
    pub patient: NationalId,
    pub slot: SlotId,
    /// «Hva gjelder det?»
    pub reason: Reason,
    /// The type of appointment, when the timebook has types; the slot must be its length.
    pub appointment_type: Option<AppointmentTypeId>,
    /// The hold taken at «Se gjennom før du sender»; `None` books directly if a place is free.
    pub hold: Option<HoldId>,
    /// A machine client's retry key, with what the request asked for.
    pub idempotency: Option<Idempotency>,
}

/// What a booking came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Booked {
    pub id: AppointmentId,
    /// The Idempotency-Key was used before for the same request: this is the appointment
    /// made then, and nothing was booked now.
    pub replayed: bool,
}

/// «Endre time»: an appointment to another slot of its timebook.
#[derive(Debug, Clone)]
pub struct MoveRequest {
    pub appointment: AppointmentId,
    pub to: SlotId,
    /// A hold the patient took on the new slot while reviewing the move.
    pub hold: Option<HoldId>,
    /// The version the caller saw, when it names one.
    pub version: Option<i64>,
}

/// A cancellation. The caller's policy decides whose it is: the patient's own (before the
/// deadline) or the office's.
#[derive(Debug, Clone)]
pub struct CancelRequest {
    pub appointment: AppointmentId,
    pub reason: Option<CancelReason>,
    pub version: Option<i64>,
}

#[async_trait]
pub trait Booking: Send + Sync {
    /// Holds a place in a slot for the patient for the configured time, releasing their other
    /// holds in the timebook.
    async fn hold(&self, caller: &Caller, request: &HoldRequest) -> Result<Hold>;
    /// ReserverAvtale: books the slot. One transaction covers the slot's count, the
    /// appointment, its notification job and its audit entry.
    async fn book(&self, caller: &Caller, request: &BookRequest) -> Result<Booked>;
    /// Moves an appointment to another slot of its timebook in one transaction: the new place
    /// taken and the old one freed together. The appointment keeps its id.
    async fn move_appointment(
        &self,
        caller: &Caller,
        request: &MoveRequest,
    ) -> Result<AppointmentId>;
    /// Cancels an appointment and frees its place.
    async fn cancel(&self, caller: &Caller, request: &CancelRequest) -> Result<AppointmentId>;
}

/// The inputs every program takes from its caller, at the store's `now`.
pub(crate) fn caller_inputs(caller: &Caller, now: i64) -> Env {
    let (all_clinics, clinic) = match caller.reach {
        Reach::Everywhere => (true, None),
        Reach::Clinic(clinic) => (false, Some(clinic.0)),
        Reach::Nowhere => (false, None),
    };
    let (any_patient, only_patient) = match &caller.patients {
        Patients::Any => (true, None),
        Patients::Only(patient) => (false, Some(patient.as_str())),
    };
    Env::new()
        .with("now", now)
        .with("actor_kind", caller.actor.kind())
        .with("actor_id", caller.actor.identifier())
        .with("all_clinics", all_clinics)
        .with("clinic", clinic)
        .with("any_patient", any_patient)
        .with("only_patient", only_patient)
        .with("self_service", caller.policy == Policy::SelfService)
        .with(
            "representative",
            caller.representative_id().map(NationalId::as_str),
        )
}

/// A unique key violation: two first tries of one Idempotency-Key for different patients
/// raced, and the other committed first.
pub(crate) fn is_unique_violation(error: &StoreError) -> bool {
    matches!(error, StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation())
}

impl<D: Database> SqlStore<D> {
    /// Books as [`Booking::book`] does; with `answering`, the patient's open request for a
    /// time (timeønske) is answered by the booking in its own transaction, and a request no
    /// longer open refuses it (`Stale`).
    pub(crate) async fn book_answering(
        &self,
        caller: &Caller,
        request: &BookRequest,
        answering: Option<i64>,
    ) -> Result<Booked> {
        let booking = self.book_unmeasured(caller, request, answering);
        crate::measure::booking(Operation::Book, caller, booking).await
    }

    async fn book_unmeasured(
        &self,
        caller: &Caller,
        request: &BookRequest,
        answering: Option<i64>,
    ) -> Result<Booked> {
        let key = request.idempotency.as_ref();
        let inputs = || {
            caller_inputs(caller, self.now().as_second())
                .with("slot", request.slot.0)
                .with("patient", request.patient.as_str())
                .with("reason", request.reason.as_str())
                .with("appointment_type", request.appointment_type.map(|y| y.0))
                .with("hold", request.hold.map(|h| h.0))
                .with("idem_client", key.map(|k| k.client.as_str()))
                .with("idem_key", key.map(|k| k.key.as_str()))
                .with("fingerprint", key.map(|k| k.fingerprint.as_str()))
                .with("request", answering)
        };
        let answer = match self.db.run(&programs::BOOK, inputs()).await {
            // The other try's key is there now: asked again, the program answers from it.
            Err(error) if key.is_some() && is_unique_violation(&error) => {
                self.db.run(&programs::BOOK, inputs()).await?
            }
            answer => answer?,
        };
        let replayed = answer.outcome == "replayed";
        let id = answer.id(&["booked", "replayed"])?;
        Ok(Booked {
            id: AppointmentId(id),
            replayed,
        })
    }
}

#[async_trait]
impl<D: Database> Booking for SqlStore<D> {
    async fn hold(&self, caller: &Caller, request: &HoldRequest) -> Result<Hold> {
        crate::measure::booking(
            Operation::Hold,
            caller,
            self.hold_unmeasured(caller, request),
        )
        .await
    }

    async fn book(&self, caller: &Caller, request: &BookRequest) -> Result<Booked> {
        self.book_answering(caller, request, None).await
    }

    async fn move_appointment(
        &self,
        caller: &Caller,
        request: &MoveRequest,
    ) -> Result<AppointmentId> {
        let moving = self.move_unmeasured(caller, request);
        crate::measure::booking(Operation::Move, caller, moving).await
    }

    async fn cancel(&self, caller: &Caller, request: &CancelRequest) -> Result<AppointmentId> {
        let cancelling = self.cancel_unmeasured(caller, request);
        crate::measure::booking(Operation::Cancel, caller, cancelling).await
    }
}

/// The operations themselves; [`Booking`] counts and times each.
impl<D: Database> SqlStore<D> {
    async fn hold_unmeasured(&self, caller: &Caller, request: &HoldRequest) -> Result<Hold> {
        let now = self.now();
        let expires_at = now.saturating_add(self.settings.hold_for).unwrap_or(now);
        let env = caller_inputs(caller, now.as_second())
            .with("slot", request.slot.0)
            .with("patient", request.patient.as_str())
            .with("hold_until", expires_at.as_second())
            .with("moving", request.moving.map(|a| a.0))
            .with("appointment_type", request.appointment_type.map(|y| y.0))
            .with(
                "referral_source",
                request.referral.as_ref().and_then(|r| r.source()),
            )
            .with(
                "booking_referral",
                request.referral.as_ref().and_then(|r| r.referral()),
            );
        let id = self.db.run(&programs::HOLD, env).await?.id(&["held"])?;
        Ok(Hold {
            id: HoldId(id),
            slot_id: request.slot,
            expires_at: crate::rows::instant(expires_at.as_second(), "slot_hold.expires_at")?,
        })
    }

    async fn move_unmeasured(
        &self,
        caller: &Caller,
        request: &MoveRequest,
    ) -> Result<AppointmentId> {
        let env = caller_inputs(caller, self.now().as_second())
            .with("appointment", request.appointment.0)
            .with("slot", request.to.0)
            .with("hold", request.hold.map(|h| h.0))
            .with("version", request.version);
        let id = self.db.run(&programs::MOVE, env).await?.id(&["moved"])?;
        Ok(AppointmentId(id))
    }

    async fn cancel_unmeasured(
        &self,
        caller: &Caller,
        request: &CancelRequest,
    ) -> Result<AppointmentId> {
        let (status, job, action) = match caller.policy {
            Policy::SelfService => (
                domain::AppointmentStatus::CancelledByPatient,
                NotificationKind::CancelledByPatient,
                AuditAction::AppointmentCancelledByPatient,
            ),
            Policy::Office => (
                domain::AppointmentStatus::CancelledByClinic,
                NotificationKind::CancelledByClinic,
                AuditAction::AppointmentCancelledByClinic,
            ),
        };
        let mut env = caller_inputs(caller, self.now().as_second())
            .with("appointment", request.appointment.0)
            .with("version", request.version)
            .with("status", status.code())
            .with("job_kind", job.code())
            .with("action", action.code());
        env.set(
            "reason",
            Value::Text(request.reason.as_ref().map(|r| r.as_str().to_owned())),
        );
        let id = self
            .db
            .run(&programs::CANCEL, env)
            .await?
            .id(&["cancelled"])?;
        Ok(AppointmentId(id))
    }
}
