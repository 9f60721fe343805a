//! The patient portal (innbygger): login in demo mode, Timeavtaler, and the booking journey of
//! the guide: «Hva trenger du?», «Velg time», «Se gjennom før du sender», the receipt.

mod appointment_type;
pub(crate) use appointment_type::describe as describe_type;
mod appointments;
mod booking;
mod calendar;
mod calendar_feed;
mod calendar_link;
mod language;
mod login;
mod messages;
pub(crate) mod notifications;
mod offer;
mod refusals;
mod requests;
mod switch_person;
mod waitlist;

pub(crate) use booking::calendar_href;
pub(crate) use waitlist::wish_text;

use crate::authorization::{Audience::*, Routes};

pub fn routes(demo_login: bool) -> Routes {
    let mut routes = Routes::new()
        .get("/", Anyone, login::home)
        .get("/logg-inn", Anyone, login::form)
        .post("/logg-ut", Anyone, login::log_out)
        .get("/sprak/{code}", Anyone, language::switch)
        .get(crate::visitor::SWITCH_PERSON, Patient, switch_person::show)
        .post(
            crate::visitor::SWITCH_PERSON,
            Patient,
            switch_person::choose,
        )
        .get("/timeavtaler", Patient, appointments::list)
        .post("/timeavtaler/{id}/avbestill", Patient, appointments::cancel)
        .get(
            "/timeavtaler/{id}/kalender.ics",
            Patient,
            appointments::calendar_file,
        )
        .get("/timeavtaler/kalender", Patient, calendar_link::show)
        .post("/timeavtaler/kalender/ny", Patient, calendar_link::open)
        .post("/timeavtaler/kalender/av", Patient, calendar_link::close)
        // The link itself is the key: a calendar app sends no cookie.
        .get("/kalender/{file}", Anyone, calendar_feed::calendar)
        .get("/bestill", Patient, booking::services)
        .post("/bestill", Patient, booking::choose_service)
        .get("/bestill/{timebook}", Patient, booking::choose_time)
        .post("/bestill/{timebook}/hold", Patient, booking::hold)
        .get("/bestill/{timebook}/se-gjennom", Patient, booking::review)
        .post("/bestill/{timebook}/send", Patient, booking::send)
        .get("/bestill/kvittering/{id}", Patient, booking::receipt)
        .get("/bestill/{timebook}/venteliste", Patient, waitlist::form)
        .post("/bestill/{timebook}/venteliste", Patient, waitlist::join)
        .get("/bestill/{timebook}/onske", Patient, requests::form)
        .post("/bestill/{timebook}/onske", Patient, requests::send)
        .get("/timeonsker/{id}", Patient, requests::show)
        .post("/venteliste/{id}/forlat", Patient, waitlist::leave)
        .get("/venteliste/tilbud/{id}", Patient, offer::show)
        .post("/venteliste/tilbud/{id}/bestill", Patient, offer::book)
        .post("/venteliste/tilbud/{id}/nei", Patient, offer::decline)
        .get("/varslinger", Patient, notifications::show)
        .post("/varslinger", Patient, notifications::save)
        .post("/varslinger/push", Patient, notifications::subscribe)
        .post(
            "/varslinger/push/slett",
            Patient,
            notifications::unsubscribe,
        )
        .post(
            "/varslinger/push/{id}/fjern",
            Patient,
            notifications::remove,
        )
        .get("/meldinger", PatientMessages, messages::list)
        .get("/meldinger/ny", PatientMessages, messages::new_form)
        .post("/meldinger/ny", PatientMessages, messages::send)
        .get("/meldinger/{id}", PatientMessages, messages::show)
        .post("/meldinger/{id}/svar", PatientMessages, messages::reply)
        .post(
            "/meldinger/{id}/meldinger/{message}/slett",
            PatientMessages,
            messages::delete,
        )
        .get(
            "/meldinger/{id}/meldinger/{message}/xml",
            PatientMessages,
            messages::xml,
        );
    // The test login exists only where it is switched on: outside demo the path is unknown.
    if demo_login {
        routes = routes.post("/logg-inn", Anyone, login::log_in);
    }
    routes
}
