timebook-title-koronatest = Time til koronatest hos { $clinic }
timebook-title-koronavaksine = Time til koronavaksine hos { $clinic }
timebook-title-lab = Time til laboratoriet hos { $clinic }
timebook-title-vaksine = Time til vaksine hos { $clinic }
timebook-service-koronatest = Koronatest
timebook-service-koronavaksine = Koronavaksine
timebook-service-lab = Ta prøve på laboratoriet
timebook-service-vaksine = Vaksine
