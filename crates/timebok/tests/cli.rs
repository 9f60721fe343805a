//! The `timebok` binary as an operator runs it: real processes, real HTTP, real databases.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use store::testing::TestDb;

mod common;

use common::{Server, timebok};

fn run(command: &mut Command) -> Output {
    command.output().expect("run timebok")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn serve_answers_health_and_readiness_and_stops_on_sigterm() {
    let db = TestDb::sqlite().await;
    let mut command = timebok(&db.url);
    command.arg("serve");
    let server = Server::start(command);
    let (status, body) = server.get("/healthz").await;
    assert_eq!(
        (status, body["status"].as_str(), body["database"].as_str()),
        (200, Some("ok"), Some("sqlite"))
    );
    let (status, body) = server.get("/readyz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, _) = (
        reqwest::get(format!("{}/no-such-page", server.base))
            .await
            .expect("GET")
            .status()
            .as_u16(),
        (),
    );
    assert_eq!(status, 404);
    assert!(server.terminate().success(), "a clean stop exits with 0");
}

/// A port free a moment ago, for a listener whose address the test must know beforehand.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

async fn metrics_text(port: u16) -> String {
    let response = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .expect("scrape");
    assert_eq!(response.status().as_u16(), 200);
    response.text().await.expect("text")
}

#[tokio::test]
async fn serve_and_worker_each_serve_their_own_metrics() {
    let db = TestDb::sqlite().await;
    let (serve_port, worker_port) = (free_port(), free_port());
    let mut command = timebok(&db.url);
    command
        .arg("serve")
        .env("TIMEBOK_METRICS_LISTEN", format!("127.0.0.1:{serve_port}"));
    let server = Server::start(command);
    assert_eq!(server.get("/healthz").await.0, 200);
    let served = metrics_text(serve_port).await;
    assert!(
        served.contains("# TYPE timebok_notifications gauge"),
        "{served}"
    );
    assert!(
        served.contains("# TYPE timebok_http_request_duration_seconds histogram")
            && served.contains("route=\"/healthz\""),
        "{served}"
    );
    assert!(
        reqwest::get(format!("{}/metrics", server.base))
            .await
            .expect("GET")
            .status()
            .as_u16()
            == 404,
        "the public listener has no /metrics"
    );

    let mut command = timebok(&db.url);
    command
        .arg("worker")
        .env("TIMEBOK_METRICS_LISTEN", format!("127.0.0.1:{worker_port}"));
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the worker");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let printed: Vec<String> = lines
        .by_ref()
        .map(|line| line.expect("read stdout"))
        .take_while(|line| line != "timebok: notification worker running")
        .collect();
    let worker = Server {
        child,
        base: String::new(),
        printed,
    };
    let scraped = metrics_text(worker_port).await;
    assert!(
        scraped.contains("# TYPE timebok_notifications gauge"),
        "{scraped}"
    );
    assert!(
        scraped.contains("timebok_database_connections_max"),
        "{scraped}"
    );
    assert!(
        !scraped.contains("route=\"/healthz\""),
        "the worker's process serves no pages: {scraped}"
    );
    assert!(worker.terminate().success());
    assert!(server.terminate().success());
}

/// Processes behind one site must accept each other's forms, so production will not make up
/// a key of its own.
#[tokio::test]
async fn serve_in_production_needs_a_csrf_key() {
    let db = TestDb::sqlite().await;
    let refused = run(timebok(&db.url)
        .env_remove("TIMEBOK_CSRF_KEY")
        .env("TIMEBOK_LISTEN", "127.0.0.1:0")
        .arg("serve"));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("csrf_key is not set"),
        "{}",
        stderr(&refused)
    );
    let short = run(timebok(&db.url)
        .env("TIMEBOK_CSRF_KEY", "kort")
        .arg("migrate"));
    assert!(!short.status.success());
    assert!(
        stderr(&short).contains("csrf_key must have at least 32 characters"),
        "{}",
        stderr(&short)
    );
}

#[tokio::test]
async fn bad_configuration_is_refused_with_a_clear_message() {
    let db = TestDb::sqlite().await;
    let cases: [(&str, &str, &str); 4] = [
        (
            "TIMEBOK_HOLD_MINUTES",
            "0",
            "hold_minutes must be between 1 and 60",
        ),
        (
            "TIMEBOK_LISTEN",
            "localhost",
            "listen = «localhost» is not an address with a port",
        ),
        (
            "TIMEBOK_DATABASE_URL",
            "mysql://db/timebok",
            "database_url must start with sqlite:// or postgres://",
        ),
        ("TIMEBOK_MAX_CONNECTIONS", "many", "max_connections"),
    ];
    for (key, value, message) in cases {
        let output = run(timebok(&db.url).env(key, value).arg("migrate"));
        assert!(!output.status.success(), "{key}={value} was accepted");
        let said = stderr(&output);
        assert!(
            said.to_lowercase().contains(&message.to_lowercase()),
            "{key}={value}: {said}"
        );
    }
    let output = run(timebok(&db.url).args(["--config", "/nonexistent/timebok.toml", "migrate"]));
    assert!(
        stderr(&output).contains("the configuration file /nonexistent/timebok.toml does not exist")
    );

    // A bad file names the key.
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("timebok.toml");
    std::fs::write(&file, "hold_minutes = \"fem\"\n").expect("write");
    let output = run(timebok(&db.url).arg("--config").arg(&file).arg("migrate"));
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("hold_minutes"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn the_database_defaults_to_a_file_beside_the_config() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("timebok.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:0\"\n").expect("write");
    let mut command = timebok("unused");
    command
        .env_remove("TIMEBOK_DATABASE_URL")
        .arg("--config")
        .arg(&file)
        .arg("migrate");
    let output = run(&mut command);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(Path::new(&dir.path().join("timebok.db")).exists());
}

#[tokio::test]
async fn static_fhir_tokens_are_for_development_and_the_demo() {
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("timebok.toml");
    std::fs::write(
        &file,
        "[[fhir.clients]]\nname = \"epj\"\ntoken = \"epj-token-0123456789abcdef0123456789\"\n\
         scopes = [\"system/Slot.rs\"]\n",
    )
    .expect("write");
    let refused = run(timebok(&db.url).arg("--config").arg(&file).arg("serve"));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("[[fhir.clients]] has static tokens, but profile is production"),
        "{}",
        stderr(&refused)
    );
    let server = Server::start({
        let mut command = timebok(&db.url);
        command
            .env("TIMEBOK_PROFILE", "development")
            .arg("--config")
            .arg(&file)
            .arg("serve");
        command
    });
    let answer = reqwest::Client::new()
        .get(format!("{}/fhir/Schedule", server.base))
        .bearer_auth("epj-token-0123456789abcdef0123456789")
        .send()
        .await
        .expect("GET");
    assert_eq!(answer.status().as_u16(), 200);
    assert!(server.terminate().success());
}

#[tokio::test]
async fn demo_seeds_the_guides_example_once() {
    use domain::{HerId, TimebookKind};
    let db = TestDb::sqlite().await;
    for _ in 0..2 {
        let output = run(timebok(&db.url).args(["demo", "--seed-only"]));
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(String::from_utf8_lossy(&output.stdout).contains("Helsenorge testlegekontor"));
    }
    let store = db.open(Arc::new(store::SystemClock)).await;
    let clinic = store
        .clinic_by_her_id(HerId::new(999_001).expect("her"))
        .await
        .expect("read")
        .expect("clinic");
    assert_eq!(clinic.name.as_str(), "Helsenorge testlegekontor");
    assert!(!clinic.info.as_str().is_empty());
    let timebooks = store.timebooks(clinic.id).await.expect("timebooks");
    let mut kinds: Vec<_> = timebooks.iter().map(|t| t.kind).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            TimebookKind::Fastlege,
            TimebookKind::Koronavaksine,
            TimebookKind::Lab,
            TimebookKind::Vaksine
        ]
    );
    // «Konsultasjon med fastlegen»: Testfastlege's place and her three types.
    let consultation = timebooks
        .iter()
        .find(|t| t.kind == TimebookKind::Fastlege)
        .expect("fastlege");
    let places = store.resources(consultation.id).await.expect("places");
    assert_eq!(places.len(), 1);
    assert_eq!(places[0].name.as_str(), "Testfastlege");
    assert!(places[0].practitioner.is_some());
    let types = store
        .appointment_types(consultation.id)
        .await
        .expect("types");
    assert_eq!(
        types.iter().map(|y| y.name.as_str()).collect::<Vec<_>>(),
        ["Vanlig konsultasjon", "Telefonkonsultasjon", "Dobbelttime"]
    );
    let vaksine = timebooks
        .iter()
        .find(|t| t.kind == TimebookKind::Vaksine)
        .expect("vaksine");
    let resources = store.resources(vaksine.id).await.expect("resources");
    assert_eq!(resources.len(), 2);
    assert_eq!(resources[0].name.as_str(), "Influensa");
    assert_eq!(
        resources[0].description.as_str(),
        "Dette er en influensavaksine som vises på Helsenorge"
    );
    assert_eq!(
        resources[0].location.address.as_str(),
        "Influensaveien 3a, 1325 Lysaker"
    );
    let blocks = store.blocks(clinic.id).await.expect("blocks");
    assert_eq!(blocks.len(), 1);

    // Six weeks of weekday mornings, bookable by a listed patient who is not blocked.
    let today = store::Clock::now(&store::SystemClock)
        .to_zoned_datetime(domain::clinic_time_zone().expect("tz"))
        .date();
    let kari = timebok::demo::demo_patient_ids().expect("ids")[1].clone();
    let in_a_month = today.checked_add(jiff::Span::new().days(30)).expect("date");
    let free = store
        .free_slots(
            &domain::Caller::patient(kari.clone()),
            &kari,
            vaksine.id,
            today,
            in_a_month,
        )
        .await
        .expect("free slots");
    // Two resources, twelve slots a morning, at least twenty weekdays after today.
    assert!(free.len() >= 2 * 12 * 20, "only {} free slots", free.len());
    let per = &blocks[0].patient;
    let blocked = store
        .free_slots(
            &domain::Caller::patient(per.clone()),
            per,
            vaksine.id,
            today,
            today,
        )
        .await;
    assert!(matches!(
        blocked,
        Err(store::StoreError::Refused(domain::Refusal::Blocked))
    ));
}

#[tokio::test]
async fn postgres_several_processes_migrate_at_once() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let children: Vec<Child> = (0..3)
        .map(|_| {
            timebok(&db.url)
                .arg("migrate")
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("wait");
        assert!(output.status.success(), "{}", stderr(&output));
    }
    db.finish().await;
}

#[tokio::test]
async fn postgres_readiness_fails_when_the_database_goes_away() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let mut command = timebok(&db.url);
    command.arg("serve");
    let server = Server::start(command);
    assert_eq!(server.get("/readyz").await.0, 200);
    db.drop_database().await;
    let (status, body) = server.get("/readyz").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (503, Some("unavailable"))
    );
    assert_eq!(server.get("/healthz").await.0, 200);
    assert!(server.terminate().success());
}

#[tokio::test]
async fn the_production_profile_refuses_the_demo_login() {
    let db = TestDb::sqlite().await;
    let refused = run(timebok(&db.url)
        .env("TIMEBOK_DEMO_LOGIN", "true")
        .arg("serve"));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("demo_login is on, but profile is production"),
        "{}",
        stderr(&refused)
    );

    let mut development = timebok(&db.url);
    development
        .env("TIMEBOK_DEMO_LOGIN", "true")
        .env("TIMEBOK_PROFILE", "development")
        .arg("serve");
    let server = Server::start(development);
    let login = reqwest::get(format!("{}/logg-inn", server.base))
        .await
        .expect("GET");
    assert_eq!(
        login.status().as_u16(),
        200,
        "the test login, switched on explicitly"
    );
    assert!(server.terminate().success());

    let production = Server::start({
        let mut command = timebok(&db.url);
        command.arg("serve");
        command
    });
    let login = reqwest::get(format!("{}/logg-inn", production.base))
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    assert!(
        !login.contains("<form") && !login.contains("Testpasienter"),
        "no test login in production: {login}"
    );
    assert!(production.terminate().success());
}

#[tokio::test]
async fn login_settings_are_checked_before_serving() {
    let db = TestDb::sqlite().await;
    let refused = run(timebok(&db.url)
        .env(
            "TIMEBOK_OIDC_PATIENT__DISCOVERY_URL",
            "https://idporten.example",
        )
        .env("TIMEBOK_OIDC_PATIENT__CLIENT_ID", "timebok")
        .env("TIMEBOK_OIDC_PATIENT__CLIENT_SECRET", "secret")
        .arg("serve"));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("public_url is not set"),
        "{}",
        stderr(&refused)
    );
    let refused = run(timebok(&db.url)
        .env("TIMEBOK_PUBLIC_URL", "https://timebok.example")
        .env(
            "TIMEBOK_OIDC_STAFF__DISCOVERY_URL",
            "https://helseid.example",
        )
        .env("TIMEBOK_OIDC_STAFF__CLIENT_ID", "timebok")
        .arg("serve"));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("client_secret"),
        "a missing secret is named: {}",
        stderr(&refused)
    );
    // A client key (private_key_jwt) that cannot be read or used stops the start, named.
    let staff_with = |name: &str, value: &str| {
        let mut command = timebok(&db.url);
        command
            .env("TIMEBOK_PUBLIC_URL", "https://timebok.example")
            .env(
                "TIMEBOK_OIDC_STAFF__DISCOVERY_URL",
                "https://helseid.example",
            )
            .env("TIMEBOK_OIDC_STAFF__CLIENT_ID", "timebok")
            .env(name, value)
            .arg("serve");
        run(&mut command)
    };
    let refused = staff_with(
        "TIMEBOK_OIDC_STAFF__PRIVATE_KEY_FILE",
        "/nonexistent/helseid.pem",
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("[oidc.staff] private_key_file /nonexistent/helseid.pem"),
        "{}",
        stderr(&refused)
    );
    // A JWK from the environment arrives as the JSON it is; this one lacks its private part.
    let refused = staff_with(
        "TIMEBOK_OIDC_STAFF__PRIVATE_KEY_JWK",
        r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#,
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("private_key_jwk: not a private JWK"),
        "{}",
        stderr(&refused)
    );
    // The FHIR API's authorization server, from the environment too.
    let refused = run(timebok(&db.url)
        .env("TIMEBOK_FHIR_OAUTH__ISSUER", "helseid.example")
        .env("TIMEBOK_FHIR_OAUTH__AUDIENCE", "timebok")
        .arg("serve"));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("[fhir.oauth]: issuer must be an http(s) URL"),
        "{}",
        stderr(&refused)
    );
    let refused = run(timebok(&db.url)
        .env("TIMEBOK_FHIR_OAUTH__ISSUER", "https://helseid.example")
        .arg("serve"));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("audience"),
        "a missing audience is named: {}",
        stderr(&refused)
    );
}

#[tokio::test]
async fn access_is_granted_listed_and_revoked_from_the_command_line() {
    let db = TestDb::sqlite().await;
    assert!(
        run(timebok(&db.url).args(["demo", "--seed-only"]))
            .status
            .success()
    );
    let granted =
        run(timebok(&db.url).args(["access", "grant-staff", "sub-nina", "--her-id", "999001"]));
    assert!(granted.status.success(), "{}", stderr(&granted));
    let granted = run(timebok(&db.url).args(["access", "grant-operator", "sub-drift"]));
    assert!(granted.status.success(), "{}", stderr(&granted));
    let listed = run(timebok(&db.url).args(["access", "list"]));
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(
        listed.contains("staff\tsub-nina\tHelsenorge testlegekontor"),
        "{listed}"
    );
    assert!(listed.contains("operator\tsub-drift"), "{listed}");

    let unknown =
        run(timebok(&db.url).args(["access", "grant-staff", "sub-x", "--her-id", "123456"]));
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("no clinic has HER-id 123456"),
        "{}",
        stderr(&unknown)
    );

    let revoked = run(timebok(&db.url).args(["access", "revoke-staff", "sub-nina"]));
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    let again = run(timebok(&db.url).args(["access", "revoke-staff", "sub-nina"]));
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("sub-nina had no access"),
        "{}",
        stderr(&again)
    );
    let listed = run(timebok(&db.url).args(["access", "list"]));
    assert!(!String::from_utf8_lossy(&listed.stdout).contains("sub-nina"));
}

#[tokio::test]
async fn the_demo_prints_a_token_for_the_fhir_api() {
    let db = TestDb::sqlite().await;
    let server = Server::start({
        let mut command = timebok(&db.url);
        command.arg("demo");
        command
    });
    let printed = |label: &str| -> (String, String) {
        server
            .printed
            .iter()
            .find_map(|line| line.strip_prefix(label)?.split_once("): "))
            .map(|(scopes, token)| (scopes.to_owned(), token.to_owned()))
            .unwrap_or_else(|| panic!("{label}: {:?}", server.printed))
    };
    let (scopes, token) = printed("demo: FHIR API token (");
    assert_eq!(
        scopes,
        "system/Slot.rs system/Appointment.cruds system/Slot.cud"
    );
    let (journal_scopes, journal) = printed("demo: journal system token for HER-id 999001 (");
    assert_eq!(
        journal_scopes,
        "system/Slot.rs system/Appointment.cruds system/Slot.cud system/Patient.cruds \
         system/Subscription.cruds"
    );
    let client = reqwest::Client::new();
    let url = format!("{}/fhir/Schedule?service-type=vaksine", server.base);
    let refused = client.get(&url).send().await.expect("GET");
    assert_eq!(refused.status().as_u16(), 401);
    let answer = client
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET");
    assert_eq!(answer.status().as_u16(), 200);
    let bundle: serde_json::Value = answer.json().await.expect("JSON");
    assert!(
        bundle["entry"]
            .as_array()
            .is_some_and(|entries| !entries.is_empty()),
        "{bundle}"
    );
    // The journal system's client is bound to the demo clinic: it keeps the patient list,
    // which the other may not.
    let list = format!("{}/fhir/Patient?_count=1", server.base);
    for (token, status) in [(&journal, 200), (&token, 403)] {
        let answer = client
            .get(&list)
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        assert_eq!(answer.status().as_u16(), status);
    }
    assert!(server.terminate().success());
}

/// `timebok demo` runs on the clock a file gives when `demo_clock` names one; nothing else
/// takes it, and a file that gives no time stops the demo at its start.
#[tokio::test]
async fn only_the_demo_runs_on_a_clock_a_file_moves() {
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("now");
    std::fs::write(&file, "2031-03-03T07:00:00+01:00").expect("write");

    let refused = run(timebok(&db.url)
        .env("TIMEBOK_DEMO_CLOCK", &file)
        .env("TIMEBOK_LISTEN", "127.0.0.1:0")
        .arg("serve"));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("demo_clock is set, but profile is production"),
        "{}",
        stderr(&refused)
    );
    let config = dir.path().join("timebok.toml");
    std::fs::write(
        &config,
        format!(
            "profile = \"development\"\ndemo_clock = \"{}\"\n",
            file.display()
        ),
    )
    .expect("write");
    for command in ["serve", "worker", "migrate"] {
        let from_the_environment = run(timebok(&db.url)
            .env("TIMEBOK_PROFILE", "development")
            .env("TIMEBOK_DEMO_CLOCK", &file)
            .env("TIMEBOK_LISTEN", "127.0.0.1:0")
            .arg(command));
        let from_the_file = run(timebok(&db.url)
            .env("TIMEBOK_LISTEN", "127.0.0.1:0")
            .arg("--config")
            .arg(&config)
            .arg(command));
        for refused in [from_the_environment, from_the_file] {
            assert!(!refused.status.success(), "{command}");
            assert!(
                stderr(&refused).contains("only `timebok demo` runs on a clock a file moves"),
                "{command}: {}",
                stderr(&refused)
            );
        }
    }

    let bad = dir.path().join("bad");
    std::fs::write(&bad, "neste mandag").expect("write");
    for (path, message) in [
        (&bad, "says «neste mandag», which is neither an instant"),
        (&dir.path().join("missing"), "demo_clock: cannot read"),
    ] {
        let refused = run(timebok(&db.url)
            .env("TIMEBOK_DEMO_CLOCK", path)
            .args(["demo", "--seed-only"]));
        assert!(!refused.status.success());
        assert!(stderr(&refused).contains(message), "{}", stderr(&refused));
    }

    // The demo seeds and serves on the file's time, and moves when the file is rewritten.
    let server = Server::start({
        let mut command = timebok(&db.url);
        command.env("TIMEBOK_DEMO_CLOCK", &file).arg("demo");
        command
    });
    assert!(
        server.printed.contains(&format!(
            "demo: the clock reads {}; it is now 2031-03-03T06:00:00Z",
            file.display()
        )),
        "{:?}",
        server.printed
    );
    let token = server
        .printed
        .iter()
        .find_map(|line| {
            line.strip_prefix("demo: FHIR API token (")?
                .split_once("): ")
        })
        .map(|(_, token)| token.to_owned())
        .expect("a token");
    let client = reqwest::Client::new();
    // The booking window now, and the first free slot, of the demo's first Vaksine schedule.
    let schedule = async || -> (String, String) {
        let bundle: serde_json::Value = client
            .get(format!(
                "{}/fhir/Schedule?service-type=vaksine",
                server.base
            ))
            .bearer_auth(&token)
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("JSON");
        let schedule = &bundle["entry"][0]["resource"];
        let first_free = schedule["extension"]
            .as_array()
            .and_then(|extensions| {
                extensions
                    .iter()
                    .find(|e| e["url"] == "urn:timebok:fhir:first-free-slot")
            })
            .and_then(|e| e["valueDateTime"].as_str())
            .unwrap_or_else(|| panic!("the first free slot: {schedule}"));
        let window = schedule["planningHorizon"]["start"]
            .as_str()
            .unwrap_or_else(|| panic!("planningHorizon: {schedule}"));
        (window.to_owned(), first_free.to_owned())
    };
    // Seeded from the clock's Monday, 07:00: the first time is that morning at 08:00.
    assert_eq!(
        schedule().await,
        (
            "2031-03-03T07:30:00+01:00".to_owned(),
            "2031-03-03T08:00:00+01:00".to_owned()
        )
    );
    // Written beside and renamed over, as a test moves it: Monday's and Tuesday's times have
    // passed.
    let next = dir.path().join("now.new");
    std::fs::write(&next, "2031-03-05T07:00:00+01:00").expect("write");
    std::fs::rename(&next, &file).expect("rename");
    assert_eq!(
        schedule().await,
        (
            "2031-03-05T07:30:00+01:00".to_owned(),
            "2031-03-05T08:00:00+01:00".to_owned()
        )
    );
    assert!(server.terminate().success());
}

/// For a log shipper: one JSON object per line, and every line written while a request is
/// served names it by the id the trusted proxy gave it (or one of Timebok's own), the same id
/// the answer carries. Even at the debug level, no line holds what a client put in a path.
#[tokio::test]
async fn json_logs_carry_the_request_id_on_every_line_of_a_request() {
    let db = TestDb::sqlite().await;
    let log_file = tempfile::NamedTempFile::new().expect("log file");
    let mut command = timebok(&db.url);
    command
        .arg("serve")
        .env("TIMEBOK_LOG", "debug")
        .env("TIMEBOK_LOG_FORMAT", "json")
        .env("TIMEBOK_REQUEST_ID_HEADER", "X-Request-Id");
    let server =
        Server::start_logging_to(command, log_file.reopen().expect("the log file, to write"));
    let client = reqwest::Client::new();
    let from_proxy = client
        .get(format!("{}/healthz", server.base))
        .header("x-request-id", "proxy-7f3a")
        .send()
        .await
        .expect("GET");
    assert_eq!(from_proxy.status(), 200);
    assert_eq!(from_proxy.headers()["x-request-id"], "proxy-7f3a");
    let number = "01017012345";
    let made_up = client
        .get(format!(
            "{}/fhir/Patient/{number}/x?identifier={number}",
            server.base
        ))
        .header("x-request-id", "two words")
        .send()
        .await
        .expect("GET");
    let own_id = made_up.headers()["x-request-id"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert!(
        own_id.len() == 32 && own_id.bytes().all(|b| b.is_ascii_hexdigit()),
        "an id that could not be logged safely is replaced: {own_id}"
    );
    assert!(server.terminate().success());

    let log = std::fs::read_to_string(log_file.path()).expect("log");
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let of_request = |id: &str| {
        lines
            .iter()
            .filter(|line| line["span"]["request_id"] == id)
            .collect::<Vec<_>>()
    };
    let healthz = of_request("proxy-7f3a");
    assert!(
        healthz.len() >= 2,
        "the request's start and end are logged with its id: {log}"
    );
    assert!(
        healthz
            .iter()
            .all(|line| line["span"]["route"] == "/healthz")
    );
    let unrouted = of_request(&own_id);
    assert!(!unrouted.is_empty(), "{log}");
    assert!(
        unrouted
            .iter()
            .all(|line| line["span"]["route"] == "(no route)")
    );
    for line in &lines {
        if line["span"]["name"] == "request" {
            assert!(
                line["span"]["request_id"]
                    .as_str()
                    .is_some_and(|id| !id.is_empty()),
                "a request's line without its id: {line}"
            );
        }
    }
    assert!(
        !log.contains(number),
        "a number from the path was logged: {log}"
    );
    assert!(!log.contains("two words"));
}

/// The rows of `table` in the SQLite database at `url`.
async fn rows(url: &str, table: &'static str) -> i64 {
    use sqlx::Connection as _;
    let mut connection = sqlx::SqliteConnection::connect(url).await.expect("connect");
    let sql = format!("SELECT COUNT(*) FROM {table}");
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut connection)
        .await
        .expect("count")
}

/// An operator backs up the SQLite database while Timebok serves, and restores it into
/// another: the same rows, and Timebok serves the restored one. What is not a backup, or a
/// file already there, is refused with a message and changes nothing.
#[tokio::test]
async fn a_backup_taken_while_serving_restores_into_a_database_timebok_serves() {
    let db = TestDb::sqlite().await;
    let seeded = run(timebok(&db.url).args(["demo", "--seed-only"]));
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    let mut serving = timebok(&db.url);
    serving.env("TIMEBOK_PROFILE", "development").arg("serve");
    let server = Server::start(serving);
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("timebok-backup.db");
    let taken = run(timebok(&db.url).arg("backup").arg(&file));
    assert!(taken.status.success(), "{}", stderr(&taken));
    let again = run(timebok(&db.url).arg("backup").arg(&file));
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("exists already"),
        "{}",
        stderr(&again)
    );
    assert!(server.terminate().success());

    let other = TestDb::sqlite().await;
    let restored = run(timebok(&other.url).arg("restore").arg(&file));
    assert!(restored.status.success(), "{}", stderr(&restored));
    for table in ["slot", "appointment", "patient", "practitioner_list"] {
        assert_eq!(
            rows(&other.url, table).await,
            rows(&db.url, table).await,
            "{table}"
        );
    }
    // The server's worker went on writing to the log (its retention pass) after the backup.
    let audited = rows(&other.url, "audit_event").await;
    assert!(audited > 0 && audited <= rows(&db.url, "audit_event").await);
    let mut serving = timebok(&other.url);
    serving.arg("serve");
    let server = Server::start(serving);
    let (status, _) = server.get("/readyz").await;
    assert_eq!(status, 200);
    assert!(server.terminate().success());

    let not_a_backup = dir.path().join("notes.txt");
    std::fs::write(&not_a_backup, "not a database").expect("write");
    let slots = rows(&other.url, "slot").await;
    let refused = run(timebok(&other.url).arg("restore").arg(&not_a_backup));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("is not a Timebok database"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(
        rows(&other.url, "slot").await,
        slots,
        "nothing was replaced"
    );
    let on_postgres = run(timebok("postgres://nobody@127.0.0.1:1/none")
        .arg("restore")
        .arg(&file));
    assert!(
        stderr(&on_postgres).contains("pg_restore"),
        "{}",
        stderr(&on_postgres)
    );
}
