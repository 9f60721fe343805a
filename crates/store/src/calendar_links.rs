//! A patient's calendar link: a secret address from which their calendar app fetches their
//! appointments. The store keeps only a hash of the link's token, one link per patient;
//! making a new one ends the old, and switching it off ends it. Both are audited as the
//! patient's own actions. Reading the calendar is not: a calendar app fetches it on its own,
//! every hour, and the patient did nothing.

use crate::audit::{Entry, record};
use crate::booking::IN_CALENDAR;
use crate::db::{Database, Executor, Transaction, q};
use crate::rows::{instant, national_id};
use crate::{PlannedAppointment, Result, SqlStore};
use async_trait::async_trait;
use domain::{Actor, AuditAction, NationalId};
use jiff::Timestamp;

/// A patient's calendar link as the portal shows it: never the token, which is not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarLink {
    pub created_at: Timestamp,
    /// The language the patient used the site in when making it; the calendar's texts are in it.
    pub language: String,
}

/// What a calendar link shows: the patient's appointments that started at most
/// [`crate::CALENDAR_LINK_PAST_DAYS`] days ago, of every status, and all later ones, by start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedCalendar {
    pub language: String,
    pub appointments: Vec<PlannedAppointment>,
}

#[async_trait]
pub trait CalendarLinks: Send + Sync {
    /// The patient's link, if they have switched one on.
    async fn calendar_link(&self, patient: &NationalId) -> Result<Option<CalendarLink>>;
    /// Makes the patient's link the one whose token hashes to `token_hash`; an earlier link of
    /// theirs stops working in the same transaction.
    /// The caller is the patient, or someone acting for them, whom the audit names.
    async fn open_calendar_link(
        &self,
        caller: &domain::Caller,
        token_hash: &str,
        language: &str,
    ) -> Result<CalendarLink>;
    /// Switches the patient's link off; answers whether there was one.
    async fn close_calendar_link(&self, caller: &domain::Caller) -> Result<bool>;
    /// The calendar of the link whose token hashes to `token_hash`; `None` for a token no link
    /// has (never made, replaced or switched off).
    async fn linked_calendar(&self, token_hash: &str) -> Result<Option<LinkedCalendar>>;
}

fn entry<'a>(actor: &'a Actor, action: AuditAction, at: i64, patient: &'a NationalId) -> Entry<'a> {
    Entry {
        at,
        actor,
        action,
        clinic_id: None,
        patient: Some(patient),
        subject: "calendar_link".into(),
    }
}

#[async_trait]
impl<D: Database> CalendarLinks for SqlStore<D> {
    async fn calendar_link(&self, patient: &NationalId) -> Result<Option<CalendarLink>> {
        let row: Option<(i64, String)> = self
            .db
            .pool()
            .fetch_optional(
                q("SELECT created_at, language FROM calendar_link WHERE national_id = $1")
                    .bind(patient.as_str()),
            )
            .await?;
        row.map(|(created_at, language)| {
            Ok(CalendarLink {
                created_at: instant(created_at, "calendar_link.created_at")?,
                language,
            })
        })
        .transpose()
    }

    async fn open_calendar_link(
        &self,
        caller: &domain::Caller,
        token_hash: &str,
        language: &str,
    ) -> Result<CalendarLink> {
        let patient = crate::own_patient(caller)?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let replaced: Option<(String,)> = tx
            .fetch_optional(
                q("DELETE FROM calendar_link WHERE national_id = $1 RETURNING national_id")
                    .bind(patient.as_str()),
            )
            .await?;
        tx.execute(
            q(
                "INSERT INTO calendar_link (national_id, token_hash, language, created_at) \
               VALUES ($1, $2, $3, $4)",
            )
            .bind(patient.as_str())
            .bind(token_hash)
            .bind(language)
            .bind(now.as_second()),
        )
        .await?;
        let action = if replaced.is_some() {
            AuditAction::CalendarLinkReplaced
        } else {
            AuditAction::CalendarLinkCreated
        };
        record(
            &mut tx,
            entry(&caller.actor, action, now.as_second(), patient),
        )
        .await?;
        tx.commit().await?;
        Ok(CalendarLink {
            created_at: instant(now.as_second(), "calendar_link.created_at")?,
            language: language.to_owned(),
        })
    }

    async fn close_calendar_link(&self, caller: &domain::Caller) -> Result<bool> {
        let patient = crate::own_patient(caller)?;
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let removed = tx
            .execute(q("DELETE FROM calendar_link WHERE national_id = $1").bind(patient.as_str()))
            .await?;
        if removed == 0 {
            return Ok(false);
        }
        record(
            &mut tx,
            entry(
                &caller.actor,
                AuditAction::CalendarLinkRevoked,
                now,
                patient,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn linked_calendar(&self, token_hash: &str) -> Result<Option<LinkedCalendar>> {
        let row: Option<(String, String)> = self
            .db
            .pool()
            .fetch_optional(
                q("SELECT national_id, language FROM calendar_link WHERE token_hash = $1")
                    .bind(token_hash),
            )
            .await?;
        let Some((patient, language)) = row else {
            return Ok(None);
        };
        let patient = national_id(&patient, "calendar_link.national_id")?;
        let appointments = self.patient_appointments_of(&IN_CALENDAR, &patient).await?;
        Ok(Some(LinkedCalendar {
            language,
            appointments,
        }))
    }
}
