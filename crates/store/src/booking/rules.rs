//! Every rule of booking, each written once.
//!
//! A rule is a SQL condition that is true when it refuses, with the [`Refusal`] it gives. The
//! booking programs (`programs.rs`) check them inside the booking transaction, on SQLite and
//! on PostgreSQL alike; the lists a patient or a slot finder reads (free slots, schedules, the
//! feed) filter with the same conditions, so what is shown as free is what may be booked.
//!
//! The conditions read the slot as `s`, its timebook as `t` and an appointment as `a`, and
//! these parameters:
//! - `:now`, the store's clock, in seconds;
//! - the caller: `:self_service` (the patient's own rules apply, see [`Policy`]),
//!   `:all_clinics` / `:clinic` (its reach), `:any_patient` / `:only_patient` (for whom it
//!   may act) and `:representative` (who acts for `:only_patient`, if not they themself);
//! - the request: `:patient`, `:hold`, `:version`, as each program names them.
//!
//! A condition that comes out NULL refuses (see [`Verdict`]): a rule that cannot be decided
//! never lets a booking through.
//!
//! [`Policy`]: domain::Policy

use domain::Refusal;

/// One rule: when `refuses` holds, the answer is `refusal`.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub refusal: Refusal,
    pub refuses: String,
}

impl Rule {
    fn new(refusal: Refusal, refuses: impl Into<String>) -> Self {
        Self {
            refusal,
            refuses: refuses.into(),
        }
    }

    /// The condition under which the rule lets a request through, for a `WHERE` clause. A
    /// condition that comes out NULL leaves the row out, as `WHERE` does with NULL.
    pub fn passes(&self) -> String {
        format!("NOT ({})", self.refuses)
    }
}

/// Whether a rule about a timebook (`t`) passes for the one timebook `timebook` (a
/// `FROM … WHERE` naming it `t`) finds: asked once, not for every slot of a list.
pub(crate) fn passes_for(timebook: &str, rule: &Rule) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM {timebook} AND ({}) IS NOT FALSE)",
        rule.refuses
    )
}

// --- Who may act where ------------------------------------------------------------------------

/// The caller's reach includes the timebook's clinic.
pub(crate) fn clinic_in_reach() -> &'static str {
    "(:all_clinics OR t.clinic_id = :clinic)"
}

/// A relation of `representative` to `person` that stands at `now`, of `kind` when one is
/// named.
fn standing_relation(representative: &str, person: &str, kind: Option<&str>, now: &str) -> String {
    let kind = kind.map_or(String::new(), |kind| format!(" AND r.kind = '{kind}'"));
    format!(
        "EXISTS (SELECT 1 FROM representation r \
         WHERE r.representative = {representative} AND r.person = {person}{kind} \
           AND (r.valid_until IS NULL OR r.valid_until > {now}))"
    )
}

/// A representative (`:representative`, NULL for everyone else) has a relation to `patient`
/// that stands at `:now`: the register's or the identity provider's. Its age limits are in the
/// relation's `valid_until` (see `domain::access_ends`).
pub(crate) fn represents(patient: &str) -> String {
    format!(
        "(:representative IS NULL OR {})",
        standing_relation(":representative", patient, None, ":now")
    )
}

/// Whom a notice is about: the row `row` (an appointment, a thread, a waitlist entry, an
/// invitation) with the patient's `national_id`; `acting`, the representative who acted for
/// the patient (the row's `representative`, or `NULL` where nobody can); and whether the
/// patient's `parents` are told whoever acted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct About<'a> {
    pub row: &'a str,
    pub acting: &'a str,
    pub parents: bool,
}

/// The representatives told of a notice, as the rows `r` of `representation`: the one who
/// booked or moved it (wrote last, joined) for the patient, while their relation stands at
/// `now`; and, with `parents`, every parent whose relation stands, whoever acted (the office,
/// the child themself). A representative related by both the register and the identity
/// provider is two rows: the jobs are written `DISTINCT`.
pub(crate) fn representatives_told(about: About<'_>, r: &str, now: &str) -> String {
    let About {
        row,
        acting,
        parents,
    } = about;
    let parents = if parents {
        format!(" OR {r}.kind = '{}'", domain::RelationKind::Parent.code())
    } else {
        String::new()
    };
    format!(
        "{r}.person = {row}.national_id AND ({r}.valid_until IS NULL OR {r}.valid_until > {now}) \
         AND ({r}.representative = {acting}{parents})"
    )
}

/// The notices go to the patient too, unless a parent acted for them: a child's own number
/// is not where a parent's booking is confirmed. Someone with fullmakt and the person who
/// gave it are both told.
pub(crate) fn patient_told(about: About<'_>, now: &str) -> String {
    format!(
        "NOT ({acting} IS NOT NULL AND {})",
        standing_relation(
            about.acting,
            &format!("{}.national_id", about.row),
            Some(domain::RelationKind::Parent.code()),
            now
        ),
        acting = about.acting
    )
}

/// The jobs of one notice, read `FROM {from_where}` (which names the row `about.row`): one to
/// the patient and one to each representative, only where `patient_told` and
/// `representatives_told` say. `columns` and `values` are the job's own.
pub(crate) fn told_jobs(
    (columns, values): (&str, &str),
    from_where: &str,
    about: About<'_>,
    now: &str,
) -> [String; 2] {
    [
        format!(
            "INSERT INTO outbox ({columns}) SELECT {values} FROM {from_where} AND {}",
            patient_told(about, now)
        ),
        // The comma join binds after `from_where`'s own joins, which never name `r`.
        format!(
            "INSERT INTO outbox ({columns}, recipient) SELECT DISTINCT {values}, r.representative \
             FROM representation r, {from_where} AND {}",
            representatives_told(about, "r", now)
        ),
    ]
}

/// The caller acts in the timebook's clinic, for a patient it may act for: a representative
/// only while their relation to the patient stands.
pub(crate) fn in_reach(patient: &str) -> Rule {
    Rule::new(
        Refusal::NotInReach,
        format!(
            "NOT ({} AND (:any_patient OR {patient} = :only_patient) AND {})",
            clinic_in_reach(),
            represents(patient)
        ),
    )
}

/// The register has not switched the timebook's kind off for its clinic; a kind never
/// switched is on.
pub(crate) fn service_on() -> Rule {
    Rule::new(
        Refusal::ServiceOff,
        "EXISTS (SELECT 1 FROM clinic_service cs \
         WHERE cs.clinic_id = t.clinic_id AND cs.kind = t.kind AND cs.enabled = FALSE)",
    )
}

/// A timebook that takes requests only (timeønsker) has no slots for patients to pick: they
/// ask, and the office books. The office still books in it.
pub(crate) fn slots_picked() -> Rule {
    Rule::new(
        Refusal::ServiceOff,
        ":self_service AND t.booking_mode = 'requests'",
    )
}

/// A patient the clinic has blocked does not book themself; the office still may.
pub(crate) fn not_blocked(patient: &str) -> Rule {
    Rule::new(
        Refusal::Blocked,
        format!(
            ":self_service AND EXISTS (SELECT 1 FROM block b \
             WHERE b.clinic_id = t.clinic_id AND b.national_id = {patient})"
        ),
    )
}

/// The patient is on the clinic's list (fastlegeliste).
pub(crate) fn on_the_list(patient: &str) -> Rule {
    Rule::new(
        Refusal::NotOnList,
        format!(
            "NOT EXISTS (SELECT 1 FROM patient p \
             WHERE p.national_id = {patient} AND p.clinic_id = t.clinic_id)"
        ),
    )
}

/// Whether the place `r` (a row of `resource`) is one the patient may book themself: any
/// place not bound to a GP, and a GP's place for the patients on that GP's list.
pub(crate) fn place_for(r: &str, patient: &str) -> String {
    format!(
        "({r}.practitioner_id IS NULL OR EXISTS (SELECT 1 FROM practitioner_list pl \
           WHERE pl.national_id = {patient} AND pl.practitioner_id = {r}.practitioner_id))"
    )
}

/// A timebook of GPs' places («Konsultasjon med fastlegen») is offered to a patient only when
/// one of its places is their GP's: a patient on another GP's list, or on none, is not shown
/// it. The office books any patient with any of its GPs.
pub(crate) fn has_their_practitioner(patient: &str) -> Rule {
    Rule::new(
        Refusal::NotTheirPractitioner,
        format!(
            ":self_service AND EXISTS (SELECT 1 FROM resource r \
               WHERE r.timebook_id = t.id AND r.practitioner_id IS NOT NULL) \
             AND NOT EXISTS (SELECT 1 FROM resource r \
               WHERE r.timebook_id = t.id AND r.practitioner_id IS NOT NULL AND {})",
            place_for("r", patient)
        ),
    )
}

// --- The slot ---------------------------------------------------------------------------------

/// Only a published slot is booked.
pub(crate) fn published() -> Rule {
    Rule::new(Refusal::Taken, "s.published = FALSE")
}

/// The earliest start a patient may book at `at`: the timebook's minimum notice.
pub(crate) fn earliest_start(at: &str) -> String {
    format!("({at} + t.min_notice_minutes * 60)")
}

/// The latest start a patient may book at `at`: the timebook's planning horizon.
pub(crate) fn latest_start(at: &str) -> String {
    format!("({at} + t.horizon_days * 86400)")
}

/// A start later than any slot's: the office's window has no horizon.
const NO_HORIZON: i64 = 253_402_300_799;

/// The first start the caller may book at `at`: after the minimum notice for patients; for
/// the office, any slot that has not started.
pub(crate) fn window_opens(at: &str) -> String {
    format!(
        "(CASE WHEN :self_service THEN {} ELSE {at} + 1 END)",
        earliest_start(at)
    )
}

/// The last start the caller may book at `at`: the planning horizon for patients; none for
/// the office.
pub(crate) fn window_closes(at: &str) -> String {
    format!(
        "(CASE WHEN :self_service THEN {} ELSE {NO_HORIZON} END)",
        latest_start(at)
    )
}

/// The slot starts inside the caller's booking window, both ends included. As two bounds on
/// `s.starts_at`, so that a list of slots reads only the window's part of the index.
pub(crate) fn window_bounds() -> String {
    format!(
        "s.starts_at >= {} AND s.starts_at <= {}",
        window_opens(":now"),
        window_closes(":now")
    )
}

/// The same bounds for a list of slots of one timebook, which `timebook` (a `FROM … WHERE`
/// naming it `t`) finds: each bound read once, before the slots, so that the list reads only
/// the window's part of the index.
pub(crate) fn window_bounds_of(timebook: &str) -> String {
    format!(
        "s.starts_at >= (SELECT {} FROM {timebook}) AND s.starts_at <= (SELECT {} FROM {timebook})",
        window_opens(":now"),
        window_closes(":now")
    )
}

/// Patients book inside the booking window; the office books any slot that has not started.
pub(crate) fn in_window() -> Rule {
    Rule::new(Refusal::OutsideWindow, format!("NOT ({})", window_bounds()))
}

/// Which holds count against a slot's places: those that have not run out, except the
/// holds of the patient the request is for (`holder`; NULL counts every hold).
pub(crate) fn counted_hold(h: &str, holder: &str) -> String {
    format!("{h}.expires_at > :now AND {h}.national_id IS DISTINCT FROM {holder}")
}

/// Places left in a slot: its capacity, less its bookings, less `held` (the counted holds).
pub(crate) fn places_left_given(held: &str) -> String {
    format!("(s.capacity - s.booked - {held})")
}

/// Places left in the slot `s` for `holder`, counting the holds of one slot.
pub(crate) fn places_left(holder: &str) -> String {
    places_left_given(&format!(
        "(SELECT COUNT(*) FROM slot_hold h WHERE h.slot_id = s.id AND {})",
        counted_hold("h", holder)
    ))
}

/// The holds counted against each slot, as a table `(slot_id, held)` to join a list of slots
/// with by hash, instead of counting slot by slot; `among` narrows the holds looked at.
pub(crate) fn counted_holds_by_slot(holder: &str, among: &str) -> String {
    format!(
        "(SELECT h.slot_id, COUNT(*) AS held FROM slot_hold h WHERE {among} AND {} \
         GROUP BY h.slot_id)",
        counted_hold("h", holder)
    )
}

/// The slot has a place left, given `held` counted holds: nobody, staff included, books over
/// it.
pub(crate) fn place_left_given(held: &str) -> Rule {
    Rule::new(Refusal::Taken, format!("{} <= 0", places_left_given(held)))
}

/// The slot has a place left for the patient.
pub(crate) fn place_left(holder: &str) -> Rule {
    Rule::new(Refusal::Taken, format!("{} <= 0", places_left(holder)))
}

/// Whether the appointment `x` is a booking the patient holds.
fn booking_of(patient: &str) -> String {
    format!("x.national_id = {patient} AND x.status = 'booked'")
}

/// A patient books a slot once: for the one slot `s`, looked up by its id.
pub(crate) fn not_already_booked(patient: &str) -> Rule {
    Rule::new(
        Refusal::AlreadyBooked,
        format!(
            "EXISTS (SELECT 1 FROM appointment x WHERE {} AND x.slot_id = s.id)",
            booking_of(patient)
        ),
    )
}

/// The same rule for a list of slots: the patient's booked slots gathered once.
pub(crate) fn not_among_booked(patient: &str) -> Rule {
    Rule::new(
        Refusal::AlreadyBooked,
        format!(
            "s.id IN (SELECT x.slot_id FROM appointment x WHERE {})",
            booking_of(patient)
        ),
    )
}

/// Whether the invitation `i` (innkalling) is the patient's to the timebook `t` and open for
/// the slot `s`: not yet answered by a booking, not expired, and the slot starts in its range
/// (`opens_at` included, `expires_at` not). The one definition of an open invitation, for
/// the limit it lifts and for the booking that answers it.
pub(crate) fn open_invitation(i: &str, patient: &str) -> String {
    format!(
        "{i}.timebook_id = t.id AND {i}.national_id = {patient} \
         AND {i}.booked_appointment_id IS NULL AND {i}.expires_at > :now \
         AND s.starts_at >= {i}.opens_at AND s.starts_at < {i}.expires_at"
    )
}

/// A patient has at most the timebook's number of future appointments in it; an
/// appointment being moved (`moving`) is not counted twice. Staff are not held to it, nor is
/// a patient the office has invited to the timebook, for a slot their open invitation covers:
/// the invitation is what lets them in. It lifts this rule and no other.
pub(crate) fn within_limit(patient: &str, moving: &str) -> Rule {
    Rule::new(
        Refusal::OverLimit,
        format!(
            ":self_service AND (SELECT COUNT(*) FROM appointment x \
             WHERE x.national_id = {patient} AND x.timebook_id = t.id AND x.status = 'booked' \
               AND x.starts_at > :now AND x.id IS DISTINCT FROM {moving}) \
             >= t.max_future_appointments \
             AND NOT EXISTS (SELECT 1 FROM invitation i WHERE {})",
            open_invitation("i", patient)
        ),
    )
}

/// A booking that names a hold books only while that hold lives.
pub(crate) fn hold_live(patient: &str) -> Rule {
    Rule::new(
        Refusal::HoldLost,
        format!(
            ":hold IS NOT NULL AND NOT EXISTS (SELECT 1 FROM slot_hold h \
             WHERE h.id = :hold AND h.slot_id = s.id AND h.national_id = {patient} \
               AND h.expires_at > :now)"
        ),
    )
}

/// The slot `s` is at a place the patient may book themself: a GP's place only for the
/// patients on that GP's list. The office books any.
pub(crate) fn at_their_place(patient: &str) -> Rule {
    Rule::new(
        Refusal::NotTheirPractitioner,
        format!(
            ":self_service AND NOT EXISTS (SELECT 1 FROM resource r WHERE r.id = s.resource_id \
               AND {})",
            place_for("r", patient)
        ),
    )
}

/// An appointment of the type `kind` (NULL for none) is booked into the slot `s` only when
/// the type is one of the slot's timebook's and the slot is its length. See
/// `domain::AppointmentType::fits`.
pub(crate) fn type_fits(kind: &str) -> Rule {
    Rule::new(
        Refusal::TypeDoesNotFit,
        format!(
            "{kind} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM appointment_type y \
               WHERE y.id = {kind} AND y.timebook_id = s.timebook_id \
                 AND y.length_minutes = s.length_minutes)"
        ),
    )
}

/// An appointment moves only to a slot of its own timebook.
pub(crate) fn same_timebook() -> Rule {
    Rule::new(Refusal::OtherTimebook, "s.timebook_id <> a.timebook_id")
}

// --- The appointment --------------------------------------------------------------------------

/// Only a booked appointment is cancelled or moved.
pub(crate) fn booked() -> Rule {
    Rule::new(Refusal::NotBooked, "a.status <> 'booked'")
}

/// A caller that names the version it saw acts only on that version.
pub(crate) fn same_version() -> Rule {
    Rule::new(
        Refusal::Stale,
        ":version IS NOT NULL AND a.version <> :version",
    )
}

/// Until when a patient may cancel or move appointment `a` themself: the timebook's deadline
/// before its start.
pub(crate) fn cancel_until() -> String {
    cancel_until_of("a.starts_at")
}

/// The same deadline for whatever starts at `start`: a slot the patient is about to book.
pub(crate) fn cancel_until_of(start: &str) -> String {
    format!("({start} - t.cancel_deadline_minutes * 60)")
}

/// Patients cancel and move until the deadline; the office at any time.
pub(crate) fn before_deadline() -> Rule {
    Rule::new(
        Refusal::DeadlinePassed,
        format!(":self_service AND :now > {}", cancel_until()),
    )
}

// --- The waitlist -----------------------------------------------------------------------------
//
// Not rules of booking: whether the waitlist may offer the slot `s` to the entry `e` at all.
// The offer program checks them under the slot's lock, before the booking rules; the pass that
// looks for places to offer filters with the same conditions.

/// The entry `e` is waiting: not booked, not left, and its last day has not ended.
pub(crate) fn entry_waiting(e: &str) -> String {
    format!("{e}.state = 'waiting' AND {e}.closes_at > :now")
}

/// The slot `s` is of the entry `e`'s timebook, at its place (any, when it names none), and
/// starts on one of its days. Which weekdays and time of day suit is `domain::WaitlistWish`'s
/// to say, on the clinic's wall clock.
pub(crate) fn entry_covers(e: &str) -> String {
    format!(
        "{e}.timebook_id = s.timebook_id AND ({e}.resource_id IS NULL OR {e}.resource_id = s.resource_id) \
         AND s.starts_at >= {e}.opens_at AND s.starts_at < {e}.closes_at"
    )
}

/// The entry `e` has no open offer: one place at a time for each patient waiting.
pub(crate) fn entry_unoffered(e: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM waitlist_offer o WHERE o.entry_id = {e}.id AND o.state = 'open')"
    )
}

/// The entry `e` was never offered the slot `s`: declined or let expire, it goes to the next.
pub(crate) fn never_offered(e: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM waitlist_offer o WHERE o.entry_id = {e}.id AND o.slot_id = s.id)"
    )
}

/// The slot `s` is offered to nobody now.
pub(crate) fn slot_unoffered() -> String {
    "NOT EXISTS (SELECT 1 FROM waitlist_offer o WHERE o.slot_id = s.id AND o.state = 'open')".into()
}

/// The patient holds no place in the timebook `timebook` names: one who is reviewing a
/// booking there, or holds an offer, is not offered another until that hold is gone.
pub(crate) fn not_holding(patient: &str, timebook: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM slot_hold h WHERE h.national_id = {patient} \
           AND h.timebook_id = {timebook} AND h.expires_at > :now)"
    )
}

/// The open offer `o` has lapsed: its time ran out, or its hold is gone (released by a
/// block, by the patient holding another slot, or with the slot itself).
pub(crate) fn offer_lapsed(o: &str) -> String {
    format!(
        "{o}.state = 'open' AND ({o}.expires_at <= :now OR NOT EXISTS (SELECT 1 FROM slot_hold h \
           WHERE h.id = {o}.hold_id AND h.expires_at > :now))"
    )
}

/// Everything the waitlist asks before it offers the slot `s` to the entry `e` of `patient`.
pub(crate) fn offerable(e: &str, patient: &str) -> String {
    format!(
        "{} AND {} AND {} AND {} AND {} AND {}",
        entry_waiting(e),
        entry_covers(e),
        entry_unoffered(e),
        never_offered(e),
        slot_unoffered(),
        not_holding(patient, "s.timebook_id")
    )
}

// --- Idempotency ------------------------------------------------------------------------------

/// How long a client's Idempotency-Key is kept, in seconds: a day.
pub const KEY_LIFETIME_SECONDS: i64 = 24 * 60 * 60;

/// Whether the key `k` still answers for the booking it made.
pub(crate) fn key_alive(k: &str) -> String {
    key_alive_as_of(k, ":now")
}

/// [`key_alive`] as of the instant in the parameter `now` (`:now`, or `$1` outside a program).
pub(crate) fn key_alive_as_of(k: &str, now: &str) -> String {
    format!("{k}.created_at >= {now} - {KEY_LIFETIME_SECONDS}")
}

// --- Timeønsker -------------------------------------------------------------------------------

/// The timebook takes requests for a time (timeønsker), alone or with slot picking.
pub(crate) fn takes_requests() -> Rule {
    Rule::new(
        Refusal::ServiceOff,
        "t.booking_mode NOT IN ('requests', 'both')",
    )
}

/// The request `:request` is open and the patient's (`:patient`), and `:slot` is of its
/// timebook: what answering it with a booking asks, under the patient's lock.
pub(crate) fn request_open() -> Rule {
    Rule::new(
        Refusal::Stale,
        "NOT EXISTS (SELECT 1 FROM appointment_request q JOIN slot qs ON qs.id = :slot \
         WHERE q.id = :request AND q.national_id = :patient AND q.state = 'open' \
           AND q.timebook_id = qs.timebook_id)",
    )
}

// --- Verdicts ---------------------------------------------------------------------------------

/// Rules checked in order: the first that refuses gives the answer.
pub(crate) struct Verdict(pub Vec<Rule>);

impl Verdict {
    /// A `CASE` naming the first refusal, NULL when every rule passes. A rule whose
    /// condition is NULL refuses.
    pub fn case(&self) -> String {
        let mut sql = String::from("CASE");
        for rule in &self.0 {
            sql.push_str(&format!(
                " WHEN ({}) IS NOT FALSE THEN '{}'",
                rule.refuses,
                rule.refusal.code()
            ));
        }
        sql.push_str(" END");
        sql
    }
}

/// What a patient must pass to see a timebook's slots at all; the list's own rules follow.
pub(crate) fn timebook_rules(patient: &str) -> Verdict {
    Verdict(vec![
        in_reach(patient),
        service_on(),
        slots_picked(),
        not_blocked(patient),
        on_the_list(patient),
        has_their_practitioner(patient),
    ])
}

/// What a patient's request for a time in a timebook must pass. A blocked patient passes: the
/// request is kept and answered with the guide's automatic reply, as a message is.
pub(crate) fn request_rules(patient: &str) -> Verdict {
    Verdict(vec![
        in_reach(patient),
        service_on(),
        on_the_list(patient),
        takes_requests(),
    ])
}

/// What a request for the slot `s` asks, for the rules that differ between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SlotRequest {
    /// A hold; `:moving` names the appointment it is for moving, or is NULL.
    Hold,
    /// A place the waitlist holds for the patient first in line: a hold they did not ask
    /// for, never for a move.
    Offer,
    /// A booking, which names its hold (`:hold`) or books directly.
    Book,
    /// Moving `:appointment` (joined as `a`) here, with or without a hold: it stays in its
    /// timebook and does not count against the limit.
    Move,
}

/// What holding, booking or moving into the slot `s` for `:patient` must pass.
pub(crate) fn slot_rules(request: SlotRequest) -> Verdict {
    slot_rules_for(request, ":patient")
}

/// The same rules for the patient `patient` names: a parameter, or a column when a list
/// judges many patients at once (the waitlist's line).
pub(crate) fn slot_rules_for(request: SlotRequest, patient: &str) -> Verdict {
    let moving = match request {
        SlotRequest::Hold => ":moving",
        SlotRequest::Offer | SlotRequest::Book => "NULL",
        SlotRequest::Move => ":appointment",
    };
    // A moved appointment keeps its type; the waitlist offers places without one.
    let kind = match request {
        SlotRequest::Hold | SlotRequest::Book => ":appointment_type",
        SlotRequest::Offer => "NULL",
        SlotRequest::Move => "a.appointment_type_id",
    };
    let mut rules = timebook_rules(patient).0;
    if request == SlotRequest::Move {
        rules.push(same_timebook());
    }
    rules.extend([
        at_their_place(patient),
        type_fits(kind),
        published(),
        in_window(),
        not_already_booked(patient),
        within_limit(patient, moving),
    ]);
    if matches!(request, SlotRequest::Book | SlotRequest::Move) {
        rules.push(hold_live(patient));
    }
    rules.push(place_left(patient));
    Verdict(rules)
}

/// What cancelling or moving the appointment `a` must pass.
pub(crate) fn appointment_rules() -> Verdict {
    Verdict(vec![
        in_reach("a.national_id"),
        same_version(),
        booked(),
        before_deadline(),
    ])
}
