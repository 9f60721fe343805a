//! The pass that offers freed places to the waitlist, run by every notification worker's
//! round (so within seconds of a cancellation, a move, a slot published, or a hold running
//! out) on any number of servers at once.
//!
//! 1. Offers that lapsed (their time ran out, or their hold is gone) are marked expired, and
//!    entries past their last day ended: their places are free for the next in line.
//! 2. One query lists, for every waiting entry without an open offer, in line order, the free
//!    slots it may be offered: slots of its timebook and place on its days, offered to nobody,
//!    never offered to it before, and passing every rule of the booking core for its patient
//!    (`rules::slot_rules_for`, the same conditions the offer program checks again).
//! 3. Each entry in turn gets the earliest of them that its weekdays and time of day take (on
//!    the clinic's wall clock, `domain::WaitlistWish::matches`) and no earlier entry got in
//!    this round, through the booking core's offer program. Whatever changed since the query
//!    is decided there, under the slot's lock: a place another server offered or held in the
//!    meantime is `unavailable` or taken, and the entry tries its next slot.

use crate::booking::rules::{self, SlotRequest};
use crate::booking::{caller_inputs, is_unique_violation, programs};
use crate::db::named::{Env, Positional};
use crate::db::{Database, Executor, Statement, Transaction};
use crate::rows::{self, valid};
use crate::{Result, SqlStore, StoreError};
use domain::{Actor, Caller, NationalId, Patients, Policy, Reach, Refusal, SlotId, WaitlistWish};
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// What one pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OfferRound {
    /// Offers marked expired: not answered in time, or their hold gone.
    pub lapsed: u64,
    /// Entries past their last day.
    pub ended: u64,
    /// Places offered.
    pub offered: u64,
}

/// How many slots one entry tries in one pass before it waits for the next: each try that
/// fails lost a race, and the next pass starts from what is true then.
const TRIES_PER_ENTRY: u8 = 3;

static ANYTHING_TO_CLOSE: LazyLock<Positional> = LazyLock::new(|| {
    Positional::new(&format!(
        "SELECT (EXISTS (SELECT 1 FROM waitlist_offer o WHERE {}) \
           OR EXISTS (SELECT 1 FROM waitlist_entry e \
             WHERE e.state = 'waiting' AND e.closes_at <= :now))",
        rules::offer_lapsed("o")
    ))
});

static EXPIRE: LazyLock<Positional> = LazyLock::new(|| {
    Positional::new(&format!(
        "UPDATE waitlist_offer SET state = 'expired', answered_at = :now WHERE {}",
        rules::offer_lapsed("waitlist_offer")
    ))
});

static END: LazyLock<Positional> = LazyLock::new(|| {
    Positional::new(
        "UPDATE waitlist_entry SET state = 'ended', ended_at = :now \
         WHERE state = 'waiting' AND closes_at <= :now",
    )
});

/// Every waiting entry with the slots it may be offered, in line order and then by start.
static CANDIDATES: LazyLock<Positional> = LazyLock::new(|| {
    Positional::new(&format!(
        "SELECT e.id, e.national_id, e.weekdays, e.from_minute, e.to_minute, e.opens_at, \
           e.closes_at, s.id, s.starts_at \
         FROM waitlist_entry e \
           JOIN timebook t ON t.id = e.timebook_id \
           JOIN slot s ON s.timebook_id = e.timebook_id \
         WHERE {} AND {} AND {} AND ({}) IS NULL \
         ORDER BY e.created_at, e.id, s.starts_at, s.id",
        rules::offerable("e", "e.national_id"),
        rules::published().passes(),
        rules::window_bounds(),
        rules::slot_rules_for(SlotRequest::Offer, "e.national_id").case()
    ))
});

/// The waitlist judging its whole line: every patient's own rules, every clinic. Each offer
/// is then made for one patient alone (`Caller::waitlist`).
fn line() -> Caller {
    Caller {
        actor: Actor::System,
        reach: Reach::Everywhere,
        patients: Patients::Any,
        policy: Policy::SelfService,
    }
}

/// One row of [`CANDIDATES`].
type Candidate = (i64, String, i64, i64, i64, i64, i64, i64, i64);

/// Whether a refusal is about the patient rather than the slot: their other slots would be
/// refused too.
fn refuses_patient(refusal: Refusal) -> bool {
    matches!(
        refusal,
        Refusal::Blocked
            | Refusal::NotOnList
            | Refusal::NotInReach
            | Refusal::ServiceOff
            | Refusal::OverLimit
    )
}

impl<D: Database> SqlStore<D> {
    /// Marks lapsed offers expired and ends entries past their last day; a write only when
    /// there is something to close, since the pass runs every few seconds.
    async fn close_lapsed(&self, now: i64) -> Result<(u64, u64)> {
        let env = Env::new().with("now", now);
        let (any,): (bool,) = self
            .db
            .pool()
            .fetch_one(Statement::named(&ANYTHING_TO_CLOSE, &env))
            .await?;
        if !any {
            return Ok((0, 0));
        }
        let mut tx = self.db.begin_write().await?;
        let lapsed = tx.execute(Statement::named(&EXPIRE, &env)).await?;
        let ended = tx.execute(Statement::named(&END, &env)).await?;
        tx.commit().await?;
        Ok((lapsed, ended))
    }

    /// The wish of a candidate's entry.
    fn wish_of(&self, row: &Candidate) -> Result<WaitlistWish> {
        let date = |at: i64| -> Result<jiff::civil::Date> {
            Ok(rows::instant(at, "waitlist_entry.opens_at")?
                .to_zoned_datetime(self.zone.clone())
                .date())
        };
        let last = valid(date(row.6)?.yesterday(), "waitlist_entry.closes_at")?;
        valid(
            WaitlistWish::stored(row.2, (row.3, row.4), (date(row.5)?, last)),
            "waitlist_entry.weekdays",
        )
    }

    /// Offers the slot to the entry's patient through the booking core: the offer's id, or
    /// `None` when someone got there first.
    async fn offer_place(
        &self,
        entry: i64,
        patient: &NationalId,
        slot: SlotId,
    ) -> Result<Option<i64>> {
        let now = self.now();
        let until = now.saturating_add(self.settings.offer_for).unwrap_or(now);
        let env = caller_inputs(&Caller::waitlist(patient.clone()), now.as_second())
            .with("slot", slot.0)
            .with("patient", patient.as_str())
            .with("entry", entry)
            .with("hold_until", until.as_second());
        match self.db.run(&programs::OFFER, env).await {
            // Another server's offer of the slot, or to the entry, committed first.
            Err(error) if is_unique_violation(&error) => Ok(None),
            Err(error) => Err(error),
            Ok(answer) if answer.outcome == "unavailable" => Ok(None),
            Ok(answer) => answer.id(&["offered"]).map(Some),
        }
    }

    pub(super) async fn offer_round(&self) -> Result<OfferRound> {
        let now = self.now().as_second();
        let (lapsed, ended) = self.close_lapsed(now).await?;
        let mut round = OfferRound {
            lapsed,
            ended,
            offered: 0,
        };
        let env = caller_inputs(&line(), now).with("moving", None::<i64>);
        let candidates: Vec<Candidate> = self
            .db
            .pool()
            .fetch_all(Statement::named(&CANDIDATES, &env))
            .await?;
        let mut wishes: HashMap<i64, WaitlistWish> = HashMap::new();
        let mut served: HashSet<i64> = HashSet::new();
        let mut given: HashSet<i64> = HashSet::new();
        let mut tries: HashMap<i64, u8> = HashMap::new();
        for row in &candidates {
            let (entry, slot, start) = (row.0, row.7, row.8);
            if served.contains(&entry) || given.contains(&slot) {
                continue;
            }
            let tried = tries.entry(entry).or_insert(0);
            if *tried >= TRIES_PER_ENTRY {
                continue;
            }
            let wish = match wishes.get(&entry) {
                Some(wish) => *wish,
                None => *wishes.entry(entry).or_insert(self.wish_of(row)?),
            };
            let start =
                rows::instant(start, "slot.starts_at")?.to_zoned_datetime(self.zone.clone());
            if !wish.matches(&start) {
                continue;
            }
            *tried += 1;
            let patient = rows::national_id(&row.1, "waitlist_entry.national_id")?;
            match self.offer_place(entry, &patient, SlotId(slot)).await {
                Ok(Some(_)) => {
                    round.offered += 1;
                    served.insert(entry);
                    given.insert(slot);
                }
                Ok(None) => {
                    given.insert(slot);
                }
                Err(StoreError::Refused(refusal)) if refuses_patient(refusal) => {
                    served.insert(entry);
                }
                Err(StoreError::Refused(_)) => {
                    given.insert(slot);
                }
                Err(error) => return Err(error),
            }
        }
        Ok(round)
    }
}
