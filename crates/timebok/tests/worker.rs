//! The notification worker as operators run it: `timebok worker` killed in the middle of a
//! batch and started again, `timebok serve` sending on its own, a timebook's reminders sent at
//! their moments, `timebok vapid-keys`.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

use domain::{ContactSettings, MobileNumber, ReminderOffsets, TimebookNotices};
use jiff::{SignedDuration, Timestamp};
use notify::testing::HttpPeer;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use store::testing::{TestDb, World, oslo};

const BIN: &str = env!("CARGO_BIN_EXE_timebok");
const PATIENTS: u16 = 12;
const BATCH: usize = 2;

/// The key `serve` needs under the production profile.
const CSRF_KEY: &str = "a-key-for-the-tests-of-the-worker-0123456789";

/// `timebok <command>` on the database, with `config`, and nothing from the environment.
fn timebok(database_url: &str, config: &Path, command: &str) -> Command {
    let mut process = Command::new(BIN);
    for (key, _) in std::env::vars() {
        if key.starts_with("TIMEBOK_") {
            process.env_remove(key);
        }
    }
    process
        .env("TIMEBOK_DATABASE_URL", database_url)
        .env("TIMEBOK_LOG", "warn")
        .env("TIMEBOK_LISTEN", "127.0.0.1:0")
        .env("TIMEBOK_CSRF_KEY", CSRF_KEY)
        .arg("--config")
        .arg(config)
        .arg(command);
    process
}

/// Starts a process and waits for the line that says it is running.
fn start(mut command: Command, ready: &str) -> Child {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start timebok");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    loop {
        let line = lines.next().expect("timebok said it runs").expect("stdout");
        if line.starts_with(ready) {
            break;
        }
    }
    // Keep reading so the process never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    child
}

fn config_file(dir: &Path, gateway: &HttpPeer) -> std::path::PathBuf {
    let path = dir.join("timebok.toml");
    let text = format!(
        "accept_synthetic_ids = true\n\
         [notify]\nbatch_size = {BATCH}\nsend_timeout_seconds = 1\nlease_seconds = 3\npoll_seconds = 1\n\
         backoff_base_seconds = 1\n\
         [notify.sms]\nurl = \"{}\"\nbody_template = '{{\"to\": \"{{{{to}}}}\", \"message\": \"{{{{text}}}}\"}}'\n",
        gateway.url("/sms")
    );
    std::fs::write(&path, text).expect("config");
    path
}

/// Books one appointment for each of `PATIENTS` patients who want SMS, and makes their jobs
/// due now on the real clock (the seeded world runs on its own clock in December 2026).
async fn seed_due_jobs(world: &World) {
    for n in 1..=PATIENTS {
        let start = oslo(2026, 12, 16, 8, 0) + SignedDuration::from_mins(15 * i64::from(n));
        let booked = world.book(n, start).await;
        let settings = ContactSettings {
            mobile: Some(MobileNumber::parse(&format!("9100{n:04}")).expect("mobile")),
            language: "nb".into(),
            ..ContactSettings::default()
        };
        world
            .store
            .save_contact_settings(&booked.patient, &settings)
            .await
            .expect("settings");
    }
    world
        .db
        .execute("UPDATE outbox SET next_attempt_at = 0")
        .await;
}

fn received_per_number(gateway: &HttpPeer) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for request in gateway.received() {
        let body: serde_json::Value = serde_json::from_slice(&request.body).expect("json");
        *counts
            .entry(body["to"].as_str().expect("to").to_owned())
            .or_default() += 1;
    }
    counts
}

async fn wait_until(what: &str, seconds: u64, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn killed_mid_batch_and_restarted(db: TestDb) {
    let world = World::new(db).await;
    seed_due_jobs(&world).await;
    let gateway = HttpPeer::start(200).await;
    gateway.delay(Duration::from_millis(300));
    let dir = tempfile::tempdir().expect("dir");
    let config = config_file(dir.path(), &gateway);

    let mut first = start(
        timebok(&world.db.url, &config, "worker"),
        "timebok: notification worker running",
    );
    wait_until("a few notices", 30, async || gateway.received().len() >= 3).await;
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    let before_restart = gateway.received().len();
    assert!(
        before_restart < usize::from(PATIENTS),
        "killed before the end"
    );

    let mut second = start(
        timebok(&world.db.url, &config, "worker"),
        "timebok: notification worker running",
    );
    let store = world.store.clone();
    wait_until("every job recorded as sent", 60, async || {
        store.outbox_counts().await.expect("counts").sent == u64::from(PATIENTS)
    })
    .await;
    second.kill().expect("stop");
    second.wait().expect("reaped");

    let counts = received_per_number(&gateway);
    assert_eq!(
        counts.len(),
        usize::from(PATIENTS),
        "every patient got a notice: {counts:?}"
    );
    assert!(
        counts.values().all(|&n| n <= 2),
        "at most twice: {counts:?}"
    );
    let twice = counts.values().filter(|&&n| n == 2).count();
    assert!(
        twice <= BATCH,
        "only the batch in flight may go out twice: {counts:?}"
    );
    let outbox = world.store.outbox_counts().await.expect("counts");
    assert_eq!((outbox.pending, outbox.failed), (0, 0));
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_batch_loses_nothing_on_sqlite() {
    killed_mid_batch_and_restarted(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_worker_killed_mid_batch_loses_nothing() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    killed_mid_batch_and_restarted(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_runs_the_worker_unless_told_not_to() {
    let world = World::new(TestDb::sqlite().await).await;
    seed_due_jobs(&world).await;
    let gateway = HttpPeer::start(200).await;
    let dir = tempfile::tempdir().expect("dir");
    let config = config_file(dir.path(), &gateway);

    let text = std::fs::read_to_string(&config).expect("read");
    std::fs::write(
        &config,
        text.replace("[notify]\n", "[notify]\nrun_in_serve = false\n"),
    )
    .expect("write");
    let mut quiet = start(
        timebok(&world.db.url, &config, "serve"),
        "timebok: listening on",
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        gateway.received().is_empty(),
        "run_in_serve = false sends nothing"
    );
    quiet.kill().expect("stop");
    quiet.wait().expect("reaped");

    let text = std::fs::read_to_string(&config).expect("read");
    std::fs::write(&config, text.replace("run_in_serve = false\n", "")).expect("write");
    let mut server = start(
        timebok(&world.db.url, &config, "serve"),
        "timebok: listening on",
    );
    wait_until("the notices", 30, async || {
        gateway.received().len() == usize::from(PATIENTS)
    })
    .await;
    let pid = server.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    assert!(
        server.wait().expect("exit").success(),
        "serve and its worker stop cleanly"
    );
    world.finish().await;
}

/// The SMS texts the gateway was given, in order.
fn texts(gateway: &HttpPeer) -> Vec<String> {
    gateway
        .received()
        .iter()
        .map(|request| {
            let body: serde_json::Value = serde_json::from_slice(&request.body).expect("json");
            body["message"].as_str().expect("message").to_owned()
        })
        .collect()
}

/// A timebook that reminds 48 and 2 hours before: the worker, on the store's clock, sends the
/// confirmation at once and each reminder by SMS at its moment, not a minute before.
async fn reminders_at_48_and_2_hours(db: TestDb) {
    let world = World::new(db).await;
    let notices = TimebookNotices {
        confirm_booking: true,
        reminders: ReminderOffsets::parse("48 t, 2 t").expect("reminders"),
    };
    world
        .store
        .save_timebook_notices(&world.staff, world.clinic.id, world.timebook.id, &notices)
        .await
        .expect("notices");
    let gateway = HttpPeer::start(200).await;
    let config = notify::NotifyConfig {
        sms: Some(notify::SmsConfig {
            url: gateway.url("/sms"),
            username: None,
            password: None,
            token: None,
            body_template: r#"{"to": "{{to}}", "message": "{{text}}"}"#.into(),
            sender: "Helsenorge".into(),
        }),
        ..notify::NotifyConfig::default()
    };
    let worker =
        notify::Worker::new(world.store.clone(), world.clock.clone(), config).expect("worker");
    // Monday 08:00: booked for Friday 18 December at 10:00.
    let booked = world.book(1, oslo(2026, 12, 18, 10, 0)).await;
    let settings = ContactSettings {
        mobile: Some(MobileNumber::parse("91000001").expect("mobile")),
        language: "nb".into(),
        ..ContactSettings::default()
    };
    world
        .store
        .save_contact_settings(&booked.patient, &settings)
        .await
        .expect("settings");
    let round_at = async |at: Timestamp| {
        world.clock.set(at);
        worker.run_once().await.expect("round").sent
    };
    assert_eq!(
        round_at(oslo(2026, 12, 14, 8, 0)).await,
        1,
        "the confirmation"
    );
    assert!(texts(&gateway)[0].starts_with("Kari, du har fått time til vaksine"));

    let reminder = "Kari, husk timen til vaksine hos Helsenorge testlegekontor 18.12.2026, \
                    kl. 10:00. Oppmøtested: Influensaveien 3a, 1325 Lysaker. Logg inn på \
                    Helsenorge for å se mer.";
    for (at, sent) in [
        (oslo(2026, 12, 15, 10, 0), 0),
        (oslo(2026, 12, 16, 9, 58), 0),
        (oslo(2026, 12, 16, 9, 59), 0),
        (oslo(2026, 12, 16, 10, 0), 1),
        (oslo(2026, 12, 16, 10, 1), 0),
        (oslo(2026, 12, 17, 10, 0), 0),
        (oslo(2026, 12, 18, 7, 59), 0),
        (oslo(2026, 12, 18, 8, 0), 1),
        (oslo(2026, 12, 18, 8, 1), 0),
        (oslo(2026, 12, 18, 10, 30), 0),
    ] {
        assert_eq!(round_at(at).await, sent, "at {at}");
    }
    assert_eq!(texts(&gateway)[1..], [reminder, reminder]);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timebook_with_reminders_at_48_and_2_hours_sends_both_on_sqlite() {
    reminders_at_48_and_2_hours(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_timebook_with_reminders_at_48_and_2_hours_sends_both() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    reminders_at_48_and_2_hours(db).await;
}

#[test]
fn vapid_keys_are_printed_ready_for_the_configuration() {
    let output = Command::new(BIN).arg("vapid-keys").output().expect("run");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("utf-8");
    let value = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{name} = \"")))
            .and_then(|rest| rest.strip_suffix('"'))
            .expect(name)
            .to_owned()
    };
    let (public, private) = (value("vapid_public_key"), value("vapid_private_key"));
    assert_eq!(
        notify::push::public_key(&private).expect("a valid private key"),
        public
    );
    assert_eq!(public.len(), 87, "65 bytes in base64url");
}
