timebook-title-koronatest = Appointment for a COVID-19 test at { $clinic }
timebook-title-koronavaksine = Appointment for a COVID-19 vaccine at { $clinic }
timebook-title-lab = Appointment at the laboratory at { $clinic }
timebook-title-vaksine = Appointment for a vaccine at { $clinic }
timebook-service-koronatest = COVID-19 test
timebook-service-koronavaksine = COVID-19 vaccine
timebook-service-lab = Have a sample taken at the laboratory
timebook-service-vaksine = Vaccine
