//! The clinic's workspace over real HTTP: the day list, cancelling, outcomes and blocking, and
//! one clinic's staff trying another clinic's ids.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::{Browser, portal};
use domain::{AppointmentStatus, AuditAction};
use store::{AuditFilter, NotificationKind};

#[tokio::test]
async fn staff_see_the_days_and_cancel_with_a_reason_that_reaches_the_patient() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let id = kari
        .book(
            portal.timebook,
            portal.slots[0],
            "<script>alert(1)</script>",
        )
        .await;

    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let overview = staff.get("/klinikk").await;
    assert_eq!(overview.status, 200);
    assert!(overview.body.contains("Kari Nordmann"));
    assert!(
        overview
            .body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || overview.body.contains("&lt;script&gt;")
    );
    assert!(!overview.body.contains("<script>alert(1)</script>"));
    let viewed = portal
        .store
        .audit_events(&AuditFilter {
            patient: Some(portal.kari.clone()),
            action: Some(AuditAction::AppointmentViewed),
            limit: 10,
        })
        .await
        .expect("audit");
    assert_eq!(
        viewed.len(),
        1,
        "the staff's view of Kari's appointment is audited"
    );

    let csrf = staff.csrf().await;
    let without = staff
        .post(
            &format!("/klinikk/timeavtaler/{id}/avlys"),
            &[("csrf", &csrf), ("begrunnelse", " ")],
        )
        .await;
    assert_eq!(
        without.location.as_deref(),
        Some("/klinikk?melding=begrunnelse")
    );
    assert_eq!(
        portal
            .store
            .planned_appointments(&portal.kari)
            .await
            .expect("planned")
            .len(),
        1
    );
    let cancelled = staff
        .post(
            &format!("/klinikk/timeavtaler/{id}/avlys"),
            &[("csrf", &csrf), ("begrunnelse", "Vaksinen er ikke levert")],
        )
        .await;
    assert_eq!(
        cancelled.location.as_deref(),
        Some("/klinikk?melding=avlyst")
    );
    assert!(
        staff
            .get("/klinikk?melding=avlyst")
            .await
            .body
            .contains("Timen er avlyst, og pasienten får beskjed.")
    );
    assert!(
        kari.get("/timeavtaler")
            .await
            .body
            .contains("Avlyst av tjenesten")
    );
    let appointment = domain::AppointmentId(id.parse().expect("id"));
    let jobs: Vec<_> = portal
        .store
        .outbox_jobs(appointment)
        .await
        .expect("jobs")
        .iter()
        .map(|j| j.kind)
        .collect();
    assert_eq!(
        jobs,
        [
            NotificationKind::Booked,
            NotificationKind::CancelledByClinic
        ]
    );
}

#[tokio::test]
async fn staff_mark_fulfilled_or_no_show() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let id = kari.book(portal.timebook, portal.slots[0], "Vaksine").await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let csrf = staff.csrf().await;
    let path = format!("/klinikk/timeavtaler/{id}/utfall");
    assert_eq!(
        staff
            .post(&path, &[("csrf", &csrf), ("utfall", "booked")])
            .await
            .status,
        400
    );
    assert_eq!(
        staff
            .post(&path, &[("csrf", &csrf), ("utfall", "fulfilled")])
            .await
            .location
            .as_deref(),
        Some("/klinikk?melding=lagret")
    );
    assert_eq!(
        staff
            .post(&path, &[("csrf", &csrf), ("utfall", "no_show")])
            .await
            .location
            .as_deref(),
        Some("/klinikk?melding=ikke-bestilt")
    );
    let appointment = portal
        .store
        .appointment(domain::AppointmentId(id.parse().expect("id")))
        .await
        .expect("read");
    assert_eq!(appointment.status, AppointmentStatus::Fulfilled);
}

#[tokio::test]
async fn a_block_from_the_clinic_reaches_the_portal_at_once_and_can_be_lifted() {
    let portal = portal(true).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let csrf = staff.csrf().await;
    let bad = staff
        .post(
            "/klinikk/sperring",
            &[
                ("csrf", &csrf),
                ("fodselsnummer", "12345678901"),
                ("begrunnelse", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("Fødselsnummeret er ikke gyldig")
            && bad.body.contains("Skriv en begrunnelse, høyst 300 tegn")
    );
    let too_long = "x".repeat(301);
    let long = staff
        .post(
            "/klinikk/sperring",
            &[
                ("csrf", &csrf),
                ("fodselsnummer", portal.ola.as_str()),
                ("begrunnelse", &too_long),
            ],
        )
        .await;
    assert_eq!(long.status, 422);
    assert!(
        portal
            .store
            .blocks(domain::ClinicId(1))
            .await
            .expect("blocks")
            .iter()
            .all(|b| b.patient != portal.ola)
    );

    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    let month = portal.day.strftime("%Y-%m");
    let calendar = format!("/bestill/{}?maned={month}", portal.timebook);
    assert!(ola.get(&calendar).await.body.contains("08:00 - 08:15"));

    let blocked = staff
        .post(
            "/klinikk/sperring",
            &[
                ("csrf", &csrf),
                ("fodselsnummer", portal.ola.as_str()),
                ("begrunnelse", "Gjentatte uteblivelser"),
            ],
        )
        .await;
    assert_eq!(
        blocked.location.as_deref(),
        Some("/klinikk/sperring?melding=sperret")
    );
    let list = staff.get("/klinikk/sperring").await;
    assert!(list.body.contains("Ola Nordmann") && list.body.contains("Gjentatte uteblivelser"));
    let page = ola.get(&calendar).await;
    assert!(
        page.body
            .contains("Tjenesten kunne ikke hente ledige timer. Prøv igjen senere.")
    );
    assert!(!page.body.contains("08:00 - 08:15"));

    staff
        .post(
            "/klinikk/sperring/opphev",
            &[("csrf", &csrf), ("fodselsnummer", portal.ola.as_str())],
        )
        .await;
    assert!(ola.get(&calendar).await.body.contains("08:00 - 08:15"));
    let actions: Vec<_> = portal
        .store
        .audit_events(&AuditFilter {
            patient: Some(portal.ola.clone()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&AuditAction::PatientBlocked)
            && actions.contains(&AuditAction::PatientUnblocked)
    );
    assert!(actions.contains(&AuditAction::BlockViewed));
}

#[tokio::test]
async fn staff_of_one_clinic_cannot_touch_anothers_ids() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let id = kari.book(portal.timebook, portal.slots[0], "Vaksine").await;
    let other = Browser::new(&portal);
    other.staff_log_in(1).await;
    let csrf = other.csrf().await;
    assert!(!other.get("/klinikk").await.body.contains("Kari Nordmann"));
    let cancel = other
        .post(
            &format!("/klinikk/timeavtaler/{id}/avlys"),
            &[("csrf", &csrf), ("begrunnelse", "Nei")],
        )
        .await;
    assert_eq!(cancel.status, 404);
    let outcome = other
        .post(
            &format!("/klinikk/timeavtaler/{id}/utfall"),
            &[("csrf", &csrf), ("utfall", "no_show")],
        )
        .await;
    assert_eq!(outcome.status, 404);
    other
        .post(
            "/klinikk/sperring/opphev",
            &[("csrf", &csrf), ("fodselsnummer", portal.blocked.as_str())],
        )
        .await;
    assert!(
        !other
            .get("/klinikk/sperring")
            .await
            .body
            .contains(portal.blocked.as_str())
    );
    let appointment = portal
        .store
        .appointment(domain::AppointmentId(id.parse().expect("id")))
        .await
        .expect("read");
    assert_eq!(appointment.status, AppointmentStatus::Booked);
    let blocks = portal
        .store
        .blocks(domain::ClinicId(1))
        .await
        .expect("blocks");
    assert!(
        blocks.iter().any(|b| b.patient == portal.blocked),
        "clinic A's block stands"
    );

    // A patient's session opens no clinic page.
    assert_eq!(
        kari.get("/klinikk").await.location.as_deref(),
        Some("/personale/logg-inn")
    );
}

/// The first change to or from summer time that is at least two days away.
fn next_dst_change() -> jiff::civil::Date {
    let zone = domain::clinic_time_zone().expect("tz");
    let mut day = store::Clock::now(&store::SystemClock)
        .to_zoned_datetime(zone.clone())
        .date()
        .checked_add(jiff::Span::new().days(2))
        .expect("day");
    loop {
        let noon = |d: jiff::civil::Date| {
            zone.to_ambiguous_timestamp(d.at(12, 0, 0, 0))
                .compatible()
                .expect("ts")
        };
        let tomorrow = day.tomorrow().expect("day");
        if zone.to_offset(noon(day)) != zone.to_offset(noon(tomorrow)) {
            return tomorrow;
        }
        day = tomorrow;
    }
}

fn template_form<'a>(
    resource: &'a str,
    first: &'a str,
    last: &'a str,
    from: &'a str,
    to: &'a str,
) -> Vec<(&'static str, &'a str)> {
    let mut form = vec![
        ("ressurs", resource),
        ("fra", from),
        ("til", to),
        ("lengde", "15"),
        ("plasser", "1"),
        ("forste", first),
        ("siste", last),
    ];
    for day in ["1", "2", "3", "4", "5", "6", "7"] {
        form.push(("dag", day));
    }
    form
}

#[tokio::test]
async fn the_preview_keeps_eight_oclock_across_a_daylight_saving_change() {
    let portal = portal(true).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let change = next_dst_change();
    let (first, last) = (
        change.yesterday().expect("d").to_string(),
        change.tomorrow().expect("d").to_string(),
    );
    let resource = portal.resource.to_string();
    let form = template_form(&resource, &first, &last, "08:00", "08:15");
    let query: Vec<String> = form.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let page = staff
        .get(&format!(
            "/klinikk/publisering?forhandsvis=1&{}",
            query.join("&").replace(':', "%3A")
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Forhåndsvisning: 3 timer"),
        "{}",
        page.body
    );
    assert_eq!(page.body.matches("<dd>08:00</dd>").count(), 3);
}

#[tokio::test]
async fn the_preview_is_posted_so_that_no_token_reaches_an_address_and_it_publishes_nothing() {
    let portal = portal(true).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let form_page = staff.get("/klinikk/publisering").await;
    assert!(
        form_page
            .body
            .contains(r#"<form method="post" action="/klinikk/publisering" novalidate>"#),
        "the form that holds the token is posted"
    );
    assert!(
        !form_page
            .body
            .contains(r#"method="get" action="/klinikk/publisering" novalidate"#)
    );
    let csrf = staff.csrf().await;
    let change = next_dst_change();
    let (first, last) = (
        change.yesterday().expect("d").to_string(),
        change.tomorrow().expect("d").to_string(),
    );
    let resource = portal.resource.to_string();
    let mut fields = template_form(&resource, &first, &last, "08:00", "08:15");
    fields.push(("csrf", &csrf));
    fields.push(("forhandsvis", "1"));
    let before = portal
        .store
        .templates(domain::ClinicId(1))
        .await
        .expect("templates");
    let page = staff.post("/klinikk/publisering", &fields).await;
    assert_eq!(page.status, 200, "{:?}", page.location);
    assert!(
        page.body.contains("Forhåndsvisning: 3 timer"),
        "{}",
        page.body
    );
    let after = portal
        .store
        .templates(domain::ClinicId(1))
        .await
        .expect("templates");
    assert_eq!(after.len(), before.len(), "a preview publishes nothing");
}

#[tokio::test]
async fn a_published_template_reaches_the_portal_and_unpublishing_takes_it_away() {
    let portal = portal(true).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let csrf = staff.csrf().await;
    let day = portal
        .day
        .checked_add(jiff::Span::new().days(1))
        .expect("day")
        .to_string();
    let resource = portal.resource.to_string();
    let mut form = template_form(&resource, &day, &day, "12:00", "13:00");
    form.push(("csrf", &csrf));
    let published = staff.post("/klinikk/publisering", &form).await;
    assert_eq!(
        published.location.as_deref(),
        Some("/klinikk/publisering?melding=publisert&antall=4&overlapp=0")
    );
    assert!(
        staff
            .get("/klinikk/publisering?melding=publisert&antall=4")
            .await
            .body
            .contains("4 nye timer er publisert.")
    );

    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let calendar = format!("/bestill/{}?maned={}&dag={day}", portal.timebook, &day[..7]);
    assert!(kari.get(&calendar).await.body.contains("12:45 - 13:00"));

    let templates = portal
        .store
        .templates(domain::ClinicId(1))
        .await
        .expect("templates");
    let id = templates[0].id.0;
    let unpublished = staff
        .post(
            &format!("/klinikk/publisering/{id}/avpubliser"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        unpublished.location.as_deref(),
        Some("/klinikk/publisering?melding=avpublisert")
    );
    assert!(!kari.get(&calendar).await.body.contains("12:45 - 13:00"));

    // Another clinic's staff can neither use this template nor publish to its resources.
    let other = Browser::new(&portal);
    other.staff_log_in(1).await;
    let other_csrf = other.csrf().await;
    assert_eq!(
        other
            .post(
                &format!("/klinikk/publisering/{id}/publiser"),
                &[("csrf", &other_csrf)]
            )
            .await
            .status,
        404
    );
    let mut foreign = template_form(&resource, &day, &day, "14:00", "15:00");
    foreign.push(("csrf", &other_csrf));
    assert_eq!(
        other.post("/klinikk/publisering", &foreign).await.status,
        404
    );
    assert_eq!(
        portal
            .store
            .templates(domain::ClinicId(1))
            .await
            .expect("templates")
            .len(),
        1
    );
}

#[tokio::test]
async fn nonsense_templates_are_refused_with_a_clear_message() {
    let portal = portal(true).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let csrf = staff.csrf().await;
    let resource = portal.resource.to_string();
    let today = portal
        .clock
        .now()
        .to_zoned_datetime(domain::clinic_time_zone().expect("tz"))
        .date();
    let (soon, yesterday) = (
        portal.day.to_string(),
        today.yesterday().expect("d").to_string(),
    );
    let far = today
        .checked_add(jiff::Span::new().years(1).days(5))
        .expect("d")
        .to_string();
    let cases = [
        (
            template_form(&resource, &soon, &soon, "11:00", "08:00"),
            "Til-klokkeslettet må være etter fra-klokkeslettet",
        ),
        (
            template_form(&resource, &yesterday, &soon, "08:00", "11:00"),
            "Datoene kan ikke være tilbake i tid",
        ),
        (
            template_form(&resource, &soon, &far, "08:00", "11:00"),
            "En mal kan gjelde i høyst ett år",
        ),
        (
            template_form(&resource, &soon, &soon, "08:00", "08:10"),
            "Tidsrommet er kortere enn én time",
        ),
        (
            template_form(&resource, &soon, &soon, "", "11:00"),
            "Fyll ut alle feltene",
        ),
    ];
    for (mut form, message) in cases {
        form.push(("csrf", &csrf));
        let page = staff.post("/klinikk/publisering", &form).await;
        assert_eq!(page.status, 422, "{message}");
        assert!(page.body.contains(message), "{message}");
    }
    let mut no_days: Vec<_> = template_form(&resource, &soon, &soon, "08:00", "11:00")
        .into_iter()
        .filter(|(k, _)| *k != "dag")
        .collect();
    no_days.push(("csrf", &csrf));
    assert!(
        staff
            .post("/klinikk/publisering", &no_days)
            .await
            .body
            .contains("Velg minst én ukedag")
    );
    assert!(
        portal
            .store
            .templates(domain::ClinicId(1))
            .await
            .expect("templates")
            .is_empty()
    );
}

#[tokio::test]
async fn timebooks_info_rules_and_places_reach_the_portal() {
    let portal = portal(true).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let csrf = staff.csrf().await;
    let page = staff.get("/klinikk/timeboker").await;
    assert!(page.body.contains("Velkommen til oss") && page.body.contains("17/300 tegn"));

    let too_long = "å".repeat(301);
    let refused = staff
        .post(
            "/klinikk/timeboker/info",
            &[("csrf", &csrf), ("informasjon", &too_long)],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("Informasjonen kan ha høyst 300 tegn")
            && refused.body.contains("301/300 tegn")
    );
    let info = "Husk å ta med vaksinekortet <b>ditt</b>.";
    let saved = staff
        .post(
            "/klinikk/timeboker/info",
            &[("csrf", &csrf), ("informasjon", info)],
        )
        .await;
    assert_eq!(
        saved.location.as_deref(),
        Some("/klinikk/timeboker?melding=info")
    );

    let tb = portal.timebook.to_string();
    let bad = staff
        .post(
            &format!("/klinikk/timeboker/{tb}/regler"),
            &[
                ("csrf", &csrf),
                ("varsel", "0"),
                ("horisont", "0"),
                ("frist", "24"),
                ("maks", "1"),
            ],
        )
        .await;
    assert_eq!(
        bad.location.as_deref(),
        Some("/klinikk/timeboker?melding=regler-ugyldig")
    );
    let good = staff
        .post(
            &format!("/klinikk/timeboker/{tb}/regler"),
            &[
                ("csrf", &csrf),
                ("varsel", "60"),
                ("horisont", "30"),
                ("frist", "48"),
                ("maks", "2"),
            ],
        )
        .await;
    assert_eq!(
        good.location.as_deref(),
        Some("/klinikk/timeboker?melding=regler")
    );
    let rules = portal
        .store
        .timebooks(domain::ClinicId(1))
        .await
        .expect("timebooks")[0]
        .rules;
    assert_eq!(
        (
            rules.min_notice_minutes(),
            rules.horizon_days(),
            rules.cancel_deadline_minutes(),
            rules.max_future_appointments()
        ),
        (60, 30, 48 * 60, 2)
    );

    let place = staff
        .post(
            &format!("/klinikk/timeboker/{tb}/steder"),
            &[
                ("csrf", &csrf),
                ("navn", "Vaksinerom 2"),
                ("beskrivelse", "Andre etasje"),
                ("adresse", "Influensaveien 3b, 1325 Lysaker"),
            ],
        )
        .await;
    assert_eq!(
        place.location.as_deref(),
        Some("/klinikk/timeboker?melding=sted")
    );
    let created = staff
        .post(
            "/klinikk/timeboker",
            &[("csrf", &csrf), ("type", "koronatest")],
        )
        .await;
    assert_eq!(
        created.location.as_deref(),
        Some("/klinikk/timeboker?melding=opprettet")
    );

    // Another clinic's staff cannot change this clinic's timebook.
    let other = Browser::new(&portal);
    other.staff_log_in(1).await;
    let other_csrf = other.csrf().await;
    let foreign = other
        .post(
            &format!("/klinikk/timeboker/{tb}/regler"),
            &[
                ("csrf", &other_csrf),
                ("varsel", "0"),
                ("horisont", "1"),
                ("frist", "0"),
                ("maks", "1"),
            ],
        )
        .await;
    assert_eq!(foreign.status, 404);

    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let services = kari.get("/bestill").await;
    assert!(
        services
            .body
            .contains("Husk å ta med vaksinekortet &#60;b&#62;ditt&#60;/b&#62;.")
            || services.body.contains("&lt;b&gt;ditt")
    );
    assert!(services.body.contains(">Koronatest<"));
    let choose = kari.get(&format!("/bestill/{tb}")).await;
    assert!(choose.body.contains("Vaksinerom 2") && choose.body.contains("Andre etasje"));
}

#[tokio::test]
async fn single_slots_are_unpublished_or_deleted_but_a_booked_one_is_kept() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    kari.book(portal.timebook, portal.slots[0], "Vaksine").await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let csrf = staff.csrf().await;
    let day = portal.day.to_string();
    let list = staff.get(&format!("/klinikk/publisering?dag={day}")).await;
    assert!(
        list.body
            .contains("08:00 - 08:15, Vaksine – Influensa: 1 av 1 plasser bestilt"),
        "the place named as in the templates: {}",
        list.body
    );
    assert!(
        list.body
            .contains("08:15 - 08:30, Vaksine – Influensa: 0 av 1 plasser bestilt")
    );

    let booked = staff
        .post(
            &format!("/klinikk/timer/{}/slett", portal.slots[0]),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        booked.location,
        Some(format!("/klinikk/publisering?dag={day}&melding=i-bruk"))
    );
    assert!(
        staff
            .get(&booked.location.expect("back"))
            .await
            .body
            .contains("kan ikke slettes")
    );
    let hidden = staff
        .post(
            &format!("/klinikk/timer/{}/avpubliser", portal.slots[1]),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        hidden.location,
        Some(format!("/klinikk/publisering?dag={day}&melding=endret"))
    );
    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    let calendar = format!("/bestill/{}?maned={}&dag={day}", portal.timebook, &day[..7]);
    let seen = ola.get(&calendar).await.body;
    assert!(!seen.contains("08:15 - 08:30") && seen.contains("08:30 - 08:45"));
    let deleted = staff
        .post(
            &format!("/klinikk/timer/{}/slett", portal.slots[2]),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        deleted.location,
        Some(format!("/klinikk/publisering?dag={day}&melding=slettet"))
    );
    assert!(!ola.get(&calendar).await.body.contains("08:30 - 08:45"));

    let other = Browser::new(&portal);
    other.staff_log_in(1).await;
    let other_csrf = other.csrf().await;
    assert_eq!(
        other
            .post(
                &format!("/klinikk/timer/{}/slett", portal.slots[1]),
                &[("csrf", &other_csrf)]
            )
            .await
            .status,
        404
    );
    assert_eq!(
        other
            .post(
                &format!("/klinikk/timer/{}/publiser", portal.slots[1]),
                &[("csrf", &other_csrf)]
            )
            .await
            .status,
        404
    );
    assert_eq!(
        portal
            .store
            .slot(domain::SlotId(portal.slots[1]))
            .await
            .map(|s| s.published)
            .ok(),
        Some(false)
    );
}

#[tokio::test]
async fn timebook_notices_are_set_on_timebooks_and_bad_reminders_change_nothing() {
    let portal = portal(true).await;
    let staff = Browser::new(&portal);
    staff.staff_log_in(0).await;
    let csrf = staff.csrf().await;
    let tb = portal.timebook;
    let path = format!("/klinikk/timeboker/{tb}/varsler");
    let notices = async || {
        portal
            .store
            .timebook_notices(domain::ClinicId(1))
            .await
            .expect("notices")
            .into_iter()
            .find(|(id, _)| id.0 == tb)
            .expect("the timebook")
            .1
    };
    let saved_events = async || {
        portal
            .store
            .audit_events(&AuditFilter {
                patient: None,
                action: Some(AuditAction::TimebookNoticesSaved),
                limit: 10,
            })
            .await
            .expect("audit")
            .len()
    };
    let page = staff.get("/klinikk/timeboker").await;
    assert!(page.body.contains("Bekreftelse rett etter bestilling"));
    assert!(
        page.body.contains(&format!(
            "id=\"bekreftelse-{tb}\" name=\"bekreftelse\" value=\"ja\" checked"
        )),
        "on unless changed"
    );
    assert!(
        page.body.contains("value=\"24 t\""),
        "24 hours unless changed"
    );

    for (typed, message) in [
        (
            "48 t, 10 min",
            "«10 min» er for kort tid før timen. Den korteste påminnelsen er 15 min før.",
        ),
        (
            "48 t, to timer",
            "«to timer» er ikke en tid før timen. Skriv et helt tall og min, t eller d, for eksempel «2 t».",
        ),
        ("3 uker", "«3 uker» er ikke en tid før timen."),
        (
            "15 d",
            "«15 d» er for lang tid før timen. Den lengste påminnelsen er 14 d før.",
        ),
        (
            "48 t, 2 d",
            "«2 d» er den samme tiden som en påminnelse foran.",
        ),
        ("1 t, 2 t, 3 t, 4 t, 5 t, 6 t", "Skriv høyst 5 påminnelser."),
    ] {
        let refused = staff
            .post(&path, &[("csrf", &csrf), ("paminnelser", typed)])
            .await;
        assert_eq!(refused.status, 422, "{typed}");
        assert!(refused.body.contains(message), "{typed}: {}", refused.body);
        assert!(
            refused.body.contains(&format!("value=\"{typed}\"")),
            "kept as typed: {typed}"
        );
        assert!(
            refused.body.contains("href=\"#paminnelser\"")
                && refused.body.contains("id=\"paminnelser\""),
            "the summary leads to the field"
        );
        assert!(
            refused.body.contains(&format!(
                "id=\"bekreftelse-{tb}\" name=\"bekreftelse\" value=\"ja\">"
            )),
            "the checkbox as sent: off"
        );
    }
    assert_eq!(
        notices().await,
        domain::TimebookNotices::default(),
        "unchanged"
    );
    assert_eq!(saved_events().await, 0);
    // Not a browser's form: a missing field, a checkbox with another value.
    for form in [
        vec![("csrf", csrf.as_str())],
        vec![
            ("csrf", csrf.as_str()),
            ("bekreftelse", "kanskje"),
            ("paminnelser", "2 t"),
        ],
    ] {
        assert_eq!(staff.post(&path, &form).await.status, 400);
    }
    assert_eq!(notices().await, domain::TimebookNotices::default());

    let saved = staff
        .post(
            &path,
            &[("csrf", &csrf), ("paminnelser", " 2 t, 48 timer ")],
        )
        .await;
    assert_eq!(
        saved.location.as_deref(),
        Some("/klinikk/timeboker?melding=varsler")
    );
    assert_eq!(
        notices().await,
        domain::TimebookNotices {
            confirm_booking: false,
            reminders: domain::ReminderOffsets::parse("48 t, 2 t").expect("reminders"),
        }
    );
    assert_eq!(saved_events().await, 1);
    let page = staff.get("/klinikk/timeboker?melding=varsler").await;
    assert!(page.body.contains("Varslene er lagret."));
    assert!(page.body.contains("value=\"48 t, 2 t\""));
    assert!(
        page.body.contains(&format!(
            "id=\"bekreftelse-{tb}\" name=\"bekreftelse\" value=\"ja\">"
        )),
        "off"
    );

    // Another clinic's staff cannot reach this timebook's notices.
    let other = Browser::new(&portal);
    other.staff_log_in(1).await;
    let other_csrf = other.csrf().await;
    let foreign = other
        .post(
            &path,
            &[
                ("csrf", &other_csrf),
                ("bekreftelse", "ja"),
                ("paminnelser", ""),
            ],
        )
        .await;
    assert_eq!(foreign.status, 404);
    assert!(!notices().await.confirm_booking);

    // Without the confirmation, the receipt does not promise a notice, and none is written.
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let id = kari.book(tb, portal.slots[0], "Vaksine").await;
    let receipt = kari.get(&format!("/bestill/kvittering/{id}")).await;
    assert!(
        receipt
            .body
            .contains("Du har fått time. Du finner den under «Timeavtaler».")
    );
    let id = domain::AppointmentId(id.parse().expect("id"));
    let jobs = portal.store.outbox_jobs(id).await.expect("jobs");
    assert!(
        jobs.iter().all(|j| j.kind != NotificationKind::Booked),
        "{jobs:?}"
    );
    // Nor does the desk's page, when the office books.
    let booked = staff
        .post(
            "/klinikk/bestill",
            &[
                ("csrf", &csrf),
                ("skjema", "pasient"),
                ("fodselsnummer", portal.ola.as_str()),
                ("time", &portal.slots[1].to_string()),
                ("hva", "Vaksine"),
            ],
        )
        .await;
    let shown = staff
        .get(booked.location.as_deref().expect("the appointment"))
        .await;
    assert!(
        shown.body.contains(
            "Timen er bestilt. Timeboken sender ikke bekreftelse, så gi pasienten tid og \
             oppmøtested selv."
        ),
        "{}",
        shown.body
    );
}
