//! The one portable schema for both engines (SQLite and PostgreSQL).
//! Kept by hand in step with `migrations/{sqlite,postgres}`; `tests/schema.rs` checks that
//! every table and column here exists in a freshly migrated database of each kind.

diesel::table! {
    categories (code) {
        code -> Text,
        name -> Text,
        parent_code -> Nullable<Text>,
        sort_order -> Integer,
    }
}

diesel::table! {
    regions (code) {
        code -> Text,
        name -> Text,
        short_name -> Text,
        sido_code -> Text,
        level -> Text,
        sort_order -> Integer,
    }
}

diesel::table! {
    ksic (code) {
        code -> Text,
        name -> Text,
        name_en -> Text,
        level -> Integer,
        parent_code -> Nullable<Text>,
        section -> Text,
    }
}

diesel::table! {
    agencies (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        region_code -> Nullable<Text>,
        homepage -> Nullable<Text>,
        phone -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        display_name -> Text,
        is_operator -> Bool,
        agency_id -> Nullable<Text>,
        agency_role -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_seen_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        agency_id -> Nullable<Text>,
        email -> Text,
        agency_role -> Nullable<Text>,
        token_hash -> Text,
        invited_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        operator -> Bool,
    }
}

diesel::table! {
    worker_heartbeats (worker) {
        worker -> Text,
        host -> Text,
        last_tick_at -> Timestamp,
    }
}

diesel::table! {
    announcements (id) {
        id -> Text,
        title -> Text,
        summary -> Text,
        body_html -> Text,
        owner_agency_id -> Nullable<Text>,
        exec_agency_id -> Nullable<Text>,
        category -> Nullable<Text>,
        subcategories -> Text,
        target_types -> Text,
        nationwide -> Bool,
        eligibility -> Text,
        window_kind -> Text,
        apply_start -> Nullable<Timestamp>,
        apply_end -> Nullable<Timestamp>,
        window_note -> Nullable<Text>,
        apply_method -> Text,
        apply_url -> Nullable<Text>,
        apply_note -> Nullable<Text>,
        contacts -> Nullable<Text>,
        status -> Text,
        publish_at -> Nullable<Timestamp>,
        published_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        revision -> Integer,
        view_count -> BigInt,
        origin -> Text,
        search_text -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        owner_confirmed -> Bool,
        body_markdown -> Nullable<Text>,
    }
}

diesel::table! {
    announcement_regions (announcement_id, region_code) {
        announcement_id -> Text,
        region_code -> Text,
        sido_code -> Text,
    }
}

diesel::table! {
    announcement_targets (announcement_id, target) {
        announcement_id -> Text,
        target -> Text,
    }
}

diesel::table! {
    sub_programs (id) {
        id -> Text,
        announcement_id -> Text,
        position -> Integer,
        name -> Text,
        description -> Text,
        scale -> Text,
        budget_won -> Nullable<BigInt>,
    }
}

diesel::table! {
    attachments (id) {
        id -> Text,
        announcement_id -> Text,
        position -> Integer,
        file_name -> Text,
        stored_name -> Nullable<Text>,
        url -> Nullable<Text>,
        content_type -> Nullable<Text>,
        size_bytes -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    announcement_sources (id) {
        id -> Text,
        announcement_id -> Text,
        source -> Text,
        source_id -> Text,
        source_url -> Nullable<Text>,
        source_updated -> Nullable<Text>,
        content_hash -> Text,
        first_seen_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    revisions (id) {
        id -> Text,
        announcement_id -> Text,
        revision -> Integer,
        reason -> Text,
        diff -> Text,
        material -> Bool,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        actor_id -> Nullable<Text>,
        actor_label -> Text,
        agency_id -> Nullable<Text>,
        action -> Text,
        target_kind -> Text,
        target_id -> Text,
        detail -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    jobs (id) {
        id -> Text,
        kind -> Text,
        payload -> Text,
        dedupe_key -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_at -> Timestamp,
        locked_by -> Nullable<Text>,
        locked_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    import_runs (id) {
        id -> Text,
        source -> Text,
        location -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        new_count -> Integer,
        changed_count -> Integer,
        unchanged_count -> Integer,
        merged_count -> Integer,
        rejected_count -> Integer,
        rejects -> Text,
        error -> Nullable<Text>,
        noted_count -> Integer,
    }
}

diesel::table! {
    owner_profiles (user_id) {
        user_id -> Text,
        email_verified_at -> Nullable<Timestamp>,
        business_number -> Nullable<Text>,
        business_name -> Text,
        ksic_code -> Nullable<Text>,
        region_code -> Nullable<Text>,
        founded_on -> Nullable<Date>,
        employees -> Nullable<Integer>,
        revenue_band -> Nullable<Text>,
        sole_proprietor -> Nullable<Bool>,
        birth_year -> Nullable<Integer>,
        gender -> Nullable<Text>,
        phone -> Nullable<Text>,
        digest_hour -> Integer,
        daily_cap -> Integer,
        reminder_days -> Text,
        reminder_channels -> Text,
        updated_at -> Timestamp,
        phone_verified_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    account_tokens (id) {
        id -> Text,
        purpose -> Text,
        user_id -> Nullable<Text>,
        subscription_id -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    subscription_criteria (id) {
        id -> Text,
        hash -> Text,
        spec -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    criteria_terms (term, criteria_id) {
        term -> Text,
        criteria_id -> Text,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> Text,
        user_id -> Nullable<Text>,
        email -> Nullable<Text>,
        name -> Text,
        criteria_id -> Text,
        spec -> Text,
        is_profile -> Bool,
        frequency -> Text,
        channels -> Text,
        status -> Text,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    consents (id) {
        id -> Text,
        user_id -> Nullable<Text>,
        subscription_id -> Nullable<Text>,
        channel -> Text,
        granted -> Bool,
        source -> Text,
        created_at -> Timestamp,
        policy_version -> Nullable<Text>,
    }
}

diesel::table! {
    phone_verifications (id) {
        id -> Text,
        user_id -> Text,
        phone -> Text,
        code_hash -> Text,
        attempts -> Integer,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    message_mutes (recipient, announcement_id, kind) {
        recipient -> Text,
        announcement_id -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bookmarks (user_id, announcement_id) {
        user_id -> Text,
        announcement_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    push_endpoints (id) {
        id -> Text,
        user_id -> Text,
        endpoint -> Text,
        p256dh -> Text,
        auth -> Text,
        created_at -> Timestamp,
        last_success_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    deliveries (id) {
        id -> Text,
        dedupe_key -> Text,
        user_id -> Nullable<Text>,
        subscription_id -> Nullable<Text>,
        announcement_id -> Nullable<Text>,
        agency_id -> Nullable<Text>,
        channel -> Text,
        kind -> Text,
        frequency -> Text,
        address -> Text,
        reason -> Text,
        detail -> Text,
        short_code -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_by -> Nullable<Text>,
        locked_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        digest_id -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        opened_at -> Nullable<Timestamp>,
        clicked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    announcement_views (announcement_id, day) {
        announcement_id -> Text,
        day -> Date,
        views -> BigInt,
    }
}

diesel::table! {
    rate_limits (action, key, window_start) {
        action -> Text,
        key -> Text,
        window_start -> Timestamp,
        hits -> Integer,
    }
}

diesel::table! {
    application_settings (announcement_id) {
        announcement_id -> Text,
        mode -> Text,
        supplement_days -> Integer,
        show_count -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    application_forms (id) {
        id -> Text,
        announcement_id -> Text,
        version -> Integer,
        schema_json -> Text,
        published_at -> Nullable<Timestamp>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    question_bank (id) {
        id -> Text,
        agency_id -> Nullable<Text>,
        bank_key -> Text,
        question_json -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    businesses (id) {
        id -> Text,
        business_number -> Text,
        name -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    business_members (business_id, user_id) {
        business_id -> Text,
        user_id -> Text,
        role -> Text,
        invited_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    applications (id) {
        id -> Text,
        announcement_id -> Text,
        business_id -> Text,
        form_id -> Text,
        agency_id -> Text,
        status -> Text,
        receipt_no -> Nullable<Text>,
        applicant_json -> Text,
        answers_json -> Text,
        step -> Integer,
        supplement_note -> Text,
        supplement_due -> Nullable<Timestamp>,
        created_by -> Text,
        submitted_by -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    application_events (id) {
        id -> Text,
        application_id -> Text,
        actor_id -> Nullable<Text>,
        kind -> Text,
        status -> Nullable<Text>,
        note -> Text,
        answers_json -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    application_files (id) {
        id -> Text,
        application_id -> Text,
        question_key -> Text,
        stored_name -> Text,
        original_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agency_webhooks (id) {
        id -> Text,
        agency_id -> Text,
        url -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        webhook_id -> Text,
        application_id -> Text,
        event -> Text,
        status -> Text,
        attempts -> Integer,
        last_status_code -> Nullable<Integer>,
        last_error -> Text,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    agency_api_keys (id) {
        id -> Text,
        agency_id -> Text,
        name -> Text,
        key_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    application_pickups (application_id, key_id) {
        application_id -> Text,
        key_id -> Text,
        confirmed_at -> Timestamp,
    }
}

diesel::joinable!(users -> agencies (agency_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(announcement_regions -> announcements (announcement_id));
diesel::joinable!(announcement_targets -> announcements (announcement_id));
diesel::joinable!(sub_programs -> announcements (announcement_id));
diesel::joinable!(attachments -> announcements (announcement_id));
diesel::joinable!(announcement_sources -> announcements (announcement_id));
diesel::joinable!(revisions -> announcements (announcement_id));
diesel::joinable!(owner_profiles -> users (user_id));
diesel::joinable!(subscriptions -> subscription_criteria (criteria_id));
diesel::joinable!(criteria_terms -> subscription_criteria (criteria_id));
diesel::joinable!(bookmarks -> announcements (announcement_id));
diesel::joinable!(phone_verifications -> users (user_id));
diesel::joinable!(applications -> businesses (business_id));
diesel::joinable!(applications -> announcements (announcement_id));
diesel::joinable!(application_events -> applications (application_id));
diesel::joinable!(application_files -> applications (application_id));
diesel::joinable!(business_members -> businesses (business_id));
diesel::joinable!(webhook_deliveries -> agency_webhooks (webhook_id));

diesel::allow_tables_to_appear_in_same_query!(
    categories,
    regions,
    ksic,
    agencies,
    users,
    sessions,
    invitations,
    announcements,
    announcement_regions,
    announcement_targets,
    sub_programs,
    attachments,
    announcement_sources,
    revisions,
    audit_log,
    jobs,
    import_runs,
    owner_profiles,
    account_tokens,
    subscription_criteria,
    criteria_terms,
    subscriptions,
    consents,
    bookmarks,
    push_endpoints,
    deliveries,
    announcement_views,
    rate_limits,
    worker_heartbeats,
    phone_verifications,
    message_mutes,
    application_settings,
    application_forms,
    question_bank,
    businesses,
    business_members,
    applications,
    application_events,
    application_files,
    agency_webhooks,
    webhook_deliveries,
    agency_api_keys,
    application_pickups,
);
