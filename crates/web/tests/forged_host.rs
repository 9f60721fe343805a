//! Every URL the server writes comes from its configured public URL: a request's `Host` and
//! forwarded headers, which anyone can send, never reach a Location, a Bundle link, the feed's
//! manifest or a slot's deep link.

mod common;

use common::Portal;
use common::fhir::*;

/// What an attacker in front of the server could claim about where a request came in.
const FORGED: [(&str, &str); 5] = [
    ("host", "evil.example"),
    ("x-forwarded-host", "evil.example"),
    ("x-forwarded-proto", "gopher"),
    ("forwarded", "host=evil.example;proto=gopher"),
    ("x-forwarded-prefix", "/evil"),
];

fn assert_untouched(portal: &Portal, what: &str, answer: &Answer) {
    assert!(
        answer.status < 500,
        "{what}: {} {}",
        answer.status,
        answer.text
    );
    for (name, value) in &answer.headers {
        let value = value.to_str().unwrap_or_default();
        assert!(
            !value.contains("evil") && !value.contains("gopher"),
            "{what}: header {name}: {value}"
        );
    }
    assert!(
        !answer.text.contains("evil") && !answer.text.contains("gopher"),
        "{what}: {}",
        answer.text
    );
    // Whatever is absolute is this site's.
    for url in answer
        .text
        .split('"')
        .filter(|part| part.starts_with("http://127.0.0.1") || part.starts_with("https://"))
        .filter(|part| part.contains("/fhir") || part.contains("/bestill"))
    {
        assert!(url.starts_with(&portal.base), "{what}: {url}");
    }
}

#[tokio::test]
async fn forged_host_and_forwarded_headers_do_not_reach_the_urls_the_server_writes() {
    let portal = fhir_portal().await;
    let day = "2026-12-17";
    let reads = [
        (READER, "/fhir/metadata".to_owned()),
        (READER, "/fhir/Schedule".to_owned()),
        (
            READER,
            format!(
                "/fhir/Slot?schedule=Schedule/{}&start=ge{day}&_count=1",
                portal.timebook
            ),
        ),
        (READER, "/fhir/$bulk-publish".to_owned()),
        (READER, "/fhir/$bulk-publish/Location.ndjson".to_owned()),
        (READER, "/fhir/$bulk-publish/Schedule.ndjson".to_owned()),
        (READER, "/fhir/$bulk-publish/Slot.ndjson".to_owned()),
    ];
    for (token, path) in &reads {
        let url = format!("{}{path}", portal.base);
        let answer = send(reqwest::Method::GET, &url, Some(token), &FORGED, None).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
        assert_untouched(&portal, path, &answer);
    }

    // The feed's deep links, the Bundle's paging link and the new appointment's Location are
    // the places a forged host would show.
    let manifest = get(&portal, Some(READER), "/fhir/$bulk-publish").await;
    let slot_file = manifest.body["output"]
        .as_array()
        .expect("output")
        .iter()
        .filter_map(|o| o["url"].as_str())
        .find(|u| u.ends_with("Slot.ndjson"))
        .expect("the Slot file")
        .to_owned();
    assert!(slot_file.starts_with(&portal.base), "{slot_file}");
    let created = send(
        reqwest::Method::POST,
        &format!("{}/fhir/Appointment", portal.base),
        Some(BOOKER),
        &FORGED,
        Some((
            "application/fhir+json",
            appointment(portal.slots[0], &portal.kari, Some("Influensavaksine")).to_string(),
        )),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_untouched(&portal, "POST /fhir/Appointment", &created);
    let location = created.header("location").expect("Location");
    assert!(location.starts_with(&portal.base), "{location}");

    // The portal answers with paths of its own; a forged host changes none of them.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for path in ["/", "/bestill", "/logg-inn", "/timeavtaler"] {
        let mut request = http.get(format!("{}{path}", portal.base));
        for (name, value) in FORGED {
            request = request.header(name, value);
        }
        let answer = request.send().await.expect("request");
        let location = answer
            .headers()
            .get("location")
            .map(|l| l.to_str().expect("text").to_owned());
        assert!(
            location
                .as_deref()
                .is_none_or(|l| l.starts_with('/') && !l.starts_with("//")),
            "{path}: {location:?}"
        );
        let body = answer.text().await.expect("body");
        assert!(!body.contains("evil") && !body.contains("gopher"), "{path}");
    }
}
