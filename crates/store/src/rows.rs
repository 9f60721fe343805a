//! Rows as both databases return them, and their conversion into domain types. A stored value
//! that no longer validates is reported as [`StoreError::Corrupt`] naming the column.

use crate::schedules::{CatalogueEntry, FeedSlot};
use crate::{
    AppointmentRecord, BookedType, ClinicAppointment, FreeSlot, NotificationKind, OutboxJob,
    PlannedAppointment, Result, StoreError, StoredTemplate,
};
use domain::{
    Actor, Address, Appointment, AppointmentId, AppointmentStatus, AuditAction, AuditEvent, Block,
    BlockReason, BookingRules, Capacity, Clinic, ClinicId, ClinicName, Description, HerId,
    IdPolicy, InfoText, Location, LocationId, NationalId, Patient, PersonName, Reason, Resource,
    ResourceId, ResourceName, Slot, SlotId, SlotLength, SlotTemplate, TemplateId, Timebook,
    TimebookId, TimebookKind, Weekdays,
};
use jiff::Timestamp;
use jiff::civil::{Date, Time};

pub(crate) fn instant(seconds: i64, column: &'static str) -> Result<Timestamp> {
    Timestamp::from_second(seconds).map_err(|_| StoreError::Corrupt(column))
}

/// Stored numbers were validated on the way in, so synthetic ones are read back as well.
pub(crate) fn national_id(text: &str, column: &'static str) -> Result<NationalId> {
    NationalId::parse(text, IdPolicy::TEST).map_err(|_| StoreError::Corrupt(column))
}

pub(crate) fn valid<T, E>(value: std::result::Result<T, E>, column: &'static str) -> Result<T> {
    value.map_err(|_| StoreError::Corrupt(column))
}

fn small(value: i64, column: &'static str) -> Result<u16> {
    valid(u16::try_from(value), column)
}

/// The columns of a [`ClinicFields`]: a clinic's but its id, so that they can be read beside
/// another table's row whose `id` is not the clinic's.
macro_rules! clinic_fields {
    () => {
        "her_id, name, info, org_number, phone, municipality"
    };
}
pub(crate) use clinic_fields;

/// The columns a [`ClinicRow`] is read from. Must match its fields: they are read by name.
macro_rules! clinic_columns {
    () => {
        concat!("id, ", $crate::rows::clinic_fields!())
    };
}
pub(crate) use clinic_columns;

/// `columns`, a list of one table's columns, each qualified by the table's alias in a join.
pub(crate) fn qualified(columns: &str, alias: &str) -> String {
    columns
        .split(',')
        .map(|column| format!("{alias}.{}", column.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(sqlx::FromRow)]
pub(crate) struct ClinicRow {
    pub id: i64,
    #[sqlx(flatten)]
    pub fields: ClinicFields,
}

impl ClinicRow {
    pub fn into_domain(self) -> Result<Clinic> {
        self.fields.into_domain(ClinicId(self.id))
    }
}

/// A clinic's columns but its id.
#[derive(sqlx::FromRow)]
pub(crate) struct ClinicFields {
    pub her_id: i64,
    pub name: String,
    pub info: String,
    pub org_number: Option<String>,
    pub phone: Option<String>,
    pub municipality: Option<String>,
}

impl ClinicFields {
    pub fn into_domain(self, id: ClinicId) -> Result<Clinic> {
        Ok(Clinic {
            id,
            her_id: valid(HerId::new(self.her_id), "clinic.her_id")?,
            name: valid(ClinicName::parse(&self.name), "clinic.name")?,
            info: valid(InfoText::parse(&self.info), "clinic.info")?,
            org_number: self
                .org_number
                .as_deref()
                .map(|o| valid(domain::OrgNumber::parse(o), "clinic.org_number"))
                .transpose()?,
            phone: self
                .phone
                .as_deref()
                .map(|p| valid(domain::PhoneNumber::parse(p), "clinic.phone"))
                .transpose()?,
            municipality: self
                .municipality
                .as_deref()
                .map(|m| valid(domain::Municipality::parse_stored(m), "clinic.municipality"))
                .transpose()?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LocationRow {
    pub id: i64,
    pub clinic_id: i64,
    pub address: String,
}

impl LocationRow {
    pub fn into_domain(self) -> Result<Location> {
        Ok(Location {
            id: LocationId(self.id),
            clinic_id: ClinicId(self.clinic_id),
            address: valid(Address::parse(&self.address), "location.address")?,
        })
    }
}

/// A timebook's rules, as selected alongside other rows.
#[derive(sqlx::FromRow)]
pub(crate) struct RulesRow {
    pub min_notice_minutes: i64,
    pub horizon_days: i64,
    pub cancel_deadline_minutes: i64,
    pub max_future_appointments: i64,
}

impl RulesRow {
    pub fn rules(&self) -> Result<BookingRules> {
        valid(
            BookingRules::new(
                self.min_notice_minutes,
                self.horizon_days,
                self.cancel_deadline_minutes,
                self.max_future_appointments,
            ),
            "timebook rules",
        )
    }
}

/// The columns a [`TimebookRow`] is read from, its rules' included. Must match its fields: they
/// are read by name.
macro_rules! timebook_columns {
    () => {
        "id, clinic_id, kind, min_notice_minutes, horizon_days, cancel_deadline_minutes, \
         max_future_appointments"
    };
}
pub(crate) use timebook_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct TimebookRow {
    pub id: i64,
    pub clinic_id: i64,
    pub kind: String,
    #[sqlx(flatten)]
    pub rules: RulesRow,
}

impl TimebookRow {
    pub fn into_domain(self) -> Result<Timebook> {
        Ok(Timebook {
            id: TimebookId(self.id),
            clinic_id: ClinicId(self.clinic_id),
            kind: valid(TimebookKind::parse(&self.kind), "timebook.kind")?,
            rules: self.rules.rules()?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ResourceRow {
    pub id: i64,
    pub timebook_id: i64,
    pub name: String,
    pub description: String,
    pub location_id: i64,
    pub clinic_id: i64,
    pub address: String,
    pub practitioner_id: Option<i64>,
}

impl ResourceRow {
    pub fn into_domain(self) -> Result<Resource> {
        Ok(Resource {
            id: ResourceId(self.id),
            timebook_id: TimebookId(self.timebook_id),
            name: valid(ResourceName::parse(&self.name), "resource.name")?,
            description: valid(
                Description::parse(&self.description),
                "resource.description",
            )?,
            location: LocationRow {
                id: self.location_id,
                clinic_id: self.clinic_id,
                address: self.address,
            }
            .into_domain()?,
            practitioner: self.practitioner_id.map(domain::PractitionerId),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PatientRow {
    pub national_id: String,
    pub clinic_id: Option<i64>,
    pub first_name: String,
    pub last_name: String,
}

impl PatientRow {
    /// `None` for a person on no office's list.
    pub fn into_domain(self) -> Result<Option<Patient>> {
        let Some(clinic_id) = self.clinic_id else {
            return Ok(None);
        };
        Ok(Some(Patient {
            national_id: national_id(&self.national_id, "patient.national_id")?,
            first_name: valid(PersonName::parse(&self.first_name), "patient.first_name")?,
            last_name: valid(PersonName::parse(&self.last_name), "patient.last_name")?,
            clinic_id: ClinicId(clinic_id),
        }))
    }
}

/// The columns a [`SlotRow`] is read from. Must match its fields: they are read by name.
macro_rules! slot_columns {
    () => {
        "id, clinic_id, timebook_id, resource_id, starts_at, length_minutes, capacity, booked, \
         published"
    };
}
pub(crate) use slot_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct SlotRow {
    pub id: i64,
    pub clinic_id: i64,
    pub timebook_id: i64,
    pub resource_id: i64,
    pub starts_at: i64,
    pub length_minutes: i64,
    pub capacity: i64,
    pub booked: i64,
    pub published: bool,
}

impl SlotRow {
    pub fn into_domain(self) -> Result<Slot> {
        Ok(Slot {
            id: SlotId(self.id),
            timebook_id: TimebookId(self.timebook_id),
            resource_id: ResourceId(self.resource_id),
            start: instant(self.starts_at, "slot.starts_at")?,
            length: valid(
                SlotLength::minutes(self.length_minutes),
                "slot.length_minutes",
            )?,
            capacity: valid(Capacity::new(self.capacity), "slot.capacity")?,
            booked: small(self.booked, "slot.booked")?,
            published: self.published,
        })
    }
}

pub(crate) struct FreeSlotRow {
    pub id: i64,
    pub resource_id: i64,
    pub starts_at: i64,
    pub length_minutes: i64,
    pub places_left: i64,
}

impl From<(i64, i64, i64, i64, i64)> for FreeSlotRow {
    fn from(
        (id, resource_id, starts_at, length_minutes, places_left): (i64, i64, i64, i64, i64),
    ) -> Self {
        Self {
            id,
            resource_id,
            starts_at,
            length_minutes,
            places_left,
        }
    }
}

impl FreeSlotRow {
    pub fn into_domain(self) -> Result<FreeSlot> {
        Ok(FreeSlot {
            id: SlotId(self.id),
            resource_id: ResourceId(self.resource_id),
            start: instant(self.starts_at, "slot.starts_at")?,
            length: valid(
                SlotLength::minutes(self.length_minutes),
                "slot.length_minutes",
            )?,
            places_left: small(self.places_left, "slot.capacity")?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AppointmentRow {
    pub id: i64,
    pub slot_id: i64,
    pub national_id: String,
    pub reason: String,
    pub status: String,
    pub booked_at: i64,
}

impl AppointmentRow {
    pub fn status(&self) -> Result<AppointmentStatus> {
        valid(AppointmentStatus::parse(&self.status), "appointment.status")
    }

    pub fn into_domain(self) -> Result<Appointment> {
        Ok(Appointment {
            id: AppointmentId(self.id),
            slot_id: SlotId(self.slot_id),
            status: self.status()?,
            patient: national_id(&self.national_id, "appointment.national_id")?,
            reason: valid(Reason::parse(&self.reason), "appointment.reason")?,
            booked_at: instant(self.booked_at, "appointment.booked_at")?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PlannedRow {
    pub id: i64,
    pub clinic_id: i64,
    pub clinic_name: String,
    pub timebook_id: i64,
    pub kind: String,
    pub resource_name: String,
    pub address: String,
    pub starts_at: i64,
    pub length_minutes: i64,
    pub reason: String,
    pub status: String,
    pub cancel_until: i64,
    pub version: i64,
    pub appointment_type_id: Option<i64>,
    pub type_name: Option<String>,
    pub attendance: Option<String>,
}

impl PlannedRow {
    pub fn into_domain(self) -> Result<PlannedAppointment> {
        let start = instant(self.starts_at, "appointment.starts_at")?;
        Ok(PlannedAppointment {
            id: AppointmentId(self.id),
            clinic_id: ClinicId(self.clinic_id),
            clinic_name: valid(ClinicName::parse(&self.clinic_name), "clinic.name")?,
            timebook_id: TimebookId(self.timebook_id),
            kind: valid(TimebookKind::parse(&self.kind), "timebook.kind")?,
            resource_name: valid(ResourceName::parse(&self.resource_name), "resource.name")?,
            address: valid(Address::parse(&self.address), "location.address")?,
            start,
            length: valid(
                SlotLength::minutes(self.length_minutes),
                "slot.length_minutes",
            )?,
            reason: valid(Reason::parse(&self.reason), "appointment.reason")?,
            status: valid(AppointmentStatus::parse(&self.status), "appointment.status")?,
            cancel_until: instant(self.cancel_until, "appointment.cancel_until")?,
            version: self.version,
            appointment_type: match (self.appointment_type_id, self.type_name, self.attendance) {
                (Some(id), Some(name), Some(attendance)) => Some(BookedType {
                    id: domain::AppointmentTypeId(id),
                    name: valid(
                        domain::AppointmentTypeName::parse(&name),
                        "appointment_type.name",
                    )?,
                    attendance: domain::Attendance::parse(&attendance)
                        .ok_or(StoreError::Corrupt("appointment_type.attendance"))?,
                }),
                _ => None,
            },
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CatalogueRow {
    pub clinic_id: i64,
    #[sqlx(flatten)]
    pub clinic: ClinicFields,
    pub timebook_id: i64,
    pub kind: String,
    #[sqlx(flatten)]
    pub rules: RulesRow,
    pub resource_id: i64,
    pub resource_name: String,
    pub description: String,
    pub location_id: i64,
    pub address: String,
    pub practitioner_id: Option<i64>,
    pub earliest: i64,
    pub latest: i64,
}

impl CatalogueRow {
    pub fn into_domain(self) -> Result<CatalogueEntry> {
        let clinic = self.clinic.into_domain(ClinicId(self.clinic_id))?;
        let timebook = TimebookRow {
            id: self.timebook_id,
            clinic_id: self.clinic_id,
            kind: self.kind,
            rules: self.rules,
        }
        .into_domain()?;
        let resource = ResourceRow {
            id: self.resource_id,
            timebook_id: self.timebook_id,
            name: self.resource_name,
            description: self.description,
            location_id: self.location_id,
            clinic_id: self.clinic_id,
            address: self.address,
            practitioner_id: self.practitioner_id,
        }
        .into_domain()?;
        Ok(CatalogueEntry {
            clinic,
            timebook,
            resource,
            window: (
                instant(self.earliest, "booking window")?,
                instant(self.latest, "booking window")?,
            ),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct FeedRow {
    pub id: i64,
    pub resource_id: i64,
    pub starts_at: i64,
    pub length_minutes: i64,
    pub places_left: i64,
    pub free: bool,
    /// The earliest start a patient may book at the reading: the notice from then.
    pub earliest: i64,
}

impl FeedRow {
    /// A deleted slot: no place, never free.
    pub fn deleted((id, resource_id, starts_at, length_minutes): (i64, i64, i64, i64)) -> Self {
        Self {
            id,
            resource_id,
            starts_at,
            length_minutes,
            places_left: 0,
            free: false,
            earliest: starts_at,
        }
    }

    pub fn into_domain(self) -> Result<FeedSlot> {
        Ok(FeedSlot {
            id: SlotId(self.id),
            resource_id: ResourceId(self.resource_id),
            start: instant(self.starts_at, "slot.starts_at")?,
            length: valid(
                SlotLength::minutes(self.length_minutes),
                "slot.length_minutes",
            )?,
            places_left: small(self.places_left.max(0), "slot.booked")?,
            free: self.free,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AppointmentRecordRow {
    pub id: i64,
    pub version: i64,
    pub clinic_id: i64,
    pub timebook_id: i64,
    pub kind: String,
    pub resource_id: i64,
    pub location_id: i64,
    pub address: String,
    pub slot_id: i64,
    pub starts_at: i64,
    pub length_minutes: i64,
    pub national_id: String,
    pub reason: String,
    pub status: String,
    pub booked_at: i64,
    pub cancelled_at: Option<i64>,
    pub cancel_reason: Option<String>,
    pub cancel_until: i64,
    pub changed_at: i64,
}

impl AppointmentRecordRow {
    pub fn into_domain(self) -> Result<AppointmentRecord> {
        let start = instant(self.starts_at, "appointment.starts_at")?;
        Ok(AppointmentRecord {
            id: AppointmentId(self.id),
            version: self.version,
            clinic_id: ClinicId(self.clinic_id),
            timebook_id: TimebookId(self.timebook_id),
            kind: valid(TimebookKind::parse(&self.kind), "timebook.kind")?,
            resource_id: ResourceId(self.resource_id),
            location: Location {
                id: LocationId(self.location_id),
                clinic_id: ClinicId(self.clinic_id),
                address: valid(Address::parse(&self.address), "location.address")?,
            },
            slot_id: SlotId(self.slot_id),
            start,
            length: valid(
                SlotLength::minutes(self.length_minutes),
                "slot.length_minutes",
            )?,
            patient: national_id(&self.national_id, "appointment.national_id")?,
            reason: valid(Reason::parse(&self.reason), "appointment.reason")?,
            status: valid(AppointmentStatus::parse(&self.status), "appointment.status")?,
            booked_at: instant(self.booked_at, "appointment.booked_at")?,
            changed_at: instant(self.changed_at, "appointment.changed_at")?,
            cancelled_at: self
                .cancelled_at
                .map(|at| instant(at, "appointment.cancelled_at"))
                .transpose()?,
            cancel_reason: self
                .cancel_reason
                .as_deref()
                .map(|r| valid(domain::CancelReason::parse(r), "appointment.cancel_reason"))
                .transpose()?,
            cancel_until: instant(self.cancel_until, "appointment.cancel_until")?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct BlockRow {
    pub clinic_id: i64,
    pub national_id: String,
    pub reason: String,
    pub blocked_at: i64,
}

impl BlockRow {
    pub fn into_domain(self) -> Result<Block> {
        Ok(Block {
            clinic_id: ClinicId(self.clinic_id),
            patient: national_id(&self.national_id, "block.national_id")?,
            reason: valid(BlockReason::parse(&self.reason), "block.reason")?,
            blocked_at: instant(self.blocked_at, "block.blocked_at")?,
        })
    }
}

/// A block and, when the patient is on the blocking clinic's list, their name.
#[derive(sqlx::FromRow)]
pub(crate) struct BlockedPatientRow {
    pub clinic_id: i64,
    pub national_id: String,
    pub reason: String,
    pub blocked_at: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

impl BlockedPatientRow {
    pub fn into_domain(self) -> Result<crate::BlockedPatient> {
        let name = match (self.first_name, self.last_name) {
            (Some(first), Some(last)) => Some((
                valid(PersonName::parse(&first), "patient.first_name")?,
                valid(PersonName::parse(&last), "patient.last_name")?,
            )),
            _ => None,
        };
        let block = BlockRow {
            clinic_id: self.clinic_id,
            national_id: self.national_id,
            reason: self.reason,
            blocked_at: self.blocked_at,
        }
        .into_domain()?;
        Ok(crate::BlockedPatient { block, name })
    }
}

/// The columns a [`TemplateRow`] is read from. Must match its fields: they are read by name.
macro_rules! template_columns {
    () => {
        "id, clinic_id, timebook_id, resource_id, weekdays, from_minute, to_minute, \
         length_minutes, capacity, first_day, last_day, published"
    };
}
pub(crate) use template_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct TemplateRow {
    pub id: i64,
    pub clinic_id: i64,
    pub timebook_id: i64,
    pub resource_id: i64,
    pub weekdays: i64,
    pub from_minute: i64,
    pub to_minute: i64,
    pub length_minutes: i64,
    pub capacity: i64,
    pub first_day: String,
    pub last_day: String,
    pub published: bool,
}

pub(crate) fn minute_of_day(time: Time) -> i64 {
    i64::from(time.hour()) * 60 + i64::from(time.minute())
}

fn time_of_day(minute: i64, column: &'static str) -> Result<Time> {
    let hour = valid(i8::try_from(minute / 60), column)?;
    let minute = valid(i8::try_from(minute % 60), column)?;
    valid(Time::new(hour, minute, 0, 0), column)
}

impl TemplateRow {
    pub fn into_domain(self) -> Result<StoredTemplate> {
        let first_day: Date = valid(self.first_day.parse(), "slot_template.first_day")?;
        let template = valid(
            SlotTemplate::new(
                valid(Weekdays::from_mask(self.weekdays), "slot_template.weekdays")?,
                time_of_day(self.from_minute, "slot_template.from_minute")?,
                time_of_day(self.to_minute, "slot_template.to_minute")?,
                valid(
                    SlotLength::minutes(self.length_minutes),
                    "slot_template.length_minutes",
                )?,
                valid(Capacity::new(self.capacity), "slot_template.capacity")?,
                first_day,
                valid(self.last_day.parse(), "slot_template.last_day")?,
                first_day,
            ),
            "slot_template",
        )?;
        Ok(StoredTemplate {
            id: TemplateId(self.id),
            timebook_id: TimebookId(self.timebook_id),
            resource_id: ResourceId(self.resource_id),
            template,
            published: self.published,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    pub at: i64,
    pub actor_kind: String,
    pub actor_id: String,
    pub action: String,
    pub clinic_id: Option<i64>,
    pub national_id: Option<String>,
    pub subject: String,
}

impl AuditRow {
    pub fn into_domain(self) -> Result<AuditEvent> {
        let actor = match self.actor_kind.as_str() {
            "patient" => Actor::Patient(national_id(&self.actor_id, "audit_event.actor_id")?),
            "representative" => {
                Actor::Representative(national_id(&self.actor_id, "audit_event.actor_id")?)
            }
            "staff" => Actor::Staff {
                clinic_id: ClinicId(
                    self.clinic_id
                        .ok_or(StoreError::Corrupt("audit_event.clinic_id"))?,
                ),
                user: self.actor_id,
            },
            "operator" => Actor::Operator {
                user: self.actor_id,
            },
            "client" => Actor::Client {
                name: self.actor_id,
            },
            "system" => Actor::System,
            _ => return Err(StoreError::Corrupt("audit_event.actor_kind")),
        };
        Ok(AuditEvent {
            at: instant(self.at, "audit_event.at")?,
            actor,
            action: AuditAction::parse(&self.action)
                .ok_or(StoreError::Corrupt("audit_event.action"))?,
            clinic_id: self.clinic_id.map(ClinicId),
            patient: self
                .national_id
                .as_deref()
                .map(|n| national_id(n, "audit_event.national_id"))
                .transpose()?,
            subject: self.subject,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub appointment_id: i64,
    pub created_at: i64,
    pub reminder_minutes: Option<i64>,
}

impl OutboxRow {
    pub fn into_domain(self) -> Result<OutboxJob> {
        Ok(OutboxJob {
            id: self.id,
            kind: NotificationKind::parse(&self.kind).ok_or(StoreError::Corrupt("outbox.kind"))?,
            appointment_id: AppointmentId(self.appointment_id),
            created_at: instant(self.created_at, "outbox.created_at")?,
            minutes_before: self
                .reminder_minutes
                .map(u32::try_from)
                .transpose()
                .map_err(|_| StoreError::Corrupt("outbox.reminder_minutes"))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct StaffSessionRow {
    pub role: String,
    pub user_name: String,
    pub clinic_id: Option<i64>,
}

impl StaffSessionRow {
    pub fn into_domain(self) -> Result<Actor> {
        match (self.role.as_str(), self.clinic_id) {
            ("staff", Some(clinic_id)) => Ok(Actor::Staff {
                clinic_id: ClinicId(clinic_id),
                user: self.user_name,
            }),
            ("operator", None) => Ok(Actor::Operator {
                user: self.user_name,
            }),
            _ => Err(StoreError::Corrupt("staff_session.role")),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ClinicAppointmentRow {
    pub id: i64,
    pub timebook_id: i64,
    pub kind: String,
    pub resource_name: String,
    pub starts_at: i64,
    pub length_minutes: i64,
    pub national_id: String,
    pub first_name: String,
    pub last_name: String,
    pub reason: String,
    pub status: String,
}

impl ClinicAppointmentRow {
    pub fn into_domain(self) -> Result<ClinicAppointment> {
        Ok(ClinicAppointment {
            id: AppointmentId(self.id),
            timebook_id: TimebookId(self.timebook_id),
            kind: valid(TimebookKind::parse(&self.kind), "timebook.kind")?,
            resource_name: valid(ResourceName::parse(&self.resource_name), "resource.name")?,
            start: instant(self.starts_at, "appointment.starts_at")?,
            length: valid(
                SlotLength::minutes(self.length_minutes),
                "slot.length_minutes",
            )?,
            patient: national_id(&self.national_id, "appointment.national_id")?,
            first_name: valid(PersonName::parse(&self.first_name), "patient.first_name")?,
            last_name: valid(PersonName::parse(&self.last_name), "patient.last_name")?,
            reason: valid(Reason::parse(&self.reason), "appointment.reason")?,
            status: valid(AppointmentStatus::parse(&self.status), "appointment.status")?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ContactRow {
    pub channel: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub language: String,
    pub language_chosen: bool,
}

impl ContactRow {
    pub fn into_domain(self) -> Result<domain::ContactSettings> {
        Ok(domain::ContactSettings {
            chosen: self
                .channel
                .map(|c| valid(domain::Channel::parse(&c), "contact_settings.channel"))
                .transpose()?,
            mobile: self
                .mobile
                .map(|m| valid(domain::MobileNumber::parse(&m), "contact_settings.mobile"))
                .transpose()?,
            email: self
                .email
                .map(|e| valid(domain::EmailAddress::parse(&e), "contact_settings.email"))
                .transpose()?,
            language: self.language,
            language_chosen: self.language_chosen,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PushRow {
    pub id: i64,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub device: String,
    pub created_at: i64,
}

impl PushRow {
    pub fn into_domain(self) -> Result<crate::StoredPushSubscription> {
        // Stored endpoints were checked when they were added, under that day's policy; the
        // sender checks each again against the address it connects to.
        let subscription =
            domain::PushSubscription::from_stored(&self.endpoint, &self.p256dh, &self.auth);
        Ok(crate::StoredPushSubscription {
            id: self.id,
            subscription: valid(subscription, "push_subscription.endpoint")?,
            device: self.device,
            created_at: instant(self.created_at, "push_subscription.created_at")?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ClaimRow {
    pub id: i64,
    pub kind: String,
    pub appointment_id: Option<i64>,
    pub thread_id: Option<i64>,
    pub invitation_id: Option<i64>,
    pub waitlist_offer_id: Option<i64>,
    pub subscription_id: Option<i64>,
    pub attempts: i64,
    pub claim_token: String,
}

impl ClaimRow {
    pub fn into_domain(self) -> Result<crate::ClaimedJob> {
        Ok(crate::ClaimedJob {
            id: self.id,
            kind: NotificationKind::parse(&self.kind).ok_or(StoreError::Corrupt("outbox.kind"))?,
            appointment_id: self.appointment_id.map(AppointmentId),
            thread_id: self.thread_id.map(domain::ThreadId),
            invitation_id: self.invitation_id,
            waitlist_offer_id: self.waitlist_offer_id,
            subscription_id: self.subscription_id,
            attempt: u32::try_from(self.attempts)
                .map_err(|_| StoreError::Corrupt("outbox.attempts"))?,
            token: self.claim_token,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct FailedRow {
    pub id: i64,
    pub kind: String,
    pub clinic_name: String,
    pub channel: Option<String>,
    pub subscription_id: Option<i64>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub failed_at: i64,
}

impl FailedRow {
    pub fn into_domain(self) -> Result<crate::FailedJob> {
        Ok(crate::FailedJob {
            id: self.id,
            kind: NotificationKind::parse(&self.kind).ok_or(StoreError::Corrupt("outbox.kind"))?,
            clinic_name: self.clinic_name,
            channel: self
                .channel
                .map(|c| valid(domain::Channel::parse(&c), "outbox.channel"))
                .transpose()?,
            subscription_id: self.subscription_id,
            attempts: u32::try_from(self.attempts)
                .map_err(|_| StoreError::Corrupt("outbox.attempts"))?,
            last_error: self.last_error.unwrap_or_default(),
            created_at: instant(self.created_at, "outbox.created_at")?,
            failed_at: instant(self.failed_at, "outbox.failed_at")?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ThreadRow {
    pub id: i64,
    pub clinic_id: i64,
    pub clinic_name: String,
    pub national_id: String,
    pub first_name: String,
    pub last_name: String,
    pub subject: String,
    pub created_at: i64,
    pub last_at: i64,
    pub closed_at: Option<i64>,
    pub from_blocked: bool,
    pub unread_by_clinic: bool,
    pub unread_by_patient: bool,
}

impl ThreadRow {
    pub fn into_domain(self) -> Result<crate::ThreadSummary> {
        Ok(crate::ThreadSummary {
            id: domain::ThreadId(self.id),
            clinic_id: ClinicId(self.clinic_id),
            clinic_name: valid(ClinicName::parse(&self.clinic_name), "clinic.name")?,
            patient: national_id(&self.national_id, "thread.national_id")?,
            patient_name: format!("{} {}", self.first_name, self.last_name)
                .trim()
                .to_owned(),
            subject: valid(domain::Subject::parse(&self.subject), "thread.subject")?,
            created_at: instant(self.created_at, "thread.created_at")?,
            last_at: instant(self.last_at, "thread.last_at")?,
            closed: self.closed_at.is_some(),
            from_blocked: self.from_blocked,
            unread_by_clinic: self.unread_by_clinic,
            unread_by_patient: self.unread_by_patient,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    pub id: i64,
    pub sender: String,
    pub staff_user: Option<String>,
    pub body: String,
    pub sent_at: i64,
    pub hidden_for_patient_at: Option<i64>,
}

impl MessageRow {
    pub fn into_domain(self) -> Result<crate::Message> {
        let sender = match (self.sender.as_str(), self.staff_user) {
            ("patient", _) => crate::Sender::Patient,
            ("clinic", Some(user)) => crate::Sender::Clinic { user },
            ("automatic", _) => crate::Sender::Automatic,
            _ => return Err(StoreError::Corrupt("message.sender")),
        };
        let text = match sender {
            crate::Sender::Automatic => None,
            _ => Some(valid(
                domain::MessageText::parse(&self.body),
                "message.body",
            )?),
        };
        Ok(crate::Message {
            id: domain::MessageId(self.id),
            sender,
            text,
            sent_at: instant(self.sent_at, "message.sent_at")?,
            hidden_for_patient: self.hidden_for_patient_at.is_some(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct StaffSessionSeenRow {
    #[sqlx(flatten)]
    pub session: StaffSessionRow,
    pub last_seen_at: i64,
}
