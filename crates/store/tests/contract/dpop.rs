//! DPoP proofs seen: each once while its window lasts, in every process on the database.

use crate::common::{TestDb, World};
use jiff::SignedDuration;

pub async fn a_dpop_proof_is_used_once_while_its_window_lasts_on_every_server(db: TestDb) {
    let world = World::new(db).await;
    // A second process on the same database, with the same clock.
    let other = world.db.open(world.clock.clone()).await;
    let until = store::Clock::now(world.clock.as_ref()) + SignedDuration::from_mins(5);
    let store = &world.store;
    assert!(store.first_use_of_proof("key-a", until).await.expect("use"));
    assert!(
        !store.first_use_of_proof("key-a", until).await.expect("use"),
        "a replay"
    );
    assert!(
        !other.first_use_of_proof("key-a", until).await.expect("use"),
        "a replay to another server"
    );
    assert!(
        other.first_use_of_proof("key-b", until).await.expect("use"),
        "keys are apart"
    );
    assert!(!store.first_use_of_proof("key-b", until).await.expect("use"));

    // Once the window has passed the row is swept, or taken over by a proof of the same key.
    world.advance(6);
    let later = store::Clock::now(world.clock.as_ref()) + SignedDuration::from_mins(5);
    assert!(store.first_use_of_proof("key-a", later).await.expect("use"));
    assert!(!other.first_use_of_proof("key-a", later).await.expect("use"));
    drop(other);
    world.finish().await;
}
