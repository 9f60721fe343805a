//! The calendar a patient's calendar app subscribes to: `GET /kalender/<token>.ics`, open to
//! anyone who has the secret link. It lists the patient's appointments as the single
//! appointment's file does, event for event (same UID, `SEQUENCE` from the version,
//! `STATUS:CANCELLED` once cancelled), so the calendar updates its entries in place.
//!
//! A token no link has (never made, replaced, switched off) is «not found», the same page
//! whatever the reason. Those misses are counted per client address; found calendars are not,
//! because calendar services fetch many people's calendars from few addresses.

use super::appointments::title;
use crate::AppState;
use crate::failure::{Failure, Kind};
use crate::limits::Scope;
use crate::texts::T;
use crate::tokens;
use crate::visitor::Visitor;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use i18n::Lang;
use jiff::SignedDuration;

/// Where the calendars are; the route's path and the links the portal shows begin with it.
pub const PREFIX: &str = "/kalender/";

/// How often a calendar app is asked to fetch the calendar again.
const REFRESH: SignedDuration = SignedDuration::from_hours(1);

/// The token of `<token>.ics`, when it has the form of one (64 hex digits, as
/// `tokens::random` makes them); anything else cannot be a link and is not looked up.
fn token(file: &str) -> Option<&str> {
    file.strip_suffix(".ics")
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub async fn calendar(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(file): Path<String>,
) -> Result<Response, Failure> {
    let found = match token(&file) {
        Some(token) => state
            .store
            .linked_calendar(&tokens::hash(token))
            .await
            .map_err(|e| Failure::store(visitor.t, e))?,
        None => None,
    };
    let Some(calendar) = found else {
        Failure::limit(
            visitor.t,
            &state.limits,
            Scope::CalendarLinkMisses,
            &visitor.client,
        )
        .await?;
        return Err(Failure::new(visitor.t, Kind::NotFound));
    };
    let t = T(Lang::parse(&calendar.language).unwrap_or_default());
    let now = state.now();
    let titles: Vec<String> = calendar.appointments.iter().map(|a| title(t, a)).collect();
    let events: Vec<domain::CalendarEvent<'_>> = calendar
        .appointments
        .iter()
        .zip(&titles)
        .map(|(appointment, title)| appointment.calendar_event(title, now))
        .collect();
    let name = t.get("calendar-feed-name");
    let body = domain::calendar_feed(
        &domain::CalendarFeed {
            name: &name,
            refresh: REFRESH,
        },
        &events,
        &state.zone,
    );
    let headers = [
        (CONTENT_TYPE, "text/calendar; charset=utf-8"),
        (CONTENT_DISPOSITION, "inline; filename=\"timeavtaler.ics\""),
        // A shared cache must never keep one patient's calendar; the app fetches it anew.
        (CACHE_CONTROL, "private, no-store"),
    ];
    Ok((headers, body).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_token_shaped_file_is_looked_up() {
        let token = "ab".repeat(32);
        assert_eq!(super::token(&format!("{token}.ics")), Some(token.as_str()));
        for bad in [
            token.clone(),
            format!("{token}.ICS"),
            format!("{}.ics", &token[1..]),
            format!("{token}0.ics"),
            format!("{}.ics", "zz".repeat(32)),
            ".ics".to_owned(),
        ] {
            assert_eq!(super::token(&bad), None, "{bad}");
        }
    }
}
