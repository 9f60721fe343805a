//! The FHIR API as a machine client: the Slot search for one day (scenario 2), bookings with
//! `POST /fhir/Appointment` (scenario 4), and a burst of bookings whose SMS the outbox must
//! send (scenario 7).

use super::client::Client;
use super::load::{self, Step};
use super::portal::SLOTS_A_DAY;
use super::server::FHIR_TOKEN;
use super::{Bench, HttpError, Tickets};
use domain::NationalId;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The FHIR identifier system of a fødselsnummer.
const FNR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.1";

pub fn machines(bench: &Bench<'_>, count: usize) -> Result<Vec<Client>, HttpError> {
    (0..count)
        .map(|_| Client::machine(&bench.server.base, FHIR_TOKEN).map_err(HttpError::from))
        .collect()
}

/// Slots in a FHIR search Bundle, however the JSON is spaced.
fn slots_in(body: &str) -> usize {
    body.matches("\"resourceType\":\"Slot\"").count()
        + body.matches("\"resourceType\": \"Slot\"").count()
}

/// Scenario 2: the free slots of one place on one day.
pub async fn slot_search(bench: &mut Bench<'_>) -> Result<(), HttpError> {
    let path = Arc::new(format!(
        "/fhir/Slot?schedule=Schedule/{}&status=free&start={}&_count=100",
        bench.clinic.resources[0], bench.clinic.quiet_day
    ));
    let clients = machines(bench, bench.args.connections)?;
    let run = load::run(
        "2. FHIR Slot search, one day of 32 free slots",
        &bench.server,
        clients,
        bench.args.duration(),
        move |mut client| {
            let path = path.clone();
            async move {
                let step = match client.get(&path).await {
                    Ok(answer) if answer.status == StatusCode::OK => match slots_in(&answer.body) {
                        SLOTS_A_DAY => Step::Ok,
                        n => Step::Unexpected(format!("{n} slots instead of 32")),
                    },
                    Ok(answer) => match Step::of(&answer) {
                        Step::Ok => Step::Unexpected(format!("{}", answer.status)),
                        other => other,
                    },
                    Err(error) => Step::failed(&error),
                };
                (client, step)
            }
        },
    )
    .await;
    run.print("requests", None);
    bench.check(&run);
    Ok(())
}

/// The Appointment a client posts to book `slot` for `patient`.
fn appointment(slot: i64, patient: &NationalId) -> Vec<u8> {
    format!(
        r#"{{"resourceType": "Appointment", "status": "booked", "slot": [{{"reference": "Slot/{slot}"}}],
"participant": [{{"actor": {{"identifier": {{"system": "{FNR_SYSTEM}", "value": "{}"}}}}, "status": "accepted"}}],
"description": "Koronavaksine"}}"#,
        patient.as_str()
    )
    .into_bytes()
}

/// Books the next place for one of `patients` (by ticket); the appointment's id.
pub async fn book_next(
    client: &mut Client,
    tickets: &Tickets,
    patients: &[NationalId],
) -> Result<i64, Step> {
    let Some((ticket, slot)) = tickets.take() else {
        return Err(Step::Exhausted);
    };
    book(client, slot.id, &patients[ticket % patients.len()]).await
}

/// Books `slot` for `patient`; the appointment's id.
pub async fn book(client: &mut Client, slot: i64, patient: &NationalId) -> Result<i64, Step> {
    let content = HeaderValue::from_static("application/fhir+json");
    let answer = client
        .post(
            "/fhir/Appointment",
            &[(CONTENT_TYPE, content)],
            appointment(slot, patient),
        )
        .await
        .map_err(|e| Step::failed(&e))?;
    if answer.status != StatusCode::CREATED {
        let detail: String = answer.body.chars().take(300).collect();
        return Err(match Step::of(&answer) {
            Step::Error(s) => Step::Error(format!("{s}: {detail}")),
            _ => Step::Unexpected(format!("{}: {detail}", answer.status)),
        });
    }
    // Location: …/Appointment/{id}/_history/1
    answer
        .location()
        .and_then(|l| l.split("/Appointment/").nth(1))
        .and_then(|rest| rest.split('/').next())
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| Step::Unexpected("201 without an Appointment Location".into()))
}

struct Booking {
    tickets: Arc<Tickets>,
    patients: Vec<NationalId>,
    /// Bookings still to make; unlimited when it starts at `usize::MAX`.
    left: AtomicUsize,
}

async fn book_loop(
    bench: &Bench<'_>,
    name: &str,
    patients: &[NationalId],
    limit: usize,
) -> load::Run {
    let booking = Arc::new(Booking {
        tickets: bench.tickets.clone(),
        patients: patients.to_vec(),
        left: AtomicUsize::new(limit),
    });
    let clients = machines(bench, bench.args.connections).unwrap_or_default();
    let duration = if limit == usize::MAX {
        bench.args.duration()
    } else {
        Duration::from_secs(bench.args.wait_seconds)
    };
    load::run(name, &bench.server, clients, duration, move |mut client| {
        let booking = booking.clone();
        async move {
            let claimed = booking
                .left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
            if claimed.is_err() {
                return (client, Step::Exhausted);
            }
            let step = match book_next(&mut client, &booking.tickets, &booking.patients).await {
                Ok(_) => Step::Ok,
                Err(step) => step,
            };
            (client, step)
        }
    })
    .await
}

/// Scenario 4: bookings by `POST /fhir/Appointment`, each a place of its own.
pub async fn bookings(bench: &mut Bench<'_>) -> Result<(), HttpError> {
    let patients = bench.clinic.plain_patients().to_vec();
    let run = book_loop(
        bench,
        "4. FHIR POST /fhir/Appointment, distinct places",
        &patients,
        usize::MAX,
    )
    .await;
    run.print("bookings", bench.ceiling);
    bench.check(&run);
    Ok(())
}

/// Outbox jobs due now and not yet done.
async fn outbox_due(bench: &Bench<'_>) -> Result<i64, HttpError> {
    bench
        .direct
        .outbox_due(store::Clock::now(&store::SystemClock).as_second())
        .await
}

/// Waits until the outbox has nothing due (and `sms` messages have come), at most
/// `--wait-seconds`; whether it got there.
async fn drained(bench: &Bench<'_>, sms: u64) -> Result<bool, HttpError> {
    let until = Instant::now() + Duration::from_secs(bench.args.wait_seconds);
    while Instant::now() < until {
        if bench.sms.count() >= sms && outbox_due(bench).await? == 0 {
            return Ok(true);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(false)
}

/// Scenario 7: a burst of FHIR bookings for patients with a mobile number, then the time
/// until the worker has sent every SMS to the gateway on loopback.
pub async fn outbox(bench: &mut Bench<'_>) -> Result<(), HttpError> {
    let backlog = outbox_due(bench).await?;
    let waited = Instant::now();
    if !drained(bench, 0).await? {
        println!("7. outbox: the earlier scenarios' {backlog} jobs did not drain; skipped");
        bench.failed = true;
        return Ok(());
    }
    let predrain = waited.elapsed();
    let sms_before = bench.sms.count();
    let patients = bench.clinic.sms_patients().to_vec();
    let name = format!(
        "7. outbox: a burst of {} FHIR bookings with SMS",
        bench.args.burst
    );
    let run = book_loop(bench, &name, &patients, bench.args.burst).await;
    let last_booking = Instant::now();
    run.print("bookings", bench.ceiling);
    bench.check(&run);
    let expected = sms_before + run.completed() as u64;
    let done = drained(bench, expected).await?;
    let received = bench.sms.count() - sms_before;
    let after = bench
        .sms
        .last()
        .filter(|last| *last > last_booking)
        .map_or(0.0, |last| (last - last_booking).as_secs_f64());
    println!(
        "  (the earlier scenarios' {backlog} due jobs drained first, in {:.1} s)",
        predrain.as_secs_f64()
    );
    if done {
        println!(
            "  every notification sent: {received} SMS for {} bookings, the last {after:.1} s after the last booking",
            run.completed()
        );
    } else {
        println!(
            "  NOT drained within {} s: {received} SMS for {} bookings, {} jobs still due",
            bench.args.wait_seconds,
            run.completed(),
            outbox_due(bench).await?
        );
        bench.failed = true;
    }
    Ok(())
}
