//! Public pages: home, listing with filters, announcement, agencies, attachments.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::{Announcement, FieldChange, Status};
use super::store::{self, ListFilter, Sort, StatusFilter};
use super::view::{self, budget_label, cards, dday, window_label};
use crate::accounts::{store as accounts_store, CurrentUser};
use crate::clock::format_kst;
use crate::error::{AppError, AppResult};
use crate::reference::{self, CATEGORIES, SIDO, TARGET_TYPES};
use crate::web::routes::{Access, Object, Routes};
use crate::web::{page, render_public};
use crate::AppState;

pub const PER_PAGE: i64 = 20;

pub fn routes(r: &mut Routes) {
    r.get("/", home, Access::Public)
        .get("/announcements", listing, Access::Public)
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

/// Listing query parameters, shared with the JSON API.
#[derive(Debug, Default, Deserialize, Serialize, Clone)]
pub struct ListQuery {
    pub q: Option<String>,
    pub category: Option<String>,
    pub region: Option<String>,
    pub agency: Option<String>,
    pub target: Option<String>,
    pub status: Option<String>,
    pub due: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

impl ListQuery {
    /// The filter this query asks for. Unknown values are dropped (and reported) rather
    /// than failing the page.
    pub fn to_filter(&self) -> (ListFilter, Vec<String>) {
        let mut notes = Vec::new();
        let mut f = ListFilter {
            per_page: PER_PAGE,
            page: 1,
            ..Default::default()
        };
        f.q = non_empty(&self.q).map(|q| q.chars().take(100).collect());
        f.category = non_empty(&self.category).filter(|c| {
            let ok = reference::is_category(c);
            if !ok {
                notes.push(format!("알 수 없는 분야 '{c}'는 무시했습니다."));
            }
            ok
        });
        f.region = non_empty(&self.region).filter(|r| {
            let ok = reference::sido_name(r).is_some();
            if !ok {
                notes.push(format!("알 수 없는 지역 코드 '{r}'는 무시했습니다."));
            }
            ok
        });
        f.agency = non_empty(&self.agency);
        f.target = non_empty(&self.target);
        f.status = non_empty(&self.status)
            .and_then(|s| StatusFilter::parse(&s))
            .unwrap_or_default();
        f.due_days = match non_empty(&self.due).as_deref() {
            Some("7") => Some(7),
            Some("30") => Some(30),
            Some("90") => Some(90),
            _ => None,
        };
        f.sort = match non_empty(&self.sort).as_deref() {
            Some("newest") => Sort::Newest,
            Some("deadline") => Sort::Deadline,
            Some("relevance") => Sort::Relevance,
            // With words to match, best match first; otherwise what closes soonest.
            _ if f.q.is_some() => Sort::Relevance,
            _ => Sort::Deadline,
        };
        f.page = non_empty(&self.page)
            .and_then(|p| p.parse().ok())
            .filter(|p: &i64| *p >= 1 && *p <= 10_000)
            .unwrap_or(1);
        (f, notes)
    }

    /// The query string for a page link, keeping every filter.
    pub fn with_page(&self, page: i64) -> String {
        let mut q = self.clone();
        q.page = if page > 1 {
            Some(page.to_string())
        } else {
            None
        };
        let pairs: Vec<(&str, String)> = [
            ("q", &q.q),
            ("category", &q.category),
            ("region", &q.region),
            ("agency", &q.agency),
            ("target", &q.target),
            ("status", &q.status),
            ("due", &q.due),
            ("sort", &q.sort),
            ("page", &q.page),
        ]
        .into_iter()
        .filter_map(|(k, v)| non_empty(v).map(|v| (k, v)))
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

fn filter_options(ctx: &mut tera::Context) {
    let cats: Vec<&str> = CATEGORIES.iter().map(|(c, _)| *c).collect();
    ctx.insert("categories", &cats);
    let sido: Vec<serde_json::Value> = SIDO
        .iter()
        .map(|(n, c)| serde_json::json!({"code": c, "name": n}))
        .collect();
    ctx.insert("sido", &sido);
    ctx.insert("targets", TARGET_TYPES);
}

async fn home(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Option<CurrentUser>,
) -> AppResult<HttpResponse> {
    if let Some(hit) = crate::web::cached_public(&state, &req, user.is_some()) {
        return Ok(hit);
    }
    let now = state.now();
    let (closing, newest, upcoming, counts, open_total) = state
        .db(move |conn| {
            let base = ListFilter {
                per_page: 6,
                page: 1,
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
    render_public(
        &state,
        &req,
        user.is_some(),
        "announcements/home.html",
        &ctx,
    )
}

/// One facet value as the page shows it: a label, a count, and the link that applies it.
#[derive(Debug, Clone, Serialize)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: usize,
    pub href: String,
    pub active: bool,
}

/// Everything a listing needs, from the engine or (degraded) the database.
pub struct Listing {
    pub filter: ListFilter,
    pub notes: Vec<String>,
    pub items: Vec<Card>,
    pub total: i64,
    pub facets: BTreeMap<&'static str, Vec<FacetValue>>,
    pub due: Vec<FacetValue>,
    pub degraded: bool,
    pub relaxed_q: Option<String>,
    pub agency: Option<crate::accounts::Agency>,
}

impl ListQuery {
    /// The query string with `key` set to `value` (or removed when `None`), page reset.
    pub fn with(&self, key: &str, value: Option<&str>) -> String {
        let mut q = self.clone();
        q.page = None;
        let v = value.map(String::from);
        match key {
            "q" => q.q = v,
            "category" => q.category = v,
            "region" => q.region = v,
            "agency" => q.agency = v,
            "target" => q.target = v,
            "status" => q.status = v,
            "due" => q.due = v,
            "sort" => q.sort = v,
            _ => {}
        }
        q.with_page(1)
    }
}

/// Run a listing query: the search engine with facets, or the database when it is down.
pub fn run_listing(
    state: &AppState,
    query: &ListQuery,
    limit: i64,
    with_facets: bool,
) -> AppResult<Listing> {
    let (mut filter, notes) = query.to_filter();
    filter.per_page = limit;
    let now = state.now();
    let found = crate::search::service::find(state, &filter, with_facets, now)?;
    let mut conn = state.conn()?;
    let mut items = cards(&mut conn, &found.rows, now)?;
    for card in &mut items {
        if let Some(hit) = found.hits.get(&card.id) {
            if filter.q.is_some() {
                card.title_html = Some(hit.title_html.clone());
                card.snippet_html = Some(hit.snippet_html.clone()).filter(|s| !s.is_empty());
            }
        }
    }
    let agency = match &filter.agency {
        Some(id) => accounts_store::find_agency(&mut conn, id)?,
        None => None,
    };
    let mut facets = BTreeMap::new();
    if let Some(results) = &found.facets {
        let get = |name: &str| results.facets.get(name).cloned().unwrap_or_default();
        let mut cat: Vec<FacetValue> = CATEGORIES
            .iter()
            .filter_map(|(c, _)| {
                get("category").get(*c).map(|n| FacetValue {
                    value: c.to_string(),
                    label: c.to_string(),
                    count: *n,
                    href: format!("/announcements?{}", query.with("category", Some(c))),
                    active: filter.category.as_deref() == Some(*c),
                })
            })
            .collect();
        cat.sort_by_key(|f| std::cmp::Reverse(f.count));
        facets.insert("category", cat);
        let regions = get("regions");
        let nationwide = regions.get("nationwide").copied().unwrap_or(0);
        let reg: Vec<FacetValue> = SIDO
            .iter()
            .filter_map(|(name, code)| {
                regions.get(*code).map(|n| FacetValue {
                    value: code.to_string(),
                    label: name.to_string(),
                    // Nationwide programs are open to every region.
                    count: *n + nationwide,
                    href: format!("/announcements?{}", query.with("region", Some(code))),
                    active: filter.region.as_deref() == Some(*code),
                })
            })
            .collect();
        facets.insert("region", reg);
        let tgt: Vec<FacetValue> = get("target_types")
            .into_iter()
            .filter(|(t, _)| TARGET_TYPES.contains(&t.as_str()))
            .map(|(t, n)| FacetValue {
                href: format!("/announcements?{}", query.with("target", Some(&t))),
                active: filter.target.as_deref() == Some(t.as_str()),
                value: t.clone(),
                label: t,
                count: n,
            })
            .collect();
        facets.insert("target", tgt);
        let mut top: Vec<(String, usize)> = get("agency_ids").into_iter().collect();
        top.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        top.truncate(10);
        let ids: Vec<String> = top.iter().map(|(id, _)| id.clone()).collect();
        let names = store::agencies_by_id(&mut conn, &ids)?;
        let ag: Vec<FacetValue> = top
            .into_iter()
            .filter_map(|(id, n)| {
                names.get(&id).map(|a| FacetValue {
                    href: format!("/announcements?{}", query.with("agency", Some(&id))),
                    active: filter.agency.as_deref() == Some(id.as_str()),
                    value: id.clone(),
                    label: a.name.clone(),
                    count: n,
                })
            })
            .collect();
        facets.insert("agency", ag);
        let st = get("status");
        let labels = [
            ("published", "open", "접수 중·예정"),
            ("forecast", "upcoming", "예고"),
            ("closed", "closed", "마감"),
        ];
        let stv: Vec<FacetValue> = labels
            .iter()
            .filter_map(|(key, param, label)| {
                st.get(*key).map(|n| FacetValue {
                    value: param.to_string(),
                    label: label.to_string(),
                    count: *n,
                    href: format!("/announcements?{}", query.with("status", Some(param))),
                    active: filter.status.as_str() == *param,
                })
            })
            .collect();
        facets.insert("status", stv);
    }
    let due = found
        .due_counts
        .iter()
        .map(|(days, n)| FacetValue {
            value: days.to_string(),
            label: format!("{days}일 이내 마감"),
            count: *n,
            href: format!(
                "/announcements?{}",
                query.with("due", Some(&days.to_string()))
            ),
            active: filter.due_days == Some(*days),
        })
        .collect();
    Ok(Listing {
        filter,
        notes,
        items,
        total: found.total,
        facets,
        due,
        degraded: found.degraded,
        relaxed_q: found.relaxed_q,
        agency,
    })
}

/// (text, href)
type Link = (String, String);

/// Ways out of an empty result: synonyms of the query and each filter removed.
fn zero_result_help(query: &ListQuery, filter: &ListFilter) -> (Vec<Link>, Vec<Link>) {
    let mut spelling = Vec::new();
    if let (Some(q), Ok(cfg)) = (&filter.q, crate::search::config::SearchConfig::load()) {
        for (word, alts) in &cfg.synonyms {
            if q.contains(word.as_str()) {
                for alt in alts.iter().take(2) {
                    let suggestion = q.replace(word.as_str(), alt);
                    if !spelling
                        .iter()
                        .any(|(s, _): &(String, String)| *s == suggestion)
                    {
                        let href = format!("/announcements?{}", query.with("q", Some(&suggestion)));
                        spelling.push((suggestion, href));
                    }
                }
            }
        }
        // Spacing variant: the query with its spaces removed, or split into words.
        let joined: String = q.split_whitespace().collect();
        if joined != *q {
            let href = format!("/announcements?{}", query.with("q", Some(&joined)));
            spelling.push((joined, href));
        }
    }
    spelling.truncate(5);
    let mut loosen = Vec::new();
    let active = [
        ("category", filter.category.is_some(), "분야 조건 빼기"),
        ("region", filter.region.is_some(), "지역 조건 빼기"),
        ("agency", filter.agency.is_some(), "기관 조건 빼기"),
        ("target", filter.target.is_some(), "대상 조건 빼기"),
        ("due", filter.due_days.is_some(), "마감 기간 조건 빼기"),
    ];
    for (key, on, label) in active {
        if on {
            loosen.push((
                label.to_string(),
                format!("/announcements?{}", query.with(key, None)),
            ));
        }
    }
    if filter.status != StatusFilter::All {
        loosen.push((
            "마감·예고 공고까지 보기".into(),
            format!("/announcements?{}", query.with("status", Some("all"))),
        ));
    }
    (spelling, loosen)
}

async fn listing(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Option<CurrentUser>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    if let Some(hit) = crate::web::cached_public(&state, &req, user.is_some()) {
        return Ok(hit);
    }
    let query = query.into_inner();
    let st = state.clone();
    let q2 = query.clone();
    let listing = web::block(move || run_listing(&st, &q2, PER_PAGE, true)).await??;
    let filter = &listing.filter;
    let pages = ((listing.total + PER_PAGE - 1) / PER_PAGE).max(1);
    let mut ctx = page(user.as_ref(), None);
    filter_options(&mut ctx);
    ctx.insert("items", &listing.items);
    ctx.insert("total", &listing.total);
    ctx.insert("page", &filter.page);
    ctx.insert("pages", &pages);
    ctx.insert("query", &query);
    ctx.insert("status", filter.status.as_str());
    ctx.insert(
        "sort",
        match filter.sort {
            Sort::Newest => "newest",
            Sort::Relevance => "relevance",
            Sort::Deadline => "deadline",
        },
    );
    ctx.insert("due", &filter.due_days);
    ctx.insert("notes", &listing.notes);
    ctx.insert("agency", &listing.agency);
    let groups: Vec<serde_json::Value> = [
        ("category", "분야"),
        ("region", "지역"),
        ("target", "대상"),
        ("agency", "기관"),
        ("status", "상태"),
    ]
    .iter()
    .filter_map(|(k, label)| {
        listing
            .facets
            .get(k)
            .filter(|v| !v.is_empty())
            .map(|v| serde_json::json!({"label": label, "values": v}))
    })
    .collect();
    ctx.insert("facets", &groups);
    ctx.insert("due_facets", &listing.due);
    ctx.insert("degraded", &listing.degraded);
    ctx.insert("relaxed_q", &listing.relaxed_q);
    if listing.total == 0 {
        let (spelling, loosen) = zero_result_help(&query, filter);
        ctx.insert("spelling", &spelling);
        ctx.insert("loosen", &loosen);
    }
    if filter.page > 1 {
        ctx.insert(
            "prev_link",
            &format!("/announcements?{}", query.with_page(filter.page - 1)),
        );
    }
    if filter.page < pages {
        ctx.insert(
            "next_link",
            &format!("/announcements?{}", query.with_page(filter.page + 1)),
        );
    }
    ctx.insert(
        "csv_link",
        &format!("/announcements.csv?{}", query.with_page(1)),
    );
    ctx.insert("csv_hint", &query.with_page(1));
    ctx.insert("alert_link", &format!("/alerts/new?{}", query.with_page(1)));
    render_public(
        &state,
        &req,
        user.is_some(),
        "announcements/list.html",
        &ctx,
    )
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
    pub sub_programs: Vec<serde_json::Value>,
    pub attachments: Vec<serde_json::Value>,
    pub sources: Vec<serde_json::Value>,
    pub revisions: Vec<serde_json::Value>,
    pub published: String,
    pub updated: String,
    pub revision: i32,
    pub view_count: i64,
    pub share_url: String,
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
        .map(|s| serde_json::json!({"name": s.name, "scale": s.scale, "budget": budget_label(s.budget_won), "description": s.description}))
        .collect();
    let attachments = store::attachments_of(conn, &a.id)?
        .into_iter()
        .map(|f| {
            let href = if f.stored_name.is_some() { format!("/attachments/{}", f.id) } else { f.url.clone().unwrap_or_default() };
            let size = f.size_bytes.map(|b| if b >= 1024 * 1024 { format!("{:.1} MB", b as f64 / 1048576.0) } else { format!("{} KB", (b + 1023) / 1024) });
            serde_json::json!({"name": f.file_name, "href": href, "external": f.stored_name.is_none(), "size": size})
        })
        .collect();
    let sources = store::sources_of(conn, &a.id)?
        .into_iter()
        .map(|s| serde_json::json!({"label": s.source_label(), "url": s.source_url, "source_id": s.source_id}))
        .collect();
    let revisions = store::revisions_of(conn, &a.id)?
        .into_iter()
        .map(|r| {
            let changes: Vec<FieldChange> = serde_json::from_str(&r.diff).unwrap_or_default();
            serde_json::json!({"revision": r.revision, "reason": r.reason, "at": format_kst(r.created_at, "%Y.%m.%d %H:%M"), "changes": changes})
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
        eligibility: elig.describe(),
        eligibility_text: elig.text.clone(),
        window: window_label(a),
        window_note: a.window_note.clone(),
        dday,
        dday_class: class.into(),
        apply_method: match a.apply_method.as_str() {
            "portal" => "지원 포털에서 신청".into(),
            "offline" => "방문·우편·이메일 접수".into(),
            _ => "외부 누리집에서 신청".into(),
        },
        apply_url: a.apply_url.clone(),
        apply_note: a.apply_note.clone(),
        contacts: a.contacts.clone(),
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
        view_count: a.view_count,
        share_url: format!("{}/announcements/{}", base_url.trim_end_matches('/'), a.id),
    })
}

async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Option<CurrentUser>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let now = state.now();
    let base = state.config.base_url.clone();
    let viewer_agency = user.as_ref().and_then(|u| u.user.agency_id.clone());
    let view = state
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
            detail_view(conn, &a, &base, now)
        })
        .await?;
    let mut ctx = page(user.as_ref(), None);
    ctx.insert("a", &view);
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

async fn agencies(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Option<CurrentUser>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let rows = state
        .db(move |conn| {
            let counts = store::open_counts_by_owner(conn, now)?;
            let all = accounts_store::list_agencies(conn)?;
            Ok(all
                .into_iter()
                .map(|a| {
                    let n = counts.get(&a.id).copied().unwrap_or(0);
                    serde_json::json!({"id": a.id, "name": a.name, "kind": a.kind_label(), "open": n})
                })
                .collect::<Vec<_>>())
        })
        .await?;
    let mut ctx = page(user.as_ref(), None);
    ctx.insert("agencies", &rows);
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

pub use view::Card;
