//! Timebok's data as FHIR R4 resources (JSON): Schedule for a timebook's resource, Slot for a
//! free slot, and the searchset Bundle around them. Times carry the Europe/Oslo offset.

use super::input::identifier_system;
use domain::{AppointmentStatus, Clinic, Location, NationalId, Resource, Timebook, TimebookKind};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use serde_json::{Value, json};
use store::{AppointmentRecord, CatalogueEntry, FeedSlot, FreeSlot, Hold};

/// The code system of the timebook kinds in `serviceType`.
pub const SERVICE_TYPE_SYSTEM: &str = "urn:timebok:timebook-kind";
const HL7_SERVICE_TYPE: &str = "http://terminology.hl7.org/CodeSystem/service-type";
const SMART_SERVICE_TYPE: &str = "http://fhir-registry.smarthealthit.org/CodeSystem/service-type";
/// The first and the last free slot of a Schedule.
const FIRST_FREE: &str = "urn:timebok:fhir:first-free-slot";
const LAST_FREE: &str = "urn:timebok:fhir:last-free-slot";
/// SMART Scheduling Links' extensions.
const DEEP_LINK: &str =
    "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link";
const CAPACITY: &str = "http://fhir-registry.smarthealthit.org/StructureDefinition/slot-capacity";
/// Until when the patient may cancel online, and until when a hold lasts.
const CANCEL_UNTIL: &str = "urn:timebok:fhir:cancel-until";
const HELD_UNTIL: &str = "urn:timebok:fhir:held-until";
/// The HER-id register's identifier system (the OID of HER-id).
pub const HER_ID_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.2";

/// HL7 Norway's base profiles (no-basis, hl7.fhir.no.basis) that Timebok's resources conform
/// to, by resource type: declared in each resource's `meta.profile` and in the
/// CapabilityStatement's `supportedProfile`. Only Location has one: no-basis has no Schedule or
/// Slot profile, and its Appointment profile is a draft outside the released package.
pub const PROFILES: &[(&str, &str)] = &[(
    "Location",
    "http://hl7.no/fhir/StructureDefinition/no-basis-Location",
)];

/// The no-basis profile of a resource type, if it has one.
pub fn profile(resource_type: &str) -> Option<&'static str> {
    PROFILES
        .iter()
        .find(|(kind, _)| *kind == resource_type)
        .map(|(_, url)| *url)
}

/// `2025-12-17T08:15:00+01:00`.
pub fn instant(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned_datetime(zone.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// A code from a code system.
#[derive(Serialize)]
struct Coding<'a> {
    system: &'static str,
    code: &'a str,
    display: &'a str,
}

/// `serviceType`: what kind of timebook, as Timebok names it and as slot finders filter on it.
#[derive(Serialize)]
pub struct ServiceType<'a> {
    coding: Vec<Coding<'a>>,
    text: &'a str,
}

pub fn service_type(kind: TimebookKind, display: &str) -> [ServiceType<'_>; 1] {
    let mut coding = vec![Coding {
        system: SERVICE_TYPE_SYSTEM,
        code: kind.code(),
        display,
    }];
    // The codes slot finders filter on (SMART Scheduling Links' examples).
    if matches!(kind, TimebookKind::Vaksine | TimebookKind::Koronavaksine) {
        coding.push(Coding {
            system: HL7_SERVICE_TYPE,
            code: "57",
            display: "Immunization",
        });
    }
    if kind == TimebookKind::Koronavaksine {
        coding.push(Coding {
            system: SMART_SERVICE_TYPE,
            code: "covid19-immunization",
            display: "COVID-19 Immunization Appointment",
        });
    }
    [ServiceType {
        coding,
        text: display,
    }]
}

/// One timebook resource with what a client needs to pick it.
pub struct ScheduleView<'a> {
    pub clinic: &'a Clinic,
    pub timebook: &'a Timebook,
    pub resource: &'a Resource,
    pub kind_label: String,
    /// The booking window now; left out of the slot finders' file, which must not change
    /// just because time passes.
    pub horizon: Option<(Timestamp, Timestamp)>,
    /// The first and the last free slot, where known.
    pub free: Option<(Timestamp, Timestamp)>,
}

impl<'a> ScheduleView<'a> {
    /// The schedule as a search shows it: with the booking window as the store read it and
    /// its first and last free slot.
    pub fn new(
        entry: &'a CatalogueEntry,
        t: crate::texts::T,
        free: Option<(Timestamp, Timestamp)>,
    ) -> Self {
        Self {
            horizon: Some(entry.window),
            free,
            ..Self::lasting(entry, t)
        }
    }

    /// The schedule as the slot finders' file has it: what it is and where, nothing that
    /// moves with the clock.
    pub fn lasting(entry: &'a CatalogueEntry, t: crate::texts::T) -> Self {
        Self {
            clinic: &entry.clinic,
            timebook: &entry.timebook,
            resource: &entry.resource,
            kind_label: t.get(entry.timebook.kind.service_label_message()),
            horizon: None,
            free: None,
        }
    }
}

/// The resource's name, and its description where it has one: a description may be empty.
fn comment(resource: &Resource) -> String {
    match resource.description.as_str() {
        "" => resource.name.as_str().to_owned(),
        description => format!("{}: {description}", resource.name.as_str()),
    }
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
        "actor": schedule_actors(view.resource),
        "comment": comment(view.resource),
    });
    if let Some(object) = schedule.as_object_mut() {
        if let Some((start, end)) = view.horizon {
            object.insert(
                "planningHorizon".into(),
                json!({ "start": instant(start, zone), "end": instant(end, zone) }),
            );
        }
        if !extension.is_empty() {
            object.insert("extension".into(), Value::Array(extension));
        }
    }
    schedule
}

/// Who and where a Schedule is for: its place's oppmøtested, and, for a GP's place in
/// «Konsultasjon med fastlegen», the GP and their role at the clinic (one role per GP and
/// clinic, so it shares the practitioner's id).
fn schedule_actors(resource: &Resource) -> Value {
    let mut actors = vec![location_reference(&resource.location)];
    if let Some(practitioner) = resource.practitioner {
        actors.push(json!({ "reference": format!("Practitioner/{}", practitioner.0) }));
        actors.push(json!({ "reference": format!("PractitionerRole/{}", practitioner.0) }));
    }
    Value::Array(actors)
}

/// The Norwegian HPR number's identifier system (Helsepersonellregisteret).
pub const HPR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.4";

/// A GP of a clinic, identified by their HPR number.
pub fn practitioner(practitioner: &domain::Practitioner) -> Value {
    json!({
        "resourceType": "Practitioner",
        "id": practitioner.id.0.to_string(),
        "identifier": [{ "system": HPR_SYSTEM, "value": practitioner.hpr_number.to_string() }],
        "active": true,
        "name": [{
            "family": practitioner.last_name.as_str(),
            "given": [practitioner.first_name.as_str()],
        }],
    })
}

/// A GP's role as fastlege at their clinic, with the places where patients meet them.
pub fn practitioner_role(
    practitioner: &domain::Practitioner,
    clinic: &Clinic,
    places: &[&Location],
    label: &str,
) -> Value {
    json!({
        "resourceType": "PractitionerRole",
        "id": practitioner.id.0.to_string(),
        "active": true,
        "practitioner": { "reference": format!("Practitioner/{}", practitioner.id.0) },
        "organization": {
            "identifier": { "system": HER_ID_SYSTEM, "value": clinic.her_id.to_string() },
            "display": clinic.name.as_str(),
        },
        "code": [{ "text": label }],
        "location": places.iter().map(|l| location_reference(l)).collect::<Vec<_>>(),
    })
}

pub fn location_reference(location: &Location) -> Value {
    json!({ "reference": format!("Location/{}", location.id.0), "display": location.address.as_str() })
}

/// A slot as a client sees it: from a Slot search (always free) or the slot finders' feed
/// (free or busy).
pub struct SlotView<'a> {
    pub id: domain::SlotId,
    pub resource_id: domain::ResourceId,
    pub start: Timestamp,
    pub end: Timestamp,
    pub places_left: u16,
    pub free: bool,
    pub timebook: &'a Timebook,
    pub kind_label: &'a str,
}

impl<'a> SlotView<'a> {
    pub fn free(slot: &FreeSlot, timebook: &'a Timebook, kind_label: &'a str) -> Self {
        Self::fed(&FeedSlot::from(slot), timebook, kind_label)
    }

    pub fn fed(slot: &FeedSlot, timebook: &'a Timebook, kind_label: &'a str) -> Self {
        Self {
            id: slot.id,
            resource_id: slot.resource_id,
            start: slot.start,
            end: slot.end(),
            places_left: slot.places_left,
            free: slot.free,
            timebook,
            kind_label,
        }
    }
}

/// A Slot resource. Written as a type rather than a `Value` map: a search or the slot finders'
/// file writes hundreds of them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlotResource<'a> {
    resource_type: &'static str,
    id: String,
    extension: Vec<SlotExtension>,
    service_type: [ServiceType<'a>; 1],
    schedule: Reference,
    status: &'static str,
    start: String,
    end: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SlotExtension {
    url: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_integer: Option<u16>,
}

#[derive(Serialize)]
struct Reference {
    reference: String,
}

/// A resource that can stand in a Bundle: its type and id make its full URL.
pub trait Named {
    fn type_and_id(&self) -> (&str, &str);
}

impl Named for Value {
    fn type_and_id(&self) -> (&str, &str) {
        (
            self["resourceType"].as_str().unwrap_or_default(),
            self["id"].as_str().unwrap_or_default(),
        )
    }
}

impl Named for SlotResource<'_> {
    fn type_and_id(&self) -> (&str, &str) {
        (self.resource_type, &self.id)
    }
}

/// A slot. `portal` is where patients book: the deep link goes to «Velg time» on the slot's
/// day at its place, which marks the slot (`tid`, kept through a login) and scrolls to it.
pub fn slot<'a>(view: &SlotView<'a>, portal: &str, zone: &TimeZone) -> SlotResource<'a> {
    let day = view.start.to_zoned_datetime(zone.clone()).date();
    let deep_link = format!(
        "{portal}{}&tid={id}#tid-{id}",
        crate::portal::calendar_href(view.timebook.id, view.resource_id, day, None),
        id = view.id.0,
    );
    let mut extension = vec![SlotExtension {
        url: DEEP_LINK,
        value_url: Some(deep_link),
        value_integer: None,
    }];
    if view.free {
        extension.push(SlotExtension {
            url: CAPACITY,
            value_url: None,
            value_integer: Some(view.places_left),
        });
    }
    SlotResource {
        resource_type: "Slot",
        id: view.id.0.to_string(),
        extension,
        service_type: service_type(view.timebook.kind, view.kind_label),
        schedule: Reference {
            reference: format!("Schedule/{}", view.resource_id.0),
        },
        status: if view.free { "free" } else { "busy" },
        start: instant(view.start, zone),
        end: instant(view.end, zone),
    }
}

/// The R4 code system of why an appointment was cancelled.
const CANCEL_REASON_SYSTEM: &str =
    "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason";

/// FHIR's status of an appointment, and for a cancelled one who cancelled (`pat` or `prov`).
fn fhir_status(status: AppointmentStatus) -> (&'static str, Option<&'static str>) {
    match status {
        AppointmentStatus::Booked => ("booked", None),
        AppointmentStatus::CancelledByPatient => ("cancelled", Some("pat")),
        AppointmentStatus::CancelledByClinic => ("cancelled", Some("prov")),
        AppointmentStatus::Fulfilled => ("fulfilled", None),
        AppointmentStatus::NoShow => ("noshow", None),
    }
}

/// The patient as a participant: by personal number, never by name.
fn patient_participant(patient: &NationalId) -> Value {
    json!({
        "actor": {
            "type": "Patient",
            "identifier": { "system": identifier_system(patient), "value": patient.as_str() },
        },
        "required": "required",
        "status": "accepted",
    })
}

/// The oppmøtested as a participant.
fn location_participant(location: &Location) -> Value {
    json!({ "actor": location_reference(location), "required": "required", "status": "accepted" })
}

/// An appointment, with its version in `meta`.
pub fn appointment(record: &AppointmentRecord, kind_label: &str, zone: &TimeZone) -> Value {
    let (status, cancelled_by) = fhir_status(record.status);
    let mut appointment = json!({
        "resourceType": "Appointment",
        "id": record.id.0.to_string(),
        "meta": {
            "versionId": record.version.to_string(),
            "lastUpdated": instant(record.changed_at, zone),
        },
        "status": status,
        "serviceType": service_type(record.kind, kind_label),
        "description": record.reason.as_str(),
        "start": instant(record.start, zone),
        "end": instant(record.end(), zone),
        "minutesDuration": record.length.as_minutes(),
        "slot": [{ "reference": format!("Slot/{}", record.slot_id.0) }],
        "created": instant(record.booked_at, zone),
        "participant": [patient_participant(&record.patient), location_participant(&record.location)],
        "extension": [{ "url": CANCEL_UNTIL, "valueDateTime": instant(record.cancel_until, zone) }],
    });
    if let (Some(code), Some(object)) = (cancelled_by, appointment.as_object_mut()) {
        let mut reason = json!({ "coding": [{ "system": CANCEL_REASON_SYSTEM, "code": code }] });
        if let (Some(text), Some(reason)) = (&record.cancel_reason, reason.as_object_mut()) {
            reason.insert("text".into(), json!(text.as_str()));
        }
        object.insert("cancelationReason".into(), reason);
    }
    appointment
}

/// A held slot as a pending appointment (IHE's `$hold`): `hold-<n>` is what `$book` takes.
pub fn held_appointment(
    hold: &Hold,
    patient: &NationalId,
    slot: &domain::Slot,
    location: &Location,
    zone: &TimeZone,
) -> Value {
    json!({
        "resourceType": "Appointment",
        "id": format!("hold-{}", hold.id.0),
        "status": "pending",
        "start": instant(slot.start, zone),
        "end": instant(slot.end(), zone),
        "minutesDuration": slot.length.as_minutes(),
        "slot": [{ "reference": format!("Slot/{}", slot.id.0) }],
        "participant": [patient_participant(patient), location_participant(location)],
        "extension": [{ "url": HELD_UNTIL, "valueDateTime": instant(hold.expires_at, zone) }],
    })
}

/// An oppmøtested, managed by its clinic. A Norwegian address written «street, 1325 Place»
/// is split into its line, postal code and place; the municipality and county the register
/// keeps for the clinic are its `district` and `state`.
pub fn location(location: &Location, clinic: &Clinic) -> Value {
    let text = location.address.as_str();
    let mut address = json!({ "text": text, "line": [text], "country": "NO" });
    if let (Some((line, rest)), Some(object)) = (text.rsplit_once(", "), address.as_object_mut())
        && let Some((postal_code, city)) = rest.split_once(' ')
        && postal_code.len() == 4
        && postal_code.bytes().all(|b| b.is_ascii_digit())
        && !city.trim().is_empty()
    {
        object.insert("line".into(), json!([line]));
        object.insert("postalCode".into(), json!(postal_code));
        object.insert("city".into(), json!(city.trim()));
    }
    if let (Some(municipality), Some(object)) = (&clinic.municipality, address.as_object_mut()) {
        object.insert("district".into(), json!(municipality.name()));
        object.insert("state".into(), json!(municipality.county()));
    }
    let mut resource = json!({
        "resourceType": "Location",
        "id": location.id.0.to_string(),
        "meta": { "profile": [profile("Location")] },
        "status": "active",
        "name": clinic.name.as_str(),
        "address": address,
        "managingOrganization": {
            "identifier": { "system": HER_ID_SYSTEM, "value": clinic.her_id.to_string() },
            "display": clinic.name.as_str(),
        },
    });
    if let (Some(phone), Some(object)) = (&clinic.phone, resource.as_object_mut()) {
        object.insert(
            "telecom".into(),
            json!([{ "system": "phone", "value": phone.international() }]),
        );
    }
    resource
}

/// A searchset Bundle: the matches, then what was included with them. R4's JSON has no empty
/// arrays: `link` and `entry` are left out when there are none.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Searchset<'a, M> {
    resource_type: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    /// The number of matches, given only where the answer holds all of them (no paging).
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    link: Vec<Link<'a>>,
    #[serde(skip_serializing_if = "Entries::is_empty")]
    entry: Entries<M>,
}

impl<M> Searchset<'_, M> {
    /// The Bundle of a search answered whole, on one page: `total` is its number of matches.
    #[must_use]
    pub fn complete(mut self) -> Self {
        self.total = Some(self.entry.matches.len());
        self
    }
}

#[derive(Serialize)]
struct Link<'a> {
    relation: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<R> {
    full_url: String,
    resource: R,
    search: Mode,
}

#[derive(Serialize)]
struct Mode {
    mode: &'static str,
}

/// The matches and the included resources as one `entry` list.
struct Entries<M> {
    matches: Vec<Entry<M>>,
    included: Vec<Entry<Value>>,
}

impl<M> Entries<M> {
    fn is_empty(&self) -> bool {
        self.matches.is_empty() && self.included.is_empty()
    }
}

impl<M: Serialize> Serialize for Entries<M> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.matches.len() + self.included.len()))?;
        for entry in &self.matches {
            seq.serialize_element(entry)?;
        }
        for entry in &self.included {
            seq.serialize_element(entry)?;
        }
        seq.end()
    }
}

pub fn searchset<'a, M: Named>(
    base: &str,
    links: &'a [(&str, String)],
    matches: Vec<M>,
    included: Vec<Value>,
) -> Searchset<'a, M> {
    fn entry<R: Named>(base: &str, resource: R, mode: &'static str) -> Entry<R> {
        let (kind, id) = resource.type_and_id();
        Entry {
            full_url: format!("{base}/{kind}/{id}"),
            resource,
            search: Mode { mode },
        }
    }
    Searchset {
        resource_type: "Bundle",
        kind: "searchset",
        total: None,
        link: links
            .iter()
            .map(|(relation, url)| Link { relation, url })
            .collect(),
        entry: Entries {
            matches: matches
                .into_iter()
                .map(|r| entry(base, r, "match"))
                .collect(),
            included: included
                .into_iter()
                .map(|r| entry(base, r, "include"))
                .collect(),
        },
    }
}
