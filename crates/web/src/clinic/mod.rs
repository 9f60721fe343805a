//! The clinic's workspace (the journal system's side): the day's appointments and blocking.

mod blocks;
mod inbox;
mod invitations;
mod login;
mod overview;
mod publishing;
mod timebooks;

use crate::authorization::{Audience::*, Routes};

pub fn routes(demo_login: bool) -> Routes {
    let mut routes = Routes::new()
        .get("/personale/logg-inn", Anyone, login::form)
        .post("/personale/logg-ut", Anyone, login::log_out)
        .get("/klinikk", Staff, overview::show)
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
        .get("/klinikk/timeboker", Staff, timebooks::show)
        .post("/klinikk/timeboker", Staff, timebooks::create)
        .post("/klinikk/timeboker/info", Staff, timebooks::save_info)
        .post(
            "/klinikk/timeboker/{id}/regler",
            Staff,
            timebooks::save_rules,
        )
        .post(
            "/klinikk/timeboker/{id}/steder",
            Staff,
            timebooks::save_place,
        )
        .post("/klinikk/timer/{id}/slett", Staff, publishing::delete_slot)
        .post(
            "/klinikk/timer/{id}/{action}",
            Staff,
            publishing::slot_published,
        )
        .get("/klinikk/sperring", Staff, blocks::show)
        .post("/klinikk/sperring", Staff, blocks::block)
        .post("/klinikk/sperring/opphev", Staff, blocks::unblock)
        .get("/klinikk/innkalling", Staff, invitations::show)
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
