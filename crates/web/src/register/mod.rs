//! The register (Adresseregisteret), kept by the operator: clinics, which timebook kinds each
//! has switched on, each clinic's patient list, and the audit log.

mod audit;
mod clinics;
mod notifications;
mod practitioners;
mod relations;

use crate::authorization::{Audience::*, Routes};

pub fn routes() -> Routes {
    Routes::new()
        .get("/register", Operator, clinics::list)
        .post("/register/klinikker", Operator, clinics::create)
        .get("/register/klinikker/{id}", Operator, clinics::show)
        .post(
            "/register/klinikker/{id}/tjenester",
            Operator,
            clinics::services,
        )
        .post(
            "/register/klinikker/{id}/pasienter",
            Operator,
            clinics::add_patient,
        )
        .post(
            "/register/klinikker/{id}/pasienter/fjern",
            Operator,
            clinics::remove_patient,
        )
        .post("/register/klinikker/{id}/import", Operator, clinics::import)
        .post(
            "/register/klinikker/{id}/fastleger",
            Operator,
            practitioners::add,
        )
        .post(
            "/register/klinikker/{id}/fastleger/liste",
            Operator,
            practitioners::list,
        )
        .post(
            "/register/klinikker/{id}/fastleger/import",
            Operator,
            practitioners::import,
        )
        .get("/register/logg", Operator, audit::form)
        .post("/register/logg", Operator, audit::search)
        .get(relations::PATH, Operator, relations::show)
        .post(relations::PATH, Operator, relations::import)
        .post(
            "/register/representasjon/fjern",
            Operator,
            relations::remove,
        )
        .get("/register/varsler", Operator, notifications::list)
        .post(
            "/register/varsler/{id}/prov-igjen",
            Operator,
            notifications::retry,
        )
}
