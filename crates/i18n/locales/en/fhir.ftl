fhir-unauthenticated = The request lacks a valid access token (Authorization: Bearer …).
fhir-dpop-invalid-proof = The DPoP proof is missing or does not hold for this request (method, URL, time, access token hash, key), or it was used before.
fhir-dpop-invalid-token = The access token is bound to a key: send it as «Authorization: DPoP …» with a DPoP proof. An unbound token goes as «Authorization: Bearer …».
fhir-forbidden = The client may not do this. It needs another scope.
fhir-not-found = Not found, or the client may not see it.
fhir-busy = The service has too many requests right now. Try again in a second.
fhir-unavailable = The service is unavailable right now. Try again later.
fhir-parameter-not-supported = The search parameter is not supported. See /fhir/metadata for what is.
fhir-actor-invalid = actor must be Location/<id>, Practitioner/<id> or PractitionerRole/<id>.
fhir-service-type-invalid = service-type must be fastlege, koronatest, koronavaksine, lab or vaksine.
fhir-start-invalid = start must be a date (2025-12-17) or a time with an offset (2025-12-17T08:15:00+01:00), after ge, gt, lt or le, and the end must come after the start.
fhir-range-too-long = One search may cover at most 31 days.
fhir-schedule-required = schedule must be given as Schedule/<id>.
fhir-status-not-supported = Only free slots (status=free) can be searched.
fhir-include-not-supported = Only _include=Slot:schedule is supported.
fhir-count-invalid = _count must be a number from 1 to 500.
fhir-cursor-invalid = _cursor is not valid. Use the «next» link of the previous page.
fhir-not-json = The body must be a FHIR resource in JSON.
fhir-expected-appointment = The body must be an Appointment resource.
fhir-expected-parameters = The body must be a Parameters resource with the parameter appointment-resource.
fhir-appointment-status = status must be proposed, pending or booked when booking.
fhir-slot-reference = slot must hold exactly one reference, Slot/<id>.
fhir-patient-identifier = participant must name the patient by identifier: system urn:oid:2.16.578.1.12.4.1.4.1 (fødselsnummer) or urn:oid:2.16.578.1.12.4.1.4.2 (D-nummer), and the number.
fhir-patient-system = The number does not match its system: a D-nummer has system …4.2, a fødselsnummer …4.1.
fhir-patient-number = The fødselsnummer or D-nummer is not valid.
fhir-reason-missing = description must say what the appointment is for.
fhir-reason-too-long = description may have at most 50 characters.
fhir-reason-invalid = description may not hold line breaks or control characters.
fhir-hold-id = id must be the id $hold gave, hold-<number>.
fhir-slot-taken = The slot is no longer free. Choose another one.
fhir-already-booked = The patient already has this slot.
fhir-hold-lost = The hold on the slot has run out. Hold the slot again.
fhir-patient-blocked = The GP office has not given the patient access to book online.
fhir-not-on-list = The patient is not on the list of the GP office that has the slot.
fhir-service-off = The GP office has switched this service off.
fhir-other-timebook = An appointment moves only to another slot of its own timebook.
fhir-outside-window = The slot cannot be booked now: it is too soon or too far ahead.
fhir-over-limit = The patient already has as many appointments of this kind as the GP office allows.
fhir-deadline-passed = The deadline for cancelling online has passed. The patient must contact the GP office.
fhir-not-booked = The appointment is no longer booked (it was cancelled or has taken place).
fhir-key-reused = The Idempotency-Key was used before, for another request. Use a new key.
fhir-key-invalid = Idempotency-Key must be 1 to 200 visible ASCII characters.
fhir-version-required = Changes must carry If-Match with the version (ETag) the client read.
fhir-version-mismatch = The appointment has changed since the client read it. Read it again.
fhir-media-type = The body must have Content-Type application/fhir+json (or application/json-patch+json for PATCH).
fhir-cancel-status = Only cancelling can be done here: status must be cancelled.
fhir-cancel-reason = cancelationReason must have a text, at most 300 characters, saying why the appointment is cancelled.
fhir-cancel-other-change = Only status and cancelationReason may change.
fhir-patch-invalid = PATCH must be a JSON Patch list of operations on /status and /cancelationReason.
fhir-id-mismatch = The id in the body must be the one in the address.
fhir-patient-identifier-search = patient.identifier must be system|number or the number alone, for a valid fødselsnummer or D-nummer.
fhir-date-invalid = date must be a date (2025-12-17) or a time with an offset, after ge, gt, lt or le, and the end must come after the start.
fhir-since-invalid = _since must be a time with an offset, such as 2025-12-17T08:15:00+01:00.
fhir-slot-unknown = The slot does not exist, or the client may not see it.

# Errors in the program, and values outside what can be used
fhir-internal = Something went wrong in Timebok. Try again later.
fhir-start-out-of-range = start must be a date between 1900 and 2199.
fhir-date-out-of-range = date must be a date between 1900 and 2199.
fhir-since-out-of-range = _since must be an instant between 1900 and 2199.
fhir-reason-too-many-code-points = description has too many code points (at most 200): too many characters are combined.
fhir-reason-noncharacter = description contains a Unicode noncharacter (U+FDD0–U+FDEF or U+xFFFE/U+xFFFF).
fhir-reason-bidi-control = description contains characters that override the writing direction (U+202A–U+202E, U+2066–U+2069).

# Rate limits on holds and bookings, per client and per patient
fhir-rate-limited = Too many holds and bookings in a short while, by the client or for the patient. Wait { $seconds } seconds and try again.

# Conformance: versions, unknown paths and methods
fhir-version-not-kept = Only the current version of the appointment is kept. Read it without a version (GET /fhir/Appointment/<id>).
fhir-unknown-path = The FHIR API has no such address. See /fhir/metadata for what it has.
fhir-method-not-allowed = The address does not take this HTTP method. The Allow header says which it takes.
fhir-version-nothing-to-match = The appointment does not exist, or the client may not see it, so If-Match cannot match any version of it.

# The journal system's side: publishing slots and the patient list
fhir-expected-slot = The body must be a Slot resource.
fhir-slot-schedule = schedule.reference must be Schedule/<id>, as GET /fhir/Schedule answers.
fhir-schedule-unknown = The Schedule does not exist, or the client has no access to it.
fhir-slot-status-publish = status must be free (published) or busy-unavailable (unpublished).
fhir-slot-start = start must be an instant with a time zone, such as 2025-12-17T08:15:00+01:00.
fhir-slot-end = end must be an instant with a time zone after start, a whole number of minutes and at most 480 minutes later.
fhir-slot-capacity = The capacity (the slot-capacity extension) must be a whole number from 1 to 500.
fhir-slot-in-the-past = The slot must start in the future.
fhir-slot-overlap = Another slot of the same place starts at the same time.
fhir-slot-in-use = The slot has had appointments and can be neither deleted nor moved. Unpublish it instead.
fhir-slot-below-bookings = The capacity cannot be lower than the places booked in the slot.
fhir-bundle-type = Bundle.type must be transaction.
fhir-bundle-too-large = A transaction may have at most 5000 entries. Split it up.
fhir-body-too-large = The body is too large.
fhir-bundle-entry = Each entry must have a request with method and url: POST Slot, PUT Slot/<id>, DELETE Slot/<id>, PUT Patient?identifier=… or DELETE Patient?identifier=….
fhir-bundle-mixed = One transaction may change slots or the patient list, not both.
fhir-expected-patient = The body must be a Patient resource.
fhir-list-identifier = identifier must hold exactly one fødselsnummer (urn:oid:2.16.578.1.12.4.1.4.1) or D-nummer (urn:oid:2.16.578.1.12.4.1.4.2).
fhir-list-number = The number is not a valid fødselsnummer or D-nummer, or the system is not the number's own.
fhir-list-name = name must have a given name and a family name, each of 1–100 characters.
fhir-list-gp = generalPractitioner must be the client's own clinic, by HER-id (urn:oid:2.16.578.1.12.4.1.2), and at most one of its GPs, by HPR number (urn:oid:2.16.578.1.12.4.1.4.4).
fhir-list-gp-unknown = The clinic has no GP with that HPR number; nothing was changed.
fhir-list-identifier-mismatch = The number in the body must be the one in the address.
fhir-list-identifier-search = identifier must be system|number or the number alone, for a valid fødselsnummer or D-nummer.
fhir-offset-invalid = _offset must be a whole number, 0 or more.
fhir-list-named-twice = A transaction may not both put a patient on the list and take them off.

# Appointment change feed and FHIR Subscriptions
fhir-sort-last-updated = The change feed is sorted by _lastUpdated only.
fhir-last-updated-invalid = _lastUpdated must be a date (2025-12-17) or a time with an offset, after ge, gt, lt or le, and the end must come after the start.
fhir-last-updated-out-of-range = _lastUpdated must be a date between 1900 and 2199.
fhir-subscription-not-bound = Only a client bound to one GP office may subscribe to appointments.
fhir-expected-subscription = The body must be a Subscription in JSON.
fhir-subscription-reason = Subscription.reason must be a text of 1 to 200 characters.
fhir-subscription-topic = Subscription.criteria must be the canonical URL of the appointment topic that the CapabilityStatement names.
fhir-subscription-channel-type = Subscription.channel.type must be rest-hook.
fhir-subscription-endpoint = Subscription.channel.endpoint must be an https address on a public host, without a user name or password.
fhir-subscription-payload = Subscription.channel.payload must be application/fhir+json.
fhir-subscription-content = The notifications' content must be id-only or full-resource.
fhir-subscription-header = Subscription.channel.header may hold one header only, «Authorization: …», without line breaks.
fhir-subscription-status = Subscription.status must be requested or active when the subscription is created.
fhir-subscription-end = Subscription.end is not supported: a subscription lasts until it is deleted.
fhir-not-their-practitioner = The patient is not on the list of the GP whose slot it is.
fhir-type-does-not-fit = The appointment type is not one of the timebook's, or the slot is not its length.
