//! The security headers on every kind of answer: pages for each kind of visitor, errors,
//! redirects and static files.

mod common;

use common::{Browser, portal};

async fn assert_headers(browser: &Browser, path: &str) {
    let response = browser
        .http
        .get(format!("{}{path}", browser.base))
        .send()
        .await
        .expect("GET");
    let headers = response.headers();
    let csp = headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{path}: no CSP"))
        .to_str()
        .expect("ascii");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{path}: {csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("http"),
        "{path}: {csp}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
    assert_eq!(headers["x-frame-options"], "DENY", "{path}");
    assert_eq!(
        headers["strict-transport-security"], "max-age=31536000; includeSubDomains",
        "{path}"
    );
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let portal = portal(true).await;
    let anonymous = Browser::new(&portal);
    for path in [
        "/",
        "/logg-inn",
        "/personale/logg-inn",
        "/timeavtaler",
        "/no-such-page",
        "/static/timebok.css",
        "/static/counter.js",
        "/sw.js",
        "/manifest.webmanifest",
        "/healthz",
    ] {
        assert_headers(&anonymous, path).await;
    }
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    for path in [
        "/timeavtaler",
        "/bestill",
        &format!("/bestill/{}", portal.timebook),
        "/meldinger",
        "/meldinger/ny",
        "/varslinger",
        "/meldinger/999999",
    ] {
        assert_headers(&kari, path).await;
    }
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    for path in [
        "/klinikk",
        "/klinikk/innboks",
        "/klinikk/timeboker",
        "/klinikk/publisering",
        "/klinikk/sperring",
        "/register",
    ] {
        assert_headers(&staff, path).await;
    }
    let operator = Browser::new(&portal);
    operator.operator_log_in().await;
    for path in ["/register", "/register/varsler", "/register/logg"] {
        assert_headers(&operator, path).await;
    }
}
