//! The tantivy query for a search: filters as zero-score clauses, each query word as an
//! OR over its synonyms and the searchable fields (boosted by their order), and the BM25
//! corrections (per-bigram phrase scores, capped synonyms, the de-spaced whole-query
//! bonus).

use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery,
    Occur, PhraseQuery, Query, RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::query::{Alt, Plan, QWord};
use super::{EmbeddedIndex, NATIONWIDE, TYPO_WEIGHT};
use crate::search::{Phase, SearchQuery};

impl EmbeddedIndex {
    pub(super) fn build_query(
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
        if let Some((phase, t)) = flt.phase {
            filter(&mut clauses, self.phase_query(phase, t));
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

    /// `Phase` over the indexed fields (a missing start is not stored; a missing deadline
    /// is i64::MAX).
    fn phase_query(&self, phase: Phase, t: i64) -> Box<dyn Query> {
        let f = &self.fields;
        let status = |v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(f.status, v),
                IndexRecordOption::Basic,
            ))
        };
        let range = |field: Field, lower: Bound<i64>, upper: Bound<i64>| -> Box<dyn Query> {
            let term = |b: Bound<i64>| match b {
                Bound::Included(v) => Bound::Included(Term::from_field_i64(field, v)),
                Bound::Excluded(v) => Bound::Excluded(Term::from_field_i64(field, v)),
                Bound::Unbounded => Bound::Unbounded,
            };
            Box::new(RangeQuery::new(term(lower), term(upper)))
        };
        let starts_later = || range(f.apply_start, Bound::Excluded(t), Bound::Unbounded);
        let all = |qs: Vec<(Occur, Box<dyn Query>)>| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(qs))
        };
        match phase {
            Phase::Open => all(vec![
                (Occur::Must, status("published")),
                (Occur::MustNot, starts_later()),
                (
                    Occur::Must,
                    range(f.apply_end, Bound::Included(t), Bound::Unbounded),
                ),
            ]),
            Phase::Upcoming => all(vec![
                (Occur::Should, status("forecast")),
                (
                    Occur::Should,
                    all(vec![
                        (Occur::Must, status("published")),
                        (Occur::Must, starts_later()),
                    ]),
                ),
            ]),
            Phase::Closed => all(vec![
                (Occur::Should, status("closed")),
                (
                    Occur::Should,
                    all(vec![
                        (Occur::Must, status("published")),
                        (
                            Occur::Must,
                            range(f.apply_end, Bound::Unbounded, Bound::Excluded(t)),
                        ),
                    ]),
                ),
            ]),
            // Never indexed.
            Phase::Hidden => status("draft"),
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
    pub(super) fn alt_query(&self, alt: &Alt, weights: &[f32]) -> Box<dyn Query> {
        let words: Vec<(Occur, Box<dyn Query>)> = alt
            .words
            .iter()
            .map(|w| (Occur::Must, self.word_query(w, weights)))
            .collect();
        Box::new(BooleanQuery::new(words))
    }

    /// One word in any searchable field.
    pub(super) fn word_query(&self, w: &QWord, weights: &[f32]) -> Box<dyn Query> {
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
}
