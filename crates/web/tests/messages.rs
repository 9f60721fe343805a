//! Messages between patients and their GP office over real HTTP: writing, answering, closing,
//! deleting, «Vis XML», a blocked patient's automatic reply, and nobody reading another's.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::{Browser, Portal, portal};

/// Kari writes a message and returns the thread's path.
async fn write(kari: &Browser, subject: &str, text: &str) -> String {
    let csrf = kari.csrf().await;
    let sent = kari
        .post(
            "/meldinger/ny",
            &[("csrf", &csrf), ("emne", subject), ("melding", text)],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    sent.location.expect("the thread")
}

fn thread_id(path: &str) -> String {
    path.rsplit('/').next().expect("id").to_owned()
}

async fn staff(portal: &Portal, index: usize) -> Browser {
    let browser = Browser::new(portal);
    browser.staff_log_in(index).await;
    browser
}

#[tokio::test]
async fn a_patient_and_the_office_exchange_messages_until_the_office_closes_it() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let path = write(&kari, "Resept", "Kan jeg fornye resepten?").await;
    let id = thread_id(&path);
    let mine = kari.get(&path).await;
    assert!(mine.body.contains("<h1>Resept</h1>"), "{}", mine.body);
    assert!(mine.body.contains("Sendt: I dag "), "{}", mine.body);
    assert!(mine.body.contains("Slett melding") && mine.body.contains("Vis XML"));

    let reception = staff(&portal, 0).await;
    let inbox = reception.get("/klinikk/innboks").await;
    assert!(
        inbox.body.contains("Resept") && inbox.body.contains("Ulest"),
        "{}",
        inbox.body
    );
    let thread = reception.get(&format!("/klinikk/innboks/{id}")).await;
    assert!(thread.body.contains("Kan jeg fornye resepten?"));
    let csrf = reception.csrf().await;
    let answered = reception
        .post(
            &format!("/klinikk/innboks/{id}/svar"),
            &[("csrf", &csrf), ("melding", "Ja, den er fornyet.")],
        )
        .await;
    assert_eq!(answered.status, 303);
    assert!(
        !reception
            .get("/klinikk/innboks")
            .await
            .body
            .contains("Ulest")
    );

    assert!(kari.get("/meldinger").await.body.contains("Ulest"));
    let answer = kari.get(&path).await;
    assert!(answer.body.contains("Ja, den er fornyet."));
    assert!(answer.body.contains("Helsenorge testlegekontor"));

    let closed = reception
        .post(
            &format!("/klinikk/innboks/{id}/avslutt"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(closed.status, 303);
    let page = kari.get(&path).await;
    assert!(page.body.contains(
        "E-konsultasjonen er nå avsluttet fra behandlerens side. Denne meldingen kan ikke besvares."
    ));
    assert!(
        !page
            .body
            .contains(&format!("action=\"/meldinger/{id}/svar\""))
    );
    let csrf = kari.csrf().await;
    let refused = kari
        .post(
            &format!("{path}/svar"),
            &[("csrf", &csrf), ("melding", "En ting til")],
        )
        .await;
    assert_eq!(refused.status, 409);
    assert!(refused.body.contains("Denne meldingen kan ikke besvares."));
    assert!(
        !kari.get(&path).await.body.contains("En ting til"),
        "nothing stored"
    );
}

#[tokio::test]
async fn limits_are_enforced_with_clear_messages_and_nothing_is_stored() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let csrf = kari.csrf().await;
    let long_text = "æ".repeat(2001);
    let long_subject = "ø".repeat(61);
    for (subject, text, message) in [
        ("", "Tekst", "Du må skrive et emne"),
        ("Emne", "   ", "Du må skrive en melding"),
        (
            long_subject.as_str(),
            "Tekst",
            "Du kan skrive høyst 60 tegn i emnet",
        ),
        (
            "Emne",
            long_text.as_str(),
            "Du kan skrive høyst 2000 tegn i meldingen",
        ),
    ] {
        let refused = kari
            .post(
                "/meldinger/ny",
                &[("csrf", &csrf), ("emne", subject), ("melding", text)],
            )
            .await;
        assert_eq!(refused.status, 400, "{message}");
        assert!(
            refused.body.contains(message),
            "{message}: {}",
            refused.body
        );
        assert!(refused.body.contains("error-summary"));
    }
    let exactly = "ø".repeat(60);
    let list = kari.get("/meldinger").await;
    assert!(
        list.body.contains("Du har ingen meldinger."),
        "nothing was stored"
    );
    assert!(kari.get("/meldinger/ny").await.body.contains("0/60 tegn"));
    write(&kari, &exactly, &"æ".repeat(2000)).await;
    let without_csrf = kari
        .post("/meldinger/ny", &[("emne", "x"), ("melding", "y")])
        .await;
    assert_eq!(without_csrf.status, 403);
}

#[tokio::test]
async fn markup_in_subject_and_text_is_shown_as_text_everywhere() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let subject = "<script>alert(1)</script>";
    let text = "\"><img src=x onerror=alert(2)>&amp; ]]></Sporsmal>";
    let path = write(&kari, subject, text).await;
    let id = thread_id(&path);
    let reception = staff(&portal, 0).await;
    let xml_path = {
        let page = kari.get(&path).await;
        let start = page.body.find("/xml\"").expect("a Vis XML link");
        let href_start = page.body[..start].rfind("href=\"").expect("href") + 6;
        page.body[href_start..start + 4].to_owned()
    };
    for (who, page) in [
        ("patient thread", kari.get(&path).await.body),
        ("patient list", kari.get("/meldinger").await.body),
        ("inbox", reception.get("/klinikk/innboks").await.body),
        (
            "staff thread",
            reception.get(&format!("/klinikk/innboks/{id}")).await.body,
        ),
        ("xml", kari.get(&xml_path).await.body),
    ] {
        assert!(!page.contains("<script>alert(1)"), "{who}: {page}");
        assert!(!page.contains("<img src=x"), "{who}: {page}");
        assert!(
            page.contains("alert(1)"),
            "{who}: the text is there, as text"
        );
    }
    let xml = kari.get(&xml_path).await.body;
    assert!(xml.contains("urn:no:timebok:melding:1.0"), "{xml}");
    // The XML itself escaped once, then the page escaped it again.
    assert!(
        xml.contains("&#38;lt;/Sporsmal&#38;gt;&#60;/Sporsmal&#62;"),
        "{xml}"
    );
    assert!(
        xml.contains("&#60;Tema&#62;&#38;lt;script&#38;gt;alert(1)"),
        "{xml}"
    );
}

#[tokio::test]
async fn nobody_reads_another_patients_thread_by_guessing_its_id() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let path = write(&kari, "Privat", "Bare for legen").await;
    let id = thread_id(&path);
    let page = kari.get(&path).await;
    let message = {
        let marker = format!("/meldinger/{id}/meldinger/");
        let start = page.body.find(&marker).expect("message link") + marker.len();
        page.body[start..].split('/').next().expect("id").to_owned()
    };

    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    let csrf = ola.csrf().await;
    for guess in [
        id.clone(),
        (id.parse::<i64>().expect("n") + 1).to_string(),
        "0".into(),
    ] {
        let read = ola.get(&format!("/meldinger/{guess}")).await;
        assert_eq!(read.status, 404, "{guess}");
        assert!(!read.body.contains("Bare for legen"));
    }
    assert_eq!(
        ola.post(
            &format!("/meldinger/{id}/svar"),
            &[("csrf", &csrf), ("melding", "x")]
        )
        .await
        .status,
        404
    );
    assert_eq!(
        ola.post(
            &format!("/meldinger/{id}/meldinger/{message}/slett"),
            &[("csrf", &csrf)]
        )
        .await
        .status,
        404
    );
    assert_eq!(
        ola.get(&format!("/meldinger/{id}/meldinger/{message}/xml"))
            .await
            .status,
        404
    );
    assert!(
        ola.get("/meldinger")
            .await
            .body
            .contains("Du har ingen meldinger.")
    );

    let other = staff(&portal, 1).await;
    assert_eq!(
        other.get(&format!("/klinikk/innboks/{id}")).await.status,
        404
    );
    assert_eq!(
        other
            .get(&format!("/klinikk/innboks/{id}/meldinger/{message}/xml"))
            .await
            .status,
        404
    );
    let other_csrf = other.csrf().await;
    assert_eq!(
        other
            .post(
                &format!("/klinikk/innboks/{id}/svar"),
                &[("csrf", &other_csrf), ("melding", "x")]
            )
            .await
            .status,
        404
    );
    assert_eq!(
        other
            .post(
                &format!("/klinikk/innboks/{id}/avslutt"),
                &[("csrf", &other_csrf)]
            )
            .await
            .status,
        404
    );
    assert!(!other.get("/klinikk/innboks").await.body.contains("Privat"));
    assert!(
        kari.get(&path).await.body.contains("Bare for legen"),
        "unchanged"
    );
}

#[tokio::test]
async fn a_deleted_message_leaves_the_patients_view_and_stays_with_the_office() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let path = write(&kari, "Feil", "Skrev feil her").await;
    let id = thread_id(&path);
    let page = kari.get(&path).await;
    let marker = format!("action=\"/meldinger/{id}/meldinger/");
    let start = page.body.find(&marker).expect("delete form") + "action=\"".len();
    let action = page.body[start..]
        .split('"')
        .next()
        .expect("action")
        .to_owned();
    let csrf = kari.csrf().await;
    let deleted = kari.post(&action, &[("csrf", &csrf)]).await;
    assert_eq!(deleted.status, 303);
    assert!(!kari.get(&path).await.body.contains("Skrev feil her"));
    let reception = staff(&portal, 0).await;
    let kept = reception.get(&format!("/klinikk/innboks/{id}")).await;
    assert!(kept.body.contains("Skrev feil her"));
    assert!(kept.body.contains("Slettet av pasienten"));
    assert!(
        !kept.body.contains("Slett melding"),
        "staff cannot delete from the record"
    );
}

#[tokio::test]
async fn a_blocked_patient_writes_and_gets_the_guides_reply_and_a_closed_conversation() {
    let portal = portal(true).await;
    let per = Browser::new(&portal);
    per.log_in(&portal.blocked).await;
    let path = write(&per, "Time", "Hvorfor får jeg ikke bestilt?").await;
    let page = per.get(&path).await;
    for text in [
        "Hvorfor får jeg ikke bestilt?",
        "Legekontoret har ikke gitt deg tilgang til denne tjenesten.",
        "Kontakt fastlegekontoret ved eventuelle spørsmål.",
        "E-konsultasjonen er nå avsluttet fra behandlerens side. Denne meldingen kan ikke besvares.",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert!(!page.body.contains("name=\"melding\""), "no reply form");
    let reception = staff(&portal, 0).await;
    let inbox = reception.get("/klinikk/innboks").await;
    assert!(inbox.body.contains("Fra sperret pasient"), "{}", inbox.body);
    let id = thread_id(&path);
    let thread = reception.get(&format!("/klinikk/innboks/{id}")).await;
    assert!(thread.body.contains("Hvorfor får jeg ikke bestilt?"));
    assert!(
        thread
            .body
            .contains("Meldingen kom fra en pasient kontoret har sperret.")
    );
}
