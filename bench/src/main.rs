//! Timebok's load generator: see bench/README.md for the commands and the latest figures.
//!
//! `store` (the default) drives the `Store` directly; `http` starts the real server and drives
//! it over HTTP. Each run makes fresh databases, so figures do not depend on earlier runs, and
//! exits with failure if a single slot ends up double booked.

mod http;
mod pgbench;
mod report;
mod scenario;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The databases a run measures, and the PostgreSQL server it may create its own on.
#[derive(Args, Debug)]
pub struct Databases {
    /// Backends to measure.
    #[arg(long, value_delimiter = ',', default_values = ["sqlite", "postgres"])]
    pub backend: Vec<Backend>,
    /// A PostgreSQL server where the benchmark may create databases.
    #[arg(
        long,
        env = "TIMEBOK_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub postgres_url: String,
}

#[derive(Parser, Debug)]
#[command(
    about = "Load scenarios against Timebok's store and its HTTP server",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Booking rush and free-slot queries against the store (the default).
    Store(StoreArgs),
    /// The server's pages, FHIR API, feed, outbox and register import over HTTP.
    Http(http::HttpArgs),
}

#[derive(Args, Debug)]
struct StoreArgs {
    #[command(flatten)]
    databases: Databases,
    /// Connections per store pool.
    #[arg(long, default_value_t = 16)]
    pool: u32,
    /// Seconds of pgbench for the raw database ceiling.
    #[arg(long, default_value_t = 10)]
    pgbench_seconds: u32,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let failed = match cli.command {
        Some(Command::Http(args)) => http::run(&args).await,
        Some(Command::Store(args)) => store_bench(&args).await,
        None => store_bench(&cli.store).await,
    };
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The store scenarios; true when any failed or double booked.
async fn store_bench(args: &StoreArgs) -> bool {
    let mut failed = false;
    let mut ceiling = None;
    if args.databases.backend.contains(&Backend::Postgres) {
        match pgbench::ceiling(
            &args.databases.postgres_url,
            args.pool,
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
        let outcome = match backend {
            Backend::Sqlite => scenario::run("sqlite", None, args.pool).await,
            Backend::Postgres => {
                scenario::run("postgres", Some(&args.databases.postgres_url), args.pool).await
            }
        };
        match outcome {
            Ok(figures) => {
                report::print(
                    &figures,
                    if *backend == Backend::Postgres {
                        ceiling
                    } else {
                        None
                    },
                );
                failed |= figures.double_booked != 0;
            }
            Err(error) => {
                eprintln!("{backend:?}: {error}");
                failed = true;
            }
        }
    }
    println!(
        "peak RSS of the load generator: {} MiB",
        report::peak_rss_mib()
    );
    failed
}
