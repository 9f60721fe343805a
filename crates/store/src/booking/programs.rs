//! Hold, book, move and cancel, each as one [`Program`] built from the rules.
//!
//! Lock order, the same in every program so that two of them never wait for each other:
//! the patient, then the appointment, then slots by id. Each row lock a verdict depends on is
//! taken in a statement of its own, before the verdict: on PostgreSQL a statement reads the
//! snapshot it started with, even after waiting for a lock, so a verdict that locked the slot
//! itself could miss a hold committed while it waited. Taken first, the locks make the verdict
//! see everything committed before them.

use super::program::{Program, Step};
use super::rules::{self, SlotRequest, Verdict};
use crate::NotificationKind;
use crate::db::named::Type;
use domain::{AuditAction, Refusal};
use std::sync::LazyLock;

/// Who calls and when: every program takes these.
const CALLER: [(&str, Type); 9] = [
    ("now", Type::Int),
    ("actor_kind", Type::Text),
    ("actor_id", Type::Text),
    ("all_clinics", Type::Bool),
    ("clinic", Type::Int),
    ("any_patient", Type::Bool),
    ("only_patient", Type::Text),
    ("self_service", Type::Bool),
    ("representative", Type::Text),
];

fn inputs(own: &[(&'static str, Type)]) -> Vec<(&'static str, Type)> {
    CALLER.iter().chain(own).copied().collect()
}

/// The patient's lock, first in every program. Whatever else answers a hold of theirs (a
/// waitlist offer declined or left) takes it first too, so that it and a booking with that
/// hold come one after the other.
pub(crate) const PATIENT_LOCK: &str =
    "SELECT 1 FROM patient p WHERE p.national_id = :patient FOR UPDATE";

fn lock_patient() -> Step {
    Step::Lock(PATIENT_LOCK.into())
}

/// Locks the slot `:slot` in a statement of its own, like the patient: the verdict after it
/// then reads every hold and booking committed before the lock was granted. (A statement that
/// waited for a lock itself would count other patients' holds as they were when it began.)
fn lock_slot() -> Step {
    Step::Lock("SELECT 1 FROM slot s WHERE s.id = :slot FOR UPDATE".into())
}

/// The verdict on the slot `:slot`, which the program has locked.
fn decide_slot(verdict: &Verdict) -> Step {
    Step::Decide {
        sql: format!(
            "SELECT {}, NULL FROM slot s JOIN timebook t ON t.id = s.timebook_id \
             WHERE s.id = :slot",
            verdict.case()
        ),
        lock: "",
        missing: Some(Refusal::UnknownSlot),
    }
}

/// The verdict on the appointment `:appointment`, with the appointment locked.
fn decide_appointment() -> Step {
    Step::Decide {
        sql: format!(
            "SELECT {}, NULL FROM appointment a JOIN timebook t ON t.id = a.timebook_id \
             WHERE a.id = :appointment",
            rules::appointment_rules().case()
        ),
        lock: " FOR UPDATE OF a",
        missing: Some(Refusal::UnknownAppointment),
    }
}

/// Takes a place in `:slot`: the conditional update that makes booking over capacity
/// impossible, whatever came before it. Which places are left once holds count is the
/// verdict's to say, under the slot's lock, so that no hold changes in between.
fn take_place() -> Step {
    Step::Require {
        sql: "UPDATE slot SET booked = booked + 1, changed_at = :now \
              WHERE id = :slot AND booked < capacity"
            .into(),
        otherwise: Refusal::Taken,
    }
}

fn give_back_place() -> Step {
    Step::Write(
        "UPDATE slot SET booked = booked - 1, changed_at = :now \
         WHERE id = (SELECT x.slot_id FROM appointment x WHERE x.id = :appointment)"
            .into(),
    )
}

/// The slot finder's referral the patient's hold on `:slot` was taken with, kept with the
/// booking `:appointment` before the hold goes.
fn keep_referral() -> Step {
    Step::Write(
        "INSERT INTO booking_referral (appointment_id, clinic_id, source, referral, booked_at) \
         SELECT :appointment, h.clinic_id, h.referral_source, h.booking_referral, :now \
         FROM slot_hold h \
         WHERE h.slot_id = :slot AND h.national_id = :patient \
           AND (h.referral_source IS NOT NULL OR h.booking_referral IS NOT NULL)"
            .into(),
    )
}

/// The patient's open invitations to the timebook that cover `:slot` are answered by the
/// booking `:appointment`: they no longer lift the limit, and the office's list shows who
/// booked.
fn answer_invitation() -> Step {
    Step::Write(format!(
        "UPDATE invitation SET booked_appointment_id = :appointment \
         WHERE id IN (SELECT i.id FROM invitation i \
           JOIN slot s ON s.id = :slot JOIN timebook t ON t.id = s.timebook_id \
           WHERE {})",
        rules::open_invitation("i", ":patient")
    ))
}

/// The patient's open waitlist offer of `:slot` is answered by the booking `:appointment`,
/// and their entry with it: they are off the list.
fn answer_offer() -> [Step; 2] {
    [
        Step::Write(
            "UPDATE waitlist_offer SET state = 'accepted', answered_at = :now, \
               appointment_id = :appointment \
             WHERE slot_id = :slot AND national_id = :patient AND state = 'open'"
                .into(),
        ),
        Step::Write(
            "UPDATE waitlist_entry SET state = 'booked', ended_at = :now, appointment_id = :appointment \
             WHERE state = 'waiting' \
               AND id IN (SELECT o.entry_id FROM waitlist_offer o WHERE o.appointment_id = :appointment)"
                .into(),
        ),
    ]
}

fn release_own_hold() -> Step {
    Step::Write("DELETE FROM slot_hold WHERE slot_id = :slot AND national_id = :patient".into())
}

/// The jobs of a change to `:appointment`, in the change's transaction: the patient's notice
/// and the subscribers' notifications.
fn enqueue(kind: &str) -> [Step; 4] {
    let [to_patient, to_representative] = patient_notice(kind, "");
    let [numbering, notifications] = notify_subscribers(kind);
    [to_patient, to_representative, numbering, notifications]
}

/// The notice of a change to `:appointment`, when `condition` (on the appointment `a` and its
/// timebook `t`) holds: to the patient, to the representative who booked or moved it for them
/// and to the patient's parents, as `rules::patient_told` and `rules::representatives_told`
/// say.
fn patient_notice(kind: &str, condition: &str) -> [Step; 2] {
    rules::told_jobs(
        (
            "clinic_id, kind, appointment_id, created_at, next_attempt_at",
            &format!("a.clinic_id, {kind}, a.id, :now, :now"),
        ),
        &format!(
            "appointment a JOIN timebook t ON t.id = a.timebook_id \
             WHERE a.id = :appointment{condition}"
        ),
        rules::About {
            row: "a",
            acting: "a.representative",
            parents: true,
        },
        ":now",
    )
    .map(Step::Write)
}

/// One notification of a change to `:appointment` for each subscription of the appointment's
/// clinic (FHIR Subscriptions), numbered in the subscription's order of events. The numbering
/// locks the clinic's subscriptions until the change commits, so that the numbers follow the
/// commits.
fn notify_subscribers(kind: &str) -> [Step; 2] {
    [
        Step::Write(
            "UPDATE fhir_subscription SET events = events + 1, last_appointment = :appointment \
             WHERE status <> 'off' \
               AND clinic_id = (SELECT x.clinic_id FROM appointment x WHERE x.id = :appointment)"
                .into(),
        ),
        Step::Write(format!(
            "INSERT INTO outbox (clinic_id, kind, appointment_id, created_at, next_attempt_at, \
               subscription_id, event_number) \
             SELECT f.clinic_id, {kind}, :appointment, :now, :now, f.id, f.events \
             FROM fhir_subscription f \
             WHERE f.last_appointment = :appointment AND f.status <> 'off' \
               AND f.clinic_id = (SELECT x.clinic_id FROM appointment x WHERE x.id = :appointment)"
        )),
    ]
}

/// Whether the office's request `:request` may be answered with this booking: checked under the
/// patient's lock, which answering a request in any other way takes too, so that two answers
/// to one request come one after the other and the second is refused.
fn decide_request() -> Step {
    Step::Decide {
        sql: format!(
            "SELECT {}, NULL",
            Verdict(vec![rules::request_open()]).case()
        ),
        lock: "",
        missing: None,
    }
}

/// The request `:request` is answered by the booking `:appointment`, in its transaction, and
/// the audit names the office's caller.
fn answer_request() -> [Step; 2] {
    [
        Step::if_given(
            "request",
            Step::Write(
                "UPDATE appointment_request SET state = 'booked', appointment_id = :appointment, \
                   answered_at = :now, answered_by = :actor_id \
                 WHERE id = :request AND state = 'open'"
                    .into(),
            ),
        ),
        Step::if_given(
            "request",
            Step::Write(format!(
                "INSERT INTO audit_event (at, actor_kind, actor_id, action, clinic_id, national_id, \
                   subject) \
                 SELECT :now, :actor_kind, :actor_id, {}, q.clinic_id, q.national_id, \
                   'appointment_request:' || q.id \
                 FROM appointment_request q WHERE q.id = :request",
                quoted(AuditAction::RequestAnsweredWithAppointment.code())
            )),
        ),
    ]
}

/// The audit entry of a change to `:appointment`, naming the caller.
fn audit_appointment(action: &str) -> Step {
    Step::Write(format!(
        "INSERT INTO audit_event (at, actor_kind, actor_id, action, clinic_id, national_id, subject) \
         SELECT :now, :actor_kind, :actor_id, {action}, a.clinic_id, a.national_id, 'appointment:' || a.id \
         FROM appointment a WHERE a.id = :appointment"
    ))
}

fn quoted(code: &str) -> String {
    format!("'{code}'")
}

/// Holds a place in `:slot` for `:patient` until `:hold_until`, releasing their other holds
/// in the timebook: a patient reviews one booking at a time. When the hold is for moving the
/// appointment `:moving` there, that appointment does not count against the limit.
///
/// Holding the same slot again renews the patient's hold, lapsed or not, under the same id:
/// deleting a lapsed hold and inserting anew would give it a new id on PostgreSQL but, as
/// SQLite reuses the highest rowid, often the old one there, so a booking naming the old id
/// would be refused on one database and accepted on the other.
fn hold() -> Program {
    let audit = format!(
        "INSERT INTO audit_event (at, actor_kind, actor_id, action, clinic_id, national_id, subject) \
         SELECT :now, :actor_kind, :actor_id, {}, s.clinic_id, :patient, 'slot:' || s.id \
         FROM slot s WHERE s.id = :slot",
        quoted(AuditAction::SlotHeld.code())
    );
    Program {
        name: "hold",
        inputs: inputs(&[
            ("slot", Type::Int),
            ("patient", Type::Text),
            ("hold_until", Type::Int),
            ("moving", Type::Int),
            ("appointment_type", Type::Int),
            ("referral_source", Type::Text),
            ("booking_referral", Type::Text),
        ]),
        vars: vec![("hold", Type::Int)],
        steps: vec![
            lock_patient(),
            lock_slot(),
            decide_slot(&rules::slot_rules(SlotRequest::Hold)),
            Step::Write(
                "DELETE FROM slot_hold WHERE (national_id = :patient AND slot_id <> :slot \
                   AND timebook_id = (SELECT x.timebook_id FROM slot x WHERE x.id = :slot)) \
                 OR (slot_id = :slot AND expires_at <= :now AND national_id <> :patient)"
                    .into(),
            ),
            Step::WriteInto {
                // Held again without a finder's link (back from the review, say), the hold
                // keeps the referral it was taken with.
                sql: "INSERT INTO slot_hold (clinic_id, timebook_id, slot_id, national_id, expires_at, \
                        referral_source, booking_referral) \
                      SELECT s.clinic_id, s.timebook_id, s.id, :patient, :hold_until, \
                        :referral_source, :booking_referral \
                      FROM slot s WHERE s.id = :slot \
                      ON CONFLICT (slot_id, national_id) DO UPDATE SET expires_at = excluded.expires_at, \
                        referral_source = COALESCE(excluded.referral_source, slot_hold.referral_source), \
                        booking_referral = COALESCE(excluded.booking_referral, slot_hold.booking_referral) \
                      RETURNING id"
                    .into(),
                into: "hold",
            },
            Step::Write(audit),
        ],
        done: ("held", "hold"),
    }
}

/// ReserverAvtale: books `:slot` for `:patient`. With an Idempotency-Key, a request sent
/// again gets the appointment the first one made, before any rule is asked again.
fn book() -> Program {
    // After the patient's lock, so that a retry racing its first try sees the first try's key.
    let replay = Step::Decide {
        sql: format!(
            "SELECT CASE WHEN k.fingerprint = :fingerprint THEN 'replayed' ELSE '{}' END, \
               k.appointment_id \
             FROM idempotency_key k \
             WHERE k.client = :idem_client AND k.idem_key = :idem_key AND {}",
            Refusal::KeyReused.code(),
            rules::key_alive("k")
        ),
        lock: "",
        missing: None,
    };
    let booked = quoted(NotificationKind::Booked.code());
    Program {
        name: "book",
        inputs: inputs(&[
            ("slot", Type::Int),
            ("patient", Type::Text),
            ("reason", Type::Text),
            ("appointment_type", Type::Int),
            ("hold", Type::Int),
            ("idem_client", Type::Text),
            ("idem_key", Type::Text),
            ("fingerprint", Type::Text),
            ("request", Type::Int),
        ]),
        vars: vec![("appointment", Type::Int)],
        steps: [
            lock_patient(),
            Step::if_given("idem_key", replay),
            Step::if_given("request", decide_request()),
            lock_slot(),
            decide_slot(&rules::slot_rules(SlotRequest::Book)),
            take_place(),
            Step::WriteInto {
                sql: "INSERT INTO appointment (clinic_id, timebook_id, slot_id, national_id, reason, \
                        status, starts_at, booked_at, changed_at, representative, appointment_type_id) \
                      SELECT s.clinic_id, s.timebook_id, s.id, :patient, :reason, 'booked', \
                        s.starts_at, :now, :now, :representative, :appointment_type \
                      FROM slot s WHERE s.id = :slot RETURNING id"
                    .into(),
                into: "appointment",
            },
            keep_referral(),
            answer_invitation(),
        ]
        .into_iter()
        .chain(answer_offer())
        .chain(answer_request())
        .chain([release_own_hold()])
        // The confirmation, as the timebook says; the subscribers hear of every booking.
        .chain(patient_notice(&booked, " AND t.confirm_booking"))
        .chain(notify_subscribers(&booked))
        .chain([
            audit_appointment(&quoted(AuditAction::AppointmentBooked.code())),
            Step::if_given(
                "idem_key",
                Step::Write(format!(
                    "DELETE FROM idempotency_key WHERE NOT ({})",
                    rules::key_alive("idempotency_key")
                )),
            ),
            Step::if_given(
                "idem_key",
                Step::Write(
                    "INSERT INTO idempotency_key (client, idem_key, fingerprint, appointment_id, \
                       created_at) \
                     VALUES (:idem_client, :idem_key, :fingerprint, :appointment, :now)"
                        .into(),
                ),
            ),
        ])
        .collect(),
        done: ("booked", "appointment"),
    }
}

/// Venteliste: holds a place in `:slot` for `:patient`, whose waiting entry `:entry` is first
/// in line for it, until `:hold_until`, and writes the offer, its notice job and its audit
/// entry. Unlike a hold the patient takes, it releases none of their holds: the waitlist does
/// not offer to a patient holding a place in the timebook at all. A slot offered or held by
/// anyone else, an entry with an offer open, or one that had this slot before, ends the
/// program with `unavailable`; the booking rules refuse as for a hold of the patient's own.
fn offer() -> Program {
    let available = Step::Decide {
        sql: format!(
            "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM waitlist_entry e \
               WHERE e.id = :entry AND e.national_id = :patient AND {}) \
             THEN 'unavailable' END, NULL FROM slot s WHERE s.id = :slot",
            rules::offerable("e", ":patient")
        ),
        lock: "",
        missing: Some(Refusal::UnknownSlot),
    };
    let audit = format!(
        "INSERT INTO audit_event (at, actor_kind, actor_id, action, clinic_id, national_id, subject) \
         SELECT :now, :actor_kind, :actor_id, {}, o.clinic_id, o.national_id, 'waitlist_offer:' || o.id \
         FROM waitlist_offer o WHERE o.id = :offer",
        quoted(AuditAction::WaitlistOffered.code())
    );
    Program {
        name: "offer",
        inputs: inputs(&[
            ("slot", Type::Int),
            ("patient", Type::Text),
            ("entry", Type::Int),
            ("hold_until", Type::Int),
        ]),
        vars: vec![("hold", Type::Int), ("offer", Type::Int)],
        steps: [
            lock_patient(),
            lock_slot(),
            available,
            decide_slot(&rules::slot_rules(SlotRequest::Offer)),
            Step::Write("DELETE FROM slot_hold WHERE slot_id = :slot AND expires_at <= :now".into()),
            Step::WriteInto {
                sql: "INSERT INTO slot_hold (clinic_id, timebook_id, slot_id, national_id, expires_at) \
                      SELECT s.clinic_id, s.timebook_id, s.id, :patient, :hold_until \
                      FROM slot s WHERE s.id = :slot RETURNING id"
                    .into(),
                into: "hold",
            },
            Step::WriteInto {
                sql: "INSERT INTO waitlist_offer (entry_id, clinic_id, timebook_id, slot_id, hold_id, \
                        national_id, offered_at, expires_at, state) \
                      SELECT :entry, s.clinic_id, s.timebook_id, s.id, :hold, :patient, :now, \
                        :hold_until, 'open' \
                      FROM slot s WHERE s.id = :slot RETURNING id"
                    .into(),
                into: "offer",
            },
        ]
        .into_iter()
        // To the patient, or to whoever put them on the list for them, as a booking's notice.
        .chain(
            rules::told_jobs(
                (
                    "clinic_id, kind, waitlist_offer_id, created_at, next_attempt_at",
                    &format!(
                        "o.clinic_id, {}, o.id, :now, :now",
                        quoted(NotificationKind::WaitlistOffer.code())
                    ),
                ),
                "waitlist_offer o JOIN waitlist_entry e ON e.id = o.entry_id WHERE o.id = :offer",
                rules::About {
                    row: "e",
                    acting: "e.representative",
                    parents: false,
                },
                ":now",
            )
            .map(Step::Write),
        )
        .chain([Step::Write(audit)])
        .collect(),
        done: ("offered", "offer"),
    }
}

/// Endre time: moves `:appointment` to `:slot` of the same timebook. The new place is taken
/// and the old one freed in one transaction; the appointment keeps its id and gets a new
/// version.
fn relocate() -> Program {
    // Both slots, by id: two moves between the same two slots never wait for each other.
    let lock_slots = Step::Lock(
        "SELECT 1 FROM slot s WHERE s.id = :slot \
           OR s.id = (SELECT x.slot_id FROM appointment x WHERE x.id = :appointment) \
         ORDER BY s.id FOR UPDATE"
            .into(),
    );
    let decide_new_slot = Step::Decide {
        sql: format!(
            "SELECT {}, NULL FROM slot s JOIN timebook t ON t.id = s.timebook_id \
               JOIN appointment a ON a.id = :appointment \
             WHERE s.id = :slot",
            rules::slot_rules(SlotRequest::Move).case()
        ),
        lock: "",
        missing: Some(Refusal::UnknownSlot),
    };
    Program {
        name: "move",
        inputs: inputs(&[
            ("appointment", Type::Int),
            ("slot", Type::Int),
            ("hold", Type::Int),
            ("version", Type::Int),
        ]),
        vars: vec![("patient", Type::Text)],
        steps: [
            // An appointment's patient never changes, so it is read before any lock.
            Step::Read {
                sql: "SELECT x.national_id FROM appointment x WHERE x.id = :appointment".into(),
                into: "patient",
                missing: Refusal::UnknownAppointment,
            },
            lock_patient(),
            decide_appointment(),
            lock_slots,
            decide_new_slot,
            take_place(),
            give_back_place(),
            Step::Write(
                "UPDATE appointment SET slot_id = :slot, version = version + 1, changed_at = :now, \
                   starts_at = (SELECT x.starts_at FROM slot x WHERE x.id = :slot), \
                   representative = COALESCE(:representative, representative) \
                 WHERE id = :appointment"
                    .into(),
            ),
            release_own_hold(),
        ]
        .into_iter()
        .chain(enqueue(&quoted(NotificationKind::Moved.code())))
        .chain([audit_appointment(&quoted(
            AuditAction::AppointmentMoved.code(),
        ))])
        .collect(),
        done: ("moved", "appointment"),
    }
}

/// Cancels `:appointment`: by the patient (under their deadline) or by the office, as
/// `:status`, with the job `:job_kind` and the audit action `:action` that go with it.
fn cancel() -> Program {
    Program {
        name: "cancel",
        inputs: inputs(&[
            ("appointment", Type::Int),
            ("version", Type::Int),
            ("reason", Type::Text),
            ("status", Type::Text),
            ("job_kind", Type::Text),
            ("action", Type::Text),
        ]),
        vars: vec![],
        steps: [
            decide_appointment(),
            // The verdict found the appointment booked, under its lock.
            Step::Write(
                "UPDATE appointment SET status = :status, cancelled_at = :now, \
                   cancel_reason = :reason, version = version + 1, changed_at = :now \
                 WHERE id = :appointment"
                    .into(),
            ),
            give_back_place(),
        ]
        .into_iter()
        .chain(enqueue(":job_kind"))
        .chain([audit_appointment(":action")])
        .collect(),
        done: ("cancelled", "appointment"),
    }
}

pub(crate) static HOLD: LazyLock<Program> = LazyLock::new(hold);
pub(crate) static BOOK: LazyLock<Program> = LazyLock::new(book);
pub(crate) static MOVE: LazyLock<Program> = LazyLock::new(relocate);
pub(crate) static CANCEL: LazyLock<Program> = LazyLock::new(cancel);
pub(crate) static OFFER: LazyLock<Program> = LazyLock::new(offer);

/// Every program, for the checks and for PostgreSQL, which installs them all at migration.
pub(crate) fn all() -> [&'static Program; 5] {
    [&HOLD, &BOOK, &MOVE, &CANCEL, &OFFER]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_program_names_what_it_declares_and_refuses_before_it_writes() {
        for program in all() {
            assert_eq!(program.check(), Ok(()), "{}", program.name);
        }
    }
}
