//! The rules of an announcement's life: creating, editing, scheduling, publishing,
//! correcting (a new revision with a reason and a field-level diff), closing. Each change
//! writes its jobs and its audit entry in the same transaction.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::jobs::{self as ann_jobs, ById, CloseAnnouncement, PublishAnnouncement};
use super::model::{
    Announcement, Eligibility, FieldChange, Revision, Status, SubProgram, WindowKind,
};
use super::store;
use crate::accounts::CurrentUser;
use crate::audit;
use crate::clock::format_kst;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::ids::new_id;
use crate::jobs;
use crate::web::form::FieldErrors;

/// Who an announcement would reach if published now, as the console shows it (people,
/// subscriptions, per channel). Alerts provides it; `AppState::reach` holds it, so this
/// module does not import alerts. `off`: channels switched off.
pub type ReachFn =
    fn(&mut DbConnection, &Announcement, &[&str], NaiveDateTime) -> AppResult<serde_json::Value>;

/// How an announcement fits a signed-in owner's business profile, for its page
/// (`{"fits", "reasons", "unsure"}` or `{"fits": false, "why"}`; `None` without a
/// profile). Alerts provides it (`alerts::fit::for_announcement`); `AppState::fit`
/// holds it, as with [`ReachFn`].
pub type FitFn = fn(
    &mut DbConnection,
    &str,
    &Announcement,
    NaiveDateTime,
) -> AppResult<Option<serde_json::Value>>;

/// What applications tells announcements about how a program takes applications (set in
/// `AppState::apply`, so this module does not import applications): the manage page's
/// settings form values (`{mode, supplement_days, show_count, published_version}`), and
/// whether the program takes applications on this portal with a published form.
#[derive(Clone, Copy)]
pub struct ApplyHooks {
    pub settings: fn(&mut DbConnection, &str) -> AppResult<serde_json::Value>,
    pub portal_ready: fn(&mut DbConnection, &str) -> AppResult<bool>,
}

/// How many businesses applied on the portal, when the agency lets the announcement page
/// say so (`None` otherwise). Applications provides it (`applications::review::shown_count`);
/// `AppState::applicant_count` holds it, as with [`ReachFn`].
pub type ApplicantCountFn = fn(&mut DbConnection, &str) -> AppResult<Option<i64>>;

/// Applications submitted per KST day between two dates (inclusive), for the alert
/// report. Applications provides it (`applications::review::per_day`).
pub type ApplicationsPerDayFn = fn(
    &mut DbConnection,
    &str,
    chrono::NaiveDate,
    chrono::NaiveDate,
) -> AppResult<Vec<(chrono::NaiveDate, i64)>>;

/// Queue the search-index refresh of an announcement, in the caller's transaction. The
/// job reads the row when it runs: public → indexed, otherwise removed from the index.
pub fn touched(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<()> {
    ann_jobs::queue_index(conn, id, now)
}

/// Everything an agency (or an import) says about a program; the editable part of an
/// announcement.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Content {
    pub title: String,
    pub summary: String,
    pub body_html: String,
    /// The Markdown `body_html` was rendered from (the console), or `None` (imports).
    pub body_markdown: Option<String>,
    pub owner_agency_id: Option<String>,
    pub exec_agency_id: Option<String>,
    pub category: Option<String>,
    pub subcategories: Vec<String>,
    pub target_types: Vec<String>,
    pub nationwide: bool,
    /// 5-digit region codes (시도 `31000` or 시군구 `31140`).
    pub region_codes: Vec<String>,
    pub eligibility: Eligibility,
    pub window_kind: Option<WindowKind>,
    pub apply_start: Option<NaiveDateTime>,
    pub apply_end: Option<NaiveDateTime>,
    pub window_note: Option<String>,
    pub apply_method: String,
    pub apply_url: Option<String>,
    pub apply_note: Option<String>,
    pub contacts: Option<String>,
    pub sub_programs: Vec<SubProgramInput>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SubProgramInput {
    pub name: String,
    pub scale: String,
    pub budget_won: Option<i64>,
    pub description: String,
}

/// Who is acting: a signed-in person, or the system (importer, scheduler).
pub enum Actor<'a> {
    User(&'a CurrentUser),
    System(&'a str),
}

impl Actor<'_> {
    fn id(&self) -> Option<String> {
        match self {
            Actor::User(u) => Some(u.user.id.clone()),
            Actor::System(_) => None,
        }
    }
    fn audit(
        &self,
        conn: &mut DbConnection,
        action: &str,
        target: &str,
        detail: &str,
        agency_id: Option<&str>,
        now: NaiveDateTime,
    ) -> AppResult<()> {
        match self {
            Actor::User(u) => audit::record(conn, *u, action, "announcement", target, detail, now),
            Actor::System(label) => audit::record_system(
                conn,
                label,
                agency_id,
                action,
                "announcement",
                target,
                detail,
                now,
            ),
        }
    }
}

/// One HTML policy for bodies typed in the console and read from imports: structure
/// (paragraphs, lists, tables, links) kept, scripts/styles/handlers dropped, plain text
/// turned into paragraphs.
use crate::text::{html_to_text, sanitize_html};

fn build_search_text(c: &Content, agency_names: &[String], region_names: &[String]) -> String {
    let mut parts = vec![c.title.clone(), c.summary.clone()];
    parts.extend(agency_names.iter().cloned());
    parts.extend(c.category.iter().cloned());
    parts.extend(c.subcategories.iter().cloned());
    parts.extend(c.target_types.iter().cloned());
    parts.extend(region_names.iter().cloned());
    for s in &c.sub_programs {
        parts.push(s.name.clone());
    }
    let text = parts.join(" ").to_lowercase();
    text.chars().take(4000).collect()
}

fn names_for(conn: &mut DbConnection, c: &Content) -> AppResult<(Vec<String>, Vec<String>)> {
    let ids: Vec<String> = c
        .owner_agency_id
        .iter()
        .chain(c.exec_agency_id.iter())
        .cloned()
        .collect();
    let agencies = store::agencies_by_id(conn, &ids)?;
    let agency_names = ids
        .iter()
        .filter_map(|id| agencies.get(id).map(|a| a.name.clone()))
        .collect();
    let mut region_names = Vec::new();
    if c.nationwide {
        region_names.push("전국".to_string());
    }
    for code in &c.region_codes {
        if let Some(r) = crate::reference::find_region(conn, code)? {
            region_names.push(r.short_name.clone());
            region_names.push(r.name.clone());
        }
    }
    Ok((agency_names, region_names))
}

/// Write `content` onto `a` (and its child rows). Used by create, edit, correct, import.
fn apply_content(
    conn: &mut DbConnection,
    a: &mut Announcement,
    c: &Content,
    now: NaiveDateTime,
) -> AppResult<()> {
    let (agency_names, region_names) = names_for(conn, c)?;
    a.title = c.title.clone();
    a.summary = c.summary.clone();
    a.body_html = sanitize_html(&c.body_html);
    a.body_markdown = c.body_markdown.clone();
    a.owner_agency_id = c.owner_agency_id.clone();
    a.exec_agency_id = c.exec_agency_id.clone();
    a.category = c.category.clone();
    a.subcategories = serde_json::to_string(&c.subcategories).map_err(AppError::internal)?;
    a.target_types = serde_json::to_string(&c.target_types).map_err(AppError::internal)?;
    a.nationwide = c.nationwide;
    a.eligibility = serde_json::to_string(&c.eligibility).map_err(AppError::internal)?;
    a.window_kind = c
        .window_kind
        .unwrap_or(WindowKind::Tbd)
        .as_str()
        .to_string();
    a.apply_start = c.apply_start;
    a.apply_end = c.apply_end;
    a.window_note = c.window_note.clone();
    a.apply_method = c.apply_method.clone();
    a.apply_url = c.apply_url.clone();
    a.apply_note = c.apply_note.clone();
    a.contacts = c.contacts.clone();
    a.search_text = build_search_text(c, &agency_names, &region_names);
    a.updated_at = now;
    store::replace_regions(conn, &a.id, &c.region_codes)?;
    store::replace_targets(conn, &a.id, &c.target_types)?;
    let subs: Vec<SubProgram> = c
        .sub_programs
        .iter()
        .enumerate()
        .map(|(i, s)| SubProgram {
            id: new_id(),
            announcement_id: a.id.clone(),
            position: i as i32,
            name: s.name.clone(),
            description: s.description.clone(),
            scale: s.scale.clone(),
            budget_won: s.budget_won,
        })
        .collect();
    store::replace_sub_programs(conn, &a.id, &subs)?;
    Ok(())
}

/// The stored content of an announcement, for editing and diffing.
pub fn content_of(conn: &mut DbConnection, a: &Announcement) -> AppResult<Content> {
    let subs = store::sub_programs_of(conn, &a.id)?;
    Ok(Content {
        title: a.title.clone(),
        summary: a.summary.clone(),
        body_html: a.body_html.clone(),
        body_markdown: a.body_markdown.clone(),
        owner_agency_id: a.owner_agency_id.clone(),
        exec_agency_id: a.exec_agency_id.clone(),
        category: a.category.clone(),
        subcategories: a.subcategory_list(),
        target_types: a.target_list(),
        nationwide: a.nationwide,
        region_codes: store::region_codes(conn, &a.id)?,
        eligibility: a.eligibility(),
        window_kind: Some(a.window_kind()),
        apply_start: a.apply_start,
        apply_end: a.apply_end,
        window_note: a.window_note.clone(),
        apply_method: a.apply_method.clone(),
        apply_url: a.apply_url.clone(),
        apply_note: a.apply_note.clone(),
        contacts: a.contacts.clone(),
        sub_programs: subs
            .into_iter()
            .map(|s| SubProgramInput {
                name: s.name,
                scale: s.scale,
                budget_won: s.budget_won,
                description: s.description,
            })
            .collect(),
    })
}

/// A new announcement row with `content`, in `status`, not yet saved.
pub fn blank(
    id: String,
    origin: &str,
    status: Status,
    created_by: Option<String>,
    now: NaiveDateTime,
) -> Announcement {
    Announcement {
        id,
        title: String::new(),
        summary: String::new(),
        body_html: String::new(),
        owner_agency_id: None,
        exec_agency_id: None,
        category: None,
        subcategories: "[]".into(),
        target_types: "[]".into(),
        nationwide: false,
        eligibility: "{}".into(),
        window_kind: WindowKind::Tbd.as_str().into(),
        apply_start: None,
        apply_end: None,
        window_note: None,
        apply_method: "external".into(),
        apply_url: None,
        apply_note: None,
        contacts: None,
        status: status.as_str().into(),
        publish_at: None,
        published_at: None,
        closed_at: None,
        revision: 1,
        view_count: 0,
        origin: origin.into(),
        search_text: String::new(),
        created_by,
        created_at: now,
        updated_at: now,
        owner_confirmed: true,
        body_markdown: None,
    }
}

/// Insert a new announcement with its content (used by the console and imports).
pub fn insert_with_content(
    conn: &mut DbConnection,
    mut a: Announcement,
    c: &Content,
    now: NaiveDateTime,
) -> AppResult<Announcement> {
    store::insert(conn, &a)?;
    apply_content(conn, &mut a, c, now)?;
    store::update(conn, &a)?;
    touched(conn, &a.id, now)?;
    if a.status() == Status::Published {
        // Imported straight into the published state: owners hear of it too.
        ann_jobs::emit(conn, &a.id, "publish", a.revision, now)?;
    }
    Ok(a)
}

/// Overwrite the content of an existing row (imports, draft edits).
pub fn overwrite_content(
    conn: &mut DbConnection,
    a: &mut Announcement,
    c: &Content,
    now: NaiveDateTime,
) -> AppResult<()> {
    apply_content(conn, a, c, now)?;
    store::update(conn, a)?;
    touched(conn, &a.id, now)
}

/// Create a draft (or a forecast) for the actor's agency.
pub fn create(
    conn: &mut DbConnection,
    content: &Content,
    forecast: bool,
    actor: &CurrentUser,
    now: NaiveDateTime,
) -> AppResult<Announcement> {
    crate::db::write_transaction(conn, |conn| {
        let status = if forecast {
            Status::Forecast
        } else {
            Status::Draft
        };
        let mut a = blank(new_id(), "agency", status, Some(actor.user.id.clone()), now);
        if forecast {
            a.published_at = Some(now);
        }
        let a = insert_with_content(conn, a, content, now)?;
        audit::record(
            conn,
            actor,
            if forecast {
                "announcement.forecast"
            } else {
                "announcement.create"
            },
            "announcement",
            &a.id,
            &a.title,
            now,
        )?;
        Ok(a)
    })
}

/// Edit a draft, scheduled or forecast announcement in place (not yet open to the
/// public as a real call, so no revision is needed).
pub fn edit(
    conn: &mut DbConnection,
    id: &str,
    content: &Content,
    actor: &CurrentUser,
    now: NaiveDateTime,
) -> AppResult<Announcement> {
    crate::db::write_transaction(conn, |conn| {
        let mut a = store::find(conn, id)?.ok_or(AppError::NotFound)?;
        if !matches!(
            a.status(),
            Status::Draft | Status::Scheduled | Status::Forecast
        ) {
            return Err(AppError::Conflict(
                "게시된 공고는 정정 공고로만 바꿀 수 있습니다.".into(),
            ));
        }
        if a.status() == Status::Forecast {
            // A forecast is public: keep a history of what people saw.
            let old = content_of(conn, &a)?;
            record_revision(
                conn,
                &mut a,
                &old,
                content,
                "예고 내용 수정",
                Actor::User(actor),
                now,
            )?;
        }
        apply_content(conn, &mut a, content, now)?;
        store::update(conn, &a)?;
        touched(conn, &a.id, now)?;
        audit::record(
            conn,
            actor,
            "announcement.edit",
            "announcement",
            &a.id,
            &a.title,
            now,
        )?;
        Ok(a)
    })
}

/// What keeps `a` from going public at `at`, at its fields in the form's order
/// ([`rules::publish_problems`] on the stored content; empty when it can be published).
pub fn publish_problems(
    conn: &mut DbConnection,
    a: &Announcement,
    at: NaiveDateTime,
) -> AppResult<FieldErrors> {
    Ok(super::rules::publish_problems(&content_of(conn, a)?, at))
}

/// The problems as one Korean sentence, for a refusal.
fn refusal(problems: &FieldErrors) -> AppError {
    let messages: Vec<&str> = problems.iter().map(|(_, m)| m).collect();
    AppError::BadRequest(messages.join(" "))
}

/// Publish now (a draft, a scheduled one, or a forecast that becomes the real call).
pub fn publish_now(
    conn: &mut DbConnection,
    id: &str,
    actor: &CurrentUser,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let a = store::find(conn, id)?.ok_or(AppError::NotFound)?;
        if !matches!(
            a.status(),
            Status::Draft | Status::Scheduled | Status::Forecast
        ) {
            return Err(AppError::Conflict(
                "이미 게시되었거나 마감된 공고입니다.".into(),
            ));
        }
        let problems = publish_problems(conn, &a, now)?;
        if !problems.is_empty() {
            return Err(refusal(&problems));
        }
        mark_published(conn, a, now)?;
        audit::record(
            conn,
            actor,
            "announcement.publish",
            "announcement",
            id,
            "즉시 게시",
            now,
        )
    })
}

fn mark_published(
    conn: &mut DbConnection,
    mut a: Announcement,
    now: NaiveDateTime,
) -> AppResult<()> {
    a.status = Status::Published.as_str().into();
    a.published_at = Some(now);
    a.publish_at = None;
    a.updated_at = now;
    store::update(conn, &a)?;
    touched(conn, &a.id, now)?;
    ann_jobs::emit(conn, &a.id, "publish", a.revision, now)?;
    queue_close(conn, &a, now)
}

/// Queue the job that closes the announcement after its deadline.
pub fn queue_close(conn: &mut DbConnection, a: &Announcement, now: NaiveDateTime) -> AppResult<()> {
    if let Some(end) = a.apply_end {
        let run_at = end + chrono::Duration::seconds(1);
        jobs::enqueue::<CloseAnnouncement>(
            conn,
            &ById { id: a.id.clone() },
            run_at,
            Some(format!("close:{}:{}", a.id, run_at)),
            now,
        )?;
    }
    Ok(())
}

/// Schedule publication at `publish_at` (UTC). The publish job is written in the same
/// transaction, so a restart never loses it.
pub fn schedule(
    conn: &mut DbConnection,
    id: &str,
    publish_at: NaiveDateTime,
    actor: &CurrentUser,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let mut a = store::find(conn, id)?.ok_or(AppError::NotFound)?;
        if !matches!(
            a.status(),
            Status::Draft | Status::Scheduled | Status::Forecast
        ) {
            return Err(AppError::Conflict(
                "이미 게시되었거나 마감된 공고입니다.".into(),
            ));
        }
        if publish_at <= now {
            return Err(AppError::BadRequest(
                "게시 예약 시각은 지금 이후여야 합니다.".into(),
            ));
        }
        let problems = publish_problems(conn, &a, publish_at)?;
        if !problems.is_empty() {
            return Err(refusal(&problems));
        }
        a.status = Status::Scheduled.as_str().into();
        a.publish_at = Some(publish_at);
        a.updated_at = now;
        store::update(conn, &a)?;
        touched(conn, &a.id, now)?;
        jobs::enqueue::<PublishAnnouncement>(
            conn,
            &ById { id: a.id.clone() },
            publish_at,
            Some(format!("publish:{}:{}", a.id, publish_at)),
            now,
        )?;
        audit::record(
            conn,
            actor,
            "announcement.schedule",
            "announcement",
            id,
            &format!("{} 게시 예정", crate::clock::format_kst_moment(publish_at)),
            now,
        )
    })
}

/// The publish job: publish if still scheduled and due; otherwise (rescheduled,
/// unpublished) do nothing.
pub fn publish_due(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let Some(a) = store::find(conn, id)? else {
            return Ok(());
        };
        let due =
            a.status() == Status::Scheduled && a.publish_at.map(|t| t <= now).unwrap_or(false);
        if !due {
            return Ok(());
        }
        let owner = a.owner_agency_id.clone();
        mark_published(conn, a, now)?;
        audit::record_system(
            conn,
            "예약 게시",
            owner.as_deref(),
            "announcement.publish",
            "announcement",
            id,
            "예약 시각 도래",
            now,
        )
    })
}

/// The close job: close if published and past the deadline.
pub fn close_due(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let Some(mut a) = store::find(conn, id)? else {
            return Ok(());
        };
        let due = a.status() == Status::Published && a.apply_end.map(|t| t < now).unwrap_or(false);
        if !due {
            return Ok(());
        }
        a.status = Status::Closed.as_str().into();
        a.closed_at = Some(now);
        a.updated_at = now;
        store::update(conn, &a)?;
        touched(conn, &a.id, now)?;
        audit::record_system(
            conn,
            "자동 마감",
            a.owner_agency_id.as_deref(),
            "announcement.close",
            "announcement",
            id,
            "접수 마감 시각 경과",
            now,
        )
    })
}

/// Take an announcement off the public site (back to draft).
pub fn unpublish(
    conn: &mut DbConnection,
    id: &str,
    actor: &CurrentUser,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let mut a = store::find(conn, id)?.ok_or(AppError::NotFound)?;
        if !matches!(
            a.status(),
            Status::Published | Status::Scheduled | Status::Forecast | Status::Closed
        ) {
            return Err(AppError::Conflict(
                "게시 중·예약·마감된 공고만 게시를 취소할 수 있습니다.".into(),
            ));
        }
        a.status = Status::Draft.as_str().into();
        a.publish_at = None;
        a.updated_at = now;
        store::update(conn, &a)?;
        touched(conn, &a.id, now)?;
        audit::record(
            conn,
            actor,
            "announcement.unpublish",
            "announcement",
            id,
            "게시 취소",
            now,
        )
    })
}

/// Close early, by hand.
pub fn close(
    conn: &mut DbConnection,
    id: &str,
    actor: &CurrentUser,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let mut a = store::find(conn, id)?.ok_or(AppError::NotFound)?;
        if a.status() != Status::Published {
            return Err(AppError::Conflict(
                "게시 중인 공고만 마감할 수 있습니다.".into(),
            ));
        }
        a.status = Status::Closed.as_str().into();
        a.closed_at = Some(now);
        a.updated_at = now;
        store::update(conn, &a)?;
        touched(conn, &a.id, now)?;
        audit::record(
            conn,
            actor,
            "announcement.close",
            "announcement",
            id,
            "조기 마감",
            now,
        )
    })
}

/// Correct a published (or closed) announcement: a new revision with a reason and the
/// field-level diff. A new deadline in the future reopens a closed one.
pub fn correct(
    conn: &mut DbConnection,
    id: &str,
    content: &Content,
    reason: &str,
    actor: Actor<'_>,
    now: NaiveDateTime,
) -> AppResult<Vec<FieldChange>> {
    crate::db::write_transaction(conn, |conn| {
        let mut a = store::find(conn, id)?.ok_or(AppError::NotFound)?;
        if !matches!(a.status(), Status::Published | Status::Closed) {
            return Err(AppError::Conflict(
                "게시된 공고만 정정할 수 있습니다.".into(),
            ));
        }
        let old = content_of(conn, &a)?;
        let changes = record_revision(conn, &mut a, &old, content, reason, actor, now)?;
        if changes.is_empty() {
            return Ok(changes);
        }
        apply_content(conn, &mut a, content, now)?;
        if a.status() == Status::Closed
            && a.apply_end
                .map(|e| e >= now)
                .unwrap_or(a.window_kind() != WindowKind::Dated)
        {
            a.status = Status::Published.as_str().into();
            a.closed_at = None;
        }
        store::update(conn, &a)?;
        touched(conn, &a.id, now)?;
        if a.status() == Status::Published {
            queue_close(conn, &a, now)?;
            if changes.iter().any(|c| c.material) {
                ann_jobs::emit(conn, &a.id, "correct", a.revision, now)?;
            }
        }
        Ok(changes)
    })
}

/// Store a revision for the change old → new (if anything changed) and bump the
/// announcement's revision number. Returns the changes.
fn record_revision(
    conn: &mut DbConnection,
    a: &mut Announcement,
    old: &Content,
    new: &Content,
    reason: &str,
    actor: Actor<'_>,
    now: NaiveDateTime,
) -> AppResult<Vec<FieldChange>> {
    let changes = diff(conn, old, new)?;
    if changes.is_empty() {
        return Ok(changes);
    }
    a.revision += 1;
    let rev = Revision {
        id: new_id(),
        announcement_id: a.id.clone(),
        revision: a.revision,
        reason: reason.to_string(),
        diff: serde_json::to_string(&changes).map_err(AppError::internal)?,
        material: changes.iter().any(|c| c.material),
        created_by: actor.id(),
        created_at: now,
    };
    store::insert_revision(conn, &rev)?;
    let summary: Vec<&str> = changes.iter().map(|c| c.label.as_str()).collect();
    actor.audit(
        conn,
        "announcement.correct",
        &a.id,
        &format!(
            "{}: {} ({})",
            super::model::correction_label(a.revision).unwrap_or_default(),
            reason,
            summary.join(", ")
        ),
        a.owner_agency_id.as_deref(),
        now,
    )?;
    Ok(changes)
}

fn fmt_opt_time(t: Option<NaiveDateTime>) -> String {
    t.map(|t| format_kst(t, "%Y-%m-%d %H:%M"))
        .unwrap_or_default()
}

/// Field-level diff of two contents, with Korean labels and display values.
pub fn diff(conn: &mut DbConnection, old: &Content, new: &Content) -> AppResult<Vec<FieldChange>> {
    let agency_name = |conn: &mut DbConnection, id: &Option<String>| -> AppResult<String> {
        Ok(match id {
            Some(id) => crate::accounts::store::find_agency(conn, id)?
                .map(|a| a.name)
                .unwrap_or_default(),
            None => String::new(),
        })
    };
    let region_label = |conn: &mut DbConnection, c: &Content| -> AppResult<String> {
        if c.nationwide {
            return Ok("전국".into());
        }
        let mut names = Vec::new();
        for code in &c.region_codes {
            names.push(
                crate::reference::find_region(conn, code)?
                    .map(|r| r.short_name)
                    .unwrap_or_else(|| code.clone()),
            );
        }
        Ok(names.join(", "))
    };
    let subs = |c: &Content| {
        c.sub_programs
            .iter()
            .map(|s| {
                let budget = s
                    .budget_won
                    .map(super::model::format_won)
                    .unwrap_or_default();
                format!("{} [{}] {}", s.name, s.scale, budget)
                    .trim()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join(" / ")
    };
    let fields: Vec<(&str, &str, String, String, bool)> = vec![
        ("title", "제목", old.title.clone(), new.title.clone(), true),
        (
            "summary",
            "요약",
            old.summary.clone(),
            new.summary.clone(),
            false,
        ),
        (
            "body_html",
            "본문",
            html_to_text(&old.body_html),
            html_to_text(&sanitize_html(&new.body_html)),
            false,
        ),
        (
            "owner_agency",
            "소관기관",
            agency_name(conn, &old.owner_agency_id)?,
            agency_name(conn, &new.owner_agency_id)?,
            false,
        ),
        (
            "exec_agency",
            "수행기관",
            agency_name(conn, &old.exec_agency_id)?,
            agency_name(conn, &new.exec_agency_id)?,
            false,
        ),
        (
            "category",
            "분야",
            old.category.clone().unwrap_or_default(),
            new.category.clone().unwrap_or_default(),
            true,
        ),
        (
            "subcategories",
            "세부 분야",
            old.subcategories.join(", "),
            new.subcategories.join(", "),
            false,
        ),
        (
            "target_types",
            "지원 대상",
            old.target_types.join(", "),
            new.target_types.join(", "),
            true,
        ),
        (
            "regions",
            "지역",
            region_label(conn, old)?,
            region_label(conn, new)?,
            true,
        ),
        (
            "eligibility",
            "신청 자격",
            old.eligibility.describe_named(conn)?.join(" · "),
            new.eligibility.describe_named(conn)?.join(" · "),
            true,
        ),
        (
            "eligibility_text",
            "신청 자격(설명)",
            old.eligibility.text.clone().unwrap_or_default(),
            new.eligibility.text.clone().unwrap_or_default(),
            true,
        ),
        (
            "window_kind",
            "접수 방식",
            old.window_kind
                .map(|k| k.label())
                .unwrap_or_default()
                .into(),
            new.window_kind
                .map(|k| k.label())
                .unwrap_or_default()
                .into(),
            true,
        ),
        (
            "apply_start",
            "접수 시작",
            fmt_opt_time(old.apply_start),
            fmt_opt_time(new.apply_start),
            true,
        ),
        (
            "apply_end",
            "접수 마감",
            fmt_opt_time(old.apply_end),
            fmt_opt_time(new.apply_end),
            true,
        ),
        (
            "apply_method",
            "신청 방법",
            old.apply_method.clone(),
            new.apply_method.clone(),
            true,
        ),
        (
            "apply_url",
            "신청 주소",
            old.apply_url.clone().unwrap_or_default(),
            new.apply_url.clone().unwrap_or_default(),
            true,
        ),
        (
            "apply_note",
            "신청 안내",
            old.apply_note.clone().unwrap_or_default(),
            new.apply_note.clone().unwrap_or_default(),
            false,
        ),
        (
            "contacts",
            "문의처",
            old.contacts.clone().unwrap_or_default(),
            new.contacts.clone().unwrap_or_default(),
            false,
        ),
        ("sub_programs", "세부사업", subs(old), subs(new), true),
    ];
    Ok(fields
        .into_iter()
        .filter(|(_, _, o, n, _)| o != n)
        .map(|(field, label, old, new, material)| FieldChange {
            field: field.into(),
            label: label.into(),
            old,
            new,
            material,
        })
        .collect())
}
