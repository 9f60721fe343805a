//! What the portal tells a patient when the booking core says no: the one table from
//! [`Refusal`] to an answer, for every page that holds, books, moves or cancels.

use crate::failure::{Failure, Kind};
use crate::pages::{ErrorPage, Page, html};
use crate::visitor::Patient;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::Refusal;

/// How a refusal is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Back to «Velg time» with this notice (`melding`); the calendar tells a blocked
    /// patient by itself.
    Calendar(&'static str),
    /// Back to «Hva trenger du?» with this notice.
    Services(&'static str),
    /// A page with this message.
    Page(StatusCode, &'static str),
    /// The thing is not the patient's to see; nothing tells whether it exists.
    NotFound,
}

/// The table.
pub fn notice(refusal: Refusal) -> Notice {
    match refusal {
        Refusal::Taken | Refusal::HoldLost => Notice::Calendar("opptatt"),
        Refusal::OverLimit | Refusal::AlreadyBooked => Notice::Calendar("grense"),
        Refusal::OutsideWindow => Notice::Calendar("vindu"),
        Refusal::TypeDoesNotFit => Notice::Calendar("timetype"),
        Refusal::Blocked => Notice::Calendar(""),
        Refusal::ServiceOff => Notice::Services("stengt"),
        Refusal::DeadlinePassed | Refusal::NotBooked | Refusal::Stale => {
            Notice::Page(StatusCode::CONFLICT, "appointments-deadline-passed")
        }
        Refusal::UnknownSlot
        | Refusal::UnknownAppointment
        | Refusal::NotInReach
        | Refusal::NotOnList
        | Refusal::NotTheirPractitioner
        | Refusal::OtherTimebook
        | Refusal::KeyReused => Notice::NotFound,
    }
}

/// The answer to a refusal. `calendar` turns a calendar notice into the URL of «Velg time»
/// where the patient was; without one, the notice goes to «Hva trenger du?».
pub fn respond(
    patient: &Patient,
    refusal: Refusal,
    calendar: Option<&dyn Fn(&str) -> String>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    match notice(refusal) {
        Notice::Calendar(code) => Ok(match calendar {
            Some(href) => Redirect::to(&href(code)).into_response(),
            None => Redirect::to("/bestill").into_response(),
        }),
        Notice::Services(code) => {
            Ok(Redirect::to(&format!("/bestill?melding={code}")).into_response())
        }
        Notice::Page(status, key) => {
            let page = ErrorPage {
                page: Page::new(&patient.visitor, "error-title"),
                message: t.get(key),
            };
            Ok((status, html(&page)).into_response())
        }
        Notice::NotFound => Err(Failure::new(t, Kind::NotFound)),
    }
}

/// «Velg time»'s notice for a `melding` it was sent back with.
pub fn calendar_notice(code: Option<&str>) -> Option<&'static str> {
    match code {
        Some("opptatt") => Some("choose-taken"),
        Some("grense") => Some("choose-over-limit"),
        Some("vindu") => Some("choose-outside-window"),
        Some("timetype") => Some("choose-type-does-not-fit"),
        _ => None,
    }
}

/// The services page's notice for a `melding` it was sent back with.
pub fn services_notice(code: Option<&str>) -> Option<&'static str> {
    match code {
        Some("stengt") => Some("services-service-off"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_an_answer_and_the_calendar_notices_are_known() {
        for refusal in Refusal::ALL {
            if let Notice::Calendar(code) = notice(*refusal) {
                assert!(
                    code.is_empty() || calendar_notice(Some(code)).is_some(),
                    "{refusal:?}"
                );
            }
        }
        assert_eq!(notice(Refusal::NotInReach), Notice::NotFound);
        assert_eq!(
            services_notice(Some("stengt")),
            Some("services-service-off")
        );
    }
}
