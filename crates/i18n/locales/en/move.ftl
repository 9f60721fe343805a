# «Endre time»: the patient moves an appointment to another slot of its timebook.
appointments-move = Change time
move-note = You are changing your appointment { $when }. It stands until you have confirmed a new time. Choose a new time.
move-from = Now: { $when }
move-to = New time: { $when }
move-keeps = What you wrote about the appointment goes with it to the new time.
receipt-moved-title = The appointment is changed
receipt-moved-text = You will get a notification with the new time and place.
review-too-late-to-cancel = This appointment cannot be cancelled or changed online once you have booked it, because the deadline for cancelling has passed. Contact the GP office if you cannot come.
choose-skip-to-times = Go to free times
