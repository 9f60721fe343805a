register-nav-clinics = GP offices
register-nav-audit = Log
register-title = Address register
register-clinics = GP offices
register-none = No GP offices yet.
register-her-id = HER-id
register-phone = Phone (optional)
register-phone-short = Phone
register-municipality-number = Municipality number (optional)
register-municipality-name = Municipality (optional)
register-municipality-short = Municipality
register-org-number = Organisation number
register-name = Name
register-create = Create GP office
register-invalid = Write a valid HER-id (a positive whole number), a name, a valid organisation number (nine digits) and, if you like, a Norwegian phone number (eight digits)
register-services = Services switched on
register-services-save = Save the services
register-services-saved = The services are saved.
register-patients = Patient list
register-patients-none = No patients on the list.
register-patient-remove = Remove from the list
register-patient-add = Add patient
register-first-name = First name
register-last-name = Last name
register-patient-added = The patient is added.
register-patient-removed = The patient is removed from the list.
register-patient-invalid = Write a valid national identity number, first name and last name
register-import = Import from CSV
register-import-hint = One patient per line: national identity number;first name;last name
register-import-file = CSV file
register-import-paste = Or paste lines
register-import-submit = Import
register-import-report = Import: { $added } added, { $updated } updated, { $unchanged } already on the list, 0 rejected
register-import-refused = Import: nothing was changed, { $rejected } of { $lines } lines were rejected. Correct them and import the file again.
register-import-more = … and { $count } more lines
register-patients-showing = Showing { $first }–{ $last } of { $total }
register-patients-previous = Previous page
register-patients-next = Next page
register-patients-pages = Pages of the patient list
register-import-rejected = Line { $line }: { $reason }
register-import-bad-id = invalid national identity number
register-import-bad-name = first or last name missing
register-import-bad-columns = must have three fields separated by semicolons
register-audit-title = Log of access and changes
register-audit-national-id = The patient's national identity number
register-audit-search = Show log
register-audit-none = No events.
register-audit-when = Time
register-audit-who = Who
register-audit-what = What
register-audit-subject = Concerns

# Notifications
register-nav-notifications = Notifications
register-notifications-title = Notifications to patients
register-notifications-retried = The notification is queued again.
register-notifications-pending = Waiting
register-notifications-sent = Sent
register-notifications-skipped = Not sent (no address, or cancelled)
register-notifications-failed = Failed
register-notifications-failed-title = Notifications that did not get through
register-notifications-none-failed = No notifications have failed.
register-notifications-created = Created
register-notifications-failed-at = Failed
register-notifications-kind = Event
register-notifications-clinic = GP office
register-notifications-channel = Channel
register-notifications-attempts = Tries
register-notifications-error = Last error
register-notifications-action = Action
register-notifications-retry = Try again
register-notification-kind-appointment-booked = Appointment booked
register-notification-kind-appointment-cancelled-by-patient = Cancelled by the patient
register-notification-kind-appointment-cancelled-by-clinic = Cancelled by the GP office
register-notification-kind-appointment-reminder = Reminder
register-notification-kind-message-reply = Answer to a message

# Bookings that came by a slot finder's deep link (SMART Scheduling Links)
register-referrals = Bookings from slot finders, last 30 days
register-referrals-none = No booking came from a slot finder's link.
register-referrals-source = Slot finder
register-referrals-bookings = Bookings
register-referrals-no-source = (unnamed)

# FHIR Subscriptions: notifications to journal systems in the failed list
register-notification-kind-appointment-moved = Appointment moved
register-notification-hook = FHIR subscription { $id }

# Innkalling: the kinds of an invitation's notices, in the list of failed notifications
register-notification-kind-invitation-sent = Invitation
register-notification-kind-invitation-reminder = Invitation reminder
register-notification-kind-waitlist-offer = Free appointment from the waiting list

# Fastleger: each practitioner's list.
register-practitioners = Regular GPs
register-practitioners-none = The GP office has no regular GPs in the register.
register-practitioner-about = HPR number { $hpr }, { $count } patients on the list
register-practitioner-add = Add a regular GP
register-practitioner-hpr = HPR number
register-practitioner-saved = The regular GP has been saved.
register-practitioner-invalid = The regular GP was not saved. Write the HPR number in digits only (at most 9), and the first and last name.
register-practitioner-list = Put patients on the GP's list
register-practitioner-who = Regular GP
register-practitioner-patients = National identity numbers
register-practitioner-list-hint = One national identity number per line. Only patients on the GP office's list are put on the GP's list; a patient has one regular GP.
register-practitioner-list-invalid = Nobody was put on the list. Choose a regular GP and write valid national identity numbers, one per line.
register-practitioner-listed = { $count } patients have been put on the GP's list.
