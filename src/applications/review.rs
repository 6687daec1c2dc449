//! The agency's side of an application: the inbox (filter by program and status, newest
//! or oldest submission first), one application with its history, a reviewer's status
//! change (`AppStatus::reviewer_may`, with a note; 보완요청 with a due date) telling the
//! applicant by email, and the concentrated-support check (the business's other portal
//! applications this year and which were selected). Each change is one transaction.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::model::{AppStatus, Application, Business, Event};
use crate::accounts::CurrentUser;
use crate::db::schema::{announcements, applications, businesses, users};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::web::form::FieldErrors;

/// One row of the inbox.
#[derive(Debug, Clone, Serialize)]
pub struct InboxRow {
    pub id: String,
    pub receipt_no: Option<String>,
    pub announcement_id: String,
    pub program: String,
    pub business_name: String,
    pub business_number: String,
    pub status: String,
    pub status_label: &'static str,
    pub submitted_at: Option<NaiveDateTime>,
}

/// What the inbox shows: `program` an announcement id, `status` an `AppStatus`,
/// `oldest` the oldest submission first.
#[derive(Debug, Clone, Default)]
pub struct InboxFilter {
    pub program: Option<String>,
    pub status: Option<AppStatus>,
    pub oldest: bool,
}

/// The agency's applications (never drafts), at most `limit`.
pub fn inbox(
    conn: &mut DbConnection,
    agency_id: &str,
    f: &InboxFilter,
    limit: i64,
) -> AppResult<Vec<InboxRow>> {
    let mut q = applications::table
        .inner_join(businesses::table)
        .inner_join(announcements::table)
        .filter(applications::agency_id.eq(agency_id))
        .filter(applications::status.ne(AppStatus::Draft.as_str()))
        .into_boxed();
    if let Some(p) = &f.program {
        q = q.filter(applications::announcement_id.eq(p.clone()));
    }
    if let Some(s) = f.status {
        q = q.filter(applications::status.eq(s.as_str()));
    }
    q = if f.oldest {
        q.order((applications::submitted_at.asc(), applications::id.asc()))
    } else {
        q.order((applications::submitted_at.desc(), applications::id.desc()))
    };
    let rows: Vec<(Application, Business, String)> = q
        .select((
            Application::as_select(),
            Business::as_select(),
            announcements::title,
        ))
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(a, b, title)| InboxRow {
            status_label: a.status().label(),
            id: a.id,
            receipt_no: a.receipt_no,
            announcement_id: a.announcement_id,
            program: title,
            business_name: b.name,
            business_number: b.business_number,
            status: a.status,
            submitted_at: a.submitted_at,
        })
        .collect())
}

/// The programs the agency has applications for: (announcement id, title).
pub fn inbox_programs(
    conn: &mut DbConnection,
    agency_id: &str,
) -> AppResult<Vec<(String, String)>> {
    Ok(applications::table
        .inner_join(announcements::table)
        .filter(applications::agency_id.eq(agency_id))
        .filter(applications::status.ne(AppStatus::Draft.as_str()))
        .select((announcements::id, announcements::title))
        .distinct()
        .order(announcements::title.asc())
        .load(conn)?)
}

/// The application if it is in `agency_id`'s inbox; 404 otherwise (another agency's, a
/// draft, or none).
pub fn owned(conn: &mut DbConnection, id: &str, agency_id: &str) -> AppResult<Application> {
    match super::store::application(conn, id)? {
        Some(a) if a.agency_id == agency_id && a.status() != AppStatus::Draft => Ok(a),
        _ => Err(AppError::NotFound),
    }
}

/// One of the business's applications on the portal this year (the concentrated-support
/// check): the program, its agency's inbox status, and whether it was selected.
#[derive(Debug, Clone, Serialize)]
pub struct OtherApplication {
    pub program: String,
    pub status_label: &'static str,
    pub selected: bool,
}

/// The business's other applications submitted in the calendar year (KST) of `now`.
pub fn other_applications(
    conn: &mut DbConnection,
    app: &Application,
    now: NaiveDateTime,
) -> AppResult<Vec<OtherApplication>> {
    let year = crate::clock::to_kst(now).year();
    let start = NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(crate::clock::from_kst)
        .ok_or_else(|| AppError::internal("year start"))?;
    let rows: Vec<(String, String)> = applications::table
        .inner_join(announcements::table)
        .filter(applications::business_id.eq(&app.business_id))
        .filter(applications::id.ne(&app.id))
        .filter(applications::submitted_at.ge(start))
        .filter(applications::status.ne(AppStatus::Draft.as_str()))
        .order(applications::submitted_at.asc())
        .select((announcements::title, applications::status))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(program, status)| {
            let s = AppStatus::parse(&status).unwrap_or(AppStatus::Submitted);
            OtherApplication {
                program,
                status_label: s.label(),
                selected: s == AppStatus::Selected,
            }
        })
        .collect())
}

/// A reviewer's decision as sent by the form.
#[derive(Debug, Clone)]
pub struct Decision {
    pub to: String,
    pub note: String,
    /// 보완 answers due (a KST date), for 보완요청; the program's supplement_days when None.
    pub due: Option<String>,
}

/// The statuses a reviewer may choose, in the order the form lists them.
pub const REVIEWER_CHOICES: [AppStatus; 4] = [
    AppStatus::Reviewing,
    AppStatus::Supplement,
    AppStatus::Selected,
    AppStatus::Rejected,
];

/// Check a decision against the application: Korean messages at `to`, `note`, `due`.
fn check(
    app: &Application,
    d: &Decision,
    now: NaiveDateTime,
) -> Result<(AppStatus, Option<NaiveDate>), FieldErrors> {
    let mut errors = FieldErrors::new();
    let to = AppStatus::parse(&d.to).filter(|s| REVIEWER_CHOICES.contains(s));
    let Some(to) = to else {
        errors.add("to", "바꿀 상태를 골라 주세요.");
        return Err(errors);
    };
    let from = app.status();
    if !from.reviewer_may(to) {
        errors.add(
            "to",
            format!(
                "‘{}’ 상태의 신청은 ‘{}’(으)로 바꿀 수 없습니다.",
                from.label(),
                to.label()
            ),
        );
    }
    if d.note.chars().count() > 2000 {
        errors.add("note", "메모는 2,000자까지 쓸 수 있습니다.");
    }
    let mut due = None;
    if to == AppStatus::Supplement {
        if d.note.trim().is_empty() {
            errors.add("note", "보완요청에는 무엇을 고쳐야 하는지 적어 주세요.");
        }
        if let Some(s) = d.due.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(date) if date >= crate::clock::to_kst(now).date() => due = Some(date),
                Ok(_) => errors.add("due", "보완 기한은 오늘이나 그 뒤여야 합니다."),
                Err(_) => errors.add("due", "보완 기한을 2026-12-31 형식으로 적어 주세요."),
            }
        }
    }
    if errors.is_empty() {
        Ok((to, due))
    } else {
        Err(errors.ordered(&["to", "note", "due"]))
    }
}

/// Move the application to the decided status in one transaction: the row, an event
/// with the note, and the applicant's email (queued in the same transaction). Err(Ok(errors))
/// for a refused decision.
pub fn decide(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
    d: &Decision,
    base_url: &str,
    now: NaiveDateTime,
) -> AppResult<Result<Application, FieldErrors>> {
    let staff = user.staff()?;
    crate::db::write_transaction(conn, |conn| {
        let app = owned(conn, id, &staff.agency.id)?;
        let (to, due_date) = match check(&app, d, now) {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        let note = d.note.trim().to_string();
        let mut due = None;
        if to == AppStatus::Supplement {
            let days = super::store::settings(conn, &app.announcement_id)?
                .map(|s| s.supplement_days)
                .unwrap_or(7)
                .max(1);
            // The end of the due day (KST).
            let date = due_date.unwrap_or_else(|| {
                crate::clock::to_kst(now).date() + Duration::days(i64::from(days))
            });
            due = date.and_hms_opt(23, 59, 59).map(crate::clock::from_kst);
        }
        let decided = if to.is_final() {
            Some(now)
        } else {
            app.decided_at
        };
        let changed = diesel::update(
            applications::table
                .find(&app.id)
                .filter(applications::status.eq(&app.status)),
        )
        .set((
            applications::status.eq(to.as_str()),
            applications::supplement_note.eq(if to == AppStatus::Supplement {
                note.clone()
            } else {
                app.supplement_note.clone()
            }),
            applications::supplement_due.eq(if to == AppStatus::Supplement {
                due
            } else {
                app.supplement_due
            }),
            applications::decided_at.eq(decided),
            applications::updated_at.eq(now),
        ))
        .execute(conn)?;
        if changed == 0 {
            // Someone else moved it meanwhile: the reviewer sees the page again.
            return Ok(Err(FieldErrors::one(
                "to",
                "그 사이 다른 담당자가 상태를 바꿨습니다. 새로 고친 뒤 다시 골라 주세요.",
            )));
        }
        super::store::add_event(
            conn,
            &app.id,
            Some(&staff.user.id),
            "status",
            Some(to.as_str()),
            &note,
            None,
            now,
        )?;
        tell_applicant(conn, &app, to, &note, due, base_url, now)?;
        crate::audit::record(
            conn,
            user,
            "application.status",
            "application",
            &app.id,
            to.as_str(),
            now,
        )?;
        Ok(Ok(
            super::store::application(conn, &app.id)?.ok_or(AppError::NotFound)?
        ))
    })
}

/// The applicant (whoever submitted, else who started it) is told by email, and by web
/// push on every browser they registered.
fn tell_applicant(
    conn: &mut DbConnection,
    app: &Application,
    to: AppStatus,
    note: &str,
    due: Option<NaiveDateTime>,
    base_url: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let who = app.submitted_by.clone().unwrap_or(app.created_by.clone());
    let Some(email): Option<String> = users::table
        .find(&who)
        .select(users::email)
        .first(conn)
        .optional()?
    else {
        return Ok(());
    };
    let program: String = announcements::table
        .find(&app.announcement_id)
        .select(announcements::title)
        .first(conn)?;
    let mut lines = vec![format!("사업: {program}"), format!("상태: {}", to.label())];
    if !note.is_empty() {
        lines.push(format!("담당자 메모: {note}"));
    }
    if let Some(d) = due {
        lines.push(format!(
            "보완 기한: {}",
            crate::clock::format_kst(d, "%Y.%m.%d %H:%M")
        ));
    }
    let unique = format!(
        "{}:{}:{}",
        app.id,
        to.as_str(),
        now.and_utc().timestamp_micros()
    );
    let link = format!(
        "{}/me/applications/{}",
        base_url.trim_end_matches('/'),
        app.id
    );
    crate::alerts::delivery::queue_account_email(
        conn,
        Some(&who),
        &email,
        "app_status",
        &unique,
        serde_json::json!({"link": link, "lines": lines}),
        now,
    )?;
    // A lock screen is not the place for the reviewer's note: the push says what changed
    // and by when, and opens the application.
    let short: Vec<&String> = lines
        .iter()
        .filter(|l| !l.starts_with("담당자 메모"))
        .collect();
    crate::alerts::delivery::queue_account_push(
        conn,
        &who,
        "app_status",
        &unique,
        serde_json::json!({"link": link, "lines": short}),
        now,
    )
}

/// Routing's email: every active staff member of the agency hears of the arrival (one
/// message each, queued with the routing's event so a retried job does not send twice).
pub fn tell_agency(
    conn: &mut DbConnection,
    app: &Application,
    event: &str,
    base_url: &str,
    now: NaiveDateTime,
) -> AppResult<usize> {
    let staff: Vec<(String, String)> = users::table
        .filter(users::agency_id.eq(&app.agency_id))
        .filter(users::active.eq(true))
        .select((users::id, users::email))
        .order(users::email.asc())
        .load(conn)?;
    let program: String = announcements::table
        .find(&app.announcement_id)
        .select(announcements::title)
        .first(conn)?;
    let business: String = businesses::table
        .find(&app.business_id)
        .select(businesses::name)
        .first(conn)?;
    let link = format!(
        "{}/console/applications/{}",
        base_url.trim_end_matches('/'),
        app.id
    );
    let when = app
        .submitted_at
        .map(|t| crate::clock::format_kst(t, "%Y.%m.%d %H:%M"))
        .unwrap_or_default();
    for (uid, email) in &staff {
        let unique = format!("{}:{event}:{}:{uid}", app.id, when);
        let kind = format!("app_arrived:{unique}");
        // A retried routing job finds the message already queued.
        let exists: i64 = crate::db::schema::deliveries::table
            .filter(crate::db::schema::deliveries::kind.eq(&kind))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            continue;
        }
        crate::alerts::delivery::queue_account_email(
            conn,
            Some(uid),
            email,
            "app_arrived",
            &unique,
            serde_json::json!({
                "link": link,
                "lines": [
                    format!("사업: {program}"),
                    format!("신청 기업: {business}"),
                    format!("접수번호: {}", app.receipt_no.clone().unwrap_or_default()),
                    format!("접수 시각: {when}"),
                ],
            }),
            now,
        )?;
    }
    Ok(staff.len())
}

/// Applications that count as "신청" for the public figure and the report: submitted
/// and beyond, not drafts or cancelled ones.
fn counted() -> [&'static str; 2] {
    [AppStatus::Draft.as_str(), AppStatus::Cancelled.as_str()]
}

/// "N개 기업 신청": the number of businesses that applied, only when the program's
/// settings allow showing it (`show_count`).
pub fn shown_count(conn: &mut DbConnection, announcement_id: &str) -> AppResult<Option<i64>> {
    if !super::store::settings(conn, announcement_id)?.is_some_and(|s| s.show_count) {
        return Ok(None);
    }
    Ok(Some(
        applications::table
            .filter(applications::announcement_id.eq(announcement_id))
            .filter(applications::status.ne_all(counted()))
            .count()
            .get_result(conn)?,
    ))
}

/// Applications submitted per KST day from `from` to `to` (inclusive), for the report.
pub fn per_day(
    conn: &mut DbConnection,
    announcement_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<(NaiveDate, i64)>> {
    let times: Vec<Option<NaiveDateTime>> = applications::table
        .filter(applications::announcement_id.eq(announcement_id))
        .filter(applications::status.ne_all(counted()))
        .filter(applications::submitted_at.ge(crate::clock::start_of_kst_day(from)))
        .filter(applications::submitted_at.le(crate::clock::end_of_kst_day(to)))
        .select(applications::submitted_at)
        .load(conn)?;
    let mut days: std::collections::BTreeMap<NaiveDate, i64> = Default::default();
    for t in times.into_iter().flatten() {
        *days.entry(crate::clock::to_kst(t).date()).or_default() += 1;
    }
    Ok(days.into_iter().collect())
}

/// An uploaded answer of the application (404 for another application's).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::application_files)]
pub struct FileRow {
    pub id: String,
    pub stored_name: String,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

pub fn file_of(conn: &mut DbConnection, application_id: &str, id: &str) -> AppResult<FileRow> {
    use crate::db::schema::application_files as f;
    f::table
        .find(id)
        .filter(f::application_id.eq(application_id))
        .select(FileRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// The files the application's answers name now. A file replaced or taken out in a 보완
/// answer stays stored (the history's earlier version names it, and [`file_of`] still
/// serves it) but is not listed here.
pub fn files(conn: &mut DbConnection, application_id: &str) -> AppResult<Vec<FileRow>> {
    use crate::db::schema::application_files as f;
    let answers: String = applications::table
        .find(application_id)
        .select(applications::answers_json)
        .first(conn)?;
    let named = |id: &str| answers.contains(&format!("\"{id}\""));
    Ok(f::table
        .filter(f::application_id.eq(application_id))
        .order((f::created_at.asc(), f::id.asc()))
        .select(FileRow::as_select())
        .load(conn)?
        .into_iter()
        .filter(|r| named(&r.id))
        .collect())
}

/// The files of the applications in `agency_id`'s inbox: one application's (`Some`) or
/// every one of the program's, as ZIP entries.
pub fn zip_entries(
    conn: &mut DbConnection,
    agency_id: &str,
    announcement_id: &str,
    application_id: Option<&str>,
) -> AppResult<Vec<super::export::Entry>> {
    use crate::db::schema::application_files as f;
    let mut q = f::table
        .inner_join(applications::table)
        .filter(applications::agency_id.eq(agency_id))
        .filter(applications::announcement_id.eq(announcement_id))
        .filter(applications::status.ne(AppStatus::Draft.as_str()))
        .into_boxed();
    if let Some(id) = application_id {
        q = q.filter(applications::id.eq(id.to_string()));
    }
    type Row = (
        Option<String>,
        String,
        String,
        String,
        String,
        String,
        String,
        i64,
        String,
    );
    let rows: Vec<Row> = q
        .order((
            applications::submitted_at.asc(),
            f::created_at.asc(),
            f::id.asc(),
        ))
        .select((
            applications::receipt_no,
            applications::id,
            applications::answers_json,
            f::id,
            f::question_key,
            f::stored_name,
            f::original_name,
            f::size_bytes,
            f::sha256,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                receipt,
                app_id,
                answers,
                file_id,
                question_key,
                stored_name,
                original_name,
                size_bytes,
                sha256,
            )| {
                super::export::Entry {
                    folder: receipt.unwrap_or(app_id),
                    question_key,
                    stored_name,
                    original_name,
                    size_bytes,
                    sha256,
                    current: answers.contains(&format!("\"{file_id}\"")),
                }
            },
        )
        .collect())
}

/// A staff member's view of one application's history line.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryLine {
    pub at: String,
    pub kind: String,
    pub status_label: Option<&'static str>,
    pub note: String,
    pub actor: Option<String>,
}

pub fn history(conn: &mut DbConnection, app_id: &str) -> AppResult<Vec<HistoryLine>> {
    let events: Vec<Event> = super::store::events(conn, app_id)?;
    let mut out = Vec::new();
    for e in events {
        let actor: Option<String> = match &e.actor_id {
            Some(id) => users::table
                .find(id)
                .select(users::display_name)
                .first(conn)
                .optional()?,
            None => None,
        };
        out.push(HistoryLine {
            at: crate::clock::format_kst(e.created_at, "%Y.%m.%d %H:%M"),
            kind: match e.kind.as_str() {
                "submitted" => "제출".into(),
                "resubmitted" => "보완 제출".into(),
                "routed" => "기관 신청함 도착".into(),
                "status" => "상태 변경".into(),
                super::service::FORM_MOVED => "신청 양식 새 판으로 옮김".into(),
                other => other.to_string(),
            },
            status_label: e
                .status
                .as_deref()
                .and_then(AppStatus::parse)
                .map(AppStatus::label),
            note: if e.kind == "routed" {
                String::new()
            } else {
                e.note
            },
            actor,
        });
    }
    Ok(out)
}
