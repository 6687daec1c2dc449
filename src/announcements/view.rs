//! What templates and the API show of an announcement: display strings in KST, D-day,
//! region and window labels.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::Serialize;

use super::model::{format_won, Announcement, Phase, WindowKind};
use super::store;
use crate::accounts::Agency;
use crate::clock::{format_kst, kst_today, to_kst};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::reference::{sido_name, CATEGORIES, SIDO, TARGET_TYPES};

#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub category: Option<String>,
    pub agency: Option<String>,
    pub agency_id: Option<String>,
    pub regions: String,
    pub window: String,
    pub dday: String,
    /// open | soon | today | closed | upcoming | none — for styling.
    pub dday_class: String,
    pub status: String,
    pub status_label: String,
    /// upcoming | open | closed — `model::Phase`, what 접수 예정/중/마감 lists it under.
    pub phase: Phase,
    pub targets: Vec<String>,
    pub published: String,
    pub apply_end: Option<String>,
    /// Title with search matches marked (escaped HTML), when a text search found it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet_html: Option<String>,
}

/// "2026.08.20 ~ 2026.09.11", "~ 2026.09.11 18:00", or the state's label.
pub fn window_label(a: &Announcement) -> String {
    let kind = a.window_kind();
    let date = |t: NaiveDateTime| {
        let local = to_kst(t);
        let hms = local.format("%H:%M:%S").to_string();
        if hms == "23:59:59" || hms == "00:00:00" {
            local.format("%Y.%m.%d").to_string()
        } else {
            local.format("%Y.%m.%d %H:%M").to_string()
        }
    };
    match (kind, a.apply_start, a.apply_end) {
        (WindowKind::Dated, Some(s), Some(e)) => format!("{} ~ {}", date(s), date(e)),
        (WindowKind::Dated, None, Some(e)) => format!("~ {}", date(e)),
        (WindowKind::Dated, Some(s), None) => format!("{} ~", date(s)),
        // Text the import could not read: as the agency wrote it.
        (WindowKind::Other, _, _) => match a.window_note.as_deref().map(str::trim) {
            Some(note) if !note.is_empty() => note.chars().take(80).collect(),
            _ => WindowKind::Other.label().to_string(),
        },
        (k, Some(s), _) => format!("{} ~ {}", date(s), k.label()),
        (k, _, _) => k.label().to_string(),
    }
}

/// ("D-3", "soon"), ("오늘 마감", "today"), ("마감", "closed"), ("상시", "open"),
/// ("접수 시작 D-2", "upcoming") … by the announcement's `Phase`: a window that has not
/// started never shows a bare "D-n", which reads as a deadline.
pub fn dday(a: &Announcement, now: NaiveDateTime) -> (String, &'static str) {
    match a.phase(now) {
        Phase::Hidden => return (a.status().label().into(), "none"),
        Phase::Closed => return ("마감".into(), "closed"),
        Phase::Upcoming => {
            return match a.apply_start.filter(|s| *s > now) {
                Some(start) => {
                    let days = (to_kst(start).date() - kst_today(now)).num_days();
                    if days <= 0 {
                        ("오늘 접수 시작".into(), "upcoming")
                    } else {
                        (format!("접수 시작 D-{days}"), "upcoming")
                    }
                }
                None => ("예고".into(), "upcoming"),
            }
        }
        Phase::Open => {}
    }
    match a.apply_end {
        Some(end) if end < now => ("마감".into(), "closed"),
        Some(end) => {
            let days = (to_kst(end).date() - kst_today(now)).num_days();
            if days == 0 {
                ("오늘 마감".into(), "today")
            } else if days <= 7 {
                (format!("D-{days}"), "soon")
            } else {
                (format!("D-{days}"), "open")
            }
        }
        None => (
            match a.window_kind() {
                WindowKind::Always => "상시".into(),
                WindowKind::Tbd => "추후 공지".into(),
                k => k.label().into(),
            },
            "open",
        ),
    }
}

/// "3월 5일부터 신청" while the window has not started (KST), else None.
pub fn opens_on(a: &Announcement, now: NaiveDateTime) -> Option<String> {
    if a.phase(now) != Phase::Upcoming {
        return None;
    }
    let start = a.apply_start.filter(|s| *s > now)?;
    let local = to_kst(start);
    let hm = local.format("%H:%M").to_string();
    Some(if hm == "00:00" {
        format!("{}부터 신청", local.format("%-m월 %-d일"))
    } else {
        format!("{} {}부터 신청", local.format("%-m월 %-d일"), hm)
    })
}

/// Contact text as HTML with each phone number a `tel:` link (tap to call); the rest
/// escaped. Numbers: 02-3460-0376, 031)782-3061, 055 639 4453, 1357-0000, 010-1234-5678.
pub fn tel_links(text: &str) -> String {
    static PHONE: once_cell::sync::Lazy<Option<regex::Regex>> = once_cell::sync::Lazy::new(|| {
        regex::Regex::new(
            r"(?:^|[^0-9])((?:0[2-9][0-9]?|01[016789])[)\-. ]\s?[0-9]{3,4}[\-. ][0-9]{4}|1[3-9][0-9]{2}-[0-9]{4})(?:$|[^0-9])",
        )
        .ok()
    });
    let Some(phone) = PHONE.as_ref() else {
        return tera::escape_html(text);
    };
    let mut out = String::new();
    let mut last = 0;
    for cap in phone.captures_iter(text) {
        let Some(m) = cap.get(1) else { continue };
        out.push_str(&tera::escape_html(&text[last..m.start()]));
        let digits: String = m.as_str().chars().filter(|c| c.is_ascii_digit()).collect();
        out.push_str(&format!(
            "<a href=\"tel:{digits}\">{}</a>",
            tera::escape_html(m.as_str())
        ));
        last = m.end();
    }
    out.push_str(&tera::escape_html(&text[last..]));
    out
}

/// Whether the body already carries the summary (imports often repeat it as the first
/// paragraph): compared as text with spacing ignored.
pub fn summary_in_body(summary: &str, body_html: &str) -> bool {
    let squash = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    let summary = squash(summary);
    if summary.is_empty() {
        return false;
    }
    squash(&crate::text::html_to_text(body_html)).contains(&summary)
}

pub fn regions_label(nationwide: bool, sido_codes: &[String]) -> String {
    if nationwide {
        return "전국".into();
    }
    let names: Vec<&str> = sido_codes.iter().filter_map(|c| sido_name(c)).collect();
    match names.len() {
        0 => "지역 미지정".into(),
        1..=3 => names.join("·"),
        n => format!("{} 외 {}곳", names[..2].join("·"), n - 2),
    }
}

/// Cards for a page of announcements, with two queries for agencies and regions.
pub fn cards(
    conn: &mut DbConnection,
    rows: &[Announcement],
    now: NaiveDateTime,
) -> AppResult<Vec<Card>> {
    let ids: Vec<String> = rows.iter().map(|a| a.id.clone()).collect();
    let agency_ids: Vec<String> = rows
        .iter()
        .flat_map(|a| a.owner_agency_id.iter().chain(a.exec_agency_id.iter()))
        .cloned()
        .collect();
    let agencies = store::agencies_by_id(conn, &agency_ids)?;
    let sido = store::sido_by_announcement(conn, &ids)?;
    Ok(rows
        .iter()
        .map(|a| card(a, &agencies, &sido, now))
        .collect())
}

fn card(
    a: &Announcement,
    agencies: &HashMap<String, Agency>,
    sido: &HashMap<String, Vec<String>>,
    now: NaiveDateTime,
) -> Card {
    let agency = a
        .public_owner_id()
        .or(a.exec_agency_id.as_ref())
        .and_then(|id| agencies.get(id));
    let (dday, class) = dday(a, now);
    let mut codes = sido.get(&a.id).cloned().unwrap_or_default();
    codes.sort_by_key(|c| crate::reference::SIDO.iter().position(|(_, x)| x == c));
    Card {
        id: a.id.clone(),
        title: a.title.clone(),
        summary: a.summary.chars().take(140).collect(),
        category: a.category.clone(),
        agency: agency.map(|x| x.name.clone()),
        agency_id: agency.map(|x| x.id.clone()),
        regions: regions_label(a.nationwide, &codes),
        window: window_label(a),
        dday,
        dday_class: class.into(),
        status: a.status.clone(),
        status_label: a.status().label().into(),
        phase: a.phase(now),
        targets: a.target_list(),
        published: a
            .published_at
            .map(|t| format_kst(t, "%Y.%m.%d"))
            .unwrap_or_default(),
        apply_end: a
            .apply_end
            .map(|t| format_kst(t, "%Y-%m-%dT%H:%M:%S+09:00")),
        title_html: None,
        snippet_html: None,
    }
}

pub fn budget_label(won: Option<i64>) -> String {
    won.map(format_won).unwrap_or_default()
}

/// The filter choices every search form offers: categories, 시도, target types.
pub fn filter_options(ctx: &mut tera::Context) {
    let cats: Vec<&str> = CATEGORIES.iter().map(|(c, _)| *c).collect();
    ctx.insert("categories", &cats);
    let sido: Vec<serde_json::Value> = SIDO
        .iter()
        .map(|(n, c)| serde_json::json!({"code": c, "name": n}))
        .collect();
    ctx.insert("sido", &sido);
    ctx.insert("targets", TARGET_TYPES);
}
