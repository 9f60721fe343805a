# «Endre time»: the patient moves an appointment to another slot of its timebook.
appointments-move = Endre time
move-note = Du endrer timen { $when }. Den gjelder til du har bekreftet en ny time. Velg ny time.
move-from = Nå: { $when }
move-to = Ny tid: { $when }
move-keeps = Det du skrev om hva timen gjelder, følger med til den nye tiden.
receipt-moved-title = Timen er endret
receipt-moved-text = Du får et varsel med ny tid og oppmøtested.
review-too-late-to-cancel = Denne timen kan ikke avbestilles eller endres på nett etter at du har bestilt den, fordi fristen for å avbestille har gått ut. Kontakt legekontoret hvis du ikke kan komme.
choose-skip-to-times = Gå til ledige timer
