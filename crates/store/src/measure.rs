//! What the store counts and times for `/metrics`, through the `metrics` facade: the booking
//! core's holds, bookings, moves, cancellations and waitlist offers by channel and outcome, its
//! refusals by reason, each wait for a database connection, and the name of the notification worker's count. Without a recorder installed
//! (the store's own tests, a process with no `metrics_listen`) these cost next to nothing.
//!
//! The names are here, once; the web crate describes them beside the exporter.
//!
//! For OpenTelemetry traces, each operation of the booking core is a span too, and each
//! statement one (`db::statement_span`), with the target [`TRACE_TARGET`].

use crate::{Result, StoreError};
use domain::{Actor, Caller};
use std::future::Future;
use std::time::Instant;
use tracing::Instrument;

/// Holds, bookings, moves, cancellations and offers, by `operation`, `channel` and `outcome`.
pub const BOOKING_OPERATIONS: &str = "timebok_booking_operations_total";
/// Refusals by `operation`, `channel` and `reason` (a [`domain::Refusal`]'s code).
pub const BOOKING_REFUSALS: &str = "timebok_booking_refusals_total";
/// How long the booking core took, by `operation` and `outcome`.
pub const BOOKING_DURATION: &str = "timebok_booking_operation_duration_seconds";
/// Notification tries by `channel` (`sms`, `email`, `push`; `subscription` for a FHIR
/// Subscription's; `none` where no channel was chosen) and `outcome` (`sent`, `skipped`,
/// `retrying`, `failed`); the notification worker counts them as it records each in the
/// outbox.
pub const NOTIFICATION_DELIVERIES: &str = "timebok_notification_deliveries_total";
/// How long each statement or transaction waited for a database connection (on SQLite, a
/// write also for the one writer).
pub const CONNECTION_WAIT: &str = "timebok_database_connection_wait_seconds";

/// The target of the spans made for the traces alone: the booking core's, each statement's,
/// each request's (in the web crate) and each notification delivery's. The process's log
/// filter leaves them out, so a log line's span stays the request's, with its id. Span
/// macros need the target written out; this is the one place that names it for a filter.
pub const TRACE_TARGET: &str = "timebok::trace";

/// What the booking core was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Hold,
    Book,
    Move,
    Cancel,
    /// The waitlist holding a freed place for the patient first in line.
    Offer,
}

impl Operation {
    pub fn code(self) -> &'static str {
        match self {
            Self::Hold => "hold",
            Self::Book => "book",
            Self::Move => "move",
            Self::Cancel => "cancel",
            Self::Offer => "offer",
        }
    }
}

/// The door a caller came through, as the audit log's actor says: the portal (a patient or
/// their representative), the FHIR API (a machine client), the clinic's pages (staff, the
/// operator) or the waitlist (Timebok itself).
pub fn channel(actor: &Actor) -> &'static str {
    match actor {
        Actor::Patient(_) | Actor::Representative(_) => "portal",
        Actor::Client { .. } => "fhir",
        Actor::Staff { .. } | Actor::Operator { .. } => "staff",
        Actor::System => "waitlist",
    }
}

/// What came of an operation that went through, for its `outcome` label.
pub(crate) trait Done {
    fn outcome(&self) -> &'static str {
        "done"
    }
}

impl Done for crate::Hold {}
impl Done for domain::AppointmentId {}

impl Done for crate::booking::Booked {
    /// A retried Idempotency-Key's booking: nothing was booked now.
    fn outcome(&self) -> &'static str {
        if self.replayed { "replayed" } else { "done" }
    }
}

impl Done for Option<i64> {
    /// A waitlist offer: `None` when another server's offer got there first.
    fn outcome(&self) -> &'static str {
        if self.is_some() {
            "done"
        } else {
            "unavailable"
        }
    }
}

/// Runs one operation of the booking core, counting and timing what came of it.
pub(crate) async fn booking<T: Done>(
    operation: Operation,
    caller: &Caller,
    work: impl Future<Output = Result<T>>,
) -> Result<T> {
    let started = Instant::now();
    let channel = channel(&caller.actor);
    let span = tracing::info_span!(
        target: "timebok::trace",
        "booking",
        otel.name = %format_args!("booking {}", operation.code()),
        booking.operation = operation.code(),
        booking.channel = channel,
        booking.outcome = tracing::field::Empty,
        booking.refusal = tracing::field::Empty,
    );
    let result = work.instrument(span.clone()).await;
    let outcome = match &result {
        Ok(done) => done.outcome(),
        Err(StoreError::Refused(refusal)) => {
            span.record("booking.refusal", refusal.code());
            metrics::counter!(
                BOOKING_REFUSALS,
                "operation" => operation.code(),
                "channel" => channel,
                "reason" => refusal.code(),
            )
            .increment(1);
            "refused"
        }
        Err(_) => "error",
    };
    span.record("booking.outcome", outcome);
    metrics::counter!(
        BOOKING_OPERATIONS,
        "operation" => operation.code(),
        "channel" => channel,
        "outcome" => outcome,
    )
    .increment(1);
    metrics::histogram!(
        BOOKING_DURATION,
        "operation" => operation.code(),
        "outcome" => outcome,
    )
    .record(started.elapsed());
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_actor_has_its_channel() {
        let date = jiff::civil::date(1972, 9, 13);
        let patient = domain::NationalId::synthetic(date, 1).expect("a synthetic number");
        assert_eq!(channel(&Actor::Patient(patient.clone())), "portal");
        assert_eq!(channel(&Actor::Representative(patient)), "portal");
        assert_eq!(
            channel(&Actor::Client {
                name: "journal".into()
            }),
            "fhir"
        );
        assert_eq!(
            channel(&Actor::Staff {
                clinic_id: domain::ClinicId(1),
                user: "resepsjon".into()
            }),
            "staff"
        );
        assert_eq!(
            channel(&Actor::Operator {
                user: "drift".into()
            }),
            "staff"
        );
        assert_eq!(channel(&Actor::System), "waitlist");
    }
}
