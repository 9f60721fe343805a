//! The clinic's workspace (the journal system's side): the day's appointments, each place's
//! week, the desk that books for a patient who phones, timebooks, publishing and blocking.

mod appointment;
mod blocks;
mod booking_mode;
mod desk;
mod inbox;
mod invitations;
mod login;
mod overview;
mod publishing;
mod requests;
mod timebooks;
mod usage;
mod waitlist;
mod week;

use crate::AppState;
use crate::authorization::{Audience::*, Routes};
use crate::failure::Failure;
use crate::visitor::StaffMember;
use domain::{ResourceId, TimebookId};

pub fn routes(demo_login: bool) -> Routes {
    let mut routes = Routes::new()
        .get("/personale/logg-inn", Anyone, login::form)
        .post("/personale/logg-ut", Anyone, login::log_out)
        .get("/klinikk", Staff, overview::show)
        .get("/klinikk/uke", Staff, week::show)
        .get("/klinikk/pasienter", Staff, desk::search_form)
        .post("/klinikk/pasienter", Staff, desk::search)
        .post("/klinikk/pasienter/velg", Staff, desk::choose)
        .get("/klinikk/bestill", Staff, desk::slot_form)
        .post("/klinikk/bestill", Staff, desk::book)
        .get("/klinikk/timeavtaler/{id}", Staff, appointment::show)
        .post(
            "/klinikk/timeavtaler/{id}/flytt",
            Staff,
            appointment::move_to,
        )
        .post("/klinikk/timeavtaler/{id}/avlys", Staff, overview::cancel)
        .post("/klinikk/timeavtaler/{id}/utfall", Staff, overview::outcome)
        .get("/klinikk/innboks", Staff, inbox::list)
        .get("/klinikk/innboks/{id}", Staff, inbox::show)
        .post("/klinikk/innboks/{id}/svar", Staff, inbox::reply)
        .post("/klinikk/innboks/{id}/avslutt", Staff, inbox::close)
        .get(
            "/klinikk/innboks/{id}/meldinger/{message}/xml",
            Staff,
            inbox::xml,
        )
        .merge(timebook_routes())
        .post("/klinikk/timer/{id}/slett", Staff, publishing::delete_slot)
        .post(
            "/klinikk/timer/{id}/{action}",
            Staff,
            publishing::slot_published,
        )
        .get("/klinikk/bruk", Staff, usage::show)
        .get("/klinikk/bruk.csv", Staff, usage::csv)
        .get("/klinikk/sperring", Staff, blocks::show)
        .post("/klinikk/sperring", Staff, blocks::block)
        .post("/klinikk/sperring/opphev", Staff, blocks::unblock)
        .get("/klinikk/innkalling", Staff, invitations::show)
        .get("/klinikk/venteliste", Staff, waitlist::show)
        .post("/klinikk/innkalling", Staff, invitations::send)
        .post(
            "/klinikk/innkalling/{id}/paminnelse",
            Staff,
            invitations::remind,
        )
        .get("/klinikk/publisering", Staff, publishing::show)
        .post("/klinikk/publisering", Staff, publishing::publish)
        .post(
            "/klinikk/publisering/{id}/avpubliser",
            Staff,
            publishing::unpublish,
        )
        .post(
            "/klinikk/publisering/{id}/publiser",
            Staff,
            publishing::republish,
        );
    if demo_login {
        routes = routes.post("/personale/logg-inn", Anyone, login::log_in);
    }
    routes
}

/// «Timebøker»: the office's info text and each timebook's rules, notices, places and types.
fn timebook_routes() -> Routes {
    Routes::new()
        .get("/klinikk/timeboker", Staff, timebooks::show)
        .post("/klinikk/timeboker", Staff, timebooks::create)
        .post("/klinikk/timeboker/info", Staff, timebooks::save_info)
        .post(
            "/klinikk/timeboker/{id}/regler",
            Staff,
            timebooks::save_rules,
        )
        .post(
            "/klinikk/timeboker/{id}/varsler",
            Staff,
            timebooks::save_notices,
        )
        .post(
            "/klinikk/timeboker/{id}/steder",
            Staff,
            timebooks::save_place,
        )
        .post(
            "/klinikk/timeboker/{id}/timetyper",
            Staff,
            timebooks::save_type,
        )
}

/// «Timeønsker» and how a timebook's patients ask for a time.
pub fn request_routes() -> Routes {
    Routes::new()
        .get("/klinikk/timeonsker", Staff, requests::list)
        .get("/klinikk/timeonsker/{id}", Staff, requests::show)
        .post("/klinikk/timeonsker/{id}/time", Staff, requests::give)
        .post("/klinikk/timeonsker/{id}/svar", Staff, requests::reply)
        .post(
            "/klinikk/timeboker/{id}/bestillingsmate",
            Staff,
            booking_mode::save,
        )
}

/// One of the clinic's places (a timebook's steder).
pub struct Place {
    pub id: ResourceId,
    pub timebook: TimebookId,
    /// The timebook's service, «Vaksine».
    pub service: String,
    /// «Vaksine – Influensa», as every staff page names it.
    pub label: String,
}

/// A place as a `<select>` offers it.
pub struct PlaceOption {
    pub id: i64,
    pub label: String,
    pub chosen: bool,
}

/// The place a form's `sted` names among `places`, or the first when it names none of them.
pub fn chosen_place<'a>(places: &'a [Place], sted: Option<&str>) -> Option<&'a Place> {
    sted.and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|id| places.iter().find(|p| p.id.0 == id))
        .or(places.first())
}

/// `places` for a `<select>`, with `chosen` selected.
pub fn place_options(places: &[Place], chosen: Option<&Place>) -> Vec<PlaceOption> {
    places
        .iter()
        .map(|p| PlaceOption {
            id: p.id.0,
            label: p.label.clone(),
            chosen: chosen.is_some_and(|c| c.id == p.id),
        })
        .collect()
}

/// The clinic's places, timebook by timebook.
pub async fn places(state: &AppState, staff: &StaffMember) -> Result<Vec<Place>, Failure> {
    let t = staff.visitor.t;
    let store = &state.store;
    let mut places = Vec::new();
    for timebook in store
        .timebooks(staff.clinic_id)
        .await
        .map_err(|e| Failure::store(t, e))?
    {
        let service = t.get(timebook.kind.service_label_message());
        for resource in store
            .resources(timebook.id)
            .await
            .map_err(|e| Failure::store(t, e))?
        {
            places.push(Place {
                id: resource.id,
                timebook: timebook.id,
                label: format!("{service} – {}", resource.name),
                service: service.clone(),
            });
        }
    }
    Ok(places)
}
