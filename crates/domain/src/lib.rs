//! Timebok's domain: the validated types and rules of a *ressurstimebok*.
//!
//! Every type here is parsed from untrusted input once and cannot hold a bad value afterwards
//! ("parse, don't validate"), so no layer above can forget a check. Nothing in this crate does
//! I/O or is async.

mod appointment;
mod appointment_type;
mod audit;
mod booking;
mod clinic;
mod contact;
mod error;
mod her_id;
mod ics;
mod ids;
mod invitation;
mod municipality;
mod national_id;
mod org_number;
mod patient;
mod practitioner;
mod push_target;
mod referral;
mod reminders;
mod representation;
mod retention;
mod return_path;
mod rules;
mod slot;
mod template;
mod text;
mod time;
mod timebook;
mod waitlist;

pub use appointment::{Appointment, AppointmentStatus};
pub use appointment_type::{AppointmentType, Attendance};
pub use audit::{Actor, AuditAction, AuditEvent};
pub use booking::{Caller, Patients, Policy, Reach, Refusal};
pub use clinic::{Block, Clinic, Location, Resource};
pub use contact::{
    Channel, ContactSettings, EmailAddress, MobileNumber, PhoneNumber, PushSubscription,
};
pub use error::DomainError;
pub use her_id::HerId;
pub use ics::{CalendarEvent, CalendarFeed, calendar_feed, calendar_file};
pub use ids::{
    AppointmentId, AppointmentTypeId, ClinicId, HoldId, LocationId, MessageId, PractitionerId,
    ResourceId, SlotId, TemplateId, ThreadId, TimebookId,
};
pub use invitation::{
    DEFAULT_INVITATION_DAYS, InvitationDays, InvitationDaysError, MAX_INVITATION_DAYS,
};
pub use municipality::Municipality;
pub use national_id::{IdPolicy, NationalId, NationalIdKind};
pub use org_number::OrgNumber;
pub use patient::{Patient, PatientSearch};
pub use practitioner::{HprNumber, Practitioner};
pub use push_target::{
    AddressKind, BROWSER_PUSH_SERVICES, PushEndpoint, PushHost, PushTargetPolicy, PushTargetRefusal,
};
pub use referral::{MAX_REFERRAL_LENGTH, Referral};
pub use reminders::{
    ReminderOffset, ReminderOffsets, ReminderUnit, RemindersError, TimebookNotices,
};
pub use representation::{
    Access, FULL_ACCESS_BELOW_AGE, NO_ACCESS_FROM_AGE, RelationKind, access, access_ends, age_on,
};
pub use retention::{MIN_AUDIT_DAYS, RetentionError, RetentionPolicy};
pub use return_path::{ReturnPath, ReturnPathError};
pub use rules::BookingRules;
pub use slot::{Capacity, Slot, SlotLength};
pub use template::{PlannedSlot, SlotTemplate, Weekdays};
pub use text::{
    Address, AppointmentTypeName, BlockReason, CancelReason, ClinicName, Description, InfoText,
    InvitationMessage, MessageText, MunicipalityName, PersonName, Reason, ResourceName, Subject,
    TextField, count_characters, escape_xml, is_bidi_control, is_noncharacter,
};
pub use time::{
    EARLIEST_DATE, EARLIEST_INSTANT, END_INSTANT, LATEST_DATE, check_date, check_instant,
    clinic_time_zone, parse_date, parse_instant,
};
pub use timebook::{BookingMode, Timebook, TimebookKind};
pub use waitlist::{DEFAULT_WAITLIST_DAYS, MAX_WAITLIST_DAYS, WaitlistWish, WishError};
