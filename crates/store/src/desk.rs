//! The clinic's desk: finding a patient who phones on the clinic's own list, and the week of
//! one place with every slot's state. Staff book, move and cancel through the booking core
//! (`Booking`); this is only what they read, and each patient shown is an audited access.

use crate::audit::{Entry, record};
use crate::booking::rules;
use crate::db::named::{Env, Positional};
use crate::db::{Database, Executor, Statement, Transaction};
use crate::rows::{PatientRow, SlotRow, national_id, slot_columns, valid};
use crate::{Result, SqlStore};
use async_trait::async_trait;
use domain::{
    Actor, AppointmentId, AppointmentStatus, AuditAction, ClinicId, DomainError, NationalId,
    Patient, PatientSearch, PersonName, Reason, ResourceId, Slot,
};
use jiff::civil::Date;
use std::sync::LazyLock;

/// A patient on the clinic's list, as «Finn pasient» shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundPatient {
    pub patient: Patient,
    /// The clinic has blocked them: self-service is closed, the office still books.
    pub blocked: bool,
}

/// A standing appointment in a slot of the week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekAppointment {
    pub id: AppointmentId,
    pub patient: NationalId,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub reason: Reason,
    pub status: AppointmentStatus,
}

/// A slot of the week with what fills it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekSlot {
    pub slot: Slot,
    /// Places neither booked nor held by a live hold: what anyone could still book.
    pub places_left: u32,
    /// Places held by patients reviewing a booking.
    pub held: u32,
    /// Its bookings that stand (booked, fulfilled or no-show), in the order they were made.
    pub appointments: Vec<WeekAppointment>,
}

#[async_trait]
pub trait Desk: Send + Sync {
    /// The patients on the clinic's own list that match, at most `limit`, by name. Another
    /// clinic's patient is never found. Each patient shown is an audited access.
    async fn find_patients(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        search: &PatientSearch,
        limit: u32,
    ) -> Result<Vec<FoundPatient>>;

    /// The slots of one of the clinic's places starting between two local dates, both
    /// included, by start. Each patient shown is an audited access.
    async fn place_week(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        resource: ResourceId,
        from: Date,
        to: Date,
    ) -> Result<Vec<WeekSlot>>;
}

/// A clinic's patient with whether it blocked them.
const FOUND: &str = "SELECT p.national_id, p.clinic_id, p.first_name, p.last_name, \
       EXISTS (SELECT 1 FROM block b WHERE b.clinic_id = p.clinic_id \
         AND b.national_id = p.national_id) AS blocked \
     FROM patient p WHERE p.clinic_id = :clinic";

static BY_NATIONAL_ID: LazyLock<Positional> =
    LazyLock::new(|| Positional::new(&format!("{FOUND} AND p.national_id = :patient")));

/// A first sieve by name: each word as a `LIKE` pattern on the lower-cased name. SQLite lowers
/// only ASCII, so letters beyond it are wildcards here and the exact match is made after.
static BY_NAME: LazyLock<Positional> = LazyLock::new(|| {
    let word =
        |n: usize| format!("LOWER(p.first_name || ' ' || p.last_name) LIKE :word{n} ESCAPE '\\'");
    Positional::new(&format!(
        "{FOUND} AND {} AND {} AND {} \
         ORDER BY p.last_name, p.first_name, p.national_id LIMIT :limit",
        word(1),
        word(2),
        word(3)
    ))
});

/// The slots of a place in a stretch of time, with the places a booking could still take:
/// the same count of live holds the booking core refuses by.
static WEEK_SLOTS: LazyLock<Positional> = LazyLock::new(|| {
    let columns = slot_columns!()
        .split(',')
        .map(|c| format!("s.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    Positional::new(&format!(
        "SELECT {columns}, {} AS places_left FROM slot s \
         WHERE s.clinic_id = :clinic AND s.resource_id = :place \
           AND s.starts_at >= :from AND s.starts_at < :to \
         ORDER BY s.starts_at, s.id",
        rules::places_left("NULL")
    ))
});

static WEEK_APPOINTMENTS: LazyLock<Positional> = LazyLock::new(|| {
    Positional::new(
        "SELECT a.id, a.slot_id, a.national_id, p.first_name, p.last_name, a.reason, a.status \
         FROM appointment a JOIN slot s ON s.id = a.slot_id \
           JOIN patient p ON p.national_id = a.national_id \
         WHERE a.clinic_id = :clinic AND s.resource_id = :place \
           AND a.starts_at >= :from AND a.starts_at < :to \
           AND a.status IN ('booked', 'fulfilled', 'no_show') \
         ORDER BY a.booked_at, a.id",
    )
});

#[derive(sqlx::FromRow)]
struct FoundRow {
    #[sqlx(flatten)]
    patient: PatientRow,
    blocked: bool,
}

#[derive(sqlx::FromRow)]
struct WeekSlotRow {
    #[sqlx(flatten)]
    slot: SlotRow,
    places_left: i64,
}

#[derive(sqlx::FromRow)]
struct WeekAppointmentRow {
    id: i64,
    slot_id: i64,
    national_id: String,
    first_name: String,
    last_name: String,
    reason: String,
    status: String,
}

/// A word as a `LIKE` pattern: its own `%`, `_` and `\` escaped, letters beyond ASCII any
/// one character.
fn like_pattern(word: &str) -> String {
    let mut pattern = String::from("%");
    for c in word.chars() {
        match c {
            '%' | '_' | '\\' => {
                pattern.push('\\');
                pattern.push(c);
            }
            c if c.is_ascii() => pattern.push(c),
            _ => pattern.push('_'),
        }
    }
    pattern.push('%');
    pattern
}

impl<D: Database> SqlStore<D> {
    async fn audit_shown(
        &self,
        tx: &mut impl Transaction,
        actor: &Actor,
        clinic_id: ClinicId,
        shown: &[(&NationalId, String)],
        action: AuditAction,
    ) -> Result<()> {
        let now = self.now().as_second();
        for (patient, subject) in shown {
            record(
                tx,
                Entry {
                    at: now,
                    actor,
                    action,
                    clinic_id: Some(clinic_id.0),
                    patient: Some(patient),
                    subject: subject.clone(),
                },
            )
            .await?;
        }
        Ok(())
    }
}

#[async_trait]
impl<D: Database> Desk for SqlStore<D> {
    async fn find_patients(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        search: &PatientSearch,
        limit: u32,
    ) -> Result<Vec<FoundPatient>> {
        let env = Env::new().with("clinic", clinic_id.0);
        let mut tx = self.db.begin_write().await?;
        let rows: Vec<FoundRow> = match search {
            PatientSearch::NationalId(patient) => {
                let env = env.with("patient", patient.as_str());
                tx.fetch_all(Statement::named(&BY_NATIONAL_ID, &env))
                    .await?
            }
            PatientSearch::Name(words) => {
                let mut env = env.with("limit", i64::from(limit).saturating_mul(4));
                for (n, name) in ["word1", "word2", "word3"].into_iter().enumerate() {
                    let pattern = words.get(n).map_or("%".to_owned(), |w| like_pattern(w));
                    env.set(name, pattern.into());
                }
                tx.fetch_all(Statement::named(&BY_NAME, &env)).await?
            }
        };
        let mut found = Vec::new();
        for row in rows {
            let Some(patient) = row.patient.into_domain()? else {
                continue;
            };
            if let PatientSearch::Name(words) = search
                && !PatientSearch::matches(
                    words,
                    patient.first_name.as_str(),
                    patient.last_name.as_str(),
                )
            {
                continue;
            }
            found.push(FoundPatient {
                patient,
                blocked: row.blocked,
            });
        }
        found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let shown: Vec<_> = found
            .iter()
            .map(|f| {
                (
                    &f.patient.national_id,
                    format!("patient-list:{}", clinic_id.0),
                )
            })
            .collect();
        self.audit_shown(&mut tx, actor, clinic_id, &shown, AuditAction::PatientFound)
            .await?;
        tx.commit().await?;
        Ok(found)
    }

    async fn place_week(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        resource: ResourceId,
        from: Date,
        to: Date,
    ) -> Result<Vec<WeekSlot>> {
        if to < from {
            return Err(DomainError::DatesReversed.into());
        }
        let day_after = to.tomorrow().map_err(|_| DomainError::DatesReversed)?;
        let env = Env::new()
            .with("now", self.now().as_second())
            .with("clinic", clinic_id.0)
            .with("place", resource.0)
            .with("from", self.start_of(from)?)
            .with("to", self.start_of(day_after)?);
        let mut tx = self.db.begin_write().await?;
        let slots: Vec<WeekSlotRow> = tx.fetch_all(Statement::named(&WEEK_SLOTS, &env)).await?;
        let appointments: Vec<WeekAppointmentRow> = tx
            .fetch_all(Statement::named(&WEEK_APPOINTMENTS, &env))
            .await?;
        let mut week = Vec::with_capacity(slots.len());
        for row in slots {
            let slot = row.slot.into_domain()?;
            let places_left = u32::try_from(row.places_left.max(0)).unwrap_or(0);
            let taken = u32::from(slot.booked);
            let held = u32::from(slot.capacity.get())
                .saturating_sub(taken)
                .saturating_sub(places_left);
            week.push(WeekSlot {
                slot,
                places_left,
                held,
                appointments: Vec::new(),
            });
        }
        for row in appointments {
            let Some(slot) = week.iter_mut().find(|w| w.slot.id.0 == row.slot_id) else {
                continue;
            };
            slot.appointments.push(WeekAppointment {
                id: AppointmentId(row.id),
                patient: national_id(&row.national_id, "appointment.national_id")?,
                first_name: valid(PersonName::parse(&row.first_name), "patient.first_name")?,
                last_name: valid(PersonName::parse(&row.last_name), "patient.last_name")?,
                reason: valid(Reason::parse(&row.reason), "appointment.reason")?,
                status: valid(AppointmentStatus::parse(&row.status), "appointment.status")?,
            });
        }
        let shown: Vec<_> = week
            .iter()
            .flat_map(|w| &w.appointments)
            .map(|a| (&a.patient, format!("appointment:{}", a.id.0)))
            .collect();
        self.audit_shown(
            &mut tx,
            actor,
            clinic_id,
            &shown,
            AuditAction::AppointmentViewed,
        )
        .await?;
        tx.commit().await?;
        Ok(week)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_words_own_wildcards_are_escaped_and_letters_beyond_ascii_are_any_one() {
        assert_eq!(like_pattern("kari"), "%kari%");
        assert_eq!(like_pattern("50%_\\"), "%50\\%\\_\\\\%");
        assert_eq!(like_pattern("ærlig"), "%_rlig%");
    }
}
