//! Timebok's storage: one [`Store`] interface in domain terms, on SQLite or PostgreSQL.
//!
//! The patient side (the portal, the FHIR API) reaches clinic data only through the operations
//! named after the messages a real journal system answers: [`Store::free_slots`]
//! (HentLedigeTimer), [`Booking::book`] (ReserverAvtale), [`Booking::cancel`]
//! (AvbestillAvtale) and [`Store::planned_appointments`] (HentPlanlagteTimer). Every hold,
//! booking, move and cancellation goes through the booking core, [`Booking`].
//!
//! Both backends share one implementation of the SQL; only connection set-up, migrations, the
//! write transaction's `BEGIN`, row locking and how a booking program runs differ (see `db/`).

mod audit;
mod booking;
mod calendar_links;
mod clock;
mod db;
mod desk;
mod dpop_proofs;
mod error;
mod invitations;
pub mod measure;
mod messages;
mod model;
mod notifications;
mod postgres;
mod publication;
mod rate_counts;
mod register;
mod representation;
mod requests;
mod retention;
mod rows;
mod schedules;
mod sessions;
mod sqlite;
mod subscriptions;
#[cfg(feature = "testing")]
pub mod testing;
mod usage;
mod waitlist;

pub use audit::Audit;
pub use booking::{
    Appointments, BookRequest, Booked, Booking, CALENDAR_LINK_PAST_DAYS, Calendar, CalendarRequest,
    CancelRequest, HoldRequest, KEY_LIFETIME_SECONDS, MAX_QUERY_DAYS, MoveRequest, Offer,
    OfferedSlot, OfferedTimebook, Offers, Referrals, ReferredBookings,
};
pub use calendar_links::{CalendarLink, CalendarLinks, LinkedCalendar};
pub use clock::{Clock, ManualClock, SystemClock};
pub use db::waits::LONG_WAIT as LONG_CONNECTION_WAIT;
pub use desk::{Desk, FoundPatient, WeekAppointment, WeekSlot};
pub use dpop_proofs::DpopProofs;
pub use error::StoreError;
pub use invitations::{Invitation, InvitationState, Invitations, InviteReport, NewInvitations};
pub use messages::{
    ClinicMessages, Message, Messaging, PatientMessages, Sender, Thread, ThreadSummary,
};
pub use model::{
    AppointmentRecord, AuditFilter, BlockedPatient, BookedType, ChangeCursor, ChangeQuery,
    ClinicAppointment, FreeSlot, Hold, Idempotency, ImportCounts, Integrity, ListEntry, ListField,
    NewSlot, NotificationKind, OutboxJob, PatientPage, PlannedAppointment, PublishReport,
    SlotChange, SlotChanged, SlotSpec, StoreSettings, StoredTemplate,
};
pub use notifications::{
    ClaimedJob, ContactPreferences, Delivery, FailedJob, HookDelivery, InvitationNotice,
    JobOutcome, NoticeSettings, Notifications, Outbox, OutboxCounts, SkipReason,
    StoredPushSubscription, WaitlistOfferNotice,
};
pub use postgres::PostgresStore;
pub use publication::{Publication, Slots, Templates};
pub use rate_counts::{Hits, RateCounts};
pub use register::{
    Clinics, ListedPractitioner, NewAppointmentType, NewPlace, PatientList, Places, Practitioners,
    Register,
};
pub use representation::{
    NewRelation, Relation, RelationPage, RelationSource, Representations, Represented,
};
pub use requests::{AppointmentRequest, AppointmentRequests, NewRequest, RequestState, Sent};
pub use retention::{Retention, RetentionPass};
pub use schedules::{CatalogueEntry, FeedSlot, Schedules, SlotCursor, SlotFeed};
pub use sessions::{
    ActingFor, LiveSessions, PatientSessions, SessionCounts, SessionPatient, Sessions,
    StaffSessions,
};
pub use sessions::{LoginAttempt, LoginFlow, Logins, StaffAccess};
pub use sqlite::SqliteStore;
pub use subscriptions::{
    HookContent, HookStatus, NewSubscription, StoredSubscription, Subscriptions,
};
pub use usage::{
    MAX_USAGE_WEEKS, PlaceUsage, Usage, UsageCounts, UsageQuery, UsageReport, monday_of,
    weeks_between,
};
pub use waitlist::{
    EntryState, JoinWaitlist, Joined, OfferRound, OfferState, OpenOffer, Waitlist, WaitlistEntry,
    WaitlistOffer,
};

use async_trait::async_trait;
use db::{Database, Executor, q};
use std::sync::Arc;

pub type Result<T> = std::result::Result<T, StoreError>;

/// The patient a caller acts on outside the booking core (messages, a calendar link): the
/// patient themself, or the person a representative acts for, whom the web layer checked the
/// relation to. A caller for any patient (staff, a client) has no one patient here.
pub(crate) fn own_patient(caller: &domain::Caller) -> Result<&domain::NationalId> {
    match &caller.patients {
        domain::Patients::Only(patient) => Ok(patient),
        domain::Patients::Any => Err(StoreError::NotFound("patient")),
    }
}

/// The store on a SQL database: every operation is written once over [`db::Database`], which
/// SQLite and PostgreSQL each implement.
pub struct SqlStore<D> {
    pub(crate) db: D,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings: StoreSettings,
    pub(crate) zone: jiff::tz::TimeZone,
}

impl<D> SqlStore<D> {
    fn new(db: D, settings: StoreSettings, clock: Arc<dyn Clock>) -> Result<Self> {
        Ok(Self {
            db,
            clock,
            settings,
            zone: domain::clinic_time_zone()?,
        })
    }

    /// The store's clock: booking windows, holds and deadlines are all read against it.
    pub(crate) fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }
}

/// The whole store, area by area; each area is a trait of its own (and most are made of
/// smaller ones, one per concern).
#[async_trait]
pub trait Store:
    Register
    + Publication
    + Booking
    + Desk
    + Offers
    + Appointments
    + Referrals
    + Schedules
    + Sessions
    + Messaging
    + Notifications
    + Audit
    + RateCounts
    + DpopProofs
    + Subscriptions
    + Usage
    + Invitations
    + Representations
    + CalendarLinks
    + Waitlist
    + AppointmentRequests
    + Retention
    + Send
    + Sync
{
    /// Brings the schema up to date. Safe to run from several processes at once.
    async fn migrate(&self) -> Result<()>;
    /// Whether the database answers.
    async fn ping(&self) -> Result<()>;
    /// Which backend this is, for logs and the readiness answer.
    fn backend(&self) -> &'static str;
    /// How many times since the process started a statement waited longer than
    /// [`LONG_CONNECTION_WAIT`] for a database connection.
    fn long_connection_waits(&self) -> u64;
    /// Writes a consistent copy of the whole database to the new file `to`, while the store
    /// serves: SQLite's `VACUUM INTO` reads it in one transaction. PostgreSQL is backed up
    /// with its own tools instead.
    async fn backup(&self, to: &std::path::Path) -> Result<()>;
    /// The database pool's connections now.
    fn pool_status(&self) -> PoolStatus;
}

/// A database pool's connections at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// The most it opens (`max_connections`).
    pub max: u32,
    /// Open now, idle or in use.
    pub open: u32,
    /// Open and idle.
    pub idle: u32,
}

impl PoolStatus {
    pub fn in_use(self) -> u32 {
        self.open.saturating_sub(self.idle)
    }
}

#[async_trait]
impl<D: Database> Store for SqlStore<D> {
    async fn migrate(&self) -> Result<()> {
        self.db.migrate().await
    }

    async fn ping(&self) -> Result<()> {
        self.db.pool().execute(q("SELECT 1")).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        self.db.dialect().name()
    }

    fn long_connection_waits(&self) -> u64 {
        self.db.waits().long_waits()
    }

    async fn backup(&self, to: &std::path::Path) -> Result<()> {
        if self.db.dialect() != db::Dialect::Sqlite {
            return Err(StoreError::BackupByPgDump);
        }
        let path = to.to_str().ok_or(StoreError::BackupPath)?;
        self.db
            .pool()
            .execute(q("VACUUM INTO $1").bind(path))
            .await?;
        Ok(())
    }

    fn pool_status(&self) -> PoolStatus {
        self.db.pool_status()
    }
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
