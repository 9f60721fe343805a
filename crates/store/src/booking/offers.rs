//! What a caller may see before it books, decided by the same rules as the booking itself:
//! the timebooks offered to a patient, their free slots, and the appointments within reach.
//! Handlers ask here instead of deciding themselves, so that what a page shows as bookable is
//! what the booking core will book.

use super::caller_inputs;
use super::rules::{self, Verdict};
use crate::db::named::{Env, Positional};
use crate::db::{Database, Executor, Statement};
use crate::publication::Slots;
use crate::register::{Clinics, Places};
use crate::rows::{
    AppointmentRecordRow, ClinicFields, FreeSlotRow, PlannedRow, ResourceRow, TimebookRow,
    clinic_fields, qualified, timebook_columns,
};
use crate::{
    AppointmentRecord, ChangeQuery, FreeSlot, PlannedAppointment, Result, SqlStore, StoreError,
};
use async_trait::async_trait;
use domain::{
    AppointmentId, AppointmentType, AppointmentTypeId, Caller, Clinic, ClinicId, DomainError,
    NationalId, Resource, ResourceId, Slot, SlotId, Timebook, TimebookId,
};
use jiff::Timestamp;
use jiff::civil::Date;
use std::sync::LazyLock;

/// The longest range one free-slot query may cover.
pub const MAX_QUERY_DAYS: i32 = 62;

/// «Hva trenger du?»: the patient's GP office and the timebooks it offers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub clinic: Clinic,
    pub timebooks: Vec<Timebook>,
}

/// A timebook the caller may book in for the patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferedTimebook {
    pub clinic: Clinic,
    pub timebook: Timebook,
    /// Its places (steder) the patient may book, in the order they were made.
    pub resources: Vec<Resource>,
    /// Its types of appointment, shortest first; none when the patient picks a time only.
    pub types: Vec<AppointmentType>,
}

/// A slot of an offered timebook, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferedSlot {
    pub clinic: Clinic,
    pub timebook: Timebook,
    pub resource: Resource,
    pub slot: Slot,
    /// The timebook's types of appointment, as [`OfferedTimebook::types`].
    pub types: Vec<AppointmentType>,
}

/// What «Velg time» asks for: the free days at one place, and one day's free slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarRequest {
    /// The place asked for; the timebook's first when it is none of its places.
    pub place: Option<ResourceId>,
    /// The local dates to find free days in, both included; `None` when none are ahead.
    pub dates: Option<(Date, Date)>,
    /// The day to show the free slots of when it has any; otherwise the first free day.
    pub day: Option<Date>,
    /// The type of appointment chosen: only slots of its length are free for it.
    pub appointment_type: Option<AppointmentTypeId>,
}

/// «Velg time»: an offered timebook, the place shown, its free days and one day's free slots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    pub offered: OfferedTimebook,
    pub place: Option<ResourceId>,
    /// The clinic has blocked the patient: the page says so instead of showing free slots.
    pub blocked: bool,
    pub days: Vec<Date>,
    pub day: Option<Date>,
    pub slots: Vec<FreeSlot>,
}

#[async_trait]
pub trait Offers: Send + Sync {
    /// The GP office whose list the patient is on and its timebooks the caller may book in for
    /// them (in reach, service on); `None` for a person on no list.
    async fn offer(&self, caller: &Caller, patient: &NationalId) -> Result<Option<Offer>>;
    /// A timebook the caller may book in for the patient. A blocked patient still sees it, to
    /// be told why it has no free slots for them.
    async fn offered_timebook(
        &self,
        caller: &Caller,
        patient: &NationalId,
        timebook: TimebookId,
    ) -> Result<OfferedTimebook>;
    /// A slot of a timebook offered to the patient.
    async fn offered_slot(
        &self,
        caller: &Caller,
        patient: &NationalId,
        slot: SlotId,
    ) -> Result<OfferedSlot>;
    /// Until when an appointment in the slot could be cancelled or moved online, by the
    /// core's own deadline rule: what the review says before the patient sends.
    async fn slot_cancel_until(&self, slot: SlotId) -> Result<Timestamp>;
    /// HentLedigeTimer: the slots the caller may book for the patient in a timebook between two
    /// local dates, both included. Refused for a blocked patient and one not on the list.
    async fn free_slots(
        &self,
        caller: &Caller,
        patient: &NationalId,
        timebook: TimebookId,
        from: Date,
        to: Date,
    ) -> Result<Vec<FreeSlot>>;
    /// «Velg time»: the timebook as [`Offers::offered_timebook`] gives it, with the local
    /// dates on which the place has a slot the caller may book for the patient and the free
    /// slots of one of them. A blocked patient gets the timebook without free days.
    async fn calendar(
        &self,
        caller: &Caller,
        patient: &NationalId,
        timebook: TimebookId,
        request: CalendarRequest,
    ) -> Result<Calendar>;
    /// HentPlanlagteTimer: the patient's booked appointments that have not ended yet.
    async fn planned_appointments(&self, patient: &NationalId) -> Result<Vec<PlannedAppointment>>;
    /// The change feed: the clinic's appointments whose last change is in `[from, to)`,
    /// by that change and then id, a page at a time. For a client bound to the clinic.
    async fn appointment_changes(&self, query: ChangeQuery) -> Result<Vec<AppointmentRecord>>;
    /// All the patient's appointments, of every status, the latest first.
    async fn appointment_history(&self, patient: &NationalId) -> Result<Vec<PlannedAppointment>>;
    /// One of the patient's appointments, of any status; not found for anyone else's.
    async fn patient_appointment(
        &self,
        patient: &NationalId,
        id: AppointmentId,
    ) -> Result<PlannedAppointment>;
    /// An appointment in the caller's reach, as machine clients read it.
    async fn appointment_for(
        &self,
        caller: &Caller,
        id: AppointmentId,
    ) -> Result<AppointmentRecord>;
    /// The patient's appointments in the caller's reach starting in `[from, to)`, by start.
    async fn appointments_for(
        &self,
        caller: &Caller,
        patient: &NationalId,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> Result<Vec<AppointmentRecord>>;
}

fn named(sql: String) -> Positional {
    Positional::new(&sql)
}

/// The first refusal of `verdict` for the timebook `:timebook`.
fn timebook_verdict(verdict: &Verdict) -> Positional {
    named(format!(
        "SELECT {} FROM timebook t WHERE t.id = :timebook",
        verdict.case()
    ))
}

/// Offered to a patient: the caller reaches the clinic, the service is on, the patient is
/// listed there and, in a timebook of GPs, their GP has a place. Not the block: a blocked
/// patient is told at the calendar.
fn offered_rules() -> Verdict {
    Verdict(vec![
        rules::in_reach(":patient"),
        rules::service_on(),
        rules::on_the_list(":patient"),
        rules::has_their_practitioner(":patient"),
    ])
}

/// The timebook and its clinic with the first refusal of [`offered_rules`] and that of
/// [`rules::timebook_rules`] (which adds the block): one statement for what every page of the
/// booking journey asks, and for whether «Velg time» may show free slots.
static OFFERED: LazyLock<Positional> = LazyLock::new(|| {
    named(format!(
        "SELECT {} AS refusal, {} AS open_refusal, {}, {} \
         FROM timebook t JOIN clinic c ON c.id = t.clinic_id WHERE t.id = :timebook",
        offered_rules().case(),
        rules::timebook_rules(":patient").case(),
        qualified(timebook_columns!(), "t"),
        qualified(clinic_fields!(), "c"),
    ))
});

#[derive(sqlx::FromRow)]
struct JudgedTimebook {
    refusal: Option<String>,
    open_refusal: Option<String>,
    #[sqlx(flatten)]
    timebook: TimebookRow,
    #[sqlx(flatten)]
    clinic: ClinicFields,
}

static OPEN: LazyLock<Positional> =
    LazyLock::new(|| timebook_verdict(&rules::timebook_rules(":patient")));

static OFFERED_TIMEBOOKS: LazyLock<Positional> = LazyLock::new(|| {
    named(format!(
        "SELECT {} FROM timebook t \
         WHERE t.clinic_id = :clinic_id AND {} AND {} AND {} ORDER BY t.kind, t.id",
        timebook_columns!(),
        rules::in_reach(":patient").passes(),
        rules::service_on().passes(),
        rules::has_their_practitioner(":patient").passes()
    ))
});

/// The timebook's places the caller may book for the patient: a patient sees only their own
/// GP's place in a timebook of GPs, the office every place.
static PLACES_FOR: LazyLock<Positional> = LazyLock::new(|| {
    named(format!(
        "SELECT r.id, r.timebook_id, r.name, r.description, r.location_id, l.clinic_id, \
           l.address, r.practitioner_id \
         FROM resource r JOIN location l ON l.id = r.location_id \
         WHERE r.timebook_id = :timebook AND (NOT :self_service OR {}) ORDER BY r.id",
        rules::place_for("r", ":patient")
    ))
});

/// HentLedigeTimer's list: every rule of a booking that depends on the slot, for many slots
/// at once, as `select` (over the slot `s`) ordered by `order`. Holds are counted per slot from
/// one grouped table instead of slot by slot. `:place` narrows it to one place when set.
fn free_slot_query(select: &str, order: &str) -> Positional {
    let held = "COALESCE(h.held, 0)";
    named(format!(
        "SELECT {select} \
         FROM slot s LEFT JOIN {} h ON h.slot_id = s.id \
         WHERE s.timebook_id = :timebook AND s.starts_at >= :from AND s.starts_at < :to \
           AND (:place IS NULL OR s.resource_id = :place) \
           AND {} AND {} AND {} AND {} AND {} AND {} \
         ORDER BY {order}",
        rules::counted_holds_by_slot(":patient", "h.timebook_id = :timebook"),
        rules::at_their_place(":patient").passes(),
        rules::type_fits(":appointment_type").passes(),
        rules::published().passes(),
        rules::window_bounds_of("timebook t WHERE t.id = :timebook"),
        rules::not_among_booked(":patient").passes(),
        rules::place_left_given(held).passes(),
    ))
}

static FREE_SLOTS: LazyLock<Positional> = LazyLock::new(|| {
    free_slot_query(
        &format!(
            "s.id, s.resource_id, s.starts_at, s.length_minutes, {} AS places_left",
            rules::places_left_given("COALESCE(h.held, 0)")
        ),
        "s.starts_at, s.resource_id",
    )
});

/// The local days of the free slots, as days since 1970-01-01, for a stretch of time in which
/// the clinics' time zone keeps one offset from UTC (`:offset`, in seconds).
static FREE_DAYS: LazyLock<Positional> =
    LazyLock::new(|| free_slot_query("DISTINCT (s.starts_at + :offset) / 86400 AS day", "day"));

/// Until when an appointment in the slot `:slot` could be cancelled or moved online.
static SLOT_CANCEL_UNTIL: LazyLock<Positional> = LazyLock::new(|| {
    named(format!(
        "SELECT {} FROM slot s JOIN timebook t ON t.id = s.timebook_id WHERE s.id = :slot",
        rules::cancel_until_of("s.starts_at")
    ))
});

/// An appointment `a` with its slot `s`, timebook `t`, place `r` and where that is, `l`.
const APPOINTMENT_PLACE: &str = "appointment a \
    JOIN slot s ON s.id = a.slot_id \
    JOIN timebook t ON t.id = a.timebook_id \
    JOIN resource r ON r.id = s.resource_id \
    JOIN location l ON l.id = r.location_id";

/// A patient's appointment with what is needed to show it, and until when they may cancel it.
fn patient_appointments(condition: &str) -> Positional {
    named(format!(
        "SELECT a.id, a.clinic_id, c.name AS clinic_name, a.timebook_id, t.kind, \
           r.name AS resource_name, l.address, a.starts_at, s.length_minutes, a.reason, a.status, \
           {} AS cancel_until, a.version, a.appointment_type_id, y.name AS type_name, \
           y.attendance \
         FROM {APPOINTMENT_PLACE} JOIN clinic c ON c.id = a.clinic_id \
           LEFT JOIN appointment_type y ON y.id = a.appointment_type_id \
         WHERE {condition}",
        rules::cancel_until()
    ))
}

static PLANNED: LazyLock<Positional> = LazyLock::new(|| {
    patient_appointments(
        "a.national_id = :patient AND a.status = 'booked' \
         AND a.starts_at + s.length_minutes * 60 > :now ORDER BY a.starts_at, a.id",
    )
});

static HISTORY: LazyLock<Positional> = LazyLock::new(|| {
    patient_appointments("a.national_id = :patient ORDER BY a.starts_at DESC, a.id DESC")
});

/// How far back a patient's calendar link reaches: appointments that started at most this many
/// days ago, of every status, and all later ones.
pub const CALENDAR_LINK_PAST_DAYS: i64 = 90;

/// The appointments a patient's calendar link shows, by start.
pub(crate) static IN_CALENDAR: LazyLock<Positional> = LazyLock::new(|| {
    patient_appointments(&format!(
        "a.national_id = :patient AND a.starts_at >= :now - {} ORDER BY a.starts_at, a.id",
        CALENDAR_LINK_PAST_DAYS * 86_400
    ))
});

static OWN: LazyLock<Positional> =
    LazyLock::new(|| patient_appointments("a.id = :appointment AND a.national_id = :patient"));

/// One appointment for the notification worker.
pub(crate) static ONE_FOR_NOTICE: LazyLock<Positional> =
    LazyLock::new(|| patient_appointments("a.id = :appointment"));

/// An appointment with everything a machine client is shown of it.
fn appointment_records(condition: &str) -> Positional {
    named(format!(
        "SELECT a.id, a.version, a.clinic_id, a.timebook_id, t.kind, s.resource_id, r.location_id, \
           l.address, a.slot_id, a.starts_at, s.length_minutes, a.national_id, a.reason, a.status, \
           a.booked_at, a.cancelled_at, a.cancel_reason, {} AS cancel_until, a.changed_at \
         FROM {APPOINTMENT_PLACE} \
         WHERE {condition}",
        rules::cancel_until()
    ))
}

static RECORD: LazyLock<Positional> = LazyLock::new(|| {
    appointment_records(&format!(
        "a.id = :appointment AND {}",
        rules::in_reach("a.national_id").passes()
    ))
});

static RECORDS: LazyLock<Positional> = LazyLock::new(|| {
    appointment_records(&format!(
        "a.national_id = :patient AND a.starts_at >= :from AND a.starts_at < :to AND {} \
         ORDER BY a.starts_at, a.id",
        rules::in_reach("a.national_id").passes()
    ))
});

/// One appointment as a machine client is shown it, for a subscriber's notification.
pub(crate) static ONE_RECORD: LazyLock<Positional> =
    LazyLock::new(|| appointment_records("a.id = :appointment"));

/// The change feed: a clinic's appointments by last change, then id.
static CHANGES: LazyLock<Positional> = LazyLock::new(|| {
    appointment_records(
        "a.clinic_id = :clinic AND a.changed_at >= :from AND a.changed_at < :to \
           AND (a.changed_at > :after_at OR (a.changed_at = :after_at AND a.id > :after_id)) \
         ORDER BY a.changed_at, a.id LIMIT :limit",
    )
});

/// The store error of a verdict's refusal code.
fn refused(code: &str) -> StoreError {
    domain::Refusal::parse(code)
        .map(StoreError::Refused)
        .unwrap_or(StoreError::Corrupt("verdict"))
}

/// A checked free-slot query's inputs and its bounds as instants.
struct SlotRange {
    env: Env,
    from: i64,
    to: i64,
}

impl<D: Database> SqlStore<D> {
    /// The caller's inputs for a read about the patient, at the store's now.
    fn reading(&self, caller: &Caller, patient: &NationalId) -> Env {
        caller_inputs(caller, self.now().as_second())
            .with("patient", patient.as_str())
            .with("appointment_type", None::<i64>)
    }

    /// Passes when the timebook exists and the verdict lets the caller through.
    async fn judge(&self, verdict: &Positional, env: &Env) -> Result<()> {
        let found: Option<(Option<String>,)> = self
            .db
            .pool()
            .fetch_optional(Statement::named(verdict, env))
            .await?;
        match found {
            None => Err(StoreError::NotFound("timebook")),
            Some((None,)) => Ok(()),
            Some((Some(code),)) => Err(refused(&code)),
        }
    }

    pub(crate) async fn resources_of(&self, timebook: TimebookId) -> Result<Vec<Resource>> {
        let rows: Vec<ResourceRow> = self
            .db
            .pool()
            .fetch_all(
                crate::db::q(
                    "SELECT r.id, r.timebook_id, r.name, r.description, r.location_id, l.clinic_id, \
                       l.address, r.practitioner_id \
                     FROM resource r JOIN location l ON l.id = r.location_id \
                     WHERE r.timebook_id = $1 ORDER BY r.id",
                )
                .bind(timebook.0),
            )
            .await?;
        rows.into_iter().map(ResourceRow::into_domain).collect()
    }

    /// The first instant of a local date in the clinics' time zone.
    pub(crate) fn start_of(&self, day: Date) -> Result<i64> {
        let midnight = day.to_datetime(jiff::civil::Time::midnight());
        let at = self
            .zone
            .to_ambiguous_timestamp(midnight)
            .compatible()
            .map_err(|_| DomainError::TimeZone)?;
        Ok(at.as_second())
    }

    /// The inputs of a free-slot query between two local dates, once the caller may see the
    /// timebook's free slots for the patient.
    async fn slot_range(
        &self,
        caller: &Caller,
        patient: &NationalId,
        timebook: TimebookId,
        from: Date,
        to: Date,
    ) -> Result<SlotRange> {
        let env = self
            .reading(caller, patient)
            .with("timebook", timebook.0)
            .with("place", None::<i64>);
        let range = self.bounded(env, from, to)?;
        self.judge(&OPEN, &range.env).await?;
        Ok(range)
    }

    /// A free-slot query's inputs between two local dates, both included, checked.
    fn bounded(&self, env: Env, from: Date, to: Date) -> Result<SlotRange> {
        if to < from {
            return Err(DomainError::DatesReversed.into());
        }
        let days = from
            .until(to)
            .map(|span| span.get_days())
            .unwrap_or(i32::MAX);
        if days >= MAX_QUERY_DAYS {
            return Err(StoreError::RangeTooLong {
                max: MAX_QUERY_DAYS,
            });
        }
        let day_after = to.tomorrow().map_err(|_| DomainError::DatesReversed)?;
        let (from, to) = (self.start_of(from)?, self.start_of(day_after)?);
        Ok(SlotRange {
            env: env.with("from", from).with("to", to),
            from,
            to,
        })
    }

    /// The timebook offered to the patient, and the refusal, if any, of its free slots.
    async fn judged_timebook(&self, env: &Env) -> Result<(OfferedTimebook, Option<StoreError>)> {
        let judged: JudgedTimebook = self
            .db
            .pool()
            .fetch_optional(Statement::named(&OFFERED, env))
            .await?
            .ok_or(StoreError::NotFound("timebook"))?;
        if let Some(code) = judged.refusal {
            return Err(refused(&code));
        }
        let timebook = judged.timebook.into_domain()?;
        let places: Vec<ResourceRow> = self
            .db
            .pool()
            .fetch_all(Statement::named(&PLACES_FOR, env))
            .await?;
        let offered = OfferedTimebook {
            clinic: judged.clinic.into_domain(timebook.clinic_id)?,
            resources: places
                .into_iter()
                .map(ResourceRow::into_domain)
                .collect::<Result<_>>()?,
            types: self.appointment_types(timebook.id).await?,
            timebook,
        };
        Ok((offered, judged.open_refusal.as_deref().map(refused)))
    }

    /// The local days with a free slot in a checked range.
    async fn free_days_in(&self, range: &SlotRange) -> Result<Vec<Date>> {
        let mut env = range.env.clone();
        let epoch = jiff::civil::date(1970, 1, 1);
        let mut days = Vec::new();
        for (start, end, offset) in self.offset_stretches(range.from, range.to)? {
            env.set("from", start.into());
            env.set("to", end.into());
            env.set("offset", offset.into());
            let rows: Vec<(i64,)> = self
                .db
                .pool()
                .fetch_all(Statement::named(&FREE_DAYS, &env))
                .await?;
            for (day,) in rows {
                days.push(
                    epoch
                        .checked_add(jiff::Span::new().days(day))
                        .map_err(|_| StoreError::Corrupt("free day"))?,
                );
            }
        }
        // A day the offset changed in is counted in both stretches.
        days.dedup();
        Ok(days)
    }

    async fn free_slots_in(&self, env: &Env) -> Result<Vec<FreeSlot>> {
        // Columns by position: a month may return a couple of thousand rows.
        let rows: Vec<(i64, i64, i64, i64, i64)> = self
            .db
            .pool()
            .fetch_all(Statement::named(&FREE_SLOTS, env))
            .await?;
        rows.into_iter()
            .map(FreeSlotRow::from)
            .map(FreeSlotRow::into_domain)
            .collect()
    }

    /// `[from, to)` cut where the clinics' time zone changes its offset from UTC: each stretch
    /// with its offset in seconds, so that a local day is `(instant + offset) / 86400`.
    pub(crate) fn offset_stretches(&self, from: i64, to: i64) -> Result<Vec<(i64, i64, i64)>> {
        let at = |second: i64| {
            Timestamp::from_second(second).map_err(|_| StoreError::Corrupt("instant"))
        };
        let mut cuts = vec![from];
        for transition in self.zone.following(at(from)?) {
            let second = transition.timestamp().as_second();
            if second >= to {
                break;
            }
            cuts.push(second);
        }
        cuts.push(to);
        cuts.windows(2)
            .map(|pair| {
                let offset = self.zone.to_offset(at(pair[0])?).seconds();
                Ok((pair[0], pair[1], i64::from(offset)))
            })
            .collect()
    }

    pub(crate) async fn patient_appointments_of(
        &self,
        query: &Positional,
        patient: &NationalId,
    ) -> Result<Vec<PlannedAppointment>> {
        let env = Env::new()
            .with("patient", patient.as_str())
            .with("now", self.now().as_second());
        let rows: Vec<PlannedRow> = self
            .db
            .pool()
            .fetch_all(Statement::named(query, &env))
            .await?;
        rows.into_iter().map(PlannedRow::into_domain).collect()
    }
}

#[async_trait]
impl<D: Database> Offers for SqlStore<D> {
    async fn offer(&self, caller: &Caller, patient: &NationalId) -> Result<Option<Offer>> {
        let listed: Option<(Option<i64>,)> = self
            .db
            .pool()
            .fetch_optional(
                crate::db::q("SELECT clinic_id FROM patient WHERE national_id = $1")
                    .bind(patient.as_str()),
            )
            .await?;
        let Some((Some(clinic_id),)) = listed else {
            return Ok(None);
        };
        let env = self.reading(caller, patient).with("clinic_id", clinic_id);
        let rows: Vec<TimebookRow> = self
            .db
            .pool()
            .fetch_all(Statement::named(&OFFERED_TIMEBOOKS, &env))
            .await?;
        Ok(Some(Offer {
            clinic: self.clinic(ClinicId(clinic_id)).await?,
            timebooks: rows
                .into_iter()
                .map(TimebookRow::into_domain)
                .collect::<Result<_>>()?,
        }))
    }

    async fn offered_timebook(
        &self,
        caller: &Caller,
        patient: &NationalId,
        timebook: TimebookId,
    ) -> Result<OfferedTimebook> {
        let env = self.reading(caller, patient).with("timebook", timebook.0);
        let (offered, _) = self.judged_timebook(&env).await?;
        Ok(offered)
    }

    async fn offered_slot(
        &self,
        caller: &Caller,
        patient: &NationalId,
        slot: SlotId,
    ) -> Result<OfferedSlot> {
        let slot = self.slot(slot).await?;
        let offered = self
            .offered_timebook(caller, patient, slot.timebook_id)
            .await?;
        let resource = offered
            .resources
            .into_iter()
            .find(|r| r.id == slot.resource_id)
            .ok_or(StoreError::NotFound("resource"))?;
        Ok(OfferedSlot {
            clinic: offered.clinic,
            timebook: offered.timebook,
            resource,
            slot,
            types: offered.types,
        })
    }

    async fn slot_cancel_until(&self, slot: SlotId) -> Result<Timestamp> {
        let env = Env::new().with("slot", slot.0);
        let (cancel_until,): (i64,) = self
            .db
            .pool()
            .fetch_optional(Statement::named(&SLOT_CANCEL_UNTIL, &env))
            .await?
            .ok_or(StoreError::NotFound("slot"))?;
        crate::rows::instant(cancel_until, "slot.cancel_until")
    }

    async fn free_slots(
        &self,
        caller: &Caller,
        patient: &NationalId,
        timebook: TimebookId,
        from: Date,
        to: Date,
    ) -> Result<Vec<FreeSlot>> {
        let range = self.slot_range(caller, patient, timebook, from, to).await?;
        self.free_slots_in(&range.env).await
    }

    async fn calendar(
        &self,
        caller: &Caller,
        patient: &NationalId,
        timebook: TimebookId,
        request: CalendarRequest,
    ) -> Result<Calendar> {
        let env = self.reading(caller, patient).with("timebook", timebook.0);
        let (offered, refusal) = self.judged_timebook(&env).await?;
        let place = request
            .place
            .filter(|wanted| offered.resources.iter().any(|r| r.id == *wanted))
            .or_else(|| offered.resources.first().map(|r| r.id));
        let mut calendar = Calendar {
            offered,
            place,
            blocked: false,
            days: Vec::new(),
            day: None,
            slots: Vec::new(),
        };
        let (Some(place), Some((from, to))) = (place, request.dates) else {
            return Ok(calendar);
        };
        match refusal {
            Some(StoreError::Refused(domain::Refusal::Blocked)) => {
                calendar.blocked = true;
                return Ok(calendar);
            }
            Some(refusal) => return Err(refusal),
            None => {}
        }
        let env = env
            .with("place", place.0)
            .with("appointment_type", request.appointment_type.map(|y| y.0));
        calendar.days = self
            .free_days_in(&self.bounded(env.clone(), from, to)?)
            .await?;
        let Some(day) = request
            .day
            .filter(|wanted| calendar.days.binary_search(wanted).is_ok())
            .or_else(|| calendar.days.first().copied())
        else {
            return Ok(calendar);
        };
        calendar.slots = self
            .free_slots_in(&self.bounded(env, day, day)?.env)
            .await?;
        calendar.day = Some(day);
        Ok(calendar)
    }

    async fn planned_appointments(&self, patient: &NationalId) -> Result<Vec<PlannedAppointment>> {
        self.patient_appointments_of(&PLANNED, patient).await
    }

    async fn appointment_history(&self, patient: &NationalId) -> Result<Vec<PlannedAppointment>> {
        self.patient_appointments_of(&HISTORY, patient).await
    }

    async fn appointment_changes(&self, query: ChangeQuery) -> Result<Vec<AppointmentRecord>> {
        let (after_at, after_id) = query
            .after
            .map_or((i64::MIN, i64::MIN), |c| (c.changed_at.as_second(), c.id.0));
        let env = Env::new()
            .with("clinic", query.clinic.0)
            .with("from", query.from.map_or(i64::MIN, Timestamp::as_second))
            .with("to", query.to.map_or(i64::MAX, Timestamp::as_second))
            .with("after_at", after_at)
            .with("after_id", after_id)
            .with("limit", i64::from(query.limit));
        let rows: Vec<AppointmentRecordRow> = self
            .db
            .pool()
            .fetch_all(Statement::named(&CHANGES, &env))
            .await?;
        rows.into_iter()
            .map(AppointmentRecordRow::into_domain)
            .collect()
    }

    async fn patient_appointment(
        &self,
        patient: &NationalId,
        id: AppointmentId,
    ) -> Result<PlannedAppointment> {
        let env = Env::new()
            .with("patient", patient.as_str())
            .with("appointment", id.0)
            .with("now", self.now().as_second());
        let row: PlannedRow = self
            .db
            .pool()
            .fetch_optional(Statement::named(&OWN, &env))
            .await?
            .ok_or(StoreError::NotFound("appointment"))?;
        row.into_domain()
    }

    async fn appointment_for(
        &self,
        caller: &Caller,
        id: AppointmentId,
    ) -> Result<AppointmentRecord> {
        let env = caller_inputs(caller, self.now().as_second()).with("appointment", id.0);
        let row: AppointmentRecordRow = self
            .db
            .pool()
            .fetch_optional(Statement::named(&RECORD, &env))
            .await?
            .ok_or(StoreError::NotFound("appointment"))?;
        row.into_domain()
    }

    async fn appointments_for(
        &self,
        caller: &Caller,
        patient: &NationalId,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> Result<Vec<AppointmentRecord>> {
        let env = self
            .reading(caller, patient)
            .with("from", from.map_or(i64::MIN, Timestamp::as_second))
            .with("to", to.map_or(i64::MAX, Timestamp::as_second));
        let rows: Vec<AppointmentRecordRow> = self
            .db
            .pool()
            .fetch_all(Statement::named(&RECORDS, &env))
            .await?;
        rows.into_iter()
            .map(AppointmentRecordRow::into_domain)
            .collect()
    }
}
