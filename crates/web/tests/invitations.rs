//! «Innkalling» over HTTP: staff invite patients by pasted or uploaded lines, each rejected
//! line is reported, the invited get their notice job, an invitation lets its patient past
//! the per-patient limit and no further, the list shows who booked, and the reminder goes to
//! those who have not.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::{Browser, Portal, person, portal};
use std::time::Duration;
use store::NotificationKind;

async fn staff(portal: &Portal, index: usize) -> (Browser, String) {
    let browser = Browser::new(portal);
    browser.staff_log_in(index).await;
    let csrf = browser.csrf().await;
    (browser, csrf)
}

/// Jobs waiting in the outbox, of the invitation kinds, claimed for a look.
async fn invitation_jobs(portal: &Portal, token: &str) -> Vec<store::ClaimedJob> {
    portal
        .store
        .claim_jobs(1000, jiff::SignedDuration::from_mins(5), token)
        .await
        .expect("claim")
        .into_iter()
        .filter(|j| {
            matches!(
                j.kind,
                NotificationKind::Invited | NotificationKind::InvitationReminder
            )
        })
        .collect()
}

/// The audit's `invitation.sent` events.
async fn invitations_sent(portal: &Portal) -> Vec<domain::AuditEvent> {
    portal
        .store
        .audit_events(&store::AuditFilter {
            action: Some(domain::AuditAction::InvitationSent),
            limit: 100,
            ..store::AuditFilter::default()
        })
        .await
        .expect("audit")
}

#[tokio::test]
async fn an_invitation_reaches_its_patients_lets_them_past_the_limit_and_shows_who_booked() {
    let portal = portal(true).await;
    let timebook = portal.timebook.to_string();

    // Kari has the one appointment the timebook allows her, so another is refused.
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    kari.book(portal.timebook, portal.slots[0], "Vaksine").await;
    let refused = kari.hold(portal.timebook, portal.slots[1]).await;
    assert!(
        refused
            .location
            .as_deref()
            .is_some_and(|l| l.contains("melding=grense")),
        "{:?}",
        refused.location
    );

    let (reception, csrf) = staff(&portal, 0).await;
    let page = reception.get("/klinikk/innkalling").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Innkalling"), "{}", page.body);
    let lines = format!(
        "{}\n12345\n{}\n\n{}\n{}\n{}\n",
        portal.kari.as_str(),
        portal.ola.as_str(),
        portal.blocked.as_str(),
        person(40).as_str(),
        portal.kari.as_str(),
    );
    let sent = reception
        .post(
            "/klinikk/innkalling",
            &[
                ("csrf", &csrf),
                ("timebok", &timebook),
                ("fra", ""),
                ("til", ""),
                ("melding", "Det er tid for andre dose."),
                ("fodselsnumre", &lines),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let location = sent
        .location
        .expect("a redirect, so that a reload sends nothing again");
    assert!(!location.contains(portal.kari.as_str()), "{location}");
    let sent = reception.get(&location).await;
    assert_eq!(sent.status, 200);
    for expected in [
        "Innkalling sendt til 2 pasienter. 4 linjer ble ikke sendt.",
        "Linje 2: ugyldig fødselsnummer",
        "Linje 5: pasienten er sperret",
        "Linje 6: ikke på legekontorets liste",
        "Linje 7: står allerede på en linje over",
    ] {
        assert!(sent.body.contains(expected), "{expected}: {}", sent.body);
    }
    assert!(sent.body.contains("Sendt: 2. Bestilt: 0. Utløpt: 0."));
    let jobs = invitation_jobs(&portal, "first").await;
    assert_eq!(jobs.len(), 2);
    let mut invited = Vec::new();
    for job in &jobs {
        let delivery = portal.store.delivery(job).await.expect("delivery");
        invited.push(delivery.first_name.to_string());
        let invitation = delivery.invitation.expect("invitation");
        assert_eq!(invitation.timebook_id.0, portal.timebook);
        let link = notify::invitation_link("https://timebok.example.no", &invitation);
        assert!(link.starts_with(&format!(
            "https://timebok.example.no/bestill/{timebook}?maned="
        )));
    }
    invited.sort();
    assert_eq!(invited, ["Kari", "Ola"]);

    // Through the link, Kari now holds and books past her limit.
    let link = format!(
        "/bestill/{timebook}?maned={}&dag={}",
        portal.day.strftime("%Y-%m"),
        portal.day
    );
    let calendar = kari.get(&link).await;
    assert_eq!(calendar.status, 200);
    let receipt = kari
        .book(portal.timebook, portal.slots[1], "Andre dose")
        .await;
    assert!(!receipt.is_empty());
    // Answered, the invitation lets her no further.
    let again = kari.hold(portal.timebook, portal.slots[2]).await;
    assert!(
        again
            .location
            .as_deref()
            .is_some_and(|l| l.contains("melding=grense")),
        "{:?}",
        again.location
    );

    let list = reception
        .get(&format!("/klinikk/innkalling?timebok={timebook}"))
        .await;
    assert!(
        list.body.contains("Sendt: 1. Bestilt: 1. Utløpt: 0."),
        "{}",
        list.body
    );
    let row = |name: &str| {
        list.body
            .split("<tr>")
            .find(|r| r.contains(name))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(row("Kari Nordmann").contains("Bestilt"), "{}", row("Kari"));
    assert!(row("Ola Nordmann").contains("Sendt"), "{}", row("Ola"));

    // The reminder goes to Ola alone, once a day.
    let reminded = reception
        .post(
            &format!("/klinikk/innkalling/{timebook}/paminnelse"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(reminded.status, 303);
    let shown = reception
        .get(reminded.location.as_deref().expect("back to the list"))
        .await;
    assert!(
        shown.body.contains("Påminnelse sendt til 1 pasienter."),
        "{}",
        shown.body
    );
    reception
        .post(
            &format!("/klinikk/innkalling/{timebook}/paminnelse"),
            &[("csrf", &csrf)],
        )
        .await;
    let jobs = invitation_jobs(&portal, "second").await;
    assert_eq!(jobs.len(), 1, "one reminder");
    assert_eq!(jobs[0].kind, NotificationKind::InvitationReminder);
    let delivery = portal.store.delivery(&jobs[0]).await.expect("delivery");
    assert_eq!(delivery.first_name.as_str(), "Ola");

    // The audit names the staff member for each invitation.
    let audit = invitations_sent(&portal).await;
    assert_eq!(audit.len(), 2);
    assert!(audit.iter().all(|e| e.actor.kind() == "staff"));
}

#[tokio::test]
async fn an_uploaded_file_invites_as_pasted_lines_do() {
    let portal = portal(true).await;
    let (reception, csrf) = staff(&portal, 0).await;
    let file = format!(
        "\u{feff}{}\r\n{}\r\n",
        portal.kari.as_str(),
        portal.ola.as_str()
    );
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("timebok", portal.timebook.to_string())
        .text("fra", "")
        .text("til", "")
        .text("melding", "")
        .text("fodselsnumre", "")
        .part(
            "fil",
            reqwest::multipart::Part::text(file).file_name("innkalling.txt"),
        );
    let response = reception
        .http
        .post(format!("{}/klinikk/innkalling", reception.base))
        .multipart(form)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 303);
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(location.contains("melding=sendt&sendt=2"), "{location}");
    assert_eq!(invitation_jobs(&portal, "upload").await.len(), 2);
}

#[tokio::test]
async fn bad_input_is_explained_and_sends_nothing() {
    let portal = portal(true).await;
    let (reception, csrf) = staff(&portal, 0).await;
    let timebook = portal.timebook.to_string();
    let kari = portal.kari.as_str().to_owned();
    let long = "å".repeat(301);
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[
                ("timebok", &timebook),
                ("melding", &long),
                ("fodselsnumre", &kari),
            ],
            "Meldingen kan ha høyst 300 tegn.",
        ),
        (
            &[("timebok", "x"), ("fodselsnumre", &kari)],
            "Velg en timebok.",
        ),
        (
            &[
                ("timebok", &timebook),
                ("fra", "2099-02-02"),
                ("til", "2099-02-01"),
                ("fodselsnumre", &kari),
            ],
            "Siste dag kan ikke være før første dag.",
        ),
        (
            &[
                ("timebok", &timebook),
                ("fra", "i morgen"),
                ("fodselsnumre", &kari),
            ],
            "Skriv datoene som dag, måned og år.",
        ),
        (
            &[("timebok", &timebook), ("fodselsnumre", "123\n")],
            "Linje 1: ugyldig fødselsnummer",
        ),
    ];
    for (fields, expected) in cases {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let page = reception.post("/klinikk/innkalling", &form).await;
        assert_eq!(page.status, 422, "{expected}");
        assert!(page.body.contains(expected), "{expected}: {}", page.body);
    }
    // Another clinic's timebook is not found, and its reminder too.
    let other = portal.other_timebook.to_string();
    let page = reception
        .post(
            &format!("/klinikk/innkalling/{other}/paminnelse"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(page.status, 404);
    let page = reception
        .post(
            "/klinikk/innkalling",
            &[
                ("csrf", &csrf),
                ("timebok", &other),
                ("fodselsnumre", &kari),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(invitation_jobs(&portal, "none").await.is_empty());
    let audit = invitations_sent(&portal).await;
    assert!(audit.is_empty());
}
