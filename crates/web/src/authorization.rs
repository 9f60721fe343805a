//! Who may use which route, decided in one place. Every route is added through [`Routes`],
//! which will not take one without its [`Audience`]; the `authorize` middleware checks the
//! audience before any handler runs, from the same table. Object-level checks (a patient's own
//! appointment, a clinic's own thread) then happen in the store, scoped by the identity this
//! module established: anything else is "not found".

use crate::AppState;
use crate::visitor::{OperatorUser, Patient, StaffMember};
use axum::Router;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use std::collections::HashMap;
use std::sync::Arc;

/// Who a route is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Anyone, logged in or not: login pages, static files, health.
    Anyone,
    /// A logged-in patient.
    Patient,
    /// A logged-in patient reading or writing messages: themself, or acting for someone whose
    /// relation gives full access (not a parent of a child from 12, see
    /// `domain::representation`).
    PatientMessages,
    /// A logged-in staff member of a clinic (not the operator).
    Staff,
    /// The register's operator (not a clinic's staff).
    Operator,
    /// A machine client of the FHIR API with this scope.
    Client(crate::fhir::Scope),
    /// A slot finder reading the SMART Scheduling Links feed: anyone when the operator
    /// publishes it openly (`[fhir] public_feed`), else a client that may read slots. A
    /// request that shows a token is always judged by it.
    Feed,
    /// A machine client of the FHIR API, whatever its scopes: for a transaction Bundle, whose
    /// handler checks the scope of what its entries change.
    AnyClient,
}

/// One route and who it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub method: Method,
    pub path: &'static str,
    pub audience: Audience,
}

/// An axum router and the rule of each of its routes, built together.
pub struct Routes {
    router: Router<AppState>,
    rules: Vec<Rule>,
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

impl Routes {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            rules: Vec::new(),
        }
    }

    pub fn get<H, T>(self, path: &'static str, audience: Audience, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, audience, get(handler))
    }

    pub fn post<H, T>(self, path: &'static str, audience: Audience, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, audience, post(handler))
    }

    pub fn put<H, T>(self, path: &'static str, audience: Audience, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::PUT, path, audience, put(handler))
    }

    pub fn patch<H, T>(self, path: &'static str, audience: Audience, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::PATCH, path, audience, patch(handler))
    }

    pub fn delete<H, T>(self, path: &'static str, audience: Audience, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::DELETE, path, audience, delete(handler))
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        audience: Audience,
        route: MethodRouter<AppState>,
    ) -> Self {
        self.router = self.router.route(path, route);
        self.rules.push(Rule {
            method,
            path,
            audience,
        });
        self
    }

    pub fn merge(mut self, other: Self) -> Self {
        self.router = self.router.merge(other.router);
        self.rules.extend(other.rules);
        self
    }

    /// The router with the middleware that enforces the rules, and the rules themselves.
    pub fn finish(self, state: &AppState) -> (Router<AppState>, Vec<Rule>) {
        let mut table: HashMap<&'static str, HashMap<Method, Audience>> = HashMap::new();
        for rule in &self.rules {
            table
                .entry(rule.path)
                .or_default()
                .insert(rule.method.clone(), rule.audience);
        }
        let guard = Guard {
            state: state.clone(),
            table: Arc::new(table),
        };
        let router = self
            .router
            .layer(axum::middleware::from_fn_with_state(guard, authorize));
        (router, self.rules)
    }
}

#[derive(Clone)]
struct Guard {
    state: AppState,
    /// Route path (as axum matched it), then method.
    table: Arc<HashMap<&'static str, HashMap<Method, Audience>>>,
}

/// Checks the route's audience before its handler runs. The identity found is left in the
/// request, so the handler's extractor does not look it up again.
async fn authorize(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let Some(path) = request.extensions().get::<MatchedPath>().cloned() else {
        // No route matched: the router answers 404 or 405 itself.
        return next.run(request).await;
    };
    // HEAD is answered by the GET route.
    let method = if request.method() == Method::HEAD {
        Method::GET
    } else {
        request.method().clone()
    };
    let audience = guard
        .table
        .get(path.as_str())
        .and_then(|methods| methods.get(&method))
        .copied();
    let (mut parts, body) = request.into_parts();
    let state = &guard.state;
    match audience {
        Some(Audience::Anyone) => {}
        Some(audience @ (Audience::Patient | Audience::PatientMessages)) => {
            match Patient::from_request_parts(&mut parts, state).await {
                Ok(patient)
                    if audience == Audience::PatientMessages && !patient.may_use_messages() =>
                {
                    let t = patient.visitor.t;
                    return axum::response::IntoResponse::into_response(
                        crate::failure::Failure::new(t, crate::failure::Kind::NotForRepresentative),
                    );
                }
                Ok(patient) => {
                    parts.extensions.insert(patient);
                }
                Err(refusal) => return refusal,
            }
        }
        Some(Audience::Staff) => match StaffMember::from_request_parts(&mut parts, state).await {
            Ok(staff) => {
                parts.extensions.insert(staff);
            }
            Err(refusal) => return refusal,
        },
        Some(Audience::Operator) => {
            match OperatorUser::from_request_parts(&mut parts, state).await {
                Ok(operator) => {
                    parts.extensions.insert(operator);
                }
                Err(refusal) => return refusal,
            }
        }
        Some(Audience::Feed) if crate::fhir::ApiClient::is_open_feed_reader(&parts, state) => {
            parts
                .extensions
                .insert(crate::fhir::ApiClient::open_feed_reader(&parts));
        }
        Some(Audience::Client(_) | Audience::Feed) => {
            let scope = match audience {
                Some(Audience::Client(scope)) => scope,
                _ => crate::fhir::Scope::ReadSlots,
            };
            match crate::fhir::ApiClient::from_request_parts(&mut parts, state).await {
                Ok(client) => {
                    if let Err(refusal) = client.require(scope) {
                        return axum::response::IntoResponse::into_response(refusal);
                    }
                    parts.extensions.insert(client);
                }
                Err(refusal) => return refusal,
            }
        }
        Some(Audience::AnyClient) => {
            match crate::fhir::ApiClient::from_request_parts(&mut parts, state).await {
                Ok(client) => {
                    parts.extensions.insert(client);
                }
                Err(refusal) => return refusal,
            }
        }
        // A method the route does not have: the router answers 405.
        None => {}
    }
    next.run(Request::from_parts(parts, body)).await
}
