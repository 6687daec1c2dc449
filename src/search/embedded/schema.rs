//! The index schema: the searchable text fields (per run `t_*`, joined `j_*` for title and
//! summary), the filter/facet/sort fields, the tantivy tokenizers over
//! `korean::analyze`, and a `SearchDoc` as a tantivy document.

use std::collections::HashMap;

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{Index, TantivyDocument};

use super::{BODY_SNIPPET_CHARS, NATIONWIDE};
use crate::search::korean::analyze;
use crate::search::SearchDoc;

/// Tokenizer names registered on every index.
pub const TOKENIZER: &str = "ko_bigram";
pub const TOKENIZER_JOINED: &str = "ko_bigram_joined";

/// The tantivy tokenizer over [`analyze`].
#[derive(Clone, Debug)]
pub struct KoTokenizer {
    joined: bool,
}

impl KoTokenizer {
    pub fn new(joined: bool) -> Self {
        KoTokenizer { joined }
    }
}

pub struct KoTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for KoTokenizer {
    type TokenStream<'a> = KoTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> KoTokenStream {
        let tokens = analyze(text, self.joined)
            .into_iter()
            .map(|t| Token {
                offset_from: t.from,
                offset_to: t.to,
                position: t.pos,
                text: t.text,
                position_length: 1,
            })
            .collect();
        KoTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for KoTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next.saturating_sub(1)]
    }

    fn token_mut(&mut self) -> &mut Token {
        let i = self.next.saturating_sub(1);
        &mut self.tokens[i]
    }
}

#[derive(Clone)]
pub(super) struct Fields {
    pub(super) id: Field,
    /// searchable name → (per-run field, joined field if any)
    pub(super) text: HashMap<&'static str, (Field, Option<Field>)>,
    pub(super) body_snip: Field,
    pub(super) category: Field,
    pub(super) regions: Field,
    pub(super) agency_ids: Field,
    pub(super) target_types: Field,
    pub(super) status: Field,
    pub(super) window_kind: Field,
    pub(super) nationwide: Field,
    pub(super) apply_start: Field,
    pub(super) apply_end: Field,
    pub(super) published_at: Field,
}

const TEXT_FIELDS: [&str; 8] = [
    "title",
    "summary",
    "agencies",
    "category",
    "subcategories",
    "target_types",
    "region_names",
    "body",
];

fn text_options(tokenizer: &str, stored: bool) -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(tokenizer)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let opts = TextOptions::default().set_indexing_options(indexing);
    if stored {
        opts.set_stored()
    } else {
        opts
    }
}

pub(super) fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let id = b.add_text_field("id", STRING | STORED);
    let mut text = HashMap::new();
    for name in TEXT_FIELDS {
        let stored = matches!(name, "title" | "summary");
        let t = b.add_text_field(&format!("t_{name}"), text_options(TOKENIZER, stored));
        let j = matches!(name, "title" | "summary")
            .then(|| b.add_text_field(&format!("j_{name}"), text_options(TOKENIZER_JOINED, false)));
        text.insert(name, (t, j));
    }
    let body_snip = b.add_text_field("body_snip", STORED);
    let category = b.add_text_field("category", STRING | FAST);
    let regions = b.add_text_field("regions", STRING | FAST);
    let agency_ids = b.add_text_field("agency_ids", STRING | FAST);
    let target_types = b.add_text_field("target_types", STRING | FAST);
    let status = b.add_text_field("status", STRING | FAST);
    let window_kind = b.add_text_field("window_kind", STRING | FAST);
    let nationwide = b.add_bool_field("nationwide", INDEXED | FAST);
    let apply_start = b.add_i64_field("apply_start", INDEXED | FAST);
    // Missing deadline = i64::MAX (sorts last, passes `ends_after`, fails `ends_before`).
    let apply_end = b.add_i64_field("apply_end", INDEXED | FAST);
    // Missing = i64::MIN (last when newest first).
    let published_at = b.add_i64_field("published_at", INDEXED | FAST);
    let fields = Fields {
        id,
        text,
        body_snip,
        category,
        regions,
        agency_ids,
        target_types,
        status,
        window_kind,
        nationwide,
        apply_start,
        apply_end,
        published_at,
    };
    (b.build(), fields)
}

pub(super) fn register_tokenizers(index: &Index) {
    index
        .tokenizers()
        .register(TOKENIZER, KoTokenizer::new(false));
    index
        .tokenizers()
        .register(TOKENIZER_JOINED, KoTokenizer::new(true));
}

fn dedup(values: &[String]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for v in values {
        let v = v.trim();
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

pub(super) fn to_document(f: &Fields, d: &SearchDoc) -> TantivyDocument {
    let d = &d.normalized();
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, &d.id);
    let (title, title_j) = f.text["title"];
    doc.add_text(title, &d.title);
    if let Some(j) = title_j {
        doc.add_text(j, &d.title);
    }
    let (summary, summary_j) = f.text["summary"];
    doc.add_text(summary, &d.summary);
    if let Some(j) = summary_j {
        doc.add_text(j, &d.summary);
    }
    for a in dedup(&d.agencies) {
        doc.add_text(f.text["agencies"].0, a);
    }
    if let Some(c) = d
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        doc.add_text(f.text["category"].0, c);
        doc.add_text(f.category, c);
    }
    for s in dedup(&d.subcategories) {
        doc.add_text(f.text["subcategories"].0, s);
    }
    for t in dedup(&d.target_types) {
        doc.add_text(f.text["target_types"].0, t);
        doc.add_text(f.target_types, t);
    }
    for r in dedup(&d.region_names) {
        doc.add_text(f.text["region_names"].0, r);
    }
    if !d.body.is_empty() {
        doc.add_text(f.text["body"].0, &d.body);
        let snip: String = d.body.chars().take(BODY_SNIPPET_CHARS).collect();
        doc.add_text(f.body_snip, snip);
    }
    for r in dedup(&d.regions) {
        doc.add_text(f.regions, r);
    }
    if d.nationwide {
        doc.add_text(f.regions, NATIONWIDE);
    }
    for a in dedup(&d.agency_ids) {
        doc.add_text(f.agency_ids, a);
    }
    if !d.status.is_empty() {
        doc.add_text(f.status, &d.status);
    }
    if !d.window_kind.is_empty() {
        doc.add_text(f.window_kind, &d.window_kind);
    }
    doc.add_bool(f.nationwide, d.nationwide);
    if let Some(t) = d.apply_start {
        doc.add_i64(f.apply_start, t);
    }
    doc.add_i64(f.apply_end, d.apply_end.unwrap_or(i64::MAX));
    doc.add_i64(f.published_at, d.published_at.unwrap_or(i64::MIN));
    doc
}
