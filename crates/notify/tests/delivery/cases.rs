use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::AppointmentId;
use domain::{Channel, ContactSettings, EmailAddress, MobileNumber, PushSubscription};
use jiff::SignedDuration;
use mail_parser::MimeHeaders;
use notify::testing::{HttpPeer, SmtpServer};
use notify::{NotifyConfig, PushConfig, SmsConfig, SmtpConfig, TlsMode, Worker};
use std::sync::Arc;
use store::testing::{TestDb, World, oslo};
use store::{Clock as _, NotificationKind, Store};

const GUIDE_TEXT: &str = "Kari, du har fått time til vaksine hos Helsenorge testlegekontor \
    16.12.2026, kl. 08:00. Oppmøtested: Influensaveien 3a, 1325 Lysaker. \
    Logg inn på Helsenorge for å se mer.";

/// One send at a time, so that the peers receive the notices in the order they were claimed.
fn config() -> NotifyConfig {
    NotifyConfig {
        batch_size: 10,
        sends_at_once: 1,
        max_attempts: 3,
        backoff_base_seconds: 60,
        backoff_max_seconds: 3600,
        send_timeout_seconds: 5,
        lease_seconds: 300,
        ..NotifyConfig::default()
    }
}

fn smtp(server: std::net::SocketAddr) -> SmtpConfig {
    SmtpConfig {
        host: server.ip().to_string(),
        port: server.port(),
        tls: TlsMode::None,
        username: None,
        password: None,
        from: "Helsenorge <ikke-svar@helsenorge.example>".into(),
    }
}

fn sms(gateway: &HttpPeer) -> SmsConfig {
    SmsConfig {
        url: gateway.url("/sms/send"),
        username: Some("timebok".into()),
        password: Some("hemmelig".into()),
        token: None,
        body_template: r#"{"to": "{{to}}", "message": "{{text}}", "from": "{{sender}}"}"#.into(),
        sender: "Helsenorge".into(),
    }
}

fn worker(world: &World, config: NotifyConfig) -> Worker {
    Worker::new(world.store.clone(), world.clock.clone(), config).expect("worker")
}

/// Patient `n` (from 1), with `settings`, books Wednesday 16 December 2026 at 08:00 plus
/// `n - 1` quarter hours.
async fn book(world: &World, n: u16, settings: ContactSettings) -> AppointmentId {
    let start = oslo(2026, 12, 16, 8, 0) + SignedDuration::from_mins(15 * i64::from(n - 1));
    let booked = world.book(n, start).await;
    world
        .store
        .save_contact_settings(&booked.patient, &settings)
        .await
        .expect("settings");
    booked.id
}

fn by_sms(n: u16) -> ContactSettings {
    ContactSettings {
        chosen: None,
        mobile: Some(mobile(n)),
        email: None,
        language: "nb".into(),
        language_chosen: true,
    }
}

fn mobile(n: u16) -> MobileNumber {
    MobileNumber::parse(&format!("9000{n:04}")).expect("mobile")
}

fn by_email(address: &str) -> ContactSettings {
    ContactSettings {
        chosen: Some(Channel::Email),
        mobile: None,
        email: Some(EmailAddress::parse(address).expect("email")),
        language: "nb".into(),
        language_chosen: true,
    }
}

fn sms_texts(gateway: &HttpPeer) -> Vec<(String, String)> {
    gateway
        .received()
        .iter()
        .map(|request| {
            let body: serde_json::Value = serde_json::from_slice(&request.body).expect("json");
            (
                body["to"].as_str().expect("to").to_owned(),
                body["message"].as_str().expect("message").to_owned(),
            )
        })
        .collect()
}

pub async fn the_booking_e_mail_has_the_guides_text_and_a_calendar_file(db: TestDb) {
    let world = World::new(db).await;
    let server = SmtpServer::start().await;
    book(&world, 1, by_email("kari@example.no")).await;
    let worker = worker(
        &world,
        NotifyConfig {
            smtp: Some(smtp(server.addr)),
            ..config()
        },
    );
    let round = worker.run_once().await.expect("round");
    assert_eq!((round.claimed, round.sent), (1, 1));

    let mails = server.received();
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].to[0].contains("kari@example.no"),
        "{:?}",
        mails[0].to
    );
    let message = mail_parser::MessageParser::default()
        .parse(&mails[0].data)
        .expect("a parsable e-mail");
    assert_eq!(
        message.subject(),
        Some("Timeavtale hos Helsenorge testlegekontor")
    );
    let body = message.body_text(0).expect("text body");
    assert_eq!(body.trim_end(), GUIDE_TEXT);
    assert!(!body.contains("Influensavaksine"));

    let attachment = message.attachment(0).expect("an attachment");
    assert_eq!(attachment.attachment_name(), Some("timeavtale.ics"));
    let content_type = attachment.content_type().expect("content type");
    assert_eq!(
        (content_type.ctype(), content_type.subtype()),
        ("text", Some("calendar"))
    );
    let ics = std::str::from_utf8(attachment.contents()).expect("utf-8");
    let lines: Vec<&str> = ics.split("\r\n").collect();
    assert_eq!(lines.first(), Some(&"BEGIN:VCALENDAR"));
    assert_eq!(
        lines.iter().rev().find(|l| !l.is_empty()),
        Some(&"END:VCALENDAR")
    );
    for required in [
        "VERSION:2.0",
        "BEGIN:VEVENT",
        "DTSTART;TZID=Europe/Oslo:20261216T080000",
        "DTEND;TZID=Europe/Oslo:20261216T081500",
        "TZID:Europe/Oslo",
        "SUMMARY:Time til vaksine hos Helsenorge testlegekontor",
        "LOCATION:Influensaveien 3a\\, 1325 Lysaker",
        "END:VEVENT",
    ] {
        assert!(lines.contains(&required), "{required} missing from\n{ics}");
    }
    assert!(
        lines.iter().all(|l| l.len() <= 75),
        "lines are folded at 75 octets"
    );

    let counts = world.store.outbox_counts().await.expect("counts");
    assert_eq!((counts.sent, counts.pending), (1, 0));
    world.finish().await;
}

pub async fn the_sms_goes_through_the_gateway_without_the_reason(db: TestDb) {
    let world = World::new(db).await;
    let gateway = HttpPeer::start(200).await;
    let booked = book(&world, 1, by_sms(1)).await;
    world
        .cancel_by_clinic(
            world.clinic.id,
            booked,
            Some(&domain::CancelReason::parse("Legen er syk").expect("reason")),
        )
        .await
        .expect("cancel");
    let worker = worker(
        &world,
        NotifyConfig {
            sms: Some(sms(&gateway)),
            ..config()
        },
    );
    assert_eq!(worker.run_once().await.expect("round").sent, 2);

    let texts = sms_texts(&gateway);
    assert_eq!(texts[0], ("+4790000001".to_owned(), GUIDE_TEXT.to_owned()));
    assert_eq!(
        texts[1].1,
        "Kari, timen din til vaksine hos Helsenorge testlegekontor 16.12.2026, kl. 08:00 \
         er avlyst av legekontoret. Logg inn på Helsenorge for å se mer."
    );
    for (_, text) in &texts {
        assert!(
            !text.contains("Influensavaksine") && !text.contains("syk"),
            "{text}"
        );
    }
    let request = &gateway.received()[0];
    assert_eq!(request.path, "/sms/send");
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("timebok:hemmelig")
    );
    assert_eq!(request.headers["authorization"], expected.as_str());
    world.finish().await;
}

pub async fn push_is_encrypted_for_the_subscription_and_gone_devices_are_forgotten(db: TestDb) {
    let world = World::new(db).await;
    let push_service = HttpPeer::start(201).await;
    let (vapid_public, vapid_private) = notify::push::generate_vapid_keys().expect("vapid");
    // The browser's side: its key pair and auth secret, as a PushSubscription holds them.
    let browser = crate::browser::Browser::new();
    let browser_public = URL_SAFE_NO_PAD.encode(browser.public_key());
    let auth_text = URL_SAFE_NO_PAD.encode(browser.auth);

    let patient = world.patient(1).await;
    // The push service runs on loopback here, which only a development set-up admits.
    let local = domain::PushTargetPolicy::new::<&str>(true, None).expect("policy");
    let phone = PushSubscription::parse(
        &push_service.url("/push/phone"),
        &browser_public,
        &auth_text,
        &local,
    )
    .expect("subscription");
    let old = PushSubscription::parse(
        &push_service.url("/push/old"),
        &browser_public,
        &auth_text,
        &local,
    )
    .expect("subscription");
    world
        .store
        .add_push_subscription(&patient, &phone, "Telefon")
        .await
        .expect("phone");
    world
        .store
        .add_push_subscription(&patient, &old, "Gammel PC")
        .await
        .expect("old");
    let settings = ContactSettings {
        chosen: Some(Channel::Push),
        language: "nb".into(),
        ..Default::default()
    };
    world
        .store
        .save_contact_settings(&patient, &settings)
        .await
        .expect("settings");
    let slot = world.slot(oslo(2026, 12, 16, 8, 0), 1).await;
    world.book_as(&patient, slot.id, None).await.expect("book");

    let worker = worker(
        &world,
        NotifyConfig {
            push: Some(PushConfig {
                allow_private_push_hosts: true,
                only_known_services: Some(false),
                ..PushConfig::new(
                    vapid_public.clone(),
                    vapid_private,
                    "mailto:drift@timebok.example".into(),
                )
            }),
            ..config()
        },
    );
    // The push service has forgotten the old device; the phone takes the notice.
    let gone = HttpPeer::start(410).await;
    let gone_sub =
        PushSubscription::parse(&gone.url("/push/old"), &browser_public, &auth_text, &local)
            .expect("sub");
    world
        .store
        .add_push_subscription(&patient, &gone_sub, "Gammel PC")
        .await
        .expect("gone");
    world
        .store
        .forget_push_endpoint(old.endpoint())
        .await
        .expect("replace");
    assert_eq!(worker.run_once().await.expect("round").sent, 1);

    let requests = push_service.received();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.path, "/push/phone");
    assert_eq!(request.headers["content-encoding"], "aes128gcm");
    assert!(request.headers.contains_key("ttl"));
    let authorization = request.headers["authorization"].to_str().expect("ascii");
    let (jwt, key) = authorization
        .strip_prefix("vapid t=")
        .and_then(|rest| rest.split_once(", k="))
        .expect("vapid t=…, k=…");
    assert_eq!(key, vapid_public);
    let claims: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(jwt.split('.').nth(1).expect("claims"))
            .expect("base64"),
    )
    .expect("json");
    // The push resource's origin, its port included (RFC 8292 §2).
    assert_eq!(claims["aud"], push_service.url(""));
    assert_eq!(claims["sub"], "mailto:drift@timebok.example");

    let plain = browser.decrypt(&request.body);
    let payload: serde_json::Value = serde_json::from_slice(&plain).expect("json payload");
    assert_eq!(payload["body"], GUIDE_TEXT);
    assert_eq!(payload["title"], "Timeavtale hos Helsenorge testlegekontor");

    assert_eq!(gone.received().len(), 1, "the gone device was tried");
    let left = world
        .store
        .push_subscriptions(&patient)
        .await
        .expect("subscriptions");
    assert_eq!(
        left.len(),
        1,
        "the device the push service forgot is forgotten"
    );
    assert_eq!(left[0].subscription.endpoint(), phone.endpoint());
    world.finish().await;
}

pub async fn notices_are_written_in_the_patients_language(db: TestDb) {
    let world = World::new(db).await;
    let gateway = HttpPeer::start(200).await;
    book(
        &world,
        1,
        ContactSettings {
            language: "nn".into(),
            ..by_sms(1)
        },
    )
    .await;
    book(
        &world,
        2,
        ContactSettings {
            language: "en".into(),
            ..by_sms(2)
        },
    )
    .await;
    let worker = worker(
        &world,
        NotifyConfig {
            sms: Some(sms(&gateway)),
            ..config()
        },
    );
    worker.run_once().await.expect("round");
    let texts: Vec<String> = sms_texts(&gateway)
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    assert_eq!(
        texts,
        [
            "Kari, du har fått time til vaksine hos Helsenorge testlegekontor 16.12.2026, kl. 08:00. \
             Oppmøtestad: Influensaveien 3a, 1325 Lysaker. Logg inn på Helsenorge for å sjå meir.",
            "Kari, you have an appointment for a vaccination at Helsenorge testlegekontor \
             16.12.2026 at 08:15. Location: Influensaveien 3a, 1325 Lysaker. Log in to Helsenorge to see more.",
        ]
    );
    world.finish().await;
}

pub async fn mail_waits_for_a_server_that_is_down_and_arrives_when_it_is_back(db: TestDb) {
    let world = World::new(db).await;
    // Take a free port, then close it: the mail server is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr");
    book(&world, 1, by_email("kari@example.no")).await;
    let worker = worker(
        &world,
        NotifyConfig {
            smtp: Some(smtp(port)),
            max_attempts: 5,
            ..config()
        },
    );

    let first = worker.run_once().await.expect("round");
    assert_eq!((first.claimed, first.retrying), (1, 1));
    // Not due again before the backoff has passed.
    world.advance(0);
    assert_eq!(worker.run_once().await.expect("round").claimed, 0);
    world.clock.advance(SignedDuration::from_secs(60));
    assert_eq!(
        worker.run_once().await.expect("round").retrying,
        1,
        "second try, still down"
    );
    world.clock.advance(SignedDuration::from_secs(119));
    assert_eq!(
        worker.run_once().await.expect("round").claimed,
        0,
        "the wait doubled"
    );

    let server = SmtpServer::start_at(port).await;
    world.clock.advance(SignedDuration::from_secs(1));
    let third = worker.run_once().await.expect("round");
    assert_eq!((third.claimed, third.sent), (1, 1));
    assert_eq!(server.received().len(), 1);
    let counts = world.store.outbox_counts().await.expect("counts");
    assert_eq!((counts.sent, counts.failed, counts.pending), (1, 0, 0));
    world.finish().await;
}

pub async fn a_gateway_that_keeps_failing_ends_in_a_visible_failure(db: TestDb) {
    let world = World::new(db).await;
    let gateway = HttpPeer::start(500).await;
    book(&world, 1, by_sms(1)).await;
    let worker = worker(
        &world,
        NotifyConfig {
            sms: Some(sms(&gateway)),
            max_attempts: 3,
            ..config()
        },
    );
    for attempt in 1..=3u32 {
        let round = worker.run_once().await.expect("round");
        assert_eq!(round.claimed, 1, "try {attempt}");
        world.clock.advance(notify::backoff(&config(), attempt));
    }
    assert_eq!(gateway.received().len(), 3);
    let failed = world.store.failed_jobs(10).await.expect("failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].attempts, 3);
    assert_eq!(failed[0].channel, Some(Channel::Sms));
    assert_eq!(
        failed[0].last_error,
        "the SMS gateway answered 500 Internal Server Error"
    );
    assert_eq!(world.store.outbox_counts().await.expect("counts").failed, 1);
    world.clock.advance(SignedDuration::from_hours(10));
    assert_eq!(
        worker.run_once().await.expect("round").claimed,
        0,
        "failed jobs stay failed"
    );

    // The operator retries once the gateway works again.
    gateway.answer(200);
    world
        .store
        .retry_job(
            &domain::Actor::Operator {
                user: "drift".into(),
            },
            failed[0].id,
        )
        .await
        .expect("retry");
    assert_eq!(worker.run_once().await.expect("round").sent, 1);
    assert_eq!(world.store.outbox_counts().await.expect("counts").failed, 0);
    world.finish().await;
}

pub async fn one_bad_address_does_not_stop_the_others(db: TestDb) {
    let world = World::new(db).await;
    let server = SmtpServer::start().await;
    let gateway = HttpPeer::start(200).await;
    book(&world, 1, by_email("kari@example.no")).await;
    // The mail server does not know this mailbox: a permanent refusal.
    book(&world, 2, by_email("ukjent@example.no")).await;
    book(&world, 3, by_sms(3)).await;
    let worker = worker(
        &world,
        NotifyConfig {
            smtp: Some(smtp(server.addr)),
            sms: Some(sms(&gateway)),
            ..config()
        },
    );
    let round = worker.run_once().await.expect("round");
    assert_eq!(
        (round.claimed, round.sent, round.failed),
        (3, 2, 1),
        "{round:?}"
    );
    assert_eq!(server.received().len(), 1);
    assert_eq!(gateway.received().len(), 1);
    let failed = world.store.failed_jobs(10).await.expect("failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].attempts, 1,
        "a refused address is not tried again"
    );
    assert!(
        failed[0].last_error.contains("550"),
        "{}",
        failed[0].last_error
    );
    world.finish().await;
}

pub async fn a_reminder_goes_out_for_booked_appointments_and_never_for_cancelled_ones(db: TestDb) {
    let world = World::new(db).await;
    let gateway = HttpPeer::start(200).await;
    let kept = book(&world, 1, by_sms(1)).await;
    let cancelled_early = book(&world, 2, by_sms(2)).await;
    let cancelled_late = book(&world, 3, by_sms(3)).await;
    let worker = worker(
        &world,
        NotifyConfig {
            sms: Some(sms(&gateway)),
            ..config()
        },
    );
    worker.run_once().await.expect("booking notices");
    world
        .cancel_as(&store::testing::World::person(2), cancelled_early)
        .await
        .expect("cancel");
    worker.run_once().await.expect("cancellation notice");
    let before = gateway.received().len();
    assert_eq!(before, 4);

    // Tuesday 09:00: all three start within 24 hours. The third is cancelled between the
    // reminder being written and being sent.
    world.clock.set(oslo(2026, 12, 15, 9, 0));
    world.store.schedule_reminders().await.expect("schedule");
    world
        .cancel_by_clinic(world.clinic.id, cancelled_late, None)
        .await
        .expect("cancel");
    let round = worker.run_once().await.expect("reminders");
    let texts = sms_texts(&gateway);
    let reminders: Vec<&(String, String)> = texts[before..]
        .iter()
        .filter(|(_, text)| text.contains("husk timen"))
        .collect();
    assert_eq!(reminders.len(), 1, "{texts:?}");
    assert_eq!(reminders[0].0, mobile(1).international());
    assert_eq!(
        reminders[0].1,
        "Kari, husk timen til vaksine hos Helsenorge testlegekontor 16.12.2026, kl. 08:00. \
         Oppmøtested: Influensaveien 3a, 1325 Lysaker. Logg inn på Helsenorge for å se mer."
    );
    assert_eq!(
        round.skipped, 1,
        "the late-cancelled reminder is recorded as skipped"
    );
    for (id, reminders) in [(kept, 1), (cancelled_early, 0), (cancelled_late, 1)] {
        let jobs = world.store.outbox_jobs(id).await.expect("jobs");
        let count = jobs
            .iter()
            .filter(|j| j.kind == NotificationKind::Reminder)
            .count();
        assert_eq!(count, reminders, "{id:?}");
    }
    world.finish().await;
}

pub async fn patients_without_an_address_are_recorded_not_dropped(db: TestDb) {
    let world = World::new(db).await;
    book(
        &world,
        1,
        ContactSettings {
            language: "nb".into(),
            ..Default::default()
        },
    )
    .await;
    book(&world, 2, by_email("ola@example.no")).await;
    // E-mail chosen, but no mail server configured: that is a failure to retry, not a skip.
    let worker = worker(&world, config());
    let round = worker.run_once().await.expect("round");
    assert_eq!((round.skipped, round.retrying), (1, 1));
    let counts = world.store.outbox_counts().await.expect("counts");
    assert_eq!((counts.skipped, counts.pending), (1, 1));
    world.finish().await;
}

pub async fn two_workers_never_send_one_job_at_the_same_time(db: TestDb) {
    let world = World::new(db).await;
    let gateway = HttpPeer::start(200).await;
    gateway.delay(std::time::Duration::from_millis(20));
    for n in 1..=30 {
        book(&world, n, by_sms(n)).await;
    }
    let mut workers = Vec::new();
    for _ in 0..2 {
        let store: Arc<dyn Store> = world.db.open(world.clock.clone()).await;
        workers.push(Arc::new(
            Worker::new(
                store,
                world.clock.clone(),
                NotifyConfig {
                    sms: Some(sms(&gateway)),
                    batch_size: 4,
                    ..config()
                },
            )
            .expect("worker"),
        ));
    }
    let tasks: Vec<_> = workers
        .iter()
        .map(|worker| {
            let worker = worker.clone();
            tokio::spawn(async move {
                let mut sent = 0;
                loop {
                    let round = worker.run_once().await.expect("round");
                    if round.claimed == 0 {
                        return sent;
                    }
                    sent += round.sent;
                }
            })
        })
        .collect();
    let mut per_worker = Vec::new();
    for task in tasks {
        per_worker.push(task.await.expect("worker"));
    }
    let mut numbers: Vec<String> = sms_texts(&gateway).into_iter().map(|(to, _)| to).collect();
    assert_eq!(numbers.len(), 30, "{per_worker:?}");
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 30, "every patient got exactly one notice");
    assert!(
        per_worker.iter().all(|&n| n > 0),
        "both workers took part: {per_worker:?}"
    );
    assert!(
        gateway.most_in_flight() >= 2,
        "the workers sent in parallel"
    );
    world.finish().await;
}

pub async fn a_slow_gateway_answer_does_not_hold_up_the_batch(db: TestDb) {
    let world = World::new(db).await;
    let gateway = HttpPeer::start(200).await;
    gateway.delay(std::time::Duration::from_millis(300));
    for n in 1..=8 {
        book(&world, n, by_sms(n)).await;
    }
    let worker = worker(
        &world,
        NotifyConfig {
            sms: Some(sms(&gateway)),
            batch_size: 8,
            sends_at_once: 4,
            ..config()
        },
    );
    let round = worker.run_once().await.expect("round");
    assert_eq!((round.claimed, round.sent), (8, 8));
    assert_eq!(
        gateway.most_in_flight(),
        4,
        "four sends of the batch were in flight together, never more"
    );
    world.finish().await;
}

pub async fn a_reply_from_the_office_is_notified_without_the_message(db: TestDb) {
    let world = World::new(db).await;
    let gateway = HttpPeer::start(200).await;
    let kari = world.patient(1).await;
    world
        .store
        .save_contact_settings(&kari, &by_sms(1))
        .await
        .expect("settings");
    let thread = world
        .store
        .write_message(
            &domain::Caller::patient(kari.clone()),
            &domain::Subject::parse("Resept").expect("subject"),
            &domain::MessageText::parse("Kan jeg fornye?").expect("text"),
        )
        .await
        .expect("write");
    world
        .store
        .reply_as_clinic(
            &world.staff,
            world.clinic.id,
            thread,
            &domain::MessageText::parse("Ja, fornyet.").expect("text"),
        )
        .await
        .expect("reply");
    let worker = worker(
        &world,
        NotifyConfig {
            sms: Some(sms(&gateway)),
            ..config()
        },
    );
    assert_eq!(worker.run_once().await.expect("round").sent, 1);
    assert_eq!(
        sms_texts(&gateway),
        [(
            "+4790000001".to_owned(),
            "Kari, du har fått svar fra Helsenorge testlegekontor. Logg inn på Helsenorge for å lese svaret.".to_owned()
        )]
    );
    world.finish().await;
}

/// Thursday 17 December 2026 from 08:00 to 09:00, at any place.
fn thursday_morning() -> domain::WaitlistWish {
    let day = jiff::civil::date(2026, 12, 17);
    domain::WaitlistWish::new(
        &[jiff::civil::Weekday::Thursday],
        (
            Some(jiff::civil::time(8, 0, 0, 0)),
            Some(jiff::civil::time(9, 0, 0, 0)),
        ),
        (Some(day), Some(day)),
        jiff::civil::date(2026, 12, 14),
    )
    .expect("wish")
}

pub async fn a_freed_place_is_offered_and_notified_in_one_round_and_a_closed_offer_is_not(
    db: TestDb,
) {
    let world = World::new(db).await;
    let gateway = HttpPeer::start(200).await;
    // Patient 1 has the one place of Thursday 08:15; patients 2 and 3 wait for it, in turn.
    let holder = world.patient(1).await;
    let slot = world.slot(oslo(2026, 12, 17, 8, 15), 1).await;
    let booked = world.book_as(&holder, slot.id, None).await.expect("booked");
    for n in [2u16, 3] {
        let patient = world.patient(n).await;
        world
            .store
            .save_contact_settings(&patient, &by_sms(n))
            .await
            .expect("settings");
        world
            .store
            .join_waitlist(
                &domain::Caller::patient(patient.clone()),
                &patient,
                &store::JoinWaitlist {
                    timebook: world.timebook.id,
                    place: None,
                    wish: thursday_morning(),
                },
            )
            .await
            .expect("join");
        world.advance(1);
    }
    let worker = worker(
        &world,
        NotifyConfig {
            sms: Some(sms(&gateway)),
            ..config()
        },
    )
    .with_waitlist(world.store.clone());
    worker.run_once().await.expect("round");
    assert!(
        sms_texts(&gateway).is_empty(),
        "nothing free, nothing offered"
    );

    // Freed, the place is offered to patient 2 and the notice goes out in the same round (the
    // worker offers at most once a second, so the clock moves on first).
    world.cancel_as(&holder, booked.id).await.expect("cancel");
    world.advance(1);
    worker.run_once().await.expect("round");
    let texts = sms_texts(&gateway);
    assert_eq!(texts.len(), 1, "{texts:?}");
    let (to, text) = &texts[0];
    assert_eq!(to, "+4790000002");
    let offer = world
        .store
        .patient_waitlist(&World::person(2))
        .await
        .expect("list")[0]
        .offer
        .expect("offered")
        .id;
    assert_eq!(
        text,
        &format!(
            "Kari, en ledig time til vaksine hos Helsenorge testlegekontor 17.12.2026, kl. 08:15 \
             er holdt av til deg fra ventelisten til kl. 08:33. Oppmøtested: Influensaveien 3a, \
             1325 Lysaker. Bestill eller si nei takk her: http://localhost:8080/venteliste/tilbud/{offer}"
        )
    );

    // Patient 2 says no; the next pass offers it to patient 3, who says no before the worker
    // sends the notice: it is recorded as skipped, and no SMS goes.
    assert!(
        world
            .store
            .decline_offer(&domain::Caller::patient(World::person(2)), offer)
            .await
            .expect("declined")
    );
    assert_eq!(
        world
            .store
            .offer_freed_places()
            .await
            .expect("pass")
            .offered,
        1
    );
    let next = world
        .store
        .patient_waitlist(&World::person(3))
        .await
        .expect("list")[0]
        .offer
        .expect("offered")
        .id;
    assert!(
        world
            .store
            .decline_offer(&domain::Caller::patient(World::person(3)), next)
            .await
            .expect("declined")
    );
    world.advance(1);
    let round = worker.run_once().await.expect("round");
    assert_eq!((round.claimed, round.skipped, round.sent), (1, 1, 0));
    assert_eq!(sms_texts(&gateway).len(), 1);
    world.finish().await;
}

async fn retention_passes(world: &World) -> usize {
    world
        .store
        .audit_events(&store::AuditFilter {
            action: Some(domain::AuditAction::RetentionApplied),
            ..store::AuditFilter::default()
        })
        .await
        .expect("audit")
        .len()
}

async fn reason_of(world: &World, id: AppointmentId) -> String {
    let appointment = world.store.appointment(id).await.expect("read");
    appointment.reason.as_str().to_owned()
}

/// The worker applies retention at the start of a round, once an hour: a reason past its
/// period is erased by the next round, and a round within the hour does not run it again
/// (each pass writes one audit entry).
pub async fn the_worker_applies_retention_once_an_hour(db: TestDb) {
    let world = World::new(db).await;
    let policy = domain::RetentionPolicy {
        reason_days: 1,
        ..domain::RetentionPolicy::default()
    };
    let first = book(&world, 1, ContactSettings::default()).await;
    let worker = worker(&world, config()).with_retention(world.store.clone(), policy);
    worker.run_once().await.expect("round");
    worker.run_once().await.expect("round");
    assert_eq!(retention_passes(&world).await, 1, "once within the hour");
    assert_eq!(
        reason_of(&world, first).await,
        "Influensavaksine",
        "not yet a day past"
    );

    world.advance(4 * 24 * 60);
    let second = world
        .book(2, world.clock.now() + SignedDuration::from_hours(1))
        .await
        .id;
    worker.run_once().await.expect("round");
    assert_eq!(retention_passes(&world).await, 2);
    assert_eq!(reason_of(&world, first).await, domain::Reason::ERASED);
    assert_eq!(
        reason_of(&world, second).await,
        "Influensavaksine",
        "still ahead"
    );

    world.advance(2 * 24 * 60);
    worker.run_once().await.expect("round");
    assert_eq!(reason_of(&world, second).await, domain::Reason::ERASED);
    world.finish().await;
}
