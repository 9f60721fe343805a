//! The real `timebok serve` process: its configuration file, its start and stop, and what
//! /proc says about its CPU time and memory.

use super::HttpError;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The static bearer token of the benchmark's FHIR client (test machines only).
pub const FHIR_TOKEN: &str = "bench-token-0123456789abcdef0123456789abcdef";

/// Linux reports process times in clock ticks of 1/100 s (USER_HZ) to user space.
const TICKS_PER_SECOND: f64 = 100.0;

pub struct ServerConfig<'a> {
    pub database_url: &'a str,
    pub max_connections: u32,
    pub sms_url: &'a str,
    pub clinic_her_id: i64,
    /// `[traces]`: the collector and the share of requests traced, when traces are on.
    pub traces: Option<(&'a str, f64)>,
}

/// The configuration `timebok serve` reads: the development profile with the test login and
/// synthetic ids, limits high enough not to refuse a load generator from one address, an SMS
/// gateway on loopback, and one FHIR client that may read and book.
pub fn config_toml(config: &ServerConfig) -> String {
    let ServerConfig {
        database_url,
        max_connections,
        sms_url,
        clinic_her_id,
        traces,
    } = config;
    let traces = match traces {
        Some((endpoint, ratio)) => {
            format!("\n[traces]\notlp_endpoint = \"{endpoint}\"\nsample_ratio = {ratio:?}\n")
        }
        None => String::new(),
    };
    format!(
        r#"database_url = "{database_url}"
listen = "127.0.0.1:0"
profile = "development"
demo_login = true
accept_synthetic_ids = true
secure_cookies = false
max_connections = {max_connections}

[rate_limits]
logins_per_minute = 100000000
bookings_per_minute_per_patient = 100000000
bookings_per_minute_per_address = 100000000
bookings_per_minute_per_client = 100000000
messages_per_hour = 1000

[notify.sms]
url = "{sms_url}"
body_template = '{{"to": "{{{{to}}}}", "text": "{{{{text}}}}", "from": "{{{{sender}}}}"}}'

[[fhir.clients]]
name = "timebok-bench"
token = "{FHIR_TOKEN}"
scopes = ["system/Slot.rs", "system/Appointment.cruds"]
clinic_her_id = {clinic_her_id}
{traces}"#
    )
}

pub struct Server {
    child: Child,
    pid: u32,
    pub base: String,
    pub log: PathBuf,
}

impl Server {
    /// Starts `binary --config <file> serve` and waits for the line naming its address.
    pub async fn start(binary: &Path, dir: &Path, config: &str) -> Result<Self, HttpError> {
        let file = dir.join("timebok.toml");
        std::fs::write(&file, config)?;
        let log = dir.join("server.log");
        let stderr = std::fs::File::create(&log)?;
        let mut child = Command::new(binary)
            .arg("--config")
            .arg(&file)
            .arg("serve")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| HttpError::Server(format!("cannot start {}: {e}", binary.display())))?;
        let pid = child
            .id()
            .ok_or_else(|| HttpError::Server("the server exited at once".into()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| HttpError::Server("no stdout".into()))?;
        let mut lines = BufReader::new(stdout).lines();
        let found = tokio::time::timeout(Duration::from_secs(120), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(address) = line.strip_prefix("timebok: listening on ") {
                    return Some(address.trim().to_owned());
                }
            }
            None
        })
        .await
        .ok()
        .flatten();
        let Some(base) = found else {
            let _ = child.start_kill();
            return Err(HttpError::Server(format!(
                "the server did not start; see {}",
                log.display()
            )));
        };
        // Keep reading, so that the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            child,
            pid,
            base,
            log,
        })
    }

    /// User and system CPU seconds the server has used so far.
    pub fn cpu_seconds(&self) -> f64 {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)) else {
            return 0.0;
        };
        // The command name may hold spaces; the fields after it are fixed.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            return 0.0;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the line; `rest` starts at field 3.
        let ticks: u64 = [11, 12]
            .iter()
            .filter_map(|i| fields.get(*i)?.parse::<u64>().ok())
            .sum();
        ticks as f64 / TICKS_PER_SECOND
    }

    /// The server's peak resident set (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .ok()
            .and_then(|status| {
                let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
                line.split_whitespace().nth(1)?.parse::<f64>().ok()
            })
            .map_or(0.0, |kib| kib / 1024.0)
    }

    /// SIGTERM, as an orchestrator stops it, then SIGKILL if it has not stopped in 20 s.
    pub async fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.start_kill();
            let _ = self.child.wait().await;
        }
    }
}

/// `timebok` next to the benchmark's own binary (both in target/release).
pub fn default_binary() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join("timebok")))
        .unwrap_or_else(|| PathBuf::from("target/release/timebok"))
}
