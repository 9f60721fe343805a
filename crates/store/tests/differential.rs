//! SQLite and PostgreSQL must give the same answer to every step of any sequence of
//! operations — publish, unpublish, hold, book, move, cancel, block, unblock, switch a service
//! off and on, the clock moving — and end in the same state. Each sequence is generated
//! (proptest) on a fresh clinic with generated rules; both databases live through the whole
//! run, so that thousands of sequences fit in a CI run.
//!
//! The booking rules are one definition run two ways (statement by statement on SQLite, one
//! compiled function on PostgreSQL); a rule changed in one backend only makes some sequence
//! disagree here.

extern crate timebok_store as store;

use domain::{
    Actor, Address, AppointmentId, BlockReason, BookingRules, Caller, Capacity, ClinicId,
    ClinicName, Description, HerId, InfoText, NationalId, PersonName, Reach, Reason, ResourceName,
    SlotId, SlotLength, TimebookKind,
};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use store::testing::TestDb;
use store::{
    BookRequest, CancelRequest, HoldRequest, Idempotency, ManualClock, MoveRequest, NewSlot, Store,
    StoreError,
};

/// Sequences in one run; `PROPTEST_CASES` overrides it.
const CASES: u32 = 2_000;
const PATIENTS: usize = 3;
/// Slot starts, in minutes after the case's start: around every minimum notice and horizon
/// the rules below may have.
const STARTS: [i64; 9] = [
    10,
    45,
    90,
    150,
    24 * 60,
    3 * 24 * 60,
    8 * 24 * 60,
    30 * 24 * 60,
    45 * 24 * 60,
];
const ADVANCES: [i64; 6] = [1, 30, 60, 6 * 60, 24 * 60, 7 * 24 * 60];
/// An appointment index that names no appointment.
const UNKNOWN: usize = 4;
/// The GP's types of appointment: one of the slots' length, one that fits none.
const TYPE_MINUTES: [i64; 2] = [15, 20];
/// The patients on the GP's list; the others are on the clinic's list only.
const GPS_PATIENTS: usize = 2;

#[derive(Debug, Clone, Copy)]
enum Who {
    /// The patient the booking is for, or whose appointment it is, themself.
    Owner,
    /// The patient `n` acting for themself, who may not be the one the request is about.
    Patient(usize),
    /// Staff of the clinic.
    Office,
    /// A machine client trusted by every clinic.
    Finder,
    /// A machine client bound to another clinic.
    Stranger,
}

#[derive(Debug, Clone)]
enum Op {
    Publish(usize, bool),
    Hold {
        patient: usize,
        slot: usize,
        moving: Option<usize>,
        kind: Option<usize>,
    },
    Book {
        patient: usize,
        slot: usize,
        who: Who,
        with_hold: bool,
        key: Option<u8>,
        kind: Option<usize>,
    },
    Move {
        appointment: usize,
        slot: usize,
        who: Who,
        with_hold: bool,
    },
    Cancel {
        appointment: usize,
        who: Who,
        version: Option<i64>,
    },
    Block(usize, bool),
    /// Puts a patient on the clinic's list, or takes them off it.
    List(usize, bool),
    Switch(bool),
    Advance(usize),
}

#[derive(Debug, Clone)]
struct Case {
    rules: [i64; 4],
    /// Start (an index into `STARTS`) and capacity of each slot; the last is in another
    /// timebook of the clinic.
    slots: Vec<(usize, u16)>,
    ops: Vec<Op>,
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        8 => Just(Who::Owner),
        1 => (0..PATIENTS).prop_map(Who::Patient),
        1 => Just(Who::Office),
        1 => Just(Who::Finder),
        1 => Just(Who::Stranger),
    ]
}

/// A type of appointment of the GP's timebook, by its place in [`TYPE_MINUTES`], or none.
fn kind() -> impl Strategy<Value = Option<usize>> {
    prop::option::weighted(0.3, 0..TYPE_MINUTES.len())
}

fn op(slots: usize) -> impl Strategy<Value = Op> {
    let patient = 0..PATIENTS;
    let slot = 0..slots;
    let appointment = 0..=UNKNOWN;
    prop_oneof![
        1 => (slot.clone(), any::<bool>()).prop_map(|(s, on)| Op::Publish(s, on)),
        3 => (patient.clone(), slot.clone(), prop::option::of(appointment.clone()), kind())
            .prop_map(|(patient, slot, moving, kind)| Op::Hold { patient, slot, moving, kind }),
        6 => (patient.clone(), slot.clone(), who(), any::<bool>(), prop::option::of(0..2u8), kind())
            .prop_map(|(patient, slot, who, with_hold, key, kind)| Op::Book { patient, slot, who, with_hold, key, kind }),
        3 => (appointment.clone(), slot, who(), any::<bool>())
            .prop_map(|(appointment, slot, who, with_hold)| Op::Move { appointment, slot, who, with_hold }),
        3 => (appointment, who(), prop::option::weighted(0.3, 1..4i64))
            .prop_map(|(appointment, who, version)| Op::Cancel { appointment, who, version }),
        1 => (patient.clone(), any::<bool>()).prop_map(|(p, on)| Op::Block(p, on)),
        1 => (patient, any::<bool>()).prop_map(|(p, on)| Op::List(p, on)),
        1 => any::<bool>().prop_map(Op::Switch),
        2 => (0..ADVANCES.len()).prop_map(Op::Advance),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let rules = (
        prop::sample::select(vec![0i64, 30, 120]),
        prop::sample::select(vec![1i64, 7, 42]),
        prop::sample::select(vec![0i64, 60, 24 * 60]),
        1..3i64,
    )
        .prop_map(|(a, b, c, d)| [a, b, c, d]);
    // Most slots inside the usual windows, some at their edges or beyond.
    let start = prop_oneof![3 => 2..6usize, 1 => 0..STARTS.len()];
    let slots = prop::collection::vec((start, 1..3u16), 3..7);
    (rules, slots).prop_flat_map(|(rules, slots)| {
        let count = slots.len();
        prop::collection::vec(op(count), 1..24).prop_map(move |ops| Case {
            rules,
            slots: slots.clone(),
            ops,
        })
    })
}

/// One database through a whole run, with its own clock.
struct Backend {
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
}

/// A case's clinic on one backend, and the ids that backend gave.
struct World<'a> {
    backend: &'a Backend,
    clinic: ClinicId,
    slots: Vec<SlotId>,
    resources: Vec<domain::ResourceId>,
    patients: Vec<NationalId>,
    /// The GP's types of appointment, as [`TYPE_MINUTES`] lists them.
    types: Vec<domain::AppointmentTypeId>,
    /// The case's appointments, with whose they are.
    appointments: Vec<(AppointmentId, usize)>,
    /// The last hold of each patient on each slot.
    holds: std::collections::HashMap<(usize, usize), domain::HoldId>,
    case: u32,
}

fn start() -> Timestamp {
    "2030-03-04T07:00:00Z".parse().expect("start")
}

fn person(n: usize) -> NationalId {
    let birth = jiff::civil::date(1975, 5, 17);
    NationalId::synthetic(birth, u16::try_from(n).unwrap_or(0) + 1).expect("person")
}

/// A successful answer with appointments named by their place in the case, or the error.
type Answer = Result<String, String>;

fn error(error: StoreError) -> Answer {
    match error {
        StoreError::Refused(refusal) => Err(refusal.code().to_owned()),
        StoreError::NotFound(what) => Err(format!("not found: {what}")),
        other => panic!("not an answer but a failure: {other}"),
    }
}

/// The case's slots; the last is in the second timebook, the GP's, so that moving there
/// leaves the first.
async fn add_slots(
    store: &dyn Store,
    resources: &[domain::ResourceId],
    slots: &[(usize, u16)],
) -> Vec<SlotId> {
    let mut ids = Vec::new();
    for (i, (at, capacity)) in slots.iter().enumerate() {
        let resource = resources[usize::from(i + 1 == slots.len())];
        let slot = store
            .add_slot(
                &Actor::System,
                NewSlot {
                    resource_id: resource,
                    start: start() + SignedDuration::from_mins(STARTS[*at]),
                    length: SlotLength::minutes(15).expect("length"),
                    capacity: Capacity::new(i64::from(*capacity)).expect("capacity"),
                },
            )
            .await;
        // Two slots of a resource may not start together; such a slot is the first one.
        ids.push(match slot {
            Ok(slot) => slot.id,
            Err(StoreError::Overlap) => ids[0],
            Err(other) => panic!("slot: {other}"),
        });
    }
    ids
}

/// The GP's types of appointment, as [`TYPE_MINUTES`] lists them.
async fn gp_types(
    store: &dyn Store,
    clinic: ClinicId,
    timebook: domain::TimebookId,
) -> Vec<domain::AppointmentTypeId> {
    let mut types = Vec::new();
    for minutes in TYPE_MINUTES {
        let kind = store
            .save_appointment_type(
                &Actor::System,
                clinic,
                timebook,
                &store::NewAppointmentType {
                    name: domain::AppointmentTypeName::parse(&format!("{minutes} min"))
                        .expect("name"),
                    length: SlotLength::minutes(minutes).expect("length"),
                    attendance: domain::Attendance::InPerson,
                },
            )
            .await
            .expect("type");
        types.push(kind.id);
    }
    types
}

/// The case's patients, on the clinic's list.
async fn list_patients(store: &dyn Store, clinic: ClinicId) -> Vec<NationalId> {
    let mut patients = Vec::new();
    for n in 0..PATIENTS {
        let id = person(n);
        store
            .list_patient(
                &Actor::System,
                clinic,
                &id,
                &PersonName::parse("Kari").expect("first"),
                &PersonName::parse("Nordmann").expect("last"),
            )
            .await
            .expect("list");
        patients.push(id);
    }
    patients
}

impl<'a> World<'a> {
    async fn new(
        backend: &'a Backend,
        case: u32,
        rules: [i64; 4],
        slots: &[(usize, u16)],
    ) -> World<'a> {
        backend.clock.set(start());
        let store = backend.store.as_ref();
        let system = Actor::System;
        let clinic = store
            .save_clinic(
                &system,
                HerId::new(100_000 + i64::from(case)).expect("her"),
                &ClinicName::parse(&format!("Legekontor {case}")).expect("name"),
                &InfoText::parse("").expect("info"),
            )
            .await
            .expect("clinic");
        let location = store
            .save_location(
                &system,
                clinic.id,
                &Address::parse("Influensaveien 3a, 1325 Lysaker").expect("address"),
            )
            .await
            .expect("location");
        let rules = BookingRules::new(rules[0], rules[1], rules[2], rules[3]).expect("rules");
        let gp = store
            .save_practitioner(
                &system,
                clinic.id,
                domain::HprNumber::new(9_144_900).expect("hpr"),
                (
                    &PersonName::parse("Test").expect("first"),
                    &PersonName::parse("Fastlege").expect("last"),
                ),
            )
            .await
            .expect("practitioner");
        let mut resources = Vec::new();
        let mut types = Vec::new();
        for (kind, practitioner) in [
            (TimebookKind::Vaksine, None),
            (TimebookKind::Fastlege, Some(gp.id)),
        ] {
            let timebook = store
                .save_timebook(&system, clinic.id, kind, rules)
                .await
                .expect("timebook");
            let resource = store
                .save_resource(
                    &system,
                    timebook.id,
                    &store::NewPlace {
                        name: &ResourceName::parse("Rom 1").expect("name"),
                        description: &Description::parse("").expect("description"),
                        practitioner,
                    },
                    &location,
                )
                .await
                .expect("resource");
            resources.push(resource.id);
            if practitioner.is_some() {
                types = gp_types(store, clinic.id, timebook.id).await;
            }
        }
        let patients = list_patients(store, clinic.id).await;
        store
            .list_with_practitioner(&system, clinic.id, gp.id, &patients[..GPS_PATIENTS])
            .await
            .expect("GP's list");
        World {
            backend,
            clinic: clinic.id,
            slots: add_slots(store, &resources, slots).await,
            resources,
            patients,
            types,
            appointments: Vec::new(),
            holds: std::collections::HashMap::new(),
            case,
        }
    }

    fn caller(&self, who: Who, owner: usize) -> Caller {
        match who {
            Who::Owner => Caller::patient(self.patients[owner].clone()),
            Who::Patient(n) => Caller::patient(self.patients[n].clone()),
            Who::Office => Caller::staff(self.clinic, "resepsjon"),
            Who::Finder => Caller::client("finder", Reach::Everywhere),
            Who::Stranger => Caller::client("stranger", Reach::Clinic(ClinicId(-self.clinic.0))),
        }
    }

    /// One of the case's appointments and its patient, or (for `UNKNOWN`, or before the
    /// first booking) one that does not exist.
    fn appointment(&self, n: usize) -> (AppointmentId, usize) {
        match self.appointments.len() {
            0 => (AppointmentId(i64::MAX - 1), 0),
            _ if n == UNKNOWN => (AppointmentId(i64::MAX - 1), 0),
            len => self.appointments[n % len],
        }
    }

    /// The name of an appointment in this case.
    fn name(&self, id: AppointmentId) -> String {
        match self.appointments.iter().position(|(a, _)| *a == id) {
            Some(n) => format!("#{n}"),
            None => "unknown".into(),
        }
    }

    #[expect(
        clippy::too_many_lines,
        reason = "one arm per operation, in the order the generator lists them"
    )]
    async fn apply(&mut self, op: &Op) -> Answer {
        let store = self.backend.store.clone();
        let staff = Actor::Staff {
            clinic_id: self.clinic,
            user: "resepsjon".into(),
        };
        match op {
            Op::Publish(slot, on) => store
                .set_slot_published(&staff, self.slots[*slot], *on)
                .await
                .map(|_| "published".into())
                .or_else(error),
            Op::Hold {
                patient,
                slot,
                moving,
                kind,
            } => {
                let request = HoldRequest {
                    appointment_type: kind.map(|k| self.types[k]),
                    patient: self.patients[*patient].clone(),
                    slot: self.slots[*slot],
                    moving: moving.map(|n| self.appointment(n).0),
                    referral: None,
                };
                let caller = Caller::patient(request.patient.clone());
                match store.hold(&caller, &request).await {
                    Ok(hold) => {
                        self.holds.insert((*patient, *slot), hold.id);
                        Ok("held".into())
                    }
                    Err(e) => error(e),
                }
            }
            Op::Book {
                patient,
                slot,
                who,
                with_hold,
                key,
                kind,
            } => {
                let request = BookRequest {
                    appointment_type: kind.map(|k| self.types[k]),
                    patient: self.patients[*patient].clone(),
                    slot: self.slots[*slot],
                    reason: Reason::parse("Vaksine").expect("reason"),
                    hold: with_hold
                        .then(|| self.holds.get(&(*patient, *slot)).copied())
                        .flatten(),
                    idempotency: key.map(|k| Idempotency {
                        client: "finder".into(),
                        key: format!("case-{}-{k}", self.case),
                        fingerprint: format!("{patient}-{slot}"),
                    }),
                };
                match store.book(&self.caller(*who, *patient), &request).await {
                    Ok(booked) if booked.replayed => {
                        Ok(format!("replayed {}", self.name(booked.id)))
                    }
                    Ok(booked) => {
                        self.appointments.push((booked.id, *patient));
                        Ok(format!("booked {}", self.name(booked.id)))
                    }
                    Err(e) => error(e),
                }
            }
            Op::Move {
                appointment,
                slot,
                who,
                with_hold,
            } => {
                let (id, owner) = self.appointment(*appointment);
                let hold = with_hold
                    .then(|| self.holds.get(&(owner, *slot)).copied())
                    .flatten();
                let request = MoveRequest {
                    appointment: id,
                    to: self.slots[*slot],
                    hold,
                    version: None,
                };
                store
                    .move_appointment(&self.caller(*who, owner), &request)
                    .await
                    .map(|id| format!("moved {}", self.name(id)))
                    .or_else(error)
            }
            Op::Cancel {
                appointment,
                who,
                version,
            } => {
                let (id, owner) = self.appointment(*appointment);
                let request = CancelRequest {
                    appointment: id,
                    reason: None,
                    version: *version,
                };
                store
                    .cancel(&self.caller(*who, owner), &request)
                    .await
                    .map(|id| format!("cancelled {}", self.name(id)))
                    .or_else(error)
            }
            Op::Block(patient, on) => {
                let patient = &self.patients[*patient];
                if *on {
                    let why = BlockReason::parse("Misbruk").expect("reason");
                    store
                        .block_patient(&staff, self.clinic, patient, &why)
                        .await
                        .map(|_| "blocked".into())
                        .or_else(error)
                } else {
                    store
                        .unblock_patient(&staff, self.clinic, patient)
                        .await
                        .map(|()| "unblocked".into())
                        .or_else(error)
                }
            }
            Op::List(patient, on) => {
                let patient = &self.patients[*patient];
                if *on {
                    let (first, last) = (
                        PersonName::parse("Kari").expect("first"),
                        PersonName::parse("Nordmann").expect("last"),
                    );
                    store
                        .list_patient(&staff, self.clinic, patient, &first, &last)
                        .await
                        .map(|_| "listed".into())
                        .or_else(error)
                } else {
                    store
                        .unlist_patient(&staff, self.clinic, patient)
                        .await
                        .map(|()| "unlisted".into())
                        .or_else(error)
                }
            }
            Op::Switch(on) => store
                .set_service(&Actor::System, self.clinic, TimebookKind::Vaksine, *on)
                .await
                .map(|()| "switched".into())
                .or_else(error),
            Op::Advance(n) => {
                self.backend
                    .clock
                    .advance(SignedDuration::from_mins(ADVANCES[*n]));
                Ok("later".into())
            }
        }
    }

    /// What the case left behind, in terms both backends share.
    async fn state(&self) -> Vec<String> {
        let store = self.backend.store.as_ref();
        let mut lines = Vec::new();
        let far = start() + SignedDuration::from_hours(24 * 400);
        for (n, id) in self.slots.iter().enumerate() {
            let slot = store.slot(*id).await.expect("slot");
            lines.push(format!(
                "slot {n}: {} booked of {}, published {}",
                slot.booked,
                slot.capacity.get(),
                slot.published
            ));
        }
        for resource in &self.resources {
            let open = store
                .open_slots(*resource, start(), far, None, 100)
                .await
                .expect("open slots");
            for free in open {
                let n = self.slots.iter().position(|s| *s == free.id);
                lines.push(format!("open {n:?}: {} places left", free.places_left));
            }
        }
        let office = Caller::staff(self.clinic, "resepsjon");
        for (id, _) in &self.appointments {
            let record = store.appointment_for(&office, *id).await.expect("record");
            let slot = self.slots.iter().position(|s| *s == record.slot_id);
            let patient = self.patients.iter().position(|p| *p == record.patient);
            let jobs: Vec<_> = store
                .outbox_jobs(*id)
                .await
                .expect("jobs")
                .iter()
                .map(|j| j.kind.code())
                .collect();
            lines.push(format!(
                "{}: patient {patient:?} slot {slot:?} {} v{} jobs {jobs:?}",
                self.name(*id),
                record.status.code(),
                record.version
            ));
        }
        let integrity = store.integrity().await.expect("integrity");
        lines.push(format!(
            "integrity: {} overbooked, {} miscounted",
            integrity.overbooked_slots, integrity.miscounted_slots
        ));
        lines
    }
}

async fn run_case(
    sqlite: &Backend,
    postgres: &Backend,
    number: u32,
    case: &Case,
) -> Result<(), TestCaseError> {
    let mut worlds = [
        World::new(sqlite, number, case.rules, &case.slots).await,
        World::new(postgres, number, case.rules, &case.slots).await,
    ];
    for (step, op) in case.ops.iter().enumerate() {
        let on_sqlite = worlds[0].apply(op).await;
        let on_postgres = worlds[1].apply(op).await;
        seen(&on_sqlite);
        prop_assert_eq!(
            &on_sqlite,
            &on_postgres,
            "step {} ({:?}): SQLite and PostgreSQL answered differently",
            step,
            op
        );
    }
    let (left, right) = (worlds[0].state().await, worlds[1].state().await);
    prop_assert_eq!(left, right, "the final states differ");
    Ok(())
}

static NUMBER: AtomicU32 = AtomicU32::new(0);

/// How often each kind of answer came, so that the run can show it reached every rule.
static SEEN: std::sync::Mutex<Vec<(String, usize)>> = std::sync::Mutex::new(Vec::new());

fn seen(answer: &Answer) {
    let kind = match answer {
        Ok(done) => done.split(' ').next().unwrap_or_default().to_owned(),
        Err(refusal) => refusal.clone(),
    };
    if let Ok(mut seen) = SEEN.lock() {
        match seen.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => seen.push((kind, 1)),
        }
    }
}

#[test]
fn postgres_and_sqlite_agree_on_every_step_of_generated_sequences() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let Some(pg) = runtime.block_on(TestDb::postgres()) else {
        return;
    };
    let lite = runtime.block_on(TestDb::sqlite());
    // Durability is not under test here; the rules are.
    let name = pg
        .database_name()
        .expect("a PostgreSQL database")
        .to_owned();
    runtime.block_on(pg.execute_owned(format!(
        "ALTER DATABASE {name} SET synchronous_commit TO off"
    )));
    let sqlite = runtime.block_on(backend(&lite));
    let postgres = runtime.block_on(backend(&pg));
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CASES);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let outcome = runner.run(&case(), |case| {
        let number = NUMBER.fetch_add(1, Ordering::Relaxed);
        runtime.block_on(run_case(&sqlite, &postgres, number, &case))
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    let seen = SEEN.lock().expect("answers").clone();
    eprintln!("answers over {cases} sequences: {seen:?}");
    // A full run must have reached every operation and every rule, or it proved little.
    if cases >= CASES {
        let done = ["held", "booked", "replayed", "moved", "cancelled"];
        let refused = domain::Refusal::ALL
            .iter()
            .filter(|r| **r != domain::Refusal::UnknownSlot)
            .map(|r| r.code());
        for kind in done.into_iter().chain(refused) {
            assert!(
                seen.iter().any(|(k, _)| k == kind),
                "no step answered «{kind}»: {seen:?}"
            );
        }
    }
    drop((sqlite, postgres));
    runtime.block_on(pg.finish());
}

async fn backend(db: &TestDb) -> Backend {
    let clock = Arc::new(ManualClock::new(start()));
    Backend {
        store: db.open(clock.clone()).await,
        clock,
    }
}
