//! Timebok's storage: one [`Store`] interface in domain terms, on SQLite or PostgreSQL.
//!
//! The patient side (the portal, the FHIR API) reaches clinic data only through the operations
//! named after the messages a real journal system answers: [`Store::free_slots`]
//! (HentLedigeTimer), [`Store::reserve`] (ReserverAvtale), [`Store::cancel_by_clinic`]
//! (AvbestillAvtale) and [`Store::planned_appointments`] (HentPlanlagteTimer).
//!
//! Both backends share one implementation of the SQL (see `sql.rs`); only connection set-up,
//! the write transaction's `BEGIN` and row locking differ.

mod client_bookings;
mod clock;
mod error;
mod logins;
mod messages;
mod model;
mod notifications;
mod postgres;
mod rows;
mod schedules;
mod sql;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;

pub use client_bookings::{ClientBookings, IDEMPOTENCY_KEY_SECONDS};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::StoreError;
pub use logins::{LoginAttempt, LoginFlow, Logins, StaffAccess};
pub use messages::{Message, Messaging, Sender, Thread, ThreadSummary};
pub use model::{
    AppointmentRecord, AuditFilter, ClientCancel, ClinicAppointment, FreeSlot, Hold, Idempotency,
    Integrity, NewSlot, NotificationKind, OnBehalf, OutboxJob, PlannedAppointment, PublishReport,
    ReserveRequest, Reserved, StoreSettings, StoredTemplate,
};
pub use notifications::{
    ClaimedJob, Delivery, FailedJob, JobOutcome, Notifications, OutboxCounts, SkipReason,
    StoredPushSubscription,
};
pub use postgres::PostgresStore;
pub use schedules::{CatalogueEntry, FeedSlot, Schedules, SlotCursor, SlotFeed};
pub use sqlite::SqliteStore;

use async_trait::async_trait;
use domain::{
    Actor, Address, Appointment, AppointmentId, AuditEvent, Block, BlockReason, BookingRules,
    CancelReason, Clinic, ClinicId, ClinicName, Description, HerId, InfoText, Location, NationalId,
    Patient, PersonName, Resource, ResourceId, ResourceName, Slot, SlotId, SlotTemplate,
    TemplateId, Timebook, TimebookId, TimebookKind,
};
use jiff::civil::Date;
use std::sync::Arc;

pub type Result<T> = std::result::Result<T, StoreError>;

/// The longest range one free-slot query may cover.
pub const MAX_QUERY_DAYS: i32 = 62;

#[async_trait]
pub trait Store:
    Notifications + Messaging + Logins + Schedules + ClientBookings + Send + Sync
{
    /// Brings the schema up to date. Safe to run from several processes at once.
    async fn migrate(&self) -> Result<()>;
    /// Whether the database answers.
    async fn ping(&self) -> Result<()>;
    /// Which backend this is, for logs and the readiness answer.
    fn backend(&self) -> &'static str;

    // --- The register and the clinic's set-up -------------------------------------------

    /// Creates the clinic or, when its HER-id is known, updates its name and info text.
    async fn save_clinic(
        &self,
        actor: &Actor,
        her_id: HerId,
        name: &ClinicName,
        info: &InfoText,
    ) -> Result<Clinic>;
    async fn clinic(&self, id: ClinicId) -> Result<Clinic>;
    async fn clinic_by_her_id(&self, her_id: HerId) -> Result<Option<Clinic>>;
    /// The clinic with this organisation number (the first by name, should several share one).
    async fn clinic_by_org_number(&self, org_number: &domain::OrgNumber) -> Result<Option<Clinic>>;
    /// Sets the organisation number the register keeps for a clinic.
    async fn set_org_number(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        org_number: &domain::OrgNumber,
    ) -> Result<Clinic>;
    /// Sets or clears the phone number the register keeps for a clinic.
    async fn set_phone(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        phone: Option<&domain::PhoneNumber>,
    ) -> Result<Clinic>;
    /// Every clinic in the register, by name.
    async fn clinics(&self) -> Result<Vec<Clinic>>;
    /// Switches a timebook kind on or off for a clinic; off hides it from patients at once.
    async fn set_service(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        kind: TimebookKind,
        enabled: bool,
    ) -> Result<()>;
    /// The kinds the clinic has switched on. A kind never switched is on.
    async fn enabled_services(&self, clinic_id: ClinicId) -> Result<Vec<TimebookKind>>;
    /// The patients on a clinic's list, by last name.
    async fn clinic_patients(&self, clinic_id: ClinicId) -> Result<Vec<Patient>>;
    async fn save_location(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        address: &Address,
    ) -> Result<Location>;
    /// Creates the clinic's timebook of `kind` or updates its rules.
    async fn save_timebook(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        kind: TimebookKind,
        rules: BookingRules,
    ) -> Result<Timebook>;
    async fn timebooks(&self, clinic_id: ClinicId) -> Result<Vec<Timebook>>;
    async fn save_resource(
        &self,
        actor: &Actor,
        timebook_id: TimebookId,
        name: &ResourceName,
        description: &Description,
        location: &Location,
    ) -> Result<Resource>;
    async fn resources(&self, timebook_id: TimebookId) -> Result<Vec<Resource>>;
    /// Puts a patient on the clinic's list (fastlegeliste), moving them from another office's
    /// list if need be: a person has one GP office.
    async fn list_patient(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patient: &NationalId,
        first: &PersonName,
        last: &PersonName,
    ) -> Result<Patient>;
    async fn unlist_patient(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patient: &NationalId,
    ) -> Result<()>;
    /// The patient and the GP office whose list they are on.
    async fn patient(&self, patient: &NationalId) -> Result<Option<Patient>>;

    // --- Publication ----------------------------------------------------------------------

    /// Stores a template, unpublished. The same template stored twice is one template.
    async fn create_template(
        &self,
        actor: &Actor,
        resource_id: ResourceId,
        template: &SlotTemplate,
    ) -> Result<TemplateId>;
    async fn template(&self, id: TemplateId) -> Result<StoredTemplate>;
    /// The clinic's templates, newest first.
    async fn templates(&self, clinic_id: ClinicId) -> Result<Vec<StoredTemplate>>;
    /// Creates and publishes the template's future slots. Publishing again creates nothing twice.
    async fn publish_template(&self, actor: &Actor, id: TemplateId) -> Result<PublishReport>;
    /// Unpublishes the template's future slots; appointments already made stay.
    async fn unpublish_template(&self, actor: &Actor, id: TemplateId) -> Result<u64>;
    /// Creates one published slot.
    async fn add_slot(&self, actor: &Actor, slot: NewSlot) -> Result<Slot>;
    async fn set_slot_published(&self, actor: &Actor, id: SlotId, published: bool) -> Result<Slot>;
    async fn slot(&self, id: SlotId) -> Result<Slot>;
    /// The clinic's slots starting on a local date, by start.
    async fn day_slots(&self, clinic_id: ClinicId, day: Date) -> Result<Vec<Slot>>;
    /// Deletes a slot of the clinic that has never had an appointment.
    async fn delete_slot(&self, actor: &Actor, clinic_id: ClinicId, id: SlotId) -> Result<()>;

    // --- The patient side: the journal system's messages -------------------------------------

    /// HentLedigeTimer: the slots `patient` may book in a timebook between two local dates,
    /// both included. Refused for a blocked patient and for one not on the clinic's list.
    async fn free_slots(
        &self,
        patient: &NationalId,
        timebook_id: TimebookId,
        from: Date,
        to: Date,
    ) -> Result<Vec<FreeSlot>>;
    /// Holds a place in a slot for the patient for the configured time, releasing any other
    /// hold they have in the same timebook.
    async fn hold_slot(&self, patient: &NationalId, slot_id: SlotId) -> Result<Hold>;
    /// ReserverAvtale: books the slot. One transaction covers the slot's count, the
    /// appointment, the notification job and the audit event.
    async fn reserve(&self, request: &ReserveRequest) -> Result<Appointment>;
    /// The patient cancels their own appointment, before the timebook's deadline.
    async fn cancel_by_patient(
        &self,
        patient: &NationalId,
        id: AppointmentId,
    ) -> Result<Appointment>;
    /// AvbestillAvtale: the clinic cancels an appointment at any time.
    async fn cancel_by_clinic(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        id: AppointmentId,
        reason: Option<&CancelReason>,
    ) -> Result<Appointment>;
    /// HentPlanlagteTimer: the patient's booked appointments that have not started yet.
    async fn planned_appointments(&self, patient: &NationalId) -> Result<Vec<PlannedAppointment>>;
    /// All the patient's appointments, of every status, the latest first.
    async fn appointment_history(&self, patient: &NationalId) -> Result<Vec<PlannedAppointment>>;
    async fn appointment(&self, id: AppointmentId) -> Result<Appointment>;

    // --- Patients' sessions ---------------------------------------------------------------

    /// Starts a session for a logged-in patient. `token_hash` is a hash of the cookie's
    /// token, so that the table cannot be used to take over sessions.
    async fn open_session(
        &self,
        token_hash: &str,
        patient: &NationalId,
        lifetime: jiff::SignedDuration,
    ) -> Result<()>;
    /// The patient of a live session.
    async fn session_patient(&self, token_hash: &str) -> Result<Option<NationalId>>;
    async fn close_session(&self, token_hash: &str) -> Result<()>;

    // --- Staff and operator ------------------------------------------------------------------

    /// Starts a session for a staff member (`Actor::Staff`) or the operator (`Actor::Operator`).
    async fn open_staff_session(
        &self,
        token_hash: &str,
        who: &Actor,
        lifetime: jiff::SignedDuration,
    ) -> Result<()>;
    async fn staff_session(&self, token_hash: &str) -> Result<Option<Actor>>;
    async fn close_staff_session(&self, token_hash: &str) -> Result<()>;
    /// The clinic's appointments starting between two local dates, both included, for its
    /// staff. Each patient shown is an audited access.
    async fn clinic_appointments(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        from: Date,
        to: Date,
    ) -> Result<Vec<ClinicAppointment>>;
    /// Marks a booked appointment fulfilled or no-show.
    async fn set_appointment_outcome(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        id: AppointmentId,
        outcome: domain::AppointmentStatus,
    ) -> Result<Appointment>;
    /// Records that staff saw a patient's data, where no other operation does.
    async fn record_view(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patient: &NationalId,
        action: domain::AuditAction,
        subject: &str,
    ) -> Result<()>;

    // --- Blocking ----------------------------------------------------------------------------

    /// Blocks a patient at one clinic and releases their holds there.
    async fn block_patient(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patient: &NationalId,
        reason: &BlockReason,
    ) -> Result<Block>;
    async fn unblock_patient(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patient: &NationalId,
    ) -> Result<()>;
    async fn blocks(&self, clinic_id: ClinicId) -> Result<Vec<Block>>;

    // --- Audit, outbox, integrity ------------------------------------------------------------

    async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>>;
    /// The notification jobs written for an appointment, oldest first.
    async fn outbox_jobs(&self, appointment: AppointmentId) -> Result<Vec<OutboxJob>>;
    async fn integrity(&self) -> Result<Integrity>;
}

/// Opens the store a URL names: `sqlite://path` or `postgres://…`. Does not migrate.
pub async fn open(
    url: &str,
    settings: StoreSettings,
    clock: Arc<dyn Clock>,
) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url, settings, clock).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(
            PostgresStore::connect(url, settings, clock).await?,
        ))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}
