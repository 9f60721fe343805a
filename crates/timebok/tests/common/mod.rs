//! The `timebok` binary as the tests run it: a command with a clean environment, a running
//! server and its address, and the demo's FHIR API as a client books through it.

#![allow(
    dead_code,
    reason = "each test binary uses the part of this module it needs"
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_timebok");

/// The key `serve` needs under the production profile.
pub const CSRF_KEY: &str = "a-key-for-the-tests-of-the-command-0123456789";

/// A `timebok` command with a clean environment: only what a test sets. Settings a test's
/// own environment might carry (Timebok's, OpenTelemetry's, the TLS roots') are removed.
pub fn timebok(database_url: &str) -> Command {
    let mut command = Command::new(BIN);
    for (key, _) in std::env::vars() {
        if ["TIMEBOK_", "OTEL_", "SSL_CERT"]
            .iter()
            .any(|prefix| key.starts_with(prefix))
        {
            command.env_remove(key);
        }
    }
    command
        .env("TIMEBOK_DATABASE_URL", database_url)
        .env("TIMEBOK_LOG", "warn")
        .env("TIMEBOK_CSRF_KEY", CSRF_KEY);
    command
}

pub struct Server {
    pub child: Child,
    pub base: String,
    /// What it printed before it listened.
    pub printed: Vec<String>,
}

impl Server {
    pub fn start(command: Command) -> Self {
        Self::start_logging_to(command, Stdio::inherit())
    }

    pub fn start_logging_to(mut command: Command, log: impl Into<Stdio>) -> Self {
        let mut child = command
            .env("TIMEBOK_LISTEN", "127.0.0.1:0")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start timebok");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut printed = Vec::new();
        let base = loop {
            let line = lines
                .next()
                .expect("timebok printed its address")
                .expect("read stdout");
            if let Some(address) = line.strip_prefix("timebok: listening on ") {
                break address.to_owned();
            }
            printed.push(line);
        };
        Self {
            child,
            base,
            printed,
        }
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let response = reqwest::get(format!("{}{path}", self.base))
            .await
            .expect("HTTP request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(sent.success());
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("timebok did not stop within 5 seconds of SIGTERM");
    }

    /// The FHIR API token `timebok demo` printed for its slot finder.
    pub fn demo_token(&self) -> String {
        self.printed
            .iter()
            .find_map(|line| {
                line.strip_prefix("demo: FHIR API token (")?
                    .split_once("): ")
            })
            .map(|(_, token)| token.to_owned())
            .expect("the demo's token")
    }

    /// The id of the first free slot of the demo's vaksine timebook, found through the FHIR
    /// API with `token`.
    pub async fn first_free_slot(&self, token: &str) -> String {
        let client = &reqwest::Client::new();
        let get = |path: String| async move {
            client
                .get(format!("{}{path}", self.base))
                .bearer_auth(token)
                .send()
                .await
                .expect("GET")
                .json::<serde_json::Value>()
                .await
                .expect("JSON")
        };
        let schedules = get("/fhir/Schedule?service-type=vaksine".into()).await;
        let schedule = schedules["entry"][0]["resource"]["id"]
            .as_str()
            .expect("a schedule");
        let slots = get(format!(
            "/fhir/Slot?schedule=Schedule/{schedule}&status=free"
        ))
        .await;
        slots["entry"][0]["resource"]["id"]
            .as_str()
            .expect("a free slot")
            .to_owned()
    }

    /// Books `slot` for `patient` through the FHIR API, `reason` as its description and the
    /// request's extra `headers`; asserts 201.
    pub async fn book(
        &self,
        token: &str,
        slot: &str,
        patient: &domain::NationalId,
        reason: &str,
        headers: &[(&str, &str)],
    ) {
        let mut request = reqwest::Client::new()
            .post(format!("{}/fhir/Appointment", self.base))
            .bearer_auth(token)
            .header("content-type", "application/fhir+json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let booked = request
            .body(
                serde_json::json!({
                    "resourceType": "Appointment",
                    "status": "booked",
                    "description": reason,
                    "slot": [{ "reference": format!("Slot/{slot}") }],
                    "participant": [{
                        "actor": { "identifier": {
                            "system": "urn:oid:2.16.578.1.12.4.1.4.1",
                            "value": patient.as_str(),
                        } },
                        "status": "accepted",
                    }],
                })
                .to_string(),
            )
            .send()
            .await
            .expect("POST");
        assert_eq!(
            booked.status(),
            201,
            "{}",
            booked.text().await.unwrap_or_default()
        );
    }
}

/// A test that fails before `terminate` leaves no server behind it.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `done` says so, asking every 100 ms; after `seconds`, fails with `what`.
pub async fn wait_until(seconds: u64, what: &str, mut done: impl AsyncFnMut() -> bool) {
    let mut waited = Duration::ZERO;
    while !done().await {
        assert!(waited < Duration::from_secs(seconds), "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += Duration::from_millis(100);
    }
}
