//! Timebok's data as FHIR R4 resources (JSON): Schedule for a timebook's resource, Slot for a
//! free slot, and the searchset Bundle around them. Times carry the Europe/Oslo offset.

use domain::{Clinic, Location, Resource, Timebook, TimebookKind};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};
use store::FreeSlot;

/// The code system of the timebook kinds in `serviceType`.
pub const SERVICE_TYPE_SYSTEM: &str = "urn:timebok:timebook-kind";
/// The first and the last free slot of a Schedule.
const FIRST_FREE: &str = "urn:timebok:fhir:first-free-slot";
const LAST_FREE: &str = "urn:timebok:fhir:last-free-slot";
/// SMART Scheduling Links' extensions.
const DEEP_LINK: &str =
    "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link";
const CAPACITY: &str = "http://fhir-registry.smarthealthit.org/StructureDefinition/slot-capacity";
/// The HER-id register's identifier system (the OID of HER-id).
pub const HER_ID_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.2";

/// `2025-12-17T08:15:00+01:00`.
pub fn instant(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned_datetime(zone.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

pub fn service_type(kind: TimebookKind, display: &str) -> Value {
    json!([{ "coding": [{ "system": SERVICE_TYPE_SYSTEM, "code": kind.code(), "display": display }], "text": display }])
}

/// One timebook resource with what a client needs to pick it.
pub struct ScheduleView<'a> {
    pub clinic: &'a Clinic,
    pub timebook: &'a Timebook,
    pub resource: &'a Resource,
    pub kind_label: String,
    /// The booking window now.
    pub horizon: (Timestamp, Timestamp),
    pub free: Option<(Timestamp, Timestamp)>,
}

pub fn schedule(view: &ScheduleView<'_>, zone: &TimeZone) -> Value {
    let mut extension = Vec::new();
    if let Some((first, last)) = view.free {
        extension.push(json!({ "url": FIRST_FREE, "valueDateTime": instant(first, zone) }));
        extension.push(json!({ "url": LAST_FREE, "valueDateTime": instant(last, zone) }));
    }
    let mut schedule = json!({
        "resourceType": "Schedule",
        "id": view.resource.id.0.to_string(),
        "identifier": [{ "system": HER_ID_SYSTEM, "value": view.clinic.her_id.to_string() }],
        "active": true,
        "serviceType": service_type(view.timebook.kind, &view.kind_label),
        "actor": [location_reference(&view.resource.location)],
        "comment": format!("{}: {}", view.resource.name.as_str(), view.resource.description.as_str()),
        "planningHorizon": {
            "start": instant(view.horizon.0, zone),
            "end": instant(view.horizon.1, zone),
        },
    });
    if let (false, Some(object)) = (extension.is_empty(), schedule.as_object_mut()) {
        object.insert("extension".into(), Value::Array(extension));
    }
    schedule
}

pub fn location_reference(location: &Location) -> Value {
    json!({ "reference": format!("Location/{}", location.id.0), "display": location.address.as_str() })
}

/// A free slot. `portal` is where patients book, for the deep link into «Velg time».
pub fn slot(
    free: &FreeSlot,
    timebook: &Timebook,
    kind_label: &str,
    portal: &str,
    zone: &TimeZone,
) -> Value {
    let day = free.start.to_zoned_datetime(zone.clone()).date();
    let deep_link = format!(
        "{portal}/bestill/{}?sted={}&maned={}&dag={day}",
        timebook.id.0,
        free.resource_id.0,
        day.strftime("%Y-%m"),
    );
    json!({
        "resourceType": "Slot",
        "id": free.id.0.to_string(),
        "extension": [
            { "url": DEEP_LINK, "valueUrl": deep_link },
            { "url": CAPACITY, "valueInteger": free.places_left },
        ],
        "serviceType": service_type(timebook.kind, kind_label),
        "schedule": { "reference": format!("Schedule/{}", free.resource_id.0) },
        "status": "free",
        "start": instant(free.start, zone),
        "end": instant(free.end(), zone),
    })
}

/// A searchset Bundle: the matches, then what `_include` added.
pub fn searchset(
    base: &str,
    links: &[(&str, String)],
    matches: Vec<Value>,
    included: Vec<Value>,
) -> Value {
    let entry = |resource: Value, mode: &str| {
        let full_url = format!(
            "{base}/{}/{}",
            resource["resourceType"].as_str().unwrap_or_default(),
            resource["id"].as_str().unwrap_or_default()
        );
        json!({ "fullUrl": full_url, "resource": resource, "search": { "mode": mode } })
    };
    let entries: Vec<Value> = matches
        .into_iter()
        .map(|r| entry(r, "match"))
        .chain(included.into_iter().map(|r| entry(r, "include")))
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "link": links.iter().map(|(relation, url)| json!({ "relation": relation, "url": url })).collect::<Vec<_>>(),
        "entry": entries,
    })
}
