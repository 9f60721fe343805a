//! The change feed: `GET /fhir/Appointment?_lastUpdated=gt…` without a patient, for a
//! client bound to one clinic. It answers the clinic's appointments by their last change
//! (booked, moved, cancelled, fulfilled, no-show) and then id, a page at a time with `next`
//! links, so that a journal system that was away learns every change since it last looked.
//! Each appointment shown is an audited read, as in every other Appointment search.

use super::appointments::audited_json;
use super::outcome::{Outcome, Problem};
use super::resources;
use super::search::{BadDates, bounds, query_string, refuse_unknown};
use super::{ApiClient, base_url, fhir_json};
use crate::AppState;
use axum::response::Response;
use domain::{AppointmentId, Reach};
use jiff::Timestamp;
use store::{ChangeCursor, ChangeQuery};

const DEFAULT_COUNT: u32 = 100;
const MAX_COUNT: u32 = 500;

type Params = Vec<(String, String)>;

/// `<seconds>.<id>`: the last change of the page before.
fn cursor_of(text: &str) -> Option<ChangeCursor> {
    let (at, id) = text.split_once('.')?;
    Some(ChangeCursor {
        changed_at: domain::check_instant(Timestamp::from_second(at.parse().ok()?).ok()?).ok()?,
        id: AppointmentId(id.parse().ok()?),
    })
}

/// The query a request asks for, in the client's clinic.
fn query(
    client: &ApiClient,
    params: &Params,
    clinic: domain::ClinicId,
    zone: &jiff::tz::TimeZone,
) -> Result<ChangeQuery, Outcome> {
    let t = client.t;
    refuse_unknown(
        client,
        params,
        &["_lastUpdated", "_count", "_cursor", "_sort"],
    )?;
    let values = |name: &'static str| {
        params
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let invalid =
        |key: &'static str, name: &str| Outcome::new(t, Problem::Invalid(key, name.into()));
    if values("_sort").any(|sort| sort != "_lastUpdated") {
        return Err(Outcome::new(
            t,
            Problem::NotSupported("fhir-sort-last-updated", "_sort".into()),
        ));
    }
    let updated: Vec<&str> = values("_lastUpdated").collect();
    let (from, to) = bounds(&updated, zone).map_err(|bad| match bad {
        BadDates::Invalid => invalid("fhir-last-updated-invalid", "_lastUpdated"),
        BadDates::OutOfRange => invalid("fhir-last-updated-out-of-range", "_lastUpdated"),
    })?;
    let limit = match values("_count").next() {
        None => DEFAULT_COUNT,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_COUNT).contains(n))
            .ok_or_else(|| invalid("fhir-count-invalid", "_count"))?,
    };
    let after = values("_cursor")
        .next()
        .map(|text| cursor_of(text).ok_or_else(|| invalid("fhir-cursor-invalid", "_cursor")))
        .transpose()?;
    Ok(ChangeQuery {
        clinic,
        from,
        to,
        after,
        limit,
    })
}

pub(super) async fn feed(
    state: &AppState,
    client: &ApiClient,
    params: &Params,
) -> Result<Response, Outcome> {
    let t = client.t;
    let caller = client.caller(state).await?;
    let base = base_url(state);
    let this = format!("{base}/fhir/Appointment{}", query_string(params));
    let Reach::Clinic(clinic) = caller.reach else {
        // Bound to a clinic the register does not know: nothing to show.
        refuse_unknown(
            client,
            params,
            &["_lastUpdated", "_count", "_cursor", "_sort"],
        )?;
        return Ok(fhir_json(&resources::searchset(
            &format!("{base}/fhir"),
            &[("self", this)],
            Vec::<serde_json::Value>::new(),
            Vec::new(),
        )));
    };
    let mut query = query(client, params, clinic, &state.zone)?;
    let count = query.limit;
    query.limit = count + 1;
    let mut records = state
        .store
        .appointment_changes(query)
        .await
        .map_err(|e| Outcome::store(t, e))?;
    let more = records.len() > count as usize;
    records.truncate(count as usize);
    let matches = audited_json(state, client, &caller, &records).await?;
    let mut links = vec![("self", this)];
    if let (true, Some(last)) = (more, records.last()) {
        let mut next: Params = params
            .iter()
            .filter(|(n, _)| n != "_cursor")
            .cloned()
            .collect();
        next.push((
            "_cursor".into(),
            format!("{}.{}", last.changed_at.as_second(), last.id.0),
        ));
        links.push((
            "next",
            format!("{base}/fhir/Appointment{}", query_string(&next)),
        ));
    }
    Ok(fhir_json(&resources::searchset(
        &format!("{base}/fhir"),
        &links,
        matches,
        Vec::new(),
    )))
}
