//! Innkalling: the office invites patients of its list to book a timebook, sees who booked,
//! and reminds those who have not.
//!
//! An invitation, its notification job and its audit entry are written in one transaction.
//! What an open invitation lets the patient do is decided by the booking rules alone
//! (`booking/rules.rs`, `open_invitation` and `within_limit`), and the booking that answers it
//! marks it in the booking's own transaction (`booking/programs.rs`).

use crate::audit::{Entry, record};
use crate::booking::rules;
use crate::db::{Database, Executor, Transaction, q};
use crate::rows;
use crate::{NotificationKind, Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{
    Actor, AppointmentId, AuditAction, ClinicId, InvitationDays, InvitationMessage, NationalId,
    PersonName, Refusal, TimebookId,
};
use jiff::Timestamp;
use std::sync::LazyLock;

/// What the office sends: whom it invites to which timebook, for which days, with what words.
#[derive(Debug, Clone)]
pub struct NewInvitations {
    pub timebook: TimebookId,
    pub days: InvitationDays,
    /// `None` (or an empty text) sends the notice without a message of the office's own.
    pub message: Option<InvitationMessage>,
    pub patients: Vec<NationalId>,
}

/// What became of each patient of a [`NewInvitations`], in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InviteReport {
    pub invited: Vec<NationalId>,
    /// Each patient not invited and why: [`Refusal::NotOnList`] for any number off the
    /// clinic's own list, whoever else may have it; [`Refusal::Blocked`] for a patient the
    /// office has blocked, whom an invitation would not let in.
    pub rejected: Vec<(NationalId, Refusal)>,
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    /// Sent and open: not booked, not expired.
    Sent,
    /// Answered by a booking.
    Booked,
    /// Its last day passed without a booking.
    Expired,
}

/// One invitation as the office's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub timebook_id: TimebookId,
    pub patient: NationalId,
    /// The patient's name while they are on the clinic's list; one who has moved to another
    /// office is shown by number only.
    pub name: Option<(PersonName, PersonName)>,
    pub message: Option<InvitationMessage>,
    pub opens_at: Timestamp,
    pub expires_at: Timestamp,
    pub sent_at: Timestamp,
    pub reminded_at: Option<Timestamp>,
    pub booked: Option<AppointmentId>,
    pub state: InvitationState,
}

#[async_trait]
pub trait Invitations: Send + Sync {
    /// Invites each patient of the clinic's own list to the timebook and writes their notice
    /// job, in one transaction. Anyone else is rejected and written nowhere: a number on
    /// another office's list and a number on no list run the same statements. Not found for
    /// another clinic's timebook.
    async fn invite(
        &self,
        actor: &Actor,
        clinic: ClinicId,
        invitations: &NewInvitations,
    ) -> Result<InviteReport>;

    /// The clinic's invitations to the timebook, the latest first. Each patient named is an
    /// audited view.
    async fn invitations(
        &self,
        actor: &Actor,
        clinic: ClinicId,
        timebook: TimebookId,
    ) -> Result<Vec<Invitation>>;

    /// Writes a reminder job for every open invitation to the timebook that has not been
    /// booked, except those reminded already today (in the clinics' time zone): a second
    /// press of the button the same day sends nothing. Answers how many were reminded.
    async fn remind(&self, actor: &Actor, clinic: ClinicId, timebook: TimebookId) -> Result<u64>;
}

#[derive(sqlx::FromRow)]
struct InvitationRow {
    id: i64,
    timebook_id: i64,
    national_id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    message: Option<String>,
    opens_at: i64,
    expires_at: i64,
    sent_at: i64,
    reminded_at: Option<i64>,
    booked_appointment_id: Option<i64>,
}

impl InvitationRow {
    fn into_domain(self, now: Timestamp) -> Result<Invitation> {
        let name = match (self.first_name, self.last_name) {
            (Some(first), Some(last)) => Some((
                PersonName::parse(&first).map_err(|_| StoreError::Corrupt("patient.first_name"))?,
                PersonName::parse(&last).map_err(|_| StoreError::Corrupt("patient.last_name"))?,
            )),
            _ => None,
        };
        let message = self
            .message
            .map(|m| InvitationMessage::parse(&m))
            .transpose()
            .map_err(|_| StoreError::Corrupt("invitation.message"))?;
        let expires_at = rows::instant(self.expires_at, "invitation.expires_at")?;
        let booked = self.booked_appointment_id.map(AppointmentId);
        let state = match booked {
            Some(_) => InvitationState::Booked,
            None if expires_at <= now => InvitationState::Expired,
            None => InvitationState::Sent,
        };
        Ok(Invitation {
            id: self.id,
            timebook_id: TimebookId(self.timebook_id),
            patient: rows::national_id(&self.national_id, "invitation.national_id")?,
            name,
            message,
            opens_at: rows::instant(self.opens_at, "invitation.opens_at")?,
            expires_at,
            sent_at: rows::instant(self.sent_at, "invitation.sent_at")?,
            reminded_at: self
                .reminded_at
                .map(|at| rows::instant(at, "invitation.reminded_at"))
                .transpose()?,
            booked,
            state,
        })
    }
}

impl<D: Database> SqlStore<D> {
    /// Not found unless the timebook is the clinic's own.
    pub(crate) async fn own_timebook(
        &self,
        tx: &mut impl Executor,
        clinic: ClinicId,
        timebook: TimebookId,
    ) -> Result<()> {
        let found: Option<(i64,)> = tx
            .fetch_optional(
                q("SELECT id FROM timebook WHERE id = $1 AND clinic_id = $2")
                    .bind(timebook.0)
                    .bind(clinic.0),
            )
            .await?;
        found.map(|_| ()).ok_or(StoreError::NotFound("timebook"))
    }
}

/// An invitation's notice jobs (invitation `$1`, kind `$2`, at `$3`): to the patient, and to
/// a child's parents, who book for them.
static INVITATION_NOTICES: LazyLock<[String; 2]> = LazyLock::new(|| {
    rules::told_jobs(
        (
            "clinic_id, kind, invitation_id, created_at, next_attempt_at",
            "i.clinic_id, $2, i.id, $3, $3",
        ),
        "invitation i WHERE i.id = $1",
        rules::About {
            row: "i",
            acting: "NULL",
            parents: true,
        },
        "$3",
    )
});

/// A notice job about an invitation, and its audit entry.
struct Job<'a> {
    clinic: ClinicId,
    kind: NotificationKind,
    action: AuditAction,
    invitation: i64,
    patient: &'a NationalId,
    at: i64,
}

/// Writes the notice job and its audit entry in the invitation's transaction.
async fn enqueue(tx: &mut impl Executor, actor: &Actor, job: Job<'_>) -> Result<()> {
    for notice in INVITATION_NOTICES.iter() {
        tx.execute(
            q(notice.as_str())
                .bind(job.invitation)
                .bind(job.kind.code())
                .bind(job.at),
        )
        .await?;
    }
    record(
        tx,
        Entry {
            at: job.at,
            actor,
            action: job.action,
            clinic_id: Some(job.clinic.0),
            patient: Some(job.patient),
            subject: format!("invitation:{}", job.invitation),
        },
    )
    .await
}

#[async_trait]
impl<D: Database> Invitations for SqlStore<D> {
    async fn invite(
        &self,
        actor: &Actor,
        clinic: ClinicId,
        invitations: &NewInvitations,
    ) -> Result<InviteReport> {
        let now = self.now().as_second();
        let opens_at = self.start_of(invitations.days.first())?.max(now);
        let after = invitations
            .days
            .last()
            .tomorrow()
            .map_err(|_| StoreError::Corrupt("invitation days"))?;
        let expires_at = self.start_of(after)?;
        let message = invitations
            .message
            .as_ref()
            .map(InvitationMessage::as_str)
            .filter(|m| !m.is_empty());
        let mut tx = self.db.begin_write().await?;
        self.own_timebook(&mut tx, clinic, invitations.timebook)
            .await?;
        let mut report = InviteReport::default();
        for patient in &invitations.patients {
            // The insert picks the patient from the clinic's own list, so any other number
            // writes nothing. A blocked patient is refused here, where the block is read in
            // the same transaction.
            let blocked: Option<(i64,)> = tx
                .fetch_optional(
                    q("SELECT b.clinic_id FROM block b JOIN patient p ON p.national_id = b.national_id \
                         AND p.clinic_id = b.clinic_id \
                       WHERE b.clinic_id = $1 AND b.national_id = $2")
                    .bind(clinic.0)
                    .bind(patient.as_str()),
                )
                .await?;
            if blocked.is_some() {
                report.rejected.push((patient.clone(), Refusal::Blocked));
                continue;
            }
            let id: Option<(i64,)> = tx
                .fetch_optional(
                    q(
                        "INSERT INTO invitation (clinic_id, timebook_id, national_id, message, \
                         opens_at, expires_at, sent_at, sent_by) \
                       SELECT p.clinic_id, $3, p.national_id, $4, $5, $6, $7, $8 FROM patient p \
                       WHERE p.national_id = $2 AND p.clinic_id = $1 \
                       RETURNING id",
                    )
                    .bind(clinic.0)
                    .bind(patient.as_str())
                    .bind(invitations.timebook.0)
                    .bind(message)
                    .bind(opens_at)
                    .bind(expires_at)
                    .bind(now)
                    .bind(actor.identifier()),
                )
                .await?;
            let Some((id,)) = id else {
                report.rejected.push((patient.clone(), Refusal::NotOnList));
                continue;
            };
            let job = Job {
                clinic,
                kind: NotificationKind::Invited,
                action: AuditAction::InvitationSent,
                invitation: id,
                patient,
                at: now,
            };
            enqueue(&mut tx, actor, job).await?;
            report.invited.push(patient.clone());
        }
        tx.commit().await?;
        Ok(report)
    }

    async fn invitations(
        &self,
        actor: &Actor,
        clinic: ClinicId,
        timebook: TimebookId,
    ) -> Result<Vec<Invitation>> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        self.own_timebook(&mut tx, clinic, timebook).await?;
        let rows: Vec<InvitationRow> = tx
            .fetch_all(
                q("SELECT i.id, i.timebook_id, i.national_id, p.first_name, p.last_name, \
                     i.message, i.opens_at, i.expires_at, i.sent_at, i.reminded_at, \
                     i.booked_appointment_id \
                   FROM invitation i \
                   LEFT JOIN patient p ON p.national_id = i.national_id AND p.clinic_id = i.clinic_id \
                   WHERE i.clinic_id = $1 AND i.timebook_id = $2 \
                   ORDER BY i.sent_at DESC, i.id DESC")
                .bind(clinic.0)
                .bind(timebook.0),
            )
            .await?;
        let invitations = rows
            .into_iter()
            .map(|row| row.into_domain(now))
            .collect::<Result<Vec<_>>>()?;
        for invitation in &invitations {
            record(
                &mut tx,
                Entry {
                    at: now.as_second(),
                    actor,
                    action: AuditAction::InvitationsViewed,
                    clinic_id: Some(clinic.0),
                    patient: Some(&invitation.patient),
                    subject: format!("invitation:{}", invitation.id),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(invitations)
    }

    async fn remind(&self, actor: &Actor, clinic: ClinicId, timebook: TimebookId) -> Result<u64> {
        let now = self.now();
        let today = self.start_of(now.to_zoned_datetime(self.zone.clone()).date())?;
        let now = now.as_second();
        let mut tx = self.db.begin_write().await?;
        self.own_timebook(&mut tx, clinic, timebook).await?;
        let due: Vec<(i64, String)> = tx
            .fetch_all(
                q("SELECT i.id, i.national_id FROM invitation i \
                   WHERE i.clinic_id = $1 AND i.timebook_id = $2 \
                     AND i.booked_appointment_id IS NULL AND i.expires_at > $3 \
                     AND (i.reminded_at IS NULL OR i.reminded_at < $4) \
                   ORDER BY i.id")
                .bind(clinic.0)
                .bind(timebook.0)
                .bind(now)
                .bind(today),
            )
            .await?;
        for (id, patient) in &due {
            let patient = rows::national_id(patient, "invitation.national_id")?;
            tx.execute(
                q("UPDATE invitation SET reminded_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(*id),
            )
            .await?;
            let job = Job {
                clinic,
                kind: NotificationKind::InvitationReminder,
                action: AuditAction::InvitationReminded,
                invitation: *id,
                patient: &patient,
                at: now,
            };
            enqueue(&mut tx, actor, job).await?;
        }
        tx.commit().await?;
        Ok(u64::try_from(due.len()).unwrap_or(u64::MAX))
    }
}
