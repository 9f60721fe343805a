//! The slot finders' feed, SMART Scheduling Links' `$bulk-publish` (scenario 5): the whole
//! Slot file, the same file answered 304 to a conditional GET, and patients' «Velg time»
//! while 50 connections pull the file.

use super::client::Client;
use super::fhir::machines;
use super::load::{self, Step};
use super::portal::{choose_time_load, logged_in};
use super::{Bench, HttpError};
use reqwest::StatusCode;
use reqwest::header::{HeaderName, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH};
use std::sync::Arc;

const SLOT_FILE: &str = "/fhir/$bulk-publish/Slot.ndjson";
/// Connections pulling the feed in the mixed run.
const PULLERS: usize = 50;

async fn pull(
    mut client: Client,
    headers: Arc<Vec<(HeaderName, HeaderValue)>>,
    expected: StatusCode,
) -> (Client, Step) {
    let step = match client.get_with(SLOT_FILE, &headers).await {
        Ok(answer) if answer.status == expected => Step::Ok,
        Ok(answer) => match Step::of(&answer) {
            Step::Ok => Step::Unexpected(format!("{} instead of {expected}", answer.status)),
            other => other,
        },
        Err(error) => Step::failed(&error),
    };
    (client, step)
}

async fn pull_load(
    bench: &Bench<'_>,
    name: &str,
    connections: usize,
    headers: Vec<(HeaderName, HeaderValue)>,
    expected: StatusCode,
) -> Result<load::Run, HttpError> {
    let headers = Arc::new(headers);
    let clients = machines(bench, connections)?;
    Ok(load::run(
        name,
        &bench.server,
        clients,
        bench.args.duration(),
        move |client| pull(client, headers.clone(), expected),
    )
    .await)
}

pub async fn feed(bench: &mut Bench<'_>) -> Result<(), HttpError> {
    let mut probe = machines(bench, 1)?
        .pop()
        .ok_or_else(|| HttpError::Unexpected("no client".into()))?;
    let manifest = probe.get("/fhir/$bulk-publish").await?;
    let file = probe.get(SLOT_FILE).await?;
    if manifest.status != StatusCode::OK || file.status != StatusCode::OK {
        return Err(HttpError::Unexpected(format!(
            "$bulk-publish answered {} and its Slot file {}",
            manifest.status, file.status
        )));
    }
    println!(
        "5. the feed: manifest {} bytes, Slot.ndjson {} bytes ({} slots), ETag {}, Last-Modified {}",
        manifest.body.len(),
        file.body.len(),
        file.body.lines().count(),
        file.header("etag").unwrap_or("none"),
        file.header("last-modified").unwrap_or("none"),
    );

    let full = pull_load(
        bench,
        "5a. the whole Slot.ndjson",
        bench.args.connections,
        Vec::new(),
        StatusCode::OK,
    )
    .await?;
    full.print("requests", None);
    bench.check(&full);

    let mut conditional = Vec::new();
    if let Some(tag) = file
        .header("etag")
        .and_then(|t| HeaderValue::from_str(t).ok())
    {
        conditional.push((IF_NONE_MATCH, tag));
    }
    if let Some(at) = file
        .header("last-modified")
        .and_then(|t| HeaderValue::from_str(t).ok())
    {
        conditional.push((IF_MODIFIED_SINCE, at));
    }
    let unchanged = pull_load(
        bench,
        "5b. Slot.ndjson, conditional GET answered 304",
        bench.args.connections,
        conditional,
        StatusCode::NOT_MODIFIED,
    )
    .await?;
    unchanged.print("requests", None);
    bench.check(&unchanged);

    let patients = logged_in(
        &bench.server.base,
        bench.clinic.plain_patients(),
        bench.args.connections,
    )
    .await?;
    let (pulled, chosen) = tokio::join!(
        pull_load(
            bench,
            "5c. mixed: Slot.ndjson pulled by 50 connections",
            PULLERS,
            Vec::new(),
            StatusCode::OK
        ),
        choose_time_load(bench, "5c. mixed: «Velg time» beside them", patients),
    );
    let pulled = pulled?;
    pulled.print("requests", None);
    chosen.print("requests", None);
    println!(
        "  «Velg time» p99 under the feed's load: {:.1} ms (server CPU above is of both loads)",
        chosen.percentile_ms(99)
    );
    bench.check(&pulled);
    bench.check(&chosen);
    Ok(())
}
