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

/// `system/Slot.rs` and `system/Slot.cud`, bound to the first clinic (HER-id 1001).
pub const PUBLISHER: &str = "journal-token-0123456789abcdef0123456789";
/// `system/Slot.rs` and `system/Slot.cud`, bound to the second clinic.
pub const OTHER_PUBLISHER: &str = "other-journal-token-0123456789abcdef0123";
/// `system/Patient.cruds`, bound to the first clinic.
pub const LIST_KEEPER: &str = "list-keeper-token-0123456789abcdef012345";
/// `system/Patient.cruds` and `system/Slot.cud`, bound to no clinic.
pub const UNBOUND_LIST_KEEPER: &str = "unbound-list-token-0123456789abcdef01234";

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
            // The journal systems: publishing slots and keeping the patient list.
            {
                "name": "journal", "token": PUBLISHER,
                "scopes": ["system/Slot.rs", "system/Slot.cud"], "clinic_her_id": 1001,
            },
            {
                "name": "other-journal", "token": OTHER_PUBLISHER,
                "scopes": ["system/Slot.rs", "system/Slot.cud"], "clinic_her_id": 1002,
            },
            {
                "name": "list-keeper", "token": LIST_KEEPER,
                "scopes": ["system/Patient.cruds"], "clinic_her_id": 1001,
            },
            {
                "name": "unbound-list-keeper", "token": UNBOUND_LIST_KEEPER,
                "scopes": ["system/Patient.cruds", "system/Slot.cud"],
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

/// R4's JSON rules (`ele-1`): no empty array, empty object, empty string or null anywhere in
/// a resource. Every answer of every test is held to them, whether or not the validators run.
pub fn assert_strict(value: &Value, whole: &str) {
    assert!(is_strict(value), "an empty value in a FHIR answer: {whole}");
}

/// Whether `value` keeps R4's JSON rules: nothing empty, no null, anywhere.
pub fn is_strict(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Array(items) => !items.is_empty() && items.iter().all(is_strict),
        Value::Object(fields) => !fields.is_empty() && fields.values().all(is_strict),
        Value::String(text) => !text.trim().is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// Writes a FHIR answer that a test got some other way than through [`send`] with the
/// captured ones, for the validators.
pub fn capture_answer(text: &str, status: u16) {
    capture(text, status);
}

/// Writes a resource a test sends (such as README's example) with the captured answers, so
/// that the validators check it too.
pub fn capture_sent(text: &str) {
    capture(text, 0);
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
            assert_strict(&serde_json::from_str(line).expect("an NDJSON line"), line);
            capture(line, status);
        }
    } else if body.get("resourceType").is_some() {
        assert_strict(&body, &text);
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

/// An OperationOutcome with `status` and the issue `code`, naming where the fault is: `at`
/// is an element of the resource sent, as FHIRPath (`Appointment.slot`), which the issue names
/// in `expression`; or a query parameter or header (`start`, `Idempotency-Key`), which it
/// names in `location` as `http.<name>`, since R4 allows only FHIRPath in `expression`.
pub fn assert_outcome(answer: &Answer, status: u16, code: &str, at: Option<&str>) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.body["resourceType"], "OperationOutcome");
    let issue = &answer.body["issue"][0];
    assert_eq!(issue["code"], code, "{}", answer.body);
    assert!(issue["diagnostics"].as_str().is_some_and(|d| !d.is_empty()));
    let element =
        at.filter(|at| at.starts_with(|c: char| c.is_ascii_uppercase()) && !at.contains('-'));
    let parameter = at.filter(|_| element.is_none());
    match element {
        Some(expression) => assert_eq!(issue["expression"][0], expression, "{}", answer.body),
        None => assert!(issue.get("expression").is_none(), "{}", answer.body),
    }
    match parameter {
        Some(name) => assert_eq!(
            issue["location"][0],
            format!("http.{name}"),
            "{}",
            answer.body
        ),
        None => assert!(issue.get("location").is_none(), "{}", answer.body),
    }
}

/// Timebok's machine-readable code of an OperationOutcome.
pub fn error_code(answer: &Answer) -> &str {
    answer.body["issue"][0]["details"]["coding"][0]["code"]
        .as_str()
        .unwrap_or_default()
}

/// The resources of a Bundle's entries in one search mode; a Bundle without entries has no
/// `entry` at all.
pub fn entries<'a>(bundle: &'a Value, mode: &str) -> Vec<&'a Value> {
    let Some(entry) = bundle.get("entry") else {
        return Vec::new();
    };
    entry
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

/// A portal with the FHIR clients and the demo's logins, on SQLite or on the given database.
pub async fn portal_on(db: Option<store::testing::TestDb>) -> Portal {
    portal_with(Options {
        demo_login: true,
        fhir: settings(),
        db,
        ..Options::default()
    })
    .await
}

/// Each scenario, a function of a [`portal_on`], on SQLite and, when
/// `TIMEBOK_TEST_POSTGRES_URL` is set, on PostgreSQL.
#[allow(
    unused_macros,
    reason = "each test binary uses a part of the common harness"
)]
macro_rules! on_both_databases {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(crate::common::fhir::portal_on(None).await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let Some(db) = store::testing::TestDb::postgres().await else { return };
                    super::$case(crate::common::fhir::portal_on(Some(db)).await).await;
                }
            )*
        }
    };
}
#[allow(
    unused_imports,
    reason = "each test binary uses a part of the common harness"
)]
pub(crate) use on_both_databases;
