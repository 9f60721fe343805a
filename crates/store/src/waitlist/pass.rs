//! The pass that offers freed places to the waitlist, run by every notification worker's
//! round (so within seconds of a cancellation, a move, a slot published, or a hold running
//! out) on any number of servers at once.
//!
//! 1. Offers that lapsed (their time ran out, or their hold is gone) are marked expired, and
//!    entries past their last day ended: their places are free for the next in line.
//! 2. One query lists, for every waiting entry without an open offer, in line order, its
//!    earliest free slots: of its timebook and place, on its days, weekdays and time of day,
//!    offered to nobody, never offered to it before, and passing every rule of the booking
//!    core for its patient (`rules::slot_rules_for`, the same conditions the offer program
//!    checks again). It narrows entries and slots each on their own first, so that a long
//!    line beside many free slots costs the pass little (see [`CANDIDATES`]).
//! 3. Each entry in turn gets the earliest of them that its wish takes (on the clinic's wall
//!    clock, `domain::WaitlistWish::matches`) and no earlier entry got in this pass, through
//!    the booking core's offer program. Whatever changed since the query is decided there,
//!    under the slot's lock: a place another server offered or held in the meantime is
//!    `unavailable` or taken, and the entry tries its next slot. An entry that wants a place
//!    of the pass and ends it with none (it lost its tries, or earlier entries took every
//!    place listed for it) stops its timebook's line there: a place it did not get to, or
//!    one past the few listed for it, is its own before anyone's behind it, and the next
//!    pass starts from it again. After a burst (a day of slots published for a long line)
//!    each pass serves a part of the line, and the next passes the rest.

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
/// fails lost a race, and the next pass starts from what is true then. The entries behind it
/// in its timebook wait with it.
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

/// How many stretches of one UTC offset the pass tells apart: the clinics' zone changes its
/// offset twice a year, so eight reach over three years ahead, past any booking window.
const STRETCHES: usize = 8;
const CUTS: [&str; STRETCHES - 1] = ["cut1", "cut2", "cut3", "cut4", "cut5", "cut6", "cut7"];
const OFFSETS: [&str; STRETCHES] = [
    "offset0", "offset1", "offset2", "offset3", "offset4", "offset5", "offset6", "offset7",
];

/// The slot's start on the clinics' wall clock, in seconds since 1970-01-01 local time: its
/// instant plus the UTC offset of its stretch (`:cutN`, `:offsetN`).
fn local_start() -> String {
    let mut sql = String::from("(s.starts_at + CASE");
    for (cut, offset) in CUTS.iter().zip(OFFSETS) {
        sql.push_str(&format!(" WHEN s.starts_at < :{cut} THEN :{offset}"));
    }
    sql.push_str(&format!(" ELSE :{} END)", OFFSETS[STRETCHES - 1]));
    sql
}

/// The bit of the slot's weekday on the wall clock (Monday 1, Sunday 64, as an entry's
/// `weekdays` has them; 1970-01-01 was a Thursday).
fn weekday_bit() -> String {
    format!(
        "(CASE ({} / 86400 + 3) % 7 WHEN 0 THEN 1 WHEN 1 THEN 2 WHEN 2 THEN 4 WHEN 3 THEN 8 \
           WHEN 4 THEN 16 WHEN 5 THEN 32 ELSE 64 END)",
        local_start()
    )
}

/// The slot's start as minutes after midnight on the wall clock.
fn minute_of_day() -> String {
    format!("(({} % 86400) / 60)", local_start())
}

/// How many of each entry's earliest places one pass judges by the booking rules: enough for
/// the places earlier entries take in the same pass, and few enough that a patient the rules
/// refuse (at the timebook's limit, say) costs the pass little. An entry whose places all
/// went to those before it gets the next ones at the next pass, before anyone behind it.
const JUDGED_PER_ENTRY: i64 = 5;

/// Every waiting entry with the slots it may be offered, in line order and then by start.
/// It works from both ends, so that it never judges every pair of entry and slot by every
/// rule:
/// - `line`: the entries waiting with no offer open, whose patient holds nothing in the
///   timebook and passes the timebook's rules (reach, service, block, list);
/// - `free`: the slots of their timebooks that are published, inside the window and not full
///   counting every live hold (`counted_holds_by_slot` with no holder: `line`'s patients hold
///   nothing there), offered to nobody, with their weekday and time of day on the wall clock;
/// - `ranked`: each entry's free slots at its place, on its days, weekdays and time of day,
///   never offered to it before, earliest first.
///
/// The earliest few of each entry are then judged by every condition of the offer program:
/// the waitlist's (`offerable`) and every rule of the booking core for its patient.
/// `WaitlistWish::matches` decides each slot again in Rust.
static CANDIDATES: LazyLock<Positional> = LazyLock::new(|| {
    let held = "COALESCE(h.held, 0)";
    Positional::new(&format!(
        "WITH line AS MATERIALIZED (\
           SELECT e.id, e.timebook_id, e.resource_id, e.opens_at, e.closes_at, e.weekdays, \
             e.from_minute, e.to_minute \
           FROM waitlist_entry e JOIN timebook t ON t.id = e.timebook_id \
           WHERE {} AND {} AND {} AND ({}) IS NULL), \
         free AS MATERIALIZED (\
           SELECT s.id, s.timebook_id, s.resource_id, s.starts_at, \
             {} AS weekday_bit, {} AS minute \
           FROM slot s JOIN timebook t ON t.id = s.timebook_id \
             LEFT JOIN {} h ON h.slot_id = s.id \
           WHERE s.timebook_id IN (SELECT l.timebook_id FROM line l) \
             AND {} AND {} AND {} AND {}), \
         ranked AS (\
           SELECT e.id AS entry, s.id AS slot, \
             ROW_NUMBER() OVER (PARTITION BY e.id ORDER BY s.starts_at, s.id) AS earliest \
           FROM line e JOIN free s ON {} \
           WHERE (e.weekdays / s.weekday_bit) % 2 = 1 \
             AND s.minute >= e.from_minute AND s.minute < e.to_minute AND {}) \
         SELECT e.id, e.national_id, e.weekdays, e.from_minute, e.to_minute, e.opens_at, \
           e.closes_at, s.id, s.starts_at, e.timebook_id \
         FROM ranked c \
           JOIN waitlist_entry e ON e.id = c.entry \
           JOIN timebook t ON t.id = e.timebook_id \
           JOIN slot s ON s.id = c.slot \
         WHERE c.earliest <= {JUDGED_PER_ENTRY} AND {} AND ({}) IS NULL \
         ORDER BY e.created_at, e.id, s.starts_at, s.id",
        rules::entry_waiting("e"),
        rules::entry_unoffered("e"),
        rules::not_holding("e.national_id", "e.timebook_id"),
        rules::timebook_rules("e.national_id").case(),
        weekday_bit(),
        minute_of_day(),
        rules::counted_holds_by_slot("NULL", "h.expires_at > :now"),
        rules::published().passes(),
        rules::window_bounds(),
        rules::place_left_given(held).passes(),
        rules::slot_unoffered(),
        rules::entry_covers("e"),
        rules::never_offered("e"),
        rules::offerable("e", "e.national_id"),
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
type Candidate = (i64, String, i64, i64, i64, i64, i64, i64, i64, i64);

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

    /// `env` with the stretches of one UTC offset from `now` on, for [`local_start`]; past
    /// the last change it knows, the last offset holds.
    fn with_offsets(&self, mut env: Env, now: i64) -> Result<Env> {
        let three_years = now.saturating_add(3 * 366 * 86_400);
        let stretches = self.offset_stretches(now, three_years)?;
        let last = stretches.last().map_or(0, |s| s.2);
        for (i, offset) in OFFSETS.iter().enumerate() {
            env.set(offset, stretches.get(i).map_or(last, |s| s.2).into());
        }
        for (i, cut) in CUTS.iter().enumerate() {
            // A stretch ends where the next begins; stretches that do not exist never match.
            env.set(cut, stretches.get(i + 1).map_or(i64::MAX, |s| s.0).into());
        }
        Ok(env)
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
        let caller = Caller::waitlist(patient.clone());
        let offering = self.offer_unmeasured(&caller, entry, patient, slot);
        crate::measure::booking(crate::measure::Operation::Offer, &caller, offering).await
    }

    async fn offer_unmeasured(
        &self,
        caller: &Caller,
        entry: i64,
        patient: &NationalId,
        slot: SlotId,
    ) -> Result<Option<i64>> {
        let now = self.now();
        let until = now.saturating_add(self.settings.offer_for).unwrap_or(now);
        let env = caller_inputs(caller, now.as_second())
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
        let env =
            self.with_offsets(caller_inputs(&line(), now).with("moving", None::<i64>), now)?;
        let candidates: Vec<Candidate> = self
            .db
            .pool()
            .fetch_all(Statement::named(&CANDIDATES, &env))
            .await?;
        let mut wishes: HashMap<i64, WaitlistWish> = HashMap::new();
        let mut served: HashSet<i64> = HashSet::new();
        let mut given: HashSet<i64> = HashSet::new();
        let mut tries: HashMap<i64, u8> = HashMap::new();
        // Each timebook's first entry in line that wants a place listed here: until it is
        // served, nobody behind it is, since a place it lost, or one the pass did not list
        // for it, is its own before theirs. The next pass starts from it again.
        let mut first_wanting: HashMap<i64, i64> = HashMap::new();
        for row in &candidates {
            let (entry, slot, start, timebook) = (row.0, row.7, row.8, row.9);
            if served.contains(&entry) {
                continue;
            }
            if let Some(first) = first_wanting.get(&timebook)
                && *first != entry
                && !served.contains(first)
            {
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
            first_wanting.insert(timebook, entry);
            if given.contains(&slot) {
                continue;
            }
            let tried = tries.entry(entry).or_insert(0);
            if *tried >= TRIES_PER_ENTRY {
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
