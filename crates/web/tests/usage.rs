//! «Bruk av timebøkene» over real HTTP: the week's numbers in the table, the chart and the CSV
//! file, only the staff member's own clinic, every look audited, and bad input answered with a
//! message in the visitor's language.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::fhir::*;
use common::{Browser, Portal, person};
use domain::{
    Actor, AppointmentId, AppointmentStatus, AuditAction, Caller, CancelReason, ClinicId,
    NationalId, PersonName, Reason, SlotId,
};
use store::{AuditFilter, BookRequest, CancelRequest};

fn clinic_of(portal: &Portal, index: usize) -> (ClinicId, Actor) {
    let actor = portal.state.demo_staff[index].1.clone();
    match actor {
        Actor::Staff { clinic_id, .. } => (clinic_id, actor),
        _ => panic!("not staff"),
    }
}

async fn listed(portal: &Portal, clinic: ClinicId, n: u16) -> NationalId {
    let id = person(n);
    portal
        .store
        .list_patient(
            &Actor::System,
            clinic,
            &id,
            &PersonName::parse("Synne").expect("first"),
            &PersonName::parse("Hemmeligsen").expect("last"),
        )
        .await
        .expect("list");
    id
}

async fn book(portal: &Portal, patient: &NationalId, slot: i64) -> AppointmentId {
    portal
        .store
        .book(
            &Caller::patient(patient.clone()),
            &BookRequest {
                appointment_type: None,
                patient: patient.clone(),
                slot: SlotId(slot),
                reason: Reason::parse("Influensavaksine").expect("reason"),
                hold: None,
                idempotency: None,
            },
        )
        .await
        .expect("book")
        .id
}

async fn cancel(portal: &Portal, caller: Caller, appointment: AppointmentId) {
    portal
        .store
        .cancel(
            &caller,
            &CancelRequest {
                appointment,
                reason: Some(CancelReason::parse("Legen er syk").expect("reason")),
                version: None,
            },
        )
        .await
        .expect("cancel");
}

/// «Uke 12, 2027» and «2027-W12» of the week that holds the slot.
async fn week_of(portal: &Portal, slot: i64) -> (u8, i16) {
    let slot = portal.store.slot(SlotId(slot)).await.expect("slot");
    let week = portal.state.day_of(slot.start).iso_week_date();
    (u8::try_from(week.week()).expect("week"), week.year())
}

/// The cells of the table row headed `week` in the section headed by `id`.
fn row(body: &str, id: &str, week: &str) -> Vec<String> {
    let section = body
        .split(&format!(
            "<section class=\"usage-place\" aria-labelledby=\"{id}\">"
        ))
        .nth(1)
        .unwrap_or_else(|| panic!("no section {id}"));
    let section = section.split("</section>").next().expect("section");
    let line = section
        .split("<tr>")
        .find(|line| line.contains(&format!("<th scope=\"row\">{week}</th>")))
        .unwrap_or_else(|| panic!("no row {week} in {id}"));
    line.split("<td>")
        .skip(1)
        .map(|cell| cell.split("</td>").next().unwrap_or_default().to_owned())
        .collect()
}

async fn csv(browser: &Browser, query: &str) -> (u16, String, String, String) {
    let response = browser
        .http
        .get(format!("{}/klinikk/bruk.csv{query}", browser.base))
        .send()
        .await
        .expect("GET");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (kind, disposition) = (header("content-type"), header("content-disposition"));
    let status = response.status().as_u16();
    (
        status,
        kind,
        disposition,
        response.text().await.expect("body"),
    )
}

async fn staff_see_the_weeks_numbers_in_the_table_the_chart_and_the_csv(portal: Portal) {
    let (clinic, staff_actor) = clinic_of(&portal, 0);
    let (neighbour, _) = clinic_of(&portal, 1);
    // Kari's is fulfilled, Ola cancels his, the office cancels the third patient's.
    let kari = book(&portal, &portal.kari, portal.slots[0]).await;
    let ola = book(&portal, &portal.ola, portal.slots[1]).await;
    let third = listed(&portal, clinic, 4).await;
    let by_office = book(&portal, &third, portal.slots[2]).await;
    cancel(&portal, Caller::patient(portal.ola.clone()), ola).await;
    cancel(&portal, Caller::staff(clinic, "resepsjon"), by_office).await;
    portal
        .store
        .set_appointment_outcome(&staff_actor, clinic, kari, AppointmentStatus::Fulfilled)
        .await
        .expect("outcome");
    // The other clinic's slot, booked there.
    let stranger = listed(&portal, neighbour, 5).await;
    book(&portal, &stranger, portal.foreign_slot).await;

    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let overview = staff.get("/klinikk").await;
    assert!(
        overview
            .body
            .contains("<a href=\"/klinikk/bruk\">Bruk av timebøkene</a>"),
        "in the staff's navigation"
    );
    let page = staff.get("/klinikk/bruk").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let (week, year) = week_of(&portal, portal.slots[0]).await;
    let label = format!("Uke {week}, {year}");
    let place = format!("sted-{}", portal.resource);
    // Published, places, booked, by the patient, by the office, no-shows, fulfilled, use.
    assert_eq!(
        row(&page.body, &place, &label),
        ["3", "3", "1", "1", "1", "0", "1", "33 %"]
    );
    assert!(page.body.contains("<h2 id=\"sted-"));
    assert!(page.body.contains(">Vaksine – Influensa</h2>"));
    // The chart: an image named by its title, described with the same numbers.
    assert!(page.body.contains(&format!(
        "role=\"img\" aria-labelledby=\"{place}-chart-title {place}-chart-desc\""
    )));
    assert!(page.body.contains("<title id=\"sted-"));
    assert!(page.body.contains(&format!(
        "Uke {week}: 1 bestilt av 3 plasser, utnyttelse 33 %."
    )));
    // Lab's slot in two hours is published and unbooked.
    let (lab_week, lab_year) = week_of(&portal, portal.soon_slot).await;
    let lab = portal
        .store
        .slot(SlotId(portal.soon_slot))
        .await
        .expect("slot")
        .resource_id;
    assert_eq!(
        row(
            &page.body,
            &format!("sted-{}", lab.0),
            &format!("Uke {lab_week}, {lab_year}")
        ),
        ["1", "1", "0", "0", "0", "0", "0", "0 %"]
    );
    // No patient, and nothing of the other clinic.
    let foreign = portal
        .store
        .slot(SlotId(portal.foreign_slot))
        .await
        .expect("slot")
        .resource_id;
    for absent in [
        "Kari",
        "Ola",
        "Hemmeligsen",
        portal.kari.as_str(),
        third.as_str(),
        &format!("sted-{}\"", foreign.0),
    ] {
        assert!(!page.body.contains(absent), "{absent} on the page");
    }

    let (status, kind, disposition, text) = csv(&staff, "").await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(kind, "text/csv; charset=utf-8");
    assert!(
        disposition.starts_with("attachment; filename=\"bruk-") && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "timebook_id,timebook,place_id,place,week,monday,published,places,booked,\
         cancelled_by_patient,cancelled_by_clinic,no_shows,fulfilled,utilisation_percent"
    );
    let iso = format!("{year}-W{week:02}");
    let ours: Vec<&&str> = lines
        .iter()
        .filter(|line| line.contains(&format!(",{},Influensa,{iso},", portal.resource)))
        .collect();
    assert_eq!(ours.len(), 1, "{text}");
    let fields: Vec<&str> = ours[0].split(',').collect();
    assert_eq!(
        fields[..4],
        [
            portal.timebook.to_string().as_str(),
            "vaksine",
            portal.resource.to_string().as_str(),
            "Influensa"
        ]
    );
    assert_eq!(fields[6..], ["3", "3", "1", "1", "1", "0", "1", "33"]);
    for line in &lines[1..] {
        let place = line.split(',').nth(2).unwrap_or_default();
        assert_ne!(
            place,
            foreign.0.to_string(),
            "another clinic's place in the file"
        );
    }
    assert!(!text.contains("Kari") && !text.contains(portal.kari.as_str()));

    // One place only, by the filter, in the page and in the file alike.
    let one = staff
        .get(&format!("/klinikk/bruk?sted={}", portal.resource))
        .await;
    assert_eq!(one.status, 200);
    assert!(!one.body.contains(&format!("sted-{}\"", lab.0)));
    assert!(
        one.body.contains(&format!(
            "href=\"/klinikk/bruk.csv?sted={}&#38;fra=",
            portal.resource
        )),
        "{}",
        one.body
    );
    let (_, _, _, one_file) = csv(&staff, &format!("?sted={}", portal.resource)).await;
    assert!(
        one_file
            .lines()
            .skip(1)
            .all(|line| line.split(',').nth(2) == Some(&portal.resource.to_string())),
        "{one_file}"
    );

    // Every look is audited, naming the staff member and no patient.
    let events = portal
        .store
        .audit_events(&AuditFilter {
            action: Some(AuditAction::UsageViewed),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(events.len(), 4, "{events:?}");
    assert!(
        events
            .iter()
            .all(|e| e.actor == staff_actor && e.patient.is_none())
    );

    // The other clinic's staff see their own place and never this clinic's.
    let other = Browser::new(&portal);
    other.staff_log_in(1).await;
    let theirs = other.get("/klinikk/bruk").await;
    assert_eq!(theirs.status, 200);
    assert!(theirs.body.contains(&format!("sted-{}\"", foreign.0)));
    assert!(!theirs.body.contains(&format!("sted-{}\"", portal.resource)));
    assert_eq!(
        row(&theirs.body, &format!("sted-{}", foreign.0), &label)[..3],
        ["1", "1", "1"]
    );
    let asked = other
        .get(&format!("/klinikk/bruk?sted={}", portal.resource))
        .await;
    assert_eq!(asked.status, 400);
    assert!(asked.body.contains("Velg et sted fra listen."));
    let (status, _, _, refused) = csv(&other, &format!("?timebok={}", portal.timebook)).await;
    assert_eq!(status, 400);
    assert!(refused.contains("Velg en timebok fra listen.") && !refused.contains("timebook_id"));

    // In English.
    let english = staff.get("/sprak/en?tilbake=/klinikk/bruk").await;
    assert_eq!(english.status, 303);
    let page = staff.get("/klinikk/bruk").await;
    assert!(page.body.contains("<h1>Use of the timebooks</h1>"));
    assert_eq!(
        row(&page.body, &place, &format!("Week {week}, {year}")),
        ["3", "3", "1", "1", "1", "0", "1", "33%"]
    );
    portal.db.finish().await;
}

async fn bad_input_gets_a_message_and_never_a_server_error(portal: Portal) {
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    for (query, message) in [
        (
            "?fra=2025-13-01",
            "Skriv en gyldig dato, for eksempel 2025-12-17.",
        ),
        (
            "?til=i+morgen",
            "Skriv en gyldig dato, for eksempel 2025-12-17.",
        ),
        (
            "?fra=-009999-01-01",
            "Skriv en gyldig dato, for eksempel 2025-12-17.",
        ),
        (
            "?fra=2025-12-10&til=2025-12-01",
            "Til-datoen kan ikke være før fra-datoen.",
        ),
        (
            "?fra=2020-01-01&til=2030-12-31",
            "Perioden kan være høyst 53 uker.",
        ),
        (
            "?fra=9999-12-20&til=9999-12-31",
            "Skriv en gyldig dato, for eksempel 2025-12-17.",
        ),
        ("?timebok=%FF", "Velg en timebok fra listen."),
        (
            "?timebok=99999999999999999999",
            "Velg en timebok fra listen.",
        ),
        ("?sted=-1", "Velg et sted fra listen."),
        (
            &format!("?timebok={}&sted={}", portal.lab_timebook, portal.resource),
            "Stedet hører ikke til timeboken du valgte.",
        ),
    ] {
        for path in ["/klinikk/bruk", "/klinikk/bruk.csv"] {
            let page = staff.get(&format!("{path}{query}")).await;
            assert_eq!(page.status, 400, "{path}{query}: {}", page.body);
            assert!(page.body.contains(message), "{path}{query}: {}", page.body);
            assert!(
                page.body.contains("<a href=\"#"),
                "the error summary links the field"
            );
        }
    }
    // The first of a repeated name counts; unknown names are ignored; the widest period is
    // 53 weeks.
    for query in [
        "?fra=2025-01-06&fra=x&til=2025-02-01&zzz=1",
        "?fra=2025-01-06&til=2026-01-11",
        "?fra=&til=&timebok=&sted=",
    ] {
        let page = staff.get(&format!("/klinikk/bruk{query}")).await;
        assert_eq!(page.status, 200, "{query}: {}", page.body);
    }
    // Nobody but staff.
    let anonymous = Browser::new(&portal);
    for path in ["/klinikk/bruk", "/klinikk/bruk.csv"] {
        let page = anonymous.get(path).await;
        assert!(
            page.status == 303 || page.status == 401 || page.status == 403,
            "{path}: {}",
            page.status
        );
    }
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    for path in ["/klinikk/bruk", "/klinikk/bruk.csv"] {
        let page = kari.get(path).await;
        assert!(
            page.status >= 300 && page.status < 500,
            "{path}: {}",
            page.status
        );
        assert!(!page.body.contains("timebook_id"), "{path}");
    }
    portal.db.finish().await;
}

on_both_databases!(
    staff_see_the_weeks_numbers_in_the_table_the_chart_and_the_csv,
    bad_input_gets_a_message_and_never_a_server_error,
);
