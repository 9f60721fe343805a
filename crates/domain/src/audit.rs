use crate::{ClinicId, NationalId};
use jiff::Timestamp;

/// Who did something. Every change, and every staff read of a patient's data, names one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Patient(NationalId),
    /// A person acting for another: a parent for their child, or someone with fullmakt. The
    /// audit entry's patient is the person they act for, so the entry names both.
    Representative(NationalId),
    Staff {
        clinic_id: ClinicId,
        user: String,
    },
    Operator {
        user: String,
    },
    /// A machine client of the FHIR API (a journal system, the national portal, a vaccine
    /// finder), by the name it was configured or registered with.
    Client {
        name: String,
    },
    /// Timebok itself, e.g. the demo seeder or an expiry sweep.
    System,
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Patient(_) => "patient",
            Self::Representative(_) => "representative",
            Self::Staff { .. } => "staff",
            Self::Operator { .. } => "operator",
            Self::Client { .. } => "client",
            Self::System => "system",
        }
    }

    /// The actor's identifier as stored in the audit log (inside the database, never in logs).
    pub fn identifier(&self) -> &str {
        match self {
            Self::Patient(id) | Self::Representative(id) => id.as_str(),
            Self::Staff { user, .. } | Self::Operator { user } => user,
            Self::Client { name } => name,
            Self::System => "timebok",
        }
    }
}

macro_rules! actions {
    ($($variant:ident => $code:literal),* $(,)?) => {
        /// What an audit event records.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction { $($variant),* }

        impl AuditAction {
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),* }
            }

            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

actions! {
    ClinicSaved => "clinic.saved",
    ServiceSwitched => "clinic.service_switched",
    PatientListViewed => "patient_list.viewed",
    AuditRead => "audit.read",
    TimebookSaved => "timebook.saved",
    TimebookNoticesSaved => "timebook.notices_saved",
    LocationSaved => "location.saved",
    ResourceSaved => "resource.saved",
    AppointmentTypeSaved => "appointment_type.saved",
    PatientListed => "patient.listed",
    PatientUnlisted => "patient.unlisted",
    PatientListImported => "patient_list.imported",
    PractitionerSaved => "practitioner.saved",
    PractitionerListChanged => "practitioner.list_changed",
    TemplateCreated => "template.created",
    TemplatePublished => "template.published",
    TemplateUnpublished => "template.unpublished",
    SlotCreated => "slot.created",
    SlotDeleted => "slot.deleted",
    SlotPublished => "slot.published",
    SlotUnpublished => "slot.unpublished",
    SlotChanged => "slot.changed",
    SlotHeld => "slot.held",
    AppointmentBooked => "appointment.booked",
    AppointmentCancelledByPatient => "appointment.cancelled_by_patient",
    AppointmentCancelledByClinic => "appointment.cancelled_by_clinic",
    AppointmentMoved => "appointment.moved",
    PatientLoggedIn => "patient.logged_in",
    StaffLoggedIn => "staff.logged_in",
    StaffLoggedOut => "staff.logged_out",
    AppointmentViewed => "appointment.viewed",
    BlockViewed => "block.viewed",
    AppointmentFulfilled => "appointment.fulfilled",
    AppointmentNoShow => "appointment.no_show",
    PatientLoggedOut => "patient.logged_out",
    PatientBlocked => "patient.blocked",
    PatientUnblocked => "patient.unblocked",
    ContactSettingsSaved => "contact_settings.saved",
    PushSubscribed => "push.subscribed",
    PushUnsubscribed => "push.unsubscribed",
    NotificationRetried => "notification.retried",
    MessageSent => "message.sent",
    MessageReplied => "message.replied",
    MessageDeletedByPatient => "message.deleted_by_patient",
    ThreadViewed => "thread.viewed",
    ThreadListed => "thread.listed",
    ThreadClosed => "thread.closed",
    AccessGranted => "access.granted",
    AccessRevoked => "access.revoked",
    LoginRefused => "login.refused",
    PatientFound => "patient.found",
    UsageViewed => "usage.viewed",
    InvitationSent => "invitation.sent",
    InvitationReminded => "invitation.reminded",
    InvitationsViewed => "invitation.viewed",
    ActingFor => "representation.acting_for",
    RelationsImported => "representation.imported",
    RelationRemoved => "representation.removed",
    RelationsViewed => "representation.viewed",
    RelationsClaimed => "representation.claimed",
    CalendarLinkCreated => "calendar_link.created",
    CalendarLinkReplaced => "calendar_link.replaced",
    CalendarLinkRevoked => "calendar_link.revoked",
    WaitlistJoined => "waitlist.joined",
    WaitlistLeft => "waitlist.left",
    WaitlistOffered => "waitlist.offered",
    WaitlistOfferDeclined => "waitlist.offer_declined",
    WaitlistViewed => "waitlist.viewed",
    RequestSent => "request.sent",
    RequestAnsweredWithAppointment => "request.answered_with_appointment",
    RequestReplied => "request.replied",
    RequestViewed => "request.viewed",
    BookingModeSaved => "timebook.booking_mode_saved",
    RetentionApplied => "retention.applied",
}

/// One append-only entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub at: Timestamp,
    pub actor: Actor,
    pub action: AuditAction,
    pub clinic_id: Option<ClinicId>,
    pub patient: Option<NationalId>,
    /// What was acted on, e.g. `appointment:12`.
    pub subject: String,
}
