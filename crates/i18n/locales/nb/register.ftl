register-nav-clinics = Legekontorer
register-nav-audit = Logg
register-title = Adresseregisteret
register-clinics = Legekontorer
register-none = Ingen legekontorer ennå.
register-her-id = HER-id
register-phone = Telefon (valgfritt)
register-phone-short = Telefon
register-municipality-number = Kommunenummer (valgfritt)
register-municipality-name = Kommune (valgfritt)
register-municipality-short = Kommune
register-org-number = Organisasjonsnummer
register-name = Navn
register-create = Opprett legekontor
register-invalid = Skriv en gyldig HER-id (et positivt heltall), et navn, et gyldig organisasjonsnummer (ni siffer) og eventuelt et norsk telefonnummer (åtte siffer)
register-services = Tjenester som er slått på
register-services-save = Lagre tjenestene
register-services-saved = Tjenestene er lagret.
register-patients = Fastlegelisten
register-patients-none = Ingen pasienter på listen.
register-patient-remove = Fjern fra listen
register-patient-add = Legg til pasient
register-first-name = Fornavn
register-last-name = Etternavn
register-patient-added = Pasienten er lagt til.
register-patient-removed = Pasienten er fjernet fra listen.
register-patient-invalid = Skriv et gyldig fødselsnummer, fornavn og etternavn
register-import = Importer fra CSV
register-import-hint = Én pasient per linje: fødselsnummer;fornavn;etternavn
register-import-file = CSV-fil
register-import-paste = Eller lim inn linjer
register-import-submit = Importer
register-import-report = Import: { $added } lagt til, { $updated } oppdatert, { $unchanged } var allerede på listen, 0 avvist
register-import-refused = Import: ingenting er endret, { $rejected } av { $lines } linjer er avvist. Rett linjene og importer filen på nytt.
register-import-more = … og { $count } linjer til
register-patients-showing = Viser { $first }–{ $last } av { $total }
register-patients-previous = Forrige side
register-patients-next = Neste side
register-patients-pages = Sider i fastlegelisten
register-import-rejected = Linje { $line }: { $reason }
register-import-bad-id = ugyldig fødselsnummer
register-import-bad-name = mangler fornavn eller etternavn
register-import-bad-columns = må ha tre felt skilt med semikolon
register-audit-title = Logg over tilgang og endringer
register-audit-national-id = Pasientens fødselsnummer
register-audit-search = Vis logg
register-audit-none = Ingen hendelser.
register-audit-when = Tid
register-audit-who = Hvem
register-audit-what = Hva
register-audit-subject = Gjelder

# Varsler
register-nav-notifications = Varsler
register-notifications-title = Varsler til pasienter
register-notifications-retried = Varselet er lagt i køen igjen.
register-notifications-pending = Venter
register-notifications-sent = Sendt
register-notifications-skipped = Ikke sendt (ingen adresse eller avlyst)
register-notifications-failed = Feilet
register-notifications-failed-title = Varsler som ikke kom fram
register-notifications-none-failed = Ingen varsler har feilet.
register-notifications-created = Opprettet
register-notifications-failed-at = Feilet
register-notifications-kind = Hendelse
register-notifications-clinic = Legekontor
register-notifications-channel = Kanal
register-notifications-attempts = Forsøk
register-notifications-error = Siste feil
register-notifications-action = Handling
register-notifications-retry = Prøv igjen
register-notification-kind-appointment-booked = Time bestilt
register-notification-kind-appointment-cancelled-by-patient = Avbestilt av pasienten
register-notification-kind-appointment-cancelled-by-clinic = Avlyst av legekontoret
register-notification-kind-appointment-reminder = Påminnelse
register-notification-kind-message-reply = Svar på melding

# Bookings that came by a slot finder's deep link (SMART Scheduling Links)
register-referrals = Bestillinger fra timefinnere siste 30 dager
register-referrals-none = Ingen bestillinger kom fra lenken til en timefinner.
register-referrals-source = Timefinner
register-referrals-bookings = Bestillinger
register-referrals-no-source = (uten navn)

# FHIR Subscriptions: notifications to journal systems in the failed list
register-notification-kind-appointment-moved = Time flyttet
register-notification-hook = FHIR-abonnement { $id }

# Innkalling: the kinds of an invitation's notices, in the list of failed notifications
register-notification-kind-invitation-sent = Innkalling
register-notification-kind-invitation-reminder = Påminnelse om innkalling
register-notification-kind-waitlist-offer = Ledig time fra ventelisten

# Fastleger: each practitioner's list.
register-practitioners = Fastleger
register-practitioners-none = Legekontoret har ingen fastleger i registeret.
register-practitioner-about = HPR-nummer { $hpr }, { $count } pasienter på listen
register-practitioner-add = Legg til fastlege
register-practitioner-hpr = HPR-nummer
register-practitioner-saved = Fastlegen er lagret.
register-practitioner-invalid = Fastlegen ble ikke lagret. Skriv HPR-nummeret med bare sifre (høyst 9), og fornavn og etternavn.
register-practitioner-list = Sett pasienter på fastlegens liste
register-practitioner-who = Fastlege
register-practitioner-patients = Fødselsnumre
register-practitioner-list-hint = Ett fødselsnummer per linje. Bare pasienter på legekontorets liste settes på fastlegens liste; en pasient har én fastlege.
register-practitioner-list-invalid = Ingen ble satt på listen. Velg en fastlege og skriv gyldige fødselsnumre, ett per linje.
register-practitioner-listed = { $count } pasienter er satt på fastlegens liste.
