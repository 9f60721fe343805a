# «Timeavtaler i kalenderen»: a secret link a calendar app subscribes to, and the calendar it gives.
calendar-link-title = Timeavtalar i kalenderen
calendar-link-intro = Med ei kalenderlenkje viser kalenderen på telefonen eller datamaskina timeavtalane dine, og han blir oppdatert når ein time blir bestilt, endra eller avbestilt. Kalenderen viser tid, stad og kva slags time det er, men ikkje kva timen gjeld.
calendar-link-covers = Han viser timane frå dei siste { $days } dagane og alle seinare, også dei som er avbestilte.
calendar-link-secret = Lenkja er hemmeleg: den som har ho, kan sjå timeavtalane dine. Ikkje del ho med andre.
calendar-link-off = Kalenderlenkja er slått av.
calendar-link-switch-on = Slå på kalenderlenkje
calendar-link-on = Kalenderlenkja er slått på. Ho vart laga { $date }.
calendar-link-shown-once = Lenkja blir berre vist når ho blir laga. Har du mista ho, kan du lage ei ny; den gamle sluttar då å verke.
calendar-link-new-heading = Den nye kalenderlenkja di
calendar-link-copy-now = Legg lenkja til i kalenderen no, eller kopier ho. Ho blir berre vist denne eine gongen.
calendar-link-subscribe = Abonner i kalenderen
calendar-link-https = Lenkje til kalenderen
calendar-link-https-hint = Kopier denne til kalendrar der du legg til ein kalender frå ei nettadresse, som Google Kalender og Outlook.
calendar-link-replace = Lag ny lenkje
calendar-link-revoke = Slå av
calendar-link-revoked-notice = Kalenderlenkja er slått av. Kalendrar som brukte ho, får ikkje lenger timeavtalane dine.
calendar-feed-name = Timeavtalar

# «Velg time»'s month as a date grid, when its script runs.
choose-calendar-keys = Med piltastane flyttar du mellom dagane, med Home og End til starten og slutten av veka. Enter vel ein dag med ledige timar.
