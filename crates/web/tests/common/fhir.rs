//! Talking to the FHIR API over real HTTP, as its clients do. Every FHIR resource answered is
//! also written to `TIMEBOK_FHIR_CAPTURE` (when set), where `scripts/validate_fhir.py` checks
//! it against the FHIR models of `fhir.resources`; NDJSON files line by line.

use super::{Options, Portal, portal_with};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};

/// `system/Slot.rs`.
pub const READER: &str = "reader-token-0123456789abcdef0123456789";
/// `system/Appointment.cruds`.
pub const BOOKER: &str = "booker-token-0123456789abcdef0123456789";
/// `system/Slot.rs`, bound to the second clinic (HER-id 1002).
pub const BOUND: &str = "bound-token-0123456789abcdef01234567890";
/// Both scopes, bound to the second clinic.
pub const BOUND_BOOKER: &str = "bound-booker-token-0123456789abcdef0123";

pub const FODSELSNUMMER: &str = "urn:oid:2.16.578.1.12.4.1.4.1";

static CAPTURED: AtomicUsize = AtomicUsize::new(0);

pub fn settings() -> timebok_web::fhir::FhirSettings {
    serde_json::from_value(json!({
        "clients": [
            { "name": "reader", "token": READER, "scopes": ["system/Slot.rs"] },
            { "name": "booker", "token": BOOKER, "scopes": ["system/Appointment.cruds"] },
            { "name": "bound", "token": BOUND, "scopes": ["system/Slot.rs"], "clinic_her_id": 1002 },
            {
                "name": "bound-booker", "token": BOUND_BOOKER,
                "scopes": ["system/Slot.rs", "system/Appointment.cruds"], "clinic_her_id": 1002,
            },
        ]
    }))
    .expect("settings")
}

pub async fn fhir_portal() -> Portal {
    portal_with(Options {
        fhir: settings(),
        ..Options::default()
    })
    .await
}

pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    /// The JSON answered, `Null` for an empty body; NDJSON files are in `text`.
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The lines of an NDJSON file.
    pub fn lines(&self) -> Vec<Value> {
        self.text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("JSON: {line}")))
            .collect()
    }
}

/// Keeps a FHIR resource for the validators, as if it had been answered with `status`.
pub fn capture(text: &str, status: u16) {
    let Ok(dir) = std::env::var("TIMEBOK_FHIR_CAPTURE") else {
        return;
    };
    let n = CAPTURED.fetch_add(1, Ordering::SeqCst);
    let name = format!("{}-{}-{n}.json", std::process::id(), status);
    std::fs::create_dir_all(&dir).expect("capture dir");
    std::fs::write(std::path::Path::new(&dir).join(name), text).expect("capture");
}

/// One request; `body` with its content type.
pub async fn send(
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<(&str, String)>,
) -> Answer {
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some((content_type, body)) = body {
        request = request.header("content-type", content_type).body(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let ndjson = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("ndjson"));
    let body = if ndjson || text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON: {text}"))
    };
    if ndjson {
        for line in text.lines() {
            capture(line, status);
        }
    } else if body.get("resourceType").is_some() {
        capture(&text, status);
    }
    Answer {
        status,
        headers,
        body,
        text,
    }
}

pub async fn get(portal: &Portal, token: Option<&str>, path: &str) -> Answer {
    get_url(token, &format!("{}{path}", portal.base)).await
}

pub async fn get_url(token: Option<&str>, url: &str) -> Answer {
    send(reqwest::Method::GET, url, token, &[], None).await
}

/// POSTs a FHIR resource as `application/fhir+json`.
pub async fn post(
    portal: &Portal,
    token: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> Answer {
    send(
        reqwest::Method::POST,
        &format!("{}{path}", portal.base),
        Some(token),
        headers,
        Some(("application/fhir+json", body.to_string())),
    )
    .await
}

/// An Appointment for `patient` in `slot`; `reason` in `description`.
pub fn appointment(slot: i64, patient: &domain::NationalId, reason: Option<&str>) -> Value {
    let mut appointment = json!({
        "resourceType": "Appointment",
        "status": "booked",
        "slot": [{ "reference": format!("Slot/{slot}") }],
        "participant": [{
            "actor": { "identifier": { "system": FODSELSNUMMER, "value": patient.as_str() } },
            "status": "accepted",
        }],
    });
    if let (Some(reason), Some(object)) = (reason, appointment.as_object_mut()) {
        object.insert("description".into(), json!(reason));
    }
    appointment
}

/// The Parameters of `$hold` and `$book`.
pub fn parameters(appointment: Value) -> Value {
    json!({
        "resourceType": "Parameters",
        "parameter": [{ "name": "appointment-resource", "resource": appointment }],
    })
}

pub fn assert_outcome(answer: &Answer, status: u16, code: &str, expression: Option<&str>) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.body["resourceType"], "OperationOutcome");
    assert_eq!(answer.body["issue"][0]["code"], code, "{}", answer.body);
    assert!(
        answer.body["issue"][0]["diagnostics"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    match expression {
        Some(expression) => assert_eq!(
            answer.body["issue"][0]["expression"][0], expression,
            "{}",
            answer.body
        ),
        None => assert!(answer.body["issue"][0].get("expression").is_none()),
    }
}

/// Timebok's machine-readable code of an OperationOutcome.
pub fn error_code(answer: &Answer) -> &str {
    answer.body["issue"][0]["details"]["coding"][0]["code"]
        .as_str()
        .unwrap_or_default()
}

pub fn entries<'a>(bundle: &'a Value, mode: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["search"]["mode"] == mode)
        .map(|e| &e["resource"])
        .collect()
}

pub fn link(bundle: &Value, relation: &str) -> Option<String> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == relation)
        .and_then(|l| l["url"].as_str())
        .map(str::to_owned)
}

/// `2025-12-17T08:15:00+01:00`: local time with the Oslo offset of that day.
pub fn is_oslo_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.len() == 25
        && text.parse::<jiff::Timestamp>().is_ok()
        && (text.ends_with("+01:00") || text.ends_with("+02:00"))
        && bytes[10] == b'T'
}
