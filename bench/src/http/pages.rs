//! Scenario 6: the patient's own pages, «Timeavtaler» and a receipt, timed with the clinic's
//! own appointments only, then again after a million appointments of other patients, with
//! the plan of the query they run.

use super::client::Client;
use super::fhir::{book, machines};
use super::load::{self, Step};
use super::portal::logged_in;
use super::{Bench, HttpError};
use reqwest::StatusCode;
use std::time::Instant;

/// Tries to find a free place for one patient's own booking before giving up.
const TRIES: usize = 20;

async fn get_ok(mut state: (Client, String)) -> ((Client, String), Step) {
    let step = match state.0.get(&state.1).await {
        Ok(answer) if answer.status == StatusCode::OK => Step::Ok,
        Ok(answer) => match Step::of(&answer) {
            Step::Ok => Step::Unexpected(format!("{}", answer.status)),
            other => other,
        },
        Err(error) => Step::failed(&error),
    };
    (state, step)
}

async fn time_pages(bench: &mut Bench<'_>, label: &str, receipts: &[i64]) -> Result<(), HttpError> {
    let patients = bench.clinic.plain_patients()[..receipts.len()].to_vec();
    for (page, paths) in [
        (
            "«Timeavtaler»",
            vec!["/timeavtaler".to_owned(); receipts.len()],
        ),
        (
            "a receipt",
            receipts
                .iter()
                .map(|id| format!("/bestill/kvittering/{id}"))
                .collect(),
        ),
    ] {
        let clients = logged_in(&bench.server.base, &patients, receipts.len()).await?;
        let states: Vec<(Client, String)> = clients.into_iter().zip(paths).collect();
        let run = load::run(
            &format!("6. {page}, {label}"),
            &bench.server,
            states,
            bench.args.duration(),
            get_ok,
        )
        .await;
        run.print("requests", None);
        bench.check(&run);
    }
    let plan = bench
        .direct
        .explain_history(bench.clinic.plain_patients()[0].as_str())
        .await?;
    println!("  plan of the appointment history ({label}):");
    for line in plan {
        println!("    {line}");
    }
    Ok(())
}

pub async fn patient_pages(bench: &mut Bench<'_>) -> Result<(), HttpError> {
    // Each connection's patient gets an appointment of their own, for its receipt.
    let count = bench
        .args
        .connections
        .min(bench.clinic.plain_patients().len());
    let mut client = machines(bench, 1)?
        .pop()
        .ok_or_else(|| HttpError::Unexpected("no client".into()))?;
    let mut receipts = Vec::with_capacity(count);
    for patient in &bench.clinic.plain_patients()[..count] {
        let mut booked = None;
        for _ in 0..TRIES {
            let Some((_, slot)) = bench.tickets.take() else {
                break;
            };
            match book(&mut client, slot.id, patient).await {
                Ok(id) => {
                    booked = Some(id);
                    break;
                }
                Err(Step::Error(e)) => return Err(HttpError::Unexpected(e)),
                Err(_) => continue,
            }
        }
        receipts.push(booked.ok_or_else(|| {
            HttpError::Unexpected("no free place left for the pages' own bookings".into())
        })?);
    }
    let before = bench.direct.appointments().await?;
    time_pages(
        bench,
        &format!("{before} appointments in the database"),
        &receipts,
    )
    .await?;

    let first_slot = bench
        .clinic
        .slots
        .first()
        .map(|s| s.id)
        .ok_or_else(|| HttpError::Unexpected("no slots".into()))?;
    let inserting = Instant::now();
    bench
        .direct
        .insert_other_appointments(
            bench.clinic.id,
            bench.clinic.timebook,
            first_slot,
            bench.args.appointments,
        )
        .await?;
    let after = bench.direct.appointments().await?;
    println!(
        "  inserted {} cancelled appointments of other patients in {:.1} s",
        after - before,
        inserting.elapsed().as_secs_f64()
    );
    time_pages(
        bench,
        &format!("{after} appointments in the database"),
        &receipts,
    )
    .await
}
