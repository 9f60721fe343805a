//! SMART Scheduling Links: the bulk publication a slot finder polls. `GET /fhir/$bulk-publish`
//! is the manifest; it names three NDJSON files, Locations, Schedules and Slots. The Slot file
//! lists free and busy slots; with `_since` only what changed after that time (a deleted slot
//! comes as busy). Every answer has an ETag, and `If-None-Match` with it gets 304 while nothing
//! has changed. The Location and Schedule files are always whole.

use super::outcome::{Outcome, Problem};
use super::resources::{self, ScheduleView, SlotView};
use super::search::{refuse_unknown, visible};
use super::{ApiClient, base_url};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use store::CatalogueEntry;

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
            value.parse::<Timestamp>().map_err(|_| {
                Outcome::new(
                    client.t,
                    Problem::Invalid("fhir-since-invalid", "_since".into()),
                )
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

fn schedules(state: &AppState, client: &ApiClient, entries: &[CatalogueEntry]) -> String {
    ndjson(
        entries
            .iter()
            .map(|entry| resources::schedule(&ScheduleView::lasting(entry, client.t), &state.zone)),
    )
}

/// The Slot file, and the time the store read it at.
async fn slots(
    state: &AppState,
    client: &ApiClient,
    base: &str,
    entries: &[CatalogueEntry],
    since: Option<Timestamp>,
) -> Result<(String, Timestamp), Outcome> {
    let t = client.t;
    let labels: HashMap<_, _> = entries
        .iter()
        .map(|e| {
            (
                e.resource.id,
                (&e.timebook, t.get(e.timebook.kind.service_label_message())),
            )
        })
        .collect();
    let feed = state
        .store
        .slot_feed(since.map(|s| s - SINCE_OVERLAP))
        .await
        .map_err(|e| Outcome::store(t, e))?;
    let file = ndjson(feed.slots.iter().filter_map(|slot| {
        let (timebook, label) = labels.get(&slot.resource_id)?;
        Some(resources::slot(
            &SlotView::fed(slot, timebook, label),
            base,
            &state.zone,
        ))
    }));
    Ok((file, feed.at))
}

/// A validator of content: equal content, equal tag.
fn tag(content: &str) -> String {
    format!("\"{}\"", &crate::tokens::hash(content)[..32])
}

/// 304 when the client already has this tag, else the answer with it. `If-None-Match`
/// compares weakly (RFC 9110): `W/` does not count.
fn conditional(headers: &HeaderMap, etag: String, answer: impl FnOnce() -> Response) -> Response {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let ours = opaque(&etag);
    let matches = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == "*" || opaque(t) == ours));
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        answer()
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(ETAG, value);
    }
    response
}

fn file(headers: &HeaderMap, content: String) -> Response {
    conditional(headers, tag(&content), || {
        ([(CONTENT_TYPE, NDJSON)], content).into_response()
    })
}

pub async fn manifest(
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Result<Response, Outcome> {
    let since = since(&client, &params)?;
    let base = base_url(&state);
    let entries = visible(&state, &client).await?;
    let (slot_file, now) = slots(&state, &client, base, &entries, since).await?;
    // The manifest is the same while its files are: its tag is theirs, weak because the
    // transaction time in it moves on.
    let contents = [
        locations(&entries),
        schedules(&state, &client, &entries),
        slot_file,
    ];
    let etag = format!("W/{}", tag(&contents.concat()));
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
        "requiresAccessToken": true,
        "output": output,
        "error": [],
    });
    Ok(conditional(&headers, etag, || {
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
    content: fn(&AppState, &ApiClient, &[CatalogueEntry]) -> String,
) -> Result<Response, Outcome> {
    refuse_unknown(client, params, &[])?;
    let entries = visible(state, client).await?;
    Ok(file(headers, content(state, client, &entries)))
}

pub async fn location_file(
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Result<Response, Outcome> {
    whole_file(&state, &client, &headers, &params, |_, _, entries| {
        locations(entries)
    })
    .await
}

pub async fn schedule_file(
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Result<Response, Outcome> {
    whole_file(&state, &client, &headers, &params, schedules).await
}

pub async fn slot_file(
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Result<Response, Outcome> {
    let since = since(&client, &params)?;
    let entries = visible(&state, &client).await?;
    let (content, _) = slots(&state, &client, base_url(&state), &entries, since).await?;
    Ok(file(&headers, content))
}
