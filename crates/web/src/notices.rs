//! Whether a timebook confirms a booking to the patient, for the pages that tell someone a
//! notice is on its way.

use crate::AppState;
use crate::failure::Failure;
use crate::texts::T;
use domain::{ClinicId, TimebookId};

/// Whether the timebook sends a confirmation right after a booking. A timebook the clinic no
/// longer has is taken to, as every timebook does unless told otherwise.
pub async fn confirms_booking(
    state: &AppState,
    t: T,
    clinic: ClinicId,
    timebook: TimebookId,
) -> Result<bool, Failure> {
    let notices = state
        .store
        .timebook_notices(clinic)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(notices
        .into_iter()
        .find(|(id, _)| *id == timebook)
        .is_none_or(|(_, n)| n.confirm_booking))
}
