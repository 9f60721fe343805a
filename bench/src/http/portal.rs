//! The patient portal: «Velg time» for logged-in patients (scenario 1) and the whole booking
//! flow from the login to the receipt (scenario 3).

use super::client::{Answer, Client, input_value};
use super::load::{self, Step};
use super::{Bench, HttpError, Tickets};
use domain::NationalId;
use jiff::civil::Date;
use reqwest::StatusCode;
use std::sync::Arc;

/// The slots of a day: 08:00–16:00 in 15 minutes.
pub const SLOTS_A_DAY: usize = 32;

/// «Velg time» on one day and place.
pub fn choose_path(timebook: i64, resource: i64, day: Date) -> String {
    format!(
        "/bestill/{timebook}?sted={resource}&maned={}&dag={day}",
        day.strftime("%Y-%m")
    )
}

/// The slot buttons on a «Velg time» page.
pub fn slot_buttons(body: &str) -> usize {
    body.matches("name=\"slot\" value=\"").count()
}

/// An answer with the expected status, or the step it comes to.
pub fn expect(answer: Answer, status: StatusCode, what: &str) -> Result<Answer, Step> {
    if answer.status == status {
        return Ok(answer);
    }
    match Step::of(&answer) {
        Step::Ok => Err(Step::Unexpected(format!(
            "{what}: {} where {status} was expected",
            answer.status
        ))),
        Step::Unexpected(s) => Err(Step::Unexpected(format!("{what}: {s}"))),
        Step::Error(s) => Err(Step::Error(format!("{what}: {s}"))),
        Step::Exhausted => Err(Step::Exhausted),
    }
}

pub fn sent(result: Result<Answer, reqwest::Error>) -> Result<Answer, Step> {
    result.map_err(|e| Step::failed(&e))
}

/// The demo's test login as `patient`: the login page for its CSRF token, then the form.
pub async fn log_in(client: &mut Client, patient: &NationalId) -> Result<(), Step> {
    let page = expect(
        sent(client.get("/logg-inn").await)?,
        StatusCode::OK,
        "login page",
    )?;
    let csrf = page
        .csrf()
        .ok_or_else(|| Step::Unexpected("the login page has no CSRF token".into()))?
        .to_owned();
    let answer = sent(
        client
            .post_form(
                "/logg-inn",
                &[("csrf", &csrf), ("national_id", patient.as_str())],
            )
            .await,
    )?;
    expect(answer, StatusCode::SEE_OTHER, "login").map(|_| ())
}

/// Clients logged in as the first `count` patients, one each.
pub async fn logged_in(
    base: &str,
    patients: &[NationalId],
    count: usize,
) -> Result<Vec<Client>, HttpError> {
    let mut clients = Vec::with_capacity(count);
    for patient in patients.iter().cycle().take(count) {
        let mut client = Client::new(base)?;
        if let Err(Step::Error(e) | Step::Unexpected(e)) = log_in(&mut client, patient).await {
            return Err(HttpError::Unexpected(format!("login: {e}")));
        }
        clients.push(client);
    }
    Ok(clients)
}

/// Scenario 1: «Velg time» for a day of 32 free slots, each connection its own patient.
pub async fn choose_time(bench: &mut Bench<'_>) -> Result<(), HttpError> {
    let run = choose_time_run(
        bench,
        "1. «Velg time», a day of 32 free slots, logged-in patients",
    )
    .await?;
    run.print("requests", None);
    bench.check(&run);
    Ok(())
}

/// The «Velg time» load.
pub async fn choose_time_run(bench: &Bench<'_>, name: &str) -> Result<load::Run, HttpError> {
    let clients = logged_in(
        &bench.server.base,
        bench.clinic.plain_patients(),
        bench.args.connections,
    )
    .await?;
    Ok(choose_time_load(bench, name, clients).await)
}

/// «Velg time» from clients logged in already; also run beside the feed's load.
pub async fn choose_time_load(bench: &Bench<'_>, name: &str, clients: Vec<Client>) -> load::Run {
    let path = Arc::new(choose_path(
        bench.clinic.timebook,
        bench.clinic.resources[0],
        bench.clinic.quiet_day,
    ));
    load::run(
        name,
        &bench.server,
        clients,
        bench.args.duration(),
        move |mut client| {
            let path = path.clone();
            async move {
                let step = match client.get(&path).await {
                    Ok(page) if page.status == StatusCode::OK => match slot_buttons(&page.body) {
                        SLOTS_A_DAY => Step::Ok,
                        n => Step::Unexpected(format!("{n} slot buttons instead of 32")),
                    },
                    Ok(page) => Step::of(&page).or_unexpected(page.status),
                    Err(error) => Step::failed(&error),
                };
                (client, step)
            }
        },
    )
    .await
}

impl Step {
    /// A page that should have been 200: any other fine status is unexpected too.
    fn or_unexpected(self, status: StatusCode) -> Self {
        match self {
            Step::Ok => Step::Unexpected(format!("{status}")),
            other => other,
        }
    }
}

struct Flow {
    tickets: Arc<Tickets>,
    patients: Vec<NationalId>,
    timebook: i64,
}

/// One patient's booking in the portal, as a new browser makes it: eight requests.
async fn book_in_portal(client: &mut Client, flow: &Flow) -> Result<(), Step> {
    let Some((ticket, slot)) = flow.tickets.take() else {
        return Err(Step::Exhausted);
    };
    let patient = &flow.patients[ticket % flow.patients.len()];
    client.clear_cookies();
    log_in(client, patient).await?;
    expect(
        sent(client.get("/timeavtaler").await)?,
        StatusCode::OK,
        "Timeavtaler",
    )?;
    let tb = flow.timebook;
    let page = expect(
        sent(client.get(&choose_path(tb, slot.resource, slot.day)).await)?,
        StatusCode::OK,
        "Velg time",
    )?;
    if !page
        .body
        .contains(&format!("name=\"slot\" value=\"{}\"", slot.id))
    {
        return Err(Step::Unexpected(format!(
            "«Velg time» does not offer slot {}",
            slot.id
        )));
    }
    let csrf = page.csrf().unwrap_or_default().to_owned();
    let slot_id = slot.id.to_string();
    let held = expect(
        sent(
            client
                .post_form(
                    &format!("/bestill/{tb}/hold"),
                    &[("csrf", &csrf), ("slot", &slot_id)],
                )
                .await,
        )?,
        StatusCode::SEE_OTHER,
        "hold",
    )?;
    let review_path = held.location().unwrap_or_default().to_owned();
    let review = expect(
        sent(client.get(&review_path).await)?,
        StatusCode::OK,
        "Se gjennom",
    )?;
    let csrf = review.csrf().unwrap_or_default().to_owned();
    let hold = input_value(&review.body, "hold")
        .unwrap_or_default()
        .to_owned();
    let booked = expect(
        sent(
            client
                .post_form(
                    &format!("/bestill/{tb}/send"),
                    &[
                        ("csrf", &csrf),
                        ("slot", &slot_id),
                        ("hold", &hold),
                        ("reason", "Koronavaksine"),
                    ],
                )
                .await,
        )?,
        StatusCode::SEE_OTHER,
        "send",
    )?;
    let receipt = booked.location().unwrap_or_default().to_owned();
    if !receipt.starts_with("/bestill/kvittering/") {
        return Err(Step::Unexpected(format!("sent, then to «{receipt}»")));
    }
    expect(sent(client.get(&receipt).await)?, StatusCode::OK, "receipt")?;
    Ok(())
}

/// Scenario 3: the portal's whole booking flow, each flow a new login and a slot place of
/// its own.
pub async fn booking_flow(bench: &mut Bench<'_>) -> Result<(), HttpError> {
    let flow = Arc::new(Flow {
        tickets: bench.tickets.clone(),
        patients: bench.clinic.plain_patients().to_vec(),
        timebook: bench.clinic.timebook,
    });
    let clients = (0..bench.args.connections)
        .map(|_| Client::new(&bench.server.base))
        .collect::<Result<Vec<_>, _>>()?;
    let before = bench.direct.appointments().await?;
    let run = load::run(
        "3. the portal's booking flow (login, Timeavtaler, Velg time, hold, review, send, receipt: 8 requests)",
        &bench.server,
        clients,
        bench.args.duration(),
        move |mut client| {
            let flow = flow.clone();
            async move {
                let step = match book_in_portal(&mut client, &flow).await {
                    Ok(()) => Step::Ok,
                    Err(step) => step,
                };
                (client, step)
            }
        },
    )
    .await;
    run.print("bookings", bench.ceiling);
    let written = bench.direct.appointments().await? - before;
    println!(
        "  appointments written: {written}; requests/s {:.0}",
        run.per_second() * 8.0
    );
    bench.check(&run);
    Ok(())
}
