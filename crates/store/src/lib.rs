//! Timebok's storage: one [`Store`] interface in domain terms, on SQLite or PostgreSQL.
//!
//! The patient side (the portal, the FHIR API) reaches clinic data only through the operations
//! named after the messages a real journal system answers: [`Store::free_slots`]
//! (HentLedigeTimer), [`Booking::book`] (ReserverAvtale), [`Booking::cancel`]
//! (AvbestillAvtale) and [`Store::planned_appointments`] (HentPlanlagteTimer). Every hold,
//! booking, move and cancellation goes through the booking core, [`Booking`].
//!
//! Both backends share one implementation of the SQL; only connection set-up, the write
//! transaction's `BEGIN`, row locking and how a booking program runs differ (see `db/`).

mod booking;
mod clock;
mod db;
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

pub use booking::{
    BookRequest, Booked, Booking, CancelRequest, HoldRequest, KEY_LIFETIME_SECONDS, MAX_QUERY_DAYS,
    MoveRequest, Offer, OfferedSlot, OfferedTimebook, Offers,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::StoreError;
pub use logins::{LoginAttempt, LoginFlow, Logins, StaffAccess};
pub use messages::{Message, Messaging, Sender, Thread, ThreadSummary};
pub use model::{
    AppointmentRecord, AuditFilter, ClinicAppointment, FreeSlot, Hold, Idempotency, Integrity,
    NewSlot, NotificationKind, OutboxJob, PlannedAppointment, PublishReport, StoreSettings,
    StoredTemplate,
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
    Clinic, ClinicId, ClinicName, Description, HerId, InfoText, Location, NationalId, Patient,
    PersonName, Resource, ResourceId, ResourceName, Slot, SlotId, SlotTemplate, TemplateId,
    Timebook, TimebookId, TimebookKind,
};
use jiff::civil::Date;
use std::sync::Arc;

pub type Result<T> = std::result::Result<T, StoreError>;

/// The store on a SQL database: every operation is written once over [`db::Database`], which
/// SQLite and PostgreSQL each implement.
pub struct SqlStore<D> {
    pub(crate) db: D,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings: StoreSettings,
    pub(crate) zone: jiff::tz::TimeZone,
}

impl<D> SqlStore<D> {
    /// The store's clock: booking windows, holds and deadlines are all read against it.
    pub(crate) fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }
}

#[async_trait]
pub trait Store:
    Booking + Offers + Notifications + Messaging + Logins + Schedules + Send + Sync
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
