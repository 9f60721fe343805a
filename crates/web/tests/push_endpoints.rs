//! A push subscription is saved only for an endpoint Timebok will post to: never loopback,
//! the private network or a cloud's metadata service, and, where the installation asks for
//! it, only the browsers' own push services. A refused one stores nothing and tells the
//! patient why, in their language.

mod common;

use common::{Browser, Portal, VAPID_PUBLIC_KEY, portal};

const P256DH: &str = VAPID_PUBLIC_KEY;
const AUTH: &str = "EvcWjEgzr4rbvhfi3yds0A";

/// Another server on the portal's database whose push settings use `targets`.
async fn served_with(portal: &Portal, targets: domain::PushTargetPolicy) -> Browser {
    let mut state = portal.state.clone();
    state.push = Some(timebok_web::PushSettings {
        public_key: VAPID_PUBLIC_KEY.into(),
        targets,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(timebok_web::serve(state, listener, std::future::pending()));
    let mut browser = Browser::new(portal);
    browser.base = base;
    browser
}

async fn subscribe(browser: &Browser, csrf: &str, endpoint: &str) -> common::Page {
    browser
        .post(
            "/varslinger/push",
            &[
                ("csrf", csrf),
                ("endpoint", endpoint),
                ("p256dh", P256DH),
                ("auth", AUTH),
                ("device", "Telefon"),
            ],
        )
        .await
}

async fn devices(portal: &Portal) -> usize {
    portal
        .store
        .push_subscriptions(&portal.kari)
        .await
        .expect("list")
        .len()
}

#[tokio::test]
async fn an_endpoint_on_an_internal_address_is_refused_in_the_patients_language() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let csrf = kari.csrf().await;
    for endpoint in [
        "https://127.0.0.1:8443/push/1",
        "https://localhost/push/1",
        "https://10.0.0.8/push/1",
        "https://192.168.1.1/push/1",
        "https://100.64.0.1/push/1",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/push/1",
        "https://[::ffff:127.0.0.1]/push/1",
        "https://[fd00:ec2::254]/push/1",
        "https://[fe80::1]/push/1",
        "https://224.0.0.1/push/1",
        "https://192.0.2.1/push/1",
    ] {
        let refused = subscribe(&kari, &csrf, endpoint).await;
        assert_eq!(refused.status, 422, "{endpoint}");
        assert!(
            refused
                .body
                .contains("Nettleseren din bruker en varslingstjeneste"),
            "{endpoint}: {}",
            refused.body
        );
    }
    // An address in another notation, or user info before a host, is no browser's: a plain
    // bad request.
    for endpoint in [
        "https://2130706433/push/1",
        "https://push.example.net@127.0.0.1/push/1",
    ] {
        assert_eq!(
            subscribe(&kari, &csrf, endpoint).await.status,
            400,
            "{endpoint}"
        );
    }
    assert_eq!(devices(&portal).await, 0, "nothing is stored");

    kari.get("/sprak/en?tilbake=/varslinger").await;
    let english = subscribe(&kari, &csrf, "https://127.0.0.1/push/1").await;
    assert_eq!(english.status, 422);
    assert!(
        english
            .body
            .contains("Your browser uses a notification service"),
        "{}",
        english.body
    );
    assert_eq!(devices(&portal).await, 0);

    // The settings page carries the text for the script to show.
    let page = kari.get("/varslinger").await;
    assert!(
        page.body
            .contains("data-refused=\"Your browser uses a notification service"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_refused_when_saved() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    kari.log_in(&portal.kari).await;
    let csrf = kari.csrf().await;
    // `localhost` is refused by its name; a name of the machine's own, from /etc/hosts, by
    // the address it resolves to.
    let own_name = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        });
    let mut endpoints = vec!["https://localhost:8443/push/1".to_owned()];
    if let Some(name) = own_name {
        let loopback = tokio::net::lookup_host((name.as_str(), 443))
            .await
            .is_ok_and(|mut addresses| addresses.all(|a| a.ip().is_loopback()));
        if loopback {
            endpoints.push(format!("https://{name}:8443/push/1"));
        }
    }
    for endpoint in &endpoints {
        assert_eq!(
            subscribe(&kari, &csrf, endpoint).await.status,
            422,
            "{endpoint}"
        );
    }
    assert_eq!(devices(&portal).await, 0);
}

#[tokio::test]
async fn only_the_browsers_push_services_are_accepted_where_the_installation_asks() {
    let portal = portal(true).await;
    let known = domain::PushTargetPolicy::new(false, Some(&domain::BROWSER_PUSH_SERVICES[..]))
        .expect("policy");
    let kari = served_with(&portal, known).await;
    kari.log_in(&portal.kari).await;
    let csrf = kari.csrf().await;
    let elsewhere = subscribe(&kari, &csrf, "https://push.example.net/send/1").await;
    assert_eq!(elsewhere.status, 422);
    assert!(
        elsewhere
            .body
            .contains("Nettleseren din bruker en varslingstjeneste"),
        "{}",
        elsewhere.body
    );
    assert_eq!(devices(&portal).await, 0);

    let firefox = subscribe(
        &kari,
        &csrf,
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",
    )
    .await;
    assert_eq!(firefox.status, 204, "{}", firefox.body);
    assert_eq!(devices(&portal).await, 1);
}
