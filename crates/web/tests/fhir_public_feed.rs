//! The open slot feed (`[fhir] public_feed`): SMART Scheduling Links' manifest and files
//! without a token, the same kept copy for every open reader, and nothing else of the API
//! opened by it.

mod common;

use common::fhir::*;
use common::{Options, Portal, portal_with};
use serde_json::Value;

async fn portal(public_feed: bool) -> Portal {
    let mut fhir = settings();
    fhir.public_feed = public_feed;
    portal_with(Options {
        fhir,
        ..Options::default()
    })
    .await
}

const FEED: [&str; 4] = [
    "/fhir/$bulk-publish",
    "/fhir/$bulk-publish/Location.ndjson",
    "/fhir/$bulk-publish/Schedule.ndjson",
    "/fhir/$bulk-publish/Slot.ndjson",
];

fn locations(answer: &Answer) -> Vec<String> {
    answer
        .lines()
        .iter()
        .map(|l| l["managingOrganization"]["identifier"]["value"].to_string())
        .collect()
}

#[tokio::test]
async fn the_feed_asks_for_a_token_unless_the_operator_publishes_it() {
    let closed = portal(false).await;
    for path in FEED {
        let answer = get(&closed, None, path).await;
        assert_eq!(
            answer.status, 401,
            "{path} without a token: {}",
            answer.body
        );
        assert_eq!(answer.body["resourceType"], "OperationOutcome");
    }
    let manifest = get(&closed, Some(READER), FEED[0]).await;
    assert_eq!(manifest.status, 200);
    assert_eq!(manifest.body["requiresAccessToken"], true);

    let open = portal(true).await;
    let manifest = get(&open, None, FEED[0]).await;
    assert_eq!(manifest.status, 200, "{}", manifest.body);
    assert_eq!(manifest.body["requiresAccessToken"], false);
    for output in manifest.body["output"].as_array().expect("output") {
        let url = output["url"].as_str().expect("url");
        let file = get_url(None, url).await;
        assert_eq!(file.status, 200, "{url}: {}", file.text);
        assert!(!file.lines().is_empty(), "{url} is empty");
    }
}

#[tokio::test]
async fn the_open_feed_opens_nothing_else() {
    let open = portal(true).await;
    for path in [
        "/fhir/Schedule",
        &format!("/fhir/Slot?schedule=Schedule/{}", open.resource),
        "/fhir/Location/1",
        "/fhir/Appointment?patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|13116900216",
    ] {
        let answer = get(&open, None, path).await;
        assert_eq!(
            answer.status, 401,
            "{path} without a token: {}",
            answer.body
        );
    }
    let booked = post(
        &open,
        "",
        "/fhir/Appointment",
        &[],
        &appointment(open.slots[0], &open.kari, Some("Vaksine")),
    )
    .await;
    assert_eq!(booked.status, 401, "{}", booked.body);
    // A token that cannot read slots is refused on the feed too, not let in as an open
    // reader: a request that shows a token is judged by it.
    let refused = get(&open, Some(BOOKER), FEED[0]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let unknown = get(
        &open,
        Some("not-a-token-0123456789abcdef0123456789"),
        FEED[0],
    )
    .await;
    assert_eq!(unknown.status, 401);
}

#[tokio::test]
async fn a_client_bound_to_a_clinic_still_sees_only_its_clinic_in_the_open_feed() {
    let open = portal(true).await;
    let everyone = locations(&get(&open, None, FEED[1]).await);
    let bound = locations(&get(&open, Some(BOUND), FEED[1]).await);
    assert!(everyone.contains(&"\"1001\"".to_owned()), "{everyone:?}");
    assert!(everyone.contains(&"\"1002\"".to_owned()), "{everyone:?}");
    assert!(!bound.is_empty());
    assert!(bound.iter().all(|her| her == "\"1002\""), "{bound:?}");
}

#[tokio::test]
async fn every_open_reader_is_served_the_same_kept_file() {
    let open = portal(true).await;
    let first = get(&open, None, FEED[3]).await;
    assert_eq!(first.status, 200);
    let builds = open.state.feed.builds();
    let mut readers = Vec::new();
    for _ in 0..50 {
        let base = open.base.clone();
        readers.push(tokio::spawn(async move {
            get_url(None, &format!("{base}{}", FEED[3])).await
        }));
    }
    for reader in readers {
        let answer = reader.await.expect("reader");
        assert_eq!(answer.status, 200);
        assert_eq!(answer.text, first.text);
    }
    assert_eq!(
        open.state.feed.builds(),
        builds,
        "fifty readers were served the kept file, none built it again"
    );
    let lines: Vec<Value> = first.lines();
    assert!(lines.iter().all(|l| l["resourceType"] == "Slot"));
}

#[test]
fn no_configured_client_may_take_the_open_readers_name() {
    let mut fhir = settings();
    fhir.clients[0].name = "public-feed".into();
    let refused = timebok_web::fhir::Clients::new(fhir);
    assert!(matches!(
        refused,
        Err(timebok_web::fhir::ClientError::ReservedName(_))
    ));
}
