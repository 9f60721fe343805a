//! What each timebook tells its patients by itself: the confirmation right after booking (the
//! booking program reads it in the booking's transaction) and the reminders the worker writes
//! ahead (see `Outbox::schedule_reminders`).

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Transaction, q};
use crate::{Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{Actor, AuditAction, ClinicId, ReminderOffsets, TimebookId, TimebookNotices};

#[async_trait]
pub trait NoticeSettings: Send + Sync {
    /// The notices of each of the clinic's timebooks, by timebook id.
    async fn timebook_notices(
        &self,
        clinic_id: ClinicId,
    ) -> Result<Vec<(TimebookId, TimebookNotices)>>;

    /// Sets the notices of the clinic's timebook; another clinic's is not found. Audited.
    ///
    /// The change applies to every appointment from now on: a reminder kept keeps what it
    /// has sent; a reminder added is sent for appointments whose moment for it is still
    /// ahead; one taken away is no longer written.
    async fn save_timebook_notices(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        timebook: TimebookId,
        notices: &TimebookNotices,
    ) -> Result<()>;
}

/// Gives a timebook just created the default reminders, inside its creation's transaction.
pub(crate) async fn give_default_reminders(
    tx: &mut impl Executor,
    timebook: i64,
    now: i64,
) -> Result<()> {
    for offset in TimebookNotices::default().reminders.as_slice() {
        tx.execute(
            q(
                "INSERT INTO timebook_reminder (timebook_id, clinic_id, minutes_before, added_at) \
               SELECT id, clinic_id, $2, $3 FROM timebook WHERE id = $1",
            )
            .bind(timebook)
            .bind(i64::from(offset.minutes()))
            .bind(now),
        )
        .await?;
    }
    Ok(())
}

#[async_trait]
impl<D: Database> NoticeSettings for SqlStore<D> {
    async fn timebook_notices(
        &self,
        clinic_id: ClinicId,
    ) -> Result<Vec<(TimebookId, TimebookNotices)>> {
        let rows: Vec<(i64, bool, Option<i64>)> = self
            .db
            .pool()
            .fetch_all(
                q(
                    "SELECT t.id, t.confirm_booking, r.minutes_before FROM timebook t \
                   LEFT JOIN timebook_reminder r ON r.timebook_id = t.id \
                   WHERE t.clinic_id = $1 ORDER BY t.id",
                )
                .bind(clinic_id.0),
            )
            .await?;
        let mut grouped: Vec<(i64, bool, Vec<i64>)> = Vec::new();
        for (id, confirm, minutes) in rows {
            match grouped.last_mut() {
                Some((last, _, offsets)) if *last == id => offsets.extend(minutes),
                _ => grouped.push((id, confirm, minutes.into_iter().collect())),
            }
        }
        grouped
            .into_iter()
            .map(|(id, confirm_booking, minutes)| {
                let reminders = ReminderOffsets::from_minutes(minutes)
                    .ok_or(StoreError::Corrupt("timebook_reminder.minutes_before"))?;
                Ok((
                    TimebookId(id),
                    TimebookNotices {
                        confirm_booking,
                        reminders,
                    },
                ))
            })
            .collect()
    }

    async fn save_timebook_notices(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        timebook: TimebookId,
        notices: &TimebookNotices,
    ) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let changed = tx
            .execute(
                q("UPDATE timebook SET confirm_booking = $3 WHERE id = $1 AND clinic_id = $2")
                    .bind(timebook.0)
                    .bind(clinic_id.0)
                    .bind(notices.confirm_booking),
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound("timebook"));
        }
        let kept: Vec<(i64,)> = tx
            .fetch_all(
                q("SELECT minutes_before FROM timebook_reminder WHERE timebook_id = $1")
                    .bind(timebook.0),
            )
            .await?;
        let wanted: Vec<i64> = notices
            .reminders
            .as_slice()
            .iter()
            .map(|offset| i64::from(offset.minutes()))
            .collect();
        // A reminder kept keeps the moment it was chosen, so a save that leaves it as it was
        // changes nothing about whom it reaches.
        for (minutes,) in kept.iter().filter(|(m,)| !wanted.contains(m)) {
            tx.execute(
                q("DELETE FROM timebook_reminder WHERE timebook_id = $1 AND minutes_before = $2")
                    .bind(timebook.0)
                    .bind(*minutes),
            )
            .await?;
        }
        for minutes in wanted.iter().filter(|m| !kept.contains(&(**m,))) {
            tx.execute(
                q("INSERT INTO timebook_reminder (timebook_id, clinic_id, minutes_before, added_at) \
                   VALUES ($1, $2, $3, $4)")
                .bind(timebook.0)
                .bind(clinic_id.0)
                .bind(*minutes)
                .bind(now),
            )
            .await?;
        }
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::TimebookNoticesSaved,
                clinic_id: Some(clinic_id.0),
                patient: None,
                subject: format!("timebook:{}", timebook.0),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
