//! What a patient may reach: their own GP office's timebooks and slots, and their own
//! appointments. Every portal handler asks here; anything else is "not found", so that
//! guessing ids tells nothing.

use crate::AppState;
use crate::failure::{Failure, Kind};
use crate::texts::T;
use domain::{Clinic, NationalId, Slot, SlotId, Timebook, TimebookId};
use store::PlannedAppointment;

/// The patient's GP office, or `None` when they are on no office's list.
pub async fn own_clinic(
    state: &AppState,
    t: T,
    patient: &NationalId,
) -> Result<Option<Clinic>, Failure> {
    let Some(listed) = state
        .store
        .patient(patient)
        .await
        .map_err(|e| Failure::store(t, e))?
    else {
        return Ok(None);
    };
    state
        .store
        .clinic(listed.clinic_id)
        .await
        .map(Some)
        .map_err(|e| Failure::store(t, e))
}

/// The timebooks a clinic offers patients: those whose kind the register has switched on.
pub async fn offered_timebooks(
    state: &AppState,
    t: T,
    clinic: &Clinic,
) -> Result<Vec<Timebook>, Failure> {
    offered(state.store.as_ref(), clinic.id)
        .await
        .map_err(|e| Failure::store(t, e))
}

/// The clinic's timebooks whose service is switched on: what patients and machine clients
/// may book.
pub async fn offered(
    store: &dyn store::Store,
    clinic: domain::ClinicId,
) -> Result<Vec<Timebook>, store::StoreError> {
    let on = store.enabled_services(clinic).await?;
    let timebooks = store.timebooks(clinic).await?;
    Ok(timebooks
        .into_iter()
        .filter(|tb| on.contains(&tb.kind))
        .collect())
}

/// A timebook the patient's own GP office offers.
pub async fn own_timebook(
    state: &AppState,
    t: T,
    patient: &NationalId,
    id: TimebookId,
) -> Result<(Clinic, Timebook), Failure> {
    let clinic = own_clinic(state, t, patient)
        .await?
        .ok_or(Failure::new(t, Kind::NotFound))?;
    let timebooks = offered_timebooks(state, t, &clinic).await?;
    let timebook = timebooks
        .into_iter()
        .find(|tb| tb.id == id)
        .ok_or(Failure::new(t, Kind::NotFound))?;
    Ok((clinic, timebook))
}

/// A slot of that timebook.
pub async fn slot_of(
    state: &AppState,
    t: T,
    timebook: &Timebook,
    id: SlotId,
) -> Result<Slot, Failure> {
    let slot = state
        .store
        .slot(id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    if slot.timebook_id != timebook.id {
        return Err(Failure::new(t, Kind::NotFound));
    }
    Ok(slot)
}

/// One of the patient's own appointments.
pub async fn own_appointment(
    state: &AppState,
    t: T,
    patient: &NationalId,
    id: domain::AppointmentId,
) -> Result<PlannedAppointment, Failure> {
    let history = state
        .store
        .appointment_history(patient)
        .await
        .map_err(|e| Failure::store(t, e))?;
    history
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(Failure::new(t, Kind::NotFound))
}
