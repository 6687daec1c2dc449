//! Query words: what a typed query asks for. Words are cut as `korean::split_words` does,
//! lose their particles (`korean::strip_particle`) and stop words, gather their synonyms
//! (multi-word keys compared de-spaced), and get their typo allowance; a rare long
//! compound is also tried split in two (the relaxation when almost nothing matches).

use std::collections::{HashMap, HashSet};

use tantivy::collector::Count;
use tantivy::query::Query;
use tantivy::Searcher;

use super::{
    EmbeddedIndex, FIELD_BOOSTS, MAX_QUERY_WORDS, MAX_QUERY_WORD_CHARS, SPLIT_BELOW, SPLIT_WEIGHT,
    SYNONYM_WEIGHT,
};
use crate::search::config::SearchConfig;
use crate::search::korean::{analyze, despaced, is_syllable, split_words, strip_particle};

/// One word to find: its tokens (a phrase when several) and allowed typos.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct QWord {
    pub(super) toks: Vec<String>,
    pub(super) typos: u8,
}

/// Alternatives for one query word (or multi-word synonym key); each is an AND of words.
#[derive(Debug, Clone)]
pub(super) struct Alt {
    pub(super) words: Vec<QWord>,
    pub(super) weight: f32,
}

#[derive(Debug, Clone)]
pub(super) struct Plan {
    pub(super) groups: Vec<Vec<Alt>>,
    /// The whole query de-spaced (joined tokens), scored as a phrase bonus.
    pub(super) bonus: Option<Vec<String>>,
}

impl Plan {
    pub(super) fn words(&self) -> impl Iterator<Item = &QWord> {
        self.groups.iter().flatten().flat_map(|a| a.words.iter())
    }
}

/// Settings prepared for querying.
pub(super) struct Settings {
    /// (searchable field name, boost)
    pub(super) fields: Vec<(String, f32)>,
    synonyms: HashMap<String, Vec<Vec<String>>>,
    max_key_words: usize,
    stop_words: HashSet<String>,
    typo: (bool, usize, usize),
    pub(super) max_total_hits: usize,
    pub(super) max_facet_values: usize,
}

impl Settings {
    pub(super) fn new(config: &SearchConfig) -> Settings {
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

    pub(super) fn plan(&self, q: &str) -> Option<Plan> {
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

impl EmbeddedIndex {
    /// Like Meilisearch's word splitting: a Hangul compound of four syllables or more that
    /// (almost) nothing contains also matches as two words, split where most documents
    /// have both parts (예비창업패키지 → 예비창업 + 패키지).
    pub(super) fn split_rare_compounds(&self, plan: &mut Plan, searcher: &Searcher) -> bool {
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
