use crate::text::TextField;

/// Why a value from outside was refused. The texts are for developers; the web layer maps
/// each variant to a localised message, so user-facing wording lives in the Fluent files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("a search takes at most {max} words")]
    TooManyWords { max: usize },
    #[error("a HER-id is a positive whole number")]
    HerId,
    #[error("an HPR number is a positive whole number of at most nine digits")]
    HprNumber,
    /// Each place of «Konsultasjon med fastlegen» is one of the clinic's GPs; no other
    /// timebook's place is anyone's.
    #[error("a GP consultation's place is one of the clinic's GPs, and only its places are")]
    PractitionerPlace,
    #[error("an organisation number has nine digits, the last a valid check digit")]
    OrgNumber,
    #[error("a national id number has exactly 11 digits")]
    NationalIdFormat,
    #[error("the national id number's check digits are wrong")]
    NationalIdChecksum,
    #[error("the national id number holds no valid birth date")]
    NationalIdDate,
    #[error("synthetic test numbers are not accepted by this installation")]
    SyntheticIdRefused,
    #[error("{0} must not be empty")]
    TextEmpty(TextField),
    #[error("{field} may hold at most {max} characters")]
    TextTooLong { field: TextField, max: usize },
    #[error("{0} contains control characters")]
    TextControlCharacters(TextField),
    #[error("{field} may hold at most {max} code points")]
    TextTooManyCodePoints { field: TextField, max: usize },
    #[error("{0} contains a Unicode noncharacter")]
    TextNoncharacter(TextField),
    #[error("{0} contains a bidirectional override or isolate")]
    TextBidiControl(TextField),
    #[error("a slot length must be between 1 and {max} minutes", max = crate::SlotLength::MAX_MINUTES)]
    SlotLength,
    #[error("a capacity must be between 1 and {max}", max = crate::Capacity::MAX)]
    Capacity,
    #[error("a template's end time must be after its start time")]
    TemplateEndNotAfterStart,
    #[error("a template must name at least one weekday")]
    TemplateNoWeekdays,
    #[error("the last date must not be before the first")]
    DatesReversed,
    #[error("a template may span at most one year")]
    TemplateRangeTooLong,
    #[error("a slot or template must not start in the past")]
    InThePast,
    #[error("a template's day is shorter than one slot")]
    TemplateShorterThanSlot,
    #[error("booking rule out of range: {0}")]
    BookingRule(&'static str),
    #[error("unknown timebook kind")]
    TimebookKind,
    #[error("unknown booking mode")]
    BookingMode,
    #[error("unknown appointment status")]
    AppointmentStatus,
    #[error("unknown weekday")]
    Weekday,
    #[error("not a date of the form 2025-12-17, or an instant with an offset")]
    Date,
    #[error("a date must lie between 1900 and 2199")]
    DateOutOfRange,
    #[error("the clinics' time zone is missing from the time zone database")]
    TimeZone,
    #[error("a Norwegian mobile number has eight digits and starts with 4 or 9")]
    MobileNumber,
    #[error("a Norwegian phone number has eight digits and does not start with 0 or 1")]
    PhoneNumber,
    #[error("a municipality number has four digits, the first two a county's")]
    MunicipalityNumber,
    #[error("not a valid e-mail address")]
    EmailAddress,
    #[error("unknown notification channel")]
    Channel,
    #[error("not a usable Web Push subscription")]
    PushSubscription,
    /// A well-formed subscription whose endpoint Timebok does not post to.
    #[error(transparent)]
    PushTarget(#[from] crate::PushTargetRefusal),
}
