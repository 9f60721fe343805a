//! The CapabilityStatement, made from [`SUPPORTED`]: the one table of what the API does. A
//! test checks it against the routes actually served, so the two cannot drift apart.

use super::fhir_json;
use axum::response::Response;
use serde_json::{Value, json};

/// One resource type and what the API supports of it.
pub struct Supported {
    pub resource: &'static str,
    /// FHIR interaction codes, such as `search-type`.
    pub interactions: &'static [&'static str],
    /// Search parameters: name, type, what it does.
    pub search: &'static [(&'static str, &'static str, &'static str)],
    /// `_include` values.
    pub includes: &'static [&'static str],
    /// The route that serves it, as the router has it.
    pub path: &'static str,
}

pub const SUPPORTED: &[Supported] = &[
    Supported {
        resource: "Schedule",
        interactions: &["search-type"],
        search: &[
            ("actor", "reference", "Location/{id}: the place"),
            (
                "service-type",
                "token",
                "the timebook kind: koronatest, koronavaksine, lab, vaksine",
            ),
        ],
        includes: &[],
        path: "/fhir/Schedule",
    },
    Supported {
        resource: "Slot",
        interactions: &["search-type"],
        search: &[
            ("schedule", "reference", "Schedule/{id}; required"),
            ("status", "token", "free only"),
            (
                "start",
                "date",
                "ge, gt, lt, le or a day; at most 31 days in all",
            ),
            ("_count", "number", "1 to 500, 100 unless given"),
        ],
        includes: &["Slot:schedule"],
        path: "/fhir/Slot",
    },
];

pub fn statement() -> Value {
    let resources: Vec<Value> = SUPPORTED
        .iter()
        .map(|s| {
            json!({
                "type": s.resource,
                "interaction": s.interactions.iter().map(|code| json!({ "code": code })).collect::<Vec<_>>(),
                "searchInclude": s.includes,
                "searchParam": s.search.iter().map(|(name, kind, doc)| json!({
                    "name": name, "type": kind, "documentation": doc,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-26",
        "kind": "instance",
        "software": { "name": "Timebok", "version": env!("CARGO_PKG_VERSION") },
        "implementation": { "description": "Timebok's FHIR R4 scheduling API" },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [{
            "mode": "server",
            "security": {
                "service": [{ "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                    "code": "OAuth",
                }] }],
                "description": "Bearer tokens with SMART v2 system scopes: system/Slot.rs reads Schedules and Slots",
            },
            "resource": resources,
        }],
    })
}

pub async fn metadata() -> Response {
    fhir_json(&statement())
}
