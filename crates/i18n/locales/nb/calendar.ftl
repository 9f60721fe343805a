# «Timeavtaler i kalenderen»: a secret link a calendar app subscribes to, and the calendar it gives.
calendar-link-title = Timeavtaler i kalenderen
calendar-link-intro = Med en kalenderlenke viser kalenderen på telefonen eller datamaskinen timeavtalene dine, og den oppdateres når en time blir bestilt, endret eller avbestilt. Kalenderen viser tid, sted og hva slags time det er, men ikke hva timen gjelder.
calendar-link-covers = Den viser timene fra de siste { $days } dagene og alle senere, også de som er avbestilt.
calendar-link-secret = Lenken er hemmelig: den som har den, kan se timeavtalene dine. Ikke del den med andre.
calendar-link-off = Kalenderlenken er slått av.
calendar-link-switch-on = Slå på kalenderlenke
calendar-link-on = Kalenderlenken er slått på. Den ble laget { $date }.
calendar-link-shown-once = Lenken vises bare når den lages. Har du mistet den, kan du lage en ny; den gamle slutter da å virke.
calendar-link-new-heading = Din nye kalenderlenke
calendar-link-copy-now = Legg lenken til i kalenderen nå, eller kopier den. Den vises bare denne ene gangen.
calendar-link-subscribe = Abonner i kalenderen
calendar-link-https = Lenke til kalenderen
calendar-link-https-hint = Kopier denne til kalendere der du legger til en kalender fra en nettadresse, som Google Kalender og Outlook.
calendar-link-replace = Lag ny lenke
calendar-link-revoke = Slå av
calendar-link-revoked-notice = Kalenderlenken er slått av. Kalendere som brukte den, får ikke lenger timeavtalene dine.
calendar-feed-name = Timeavtaler

# «Velg time»'s month as a date grid, when its script runs.
choose-calendar-keys = Med piltastene flytter du mellom dagene, med Home og End til starten og slutten av uken. Enter velger en dag med ledige timer.
