//! SMART Scheduling Links: the bulk publication a slot finder polls. `GET /fhir/$bulk-publish`
//! is the manifest; it names three NDJSON files, Locations, Schedules and Slots. The Slot file
//! lists free and busy slots; with `_since` only what changed after that time (a deleted slot
//! comes as busy). Every answer has an ETag, and `If-None-Match` with it gets 304 while nothing
//! has changed. The Location and Schedule files are always whole.
//!
//! A whole file is served from the copy this process keeps under the store's feed stamp
//! (`feed_cache.rs`): a poll reads the stamp and, while it and the time leave the file as it
//! is, answers from the copy without reading or writing anything else. With `[fhir]
//! public_feed` anyone may read the feed without a token, as SMART Scheduling Links intends;
//! every open reader is served the same copy, so the cost of a poll does not grow with them. Building a file (JSON
//! for every slot) runs on the blocking threads, not on the ones serving requests.

use super::feed_cache::{Built, Content, File, Key, tag};
use super::outcome::{Outcome, Problem};
use super::resources::{self, ScheduleView, SlotView};
use super::search::{refuse_unknown, visible};
use super::{ApiClient, base_url};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use store::{CatalogueEntry, SlotFeed};

const NDJSON: &str = "application/fhir+ndjson";

/// A change written with a clock reading taken just before a manifest's, but committed just
/// after it, would be missed by a `_since` of exactly that manifest's time; reading this much
/// further back catches it. A slot sent twice does no harm.
const SINCE_OVERLAP: SignedDuration = SignedDuration::from_secs(60);

/// The three files, by the type the manifest gives them.
pub const FILES: [(&str, &str); 3] = [
    ("Location", "/fhir/$bulk-publish/Location.ndjson"),
    ("Schedule", "/fhir/$bulk-publish/Schedule.ndjson"),
    ("Slot", "/fhir/$bulk-publish/Slot.ndjson"),
];

type Params = Vec<(String, String)>;

/// `_since`, the only parameter, as an instant with an offset.
fn since(client: &ApiClient, params: &Params) -> Result<Option<Timestamp>, Outcome> {
    refuse_unknown(client, params, &["_since"])?;
    params
        .iter()
        .find(|(name, _)| name == "_since")
        .map(|(_, value)| {
            domain::parse_instant(value).map_err(|error| {
                let key = match error {
                    domain::DomainError::DateOutOfRange => "fhir-since-out-of-range",
                    _ => "fhir-since-invalid",
                };
                Outcome::new(client.t, Problem::Invalid(key, "_since".into()))
            })
        })
        .transpose()
}

fn ndjson<R: serde::Serialize>(resources: impl IntoIterator<Item = R>) -> String {
    let mut file = String::new();
    for resource in resources {
        // Timebok's resources have string keys only, so writing one cannot fail.
        if let Ok(line) = serde_json::to_string(&resource) {
            file.push_str(&line);
            file.push('\n');
        }
    }
    file
}

fn locations(entries: &[CatalogueEntry]) -> String {
    let mut by_id = BTreeMap::new();
    for entry in entries {
        by_id
            .entry(entry.resource.location.id)
            .or_insert_with(|| resources::location(&entry.resource.location, &entry.clinic));
    }
    ndjson(by_id.into_values())
}

fn schedules(t: crate::texts::T, zone: &TimeZone, entries: &[CatalogueEntry]) -> String {
    ndjson(
        entries
            .iter()
            .map(|entry| resources::schedule(&ScheduleView::lasting(entry, t), zone)),
    )
}

/// The Slot file's lines: the feed's slots of the schedules the client sees.
fn slot_lines(
    t: crate::texts::T,
    zone: &TimeZone,
    base: &str,
    entries: &[CatalogueEntry],
    feed: &SlotFeed,
) -> String {
    let labels: HashMap<_, _> = entries
        .iter()
        .map(|e| {
            (
                e.resource.id,
                (&e.timebook, t.get(e.timebook.kind.service_label_message())),
            )
        })
        .collect();
    ndjson(feed.slots.iter().filter_map(|slot| {
        let (timebook, label) = labels.get(&slot.resource_id)?;
        Some(resources::slot(
            &SlotView::fed(slot, timebook, label),
            base,
            zone,
        ))
    }))
}

/// Runs a file's serialisation on the blocking threads: it is all CPU.
async fn serialise(
    t: crate::texts::T,
    write: impl FnOnce() -> String + Send + 'static,
) -> Result<Bytes, Outcome> {
    tokio::task::spawn_blocking(move || Bytes::from(write()))
        .await
        .map_err(|error| {
            tracing::error!(%error, "building a bulk file failed");
            Outcome::new(t, Problem::Unavailable)
        })
}

/// Builds one whole file for the client.
async fn build(state: &AppState, client: &ApiClient, file: File) -> Result<Content, Outcome> {
    let t = client.t;
    let entries = visible(state, client).await?;
    let zone = state.zone.clone();
    match file {
        File::Location => Ok(Content {
            body: serialise(t, move || locations(&entries)).await?,
            from: None,
            until: None,
        }),
        File::Schedule => Ok(Content {
            body: serialise(t, move || schedules(t, &zone, &entries)).await?,
            from: None,
            until: None,
        }),
        File::Slot => {
            let feed = state
                .store
                .slot_feed(None)
                .await
                .map_err(|e| Outcome::store(t, e))?;
            let (from, until) = (feed.at, feed.until);
            let base = base_url(state).to_owned();
            let body = serialise(t, move || slot_lines(t, &zone, &base, &entries, &feed)).await?;
            Ok(Content {
                body,
                from: Some(from),
                until,
            })
        }
    }
}

/// A whole file as this process keeps it for the client: built again only when the feed
/// stamp or the time says it has changed.
async fn whole(state: &AppState, client: &ApiClient, file: File) -> Result<Arc<Built>, Outcome> {
    let t = client.t;
    let clinic = match client.reach(state).await? {
        domain::Reach::Everywhere => None,
        domain::Reach::Clinic(id) => Some(Some(id.0)),
        domain::Reach::Nowhere => Some(None),
    };
    let key = Key {
        file,
        clinic,
        lang: t.0,
    };
    // Read before the file, so that a file built now holds at least what the stamp says.
    let stamp = state
        .store
        .feed_stamp()
        .await
        .map_err(|e| Outcome::store(t, e))?;
    state
        .feed
        .get(key, stamp, state.now(), async || {
            build(state, client, file).await
        })
        .await
}

/// 304 when the client already has this tag, else the answer with it. `If-None-Match`
/// compares weakly (RFC 9110): `W/` does not count.
fn conditional(headers: &HeaderMap, etag: &str, answer: impl FnOnce() -> Response) -> Response {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let ours = opaque(etag);
    let matches = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == "*" || opaque(t) == ours));
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        answer()
    };
    if let Ok(value) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(ETAG, value);
    }
    response
}

fn file(headers: &HeaderMap, etag: &str, content: Bytes) -> Response {
    conditional(headers, etag, || {
        ([(CONTENT_TYPE, NDJSON)], content).into_response()
    })
}

/// The Slot file of what changed since `since`, with its tag; never kept, as each finder
/// asks from its own time.
async fn changes(
    state: &AppState,
    client: &ApiClient,
    since: Timestamp,
) -> Result<(String, Bytes, Timestamp), Outcome> {
    let t = client.t;
    let entries = visible(state, client).await?;
    let feed = state
        .store
        .slot_feed(Some(since.saturating_sub(SINCE_OVERLAP).unwrap_or(since)))
        .await
        .map_err(|e| Outcome::store(t, e))?;
    let at = feed.at;
    let zone = state.zone.clone();
    let base = base_url(state).to_owned();
    let body = serialise(t, move || slot_lines(t, &zone, &base, &entries, &feed)).await?;
    Ok((tag(&body), body, at))
}

pub async fn manifest(
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Result<Response, Outcome> {
    let since = since(&client, &params)?;
    let base = base_url(&state);
    let locations = whole(&state, &client, File::Location).await?;
    let schedules = whole(&state, &client, File::Schedule).await?;
    let (slots, now) = match since {
        Some(since) => {
            let (etag, _, at) = changes(&state, &client, since).await?;
            (etag, at)
        }
        None => {
            let now = Timestamp::from_second(state.now().as_second())
                .map_err(|_| Outcome::new(client.t, Problem::Unavailable))?;
            (whole(&state, &client, File::Slot).await?.etag.clone(), now)
        }
    };
    // The manifest is the same while its files are: its tag is theirs, weak because the
    // transaction time in it moves on.
    let etag = format!(
        "W/{}",
        tag([locations.etag.as_str(), &schedules.etag, &slots]
            .concat()
            .as_bytes())
    );
    let query = since
        .map(|s| {
            format!(
                "?_since={}",
                resources::instant(s, &state.zone).replace('+', "%2B")
            )
        })
        .unwrap_or_default();
    let output: Vec<Value> = FILES
        .iter()
        .map(|(kind, path)| {
            let query = if *kind == "Slot" { query.as_str() } else { "" };
            json!({ "type": kind, "url": format!("{base}{path}{query}") })
        })
        .collect();
    let body = json!({
        "transactionTime": resources::instant(now, &state.zone),
        "request": format!("{base}/fhir/$bulk-publish{query}"),
        // Whether a reader needs one, which is the same for every reader.
        "requiresAccessToken": !state.fhir.public_feed,
        "output": output,
        "error": [],
    });
    Ok(conditional(&headers, &etag, || {
        (
            [(CONTENT_TYPE, "application/json; charset=utf-8")],
            body.to_string(),
        )
            .into_response()
    }))
}

/// A file that is always whole: it takes no parameters.
async fn whole_file(
    state: &AppState,
    client: &ApiClient,
    headers: &HeaderMap,
    params: &Params,
    kind: File,
) -> Result<Response, Outcome> {
    refuse_unknown(client, params, &[])?;
    let built = whole(state, client, kind).await?;
    Ok(file(headers, &built.etag, built.body.clone()))
}

pub async fn location_file(
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Result<Response, Outcome> {
    whole_file(&state, &client, &headers, &params, File::Location).await
}

pub async fn schedule_file(
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Result<Response, Outcome> {
    whole_file(&state, &client, &headers, &params, File::Schedule).await
}

pub async fn slot_file(
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Result<Response, Outcome> {
    match since(&client, &params)? {
        None => {
            let built = whole(&state, &client, File::Slot).await?;
            Ok(file(&headers, &built.etag, built.body.clone()))
        }
        Some(since) => {
            let (etag, body, _) = changes(&state, &client, since).await?;
            Ok(file(&headers, &etag, body))
        }
    }
}
