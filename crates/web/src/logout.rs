//! Logging out, for patients and for staff alike: the session ends in the database, the cookie
//! is cleared, and the visitor lands on the login (demo) or the front page.

use crate::failure::Failure;
use crate::visitor::Visitor;
use crate::{AppState, cookies, tokens};
use axum::http::HeaderMap;
use axum::response::Response;

/// Whose session a logout ends.
pub enum Whose {
    Patient,
    Staff,
}

pub async fn end(
    state: &AppState,
    visitor: &Visitor,
    headers: &HeaderMap,
    whose: Whose,
) -> Result<Response, Failure> {
    let (cookie_name, login) = match whose {
        Whose::Patient => (cookies::SESSION, "/logg-inn"),
        Whose::Staff => (cookies::STAFF, "/personale/logg-inn"),
    };
    if let Some(token) = cookies::read(headers, cookie_name) {
        let hash = tokens::hash(&token);
        let closed = match whose {
            Whose::Patient => state.store.close_session(&hash).await,
            Whose::Staff => state.store.close_staff_session(&hash).await,
        };
        closed.map_err(|e| Failure::store(visitor.t, e))?;
    }
    let cookie = cookies::set(cookie_name, "", 0, state.secure_cookies);
    Ok(cookies::redirect_setting(
        cookie,
        if state.demo_login { login } else { "/" },
    ))
}
