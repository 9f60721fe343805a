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
