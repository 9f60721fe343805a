//! Who books, and the closed set of answers a booking can be refused with.
//!
//! Every actor — the patient, staff on the phone, a machine client, the waitlist, later a
//! representative — reaches the booking core as a [`Caller`]. The rules themselves live in the
//! store, inside the booking transaction (`crates/store/src/booking/rules.rs`); a caller only
//! says who acts, for whom and where, and which set of rules binds them.

use crate::{Actor, ClinicId, NationalId};

/// The clinics a caller may act in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Any clinic: a patient (the list rule decides where they may book), or a machine client
    /// trusted by every clinic.
    Everywhere,
    /// One clinic: its staff, or a machine client bound to it.
    Clinic(ClinicId),
    /// None: a machine client bound to a clinic the register does not know.
    Nowhere,
}

impl Reach {
    pub fn includes(self, clinic: ClinicId) -> bool {
        match self {
            Self::Everywhere => true,
            Self::Clinic(own) => own == clinic,
            Self::Nowhere => false,
        }
    }
}

/// Whose appointments a caller may act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Patients {
    /// Only this person's: a patient acting for themself, or the person a representative acts
    /// for.
    Only(NationalId),
    /// Anyone's within reach: staff, and machine clients acting on a patient's behalf.
    Any,
}

/// Which rules bind a caller. The rules file says, rule by rule, which of them apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// The patient's own rules, as the portal applies them: minimum notice and planning
    /// horizon, blocks, the limit of future appointments, the cancellation deadline.
    SelfService,
    /// The office's: staff may book a blocked patient, inside the minimum notice or past the
    /// horizon, and cancel at any time; never over a slot's places, never in the past.
    Office,
}

/// Someone asking the booking core to hold, book, move or cancel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Who acts, as the audit log names them.
    pub actor: Actor,
    pub reach: Reach,
    pub patients: Patients,
    pub policy: Policy,
}

impl Caller {
    /// A patient acting for themself.
    pub fn patient(id: NationalId) -> Self {
        Self {
            actor: Actor::Patient(id.clone()),
            reach: Reach::Everywhere,
            patients: Patients::Only(id),
            policy: Policy::SelfService,
        }
    }

    /// A person acting for someone they represent (a parent for a child, or with fullmakt),
    /// under that person's own rules. The booking core checks the relation in its transaction.
    pub fn representative(by: NationalId, person: NationalId) -> Self {
        Self {
            actor: Actor::Representative(by),
            reach: Reach::Everywhere,
            patients: Patients::Only(person),
            policy: Policy::SelfService,
        }
    }

    /// The representative acting, if the caller is one.
    pub fn representative_id(&self) -> Option<&NationalId> {
        match &self.actor {
            Actor::Representative(id) => Some(id),
            _ => None,
        }
    }

    /// A machine client acting on patients' behalf, under the patients' own rules.
    pub fn client(name: &str, reach: Reach) -> Self {
        Self {
            actor: Actor::Client {
                name: name.to_owned(),
            },
            reach,
            patients: Patients::Any,
            policy: Policy::SelfService,
        }
    }

    /// A staff member of a clinic, under the office's rules, in their own clinic only.
    pub fn staff(clinic: ClinicId, user: &str) -> Self {
        Self {
            actor: Actor::Staff {
                clinic_id: clinic,
                user: user.to_owned(),
            },
            reach: Reach::Clinic(clinic),
            patients: Patients::Any,
            policy: Policy::Office,
        }
    }

    /// The waitlist offering a freed place to the patient first in line: Timebok itself acts,
    /// for that one patient, under the patient's own rules (a blocked patient, one over the
    /// limit or off the list is refused as if they had asked themself).
    pub fn waitlist(patient: NationalId) -> Self {
        Self {
            actor: Actor::System,
            reach: Reach::Everywhere,
            patients: Patients::Only(patient),
            policy: Policy::SelfService,
        }
    }

    /// Whether the caller may act in this clinic.
    pub fn reaches(&self, clinic: ClinicId) -> bool {
        self.reach.includes(clinic)
    }
}

macro_rules! refusals {
    ($($(#[$doc:meta])* $variant:ident => $code:literal),* $(,)?) => {
        /// Why the booking core said no. The set is closed: the portal and the FHIR API each
        /// map it to their answers from one table, and nothing else is a refusal.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
        pub enum Refusal {
            $($(#[$doc])* #[error($code)] $variant),*
        }

        impl Refusal {
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The code the store's programs return and the logs may carry.
            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),* }
            }

            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

refusals! {
    /// No such slot.
    UnknownSlot => "unknown_slot",
    /// No such appointment.
    UnknownAppointment => "unknown_appointment",
    /// The caller may not act in that clinic, or for that patient.
    NotInReach => "not_in_reach",
    /// The register has switched the timebook's kind off for the clinic.
    ServiceOff => "service_off",
    /// The clinic has blocked the patient from booking themself.
    Blocked => "blocked",
    /// The patient is not on the clinic's list.
    NotOnList => "not_on_list",
    /// The slot starts before the minimum notice or after the planning horizon.
    OutsideWindow => "outside_window",
    /// The patient already has this slot.
    AlreadyBooked => "already_booked",
    /// The patient has as many future appointments in the timebook as it allows.
    OverLimit => "over_limit",
    /// The hold named ran out or was released.
    HoldLost => "hold_lost",
    /// The slot has no place left, or is not published.
    Taken => "taken",
    /// The appointment is no longer booked (cancelled, or marked fulfilled or no-show).
    NotBooked => "not_booked",
    /// The appointment changed since the version the caller saw.
    Stale => "stale",
    /// The patient's own deadline for cancelling or moving has passed.
    DeadlinePassed => "deadline_passed",
    /// An appointment moves only within its own timebook.
    OtherTimebook => "other_timebook",
    /// The Idempotency-Key was used before for another request.
    KeyReused => "key_reused",
    /// The place is a GP's, and the patient is not on that GP's list.
    NotTheirPractitioner => "not_their_practitioner",
    /// The appointment type is not one of the timebook's, or the slot is not its length.
    TypeDoesNotFit => "type_does_not_fit",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_codes_are_distinct_and_read_back() {
        for refusal in Refusal::ALL {
            assert_eq!(Refusal::parse(refusal.code()), Some(*refusal));
        }
        let mut codes: Vec<_> = Refusal::ALL.iter().map(|r| r.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Refusal::ALL.len());
        assert_eq!(Refusal::parse("booked"), None);
    }

    #[test]
    fn reach_includes_what_it_names() {
        assert!(Reach::Everywhere.includes(ClinicId(7)));
        assert!(Reach::Clinic(ClinicId(7)).includes(ClinicId(7)));
        assert!(!Reach::Clinic(ClinicId(7)).includes(ClinicId(8)));
        assert!(!Reach::Nowhere.includes(ClinicId(7)));
    }
}
