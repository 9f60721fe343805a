//! Where patients come (oppmøtesteder), the clinic's timebooks with their rules, and the
//! places (steder) of each timebook.

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Transaction, q};
use crate::notifications::give_default_reminders;
use crate::rows::{LocationRow, TimebookRow, timebook_columns, valid};
use crate::{Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{
    Actor, Address, AppointmentType, AppointmentTypeId, AppointmentTypeName, Attendance,
    AuditAction, BookingRules, ClinicId, Description, DomainError, Location, PractitionerId,
    Resource, ResourceId, ResourceName, SlotLength, Timebook, TimebookId, TimebookKind,
};

#[async_trait]
pub trait Places: Send + Sync {
    async fn save_location(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        address: &Address,
    ) -> Result<Location>;
    /// Creates the clinic's timebook of `kind` or updates its rules.
    async fn save_timebook(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        kind: TimebookKind,
        rules: BookingRules,
    ) -> Result<Timebook>;
    async fn timebooks(&self, clinic_id: ClinicId) -> Result<Vec<Timebook>>;
    /// Creates or updates the timebook's place `name`. A place of a timebook of GPs
    /// («Konsultasjon med fastlegen») is `practitioner`'s, one of the clinic's GPs; no other
    /// timebook's place is anyone's.
    async fn save_resource(
        &self,
        actor: &Actor,
        timebook_id: TimebookId,
        place: &NewPlace<'_>,
        location: &Location,
    ) -> Result<Resource>;
    async fn resources(&self, timebook_id: TimebookId) -> Result<Vec<Resource>>;
    /// Creates the timebook's type of appointment `name`, or updates its length and attendance.
    async fn save_appointment_type(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        timebook_id: TimebookId,
        kind: &NewAppointmentType,
    ) -> Result<AppointmentType>;
    /// The timebook's types of appointment, shortest first.
    async fn appointment_types(&self, timebook_id: TimebookId) -> Result<Vec<AppointmentType>>;
}

/// A place (sted) as the office describes it.
#[derive(Debug, Clone, Copy)]
pub struct NewPlace<'a> {
    pub name: &'a ResourceName,
    pub description: &'a Description,
    pub practitioner: Option<PractitionerId>,
}

/// A type of appointment as the office describes it.
#[derive(Debug, Clone)]
pub struct NewAppointmentType {
    pub name: AppointmentTypeName,
    pub length: SlotLength,
    pub attendance: Attendance,
}

#[derive(sqlx::FromRow)]
struct AppointmentTypeRow {
    id: i64,
    timebook_id: i64,
    name: String,
    length_minutes: i64,
    attendance: String,
}

impl AppointmentTypeRow {
    fn into_domain(self) -> Result<AppointmentType> {
        Ok(AppointmentType {
            id: AppointmentTypeId(self.id),
            timebook_id: TimebookId(self.timebook_id),
            name: valid(
                AppointmentTypeName::parse(&self.name),
                "appointment_type.name",
            )?,
            length: valid(
                SlotLength::minutes(self.length_minutes),
                "appointment_type.length_minutes",
            )?,
            attendance: Attendance::parse(&self.attendance)
                .ok_or(StoreError::Corrupt("appointment_type.attendance"))?,
        })
    }
}

/// Marks the timebook's future slots changed, in `tx`: a setting of the timebook (its window,
/// how patients book) decides which of them a slot finder sees as free, and a finder that
/// reads what changed since must hear of them.
pub(crate) async fn timebook_changed_for_finders<T: Transaction>(
    tx: &mut T,
    timebook: TimebookId,
    now: i64,
) -> Result<()> {
    tx.execute(
        q("UPDATE slot SET changed_at = $2 WHERE timebook_id = $1 AND starts_at > $2")
            .bind(timebook.0)
            .bind(now),
    )
    .await?;
    Ok(())
}

/// Checks that a place of a timebook of `kind` is a GP's exactly when the kind is bound to
/// GPs, and that the GP is the clinic's; answers the GP's place there already, if any. A GP's
/// place is found by its GP, so that renaming it keeps one place per GP.
async fn gps_place<T: Transaction>(
    tx: &mut T,
    (clinic_id, timebook_id, kind): (i64, TimebookId, TimebookKind),
    place: &NewPlace<'_>,
) -> Result<Option<(i64,)>> {
    if kind.practitioner_bound() != place.practitioner.is_some() {
        return Err(DomainError::PractitionerPlace.into());
    }
    let Some(practitioner) = place.practitioner else {
        return Ok(None);
    };
    let theirs: Option<(i64,)> = tx
        .fetch_optional(
            q("SELECT id FROM practitioner WHERE id = $1 AND clinic_id = $2")
                .bind(practitioner.0)
                .bind(clinic_id),
        )
        .await?;
    if theirs.is_none() {
        return Err(StoreError::NotFound("practitioner"));
    }
    tx.fetch_optional(
        q("SELECT id FROM resource WHERE timebook_id = $1 AND practitioner_id = $2")
            .bind(timebook_id.0)
            .bind(practitioner.0),
    )
    .await
}

#[async_trait]
impl<D: Database> Places for SqlStore<D> {
    async fn save_location(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        address: &Address,
    ) -> Result<Location> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let row: LocationRow = tx
            .fetch_one(
                q("INSERT INTO location (clinic_id, address) VALUES ($1, $2) \
                   ON CONFLICT (clinic_id, address) DO UPDATE SET address = excluded.address \
                   RETURNING id, clinic_id, address")
                .bind(clinic_id.0)
                .bind(address.as_str()),
            )
            .await?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::LocationSaved,
                clinic_id: Some(clinic_id.0),
                patient: None,
                subject: format!("location:{}", row.id),
            },
        )
        .await?;
        tx.commit().await?;
        row.into_domain()
    }

    async fn save_timebook(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        kind: TimebookKind,
        rules: BookingRules,
    ) -> Result<Timebook> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let existing: Option<(i64,)> = tx
            .fetch_optional(
                q("SELECT id FROM timebook WHERE clinic_id = $1 AND kind = $2")
                    .bind(clinic_id.0)
                    .bind(kind.code()),
            )
            .await?;
        let row: TimebookRow = tx
            .fetch_one(
                q(concat!(
                    "INSERT INTO timebook (clinic_id, kind, min_notice_minutes, horizon_days, \
                     cancel_deadline_minutes, max_future_appointments) \
                   VALUES ($1, $2, $3, $4, $5, $6) \
                   ON CONFLICT (clinic_id, kind) DO UPDATE SET \
                     min_notice_minutes = excluded.min_notice_minutes, \
                     horizon_days = excluded.horizon_days, \
                     cancel_deadline_minutes = excluded.cancel_deadline_minutes, \
                     max_future_appointments = excluded.max_future_appointments \
                   RETURNING ",
                    timebook_columns!()
                ))
                .bind(clinic_id.0)
                .bind(kind.code())
                .bind(i64::from(rules.min_notice_minutes()))
                .bind(i64::from(rules.horizon_days()))
                .bind(i64::from(rules.cancel_deadline_minutes()))
                .bind(i64::from(rules.max_future_appointments())),
            )
            .await?;
        if existing.is_none() {
            give_default_reminders(&mut tx, row.id, now).await?;
        }
        // The booking window decides which slots a finder sees as free.
        timebook_changed_for_finders(&mut tx, TimebookId(row.id), now).await?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::TimebookSaved,
                clinic_id: Some(clinic_id.0),
                patient: None,
                subject: format!("timebook:{}", row.id),
            },
        )
        .await?;
        tx.commit().await?;
        row.into_domain()
    }

    async fn timebooks(&self, clinic_id: ClinicId) -> Result<Vec<Timebook>> {
        let rows: Vec<TimebookRow> = self
            .db
            .pool()
            .fetch_all(
                q(concat!(
                    "SELECT ",
                    timebook_columns!(),
                    " FROM timebook WHERE clinic_id = $1 ORDER BY id"
                ))
                .bind(clinic_id.0),
            )
            .await?;
        rows.into_iter().map(TimebookRow::into_domain).collect()
    }

    async fn save_resource(
        &self,
        actor: &Actor,
        timebook_id: TimebookId,
        place: &NewPlace<'_>,
        location: &Location,
    ) -> Result<Resource> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let (clinic_id, kind): (i64, String) = tx
            .fetch_optional(
                q("SELECT clinic_id, kind FROM timebook WHERE id = $1").bind(timebook_id.0),
            )
            .await?
            .ok_or(StoreError::NotFound("timebook"))?;
        if clinic_id != location.clinic_id.0 {
            return Err(StoreError::NotFound("location"));
        }
        let kind = valid(TimebookKind::parse(&kind), "timebook.kind")?;
        let existing = gps_place(&mut tx, (clinic_id, timebook_id, kind), place).await?;
        let (id,): (i64,) = match existing {
            Some((id,)) => {
                tx.fetch_one(
                    q("UPDATE resource SET name = $2, description = $3, location_id = $4 \
                       WHERE id = $1 RETURNING id")
                    .bind(id)
                    .bind(place.name.as_str())
                    .bind(place.description.as_str())
                    .bind(location.id.0),
                )
                .await?
            }
            None => {
                tx.fetch_one(
                    q("INSERT INTO resource (clinic_id, timebook_id, name, description, location_id, \
                         practitioner_id) \
                       VALUES ($1, $2, $3, $4, $5, $6) \
                       ON CONFLICT (timebook_id, name) DO UPDATE SET \
                         description = excluded.description, location_id = excluded.location_id \
                       RETURNING id")
                    .bind(clinic_id)
                    .bind(timebook_id.0)
                    .bind(place.name.as_str())
                    .bind(place.description.as_str())
                    .bind(location.id.0)
                    .bind(place.practitioner.map(|p| p.0)),
                )
                .await?
            }
        };
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::ResourceSaved,
                clinic_id: Some(clinic_id),
                patient: None,
                subject: format!("resource:{id}"),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Resource {
            id: ResourceId(id),
            timebook_id,
            name: place.name.clone(),
            description: place.description.clone(),
            location: location.clone(),
            practitioner: place.practitioner,
        })
    }

    async fn resources(&self, timebook_id: TimebookId) -> Result<Vec<Resource>> {
        self.resources_of(timebook_id).await
    }

    async fn save_appointment_type(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        timebook_id: TimebookId,
        kind: &NewAppointmentType,
    ) -> Result<AppointmentType> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let own: Option<(i64,)> = tx
            .fetch_optional(
                q("SELECT id FROM timebook WHERE id = $1 AND clinic_id = $2")
                    .bind(timebook_id.0)
                    .bind(clinic_id.0),
            )
            .await?;
        if own.is_none() {
            return Err(StoreError::NotFound("timebook"));
        }
        let row: AppointmentTypeRow = tx
            .fetch_one(
                q(
                    "INSERT INTO appointment_type (clinic_id, timebook_id, name, length_minutes, \
                     attendance) VALUES ($1, $2, $3, $4, $5) \
                   ON CONFLICT (timebook_id, name) DO UPDATE SET \
                     length_minutes = excluded.length_minutes, attendance = excluded.attendance \
                   RETURNING id, timebook_id, name, length_minutes, attendance",
                )
                .bind(clinic_id.0)
                .bind(timebook_id.0)
                .bind(kind.name.as_str())
                .bind(i64::from(kind.length.as_minutes()))
                .bind(kind.attendance.code()),
            )
            .await?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::AppointmentTypeSaved,
                clinic_id: Some(clinic_id.0),
                patient: None,
                subject: format!("appointment_type:{}", row.id),
            },
        )
        .await?;
        tx.commit().await?;
        row.into_domain()
    }

    async fn appointment_types(&self, timebook_id: TimebookId) -> Result<Vec<AppointmentType>> {
        let rows: Vec<AppointmentTypeRow> = self
            .db
            .pool()
            .fetch_all(
                q("SELECT id, timebook_id, name, length_minutes, attendance FROM appointment_type \
                   WHERE timebook_id = $1 ORDER BY length_minutes, id")
                .bind(timebook_id.0),
            )
            .await?;
        rows.into_iter()
            .map(AppointmentTypeRow::into_domain)
            .collect()
    }
}
