//! «Bruk av timebøkene»: per timebook, place and week, how many slots were published, booked,
//! cancelled by the patient or the office, not attended and fulfilled, and the utilisation;
//! as a chart with a table beside it, and as a CSV file. Counts only: no patient appears.
//! What each number means is in README.md («Use of the timebooks») and in the store's `usage`.

mod chart;

use crate::AppState;
use crate::failure::Failure;
use crate::pages::{FieldError, Page, html};
use crate::texts::T;
use crate::visitor::StaffMember;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use domain::{ResourceId, TimebookId};
use jiff::ToSpan;
use jiff::civil::Date;
use store::{UsageCounts, UsageQuery, UsageReport, monday_of, weeks_between};

/// One option of a select.
struct Choice {
    value: String,
    label: String,
    chosen: bool,
}

/// One week's line of a place's table (or the period's total).
struct Line {
    week: String,
    counts: UsageCounts,
    utilisation: String,
}

/// One place: its heading, its chart and its table.
struct PlaceView {
    id: String,
    heading: String,
    caption: String,
    svg: String,
    lines: Vec<Line>,
    total: Line,
}

#[derive(Template)]
#[template(path = "usage.html")]
struct UsagePage {
    page: Page,
    errors: Vec<FieldError>,
    timebook_error: Option<String>,
    place_error: Option<String>,
    from_error: Option<String>,
    to_error: Option<String>,
    timebooks: Vec<Choice>,
    places: Vec<Choice>,
    from: String,
    to: String,
    /// What the report covers, once the form's values are valid.
    period: Option<String>,
    csv: String,
    shown: Vec<PlaceView>,
}

/// The clinic's timebooks and places, as the select offers them.
struct Catalogue {
    timebooks: Vec<(TimebookId, String)>,
    /// Each place, its timebook and its label «Vaksine – Influensa».
    places: Vec<(ResourceId, TimebookId, String)>,
}

async fn catalogue(state: &AppState, staff: &StaffMember) -> Result<Catalogue, Failure> {
    let mut catalogue = Catalogue {
        timebooks: Vec::new(),
        places: Vec::new(),
    };
    for place in super::places(state, staff).await? {
        if !catalogue
            .timebooks
            .iter()
            .any(|(id, _)| *id == place.timebook)
        {
            catalogue.timebooks.push((place.timebook, place.service));
        }
        catalogue
            .places
            .push((place.id, place.timebook, place.label));
    }
    Ok(catalogue)
}

/// The form's values as typed, the first of each name; a missing or empty one is `None`.
struct Typed {
    timebook: Option<String>,
    place: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn typed(pairs: &[(String, String)]) -> Typed {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    };
    Typed {
        timebook: get("timebok"),
        place: get("sted"),
        from: get("fra"),
        to: get("til"),
    }
}

/// The Fluent key of each field's problem, if it has one.
#[derive(Default)]
struct Problems {
    timebook: Option<&'static str>,
    place: Option<&'static str>,
    from: Option<&'static str>,
    to: Option<&'static str>,
}

impl Problems {
    fn any(&self) -> bool {
        self.timebook.is_some() || self.place.is_some() || self.from.is_some() || self.to.is_some()
    }
}

/// The period shown when none is given: the four weeks before this one, this one, and the
/// four after it.
fn default_period(today: Date) -> (Date, Date) {
    let monday = monday_of(today);
    let from = monday.checked_sub(4.weeks()).unwrap_or(monday);
    let to = monday.checked_add(4.weeks().days(6)).unwrap_or(monday);
    (from, to)
}

/// Reads the form into a query, or says what is wrong with each field.
fn check(typed: &Typed, catalogue: &Catalogue, today: Date) -> Result<UsageQuery, Problems> {
    let mut problems = Problems::default();
    let (default_from, default_to) = default_period(today);
    let date = |text: &Option<String>, default: Date, problem: &mut Option<&'static str>| {
        match text {
            None => Some(default),
            Some(text) => match text.parse::<Date>() {
                // Only a plain date: a time or an offset after it is not a date a form sends.
                Ok(day) if text.len() == 10 => Some(day),
                _ => {
                    *problem = Some("usage-error-date");
                    None
                }
            },
        }
    };
    let from = date(&typed.from, default_from, &mut problems.from);
    let to = date(&typed.to, default_to, &mut problems.to);
    if let (Some(from), Some(to)) = (from, to) {
        // The report reaches a week past either end; a date at the edge of the calendar
        // (year 9999) leaves no room for that.
        if from.checked_sub(2.weeks()).is_err() {
            problems.from = Some("usage-error-date");
        } else if to.checked_add(2.weeks()).is_err() {
            problems.to = Some("usage-error-date");
        } else if to < from {
            problems.to = Some("usage-error-order");
        } else if weeks_between(from, to).is_err() {
            problems.to = Some("usage-error-too-long");
        }
    }
    let timebook = match &typed.timebook {
        None => None,
        Some(text) => {
            let found = text.parse::<i64>().ok().and_then(|id| {
                catalogue
                    .timebooks
                    .iter()
                    .find(|(timebook, _)| timebook.0 == id)
                    .map(|(timebook, _)| *timebook)
            });
            if found.is_none() {
                problems.timebook = Some("usage-error-timebook");
            }
            found
        }
    };
    let place = match &typed.place {
        None => None,
        Some(text) => {
            let found = text
                .parse::<i64>()
                .ok()
                .and_then(|id| catalogue.places.iter().find(|(place, _, _)| place.0 == id));
            match found {
                None => problems.place = Some("usage-error-place"),
                Some((_, of, _)) if timebook.is_some_and(|chosen| chosen != *of) => {
                    problems.place = Some("usage-error-place-timebook");
                }
                Some(_) => {}
            }
            found.map(|(place, _, _)| *place)
        }
    };
    match (from, to) {
        (Some(from), Some(to)) if !problems.any() => Ok(UsageQuery {
            from,
            to,
            timebook,
            resource: place,
        }),
        _ => Err(problems),
    }
}

/// «Uke 12, 2027».
fn week_label(t: T, monday: Date) -> String {
    let week = monday.iso_week_date();
    t.args(
        "usage-week",
        &[
            ("week", &week.week().to_string()),
            ("year", &week.year().to_string()),
        ],
    )
}

/// «uke 12, 2027», inside a sentence.
fn week_in_text(t: T, monday: Date) -> String {
    let week = monday.iso_week_date();
    t.args(
        "usage-week-in-text",
        &[
            ("week", &week.week().to_string()),
            ("year", &week.year().to_string()),
        ],
    )
}

/// «67 %», or «–» where there were no places.
fn utilisation(t: T, counts: &UsageCounts) -> String {
    match counts.utilisation_percent() {
        Some(percent) => t.arg("usage-percent", "percent", &percent.to_string()),
        None => t.get("usage-utilisation-none"),
    }
}

/// The label of a place in the report, as the select names it.
fn place_label(t: T, place: &store::PlaceUsage) -> String {
    format!(
        "{} – {}",
        t.get(place.kind.service_label_message()),
        place.name
    )
}

fn place_view(t: T, report: &UsageReport, place: &store::PlaceUsage) -> PlaceView {
    let heading = place_label(t, place);
    let id = format!("sted-{}", place.resource.0);
    let mut lines = Vec::new();
    let mut bars = Vec::new();
    let mut description = Vec::new();
    let mut total = UsageCounts::default();
    for (monday, counts) in report.weeks.iter().zip(&place.weeks) {
        let percent = utilisation(t, counts);
        let number = monday.iso_week_date().week().to_string();
        description.push(t.args(
            "usage-chart-week",
            &[
                ("week", &number),
                ("booked", &counts.booked.to_string()),
                ("capacity", &counts.places.to_string()),
                ("percent", &percent),
            ],
        ));
        bars.push(chart::Bar {
            label: number,
            places: counts.places,
            booked: counts.booked,
            note: percent.clone(),
        });
        total.add(counts);
        lines.push(Line {
            week: week_label(t, *monday),
            counts: *counts,
            utilisation: percent,
        });
    }
    let title = t.arg("usage-chart-title", "place", &heading);
    let svg = chart::render(&chart::Chart {
        id: &format!("{id}-chart"),
        title: &title,
        description: &description.join(" "),
        places_label: &t.get("usage-places"),
        booked_label: &t.get("usage-booked"),
        axis_label: &t.get("usage-chart-axis"),
        bars: &bars,
    });
    PlaceView {
        caption: t.arg("usage-table-caption", "place", &heading),
        id,
        heading,
        svg,
        lines,
        total: Line {
            week: t.get("usage-total"),
            counts: total,
            utilisation: utilisation(t, &total),
        },
    }
}

/// The query string of the CSV link: the same values as the form's.
fn csv_link(query: &UsageQuery) -> String {
    let path = String::from("/klinikk/bruk.csv?");
    let start = path.len();
    let mut link = form_urlencoded::Serializer::for_suffix(path, start);
    if let Some(timebook) = query.timebook {
        link.append_pair("timebok", &timebook.0.to_string());
    }
    if let Some(place) = query.resource {
        link.append_pair("sted", &place.0.to_string());
    }
    link.append_pair("fra", &query.from.to_string());
    link.append_pair("til", &query.to.to_string());
    link.finish()
}

/// Where the form is shown again with its values and what is wrong with them.
fn form_page(
    staff: &StaffMember,
    catalogue: &Catalogue,
    typed: &Typed,
    today: Date,
    problems: &Problems,
) -> UsagePage {
    let t = staff.visitor.t;
    let (default_from, default_to) = default_period(today);
    let message = |key: Option<&'static str>| key.map(|key| t.get(key));
    let errors = [
        ("timebok", problems.timebook),
        ("sted", problems.place),
        ("fra", problems.from),
        ("til", problems.to),
    ]
    .into_iter()
    .filter_map(|(field, key)| {
        key.map(|key| FieldError {
            field,
            label: t.get(key),
        })
    })
    .collect();
    let chosen = |value: &str, typed: &Option<String>| typed.as_deref() == Some(value);
    let mut timebooks = vec![Choice {
        value: String::new(),
        label: t.get("usage-all-timebooks"),
        chosen: typed.timebook.is_none(),
    }];
    timebooks.extend(catalogue.timebooks.iter().map(|(id, label)| {
        let value = id.0.to_string();
        Choice {
            chosen: chosen(&value, &typed.timebook),
            value,
            label: label.clone(),
        }
    }));
    let mut places = vec![Choice {
        value: String::new(),
        label: t.get("usage-all-places"),
        chosen: typed.place.is_none(),
    }];
    places.extend(catalogue.places.iter().map(|(id, _, label)| {
        let value = id.0.to_string();
        Choice {
            chosen: chosen(&value, &typed.place),
            value,
            label: label.clone(),
        }
    }));
    UsagePage {
        page: Page::staff(&staff.visitor, "usage-title", "/klinikk/bruk"),
        errors,
        timebook_error: message(problems.timebook),
        place_error: message(problems.place),
        from_error: message(problems.from),
        to_error: message(problems.to),
        timebooks,
        places,
        from: typed
            .from
            .clone()
            .unwrap_or_else(|| default_from.to_string()),
        to: typed.to.clone().unwrap_or_else(|| default_to.to_string()),
        period: None,
        csv: String::new(),
        shown: Vec::new(),
    }
}

/// The form's answer: the query, or the form again with its problems (400).
async fn ask(
    state: &AppState,
    staff: &StaffMember,
    pairs: &[(String, String)],
) -> Result<Result<(UsagePage, UsageQuery), Response>, Failure> {
    let today = state.today();
    let catalogue = catalogue(state, staff).await?;
    let typed = typed(pairs);
    match check(&typed, &catalogue, today) {
        Ok(query) => Ok(Ok((
            form_page(staff, &catalogue, &typed, today, &Problems::default()),
            query,
        ))),
        Err(problems) => {
            let page = form_page(staff, &catalogue, &typed, today, &problems);
            Ok(Err((StatusCode::BAD_REQUEST, html(&page)).into_response()))
        }
    }
}

pub async fn show(
    State(state): State<AppState>,
    staff: StaffMember,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let (mut page, query) = match ask(&state, &staff, &pairs).await? {
        Ok(asked) => asked,
        Err(refused) => return Ok(refused),
    };
    let report = state
        .store
        .usage(&staff.actor, staff.clinic_id, &query)
        .await
        .map_err(|e| Failure::store(t, e))?;
    if let (Some(&first), Some(&last)) = (report.weeks.first(), report.weeks.last()) {
        let sunday = last.checked_add(6.days()).unwrap_or(last);
        page.period = Some(t.args(
            "usage-period",
            &[
                ("from", &week_in_text(t, first)),
                ("to", &week_in_text(t, last)),
                ("first", &t.short_date(first)),
                ("last", &t.short_date(sunday)),
            ],
        ));
    }
    page.csv = csv_link(&query);
    page.shown = report
        .places
        .iter()
        .map(|place| place_view(t, &report, place))
        .collect();
    Ok(html(&page).into_response())
}

/// The CSV file's columns: stable English names, whatever the visitor's language, so that a
/// spreadsheet or script reading the file keeps working.
const CSV_COLUMNS: [&str; 14] = [
    "timebook_id",
    "timebook",
    "place_id",
    "place",
    "week",
    "monday",
    "published",
    "places",
    "booked",
    "cancelled_by_patient",
    "cancelled_by_clinic",
    "no_shows",
    "fulfilled",
    "utilisation_percent",
];

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. A field a
/// spreadsheet would run as a formula (a place named «=…») gets an apostrophe first.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn csv_text(report: &UsageReport) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for place in &report.places {
        for (monday, counts) in report.weeks.iter().zip(&place.weeks) {
            let week = monday.iso_week_date();
            let fields = [
                place.timebook.0.to_string(),
                place.kind.code().to_owned(),
                place.resource.0.to_string(),
                csv_field(place.name.as_str()),
                format!("{}-W{:02}", week.year(), week.week()),
                monday.to_string(),
                counts.published.to_string(),
                counts.places.to_string(),
                counts.booked.to_string(),
                counts.cancelled_by_patient.to_string(),
                counts.cancelled_by_clinic.to_string(),
                counts.no_shows.to_string(),
                counts.fulfilled.to_string(),
                counts
                    .utilisation_percent()
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
            ];
            out.push_str(&fields.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

pub async fn csv(
    State(state): State<AppState>,
    staff: StaffMember,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let t = staff.visitor.t;
    let query = match ask(&state, &staff, &pairs).await? {
        Ok((_, query)) => query,
        Err(refused) => return Ok(refused),
    };
    let report = state
        .store
        .usage(&staff.actor, staff.clinic_id, &query)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let name = match (report.weeks.first(), report.weeks.last()) {
        (Some(first), Some(last)) => format!("bruk-{first}-{last}.csv"),
        _ => "bruk.csv".to_owned(),
    };
    let headers = [
        (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
        (
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ),
    ];
    Ok((headers, csv_text(&report)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_default_period_is_four_weeks_back_to_four_ahead() {
        // Wednesday 17 December 2025: week 51.
        assert_eq!(
            default_period(date(2025, 12, 17)),
            (date(2025, 11, 17), date(2026, 1, 18))
        );
    }

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("Influensa"), "Influensa");
        assert_eq!(csv_field("Rom 1, 2. etg"), "\"Rom 1, 2. etg\"");
        assert_eq!(csv_field("«Store» \"rom\""), "\"«Store» \"\"rom\"\"\"");
        assert_eq!(csv_field("=1+2"), "'=1+2");
        assert_eq!(csv_field("-x,y"), "\"'-x,y\"");
    }

    fn catalogue() -> Catalogue {
        Catalogue {
            timebooks: vec![
                (TimebookId(1), "Vaksine".into()),
                (TimebookId(2), "Lab".into()),
            ],
            places: vec![
                (ResourceId(10), TimebookId(1), "Vaksine – Influensa".into()),
                (ResourceId(20), TimebookId(2), "Lab – Influensa".into()),
            ],
        }
    }

    fn form(pairs: &[(&str, &str)]) -> Result<UsageQuery, Problems> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        check(&typed(&pairs), &catalogue(), date(2025, 12, 17))
    }

    #[test]
    fn the_form_is_read_or_each_field_says_what_is_wrong() {
        let query = form(&[]).map_err(|_| "problems").expect("defaults");
        assert_eq!((query.from, query.to), default_period(date(2025, 12, 17)));
        let query = form(&[
            ("timebok", "1"),
            ("sted", "10"),
            ("fra", "2025-12-01"),
            ("til", "2025-12-31"),
        ])
        .map_err(|_| "problems")
        .expect("query");
        assert_eq!(query.timebook, Some(TimebookId(1)));
        assert_eq!(query.resource, Some(ResourceId(10)));
        assert_eq!(query.from, date(2025, 12, 1));
        for (pairs, field, key) in [
            (vec![("fra", "2025-13-01")], "from", "usage-error-date"),
            (vec![("til", "2025-12-01T10:00")], "to", "usage-error-date"),
            (
                vec![("fra", "2025-12-02"), ("til", "2025-12-01")],
                "to",
                "usage-error-order",
            ),
            (
                vec![("fra", "2024-01-01"), ("til", "2025-12-01")],
                "to",
                "usage-error-too-long",
            ),
            (vec![("timebok", "3")], "timebook", "usage-error-timebook"),
            (vec![("timebok", "x")], "timebook", "usage-error-timebook"),
            (vec![("sted", "30")], "place", "usage-error-place"),
            (
                vec![("timebok", "1"), ("sted", "20")],
                "place",
                "usage-error-place-timebook",
            ),
        ] {
            let Err(problems) = form(&pairs) else {
                panic!("{pairs:?} accepted");
            };
            let found = match field {
                "from" => problems.from,
                "to" => problems.to,
                "timebook" => problems.timebook,
                _ => problems.place,
            };
            assert_eq!(found, Some(key), "{pairs:?}");
        }
    }
}
