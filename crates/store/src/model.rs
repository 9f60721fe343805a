//! What the store hands back beyond the domain's own types.

use domain::{
    AppointmentId, AuditAction, Capacity, ClinicId, ClinicName, HoldId, NationalId, Reason,
    ResourceId, ResourceName, SlotId, SlotLength, TemplateId, TimebookId, TimebookKind,
};
use jiff::{SignedDuration, Timestamp};

/// Settings the store applies to every operation.
#[derive(Debug, Clone, Copy)]
pub struct StoreSettings {
    /// How long a slot is held for a patient who is reviewing a booking.
    pub hold_for: SignedDuration,
    /// How long a freed place is held for the patient the waitlist offers it to.
    pub offer_for: SignedDuration,
    /// Connections in the pool.
    pub max_connections: u32,
    /// A session unused this long has ended, whatever its absolute expiry.
    pub session_idle: SignedDuration,
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            hold_for: SignedDuration::from_mins(5),
            offer_for: SignedDuration::from_mins(30),
            max_connections: 10,
            session_idle: SignedDuration::from_mins(30),
        }
    }
}

/// A slot a patient may book (HentLedigeTimer's answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeSlot {
    pub id: SlotId,
    pub resource_id: ResourceId,
    pub start: Timestamp,
    pub length: SlotLength,
    pub places_left: u16,
}

impl FreeSlot {
    pub fn end(&self) -> Timestamp {
        self.length.end_from(self.start)
    }
}

/// A patient's hold on a slot while they review the booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub id: HoldId,
    pub slot_id: SlotId,
    pub expires_at: Timestamp,
}

/// An `Idempotency-Key` and what the request it came with asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    /// The client the key belongs to: keys of different clients never meet.
    pub client: String,
    pub key: String,
    /// A digest of the request, so a key sent again with another request is refused.
    pub fingerprint: String,
}

/// An appointment with everything a machine client is shown of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentRecord {
    pub id: AppointmentId,
    /// Starts at 1 and grows by one with every change.
    pub version: i64,
    pub clinic_id: ClinicId,
    pub timebook_id: TimebookId,
    pub kind: TimebookKind,
    pub resource_id: ResourceId,
    pub location: domain::Location,
    pub slot_id: SlotId,
    pub start: Timestamp,
    pub length: SlotLength,
    pub patient: NationalId,
    pub reason: Reason,
    pub status: domain::AppointmentStatus,
    pub booked_at: Timestamp,
    /// The last change: booked, moved, cancelled, marked fulfilled or no-show.
    pub changed_at: Timestamp,
    pub cancelled_at: Option<Timestamp>,
    pub cancel_reason: Option<domain::CancelReason>,
    /// Until when the patient may cancel it themselves.
    pub cancel_until: Timestamp,
}

/// Where a page of the change feed ends: the next page starts after this change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeCursor {
    pub changed_at: Timestamp,
    pub id: AppointmentId,
}

/// A page of a clinic's appointments by last change, `[from, to)`, after `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeQuery {
    pub clinic: ClinicId,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub after: Option<ChangeCursor>,
    pub limit: u32,
}

impl AppointmentRecord {
    pub fn end(&self) -> Timestamp {
        self.length.end_from(self.start)
    }
}

/// One of a patient's appointments with what is needed to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAppointment {
    pub id: AppointmentId,
    pub clinic_id: ClinicId,
    pub clinic_name: ClinicName,
    pub timebook_id: TimebookId,
    pub kind: TimebookKind,
    pub resource_name: ResourceName,
    pub address: domain::Address,
    pub start: Timestamp,
    pub length: SlotLength,
    pub reason: Reason,
    pub status: domain::AppointmentStatus,
    /// Until when the patient may cancel it themselves.
    pub cancel_until: Timestamp,
    /// Starts at 1 and grows by one with every change.
    pub version: i64,
    /// The type it was booked as, in a timebook with types.
    pub appointment_type: Option<BookedType>,
}

/// The type of appointment a booking was made as, as the patient is shown it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookedType {
    pub id: domain::AppointmentTypeId,
    pub name: domain::AppointmentTypeName,
    pub attendance: domain::Attendance,
}

impl PlannedAppointment {
    pub fn end(&self) -> Timestamp {
        self.length.end_from(self.start)
    }

    /// The appointment as a calendar event: the same UID and sequence wherever it is written,
    /// so a calendar that has it from a file and from the feed keeps one entry, and replaces
    /// it when it moves or is cancelled. `summary` is its title in the reader's language.
    pub fn calendar_event<'a>(
        &'a self,
        summary: &'a str,
        stamp: Timestamp,
    ) -> domain::CalendarEvent<'a> {
        domain::CalendarEvent {
            uid: format!("appointment-{}@timebok", self.id.0),
            start: self.start,
            end: self.end(),
            summary,
            location: self.address.as_str(),
            cancelled: self.status.is_cancelled(),
            stamp,
            // The first version is the calendar's sequence 0.
            sequence: self.version - 1,
        }
    }

    /// The appointment as an .ics file, the same for the portal's download and the e-mail's
    /// attachment. `summary` is its title in the reader's language.
    pub fn calendar_file(
        &self,
        summary: &str,
        stamp: Timestamp,
        zone: &jiff::tz::TimeZone,
    ) -> String {
        domain::calendar_file(&self.calendar_event(summary, stamp), zone)
    }
}

/// The result of publishing a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PublishReport {
    /// Slots that did not exist before.
    pub created: usize,
    /// Slots of the template that existed and are now published.
    pub republished: usize,
    /// Slots the template describes that start in the past and were left out.
    pub skipped_past: usize,
    /// Slots left out because another slot of the resource starts at the same time.
    pub overlapping: usize,
}

/// A stored template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTemplate {
    pub id: TemplateId,
    pub timebook_id: TimebookId,
    pub resource_id: ResourceId,
    pub template: domain::SlotTemplate,
    pub published: bool,
}

/// A notification job waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxJob {
    pub id: i64,
    pub kind: NotificationKind,
    pub appointment_id: AppointmentId,
    pub created_at: Timestamp,
    /// A reminder's minutes before the start it was written for.
    pub minutes_before: Option<u32>,
}

/// Why a patient is to be notified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    Booked,
    CancelledByPatient,
    CancelledByClinic,
    /// The appointment moved to another slot («endret time»).
    Moved,
    /// A reminder at one of the timebook's chosen times before the appointment.
    Reminder,
    /// The clinic answered the patient's message.
    MessageReply,
    /// The office invites the patient to book a timebook (innkalling).
    Invited,
    /// The office reminds an invited patient who has not booked yet.
    InvitationReminder,
    /// A freed place is held for the patient first on the waitlist (venteliste).
    WaitlistOffer,
}

impl NotificationKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Booked => "appointment.booked",
            Self::CancelledByPatient => "appointment.cancelled_by_patient",
            Self::CancelledByClinic => "appointment.cancelled_by_clinic",
            Self::Moved => "appointment.moved",
            Self::Reminder => "appointment.reminder",
            Self::MessageReply => "message.reply",
            Self::Invited => "invitation.sent",
            Self::InvitationReminder => "invitation.reminder",
            Self::WaitlistOffer => "waitlist.offer",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [
            Self::Booked,
            Self::CancelledByPatient,
            Self::CancelledByClinic,
            Self::Moved,
            Self::Reminder,
            Self::MessageReply,
            Self::Invited,
            Self::InvitationReminder,
            Self::WaitlistOffer,
        ]
        .into_iter()
        .find(|kind| kind.code() == code)
    }
}

/// One patient of a list being imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    pub national_id: NationalId,
    pub first_name: domain::PersonName,
    pub last_name: domain::PersonName,
}

/// Which field of a patient of a list is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListField {
    /// Not a valid fødselsnummer or D-nummer.
    NationalId,
    FirstName,
    LastName,
}

impl ListEntry {
    /// A patient of a list as a file or a journal system gives it: the one reading of a list
    /// line's fields, for the register's import and the FHIR API alike.
    pub fn parse(
        national_id: &str,
        first_name: &str,
        last_name: &str,
        policy: domain::IdPolicy,
    ) -> Result<Self, ListField> {
        Ok(Self {
            national_id: NationalId::parse(national_id.trim(), policy)
                .map_err(|_| ListField::NationalId)?,
            first_name: domain::PersonName::parse(first_name.trim())
                .map_err(|_| ListField::FirstName)?,
            last_name: domain::PersonName::parse(last_name.trim())
                .map_err(|_| ListField::LastName)?,
        })
    }
}

/// What an import did to a clinic's list, one count per distinct patient in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportCounts {
    /// Put on the list: new patients and patients moved from another office's list.
    pub added: u64,
    /// On the list already, under another name.
    pub updated: u64,
    /// On the list already, as the file has them.
    pub unchanged: u64,
}

/// One page of a clinic's list and how many patients the whole list has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientPage {
    pub patients: Vec<domain::Patient>,
    pub total: u64,
}

/// A block as the clinic's «Sperring» shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedPatient {
    pub block: domain::Block,
    /// First and last name, while the patient is on the blocking clinic's list.
    pub name: Option<(domain::PersonName, domain::PersonName)>,
}

/// Which audit events to read.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub patient: Option<NationalId>,
    pub action: Option<AuditAction>,
    pub limit: u32,
}

/// The numbers an operator checks after a rush: both must be zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Integrity {
    /// Slots with more booked places than capacity.
    pub overbooked_slots: u64,
    /// Slots whose booked count differs from their booked appointments.
    pub miscounted_slots: u64,
}

/// A slot as a publisher states it: where, when, how long, how many places, and whether
/// patients see it. A journal system's `Slot` is one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotSpec {
    pub resource_id: ResourceId,
    pub start: Timestamp,
    pub length: SlotLength,
    pub capacity: Capacity,
    pub published: bool,
}

/// One change of a publication batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotChange {
    /// A new slot; the same slot stated again is found, not made twice.
    Create(SlotSpec),
    /// The slot as it should now be.
    Update(SlotId, SlotSpec),
    Delete(SlotId),
}

/// What one change of a publication batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotChanged {
    Created(domain::Slot),
    /// The slot stated was there already, as stated: a retry.
    Found(domain::Slot),
    Updated(domain::Slot),
    Deleted(SlotId),
}

/// A new single slot.
#[derive(Debug, Clone, Copy)]
pub struct NewSlot {
    pub resource_id: ResourceId,
    pub start: Timestamp,
    pub length: SlotLength,
    pub capacity: Capacity,
}

/// An appointment as the clinic's day list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicAppointment {
    pub id: AppointmentId,
    pub timebook_id: TimebookId,
    pub kind: TimebookKind,
    pub resource_name: ResourceName,
    pub start: Timestamp,
    pub length: SlotLength,
    pub patient: NationalId,
    pub first_name: domain::PersonName,
    pub last_name: domain::PersonName,
    pub reason: Reason,
    pub status: domain::AppointmentStatus,
}
