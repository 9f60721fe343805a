# Varsel: SMS, push og e-post.
notice-kind-koronatest = koronatest
notice-kind-koronavaksine = koronavaksine
notice-kind-lab = laboratoriet
notice-kind-vaksine = vaksine
notice-when = { $date }, kl. { $time }
notice-booked = { $first }, du har fått time til { $kind } hos { $clinic } { $when }. Oppmøtestad: { $place }. Logg inn på { $portal } for å sjå meir.
notice-cancelled-by-clinic = { $first }, timen din til { $kind } hos { $clinic } { $when } er avlyst av legekontoret. Logg inn på { $portal } for å sjå meir.
notice-cancelled-by-patient = { $first }, du har avbestilt timen til { $kind } hos { $clinic } { $when }. Logg inn på { $portal } for å sjå meir.
notice-reminder = { $first }, hugs timen til { $kind } hos { $clinic } { $when }. Oppmøtestad: { $place }. Logg inn på { $portal } for å sjå meir.
notice-moved = { $first }, timen din til { $kind } hos { $clinic } er endra til { $when }. Oppmøtestad: { $place }. Logg inn på { $portal } for å sjå meir.
notice-subject-booked = Timeavtale hos { $clinic }
notice-subject-cancelled-by-clinic = Timen hos { $clinic } er avlyst
notice-subject-cancelled-by-patient = Timen hos { $clinic } er avbestilt
notice-subject-reminder = Påminning om time hos { $clinic }
notice-subject-moved = Timen hos { $clinic } er endra
notice-message-reply = { $first }, du har fått svar frå { $clinic }. Logg inn på { $portal } for å lese svaret.
notice-subject-message-reply = Svar frå { $clinic }

# Innkalling: the office invites a patient to book a timebook, and reminds them.
notice-invited = { $first }, { $clinic } ber deg bestille time: { $service }. Vel time her: { $link }
notice-invitation-reminder = { $first }, hugs å bestille time hos { $clinic }: { $service }. Vel time her: { $link }
notice-invitation-message = Melding frå legekontoret: { $message }
notice-subject-invited = Innkalling frå { $clinic }
notice-subject-invitation-reminder = Påminning om innkalling frå { $clinic }

# The same notices to someone acting for the patient (a parent, or with fullmakt).
notice-booked-for = { $first } har fått time til { $kind } hos { $clinic } { $when }. Oppmøtestad: { $place }. Logg inn på { $portal } for å sjå meir.
notice-cancelled-by-clinic-for = { $first } sin time til { $kind } hos { $clinic } { $when } er avlyst av legekontoret. Logg inn på { $portal } for å sjå meir.
notice-cancelled-by-patient-for = { $first } sin time til { $kind } hos { $clinic } { $when } er avbestilt. Logg inn på { $portal } for å sjå meir.
notice-reminder-for = { $first } har time til { $kind } hos { $clinic } { $when }. Oppmøtestad: { $place }. Logg inn på { $portal } for å sjå meir.
notice-moved-for = { $first } sin time til { $kind } hos { $clinic } er endra til { $when }. Oppmøtestad: { $place }. Logg inn på { $portal } for å sjå meir.
notice-message-reply-for = { $clinic } har svart på meldinga om { $first }. Logg inn på { $portal } og vel { $first } under «Byt person» for å lese svaret.
notice-invited-for = { $clinic } ber deg bestille time for { $first }: { $service }. Vel { $first } under «Byt person» og vel time her: { $link }
notice-invitation-reminder-for = Hugs å bestille time for { $first } hos { $clinic }: { $service }. Vel { $first } under «Byt person» og vel time her: { $link }

# Venteliste: a freed place held for the patient first in line.
notice-waitlist-offer = { $first }, ein ledig time til { $kind } hos { $clinic } { $when } er halden av til deg frå ventelista til kl. { $until }. Oppmøtestad: { $place }. Bestill eller sei nei takk her: { $link }
notice-waitlist-offer-for = Ein ledig time for { $first } til { $kind } hos { $clinic } { $when } er halden av frå ventelista til kl. { $until }. Oppmøtestad: { $place }. Bestill eller sei nei takk her: { $link }
notice-subject-waitlist-offer = Ledig time frå ventelista hos { $clinic }
notice-kind-fastlege = konsultasjon med fastlegen
