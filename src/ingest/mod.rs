//! Aggregation: imports from 기업마당 (bizinfo, JSON and RSS) and K-Startup, from a file
//! or a URL, once (`jiwon import`) or polled on a schedule (`JIWON_IMPORT_SOURCES`).

pub mod jobs;
pub mod parse;
pub mod service;

use crate::search::SearchDoc;
use crate::text::html_to_text;
use parse::ImportRecord;

/// A search document straight from an import record, without a database (benchmarks and
/// the relevance evaluation): the id is the source id, agency names stand in for ids.
pub fn search_doc(r: &ImportRecord, body_chars: usize) -> SearchDoc {
    let mut regions: Vec<String> = Vec::new();
    for name in &r.regions {
        if let Some(code) = crate::reference::sido_code(name) {
            if !regions.iter().any(|c| c == code) {
                regions.push(code.to_string());
            }
        }
    }
    let agencies: Vec<String> = r
        .owner_agency
        .iter()
        .chain(r.exec_agency.iter())
        .cloned()
        .collect();
    SearchDoc {
        id: r.source_id.clone(),
        title: r.title.clone(),
        summary: r.summary.clone(),
        body: html_to_text(&r.body_html)
            .chars()
            .take(body_chars)
            .collect(),
        agency_ids: agencies.clone(),
        agencies,
        category: r.category.clone(),
        subcategories: r.subcategories.clone(),
        target_types: r.target_types.clone(),
        regions,
        region_names: r.regions.clone(),
        nationwide: r.nationwide,
        status: "published".into(),
        window_kind: r.window.kind.as_str().into(),
        apply_start: r
            .window
            .start
            .map(|d| crate::clock::start_of_kst_day(d).and_utc().timestamp()),
        apply_end: r
            .window
            .end
            .map(|d| crate::clock::end_of_kst_day(d).and_utc().timestamp()),
        published_at: r.created_at.map(|t| t.and_utc().timestamp()),
    }
}
