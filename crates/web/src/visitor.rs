//! Who is asking: their language, their CSRF token and, once logged in, which patient they are.

use crate::csrf::CsrfToken;
use crate::failure::{Failure, Kind};
use crate::texts::T;
use crate::{AppState, cookies, tokens};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{NationalId, ReturnPath};
use i18n::Lang;

#[derive(Debug, Clone)]
pub struct Visitor {
    pub t: T,
    pub csrf: String,
    /// Path and query of this request, for the language links to return to.
    pub path: String,
    /// The person logged in to the portal.
    pub patient: Option<NationalId>,
    /// Whom they act for, if not themself, and whether they may act for anyone.
    pub representation: Representation,
    /// The client's address, for rate limits: from the trusted proxy's header when one is
    /// configured, otherwise from the connection.
    pub client: String,
    /// For a staff member: how many requests for a time wait for their clinic's answer, for
    /// the count in the navigation. A number, no patient's data.
    pub open_requests: Option<u64>,
}

/// Whom a logged-in patient acts for.
#[derive(Debug, Clone, Default)]
pub struct Representation {
    /// The person they act for, if not themself.
    pub acting_for: Option<ActingFor>,
    /// They may act for someone: «Bytt person» is in the header.
    pub represents_anyone: bool,
    /// The person they chose is no longer theirs to act for: they must choose again.
    pub lapsed: bool,
}

/// The person a representative acts for, and what the relation allows today.
#[derive(Debug, Clone)]
pub struct ActingFor {
    pub person: NationalId,
    pub access: domain::Access,
    /// As «Du handler på vegne av …» names them.
    pub name: String,
}

impl Representation {
    fn of(session: store::SessionPatient, today: jiff::civil::Date) -> Self {
        let mut lapsed = session.lapsed;
        let acting_for = session.acting_for.and_then(|acting| {
            // The relation stands by the register's dates; the age rule decides how far.
            let Some(access) = domain::access(acting.kind, &acting.person, today) else {
                lapsed = true;
                return None;
            };
            let name = acting
                .first_name
                .unwrap_or_else(|| acting.person.birth_date().strftime("%d.%m.%Y").to_string());
            Some(ActingFor {
                person: acting.person,
                access,
                name,
            })
        });
        Self {
            acting_for,
            represents_anyone: session.represents_anyone,
            lapsed,
        }
    }
}

fn client_address(parts: &Parts, state: &AppState) -> String {
    let forwarded = state.client_address_header.as_ref().and_then(|name| {
        let value = parts.headers.get(name.as_str())?.to_str().ok()?;
        // The proxy appends the address it saw; earlier entries are the client's own claims.
        value.rsplit(',').next().map(|v| v.trim().to_owned())
    });
    forwarded
        .or_else(|| {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip().to_string())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = cookies::read(&parts.headers, cookies::LANG)
            .and_then(|code| Lang::parse(&code))
            .unwrap_or_default();
        let t = T(lang);
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|c| c.0.clone())
            .unwrap_or_default();
        let path = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let session = match cookies::read(&parts.headers, cookies::SESSION) {
            Some(token) => state
                .store
                .session_patient(&tokens::hash(&token))
                .await
                .map_err(|e| Failure::store(t, e))?,
            None => None,
        };
        let today = state.today();
        let (patient, representation) = match session {
            Some(session) => (
                Some(session.user.clone()),
                Representation::of(session, today),
            ),
            None => (None, Representation::default()),
        };
        Ok(Self {
            t,
            csrf,
            path,
            patient,
            representation,
            client: client_address(parts, state),
            open_requests: None,
        })
    }
}

/// How long a page asked for before the login is remembered.
const RETURN_TO_SECONDS: i64 = 15 * 60;

/// Sends the visitor to `to` (the login, «Bytt person»), which sends them on to `path` when
/// done.
fn returning_to(state: &AppState, path: &ReturnPath, to: &ReturnPath) -> Response {
    crate::cookies::redirect_setting(
        crate::cookies::set(
            crate::cookies::RETURN_TO,
            &path.encoded(),
            RETURN_TO_SECONDS,
            state.secure_cookies,
        ),
        to,
    )
}

/// «Bytt person», which sends the patient on to `path` once they have chosen.
pub fn choose_person_then(state: &AppState, path: &ReturnPath) -> Response {
    let switch = ReturnPath::parse(SWITCH_PERSON).unwrap_or_default();
    returning_to(state, path, &switch)
}

/// The patients' login page.
fn login_page() -> ReturnPath {
    ReturnPath::parse("/logg-inn").unwrap_or_default()
}

/// A logged-in patient. Pages that need one send everybody else to the login (in demo mode)
/// or answer 401.
///
/// `id` is the person whose timebook the pages show: the logged-in patient, or the person they
/// chose to act for at «Bytt person». `user` is always the one logged in.
#[derive(Debug, Clone)]
pub struct Patient {
    pub visitor: Visitor,
    pub id: NationalId,
    pub user: NationalId,
}

impl Patient {
    /// The patient as the booking core knows them: acting for themself, or for the person
    /// they represent.
    pub fn caller(&self) -> domain::Caller {
        if self.id == self.user {
            domain::Caller::patient(self.id.clone())
        } else {
            domain::Caller::representative(self.user.clone(), self.id.clone())
        }
    }

    /// The person acted for, when not the patient themself.
    pub fn acting_for(&self) -> Option<&ActingFor> {
        self.visitor.representation.acting_for.as_ref()
    }

    /// Whether the pages may show and send the person's messages: themself, or a relation
    /// with full access.
    pub fn may_use_messages(&self) -> bool {
        self.acting_for()
            .is_none_or(|acting| acting.access.messages())
    }
}

/// «Bytt person», where a patient whose chosen person lapsed is sent, and its form.
pub const SWITCH_PERSON: &str = "/bytt-person";

impl FromRequestParts<AppState> for Patient {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Already established by the authorization middleware for this request.
        if let Some(known) = parts.extensions.get::<Self>() {
            return Ok(known.clone());
        }
        let visitor = Visitor::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match visitor.patient.clone() {
            // Acting for someone who is no longer theirs to act for: nothing of that person's
            // is shown, and nothing is done for themself by mistake; they choose again.
            Some(_) if visitor.representation.lapsed && parts.uri.path() != SWITCH_PERSON => {
                Err(Redirect::to(SWITCH_PERSON).into_response())
            }
            Some(user) => {
                let id = visitor
                    .representation
                    .acting_for
                    .as_ref()
                    .map_or_else(|| user.clone(), |acting| acting.person.clone());
                Ok(Self { visitor, id, user })
            }
            None if state.demo_login || state.oidc.offers(store::LoginFlow::Patient) => {
                // A page opened by a link (a slot finder's, a bookmark) is where the login
                // lands.
                // The path arrives as the browser wrote it, so it is checked as it stands.
                let wanted = (parts.method == axum::http::Method::GET)
                    .then(|| parts.uri.path_and_query().map(|p| p.as_str()))
                    .flatten()
                    .and_then(|path| ReturnPath::parse(path).ok());
                Err(match wanted {
                    Some(path) => returning_to(state, &path, &login_page()),
                    None => Redirect::to("/logg-inn").into_response(),
                })
            }
            None => Err(Failure::new(visitor.t, Kind::LoginRequired).into_response()),
        }
    }
}

/// Whoever the staff cookie's session belongs to, with the visitor: the part the staff's and
/// the operator's pages share. Nobody logged in is sent to the login page where there is a way
/// to log in, or answered 401.
async fn staff_identity(
    parts: &mut Parts,
    state: &AppState,
) -> Result<(Visitor, domain::Actor), Response> {
    let visitor = Visitor::from_request_parts(parts, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let t = visitor.t;
    let who = match cookies::read(&parts.headers, cookies::STAFF) {
        Some(token) => state
            .store
            .staff_session(&tokens::hash(&token))
            .await
            .map_err(|e| Failure::store(t, e).into_response())?,
        None => None,
    };
    match who {
        Some(actor) => Ok((visitor, actor)),
        None if state.demo_login
            || state.oidc.offers(store::LoginFlow::Staff)
            || state.oidc.offers(store::LoginFlow::Operator) =>
        {
            Err(Redirect::to("/personale/logg-inn").into_response())
        }
        None => Err(Failure::new(t, Kind::LoginRequired).into_response()),
    }
}

/// A logged-in staff member of one clinic. Every clinic page takes this, and every query it
/// makes is scoped to `clinic_id`, taken from the session and never from the request, so a
/// staff member can neither see nor change another clinic's data.
#[derive(Debug, Clone)]
pub struct StaffMember {
    pub visitor: Visitor,
    pub actor: domain::Actor,
    pub clinic_id: domain::ClinicId,
}

impl StaffMember {
    /// The staff member as the booking core knows them: the office, in their own clinic.
    pub fn caller(&self) -> domain::Caller {
        domain::Caller::staff(self.clinic_id, self.actor.identifier())
    }
}

impl FromRequestParts<AppState> for StaffMember {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Already established by the authorization middleware for this request.
        if let Some(known) = parts.extensions.get::<Self>() {
            return Ok(known.clone());
        }
        match staff_identity(parts, state).await? {
            (mut visitor, actor @ domain::Actor::Staff { clinic_id, .. }) => {
                let count = state
                    .store
                    .open_request_count(clinic_id)
                    .await
                    .map_err(|e| Failure::store(visitor.t, e).into_response())?;
                visitor.open_requests = Some(count);
                Ok(Self {
                    visitor,
                    actor,
                    clinic_id,
                })
            }
            // The operator keeps the register, not a clinic's patients.
            (visitor, _) => Err(Failure::new(visitor.t, Kind::Forbidden).into_response()),
        }
    }
}

/// The operator, who keeps the register. Staff of a clinic get 403 here.
#[derive(Debug, Clone)]
pub struct OperatorUser {
    pub visitor: Visitor,
    pub actor: domain::Actor,
}

impl FromRequestParts<AppState> for OperatorUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Already established by the authorization middleware for this request.
        if let Some(known) = parts.extensions.get::<Self>() {
            return Ok(known.clone());
        }
        match staff_identity(parts, state).await? {
            (visitor, actor @ domain::Actor::Operator { .. }) => Ok(Self { visitor, actor }),
            (visitor, _) => Err(Failure::new(visitor.t, Kind::Forbidden).into_response()),
        }
    }
}
