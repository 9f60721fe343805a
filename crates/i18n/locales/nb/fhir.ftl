fhir-unauthenticated = Forespørselen mangler et gyldig tilgangstoken (Authorization: Bearer …).
fhir-dpop-invalid-proof = DPoP-beviset mangler eller stemmer ikke med denne forespørselen (metode, URL, tid, hash av tilgangstokenet, nøkkel), eller det er brukt før.
fhir-dpop-invalid-token = Tilgangstokenet er bundet til en nøkkel: send det som «Authorization: DPoP …» med et DPoP-bevis. Et ubundet token sendes som «Authorization: Bearer …».
fhir-forbidden = Klienten har ikke tilgang til dette. Den trenger et annet scope.
fhir-not-found = Finnes ikke, eller klienten har ikke tilgang til det.
fhir-busy = Tjenesten har for mange forespørsler akkurat nå. Prøv igjen om et sekund.
fhir-unavailable = Tjenesten er ikke tilgjengelig akkurat nå. Prøv igjen senere.
fhir-parameter-not-supported = Søkeparameteren støttes ikke. Se /fhir/metadata for hva som støttes.
fhir-actor-invalid = actor må være Location/<id>, Practitioner/<id> eller PractitionerRole/<id>.
fhir-service-type-invalid = service-type må være fastlege, koronatest, koronavaksine, lab eller vaksine.
fhir-start-invalid = start må være en dato (2025-12-17) eller et tidspunkt med tidssone (2025-12-17T08:15:00+01:00), med ge, gt, lt eller le foran, og slutten må komme etter starten.
fhir-range-too-long = Et søk kan dekke høyst 31 dager.
fhir-schedule-required = schedule må oppgis som Schedule/<id>.
fhir-status-not-supported = Bare ledige timer (status=free) kan søkes fram.
fhir-include-not-supported = Bare _include=Slot:schedule støttes.
fhir-count-invalid = _count må være et tall fra 1 til 500.
fhir-cursor-invalid = _cursor er ikke gyldig. Bruk lenken «next» fra forrige side.
fhir-not-json = Innholdet må være en FHIR-ressurs i JSON.
fhir-expected-appointment = Innholdet må være en Appointment-ressurs.
fhir-expected-parameters = Innholdet må være en Parameters-ressurs med parameteren appointment-resource.
fhir-appointment-status = status må være proposed, pending eller booked når en time bestilles.
fhir-slot-reference = slot må ha nøyaktig én referanse, Slot/<id>.
fhir-patient-identifier = participant må angi pasienten med identifier: system urn:oid:2.16.578.1.12.4.1.4.1 (fødselsnummer) eller urn:oid:2.16.578.1.12.4.1.4.2 (D-nummer), og nummeret.
fhir-patient-system = Nummeret passer ikke til systemet: et D-nummer har system …4.2, et fødselsnummer …4.1.
fhir-patient-number = Fødselsnummeret eller D-nummeret er ikke gyldig.
fhir-reason-missing = description må si hva timen gjelder.
fhir-reason-too-long = description kan ha høyst 50 tegn.
fhir-reason-invalid = description kan ikke ha linjeskift eller kontrolltegn.
fhir-hold-id = id må være id-en $hold ga, hold-<nummer>.
fhir-slot-taken = Timen er ikke ledig lenger. Velg en annen time.
fhir-already-booked = Pasienten har allerede denne timen.
fhir-hold-lost = Reservasjonen av timen har gått ut. Reserver timen på nytt.
fhir-patient-blocked = Legekontoret har ikke gitt pasienten tilgang til å bestille timer på nett.
fhir-not-on-list = Pasienten står ikke på listen til legekontoret som har timen.
fhir-service-off = Legekontoret har slått av denne tjenesten.
fhir-other-timebook = En time kan bare flyttes til en annen time i samme timebok.
fhir-outside-window = Timen kan ikke bestilles nå: den er for nær eller for langt fram i tid.
fhir-over-limit = Pasienten har allerede så mange timer av denne typen som legekontoret tillater.
fhir-deadline-passed = Fristen for å avbestille timen på nett har gått ut. Pasienten må kontakte legekontoret.
fhir-not-booked = Timen er ikke bestilt lenger (den er avbestilt eller gjennomført).
fhir-key-reused = Idempotency-Key er brukt før, til en annen forespørsel. Bruk en ny nøkkel.
fhir-key-invalid = Idempotency-Key må være 1–200 synlige ASCII-tegn.
fhir-version-required = Endringer må ha If-Match med versjonen (ETag) klienten leste.
fhir-version-mismatch = Timen er endret siden klienten leste den. Les den på nytt.
fhir-media-type = Innholdet må ha Content-Type application/fhir+json (eller application/json-patch+json for PATCH).
fhir-cancel-status = Bare avbestilling kan gjøres her: status må være cancelled.
fhir-cancel-reason = cancelationReason må ha en tekst, høyst 300 tegn, som forteller hvorfor timen avbestilles.
fhir-cancel-other-change = Bare status og cancelationReason kan endres.
fhir-patch-invalid = PATCH må være en JSON Patch-liste med operasjoner på /status og /cancelationReason.
fhir-id-mismatch = id i innholdet må være den samme som i adressen.
fhir-patient-identifier-search = patient.identifier må være system|nummer eller bare nummeret, for et gyldig fødselsnummer eller D-nummer.
fhir-date-invalid = date må være en dato (2025-12-17) eller et tidspunkt med tidssone, med ge, gt, lt eller le foran, og slutten må komme etter starten.
fhir-since-invalid = _since må være et tidspunkt med tidssone, for eksempel 2025-12-17T08:15:00+01:00.
fhir-slot-unknown = Slot finnes ikke, eller klienten har ikke tilgang til den.

# Feil i programmet, og verdier utenfor det som kan brukes
fhir-internal = Det oppstod en feil i Timebok. Prøv igjen senere.
fhir-start-out-of-range = start må være en dato mellom 1900 og 2199.
fhir-date-out-of-range = date må være en dato mellom 1900 og 2199.
fhir-since-out-of-range = _since må være et tidspunkt mellom 1900 og 2199.
fhir-reason-too-many-code-points = description har for mange kodepunkter (høyst 200): for mange tegn er satt sammen.
fhir-reason-noncharacter = description inneholder et Unicode-ikketegn (U+FDD0–U+FDEF eller U+xFFFE/U+xFFFF).
fhir-reason-bidi-control = description inneholder tegn som overstyrer skriveretningen (U+202A–U+202E, U+2066–U+2069).

# Rate limits on holds and bookings, per client and per patient
fhir-rate-limited = For mange timereservasjoner på kort tid, fra klienten eller for pasienten. Vent { $seconds } sekunder, og prøv igjen.

# Conformance: versions, unknown paths and methods
fhir-version-not-kept = Bare den gjeldende versjonen av timeavtalen tas vare på. Les den uten versjon (GET /fhir/Appointment/<id>).
fhir-unknown-path = FHIR-API-et har ingen slik adresse. Se /fhir/metadata for hva som finnes.
fhir-method-not-allowed = Adressen støtter ikke denne HTTP-metoden. Allow-hodet sier hvilke den støtter.
fhir-version-nothing-to-match = Timeavtalen finnes ikke, eller klienten har ikke tilgang til den, så If-Match kan ikke passe med noen versjon.

# Journalsystemets side: publisering av timer og fastlegelisten
fhir-expected-slot = Innholdet må være en Slot-ressurs.
fhir-slot-schedule = schedule.reference må være Schedule/<id>, slik GET /fhir/Schedule svarer.
fhir-schedule-unknown = Schedule finnes ikke, eller klienten har ikke tilgang til den.
fhir-slot-status-publish = status må være free (publisert) eller busy-unavailable (ikke publisert).
fhir-slot-start = start må være et tidspunkt med tidssone, for eksempel 2025-12-17T08:15:00+01:00.
fhir-slot-end = end må være et tidspunkt med tidssone etter start, et helt antall minutter og høyst 480 minutter senere.
fhir-slot-capacity = Kapasiteten (utvidelsen slot-capacity) må være et heltall fra 1 til 500.
fhir-slot-in-the-past = Timen må begynne fram i tid.
fhir-slot-overlap = En annen time på samme sted begynner på samme tidspunkt.
fhir-slot-in-use = Timen har hatt bestillinger og kan verken slettes eller flyttes. Avpubliser den i stedet.
fhir-slot-below-bookings = Kapasiteten kan ikke bli lavere enn antall plasser som er bestilt i timen.
fhir-bundle-type = Bundle.type må være transaction.
fhir-bundle-too-large = En transaksjon kan ha høyst 5000 oppføringer. Del den opp.
fhir-body-too-large = Innholdet er for stort.
fhir-bundle-entry = Hver oppføring må ha request med method og url: POST Slot, PUT Slot/<id>, DELETE Slot/<id>, PUT Patient?identifier=… eller DELETE Patient?identifier=….
fhir-bundle-mixed = En transaksjon kan endre timer eller fastlegelisten, ikke begge.
fhir-expected-patient = Innholdet må være en Patient-ressurs.
fhir-list-identifier = identifier må ha nøyaktig ett fødselsnummer (urn:oid:2.16.578.1.12.4.1.4.1) eller D-nummer (urn:oid:2.16.578.1.12.4.1.4.2).
fhir-list-number = Nummeret er ikke et gyldig fødselsnummer eller D-nummer, eller systemet hører ikke til nummeret.
fhir-list-name = name må ha fornavn (given) og etternavn (family), hvert på 1–100 tegn.
fhir-list-gp = generalPractitioner må være klientens legekontor, med HER-id (urn:oid:2.16.578.1.12.4.1.2), og høyst én av legekontorets fastleger, med HPR-nummer (urn:oid:2.16.578.1.12.4.1.4.4).
fhir-list-gp-unknown = Legekontoret har ingen fastlege med det HPR-nummeret; ingenting er endret.
fhir-list-identifier-mismatch = Nummeret i innholdet må være det samme som i adressen.
fhir-list-identifier-search = identifier må være system|nummer eller bare nummeret, for et gyldig fødselsnummer eller D-nummer.
fhir-offset-invalid = _offset må være et heltall, 0 eller større.
fhir-list-named-twice = En transaksjon kan ikke både sette en pasient på listen og ta pasienten av den.

# Appointment change feed and FHIR Subscriptions
fhir-sort-last-updated = Endringsstrømmen sorteres bare etter _lastUpdated.
fhir-last-updated-invalid = _lastUpdated må være en dato (2025-12-17) eller et tidspunkt med tidssone, med ge, gt, lt eller le foran, og slutten må komme etter starten.
fhir-last-updated-out-of-range = _lastUpdated må være en dato mellom 1900 og 2199.
fhir-subscription-not-bound = Bare en klient som er knyttet til ett legekontor, kan abonnere på timeavtaler.
fhir-expected-subscription = Innholdet må være en Subscription i JSON.
fhir-subscription-reason = Subscription.reason må være en tekst på 1 til 200 tegn.
fhir-subscription-topic = Subscription.criteria må være adressen til emnet for timeavtaler som CapabilityStatement oppgir.
fhir-subscription-channel-type = Subscription.channel.type må være rest-hook.
fhir-subscription-endpoint = Subscription.channel.endpoint må være en https-adresse på en offentlig vert, uten brukernavn og passord.
fhir-subscription-payload = Subscription.channel.payload må være application/fhir+json.
fhir-subscription-content = Innholdet i varslene må være id-only eller full-resource.
fhir-subscription-header = Subscription.channel.header kan bare ha én overskrift, «Authorization: …», uten linjeskift.
fhir-subscription-status = Subscription.status må være requested eller active når abonnementet opprettes.
fhir-subscription-end = Subscription.end støttes ikke: et abonnement varer til det slettes.
fhir-not-their-practitioner = Pasienten står ikke på listen til fastlegen som har timen.
fhir-type-does-not-fit = Timetypen hører ikke til timeboken, eller timen har ikke timetypens lengde.
