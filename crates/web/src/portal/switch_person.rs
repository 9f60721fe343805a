//! «Bytt person»: whom a patient acts for, when they may act for others (their children, or
//! adults who gave them fullmakt). The first page after such a patient's login, and always in
//! the header. The choice is the session's; every page then names the person, and the booking
//! core checks the relation again in each transaction.

use crate::failure::{Failure, Kind};
use crate::pages::{Page, html};
use crate::visitor::Patient;
use crate::{AppState, cookies, tokens};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use domain::{Access, NationalId, ReturnPath};
use serde::Deserialize;

/// The value of «Meg selv».
const MYSELF: &str = "meg";

pub struct Person {
    /// What the form sends to choose them.
    value: String,
    name: String,
    /// What the relation lets the patient do, in words.
    about: String,
    chosen: bool,
}

#[derive(Template)]
#[template(path = "switch_person.html")]
struct SwitchPage {
    page: Page,
    people: Vec<Person>,
    refused: bool,
    lapsed: bool,
}

async fn people(state: &AppState, patient: &Patient) -> Result<Vec<Person>, Failure> {
    let t = patient.visitor.t;
    let today = state.today();
    let represented = state
        .store
        .represented(&patient.user)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let mut people = vec![Person {
        value: MYSELF.to_owned(),
        name: t.get("switch-person-myself"),
        about: String::new(),
        chosen: patient.id == patient.user,
    }];
    for person in represented {
        let Some(access) = domain::access(person.kind, &person.person, today) else {
            continue;
        };
        let born = person.person.birth_date().strftime("%d.%m.%Y").to_string();
        let name = match (&person.first_name, &person.last_name) {
            (Some(first), Some(last)) => format!("{first} {last}"),
            _ => t.arg("switch-person-born", "date", &born),
        };
        let about = match (person.kind, access) {
            (domain::RelationKind::Fullmakt, _) => t.get("switch-person-fullmakt"),
            (domain::RelationKind::Parent, Access::Full) => t.get("switch-person-child"),
            (domain::RelationKind::Parent, Access::Appointments) => {
                t.get("switch-person-child-appointments")
            }
        };
        people.push(Person {
            chosen: patient.id == person.person,
            value: person.person.as_str().to_owned(),
            name,
            about,
        });
    }
    Ok(people)
}

async fn render(state: &AppState, patient: &Patient, refused: bool) -> Result<SwitchPage, Failure> {
    Ok(SwitchPage {
        page: Page::new(&patient.visitor, "switch-person-title"),
        people: people(state, patient).await?,
        refused,
        lapsed: patient.visitor.representation.lapsed,
    })
}

pub async fn show(State(state): State<AppState>, patient: Patient) -> Result<Response, Failure> {
    Ok(html(&render(&state, &patient, false).await?).into_response())
}

#[derive(Deserialize)]
pub struct Choice {
    person: String,
}

pub async fn choose(
    State(state): State<AppState>,
    patient: Patient,
    headers: HeaderMap,
    Form(choice): Form<Choice>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let person = if choice.person == MYSELF {
        None
    } else {
        match NationalId::parse(&choice.person, state.id_policy) {
            Ok(person) => Some(person),
            Err(_) => return refuse(&state, &patient).await,
        }
    };
    let token =
        cookies::read(&headers, cookies::SESSION).ok_or(Failure::new(t, Kind::LoginRequired))?;
    let done = state
        .store
        .act_for(&tokens::hash(&token), person.as_ref())
        .await
        .map_err(|e| Failure::store(t, e))?;
    if !done {
        return refuse(&state, &patient).await;
    }
    // The page asked for before the login (an invitation's link, say) comes after the choice.
    let kept =
        cookies::read(&headers, cookies::RETURN_TO).and_then(|kept| ReturnPath::decode(&kept).ok());
    let forget = cookies::set(cookies::RETURN_TO, "", 0, state.secure_cookies);
    let to = kept
        .or_else(|| ReturnPath::parse("/timeavtaler").ok())
        .unwrap_or_default();
    Ok(cookies::redirect_setting(forget, &to))
}

/// Nobody the patient may act for: the page again, with the message, and nothing changed.
async fn refuse(state: &AppState, patient: &Patient) -> Result<Response, Failure> {
    let page = render(state, patient, true).await?;
    Ok((axum::http::StatusCode::BAD_REQUEST, html(&page)).into_response())
}
