//! Cross-site request forgery over HTTP: a form's token fits only its own browser and
//! session, and a form sent from another site is refused even with a good token.

mod common;

use common::{Browser, Options, Page, Portal, portal, portal_with};
use reqwest::Method;

/// Posts `form` to `path` with extra headers, as a browser on some page would.
async fn post_with(
    browser: &Browser,
    path: &str,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Page {
    let mut request = browser
        .http
        .request(Method::POST, format!("{}{path}", browser.base))
        .form(form);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Browser::page(request.send().await.expect("POST")).await
}

/// A logged-in Kari and a form that changes something: her notification settings.
async fn kari(portal: &Portal) -> (Browser, String) {
    let browser = Browser::new(portal);
    browser.log_in(&portal.kari).await;
    let csrf = browser.csrf().await;
    (browser, csrf)
}

const SETTINGS: &str = "/varslinger";

fn settings_form(csrf: &str) -> Vec<(&str, &str)> {
    vec![
        ("csrf", csrf),
        ("kanal", "email"),
        ("epost", "kari@example.no"),
    ]
}

#[tokio::test]
async fn a_token_fits_only_the_browser_and_session_it_was_made_for() {
    let portal = portal(true).await;
    let (kari, token) = kari(&portal).await;
    let accepted = kari.post(SETTINGS, &settings_form(&token)).await;
    assert_eq!(accepted.status, 303, "{}", accepted.body);

    // Any equal pair of cookie and field used to pass; now the server's key decides.
    let forged = "a".repeat(64);
    let response = reqwest::Client::new()
        .post(format!("{}/logg-inn", portal.base))
        .header("cookie", format!("timebok_csrf={forged}"))
        .form(&[
            ("csrf", forged.as_str()),
            ("national_id", portal.ola.as_str()),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status().as_u16(), 403);

    // Ola's token is no good in Kari's browser, nor is her own from before her login.
    let ola = Browser::new(&portal);
    let before_login = ola.csrf().await;
    ola.log_in(&portal.ola).await;
    let ola_token = ola.csrf().await;
    for wrong in [&ola_token, &before_login] {
        let refused = kari.post(SETTINGS, &settings_form(wrong)).await;
        assert_eq!(refused.status, 403, "{wrong}");
        assert!(refused.body.contains("sikkerhetsmerke"), "{}", refused.body);
    }
    let stale = ola.post(SETTINGS, &settings_form(&before_login)).await;
    assert_eq!(stale.status, 403, "a login gives the browser a new token");

    // A second process on the same database, configured with the same key, takes the form.
    let second = Browser {
        http: kari.http.clone(),
        base: portal.second_server().await,
    };
    let elsewhere = second.post(SETTINGS, &settings_form(&token)).await;
    assert_eq!(elsewhere.status, 303, "{}", elsewhere.body);
}

#[tokio::test]
async fn a_form_from_another_site_is_refused_in_the_visitors_language() {
    let portal = portal(true).await;
    let (kari, token) = kari(&portal).await;
    let host = portal.base.trim_start_matches("http://").to_owned();
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("origin", "null"),
        ("origin", "http://evil.example"),
        ("origin", &format!("https://{host}.evil.example")),
        ("origin", "not a url"),
        ("referer", "https://evil.example/side"),
    ] {
        let refused = post_with(&kari, SETTINGS, &settings_form(&token), &[(name, value)]).await;
        assert_eq!(refused.status, 403, "{name}: {value}");
        assert!(
            refused.body.contains("et annet nettsted"),
            "{name}: {value}: {}",
            refused.body
        );
    }
    // In the visitor's own language.
    let english = post_with(
        &kari,
        SETTINGS,
        &settings_form(&token),
        &[
            ("origin", "https://evil.example"),
            ("cookie", "timebok_lang=en"),
        ],
    )
    .await;
    assert_eq!(english.status, 403);
    assert!(english.body.contains("from a site other than Timebok"));

    // Nothing changed: the page still shows no e-mail address.
    let settings = kari.get(SETTINGS).await;
    assert!(!settings.body.contains("kari@example.no"));

    // The site's own pages: by Origin, or by Referer where a browser sends no Origin. Without
    // a configured public URL, the site is the host the request was sent to.
    for (name, value) in [
        ("origin", portal.base.clone()),
        ("referer", format!("{}/varslinger", portal.base)),
    ] {
        let accepted = post_with(&kari, SETTINGS, &settings_form(&token), &[(name, &value)]).await;
        assert_eq!(accepted.status, 303, "{name}: {value}: {}", accepted.body);
    }
    // Another site's page is refused even without a token of its own to show.
    let no_token = post_with(
        &kari,
        SETTINGS,
        &[("kanal", "sms")],
        &[("origin", "https://evil.example")],
    )
    .await;
    assert_eq!(no_token.status, 403);
}

#[tokio::test]
async fn with_a_public_url_the_site_is_that_url_and_not_the_host() {
    let portal = portal_with(Options {
        demo_login: true,
        public_url: Some("https://timebok.example.no".into()),
        ..Options::default()
    })
    .await;
    let (kari, token) = kari(&portal).await;
    // The request's own Host no longer says which site it is: a proxy may pass any.
    let refused = post_with(
        &kari,
        SETTINGS,
        &settings_form(&token),
        &[("origin", &portal.base)],
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    for origin in [
        "https://timebok.example.no",
        "https://timebok.example.no:443",
        "https://TIMEBOK.example.no",
    ] {
        let accepted = post_with(
            &kari,
            SETTINGS,
            &settings_form(&token),
            &[("origin", origin)],
        )
        .await;
        assert_eq!(accepted.status, 303, "{origin}: {}", accepted.body);
    }
    for origin in [
        "http://timebok.example.no",
        "https://timebok.example.no:8443",
        "https://evil.example",
    ] {
        let refused = post_with(
            &kari,
            SETTINGS,
            &settings_form(&token),
            &[("origin", origin)],
        )
        .await;
        assert_eq!(refused.status, 403, "{origin}");
    }
}
