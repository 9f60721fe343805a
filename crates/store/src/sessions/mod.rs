//! Who is logged in: patients' sessions (`patients.rs`) and the staff's and operator's
//! (`staff.rs`), kept in the database so that any number of servers share them. Cookies hold
//! a token; the tables hold only its hash.

mod logins;
mod patients;
mod staff;

pub use logins::{LoginAttempt, LoginFlow, Logins, StaffAccess};
pub use patients::{ActingFor, PatientSessions, SessionPatient};
pub use staff::StaffSessions;

use crate::db::{Database, Executor, Transaction, q};
use crate::{Result, SqlStore};

/// Every session, and the logins that lead to them.
pub trait Sessions: PatientSessions + StaffSessions + Logins {}

impl<T: PatientSessions + StaffSessions + Logins> Sessions for T {}

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

/// Deletes the sessions that have ended, by their lifetime (`expires_at` by `now`) or by
/// going unused since `idle_since`, and the login attempts that ran out. The one place that
/// says when a session is over for good; logging in clears the ended ones through it too.
pub(crate) async fn forget_ended(
    tx: &mut impl Executor,
    now: i64,
    idle_since: i64,
) -> Result<Ended> {
    let mut sessions = 0;
    for table in [
        q("DELETE FROM session WHERE expires_at <= $1 OR last_seen_at <= $2"),
        q("DELETE FROM staff_session WHERE expires_at <= $1 OR last_seen_at <= $2"),
    ] {
        sessions += tx.execute(table.bind(now).bind(idle_since)).await?;
    }
    let login_attempts = tx
        .execute(q("DELETE FROM login_attempt WHERE expires_at <= $1").bind(now))
        .await?;
    Ok(Ended {
        sessions,
        login_attempts,
    })
}
