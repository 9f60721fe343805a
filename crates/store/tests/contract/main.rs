//! The store's contract, run unchanged against SQLite and PostgreSQL.

#![allow(
    clippy::too_many_lines,
    reason = "a contract case reads as one scenario, from its set-up to its last assertion"
)]

extern crate timebok_store as store;

mod booking_core;
mod calendar;
mod calendar_links;
mod cases;
mod client_bookings;
mod common;
mod desk;
mod dpop;
mod gp_timebook;
mod invitations;
mod list_changes;
mod logins;
mod messages;
mod outbox;
mod patient_import;
mod practitioners;
mod rate;
mod referrals;
mod reminders;
mod representation;
mod requests;
mod retention;
mod schedules;
mod slot_publishing;
mod subscriptions;
mod usage;
mod waitlist;

contract_tests!(
    retention_erases_each_kind_when_its_period_has_passed,
    only_a_gps_own_patients_see_and_book_their_consultations,
    an_appointment_type_is_booked_into_slots_of_its_length,
    a_request_is_sent_only_where_the_timebook_takes_them,
    a_blocked_patients_request_gets_the_automatic_reply_at_once,
    the_office_answers_with_an_appointment_booked_through_the_core,
    the_office_answers_with_a_reply_the_patient_reads,
    another_clinics_staff_neither_see_nor_answer_a_request,
    a_requests_only_timebook_shows_no_free_slots_to_finders,
    each_practitioner_keeps_a_list_of_their_clinics_patients,
    a_parent_books_and_moves_for_their_child_only_while_the_relation_stands,
    a_fullmakt_tells_both_and_a_parents_access_ends_at_sixteen,
    a_session_acts_only_for_someone_a_relation_allows,
    replies_and_waitlist_offers_go_where_a_bookings_notices_go,
    a_childs_parents_are_told_of_its_appointments_whoever_books_them,
    a_calendar_link_shows_the_patients_own_appointments_from_ninety_days_back,
    a_new_calendar_link_ends_the_old_and_switching_off_ends_it,
    a_freed_place_goes_to_the_first_in_line_and_is_held_for_them,
    declining_or_letting_an_offer_expire_gives_it_to_the_next,
    accepting_books_through_the_core_and_takes_the_patient_off_the_list,
    blocked_and_booked_patients_are_passed_over,
    a_newly_published_slot_is_offered_when_it_matches_the_wish,
    joining_is_refused_as_free_slots_are_and_twice_is_once,
    the_wall_clock_decides_across_the_change_to_summer_time,
    passes_racing_on_several_servers_never_offer_a_place_twice,
    a_pass_that_loses_races_for_the_first_in_line_offers_nobody_behind_them,
    a_place_past_those_a_pass_lists_for_the_first_in_line_is_still_theirs,
    bestill_and_nei_takk_at_once_do_one_of_the_two,
    the_desk_finds_only_the_clinics_own_patients_in_any_case,
    the_week_of_a_place_counts_places_holds_and_standing_bookings,
    an_invitation_lifts_the_limit_only_while_open_for_its_patient_and_timebook,
    an_invitation_never_lifts_a_block_or_a_full_slot,
    only_the_clinics_own_patients_are_invited_and_each_gets_a_job,
    a_finders_referral_is_kept_from_the_hold_to_the_booking,
    the_change_feed_lists_a_clinics_changes_by_time_and_pages,
    each_change_notifies_every_subscription_of_the_clinic_in_numbered_order,
    a_subscribers_later_change_waits_until_the_earlier_is_done_or_failed,
    hits_are_counted_per_key_and_window,
    a_dpop_proof_is_used_once_while_its_window_lasts_on_every_server,
    the_calendar_shows_local_days_of_one_place_across_a_change_of_offset,
    the_calendar_is_refused_as_free_slots_are,
    a_patient_reads_only_their_own_appointment,
    an_import_lists_everyone_in_one_event_and_again_changes_nothing,
    fifty_thousand_patients_are_imported_at_once,
    viewing_a_page_of_the_list_audits_the_patients_shown,
    an_appointment_moves_in_one_transaction_and_keeps_its_id,
    a_move_is_refused_by_the_rules_and_changes_nothing,
    two_patients_moving_into_the_last_place_one_wins,
    the_office_books_inside_the_notice_and_a_blocked_patient_but_never_over_a_place,
    a_client_bound_to_a_clinic_acts_nowhere_else,
    a_service_switched_off_refuses_holds_and_bookings_but_not_a_retry,
    a_switch_off_racing_bookings_lets_none_through_after_it,
    an_idempotency_key_is_kept_a_day,
    the_register_keeps_a_clinics_org_number_phone_and_municipality,
    a_client_books_and_holds_for_a_patient_and_is_named_in_the_audit,
    an_idempotency_key_gives_the_first_appointment_again,
    retries_racing_with_one_key_book_once,
    clients_cancel_with_the_version_and_the_patients_deadline,
    appointment_records_are_found_by_patient_and_start,
    the_slot_feed_lists_the_window_and_what_changed_since,
    the_feed_stamp_grows_with_each_change_the_feed_shows,
    the_catalogue_lists_schedules_whose_service_is_on,
    open_slots_are_published_bookable_and_paged,
    a_login_attempt_is_taken_once_and_expires,
    staff_access_is_granted_revoked_and_audited,
    sessions_keep_the_providers_id_token,
    sessions_end_when_idle_and_at_their_absolute_limit,
    blocking_keeps_existing_appointments_until_the_clinic_cancels,
    a_patient_and_the_clinic_exchange_messages_until_it_is_closed,
    nobody_reaches_another_patients_or_clinics_thread,
    a_deleted_message_leaves_the_patients_view_only,
    a_blocked_patients_message_is_kept_answered_and_closed,
    contact_settings_are_kept_per_patient_and_audited,
    the_notice_language_follows_the_site_until_the_patient_chooses,
    push_subscriptions_are_per_device_and_only_the_owners,
    a_claimed_job_is_leased_and_finished_once,
    failed_tries_wait_then_fail_and_can_be_retried,
    the_outbox_tells_when_its_oldest_pending_job_was_written,
    live_sessions_and_the_pool_are_counted_for_the_metrics,
    reminders_are_written_once_and_only_for_booked_appointments,
    reminders_at_48_and_2_hours_are_each_written_once_at_their_moment,
    a_round_after_a_pause_writes_what_came_due_but_nothing_after_the_start,
    reminders_changed_after_booking_apply_to_appointments_not_yet_reminded,
    a_moved_appointment_is_reminded_again_for_its_new_time,
    without_the_confirmation_a_booking_writes_no_notice_but_changes_still_do,
    notices_are_kept_per_timebook_audited_and_only_the_clinics_own,
    concurrent_claims_never_hand_out_one_job_twice,
    migrations_run_again_and_concurrently,
    free_slots_are_published_future_and_inside_the_window,
    free_slots_are_refused_to_blocked_and_unlisted_patients,
    free_slot_queries_refuse_bad_ranges,
    a_booking_writes_appointment_outbox_and_audit_together,
    refused_bookings_change_nothing,
    the_booking_window_includes_both_ends,
    a_hold_keeps_the_slot_until_it_expires,
    a_new_hold_releases_the_old_one,
    holding_the_same_slot_again_renews_the_lapsed_hold,
    patients_cancel_until_the_deadline,
    clinics_cancel_any_time_and_only_their_own,
    blocking_releases_holds_and_unblocking_restores_booking,
    only_the_clinics_own_patients_are_blocked_and_named,
    templates_publish_once_and_unpublish,
    templates_keep_local_time_across_dst_in_the_store,
    single_slots_refuse_the_past_and_overlaps,
    free_slots_can_be_deleted_and_booked_ones_cannot,
    overlapping_publication_is_reported,
    race_of_many_patients_books_exactly_the_capacity,
    race_of_one_patient_respects_the_limit,
    race_across_separate_connection_pools,
    audit_log_is_append_only,
    sessions_expire_and_close,
    staff_sessions_know_their_clinic,
    services_switch_off_and_on_and_lists_are_kept,
    the_day_list_shows_the_clinics_appointments_and_audits_each_view,
    outcomes_are_recorded_for_booked_appointments_of_the_clinic,
    history_lists_every_appointment_latest_first,
    demo_style_seeding_twice_duplicates_nothing,
    a_publishers_batch_is_applied_whole_or_not_at_all,
    a_booked_slot_keeps_its_time_and_its_bookings_places,
    a_publisher_reaches_no_other_clinics_slots,
    a_list_change_adds_renames_and_takes_off_in_one_event,
    usage_counts_each_place_by_local_week_and_never_another_clinics,
);
