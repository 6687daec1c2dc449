//! Storing imported records. Idempotent: `(source, source_id)` is unique, an unchanged
//! record is not rewritten, a changed one becomes a revision of its announcement, and
//! the same program from bizinfo and K-Startup becomes one announcement with two source
//! links. Each batch is one transaction; each record a savepoint inside it, so a record
//! the database refuses is rejected with its reason and the rest still land.

use std::collections::HashMap;
use std::io::Read;
use std::time::Duration;

use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::parse::{self, ImportRecord, Parsed, Rejected, Source};
use crate::accounts::store as accounts_store;
use crate::announcements::model::{Attachment, Eligibility, SourceLink, Status, WindowKind};
use crate::announcements::service::{self as ann_service, Actor, Content};
use crate::announcements::store as ann_store;
use crate::clock::{end_of_kst_day, start_of_kst_day};
use crate::db::schema::{announcement_sources, announcements, import_runs};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::ids::new_id;
use crate::reference;
use crate::AppState;

pub const BATCH_SIZE: usize = 200;
const BATCH: usize = BATCH_SIZE;
const MAX_DOWNLOAD: u64 = 200 * 1024 * 1024;

/// Where progress goes: the terminal for the CLI, nowhere for scheduled jobs.
pub trait Progress {
    fn start(&mut self, _source: &str, _total: usize) {}
    fn step(&mut self, _done: usize, _total: usize) {}
}

pub struct Quiet;
impl Progress for Quiet {}

/// Prints "bizinfo: 1,000 / 2,993" lines to stderr.
pub struct Terminal;
impl Progress for Terminal {
    fn start(&mut self, source: &str, total: usize) {
        eprintln!("{source}: 레코드 {total}건을 가져옵니다");
    }
    fn step(&mut self, done: usize, total: usize) {
        if done == total || done % 1000 < super::service::BATCH_SIZE {
            eprintln!("  … {done} / {total}");
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    pub source: String,
    pub location: String,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub merged: usize,
    /// Records kept whose application window could not be read: stored as 기타 with the
    /// original text shown (counted whatever their outcome above).
    pub kept_with_note: usize,
    pub rejected: Vec<Rejected>,
    pub elapsed_ms: u128,
}

impl ImportSummary {
    pub fn line(&self) -> String {
        format!(
            "{}: 신규 {}, 변경 {}, 변경 없음 {}, 병합 {}, 기간 원문 보존 {}, 거부 {} ({:.1}초)",
            self.source,
            self.new,
            self.changed,
            self.unchanged,
            self.merged,
            self.kept_with_note,
            self.rejected.len(),
            self.elapsed_ms as f64 / 1000.0
        )
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = import_runs)]
pub struct ImportRun {
    pub id: String,
    pub source: String,
    pub location: String,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub new_count: i32,
    pub changed_count: i32,
    pub unchanged_count: i32,
    pub merged_count: i32,
    pub rejected_count: i32,
    pub rejects: String,
    pub error: Option<String>,
    /// Kept with their window text shown as written (기타).
    pub noted_count: i32,
}

pub fn recent_runs(conn: &mut DbConnection, limit: i64) -> AppResult<Vec<ImportRun>> {
    Ok(import_runs::table
        .order(import_runs::started_at.desc())
        .limit(limit)
        .select(ImportRun::as_select())
        .load(conn)?)
}

/// Read a file or download a URL. Failure is a clear Korean message; nothing changes.
pub fn fetch(location: &str) -> AppResult<Vec<u8>> {
    if location.starts_with("http://") || location.starts_with("https://") {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build();
        let resp = agent
            .get(location)
            .call()
            .map_err(|e| AppError::BadRequest(format!("{location}에 연결할 수 없습니다: {e}")))?;
        let mut buf = Vec::new();
        resp.into_reader()
            .take(MAX_DOWNLOAD)
            .read_to_end(&mut buf)
            .map_err(|e| {
                AppError::BadRequest(format!("{location}을(를) 내려받는 중 끊겼습니다: {e}"))
            })?;
        Ok(buf)
    } else {
        std::fs::read(location)
            .map_err(|e| AppError::BadRequest(format!("{location} 파일을 읽을 수 없습니다: {e}")))
    }
}

/// Parse bytes as `source` ("auto", "bizinfo", "kstartup").
pub fn parse_bytes(source: &str, bytes: &[u8]) -> AppResult<(Source, Parsed)> {
    let result = match source {
        "auto" | "" => parse::detect_and_parse(bytes),
        "bizinfo" => {
            if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<') {
                parse::parse_bizinfo_rss(bytes).map(|p| (Source::Bizinfo, p))
            } else {
                parse::parse_bizinfo_json(bytes).map(|p| (Source::Bizinfo, p))
            }
        }
        "kstartup" => parse::parse_kstartup_json(bytes).map(|p| (Source::KStartup, p)),
        other => {
            return Err(AppError::BadRequest(format!(
                "알 수 없는 출처 '{other}' (auto, bizinfo, kstartup 중 하나)"
            )))
        }
    };
    result.map_err(|e| AppError::BadRequest(e.to_string()))
}

/// Fetch, parse and store one location. A broken file or unreachable URL fails the
/// run with a message, records the failed run, and changes nothing else.
pub fn import_location(
    state: &AppState,
    source: &str,
    location: &str,
    progress: &mut dyn Progress,
) -> AppResult<ImportSummary> {
    import_at(&state.pool, &*state.clock, source, location, progress)
}

/// `import_location` with only what it needs: the pool and the clock (the import job).
pub fn import_at(
    pool: &crate::db::Pool,
    clock: &dyn crate::clock::Clock,
    source: &str,
    location: &str,
    progress: &mut dyn Progress,
) -> AppResult<ImportSummary> {
    let started = clock.now();
    let run_id = new_id();
    let mut conn = pool.get()?;
    let outcome = fetch(location).and_then(|bytes| parse_bytes(source, &bytes));
    let (src, parsed) = match outcome {
        Ok(p) => p,
        Err(e) => {
            let run = ImportRun {
                id: run_id,
                source: source.to_string(),
                location: location.to_string(),
                started_at: started,
                finished_at: Some(clock.now()),
                new_count: 0,
                changed_count: 0,
                unchanged_count: 0,
                merged_count: 0,
                rejected_count: 0,
                rejects: "[]".into(),
                error: Some(e.public_message()),
                noted_count: 0,
            };
            diesel::insert_into(import_runs::table)
                .values(&run)
                .execute(&mut conn)?;
            return Err(e);
        }
    };
    let merged = normalize_agencies(&mut conn, clock.now())?;
    if merged > 0 {
        tracing::info!(
            merged,
            "imported agency names normalised; duplicates merged"
        );
    }
    let summary = store_records(&mut conn, src, location, parsed, clock.now(), progress)?;
    let run = ImportRun {
        id: run_id,
        source: src.as_str().into(),
        location: location.to_string(),
        started_at: started,
        finished_at: Some(clock.now()),
        new_count: summary.new as i32,
        changed_count: summary.changed as i32,
        unchanged_count: summary.unchanged as i32,
        merged_count: summary.merged as i32,
        rejected_count: summary.rejected.len() as i32,
        rejects: serde_json::to_string(&summary.rejected.iter().map(|r| serde_json::json!({"index": r.index, "source_id": r.source_id, "reason": r.reason})).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into()),
        error: None,
        noted_count: summary.kept_with_note as i32,
    };
    diesel::insert_into(import_runs::table)
        .values(&run)
        .execute(&mut conn)?;
    Ok(summary)
}

/// Agencies that earlier imports created under a head's title or a variant spelling
/// ("…센터 대표이사", "(재)…", "창업진흥원장") become the agency they name: each group of
/// one `accounts::model::agency_key` is merged into one row (the one already spelt as
/// the agency, else one with staff, else the oldest), renamed to the normalised name
/// with its kind guessed again, and the moved announcements are reindexed. One
/// transaction; idempotent. Returns how many rows were merged or renamed.
pub fn normalize_agencies(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<usize> {
    use crate::accounts::model::{agency_key, guess_agency_kind, normalize_agency_name};
    crate::db::write_transaction(conn, |conn| {
        let all = accounts_store::list_agencies(conn)?;
        let with_staff: std::collections::HashSet<String> = crate::db::schema::users::table
            .filter(crate::db::schema::users::agency_id.is_not_null())
            .select(crate::db::schema::users::agency_id)
            .load::<Option<String>>(conn)?
            .into_iter()
            .flatten()
            .collect();
        let mut groups: HashMap<String, Vec<crate::accounts::Agency>> = HashMap::new();
        for a in all {
            groups.entry(agency_key(&a.name)).or_default().push(a);
        }
        let mut changed = 0;
        for (_, mut group) in groups {
            let name = normalize_agency_name(&group[0].name);
            if name.is_empty() {
                continue;
            }
            group.sort_by_key(|a| {
                (
                    a.name != name,
                    !with_staff.contains(&a.id),
                    a.created_at,
                    a.id.clone(),
                )
            });
            let keep = group[0].clone();
            for other in &group[1..] {
                for id in accounts_store::merge_agency(conn, &other.id, &keep.id)? {
                    ann_service::touched(conn, &id, now)?;
                }
                changed += 1;
            }
            if keep.name != name {
                // An operator typed the kind of a named agency; an import only guessed.
                let kind = if with_staff.contains(&keep.id) {
                    keep.kind.clone()
                } else {
                    guess_agency_kind(&name).to_string()
                };
                accounts_store::rename_agency(conn, &keep.id, &name, &kind)?;
                for id in ann_store::ids_of_agency(conn, &keep.id)? {
                    ann_service::touched(conn, &id, now)?;
                }
                changed += 1;
            }
        }
        Ok(changed)
    })
}

/// A record's identity for the unchanged check: every field we store except the view
/// counter, which changes on every visit to the source site.
pub fn content_hash(r: &ImportRecord) -> String {
    let mut h = Sha256::new();
    let e = &r.eligibility;
    let parts = serde_json::json!([
        r.source_updated,
        r.title,
        r.summary,
        r.body_html,
        r.owner_agency,
        r.exec_agency,
        r.category,
        r.subcategories,
        r.target_types,
        r.regions,
        r.nationwide,
        r.window.kind.as_str(),
        r.window.start.map(|d| d.to_string()),
        r.window.end.map(|d| d.to_string()),
        r.window.raw,
        r.apply_url,
        r.apply_note,
        r.contacts,
        r.attachments
            .iter()
            .map(|a| (a.name.clone(), a.url.clone()))
            .collect::<Vec<_>>(),
        e.business_age_max_years,
        e.preliminary_founders,
        e.owner_age_min,
        e.owner_age_max,
        e.text,
    ]);
    h.update(parts.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// An existing announcement that an incoming record from the other source may be.
struct Candidate {
    announcement_id: String,
    key: parse::ProgramKey,
}

fn load_candidates(conn: &mut DbConnection, other_source: &str) -> AppResult<Vec<Candidate>> {
    let rows: Vec<(String, String, Option<NaiveDateTime>)> = announcement_sources::table
        .inner_join(announcements::table)
        .filter(announcement_sources::source.eq(other_source))
        .select((
            announcements::id,
            announcements::title,
            announcements::apply_end,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, title, end)| Candidate {
            announcement_id: id,
            key: parse::key_of(&title, end.map(|e| crate::clock::to_kst(e).date())),
        })
        .collect())
}

fn store_records(
    conn: &mut DbConnection,
    source: Source,
    location: &str,
    parsed: Parsed,
    now: NaiveDateTime,
    progress: &mut dyn Progress,
) -> AppResult<ImportSummary> {
    let clock = std::time::Instant::now();
    let mut summary = ImportSummary {
        source: source.as_str().into(),
        location: location.into(),
        rejected: parsed.rejected,
        ..Default::default()
    };
    let total = parsed.records.len();
    progress.start(source.as_str(), total);
    let existing: HashMap<String, (String, String)> = announcement_sources::table
        .filter(announcement_sources::source.eq(source.as_str()))
        .select((
            announcement_sources::source_id,
            announcement_sources::announcement_id,
            announcement_sources::content_hash,
        ))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(sid, aid, hash)| (sid, (aid, hash)))
        .collect();
    let other = match source {
        Source::Bizinfo => "kstartup",
        Source::KStartup => "bizinfo",
    };
    let mut candidates = load_candidates(conn, other)?;
    let mut done = 0;
    for batch in parsed.records.chunks(BATCH) {
        crate::db::write_transaction(conn, |conn| -> AppResult<()> {
            for (i, rec) in batch.iter().enumerate() {
                let hash = content_hash(rec);
                let outcome = crate::db::write_transaction(conn, |conn| {
                    store_one(
                        conn,
                        source,
                        rec,
                        &hash,
                        existing.get(&rec.source_id),
                        &mut candidates,
                        now,
                    )
                });
                if outcome.is_ok() && rec.window.kind == WindowKind::Other {
                    summary.kept_with_note += 1;
                }
                match outcome {
                    Ok(Outcome::New) => summary.new += 1,
                    Ok(Outcome::Changed) => summary.changed += 1,
                    Ok(Outcome::Unchanged) => summary.unchanged += 1,
                    Ok(Outcome::Merged) => summary.merged += 1,
                    Err(e) => summary.rejected.push(Rejected {
                        source_id: Some(rec.source_id.clone()),
                        index: done + i,
                        reason: format!("저장하지 못했습니다: {e}"),
                    }),
                }
            }
            Ok(())
        })?;
        done += batch.len();
        progress.step(done, total);
    }
    summary.elapsed_ms = clock.elapsed().as_millis();
    Ok(summary)
}

enum Outcome {
    New,
    Changed,
    Unchanged,
    Merged,
}

fn region_codes(rec: &ImportRecord) -> Vec<String> {
    if rec.nationwide {
        return Vec::new();
    }
    rec.regions
        .iter()
        .filter_map(|r| reference::sido_code(r))
        .map(|c| format!("{c}000"))
        .collect()
}

fn to_content(
    conn: &mut DbConnection,
    rec: &ImportRecord,
    now: NaiveDateTime,
) -> AppResult<Content> {
    use crate::accounts::model::is_placeholder_agency;
    let owner = match &rec.owner_agency {
        Some(n) if !is_placeholder_agency(n) => {
            Some(accounts_store::agency_by_name_or_create(conn, n, now)?.id)
        }
        _ => None,
    };
    let exec = match &rec.exec_agency {
        Some(n) if !is_placeholder_agency(n) => {
            Some(accounts_store::agency_by_name_or_create(conn, n, now)?.id)
        }
        _ => None,
    };
    let e = &rec.eligibility;
    let stale_end = stale_window_end(rec, now);
    let mut content = Content {
        title: rec.title.clone(),
        summary: rec.summary.clone(),
        body_html: rec.body_html.clone(),
        body_markdown: None,
        exec_agency_id: exec.filter(|x| Some(x) != owner.as_ref()),
        owner_agency_id: owner,
        category: rec.category.clone(),
        subcategories: rec.subcategories.clone(),
        target_types: rec.target_types.clone(),
        nationwide: rec.nationwide,
        region_codes: region_codes(rec),
        eligibility: Eligibility {
            business_age_max_years: e.business_age_max_years,
            preliminary_founders: e.preliminary_founders,
            owner_age_min: e.owner_age_min,
            owner_age_max: e.owner_age_max,
            text: e.text.clone(),
            ..Default::default()
        },
        window_kind: Some(rec.window.kind),
        apply_start: rec.window.start.map(start_of_kst_day),
        apply_end: rec.window.end.or(stale_end).map(end_of_kst_day),
        window_note: match (stale_end, rec.window.kind) {
            (Some(end), _) => Some(format!(
                "{} — {}년 공고로, {}년 말에 마감된 것으로 봅니다",
                if rec.window.raw.trim().is_empty() {
                    rec.window.kind.label()
                } else {
                    rec.window.raw.trim()
                },
                end.year(),
                end.year()
            )),
            (None, WindowKind::Dated) => None,
            (None, _) => Some(rec.window.raw.clone()).filter(|s| !s.is_empty()),
        },
        apply_method: if rec.apply_url.is_some() {
            "external".into()
        } else {
            "offline".into()
        },
        apply_url: rec.apply_url.clone(),
        apply_note: rec.apply_note.clone(),
        contacts: rec.contacts.clone(),
        sub_programs: Vec::new(),
    };
    // The one content check (`announcements::rules`): no title rejects the record; any
    // other breach empties the field and is logged, and the record is kept.
    let warnings =
        crate::announcements::rules::for_import(&mut content).map_err(AppError::BadRequest)?;
    for w in warnings {
        tracing::info!(source_id = %rec.source_id, warning = %w, "imported record adjusted");
    }
    Ok(content)
}

/// The year a record's program belongs to: the first "20xx년" of its title, else the
/// year it was created at the source.
fn program_year(rec: &ImportRecord) -> Option<i32> {
    static YEAR: once_cell::sync::Lazy<Option<regex::Regex>> =
        once_cell::sync::Lazy::new(|| regex::Regex::new(r"(20[0-9]{2})\s*년").ok());
    YEAR.as_ref()
        .and_then(|re| re.captures(&rec.title))
        .and_then(|c| c.get(1))
        .and_then(|m| m.as_str().parse().ok())
        .or_else(|| rec.created_at.map(|t| t.year()))
}

/// A window without a deadline ("예산 소진시까지", "상시 접수", …) of a program from an
/// earlier year than now (KST) would read as open forever: it ends with its year
/// (31 December, KST), so the import closes it and the page says why. None otherwise.
fn stale_window_end(rec: &ImportRecord, now: NaiveDateTime) -> Option<chrono::NaiveDate> {
    if rec.window.end.is_some() {
        return None;
    }
    let year = program_year(rec)?;
    if year >= crate::clock::to_kst(now).year() {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(year, 12, 31)
}

fn linked_attachments(
    announcement_id: &str,
    rec: &ImportRecord,
    now: NaiveDateTime,
) -> Vec<Attachment> {
    rec.attachments
        .iter()
        .enumerate()
        .map(|(i, a)| Attachment {
            id: new_id(),
            announcement_id: announcement_id.to_string(),
            position: 1000 + i as i32,
            file_name: a.name.clone(),
            stored_name: None,
            url: Some(a.url.clone()),
            content_type: None,
            size_bytes: None,
            created_at: now,
        })
        .collect()
}

fn store_one(
    conn: &mut DbConnection,
    source: Source,
    rec: &ImportRecord,
    hash: &str,
    existing: Option<&(String, String)>,
    candidates: &mut Vec<Candidate>,
    now: NaiveDateTime,
) -> AppResult<Outcome> {
    let label = match source {
        Source::Bizinfo => "기업마당 가져오기",
        Source::KStartup => "K-Startup 가져오기",
    };
    if let Some((announcement_id, old_hash)) = existing {
        if old_hash == hash {
            return Ok(Outcome::Unchanged);
        }
        let a = ann_store::find(conn, announcement_id)?.ok_or(AppError::NotFound)?;
        let content = to_content(conn, rec, now)?;
        let reason = match &rec.source_updated {
            Some(u) => format!("{} 원문 수정 ({u})", source_label(source)),
            None => format!("{} 원문 수정", source_label(source)),
        };
        if matches!(a.status(), Status::Published | Status::Closed) {
            ann_service::correct(
                conn,
                announcement_id,
                &content,
                &reason,
                Actor::System(label),
                now,
            )?;
            close_if_over(conn, announcement_id, now)?;
        } else {
            let mut a = a;
            ann_service::overwrite_content(conn, &mut a, &content, now)?;
        }
        ann_store::replace_linked_attachments(
            conn,
            announcement_id,
            &linked_attachments(announcement_id, rec, now),
        )?;
        diesel::update(
            announcement_sources::table
                .filter(announcement_sources::source.eq(source.as_str()))
                .filter(announcement_sources::source_id.eq(&rec.source_id)),
        )
        .set((
            announcement_sources::content_hash.eq(hash),
            announcement_sources::source_updated.eq(&rec.source_updated),
            announcement_sources::source_url.eq(&rec.source_url),
            announcement_sources::last_seen_at.eq(now),
        ))
        .execute(conn)?;
        return Ok(Outcome::Changed);
    }

    let link = |announcement_id: &str| SourceLink {
        id: new_id(),
        announcement_id: announcement_id.to_string(),
        source: source.as_str().into(),
        source_id: rec.source_id.clone(),
        source_url: rec.source_url.clone(),
        source_updated: rec.source_updated.clone(),
        content_hash: hash.to_string(),
        first_seen_at: now,
        last_seen_at: now,
    };

    // The same program already imported from the other source?
    let key = parse::program_key(rec);
    if let Some(c) = candidates
        .iter()
        .find(|c| parse::same_program_keys(&key, &c.key))
    {
        diesel::insert_into(announcement_sources::table)
            .values(&link(&c.announcement_id))
            .execute(conn)?;
        return Ok(Outcome::Merged);
    }

    let content = to_content(conn, rec, now)?;
    let closed = matches!(content.apply_end, Some(end) if end < now);
    let mut a = ann_service::blank(
        new_id(),
        source.as_str(),
        if closed {
            Status::Closed
        } else {
            Status::Published
        },
        None,
        now,
    );
    a.published_at = Some(rec.created_at.unwrap_or(now));
    a.created_at = rec.created_at.unwrap_or(now);
    a.view_count = rec.view_count.unwrap_or(0);
    if closed {
        a.closed_at = content.apply_end;
    }
    let a = ann_service::insert_with_content(conn, a, &content, now)?;
    // Keep the source's own timestamps for "newest" ordering.
    diesel::update(announcements::table.find(&a.id))
        .set(announcements::updated_at.eq(rec.updated_at.unwrap_or(now)))
        .execute(conn)?;
    ann_store::replace_linked_attachments(conn, &a.id, &linked_attachments(&a.id, rec, now))?;
    diesel::insert_into(announcement_sources::table)
        .values(&link(&a.id))
        .execute(conn)?;
    if !closed {
        ann_service::queue_close(conn, &a, now)?;
    }
    let _ = candidates; // K-Startup ↔ bizinfo merges look only at the other source.
    Ok(Outcome::New)
}

fn close_if_over(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<()> {
    ann_service::close_due(conn, id, now)
}

fn source_label(s: Source) -> &'static str {
    match s {
        Source::Bizinfo => "기업마당",
        Source::KStartup => "K-Startup",
    }
}
