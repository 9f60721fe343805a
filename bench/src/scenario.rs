//! The scenarios, driven through the same `Store` the servers use.

use domain::{
    Actor, Address, BookingRules, Caller, Capacity, ClinicName, Description, HerId, InfoText,
    NationalId, PersonName, Reason, Refusal, ResourceName, SlotId, SlotLength, SlotTemplate,
    TimebookId, TimebookKind, Weekdays,
};
use jiff::civil::{date, time};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::testing::TestDb;
use store::{BookRequest, ManualClock, NewSlot, Store, StoreError, StoreSettings};

pub const PATIENTS: u16 = 2_000;
pub const RUSH_SLOTS: usize = 500;
/// Rounds of the distinct-slot phase: each patient books one more slot per round.
pub const DISTINCT_ROUNDS: usize = 4;
pub const QUERY_CLIENTS: usize = 8;
pub const QUERIES: usize = 2_000;

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("data: {0}")]
    Domain(#[from] domain::DomainError),
    #[error("a task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("unexpected outcome: {0}")]
    Unexpected(String),
}

/// One phase of bookings.
pub struct Phase {
    pub attempts: usize,
    pub booked: usize,
    pub taken: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
}

pub struct Queries {
    pub published: usize,
    pub rows_per_answer: usize,
    pub one_client: Vec<Duration>,
    pub concurrent_per_second: f64,
}

pub struct Figures {
    pub backend: &'static str,
    pub rush: Phase,
    pub distinct: Phase,
    pub queries: Queries,
    pub double_booked: u64,
}

fn rules(max_per_patient: usize) -> Result<BookingRules, domain::DomainError> {
    BookingRules::new(0, 366, 0, i64::try_from(max_per_patient).unwrap_or(1))
}

/// Monday 4 January 2027, 08:00 in Oslo.
fn start() -> Timestamp {
    "2027-01-04T07:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

pub async fn run(
    backend: &'static str,
    postgres: Option<&str>,
    pool: u32,
) -> Result<Figures, BenchError> {
    let db = match postgres {
        Some(url) => TestDb::postgres_at(url).await,
        None => TestDb::sqlite().await,
    };
    let clock = Arc::new(ManualClock::new(start()));
    let settings = StoreSettings {
        hold_for: SignedDuration::from_mins(5),
        max_connections: pool,
        ..StoreSettings::default()
    };
    let store = store::open(&db.url, settings, clock).await?;
    store.migrate().await?;
    let figures = measure(backend, store.clone()).await;
    drop(store);
    db.finish().await;
    figures
}

/// The benchmark's clinic: its four timebooks' (timebook, place) and its listed patients.
/// The benchmarks' clinic, «Benk legekontor» with the HER-id `her_id`, and its one address.
pub async fn bench_clinic(
    store: &dyn Store,
    her_id: i64,
) -> Result<(domain::Clinic, domain::Location), BenchError> {
    let actor = Actor::System;
    let clinic = store
        .save_clinic(
            &actor,
            HerId::new(her_id)?,
            &ClinicName::parse("Benk legekontor")?,
            &InfoText::parse("")?,
        )
        .await?;
    let location = store
        .save_location(
            &actor,
            clinic.id,
            &Address::parse("Benkveien 1, 0001 Oslo")?,
        )
        .await?;
    Ok((clinic, location))
}

async fn clinic(
    store: &Arc<dyn Store>,
) -> Result<(Vec<(TimebookId, domain::ResourceId)>, Vec<NationalId>), BenchError> {
    let actor = Actor::System;
    let (clinic, location) = bench_clinic(store.as_ref(), 1).await?;
    let mut resources = Vec::new();
    for (kind, name, max) in [
        (TimebookKind::Vaksine, "Rush", 1),
        (TimebookKind::Lab, "Distinct", DISTINCT_ROUNDS),
        (TimebookKind::Koronavaksine, "Rom 1", 1),
        (TimebookKind::Koronavaksine, "Rom 2", 1),
    ] {
        let timebook = store
            .save_timebook(&actor, clinic.id, kind, rules(max)?)
            .await?;
        let resource = store
            .save_resource(
                &actor,
                timebook.id,
                &store::NewPlace {
                    name: &ResourceName::parse(name)?,
                    description: &Description::parse("")?,
                    practitioner: None,
                },
                &location,
            )
            .await?;
        resources.push((timebook.id, resource.id));
    }
    let mut patients = Vec::with_capacity(usize::from(PATIENTS));
    let (first, last) = (PersonName::parse("Benk")?, PersonName::parse("Pasient")?);
    for n in 0..PATIENTS {
        let id = NationalId::synthetic(
            date(1950, 1, 1)
                .checked_add(jiff::Span::new().days(i64::from(n)))
                .map_err(|_| domain::DomainError::NationalIdDate)?,
            0,
        )?;
        store
            .list_patient(&actor, clinic.id, &id, &first, &last)
            .await?;
        patients.push(id);
    }
    Ok((resources, patients))
}

async fn measure(backend: &'static str, store: Arc<dyn Store>) -> Result<Figures, BenchError> {
    let (resources, patients) = clinic(&store).await?;
    let rush_slots = add_slots(&store, resources[0].1, RUSH_SLOTS, 1).await?;
    let targets: Vec<SlotId> = (0..patients.len())
        .map(|i| rush_slots[i % rush_slots.len()])
        .collect();
    let rush = book_all(&store, &patients, &targets).await?;
    if rush.booked != RUSH_SLOTS || rush.taken != patients.len() - RUSH_SLOTS {
        return Err(BenchError::Unexpected(format!(
            "rush booked {} and refused {}",
            rush.booked, rush.taken
        )));
    }

    let distinct_slots =
        add_slots(&store, resources[1].1, patients.len() * DISTINCT_ROUNDS, 1).await?;
    let mut distinct = Phase {
        attempts: 0,
        booked: 0,
        taken: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for round in distinct_slots.chunks(patients.len()) {
        let phase = book_all(&store, &patients, round).await?;
        distinct.attempts += phase.attempts;
        distinct.booked += phase.booked;
        distinct.taken += phase.taken;
        distinct.elapsed += phase.elapsed;
        distinct.latencies.extend(phase.latencies);
    }

    let queries = month_queries(&store, &resources[2..], &patients).await?;
    let integrity = store.integrity().await?;
    Ok(Figures {
        backend,
        rush,
        distinct,
        queries,
        double_booked: integrity.overbooked_slots + integrity.miscounted_slots,
    })
}

async fn add_slots(
    store: &Arc<dyn Store>,
    resource: domain::ResourceId,
    count: usize,
    capacity: u16,
) -> Result<Vec<SlotId>, BenchError> {
    let mut ids = Vec::with_capacity(count);
    let first = start() + SignedDuration::from_hours(24);
    for i in 0..count {
        let offset = SignedDuration::from_mins(15 * i64::try_from(i).unwrap_or(0));
        let slot = store
            .add_slot(
                &Actor::System,
                NewSlot {
                    resource_id: resource,
                    start: first + offset,
                    length: SlotLength::minutes(15)?,
                    capacity: Capacity::new(i64::from(capacity))?,
                },
            )
            .await?;
        ids.push(slot.id);
    }
    Ok(ids)
}

/// Every patient books their target slot at the same moment.
async fn book_all(
    store: &Arc<dyn Store>,
    patients: &[NationalId],
    targets: &[SlotId],
) -> Result<Phase, BenchError> {
    let reason = Reason::parse("Influensavaksine")?;
    let started = Instant::now();
    let tasks: Vec<_> = patients
        .iter()
        .zip(targets)
        .map(|(patient, slot)| {
            let request = BookRequest {
                patient: patient.clone(),
                slot: *slot,
                reason: reason.clone(),
                appointment_type: None,
                hold: None,
                idempotency: None,
            };
            let caller = Caller::patient(patient.clone());
            let store = store.clone();
            tokio::spawn(async move {
                let began = Instant::now();
                let outcome = store.book(&caller, &request).await;
                (began.elapsed(), outcome)
            })
        })
        .collect();
    let mut phase = Phase {
        attempts: tasks.len(),
        booked: 0,
        taken: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for task in tasks {
        let (latency, outcome) = task.await?;
        phase.latencies.push(latency);
        match outcome {
            Ok(_) => phase.booked += 1,
            Err(StoreError::Refused(Refusal::Taken)) => phase.taken += 1,
            Err(other) => return Err(BenchError::Unexpected(format!("a booking failed: {other}"))),
        }
    }
    phase.elapsed = started.elapsed();
    Ok(phase)
}

/// About 10,000 published slots in one timebook (two rooms, weekdays 08:00–16:00), then
/// month-long free-slot queries, first from one client and then from several at once.
async fn month_queries(
    store: &Arc<dyn Store>,
    rooms: &[(TimebookId, domain::ResourceId)],
    patients: &[NationalId],
) -> Result<Queries, BenchError> {
    let today = date(2027, 1, 4);
    let template = SlotTemplate::new(
        Weekdays::MONDAY_TO_FRIDAY,
        time(8, 0, 0, 0),
        time(16, 0, 0, 0),
        SlotLength::minutes(15)?,
        Capacity::new(5)?,
        date(2027, 1, 5),
        date(2027, 8, 9),
        today,
    )?;
    let mut published = 0;
    for (_, resource) in rooms {
        let id = store
            .create_template(&Actor::System, *resource, &template)
            .await?;
        published += store.publish_template(&Actor::System, id).await?.created;
    }
    let timebook = rooms[0].0;
    let month = |i: usize| {
        let from = date(2027, 1, 5)
            .checked_add(jiff::Span::new().days(i64::try_from(i % 180).unwrap_or(0)));
        from.and_then(|f| Ok((f, f.checked_add(jiff::Span::new().days(30))?)))
    };
    let mut one_client = Vec::with_capacity(QUERIES);
    let mut rows = 0;
    for i in 0..QUERIES {
        let (from, to) = month(i).map_err(|_| domain::DomainError::DatesReversed)?;
        let began = Instant::now();
        let patient = &patients[i % patients.len()];
        let free = store
            .free_slots(
                &Caller::patient(patient.clone()),
                patient,
                timebook,
                from,
                to,
            )
            .await?;
        one_client.push(began.elapsed());
        rows += free.len();
    }
    let started = Instant::now();
    let tasks: Vec<_> = (0..QUERY_CLIENTS)
        .map(|client| {
            let (store, patients) = (store.clone(), patients.to_vec());
            tokio::spawn(async move {
                for i in (client..QUERIES).step_by(QUERY_CLIENTS) {
                    let Ok((from, to)) = month(i) else { continue };
                    let patient = &patients[i % patients.len()];
                    store
                        .free_slots(
                            &Caller::patient(patient.clone()),
                            patient,
                            timebook,
                            from,
                            to,
                        )
                        .await?;
                }
                Ok::<(), StoreError>(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    let concurrent_per_second = QUERIES as f64 / started.elapsed().as_secs_f64();
    Ok(Queries {
        published,
        rows_per_answer: rows / QUERIES,
        one_client,
        concurrent_per_second,
    })
}
