//! Logging out, for patients and for staff alike: the session ends in the database, the cookie
//! is cleared, and where the login came from a provider, the browser goes on to the provider's
//! end-session endpoint so the single sign-on session ends there too; else to the login page.

use crate::failure::Failure;
use crate::sessions::Holder;
use crate::visitor::Visitor;
use crate::{AppState, cookies, tokens};
use axum::http::HeaderMap;
use axum::response::Response;
use domain::ReturnPath;
use store::LoginFlow;

pub async fn end(
    state: &AppState,
    visitor: &Visitor,
    headers: &HeaderMap,
    whose: Holder,
) -> Result<Response, Failure> {
    let t = visitor.t;
    let cookie_name = whose.cookie();
    let login = match whose {
        Holder::Patient => "/logg-inn",
        Holder::Staff => "/personale/logg-inn",
    };
    let mut provider = None;
    if let Some(token) = cookies::read(headers, cookie_name) {
        let hash = tokens::hash(&token);
        let flow = match whose {
            Holder::Patient => Some(LoginFlow::Patient),
            Holder::Staff => match state.store.staff_session(&hash).await {
                Ok(Some(domain::Actor::Staff { .. })) => Some(LoginFlow::Staff),
                Ok(Some(domain::Actor::Operator { .. })) => Some(LoginFlow::Operator),
                Ok(_) => None,
                Err(e) => return Err(Failure::store(t, e)),
            },
        };
        if let Some(flow) = flow {
            let id_token = state
                .store
                .session_id_token(flow, &hash)
                .await
                .map_err(|e| Failure::store(t, e))?;
            if let Some(id_token) = id_token
                && let Some(url) = state.oidc.end_session_url(flow, &id_token).await
            {
                provider = Some(url);
            }
        }
        whose
            .close(state, &hash)
            .await
            .map_err(|e| Failure::store(t, e))?;
    }
    let cookie = cookies::set(cookie_name, "", 0, state.secure_cookies);
    Ok(match provider {
        Some(url) => cookies::redirect_to_provider(cookie, &url),
        None => cookies::redirect_setting(cookie, &ReturnPath::parse(login).unwrap_or_default()),
    })
}
