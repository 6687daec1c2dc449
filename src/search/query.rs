//! What a typed query asks for, in the one form both the embedded engine and alert keywords
//! use (`search::matcher`): words are cut as `korean::split_words` does, lose their particles
//! (`korean::strip_particle`) and stop words, gather their synonyms (multi-word keys compared
//! de-spaced) and get their typo allowance. A Hangul compound typed without spaces that the
//! word list (`search-config/words.txt`) cuts into known words is searched as those words
//! (소상공인지원 → 소상공인 지원), so it finds what the spaced query finds, and the
//! whole-query bonus ranks documents that write it together first. The engine adds one relaxation of its own, with its index's counts
//! (`embedded::query`): a rare compound tried split in two.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::search::config::SearchConfig;
use crate::search::korean::{
    analyze, despaced, edit_distance, is_syllable, jamo, split_words, strip_particle,
};

/// Weight of a synonym relative to the word typed.
pub(crate) const SYNONYM_WEIGHT: f32 = 0.7;
/// Weight of a split compound (예비창업패키지 → 예비창업 + 패키지) relative to the word.
pub(crate) const SPLIT_WEIGHT: f32 = 0.5;
/// Boosts by position in `searchableAttributes` (title first).
pub(crate) const FIELD_BOOSTS: [f32; 8] = [8.0, 4.0, 3.0, 2.5, 2.0, 1.75, 1.5, 1.0];
/// Query words considered (the rest is ignored).
pub(crate) const MAX_QUERY_WORDS: usize = 16;
/// Characters of one query word considered (a pasted paragraph is not a phrase query).
pub(crate) const MAX_QUERY_WORD_CHARS: usize = 32;

/// Known words a compound typed without spaces is cut into, one per line (`#` comments).
const WORDS_TXT: &str = include_str!("../../search-config/words.txt");

fn known_words() -> &'static HashSet<String> {
    static WORDS: OnceLock<HashSet<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        WORDS_TXT
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter(|w| w.chars().count() >= 2)
            .map(str::to_string)
            .collect()
    })
}

/// `소상공인지원사업` → `[소상공인, 지원, 사업]`: the fewest known words (two syllables or
/// more each) that spell a Hangul word of four syllables or more exactly; `None` when they
/// don't.
pub fn compound_parts(word: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 4 || !chars.iter().all(|c| is_syllable(*c)) {
        return None;
    }
    let words = known_words();
    let n = chars.len();
    // best[i]: fewest parts spelling chars[..i], and where the last part starts.
    let mut best: Vec<Option<(usize, usize)>> = vec![None; n + 1];
    best[0] = Some((0, 0));
    for end in 2..=n {
        for start in 0..=end - 2 {
            let Some((parts, _)) = best[start] else {
                continue;
            };
            if start == 0 && end == n {
                continue; // the word itself: cut it or leave it
            }
            let part: String = chars[start..end].iter().collect();
            if words.contains(&part) && best[end].is_none_or(|(p, _)| parts + 1 < p) {
                best[end] = Some((parts + 1, start));
            }
        }
    }
    let (count, _) = best[n]?;
    if count < 2 {
        return None;
    }
    let mut out = Vec::with_capacity(count);
    let mut end = n;
    while end > 0 {
        let (_, start) = best[end]?;
        out.push(chars[start..end].iter().collect());
        end = start;
    }
    out.reverse();
    Some(out)
}

/// Known words (the word list and every synonym) nearest to `word` by jamo edits — at most
/// one edit for words of up to three syllables, two beyond — closest first. For a query
/// that found nothing: "식땅" → 식당.
pub fn nearest_words(word: &str, n: usize) -> Vec<String> {
    let target = jamo(&word.to_lowercase());
    let syllables = word.chars().count();
    let max = if syllables <= 3 { 1 } else { 2 };
    let settings = shared_settings();
    let mut found: Vec<(usize, &str)> = known_words()
        .iter()
        .map(String::as_str)
        .chain(settings.synonym_words())
        .filter(|w| *w != word)
        .filter_map(|w| {
            let j = jamo(&w.to_lowercase());
            (j.len().abs_diff(target.len()) <= max)
                .then(|| edit_distance(&j, &target))
                .filter(|d| (1..=max).contains(d))
                .map(|d| (d, w))
        })
        .collect();
    found.sort();
    found.dedup_by(|a, b| a.1 == b.1);
    found
        .into_iter()
        .take(n)
        .map(|(_, w)| w.to_string())
        .collect()
}

/// The settings of `search-config/announcements.json`, prepared once for planning queries
/// outside an engine (alert keywords).
pub(crate) fn shared_settings() -> &'static Settings {
    static SETTINGS: OnceLock<Settings> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        Settings::new(&SearchConfig::load().expect("search-config/announcements.json is valid"))
    })
}

/// One word to find: its tokens (a phrase when several) and allowed typos.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct QWord {
    pub(crate) toks: Vec<String>,
    pub(crate) typos: u8,
}

/// Alternatives for one query word (or multi-word synonym key); each is an AND of words.
#[derive(Debug, Clone)]
pub(crate) struct Alt {
    pub(crate) words: Vec<QWord>,
    pub(crate) weight: f32,
}

#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) groups: Vec<Vec<Alt>>,
    /// The whole query de-spaced (joined tokens), scored as a phrase bonus.
    pub(crate) bonus: Option<Vec<String>>,
}

impl Plan {
    pub(crate) fn words(&self) -> impl Iterator<Item = &QWord> {
        self.groups.iter().flatten().flat_map(|a| a.words.iter())
    }
}

/// Settings prepared for querying.
pub(crate) struct Settings {
    /// (searchable field name, boost)
    pub(crate) fields: Vec<(String, f32)>,
    synonyms: HashMap<String, Vec<Vec<String>>>,
    synonym_words: Vec<String>,
    max_key_words: usize,
    stop_words: HashSet<String>,
    typo: (bool, usize, usize),
    pub(crate) max_total_hits: usize,
    pub(crate) max_facet_values: usize,
}

impl Settings {
    /// Every synonym key and value as written (for suggestions).
    pub(crate) fn synonym_words(&self) -> impl Iterator<Item = &str> {
        self.synonym_words.iter().map(String::as_str)
    }

    pub(crate) fn new(config: &SearchConfig) -> Settings {
        let fields = config
            .searchable
            .iter()
            .enumerate()
            .map(|(i, f)| (f.clone(), FIELD_BOOSTS.get(i).copied().unwrap_or(1.0)))
            .collect();
        let mut synonyms: HashMap<String, Vec<Vec<String>>> = HashMap::new();
        for (key, alts) in &config.synonyms {
            let entry = synonyms.entry(despaced(key)).or_default();
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
        let mut synonym_words: Vec<String> = config
            .synonyms
            .iter()
            .flat_map(|(k, v)| std::iter::once(k).chain(v))
            .cloned()
            .collect();
        synonym_words.sort();
        synonym_words.dedup();
        Settings {
            fields,
            synonyms,
            synonym_words,
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

    pub(crate) fn plan(&self, q: &str) -> Option<Plan> {
        // A compound typed without spaces is searched as its known words (each with its
        // synonyms), so it finds what the spaced query finds; the whole-query bonus below
        // still ranks the documents that write it together first.
        let mut words: Vec<String> = split_words(q)
            .into_iter()
            .take(MAX_QUERY_WORDS)
            .flat_map(|w| {
                let w = match w.char_indices().nth(MAX_QUERY_WORD_CHARS) {
                    Some((b, _)) => &w[..b],
                    None => w,
                };
                // A known word or a compound of known words keeps what looks like a particle
                // (온라인판로 is 온라인 + 판로, not 온라인판 + 로); otherwise the particle goes.
                let w = w.to_lowercase();
                compound_parts(&w).unwrap_or_else(|| {
                    if known_words().contains(&w) {
                        return vec![w];
                    }
                    let stripped = strip_particle(&w).to_string();
                    compound_parts(&stripped).unwrap_or_else(|| vec![stripped])
                })
            })
            .take(MAX_QUERY_WORDS)
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
                if let Some(s) = self.synonyms.get(&despaced(&words[i..j].concat())) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}

#[cfg(test)]
mod compound_tests {
    use super::*;

    #[test]
    fn compounds_typed_without_spaces_are_cut_into_known_words() {
        assert_eq!(
            compound_parts("온라인판로"),
            Some(vec!["온라인".to_string(), "판로".to_string()])
        );
        assert_eq!(
            compound_parts("소상공인지원"),
            Some(vec!["소상공인".to_string(), "지원".to_string()])
        );
        assert_eq!(compound_parts("판로"), None);
        assert_eq!(compound_parts("우주선발사"), None);
        let words = |q: &str| -> Vec<String> {
            shared_settings()
                .plan(q)
                .unwrap()
                .groups
                .iter()
                .map(|g| {
                    g[0].words
                        .iter()
                        .map(|w| w.toks.join("+"))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect()
        };
        assert_eq!(words("온라인판로"), words("온라인 판로"));
    }
}
