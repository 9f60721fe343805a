use crate::{DomainError, ResourceId, SlotId, TimebookId};
use jiff::{SignedDuration, Timestamp};

/// How long one slot lasts, in whole minutes (15 in the guide).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlotLength(u16);

impl SlotLength {
    pub const MAX_MINUTES: u16 = 480;

    pub fn minutes(minutes: i64) -> Result<Self, DomainError> {
        match u16::try_from(minutes) {
            Ok(m) if (1..=Self::MAX_MINUTES).contains(&m) => Ok(Self(m)),
            _ => Err(DomainError::SlotLength),
        }
    }

    pub fn as_minutes(self) -> u16 {
        self.0
    }

    pub fn duration(self) -> SignedDuration {
        SignedDuration::from_mins(i64::from(self.0))
    }

    /// When something of this length that begins at `start` ends.
    pub fn end_from(self, start: Timestamp) -> Timestamp {
        start.saturating_add(self.duration()).unwrap_or(start)
    }
}

/// How many patients one slot takes: 1 for a consultation, more for a vaccination room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Capacity(u16);

impl Capacity {
    pub const MAX: u16 = 500;
    pub const ONE: Self = Self(1);

    pub fn new(places: i64) -> Result<Self, DomainError> {
        match u16::try_from(places) {
            Ok(p) if (1..=Self::MAX).contains(&p) => Ok(Self(p)),
            _ => Err(DomainError::Capacity),
        }
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

/// A ledig time as stored: a start instant (UTC), a length and how full it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub id: SlotId,
    pub timebook_id: TimebookId,
    pub resource_id: ResourceId,
    pub start: Timestamp,
    pub length: SlotLength,
    pub capacity: Capacity,
    pub booked: u16,
    pub published: bool,
}

impl Slot {
    pub fn end(&self) -> Timestamp {
        self.length.end_from(self.start)
    }

    pub fn places_left(&self) -> u16 {
        self.capacity.get().saturating_sub(self.booked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_huge_lengths_are_refused() {
        assert_eq!(SlotLength::minutes(0), Err(DomainError::SlotLength));
        assert_eq!(SlotLength::minutes(-15), Err(DomainError::SlotLength));
        assert_eq!(SlotLength::minutes(481), Err(DomainError::SlotLength));
        assert_eq!(SlotLength::minutes(15).map(SlotLength::as_minutes), Ok(15));
    }

    #[test]
    fn capacity_is_at_least_one() {
        assert_eq!(Capacity::new(0), Err(DomainError::Capacity));
        assert_eq!(Capacity::new(5).map(Capacity::get), Ok(5));
    }
}
