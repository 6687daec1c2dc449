//! Apply once (issue 12): an owner applies to a program with one form, for their business,
//! and the agency that owns the program receives, reviews and decides.
//!
//! | file       | job                                                                 |
//! |------------|---------------------------------------------------------------------|
//! | `form.rs`  | the versioned question set (`FormSchema`) and the one answer check   |
//! | `model.rs` | rows, the application's states (`AppStatus`) and how to apply        |
//! | `store.rs` | reading and writing the rows (no transactions of its own)           |
//! | `jobs.rs`  | `route_application`, queued in the submission's transaction         |
//! | `routing.rs` | what routing does: the agency's inbox, its email and webhooks     |
//! | `api_keys.rs` | agency API keys (shown once, hashed, revocable), `/console/api-keys` in `api_keys_web.rs` |
//! | `pull.rs`  | the agency pull API (`/api/v1/agency/applications…`, `AgencyKey`)   |
//!
//! Tables (`migrations/*/2026-12-06-000600_applications`): `application_settings` (portal or
//! external, 보완 days), `application_forms` (one row per version; the unpublished one is
//! being edited), `question_bank`, `businesses` + `business_members` (the business applies,
//! not the login), `applications` (one per program per business, from draft to decision),
//! `application_events` (who did what, and the answers as submitted), `application_files`,
//! `agency_webhooks` + `webhook_deliveries`, `agency_api_keys` + `application_pickups`.

pub mod api_keys;
pub mod api_keys_web;
pub mod apply_web;
pub mod builder;
pub mod console;
pub mod export;
pub mod form;
pub mod inbox;
pub mod jobs;
pub mod members;
pub mod model;
pub mod pull;
pub mod review;
pub mod routing;
pub mod service;
pub mod store;
pub mod webhooks;
pub mod webhooks_web;

/// The agency an admin's action is for: the actor's own (so no path or form can name
/// another). Staff-only services take the actor and write the audit entry with it.
pub(crate) fn agency_of(by: &dyn crate::audit::Actor) -> crate::error::AppResult<String> {
    by.agency_id()
        .map(String::from)
        .ok_or(crate::error::AppError::Forbidden)
}
