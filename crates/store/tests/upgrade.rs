//! Upgrading a SQLite database in use. SQLite cannot change a table's CHECK in place, so a
//! migration that does rebuilds the table with its rows; these tests upgrade a database that
//! holds jobs of every kind across each rebuild of the outbox (for invitations, for the
//! waitlist) and demand every job back, column by column.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

use sqlx::migrate::Migrator;
use sqlx::{Row, SqlitePool};
use std::borrow::Cow;

/// The first migration that rebuilds the outbox for invitations.
const INVITATIONS: i64 = 20;
/// The migration that rebuilds it for the waitlist's offers.
const WAITLIST: i64 = 25;

const JOB_COLUMNS: &str = "id, clinic_id, kind, appointment_id, thread_id, created_at, attempts, \
    next_attempt_at, sent_at, failed_at, last_error, claimed_until, claim_token, channel, \
    skipped, subscription_id, event_number";

async fn jobs(pool: &SqlitePool) -> Vec<String> {
    jobs_with(pool, JOB_COLUMNS).await
}

async fn jobs_with(pool: &SqlitePool, columns: &str) -> Vec<String> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {columns} FROM outbox ORDER BY id"
    )))
    .fetch_all(pool)
    .await
    .expect("jobs");
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| {
                    row.try_get::<Option<i64>, _>(i)
                        .map(|v| format!("{v:?}"))
                        .or_else(|_| {
                            row.try_get::<Option<String>, _>(i)
                                .map(|v| format!("{v:?}"))
                        })
                        .expect("a column")
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

/// A fresh database file named `name` with the migrations before `version` run.
async fn database_before(name: &str, version: i64) -> (SqlitePool, std::path::PathBuf) {
    let file = std::env::temp_dir().join(format!("timebok-{name}-{}.db", std::process::id()));
    // A file left by an earlier run of the same process id starts over.
    let _ = std::fs::remove_file(&file);
    let pool = SqlitePool::connect(&format!("sqlite://{}?mode=rwc", file.display()))
        .await
        .expect("database");
    let all = sqlx::migrate!("./migrations/sqlite");
    let earlier = Migrator {
        migrations: Cow::Owned(
            all.migrations
                .iter()
                .filter(|m| m.version < version)
                .cloned()
                .collect(),
        ),
        ..Migrator::DEFAULT
    };
    earlier.run(&pool).await.expect("the earlier schema");
    (pool, file)
}

/// A clinic with a timebook, a place, a booked slot, a thread and a subscription.
const WORLD: [&str; 8] = [
    "INSERT INTO clinic (id, her_id, name, created_at) VALUES (1, 1001, 'Legekontoret', 0)",
    "INSERT INTO location (id, clinic_id, address) VALUES (1, 1, 'Veien 1, 1325 Lysaker')",
    "INSERT INTO timebook (id, clinic_id, kind, min_notice_minutes, horizon_days, \
       cancel_deadline_minutes, max_future_appointments) VALUES (1, 1, 'vaksine', 30, 42, 1440, 1)",
    "INSERT INTO resource (id, clinic_id, timebook_id, name, location_id) \
       VALUES (1, 1, 1, 'Influensa', 1)",
    "INSERT INTO slot (id, clinic_id, timebook_id, resource_id, starts_at, length_minutes, \
       capacity, booked, published) VALUES (1, 1, 1, 1, 2000000000, 15, 1, 1, TRUE)",
    "INSERT INTO appointment (id, clinic_id, timebook_id, slot_id, national_id, reason, \
       status, starts_at, booked_at) \
       VALUES (1, 1, 1, 1, '01010750160', 'Vaksine', 'booked', 2000000000, 100)",
    "INSERT INTO thread (id, clinic_id, national_id, subject, created_at, last_at) \
       VALUES (1, 1, '01010750160', 'Spørsmål', 100, 100)",
    "INSERT INTO fhir_subscription (id, clinic_id, client, topic, reason, endpoint, content, \
       status, created_at) VALUES (1, 1, 'journal', 'topic', 'why', 'https://x.example', \
       'id-only', 'active', 100)",
];

#[tokio::test]
async fn the_outbox_keeps_every_job_when_it_is_rebuilt_for_the_waitlist() {
    let (pool, file) = database_before("upgrade-waitlist", WAITLIST).await;
    let invitation = "INSERT INTO invitation (id, clinic_id, timebook_id, national_id, message, \
        opens_at, expires_at, sent_at, sent_by) \
        VALUES (1, 1, 1, '01010750160', 'Velkommen', 100, 200, 100, 'resepsjon')";
    let jobs = [
        "INSERT INTO outbox (id, clinic_id, kind, appointment_id, created_at, attempts, \
           next_attempt_at, sent_at, channel) \
           VALUES (1, 1, 'appointment.booked', 1, 100, 1, 100, 101, 'sms')",
        "INSERT INTO outbox (id, clinic_id, kind, thread_id, created_at, next_attempt_at, \
           failed_at, last_error) VALUES (2, 1, 'message.reply', 1, 100, 100, 300, 'refused')",
        "INSERT INTO outbox (id, clinic_id, kind, invitation_id, created_at, attempts, \
           next_attempt_at, claimed_until, claim_token) \
           VALUES (3, 1, 'invitation.sent', 1, 100, 1, 100, 400, 'token')",
        "INSERT INTO outbox (id, clinic_id, kind, appointment_id, created_at, next_attempt_at, \
           subscription_id, event_number) VALUES (4, 1, 'appointment.booked', 1, 100, 100, 1, 1)",
    ];
    for statement in WORLD.iter().chain([&invitation]).chain(&jobs) {
        sqlx::query(sqlx::AssertSqlSafe(*statement))
            .execute(&pool)
            .await
            .expect(statement);
    }
    let columns = format!("{JOB_COLUMNS}, invitation_id");
    let before = jobs_with(&pool, &columns).await;
    assert_eq!(before.len(), 4);

    sqlx::migrate!("./migrations/sqlite")
        .run(&pool)
        .await
        .expect("the upgrade");
    assert_eq!(
        jobs_with(&pool, &columns).await,
        before,
        "every job, every column"
    );
    // A job about nothing, or about two things, is still refused.
    for statement in [
        "INSERT INTO outbox (clinic_id, kind, created_at, next_attempt_at) \
         VALUES (1, 'waitlist.offer', 1, 1)",
        "INSERT INTO outbox (clinic_id, kind, appointment_id, invitation_id, created_at, \
           next_attempt_at) VALUES (1, 'appointment.booked', 1, 1, 1, 1)",
    ] {
        assert!(
            sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(&pool)
                .await
                .is_err(),
            "{statement}"
        );
    }
    pool.close().await;
    let _ = std::fs::remove_file(&file);
}

#[tokio::test]
async fn the_outbox_keeps_every_job_when_it_is_rebuilt_for_invitations() {
    let (pool, file) = database_before("upgrade", INVITATIONS).await;
    let all = sqlx::migrate!("./migrations/sqlite");
    let jobs_written = [
        // A job sent, one failed for good, one claimed by a worker, a reply's job, and a
        // subscriber's numbered notification.
        "INSERT INTO outbox (id, clinic_id, kind, appointment_id, created_at, attempts, \
           next_attempt_at, sent_at, channel) \
           VALUES (1, 1, 'appointment.booked', 1, 100, 1, 100, 101, 'sms')",
        "INSERT INTO outbox (id, clinic_id, kind, appointment_id, created_at, attempts, \
           next_attempt_at, failed_at, last_error) \
           VALUES (2, 1, 'appointment.reminder', 1, 100, 5, 200, 300, 'gateway said 400')",
        "INSERT INTO outbox (id, clinic_id, kind, appointment_id, created_at, attempts, \
           next_attempt_at, claimed_until, claim_token) \
           VALUES (3, 1, 'appointment.moved', 1, 100, 1, 100, 400, 'token')",
        "INSERT INTO outbox (id, clinic_id, kind, thread_id, created_at, next_attempt_at, \
           skipped, sent_at) VALUES (4, 1, 'message.reply', 1, 100, 100, 'no_address', 102)",
        "INSERT INTO outbox (id, clinic_id, kind, appointment_id, created_at, next_attempt_at, \
           subscription_id, event_number) VALUES (5, 1, 'appointment.booked', 1, 100, 100, 1, 1)",
    ];
    for statement in WORLD.iter().chain(&jobs_written) {
        sqlx::query(sqlx::AssertSqlSafe(*statement))
            .execute(&pool)
            .await
            .expect(statement);
    }
    let before = jobs(&pool).await;
    assert_eq!(before.len(), 5);

    all.run(&pool).await.expect("the upgrade");
    assert_eq!(jobs(&pool).await, before, "every job, every column");
    // The rebuilt table still refuses a job about nothing. The reminder written before each
    // timebook chose its own is recorded as the one of 24 hours for the appointment's start,
    // so it is not written again.
    assert!(
        sqlx::query(
            "INSERT INTO outbox (clinic_id, kind, created_at, next_attempt_at) \
             VALUES (1, 'appointment.booked', 1, 1)"
        )
        .execute(&pool)
        .await
        .is_err()
    );
    let recorded: (i64, i64) =
        sqlx::query_as("SELECT reminder_minutes, reminder_for FROM outbox WHERE id = 2")
            .fetch_one(&pool)
            .await
            .expect("the reminder");
    assert_eq!(recorded, (1440, 2_000_000_000));
    assert!(
        sqlx::query(
            "INSERT INTO outbox (clinic_id, kind, appointment_id, created_at, next_attempt_at, \
               reminder_minutes, reminder_for) \
             VALUES (1, 'appointment.reminder', 1, 1, 1, 1440, 2000000000)"
        )
        .execute(&pool)
        .await
        .is_err()
    );
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox' \
         AND name LIKE 'outbox_%' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .expect("indexes");
    assert_eq!(
        indexes,
        [
            "outbox_due",
            "outbox_failed",
            "outbox_hook_order",
            "outbox_one_reminder_per_offset"
        ]
    );
    pool.close().await;
    let _ = std::fs::remove_file(&file);
}
