register-nav-clinics = Legekontor
register-nav-audit = Logg
register-title = Adresseregisteret
register-clinics = Legekontor
register-none = Ingen legekontor enno.
register-her-id = HER-id
register-phone = Telefon (valfritt)
register-phone-short = Telefon
register-municipality-number = Kommunenummer (valfritt)
register-municipality-name = Kommune (valfritt)
register-municipality-short = Kommune
register-org-number = Organisasjonsnummer
register-name = Namn
register-create = Opprett legekontor
register-invalid = Skriv ein gyldig HER-id (eit positivt heiltal), eit namn, eit gyldig organisasjonsnummer (ni siffer) og eventuelt eit norsk telefonnummer (åtte siffer)
register-services = Tenester som er slått på
register-services-save = Lagre tenestene
register-services-saved = Tenestene er lagra.
register-patients = Fastlegelista
register-patients-none = Ingen pasientar på lista.
register-patient-remove = Fjern frå lista
register-patient-add = Legg til pasient
register-first-name = Førenamn
register-last-name = Etternamn
register-patient-added = Pasienten er lagd til.
register-patient-removed = Pasienten er fjerna frå lista.
register-patient-invalid = Skriv eit gyldig fødselsnummer, førenamn og etternamn
register-import = Importer frå CSV
register-import-hint = Éin pasient per linje: fødselsnummer;førenamn;etternamn
register-import-file = CSV-fil
register-import-paste = Eller lim inn linjer
register-import-submit = Importer
register-import-report = Import: { $added } lagde til, { $updated } oppdaterte, { $unchanged } var alt på lista, 0 avviste
register-import-refused = Import: ingenting er endra, { $rejected } av { $lines } linjer er avviste. Rett linjene og importer fila på nytt.
register-import-more = … og { $count } linjer til
register-patients-showing = Viser { $first }–{ $last } av { $total }
register-patients-previous = Førre side
register-patients-next = Neste side
register-patients-pages = Sider i fastlegelista
register-import-rejected = Linje { $line }: { $reason }
register-import-bad-id = ugyldig fødselsnummer
register-import-bad-name = manglar førenamn eller etternamn
register-import-bad-columns = må ha tre felt skilde med semikolon
register-audit-title = Logg over tilgang og endringar
register-audit-national-id = Fødselsnummeret til pasienten
register-audit-search = Vis logg
register-audit-none = Ingen hendingar.
register-audit-when = Tid
register-audit-who = Kven
register-audit-what = Kva
register-audit-subject = Gjeld

# Varsel
register-nav-notifications = Varsel
register-notifications-title = Varsel til pasientar
register-notifications-retried = Varselet er lagt i køen igjen.
register-notifications-pending = Ventar
register-notifications-sent = Sendt
register-notifications-skipped = Ikkje sendt (inga adresse eller avlyst)
register-notifications-failed = Feila
register-notifications-failed-title = Varsel som ikkje kom fram
register-notifications-none-failed = Ingen varsel har feila.
register-notifications-created = Oppretta
register-notifications-failed-at = Feila
register-notifications-kind = Hending
register-notifications-clinic = Legekontor
register-notifications-channel = Kanal
register-notifications-attempts = Forsøk
register-notifications-error = Siste feil
register-notifications-action = Handling
register-notifications-retry = Prøv igjen
register-notification-kind-appointment-booked = Time bestilt
register-notification-kind-appointment-cancelled-by-patient = Avbestilt av pasienten
register-notification-kind-appointment-cancelled-by-clinic = Avlyst av legekontoret
register-notification-kind-appointment-reminder = Påminning
register-notification-kind-message-reply = Svar på melding

# Bookings that came by a slot finder's deep link (SMART Scheduling Links)
register-referrals = Bestillingar frå timefinnarar siste 30 dagar
register-referrals-none = Ingen bestillingar kom frå lenkja til ein timefinnar.
register-referrals-source = Timefinnar
register-referrals-bookings = Bestillingar
register-referrals-no-source = (utan namn)

# FHIR Subscriptions: notifications to journal systems in the failed list
register-notification-kind-appointment-moved = Time flytta
register-notification-hook = FHIR-abonnement { $id }

# Innkalling: the kinds of an invitation's notices, in the list of failed notifications
register-notification-kind-invitation-sent = Innkalling
register-notification-kind-invitation-reminder = Påminning om innkalling
register-notification-kind-waitlist-offer = Ledig time frå ventelista

# Fastleger: each practitioner's list.
register-practitioners = Fastlegar
register-practitioners-none = Legekontoret har ingen fastlegar i registeret.
register-practitioner-about = HPR-nummer { $hpr }, { $count } pasientar på lista
register-practitioner-add = Legg til fastlege
register-practitioner-hpr = HPR-nummer
register-practitioner-saved = Fastlegen er lagra.
register-practitioner-invalid = Fastlegen vart ikkje lagra. Skriv HPR-nummeret med berre siffer (høgst 9), og førenamn og etternamn.
register-practitioner-list = Set pasientar på lista til fastlegen
register-practitioner-who = Fastlege
register-practitioner-patients = Fødselsnummer
register-practitioner-list-hint = Eitt fødselsnummer per linje. Berre pasientar på lista til legekontoret blir sette på lista til fastlegen; ein pasient har éin fastlege.
register-practitioner-list-invalid = Ingen vart sette på lista. Vel ein fastlege og skriv gyldige fødselsnummer, eitt per linje.
register-practitioner-listed = { $count } pasientar er sette på lista til fastlegen.
