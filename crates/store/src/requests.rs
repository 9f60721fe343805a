//! Timeønske: a patient asks for a time instead of picking a slot, and the office answers.
//!
//! A timebook says whether its patients pick free slots, send requests, or either
//! ([`domain::BookingMode`]). A request names what it is about ([`domain::Reason`], as a
//! booking does) and the days and times that suit ([`domain::WaitlistWish`], as a waitlist
//! entry does). The office answers it in one of two ways:
//!
//! - with an appointment: staff choose a slot and book it through the booking core as their
//!   own caller, as the desk does; the core's book program marks the request answered in the
//!   booking's own transaction, and refuses when it is no longer open (`Stale`), so that two
//!   answers never both stand. The core's booking notice tells the patient.
//! - with a reply: a message from the office in a new thread with the request's reason as its
//!   subject, told to the patient (or the one who sent it for them) as any reply is.
//!
//! Both answers take the patient's lock first, as every booking program does, so that they
//! come one after the other. A patient the clinic has blocked gets the guide's automatic reply
//! at once, as a message does: the request is kept, closed, and never shown to the office as
//! open.

use crate::audit::{Entry, record};
use crate::booking::rules;
use crate::db::named::{Env, Positional};
use crate::db::{Database, Executor, Statement, Transaction, q};
use crate::rows::{self, valid};
use crate::{BookRequest, Booked, Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{
    Actor, AppointmentId, AuditAction, BookingMode, Caller, ClinicId, ClinicName, MessageText,
    NationalId, PersonName, Reason, Refusal, SlotId, Subject, ThreadId, TimebookId, TimebookKind,
    WaitlistWish,
};
use jiff::Timestamp;
use std::sync::LazyLock;

/// What a patient asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub timebook: TimebookId,
    pub reason: Reason,
    pub wish: WaitlistWish,
}

/// What sending came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Waiting for the office's answer, as request `id`.
    Open(i64),
    /// The clinic has blocked the patient: answered with the guide's automatic reply and
    /// closed at once, as request `id`.
    AutomaticReply(i64),
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestState {
    /// Sent, for the office to answer.
    Open,
    /// Answered with an appointment.
    Booked,
    /// Answered with a reply in a thread.
    Replied,
    /// The guide's automatic reply to a blocked patient.
    AutomaticReply,
}

/// One request, as the patient's list and the office's pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentRequest {
    pub id: i64,
    pub clinic_id: ClinicId,
    pub clinic_name: ClinicName,
    pub timebook_id: TimebookId,
    pub kind: TimebookKind,
    pub patient: NationalId,
    /// First and last name while the patient is on the clinic's list.
    pub name: Option<(PersonName, PersonName)>,
    pub reason: Reason,
    pub wish: WaitlistWish,
    pub created_at: Timestamp,
    pub state: RequestState,
    pub answered_at: Option<Timestamp>,
    /// The appointment it was answered with, and when that starts.
    pub appointment: Option<(AppointmentId, Timestamp)>,
    /// The thread it was answered in, and the reply's text.
    pub reply: Option<(ThreadId, MessageText)>,
}

#[async_trait]
pub trait AppointmentRequests: Send + Sync {
    /// How the timebook's patients ask for a time. Not found for no timebook.
    async fn booking_mode(&self, timebook: TimebookId) -> Result<BookingMode>;
    /// Staff set how the timebook's patients ask for a time. Audited; not found for another
    /// clinic's timebook.
    async fn set_booking_mode(
        &self,
        actor: &Actor,
        clinic: ClinicId,
        timebook: TimebookId,
        mode: BookingMode,
    ) -> Result<()>;
    /// The patient (or someone acting for them: the caller) asks for a time. Refused as the
    /// timebook's slots are (not in reach, service off, not on the list) and for a timebook
    /// that takes no requests (`ServiceOff`); a blocked patient gets the automatic reply.
    async fn send_request(
        &self,
        caller: &Caller,
        patient: &NationalId,
        request: &NewRequest,
    ) -> Result<Sent>;
    /// The patient's requests, the latest first.
    async fn patient_requests(&self, patient: &NationalId) -> Result<Vec<AppointmentRequest>>;
    /// One of the patient's own requests; not found for anyone else's.
    async fn patient_request(&self, patient: &NationalId, id: i64) -> Result<AppointmentRequest>;
    /// How many requests wait for the clinic's answer: a count, no patient's data.
    async fn open_request_count(&self, clinic: ClinicId) -> Result<u64>;
    /// The clinic's open requests, oldest first, each an audited view.
    async fn clinic_requests(
        &self,
        actor: &Actor,
        clinic: ClinicId,
    ) -> Result<Vec<AppointmentRequest>>;
    /// One of the clinic's requests, in any state: an audited view. Not found for another
    /// clinic's.
    async fn clinic_request(
        &self,
        actor: &Actor,
        clinic: ClinicId,
        id: i64,
    ) -> Result<AppointmentRequest>;
    /// «Gi time»: books `slot` for the request's patient with its reason, through the booking
    /// core as the office's `caller`, and marks the request answered in the same
    /// transaction. Refused as the desk's booking is; a request no longer open, or a slot of
    /// another timebook, is `Stale`. Not found for another clinic's request.
    async fn answer_with_appointment(
        &self,
        caller: &Caller,
        clinic: ClinicId,
        id: i64,
        slot: SlotId,
    ) -> Result<Booked>;
    /// «Svar»: answers the open request with a reply in a new thread to the patient, who is
    /// told as of any reply. `Stale` when it is no longer open.
    async fn answer_with_reply(
        &self,
        actor: &Actor,
        clinic: ClinicId,
        id: i64,
        text: &MessageText,
    ) -> Result<ThreadId>;
}

/// A request's columns as [`RequestRow`] reads them, with its clinic `c`, timebook `t`,
/// patient `p` and appointment `a`, where `condition` holds.
fn requests(condition: &str) -> Positional {
    Positional::new(&format!(
        "SELECT q.id, q.clinic_id, c.name AS clinic_name, q.timebook_id, t.kind, q.national_id, \
           p.first_name, p.last_name, q.reason, q.weekdays, q.from_minute, q.to_minute, \
           q.opens_at, q.closes_at, q.created_at, q.state, q.answered_at, q.appointment_id, \
           a.starts_at AS appointment_start, q.thread_id, \
           (SELECT m.body FROM message m WHERE m.thread_id = q.thread_id ORDER BY m.id LIMIT 1) \
             AS reply \
         FROM appointment_request q \
           JOIN clinic c ON c.id = q.clinic_id \
           JOIN timebook t ON t.id = q.timebook_id \
           LEFT JOIN patient p ON p.national_id = q.national_id AND p.clinic_id = q.clinic_id \
           LEFT JOIN appointment a ON a.id = q.appointment_id \
         WHERE {condition}"
    ))
}

static PATIENT_REQUESTS: LazyLock<Positional> =
    LazyLock::new(|| requests("q.national_id = :patient ORDER BY q.created_at DESC, q.id DESC"));

static PATIENT_REQUEST: LazyLock<Positional> =
    LazyLock::new(|| requests("q.national_id = :patient AND q.id = :request"));

static CLINIC_REQUESTS: LazyLock<Positional> = LazyLock::new(|| {
    requests("q.clinic_id = :clinic AND q.state = 'open' ORDER BY q.created_at, q.id")
});

static CLINIC_REQUEST: LazyLock<Positional> =
    LazyLock::new(|| requests("q.clinic_id = :clinic AND q.id = :request"));

/// What sending a request asks of the patient and the timebook, and whether the clinic has
/// blocked them, by the booking rules' own conditions.
static SENDABLE: LazyLock<Positional> = LazyLock::new(|| {
    Positional::new(&format!(
        "SELECT {}, t.clinic_id, ({}) AS blocked FROM timebook t WHERE t.id = :timebook",
        rules::request_rules(":patient").case(),
        rules::not_blocked(":patient").refuses,
    ))
});

/// The patient's lock, as the booking programs take it first.
static LOCK_PATIENT: LazyLock<Positional> =
    LazyLock::new(|| Positional::new(crate::booking::programs::PATIENT_LOCK));

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: i64,
    clinic_id: i64,
    clinic_name: String,
    timebook_id: i64,
    kind: String,
    national_id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    reason: String,
    weekdays: i64,
    from_minute: i64,
    to_minute: i64,
    opens_at: i64,
    closes_at: i64,
    created_at: i64,
    state: String,
    answered_at: Option<i64>,
    appointment_id: Option<i64>,
    appointment_start: Option<i64>,
    thread_id: Option<i64>,
    reply: Option<String>,
}

impl<D: Database> SqlStore<D> {
    fn request(&self, row: RequestRow) -> Result<AppointmentRequest> {
        let wish = self.stored_wish(
            row.weekdays,
            (row.from_minute, row.to_minute),
            (row.opens_at, row.closes_at),
        )?;
        let name = match (row.first_name, row.last_name) {
            (Some(first), Some(last)) => Some((
                valid(PersonName::parse(&first), "patient.first_name")?,
                valid(PersonName::parse(&last), "patient.last_name")?,
            )),
            _ => None,
        };
        let appointment = match (row.appointment_id, row.appointment_start) {
            (Some(id), Some(start)) => Some((
                AppointmentId(id),
                rows::instant(start, "appointment.starts_at")?,
            )),
            _ => None,
        };
        let reply = match (row.thread_id, row.reply) {
            (Some(thread), Some(text)) => Some((
                ThreadId(thread),
                valid(MessageText::parse(&text), "message.body")?,
            )),
            _ => None,
        };
        Ok(AppointmentRequest {
            id: row.id,
            clinic_id: ClinicId(row.clinic_id),
            clinic_name: valid(ClinicName::parse(&row.clinic_name), "clinic.name")?,
            timebook_id: TimebookId(row.timebook_id),
            kind: valid(TimebookKind::parse(&row.kind), "timebook.kind")?,
            patient: rows::national_id(&row.national_id, "appointment_request.national_id")?,
            name,
            reason: valid(Reason::parse(&row.reason), "appointment_request.reason")?,
            wish,
            created_at: rows::instant(row.created_at, "appointment_request.created_at")?,
            state: match row.state.as_str() {
                "open" => RequestState::Open,
                "booked" => RequestState::Booked,
                "replied" => RequestState::Replied,
                "automatic" => RequestState::AutomaticReply,
                _ => return Err(StoreError::Corrupt("appointment_request.state")),
            },
            answered_at: row
                .answered_at
                .map(|at| rows::instant(at, "appointment_request.answered_at"))
                .transpose()?,
            appointment,
            reply,
        })
    }

    async fn requests_of(
        &self,
        tx: &mut impl Executor,
        statement: &Positional,
        env: &Env,
    ) -> Result<Vec<AppointmentRequest>> {
        let rows: Vec<RequestRow> = tx.fetch_all(Statement::named(statement, env)).await?;
        rows.into_iter().map(|row| self.request(row)).collect()
    }

    /// The clinic's request `id`, read in `tx` and audited there as `action`.
    async fn audited_request(
        &self,
        tx: &mut impl Executor,
        (actor, clinic): (&Actor, ClinicId),
        id: i64,
        action: AuditAction,
    ) -> Result<AppointmentRequest> {
        let now = self.now().as_second();
        let env = Env::new().with("clinic", clinic.0).with("request", id);
        let request = self
            .requests_of(tx, &CLINIC_REQUEST, &env)
            .await?
            .pop()
            .ok_or(StoreError::NotFound("appointment request"))?;
        record(
            tx,
            Entry {
                at: now,
                actor,
                action,
                clinic_id: Some(clinic.0),
                patient: Some(&request.patient),
                subject: format!("appointment_request:{id}"),
            },
        )
        .await?;
        Ok(request)
    }
}

/// The office's reply as the first message of `thread`, told to the patient (or the one who
/// sent the request for them) as any reply in a thread is.
async fn write_reply(
    tx: &mut impl Executor,
    (actor, clinic): (&Actor, ClinicId),
    thread: i64,
    text: &MessageText,
    now: i64,
) -> Result<()> {
    tx.execute(
        q(
            "INSERT INTO message (clinic_id, thread_id, sender, staff_user, body, sent_at) \
           VALUES ($1, $2, 'clinic', $3, $4, $5)",
        )
        .bind(clinic.0)
        .bind(thread)
        .bind(actor.identifier())
        .bind(text.as_str())
        .bind(now),
    )
    .await?;
    for notice in crate::messages::REPLY_NOTICES.iter() {
        tx.execute(
            q(notice.as_str())
                .bind(thread)
                .bind(crate::NotificationKind::MessageReply.code())
                .bind(now),
        )
        .await?;
    }
    Ok(())
}

#[async_trait]
impl<D: Database> AppointmentRequests for SqlStore<D> {
    async fn booking_mode(&self, timebook: TimebookId) -> Result<BookingMode> {
        let found: Option<(String,)> = self
            .db
            .pool()
            .fetch_optional(q("SELECT booking_mode FROM timebook WHERE id = $1").bind(timebook.0))
            .await?;
        let (code,) = found.ok_or(StoreError::NotFound("timebook"))?;
        valid(BookingMode::parse(&code), "timebook.booking_mode")
    }

    async fn set_booking_mode(
        &self,
        actor: &Actor,
        clinic: ClinicId,
        timebook: TimebookId,
        mode: BookingMode,
    ) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let changed = tx
            .execute(
                q("UPDATE timebook SET booking_mode = $1 WHERE id = $2 AND clinic_id = $3")
                    .bind(mode.code())
                    .bind(timebook.0)
                    .bind(clinic.0),
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound("timebook"));
        }
        // Whether patients pick slots decides which a slot finder sees as free.
        crate::register::timebook_changed_for_finders(&mut tx, timebook, now).await?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::BookingModeSaved,
                clinic_id: Some(clinic.0),
                patient: None,
                subject: format!("timebook:{}:{}", timebook.0, mode.code()),
            },
        )
        .await?;
        tx.commit().await
    }

    async fn send_request(
        &self,
        caller: &Caller,
        patient: &NationalId,
        request: &NewRequest,
    ) -> Result<Sent> {
        let now = self.now().as_second();
        let env = crate::booking::caller_inputs(caller, now)
            .with("patient", patient.as_str())
            .with("timebook", request.timebook.0);
        let (opens_at, closes_at) = self.wish_bounds(&request.wish)?;
        let (from, to) = request.wish.minutes();
        let mut tx = self.db.begin_write().await?;
        let judged: Option<(Option<String>, i64, bool)> =
            tx.fetch_optional(Statement::named(&SENDABLE, &env)).await?;
        let (clinic, blocked) = match judged {
            None => return Err(StoreError::NotFound("timebook")),
            Some((None, clinic, blocked)) => (clinic, blocked),
            Some((Some(code), _, _)) => {
                return Err(Refusal::parse(&code)
                    .map(StoreError::Refused)
                    .unwrap_or(StoreError::Corrupt("verdict")));
            }
        };
        let (state, answered_at) = if blocked {
            ("automatic", Some(now))
        } else {
            ("open", None)
        };
        let (id,): (i64,) = tx
            .fetch_one(
                q(
                    "INSERT INTO appointment_request (clinic_id, timebook_id, national_id, \
                     representative, reason, weekdays, from_minute, to_minute, opens_at, \
                     closes_at, created_at, state, answered_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                )
                .bind(clinic)
                .bind(request.timebook.0)
                .bind(patient.as_str())
                .bind(caller.representative_id().map(NationalId::as_str))
                .bind(request.reason.as_str())
                .bind(i64::from(request.wish.weekdays().mask()))
                .bind(i64::from(from))
                .bind(i64::from(to))
                .bind(opens_at)
                .bind(closes_at)
                .bind(now)
                .bind(state)
                .bind(answered_at),
            )
            .await?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor: &caller.actor,
                action: AuditAction::RequestSent,
                clinic_id: Some(clinic),
                patient: Some(patient),
                subject: format!("appointment_request:{id}"),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(if blocked {
            Sent::AutomaticReply(id)
        } else {
            Sent::Open(id)
        })
    }

    async fn patient_requests(&self, patient: &NationalId) -> Result<Vec<AppointmentRequest>> {
        let env = Env::new().with("patient", patient.as_str());
        self.requests_of(&mut self.db.pool(), &PATIENT_REQUESTS, &env)
            .await
    }

    async fn patient_request(&self, patient: &NationalId, id: i64) -> Result<AppointmentRequest> {
        let env = Env::new()
            .with("patient", patient.as_str())
            .with("request", id);
        self.requests_of(&mut self.db.pool(), &PATIENT_REQUEST, &env)
            .await?
            .pop()
            .ok_or(StoreError::NotFound("appointment request"))
    }

    async fn open_request_count(&self, clinic: ClinicId) -> Result<u64> {
        let (count,): (i64,) = self
            .db
            .pool()
            .fetch_one(
                q("SELECT COUNT(*) FROM appointment_request WHERE clinic_id = $1 AND state = 'open'")
                    .bind(clinic.0),
            )
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn clinic_requests(
        &self,
        actor: &Actor,
        clinic: ClinicId,
    ) -> Result<Vec<AppointmentRequest>> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let env = Env::new().with("clinic", clinic.0);
        let requests = self.requests_of(&mut tx, &CLINIC_REQUESTS, &env).await?;
        for request in &requests {
            record(
                &mut tx,
                Entry {
                    at: now,
                    actor,
                    action: AuditAction::RequestViewed,
                    clinic_id: Some(clinic.0),
                    patient: Some(&request.patient),
                    subject: format!("appointment_request:{}", request.id),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(requests)
    }

    async fn clinic_request(
        &self,
        actor: &Actor,
        clinic: ClinicId,
        id: i64,
    ) -> Result<AppointmentRequest> {
        let mut tx = self.db.begin_write().await?;
        let request = self
            .audited_request(&mut tx, (actor, clinic), id, AuditAction::RequestViewed)
            .await?;
        tx.commit().await?;
        Ok(request)
    }

    async fn answer_with_appointment(
        &self,
        caller: &Caller,
        clinic: ClinicId,
        id: i64,
        slot: SlotId,
    ) -> Result<Booked> {
        let env = Env::new().with("clinic", clinic.0).with("request", id);
        let request = self
            .requests_of(&mut self.db.pool(), &CLINIC_REQUEST, &env)
            .await?
            .pop()
            .ok_or(StoreError::NotFound("appointment request"))?;
        if request.state != RequestState::Open {
            return Err(StoreError::Refused(Refusal::Stale));
        }
        let booking = BookRequest {
            appointment_type: None,
            patient: request.patient,
            slot,
            reason: request.reason,
            hold: None,
            idempotency: None,
        };
        self.book_answering(caller, &booking, Some(id)).await
    }

    async fn answer_with_reply(
        &self,
        actor: &Actor,
        clinic: ClinicId,
        id: i64,
        text: &MessageText,
    ) -> Result<ThreadId> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let found: Option<(String, String, Option<String>)> = tx
            .fetch_optional(
                q(
                    "SELECT national_id, reason, representative FROM appointment_request \
                   WHERE id = $1 AND clinic_id = $2",
                )
                .bind(id)
                .bind(clinic.0),
            )
            .await?;
        let Some((patient, reason, representative)) = found else {
            return Err(StoreError::NotFound("appointment request"));
        };
        let patient = rows::national_id(&patient, "appointment_request.national_id")?;
        // Under the patient's lock, as a booking that answers the request takes it first.
        let env = Env::new().with("patient", patient.as_str());
        tx.lock(Statement::named(&LOCK_PATIENT, &env)).await?;
        let subject = valid(Subject::parse(&reason), "appointment_request.reason")?;
        let (thread,): (i64,) = tx
            .fetch_one(
                q(
                    "INSERT INTO thread (clinic_id, national_id, subject, created_at, last_at, \
                     unread_by_clinic, unread_by_patient, representative) \
                   VALUES ($1, $2, $3, $4, $4, FALSE, TRUE, $5) RETURNING id",
                )
                .bind(clinic.0)
                .bind(patient.as_str())
                .bind(subject.as_str())
                .bind(now)
                .bind(representative.as_deref()),
            )
            .await?;
        let answered = tx
            .execute(
                q(
                    "UPDATE appointment_request SET state = 'replied', thread_id = $1, \
                     answered_at = $2, answered_by = $3 \
                   WHERE id = $4 AND state = 'open'",
                )
                .bind(thread)
                .bind(now)
                .bind(actor.identifier())
                .bind(id),
            )
            .await?;
        // Answered in the meantime: the transaction, thread and all, goes.
        if answered == 0 {
            return Err(StoreError::Refused(Refusal::Stale));
        }
        write_reply(&mut tx, (actor, clinic), thread, text, now).await?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::RequestReplied,
                clinic_id: Some(clinic.0),
                patient: Some(&patient),
                subject: format!("appointment_request:{id}"),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(ThreadId(thread))
    }
}
