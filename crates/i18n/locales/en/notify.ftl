# Notifications: SMS, push and e-mail.
notice-kind-koronatest = a COVID-19 test
notice-kind-koronavaksine = a COVID-19 vaccination
notice-kind-lab = the laboratory
notice-kind-vaksine = a vaccination
notice-when = { $date } at { $time }
notice-booked = { $first }, you have an appointment for { $kind } at { $clinic } { $when }. Location: { $place }. Log in to { $portal } to see more.
notice-cancelled-by-clinic = { $first }, your appointment for { $kind } at { $clinic } { $when } has been cancelled by the GP office. Log in to { $portal } to see more.
notice-cancelled-by-patient = { $first }, you have cancelled your appointment for { $kind } at { $clinic } { $when }. Log in to { $portal } to see more.
notice-reminder = { $first }, a reminder of your appointment for { $kind } at { $clinic } { $when }. Location: { $place }. Log in to { $portal } to see more.
notice-moved = { $first }, your appointment for { $kind } at { $clinic } has moved to { $when }. Location: { $place }. Log in to { $portal } to see more.
notice-subject-booked = Appointment at { $clinic }
notice-subject-cancelled-by-clinic = Your appointment at { $clinic } is cancelled
notice-subject-cancelled-by-patient = Your appointment at { $clinic } is cancelled
notice-subject-reminder = Reminder of your appointment at { $clinic }
notice-subject-moved = Your appointment at { $clinic } has changed
notice-message-reply = { $first }, { $clinic } has answered your message. Log in to { $portal } to read the answer.
notice-subject-message-reply = Answer from { $clinic }

# Innkalling: the office invites a patient to book a timebook, and reminds them.
notice-invited = { $first }, { $clinic } asks you to book an appointment: { $service }. Choose a time here: { $link }
notice-invitation-reminder = { $first }, remember to book an appointment at { $clinic }: { $service }. Choose a time here: { $link }
notice-invitation-message = Message from the GP office: { $message }
notice-subject-invited = Invitation from { $clinic }
notice-subject-invitation-reminder = Reminder: invitation from { $clinic }

# The same notices to someone acting for the patient (a parent, or with fullmakt).
notice-booked-for = { $first } has an appointment for { $kind } at { $clinic } { $when }. Location: { $place }. Log in to { $portal } to see more.
notice-cancelled-by-clinic-for = { $first }'s appointment for { $kind } at { $clinic } { $when } has been cancelled by the GP office. Log in to { $portal } to see more.
notice-cancelled-by-patient-for = { $first }'s appointment for { $kind } at { $clinic } { $when } has been cancelled. Log in to { $portal } to see more.
notice-reminder-for = { $first } has an appointment for { $kind } at { $clinic } { $when }. Location: { $place }. Log in to { $portal } to see more.
notice-moved-for = { $first }'s appointment for { $kind } at { $clinic } has moved to { $when }. Location: { $place }. Log in to { $portal } to see more.
notice-message-reply-for = { $clinic } has answered the message about { $first }. Log in to { $portal } and choose { $first } under «Switch person» to read the answer.
notice-invited-for = { $clinic } asks you to book an appointment for { $first }: { $service }. Choose { $first } under «Switch person» and a time here: { $link }
notice-invitation-reminder-for = Remember to book an appointment for { $first } at { $clinic }: { $service }. Choose { $first } under «Switch person» and a time here: { $link }

# Venteliste: a freed place held for the patient first in line.
notice-waitlist-offer = { $first }, a free appointment for { $kind } at { $clinic } { $when } is held for you from the waiting list until { $until }. Location: { $place }. Book it or say no thanks here: { $link }
notice-waitlist-offer-for = A free appointment for { $first } for { $kind } at { $clinic } { $when } is held from the waiting list until { $until }. Location: { $place }. Book it or say no thanks here: { $link }
notice-subject-waitlist-offer = A free appointment from the waiting list at { $clinic }
notice-kind-fastlege = a consultation with your GP
