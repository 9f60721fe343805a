//! Rate limits' shared counts: per key, per fixed window, the same on both databases.

use crate::common::{TestDb, World};

pub async fn hits_are_counted_per_key_and_window(db: TestDb) {
    let world = World::new(db).await;
    let count = |key: &'static str| {
        let store = world.store.clone();
        async move { store.count_hit(key, 60).await.expect("count") }
    };
    let first = count("login:a").await;
    assert_eq!(first.hits, 1);
    assert!((1..=60).contains(&first.window_left), "{first:?}");
    assert_eq!(count("login:a").await.hits, 2);
    assert_eq!(count("login:a").await.hits, 3);
    assert_eq!(count("login:b").await.hits, 1, "keys are apart");
    world.advance(1);
    assert_eq!(count("login:a").await.hits, 1, "a new window starts over");
    world.finish().await;
}
