//! The listing's query string (`?q=…&category=…&page=…`): what it asks for as a
//! `store::ListFilter` (unknown values dropped and noted), and links that change one part
//! of it. The listing page, CSV export, `/api/v1/search` and `/api/v1/announcements` read
//! the same parameters.

use serde::{Deserialize, Serialize};

use super::store::{ListFilter, Sort, StatusFilter};
use crate::reference;

/// Results per page of the listing and the API.
pub const PER_PAGE: i64 = 20;

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
