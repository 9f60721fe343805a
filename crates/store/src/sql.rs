//! The one implementation of [`crate::Store`] in SQL that SQLite and PostgreSQL both accept.
//!
//! `shared_store!` expands it for each backend's concrete types, because sqlx's generic
//! bounds over `Database` cost more clarity than a macro does. A backend supplies:
//! - `begin_write()`: `BEGIN IMMEDIATE` on SQLite (a deferred transaction fails with "database
//!   is locked" when it upgrades), plain `BEGIN` on PostgreSQL;
//! - `run_migrations()`: its own migration folder;
//! - the row-lock clauses: PostgreSQL locks the patient and the slot rows a booking depends on
//!   (`FOR UPDATE OF …`); SQLite needs none because its write transaction is exclusive;
//! - `reserve_slot()`, ReserverAvtale itself: a function in the database on PostgreSQL, where
//!   each statement is a network round trip, and the same steps as separate statements on
//!   SQLite. The contract suite holds both to the same behaviour.
//!
//! Lock order is always patient, then slot, so concurrent bookings cannot deadlock.

macro_rules! slot_columns {
    () => {
        "s.id, s.clinic_id, s.timebook_id, s.resource_id, s.starts_at, s.length_minutes, \
         s.capacity, s.booked, s.published"
    };
}

macro_rules! rules_columns {
    () => {
        "t.min_notice_minutes, t.horizon_days, t.cancel_deadline_minutes, t.max_future_appointments"
    };
}

/// A resource with its location, as `ResourceRow` reads it.
macro_rules! resource_select {
    () => {
        "SELECT r.id, r.timebook_id, r.name, r.description, r.location_id, l.clinic_id, l.address \
         FROM resource r JOIN location l ON l.id = r.location_id"
    };
}

macro_rules! appointment_columns {
    () => {
        "a.id, a.slot_id, a.national_id, a.reason, a.status, a.booked_at"
    };
}

macro_rules! template_columns {
    () => {
        "id, clinic_id, timebook_id, resource_id, weekdays, from_minute, to_minute, length_minutes, \
         capacity, first_day, last_day, published"
    };
}

macro_rules! shared_store {
    ($store:ty, $db:ty, lock_slot = $lock_slot:literal, lock_patient = $lock_patient:literal) => {
        use $crate::rows::*;
        use $crate::{
            AuditFilter, ClinicAppointment, Integrity, NewSlot,
            OutboxJob, PublishReport, Result, StoreError,
            StoredTemplate,
        };
        use domain::{
            Actor, Address, Appointment, AppointmentId, AppointmentStatus, AuditAction, AuditEvent,
            Block, BlockReason, BookingRules, Clinic, ClinicId, ClinicName,
            Description, DomainError, HerId, InfoText, Location, NationalId, Patient,
            PersonName, Resource, ResourceId, ResourceName, Slot, SlotId, SlotTemplate,
            TemplateId, Timebook, TimebookId, TimebookKind,
        };
        use jiff::civil::Date;

        type Conn = <$db as sqlx::Database>::Connection;

        /// An audit entry about to be written inside a change's transaction.
        struct Audit<'a> {
            at: i64,
            actor: &'a Actor,
            action: AuditAction,
            clinic_id: Option<i64>,
            patient: Option<&'a NationalId>,
            subject: String,
        }

        impl $store {
            async fn audit(conn: &mut Conn, entry: Audit<'_>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO audit_event (at, actor_kind, actor_id, action, clinic_id, national_id, subject) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(entry.at)
                .bind(entry.actor.kind())
                .bind(entry.actor.identifier())
                .bind(entry.action.code())
                .bind(entry.clinic_id)
                .bind(entry.patient.map(NationalId::as_str))
                .bind(entry.subject)
                .execute(conn)
                .await?;
                Ok(())
            }

            /// Records that a session was used, at most once a minute, so that reading a page
            /// is not a write each time.
            /// `statement` sets `last_seen_at` to $1 for token $2.
            async fn touch_session(&self, statement: &'static str, token_hash: &str, last_seen: i64, now: i64) -> Result<()> {
                if now - last_seen < 60 {
                    return Ok(());
                }
                let mut tx = self.begin_write().await?;
                sqlx::query(statement).bind(now).bind(token_hash).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            /// Sets one column of a clinic the register keeps; `statement` sets it to $2 for
            /// clinic $1 and returns the clinic.
            async fn set_clinic_field(&self, actor: &Actor, clinic_id: ClinicId, statement: &'static str, value: Option<&str>) -> Result<Clinic> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                let row: Option<ClinicRow> = sqlx::query_as(statement)
                    .bind(clinic_id.0)
                    .bind(value)
                    .fetch_optional(&mut *tx)
                    .await?;
                let row = row.ok_or(StoreError::NotFound("clinic"))?;
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action: AuditAction::ClinicSaved, clinic_id: Some(clinic_id.0), patient: None,
                    subject: format!("clinic:{}", clinic_id.0),
                })
                .await?;
                tx.commit().await?;
                row.into_domain()
            }

            async fn template_and_clinic(&self, id: TemplateId) -> Result<(StoredTemplate, i64)> {
                let row: Option<TemplateRow> = sqlx::query_as(concat!("SELECT ", $crate::sql::template_columns!(), " FROM slot_template WHERE id = $1"))
                    .bind(id.0)
                    .fetch_optional(&self.db.pool)
                    .await?;
                let row = row.ok_or(StoreError::NotFound("template"))?;
                let clinic_id = row.clinic_id;
                Ok((row.into_domain()?, clinic_id))
            }
        }

        #[async_trait::async_trait]
        impl $crate::Store for $store {
            async fn migrate(&self) -> Result<()> {
                self.run_migrations().await
            }

            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(&self.db.pool).await?;
                Ok(())
            }

            fn backend(&self) -> &'static str {
                Self::BACKEND
            }

            async fn save_clinic(&self, actor: &Actor, her_id: HerId, name: &ClinicName, info: &InfoText) -> Result<Clinic> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                let row: ClinicRow = sqlx::query_as(
                    "INSERT INTO clinic (her_id, name, info, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (her_id) DO UPDATE SET name = excluded.name, info = excluded.info \
                     RETURNING id, her_id, name, info, org_number, phone",
                )
                .bind(i64::from(her_id))
                .bind(name.as_str())
                .bind(info.as_str())
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action: AuditAction::ClinicSaved, clinic_id: Some(row.id), patient: None,
                    subject: format!("clinic:{}", row.id),
                })
                .await?;
                tx.commit().await?;
                row.into_domain()
            }

            async fn clinic(&self, id: ClinicId) -> Result<Clinic> {
                let row: Option<ClinicRow> = sqlx::query_as("SELECT id, her_id, name, info, org_number, phone FROM clinic WHERE id = $1")
                    .bind(id.0)
                    .fetch_optional(&self.db.pool)
                    .await?;
                row.ok_or(StoreError::NotFound("clinic"))?.into_domain()
            }

            async fn clinic_by_her_id(&self, her_id: HerId) -> Result<Option<Clinic>> {
                let row: Option<ClinicRow> = sqlx::query_as("SELECT id, her_id, name, info, org_number, phone FROM clinic WHERE her_id = $1")
                    .bind(i64::from(her_id))
                    .fetch_optional(&self.db.pool)
                    .await?;
                row.map(ClinicRow::into_domain).transpose()
            }

            async fn clinic_by_org_number(&self, org_number: &domain::OrgNumber) -> Result<Option<Clinic>> {
                let row: Option<ClinicRow> = sqlx::query_as(
                    "SELECT id, her_id, name, info, org_number, phone FROM clinic WHERE org_number = $1 ORDER BY name, id LIMIT 1",
                )
                .bind(org_number.as_str())
                .fetch_optional(&self.db.pool)
                .await?;
                row.map(ClinicRow::into_domain).transpose()
            }

            async fn set_org_number(&self, actor: &Actor, clinic_id: ClinicId, org_number: &domain::OrgNumber) -> Result<Clinic> {
                self.set_clinic_field(actor, clinic_id, "UPDATE clinic SET org_number = $2 WHERE id = $1 RETURNING id, her_id, name, info, org_number, phone", Some(org_number.as_str())).await
            }

            async fn set_phone(&self, actor: &Actor, clinic_id: ClinicId, phone: Option<&domain::PhoneNumber>) -> Result<Clinic> {
                self.set_clinic_field(actor, clinic_id, "UPDATE clinic SET phone = $2 WHERE id = $1 RETURNING id, her_id, name, info, org_number, phone", phone.map(domain::PhoneNumber::as_str)).await
            }

            async fn clinics(&self) -> Result<Vec<Clinic>> {
                let rows: Vec<ClinicRow> = sqlx::query_as("SELECT id, her_id, name, info, org_number, phone FROM clinic ORDER BY name, id")
                    .fetch_all(&self.db.pool)
                    .await?;
                rows.into_iter().map(ClinicRow::into_domain).collect()
            }

            async fn set_service(&self, actor: &Actor, clinic_id: ClinicId, kind: TimebookKind, enabled: bool) -> Result<()> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO clinic_service (clinic_id, kind, enabled) VALUES ($1, $2, $3) \
                     ON CONFLICT (clinic_id, kind) DO UPDATE SET enabled = excluded.enabled",
                )
                .bind(clinic_id.0)
                .bind(kind.code())
                .bind(enabled)
                .execute(&mut *tx)
                .await
                .map_err(|error| match &error {
                    sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound("clinic"),
                    _ => StoreError::Database(error),
                })?;
                // A service switched off takes its slots out of a finder's view, and back.
                sqlx::query(
                    "UPDATE slot SET changed_at = $3 WHERE starts_at > $3 AND timebook_id IN \
                       (SELECT id FROM timebook WHERE clinic_id = $1 AND kind = $2)",
                )
                .bind(clinic_id.0)
                .bind(kind.code())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action: AuditAction::ServiceSwitched, clinic_id: Some(clinic_id.0), patient: None,
                    subject: format!("{}:{}", kind.code(), if enabled { "on" } else { "off" }),
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn enabled_services(&self, clinic_id: ClinicId) -> Result<Vec<TimebookKind>> {
                let off: Vec<String> = sqlx::query_scalar("SELECT kind FROM clinic_service WHERE clinic_id = $1 AND enabled = FALSE")
                    .bind(clinic_id.0)
                    .fetch_all(&self.db.pool)
                    .await?;
                Ok(TimebookKind::ALL.into_iter().filter(|kind| !off.iter().any(|o| o == kind.code())).collect())
            }

            async fn clinic_patients(&self, clinic_id: ClinicId) -> Result<Vec<Patient>> {
                let rows: Vec<PatientRow> = sqlx::query_as(
                    "SELECT national_id, clinic_id, first_name, last_name FROM patient WHERE clinic_id = $1 \
                     ORDER BY last_name, first_name, national_id",
                )
                .bind(clinic_id.0)
                .fetch_all(&self.db.pool)
                .await?;
                Ok(rows.into_iter().map(PatientRow::into_domain).collect::<Result<Vec<_>>>()?.into_iter().flatten().collect())
            }

            async fn save_location(&self, actor: &Actor, clinic_id: ClinicId, address: &Address) -> Result<Location> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                let row: LocationRow = sqlx::query_as(
                    "INSERT INTO location (clinic_id, address) VALUES ($1, $2) \
                     ON CONFLICT (clinic_id, address) DO UPDATE SET address = excluded.address \
                     RETURNING id, clinic_id, address",
                )
                .bind(clinic_id.0)
                .bind(address.as_str())
                .fetch_one(&mut *tx)
                .await?;
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action: AuditAction::LocationSaved, clinic_id: Some(clinic_id.0), patient: None,
                    subject: format!("location:{}", row.id),
                })
                .await?;
                tx.commit().await?;
                row.into_domain()
            }

            async fn save_timebook(&self, actor: &Actor, clinic_id: ClinicId, kind: TimebookKind, rules: BookingRules) -> Result<Timebook> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                let row: TimebookRow = sqlx::query_as(
                    "INSERT INTO timebook (clinic_id, kind, min_notice_minutes, horizon_days, cancel_deadline_minutes, max_future_appointments) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (clinic_id, kind) DO UPDATE SET min_notice_minutes = excluded.min_notice_minutes, \
                       horizon_days = excluded.horizon_days, cancel_deadline_minutes = excluded.cancel_deadline_minutes, \
                       max_future_appointments = excluded.max_future_appointments \
                     RETURNING id, clinic_id, kind, min_notice_minutes, horizon_days, cancel_deadline_minutes, max_future_appointments",
                )
                .bind(clinic_id.0)
                .bind(kind.code())
                .bind(i64::from(rules.min_notice_minutes()))
                .bind(i64::from(rules.horizon_days()))
                .bind(i64::from(rules.cancel_deadline_minutes()))
                .bind(i64::from(rules.max_future_appointments()))
                .fetch_one(&mut *tx)
                .await?;
                // The booking window decides which slots a finder sees as free.
                sqlx::query("UPDATE slot SET changed_at = $2 WHERE timebook_id = $1 AND starts_at > $2")
                    .bind(row.id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action: AuditAction::TimebookSaved, clinic_id: Some(clinic_id.0), patient: None,
                    subject: format!("timebook:{}", row.id),
                })
                .await?;
                tx.commit().await?;
                row.into_domain()
            }

            async fn timebooks(&self, clinic_id: ClinicId) -> Result<Vec<Timebook>> {
                let rows: Vec<TimebookRow> = sqlx::query_as(concat!(
                    "SELECT t.id, t.clinic_id, t.kind, ", $crate::sql::rules_columns!(),
                    " FROM timebook t WHERE t.clinic_id = $1 ORDER BY t.id"
                ))
                .bind(clinic_id.0)
                .fetch_all(&self.db.pool)
                .await?;
                rows.into_iter().map(TimebookRow::into_domain).collect()
            }

            async fn save_resource(
                &self,
                actor: &Actor,
                timebook_id: TimebookId,
                name: &ResourceName,
                description: &Description,
                location: &Location,
            ) -> Result<Resource> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                let clinic_id: Option<i64> = sqlx::query_scalar("SELECT clinic_id FROM timebook WHERE id = $1")
                    .bind(timebook_id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                let clinic_id = clinic_id.ok_or(StoreError::NotFound("timebook"))?;
                if clinic_id != location.clinic_id.0 {
                    return Err(StoreError::NotFound("location"));
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO resource (clinic_id, timebook_id, name, description, location_id) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (timebook_id, name) DO UPDATE SET description = excluded.description, \
                       location_id = excluded.location_id \
                     RETURNING id",
                )
                .bind(clinic_id)
                .bind(timebook_id.0)
                .bind(name.as_str())
                .bind(description.as_str())
                .bind(location.id.0)
                .fetch_one(&mut *tx)
                .await?;
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action: AuditAction::ResourceSaved, clinic_id: Some(clinic_id), patient: None,
                    subject: format!("resource:{id}"),
                })
                .await?;
                tx.commit().await?;
                Ok(Resource {
                    id: ResourceId(id),
                    timebook_id,
                    name: name.clone(),
                    description: description.clone(),
                    location: location.clone(),
                })
            }

            async fn resources(&self, timebook_id: TimebookId) -> Result<Vec<Resource>> {
                let rows: Vec<ResourceRow> = sqlx::query_as(concat!(
                    $crate::sql::resource_select!(),
                    " WHERE r.timebook_id = $1 ORDER BY r.id"
                ))
                .bind(timebook_id.0)
                .fetch_all(&self.db.pool)
                .await?;
                rows.into_iter().map(ResourceRow::into_domain).collect()
            }

            async fn list_patient(&self, actor: &Actor, clinic_id: ClinicId, patient: &NationalId, first: &PersonName, last: &PersonName) -> Result<Patient> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO patient (national_id, clinic_id, first_name, last_name) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (national_id) DO UPDATE SET clinic_id = excluded.clinic_id, \
                       first_name = excluded.first_name, last_name = excluded.last_name",
                )
                .bind(patient.as_str())
                .bind(clinic_id.0)
                .bind(first.as_str())
                .bind(last.as_str())
                .execute(&mut *tx)
                .await?;
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action: AuditAction::PatientListed, clinic_id: Some(clinic_id.0), patient: Some(patient),
                    subject: "patient".into(),
                })
                .await?;
                tx.commit().await?;
                Ok(Patient { national_id: patient.clone(), first_name: first.clone(), last_name: last.clone(), clinic_id })
            }

            async fn unlist_patient(&self, actor: &Actor, clinic_id: ClinicId, patient: &NationalId) -> Result<()> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                let changed = sqlx::query("UPDATE patient SET clinic_id = NULL WHERE national_id = $1 AND clinic_id = $2")
                    .bind(patient.as_str())
                    .bind(clinic_id.0)
                    .execute(&mut *tx)
                    .await?;
                if changed.rows_affected() == 0 {
                    return Err(StoreError::NotFound("patient"));
                }
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action: AuditAction::PatientUnlisted, clinic_id: Some(clinic_id.0), patient: Some(patient),
                    subject: "patient".into(),
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn patient(&self, patient: &NationalId) -> Result<Option<Patient>> {
                let row: Option<PatientRow> = sqlx::query_as(
                    "SELECT national_id, clinic_id, first_name, last_name FROM patient WHERE national_id = $1",
                )
                .bind(patient.as_str())
                .fetch_optional(&self.db.pool)
                .await?;
                Ok(row.map(PatientRow::into_domain).transpose()?.flatten())
            }

            async fn create_template(&self, actor: &Actor, resource_id: ResourceId, template: &SlotTemplate) -> Result<TemplateId> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                let owner: Option<(i64, i64)> = sqlx::query_as("SELECT clinic_id, timebook_id FROM resource WHERE id = $1")
                    .bind(resource_id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                let (clinic_id, timebook_id) = owner.ok_or(StoreError::NotFound("resource"))?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO slot_template (clinic_id, timebook_id, resource_id, weekdays, from_minute, to_minute, \
                       length_minutes, capacity, first_day, last_day) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                     ON CONFLICT (resource_id, weekdays, from_minute, to_minute, length_minutes, capacity, first_day, last_day) \
                     DO UPDATE SET capacity = excluded.capacity RETURNING id",
                )
                .bind(clinic_id)
                .bind(timebook_id)
                .bind(resource_id.0)
                .bind(i64::from(template.weekdays().mask()))
                .bind(minute_of_day(template.from()))
                .bind(minute_of_day(template.to()))
                .bind(i64::from(template.length().as_minutes()))
                .bind(i64::from(template.capacity().get()))
                .bind(template.first_day().to_string())
                .bind(template.last_day().to_string())
                .fetch_one(&mut *tx)
                .await?;
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action: AuditAction::TemplateCreated, clinic_id: Some(clinic_id), patient: None,
                    subject: format!("template:{id}"),
                })
                .await?;
                tx.commit().await?;
                Ok(TemplateId(id))
            }

            async fn template(&self, id: TemplateId) -> Result<StoredTemplate> {
                Ok(self.template_and_clinic(id).await?.0)
            }

            async fn templates(&self, clinic_id: ClinicId) -> Result<Vec<StoredTemplate>> {
                let rows: Vec<TemplateRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::template_columns!(), " FROM slot_template WHERE clinic_id = $1 ORDER BY id DESC"
                ))
                .bind(clinic_id.0)
                .fetch_all(&self.db.pool)
                .await?;
                rows.into_iter().map(TemplateRow::into_domain).collect()
            }

            async fn publish_template(&self, actor: &Actor, id: TemplateId) -> Result<PublishReport> {
                let now = self.now();
                let (stored, clinic_id) = self.template_and_clinic(id).await?;
                let mut report = PublishReport::default();
                let mut tx = self.begin_write().await?;
                for planned in stored.template.expand(&self.zone) {
                    if planned.start <= now {
                        report.skipped_past += 1;
                        continue;
                    }
                    let inserted = sqlx::query(
                        "INSERT INTO slot (clinic_id, timebook_id, resource_id, template_id, starts_at, length_minutes, capacity, booked, published, changed_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, TRUE, $8) ON CONFLICT (resource_id, starts_at) DO NOTHING",
                    )
                    .bind(clinic_id)
                    .bind(stored.timebook_id.0)
                    .bind(stored.resource_id.0)
                    .bind(id.0)
                    .bind(planned.start.as_second())
                    .bind(i64::from(planned.length.as_minutes()))
                    .bind(i64::from(stored.template.capacity().get()))
                    .bind(now.as_second())
                    .execute(&mut *tx)
                    .await?;
                    if inserted.rows_affected() == 0 {
                        let owner: Option<i64> = sqlx::query_scalar(
                            "SELECT template_id FROM slot WHERE resource_id = $1 AND starts_at = $2",
                        )
                        .bind(stored.resource_id.0)
                        .bind(planned.start.as_second())
                        .fetch_one(&mut *tx)
                        .await?;
                        if owner != Some(id.0) {
                            report.overlapping += 1;
                        }
                    } else {
                        report.created += 1;
                    }
                }
                let republished = sqlx::query(
                    "UPDATE slot SET published = TRUE, changed_at = $2 WHERE template_id = $1 AND starts_at > $2 AND published = FALSE",
                )
                .bind(id.0)
                .bind(now.as_second())
                .execute(&mut *tx)
                .await?;
                report.republished = usize::try_from(republished.rows_affected()).unwrap_or(0);
                sqlx::query("UPDATE slot_template SET published = TRUE WHERE id = $1").bind(id.0).execute(&mut *tx).await?;
                Self::audit(&mut *tx, Audit {
                    at: now.as_second(), actor, action: AuditAction::TemplatePublished, clinic_id: Some(clinic_id), patient: None,
                    subject: format!("template:{}", id.0),
                })
                .await?;
                tx.commit().await?;
                Ok(report)
            }

            async fn unpublish_template(&self, actor: &Actor, id: TemplateId) -> Result<u64> {
                let now = self.now().as_second();
                let (_, clinic_id) = self.template_and_clinic(id).await?;
                let mut tx = self.begin_write().await?;
                let changed = sqlx::query(
                    "UPDATE slot SET published = FALSE, changed_at = $2 WHERE template_id = $1 AND starts_at > $2 AND published = TRUE",
                )
                .bind(id.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE slot_template SET published = FALSE WHERE id = $1").bind(id.0).execute(&mut *tx).await?;
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action: AuditAction::TemplateUnpublished, clinic_id: Some(clinic_id), patient: None,
                    subject: format!("template:{}", id.0),
                })
                .await?;
                tx.commit().await?;
                Ok(changed.rows_affected())
            }

            async fn add_slot(&self, actor: &Actor, slot: NewSlot) -> Result<Slot> {
                let now = self.now().as_second();
                if slot.start.as_second() <= now {
                    return Err(DomainError::InThePast.into());
                }
                let mut tx = self.begin_write().await?;
                let owner: Option<(i64, i64)> = sqlx::query_as("SELECT clinic_id, timebook_id FROM resource WHERE id = $1")
                    .bind(slot.resource_id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                let (clinic_id, timebook_id) = owner.ok_or(StoreError::NotFound("resource"))?;
                let row: Option<SlotRow> = sqlx::query_as(
                    "INSERT INTO slot (clinic_id, timebook_id, resource_id, starts_at, length_minutes, capacity, booked, published, changed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 0, TRUE, $7) ON CONFLICT (resource_id, starts_at) DO NOTHING \
                     RETURNING id, clinic_id, timebook_id, resource_id, starts_at, length_minutes, capacity, booked, published",
                )
                .bind(clinic_id)
                .bind(timebook_id)
                .bind(slot.resource_id.0)
                .bind(slot.start.as_second())
                .bind(i64::from(slot.length.as_minutes()))
                .bind(i64::from(slot.capacity.get()))
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let row = row.ok_or(StoreError::Overlap)?;
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action: AuditAction::SlotCreated, clinic_id: Some(clinic_id), patient: None,
                    subject: format!("slot:{}", row.id),
                })
                .await?;
                tx.commit().await?;
                row.into_domain()
            }

            async fn set_slot_published(&self, actor: &Actor, id: SlotId, published: bool) -> Result<Slot> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                let row: Option<SlotRow> = sqlx::query_as(
                    "UPDATE slot SET published = $2, changed_at = $3 WHERE id = $1 \
                     RETURNING id, clinic_id, timebook_id, resource_id, starts_at, length_minutes, capacity, booked, published",
                )
                .bind(id.0)
                .bind(published)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let row = row.ok_or(StoreError::NotFound("slot"))?;
                let action = if published { AuditAction::SlotPublished } else { AuditAction::SlotUnpublished };
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action, clinic_id: Some(row.clinic_id), patient: None,
                    subject: format!("slot:{}", row.id),
                })
                .await?;
                tx.commit().await?;
                row.into_domain()
            }

            async fn slot(&self, id: SlotId) -> Result<Slot> {
                let row: Option<SlotRow> = sqlx::query_as(concat!("SELECT ", $crate::sql::slot_columns!(), " FROM slot s WHERE s.id = $1"))
                    .bind(id.0)
                    .fetch_optional(&self.db.pool)
                    .await?;
                row.ok_or(StoreError::NotFound("slot"))?.into_domain()
            }

            async fn day_slots(&self, clinic_id: ClinicId, day: Date) -> Result<Vec<Slot>> {
                let next = day.tomorrow().map_err(|_| DomainError::DatesReversed)?;
                let rows: Vec<SlotRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::slot_columns!(),
                    " FROM slot s WHERE s.clinic_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 ORDER BY s.starts_at, s.resource_id"
                ))
                .bind(clinic_id.0)
                .bind(self.start_of(day)?)
                .bind(self.start_of(next)?)
                .fetch_all(&self.db.pool)
                .await?;
                rows.into_iter().map(SlotRow::into_domain).collect()
            }

            async fn delete_slot(&self, actor: &Actor, clinic_id: ClinicId, id: SlotId) -> Result<()> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                let found: Option<i64> = sqlx::query_scalar("SELECT id FROM slot WHERE id = $1 AND clinic_id = $2")
                    .bind(id.0)
                    .bind(clinic_id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                found.ok_or(StoreError::NotFound("slot"))?;
                let used: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM appointment WHERE slot_id = $1)")
                    .bind(id.0)
                    .fetch_one(&mut *tx)
                    .await?;
                if used {
                    return Err(StoreError::SlotInUse);
                }
                sqlx::query("DELETE FROM slot_hold WHERE slot_id = $1").bind(id.0).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO slot_tombstone (slot_id, clinic_id, resource_id, starts_at, length_minutes, deleted_at) \
                     SELECT id, clinic_id, resource_id, starts_at, length_minutes, $2 FROM slot WHERE id = $1",
                )
                .bind(id.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM slot WHERE id = $1").bind(id.0).execute(&mut *tx).await?;
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action: AuditAction::SlotDeleted, clinic_id: Some(clinic_id.0), patient: None,
                    subject: format!("slot:{}", id.0),
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn open_session(&self, token_hash: &str, patient: &NationalId, lifetime: jiff::SignedDuration) -> Result<()> {
                let now = self.now();
                let expires_at = now.saturating_add(lifetime).unwrap_or(now);
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM session WHERE expires_at <= $1")
                    .bind(now.as_second())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO session (token_hash, national_id, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $3)")
                    .bind(token_hash)
                    .bind(patient.as_str())
                    .bind(now.as_second())
                    .bind(expires_at.as_second())
                    .execute(&mut *tx)
                    .await?;
                Self::audit(&mut *tx, Audit {
                    at: now.as_second(), actor: &Actor::Patient(patient.clone()), action: AuditAction::PatientLoggedIn,
                    clinic_id: None, patient: Some(patient), subject: "session".into(),
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn session_patient(&self, token_hash: &str) -> Result<Option<NationalId>> {
                let now = self.now().as_second();
                let row: Option<(String, i64)> = sqlx::query_as(
                    "SELECT national_id, last_seen_at FROM session WHERE token_hash = $1 AND expires_at > $2 AND last_seen_at > $3",
                )
                .bind(token_hash)
                .bind(now)
                .bind(now - self.settings.session_idle.as_secs())
                .fetch_optional(&self.db.pool)
                .await?;
                let Some((id, last_seen)) = row else { return Ok(None) };
                self.touch_session("UPDATE session SET last_seen_at = $1 WHERE token_hash = $2", token_hash, last_seen, now).await?;
                national_id(&id, "session.national_id").map(Some)
            }

            async fn close_session(&self, token_hash: &str) -> Result<()> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                let patient: Option<String> = sqlx::query_scalar("DELETE FROM session WHERE token_hash = $1 RETURNING national_id")
                    .bind(token_hash)
                    .fetch_optional(&mut *tx)
                    .await?;
                if let Some(patient) = patient {
                    let patient = national_id(&patient, "session.national_id")?;
                    Self::audit(&mut *tx, Audit {
                        at: now, actor: &Actor::Patient(patient.clone()), action: AuditAction::PatientLoggedOut,
                        clinic_id: None, patient: Some(&patient), subject: "session".into(),
                    })
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn open_staff_session(&self, token_hash: &str, who: &Actor, lifetime: jiff::SignedDuration) -> Result<()> {
                let (role, clinic_id) = match who {
                    Actor::Staff { clinic_id, .. } => ("staff", Some(clinic_id.0)),
                    Actor::Operator { .. } => ("operator", None),
                    _ => return Err(StoreError::NotFound("staff user")),
                };
                let now = self.now();
                let expires_at = now.saturating_add(lifetime).unwrap_or(now);
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM staff_session WHERE expires_at <= $1")
                    .bind(now.as_second())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO staff_session (token_hash, role, user_name, clinic_id, created_at, expires_at, last_seen_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $5)",
                )
                .bind(token_hash)
                .bind(role)
                .bind(who.identifier())
                .bind(clinic_id)
                .bind(now.as_second())
                .bind(expires_at.as_second())
                .execute(&mut *tx)
                .await?;
                Self::audit(&mut *tx, Audit {
                    at: now.as_second(), actor: who, action: AuditAction::StaffLoggedIn, clinic_id, patient: None,
                    subject: "session".into(),
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn staff_session(&self, token_hash: &str) -> Result<Option<Actor>> {
                let now = self.now().as_second();
                let row: Option<(StaffSessionRow, i64)> = sqlx::query_as::<_, StaffSessionSeenRow>(
                    "SELECT role, user_name, clinic_id, last_seen_at FROM staff_session \
                     WHERE token_hash = $1 AND expires_at > $2 AND last_seen_at > $3",
                )
                .bind(token_hash)
                .bind(now)
                .bind(now - self.settings.session_idle.as_secs())
                .fetch_optional(&self.db.pool)
                .await?
                .map(|r| (r.session, r.last_seen_at));
                let Some((row, last_seen)) = row else { return Ok(None) };
                self.touch_session("UPDATE staff_session SET last_seen_at = $1 WHERE token_hash = $2", token_hash, last_seen, now).await?;
                row.into_domain().map(Some)
            }

            async fn close_staff_session(&self, token_hash: &str) -> Result<()> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                let row: Option<StaffSessionRow> = sqlx::query_as(
                    "DELETE FROM staff_session WHERE token_hash = $1 RETURNING role, user_name, clinic_id",
                )
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(row) = row {
                    let clinic_id = row.clinic_id;
                    let who = row.into_domain()?;
                    Self::audit(&mut *tx, Audit {
                        at: now, actor: &who, action: AuditAction::StaffLoggedOut, clinic_id, patient: None,
                        subject: "session".into(),
                    })
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn clinic_appointments(&self, actor: &Actor, clinic_id: ClinicId, from: Date, to: Date) -> Result<Vec<ClinicAppointment>> {
                if to < from {
                    return Err(DomainError::DatesReversed.into());
                }
                let day_after = to.tomorrow().map_err(|_| DomainError::DatesReversed)?;
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                let rows: Vec<ClinicAppointmentRow> = sqlx::query_as(
                    "SELECT a.id, a.timebook_id, t.kind, r.name AS resource_name, a.starts_at, s.length_minutes, \
                       a.national_id, p.first_name, p.last_name, a.reason, a.status \
                     FROM appointment a \
                       JOIN slot s ON s.id = a.slot_id \
                       JOIN timebook t ON t.id = a.timebook_id \
                       JOIN resource r ON r.id = s.resource_id \
                       JOIN patient p ON p.national_id = a.national_id \
                     WHERE a.clinic_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 \
                     ORDER BY a.starts_at, t.kind, a.id",
                )
                .bind(clinic_id.0)
                .bind(self.start_of(from)?)
                .bind(self.start_of(day_after)?)
                .fetch_all(&mut *tx)
                .await?;
                let appointments = rows.into_iter().map(ClinicAppointmentRow::into_domain).collect::<Result<Vec<_>>>()?;
                for shown in &appointments {
                    Self::audit(&mut *tx, Audit {
                        at: now, actor, action: AuditAction::AppointmentViewed, clinic_id: Some(clinic_id.0),
                        patient: Some(&shown.patient), subject: format!("appointment:{}", shown.id),
                    })
                    .await?;
                }
                tx.commit().await?;
                Ok(appointments)
            }

            async fn set_appointment_outcome(&self, actor: &Actor, clinic_id: ClinicId, id: AppointmentId, outcome: AppointmentStatus) -> Result<Appointment> {
                let action = match outcome {
                    AppointmentStatus::Fulfilled => AuditAction::AppointmentFulfilled,
                    AppointmentStatus::NoShow => AuditAction::AppointmentNoShow,
                    _ => return Err(DomainError::AppointmentStatus.into()),
                };
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                let row: Option<AppointmentRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::appointment_columns!(), " FROM appointment a WHERE a.id = $1 AND a.clinic_id = $2"
                ))
                .bind(id.0)
                .bind(clinic_id.0)
                .fetch_optional(&mut *tx)
                .await?;
                let row = row.ok_or(StoreError::NotFound("appointment"))?;
                let changed = sqlx::query("UPDATE appointment SET status = $2, version = version + 1 WHERE id = $1 AND status = 'booked'")
                    .bind(id.0)
                    .bind(outcome.code())
                    .execute(&mut *tx)
                    .await?;
                if changed.rows_affected() == 0 {
                    return Err(StoreError::Refused(domain::Refusal::NotBooked));
                }
                let patient = national_id(&row.national_id, "appointment.national_id")?;
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action, clinic_id: Some(clinic_id.0), patient: Some(&patient),
                    subject: format!("appointment:{}", id.0),
                })
                .await?;
                tx.commit().await?;
                let mut appointment = row.into_domain()?;
                appointment.status = outcome;
                Ok(appointment)
            }

            async fn record_view(&self, actor: &Actor, clinic_id: ClinicId, patient: &NationalId, action: AuditAction, subject: &str) -> Result<()> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action, clinic_id: Some(clinic_id.0), patient: Some(patient), subject: subject.to_owned(),
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn appointment(&self, id: AppointmentId) -> Result<Appointment> {
                let row: Option<AppointmentRow> = sqlx::query_as(concat!("SELECT ", $crate::sql::appointment_columns!(), " FROM appointment a WHERE a.id = $1"))
                    .bind(id.0)
                    .fetch_optional(&self.db.pool)
                    .await?;
                row.ok_or(StoreError::NotFound("appointment"))?.into_domain()
            }

            async fn block_patient(&self, actor: &Actor, clinic_id: ClinicId, patient: &NationalId, reason: &BlockReason) -> Result<Block> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                // Waits for a booking of this patient that is under way, so that it either
                // finished before the block or sees it.
                sqlx::query(concat!("SELECT p.national_id FROM patient p WHERE p.national_id = $1", $lock_patient))
                    .bind(patient.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                let row: BlockRow = sqlx::query_as(
                    "INSERT INTO block (clinic_id, national_id, reason, blocked_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (clinic_id, national_id) DO UPDATE SET reason = excluded.reason \
                     RETURNING clinic_id, national_id, reason, blocked_at",
                )
                .bind(clinic_id.0)
                .bind(patient.as_str())
                .bind(reason.as_str())
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM slot_hold WHERE national_id = $1 AND clinic_id = $2")
                    .bind(patient.as_str())
                    .bind(clinic_id.0)
                    .execute(&mut *tx)
                    .await?;
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action: AuditAction::PatientBlocked, clinic_id: Some(clinic_id.0), patient: Some(patient),
                    subject: "block".into(),
                })
                .await?;
                tx.commit().await?;
                row.into_domain()
            }

            async fn unblock_patient(&self, actor: &Actor, clinic_id: ClinicId, patient: &NationalId) -> Result<()> {
                let now = self.now().as_second();
                let mut tx = self.begin_write().await?;
                let removed = sqlx::query("DELETE FROM block WHERE clinic_id = $1 AND national_id = $2")
                    .bind(clinic_id.0)
                    .bind(patient.as_str())
                    .execute(&mut *tx)
                    .await?;
                if removed.rows_affected() == 0 {
                    return Err(StoreError::NotFound("block"));
                }
                Self::audit(&mut *tx, Audit {
                    at: now, actor, action: AuditAction::PatientUnblocked, clinic_id: Some(clinic_id.0), patient: Some(patient),
                    subject: "block".into(),
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn blocks(&self, clinic_id: ClinicId) -> Result<Vec<Block>> {
                let rows: Vec<BlockRow> = sqlx::query_as(
                    "SELECT clinic_id, national_id, reason, blocked_at FROM block WHERE clinic_id = $1 ORDER BY blocked_at, national_id",
                )
                .bind(clinic_id.0)
                .fetch_all(&self.db.pool)
                .await?;
                rows.into_iter().map(BlockRow::into_domain).collect()
            }

            async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
                let rows: Vec<AuditRow> = sqlx::query_as(
                    "SELECT at, actor_kind, actor_id, action, clinic_id, national_id, subject FROM audit_event \
                     WHERE ($1 IS NULL OR national_id = $1) AND ($2 IS NULL OR action = $2) \
                     ORDER BY id DESC LIMIT $3",
                )
                .bind(filter.patient.as_ref().map(NationalId::as_str))
                .bind(filter.action.map(AuditAction::code))
                .bind(i64::from(if filter.limit == 0 { 100 } else { filter.limit }))
                .fetch_all(&self.db.pool)
                .await?;
                rows.into_iter().map(AuditRow::into_domain).collect()
            }

            async fn outbox_jobs(&self, appointment: AppointmentId) -> Result<Vec<OutboxJob>> {
                let rows: Vec<OutboxRow> = sqlx::query_as(
                    "SELECT id, kind, appointment_id, created_at FROM outbox WHERE appointment_id = $1 ORDER BY id",
                )
                .bind(appointment.0)
                .fetch_all(&self.db.pool)
                .await?;
                rows.into_iter().map(OutboxRow::into_domain).collect()
            }

            async fn integrity(&self) -> Result<Integrity> {
                let (overbooked, miscounted): (i64, i64) = sqlx::query_as(
                    "SELECT (SELECT COUNT(*) FROM slot WHERE booked > capacity), \
                            (SELECT COUNT(*) FROM slot s WHERE s.booked <> (SELECT COUNT(*) FROM appointment a \
                               WHERE a.slot_id = s.id AND a.status IN ('booked', 'fulfilled', 'no_show')))",
                )
                .fetch_one(&self.db.pool)
                .await?;
                Ok(Integrity {
                    overbooked_slots: u64::try_from(overbooked).unwrap_or(0),
                    miscounted_slots: u64::try_from(miscounted).unwrap_or(0),
                })
            }
        }
    };
}

pub(crate) use {
    appointment_columns, resource_select, rules_columns, shared_store, slot_columns,
    template_columns,
};
