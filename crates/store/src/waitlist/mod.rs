//! Venteliste: patients waiting for a timebook, and the freed places offered to them in turn.
//!
//! A patient who finds no time that suits joins a timebook's waitlist with the weekdays, time
//! of day and days that would ([`domain::WaitlistWish`]), at one place or any. When a place
//! that matches is free — freed by a cancellation or a move, or newly published — the pass
//! (`pass.rs`) offers it to the first patient in line who matches it: the booking core's offer
//! program holds the place for them, for `offer_for` (30 minutes unless configured), and
//! writes the offer, its notice job and its audit entry in the same transaction. The patient
//! accepts by booking with that hold through the core's book program, which marks the offer
//! accepted and the entry booked in the booking's own transaction; or declines, which releases
//! the hold.
//!
//! What keeps a place from going to two people is the booking core itself: the offer is a
//! hold, taken under the slot's lock after every booking rule (a blocked patient, one off the
//! list, one over the timebook's limit or already booked in the slot is refused as their own
//! hold would be), and a held place is not free to anyone else. The partial unique indexes on
//! `waitlist_offer` (one open offer per slot, one per entry) are the last line of defence,
//! for several servers running the pass at once.
//!
//! - Line order: first come, first served, by when the patient joined.
//! - Declined or expired, the offer goes to the next in line; the entry stays on the list, for
//!   other times, and is never offered the same slot again.
//! - An offer lapses when its hold is gone before it is answered: released by a block, by the
//!   patient holding another slot of the timebook in «Velg time», or deleted with its slot.
//! - A patient who holds a place in the timebook (reviewing a booking, or an offer) is passed
//!   over until that hold is gone; one at the timebook's limit is passed over by the limit
//!   rule itself.
//! - An entry ends after its last day; the patient may leave it at any time.

mod pass;

pub use pass::OfferRound;

use crate::audit::{Entry, record};
use crate::booking::rules;
use crate::db::named::{Env, Positional};
use crate::db::{Database, Executor, Statement, Transaction, q};
use crate::rows::{self, valid};
use crate::{BookRequest, Booked, Booking, Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{
    Actor, Address, AppointmentId, AuditAction, Caller, ClinicId, ClinicName, HoldId, NationalId,
    PersonName, Reason, Refusal, ResourceId, ResourceName, SlotId, SlotLength, TimebookId,
    TimebookKind, WaitlistWish,
};
use jiff::Timestamp;
use std::sync::LazyLock;

/// A patient's wish to wait for a timebook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinWaitlist {
    pub timebook: TimebookId,
    /// One of the timebook's places, or `None` for any of them.
    pub place: Option<ResourceId>,
    pub wish: WaitlistWish,
}

/// What joining came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// On the list, last in line, as entry `id`.
    Waiting(i64),
    /// Already waiting for this timebook, as entry `id`; nothing changed.
    AlreadyWaiting(i64),
}

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryState {
    Waiting,
    /// An offer was accepted: the patient is booked.
    Booked,
    /// The patient left the list.
    Left,
    /// Its last day has ended.
    Ended,
}

/// The place offered to an entry now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOffer {
    pub id: i64,
    pub start: Timestamp,
    /// Until when it is held.
    pub expires_at: Timestamp,
}

/// One waiting patient, as their own page and the office's list show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitlistEntry {
    pub id: i64,
    pub timebook_id: TimebookId,
    pub kind: TimebookKind,
    pub clinic_name: ClinicName,
    /// The one place waited for; `None` for any of the timebook's.
    pub place: Option<ResourceName>,
    pub patient: NationalId,
    /// First and last name while the patient is on the clinic's list.
    pub name: Option<(PersonName, PersonName)>,
    pub wish: WaitlistWish,
    pub created_at: Timestamp,
    pub state: EntryState,
    pub offer: Option<OpenOffer>,
}

/// Where an offer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferState {
    /// Held for the patient, to accept or decline.
    Open,
    Accepted,
    Declined,
    /// Not answered in time, or its hold went first.
    Expired,
}

/// A place offered from the waitlist, as the patient's offer page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitlistOffer {
    pub id: i64,
    pub state: OfferState,
    pub clinic_name: ClinicName,
    pub timebook_id: TimebookId,
    pub kind: TimebookKind,
    pub slot: SlotId,
    pub resource_name: ResourceName,
    pub address: Address,
    pub start: Timestamp,
    pub length: SlotLength,
    pub expires_at: Timestamp,
    pub hold: HoldId,
    pub appointment: Option<AppointmentId>,
}

#[async_trait]
pub trait Waitlist: Send + Sync {
    /// Puts the patient on the timebook's waitlist, last in line. Refused as the timebook's
    /// free slots are (not in reach, service off, blocked, not on the list); a place that is
    /// not the timebook's is not found.
    async fn join_waitlist(
        &self,
        caller: &Caller,
        patient: &NationalId,
        join: &JoinWaitlist,
    ) -> Result<Joined>;
    /// Takes the patient's own waiting entry off the list, and declines its open offer.
    /// The caller is the patient, or someone acting for them, whom the audit names.
    async fn leave_waitlist(&self, caller: &Caller, entry: i64) -> Result<()>;
    /// The patient's waiting entries, oldest first, with the place offered to each.
    async fn patient_waitlist(&self, patient: &NationalId) -> Result<Vec<WaitlistEntry>>;
    /// One of the patient's own offers, in any state; not found for anyone else's.
    async fn patient_offer(&self, patient: &NationalId, offer: i64) -> Result<WaitlistOffer>;
    /// Books the offered place with its hold, through the booking core, as the caller: the
    /// patient, or someone acting for them. An offer no longer open is refused as a lost
    /// hold.
    async fn accept_offer(&self, caller: &Caller, offer: i64, reason: &Reason) -> Result<Booked>;
    /// Declines the patient's open offer and releases its place; `false` when it was no
    /// longer open.
    async fn decline_offer(&self, caller: &Caller, offer: i64) -> Result<bool>;
    /// The timebook's waiting patients in line order, each an audited view. Not found for
    /// another clinic's timebook.
    async fn clinic_waitlist(
        &self,
        actor: &Actor,
        clinic: ClinicId,
        timebook: TimebookId,
    ) -> Result<Vec<WaitlistEntry>>;
    /// The pass: expires offers that lapsed, ends entries past their last day, and offers
    /// every free place that matches a waiting entry to the first in line for it.
    async fn offer_freed_places(&self) -> Result<OfferRound>;
    /// How long an offered place is held: what the pages tell a patient who joins.
    fn offer_time(&self) -> jiff::SignedDuration;
}

/// The columns of an [`EntryRow`], over the entry `e`, its timebook `t`, clinic `c`, place
/// `r`, patient `p` and open offer `o` with its slot `os`.
const ENTRY_COLUMNS: &str = "e.id, e.timebook_id, t.kind, c.name AS clinic_name, \
    r.name AS resource_name, e.national_id, p.first_name, p.last_name, e.weekdays, \
    e.from_minute, e.to_minute, e.opens_at, e.closes_at, e.created_at, e.state, \
    o.id AS offer_id, os.starts_at AS offer_start, o.expires_at AS offer_expires_at";

/// Entries with what [`ENTRY_COLUMNS`] reads, where `condition` holds, oldest first. Only an
/// offer that has not lapsed counts as open.
fn entries(condition: &str) -> Positional {
    Positional::new(&format!(
        "SELECT {ENTRY_COLUMNS} \
         FROM waitlist_entry e \
           JOIN timebook t ON t.id = e.timebook_id \
           JOIN clinic c ON c.id = e.clinic_id \
           LEFT JOIN resource r ON r.id = e.resource_id \
           LEFT JOIN patient p ON p.national_id = e.national_id AND p.clinic_id = e.clinic_id \
           LEFT JOIN waitlist_offer o ON o.entry_id = e.id AND o.state = 'open' \
             AND NOT ({}) \
           LEFT JOIN slot os ON os.id = o.slot_id \
         WHERE {condition} AND {} \
         ORDER BY e.created_at, e.id",
        rules::offer_lapsed("o"),
        rules::entry_waiting("e"),
    ))
}

static PATIENT_ENTRIES: LazyLock<Positional> =
    LazyLock::new(|| entries("e.national_id = :patient"));

static CLINIC_ENTRIES: LazyLock<Positional> =
    LazyLock::new(|| entries("e.clinic_id = :clinic AND e.timebook_id = :timebook"));

static OFFER: LazyLock<Positional> = LazyLock::new(|| {
    Positional::new(&format!(
        "SELECT o.id, o.state, ({}) AS lapsed, c.name AS clinic_name, o.timebook_id, t.kind, \
           o.slot_id, r.name AS resource_name, l.address, s.starts_at, s.length_minutes, \
           o.expires_at, o.hold_id, o.appointment_id \
         FROM waitlist_offer o \
           JOIN clinic c ON c.id = o.clinic_id \
           JOIN timebook t ON t.id = o.timebook_id \
           JOIN slot s ON s.id = o.slot_id \
           JOIN resource r ON r.id = s.resource_id \
           JOIN location l ON l.id = r.location_id \
         WHERE o.id = :offer AND o.national_id = :patient",
        rules::offer_lapsed("o")
    ))
});

/// Declines the patient's open offer `:offer`, answering its hold.
static DECLINE: LazyLock<Positional> = LazyLock::new(|| {
    Positional::new(&format!(
        "UPDATE waitlist_offer SET state = 'declined', answered_at = :now \
         WHERE id = :offer AND national_id = :patient AND state = 'open' AND NOT ({}) \
         RETURNING hold_id",
        rules::offer_lapsed("waitlist_offer")
    ))
});

/// The patient's lock, as the booking programs take it first.
static LOCK_PATIENT: LazyLock<Positional> =
    LazyLock::new(|| Positional::new(crate::booking::programs::PATIENT_LOCK));

/// What a timebook's free slots ask of the patient: reach, service, block, list.
static JOINABLE: LazyLock<Positional> = LazyLock::new(|| {
    Positional::new(&format!(
        "SELECT {}, t.clinic_id FROM timebook t WHERE t.id = :timebook",
        rules::timebook_rules(":patient").case()
    ))
});

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    timebook_id: i64,
    kind: String,
    clinic_name: String,
    resource_name: Option<String>,
    national_id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    weekdays: i64,
    from_minute: i64,
    to_minute: i64,
    opens_at: i64,
    closes_at: i64,
    created_at: i64,
    state: String,
    offer_id: Option<i64>,
    offer_start: Option<i64>,
    offer_expires_at: Option<i64>,
}

impl<D: Database> SqlStore<D> {
    /// The local date of an instant, in the clinics' time zone.
    fn local_date(&self, at: i64, column: &'static str) -> Result<jiff::civil::Date> {
        Ok(rows::instant(at, column)?
            .to_zoned_datetime(self.zone.clone())
            .date())
    }

    /// A wish as a row stores it: the weekdays' mask, the minutes of the time of day, and the
    /// start of its first day and of the day after its last. A request for a time
    /// (timeønske) stores the days and times that suit the same way.
    pub(crate) fn stored_wish(
        &self,
        weekdays: i64,
        minutes: (i64, i64),
        (opens_at, closes_at): (i64, i64),
    ) -> Result<WaitlistWish> {
        let first = self.local_date(opens_at, "opens_at")?;
        // The wish closes at the start of the day after its last.
        let after = self.local_date(closes_at, "closes_at")?;
        let last = valid(after.yesterday(), "closes_at")?;
        valid(
            WaitlistWish::stored(weekdays, minutes, (first, last)),
            "weekdays",
        )
    }

    /// Where a wish's days begin and end, as [`Self::stored_wish`] reads them back.
    pub(crate) fn wish_bounds(&self, wish: &WaitlistWish) -> Result<(i64, i64)> {
        let opens_at = self.start_of(wish.first_day())?;
        let after = wish
            .last_day()
            .tomorrow()
            .map_err(|_| StoreError::Corrupt("waitlist days"))?;
        Ok((opens_at, self.start_of(after)?))
    }

    fn entry(&self, row: EntryRow) -> Result<WaitlistEntry> {
        let wish = self.stored_wish(
            row.weekdays,
            (row.from_minute, row.to_minute),
            (row.opens_at, row.closes_at),
        )?;
        let name = match (row.first_name, row.last_name) {
            (Some(first), Some(last)) => Some((
                valid(PersonName::parse(&first), "patient.first_name")?,
                valid(PersonName::parse(&last), "patient.last_name")?,
            )),
            _ => None,
        };
        let offer = match (row.offer_id, row.offer_start, row.offer_expires_at) {
            (Some(id), Some(start), Some(expires_at)) => Some(OpenOffer {
                id,
                start: rows::instant(start, "slot.starts_at")?,
                expires_at: rows::instant(expires_at, "waitlist_offer.expires_at")?,
            }),
            _ => None,
        };
        Ok(WaitlistEntry {
            id: row.id,
            timebook_id: TimebookId(row.timebook_id),
            kind: valid(TimebookKind::parse(&row.kind), "timebook.kind")?,
            clinic_name: valid(ClinicName::parse(&row.clinic_name), "clinic.name")?,
            place: row
                .resource_name
                .map(|name| valid(ResourceName::parse(&name), "resource.name"))
                .transpose()?,
            patient: rows::national_id(&row.national_id, "waitlist_entry.national_id")?,
            name,
            wish,
            created_at: rows::instant(row.created_at, "waitlist_entry.created_at")?,
            state: match row.state.as_str() {
                "waiting" if row.closes_at <= self.now().as_second() => EntryState::Ended,
                "waiting" => EntryState::Waiting,
                "booked" => EntryState::Booked,
                "left" => EntryState::Left,
                "ended" => EntryState::Ended,
                _ => return Err(StoreError::Corrupt("waitlist_entry.state")),
            },
            offer,
        })
    }

    async fn entries_of(&self, statement: &Positional, env: &Env) -> Result<Vec<WaitlistEntry>> {
        let rows: Vec<EntryRow> = self
            .db
            .pool()
            .fetch_all(Statement::named(statement, env))
            .await?;
        rows.into_iter().map(|row| self.entry(row)).collect()
    }

    /// The refusal of the timebook's free slots to the patient, and its clinic.
    async fn joinable(
        &self,
        caller: &Caller,
        patient: &NationalId,
        timebook: TimebookId,
    ) -> Result<i64> {
        let env = crate::booking::caller_inputs(caller, self.now().as_second())
            .with("patient", patient.as_str())
            .with("timebook", timebook.0);
        let judged: Option<(Option<String>, i64)> = self
            .db
            .pool()
            .fetch_optional(Statement::named(&JOINABLE, &env))
            .await?;
        match judged {
            None => Err(StoreError::NotFound("timebook")),
            Some((None, clinic)) => Ok(clinic),
            Some((Some(code), _)) => Err(Refusal::parse(&code)
                .map(StoreError::Refused)
                .unwrap_or(StoreError::Corrupt("verdict"))),
        }
    }

    /// Writes the entry in a transaction of its own, ending the patient's entry for the
    /// timebook whose last day has passed first.
    async fn insert_entry(
        &self,
        clinic: i64,
        (caller, patient): (&Caller, &NationalId),
        join: &JoinWaitlist,
    ) -> Result<Joined> {
        let now = self.now().as_second();
        let (opens_at, closes_at) = self.wish_bounds(&join.wish)?;
        let (from, to) = join.wish.minutes();
        let mut tx = self.db.begin_write().await?;
        tx.execute(
            q("UPDATE waitlist_entry SET state = 'ended', ended_at = $1 \
               WHERE timebook_id = $2 AND national_id = $3 AND state = 'waiting' AND closes_at <= $1")
            .bind(now)
            .bind(join.timebook.0)
            .bind(patient.as_str()),
        )
        .await?;
        let waiting: Option<(i64,)> = tx
            .fetch_optional(
                q("SELECT id FROM waitlist_entry \
                   WHERE timebook_id = $1 AND national_id = $2 AND state = 'waiting'")
                .bind(join.timebook.0)
                .bind(patient.as_str()),
            )
            .await?;
        if let Some((id,)) = waiting {
            return Ok(Joined::AlreadyWaiting(id));
        }
        let (id,): (i64,) = tx
            .fetch_one(
                q(
                    "INSERT INTO waitlist_entry (clinic_id, timebook_id, resource_id, national_id, \
                     weekdays, from_minute, to_minute, opens_at, closes_at, created_at, state, \
                     representative) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'waiting', $11) RETURNING id",
                )
                .bind(clinic)
                .bind(join.timebook.0)
                .bind(join.place.map(|p| p.0))
                .bind(patient.as_str())
                .bind(i64::from(join.wish.weekdays().mask()))
                .bind(i64::from(from))
                .bind(i64::from(to))
                .bind(opens_at)
                .bind(closes_at)
                .bind(now)
                .bind(caller.representative_id().map(NationalId::as_str)),
            )
            .await?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor: &caller.actor,
                action: AuditAction::WaitlistJoined,
                clinic_id: Some(clinic),
                patient: Some(patient),
                subject: format!("waitlist_entry:{id}"),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Joined::Waiting(id))
    }

    /// Declines the open offer `offer` of the patient's and releases its hold, inside `tx`;
    /// whether there was one to decline.
    async fn close_offer(
        tx: &mut impl Transaction,
        now: i64,
        patient: &NationalId,
        offer: i64,
    ) -> Result<bool> {
        let env = Env::new()
            .with("now", now)
            .with("offer", offer)
            .with("patient", patient.as_str());
        // Under the patient's lock, as a booking takes it before it judges the offer's hold:
        // without it, «Bestill» on another server could find the hold still there, book with
        // it and commit after this, the patient booked and the offer declined.
        tx.lock(Statement::named(&LOCK_PATIENT, &env)).await?;
        let hold: Option<(i64,)> = tx.fetch_optional(Statement::named(&DECLINE, &env)).await?;
        let Some((hold,)) = hold else {
            return Ok(false);
        };
        tx.execute(
            q("DELETE FROM slot_hold WHERE id = $1 AND national_id = $2")
                .bind(hold)
                .bind(patient.as_str()),
        )
        .await?;
        Ok(true)
    }
}

#[derive(sqlx::FromRow)]
struct OfferRow {
    id: i64,
    state: String,
    lapsed: Option<bool>,
    clinic_name: String,
    timebook_id: i64,
    kind: String,
    slot_id: i64,
    resource_name: String,
    address: String,
    starts_at: i64,
    length_minutes: i64,
    expires_at: i64,
    hold_id: i64,
    appointment_id: Option<i64>,
}

impl OfferRow {
    fn into_domain(self) -> Result<WaitlistOffer> {
        let state = match (self.state.as_str(), self.lapsed) {
            ("open", Some(false)) => OfferState::Open,
            ("open" | "expired", _) => OfferState::Expired,
            ("accepted", _) => OfferState::Accepted,
            ("declined", _) => OfferState::Declined,
            _ => return Err(StoreError::Corrupt("waitlist_offer.state")),
        };
        Ok(WaitlistOffer {
            id: self.id,
            state,
            clinic_name: valid(ClinicName::parse(&self.clinic_name), "clinic.name")?,
            timebook_id: TimebookId(self.timebook_id),
            kind: valid(TimebookKind::parse(&self.kind), "timebook.kind")?,
            slot: SlotId(self.slot_id),
            resource_name: valid(ResourceName::parse(&self.resource_name), "resource.name")?,
            address: valid(Address::parse(&self.address), "location.address")?,
            start: rows::instant(self.starts_at, "slot.starts_at")?,
            length: valid(
                SlotLength::minutes(self.length_minutes),
                "slot.length_minutes",
            )?,
            expires_at: rows::instant(self.expires_at, "waitlist_offer.expires_at")?,
            hold: HoldId(self.hold_id),
            appointment: self.appointment_id.map(AppointmentId),
        })
    }
}

#[async_trait]
impl<D: Database> Waitlist for SqlStore<D> {
    async fn join_waitlist(
        &self,
        caller: &Caller,
        patient: &NationalId,
        join: &JoinWaitlist,
    ) -> Result<Joined> {
        let clinic = self.joinable(caller, patient, join.timebook).await?;
        if let Some(place) = join.place {
            let found: Option<(i64,)> = self
                .db
                .pool()
                .fetch_optional(
                    q("SELECT id FROM resource WHERE id = $1 AND timebook_id = $2")
                        .bind(place.0)
                        .bind(join.timebook.0),
                )
                .await?;
            found.ok_or(StoreError::NotFound("resource"))?;
        }
        match self.insert_entry(clinic, (caller, patient), join).await {
            // The same patient joining twice at once: the other try is on the list.
            Err(error) if crate::booking::is_unique_violation(&error) => {
                let (id,): (i64,) = self
                    .db
                    .pool()
                    .fetch_one(
                        q("SELECT id FROM waitlist_entry \
                           WHERE timebook_id = $1 AND national_id = $2 AND state = 'waiting'")
                        .bind(join.timebook.0)
                        .bind(patient.as_str()),
                    )
                    .await?;
                Ok(Joined::AlreadyWaiting(id))
            }
            joined => joined,
        }
    }

    async fn leave_waitlist(&self, caller: &Caller, entry: i64) -> Result<()> {
        let patient = crate::own_patient(caller)?;
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let found: Option<(i64,)> = tx
            .fetch_optional(
                q("SELECT clinic_id FROM waitlist_entry \
                   WHERE id = $1 AND national_id = $2 AND state = 'waiting'")
                .bind(entry)
                .bind(patient.as_str()),
            )
            .await?;
        let Some((clinic,)) = found else {
            return Err(StoreError::NotFound("waitlist entry"));
        };
        // The offer before the entry, in the order a booking that accepts it writes them, so
        // that the two never wait for each other.
        let open: Vec<(i64,)> = tx
            .fetch_all(
                q("SELECT id FROM waitlist_offer WHERE entry_id = $1 AND state = 'open'")
                    .bind(entry),
            )
            .await?;
        for (offer,) in open {
            Self::close_offer(&mut tx, now, patient, offer).await?;
        }
        let left = tx
            .execute(
                q("UPDATE waitlist_entry SET state = 'left', ended_at = $1 \
                   WHERE id = $2 AND state = 'waiting'")
                .bind(now)
                .bind(entry),
            )
            .await?;
        // Booked through its offer in the meantime: nothing to leave.
        if left == 0 {
            return Err(StoreError::NotFound("waitlist entry"));
        }
        record(
            &mut tx,
            Entry {
                at: now,
                actor: &caller.actor,
                action: AuditAction::WaitlistLeft,
                clinic_id: Some(clinic),
                patient: Some(patient),
                subject: format!("waitlist_entry:{entry}"),
            },
        )
        .await?;
        tx.commit().await
    }

    async fn patient_waitlist(&self, patient: &NationalId) -> Result<Vec<WaitlistEntry>> {
        let env = Env::new()
            .with("patient", patient.as_str())
            .with("now", self.now().as_second());
        self.entries_of(&PATIENT_ENTRIES, &env).await
    }

    async fn patient_offer(&self, patient: &NationalId, offer: i64) -> Result<WaitlistOffer> {
        let env = Env::new()
            .with("patient", patient.as_str())
            .with("offer", offer)
            .with("now", self.now().as_second());
        let row: OfferRow = self
            .db
            .pool()
            .fetch_optional(Statement::named(&OFFER, &env))
            .await?
            .ok_or(StoreError::NotFound("waitlist offer"))?;
        row.into_domain()
    }

    async fn accept_offer(&self, caller: &Caller, offer: i64, reason: &Reason) -> Result<Booked> {
        let patient = crate::own_patient(caller)?;
        let offer = self.patient_offer(patient, offer).await?;
        if offer.state != OfferState::Open {
            return Err(StoreError::Refused(Refusal::HoldLost));
        }
        let request = BookRequest {
            appointment_type: None,
            patient: patient.clone(),
            slot: offer.slot,
            reason: reason.clone(),
            hold: Some(offer.hold),
            idempotency: None,
        };
        self.book(caller, &request).await
    }

    async fn decline_offer(&self, caller: &Caller, offer: i64) -> Result<bool> {
        let patient = crate::own_patient(caller)?;
        let found = self.patient_offer(patient, offer).await?;
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        if !Self::close_offer(&mut tx, now, patient, offer).await? {
            return Ok(false);
        }
        let (clinic,): (i64,) = tx
            .fetch_one(q("SELECT clinic_id FROM waitlist_offer WHERE id = $1").bind(found.id))
            .await?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor: &caller.actor,
                action: AuditAction::WaitlistOfferDeclined,
                clinic_id: Some(clinic),
                patient: Some(patient),
                subject: format!("waitlist_offer:{offer}"),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn clinic_waitlist(
        &self,
        actor: &Actor,
        clinic: ClinicId,
        timebook: TimebookId,
    ) -> Result<Vec<WaitlistEntry>> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        self.own_timebook(&mut tx, clinic, timebook).await?;
        let env = Env::new()
            .with("clinic", clinic.0)
            .with("timebook", timebook.0)
            .with("now", now);
        let rows: Vec<EntryRow> = tx
            .fetch_all(Statement::named(&CLINIC_ENTRIES, &env))
            .await?;
        let entries = rows
            .into_iter()
            .map(|row| self.entry(row))
            .collect::<Result<Vec<_>>>()?;
        for entry in &entries {
            record(
                &mut tx,
                Entry {
                    at: now,
                    actor,
                    action: AuditAction::WaitlistViewed,
                    clinic_id: Some(clinic.0),
                    patient: Some(&entry.patient),
                    subject: format!("waitlist_entry:{}", entry.id),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(entries)
    }

    async fn offer_freed_places(&self) -> Result<OfferRound> {
        self.offer_round().await
    }

    fn offer_time(&self) -> jiff::SignedDuration {
        self.settings.offer_for
    }
}
