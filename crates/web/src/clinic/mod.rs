//! The clinic's workspace (the journal system's side): the day's appointments and blocking.

mod blocks;
mod inbox;
mod login;
mod overview;
mod publishing;
mod timebooks;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn routes(demo_login: bool) -> Router<AppState> {
    let mut router = Router::new()
        .route("/personale/logg-ut", post(login::log_out))
        .route("/klinikk", get(overview::show))
        .route("/klinikk/timeavtaler/{id}/avlys", post(overview::cancel))
        .route("/klinikk/timeavtaler/{id}/utfall", post(overview::outcome))
        .route(
            "/klinikk/timeboker",
            get(timebooks::show).post(timebooks::create),
        )
        .route("/klinikk/timeboker/info", post(timebooks::save_info))
        .route(
            "/klinikk/timeboker/{id}/regler",
            post(timebooks::save_rules),
        )
        .route(
            "/klinikk/timeboker/{id}/steder",
            post(timebooks::save_place),
        )
        .route("/klinikk/timer/{id}/slett", post(publishing::delete_slot))
        .route(
            "/klinikk/timer/{id}/{action}",
            post(publishing::slot_published),
        )
        .route("/klinikk/innboks", get(inbox::list))
        .route("/klinikk/innboks/{id}", get(inbox::show))
        .route("/klinikk/innboks/{id}/svar", post(inbox::reply))
        .route("/klinikk/innboks/{id}/avslutt", post(inbox::close))
        .route(
            "/klinikk/innboks/{id}/meldinger/{message}/xml",
            get(inbox::xml),
        )
        .route("/klinikk/sperring", get(blocks::show).post(blocks::block))
        .route("/klinikk/sperring/opphev", post(blocks::unblock))
        .route(
            "/klinikk/publisering",
            get(publishing::show).post(publishing::publish),
        )
        .route(
            "/klinikk/publisering/{id}/avpubliser",
            post(publishing::unpublish),
        )
        .route(
            "/klinikk/publisering/{id}/publiser",
            post(publishing::republish),
        );
    if demo_login {
        router = router.route("/personale/logg-inn", get(login::form).post(login::log_in));
    }
    router
}
