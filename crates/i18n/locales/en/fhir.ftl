fhir-unauthenticated = The request lacks a valid access token (Authorization: Bearer …).
fhir-forbidden = The client may not do this. It needs another scope.
fhir-not-found = Not found, or the client may not see it.
fhir-unavailable = The service is unavailable right now. Try again later.
fhir-parameter-not-supported = The search parameter is not supported. See /fhir/metadata for what is.
fhir-actor-invalid = actor must be Location/<id>.
fhir-service-type-invalid = service-type must be koronatest, koronavaksine, lab or vaksine.
fhir-start-invalid = start must be a date (2025-12-17) or a time with an offset (2025-12-17T08:15:00+01:00), after ge, gt, lt or le, and the end must come after the start.
fhir-range-too-long = One search may cover at most 31 days.
fhir-schedule-required = schedule must be given as Schedule/<id>.
fhir-status-not-supported = Only free slots (status=free) can be searched.
fhir-include-not-supported = Only _include=Slot:schedule is supported.
fhir-count-invalid = _count must be a number from 1 to 500.
fhir-cursor-invalid = _cursor is not valid. Use the «next» link of the previous page.
