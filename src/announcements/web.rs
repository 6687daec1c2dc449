//! Public pages: home, announcement, agencies, attachments. The listing (`/announcements`)
//! is `search::web`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use serde::{Deserialize, Serialize};

use super::model::{correction_label, Announcement, FieldChange, Phase, Status};
use super::store::{self, ListFilter, Sort, StatusFilter};
use super::view::{
    budget_label, cards, dday, filter_options, opens_on, summary_in_body, tel_links, window_label,
};
use crate::accounts::model::agency_group;
use crate::accounts::page;
use crate::accounts::{store as accounts_store, CurrentUser};
use crate::clock::format_kst;
use crate::error::{AppError, AppResult};
use crate::reference::{self, CATEGORIES};
use crate::web::render_public;
use crate::web::routes::{Access, Object, Routes};
use crate::AppState;

pub fn routes(r: &mut Routes) {
    r.get("/", home, Access::Public)
        .get(
            "/announcements/{id}",
            detail,
            Access::Preview.on(Object::Announcement),
        )
        .get("/agencies", agencies, Access::Public)
        .get("/agencies/{id}", agency, Access::Public.on(Object::Agency))
        .get(
            "/attachments/{id}",
            attachment,
            Access::Preview.on(Object::Attachment),
        );
}

/// The anonymous home's region (a 2-digit 시도 code), chosen with its small form and
/// remembered on the device.
const REGION_COOKIE: &str = "jiwon_region";

#[derive(Deserialize)]
struct HomeQuery {
    /// The region form: a 시도 code, or empty for 전국.
    region: Option<String>,
}

/// Remember (or forget, for 전국) the home's region and show the home again.
fn choose_region(state: &AppState, region: &str) -> AppResult<HttpResponse> {
    let mut resp = crate::web::redirect("/");
    let mut cookie = actix_web::cookie::Cookie::build(REGION_COOKIE, region.to_string())
        .path("/")
        .http_only(true)
        .secure(state.config.is_production())
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    if reference::sido_name(region).is_none() {
        cookie.make_removal();
    }
    resp.add_cookie(&cookie).map_err(AppError::internal)?;
    Ok(resp)
}

async fn home(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Option<CurrentUser>,
    q: web::Query<HomeQuery>,
) -> AppResult<HttpResponse> {
    if let Some(r) = &q.region {
        return choose_region(&state, r.trim());
    }
    let region = req
        .cookie(REGION_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|c| reference::sido_name(c).is_some());
    // A localized home is the visitor's own: not kept in (or served from) the shared
    // page cache, and private to their browser.
    let personal = user.is_some() || region.is_some();
    if let Some(hit) = crate::web::cached_public(&state, &req, personal) {
        return Ok(hit);
    }
    let now = state.now();
    let in_region = region.clone();
    let (closing, newest, upcoming, counts, open_total) = state
        .db(move |conn| {
            let base = ListFilter {
                per_page: 6,
                page: 1,
                region: in_region,
                ..Default::default()
            };
            let (closing, _) = store::list(
                conn,
                &ListFilter {
                    due_days: Some(7),
                    ..base.clone()
                },
                now,
            )?;
            let (newest, open_total) = store::list(
                conn,
                &ListFilter {
                    sort: Sort::Newest,
                    ..base.clone()
                },
                now,
            )?;
            let (upcoming, _) = store::list(
                conn,
                &ListFilter {
                    status: StatusFilter::Upcoming,
                    ..base.clone()
                },
                now,
            )?;
            let counts = store::open_counts_by_category(conn, now)?;
            Ok((
                cards(conn, &closing, now)?,
                cards(conn, &newest, now)?,
                cards(conn, &upcoming, now)?,
                counts,
                open_total,
            ))
        })
        .await?;
    let mut ctx = page(user.as_ref(), None);
    filter_options(&mut ctx);
    let tiles: Vec<serde_json::Value> = CATEGORIES
        .iter()
        .map(|(c, _)| serde_json::json!({"name": c, "count": counts.get(*c).copied().unwrap_or(0)}))
        .collect();
    ctx.insert("tiles", &tiles);
    ctx.insert("closing", &closing);
    ctx.insert("newest", &newest);
    ctx.insert("upcoming", &upcoming);
    ctx.insert("open_total", &open_total);
    ctx.insert("today", &format_kst(now, "%Y년 %-m월 %-d일"));
    ctx.insert("home_region", &region.clone().unwrap_or_default());
    ctx.insert(
        "home_region_name",
        &region.as_deref().and_then(reference::sido_name),
    );
    render_public(&state, &req, personal, "announcements/home.html", &ctx)
}

/// Everything the announcement page shows.
#[derive(Debug, Serialize)]
pub struct DetailView {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub status: String,
    pub status_label: String,
    pub category: Option<String>,
    pub subcategories: Vec<String>,
    pub targets: Vec<String>,
    pub regions: Vec<String>,
    pub nationwide: bool,
    pub eligibility: Vec<String>,
    pub eligibility_text: Option<String>,
    pub window: String,
    pub window_note: Option<String>,
    pub dday: String,
    pub dday_class: String,
    pub apply_method: String,
    pub apply_url: Option<String>,
    pub apply_note: Option<String>,
    pub contacts: Option<String>,
    pub owner: Option<crate::accounts::Agency>,
    pub exec: Option<crate::accounts::Agency>,
    pub sub_programs: Vec<SubProgramView>,
    pub attachments: Vec<AttachmentView>,
    pub sources: Vec<SourceView>,
    pub revisions: Vec<RevisionView>,
    pub published: String,
    pub updated: String,
    pub revision: i32,
    /// "정정 2차" when corrected ([`correction_label`]).
    pub correction: Option<String>,
    pub view_count: i64,
    pub share_url: String,
    /// `model::Phase`: upcoming | open | closed | hidden.
    pub phase: Phase,
    /// What the apply box offers: only a way that exists.
    pub apply: ApplyView,
    /// The contacts as HTML, phone numbers as `tel:` links (escaped).
    pub contacts_html: Option<String>,
    /// False when the body already says the summary (it would be read twice).
    pub show_summary: bool,
}

/// The apply box: a link only to a real application page, while the window is open.
#[derive(Debug, Clone, Serialize)]
pub struct ApplyView {
    /// link (open, with a URL) | upcoming (a disabled button saying when) | closed |
    /// method (open, no URL: how to apply in words) | none (not public)
    pub kind: &'static str,
    pub label: String,
    pub href: Option<String>,
}

fn apply_view(a: &Announcement, now: chrono::NaiveDateTime) -> ApplyView {
    let (kind, label, href) = match a.phase(now) {
        Phase::Hidden => ("none", String::new(), None),
        Phase::Closed => ("closed", "접수가 마감되었습니다".to_string(), None),
        Phase::Upcoming => (
            "upcoming",
            opens_on(a, now).unwrap_or_else(|| "접수 시작 전 (일정 미정)".to_string()),
            None,
        ),
        Phase::Open => match a.apply_url.as_deref().filter(|u| !u.trim().is_empty()) {
            Some(url) => ("link", "신청하러 가기".to_string(), Some(url.to_string())),
            None => (
                "method",
                match a.apply_method.as_str() {
                    "offline" => "방문·우편·이메일로 접수합니다. 접수처와 서류는 공고 내용과 문의처를 확인하세요.",
                    _ => "온라인 신청 주소가 없습니다. 신청 방법은 공고 내용과 문의처를 확인하세요.",
                }
                .to_string(),
                None,
            ),
        },
    };
    ApplyView { kind, label, href }
}

/// One sub-program (세부사업) as the detail page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct SubProgramView {
    pub name: String,
    pub scale: String,
    /// "3억 원", or empty.
    pub budget: String,
    pub description: String,
}

/// An attachment: stored here (`/attachments/{id}`) or a link to the source's copy.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    pub name: String,
    pub href: String,
    pub external: bool,
    /// "1.2 MB" / "34 KB", when known.
    pub size: Option<String>,
}

/// Where an imported announcement came from.
#[derive(Debug, Clone, Serialize)]
pub struct SourceView {
    pub label: String,
    /// "기업마당에서 보기", "K-Startup에서 보기".
    pub link_text: String,
    pub url: Option<String>,
    pub source_id: String,
}

/// A published correction and its field-level changes.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionView {
    pub revision: i32,
    /// "정정 1차" ([`correction_label`]).
    pub label: String,
    pub reason: String,
    /// KST, "2026.12.06 14:30".
    pub at: String,
    pub changes: Vec<FieldChange>,
}

pub fn detail_view(
    conn: &mut crate::db::DbConnection,
    a: &Announcement,
    base_url: &str,
    now: chrono::NaiveDateTime,
) -> AppResult<DetailView> {
    let owner = match a.public_owner_id() {
        Some(id) => accounts_store::find_agency(conn, id)?,
        None => None,
    };
    let exec = match &a.exec_agency_id {
        Some(id) => accounts_store::find_agency(conn, id)?,
        None => None,
    };
    let regions = store::regions_of(conn, &a.id)?
        .into_iter()
        .map(|r| {
            if r.level == "sido" {
                r.name
            } else {
                format!(
                    "{} {}",
                    reference::sido_name(&r.sido_code).unwrap_or(""),
                    r.name
                )
            }
        })
        .collect();
    let subs = store::sub_programs_of(conn, &a.id)?
        .into_iter()
        .map(|s| SubProgramView {
            budget: budget_label(s.budget_won),
            name: s.name,
            scale: s.scale,
            description: s.description,
        })
        .collect();
    let attachments = store::attachments_of(conn, &a.id)?
        .into_iter()
        .map(|f| {
            let href = if f.stored_name.is_some() {
                format!("/attachments/{}", f.id)
            } else {
                f.url.clone().unwrap_or_default()
            };
            let size = f.size_bytes.map(|b| {
                if b >= 1024 * 1024 {
                    format!("{:.1} MB", b as f64 / 1048576.0)
                } else {
                    format!("{} KB", (b + 1023) / 1024)
                }
            });
            AttachmentView {
                external: f.stored_name.is_none(),
                name: f.file_name,
                href,
                size,
            }
        })
        .collect();
    let sources = store::sources_of(conn, &a.id)?
        .into_iter()
        .map(|s| SourceView {
            label: s.source_label().to_string(),
            link_text: format!("{}에서 보기", s.source_label()),
            url: s.source_url,
            source_id: s.source_id,
        })
        .collect();
    let revisions = store::revisions_of(conn, &a.id)?
        .into_iter()
        .map(|r| {
            let changes: Vec<FieldChange> = serde_json::from_str(&r.diff).unwrap_or_default();
            RevisionView {
                label: correction_label(r.revision).unwrap_or_default(),
                revision: r.revision,
                reason: r.reason,
                at: format_kst(r.created_at, "%Y.%m.%d %H:%M"),
                changes,
            }
        })
        .collect();
    let (dday, class) = dday(a, now);
    let elig = a.eligibility();
    Ok(DetailView {
        id: a.id.clone(),
        title: a.title.clone(),
        summary: a.summary.clone(),
        body_html: a.body_html.clone(),
        status: a.status.clone(),
        status_label: a.status().label().into(),
        category: a.category.clone(),
        subcategories: a.subcategory_list(),
        targets: a.target_list(),
        regions,
        nationwide: a.nationwide,
        eligibility: elig.describe_named(conn)?,
        eligibility_text: elig.text.clone(),
        window: window_label(a),
        window_note: a.window_note.clone(),
        dday,
        dday_class: class.into(),
        apply_method: match a.apply_method.as_str() {
            "offline" => "방문·우편·이메일 접수".into(),
            "external" if a.apply_url.is_some() => "외부 누리집에서 신청".into(),
            // The portal has no application form of its own yet: promise none.
            _ => "공고 내용 참조".into(),
        },
        apply_url: a.apply_url.clone(),
        apply_note: a.apply_note.clone(),
        contacts: a.contacts.clone(),
        contacts_html: a.contacts.as_deref().map(tel_links),
        show_summary: !a.summary.trim().is_empty() && !summary_in_body(&a.summary, &a.body_html),
        phase: a.phase(now),
        apply: apply_view(a, now),
        owner,
        exec,
        sub_programs: subs,
        attachments,
        sources,
        revisions,
        published: a
            .published_at
            .map(|t| format_kst(t, "%Y.%m.%d"))
            .unwrap_or_default(),
        updated: format_kst(a.updated_at, "%Y.%m.%d %H:%M"),
        revision: a.revision,
        correction: correction_label(a.revision),
        view_count: a.view_count,
        share_url: format!("{}/announcements/{}", base_url.trim_end_matches('/'), a.id),
    })
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Option<CurrentUser>,
    path: web::Path<String>,
    done: web::Query<DoneQuery>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let now = state.now();
    let base = state.config.base_url.clone();
    let viewer_agency = user.as_ref().and_then(|u| u.user.agency_id.clone());
    // An owner (signed in, no agency) sees how the program fits their business.
    let owner_id = user
        .as_ref()
        .filter(|u| u.user.agency_id.is_none() && !u.user.is_operator)
        .map(|u| u.user.id.clone());
    let fit_of = state.fit;
    let portal_ready = state.apply.portal_ready;
    let count_of = state.applicant_count;
    let viewer = user.as_ref().map(|u| u.user.id.clone());
    let (view, fit, saved, applicants) = state
        .db(move |conn| {
            let a = store::find(conn, &id)?.ok_or(AppError::NotFound)?;
            if !a.is_public() {
                // Drafts and scheduled ones exist only for their own agency (console preview).
                let own = viewer_agency.is_some()
                    && (a.owner_agency_id == viewer_agency || a.exec_agency_id == viewer_agency);
                if !own {
                    return Err(AppError::NotFound);
                }
            } else {
                store::increment_views(conn, &a.id, crate::clock::to_kst(now).date())?;
            }
            let fit = match &owner_id {
                Some(uid) if a.is_public() => fit_of(conn, uid, &a, now)?,
                _ => None,
            };
            let saved = match &viewer {
                Some(uid) => store::is_saved(conn, uid, &a.id)?,
                None => false,
            };
            let mut view = detail_view(conn, &a, &base, now)?;
            // A program that takes applications on this portal, with a published form,
            // is applied to here while its window is open.
            if view.apply.kind != "none"
                && a.phase(now) == crate::announcements::model::Phase::Open
                && portal_ready(conn, &a.id)?
            {
                view.apply = ApplyView {
                    kind: "portal",
                    label: "이 포털에서 신청하기".into(),
                    href: Some(format!("/announcements/{}/apply", a.id)),
                };
                view.apply_method = "이 포털에서 신청".into();
            }
            let applicants = if a.is_public() {
                count_of(conn, &a.id)?
            } else {
                None
            };
            Ok((view, fit, saved, applicants))
        })
        .await?;
    let mut ctx = page(user.as_ref(), None);
    ctx.insert("a", &view);
    ctx.insert("fit", &fit);
    ctx.insert("applicants", &applicants);
    // What a sign-in with intent just did (`accounts::intent`); only said to the
    // signed-in (an anonymous page is shared by everyone through caches).
    ctx.insert(
        "done",
        &user
            .as_ref()
            .and(done.done.as_deref())
            .filter(|d| matches!(*d, "bookmark" | "alert")),
    );
    ctx.insert("saved", &saved);
    ctx.insert(
        "preview",
        &(view.status == Status::Draft.as_str() || view.status == Status::Scheduled.as_str()),
    );
    render_public(
        &state,
        &req,
        user.is_some(),
        "announcements/detail.html",
        &ctx,
    )
}

#[derive(serde::Deserialize)]
struct AgencyQuery {
    q: Option<String>,
    page: Option<i64>,
}

/// Agencies per directory page: a phone scrolls one page, not 600 names.
const AGENCIES_PER_PAGE: usize = 60;

/// One agency in the directory.
#[derive(Debug, Serialize)]
pub struct AgencyEntry {
    id: String,
    name: String,
    open: i64,
}

/// A group of the directory (중앙부처, 광역, 기초, 공공기관) on this page.
#[derive(Debug, Serialize)]
pub struct AgencyGroup {
    label: &'static str,
    agencies: Vec<AgencyEntry>,
}

/// One page of the agency directory.
#[derive(Debug, Serialize)]
pub struct Directory {
    groups: Vec<AgencyGroup>,
    total: usize,
    page: usize,
    pages: usize,
}

/// The directory: agencies whose name contains `q` (spacing and case ignored), grouped
/// by `accounts::model::agency_group`, those with open programs first within a group,
/// then by name; page `page` of `AGENCIES_PER_PAGE`.
pub fn directory(
    conn: &mut crate::db::DbConnection,
    q: Option<&str>,
    page: i64,
    now: chrono::NaiveDateTime,
) -> AppResult<Directory> {
    let squash = |s: &str| s.split_whitespace().collect::<String>().to_lowercase();
    let needle = q.map(squash).filter(|q| !q.is_empty());
    let counts = store::open_counts_by_owner(conn, now)?;
    let mut rows: Vec<_> = accounts_store::list_agencies(conn)?
        .into_iter()
        .filter(|a| needle.as_ref().is_none_or(|q| squash(&a.name).contains(q)))
        .map(|a| {
            let open = counts.get(&a.id).copied().unwrap_or(0);
            (agency_group(&a.kind, &a.name), a, open)
        })
        .collect();
    rows.sort_by(|(g1, a1, n1), (g2, a2, n2)| {
        g1.0.cmp(&g2.0)
            .then((*n2 > 0).cmp(&(*n1 > 0)))
            .then(a1.name.cmp(&a2.name))
    });
    let total = rows.len();
    let pages = total.div_ceil(AGENCIES_PER_PAGE).max(1);
    let page = (page.max(1) as usize).min(pages);
    let mut groups: Vec<AgencyGroup> = Vec::new();
    for ((_, label), a, open) in rows
        .into_iter()
        .skip((page - 1) * AGENCIES_PER_PAGE)
        .take(AGENCIES_PER_PAGE)
    {
        let entry = AgencyEntry {
            id: a.id,
            name: a.name,
            open,
        };
        match groups.last_mut() {
            Some(g) if g.label == label => g.agencies.push(entry),
            _ => groups.push(AgencyGroup {
                label,
                agencies: vec![entry],
            }),
        }
    }
    Ok(Directory {
        groups,
        total,
        page,
        pages,
    })
}

async fn agencies(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Option<CurrentUser>,
    query: web::Query<AgencyQuery>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let q = query.q.as_deref().unwrap_or("").trim().to_string();
    let (needle, page_no) = (q.clone(), query.page.unwrap_or(1));
    let dir = state
        .db(move |conn| directory(conn, Some(&needle), page_no, now))
        .await?;
    let link = |p: usize| format!("/agencies?q={}&page={p}", urlencoding::encode(&q));
    let mut ctx = page(user.as_ref(), None);
    ctx.insert("prev_link", &(dir.page > 1).then(|| link(dir.page - 1)));
    ctx.insert(
        "next_link",
        &(dir.page < dir.pages).then(|| link(dir.page + 1)),
    );
    ctx.insert("q", &q);
    ctx.insert("dir", &dir);
    render_public(
        &state,
        &req,
        user.is_some(),
        "announcements/agencies.html",
        &ctx,
    )
}

async fn agency(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Option<CurrentUser>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let now = state.now();
    let (agency, open, open_total, closed_total) = state
        .db(move |conn| {
            let agency = accounts_store::find_agency(conn, &id)?.ok_or(AppError::NotFound)?;
            let f = ListFilter {
                agency: Some(agency.id.clone()),
                per_page: 50,
                page: 1,
                ..Default::default()
            };
            let (rows, open_total) = store::list(conn, &f, now)?;
            let (_, closed_total) = store::list(
                conn,
                &ListFilter {
                    status: StatusFilter::Closed,
                    ..f
                },
                now,
            )?;
            Ok((agency, cards(conn, &rows, now)?, open_total, closed_total))
        })
        .await?;
    let mut ctx = page(user.as_ref(), None);
    ctx.insert("kind_label", agency.kind_label());
    ctx.insert("agency", &agency);
    ctx.insert("items", &open);
    ctx.insert("open_total", &open_total);
    ctx.insert("closed_total", &closed_total);
    render_public(
        &state,
        &req,
        user.is_some(),
        "announcements/agency.html",
        &ctx,
    )
}

/// Download an uploaded attachment. Stored under a generated name; served with the
/// original name, a sniffed type and `nosniff`.
async fn attachment(
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let viewer_agency = user.as_ref().and_then(|u| u.user.agency_id.clone());
    let (file, ann) = state
        .db(move |conn| {
            let f = store::find_attachment(conn, &id)?.ok_or(AppError::NotFound)?;
            let a = store::find(conn, &f.announcement_id)?.ok_or(AppError::NotFound)?;
            Ok((f, a))
        })
        .await?;
    let own = viewer_agency.is_some()
        && (ann.owner_agency_id == viewer_agency || ann.exec_agency_id == viewer_agency);
    if !ann.is_public() && !own {
        return Err(AppError::NotFound);
    }
    let Some(stored) = file.stored_name.clone() else {
        return match file.url {
            Some(u) => Ok(HttpResponse::Found()
                .insert_header((header::LOCATION, u))
                .finish()),
            None => Err(AppError::NotFound),
        };
    };
    let path = state.config.upload_dir.join(&stored);
    let bytes = web::block(move || std::fs::read(path))
        .await?
        .map_err(|_| AppError::NotFound)?;
    let disposition = format!(
        "attachment; filename=\"download\"; filename*=UTF-8''{}",
        urlencoding::encode(&file.file_name)
    );
    Ok(HttpResponse::Ok()
        .content_type(
            file.content_type
                .unwrap_or_else(|| "application/octet-stream".into()),
        )
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((
            header::CACHE_CONTROL,
            if ann.is_public() {
                "public, max-age=3600"
            } else {
                "private, no-store"
            },
        ))
        .body(bytes))
}
