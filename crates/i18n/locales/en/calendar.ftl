# «Timeavtaler i kalenderen»: a secret link a calendar app subscribes to, and the calendar it gives.
calendar-link-title = Appointments in your calendar
calendar-link-intro = With a calendar link, the calendar on your phone or computer shows your appointments and is updated when an appointment is booked, changed or cancelled. The calendar shows the time, the place and the kind of appointment, but not what it is about.
calendar-link-covers = It shows the appointments of the last { $days } days and all later ones, cancelled ones too.
calendar-link-secret = The link is secret: whoever has it can see your appointments. Do not share it.
calendar-link-off = The calendar link is switched off.
calendar-link-switch-on = Switch on a calendar link
calendar-link-on = The calendar link is switched on. It was made { $date }.
calendar-link-shown-once = The link is shown only when it is made. If you have lost it, make a new one; the old one then stops working.
calendar-link-new-heading = Your new calendar link
calendar-link-copy-now = Add the link to your calendar now, or copy it. It is shown this once only.
calendar-link-subscribe = Subscribe in your calendar
calendar-link-https = Link to the calendar
calendar-link-https-hint = Copy this into calendars where you add a calendar from a web address, such as Google Calendar and Outlook.
calendar-link-replace = Make a new link
calendar-link-revoke = Switch off
calendar-link-revoked-notice = The calendar link is switched off. Calendars that used it no longer get your appointments.
calendar-feed-name = Appointments

# «Velg time»'s month as a date grid, when its script runs.
choose-calendar-keys = The arrow keys move between the days, Home and End to the start and end of the week. Enter chooses a day with free times.
