use domain::{DomainError, Refusal};

/// Everything the store can refuse or fail with. The booking refusals are typed so that
/// callers can answer each with its own message; none of them carries patient data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The booking core said no, for one of its closed set of reasons.
    #[error("refused: {0}")]
    Refused(#[from] Refusal),
    #[error("the conversation is closed and cannot be answered")]
    ThreadClosed,
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("the date range may cover at most {max} days")]
    RangeTooLong { max: i32 },
    #[error(transparent)]
    Invalid(#[from] DomainError),
    #[error("the database URL must start with sqlite:// or postgres://")]
    UnsupportedUrl,
    /// A stored value no longer passes validation; names the column, never the value.
    #[error("stored data failed validation in {0}")]
    Corrupt(&'static str),
    #[error("a slot already starts at that time at this resource")]
    Overlap,
    #[error("the slot has appointments; cancel them or unpublish the slot instead")]
    SlotInUse,
    /// A slot's capacity asked below the places its appointments take.
    #[error("the slot has {booked} booked places; its capacity cannot be smaller")]
    BelowBookings { booked: u16 },
    /// A change of a batch was refused, and with it the whole batch: which change, from 0.
    #[error("change {index} of the batch: {error}")]
    InBatch {
        index: usize,
        error: Box<StoreError>,
    },
    #[error(
        "on PostgreSQL, back up with pg_dump and restore with pg_restore (README, «Backup and restore»)"
    )]
    BackupByPgDump,
    #[error("the backup's file name is not UTF-8")]
    BackupPath,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Whether the error is the caller's to fix rather than an operator's.
    pub fn is_refusal(&self) -> bool {
        !matches!(
            self,
            Self::Database(_) | Self::Migrate(_) | Self::Corrupt(_) | Self::UnsupportedUrl
        )
    }
}
