//! Login through a real OpenID provider (`oidc-provider` from npm, run by Node.js on
//! loopback): patients, staff and the operator, and every way a login is refused.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::provider::Provider;
use common::{Browser, Options, Page, Portal, portal_with};
use domain::AuditAction;
use std::sync::Arc;
use store::{AuditFilter, LoginFlow, ManualClock};

/// The provider with the people of these tests.
fn start_provider(base: &str) -> Option<Provider> {
    let people = serde_json::json!({
        "kari": { "acr": "idporten-loa-high", "claims": { "pid": common::person(1).as_str(), "name": "Kari Nordmann" } },
        "lav": { "acr": "idporten-loa-substantial", "claims": { "pid": common::person(2).as_str() } },
        "utenpid": { "acr": "idporten-loa-high", "claims": { "pid": "12345678901" } },
        "nina": { "acr": "idporten-loa-high", "claims": { "name": "Nina Sykepleier" } },
        "ole": { "acr": "idporten-loa-high", "claims": { "name": "Ole Lege", "clinic": "1001", "roles": ["timebok"] } },
        "rolleløs": { "acr": "idporten-loa-high", "claims": { "clinic": "1001", "roles": ["annet"] } },
        "ukjent": { "acr": "idporten-loa-high", "claims": { "name": "Ukjent" } },
        "drift": { "acr": "idporten-loa-high", "claims": { "name": "Driftsoperatør" } },
        "hjelper": { "acr": "idporten-loa-high", "claims": {
            "pid": common::person(3).as_str(),
            "represents": [
                format!("{}:fullmakt", common::person(1).as_str()),
                "bad-value",
                format!("{}:venn", common::person(2).as_str()),
            ],
        } },
    });
    common::provider::start(base, &people)
}

fn provider_settings(issuer: &str, flow: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut settings = serde_json::json!({
        "discovery_url": format!("{issuer}/.well-known/openid-configuration"),
        "client_id": format!("timebok-{flow}"),
        "client_secret": format!("secret-{flow}"),
        "scopes": ["openid", "profile"],
    });
    if let (Some(settings), Some(extra)) = (settings.as_object_mut(), extra.as_object()) {
        settings.extend(extra.clone());
    }
    settings
}

/// A portal whose three logins go through the provider.
async fn portal_and_provider(clock: Option<Arc<ManualClock>>) -> Option<(Portal, Provider)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let provider = start_provider(&base)?;
    let issuer = &provider.issuer;
    let oidc = serde_json::from_value(serde_json::json!({
        "patient": provider_settings(issuer, "patient", serde_json::json!({
            "representation_claim": "represents",
        })),
        "staff": provider_settings(issuer, "staff", serde_json::json!({
            "clinic_claim": "clinic", "role_claim": "roles", "role_value": "timebok",
        })),
        "operator": provider_settings(issuer, "operator", serde_json::json!({})),
    }))
    .expect("settings");
    let mut options = Options {
        oidc,
        listener: Some(listener),
        ..Options::default()
    };
    if let Some(clock) = clock {
        options.clock = clock;
    }
    Some((portal_with(options).await, provider))
}

fn fresh_browser(portal: &Portal) -> Browser {
    Browser::new(portal)
}

/// Follows redirects from `url` until Timebok's answer for the flow is next, and returns that
/// answer's URL. Logs in at the provider's form as `person` on the way.
async fn to_the_answer(browser: &Browser, start: &str, person: &str) -> String {
    let mut url = format!("{}{start}", browser.base);
    for _ in 0..12 {
        if url.starts_with(&browser.base) && url.contains("/svar") {
            return url;
        }
        let response = browser.http.get(&url).send().await.expect("GET");
        if let Some(next) = response.headers().get("location") {
            let next = next.to_str().expect("location").to_owned();
            url = if next.starts_with('/') {
                let origin = reqwest::Url::parse(&url).expect("url");
                format!("{}{next}", origin.origin().ascii_serialization())
            } else {
                next
            };
            continue;
        }
        // The provider's login form.
        assert!(url.contains("/interaction/"), "unexpected stop at {url}");
        let response = browser
            .http
            .post(format!("{url}/login"))
            .form(&[("login", person)])
            .send()
            .await
            .expect("POST login");
        url = response
            .headers()
            .get("location")
            .expect("after login")
            .to_str()
            .expect("location")
            .to_owned();
    }
    panic!("too many redirects")
}

async fn log_in(browser: &Browser, start: &str, person: &str) -> Page {
    let answer = to_the_answer(browser, start, person).await;
    get_absolute(browser, &answer).await
}

async fn get_absolute(browser: &Browser, url: &str) -> Page {
    let response = browser.http.get(url).send().await.expect("GET");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Page {
        status,
        location,
        body: response.text().await.expect("body"),
    }
}

async fn audited(portal: &Portal, action: AuditAction) -> Vec<String> {
    portal
        .store
        .audit_events(&AuditFilter {
            patient: None,
            action: Some(action),
            limit: 0,
        })
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.subject)
        .collect()
}

#[tokio::test]
async fn a_patient_logs_in_through_the_provider_and_out_at_it() {
    let Some((portal, provider)) = portal_and_provider(None).await else {
        return;
    };
    let browser = fresh_browser(&portal);
    let page = browser.get("/logg-inn").await;
    assert!(page.body.contains("href=\"/innlogging/pasient\""));
    assert!(!page.body.contains("<form"), "no test login outside demo");

    let start = browser.get("/innlogging/pasient").await;
    assert_eq!(start.status, 303);
    let to = start.location.expect("to the provider");
    assert!(to.starts_with(&provider.issuer), "{to}");
    for part in [
        "response_type=code",
        "code_challenge_method=S256",
        "code_challenge=",
        "state=",
        "nonce=",
        "acr_values=idporten-loa-high",
        "ui_locales=nb",
        "client_id=timebok-patient",
    ] {
        assert!(to.contains(part), "{part} in {to}");
    }

    let answer = log_in(&browser, "/innlogging/pasient", "kari").await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.location.as_deref(), Some("/timeavtaler"));
    let page = browser.get("/timeavtaler").await;
    assert_eq!(page.status, 200);
    assert!(
        audited(&portal, AuditAction::PatientLoggedIn).await.len() == 1,
        "the login is audited"
    );

    let csrf = browser.csrf().await;
    let out = browser.post("/logg-ut", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    let end = out.location.expect("to the provider's logout");
    assert!(
        end.starts_with(&format!("{}/session/end?", provider.issuer)),
        "{end}"
    );
    assert!(end.contains("id_token_hint=ey"), "{end}");
    assert!(end.contains("post_logout_redirect_uri="), "{end}");
    let at_provider = get_absolute(&browser, &end).await;
    assert_eq!(
        at_provider.status, 200,
        "the provider accepts the hint and asks to confirm: {}",
        at_provider.body
    );
    let after = browser.get("/timeavtaler").await;
    assert_eq!(after.status, 303, "the local session has ended");
    assert_eq!(after.location.as_deref(), Some("/logg-inn"));
}

#[tokio::test]
async fn a_patient_below_the_required_level_or_without_a_valid_number_is_refused() {
    let Some((portal, _provider)) = portal_and_provider(None).await else {
        return;
    };
    let browser = fresh_browser(&portal);
    let page = log_in(&browser, "/innlogging/pasient", "lav").await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("lavere sikkerhetsnivå"), "{}", page.body);
    assert!(page.body.contains("href=\"/logg-inn\""));
    assert_eq!(browser.get("/timeavtaler").await.status, 303, "no session");

    let browser = fresh_browser(&portal);
    let page = log_in(&browser, "/innlogging/pasient", "utenpid").await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("gyldig fødselsnummer"), "{}", page.body);
    assert_eq!(browser.get("/timeavtaler").await.status, 303, "no session");

    assert_eq!(
        audited(&portal, AuditAction::LoginRefused).await,
        ["patient:national_id", "patient:acr"]
    );
    assert!(
        audited(&portal, AuditAction::PatientLoggedIn)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn staff_and_the_operator_get_in_by_the_access_list_or_claims_and_nobody_else() {
    let Some((portal, _provider)) = portal_and_provider(None).await else {
        return;
    };
    let clinic = portal
        .store
        .clinic_by_her_id(domain::HerId::new(1_001).expect("her"))
        .await
        .expect("read")
        .expect("clinic");
    portal
        .store
        .grant_access(LoginFlow::Staff, "nina", Some(clinic.id))
        .await
        .expect("grant");
    portal
        .store
        .grant_access(LoginFlow::Operator, "drift", None)
        .await
        .expect("grant");

    for (person, start, landing) in [
        ("nina", "/innlogging/personale", "/klinikk"),
        ("ole", "/innlogging/personale", "/klinikk"),
        ("drift", "/innlogging/drift", "/register"),
    ] {
        let browser = fresh_browser(&portal);
        let page = log_in(&browser, start, person).await;
        assert_eq!(page.status, 303, "{person}: {}", page.body);
        assert_eq!(page.location.as_deref(), Some(landing), "{person}");
        let page = browser.get(landing).await;
        assert_eq!(page.status, 200, "{person} reaches {landing}");
    }

    for (person, start) in [
        ("ukjent", "/innlogging/personale"),
        ("rolleløs", "/innlogging/personale"),
        ("ukjent", "/innlogging/drift"),
        // Staff access does not make an operator.
        ("nina", "/innlogging/drift"),
    ] {
        let browser = fresh_browser(&portal);
        let page = log_in(&browser, start, person).await;
        assert_eq!(page.status, 403, "{person} at {start}");
        assert!(
            page.body.contains("Du har ikke tilgang til Timebok"),
            "{}",
            page.body
        );
        assert_ne!(browser.get("/klinikk").await.status, 200);
        assert_ne!(browser.get("/register").await.status, 200);
    }
    let staff_logins = audited(&portal, AuditAction::StaffLoggedIn).await;
    assert_eq!(staff_logins.len(), 3);
    assert_eq!(
        audited(&portal, AuditAction::LoginRefused).await,
        [
            "operator:no_access",
            "operator:no_access",
            "staff:no_access",
            "staff:no_access"
        ]
    );
}

#[tokio::test]
async fn a_tampered_or_replayed_state_is_refused() {
    let Some((portal, _provider)) = portal_and_provider(None).await else {
        return;
    };
    let browser = fresh_browser(&portal);
    let answer = to_the_answer(&browser, "/innlogging/pasient", "kari").await;
    let mut url = reqwest::Url::parse(&answer).expect("url");
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                format!("{v}x")
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let page = get_absolute(&browser, url.as_str()).await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("hørte ikke til denne nettleseren"),
        "{}",
        page.body
    );
    assert_eq!(browser.get("/timeavtaler").await.status, 303, "no session");

    // The genuine answer, carried to another browser: it lacks the state's cookie.
    let thief = fresh_browser(&portal);
    let page = get_absolute(&thief, &answer).await;
    assert_eq!(page.status, 400);
    assert_eq!(thief.get("/timeavtaler").await.status, 303);

    // In its own browser, once; a second time, it has been used.
    let browser = fresh_browser(&portal);
    let answer = to_the_answer(&browser, "/innlogging/pasient", "kari").await;
    let cookie_state = reqwest::Url::parse(&answer).expect("url");
    assert!(cookie_state.query_pairs().any(|(k, _)| k == "state"));
    let first = get_absolute(&browser, &answer).await;
    assert_eq!(first.status, 303, "{}", first.body);
    let other = fresh_browser(&portal);
    let again = get_absolute(&other, &answer).await;
    assert_eq!(again.status, 400, "a used answer logs nobody in");
    assert_eq!(other.get("/timeavtaler").await.status, 303);
    assert_eq!(
        audited(&portal, AuditAction::PatientLoggedIn).await.len(),
        1
    );
}

#[tokio::test]
async fn an_expired_login_or_session_means_logging_in_again() {
    let clock = Arc::new(ManualClock::new(store::Clock::now(&store::SystemClock)));
    let Some((portal, _provider)) = portal_and_provider(Some(clock.clone())).await else {
        return;
    };
    let browser = fresh_browser(&portal);
    let answer = to_the_answer(&browser, "/innlogging/pasient", "kari").await;
    clock.advance(jiff::SignedDuration::from_mins(11));
    let page = get_absolute(&browser, &answer).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("tok for lang tid"), "{}", page.body);
    assert_eq!(browser.get("/timeavtaler").await.status, 303, "no session");

    let browser = fresh_browser(&portal);
    let page = log_in(&browser, "/innlogging/pasient", "kari").await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(browser.get("/timeavtaler").await.status, 200);
    clock.advance(jiff::SignedDuration::from_mins(31));
    let page = browser.get("/timeavtaler").await;
    assert_eq!(
        page.status, 303,
        "idle for 31 minutes: the session has ended"
    );
    assert_eq!(page.location.as_deref(), Some("/logg-inn"));
}

#[tokio::test]
async fn a_provider_that_cannot_be_reached_gets_a_clear_page() {
    // A port where nothing listens.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let nowhere = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let oidc = serde_json::from_value(serde_json::json!({
        "patient": provider_settings(&nowhere, "patient", serde_json::json!({})),
    }))
    .expect("settings");
    let portal = portal_with(Options {
        oidc,
        ..Options::default()
    })
    .await;
    let browser = fresh_browser(&portal);
    let page = browser.get("/innlogging/pasient").await;
    assert_eq!(page.status, 502);
    assert!(page.body.contains("får ikke kontakt"), "{}", page.body);
    assert_eq!(browser.get("/innlogging/personale").await.status, 404);
}

#[tokio::test]
async fn the_providers_claims_say_whom_a_patient_may_act_for() {
    let Some((portal, _provider)) = portal_and_provider(None).await else {
        return;
    };
    let browser = fresh_browser(&portal);
    let answer = to_the_answer(&browser, "/innlogging/pasient", "hjelper").await;
    let landed = get_absolute(&browser, &answer).await;
    assert_eq!(
        landed.location.as_deref(),
        Some("/bytt-person"),
        "{}",
        landed.body
    );
    let choose = browser.get("/bytt-person").await;
    assert!(choose.body.contains("Fullmakt"), "{}", choose.body);
    assert!(choose.body.contains(common::person(1).as_str()));
    // Only the well-formed claim counts; the others are passed over.
    assert_eq!(
        portal
            .number("SELECT COUNT(*) FROM representation WHERE source = 'idp'")
            .await,
        1
    );
    assert_eq!(
        audited(&portal, AuditAction::RelationsClaimed).await.len(),
        1
    );
}

/// A portal whose staff log in as HelseID's clients do: `timebok-staff-jwt`, no secret, a
/// client assertion signed with `key`. The provider reads the client's public keys from
/// `staff_keys`, or else from Timebok's JWKS.
async fn portal_with_a_client_key(
    key: &common::keys::EcKey,
    staff_keys: Option<Vec<serde_json::Value>>,
) -> Option<(Portal, Provider)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let people = serde_json::json!({
        "ole": { "acr": "idporten-loa-high", "claims": { "name": "Ole Lege", "clinic": "1001", "roles": ["timebok"] } },
    });
    let options = match staff_keys {
        Some(keys) => serde_json::json!({ "staffKeys": keys }),
        None => serde_json::json!({}),
    };
    let provider = common::provider::start_with(&base, &people, &options)?;
    let oidc = serde_json::from_value(serde_json::json!({
        "staff": {
            "discovery_url": provider.issuer,
            "client_id": "timebok-staff-jwt",
            "private_key_jwk": key.private_jwk(),
            "key_id": "timebok-1",
            "scopes": ["openid", "profile"],
            "clinic_claim": "clinic", "role_claim": "roles", "role_value": "timebok",
        },
    }))
    .expect("settings");
    let portal = portal_with(Options {
        oidc,
        listener: Some(listener),
        ..Options::default()
    })
    .await;
    Some((portal, provider))
}

#[tokio::test]
async fn staff_log_in_with_a_client_assertion_whose_key_timebok_publishes() {
    let key = common::keys::EcKey::new();
    let Some((portal, _provider)) = portal_with_a_client_key(&key, None).await else {
        return;
    };
    let browser = fresh_browser(&portal);
    let jwks = browser.get("/.well-known/jwks.json").await;
    assert_eq!(jwks.status, 200);
    let published: serde_json::Value = serde_json::from_str(&jwks.body).expect("JSON");
    let mut expected = key.public_jwk(Some("timebok-1"));
    expected["alg"] = "ES256".into();
    expected["use"] = "sig".into();
    assert_eq!(published, serde_json::json!({ "keys": [expected] }));
    assert!(!jwks.body.contains("\"d\""), "no private part");

    // The provider fetches that JWKS to check the assertion.
    let page = log_in(&browser, "/innlogging/personale", "ole").await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/klinikk"));
    assert_eq!(browser.get("/klinikk").await.status, 200);
}

#[tokio::test]
async fn a_client_assertion_signed_with_another_key_logs_nobody_in() {
    let key = common::keys::EcKey::new();
    let registered = common::keys::EcKey::new();
    // The key registered at the provider: Timebok's own, then another under the same kid.
    for (public, works) in [
        (key.public_jwk(Some("timebok-1")), true),
        (registered.public_jwk(Some("timebok-1")), false),
    ] {
        let Some((portal, _provider)) = portal_with_a_client_key(&key, Some(vec![public])).await
        else {
            return;
        };
        let browser = fresh_browser(&portal);
        let page = log_in(&browser, "/innlogging/personale", "ole").await;
        if works {
            assert_eq!(page.status, 303, "{}", page.body);
            assert_eq!(browser.get("/klinikk").await.status, 200);
        } else {
            assert_eq!(page.status, 502, "{}", page.body);
            assert!(page.body.contains("får ikke kontakt"), "{}", page.body);
            assert_ne!(browser.get("/klinikk").await.status, 200);
            assert_eq!(
                audited(&portal, AuditAction::LoginRefused).await,
                ["staff:provider"]
            );
        }
    }
}

#[tokio::test]
async fn without_a_client_key_timebok_publishes_no_keys() {
    let Some((portal, _provider)) = portal_and_provider(None).await else {
        return;
    };
    assert_eq!(
        fresh_browser(&portal)
            .get("/.well-known/jwks.json")
            .await
            .status,
        404
    );
}
