//! The page templates (askama, in `templates/`) and what every page shares.

use crate::texts::T;
use crate::visitor::Visitor;
use askama::Template;
use axum::response::Html;
use domain::ReturnPath;
use i18n::Lang;

/// What the page frame needs: language, CSRF token, whether to offer «Logg ut», and links that
/// switch language and come back to the same page.
pub struct Page {
    pub t: T,
    pub title: String,
    pub csrf: String,
    /// Where «Logg ut» posts to, for whoever is logged in.
    pub logout: Option<&'static str>,
    pub languages: Vec<LanguageLink>,
    /// The navigation of the patient's, the staff's or the operator's pages.
    pub nav: Vec<NavLink>,
    /// The navigation's accessible name.
    pub nav_label: String,
    /// «Du handler på vegne av …»: whose timebook a representative's pages show.
    pub acting_for: Option<String>,
}

pub struct NavLink {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

pub struct LanguageLink {
    pub href: String,
    pub code: &'static str,
    /// The language's name in that language: «Nynorsk» reads the same to everyone.
    pub label: String,
    pub current: bool,
}

/// The links of «Språk/Language». Each returns to this page when it is a path the switch will
/// follow, else to the front page; the query parameter is its once-encoded form.
fn language_links(t: T, back_to: &str) -> Vec<LanguageLink> {
    let back = ReturnPath::parse(back_to).unwrap_or_default().encoded();
    Lang::ALL
        .into_iter()
        .map(|lang| LanguageLink {
            href: format!("/sprak/{}?tilbake={back}", lang.code()),
            code: lang.code(),
            label: lang.text("language-name", &[]),
            current: lang == t.0,
        })
        .collect()
}

fn nav_links(t: T, links: &[(&'static str, &str)], current: &str) -> Vec<NavLink> {
    links
        .iter()
        .map(|&(href, key)| NavLink {
            href,
            label: t.get(key),
            current: href == current,
        })
        .collect()
}

impl Page {
    pub fn new(visitor: &Visitor, title_key: &str) -> Self {
        let t = visitor.t;
        let nav = if visitor.patient.is_some() {
            let mut links = vec![
                ("/timeavtaler", "portal-nav-appointments"),
                ("/meldinger", "portal-nav-messages"),
                ("/varslinger", "portal-nav-notifications"),
            ];
            if visitor.representation.represents_anyone {
                links.push((crate::visitor::SWITCH_PERSON, "portal-nav-switch-person"));
            }
            nav_links(
                t,
                &links,
                visitor.path.split('?').next().unwrap_or_default(),
            )
        } else {
            Vec::new()
        };
        let acting_for = visitor
            .representation
            .acting_for
            .as_ref()
            .map(|acting| t.arg("acting-for", "name", &acting.name));
        Self {
            t,
            title: t.get(title_key),
            csrf: visitor.csrf.clone(),
            logout: visitor.patient.is_some().then_some("/logg-ut"),
            languages: language_links(t, &visitor.path),
            nav,
            nav_label: t.get("portal-nav"),
            acting_for,
        }
    }

    /// A page of the clinic's workspace, with its navigation.
    pub fn staff(visitor: &Visitor, title_key: &str, current: &str) -> Self {
        let links = [
            ("/klinikk", "staff-nav-overview"),
            ("/klinikk/uke", "staff-nav-week"),
            ("/klinikk/pasienter", "staff-nav-desk"),
            ("/klinikk/innboks", "staff-nav-inbox"),
            ("/klinikk/timeboker", "staff-nav-timebooks"),
            ("/klinikk/publisering", "staff-nav-publishing"),
            ("/klinikk/sperring", "staff-nav-blocks"),
            ("/klinikk/bruk", "staff-nav-usage"),
            ("/klinikk/innkalling", "staff-nav-invitations"),
            ("/klinikk/venteliste", "staff-nav-waitlist"),
            ("/klinikk/timeonsker", "staff-nav-requests"),
        ];
        let mut nav = nav_links(visitor.t, &links, current);
        // «Timeønsker (2)»: how many wait for an answer.
        if let (Some(count @ 1..), Some(link)) = (
            visitor.open_requests,
            nav.iter_mut().find(|l| l.href == "/klinikk/timeonsker"),
        ) {
            link.label = visitor
                .t
                .arg("staff-nav-requests-count", "count", &count.to_string());
        }
        Self {
            logout: Some("/personale/logg-ut"),
            nav,
            nav_label: visitor.t.get("staff-nav"),
            acting_for: None,
            ..Self::new(visitor, title_key)
        }
    }

    /// A page of the register, for the operator.
    pub fn operator(visitor: &Visitor, title_key: &str, current: &str) -> Self {
        let links = [
            ("/register", "register-nav-clinics"),
            ("/register/representasjon", "register-nav-relations"),
            ("/register/varsler", "register-nav-notifications"),
            ("/register/logg", "register-nav-audit"),
        ];
        Self {
            logout: Some("/personale/logg-ut"),
            nav: nav_links(visitor.t, &links, current),
            nav_label: visitor.t.get("staff-nav"),
            acting_for: None,
            ..Self::new(visitor, title_key)
        }
    }

    /// For pages rendered without knowing the request, such as error pages.
    pub fn bare(t: T, title_key: &str) -> Self {
        Self {
            t,
            title: t.get(title_key),
            csrf: String::new(),
            logout: None,
            languages: language_links(t, "/"),
            nav: Vec::new(),
            nav_label: String::new(),
            acting_for: None,
        }
    }
}

/// A link to a form field from the error summary.
pub struct FieldError {
    pub field: &'static str,
    pub label: String,
}

/// Each field's message (from its Fluent key, when it has a problem) and the error summary's
/// links to the fields that have one, in the order given.
pub fn field_errors<const N: usize>(
    t: T,
    fields: [(&'static str, Option<&str>); N],
) -> (Vec<FieldError>, [Option<String>; N]) {
    let messages = fields.map(|(_, key)| key.map(|key| t.get(key)));
    let summary = fields
        .iter()
        .zip(&messages)
        .filter_map(|((field, _), message)| {
            message.clone().map(|label| FieldError { field, label })
        })
        .collect();
    (summary, messages)
}

/// Renders a template; a template that fails to render gives a plain 500 text rather than a
/// panic, and says so in the log.
pub fn html<P: Template>(page: &P) -> Html<String> {
    Html(page.render().unwrap_or_else(|error| {
        tracing::error!(%error, "template failed to render");
        // The page itself could not be made; say so in the default language.
        Lang::default().text("error-unavailable", &[])
    }))
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub page: Page,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::language_links;
    use crate::texts::T;

    #[test]
    fn back_links_are_encoded() {
        let links = language_links(T(i18n::Lang::default()), "/bestill/3?sted=4&maned=2025-12");
        assert_eq!(
            links[0].href,
            "/sprak/nb?tilbake=/bestill/3%3Fsted%3D4%26maned%3D2025-12"
        );
        // A page that is no path to return to gets a link back to the front page.
        let links = language_links(T(i18n::Lang::default()), "/a//b");
        assert_eq!(links[0].href, "/sprak/nb?tilbake=/");
    }
}
