# Notifications: SMS, push and e-mail. The booking text is the guide's.
notice-kind-koronatest = koronatest
notice-kind-koronavaksine = koronavaksine
notice-kind-lab = laboratoriet
notice-kind-vaksine = vaksine
notice-when = { $date }, kl. { $time }
notice-booked = { $first }, du har fått time til { $kind } hos { $clinic } { $when }. Oppmøtested: { $place }. Logg inn på { $portal } for å se mer.
notice-cancelled-by-clinic = { $first }, timen din til { $kind } hos { $clinic } { $when } er avlyst av legekontoret. Logg inn på { $portal } for å se mer.
notice-cancelled-by-patient = { $first }, du har avbestilt timen til { $kind } hos { $clinic } { $when }. Logg inn på { $portal } for å se mer.
notice-reminder = { $first }, husk timen til { $kind } hos { $clinic } { $when }. Oppmøtested: { $place }. Logg inn på { $portal } for å se mer.
notice-moved = { $first }, timen din til { $kind } hos { $clinic } er endret til { $when }. Oppmøtested: { $place }. Logg inn på { $portal } for å se mer.
notice-subject-booked = Timeavtale hos { $clinic }
notice-subject-cancelled-by-clinic = Timen hos { $clinic } er avlyst
notice-subject-cancelled-by-patient = Timen hos { $clinic } er avbestilt
notice-subject-reminder = Påminnelse om time hos { $clinic }
notice-subject-moved = Timen hos { $clinic } er endret
notice-message-reply = { $first }, du har fått svar fra { $clinic }. Logg inn på { $portal } for å lese svaret.
notice-subject-message-reply = Svar fra { $clinic }

# Innkalling: the office invites a patient to book a timebook, and reminds them.
notice-invited = { $first }, { $clinic } ber deg bestille time: { $service }. Velg time her: { $link }
notice-invitation-reminder = { $first }, husk å bestille time hos { $clinic }: { $service }. Velg time her: { $link }
notice-invitation-message = Melding fra legekontoret: { $message }
notice-subject-invited = Innkalling fra { $clinic }
notice-subject-invitation-reminder = Påminnelse om innkalling fra { $clinic }

# The same notices to someone acting for the patient (a parent, or with fullmakt).
notice-booked-for = { $first } har fått time til { $kind } hos { $clinic } { $when }. Oppmøtested: { $place }. Logg inn på { $portal } for å se mer.
notice-cancelled-by-clinic-for = { $first } sin time til { $kind } hos { $clinic } { $when } er avlyst av legekontoret. Logg inn på { $portal } for å se mer.
notice-cancelled-by-patient-for = { $first } sin time til { $kind } hos { $clinic } { $when } er avbestilt. Logg inn på { $portal } for å se mer.
notice-reminder-for = { $first } har time til { $kind } hos { $clinic } { $when }. Oppmøtested: { $place }. Logg inn på { $portal } for å se mer.
notice-moved-for = { $first } sin time til { $kind } hos { $clinic } er endret til { $when }. Oppmøtested: { $place }. Logg inn på { $portal } for å se mer.
notice-message-reply-for = { $clinic } har svart på meldingen om { $first }. Logg inn på { $portal } og velg { $first } under «Bytt person» for å lese svaret.
notice-invited-for = { $clinic } ber deg bestille time for { $first }: { $service }. Velg { $first } under «Bytt person» og velg time her: { $link }
notice-invitation-reminder-for = Husk å bestille time for { $first } hos { $clinic }: { $service }. Velg { $first } under «Bytt person» og velg time her: { $link }

# Venteliste: a freed place held for the patient first in line.
notice-waitlist-offer = { $first }, en ledig time til { $kind } hos { $clinic } { $when } er holdt av til deg fra ventelisten til kl. { $until }. Oppmøtested: { $place }. Bestill eller si nei takk her: { $link }
notice-waitlist-offer-for = En ledig time for { $first } til { $kind } hos { $clinic } { $when } er holdt av fra ventelisten til kl. { $until }. Oppmøtested: { $place }. Bestill eller si nei takk her: { $link }
notice-subject-waitlist-offer = Ledig time fra ventelisten hos { $clinic }
notice-kind-fastlege = konsultasjon med fastlegen
