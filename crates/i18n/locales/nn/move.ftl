# «Endre time»: the patient moves an appointment to another slot of its timebook.
appointments-move = Endre time
move-note = Du endrar timen { $when }. Han gjeld til du har stadfesta ein ny time. Vel ny time.
move-from = No: { $when }
move-to = Ny tid: { $when }
move-keeps = Det du skreiv om kva timen gjeld, følgjer med til den nye tida.
receipt-moved-title = Timen er endra
receipt-moved-text = Du får eit varsel med ny tid og oppmøtestad.
review-too-late-to-cancel = Denne timen kan ikkje avbestillast eller endrast på nett etter at du har bestilt han, fordi fristen for å avbestille har gått ut. Kontakt legekontoret viss du ikkje kan kome.
choose-skip-to-times = Gå til ledige timar
