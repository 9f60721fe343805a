//! «Uke»: the week of one place, days by times, every slot with its state: free (with the
//! places left), held, booked (whom and why), unpublished or past. A data table with headers
//! for day and time, so that a screen reader reads each cell with both.

use super::{PlaceOption, chosen_place, place_options, places};
use crate::AppState;
use crate::failure::Failure;
use crate::pages::{Page, html};
use crate::texts::clock;
use crate::visitor::StaffMember;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::Deserialize;
use store::WeekSlot;

pub struct Day {
    label: String,
    today: bool,
}

pub struct Booking {
    id: i64,
    text: String,
}

/// One slot, as its cell shows it.
pub struct Cell {
    /// «Ledig», «Fullt», «Ikke publisert», «Passert»…, each a line.
    states: Vec<String>,
    bookings: Vec<Booking>,
    /// Where «Bestill» leads, when the office may still book into it.
    book_href: Option<String>,
    /// «Bestill: onsdag 2. desember 10:00», for a link among many that read «Bestill».
    book_label: String,
    free: bool,
    today: bool,
}

pub struct Row {
    time: String,
    cells: Vec<Option<Cell>>,
}

#[derive(Template)]
#[template(path = "week.html")]
struct WeekPage {
    page: Page,
    places: Vec<PlaceOption>,
    caption: String,
    week_value: String,
    days: Vec<Day>,
    rows: Vec<Row>,
    previous_href: String,
    next_href: String,
    this_week_href: String,
    no_places: bool,
    day_error: bool,
}

#[derive(Deserialize, Default)]
pub struct WeekQuery {
    sted: Option<String>,
    uke: Option<String>,
}

/// The Monday of the week `day` is in.
fn monday_of(day: Date) -> Date {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(jiff::Span::new().days(back)).unwrap_or(day)
}

fn days_after(day: Date, days: i64) -> Date {
    day.checked_add(jiff::Span::new().days(days)).unwrap_or(day)
}

pub async fn show(
    State(state): State<AppState>,
    staff: StaffMember,
    Query(query): Query<WeekQuery>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let today = state.today();
    let all = places(&state, &staff).await?;
    let place = chosen_place(&all, query.sted.as_deref());
    let typed = query.uke.as_deref().map(str::trim).unwrap_or_default();
    let parsed = (!typed.is_empty()).then(|| typed.parse::<Date>().ok());
    let day_error = matches!(parsed, Some(None));
    let monday = monday_of(parsed.flatten().unwrap_or(today));
    let sunday = days_after(monday, 6);
    let dates: Vec<Date> = (0..7).map(|n| days_after(monday, n)).collect();
    let href = |day: Date| {
        format!(
            "/klinikk/uke?sted={}&uke={day}",
            place.map(|p| p.id.0).unwrap_or_default()
        )
    };
    let week = match place {
        Some(place) => state
            .store
            .place_week(&staff.actor, staff.clinic_id, place.id, monday, sunday)
            .await
            .map_err(|e| Failure::store(t, e))?,
        None => Vec::new(),
    };
    let rows = rows(&state, t, &week, &dates);
    let iso = monday.iso_week_date();
    let caption = t.args(
        "week-caption",
        &[
            ("count", &iso.week().to_string()),
            ("from", &t.long_date(monday)),
            ("to", &t.long_date(sunday)),
            ("place", &place.map(|p| p.label.clone()).unwrap_or_default()),
        ],
    );
    let page = WeekPage {
        page: Page::staff(&staff.visitor, "week-title", "/klinikk/uke"),
        places: place_options(&all, place),
        caption,
        week_value: monday.to_string(),
        days: dates
            .iter()
            .map(|date| Day {
                label: t.long_date(*date),
                today: *date == today,
            })
            .collect(),
        rows,
        previous_href: href(days_after(monday, -7)),
        next_href: href(days_after(monday, 7)),
        this_week_href: href(today),
        no_places: place.is_none(),
        day_error,
    };
    Ok(html(&page).into_response())
}

/// The table's rows: one for each time of day a slot of the week starts at.
fn rows(state: &AppState, t: crate::texts::T, week: &[WeekSlot], dates: &[Date]) -> Vec<Row> {
    let (now, today) = (state.now(), state.today());
    // Each slot's local day and time, worked out once rather than for every cell.
    let placed: Vec<(Date, String, &WeekSlot)> = week
        .iter()
        .map(|w| {
            (
                state.day_of(w.slot.start),
                clock(w.slot.start, &state.zone),
                w,
            )
        })
        .collect();
    let mut times: Vec<String> = placed.iter().map(|(_, time, _)| time.clone()).collect();
    times.sort();
    times.dedup();
    times
        .into_iter()
        .map(|time| Row {
            cells: dates
                .iter()
                .map(|date| {
                    placed
                        .iter()
                        .find(|(day, at, _)| day == date && *at == time)
                        .map(|(_, _, w)| {
                            let mut cell = cell(t, w, now, *date == today);
                            cell.book_label =
                                format!("{}: {} {time}", t.get("week-book"), t.long_date(*date));
                            cell
                        })
                })
                .collect(),
            time,
        })
        .collect()
}

fn cell(t: crate::texts::T, w: &WeekSlot, now: jiff::Timestamp, today: bool) -> Cell {
    let past = w.slot.start <= now;
    let mut states = Vec::new();
    if past {
        states.push(t.get("week-past"));
    }
    if !w.slot.published {
        states.push(t.get("week-unpublished"));
    }
    let capacity = w.slot.capacity.get();
    let free = !past && w.slot.published && w.places_left > 0;
    if !past && w.slot.published {
        if w.places_left == 0 {
            states.push(t.get("week-full"));
        } else if capacity > 1 {
            states.push(t.args(
                "week-free-places",
                &[
                    ("count", &w.places_left.to_string()),
                    ("capacity", &capacity.to_string()),
                ],
            ));
        } else {
            states.push(t.get("week-free"));
        }
    }
    if w.held > 0 {
        states.push(t.arg("week-held", "count", &w.held.to_string()));
    }
    let bookings = w
        .appointments
        .iter()
        .map(|a| {
            let mut text = format!("{} {}: {}", a.first_name, a.last_name, a.reason);
            if a.status != domain::AppointmentStatus::Booked {
                text.push_str(&format!(
                    " ({})",
                    t.get(&format!("appointments-status-{}", a.status.code()))
                ));
            }
            Booking { id: a.id.0, text }
        })
        .collect();
    // The office books a slot that has not started even when patients could not (inside the
    // minimum notice); the core decides the rest.
    let book_href = free.then(|| format!("/klinikk/bestill?time={}", w.slot.id.0));
    Cell {
        states,
        bookings,
        book_href,
        book_label: String::new(),
        free,
        today,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_week_starts_on_monday() {
        assert_eq!(monday_of(date(2026, 12, 2)), date(2026, 11, 30));
        assert_eq!(monday_of(date(2026, 11, 30)), date(2026, 11, 30));
        assert_eq!(monday_of(date(2026, 12, 6)), date(2026, 11, 30));
    }
}
