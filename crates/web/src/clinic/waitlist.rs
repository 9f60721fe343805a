//! «Venteliste»: the office sees each timebook's waitlist in line order — who waits, for what,
//! since when, and the place held for them now. Only the staff member's own clinic's
//! timebooks; each patient shown is an audited view (the store's `clinic_waitlist`).

use crate::AppState;
use crate::failure::Failure;
use crate::pages::{Page, html};
use crate::portal::wish_text;
use crate::texts::{T, clock};
use crate::visitor::StaffMember;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use domain::TimebookId;
use serde::Deserialize;
use store::WaitlistEntry;

/// A timebook to choose.
struct TimebookOption {
    id: i64,
    label: String,
    chosen: bool,
}

/// One waiting patient as the list shows them.
struct Line {
    number: usize,
    name: String,
    national_id: String,
    wish: String,
    place: String,
    since: String,
    offer: String,
}

#[derive(Template)]
#[template(path = "staff_waitlist.html")]
struct WaitlistPage {
    page: Page,
    intro: String,
    timebooks: Vec<TimebookOption>,
    shown_label: String,
    lines: Vec<Line>,
}

#[derive(Deserialize, Default)]
pub struct WaitlistQuery {
    timebok: Option<String>,
}

fn line(state: &AppState, t: T, number: usize, entry: &WaitlistEntry) -> Line {
    Line {
        number,
        name: entry
            .name
            .as_ref()
            .map(|(first, last)| format!("{first} {last}"))
            .unwrap_or_default(),
        national_id: entry.patient.as_str().to_owned(),
        wish: wish_text(t, &entry.wish),
        place: entry
            .place
            .as_ref()
            .map_or_else(|| t.get("waitlist-place-any"), ToString::to_string),
        since: t.short_date(state.day_of(entry.created_at)),
        offer: entry.offer.map_or_else(
            || t.get("staff-waitlist-no-offer"),
            |offer| {
                let when = t.args(
                    "date-time",
                    &[
                        ("date", &t.short_date(state.day_of(offer.start))),
                        ("time", &clock(offer.start, &state.zone)),
                    ],
                );
                t.args(
                    "staff-waitlist-offer-open",
                    &[
                        ("when", &when),
                        ("time", &clock(offer.expires_at, &state.zone)),
                    ],
                )
            },
        ),
    }
}

/// The list of the timebook `timebok` names, or of the clinic's first when it names none of
/// its own: another clinic's timebook is never looked up.
pub async fn show(
    State(state): State<AppState>,
    staff: StaffMember,
    Query(query): Query<WaitlistQuery>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let timebooks = state
        .store
        .timebooks(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let wanted = query
        .timebok
        .as_deref()
        .and_then(|s| s.trim().parse::<i64>().ok());
    let shown = timebooks
        .iter()
        .find(|tb| Some(tb.id.0) == wanted)
        .or(timebooks.first());
    let mut lines = Vec::new();
    if let Some(timebook) = shown {
        let entries = state
            .store
            .clinic_waitlist(&staff.actor, staff.clinic_id, timebook.id)
            .await
            .map_err(|e| Failure::store(t, e))?;
        lines = entries
            .iter()
            .enumerate()
            .map(|(i, entry)| line(&state, t, i + 1, entry))
            .collect();
    }
    let label = |id: TimebookId| {
        timebooks
            .iter()
            .find(|tb| tb.id == id)
            .map(|tb| t.get(tb.kind.service_label_message()))
            .unwrap_or_default()
    };
    let page = WaitlistPage {
        page: Page::staff(
            &staff.visitor,
            "staff-waitlist-title",
            "/klinikk/venteliste",
        ),
        intro: t.arg(
            "staff-waitlist-intro",
            "minutes",
            &state.store.offer_time().as_mins().to_string(),
        ),
        timebooks: timebooks
            .iter()
            .map(|tb| TimebookOption {
                id: tb.id.0,
                label: label(tb.id),
                chosen: shown.is_some_and(|s| s.id == tb.id),
            })
            .collect(),
        shown_label: shown.map(|tb| label(tb.id)).unwrap_or_default(),
        lines,
    };
    Ok(html(&page).into_response())
}
