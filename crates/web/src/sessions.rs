//! Opening a session after a login, the same for the demo's test login and a provider's:
//! the session the browser had before ends (a planted session id dies here), a new random
//! token goes into the database as a hash and into an `HttpOnly` cookie.

use crate::failure::{Failure, Kind};
use crate::texts::T;
use crate::{AppState, cookies, tokens};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use domain::{Actor, ReturnPath};
use store::StoreError;

/// How long a patient's login lasts at most.
const PATIENT_HOURS: i64 = 12;
/// How long a staff member's or the operator's login lasts at most: a working day.
const STAFF_HOURS: i64 = 10;

/// Whose session: a patient's (the portal) or a staff member's or the operator's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Patient,
    Staff,
}

impl Holder {
    pub fn of(who: &Actor) -> Self {
        match who {
            Actor::Patient(_) => Self::Patient,
            _ => Self::Staff,
        }
    }

    /// The cookie that carries the session's token.
    pub fn cookie(self) -> &'static str {
        match self {
            Self::Patient => cookies::SESSION,
            Self::Staff => cookies::STAFF,
        }
    }

    fn hours(self) -> i64 {
        match self {
            Self::Patient => PATIENT_HOURS,
            Self::Staff => STAFF_HOURS,
        }
    }

    /// Ends the session with this token hash, if it is still open.
    pub async fn close(self, state: &AppState, token_hash: &str) -> Result<(), StoreError> {
        match self {
            Self::Patient => state.store.close_session(token_hash).await,
            Self::Staff => state.store.close_staff_session(token_hash).await,
        }
    }
}

/// A session just opened.
pub struct Opened {
    /// The hash the database keys the session by.
    pub token_hash: String,
    /// The `Set-Cookie` value that carries the token.
    pub cookie: String,
    /// The patient may act for someone: the login lands on «Bytt person».
    pub represents_anyone: bool,
}

pub async fn open(
    state: &AppState,
    t: T,
    headers: &HeaderMap,
    who: &Actor,
) -> Result<Opened, Failure> {
    let holder = Holder::of(who);
    if let Some(old) = cookies::read(headers, holder.cookie()) {
        holder
            .close(state, &tokens::hash(&old))
            .await
            .map_err(|e| Failure::store(t, e))?;
    }
    let token = tokens::random().ok_or(Failure::new(t, Kind::Unavailable))?;
    let token_hash = tokens::hash(&token);
    let lifetime = jiff::SignedDuration::from_hours(holder.hours());
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
    let mut represents_anyone = false;
    if let Actor::Patient(id) = who {
        // The worker writes notices later, without a browser to ask: the language the patient
        // logs in with is kept for them until they choose one on «Varslingsinnstillinger».
        state
            .store
            .remember_site_language(id, t.0.code())
            .await
            .map_err(|e| Failure::store(t, e))?;
        represents_anyone = !state
            .store
            .represented(id)
            .await
            .map_err(|e| Failure::store(t, e))?
            .is_empty();
    }
    Ok(Opened {
        token_hash,
        cookie: cookies::set(
            holder.cookie(),
            &token,
            holder.hours() * 3600,
            state.secure_cookies,
        ),
        represents_anyone,
    })
}

/// Where a login lands.
fn landing(who: &Actor) -> ReturnPath {
    let path = match who {
        Actor::Patient(_) => "/timeavtaler",
        Actor::Staff { .. } => "/klinikk",
        _ => "/register",
    };
    ReturnPath::parse(path).unwrap_or_default()
}

/// The answer that ends a login: the session's cookie, and a redirect to the page a patient
/// asked for before logging in (forgotten as it is used), or to the holder's start page.
pub fn land(opened: Opened, who: &Actor, headers: &HeaderMap, secure: bool) -> Response {
    let asked = match who {
        // Kept encoded in the cookie; decoded once, and refused unless a path of this site.
        Actor::Patient(_) => cookies::read(headers, cookies::RETURN_TO)
            .and_then(|kept| ReturnPath::decode(&kept).ok()),
        _ => None,
    };
    // Someone who may act for others first chooses whom they act for; «Bytt person» then
    // goes on to the kept path.
    if opened.represents_anyone {
        let to = ReturnPath::parse(crate::visitor::SWITCH_PERSON).unwrap_or_default();
        return cookies::redirect_setting(opened.cookie, &to);
    }
    // A patient's login uses the kept path up, or drops it when it was refused.
    let forget =
        matches!(who, Actor::Patient(_)) && cookies::read(headers, cookies::RETURN_TO).is_some();
    let to = asked.unwrap_or_else(|| landing(who));
    let mut response = cookies::redirect_setting(opened.cookie, &to);
    if forget
        && let Ok(forget) = HeaderValue::from_str(&cookies::set(cookies::RETURN_TO, "", 0, secure))
    {
        response.headers_mut().append(SET_COOKIE, forget);
    }
    response
}
