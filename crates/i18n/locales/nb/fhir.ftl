fhir-unauthenticated = Forespørselen mangler et gyldig tilgangstoken (Authorization: Bearer …).
fhir-forbidden = Klienten har ikke tilgang til dette. Den trenger et annet scope.
fhir-not-found = Finnes ikke, eller klienten har ikke tilgang til det.
fhir-unavailable = Tjenesten er ikke tilgjengelig akkurat nå. Prøv igjen senere.
fhir-parameter-not-supported = Søkeparameteren støttes ikke. Se /fhir/metadata for hva som støttes.
fhir-actor-invalid = actor må være Location/<id>.
fhir-service-type-invalid = service-type må være koronatest, koronavaksine, lab eller vaksine.
fhir-start-invalid = start må være en dato (2025-12-17) eller et tidspunkt med tidssone (2025-12-17T08:15:00+01:00), med ge, gt, lt eller le foran, og slutten må komme etter starten.
fhir-range-too-long = Et søk kan dekke høyst 31 dager.
fhir-schedule-required = schedule må oppgis som Schedule/<id>.
fhir-status-not-supported = Bare ledige timer (status=free) kan søkes fram.
fhir-include-not-supported = Bare _include=Slot:schedule støttes.
fhir-count-invalid = _count må være et tall fra 1 til 500.
fhir-cursor-invalid = _cursor er ikke gyldig. Bruk lenken «next» fra forrige side.
