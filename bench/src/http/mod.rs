//! The HTTP scenarios: the real `timebok serve` on a fresh SQLite file or PostgreSQL database
//! with a generated clinic, driven over keep-alive connections. See bench/README.md.

mod client;
mod direct;
mod feed;
mod fhir;
mod gateway;
mod import;
mod load;
mod pages;
mod portal;
mod seed;
mod server;

use crate::Backend;
use crate::Databases;
use clap::Args;
use direct::Direct;
use seed::{CAPACITY, Clinic, Slot};
use server::Server;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use store::testing::TestDb;
use store::{Store, StoreSettings, SystemClock};

#[derive(Args, Debug)]
pub struct HttpArgs {
    #[command(flatten)]
    databases: Databases,
    /// The `timebok` binary to serve; default: `timebok` next to this benchmark's binary.
    #[arg(long)]
    server: Option<PathBuf>,
    /// Scenarios to run, by number: 1 «Velg time», 2 FHIR Slot search, 3 the portal's booking
    /// flow, 4 FHIR bookings, 5 the feed, 6 patient pages with many appointments, 7 the
    /// outbox, 8 the register import.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 2, 3, 4, 5, 6, 7, 8])]
    scenarios: Vec<u8>,
    /// Seconds each load runs.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Connections of each load (the feed's mixed run adds its own 50).
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Patients on the clinic's list.
    #[arg(long, default_value_t = 5_000)]
    patients: usize,
    /// Other patients' appointments inserted before the patient pages are timed again.
    #[arg(long, default_value_t = 1_000_000)]
    appointments: u64,
    /// FHIR bookings in the outbox's burst.
    #[arg(long, default_value_t = 5_000)]
    burst: usize,
    /// Patients in the register's CSV import.
    #[arg(long, default_value_t = 50_000)]
    import_patients: usize,
    /// The longest wait for the outbox to drain or the import to finish, in seconds.
    #[arg(long, default_value_t = 600)]
    wait_seconds: u64,
    /// The server's database connections (`max_connections`).
    #[arg(long, default_value_t = 16)]
    server_pool: u32,
    /// Seconds of pgbench for the raw database ceiling.
    #[arg(long, default_value_t = 10)]
    pgbench_seconds: u32,
    /// Turn the server's OpenTelemetry traces on, this share of requests sampled (0–1), sent
    /// to a collector the benchmark answers on loopback; off when absent.
    #[arg(long)]
    traces: Option<f64>,
}

impl HttpArgs {
    fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.seconds.max(0.1))
    }

    fn wants(&self, scenario: u8) -> bool {
        self.scenarios.contains(&scenario)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("store: {0}")]
    Store(#[from] store::StoreError),
    #[error("data: {0}")]
    Domain(#[from] domain::DomainError),
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    #[error("server: {0}")]
    Server(String),
    #[error("seeding: {0}")]
    Seed(String),
    #[error("{0}")]
    Unexpected(String),
}

/// Places to book, handed out one at a time so that no two bookings of the run compete:
/// each slot's places go to consecutive tickets, and so to different patients.
pub struct Tickets {
    slots: Vec<Slot>,
    next: AtomicUsize,
}

impl Tickets {
    fn new(clinic: &Clinic) -> Self {
        Self {
            slots: clinic
                .slots
                .iter()
                .filter(|s| s.day != clinic.quiet_day)
                .cloned()
                .collect(),
            next: AtomicUsize::new(0),
        }
    }

    /// The next place: its ticket number and slot; `None` once every place is handed out.
    pub fn take(&self) -> Option<(usize, &Slot)> {
        let ticket = self.next.fetch_add(1, Ordering::Relaxed);
        Some((ticket, self.slots.get(ticket / usize::from(CAPACITY))?))
    }
}

/// What every scenario works with.
pub struct Bench<'a> {
    pub args: &'a HttpArgs,
    pub server: Server,
    pub clinic: Clinic,
    pub direct: Direct,
    pub tickets: Arc<Tickets>,
    pub ceiling: Option<f64>,
    pub sms: Arc<gateway::Received>,
    /// Set by a scenario that saw an error or a double booking.
    pub failed: bool,
}

impl Bench<'_> {
    /// Notes a run's errors (5xx, broken connections) as a failure of the benchmark.
    fn check(&mut self, run: &load::Run) {
        if run.errors > 0 {
            self.failed = true;
        }
    }
}

/// Runs every chosen scenario on every chosen backend; true when any failed.
pub async fn run(args: &HttpArgs) -> bool {
    let binary = args.server.clone().unwrap_or_else(server::default_binary);
    if !binary.exists() {
        eprintln!(
            "{} does not exist: build it with `cargo build --release -p timebok`, or name it \
             with --server",
            binary.display()
        );
        return true;
    }
    let mut failed = false;
    let mut ceiling = None;
    if args.databases.backend.contains(&Backend::Postgres) {
        match crate::pgbench::ceiling(
            &args.databases.postgres_url,
            args.connections as u32,
            args.pgbench_seconds,
        )
        .await
        {
            Ok(tps) => ceiling = Some(tps),
            Err(error) => {
                eprintln!("pgbench: {error}");
                failed = true;
            }
        }
    }
    for backend in &args.databases.backend {
        let db = match backend {
            Backend::Sqlite => TestDb::sqlite().await,
            Backend::Postgres => TestDb::postgres_at(&args.databases.postgres_url).await,
        };
        let ceiling = if *backend == Backend::Postgres {
            ceiling
        } else {
            None
        };
        match on_backend(args, *backend, &db.url, &binary, ceiling).await {
            Ok(ok) => failed |= !ok,
            Err(error) => {
                eprintln!("{backend:?}: {error}");
                failed = true;
            }
        }
        db.finish().await;
    }
    failed
}

/// Seeds the clinic, starts the server and runs the scenarios; false when any failed.
async fn on_backend(
    args: &HttpArgs,
    backend: Backend,
    url: &str,
    binary: &std::path::Path,
    ceiling: Option<f64>,
) -> Result<bool, HttpError> {
    println!(
        "== {} over HTTP",
        match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    );
    if let Some(tps) = ceiling {
        println!("pgbench ceiling (one conditional UPDATE of a slot row): {tps:.0} tps");
    }
    let settings = StoreSettings {
        max_connections: 8,
        ..StoreSettings::default()
    };
    let store: Arc<dyn Store> = store::open(url, settings, Arc::new(SystemClock)).await?;
    store.migrate().await?;
    let direct = Direct::connect(url).await?;
    let today = store::Clock::now(&SystemClock)
        .to_zoned_datetime(domain::clinic_time_zone()?)
        .date();
    let seeding = std::time::Instant::now();
    let clinic = seed::seed(&store, &direct, today, args.patients).await?;
    println!(
        "clinic: {} patients on the list, {} places, {} slots of {} places from {} to {} \
         (seeded in {:.1} s)",
        clinic.patients.len(),
        clinic.resources.len(),
        clinic.slots.len(),
        CAPACITY,
        clinic
            .slots
            .first()
            .map(|s| s.day.to_string())
            .unwrap_or_default(),
        clinic.quiet_day,
        seeding.elapsed().as_secs_f64()
    );
    let (sms_url, collector, sms) = gateway::start().await?;
    let dir = tempfile::tempdir()?;
    let config = server::config_toml(&server::ServerConfig {
        database_url: url,
        max_connections: args.server_pool,
        sms_url: &sms_url,
        clinic_her_id: seed::HER_ID,
        traces: args.traces.map(|ratio| (collector.as_str(), ratio)),
    });
    let server = Server::start(binary, dir.path(), &config).await?;
    let mut bench = Bench {
        args,
        server,
        tickets: Arc::new(Tickets::new(&clinic)),
        clinic,
        direct,
        ceiling,
        sms,
        failed: false,
    };
    let outcome = scenarios(&mut bench).await;
    if let Err(error) = &outcome {
        println!("a scenario stopped: {error}");
        println!("  (server log: {})", bench.server.log.display());
        bench.failed = true;
    }
    let integrity = store.integrity().await?;
    let double = integrity.overbooked_slots + integrity.miscounted_slots;
    println!(
        "double-booked or miscounted slots: {double}; appointments in the database: {}",
        bench.direct.appointments().await?
    );
    let ok = !bench.failed && double == 0;
    let direct = stop_server(bench).await;
    direct.close().await;
    drop(store);
    Ok(ok)
}

/// Prints the server's peak memory, stops it, and prints what its traces sent (the last batch
/// goes out as it stops); answers the direct connection, still open.
async fn stop_server(bench: Bench<'_>) -> Direct {
    println!(
        "peak RSS of the server: {:.0} MiB",
        bench.server.peak_rss_mib()
    );
    bench.server.stop().await;
    if bench.args.traces.is_some() {
        let (exports, bytes) = bench.sms.traces();
        println!(
            "traces: {exports} OTLP exports, {:.1} MiB, received by the collector",
            bytes as f64 / (1024.0 * 1024.0)
        );
    }
    bench.direct
}

async fn scenarios(bench: &mut Bench<'_>) -> Result<(), HttpError> {
    if bench.args.wants(1) {
        portal::choose_time(bench).await?;
    }
    if bench.args.wants(2) {
        fhir::slot_search(bench).await?;
    }
    if bench.args.wants(3) {
        portal::booking_flow(bench).await?;
    }
    if bench.args.wants(4) {
        fhir::bookings(bench).await?;
    }
    if bench.args.wants(5) {
        feed::feed(bench).await?;
    }
    if bench.args.wants(6) {
        pages::patient_pages(bench).await?;
    }
    if bench.args.wants(7) {
        fhir::outbox(bench).await?;
    }
    if bench.args.wants(8) {
        import::register_import(bench).await?;
    }
    Ok(())
}
