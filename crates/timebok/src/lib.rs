//! The `timebok` command: serve, migrate, demo. `main.rs` only runs it and exits with the
//! outcome; everything else, logging too, is here, where the tests can reach it.

mod access;
mod backup;
pub mod config;
pub mod demo;
mod demo_clock;
pub mod logging;
pub mod traces;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
use store::{Clock, Store, StoreError, SystemClock};

#[derive(Parser)]
#[command(
    name = "timebok",
    version,
    about = "An open ressurstimebok for GP offices"
)]
pub struct Cli {
    /// Configuration file (TOML). Without it, ./timebok.toml is read if present.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve HTTP until SIGTERM.
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Seed the guide's example (Helsenorge testlegekontor) and serve it.
    Demo {
        /// Seed and exit instead of serving.
        #[arg(long)]
        seed_only: bool,
    },
    /// Run only the notification worker, until SIGTERM. Any number may run on PostgreSQL.
    Worker,
    /// Print a new VAPID key pair for Web Push, as lines for the [notify.push] section.
    VapidKeys,
    /// Write a consistent copy of the SQLite database to the new FILE, while Timebok serves.
    Backup { file: PathBuf },
    /// Put the backup FILE in place of the SQLite database. Stop every Timebok process on
    /// the database first.
    Restore { file: PathBuf },
    /// Who may log in as staff or operator, beyond what their provider's claims give.
    Access {
        #[command(subcommand)]
        command: access::AccessCommand,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Demo(#[from] demo::DemoError),
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server: {0}")]
    Serve(std::io::Error),
    #[error("notifications: {0}")]
    Notify(String),
    #[error("access: {0}")]
    Access(#[from] access::AccessError),
    #[error(transparent)]
    Web(#[from] web::BuildError),
    #[error(transparent)]
    Backup(#[from] backup::BackupError),
    #[error(transparent)]
    DemoClock(#[from] demo_clock::DemoClockError),
    #[error(transparent)]
    Traces(#[from] traces::TraceError),
    #[error(
        "demo_clock is set, but only `timebok demo` runs on a clock a file moves: serve, \
         worker, migrate and access read the system's. Remove demo_clock (or \
         TIMEBOK_DEMO_CLOCK)"
    )]
    DemoClockOutsideDemo,
}

pub async fn run(cli: Cli) -> Result<(), AppError> {
    if matches!(cli.command, Command::VapidKeys) {
        let (public, private) = notify::push::generate_vapid_keys().map_err(AppError::Notify)?;
        println!("vapid_public_key = \"{public}\"\nvapid_private_key = \"{private}\"");
        return Ok(());
    }
    let mut raw = config::load(cli.config.as_deref())?;
    if matches!(cli.command, Command::Demo { .. }) {
        demo_config(&mut raw)?;
    }
    let settings = raw.validate(cli.config.as_deref())?;
    let traces = traces::Tracing::start(&settings.traces)?;
    logging::init(settings.log_format, traces.as_ref());
    let outcome = run_command(cli.command, &settings).await;
    if let Some(traces) = traces {
        // The SDK's thread sends the last batch; the runtime's threads are not held up.
        let _ = tokio::task::spawn_blocking(move || traces.shutdown()).await;
    }
    outcome
}

async fn run_command(command: Command, settings: &config::Settings) -> Result<(), AppError> {
    if let Command::Restore { file } = &command {
        backup::restore(&settings.database_url, file).await?;
        println!("timebok: restored {}", file.display());
    }
    let clock = clock(&command, settings)?;
    let store = store::open(&settings.database_url, settings.store, clock.clone()).await?;
    store.migrate().await?;
    tracing::info!(backend = store.backend(), "database ready");
    match command {
        Command::Migrate | Command::VapidKeys | Command::Restore { .. } => Ok(()),
        Command::Backup { file } => {
            backup::backup(store.as_ref(), &file).await?;
            println!("timebok: backed up to {}", file.display());
            Ok(())
        }
        Command::Access { command } => Ok(access::run(store.as_ref(), command).await?),
        Command::Serve => serve(store, clock, settings).await,
        Command::Worker => {
            let public_url = settings.public_url_at(settings.listen)?;
            let (stop, stopped) = tokio::sync::watch::channel(false);
            serve_metrics(settings, store.clone(), clock.clone(), until(stopped)).await?;
            let worker = worker(store, clock, settings, &public_url)?;
            println!("timebok: notification worker running");
            worker.run(shutdown_signal()).await;
            let _ = stop.send(true);
            tracing::info!("worker stopped cleanly");
            Ok(())
        }
        Command::Demo { seed_only } => {
            let report = demo::seed(store.as_ref(), clock.now()).await?;
            println!(
                "demo: {} with {} timebooks; {} new slots published; patients: {}; blocked: {}",
                report.clinic,
                report.timebooks,
                report.new_slots,
                report.patients.join(", "),
                report.blocked.join(", ")
            );
            if seed_only {
                Ok(())
            } else {
                serve(store, clock, settings).await
            }
        }
    }
}

/// The one clock of the process: the store, the worker and the pages all read it. It is the
/// system's, but in a demo whose `demo_clock` names a file: then the file's.
fn clock(command: &Command, settings: &config::Settings) -> Result<Arc<dyn Clock>, AppError> {
    match (&settings.demo_clock, command) {
        (None, _) => Ok(Arc::new(SystemClock)),
        (Some(path), Command::Demo { .. }) => {
            let clock = demo_clock::FileClock::open(path)?;
            println!(
                "demo: the clock reads {}; it is now {}",
                path.display(),
                clock.now()
            );
            Ok(Arc::new(clock))
        }
        (Some(_), _) => Err(AppError::DemoClockOutsideDemo),
    }
}

/// A client of the demo's FHIR API with a fresh token, which is printed with `label` and its
/// scopes.
fn demo_client(
    name: &str,
    label: &str,
    scope: impl Fn(&web::fhir::Scope) -> bool,
    clinic_her_id: Option<i64>,
) -> Result<web::fhir::ClientSettings, AppError> {
    let token = web::random_token().ok_or_else(|| {
        AppError::Serve(std::io::Error::other(
            "the system has no randomness to give",
        ))
    })?;
    let scopes: Vec<String> = web::fhir::Scope::ALL
        .iter()
        .filter(|s| scope(s))
        .map(|s| s.code().to_owned())
        .collect();
    println!("demo: {label} ({}): {token}", scopes.join(" "));
    Ok(web::fhir::ClientSettings {
        name: name.into(),
        token,
        scopes,
        clinic_her_id,
    })
}

/// What `timebok demo` sets whatever the configuration says, and makes where it says nothing.
fn demo_config(raw: &mut config::RawConfig) -> Result<(), AppError> {
    // Demo patients have synthetic numbers; a demo never holds real people's. It runs on
    // plain HTTP on the newcomer's own machine, with the test login.
    raw.accept_synthetic_ids = true;
    raw.secure_cookies = false;
    raw.hsts = false;
    raw.demo_login = true;
    raw.profile = config::Profile::Development;
    // Many people try the demo from one address (a workshop behind one NAT).
    raw.rate_limits.logins_per_minute = raw.rate_limits.logins_per_minute.max(600);
    // The FHIR API in the demo without configuration: a client that sees every clinic, to
    // read slots and book for the test patients, and a journal system's client bound to the
    // demo clinic, with every scope. Their tokens are for this run, printed below.
    if raw.fhir.clients.is_empty() {
        // The patient list and subscriptions take a client bound to one clinic.
        let everywhere = [web::fhir::Scope::PatientList, web::fhir::Scope::Subscribe];
        raw.fhir.clients.push(demo_client(
            "demo",
            "FHIR API token",
            |s| !everywhere.contains(s),
            None,
        )?);
        raw.fhir.clients.push(demo_client(
            "journal",
            &format!("journal system token for HER-id {}", demo::DEMO_HER_ID),
            |_| true,
            Some(demo::DEMO_HER_ID),
        )?);
    }
    // The demo's slot feed is open, as a slot finder would read it.
    raw.fhir.public_feed = true;
    // A journal system trying Subscriptions in the demo listens on this machine.
    raw.fhir.allow_private_hook_hosts = true;
    // A CSRF key for this run: a demo is one process.
    if raw.csrf_key.is_none() {
        raw.csrf_key = web::random_token();
    }
    // Push in the demo without configuration: keys for this process only, so the portal
    // can show the whole settings page. Subscriptions end with the process.
    if raw.notify.push.is_none() {
        let (public, private) = notify::push::generate_vapid_keys().map_err(AppError::Notify)?;
        raw.notify.push = Some(notify::PushConfig::new(
            public,
            private,
            "mailto:demo@timebok.invalid".into(),
        ));
    }
    // Visitors try the demo with whatever browser they have, so any push service on a
    // public address will do, unless the configuration says otherwise.
    if let Some(push) = raw.notify.push.as_mut() {
        push.only_known_services.get_or_insert(false);
    }
    Ok(())
}

fn worker(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: &config::Settings,
    public_url: &web::PublicUrl,
) -> Result<notify::Worker, AppError> {
    let config = notify::NotifyConfig {
        portal_url: public_url.to_string(),
        ..settings.notify.clone()
    };
    let notifications = web::fhir::SubscriptionNotifications::new(public_url)
        .map_err(|e| AppError::Notify(e.to_string()))?;
    notify::Worker::new(store.clone(), clock, config)
        .map(|worker| {
            worker
                .with_waitlist(store.clone())
                .with_retention(store, settings.retention)
        })
        .and_then(|worker| {
            worker.with_hooks(
                web::fhir::hook_targets(settings.fhir.allow_private_hook_hosts),
                std::sync::Arc::new(move |delivery| notifications.bundle(delivery)),
            )
        })
        .map_err(AppError::Notify)
}

/// What the web application is built with, from the configuration.
async fn app_settings(
    store: &dyn Store,
    settings: &config::Settings,
    public_url: &web::PublicUrl,
) -> Result<web::AppSettings, AppError> {
    Ok(web::AppSettings {
        public_url: public_url.clone(),
        id_policy: settings.id_policy,
        demo_login: settings.demo_login,
        demo_patients: demo::demo_patients().map_err(demo::DemoError::from)?,
        demo_staff: demo::demo_staff(store).await?,
        secure_cookies: settings.secure_cookies,
        hsts: settings.hsts,
        push: settings
            .notify
            .push
            .as_ref()
            .map(|push| {
                Ok::<_, AppError>(web::PushSettings {
                    public_key: push.vapid_public_key.clone(),
                    targets: push.target_policy().map_err(AppError::Notify)?,
                })
            })
            .transpose()?,
        rate_limits: settings.rate_limits,
        client_address_header: settings.client_address_header.clone(),
        request_id_header: settings.request_id_header.clone(),
        oidc: settings.oidc.clone(),
        fhir: settings.fhir.clone(),
        api: settings.api,
        csrf_key: settings.csrf_key()?,
        public_url_configured: settings.public_url.is_some(),
    })
}

async fn serve(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: &config::Settings,
) -> Result<(), AppError> {
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|source| AppError::Listen {
            address: settings.listen,
            source,
        })?;
    let address = listener.local_addr().map_err(AppError::Serve)?;
    let public_url = settings.public_url_at(address)?;
    // Checked before anything is served, so a bad [oidc] or [fhir] section stops the process
    // at once.
    let app_settings = app_settings(store.as_ref(), settings, &public_url).await?;
    let state = web::AppState::build(store.clone(), clock.clone(), app_settings)?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // Before the worker starts, so that its first counts are kept.
    serve_metrics(
        settings,
        store.clone(),
        clock.clone(),
        until(stopped.clone()),
    )
    .await?;
    let worker = if settings.notify.run_in_serve {
        let worker = worker(store.clone(), clock, settings, &public_url)?;
        Some(tokio::spawn(worker.run(until(stopped))))
    } else {
        None
    };
    // On stdout, so that scripts and tests can find a port chosen by the system (listen = …:0).
    println!("timebok: listening on http://{address}");
    let served = web::serve(state, listener, shutdown_signal())
        .await
        .map_err(AppError::Serve);
    // The worker finishes the job in hand; an unfinished batch is claimed again later.
    let _ = stop.send(true);
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    served?;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Resolves once `stopped` says stop.
async fn until(mut stopped: tokio::sync::watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// `/metrics` on `metrics_listen`, when it is configured, until `until` resolves. `serve` and
/// `worker` each serve their own process's, so each needs its own address.
async fn serve_metrics(
    settings: &config::Settings,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    until: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    let Some(address) = settings.metrics_listen else {
        return Ok(());
    };
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|source| AppError::Listen { address, source })?;
    let metrics = web::metrics_router(store, clock);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, metrics)
            .with_graceful_shutdown(until)
            .await
        {
            tracing::warn!(%error, "metrics listener stopped");
        }
    });
    Ok(())
}

/// Resolves on SIGTERM (orchestrators) or Ctrl-C (a person); requests in flight finish first.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
