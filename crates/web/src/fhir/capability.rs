//! The CapabilityStatement, made from [`SUPPORTED`] and [`SYSTEM_OPERATIONS`]: the one table of
//! what the API does. [`described_routes`] turns the same table into methods and paths, and a
//! test checks them against the routes actually served, so the two cannot drift apart.

use super::bulk;
use super::clients::Scope;
use super::fhir_json;
use super::subscriptions;
use axum::http::Method;
use axum::response::Response;
use serde_json::{Value, json};

/// An operation (`$name`) and the IHE or SMART definition it follows.
pub struct Operation {
    pub name: &'static str,
    pub method: Method,
    pub path: &'static str,
    pub definition: &'static str,
    pub documentation: &'static str,
}

/// One resource type and what the API supports of it.
pub struct Supported {
    pub resource: &'static str,
    /// FHIR interaction codes: `read`, `vread`, `search-type`, `create`, `update`, `patch`.
    pub interactions: &'static [&'static str],
    /// Search parameters: name, type, what it does.
    pub search: &'static [(&'static str, &'static str, &'static str)],
    /// `_include` values.
    pub includes: &'static [&'static str],
    pub operations: &'static [Operation],
    /// What the interactions need, beyond the token.
    pub scope: Scope,
    pub documentation: &'static str,
    /// Whether `update` and `delete` are conditional (by `identifier`, at the type's path)
    /// rather than by id.
    pub conditional: bool,
}

pub const SUPPORTED: &[Supported] = &[
    Supported {
        resource: "Schedule",
        interactions: &["search-type"],
        search: &[
            (
                "actor",
                "reference",
                "Location/{id}: the place; Practitioner/{id} or PractitionerRole/{id}: a GP's \
                 Schedule of «Konsultasjon med fastlegen»",
            ),
            (
                "service-type",
                "token",
                "the timebook kind: fastlege, koronatest, koronavaksine, lab, vaksine",
            ),
        ],
        includes: &[],
        operations: &[],
        scope: Scope::ReadSlots,
        documentation: "One Schedule per timebook resource, with the booking window now \
                        (planningHorizon) and the first and last free slot as extensions.",
        conditional: false,
    },
    Supported {
        resource: "Slot",
        interactions: &["search-type", "read", "create", "update", "delete"],
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
        operations: &[],
        scope: Scope::ReadSlots,
        documentation: "Search: free slots, published, inside the booking window, with a \
                        place that neither a booking nor a live hold has taken; paged by next \
                        links. read: any slot of the client's clinic, free, busy (full) or \
                        busy-unavailable (unpublished), with its capacity and booked places. \
                        create, update and delete need system/Slot.cud: a journal system \
                        publishes (free) or unpublishes (busy-unavailable) its slots, with \
                        schedule, start, end (whole minutes, at most 480) and the \
                        slot-capacity extension (1 to 500). The same slot created again \
                        answers the first (200); another at its start is 409. A slot that had \
                        an appointment keeps its time and cannot be deleted, and its capacity \
                        never goes below its bookings (409). No versions: the last update wins.",
        conditional: false,
    },
    Supported {
        resource: "Location",
        interactions: &["read"],
        search: &[],
        includes: &[],
        operations: &[],
        scope: Scope::ReadSlots,
        documentation: "An oppmøtested of a Schedule the client may see.",
        conditional: false,
    },
    Supported {
        resource: "Practitioner",
        interactions: &["read"],
        search: &[],
        includes: &[],
        operations: &[],
        scope: Scope::ReadSlots,
        documentation: "A GP (fastlege) whose Schedule of «Konsultasjon med fastlegen» the \
                        client may see, by HPR number. Only clients of the GP's own clinic see \
                        those Schedules: their slots are for the patients on the GP's list.",
        conditional: false,
    },
    Supported {
        resource: "PractitionerRole",
        interactions: &["read"],
        search: &[],
        includes: &[],
        operations: &[],
        scope: Scope::ReadSlots,
        documentation: "The GP as fastlege at their clinic (HER-id), with the Locations where \
                        patients meet them; its id is the Practitioner's.",
        conditional: false,
    },
    Supported {
        resource: "Appointment",
        interactions: &["create", "read", "vread", "search-type", "update", "patch"],
        search: &[
            (
                "patient.identifier",
                "token",
                "the patient's fødselsnummer or D-nummer, as system|value; required, except \
                 for the change feed of a client bound to one clinic",
            ),
            ("date", "date", "the start: ge, gt, lt, le or a day"),
            (
                "_lastUpdated",
                "date",
                "the change feed, without patient.identifier, for a client bound to one \
                 clinic: its appointments whose last change (booked, moved, cancelled, \
                 fulfilled, no-show) is in the range (ge, gt, lt, le or a day), by that change \
                 and then id, paged by next links",
            ),
            (
                "_count",
                "number",
                "the change feed's page: 1 to 500, 100 unless given",
            ),
            (
                "_sort",
                "string",
                "the change feed: _lastUpdated only, its order anyway",
            ),
        ],
        includes: &[],
        operations: &[
            Operation {
                name: "hold",
                method: Method::POST,
                path: "/fhir/Appointment/$hold",
                definition: "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/appointment-hold",
                documentation: "Parameters with appointment-resource: an Appointment with one \
                                slot and the patient's identifier. Holds the slot for the \
                                configured minutes; answers a Bundle with the pending \
                                Appointment hold-<n>.",
            },
            Operation {
                name: "book",
                method: Method::POST,
                path: "/fhir/Appointment/$book",
                definition: "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/appointment-book",
                documentation: "Parameters with appointment-resource: the pending Appointment \
                                from $hold (id hold-<n>) with description, or one without id \
                                to book directly. Answers a Bundle with the booked Appointment.",
            },
        ],
        scope: Scope::Book,
        documentation: "create books a slot for the patient named by identifier \
                        (urn:oid:2.16.578.1.12.4.1.4.1 or ...4.2), with the reason in \
                        description: 201 with Location; 409 when the slot is taken; 403 for a \
                        blocked patient; Idempotency-Key makes retries safe. update (PUT) and \
                        patch (JSON Patch) only cancel, with If-Match and a \
                        cancelationReason, before the timebook's deadline; the patient is \
                        notified. They check in this order: no If-Match, 428; the body's \
                        form (415, 400, 422); an appointment that does not exist or that the \
                        client may not see, 412 NOT_FOUND (no version can match, RFC 9110 \
                        13.1.1); a PUT that changes more than status and cancelationReason, \
                        422; another version than the current, 412 VERSION_CONFLICT; the \
                        booking rules, 422. Every read is audited. vread answers the current \
                        version, the one 201's Location names; only it is kept, another is 404 \
                        VERSION_NOT_KEPT.",
        conditional: false,
    },
    Supported {
        resource: "Patient",
        interactions: &["search-type", "update", "delete"],
        search: &[
            (
                "identifier",
                "token",
                "the patient's fødselsnummer or D-nummer, as system|value",
            ),
            ("_count", "number", "1 to 500, 100 unless given"),
        ],
        includes: &[],
        operations: &[],
        scope: Scope::PatientList,
        documentation: "The clinic's patient list (fastlegeliste), for a client bound to one \
                        clinic: each Patient has the clinic as generalPractitioner (HER-id) \
                        and, on one of its GPs' lists, that GP (Practitioner, HPR number); \
                        a GP sent puts the patient on that GP's list, one not sent leaves \
                        it as it was. Patients are named by identifier, never by id: update is a \
                        conditional PUT Patient?identifier=system|value (201 added, 200 \
                        updated), delete a conditional DELETE (204, also when not listed). \
                        Validated as the register's CSV import; many at once as a \
                        transaction Bundle, all or none. Every read is audited.",
        conditional: true,
    },
    Supported {
        resource: "Subscription",
        interactions: &["create", "read", "search-type", "delete"],
        search: &[],
        includes: &[],
        operations: &[Operation {
            name: "status",
            method: Method::GET,
            path: "/fhir/Subscription/{id}/$status",
            definition: "http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-status",
            documentation: "The Subscription's status as the backport's Parameters (type \
                            query-status), in a searchset Bundle.",
        }],
        scope: Scope::Subscribe,
        documentation: "Topic-based subscriptions after the R4 backport, for a client bound \
                        to one clinic: criteria is the topic urn:timebok:fhir:SubscriptionTopic:\
                        appointment (each appointment of the clinic booked, moved or \
                        cancelled), channel.type rest-hook to an https endpoint on a public \
                        address, payload application/fhir+json with the backport's \
                        payload-content id-only or full-resource, and at most one header, \
                        Authorization. Notifications are history Bundles, delivered at least \
                        once and in order per appointment, retried with backoff; after the \
                        last try the Subscription's status is error. search-type lists the \
                        client's own; delete stops them.",
        conditional: false,
    },
];

/// What a `transaction` Bundle posted to the base may hold.
pub const TRANSACTION_DOCUMENTATION: &str = "A transaction Bundle of Slot entries (POST Slot, \
    PUT Slot/{id}, DELETE Slot/{id}; system/Slot.cud) or of Patient entries (PUT or DELETE \
    Patient?identifier=…; system/Patient.cruds), at most 5000: all applied in one \
    transaction, or none, with an OperationOutcome naming the entry refused.";

/// Operations on the whole server: SMART Scheduling Links' bulk publication.
pub const SYSTEM_OPERATIONS: &[Operation] = &[Operation {
    name: "bulk-publish",
    method: Method::GET,
    path: "/fhir/$bulk-publish",
    definition: "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/bulk-publish",
    documentation: "SMART Scheduling Links' manifest of Location, Schedule and Slot NDJSON \
                    files; _since gives the slots changed since then; ETag and If-None-Match.",
}];

/// Every method and path the table describes.
pub fn described_routes() -> Vec<(Method, String)> {
    let mut routes = Vec::new();
    for supported in SUPPORTED {
        let type_path = format!("/fhir/{}", supported.resource);
        let instance_path = format!("/fhir/{}/{{id}}", supported.resource);
        for interaction in supported.interactions {
            routes.push(match *interaction {
                "search-type" => (Method::GET, type_path.clone()),
                "create" => (Method::POST, type_path.clone()),
                "read" => (Method::GET, instance_path.clone()),
                "vread" => (Method::GET, format!("{instance_path}/_history/{{vid}}")),
                "update" if supported.conditional => (Method::PUT, type_path.clone()),
                "update" => (Method::PUT, instance_path.clone()),
                "delete" if supported.conditional => (Method::DELETE, type_path.clone()),
                "delete" => (Method::DELETE, instance_path.clone()),
                "patch" => (Method::PATCH, instance_path.clone()),
                other => (Method::OPTIONS, other.to_owned()),
            });
        }
        for operation in supported.operations {
            routes.push((operation.method.clone(), operation.path.to_owned()));
        }
    }
    for operation in SYSTEM_OPERATIONS {
        routes.push((operation.method.clone(), operation.path.to_owned()));
    }
    routes.push((Method::POST, super::TRANSACTION_PATH.to_owned()));
    // The files the bulk manifest points to.
    for (_, path) in bulk::FILES {
        routes.push((Method::GET, path.to_owned()));
    }
    routes
}

fn operations(list: &[Operation]) -> Vec<Value> {
    list.iter()
        .map(|o| json!({ "name": o.name, "definition": o.definition, "documentation": o.documentation }))
        .collect()
}

/// One resource type's entry in the CapabilityStatement.
fn resource_entry(s: &Supported) -> Value {
    let mut resource = json!({
        "type": s.resource,
        "documentation": format!("{} Scope: {}.", s.documentation, s.scope.code()),
        "interaction": s.interactions.iter().map(|code| json!({ "code": code })).collect::<Vec<_>>(),
        "versioning": if s.resource == "Appointment" { "versioned-update" } else { "no-version" },
        // vread serves the current version only.
        "readHistory": false,
        "conditionalCreate": false,
        "conditionalUpdate": s.conditional,
    });
    // R4's JSON has no empty arrays: what a resource does not have is left out.
    if let Some(object) = resource.as_object_mut() {
        if !s.includes.is_empty() {
            object.insert("searchInclude".into(), json!(s.includes));
        }
        if !s.search.is_empty() {
            let params: Vec<Value> = s
                .search
                .iter()
                .map(
                    |(name, kind, doc)| json!({ "name": name, "type": kind, "documentation": doc }),
                )
                .collect();
            object.insert("searchParam".into(), json!(params));
        }
        if !s.operations.is_empty() {
            object.insert("operation".into(), json!(operations(s.operations)));
        }
        if let Some(profile) = super::resources::profile(s.resource) {
            object.insert("supportedProfile".into(), json!([profile]));
        }
    }
    if let (true, Some(object)) = (s.conditional, resource.as_object_mut()) {
        object.insert("conditionalDelete".into(), json!("single"));
    }
    if let ("Subscription", Some(object)) = (s.resource, resource.as_object_mut()) {
        object.insert(
            "supportedProfile".into(),
            json!([subscriptions::SUBSCRIPTION_PROFILE]),
        );
        object.insert(
            "extension".into(),
            json!([{
                "url": subscriptions::TOPIC_CANONICAL,
                "valueCanonical": subscriptions::TOPIC,
            }]),
        );
    }
    resource
}

pub fn statement() -> Value {
    let resources: Vec<Value> = SUPPORTED.iter().map(resource_entry).collect();
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-29",
        "kind": "instance",
        "instantiates": [subscriptions::SERVER_CAPABILITY],
        "software": { "name": "Timebok", "version": env!("CARGO_PKG_VERSION") },
        "implementation": { "description": "Timebok's FHIR R4 scheduling API" },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "patchFormat": ["application/json-patch+json"],
        "rest": [{
            "mode": "server",
            "security": {
                "service": [{ "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                    "code": "OAuth",
                }] }],
                "description": format!(
                    "Bearer tokens: access tokens from the configured OAuth 2.0 authorization \
                     server (client credentials, such as HelseID) or static tokens from the \
                     configuration. An access token bound to a key (cnf.jkt) goes under the \
                     DPoP scheme with a DPoP proof (RFC 9449, ES256 or RS256) for each \
                     request. SMART v2 system scopes: {} reads Schedules, Slots, \
                     Locations and the bulk publication; {} books, reads and cancels \
                     Appointments; {} publishes, changes and deletes the clinic's Slots; {} \
                     reads and keeps the clinic's patient list; {} subscribes to the clinic's \
                     appointment changes (these two for clients bound to one clinic only). A \
                     client bound to one clinic sees only that clinic.",
                    Scope::ReadSlots.code(),
                    Scope::Book.code(),
                    Scope::PublishSlots.code(),
                    Scope::PatientList.code(),
                    Scope::Subscribe.code(),
                ),
            },
            "resource": resources,
            "interaction": [{ "code": "transaction", "documentation": TRANSACTION_DOCUMENTATION }],
            "operation": operations(SYSTEM_OPERATIONS),
        }],
    })
}

pub async fn metadata() -> Response {
    fhir_json(&statement())
}
