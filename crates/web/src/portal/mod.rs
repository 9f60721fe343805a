//! The patient portal (innbygger): login in demo mode, Timeavtaler, and the booking journey of
//! the guide: «Hva trenger du?», «Velg time», «Se gjennom før du sender», the receipt.

mod access;
mod appointments;
mod booking;
mod calendar;
mod language;
mod login;
pub mod messages;
mod notifications;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn routes(demo_login: bool) -> Router<AppState> {
    let mut router = Router::new()
        .route("/", get(login::home))
        .route("/logg-ut", post(login::log_out))
        .route("/sprak/{code}", get(language::switch))
        .route("/timeavtaler", get(appointments::list))
        .route("/timeavtaler/{id}/avbestill", post(appointments::cancel))
        .route(
            "/timeavtaler/{id}/kalender.ics",
            get(appointments::calendar_file),
        )
        .route(
            "/bestill",
            get(booking::services).post(booking::choose_service),
        )
        .route("/bestill/{timebook}", get(booking::choose_time))
        .route("/bestill/{timebook}/hold", post(booking::hold))
        .route("/bestill/{timebook}/se-gjennom", get(booking::review))
        .route("/bestill/{timebook}/send", post(booking::send))
        .route("/bestill/kvittering/{id}", get(booking::receipt))
        .route(
            "/varslinger",
            get(notifications::show).post(notifications::save),
        )
        .route("/varslinger/push", post(notifications::subscribe))
        .route("/varslinger/push/slett", post(notifications::unsubscribe))
        .route("/varslinger/push/{id}/fjern", post(notifications::remove))
        .route("/meldinger", get(messages::list))
        .route(
            "/meldinger/ny",
            get(messages::new_form).post(messages::send),
        )
        .route("/meldinger/{id}", get(messages::show))
        .route("/meldinger/{id}/svar", post(messages::reply))
        .route(
            "/meldinger/{id}/meldinger/{message}/slett",
            post(messages::delete),
        )
        .route(
            "/meldinger/{id}/meldinger/{message}/xml",
            get(messages::xml),
        );
    // The test login exists only where it is switched on: outside demo the path is unknown.
    if demo_login {
        router = router.route("/logg-inn", get(login::form).post(login::log_in));
    }
    router
}
