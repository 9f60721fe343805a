fhir-unauthenticated = Førespurnaden manglar eit gyldig tilgangstoken (Authorization: Bearer …).
fhir-forbidden = Klienten har ikkje tilgang til dette. Han treng eit anna scope.
fhir-not-found = Finst ikkje, eller klienten har ikkje tilgang til det.
fhir-unavailable = Tenesta er ikkje tilgjengeleg akkurat no. Prøv igjen seinare.
fhir-parameter-not-supported = Søkjeparameteren er ikkje støtta. Sjå /fhir/metadata for kva som er støtta.
fhir-actor-invalid = actor må vere Location/<id>.
fhir-service-type-invalid = service-type må vere koronatest, koronavaksine, lab eller vaksine.
fhir-start-invalid = start må vere ein dato (2025-12-17) eller eit tidspunkt med tidssone (2025-12-17T08:15:00+01:00), med ge, gt, lt eller le framfor, og slutten må kome etter starten.
fhir-range-too-long = Eit søk kan dekkje høgst 31 dagar.
fhir-schedule-required = schedule må oppgjevast som Schedule/<id>.
fhir-status-not-supported = Berre ledige timar (status=free) kan søkjast fram.
fhir-include-not-supported = Berre _include=Slot:schedule er støtta.
fhir-count-invalid = _count må vere eit tal frå 1 til 500.
fhir-cursor-invalid = _cursor er ikkje gyldig. Bruk lenkja «next» frå førre side.
