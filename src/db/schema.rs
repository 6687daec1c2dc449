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
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        agency_id -> Text,
        email -> Text,
        agency_role -> Text,
        token_hash -> Text,
        invited_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
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
);
