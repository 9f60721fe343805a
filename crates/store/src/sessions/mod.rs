//! Who is logged in: patients' sessions (`patients.rs`) and the staff's and operator's
//! (`staff.rs`), kept in the database so that any number of servers share them. Cookies hold
//! a token; the tables hold only its hash.

/// When a session is live: not past its lifetime (`expires_at` after the instant in the
/// parameter `now`) and used since the instant in `seen_since` (`session_idle_minutes` ago).
/// `table` is the table's alias with its dot, or empty. Every read, count and sweep of
/// sessions says it through this one condition.
macro_rules! live_session {
    ($table:literal, $now:literal, $seen_since:literal) => {
        concat!(
            $table,
            "expires_at > ",
            $now,
            " AND ",
            $table,
            "last_seen_at > ",
            $seen_since
        )
    };
}

mod logins;
mod patients;
mod staff;

pub use logins::{LoginAttempt, LoginFlow, Logins, StaffAccess};
pub use patients::{ActingFor, PatientSessions, SessionPatient};
pub use staff::StaffSessions;

use crate::db::{Database, Executor, Transaction, q};
use crate::{Result, SqlStore};
use async_trait::async_trait;

/// Every session, and the logins that lead to them.
pub trait Sessions: PatientSessions + StaffSessions + Logins + LiveSessions {}

impl<T: PatientSessions + StaffSessions + Logins + LiveSessions> Sessions for T {}

/// How many sessions are live now (neither expired nor idle too long), for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionCounts {
    /// Patients' (a representative's too).
    pub patients: u64,
    pub staff: u64,
    pub operators: u64,
}

#[async_trait]
pub trait LiveSessions: Send + Sync {
    async fn live_sessions(&self) -> Result<SessionCounts>;
}

#[async_trait]
impl<D: Database> LiveSessions for SqlStore<D> {
    async fn live_sessions(&self) -> Result<SessionCounts> {
        let now = self.now().as_second();
        let (patients, staff, operators): (i64, i64, i64) = self
            .db
            .pool()
            .fetch_one(
                q(concat!(
                    "SELECT (SELECT COUNT(*) FROM session WHERE ",
                    live_session!("", "$1", "$2"),
                    "), (SELECT COUNT(*) FROM staff_session WHERE role = 'staff' AND ",
                    live_session!("", "$1", "$2"),
                    "), (SELECT COUNT(*) FROM staff_session WHERE role = 'operator' AND ",
                    live_session!("", "$1", "$2"),
                    ")"
                ))
                .bind(now)
                .bind(self.seen_since(now)),
            )
            .await?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(SessionCounts {
            patients: count(patients),
            staff: count(staff),
            operators: count(operators),
        })
    }
}

impl<D: Database> SqlStore<D> {
    /// Records that a session was used, at most once a minute, so that reading a page is not
    /// a write each time. `statement` sets `last_seen_at` to $1 for token $2.
    async fn touch_session(
        &self,
        statement: &'static str,
        token_hash: &str,
        last_seen: i64,
        now: i64,
    ) -> Result<()> {
        if now - last_seen < 60 {
            return Ok(());
        }
        let mut tx = self.db.begin_write().await?;
        tx.execute(q(statement).bind(now).bind(token_hash)).await?;
        tx.commit().await
    }
}

/// How many ended sessions and login attempts [`forget_ended`] deleted.
pub(crate) struct Ended {
    pub sessions: u64,
    pub login_attempts: u64,
}

impl<D: Database> SqlStore<D> {
    /// The instant a session must have been used since to be live at `now`.
    pub(crate) fn seen_since(&self, now: i64) -> i64 {
        now - self.settings.session_idle.as_secs()
    }

    /// Deletes the sessions that are no longer live at `now`, and the login attempts that ran
    /// out. Logging in clears the ended ones through it too, and so does retention.
    pub(crate) async fn forget_ended(&self, tx: &mut impl Executor, now: i64) -> Result<Ended> {
        let mut sessions = 0;
        for table in [
            q(concat!(
                "DELETE FROM session WHERE NOT (",
                live_session!("", "$1", "$2"),
                ")"
            )),
            q(concat!(
                "DELETE FROM staff_session WHERE NOT (",
                live_session!("", "$1", "$2"),
                ")"
            )),
        ] {
            sessions += tx
                .execute(table.bind(now).bind(self.seen_since(now)))
                .await?;
        }
        let login_attempts = tx
            .execute(q("DELETE FROM login_attempt WHERE expires_at <= $1").bind(now))
            .await?;
        Ok(Ended {
            sessions,
            login_attempts,
        })
    }
}
