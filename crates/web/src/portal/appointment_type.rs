//! «Hva slags time trenger du?»: in a timebook with types of appointment (a GP's ordinary
//! consultation, a double one, one by telephone), the patient picks one before the calendar,
//! which then shows only the slots of its length. The type travels as `timetype` through the
//! calendar, the hold and the review to the booking, where the core checks it again.

use crate::pages::{FieldError, Page, html};
use crate::visitor::Patient;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::{AppointmentType, AppointmentTypeId, Attendance, Referral};

/// The type a form or link names (`timetype`), as the booking core is to check it.
pub(crate) fn asked(text: Option<&str>) -> Option<AppointmentTypeId> {
    text.and_then(|y| y.trim().parse().ok())
        .map(AppointmentTypeId)
}

/// The type asked for, when it is one of the timebook's.
pub(crate) fn chosen(
    types: &[AppointmentType],
    id: Option<AppointmentTypeId>,
) -> Option<&AppointmentType> {
    types.iter().find(|y| Some(y.id) == id)
}

/// `&timetype=…` for the links that carry the type on.
pub(crate) fn type_param(kind: Option<AppointmentTypeId>) -> String {
    kind.map(|y| format!("&timetype={y}")).unwrap_or_default()
}

/// How the type reads to the patient: its name, with its length and whether the GP calls.
pub(crate) fn describe(t: crate::texts::T, kind: &AppointmentType) -> String {
    let minutes = kind.length.as_minutes().to_string();
    let key = match kind.attendance {
        Attendance::InPerson => "type-in-person",
        Attendance::Telephone => "type-telephone",
    };
    t.args(key, &[("name", kind.name.as_str()), ("minutes", &minutes)])
}

pub struct TypeOption {
    id: i64,
    label: String,
}

#[derive(Template)]
#[template(path = "appointment_type.html")]
struct TypePage {
    page: Page,
    timebook_id: i64,
    errors: Vec<FieldError>,
    types: Vec<TypeOption>,
    referral: Option<Referral>,
}

/// The page that asks for the type. `asked` when the patient sent it without choosing: then
/// it says what is missing.
pub(crate) fn ask(
    patient: &Patient,
    timebook_id: i64,
    types: &[AppointmentType],
    referral: Option<Referral>,
    asked: bool,
) -> Response {
    let t = patient.visitor.t;
    let errors: Vec<FieldError> = if asked {
        vec![FieldError {
            field: "timetype",
            label: t.get("type-choose-error"),
        }]
    } else {
        Vec::new()
    };
    let page = TypePage {
        page: Page::new(&patient.visitor, "type-title"),
        timebook_id,
        errors,
        types: types
            .iter()
            .map(|y| TypeOption {
                id: y.id.0,
                label: describe(t, y),
            })
            .collect(),
        referral,
    };
    let status = if asked {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, html(&page)).into_response()
}
