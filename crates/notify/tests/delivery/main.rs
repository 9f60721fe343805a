//! From the booking to the inbox, the phone and the browser: the outbox worker against a
//! real SMTP server, SMS gateway and push service on loopback, on SQLite and PostgreSQL.

#![allow(
    clippy::too_many_lines,
    reason = "a delivery case reads as one scenario, from the booking to what the peer received"
)]

extern crate timebok_notify as notify;

mod browser;
mod cases;

/// Runs each case of `cases.rs` once per backend.
macro_rules! delivery_tests {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    crate::cases::$case(store::testing::TestDb::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let Some(db) = store::testing::TestDb::postgres().await else { return };
                    crate::cases::$case(db).await;
                }
            )*
        }
    };
}

delivery_tests!(
    the_worker_applies_retention_once_an_hour,
    a_slow_gateway_answer_does_not_hold_up_the_batch,
    the_booking_e_mail_has_the_guides_text_and_a_calendar_file,
    the_sms_goes_through_the_gateway_without_the_reason,
    push_is_encrypted_for_the_subscription_and_gone_devices_are_forgotten,
    notices_are_written_in_the_patients_language,
    mail_waits_for_a_server_that_is_down_and_arrives_when_it_is_back,
    a_gateway_that_keeps_failing_ends_in_a_visible_failure,
    one_bad_address_does_not_stop_the_others,
    a_reminder_goes_out_for_booked_appointments_and_never_for_cancelled_ones,
    patients_without_an_address_are_recorded_not_dropped,
    two_workers_never_send_one_job_at_the_same_time,
    a_reply_from_the_office_is_notified_without_the_message,
    a_freed_place_is_offered_and_notified_in_one_round_and_a_closed_offer_is_not,
);
