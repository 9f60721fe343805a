//! The patient's notification settings and the outbox the notification worker drains.
//!
//! Jobs are written by the changes that cause them, in the same transaction: the booking
//! core's programs for appointments, messages for replies.
//! A worker claims due jobs with a lease: the claim commits before anything is sent, so a
//! send never holds a database transaction open, and a worker that dies mid-batch leaves
//! jobs that become claimable again when their lease runs out. Only the worker holding a
//! job's current claim token may record its outcome. On PostgreSQL claims skip rows another
//! worker is claiming (`FOR UPDATE SKIP LOCKED`); SQLite's write transaction is exclusive.

mod contacts;
mod notices;
mod outbox;

pub use contacts::ContactPreferences;
pub use notices::NoticeSettings;
pub(crate) use notices::give_default_reminders;
pub use outbox::Outbox;

use crate::{NotificationKind, PlannedAppointment};
use domain::{
    AppointmentId, Channel, ClinicName, ContactSettings, InvitationMessage, PersonName,
    PushSubscription, ThreadId, TimebookId, TimebookKind,
};
use jiff::Timestamp;

/// Everything about notifying patients: how to reach them, what each timebook sends, and the
/// outbox.
pub trait Notifications: ContactPreferences + NoticeSettings + Outbox {}

impl<T: ContactPreferences + NoticeSettings + Outbox> Notifications for T {}

/// A push subscription as stored, one per device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPushSubscription {
    pub id: i64,
    pub subscription: PushSubscription,
    /// What the browser said it is, to tell the patient's devices apart.
    pub device: String,
    pub created_at: Timestamp,
}

/// A job a worker has claimed. `attempt` counts this try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    pub id: i64,
    pub kind: NotificationKind,
    /// The appointment the job is about, or else…
    pub appointment_id: Option<AppointmentId>,
    /// …the message thread (a reply from the clinic), or…
    pub thread_id: Option<ThreadId>,
    /// …the invitation (innkalling), or…
    pub invitation_id: Option<i64>,
    /// …the place the waitlist offers (venteliste).
    pub waitlist_offer_id: Option<i64>,
    /// A FHIR Subscription's notification of the appointment's change, instead of the
    /// patient's notice.
    pub subscription_id: Option<i64>,
    pub attempt: u32,
    pub token: String,
}

/// Everything needed to post one FHIR Subscription notification.
#[derive(Debug, Clone)]
pub struct HookDelivery {
    pub subscription: crate::StoredSubscription,
    /// The `Authorization` header's value to post with.
    pub authorization: Option<String>,
    /// The event's number in the subscription's order.
    pub event_number: i64,
    /// When the change happened.
    pub at: Timestamp,
    /// What the change was.
    pub kind: NotificationKind,
    /// The appointment as it is now.
    pub appointment: crate::AppointmentRecord,
}

/// Everything needed to write and send one notification.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The first name of the person the notice is about.
    pub first_name: PersonName,
    /// The notice goes to someone acting for that person (a parent, or with fullmakt), whose
    /// contact settings these are: it names the person instead of addressing them.
    pub on_behalf: bool,
    pub settings: ContactSettings,
    pub push: Vec<StoredPushSubscription>,
    pub clinic_name: ClinicName,
    /// The appointment, for every kind but a reply to a message and an invitation.
    pub appointment: Option<PlannedAppointment>,
    /// The invitation, for an invitation and its reminder.
    pub invitation: Option<InvitationNotice>,
    /// The place offered, for a waitlist offer.
    pub waitlist_offer: Option<WaitlistOfferNotice>,
}

/// What a waitlist offer's notice says: the time and place held for the patient, until when,
/// and whether it is still open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitlistOfferNotice {
    /// The offer's id, for its link (`/venteliste/tilbud/{id}`).
    pub id: i64,
    pub kind: TimebookKind,
    pub start: Timestamp,
    pub address: domain::Address,
    /// Until when the place is held.
    pub expires_at: Timestamp,
    /// Answered, expired or lapsed before its notice went out: the notice goes nowhere.
    pub closed: bool,
}

/// What an invitation's notice says: which timebook, from which day, the office's words, and
/// whether it is still open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationNotice {
    pub timebook_id: TimebookId,
    pub kind: TimebookKind,
    /// The first local day the invitation covers, where its link opens «Velg time».
    pub first_day: jiff::civil::Date,
    /// The office's message; the clinic's words, but never logged.
    pub message: Option<InvitationMessage>,
    /// Answered by a booking, or past its last day: a reminder then goes nowhere.
    pub closed: bool,
}

/// Why a job ended without a notice going out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The patient has given no address for any channel.
    NoAddress,
    /// A reminder for an appointment that is no longer booked.
    NotBooked,
    /// A reminder that could only be sent after the appointment began.
    TooLate,
    /// A subscription's notification after its client deleted the subscription.
    SubscriptionOff,
    /// An invitation's reminder after the patient booked, or after the invitation expired.
    InvitationClosed,
    /// A waitlist offer answered, expired or lapsed before its notice went out.
    OfferClosed,
}

impl SkipReason {
    pub fn code(self) -> &'static str {
        match self {
            Self::NoAddress => "no_address",
            Self::NotBooked => "not_booked",
            Self::TooLate => "too_late",
            Self::SubscriptionOff => "subscription_off",
            Self::InvitationClosed => "invitation_closed",
            Self::OfferClosed => "offer_closed",
        }
    }
}

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    Sent(Channel),
    /// A subscription's notification, taken by the subscriber's endpoint.
    Posted,
    Skipped(SkipReason),
}

/// A job that used up its tries, for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedJob {
    pub id: i64,
    pub kind: NotificationKind,
    pub clinic_name: String,
    pub channel: Option<Channel>,
    /// The FHIR Subscription the notification was for, when it was one.
    pub subscription_id: Option<i64>,
    pub attempts: u32,
    pub last_error: String,
    pub created_at: Timestamp,
    pub failed_at: Timestamp,
}

/// How many jobs are in each state; the operator's page and the metrics show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxCounts {
    /// Waiting for their first or next try, or being sent.
    pub pending: u64,
    pub sent: u64,
    pub skipped: u64,
    pub failed: u64,
    /// When the oldest pending job was written: how far behind the worker is.
    pub oldest_pending: Option<Timestamp>,
}
