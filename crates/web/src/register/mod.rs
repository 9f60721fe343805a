//! The register (Adresseregisteret), kept by the operator: clinics, which timebook kinds each
//! has switched on, each clinic's patient list, and the audit log.

mod audit;
mod clinics;
mod notifications;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/register", get(clinics::list))
        .route("/register/klinikker", post(clinics::create))
        .route("/register/klinikker/{id}", get(clinics::show))
        .route(
            "/register/klinikker/{id}/tjenester",
            post(clinics::services),
        )
        .route(
            "/register/klinikker/{id}/pasienter",
            post(clinics::add_patient),
        )
        .route(
            "/register/klinikker/{id}/pasienter/fjern",
            post(clinics::remove_patient),
        )
        .route("/register/klinikker/{id}/import", post(clinics::import))
        .route("/register/logg", get(audit::form).post(audit::search))
        .route("/register/varsler", get(notifications::list))
        .route(
            "/register/varsler/{id}/prov-igjen",
            post(notifications::retry),
        )
}
