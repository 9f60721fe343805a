//! Rate limits hold for the whole deployment: on PostgreSQL two servers count together, as the
//! processes behind one load balancer would; on SQLite each process counts for itself.

mod common;

use common::{Browser, Options, Portal, portal_with};
use store::testing::TestDb;

fn two_logins_a_minute() -> timebok_web::limits::LimitSettings {
    timebok_web::limits::LimitSettings {
        logins_per_minute: 2,
        ..timebok_web::limits::LimitSettings::default()
    }
}

async fn portal_on(db: TestDb) -> Portal {
    portal_with(Options {
        demo_login: true,
        limits: two_logins_a_minute(),
        db: Some(db),
        ..Options::default()
    })
    .await
}

/// A login as Kari through the server at `base`; its status.
async fn log_in(portal: &Portal, base: &str) -> u16 {
    let mut browser = Browser::new(portal);
    browser.base = base.to_owned();
    let csrf = browser.csrf().await;
    browser
        .post(
            "/logg-inn",
            &[
                ("csrf", csrf.as_str()),
                ("national_id", portal.kari.as_str()),
            ],
        )
        .await
        .status
}

#[tokio::test]
async fn postgres_two_servers_count_one_limit() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let portal = portal_on(db).await;
    let second = portal.second_server().await;
    assert_eq!(log_in(&portal, &portal.base).await, 303);
    assert_eq!(log_in(&portal, &second).await, 303);
    assert_eq!(
        log_in(&portal, &portal.base).await,
        429,
        "the second server's login counted here"
    );
    assert_eq!(log_in(&portal, &second).await, 429);
}

#[tokio::test]
async fn on_sqlite_each_process_counts_for_itself() {
    let portal = portal_on(TestDb::sqlite().await).await;
    let second = portal.second_server().await;
    assert_eq!(log_in(&portal, &portal.base).await, 303);
    assert_eq!(log_in(&portal, &portal.base).await, 303);
    assert_eq!(log_in(&portal, &portal.base).await, 429);
    assert_eq!(
        log_in(&portal, &second).await,
        303,
        "another process has its own count"
    );
}
