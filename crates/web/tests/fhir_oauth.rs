//! FHIR clients with OAuth 2.0 client credentials: access tokens (JWTs) from a real
//! authorization server (`oidc-provider` on loopback, standing in for HelseID), their scopes
//! and the clinic they name, and every way a token is refused.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::fhir::*;
use common::keys::{EcKey, dpop_proof};
use common::provider::Provider;
use common::{Options, Portal, portal_with};
use domain::{Actor, AuditAction};
use serde_json::{Value, json};
use store::AuditFilter;

const RESOURCE: &str = "urn:timebok:fhir";

async fn setup(audience: &str) -> Option<(Portal, Provider)> {
    setup_on(audience, None).await
}

async fn setup_on(
    audience: &str,
    db: Option<store::testing::TestDb>,
) -> Option<(Portal, Provider)> {
    let provider = common::provider::start("http://127.0.0.1:9", &json!({}))?;
    let mut fhir = settings();
    fhir.oauth = Some(
        serde_json::from_value(json!({
            "issuer": provider.issuer,
            "audience": audience,
            "clinic_claim": "clinic",
            "all_clinics_clients": ["fhir-reader", "fhir-booker", "fhir-dpop"],
        }))
        .expect("oauth settings"),
    );
    let portal = portal_with(Options {
        fhir,
        db,
        ..Options::default()
    })
    .await;
    Some((portal, provider))
}

/// An access token for `client` with the client credentials grant.
async fn token_for(provider: &Provider, client: &str, scope: &str) -> String {
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/token", provider.issuer))
        .basic_auth(client, Some(format!("secret-{client}")))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", scope),
            ("resource", RESOURCE),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("JSON");
    answer["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access token: {answer}"))
        .to_owned()
}

fn schedules_clinics(answer: &Answer) -> Vec<String> {
    entries(&answer.body, "match")
        .iter()
        .map(|s| {
            s["identifier"][0]["value"]
                .as_str()
                .expect("her")
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn access_tokens_open_the_api_by_their_scopes_and_clinic() {
    let Some((portal, provider)) = setup(RESOURCE).await else {
        return;
    };
    let reader = token_for(&provider, "fhir-reader", "system/Slot.rs").await;
    let schedules = get(&portal, Some(&reader), "/fhir/Schedule").await;
    assert_eq!(schedules.status, 200, "{}", schedules.body);
    assert_eq!(schedules_clinics(&schedules).len(), 4, "every clinic");
    let refused = post(
        &portal,
        &reader,
        "/fhir/Appointment",
        &[],
        &appointment(portal.slots[0], &portal.kari, Some("Vaksine")),
    )
    .await;
    assert_outcome(&refused, 403, "forbidden", None);

    let booker = token_for(
        &provider,
        "fhir-booker",
        "system/Slot.rs system/Appointment.cruds",
    )
    .await;
    let booked = post(
        &portal,
        &booker,
        "/fhir/Appointment",
        &[],
        &appointment(portal.slots[0], &portal.kari, Some("Vaksine")),
    )
    .await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    let events = portal
        .store
        .audit_events(&AuditFilter {
            action: Some(AuditAction::AppointmentBooked),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(
        events[0].actor,
        Actor::Client {
            name: "fhir-booker".into()
        }
    );

    // A token naming a clinic sees that clinic only, and books there only.
    let clinic = token_for(
        &provider,
        "fhir-clinic",
        "system/Slot.rs system/Appointment.cruds",
    )
    .await;
    let own = get(&portal, Some(&clinic), "/fhir/Schedule").await;
    assert_eq!(schedules_clinics(&own), ["1002", "1002"]);
    let elsewhere = post(
        &portal,
        &clinic,
        "/fhir/Appointment",
        &[],
        &appointment(portal.slots[1], &portal.ola, Some("Vaksine")),
    )
    .await;
    assert_outcome(&elsewhere, 422, "invalid", Some("Appointment.slot"));

    // A clinic the register does not know, or no clinic where one is required: nothing.
    let stranger = token_for(&provider, "fhir-stranger", "system/Slot.rs").await;
    assert_outcome(
        &get(&portal, Some(&stranger), "/fhir/Schedule").await,
        403,
        "forbidden",
        None,
    );
    let unbound = token_for(&provider, "fhir-unbound", "system/Slot.rs").await;
    assert_outcome(
        &get(&portal, Some(&unbound), "/fhir/Schedule").await,
        403,
        "forbidden",
        None,
    );
}

#[tokio::test]
async fn forged_altered_or_foreign_tokens_are_refused() {
    let Some((portal, provider)) = setup(RESOURCE).await else {
        return;
    };
    let reader = token_for(&provider, "fhir-reader", "system/Slot.rs").await;
    let parts: Vec<&str> = reader.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("base64")).expect("json");
    claims["scope"] = json!("system/Slot.rs system/Appointment.cruds");
    let altered_claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let altered = format!("{}.{altered_claims}.{}", parts[0], parts[2]);
    let unsigned = format!(
        "{}.{altered_claims}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"at+jwt"}"#)
    );
    let hmac = format!(
        "{}.{altered_claims}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"at+jwt"}"#),
        parts[2]
    );
    for forged in [
        altered.as_str(),
        unsigned.as_str(),
        hmac.as_str(),
        "a.b.c",
        "not-a-token",
    ] {
        let answer = get(&portal, Some(forged), "/fhir/Schedule").await;
        assert_outcome(&answer, 401, "login", None);
        assert_eq!(
            answer.headers["www-authenticate"], "Bearer error=\"invalid_token\"",
            "{forged}"
        );
        // Under the DPoP scheme, the same token is refused in that scheme's challenge.
        let answer = get_with_proofs(&portal.base, forged, "/fhir/Schedule", &[]).await;
        assert_refused(&answer, "invalid_token", forged);
    }
    // Without a token, both schemes the API takes are offered.
    let none = get(&portal, None, "/fhir/Schedule").await;
    assert_outcome(&none, 401, "login", None);
    assert_eq!(
        none.headers["www-authenticate"],
        "Bearer, DPoP algs=\"ES256 RS256\""
    );
    assert_eq!(
        get(&portal, Some(&reader), "/fhir/Schedule").await.status,
        200,
        "the untouched token still works"
    );

    // The same server's token for another audience.
    let Some((other, provider)) = setup("urn:another:api").await else {
        return;
    };
    let theirs = token_for(&provider, "fhir-reader", "system/Slot.rs").await;
    assert_outcome(
        &get(&other, Some(&theirs), "/fhir/Schedule").await,
        401,
        "login",
        None,
    );
    // A token from another server.
    assert_outcome(
        &get(&portal, Some(&theirs), "/fhir/Schedule").await,
        401,
        "login",
        None,
    );
}

#[tokio::test]
async fn an_unreachable_authorization_server_is_unavailable_not_open() {
    let mut fhir = settings();
    fhir.oauth = Some(
        serde_json::from_value(json!({
            "issuer": "http://127.0.0.1:9",
            "audience": RESOURCE,
        }))
        .expect("oauth settings"),
    );
    let portal = portal_with(Options {
        fhir,
        ..Options::default()
    })
    .await;
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k"}"#);
    let claims = URL_SAFE_NO_PAD.encode(r#"{"iss":"http://127.0.0.1:9"}"#);
    let token = format!("{header}.{claims}.c2ln");
    let answer = get(&portal, Some(&token), "/fhir/Schedule").await;
    assert_outcome(&answer, 503, "transient", None);
    // Static tokens keep working.
    assert_eq!(
        get(&portal, Some(READER), "/fhir/Schedule").await.status,
        200
    );
}

fn jti() -> String {
    timebok_web::random_token().expect("randomness")
}

fn now() -> i64 {
    store::Clock::now(&store::SystemClock).as_second()
}

/// A DPoP-bound access token for `fhir-dpop`, bound to `key`: asked for with a proof of it.
async fn dpop_token(provider: &Provider, key: &EcKey) -> String {
    let token_url = format!("{}/token", provider.issuer);
    let answer: Value = reqwest::Client::new()
        .post(&token_url)
        .basic_auth("fhir-dpop", Some("secret-fhir-dpop"))
        .header(
            "dpop",
            dpop_proof(key, "POST", &token_url, now(), &jti(), None),
        )
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "system/Slot.rs"),
            ("resource", RESOURCE),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("JSON");
    assert_eq!(answer["token_type"], "DPoP", "{answer}");
    let token = answer["access_token"].as_str().expect("a token").to_owned();
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).expect("claims"))
            .expect("base64"),
    )
    .expect("JSON");
    assert_eq!(
        claims["cnf"]["jkt"],
        key.thumbprint().as_str(),
        "bound to the key"
    );
    token
}

/// GETs `path` from `base` with the token under the DPoP scheme and the given proofs.
async fn get_with_proofs(base: &str, token: &str, path: &str, proofs: &[&str]) -> Answer {
    let authorization = format!("DPoP {token}");
    let mut headers = vec![("authorization", authorization.as_str())];
    headers.extend(proofs.iter().map(|proof| ("dpop", *proof)));
    send(
        reqwest::Method::GET,
        &format!("{base}{path}"),
        None,
        &headers,
        None,
    )
    .await
}

fn assert_refused(answer: &Answer, error: &str, case: &str) {
    assert_eq!(answer.status, 401, "{case}: {}", answer.body);
    assert_outcome(answer, 401, "login", None);
    assert_eq!(
        answer.headers["www-authenticate"],
        format!("DPoP error=\"{error}\", algs=\"ES256 RS256\""),
        "{case}"
    );
}

#[tokio::test]
async fn a_dpop_bound_token_opens_the_api_only_with_a_proof_for_the_request() {
    let Some((portal, provider)) = setup(RESOURCE).await else {
        return;
    };
    let key = EcKey::new();
    let token = dpop_token(&provider, &key).await;
    let url = format!("{}/fhir/Schedule", portal.base);
    let proof = |method: &str, url: &str, iat: i64, token: &str| {
        dpop_proof(&key, method, url, iat, &jti(), Some(token))
    };

    let good = proof("GET", &url, now(), &token);
    let answer = get_with_proofs(&portal.base, &token, "/fhir/Schedule", &[&good]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    // The URL's query is not part of htu.
    let answer = get_with_proofs(
        &portal.base,
        &token,
        "/fhir/Schedule?service-type=vaksine",
        &[&proof("GET", &url, now(), &token)],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);

    let other_key = EcKey::new();
    let mut foreign = other_key.sign(
        &json!({ "typ": "dpop+jwt", "jwk": key.public_jwk(None) }),
        &json!({
            "htm": "GET", "htu": url, "iat": now(), "jti": jti(),
            "ath": common::keys::sha256_base64url(&token),
        }),
    );
    let another_token = dpop_token(&provider, &key).await;
    let fresh = proof("GET", &url, now(), &token);
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("no proof", vec![]),
        (
            "two proofs",
            vec![fresh.clone(), proof("GET", &url, now(), &token)],
        ),
        ("another method", vec![proof("POST", &url, now(), &token)]),
        (
            "another URL",
            vec![proof(
                "GET",
                &format!("{}/fhir/Slot", portal.base),
                now(),
                &token,
            )],
        ),
        (
            "another host",
            vec![proof(
                "GET",
                "https://evil.example/fhir/Schedule",
                now(),
                &token,
            )],
        ),
        ("an old iat", vec![proof("GET", &url, now() - 600, &token)]),
        (
            "a future iat",
            vec![proof("GET", &url, now() + 600, &token)],
        ),
        ("a replayed jti", vec![good.clone()]),
        (
            "another token's ath",
            vec![proof("GET", &url, now(), &another_token)],
        ),
        (
            "another key",
            vec![dpop_proof(
                &other_key,
                "GET",
                &url,
                now(),
                &jti(),
                Some(&token),
            )],
        ),
        ("a signature of another key", vec![foreign.clone()]),
        ("not a JWT", vec!["proof".into()]),
    ];
    for (case, proofs) in &cases {
        let proofs: Vec<&str> = proofs.iter().map(String::as_str).collect();
        let answer = get_with_proofs(&portal.base, &token, "/fhir/Schedule", &proofs).await;
        assert_refused(&answer, "invalid_dpop_proof", case);
    }
    foreign.push('x');
    let answer = get_with_proofs(&portal.base, &token, "/fhir/Schedule", &[&foreign]).await;
    assert_refused(&answer, "invalid_dpop_proof", "a broken signature");

    // A bound token is no bearer token, and an unbound one no DPoP token.
    let answer = get(&portal, Some(&token), "/fhir/Schedule").await;
    assert_refused(&answer, "invalid_token", "a bound token as a bearer token");
    let reader = token_for(&provider, "fhir-reader", "system/Slot.rs").await;
    let answer = get_with_proofs(
        &portal.base,
        &reader,
        "/fhir/Schedule",
        &[&proof("GET", &url, now(), &reader)],
    )
    .await;
    assert_refused(&answer, "invalid_token", "an unbound token under DPoP");
    assert_eq!(
        get(&portal, Some(&reader), "/fhir/Schedule").await.status,
        200,
        "bearer tokens keep working"
    );
}

#[tokio::test]
async fn a_proof_used_on_one_server_is_refused_by_another_on_the_same_database() {
    let Some(db) = store::testing::TestDb::postgres().await else {
        return;
    };
    let Some((portal, provider)) = setup_on(RESOURCE, Some(db)).await else {
        return;
    };
    let second = portal.second_server().await;
    let key = EcKey::new();
    let token = dpop_token(&provider, &key).await;
    // Both servers answer for the configured public URL: the first one's address.
    let url = format!("{}/fhir/Schedule", portal.base);
    let proof = dpop_proof(&key, "GET", &url, now(), &jti(), Some(&token));
    let first = get_with_proofs(&portal.base, &token, "/fhir/Schedule", &[&proof]).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let replayed = get_with_proofs(&second, &token, "/fhir/Schedule", &[&proof]).await;
    assert_refused(
        &replayed,
        "invalid_dpop_proof",
        "replayed to the second server",
    );
    let fresh = dpop_proof(&key, "GET", &url, now(), &jti(), Some(&token));
    let answer = get_with_proofs(&second, &token, "/fhir/Schedule", &[&fresh]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}
