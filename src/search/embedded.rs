//! The embedded search engine: a tantivy index in-process (`var/search/` by default, or in
//! memory for tests), with Korean analysis tuned for announcement titles.
//!
//! # Korean analysis
//!
//! Text is cut into runs of Hangul syllables, of other letters/digits ("words": Latin,
//! numbers, Hanja) and of everything else (dropped). A Hangul run becomes overlapping
//! character bigrams (`소상공인` → 소상 상공 공인); a one-syllable run stays a unigram. A word
//! run becomes one lowercase token (`R&D` → `r&d`: an `&` between letters is kept, so
//! "R&D" only matches "R&D"). Positions are consecutive, so a Hangul word is searched as a
//! phrase of its bigrams: `창업` is the single bigram 창업 and never matches a text that only
//! has 창의 or 업체.
//!
//! Korean spacing is loose ("판로지원" / "판로 지원"), so title and summary are indexed
//! twice: per run (`t_*`) and *joined* (`j_*`), where Hangul runs separated only by
//! whitespace are concatenated before bigramming ("소상공인 온라인" also yields the bigram
//! 인온). Query words of two or more tokens are matched against the joined form, so
//! "소상공인온라인판로지원" finds "소상공인 온라인 판로지원 사업"; one-bigram words (창업, 판로)
//! are matched against the per-run form only, so "사업 체계" never counts as 업체.
//! The other searchable fields (agencies … body) are only indexed per run to keep the
//! index small: a compound written together in the query is matched there only when the
//! document also wrote it together.
//!
//! # Queries
//!
//! The query is split into words (whitespace and punctuation); trailing particles are
//! stripped from Hangul words of three syllables or more (소상공인의 → 소상공인, 판로를 →
//! 판로); stop words are dropped. Every word (or multi-word synonym key, compared de-spaced)
//! must match: a word is an OR over its synonyms and over the searchable fields, boosted by
//! their order in `searchableAttributes`. Latin words of 5+ letters also match with one
//! typo (9+: two); synonyms never do.
//!
//! Scoring is BM25 with three corrections: a word's phrase score is divided by its number
//! of bigrams (a word weighs the same whether it has one bigram or five); a synonym scores
//! at most 0.7 of what the typed word would score in the same field, whatever its idf (so
//! the rare "startup" does not outrank 창업); and a query of several words also scores the
//! whole query de-spaced as one phrase in the joined title/summary (a proximity bonus:
//! "수출 바우처" ranks "수출바우처" titles first). A long compound that (almost) nothing
//! contains is also tried split in two, like Meilisearch's word splitting (예비창업패키지 →
//! 예비창업 + 패키지, at half weight). An empty query matches everything (filters and sort
//! only). Ties go to the soonest deadline.
//!
//! # Storage
//!
//! `open(dir)` keeps generations `dir/gen-<n>`; `dir/CURRENT` names the live one. A rebuild
//! writes a new generation, swaps it in (changes made meanwhile are replayed onto it), then
//! deletes the old one. Writes take the tantivy writer lock only for the duration of a
//! batch, so several processes (server, worker, `jiwon reindex`) can share the directory;
//! readers pick up other processes' commits and generation switches within a second.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tantivy::collector::{Collector, Count, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery,
    Occur, PhraseQuery, Query, RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, Searcher,
    SegmentOrdinal, SegmentReader, TantivyDocument, TantivyError, Term,
};

use super::config::SearchConfig;
use super::{
    SearchDoc, SearchError, SearchHit, SearchIndex, SearchQuery, SearchResults, SearchSort,
};

/// Tokenizer names registered on every index.
pub const TOKENIZER: &str = "ko_bigram";
pub const TOKENIZER_JOINED: &str = "ko_bigram_joined";

/// Most hits one page may hold.
pub const MAX_LIMIT: usize = 1000;
/// Facet fields, as named in `SearchResults::facets`.
pub const FACETS: [&str; 5] = [
    "category",
    "regions",
    "agency_ids",
    "target_types",
    "status",
];
/// The `regions` value nationwide documents carry (filter and facet).
const NATIONWIDE: &str = "nationwide";
/// Characters of body kept in the store for snippets.
const BODY_SNIPPET_CHARS: usize = 1500;
/// Snippet length (characters).
const SNIPPET_CHARS: usize = 120;
/// How far into a summary a snippet's match is looked for (characters).
const SNIPPET_SOURCE_CHARS: usize = 2000;
/// Weight of a synonym relative to the word typed.
const SYNONYM_WEIGHT: f32 = 0.7;
/// Weight of a split compound (예비창업패키지 → 예비창업 + 패키지) relative to the word.
const SPLIT_WEIGHT: f32 = 0.5;
/// When a query finds fewer documents than this, its long compounds matching fewer
/// documents than this are also tried split in two.
const SPLIT_BELOW: usize = 3;
/// Weight of a typo match relative to an exact one.
const TYPO_WEIGHT: f32 = 0.3;
/// Boosts by position in `searchableAttributes` (title first).
const FIELD_BOOSTS: [f32; 8] = [8.0, 4.0, 3.0, 2.5, 2.0, 1.75, 1.5, 1.0];
/// Query words considered (the rest is ignored).
const MAX_QUERY_WORDS: usize = 16;
/// Characters of one query word considered (a pasted paragraph is not a phrase query).
const MAX_QUERY_WORD_CHARS: usize = 32;
/// Longest Latin/number token indexed (bytes); longer runs are noise (URLs, hashes).
const MAX_WORD_BYTES: usize = 64;

fn internal(e: impl std::fmt::Display) -> SearchError {
    SearchError::Internal(e.to_string())
}

// ---------------------------------------------------------------------------------------
// Analysis
// ---------------------------------------------------------------------------------------

/// A token with byte offsets into the analysed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub text: String,
    pub from: usize,
    pub to: usize,
    pub pos: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Hangul,
    Word,
}

#[derive(Debug, Clone, Copy)]
struct Run {
    kind: Kind,
    start: usize,
    end: usize,
}

fn is_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Hangul jamo (ㆍ, ㄱ …): separators here, like punctuation.
fn is_jamo(c: char) -> bool {
    matches!(c, '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}' | '\u{A960}'..='\u{A97F}' | '\u{D7B0}'..='\u{D7FF}')
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_syllable(c) && !is_jamo(c)
}

fn runs(text: &str) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut cur: Option<Run> = None;
    let mut it = text.char_indices().peekable();
    while let Some((b, c)) = it.next() {
        let kind = if is_syllable(c) {
            Some(Kind::Hangul)
        } else if is_word_char(c) {
            Some(Kind::Word)
        } else if c == '&'
            && matches!(cur, Some(Run { kind: Kind::Word, end, .. }) if end == b)
            && it.peek().is_some_and(|(_, n)| n.is_ascii_alphanumeric())
        {
            // R&D, M&A: one word.
            Some(Kind::Word)
        } else {
            None
        };
        let end = b + c.len_utf8();
        match (kind, cur.as_mut()) {
            (Some(k), Some(r)) if r.kind == k && r.end == b => r.end = end,
            (Some(k), _) => {
                if let Some(r) = cur.take() {
                    out.push(r);
                }
                cur = Some(Run {
                    kind: k,
                    start: b,
                    end,
                });
            }
            (None, _) => {
                if let Some(r) = cur.take() {
                    out.push(r);
                }
            }
        }
    }
    if let Some(r) = cur {
        out.push(r);
    }
    out
}

/// Tokens of `text`. `joined`: Hangul runs separated only by whitespace are bigrammed as
/// one run (the spacing-insensitive form).
pub fn analyze(text: &str, joined: bool) -> Vec<Tok> {
    let runs = runs(text);
    let mut toks = Vec::new();
    let mut i = 0;
    while i < runs.len() {
        let r = runs[i];
        match r.kind {
            Kind::Word => {
                if r.end - r.start <= MAX_WORD_BYTES {
                    toks.push(Tok {
                        text: text[r.start..r.end].to_lowercase(),
                        from: r.start,
                        to: r.end,
                        pos: toks.len(),
                    });
                }
                i += 1;
            }
            Kind::Hangul => {
                let mut syl: Vec<(usize, char)> = text[r.start..r.end]
                    .char_indices()
                    .map(|(b, c)| (r.start + b, c))
                    .collect();
                let mut j = i + 1;
                if joined {
                    while j < runs.len()
                        && runs[j].kind == Kind::Hangul
                        && text[runs[j - 1].end..runs[j].start]
                            .chars()
                            .all(char::is_whitespace)
                    {
                        let s = runs[j].start;
                        syl.extend(text[s..runs[j].end].char_indices().map(|(b, c)| (s + b, c)));
                        j += 1;
                    }
                }
                if syl.len() == 1 {
                    let (b, c) = syl[0];
                    toks.push(Tok {
                        text: c.to_string(),
                        from: b,
                        to: b + c.len_utf8(),
                        pos: toks.len(),
                    });
                } else {
                    for w in syl.windows(2) {
                        let (b0, c0) = w[0];
                        let (b1, c1) = w[1];
                        let mut t = String::with_capacity(6);
                        t.push(c0);
                        t.push(c1);
                        toks.push(Tok {
                            text: t,
                            from: b0,
                            to: b1 + c1.len_utf8(),
                            pos: toks.len(),
                        });
                    }
                }
                i = j;
            }
        }
    }
    toks
}

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

/// Particles stripped from the end of query words (longest first).
const PARTICLES: &[&str] = &[
    "에서", "으로", "부터", "까지", "의", "을", "를", "이", "가", "은", "는", "에", "로", "와",
    "과", "도", "만",
];
/// Words whose ending only looks like a particle.
const NOT_PARTICLE_ENDINGS: &[&str] = &[
    "어린이",
    "전문가",
    "예술가",
    "사업가",
    "기업가",
    "창업가",
    "투자가",
    "평가",
    "경기도",
    "강원도",
    "제주도",
    "울릉도",
    "남도",
    "북도",
    "자치도",
    "만족도",
    "인지도",
    "활용도",
    "신용도",
    "완성도",
];

/// `소상공인의` → `소상공인`, `판로를` → `판로`, `AI의` → `AI`; words of fewer than three
/// syllables are left alone (판로, 창업).
pub fn strip_particle(word: &str) -> &str {
    if NOT_PARTICLE_ENDINGS.iter().any(|e| word.ends_with(e)) {
        return word;
    }
    let chars: Vec<char> = word.chars().collect();
    let tail = chars.iter().rev().take_while(|c| is_syllable(**c)).count();
    if tail == 0 {
        return word;
    }
    for p in PARTICLES {
        if !word.ends_with(p) {
            continue;
        }
        let pl = p.chars().count();
        if tail < pl {
            continue;
        }
        let rest = tail - pl;
        let ok = if rest == 0 {
            // A particle right after a Latin word: "AI의", "R&D를" (not "10만").
            chars.len() > pl && chars[chars.len() - pl - 1].is_alphabetic()
        } else {
            tail >= 3 && rest >= 2
        };
        if ok {
            let cut: usize = p.len();
            return &word[..word.len() - cut];
        }
    }
    word
}

/// Query words: groups of runs not separated by anything (`2026년`, `R&D과제`); whitespace
/// and punctuation separate words.
fn split_words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let rs = runs(text);
    let mut i = 0;
    while i < rs.len() {
        let start = rs[i].start;
        let mut end = rs[i].end;
        let mut j = i + 1;
        while j < rs.len() && rs[j].start == end {
            end = rs[j].end;
            j += 1;
        }
        out.push(&text[start..end]);
        i = j;
    }
    out
}

fn norm_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Query plan
// ---------------------------------------------------------------------------------------

/// One word to find: its tokens (a phrase when several) and allowed typos.
#[derive(Debug, Clone, PartialEq)]
struct QWord {
    toks: Vec<String>,
    typos: u8,
}

/// Alternatives for one query word (or multi-word synonym key); each is an AND of words.
#[derive(Debug, Clone)]
struct Alt {
    words: Vec<QWord>,
    weight: f32,
}

#[derive(Debug, Clone)]
struct Plan {
    groups: Vec<Vec<Alt>>,
    /// The whole query de-spaced (joined tokens), scored as a phrase bonus.
    bonus: Option<Vec<String>>,
}

impl Plan {
    fn words(&self) -> impl Iterator<Item = &QWord> {
        self.groups.iter().flatten().flat_map(|a| a.words.iter())
    }
}

/// Settings prepared for querying.
struct Settings {
    /// (searchable field name, boost)
    fields: Vec<(String, f32)>,
    synonyms: HashMap<String, Vec<Vec<String>>>,
    max_key_words: usize,
    stop_words: HashSet<String>,
    typo: (bool, usize, usize),
    max_total_hits: usize,
    max_facet_values: usize,
}

impl Settings {
    fn new(config: &SearchConfig) -> Settings {
        let fields = config
            .searchable
            .iter()
            .enumerate()
            .map(|(i, f)| (f.clone(), FIELD_BOOSTS.get(i).copied().unwrap_or(1.0)))
            .collect();
        let mut synonyms: HashMap<String, Vec<Vec<String>>> = HashMap::new();
        for (key, alts) in &config.synonyms {
            let entry = synonyms.entry(norm_key(key)).or_default();
            for alt in alts {
                let words: Vec<String> = split_words(alt)
                    .into_iter()
                    .map(|w| w.to_lowercase())
                    .collect();
                if !words.is_empty() && !entry.contains(&words) {
                    entry.push(words);
                }
            }
        }
        let max_facet_values = config
            .raw
            .get("faceting")
            .and_then(|f| f.get("maxValuesPerFacet"))
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(100) as usize;
        Settings {
            fields,
            synonyms,
            // Keys are compared de-spaced: "디지털 전환" (two query words) hits "디지털전환".
            max_key_words: 4,
            stop_words: config.stop_words.iter().map(|w| w.to_lowercase()).collect(),
            typo: config.typo_sizes(),
            max_total_hits: config.max_total_hits,
            max_facet_values,
        }
    }

    fn qword(&self, word: &str) -> Option<QWord> {
        let toks: Vec<String> = analyze(word, false).into_iter().map(|t| t.text).collect();
        if toks.is_empty() {
            return None;
        }
        let (enabled, one, two) = self.typo;
        let typos = match toks.as_slice() {
            [t] if enabled && t.chars().all(|c| c.is_alphabetic() && !is_syllable(c)) => {
                let n = t.chars().count();
                if n >= two {
                    2
                } else if n >= one {
                    1
                } else {
                    0
                }
            }
            _ => 0,
        };
        Some(QWord { toks, typos })
    }

    fn plan(&self, q: &str) -> Option<Plan> {
        let mut words: Vec<String> = split_words(q)
            .into_iter()
            .take(MAX_QUERY_WORDS)
            .map(|w| {
                let w = match w.char_indices().nth(MAX_QUERY_WORD_CHARS) {
                    Some((b, _)) => &w[..b],
                    None => w,
                };
                strip_particle(w).to_lowercase()
            })
            .filter(|w| !analyze(w, false).is_empty())
            .collect();
        let content: Vec<String> = words
            .iter()
            .filter(|w| !self.stop_words.contains(String::as_str(w)))
            .cloned()
            .collect();
        if !content.is_empty() {
            words = content;
        }
        if words.is_empty() {
            return None;
        }
        let mut groups = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let mut span = 1;
            let mut syns: Option<&Vec<Vec<String>>> = None;
            for j in (i + 1..=(i + self.max_key_words).min(words.len())).rev() {
                if let Some(s) = self.synonyms.get(&norm_key(&words[i..j].concat())) {
                    span = j - i;
                    syns = Some(s);
                    break;
                }
            }
            let mut alts = vec![Alt {
                words: words[i..i + span]
                    .iter()
                    .filter_map(|w| self.qword(w))
                    .collect(),
                weight: 1.0,
            }];
            for alt in syns.into_iter().flatten() {
                // Synonyms are matched exactly (no typo tolerance).
                let ws: Vec<QWord> = alt
                    .iter()
                    .filter_map(|w| self.qword(w))
                    .map(|w| QWord { typos: 0, ..w })
                    .collect();
                if !ws.is_empty() && !alts.iter().any(|a| a.words == ws) {
                    alts.push(Alt {
                        words: ws,
                        weight: SYNONYM_WEIGHT,
                    });
                }
            }
            groups.push(alts);
            i += span;
        }
        let bonus = if words.len() >= 2 {
            let toks: Vec<String> = analyze(&words.join(" "), true)
                .into_iter()
                .map(|t| t.text)
                .collect();
            (toks.len() >= 2).then_some(toks)
        } else {
            None
        };
        Some(Plan { groups, bonus })
    }
}

// ---------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------

#[derive(Clone)]
struct Fields {
    id: Field,
    /// searchable name → (per-run field, joined field if any)
    text: HashMap<&'static str, (Field, Option<Field>)>,
    body_snip: Field,
    category: Field,
    regions: Field,
    agency_ids: Field,
    target_types: Field,
    status: Field,
    window_kind: Field,
    nationwide: Field,
    apply_start: Field,
    apply_end: Field,
    published_at: Field,
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

fn build_schema() -> (Schema, Fields) {
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

fn register_tokenizers(index: &Index) {
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

fn to_document(f: &Fields, d: &SearchDoc) -> TantivyDocument {
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

// ---------------------------------------------------------------------------------------
// Collection: every match with its sort keys, plus facet counts
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct Cand {
    score: Score,
    end: i64,
    published: i64,
    seg: SegmentOrdinal,
    doc: DocId,
}

type Facets = Vec<HashMap<String, usize>>;

struct Gather {
    scoring: bool,
    facets: bool,
}

struct SegGather {
    seg: SegmentOrdinal,
    end: Option<Column<i64>>,
    published: Option<Column<i64>>,
    cols: Vec<Option<StrColumn>>,
    counts: Vec<Vec<u32>>,
    cands: Vec<Cand>,
}

impl Collector for Gather {
    type Fruit = (Vec<Cand>, Facets);
    type Child = SegGather;

    fn for_segment(
        &self,
        seg: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegGather> {
        let ff = reader.fast_fields();
        let mut cols = Vec::new();
        let mut counts = Vec::new();
        if self.facets {
            for name in FACETS {
                let col = ff.str(name)?;
                counts.push(vec![0u32; col.as_ref().map(|c| c.num_terms()).unwrap_or(0)]);
                cols.push(col);
            }
        }
        Ok(SegGather {
            seg,
            end: ff.column_opt::<i64>("apply_end")?,
            published: ff.column_opt::<i64>("published_at")?,
            cols,
            counts,
            cands: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(
        &self,
        fruits: Vec<(Vec<Cand>, Facets)>,
    ) -> tantivy::Result<(Vec<Cand>, Facets)> {
        let mut cands = Vec::with_capacity(fruits.iter().map(|f| f.0.len()).sum());
        let mut facets: Facets = if self.facets {
            vec![HashMap::new(); FACETS.len()]
        } else {
            Vec::new()
        };
        for (c, f) in fruits {
            cands.extend(c);
            for (k, counts) in f.into_iter().enumerate() {
                for (value, n) in counts {
                    *facets[k].entry(value).or_default() += n;
                }
            }
        }
        Ok((cands, facets))
    }
}

impl SegmentCollector for SegGather {
    type Fruit = (Vec<Cand>, Facets);

    fn collect(&mut self, doc: DocId, score: Score) {
        let end = self
            .end
            .as_ref()
            .and_then(|c| c.first(doc))
            .unwrap_or(i64::MAX);
        let published = self
            .published
            .as_ref()
            .and_then(|c| c.first(doc))
            .unwrap_or(i64::MIN);
        self.cands.push(Cand {
            score,
            end,
            published,
            seg: self.seg,
            doc,
        });
        for (k, col) in self.cols.iter().enumerate() {
            if let Some(col) = col {
                for ord in col.term_ords(doc) {
                    if let Some(n) = self.counts[k].get_mut(ord as usize) {
                        *n += 1;
                    }
                }
            }
        }
    }

    fn harvest(self) -> (Vec<Cand>, Facets) {
        let mut facets = Vec::with_capacity(self.cols.len());
        let mut buf = String::new();
        for (col, counts) in self.cols.iter().zip(&self.counts) {
            let mut map = HashMap::new();
            if let Some(col) = col {
                for (ord, n) in counts.iter().enumerate() {
                    if *n > 0 && col.ord_to_str(ord as u64, &mut buf).unwrap_or(false) {
                        map.insert(buf.clone(), *n as usize);
                    }
                }
            }
            facets.push(map);
        }
        (self.cands, facets)
    }
}

fn compare(sort: SearchSort, a: &Cand, b: &Cand) -> Ordering {
    let primary = match sort {
        SearchSort::Relevance => b
            .score
            .total_cmp(&a.score)
            .then(a.end.cmp(&b.end))
            .then(b.published.cmp(&a.published)),
        SearchSort::Deadline => a.end.cmp(&b.end).then(b.published.cmp(&a.published)),
        SearchSort::Newest => b.published.cmp(&a.published).then(a.end.cmp(&b.end)),
    };
    primary.then(a.seg.cmp(&b.seg)).then(a.doc.cmp(&b.doc))
}

// ---------------------------------------------------------------------------------------
// Highlighting
// ---------------------------------------------------------------------------------------

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

/// Byte ranges of `text` matched by the query words.
fn match_ranges(text: &str, words: &[&QWord]) -> Vec<(usize, usize)> {
    if text.is_empty() || words.is_empty() {
        return Vec::new();
    }
    let plain = analyze(text, false);
    let joined = if words.iter().any(|w| w.toks.len() >= 2) {
        analyze(text, true)
    } else {
        Vec::new()
    };
    let mut ranges = Vec::new();
    for w in words {
        let stream = if w.toks.len() >= 2 { &joined } else { &plain };
        let n = w.toks.len();
        if stream.len() < n {
            continue;
        }
        for i in 0..=stream.len() - n {
            let hit = (0..n).all(|k| {
                let t = &stream[i + k].text;
                t == &w.toks[k]
                    || (n == 1
                        && w.typos > 0
                        && t.len().abs_diff(w.toks[0].len()) <= w.typos as usize
                        && !t.starts_with(is_syllable)
                        && edit_distance(t, &w.toks[0]) <= w.typos as usize)
            });
            if hit {
                ranges.extend(stream[i..i + n].iter().map(|t| (t.from, t.to)));
            }
        }
    }
    ranges
}

fn push_escaped(out: &mut String, s: &str, marked: bool) {
    if s.is_empty() {
        return;
    }
    if marked {
        out.push_str("<mark>");
    }
    out.push_str(&html_escape::encode_safe(s));
    if marked {
        out.push_str("</mark>");
    }
}

/// Escaped `text[from..to]` (byte offsets on char boundaries) with `<mark>` around matched
/// characters (whitespace inside a cross-space match stays unmarked).
fn render(text: &str, ranges: &[(usize, usize)], from: usize, to: usize) -> String {
    let mut out = String::new();
    let mut seg_start = from;
    let mut seg_marked = false;
    for (b, c) in text[from..to].char_indices() {
        let b = from + b;
        let marked = !c.is_whitespace() && ranges.iter().any(|(s, e)| *s <= b && b < *e);
        if marked != seg_marked {
            push_escaped(&mut out, &text[seg_start..b], seg_marked);
            seg_start = b;
            seg_marked = marked;
        }
    }
    push_escaped(&mut out, &text[seg_start..to], seg_marked);
    out
}

/// About `SNIPPET_CHARS` characters of `text` around the first match.
fn snippet(text: &str, ranges: &[(usize, usize)]) -> String {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let first = ranges.iter().map(|r| r.0).min();
    let first_char = first
        .map(|b| chars.partition_point(|(cb, _)| *cb < b))
        .unwrap_or(0);
    let mut start = first_char.saturating_sub(30);
    let end = (start + SNIPPET_CHARS).min(chars.len());
    if end - start < SNIPPET_CHARS {
        start = end.saturating_sub(SNIPPET_CHARS);
    }
    let byte = |i: usize| {
        if i >= chars.len() {
            text.len()
        } else {
            chars[i].0
        }
    };
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(&render(text, ranges, byte(start), byte(end)));
    if end < chars.len() {
        out.push('…');
    }
    out
}

// ---------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------

struct Live {
    index: Index,
    reader: IndexReader,
    /// 0 in memory.
    generation: u64,
    path: Option<PathBuf>,
}

enum Op {
    Upsert(Vec<SearchDoc>),
    Delete(Vec<String>),
}

/// The tantivy engine. `Send + Sync`; blocking.
///
/// The live index sits behind an `RwLock<Arc<Live>>`: a search clones the `Arc` and never
/// waits for a write or a rebuild. A write batch (`upsert`/`delete`) takes `write_lock`,
/// opens an `IndexWriter`, commits, waits for merges, drops the writer (releasing
/// tantivy's directory lock for other processes) and reloads the reader (`Manual` reload
/// policy), so the next search sees it.
pub struct EmbeddedIndex {
    root: Option<PathBuf>,
    settings: Settings,
    fields: Fields,
    schema: Schema,
    live: RwLock<Arc<Live>>,
    /// Serialises writes (and the final swap of a rebuild) in this process.
    write_lock: Mutex<()>,
    rebuild_lock: Mutex<()>,
    /// Writes made while a rebuild runs, replayed onto the new index before the swap.
    journal: Mutex<Option<Vec<Op>>>,
    last_refresh: Mutex<Instant>,
}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<EmbeddedIndex>();
};

const CURRENT: &str = "CURRENT";

fn gen_dir(root: &Path, generation: u64) -> PathBuf {
    root.join(format!("gen-{generation}"))
}

fn generations(root: &Path) -> Vec<u64> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            if let Some(n) = e
                .file_name()
                .to_str()
                .and_then(|n| n.strip_prefix("gen-"))
                .and_then(|n| n.parse().ok())
            {
                out.push(n);
            }
        }
    }
    out.sort_unstable();
    out
}

fn read_current(root: &Path) -> Option<u64> {
    let s = std::fs::read_to_string(root.join(CURRENT)).ok()?;
    s.trim().strip_prefix("gen-")?.parse().ok()
}

fn write_current(root: &Path, generation: u64) -> Result<(), SearchError> {
    let tmp = root.join(format!("{CURRENT}.tmp"));
    std::fs::write(&tmp, format!("gen-{generation}\n")).map_err(internal)?;
    std::fs::rename(&tmp, root.join(CURRENT)).map_err(internal)
}

fn open_reader(index: &Index) -> Result<IndexReader, SearchError> {
    index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(internal)
}

impl EmbeddedIndex {
    /// The persistent index under `dir` (created if missing).
    pub fn open(dir: &Path, config: SearchConfig) -> Result<Self, SearchError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| internal(format!("cannot create {}: {e}", dir.display())))?;
        let (schema, fields) = build_schema();
        let mut live = None;
        if let Some(g) = read_current(dir) {
            let path = gen_dir(dir, g);
            match Self::open_generation(&path, &schema) {
                Ok(index) => live = Some((g, path, index)),
                Err(e) => tracing::warn!(error = %e, path = %path.display(),
                    "search index unusable; starting an empty one (run `jiwon reindex`)"),
            }
        }
        let (generation, path, index) = match live {
            Some(l) => l,
            None => {
                let g = generations(dir).last().copied().unwrap_or(0) + 1;
                let path = gen_dir(dir, g);
                std::fs::create_dir_all(&path).map_err(internal)?;
                let index = Index::create_in_dir(&path, schema.clone()).map_err(internal)?;
                register_tokenizers(&index);
                write_current(dir, g)?;
                (g, path, index)
            }
        };
        // Older generations are leftovers of a finished rebuild; newer ones may be a
        // rebuild in progress elsewhere (or a crashed one: removed once stale).
        for g in generations(dir) {
            let p = gen_dir(dir, g);
            let stale = g < generation
                || (g > generation
                    && std::fs::metadata(&p)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > Duration::from_secs(3600)));
            if stale {
                let _ = std::fs::remove_dir_all(&p);
            }
        }
        let reader = open_reader(&index)?;
        let live = Live {
            index,
            reader,
            generation,
            path: Some(path),
        };
        Ok(Self::with_live(
            Some(dir.to_path_buf()),
            config,
            schema,
            fields,
            live,
        ))
    }

    /// A RAM-only index (tests, benches).
    pub fn in_memory(config: SearchConfig) -> Self {
        let (schema, fields) = build_schema();
        let index = Index::create_in_ram(schema.clone());
        register_tokenizers(&index);
        let reader = open_reader(&index).expect("a RAM index has a reader");
        let live = Live {
            index,
            reader,
            generation: 0,
            path: None,
        };
        Self::with_live(None, config, schema, fields, live)
    }

    fn with_live(
        root: Option<PathBuf>,
        config: SearchConfig,
        schema: Schema,
        fields: Fields,
        live: Live,
    ) -> Self {
        EmbeddedIndex {
            root,
            settings: Settings::new(&config),
            fields,
            schema,
            live: RwLock::new(Arc::new(live)),
            write_lock: Mutex::new(()),
            rebuild_lock: Mutex::new(()),
            journal: Mutex::new(None),
            last_refresh: Mutex::new(Instant::now()),
        }
    }

    fn open_generation(path: &Path, schema: &Schema) -> Result<Index, SearchError> {
        let index = Index::open_in_dir(path).map_err(internal)?;
        if &index.schema() != schema {
            return Err(internal("the index was built with another schema"));
        }
        register_tokenizers(&index);
        Ok(index)
    }

    /// The live index generation (0 in memory).
    pub fn generation(&self) -> u64 {
        self.current().generation
    }

    fn current(&self) -> Arc<Live> {
        self.live.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Persistent indexes: follow a generation switch or commits made by another process
    /// (at most once a second for reads; always before a write).
    fn refresh(&self, force: bool) {
        let Some(root) = &self.root else { return };
        {
            let mut last = self.last_refresh.lock().unwrap_or_else(|e| e.into_inner());
            if !force && last.elapsed() < Duration::from_secs(1) {
                return;
            }
            *last = Instant::now();
        }
        let live = self.current();
        match read_current(root) {
            Some(g) if g != live.generation => {
                let path = gen_dir(root, g);
                match Self::open_generation(&path, &self.schema).and_then(|index| {
                    let reader = open_reader(&index)?;
                    Ok(Live {
                        index,
                        reader,
                        generation: g,
                        path: Some(path.clone()),
                    })
                }) {
                    Ok(new) => {
                        let _w = self.write_lock.lock().unwrap_or_else(|e| e.into_inner());
                        *self.live.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(new);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot follow search index generation {g}")
                    }
                }
            }
            _ => {
                let _ = live.reader.reload();
            }
        }
    }

    fn writer(
        index: &Index,
        threads: usize,
        budget: usize,
    ) -> Result<IndexWriter<TantivyDocument>, SearchError> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match index.writer_with_num_threads(threads, budget) {
                Ok(w) => return Ok(w),
                Err(TantivyError::LockFailure(..)) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(TantivyError::LockFailure(e, _)) => {
                    return Err(SearchError::Unavailable(format!(
                        "search index is locked by another writer: {e}"
                    )))
                }
                Err(e) => return Err(internal(e)),
            }
        }
    }

    fn apply(&self, writer: &mut IndexWriter<TantivyDocument>, op: &Op) -> Result<(), SearchError> {
        match op {
            Op::Upsert(docs) => {
                for d in docs {
                    writer.delete_term(Term::from_field_text(self.fields.id, &d.id));
                    writer
                        .add_document(to_document(&self.fields, d))
                        .map_err(internal)?;
                }
            }
            Op::Delete(ids) => {
                for id in ids {
                    writer.delete_term(Term::from_field_text(self.fields.id, id));
                }
            }
        }
        Ok(())
    }

    /// Apply `ops` to `live` in one commit, then make them visible.
    fn commit_ops(&self, live: &Live, ops: &[&Op]) -> Result<(), SearchError> {
        let mut writer = Self::writer(&live.index, 1, 32_000_000)?;
        for op in ops {
            self.apply(&mut writer, op)?;
        }
        writer.commit().map_err(internal)?;
        writer.wait_merging_threads().map_err(internal)?;
        live.reader.reload().map_err(internal)
    }

    fn write(&self, op: Op) -> Result<(), SearchError> {
        self.refresh(true);
        let _w = self.write_lock.lock().unwrap_or_else(|e| e.into_inner());
        let live = self.current();
        self.commit_ops(&live, &[&op])?;
        if let Some(journal) = self
            .journal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
        {
            journal.push(op);
        }
        Ok(())
    }

    fn build_query(
        &self,
        q: &SearchQuery,
        plan: Option<&Plan>,
        searcher: &Searcher,
    ) -> Box<dyn Query> {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(plan) = plan {
            clauses.push((Occur::Must, self.text_query(plan, searcher)));
        }
        let filter = |clauses: &mut Vec<(Occur, Box<dyn Query>)>, q: Box<dyn Query>| {
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
        };
        let term = |field: Field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, v),
                IndexRecordOption::Basic,
            ))
        };
        let flt = &q.filter;
        if let Some(c) = &flt.category {
            filter(&mut clauses, term(f.category, c));
        }
        if let Some(r) = &flt.region {
            let terms = [r.as_str(), NATIONWIDE].map(|v| Term::from_field_text(f.regions, v));
            filter(&mut clauses, Box::new(TermSetQuery::new(terms)));
        }
        if let Some(a) = &flt.agency_id {
            filter(&mut clauses, term(f.agency_ids, a));
        }
        if let Some(t) = &flt.target {
            filter(&mut clauses, term(f.target_types, t));
        }
        if !flt.statuses.is_empty() {
            let terms: Vec<Term> = flt
                .statuses
                .iter()
                .map(|s| Term::from_field_text(f.status, s))
                .collect();
            filter(&mut clauses, Box::new(TermSetQuery::new(terms)));
        }
        if let Some(t) = flt.ends_after {
            // Missing deadlines are stored as i64::MAX: they pass.
            let lower = Bound::Included(Term::from_field_i64(f.apply_end, t));
            filter(
                &mut clauses,
                Box::new(RangeQuery::new(lower, Bound::Unbounded)),
            );
        }
        if let Some(t) = flt.ends_before {
            let upper = Bound::Included(Term::from_field_i64(f.apply_end, t.min(i64::MAX - 1)));
            filter(
                &mut clauses,
                Box::new(RangeQuery::new(Bound::Unbounded, upper)),
            );
        }
        if clauses.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(clauses))
        }
    }

    /// The index field a word is looked up in for the searchable attribute `name`.
    fn field_for(&self, name: &str, w: &QWord) -> Option<Field> {
        let (plain, joined) = self.fields.text.get(name)?;
        Some(if w.toks.len() >= 2 {
            joined.unwrap_or(*plain)
        } else {
            *plain
        })
    }

    /// Mean BM25 idf of the words' tokens in the attribute `name`.
    fn mean_idf(&self, searcher: &Searcher, name: &str, words: &[QWord]) -> f32 {
        let n = searcher.num_docs() as f32;
        let (mut sum, mut count) = (0.0f32, 0usize);
        for w in words {
            let Some(field) = self.field_for(name, w) else {
                continue;
            };
            for t in &w.toks {
                let df = searcher
                    .doc_freq(&Term::from_field_text(field, t))
                    .unwrap_or(0) as f32;
                sum += (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                count += 1;
            }
        }
        if count == 0 {
            0.0
        } else {
            sum / count as f32
        }
    }

    /// Like Meilisearch's word splitting: a Hangul compound of four syllables or more that
    /// (almost) nothing contains also matches as two words, split where most documents
    /// have both parts (예비창업패키지 → 예비창업 + 패키지).
    fn split_rare_compounds(&self, plan: &mut Plan, searcher: &Searcher) -> bool {
        let mut changed = false;
        let ones = vec![1.0; self.settings.fields.len()];
        let count = |q: &dyn Query| searcher.search(q, &Count).unwrap_or(0);
        for group in &mut plan.groups {
            let [w] = group[0].words.as_slice() else {
                continue;
            };
            let hangul = w
                .toks
                .iter()
                .all(|t| t.chars().count() == 2 && t.chars().all(is_syllable));
            if !hangul || w.toks.len() < 3 || w.typos > 0 {
                continue;
            }
            let whole = count(self.word_query(w, &ones).as_ref());
            if whole >= SPLIT_BELOW {
                continue;
            }
            let syllables = w.toks.len() + 1;
            let best = (2..=syllables - 2)
                .map(|i| {
                    let part = |toks: &[String]| QWord {
                        toks: toks.to_vec(),
                        typos: 0,
                    };
                    let alt = Alt {
                        words: vec![part(&w.toks[..i - 1]), part(&w.toks[i..])],
                        weight: SPLIT_WEIGHT,
                    };
                    (count(self.alt_query(&alt, &ones).as_ref()), alt)
                })
                .max_by_key(|(n, _)| *n);
            if let Some((n, alt)) = best {
                if n > whole {
                    group.push(alt);
                    changed = true;
                }
            }
        }
        changed
    }

    fn text_query(&self, plan: &Plan, searcher: &Searcher) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for group in &plan.groups {
            let original = &group[0];
            let alts: Vec<(Occur, Box<dyn Query>)> = group
                .iter()
                .enumerate()
                .map(|(i, alt)| {
                    // A synonym is worth at most `alt.weight` of the typed word in the same
                    // field, however rare it is (BM25 would otherwise favour rare synonyms:
                    // "startup" over 창업).
                    let weights: Vec<f32> = self
                        .settings
                        .fields
                        .iter()
                        .map(|(name, _)| {
                            if i == 0 {
                                return 1.0;
                            }
                            let mine = self.mean_idf(searcher, name, &alt.words);
                            let typed = self.mean_idf(searcher, name, &original.words);
                            if mine > typed && mine > 0.0 {
                                alt.weight * typed / mine
                            } else {
                                alt.weight
                            }
                        })
                        .collect();
                    (Occur::Should, self.alt_query(alt, &weights))
                })
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(alts))));
        }
        if let Some(bonus) = &plan.bonus {
            // Worth about one more title match of every word (see `word_query`).
            let scale = plan.groups.len() as f32 / bonus.len() as f32;
            for (name, boost) in &self.settings.fields {
                if let Some((_, Some(joined))) = self.fields.text.get(name.as_str()) {
                    let terms: Vec<Term> = bonus
                        .iter()
                        .map(|t| Term::from_field_text(*joined, t))
                        .collect();
                    clauses.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(PhraseQuery::new(terms)),
                            *boost * scale,
                        )),
                    ));
                }
            }
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// All words of an alternative; `weights` scales each searchable attribute.
    fn alt_query(&self, alt: &Alt, weights: &[f32]) -> Box<dyn Query> {
        let words: Vec<(Occur, Box<dyn Query>)> = alt
            .words
            .iter()
            .map(|w| (Occur::Must, self.word_query(w, weights)))
            .collect();
        Box::new(BooleanQuery::new(words))
    }

    /// One word in any searchable field.
    fn word_query(&self, w: &QWord, weights: &[f32]) -> Box<dyn Query> {
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (fi, (name, boost)) in self.settings.fields.iter().enumerate() {
            let Some((plain, joined)) = self.fields.text.get(name.as_str()) else {
                continue;
            };
            let q: Box<dyn Query> = if w.toks.len() == 1 {
                let term = Term::from_field_text(*plain, &w.toks[0]);
                let exact: Box<dyn Query> =
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs));
                if w.typos > 0 {
                    let fuzzy = FuzzyTermQuery::new(term, w.typos, true);
                    Box::new(BooleanQuery::new(vec![
                        (Occur::Should, exact),
                        (
                            Occur::Should,
                            Box::new(BoostQuery::new(Box::new(fuzzy), TYPO_WEIGHT)),
                        ),
                    ]))
                } else {
                    exact
                }
            } else {
                let phrase = |field: Field| -> Box<dyn Query> {
                    Box::new(PhraseQuery::new(
                        w.toks
                            .iter()
                            .map(|t| Term::from_field_text(field, t))
                            .collect(),
                    ))
                };
                match joined {
                    // The joined form bridges spacing ("판로지원" ~ "판로 지원"), but a
                    // one-syllable run glued to the next word loses its own token there
                    // ("2026년 메가쇼" → 년메): match either form, scoring the better.
                    Some(j) if *j != *plain => {
                        Box::new(DisjunctionMaxQuery::new(vec![phrase(*j), phrase(*plain)]))
                    }
                    _ => phrase(*plain),
                }
            };
            // A phrase scores the sum of its bigrams' idf: divide by their number so a
            // word weighs the same whether it has one bigram (창업) or five (소상공인온라인).
            let boost = *boost * weights.get(fi).copied().unwrap_or(1.0) / w.toks.len() as f32;
            should.push((Occur::Should, Box::new(BoostQuery::new(q, boost))));
        }
        Box::new(BooleanQuery::new(should))
    }

    fn hit(&self, doc: &TantivyDocument, words: &[&QWord]) -> SearchHit {
        let text = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        // Snippets come from the start of long texts.
        let head = |s: String| match s.char_indices().nth(SNIPPET_SOURCE_CHARS) {
            Some((b, _)) => s[..b].to_string(),
            None => s,
        };
        let id = text(self.fields.id);
        let title = text(self.fields.text["title"].0);
        let title_html = render(&title, &match_ranges(&title, words), 0, title.len());
        let snippet_html = if words.is_empty() {
            String::new()
        } else {
            let summary = head(text(self.fields.text["summary"].0));
            let ranges = match_ranges(&summary, words);
            if !ranges.is_empty() {
                snippet(&summary, &ranges)
            } else {
                let body = head(text(self.fields.body_snip));
                let body_ranges = match_ranges(&body, words);
                if !body_ranges.is_empty() {
                    snippet(&body, &body_ranges)
                } else if !summary.is_empty() {
                    snippet(&summary, &[])
                } else {
                    snippet(&body, &[])
                }
            }
        };
        SearchHit {
            id,
            title_html,
            snippet_html,
        }
    }
}

impl SearchIndex for EmbeddedIndex {
    fn name(&self) -> &'static str {
        "embedded"
    }

    fn upsert(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        if docs.is_empty() {
            return Ok(());
        }
        self.write(Op::Upsert(docs.to_vec()))
    }

    fn delete(&self, ids: &[String]) -> Result<(), SearchError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.write(Op::Delete(ids.to_vec()))
    }

    fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        self.refresh(false);
        let live = self.current();
        let searcher = live.reader.searcher();
        let mut plan = self.settings.plan(&super::korean::normalize(&query.q));
        let collector = Gather {
            scoring: plan.is_some() && query.sort == SearchSort::Relevance,
            facets: query.facets,
        };
        let tq = self.build_query(query, plan.as_ref(), &searcher);
        let (mut cands, mut facet_maps) =
            searcher.search(tq.as_ref(), &collector).map_err(internal)?;
        // Almost nothing found: try rare compounds split in two.
        if cands.len() < SPLIT_BELOW {
            if let Some(p) = plan.as_mut() {
                if self.split_rare_compounds(p, &searcher) {
                    let tq = self.build_query(query, plan.as_ref(), &searcher);
                    (cands, facet_maps) =
                        searcher.search(tq.as_ref(), &collector).map_err(internal)?;
                }
            }
        }
        let total = cands.len();

        let limit = query.limit.min(MAX_LIMIT);
        let end = query
            .offset
            .saturating_add(limit)
            .min(self.settings.max_total_hits)
            .min(total);
        let start = query.offset.min(end);
        let sort = query.sort;
        if end > 0 && end < cands.len() {
            cands.select_nth_unstable_by(end - 1, |a, b| compare(sort, a, b));
            cands.truncate(end);
        }
        cands.sort_unstable_by(|a, b| compare(sort, a, b));

        let words: Vec<&QWord> = plan
            .as_ref()
            .map(|p| p.words().collect())
            .unwrap_or_default();
        let mut hits = Vec::with_capacity(end - start);
        for c in &cands[start..end] {
            let doc: TantivyDocument = searcher
                .doc(DocAddress::new(c.seg, c.doc))
                .map_err(internal)?;
            hits.push(self.hit(&doc, &words));
        }

        let mut facets = BTreeMap::new();
        if query.facets {
            for (name, map) in FACETS.iter().zip(facet_maps) {
                let mut values: Vec<(String, usize)> = map.into_iter().collect();
                if values.len() > self.settings.max_facet_values {
                    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                    values.truncate(self.settings.max_facet_values);
                }
                facets.insert(name.to_string(), values.into_iter().collect());
            }
        }
        Ok(SearchResults {
            total,
            hits,
            facets,
        })
    }

    fn count(&self) -> Result<usize, SearchError> {
        self.refresh(false);
        Ok(self.current().reader.searcher().num_docs() as usize)
    }

    fn health(&self) -> Result<(), SearchError> {
        Ok(())
    }

    fn rebuild(
        &self,
        docs: &mut dyn Iterator<Item = SearchDoc>,
        progress: &mut dyn FnMut(usize),
    ) -> Result<usize, SearchError> {
        let _r = self.rebuild_lock.lock().unwrap_or_else(|e| e.into_inner());
        *self.journal.lock().unwrap_or_else(|e| e.into_inner()) = Some(Vec::new());
        let mut new_path = None;
        let result = (|| -> Result<(usize, Live), SearchError> {
            let (generation, index) = match &self.root {
                Some(root) => {
                    let g = generations(root)
                        .last()
                        .copied()
                        .unwrap_or(0)
                        .max(read_current(root).unwrap_or(0))
                        .max(self.generation())
                        + 1;
                    let path = gen_dir(root, g);
                    std::fs::create_dir_all(&path).map_err(internal)?;
                    new_path = Some(path.clone());
                    (
                        g,
                        Index::create_in_dir(&path, self.schema.clone()).map_err(internal)?,
                    )
                }
                None => (0, Index::create_in_ram(self.schema.clone())),
            };
            register_tokenizers(&index);
            let threads = std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
                .clamp(1, 2);
            let mut writer = Self::writer(&index, threads, 96_000_000)?;
            let mut seen: HashSet<String> = HashSet::new();
            let mut n = 0usize;
            for d in docs {
                if !seen.insert(d.id.clone()) {
                    writer.delete_term(Term::from_field_text(self.fields.id, &d.id));
                    n -= 1;
                }
                writer
                    .add_document(to_document(&self.fields, &d))
                    .map_err(internal)?;
                n += 1;
                if n.is_multiple_of(500) {
                    progress(n);
                }
            }
            writer.commit().map_err(internal)?;
            writer.wait_merging_threads().map_err(internal)?;
            let reader = open_reader(&index)?;
            Ok((
                n,
                Live {
                    index,
                    reader,
                    generation,
                    path: new_path.clone(),
                },
            ))
        })();
        let (n, new) = match result {
            Ok(r) => r,
            Err(e) => {
                *self.journal.lock().unwrap_or_else(|e| e.into_inner()) = None;
                if let Some(p) = new_path {
                    let _ = std::fs::remove_dir_all(p);
                }
                return Err(e);
            }
        };

        // Swap: no write may run between replaying the journal and publishing.
        let old = {
            let _w = self.write_lock.lock().unwrap_or_else(|e| e.into_inner());
            let ops = self
                .journal
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or_default();
            if !ops.is_empty() {
                let refs: Vec<&Op> = ops.iter().collect();
                if let Err(e) = self.commit_ops(&new, &refs) {
                    if let Some(p) = &new.path {
                        let _ = std::fs::remove_dir_all(p);
                    }
                    return Err(e);
                }
            }
            if let Some(root) = &self.root {
                write_current(root, new.generation)?;
            }
            let mut live = self.live.write().unwrap_or_else(|e| e.into_inner());
            std::mem::replace(&mut *live, Arc::new(new))
        };
        if let Some(p) = &old.path {
            // Searches still holding the old generation keep their open files (unlinked).
            if let Err(e) = std::fs::remove_dir_all(p) {
                tracing::warn!(error = %e, path = %p.display(), "cannot remove the old search index");
            }
        }
        let count = self.current().reader.searcher().num_docs() as usize;
        progress(n);
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str, joined: bool) -> Vec<String> {
        analyze(text, joined).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn bigrams_unigrams_and_words() {
        assert_eq!(
            texts("소상공인 창업", false),
            ["소상", "상공", "공인", "창업"]
        );
        assert_eq!(
            texts("2026년 R&D 지원", false),
            ["2026", "년", "r&d", "지원"]
        );
        assert_eq!(texts("비R&D, B2C!", false), ["비", "r&d", "b2c"]);
        assert_eq!(
            texts("소상공인ㆍ자영업자", false),
            ["소상", "상공", "공인", "자영", "영업", "업자"]
        );
        assert_eq!(texts("& < >", false), Vec::<String>::new());
        assert_eq!(texts("Start-up", false), ["start", "up"]);
    }

    #[test]
    fn joined_form_bridges_spaces_only() {
        assert_eq!(texts("판로 지원", true), ["판로", "로지", "지원"]);
        assert_eq!(texts("판로 지원", false), ["판로", "지원"]);
        assert_eq!(texts("판로(지원)", true), ["판로", "지원"]);
        let toks = analyze("소상공인 온라인", true);
        let cross = toks.iter().find(|t| t.text == "인온").unwrap();
        assert_eq!(&"소상공인 온라인"[cross.from..cross.to], "인 온");
    }

    #[test]
    fn particles() {
        assert_eq!(strip_particle("소상공인의"), "소상공인");
        assert_eq!(strip_particle("판로를"), "판로");
        assert_eq!(strip_particle("온라인으로"), "온라인");
        assert_eq!(strip_particle("판로"), "판로");
        assert_eq!(strip_particle("창업"), "창업");
        assert_eq!(strip_particle("AI의"), "AI");
        assert_eq!(strip_particle("10만"), "10만");
        assert_eq!(strip_particle("전문가"), "전문가");
        assert_eq!(strip_particle("경상북도"), "경상북도");
        assert_eq!(strip_particle("사업에서"), "사업");
    }

    #[test]
    fn query_plans() {
        let settings = Settings::new(&SearchConfig::load().unwrap());
        let words = |q: &str| -> Vec<Vec<Vec<String>>> {
            settings
                .plan(q)
                .map(|p| {
                    p.groups
                        .iter()
                        .map(|g| {
                            g.iter()
                                .map(|a| a.words.iter().map(|w| w.toks.join("+")).collect())
                                .collect()
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        // Particles and stop words go; synonyms follow the typed word.
        assert_eq!(
            words("소상공인의 판로 관련 공고"),
            vec![
                vec![
                    vec!["소상+상공+공인"],
                    vec!["자영+영업+업자"],
                    vec!["자영+영업"],
                    vec!["소공+공인"]
                ],
                vec![vec!["판로"], vec!["마케+케팅"]],
            ]
        );
        // A multi-word synonym key, compared de-spaced.
        assert_eq!(
            words("디지털 전환"),
            vec![vec![vec!["디지+지털", "전환"], vec!["dx"]]]
        );
        // Only stop words: they are searched.
        assert_eq!(words("및"), vec![vec![vec!["및"]]]);
        assert!(settings.plan("  !!  ").is_none());
        // Typos for long Latin words only, never for synonyms.
        let plan = settings.plan("startupp marketing AI").unwrap();
        let typos: Vec<u8> = plan.groups.iter().map(|g| g[0].words[0].typos).collect();
        assert_eq!(typos, [1, 2, 0]);
        assert!(plan.groups[2][1..]
            .iter()
            .all(|a| a.words.iter().all(|w| w.typos == 0)));
        // A pasted paragraph stays a bounded query.
        let long = "가".repeat(5000) + " " + &"나다 ".repeat(100);
        let plan = settings.plan(&long).unwrap();
        assert!(plan.groups.len() <= MAX_QUERY_WORDS);
        assert!(plan.words().all(|w| w.toks.len() < MAX_QUERY_WORD_CHARS));
    }

    #[test]
    fn highlight_marks_and_escapes() {
        let w = QWord {
            toks: vec!["창업".into()],
            typos: 0,
        };
        let title = "<b>청년 창업</b> 지원";
        let html = render(title, &match_ranges(title, &[&w]), 0, title.len());
        assert_eq!(html, "&lt;b&gt;청년 <mark>창업</mark>&lt;&#x2F;b&gt; 지원");
        let w = QWord {
            toks: vec![
                "소상".into(),
                "상공".into(),
                "공인".into(),
                "인온".into(),
                "온라".into(),
                "라인".into(),
            ],
            typos: 0,
        };
        let title = "소상공인 온라인 판로";
        let html = render(title, &match_ranges(title, &[&w]), 0, title.len());
        assert_eq!(html, "<mark>소상공인</mark> <mark>온라인</mark> 판로");
    }

    #[test]
    fn typo_distance() {
        assert_eq!(edit_distance("marketting", "marketing"), 1);
        assert_eq!(edit_distance("startpu", "startup"), 1);
        assert_eq!(edit_distance("abc", "xyz"), 3);
    }
}
