fhir-unauthenticated = Førespurnaden manglar eit gyldig tilgangstoken (Authorization: Bearer …).
fhir-dpop-invalid-proof = DPoP-provet manglar eller stemmer ikkje med denne førespurnaden (metode, URL, tid, hash av tilgangstokenet, nøkkel), eller det er brukt før.
fhir-dpop-invalid-token = Tilgangstokenet er bunde til ein nøkkel: send det som «Authorization: DPoP …» med eit DPoP-prov. Eit ubunde token blir sendt som «Authorization: Bearer …».
fhir-forbidden = Klienten har ikkje tilgang til dette. Han treng eit anna scope.
fhir-not-found = Finst ikkje, eller klienten har ikkje tilgang til det.
fhir-busy = Tenesta har for mange førespurnader akkurat no. Prøv igjen om eit sekund.
fhir-unavailable = Tenesta er ikkje tilgjengeleg akkurat no. Prøv igjen seinare.
fhir-parameter-not-supported = Søkjeparameteren er ikkje støtta. Sjå /fhir/metadata for kva som er støtta.
fhir-actor-invalid = actor må vere Location/<id>, Practitioner/<id> eller PractitionerRole/<id>.
fhir-service-type-invalid = service-type må vere fastlege, koronatest, koronavaksine, lab eller vaksine.
fhir-start-invalid = start må vere ein dato (2025-12-17) eller eit tidspunkt med tidssone (2025-12-17T08:15:00+01:00), med ge, gt, lt eller le framfor, og slutten må kome etter starten.
fhir-range-too-long = Eit søk kan dekkje høgst 31 dagar.
fhir-schedule-required = schedule må oppgjevast som Schedule/<id>.
fhir-status-not-supported = Berre ledige timar (status=free) kan søkjast fram.
fhir-include-not-supported = Berre _include=Slot:schedule er støtta.
fhir-count-invalid = _count må vere eit tal frå 1 til 500.
fhir-cursor-invalid = _cursor er ikkje gyldig. Bruk lenkja «next» frå førre side.
fhir-not-json = Innhaldet må vere ein FHIR-ressurs i JSON.
fhir-expected-appointment = Innhaldet må vere ein Appointment-ressurs.
fhir-expected-parameters = Innhaldet må vere ein Parameters-ressurs med parameteren appointment-resource.
fhir-appointment-status = status må vere proposed, pending eller booked når ein time vert bestilt.
fhir-slot-reference = slot må ha nøyaktig éin referanse, Slot/<id>.
fhir-patient-identifier = participant må oppgje pasienten med identifier: system urn:oid:2.16.578.1.12.4.1.4.1 (fødselsnummer) eller urn:oid:2.16.578.1.12.4.1.4.2 (D-nummer), og nummeret.
fhir-patient-system = Nummeret passar ikkje til systemet: eit D-nummer har system …4.2, eit fødselsnummer …4.1.
fhir-patient-number = Fødselsnummeret eller D-nummeret er ikkje gyldig.
fhir-reason-missing = description må seie kva timen gjeld.
fhir-reason-too-long = description kan ha høgst 50 teikn.
fhir-reason-invalid = description kan ikkje ha linjeskift eller kontrollteikn.
fhir-hold-id = id må vere id-en $hold gav, hold-<nummer>.
fhir-slot-taken = Timen er ikkje ledig lenger. Vel ein annan time.
fhir-already-booked = Pasienten har allereie denne timen.
fhir-hold-lost = Reservasjonen av timen har gått ut. Reserver timen på nytt.
fhir-patient-blocked = Legekontoret har ikkje gitt pasienten tilgang til å bestille timar på nett.
fhir-not-on-list = Pasienten står ikkje på lista til legekontoret som har timen.
fhir-service-off = Legekontoret har slått av denne tenesta.
fhir-other-timebook = Ein time kan berre flyttast til ein annan time i same timebok.
fhir-outside-window = Timen kan ikkje bestillast no: han er for nær eller for langt fram i tid.
fhir-over-limit = Pasienten har allereie så mange timar av denne typen som legekontoret tillèt.
fhir-deadline-passed = Fristen for å avbestille timen på nett har gått ut. Pasienten må kontakte legekontoret.
fhir-not-booked = Timen er ikkje bestilt lenger (han er avbestilt eller gjennomført).
fhir-key-reused = Idempotency-Key er brukt før, til ein annan førespurnad. Bruk ein ny nøkkel.
fhir-key-invalid = Idempotency-Key må vere 1–200 synlege ASCII-teikn.
fhir-version-required = Endringar må ha If-Match med versjonen (ETag) klienten las.
fhir-version-mismatch = Timen er endra sidan klienten las han. Les han på nytt.
fhir-media-type = Innhaldet må ha Content-Type application/fhir+json (eller application/json-patch+json for PATCH).
fhir-cancel-status = Berre avbestilling kan gjerast her: status må vere cancelled.
fhir-cancel-reason = cancelationReason må ha ein tekst, høgst 300 teikn, som fortel kvifor timen vert avbestilt.
fhir-cancel-other-change = Berre status og cancelationReason kan endrast.
fhir-patch-invalid = PATCH må vere ei JSON Patch-liste med operasjonar på /status og /cancelationReason.
fhir-id-mismatch = id i innhaldet må vere den same som i adressa.
fhir-patient-identifier-search = patient.identifier må vere system|nummer eller berre nummeret, for eit gyldig fødselsnummer eller D-nummer.
fhir-date-invalid = date må vere ein dato (2025-12-17) eller eit tidspunkt med tidssone, med ge, gt, lt eller le framfor, og slutten må kome etter starten.
fhir-since-invalid = _since må vere eit tidspunkt med tidssone, til dømes 2025-12-17T08:15:00+01:00.
fhir-slot-unknown = Slot finst ikkje, eller klienten har ikkje tilgang til han.

# Feil i programmet, og verdiar utanfor det som kan brukast
fhir-internal = Det oppstod ein feil i Timebok. Prøv igjen seinare.
fhir-start-out-of-range = start må vere ein dato mellom 1900 og 2199.
fhir-date-out-of-range = date må vere ein dato mellom 1900 og 2199.
fhir-since-out-of-range = _since må vere eit tidspunkt mellom 1900 og 2199.
fhir-reason-too-many-code-points = description har for mange kodepunkt (høgst 200): for mange teikn er sette saman.
fhir-reason-noncharacter = description inneheld eit Unicode-ikkjeteikn (U+FDD0–U+FDEF eller U+xFFFE/U+xFFFF).
fhir-reason-bidi-control = description inneheld teikn som overstyrer skriveretninga (U+202A–U+202E, U+2066–U+2069).

# Rate limits on holds and bookings, per client and per patient
fhir-rate-limited = For mange timereservasjonar på kort tid, frå klienten eller for pasienten. Vent { $seconds } sekund, og prøv igjen.

# Conformance: versions, unknown paths and methods
fhir-version-not-kept = Berre den gjeldande versjonen av timeavtalen blir teken vare på. Les han utan versjon (GET /fhir/Appointment/<id>).
fhir-unknown-path = FHIR-API-et har inga slik adresse. Sjå /fhir/metadata for kva som finst.
fhir-method-not-allowed = Adressa støttar ikkje denne HTTP-metoden. Allow-hovudet seier kva ho støttar.
fhir-version-nothing-to-match = Timeavtalen finst ikkje, eller klienten har ikkje tilgang til han, så If-Match kan ikkje passe med nokon versjon.

# Journalsystemet si side: publisering av timar og fastlegelista
fhir-expected-slot = Innhaldet må vere ein Slot-ressurs.
fhir-slot-schedule = schedule.reference må vere Schedule/<id>, slik GET /fhir/Schedule svarar.
fhir-schedule-unknown = Schedule finst ikkje, eller klienten har ikkje tilgang til han.
fhir-slot-status-publish = status må vere free (publisert) eller busy-unavailable (ikkje publisert).
fhir-slot-start = start må vere eit tidspunkt med tidssone, til dømes 2025-12-17T08:15:00+01:00.
fhir-slot-end = end må vere eit tidspunkt med tidssone etter start, eit heilt tal minutt og høgst 480 minutt seinare.
fhir-slot-capacity = Kapasiteten (utvidinga slot-capacity) må vere eit heiltal frå 1 til 500.
fhir-slot-in-the-past = Timen må byrje fram i tid.
fhir-slot-overlap = Ein annan time på same stad byrjar på same tidspunkt.
fhir-slot-in-use = Timen har hatt bestillingar og kan verken slettast eller flyttast. Avpubliser han i staden.
fhir-slot-below-bookings = Kapasiteten kan ikkje bli lågare enn talet på plassar som er bestilte i timen.
fhir-bundle-type = Bundle.type må vere transaction.
fhir-bundle-too-large = Ein transaksjon kan ha høgst 5000 oppføringar. Del han opp.
fhir-body-too-large = Innhaldet er for stort.
fhir-bundle-entry = Kvar oppføring må ha request med method og url: POST Slot, PUT Slot/<id>, DELETE Slot/<id>, PUT Patient?identifier=… eller DELETE Patient?identifier=….
fhir-bundle-mixed = Ein transaksjon kan endre timar eller fastlegelista, ikkje begge.
fhir-expected-patient = Innhaldet må vere ein Patient-ressurs.
fhir-list-identifier = identifier må ha nøyaktig eitt fødselsnummer (urn:oid:2.16.578.1.12.4.1.4.1) eller D-nummer (urn:oid:2.16.578.1.12.4.1.4.2).
fhir-list-number = Nummeret er ikkje eit gyldig fødselsnummer eller D-nummer, eller systemet høyrer ikkje til nummeret.
fhir-list-name = name må ha førenamn (given) og etternamn (family), kvart på 1–100 teikn.
fhir-list-gp = generalPractitioner må vere legekontoret til klienten, med HER-id (urn:oid:2.16.578.1.12.4.1.2), og høgst ein av fastlegane til legekontoret, med HPR-nummer (urn:oid:2.16.578.1.12.4.1.4.4).
fhir-list-gp-unknown = Legekontoret har ingen fastlege med det HPR-nummeret; ingenting er endra.
fhir-list-identifier-mismatch = Nummeret i innhaldet må vere det same som i adressa.
fhir-list-identifier-search = identifier må vere system|nummer eller berre nummeret, for eit gyldig fødselsnummer eller D-nummer.
fhir-offset-invalid = _offset må vere eit heiltal, 0 eller større.
fhir-list-named-twice = Ein transaksjon kan ikkje både setje ein pasient på lista og ta pasienten av ho.

# Appointment change feed and FHIR Subscriptions
fhir-sort-last-updated = Endringsstraumen blir berre sortert etter _lastUpdated.
fhir-last-updated-invalid = _lastUpdated må vere ein dato (2025-12-17) eller eit tidspunkt med tidssone, med ge, gt, lt eller le framfor, og slutten må kome etter starten.
fhir-last-updated-out-of-range = _lastUpdated må vere ein dato mellom 1900 og 2199.
fhir-subscription-not-bound = Berre ein klient som er knytt til eitt legekontor, kan abonnere på timeavtalar.
fhir-expected-subscription = Innhaldet må vere ein Subscription i JSON.
fhir-subscription-reason = Subscription.reason må vere ein tekst på 1 til 200 teikn.
fhir-subscription-topic = Subscription.criteria må vere adressa til emnet for timeavtalar som CapabilityStatement oppgir.
fhir-subscription-channel-type = Subscription.channel.type må vere rest-hook.
fhir-subscription-endpoint = Subscription.channel.endpoint må vere ei https-adresse på ein offentleg vert, utan brukarnamn og passord.
fhir-subscription-payload = Subscription.channel.payload må vere application/fhir+json.
fhir-subscription-content = Innhaldet i varsla må vere id-only eller full-resource.
fhir-subscription-header = Subscription.channel.header kan berre ha éin overskrift, «Authorization: …», utan linjeskift.
fhir-subscription-status = Subscription.status må vere requested eller active når abonnementet blir oppretta.
fhir-subscription-end = Subscription.end er ikkje støtta: eit abonnement varer til det blir sletta.
fhir-not-their-practitioner = Pasienten står ikkje på lista til fastlegen som har timen.
fhir-type-does-not-fit = Timetypen høyrer ikkje til timeboka, eller timen har ikkje lengda til timetypen.
