//! One contract suite, two databases: see `store::testing` for how each test gets its own.

#![allow(
    dead_code,
    reason = "the contract suite uses a part of the testing helpers"
)]

pub use store::testing::*;

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
