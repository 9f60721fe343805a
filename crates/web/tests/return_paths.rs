//! Where a browser is sent back to, over HTTP: the language switch and the page a login lands
//! on never lead away from the site, whatever the request says.

mod common;

use common::{Browser, portal, portal_with_limits};

/// `tilbake` values as they stand in a URL, each meant to lead to evil.example.
const BYPASSES: [&str; 22] = [
    "/%09/evil.example",
    "/%0A/evil.example",
    "/%0D/evil.example",
    "/%0D%0ALocation:%20https://evil.example",
    "%09//evil.example",
    "//evil.example",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/%252F%252Fevil.example",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    "%5C%5Cevil.example",
    "/%255Cevil.example",
    "/.//evil.example",
    "/./%2F/evil.example",
    "https://evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "%EF%BC%8F%EF%BC%8Fevil.example",
    "/%E2%88%95evil.example",
    "/%C0%AF/evil.example",
    "/%C0%AFevil.example",
];

#[tokio::test]
async fn the_language_switch_returns_only_to_a_path_of_this_site() {
    let portal = portal(true).await;
    let browser = Browser::new(&portal);
    for bad in BYPASSES {
        let page = browser.get(&format!("/sprak/en?tilbake={bad}")).await;
        assert_eq!(
            (page.status, page.location.as_deref()),
            (303, Some("/")),
            "{bad}"
        );
    }
    // The page it was made on, with its query.
    let page = browser
        .get("/sprak/nn?tilbake=/bestill%3Fmelding%3Dstengt")
        .await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/bestill?melding=stengt"))
    );
    // The links a page offers lead back to it.
    let login = browser.get("/logg-inn?fra=lenke").await;
    let href = "/sprak/en?tilbake=/logg-inn%3Ffra%3Dlenke";
    assert!(login.body.contains(href), "{}", login.body);
    let page = browser.get(href).await;
    assert_eq!(page.location.as_deref(), Some("/logg-inn?fra=lenke"));
}

/// Logs Kari in with the test login and answers where the login sends her. The token comes
/// from the login page itself: a patient page would replace the kept page.
async fn log_in_with_kept_page(browser: &Browser, kari: &str) -> Option<String> {
    let page = browser.get("/logg-inn").await;
    let marker = "name=\"csrf\" value=\"";
    let start = page.body.find(marker).expect("a CSRF token") + marker.len();
    let csrf = page.body[start..start + 64].to_owned();
    let landed = browser
        .post("/logg-inn", &[("csrf", &csrf), ("national_id", kari)])
        .await;
    assert_eq!(landed.status, 303);
    landed.location
}

#[tokio::test]
async fn the_login_lands_on_the_page_asked_for_and_only_on_this_site() {
    // One login for each planted cookie, all from one address.
    let portal = portal_with_limits(
        true,
        timebok_web::limits::LimitSettings {
            logins_per_minute: 1_000,
            ..timebok_web::limits::LimitSettings::default()
        },
    )
    .await;

    // A page of the site asked for before the login is where the login lands.
    let browser = Browser::new(&portal);
    let link = format!(
        "/bestill/{}?sted={}&dag={}",
        portal.timebook, portal.resource, portal.day
    );
    let asked = browser.get(&link).await;
    assert_eq!(
        (asked.status, asked.location.as_deref()),
        (303, Some("/logg-inn"))
    );
    assert_eq!(
        log_in_with_kept_page(&browser, portal.kari.as_str())
            .await
            .as_deref(),
        Some(link.as_str())
    );

    // A kept page planted in the cookie, in any of the usual forms, is not followed.
    for planted in BYPASSES.iter().copied().chain([
        "/\\evil.example",
        "//evil.example/",
        "%2F%09%2Fevil.example",
        "%2F%2F%2Fevil.example",
    ]) {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let url: reqwest::Url = portal.base.parse().expect("url");
        let browser = Browser {
            http: reqwest::Client::builder()
                .cookie_provider(jar.clone())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: portal.base.clone(),
        };
        jar.add_cookie_str(&format!("timebok_return={planted}; Path=/"), &url);
        assert_eq!(
            log_in_with_kept_page(&browser, portal.kari.as_str())
                .await
                .as_deref(),
            Some("/timeavtaler"),
            "{planted}"
        );
    }
}
