//! Opening a session after a login, the same for the demo's test login and a provider's:
//! the session the browser had before ends (a planted session id dies here), a new random
//! token goes into the database as a hash and into an `HttpOnly` cookie.

use crate::failure::{Failure, Kind};
use crate::texts::T;
use crate::{AppState, cookies, tokens};
use axum::http::HeaderMap;
use domain::Actor;

/// How long a patient's login lasts at most.
const PATIENT_HOURS: i64 = 12;
/// How long a staff member's or the operator's login lasts at most: a working day.
const STAFF_HOURS: i64 = 10;

/// A session just opened.
pub struct Opened {
    /// The hash the database keys the session by.
    pub token_hash: String,
    /// The `Set-Cookie` value that carries the token.
    pub cookie: String,
}

pub async fn open(
    state: &AppState,
    t: T,
    headers: &HeaderMap,
    who: &Actor,
) -> Result<Opened, Failure> {
    let patient = matches!(who, Actor::Patient(_));
    let (name, hours) = if patient {
        (cookies::SESSION, PATIENT_HOURS)
    } else {
        (cookies::STAFF, STAFF_HOURS)
    };
    if let Some(old) = cookies::read(headers, name) {
        let old = tokens::hash(&old);
        let closed = if patient {
            state.store.close_session(&old).await
        } else {
            state.store.close_staff_session(&old).await
        };
        closed.map_err(|e| Failure::store(t, e))?;
    }
    let token = tokens::random().ok_or(Failure::new(t, Kind::Unavailable))?;
    let token_hash = tokens::hash(&token);
    let lifetime = jiff::SignedDuration::from_hours(hours);
    let opened = match who {
        Actor::Patient(id) => state.store.open_session(&token_hash, id, lifetime).await,
        _ => {
            state
                .store
                .open_staff_session(&token_hash, who, lifetime)
                .await
        }
    };
    opened.map_err(|e| Failure::store(t, e))?;
    Ok(Opened {
        token_hash,
        cookie: cookies::set(name, &token, hours * 3600, state.secure_cookies),
    })
}

/// Where a login lands.
pub fn landing(who: &Actor) -> &'static str {
    match who {
        Actor::Patient(_) => "/timeavtaler",
        Actor::Staff { .. } => "/klinikk",
        _ => "/register",
    }
}
