//! The engine's own relaxation of a query plan (`search::query`): a rare long compound is
//! also tried split in two, where the index's counts say most documents have both parts.

use tantivy::collector::Count;
use tantivy::query::Query;
use tantivy::Searcher;

use super::{EmbeddedIndex, SPLIT_BELOW};
use crate::search::korean::is_syllable;
use crate::search::query::SPLIT_WEIGHT;
pub(super) use crate::search::query::{Alt, Plan, QWord, Settings};

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
