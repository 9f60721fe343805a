//! «Representasjon»: the register's relations between people (parents and children, fullmakt),
//! imported from a file or pasted lines like the patient list, listed a page at a time (an
//! audited read), and removed one by one. An identity provider's claims are listed beside
//! them, but only it changes them.

use crate::AppState;
use crate::failure::Failure;
use crate::lines;
use crate::pages::{Page, html};
use crate::visitor::OperatorUser;
use askama::Template;
use axum::Form;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{IdPolicy, NationalId, RelationKind};
use serde::Deserialize;
use store::{NewRelation, RelationSource};

pub const PATH: &str = "/register/representasjon";
const PAGE_SIZE: u32 = 100;

pub struct Line {
    representative: String,
    person: String,
    kind: String,
    source: String,
    until: String,
    /// The register's own rows can be removed here; the identity provider's cannot.
    removable: bool,
}

#[derive(Template)]
#[template(path = "register_relations.html")]
struct RelationsPage {
    page: Page,
    notice: Option<String>,
    report: Vec<String>,
    lines: Vec<Line>,
    total: u64,
    earlier: Option<u64>,
    later: Option<u64>,
    text: String,
}

#[derive(Deserialize)]
pub struct Shown {
    side: Option<u64>,
    melding: Option<String>,
    antall: Option<u64>,
}

async fn relations_page(
    state: &AppState,
    operator: &OperatorUser,
    side: u64,
) -> Result<RelationsPage, Failure> {
    let t = operator.visitor.t;
    let offset = side.saturating_sub(1).saturating_mul(u64::from(PAGE_SIZE));
    let found = state
        .store
        .relations_page(&operator.actor, offset, PAGE_SIZE)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let lines = found
        .relations
        .into_iter()
        .map(|r| Line {
            representative: r.representative.as_str().to_owned(),
            person: r.person.as_str().to_owned(),
            kind: t.get(&format!("relations-kind-{}", r.kind.code())),
            source: t.get(&format!("relations-source-{}", r.source.code())),
            until: r.valid_until.map_or_else(
                || t.get("relations-forever"),
                |at| {
                    // The first moment without access: the day before is the last day.
                    let day = state.day_of(at);
                    day.yesterday()
                        .unwrap_or(day)
                        .strftime("%d.%m.%Y")
                        .to_string()
                },
            ),
            removable: r.source == RelationSource::Register,
        })
        .collect();
    let pages = found.total.div_ceil(u64::from(PAGE_SIZE)).max(1);
    Ok(RelationsPage {
        page: Page::operator(&operator.visitor, "relations-title", PATH),
        notice: None,
        report: Vec::new(),
        lines,
        total: found.total,
        earlier: (side > 1).then(|| side - 1),
        later: (side < pages).then(|| side + 1),
        text: String::new(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    operator: OperatorUser,
    Query(shown): Query<Shown>,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let mut page = relations_page(&state, &operator, shown.side.unwrap_or(1).max(1)).await?;
    page.notice = match shown.melding.as_deref() {
        Some("importert") => Some(t.arg(
            "relations-imported",
            "count",
            &shown.antall.unwrap_or(0).to_string(),
        )),
        Some("fjernet") => Some(t.get("relations-removed")),
        _ => None,
    };
    Ok(html(&page).into_response())
}

/// One line of a file: representative; person; kind[; last day].
fn row(line: &str, policy: IdPolicy) -> Result<NewRelation, &'static str> {
    let fields: Vec<&str> = line.split([';', ',']).map(str::trim).collect();
    let (representative, person, kind, last_day) = match fields.as_slice() {
        [r, p, k] => (r, p, k, None),
        [r, p, k, ""] => (r, p, k, None),
        [r, p, k, d] => (r, p, k, Some(*d)),
        _ => return Err("register-import-bad-columns"),
    };
    let id = |text: &str| NationalId::parse(text, policy).map_err(|_| "register-import-bad-id");
    let relation = NewRelation {
        representative: id(representative)?,
        person: id(person)?,
        kind: RelationKind::parse(kind).ok_or("relations-bad-kind")?,
        last_day: last_day
            .map(|d| {
                d.parse::<jiff::civil::Date>()
                    .map_err(|_| "relations-bad-date")
            })
            .transpose()?,
    };
    if relation.representative == relation.person {
        return Err("relations-same-person");
    }
    Ok(relation)
}

/// Imports pasted lines (`linjer`) and an uploaded file (`fil`): every line or none, as the
/// patient list's import.
pub async fn import(
    State(state): State<AppState>,
    operator: OperatorUser,
    request: Request,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let fields = lines::form_fields(t, request, &state).await?;
    let text = lines::joined(&fields, &["linjer", "fil"]);
    let read = lines::read_lines(&text, |line| row(line, state.id_policy));
    if !read.rejected.is_empty() || read.entries.is_empty() {
        let mut page = relations_page(&state, &operator, 1).await?;
        page.notice = Some(t.args(
            "register-import-refused",
            &[
                ("rejected", &read.rejected.len().to_string()),
                ("lines", &read.count.to_string()),
            ],
        ));
        page.report = lines::report(t, &read.rejected);
        page.text = text;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response());
    }
    let relations: Vec<NewRelation> = read.entries.into_iter().map(|(_, r)| r).collect();
    let written = state
        .store
        .import_relations(&operator.actor, &relations)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(Redirect::to(&format!("{PATH}?melding=importert&antall={written}")).into_response())
}

#[derive(Deserialize)]
pub struct Removal {
    representant: String,
    person: String,
}

pub async fn remove(
    State(state): State<AppState>,
    operator: OperatorUser,
    Form(removal): Form<Removal>,
) -> Result<Response, Failure> {
    let t = operator.visitor.t;
    let bad = || Failure::new(t, crate::failure::Kind::BadRequest);
    let representative =
        NationalId::parse(&removal.representant, state.id_policy).map_err(|_| bad())?;
    let person = NationalId::parse(&removal.person, state.id_policy).map_err(|_| bad())?;
    let removed = state
        .store
        .remove_relation(&operator.actor, &representative, &person)
        .await
        .map_err(|e| Failure::store(t, e))?;
    if !removed {
        return Err(Failure::new(t, crate::failure::Kind::NotFound));
    }
    Ok(Redirect::to(&format!("{PATH}?melding=fjernet")).into_response())
}
