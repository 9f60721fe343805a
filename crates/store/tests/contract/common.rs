//! One contract suite, two databases. SQLite runs always; PostgreSQL runs when
//! `TIMEBOK_TEST_POSTGRES_URL` names a server (any database on it: each test creates its own),
//! and must run when `CI=true`.

#![allow(dead_code)]

use domain::{
    Actor, Address, BookingRules, Capacity, Clinic, ClinicName, Description, HerId, InfoText,
    NationalId, PersonName, Resource, ResourceName, Slot, SlotLength, Timebook, TimebookKind,
};
use jiff::civil::{Date, DateTime};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use store::{ManualClock, NewSlot, Store, StoreSettings};

pub const POSTGRES_ENV: &str = "TIMEBOK_TEST_POSTGRES_URL";

pub enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, database: String },
}

pub struct TestDb {
    pub url: String,
    backend: Backend,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("timebok.db").display());
        Self {
            url,
            backend: Backend::Sqlite(dir),
        }
    }

    /// A fresh database on the configured PostgreSQL, or `None` (and a note) when none is
    /// configured outside CI.
    pub async fn postgres() -> Option<Self> {
        let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true requires {POSTGRES_ENV}: the PostgreSQL suite must run"
            );
            eprintln!("skipped: PostgreSQL contract test ({POSTGRES_ENV} is not set)");
            return None;
        };
        let database = format!(
            "timebok_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            Timestamp::now().as_millisecond() % 1_000_000
        );
        let mut conn = admin(&admin_url).await;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let (prefix, _) = admin_url
            .rsplit_once('/')
            .expect("URL with a database path");
        let url = format!("{prefix}/{database}");
        Some(Self {
            url,
            backend: Backend::Postgres {
                admin_url,
                database,
            },
        })
    }

    pub async fn open(&self, clock: Arc<ManualClock>) -> Arc<dyn Store> {
        let store = store::open(&self.url, StoreSettings::default(), clock)
            .await
            .expect("open store");
        store.migrate().await.expect("migrate");
        store
    }

    /// Removes a PostgreSQL test database; a failed test keeps its database for inspection.
    pub async fn finish(self) {
        if let Backend::Postgres {
            admin_url,
            database,
        } = &self.backend
        {
            let mut conn = admin(admin_url).await;
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {database} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await;
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres { .. })
    }
}

async fn admin(url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(url)
        .await
        .expect("connect to PostgreSQL")
}

/// Monday 14 December 2026, 08:00 in Oslo.
pub fn start_of_tests() -> Timestamp {
    oslo(2026, 12, 14, 8, 0)
}

pub fn oslo(y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
    let zone = domain::clinic_time_zone().expect("tz");
    zone.to_ambiguous_timestamp(DateTime::new(y, m, d, h, min, 0, 0).expect("datetime"))
        .compatible()
        .expect("instant")
}

pub fn staff(clinic: &Clinic) -> Actor {
    Actor::Staff {
        clinic_id: clinic.id,
        user: "resepsjon".into(),
    }
}

/// Creates (or finds again) the clinic, its Vaksine timebook and the resource «Influensa».
pub async fn seed(store: &dyn Store, rules: BookingRules) -> (Clinic, Timebook, Resource) {
    let system = Actor::System;
    let clinic = store
        .save_clinic(
            &system,
            HerId::new(8_143_060).expect("her"),
            &ClinicName::parse("Helsenorge testlegekontor").expect("name"),
            &InfoText::parse("Velkommen").expect("info"),
        )
        .await
        .expect("clinic");
    let timebook = store
        .save_timebook(&system, clinic.id, TimebookKind::Vaksine, rules)
        .await
        .expect("timebook");
    let location = store
        .save_location(
            &system,
            clinic.id,
            &Address::parse("Influensaveien 3a, 1325 Lysaker").expect("address"),
        )
        .await
        .expect("location");
    let resource = store
        .save_resource(
            &system,
            timebook.id,
            &ResourceName::parse("Influensa").expect("name"),
            &Description::parse("Dette er en influensavaksine som vises på Helsenorge")
                .expect("desc"),
            &location,
        )
        .await
        .expect("resource");
    (clinic, timebook, resource)
}

/// A clinic with a Vaksine timebook, the resource «Influensa» and a few listed patients.
pub struct World {
    pub db: TestDb,
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub clinic: Clinic,
    pub timebook: Timebook,
    pub resource: Resource,
    pub staff: Actor,
}

impl World {
    pub async fn new(db: TestDb) -> Self {
        Self::with_rules(db, BookingRules::new(30, 42, 24 * 60, 1).expect("rules")).await
    }

    pub async fn with_rules(db: TestDb, rules: BookingRules) -> Self {
        let clock = Arc::new(ManualClock::new(start_of_tests()));
        let store = db.open(clock.clone()).await;
        let (clinic, timebook, resource) = seed(store.as_ref(), rules).await;
        let staff = staff(&clinic);
        Self {
            db,
            store,
            clock,
            clinic,
            timebook,
            resource,
            staff,
        }
    }

    /// The `n`th synthetic patient, not yet on any list.
    pub fn person(n: u16) -> NationalId {
        NationalId::synthetic(Date::new(1980, 1, 1).expect("date"), n).expect("synthetic id")
    }

    /// The `n`th patient, on this clinic's list.
    pub async fn patient(&self, n: u16) -> NationalId {
        let id = Self::person(n);
        self.store
            .list_patient(
                &self.staff,
                self.clinic.id,
                &id,
                &PersonName::parse("Kari").expect("first"),
                &PersonName::parse(&format!("Nordmann {n}")).expect("last"),
            )
            .await
            .expect("list patient");
        id
    }

    pub async fn slot(&self, start: Timestamp, capacity: u16) -> Slot {
        self.store
            .add_slot(
                &self.staff,
                NewSlot {
                    resource_id: self.resource.id,
                    start,
                    length: SlotLength::minutes(15).expect("length"),
                    capacity: Capacity::new(i64::from(capacity)).expect("capacity"),
                },
            )
            .await
            .expect("slot")
    }

    pub fn advance(&self, minutes: i64) {
        self.clock.advance(SignedDuration::from_mins(minutes));
    }

    pub async fn finish(self) {
        drop(self.store);
        self.db.finish().await;
    }
}

/// Runs each named case of `cases.rs` once per backend, as its own test.
#[macro_export]
macro_rules! contract_tests {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let db = $crate::common::TestDb::sqlite().await;
                    $crate::cases::$case(db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let Some(db) = $crate::common::TestDb::postgres().await else { return };
                    $crate::cases::$case(db).await;
                }
            )*
        }
    };
}
