//! Reading and writing application rows. Callers (services) own the transactions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::form::FormSchema;
use super::model::{Application, ApplyMode, Business, Event, FormVersion, Settings};
use crate::db::schema::{
    application_events, application_forms, application_settings, applications, business_members,
    businesses,
};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::ids::new_id;

/// How the program takes applications (external when never set).
pub fn settings(conn: &mut DbConnection, announcement_id: &str) -> AppResult<Option<Settings>> {
    Ok(application_settings::table
        .find(announcement_id)
        .select(Settings::as_select())
        .first(conn)
        .optional()?)
}

pub fn save_settings(conn: &mut DbConnection, s: &Settings) -> AppResult<()> {
    let updated = diesel::update(application_settings::table.find(&s.announcement_id))
        .set(s)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(application_settings::table)
            .values(s)
            .execute(conn)?;
    }
    Ok(())
}

pub fn takes_portal_applications(
    conn: &mut DbConnection,
    announcement_id: &str,
) -> AppResult<bool> {
    Ok(settings(conn, announcement_id)?.is_some_and(|s| s.mode() == ApplyMode::Portal))
}

/// The newest published version of the program's form.
pub fn published_form(
    conn: &mut DbConnection,
    announcement_id: &str,
) -> AppResult<Option<FormVersion>> {
    Ok(application_forms::table
        .filter(application_forms::announcement_id.eq(announcement_id))
        .filter(application_forms::published_at.is_not_null())
        .order(application_forms::version.desc())
        .select(FormVersion::as_select())
        .first(conn)
        .optional()?)
}

/// The version being edited (not yet published), if any.
pub fn draft_form(
    conn: &mut DbConnection,
    announcement_id: &str,
) -> AppResult<Option<FormVersion>> {
    Ok(application_forms::table
        .filter(application_forms::announcement_id.eq(announcement_id))
        .filter(application_forms::published_at.is_null())
        .order(application_forms::version.desc())
        .select(FormVersion::as_select())
        .first(conn)
        .optional()?)
}

pub fn form_by_id(conn: &mut DbConnection, id: &str) -> AppResult<Option<FormVersion>> {
    Ok(application_forms::table
        .find(id)
        .select(FormVersion::as_select())
        .first(conn)
        .optional()?)
}

/// Save the version being edited (a new version after the last one when there is none).
pub fn save_draft_form(
    conn: &mut DbConnection,
    announcement_id: &str,
    schema: &FormSchema,
    by: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<FormVersion> {
    if let Some(d) = draft_form(conn, announcement_id)? {
        diesel::update(application_forms::table.find(&d.id))
            .set(application_forms::schema_json.eq(schema.to_json()))
            .execute(conn)?;
        return Ok(FormVersion {
            schema_json: schema.to_json(),
            ..d
        });
    }
    let last: Option<i32> = application_forms::table
        .filter(application_forms::announcement_id.eq(announcement_id))
        .select(diesel::dsl::max(application_forms::version))
        .first(conn)?;
    let row = FormVersion {
        id: new_id(),
        announcement_id: announcement_id.into(),
        version: last.unwrap_or(0) + 1,
        schema_json: schema.to_json(),
        published_at: None,
        created_by: by.map(String::from),
        created_at: now,
    };
    diesel::insert_into(application_forms::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// Publish the version being edited: from now on new drafts use it; a published version
/// never changes again.
pub fn publish_draft_form(
    conn: &mut DbConnection,
    announcement_id: &str,
    now: NaiveDateTime,
) -> AppResult<Option<FormVersion>> {
    let Some(d) = draft_form(conn, announcement_id)? else {
        return Ok(None);
    };
    diesel::update(application_forms::table.find(&d.id))
        .set(application_forms::published_at.eq(Some(now)))
        .execute(conn)?;
    Ok(Some(FormVersion {
        published_at: Some(now),
        ..d
    }))
}

/// A business by id.
pub fn business(conn: &mut DbConnection, id: &str) -> AppResult<Option<Business>> {
    Ok(businesses::table
        .find(id)
        .select(Business::as_select())
        .first(conn)
        .optional()?)
}

pub fn business_by_number(conn: &mut DbConnection, number: &str) -> AppResult<Option<Business>> {
    Ok(businesses::table
        .filter(businesses::business_number.eq(number))
        .select(Business::as_select())
        .first(conn)
        .optional()?)
}

/// The businesses `user_id` may apply for.
pub fn businesses_of(conn: &mut DbConnection, user_id: &str) -> AppResult<Vec<Business>> {
    Ok(businesses::table
        .inner_join(business_members::table)
        .filter(business_members::user_id.eq(user_id))
        .order(businesses::name.asc())
        .select(Business::as_select())
        .load(conn)?)
}

pub fn is_member(conn: &mut DbConnection, business_id: &str, user_id: &str) -> AppResult<bool> {
    Ok(business_members::table
        .find((business_id, user_id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn application(conn: &mut DbConnection, id: &str) -> AppResult<Option<Application>> {
    Ok(applications::table
        .find(id)
        .select(Application::as_select())
        .first(conn)
        .optional()?)
}

/// The business's application to the program, draft or not.
pub fn application_of(
    conn: &mut DbConnection,
    announcement_id: &str,
    business_id: &str,
) -> AppResult<Option<Application>> {
    Ok(applications::table
        .filter(applications::announcement_id.eq(announcement_id))
        .filter(applications::business_id.eq(business_id))
        .select(Application::as_select())
        .first(conn)
        .optional()?)
}

#[allow(clippy::too_many_arguments)]
pub fn add_event(
    conn: &mut DbConnection,
    application_id: &str,
    actor_id: Option<&str>,
    kind: &str,
    status: Option<&str>,
    note: &str,
    answers_json: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::insert_into(application_events::table)
        .values(&Event {
            id: new_id(),
            application_id: application_id.into(),
            actor_id: actor_id.map(String::from),
            kind: kind.into(),
            status: status.map(String::from),
            note: note.into(),
            answers_json: answers_json.map(String::from),
            created_at: now,
        })
        .execute(conn)?;
    Ok(())
}

pub fn events(conn: &mut DbConnection, application_id: &str) -> AppResult<Vec<Event>> {
    Ok(application_events::table
        .filter(application_events::application_id.eq(application_id))
        .order((
            application_events::created_at.asc(),
            application_events::id.asc(),
        ))
        .select(Event::as_select())
        .load(conn)?)
}
