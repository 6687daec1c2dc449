//! The listing as the public pages, the CSV export and `/api/v1/search` show it: a
//! `ListQuery` run through `service::find` (the engine, or the database when it is down),
//! the rows as cards with highlights, facets with the links that apply them, and the ways
//! out of an empty result.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::announcements::model::Phase;
use crate::announcements::query::ListQuery;
use crate::announcements::store::{self, ListFilter, StatusFilter};
use crate::announcements::view::{cards, Card};
use crate::error::AppResult;
use crate::reference::{CATEGORIES, SIDO, TARGET_TYPES};
use crate::AppState;

/// One facet value as the page shows it: a label, a count, and the link that applies it.
#[derive(Debug, Clone, Serialize)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: usize,
    pub href: String,
    pub active: bool,
}

/// An applied filter as a removable chip: "지역: 울산", and the link without it.
#[derive(Debug, Clone, Serialize)]
pub struct Chip {
    pub label: String,
    pub href: String,
}

/// The filters a listing applies, each with the link that removes it (the search words are
/// in the search box, not a chip).
pub fn active_chips(
    query: &ListQuery,
    filter: &ListFilter,
    agency: Option<&crate::accounts::Agency>,
) -> Vec<Chip> {
    let mut chips = Vec::new();
    let mut chip = |key: &str, label: String| {
        chips.push(Chip {
            label,
            href: format!("/announcements?{}", query.with(key, None)),
        })
    };
    if let Some(c) = &filter.category {
        chip("category", format!("분야: {c}"));
    }
    if let Some(r) = &filter.region {
        let name = crate::reference::sido_name(r).unwrap_or(r.as_str());
        chip("region", format!("지역: {name}"));
    }
    if let Some(t) = &filter.target {
        chip("target", format!("대상: {t}"));
    }
    if filter.agency.is_some() {
        let name = agency.map_or("선택한 기관", |a| a.name.as_str());
        chip("agency", format!("기관: {name}"));
    }
    if let Some(d) = filter.due_days {
        chip("due", format!("마감: {d}일 이내"));
    }
    if filter.status != StatusFilter::Open {
        let label = match filter.status {
            StatusFilter::Upcoming => "접수 예정·예고",
            StatusFilter::Closed => "마감",
            _ => "마감 포함 전체",
        };
        chip("status", format!("상태: {label}"));
    }
    chips
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
    let found = super::service::find(state, &filter, with_facets, now)?;
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
        Some(id) => crate::accounts::store::find_agency(&mut conn, id)?,
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
        // Counted per phase (the one definition), not per stored status: a published
        // program whose window opens later is 접수 예정, not 접수 중.
        let stv: Vec<FacetValue> = found
            .phase_counts
            .iter()
            .map(|(phase, n)| {
                let param = phase.as_str();
                FacetValue {
                    value: param.to_string(),
                    label: match phase {
                        Phase::Upcoming => "접수 예정·예고".to_string(),
                        p => p.label().to_string(),
                    },
                    count: *n,
                    href: format!("/announcements?{}", query.with("status", Some(param))),
                    active: filter.status.as_str() == param,
                }
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
pub type Link = (String, String);

/// Ways out of an empty result: other words for the query — the nearest known words to a
/// mistyped one (식땅 → 식당), synonyms, each word left out, other spacing — each shown
/// only when it finds something, with how much; and each filter removed.
pub fn zero_result_help(
    state: &AppState,
    query: &ListQuery,
    filter: &ListFilter,
) -> (Vec<Link>, Vec<Link>) {
    let mut spelling = Vec::new();
    if let Some(q) = &filter.q {
        let words: Vec<String> = crate::search::korean::split_words(q)
            .into_iter()
            .map(|w| crate::search::korean::strip_particle(w).to_string())
            .collect();
        let mut candidates: Vec<String> = Vec::new();
        for w in &words {
            for near in crate::search::query::nearest_words(w, 3) {
                candidates.push(
                    words
                        .iter()
                        .map(|x| if x == w { near.as_str() } else { x.as_str() })
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
        }
        if let Ok(cfg) = super::config::SearchConfig::load() {
            for (word, alts) in &cfg.synonyms {
                if q.contains(word.as_str()) {
                    candidates.extend(alts.iter().take(2).map(|alt| q.replace(word.as_str(), alt)));
                }
            }
        }
        if words.len() >= 2 {
            for skip in 0..words.len() {
                let rest: Vec<&str> = words
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .map(|(_, w)| w.as_str())
                    .collect();
                candidates.push(rest.join(" "));
            }
        }
        // Spacing variant: the query with its spaces removed.
        let joined: String = q.split_whitespace().collect();
        if joined != *q {
            candidates.push(joined);
        }
        let now = state.now();
        let mut tried = std::collections::HashSet::new();
        for c in candidates {
            if spelling.len() >= 5 || tried.len() >= 12 {
                break;
            }
            if c.trim().is_empty() || c == *q || !tried.insert(c.clone()) {
                continue;
            }
            let mut f = filter.clone();
            f.q = Some(c.clone());
            f.page = 1;
            f.per_page = 1;
            let Ok(found) = super::service::find(state, &f, false, now) else {
                break;
            };
            if found.total > 0 && found.relaxed_q.is_none() {
                let href = format!("/announcements?{}", query.with("q", Some(&c)));
                spelling.push((format!("{c} ({}건)", found.total), href));
            }
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
