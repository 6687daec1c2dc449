//! Announcement queries. Every function takes `&mut DbConnection` so it composes inside
//! a transaction.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::model::{Announcement, Attachment, Phase, Revision, SourceLink, Status, SubProgram};
use crate::accounts::Agency;
use crate::db::schema::{
    agencies, announcement_regions, announcement_sources, announcement_targets, announcements,
    attachments, regions, revisions, sub_programs,
};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::reference::Region;

pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<Option<Announcement>> {
    Ok(announcements::table
        .find(id)
        .select(Announcement::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConnection, a: &Announcement) -> AppResult<()> {
    diesel::insert_into(announcements::table)
        .values(a)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConnection, a: &Announcement) -> AppResult<()> {
    diesel::update(announcements::table.find(&a.id))
        .set(a)
        .execute(conn)?;
    Ok(())
}

pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    status: Status,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(announcements::table.find(id))
        .set((
            announcements::status.eq(status.as_str()),
            announcements::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replace the region rows of an announcement. Codes are 5-digit 행정구역 codes.
pub fn replace_regions(conn: &mut DbConnection, id: &str, codes: &[String]) -> AppResult<()> {
    diesel::delete(
        announcement_regions::table.filter(announcement_regions::announcement_id.eq(id)),
    )
    .execute(conn)?;
    let rows: Vec<_> = codes
        .iter()
        .map(|c| {
            (
                announcement_regions::announcement_id.eq(id),
                announcement_regions::region_code.eq(c.clone()),
                announcement_regions::sido_code.eq(c.chars().take(2).collect::<String>()),
            )
        })
        .collect();
    // One row at a time: diesel's MultiConnection has no portable batch insert.
    for row in rows {
        diesel::insert_into(announcement_regions::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn replace_targets(conn: &mut DbConnection, id: &str, targets: &[String]) -> AppResult<()> {
    diesel::delete(
        announcement_targets::table.filter(announcement_targets::announcement_id.eq(id)),
    )
    .execute(conn)?;
    let rows: Vec<_> = targets
        .iter()
        .map(|t| {
            (
                announcement_targets::announcement_id.eq(id),
                announcement_targets::target.eq(t.clone()),
            )
        })
        .collect();
    for row in rows {
        diesel::insert_into(announcement_targets::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn replace_sub_programs(
    conn: &mut DbConnection,
    id: &str,
    subs: &[SubProgram],
) -> AppResult<()> {
    diesel::delete(sub_programs::table.filter(sub_programs::announcement_id.eq(id)))
        .execute(conn)?;
    for row in subs {
        diesel::insert_into(sub_programs::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn region_codes(conn: &mut DbConnection, id: &str) -> AppResult<Vec<String>> {
    Ok(announcement_regions::table
        .filter(announcement_regions::announcement_id.eq(id))
        .select(announcement_regions::region_code)
        .order(announcement_regions::region_code.asc())
        .load(conn)?)
}

pub fn regions_of(conn: &mut DbConnection, id: &str) -> AppResult<Vec<Region>> {
    Ok(announcement_regions::table
        .inner_join(regions::table.on(regions::code.eq(announcement_regions::region_code)))
        .filter(announcement_regions::announcement_id.eq(id))
        .order(regions::sort_order.asc())
        .select(Region::as_select())
        .load(conn)?)
}

pub fn sub_programs_of(conn: &mut DbConnection, id: &str) -> AppResult<Vec<SubProgram>> {
    Ok(sub_programs::table
        .filter(sub_programs::announcement_id.eq(id))
        .order(sub_programs::position.asc())
        .select(SubProgram::as_select())
        .load(conn)?)
}

pub fn attachments_of(conn: &mut DbConnection, id: &str) -> AppResult<Vec<Attachment>> {
    Ok(attachments::table
        .filter(attachments::announcement_id.eq(id))
        .order(attachments::position.asc())
        .select(Attachment::as_select())
        .load(conn)?)
}

pub fn find_attachment(conn: &mut DbConnection, id: &str) -> AppResult<Option<Attachment>> {
    Ok(attachments::table
        .find(id)
        .select(Attachment::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_attachment(conn: &mut DbConnection, a: &Attachment) -> AppResult<()> {
    diesel::insert_into(attachments::table)
        .values(a)
        .execute(conn)?;
    Ok(())
}

pub fn delete_attachment(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    diesel::delete(attachments::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn replace_linked_attachments(
    conn: &mut DbConnection,
    id: &str,
    rows: &[Attachment],
) -> AppResult<()> {
    diesel::delete(
        attachments::table
            .filter(attachments::announcement_id.eq(id))
            .filter(attachments::stored_name.is_null()),
    )
    .execute(conn)?;
    for row in rows {
        diesel::insert_into(attachments::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn sources_of(conn: &mut DbConnection, id: &str) -> AppResult<Vec<SourceLink>> {
    Ok(announcement_sources::table
        .filter(announcement_sources::announcement_id.eq(id))
        .order(announcement_sources::first_seen_at.asc())
        .select(SourceLink::as_select())
        .load(conn)?)
}

pub fn revisions_of(conn: &mut DbConnection, id: &str) -> AppResult<Vec<Revision>> {
    Ok(revisions::table
        .filter(revisions::announcement_id.eq(id))
        .order(revisions::revision.desc())
        .select(Revision::as_select())
        .load(conn)?)
}

pub fn insert_revision(conn: &mut DbConnection, r: &Revision) -> AppResult<()> {
    diesel::insert_into(revisions::table)
        .values(r)
        .execute(conn)?;
    Ok(())
}

pub fn agencies_by_id(
    conn: &mut DbConnection,
    ids: &[String],
) -> AppResult<HashMap<String, Agency>> {
    let rows: Vec<Agency> = agencies::table
        .filter(agencies::id.eq_any(ids))
        .select(Agency::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|a| (a.id.clone(), a)).collect())
}

/// 시도 codes per announcement, for list cards.
pub fn sido_by_announcement(
    conn: &mut DbConnection,
    ids: &[String],
) -> AppResult<HashMap<String, Vec<String>>> {
    let rows: Vec<(String, String)> = announcement_regions::table
        .filter(announcement_regions::announcement_id.eq_any(ids))
        .select((
            announcement_regions::announcement_id,
            announcement_regions::sido_code,
        ))
        .load(conn)?;
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (id, sido) in rows {
        let v = map.entry(id).or_default();
        if !v.contains(&sido) {
            v.push(sido);
        }
    }
    Ok(map)
}

/// Which announcements a public list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// 접수 중: published, started, not past its deadline.
    #[default]
    Open,
    /// 접수 예정: forecasts and published ones whose window starts later.
    Upcoming,
    /// 마감.
    Closed,
    /// Everything public.
    All,
}

impl StatusFilter {
    pub fn parse(s: &str) -> Option<StatusFilter> {
        Some(match s {
            "open" | "" => StatusFilter::Open,
            "upcoming" => StatusFilter::Upcoming,
            "closed" => StatusFilter::Closed,
            "all" => StatusFilter::All,
            _ => return None,
        })
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            StatusFilter::Open => "open",
            StatusFilter::Upcoming => "upcoming",
            StatusFilter::Closed => "closed",
            StatusFilter::All => "all",
        }
    }
    /// The phase this filter lists (`All`: every public one, no single phase).
    pub fn phase(&self) -> Option<Phase> {
        match self {
            StatusFilter::Open => Some(Phase::Open),
            StatusFilter::Upcoming => Some(Phase::Upcoming),
            StatusFilter::Closed => Some(Phase::Closed),
            StatusFilter::All => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Best match first (search engine); the database fallback orders by deadline.
    Relevance,
    #[default]
    Deadline,
    Newest,
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub q: Option<String>,
    pub category: Option<String>,
    /// 2-digit 시도 code; nationwide announcements match every region.
    pub region: Option<String>,
    pub agency: Option<String>,
    pub target: Option<String>,
    pub status: StatusFilter,
    /// Deadline within this many days.
    pub due_days: Option<i64>,
    pub sort: Sort,
    pub page: i64,
    pub per_page: i64,
}

fn like_pattern(word: &str) -> String {
    format!("%{}%", escape_like(word).to_lowercase())
}

/// `word` with LIKE's wildcards escaped (escape character `\`).
fn escape_like(word: &str) -> String {
    word.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// `model::Phase` in SQL: the rows in `phase` at `now` (a boxable boolean expression).
/// Archived rows are in no list (as in the search index), so `Closed` lists `closed` ones.
macro_rules! phase_filter {
    ($phase:expr, $now:expr) => {{
        let now: NaiveDateTime = $now;
        let published = announcements::status.eq(Status::Published.as_str());
        let started = announcements::apply_start
            .is_null()
            .or(announcements::apply_start.le(now));
        let not_ended = announcements::apply_end
            .is_null()
            .or(announcements::apply_end.ge(now));
        let e: Box<
            dyn BoxableExpression<
                announcements::table,
                <DbConnection as diesel::Connection>::Backend,
                SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
            >,
        > = match $phase {
            Phase::Open => Box::new(published.and(started).and(not_ended)),
            Phase::Upcoming => Box::new(
                announcements::status
                    .eq(Status::Forecast.as_str())
                    .or(published.and(announcements::apply_start.gt(now))),
            ),
            Phase::Closed => Box::new(
                announcements::status
                    .eq(Status::Closed.as_str())
                    .or(published.and(announcements::apply_end.lt(now))),
            ),
            Phase::Hidden => Box::new(
                announcements::status
                    .eq_any([Status::Draft.as_str(), Status::Scheduled.as_str()])
                    .nullable(),
            ),
        };
        e
    }};
}

macro_rules! filtered {
    ($f:expr, $now:expr) => {{
        let f: &ListFilter = $f;
        let now: NaiveDateTime = $now;
        let mut q = announcements::table.into_boxed();
        q =
            match f.status.phase() {
                Some(phase) => q.filter(phase_filter!(phase, now)),
                None => q.filter(announcements::status.eq_any(
                    [Status::Published, Status::Forecast, Status::Closed].map(|s| s.as_str()),
                )),
            };
        if let Some(c) = &f.category {
            q = q.filter(announcements::category.eq(c.clone()));
        }
        if let Some(r) = &f.region {
            q = q.filter(
                announcements::nationwide
                    .eq(true)
                    .or(announcements::id.eq_any(
                        announcement_regions::table
                            .filter(announcement_regions::sido_code.eq(r.clone()))
                            .select(announcement_regions::announcement_id),
                    )),
            );
        }
        if let Some(a) = &f.agency {
            q = q.filter(
                announcements::owner_agency_id
                    .eq(a.clone())
                    .and(announcements::owner_confirmed.eq(true))
                    .or(announcements::exec_agency_id.eq(a.clone())),
            );
        }
        if let Some(t) = &f.target {
            q = q.filter(
                announcements::id.eq_any(
                    announcement_targets::table
                        .filter(announcement_targets::target.eq(t.clone()))
                        .select(announcement_targets::announcement_id),
                ),
            );
        }
        if let Some(days) = f.due_days {
            q = q
                .filter(announcements::apply_end.ge(now))
                .filter(announcements::apply_end.le(now + Duration::days(days)));
        }
        if let Some(text) = &f.q {
            for word in text.split_whitespace().take(8) {
                q = q.filter(
                    announcements::search_text
                        .like(like_pattern(word))
                        .escape('\\'),
                );
            }
        }
        q
    }};
}

/// One page of public announcements and the total count.
pub fn list(
    conn: &mut DbConnection,
    f: &ListFilter,
    now: NaiveDateTime,
) -> AppResult<(Vec<Announcement>, i64)> {
    let total: i64 = filtered!(f, now).count().get_result(conn)?;
    let per_page = f.per_page.clamp(1, 100);
    let page = f.page.max(1);
    let mut q = filtered!(f, now);
    q = match f.sort {
        Sort::Deadline | Sort::Relevance => q.order((
            announcements::apply_end.is_null().asc(),
            announcements::apply_end.asc(),
            announcements::published_at.desc(),
            announcements::id.asc(),
        )),
        Sort::Newest => q.order((
            announcements::published_at.desc(),
            announcements::created_at.desc(),
            announcements::id.asc(),
        )),
    };
    let rows = q
        .limit(per_page)
        .offset((page - 1) * per_page)
        .select(Announcement::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Open announcements per category, for the home page.
pub fn open_counts_by_category(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> AppResult<HashMap<String, i64>> {
    let rows: Vec<(Option<String>, i64)> = announcements::table
        .filter(phase_filter!(Phase::Open, now))
        .group_by(announcements::category)
        .select((announcements::category, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(c, n)| c.map(|c| (c, n)))
        .collect())
}

/// Ids of the announcements an agency owns or runs.
pub fn ids_of_agency(conn: &mut DbConnection, agency_id: &str) -> AppResult<Vec<String>> {
    Ok(announcements::table
        .filter(
            announcements::owner_agency_id
                .eq(agency_id)
                .or(announcements::exec_agency_id.eq(agency_id)),
        )
        .select(announcements::id)
        .load(conn)?)
}

/// Whether `user_id` saved this announcement (관심 공고), for the page to show it. A
/// read of the table `alerts` writes: announcements may not import alerts.
pub fn is_saved(conn: &mut DbConnection, user_id: &str, id: &str) -> AppResult<bool> {
    use crate::db::schema::bookmarks;
    let n: i64 = bookmarks::table
        .filter(bookmarks::user_id.eq(user_id))
        .filter(bookmarks::announcement_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Open announcements per owning agency, for the agency directory.
pub fn open_counts_by_owner(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> AppResult<HashMap<String, i64>> {
    let rows: Vec<(Option<String>, i64)> = announcements::table
        .filter(phase_filter!(Phase::Open, now))
        .filter(announcements::owner_confirmed.eq(true))
        .group_by(announcements::owner_agency_id)
        .select((announcements::owner_agency_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(a, n)| a.map(|a| (a, n)))
        .collect())
}

/// Everything of an agency's own (owned or executed), any status, newest first.
pub fn list_for_agency(
    conn: &mut DbConnection,
    agency_id: &str,
    status: Option<&str>,
    search: Option<&str>,
    page: i64,
    per_page: i64,
) -> AppResult<(Vec<Announcement>, i64)> {
    // An id (as pasted from an address) finds that announcement; otherwise every word
    // of the search is in the title, in any order.
    let search = search.map(str::trim).filter(|q| !q.is_empty());
    let by_id =
        search.filter(|q| q.len() == 36 && q.chars().all(|c| c.is_ascii_hexdigit() || c == '-'));
    let words: Vec<String> = match (search, by_id) {
        (Some(q), None) => q.split_whitespace().take(8).map(escape_like).collect(),
        _ => Vec::new(),
    };
    let base = || {
        let mut q = announcements::table
            .filter(
                announcements::owner_agency_id
                    .eq(agency_id.to_string())
                    .or(announcements::exec_agency_id.eq(agency_id.to_string())),
            )
            .into_boxed();
        if let Some(s) = status {
            q = q.filter(announcements::status.eq(s.to_string()));
        }
        if let Some(id) = by_id {
            q = q.filter(announcements::id.eq(id.to_string()));
        }
        for w in &words {
            q = q.filter(announcements::title.like(format!("%{w}%")).escape('\\'));
        }
        q
    };
    let total: i64 = base().count().get_result(conn)?;
    let rows = base()
        .order((announcements::updated_at.desc(), announcements::id.asc()))
        .limit(per_page)
        .offset((page.max(1) - 1) * per_page)
        .select(Announcement::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Count a page view: the running total and the day's count (KST day), for the agency's
/// report.
pub fn increment_views(conn: &mut DbConnection, id: &str, day: chrono::NaiveDate) -> AppResult<()> {
    use crate::db::schema::announcement_views as v;
    diesel::update(announcements::table.find(id))
        .set(announcements::view_count.eq(announcements::view_count + 1))
        .execute(conn)?;
    let bump = |conn: &mut DbConnection| -> AppResult<usize> {
        Ok(diesel::update(v::table.find((id, day)))
            .set(v::views.eq(v::views + 1))
            .execute(conn)?)
    };
    if bump(conn)? == 0 {
        let row = (v::announcement_id.eq(id), v::day.eq(day), v::views.eq(1i64));
        let inserted = crate::insert_or_ignore!(conn, v::table, row)?;
        if inserted == 0 {
            bump(conn)?;
        }
    }
    Ok(())
}

/// Page views per KST day in `[from, to]`.
pub fn views_by_day(
    conn: &mut DbConnection,
    id: &str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> AppResult<Vec<(chrono::NaiveDate, i64)>> {
    use crate::db::schema::announcement_views as v;
    Ok(v::table
        .filter(v::announcement_id.eq(id))
        .filter(v::day.ge(from))
        .filter(v::day.le(to))
        .order(v::day.asc())
        .select((v::day, v::views))
        .load(conn)?)
}

/// Published announcements whose deadline has passed (the scheduler's safety sweep).
pub fn overdue_published(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<Vec<String>> {
    Ok(announcements::table
        .filter(announcements::status.eq(Status::Published.as_str()))
        .filter(announcements::apply_end.lt(now))
        .select(announcements::id)
        .load(conn)?)
}

/// Scheduled announcements whose publish time has passed.
pub fn due_scheduled(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<Vec<String>> {
    Ok(announcements::table
        .filter(announcements::status.eq(Status::Scheduled.as_str()))
        .filter(announcements::publish_at.le(now))
        .select(announcements::id)
        .load(conn)?)
}

/// Record whether the owner agency confirmed the announcement (see
/// `Announcement::owner_confirmed`).
pub fn set_owner_confirmed(conn: &mut DbConnection, id: &str, confirmed: bool) -> AppResult<()> {
    diesel::update(announcements::table.find(id))
        .set(announcements::owner_confirmed.eq(confirmed))
        .execute(conn)?;
    Ok(())
}

/// How many people saved the announcement (관심 공고), for the console's confirmation
/// pages: what an action does to them is said with their number.
pub fn bookmark_count(conn: &mut DbConnection, id: &str) -> AppResult<i64> {
    use crate::db::schema::bookmarks;
    Ok(bookmarks::table
        .filter(bookmarks::announcement_id.eq(id))
        .count()
        .get_result(conn)?)
}

/// Every announcement `f` lists (its status and filters, ignoring paging), deadline
/// first, at most `cap`: the candidates the owner's home ranks (`alerts::fit`).
pub fn list_all(
    conn: &mut DbConnection,
    f: &ListFilter,
    now: NaiveDateTime,
    cap: i64,
) -> AppResult<Vec<Announcement>> {
    Ok(filtered!(f, now)
        .order((
            announcements::apply_end.is_null().asc(),
            announcements::apply_end.asc(),
            announcements::published_at.desc(),
            announcements::id.asc(),
        ))
        .limit(cap)
        .select(Announcement::as_select())
        .load(conn)?)
}
