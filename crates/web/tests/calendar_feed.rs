//! «Timeavtaler i kalenderen»: a patient's secret calendar link, over real HTTP. The link is
//! shown once, lists only the patient's own appointments (the same UID as the single file,
//! cancelled ones as cancelled with a higher sequence) and nothing of what the appointment is
//! about, and stops working when it is replaced or switched off, with the same «not found» as
//! a link that never was.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::{Browser, Portal, portal, portal_with_limits};
use domain::AuditAction;
use store::AuditFilter;

/// The calendar link's two forms, as the page shows them right after making it.
struct Shown {
    https: String,
    webcal: String,
}

fn shown(body: &str) -> Shown {
    let value = |marker: &str| {
        let at = body
            .find(marker)
            .unwrap_or_else(|| panic!("{marker} in {body}"))
            + marker.len();
        body[at..].split('"').next().expect("value").to_owned()
    };
    Shown {
        https: value("id=\"kalenderlenke\" value=\""),
        webcal: value("href=\"webcal://"),
    }
}

/// Makes a new link as the patient, by the page's form; answers it and the page.
async fn make_link(browser: &Browser) -> (Shown, common::Page) {
    let csrf = browser.csrf().await;
    let page = browser
        .post("/timeavtaler/kalender/ny", &[("csrf", &csrf)])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    (shown(&page.body), page)
}

/// What a calendar app gets from a link: status, headers and body, with no cookie.
async fn fetch(url: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let response = reqwest::Client::new().get(url).send().await.expect("GET");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.expect("body"))
}

/// The calendar's content lines, unfolded.
fn lines(calendar: &str) -> Vec<String> {
    calendar
        .replace("\r\n ", "")
        .split("\r\n")
        .map(str::to_owned)
        .collect()
}

/// The lines of the VEVENT with this UID.
fn event(calendar: &str, uid: &str) -> Vec<String> {
    let all = lines(calendar);
    let at = all
        .iter()
        .position(|l| *l == format!("UID:{uid}"))
        .unwrap_or_else(|| panic!("{uid} in {calendar}"));
    let end = all[at..]
        .iter()
        .position(|l| l == "END:VEVENT")
        .expect("end")
        + at;
    all[at..end].to_vec()
}

async fn audited(portal: &Portal, action: AuditAction) -> usize {
    portal
        .store
        .audit_events(&AuditFilter {
            patient: Some(portal.kari.clone()),
            action: Some(action),
            limit: 100,
        })
        .await
        .expect("audit")
        .len()
}

#[tokio::test]
async fn a_calendar_link_shows_the_patients_own_appointments_until_it_is_replaced_or_off() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let off = kari.get("/timeavtaler/kalender").await;
    assert_eq!(off.status, 200);
    assert!(off.body.contains("Kalenderlenken er slått av."));
    assert!(
        off.body
            .contains("Den viser timene fra de siste 90 dagene og alle senere")
    );
    assert!(off.body.contains("Slå på kalenderlenke"));
    assert!(!off.body.contains("Slå av<"), "nothing to switch off");
    assert!(
        kari.get("/timeavtaler")
            .await
            .body
            .contains("href=\"/timeavtaler/kalender\""),
        "«Timeavtaler» links to it"
    );

    let (link, made) = make_link(&kari).await;
    assert!(made.body.contains("Din nye kalenderlenke"));
    assert!(made.body.contains("Lag ny lenke") && made.body.contains("Slå av"));
    let path = link
        .https
        .strip_prefix(&portal.base)
        .unwrap_or_else(|| panic!("{} on {}", link.https, portal.base));
    assert!(
        path.starts_with("/kalender/") && path.ends_with(".ics"),
        "{path}"
    );
    assert_eq!(
        link.webcal,
        link.https
            .split_once("://")
            .map(|(_, rest)| rest.to_owned())
            .expect("scheme"),
        "the webcal link names the same calendar"
    );
    // The link is written from the configured site, whatever a request claims about where it
    // came in.
    let made_answer = kari
        .http
        .post(format!("{}/timeavtaler/kalender/ny", portal.base))
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "gopher")
        .header("forwarded", "host=evil.example;proto=gopher")
        .form(&[("csrf", kari.csrf().await)])
        .send()
        .await
        .expect("POST");
    assert_eq!(
        made_answer.headers()["cache-control"],
        "no-store",
        "a page with the secret is never cached"
    );
    let forged = made_answer.text().await.expect("body");
    assert!(!forged.contains("evil") && !forged.contains("gopher"));
    assert!(shown(&forged).https.starts_with(&portal.base));
    // That made another link: the one read above is gone.
    assert_eq!(fetch(&link.https).await.0, 404);
    let (link, _) = make_link(&kari).await;

    let kari_booked = kari
        .book(portal.timebook, portal.slots[0], "Hemmelig-grunn")
        .await;
    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    let ola_booked = ola
        .book(portal.timebook, portal.slots[1], "Olas-grunn")
        .await;
    let (status, headers, calendar) = fetch(&link.https).await;
    assert_eq!(status, 200, "{calendar}");
    assert_eq!(headers["content-type"], "text/calendar; charset=utf-8");
    assert_eq!(headers["cache-control"], "private, no-store");
    let uid = format!("appointment-{kari_booked}@timebok");
    let booked = event(&calendar, &uid);
    assert!(
        booked.contains(&"STATUS:CONFIRMED".to_owned()),
        "{booked:?}"
    );
    assert!(booked.contains(&"SEQUENCE:0".to_owned()), "{booked:?}");
    assert!(
        booked.contains(&"SUMMARY:Time til vaksine hos Helsenorge testlegekontor".to_owned()),
        "{booked:?}"
    );
    assert!(lines(&calendar).contains(&"X-WR-CALNAME:Timeavtaler".to_owned()));
    for never in [
        portal.kari.as_str(),
        portal.ola.as_str(),
        "Hemmelig-grunn",
        "Olas-grunn",
        &format!("appointment-{ola_booked}@timebok"),
    ] {
        assert!(!calendar.contains(never), "the calendar holds {never}");
    }
    // The single appointment's file has the same event.
    let single = kari
        .get(&format!("/timeavtaler/{kari_booked}/kalender.ics"))
        .await;
    assert_eq!(event(&single.body, &uid)[..2], booked[..2]);

    let csrf = kari.csrf().await;
    let cancelled = kari
        .post(
            &format!("/timeavtaler/{kari_booked}/avbestill"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(cancelled.status, 303);
    let (_, _, calendar) = fetch(&link.https).await;
    let after = event(&calendar, &uid);
    assert!(after.contains(&"STATUS:CANCELLED".to_owned()), "{after:?}");
    assert!(after.contains(&"SEQUENCE:1".to_owned()), "{after:?}");

    // Shown once: the page no longer has it.
    let token = path
        .trim_start_matches("/kalender/")
        .trim_end_matches(".ics");
    let on = kari.get("/timeavtaler/kalender").await;
    assert!(
        on.body
            .contains("Kalenderlenken er slått på. Den ble laget ")
    );
    assert!(!on.body.contains(token), "the link is shown once");

    let (replacement, _) = make_link(&kari).await;
    let (gone, _, gone_body) = fetch(&link.https).await;
    assert_eq!(gone, 404);
    assert_eq!(fetch(&replacement.https).await.0, 200);
    let switched_off = kari
        .post("/timeavtaler/kalender/av", &[("csrf", &csrf)])
        .await;
    assert_eq!(
        switched_off.location.as_deref(),
        Some("/timeavtaler/kalender?avslatt=1")
    );
    assert!(
        kari.get("/timeavtaler/kalender?avslatt=1")
            .await
            .body
            .contains("Kalenderlenken er slått av. Kalendere som brukte den")
    );
    let (revoked, _, revoked_body) = fetch(&replacement.https).await;
    assert_eq!(revoked, 404);
    let never_made = format!("{}/kalender/{}.ics", portal.base, "0".repeat(64));
    let (unknown, _, unknown_body) = fetch(&never_made).await;
    assert_eq!(unknown, 404);
    assert_eq!(revoked_body, unknown_body, "no hint why");
    assert_eq!(gone_body, unknown_body, "no hint why");

    assert_eq!(audited(&portal, AuditAction::CalendarLinkCreated).await, 1);
    assert_eq!(audited(&portal, AuditAction::CalendarLinkReplaced).await, 3);
    assert_eq!(audited(&portal, AuditAction::CalendarLinkRevoked).await, 1);
}

#[tokio::test]
async fn links_that_do_not_exist_are_limited_per_address_and_calendars_found_are_not() {
    let portal = portal_with_limits(
        true,
        timebok_web::limits::LimitSettings {
            calendar_link_misses_per_minute: 2,
            ..timebok_web::limits::LimitSettings::default()
        },
    )
    .await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let (link, _) = make_link(&kari).await;
    for _ in 0..5 {
        assert_eq!(fetch(&link.https).await.0, 200);
    }
    let guess = |n: u8| format!("{}/kalender/{}.ics", portal.base, n.to_string().repeat(64));
    assert_eq!(fetch(&guess(1)).await.0, 404);
    assert_eq!(
        fetch(&format!("{}/kalender/kort.ics", portal.base)).await.0,
        404
    );
    let (status, headers, _) = fetch(&guess(2)).await;
    assert_eq!(status, 429);
    assert!(headers.contains_key("retry-after"));
    assert_eq!(
        fetch(&link.https).await.0,
        200,
        "a working link still works"
    );
}
