//! The register over real HTTP: clinics, services switched on and off, patient lists with a
//! CSV import, and the audit log; and who may not come here.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::{Browser, portal};

#[tokio::test]
async fn a_service_switched_off_disappears_from_the_portal_at_once() {
    let portal = portal(true).await;
    let operator = Browser::new(&portal);
    operator.operator_log_in().await;
    let csrf = operator.csrf().await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    assert!(kari.get("/bestill").await.body.contains(">Vaksine<"));
    // Kari is reviewing a time when the service goes off.
    let review = kari.hold(portal.timebook, portal.slots[0]).await;
    assert_eq!(review.status, 303);

    let saved = operator
        .post(
            "/register/klinikker/1/tjenester",
            &[("csrf", &csrf), ("tjeneste", "lab")],
        )
        .await;
    assert_eq!(
        saved.location.as_deref(),
        Some("/register/klinikker/1?melding=tjenester")
    );
    assert!(!kari.get("/bestill").await.body.contains(">Vaksine<"));
    let calendar = kari.get(&format!("/bestill/{}", portal.timebook)).await;
    assert_eq!(
        (calendar.status, calendar.location.as_deref()),
        (303, Some("/bestill?melding=stengt"))
    );
    assert!(
        kari.get("/bestill?melding=stengt")
            .await
            .body
            .contains("Legekontoret tilbyr ikke lenger denne tjenesten på nett.")
    );
    // The page under review says so too, and neither a new hold nor the booking under
    // review goes through.
    let reviewed = kari.get(review.location.as_deref().expect("review")).await;
    assert_eq!(
        reviewed.location.as_deref(),
        Some("/bestill?melding=stengt")
    );
    let held = kari.hold(portal.timebook, portal.slots[1]).await;
    assert_eq!(held.location.as_deref(), Some("/bestill?melding=stengt"));
    let kari_csrf = kari.csrf().await;
    let sent = kari
        .post(
            &format!("/bestill/{}/send", portal.timebook),
            &[
                ("csrf", &kari_csrf),
                ("slot", &portal.slots[0].to_string()),
                (
                    "hold",
                    &common::hold_id(review.location.as_deref().expect("review")),
                ),
                ("reason", "Influensavaksine"),
            ],
        )
        .await;
    assert_eq!(
        (sent.status, sent.location.as_deref()),
        (303, Some("/bestill?melding=stengt")),
        "the review page's slot is no longer offered, and the patient is told why"
    );
    assert!(
        portal
            .store
            .planned_appointments(&portal.kari)
            .await
            .expect("planned")
            .is_empty()
    );
    // Nor can the clinic create a timebook of a kind that is off.
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let staff_csrf = staff.csrf().await;
    let refused = staff
        .post(
            "/klinikk/timeboker",
            &[("csrf", &staff_csrf), ("type", "koronatest")],
        )
        .await;
    assert_eq!(refused.status, 404);
    assert!(
        !staff
            .get("/klinikk/timeboker")
            .await
            .body
            .contains("value=\"koronatest\"")
    );

    operator
        .post(
            "/register/klinikker/1/tjenester",
            &[
                ("csrf", &csrf),
                ("tjeneste", "lab"),
                ("tjeneste", "vaksine"),
            ],
        )
        .await;
    assert!(kari.get("/bestill").await.body.contains(">Vaksine<"));
    assert_eq!(
        kari.get(&format!("/bestill/{}", portal.timebook))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn clinics_and_patient_lists_are_kept_with_a_report_for_each_rejected_line() {
    let portal = portal(true).await;
    let operator = Browser::new(&portal);
    operator.operator_log_in().await;
    let csrf = operator.csrf().await;
    let refused = operator
        .post(
            "/register/klinikker",
            &[
                ("csrf", &csrf),
                ("her", "0"),
                ("navn", "Nytt kontor"),
                ("org", "974760673"),
            ],
        )
        .await;
    assert_eq!(
        refused.location.as_deref(),
        Some("/register?melding=ugyldig")
    );
    let created = operator
        .post(
            "/register/klinikker",
            &[
                ("csrf", &csrf),
                ("her", "77001"),
                ("navn", "Nytt legekontor"),
                ("org", "974760673"),
                ("telefon", "+47 22334455"),
                ("kommunenummer", "3201"),
                ("kommune", "Bærum"),
            ],
        )
        .await;
    let path = created.location.expect("the new clinic");
    let register = operator.get("/register").await.body;
    assert!(register.contains("Nytt legekontor") && register.contains("974760673"));
    assert!(
        register.contains("22 33 44 55"),
        "the phone, as people write it"
    );
    assert!(register.contains("3201 Bærum"), "the municipality");
    for (number, name) in [("9901", "Ingensteds"), ("3201", ""), ("", "Bærum")] {
        let bad_municipality = operator
            .post(
                "/register/klinikker",
                &[
                    ("csrf", &csrf),
                    ("her", "77004"),
                    ("navn", "Feil kommune"),
                    ("org", "974760673"),
                    ("kommunenummer", number),
                    ("kommune", name),
                ],
            )
            .await;
        assert_eq!(
            bad_municipality.location.as_deref(),
            Some("/register?melding=ugyldig"),
            "{number} {name}"
        );
    }
    assert!(
        !operator
            .get("/register")
            .await
            .body
            .contains("Feil kommune")
    );
    let bad_phone = operator
        .post(
            "/register/klinikker",
            &[
                ("csrf", &csrf),
                ("her", "77003"),
                ("navn", "Feil telefon"),
                ("org", "974760673"),
                ("telefon", "123"),
            ],
        )
        .await;
    assert_eq!(
        bad_phone.location.as_deref(),
        Some("/register?melding=ugyldig")
    );
    assert!(
        !operator
            .get("/register")
            .await
            .body
            .contains("Feil telefon")
    );
    let bad_org = operator
        .post(
            "/register/klinikker",
            &[
                ("csrf", &csrf),
                ("her", "77002"),
                ("navn", "Feil"),
                ("org", "974760674"),
            ],
        )
        .await;
    assert_eq!(
        bad_org.location.as_deref(),
        Some("/register?melding=ugyldig")
    );

    let id = path.rsplit('/').next().expect("id").to_owned();
    let one = common::person(40);
    let two = common::person(41);
    let csv = format!(
        "{};Liv;Lie\n12345678901;Feil;Nummer\n{};Per\n\n{},Ida,Dal\n",
        one.as_str(),
        two.as_str(),
        two.as_str()
    );
    let report = operator
        .post_file(
            &format!("/register/klinikker/{id}/import"),
            &csrf,
            "fil",
            &format!("\u{feff}{csv}"),
        )
        .await;
    assert_eq!(report.status, 422);
    assert!(
        report
            .body
            .contains("Import: ingenting er endret, 2 av 4 linjer er avvist."),
        "{}",
        report.body
    );
    assert!(report.body.contains("Linje 2: ugyldig fødselsnummer"));
    assert!(
        report
            .body
            .contains("Linje 3: må ha tre felt skilt med semikolon")
    );
    let clinic = domain::ClinicId(id.parse().expect("id"));
    assert!(
        portal
            .store
            .clinic_patients(clinic)
            .await
            .expect("list")
            .is_empty(),
        "a file with a bad line changes nothing"
    );
    let import = format!("/register/klinikker/{id}/import");
    let pasted = operator.post_file(&import, &csrf, "csv", "12345;A;B").await;
    assert!(
        pasted
            .body
            .contains("Import: ingenting er endret, 1 av 1 linjer er avvist.")
    );
    let no_token = operator.post_file(&import, "", "fil", &csv).await;
    assert_eq!(no_token.status, 403);
    let good = format!("{};Liv;Lie\n{},Ida,Dal\n", one.as_str(), two.as_str());
    let imported = operator.post_file(&import, &csrf, "fil", &good).await;
    let summary = imported.location.expect("to the summary");
    assert_eq!(
        summary,
        format!("/register/klinikker/{id}?melding=importert&lagt_til=2&oppdatert=0&uendret=0")
    );
    assert!(
        operator
            .get(&summary)
            .await
            .body
            .contains("Import: 2 lagt til, 0 oppdatert, 0 var allerede på listen, 0 avvist")
    );
    let listed = portal.store.clinic_patients(clinic).await.expect("list");
    assert_eq!(listed.len(), 2);

    let removed = operator
        .post(
            &format!("/register/klinikker/{id}/pasienter/fjern"),
            &[("csrf", &csrf), ("fodselsnummer", one.as_str())],
        )
        .await;
    assert!(removed.location.expect("back").ends_with("melding=fjernet"));
    let added = operator
        .post(
            &format!("/register/klinikker/{id}/pasienter"),
            &[
                ("csrf", &csrf),
                ("fodselsnummer", one.as_str()),
                ("fornavn", "Liv"),
                ("etternavn", "Lie"),
            ],
        )
        .await;
    assert!(added.location.expect("back").ends_with("melding=lagt-til"));
    let bad = operator
        .post(
            &format!("/register/klinikker/{id}/pasienter"),
            &[
                ("csrf", &csrf),
                ("fodselsnummer", "1"),
                ("fornavn", "A"),
                ("etternavn", "B"),
            ],
        )
        .await;
    assert!(bad.location.expect("back").ends_with("melding=ugyldig"));
    assert_eq!(operator.get("/register/klinikker/9999").await.status, 404);
}

#[tokio::test]
async fn the_operator_reads_the_audit_log_of_one_patient() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let operator = Browser::new(&portal);
    operator.operator_log_in().await;
    let csrf = operator.csrf().await;
    let page = operator
        .post(
            "/register/logg",
            &[("csrf", &csrf), ("fodselsnummer", portal.kari.as_str())],
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("patient.logged_in") && page.body.contains("patient.listed"));
    assert!(!page.body.contains(portal.ola.as_str()));
    assert_eq!(
        operator
            .post(
                "/register/logg",
                &[("csrf", &csrf), ("fodselsnummer", "nei")]
            )
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn staff_and_operator_each_keep_to_their_own_pages() {
    let portal = portal(true).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    assert_eq!(staff.get("/register").await.status, 403);
    let operator = Browser::new(&portal);
    operator.operator_log_in().await;
    assert_eq!(operator.get("/klinikk").await.status, 403);
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    assert_eq!(
        kari.get("/register").await.location.as_deref(),
        Some("/personale/logg-inn")
    );

    // Logging out ends the staff session.
    let csrf = staff.csrf().await;
    let out = staff.post("/personale/logg-ut", &[("csrf", &csrf)]).await;
    assert_eq!(out.location.as_deref(), Some("/personale/logg-inn"));
    assert_eq!(
        staff.get("/klinikk").await.location.as_deref(),
        Some("/personale/logg-inn")
    );
}

/// `count` lines `fødselsnummer;fornavn;etternavn` of distinct synthetic patients.
fn csv_of(count: usize, last_name: &str) -> String {
    let mut day = jiff::civil::date(1950, 1, 1);
    let mut lines = String::new();
    let mut n = 0;
    while n < count {
        for id in domain::NationalId::synthetic_day(day).expect("ids") {
            if n == count {
                break;
            }
            lines.push_str(&format!("{};Pasient {n};{last_name}\n", id.as_str()));
            n += 1;
        }
        day = day.tomorrow().expect("day");
    }
    lines
}

async fn audited(portal: &common::Portal, action: domain::AuditAction) -> Vec<domain::AuditEvent> {
    portal
        .store
        .audit_events(&store::AuditFilter {
            patient: None,
            action: Some(action),
            limit: 10_000,
        })
        .await
        .expect("audit")
}

/// An import is one audit event with its counts, whatever its size; the page after it shows
/// the list a page at a time, auditing the patients shown; the same file again changes
/// nothing; and a file with one bad line changes nothing and says which, in the operator's
/// language.
async fn a_large_import_is_one_event_and_the_list_is_shown_a_page_at_a_time(
    portal: common::Portal,
) {
    const PATIENTS: usize = 3_000;
    let operator = Browser::new(&portal);
    operator.operator_log_in().await;
    let csrf = operator.csrf().await;
    let listed_before = audited(&portal, domain::AuditAction::PatientListed)
        .await
        .len();
    let import = "/register/klinikker/2/import";
    let file = csv_of(PATIENTS, "Hansen");
    let started = std::time::Instant::now();
    let imported = operator.post_file(import, &csrf, "fil", &file).await;
    eprintln!(
        "imported {PATIENTS} patients over HTTP in {:?}",
        started.elapsed()
    );
    assert_eq!(imported.status, 303, "{}", imported.body);
    let summary = imported.location.expect("summary");
    assert!(summary.ends_with(&format!("lagt_til={PATIENTS}&oppdatert=0&uendret=0")));
    let events = audited(&portal, domain::AuditAction::PatientListImported).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].subject,
        format!("patient_list:{PATIENTS} added={PATIENTS} updated=0 unchanged=0")
    );
    assert_eq!(events[0].patient, None);
    assert_eq!(
        audited(&portal, domain::AuditAction::PatientListed)
            .await
            .len(),
        listed_before
    );
    assert!(
        audited(&portal, domain::AuditAction::PatientListViewed)
            .await
            .is_empty(),
        "the import itself shows nobody"
    );

    let page = operator.get(&summary).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!("Viser 1–50 av {PATIENTS}")),
        "{}",
        page.body
    );
    assert!(page.body.contains("?side=2"));
    assert_eq!(
        page.body.matches("name=\"fodselsnummer\" value=").count(),
        50
    );
    assert_eq!(
        audited(&portal, domain::AuditAction::PatientListViewed)
            .await
            .len(),
        50,
        "one view per patient shown"
    );
    let second = operator.get("/register/klinikker/2?side=2").await.body;
    assert!(second.contains(&format!("Viser 51–100 av {PATIENTS}")));
    assert!(second.contains("?side=1") && second.contains("?side=3"));

    let again = operator.post_file(import, &csrf, "fil", &file).await;
    assert!(
        again
            .location
            .expect("summary")
            .ends_with(&format!("lagt_til=0&oppdatert=0&uendret={PATIENTS}"))
    );

    // One bad line in the middle, read in English: nothing changes.
    operator.get("/sprak/en?tilbake=/register").await;
    let mut lines: Vec<String> = csv_of(PATIENTS, "Berg")
        .lines()
        .map(str::to_owned)
        .collect();
    lines[1_499] = "01019012345;Feil;Nummer".to_owned();
    let refused = operator
        .post_file(import, &csrf, "fil", &lines.join("\n"))
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains(&format!(
            "Import: nothing was changed, 1 of {PATIENTS} lines were rejected."
        )),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("Line 1500: invalid national identity number")
    );
    let clinic = domain::ClinicId(2);
    let list = portal.store.clinic_patients(clinic).await.expect("list");
    assert_eq!(list.len(), PATIENTS);
    assert!(list.iter().all(|p| p.last_name.as_str() == "Hansen"));
    assert_eq!(
        audited(&portal, domain::AuditAction::PatientListImported)
            .await
            .len(),
        2,
        "a refused file is not an import"
    );
    portal.db.finish().await;
}

#[tokio::test]
async fn a_large_import_is_one_event_and_the_list_is_paged() {
    a_large_import_is_one_event_and_the_list_is_shown_a_page_at_a_time(portal(true).await).await;
}

#[tokio::test]
async fn a_large_import_is_one_event_and_the_list_is_paged_on_postgres() {
    let Some(db) = store::testing::TestDb::postgres().await else {
        return;
    };
    let portal = common::portal_with(common::Options {
        demo_login: true,
        db: Some(db),
        ..common::Options::default()
    })
    .await;
    a_large_import_is_one_event_and_the_list_is_shown_a_page_at_a_time(portal).await;
}

#[tokio::test]
async fn the_operator_keeps_each_practitioners_list() {
    let portal = portal(true).await;
    let operator = Browser::new(&portal);
    operator.operator_log_in().await;
    let csrf = operator.csrf().await;
    let clinic = portal
        .number(&format!(
            "SELECT clinic_id FROM timebook WHERE id = {}",
            portal.timebook
        ))
        .await;
    let page = format!("/register/klinikker/{clinic}");
    let none = operator.get(&page).await.body;
    assert!(none.contains("Legekontoret har ingen fastleger i registeret."));
    assert!(!none.contains("Sett pasienter på fastlegens liste"));

    // A mistyped HPR number or a missing name saves nothing and says so.
    for (hpr, first) in [("91449OO", "Tove"), ("1234567890", "Tove"), ("9144900", "")] {
        let refused = operator
            .post(
                &format!("{page}/fastleger"),
                &[
                    ("csrf", &csrf),
                    ("hpr", hpr),
                    ("fornavn", first),
                    ("etternavn", "Fastlege"),
                ],
            )
            .await;
        assert_eq!(
            refused.location.as_deref(),
            Some(format!("{page}?melding=fastlege-ugyldig#fastleger").as_str())
        );
    }
    assert_eq!(portal.number("SELECT COUNT(*) FROM practitioner").await, 0);
    let shown = operator
        .get(&format!("{page}?melding=fastlege-ugyldig"))
        .await
        .body;
    assert!(shown.contains("Fastlegen ble ikke lagret."));

    let saved = operator
        .post(
            &format!("{page}/fastleger"),
            &[
                ("csrf", &csrf),
                ("hpr", " 9144900 "),
                ("fornavn", "Tove"),
                ("etternavn", "Fastlege"),
            ],
        )
        .await;
    assert_eq!(
        saved.location.as_deref(),
        Some(format!("{page}?melding=fastlege-lagret#fastleger").as_str())
    );
    let id = portal.number("SELECT id FROM practitioner").await;
    let listed = |text: String| {
        let csrf = csrf.clone();
        let operator = &operator;
        let page = page.clone();
        async move {
            operator
                .post(
                    &format!("{page}/fastleger/liste"),
                    &[
                        ("csrf", csrf.as_str()),
                        ("fastlege", &id.to_string()),
                        ("pasienter", &text),
                    ],
                )
                .await
        }
    };
    // One line that is not a fødselsnummer puts nobody on the list.
    let refused = listed(format!("{}\n123", portal.kari.as_str())).await;
    assert_eq!(
        refused.location.as_deref(),
        Some(format!("{page}?melding=liste-ugyldig#fastleger").as_str())
    );
    assert_eq!(
        portal
            .number("SELECT COUNT(*) FROM practitioner_list")
            .await,
        0
    );
    // A patient on no list of the clinic's is left out, and the answer says how many were put.
    let stranger = common::person(77);
    let done = listed(format!(
        "{}\n {} \n\n{}",
        portal.kari.as_str(),
        portal.ola.as_str(),
        stranger.as_str()
    ))
    .await;
    assert_eq!(
        done.location.as_deref(),
        Some(format!("{page}?melding=liste-satt&antall=2#fastleger").as_str())
    );
    let body = operator
        .get(&format!("{page}?melding=liste-satt&antall=2"))
        .await
        .body;
    assert!(body.contains("2 pasienter er satt på fastlegens liste."));
    assert!(body.contains("Tove Fastlege"));
    assert!(body.contains("HPR-nummer 9144900, 2 pasienter på listen"));
    assert_eq!(
        audited(&portal, domain::AuditAction::PractitionerSaved)
            .await
            .len(),
        1
    );
    assert_eq!(
        audited(&portal, domain::AuditAction::PractitionerListChanged)
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn the_operator_imports_several_gps_lists_from_one_file() {
    let portal = portal(true).await;
    let operator = Browser::new(&portal);
    operator.operator_log_in().await;
    let csrf = operator.csrf().await;
    let clinic = portal
        .number(&format!(
            "SELECT clinic_id FROM timebook WHERE id = {}",
            portal.timebook
        ))
        .await;
    let page = format!("/register/klinikker/{clinic}");
    for (hpr, first) in [("9144900", "Tove"), ("565505933", "Annen")] {
        operator
            .post(
                &format!("{page}/fastleger"),
                &[
                    ("csrf", &csrf),
                    ("hpr", hpr),
                    ("fornavn", first),
                    ("etternavn", "Fastlege"),
                ],
            )
            .await;
    }
    let import = format!("{page}/fastleger/import");
    let (kari, ola) = (portal.kari.as_str(), portal.ola.as_str());

    // An unknown HPR number and a bad fødselsnummer: nothing changes, each line is named.
    let bad = format!("hpr;fodselsnummer\n9144900;{kari}\n123456;{ola}\n565505933;123\n");
    let refused = operator.post_file(&import, &csrf, "fil", &bad).await;
    assert_eq!(refused.status, 422);
    for text in [
        "Linje 3: legekontoret har ingen fastlege med dette HPR-nummeret",
        "Linje 4: ugyldig fødselsnummer",
        "2 av 3 linjer er avvist",
    ] {
        assert!(refused.body.contains(text), "«{text}» missing");
    }
    assert_eq!(
        portal
            .number("SELECT COUNT(*) FROM practitioner_list")
            .await,
        0
    );

    // A good file puts each patient on their GP's list, in one go, and says how many.
    let good = format!("HPR;Fødselsnummer\n9144900;{kari}\n565505933, {ola}\n");
    let done = operator.post_file(&import, &csrf, "fil", &good).await;
    assert_eq!(
        done.location.as_deref(),
        Some(format!("{page}?melding=liste-satt&antall=2#fastleger").as_str())
    );
    let gp_of = |patient: &str| {
        format!(
            "SELECT p.hpr_number FROM practitioner_list l \
             JOIN practitioner p ON p.id = l.practitioner_id WHERE l.national_id = '{patient}'"
        )
    };
    assert_eq!(portal.number(&gp_of(kari)).await, 9_144_900);
    assert_eq!(portal.number(&gp_of(ola)).await, 565_505_933);
    assert_eq!(
        audited(&portal, domain::AuditAction::PractitionerListChanged)
            .await
            .len(),
        2,
        "one entry for each GP's list"
    );
}
