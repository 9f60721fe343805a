//! A backup taken while patients book: it holds every booking committed before it began, and
//! its slots add up, so a database restored from it is exact. SQLite only: PostgreSQL is
//! backed up with its own tools.

extern crate timebok_store as store;

use jiff::SignedDuration;
use std::sync::{Arc, Mutex};
use store::testing::{TestDb, World, start_of_tests};
use store::{Clock as _, ManualClock};

const WRITERS: u16 = 3;
const EACH: u16 = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_under_load_holds_every_booking_committed_before_it() {
    let world = World::new(TestDb::sqlite().await).await;
    let committed = Mutex::new(Vec::new());
    let book = |writer: u16| {
        let (world, committed) = (&world, &committed);
        async move {
            for i in 0..EACH {
                let n = writer * EACH + i;
                let start = start_of_tests()
                    + SignedDuration::from_hours(24)
                    + SignedDuration::from_mins(15 * i64::from(n));
                let booked = world.book(n + 1, start).await;
                committed.lock().expect("lock").push(booked.id);
            }
        }
    };
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("backup.db");
    let backup = async {
        while committed.lock().expect("lock").len() < 30 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let before: Vec<_> = committed.lock().expect("lock").clone();
        world.store.backup(&file).await.expect("backup");
        before
    };
    let (before, (), (), ()) = tokio::join!(backup, book(0), book(1), book(2));
    let total = committed.lock().expect("lock").len();
    assert_eq!(total, usize::from(WRITERS * EACH));
    assert!(
        before.len() < total,
        "the backup was taken while bookings went on"
    );

    let restored = store::open(
        &format!("sqlite://{}", file.display()),
        store::StoreSettings::default(),
        Arc::new(ManualClock::new(world.clock.now())),
    )
    .await
    .expect("the backup opens");
    for id in &before {
        restored
            .appointment(*id)
            .await
            .expect("a booking committed before the backup is in it");
    }
    let integrity = restored.integrity().await.expect("integrity");
    assert_eq!(
        (integrity.overbooked_slots, integrity.miscounted_slots),
        (0, 0),
        "every slot's count agrees with its appointments"
    );
    let in_backup: i64 = {
        use sqlx::Connection as _;
        let mut connection =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
                .await
                .expect("connect");
        sqlx::query_scalar("SELECT COUNT(*) FROM appointment")
            .fetch_one(&mut connection)
            .await
            .expect("count")
    };
    assert!(usize::try_from(in_backup).expect("count") >= before.len());

    assert!(
        matches!(
            world.store.backup(&file).await,
            Err(store::StoreError::Database(_))
        ),
        "an existing file is not overwritten"
    );
    world.finish().await;
}
