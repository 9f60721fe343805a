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
use common::provider::Provider;
use common::{Options, Portal, portal_with};
use domain::{Actor, AuditAction};
use serde_json::{Value, json};
use store::AuditFilter;

const RESOURCE: &str = "urn:timebok:fhir";

async fn setup(audience: &str) -> Option<(Portal, Provider)> {
    let provider = common::provider::start("http://127.0.0.1:9", &json!({}))?;
    let mut fhir = settings();
    fhir.oauth = Some(
        serde_json::from_value(json!({
            "issuer": provider.issuer,
            "audience": audience,
            "clinic_claim": "clinic",
            "all_clinics_clients": ["fhir-reader", "fhir-booker"],
        }))
        .expect("oauth settings"),
    );
    let portal = portal_with(Options {
        fhir,
        ..Options::default()
    })
    .await;
    Some((portal, provider))
}

/// An access token for `client` with the client credentials grant.
async fn token(provider: &Provider, client: &str, scope: &str) -> String {
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
    let reader = token(&provider, "fhir-reader", "system/Slot.rs").await;
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

    let booker = token(
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
    let clinic = token(
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
    let stranger = token(&provider, "fhir-stranger", "system/Slot.rs").await;
    assert_outcome(
        &get(&portal, Some(&stranger), "/fhir/Schedule").await,
        403,
        "forbidden",
        None,
    );
    let unbound = token(&provider, "fhir-unbound", "system/Slot.rs").await;
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
    let reader = token(&provider, "fhir-reader", "system/Slot.rs").await;
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
    }
    assert_eq!(
        get(&portal, Some(&reader), "/fhir/Schedule").await.status,
        200,
        "the untouched token still works"
    );

    // The same server's token for another audience.
    let Some((other, provider)) = setup("urn:another:api").await else {
        return;
    };
    let theirs = token(&provider, "fhir-reader", "system/Slot.rs").await;
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
