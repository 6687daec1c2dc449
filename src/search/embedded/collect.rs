//! Collecting: every match with its sort keys (score, deadline, publication) and, when
//! asked, facet counts from the fast fields, in one pass; then the ranking order.

use std::cmp::Ordering;
use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::FACETS;
use crate::search::SearchSort;

#[derive(Debug, Clone, Copy)]
pub(super) struct Cand {
    score: Score,
    end: i64,
    published: i64,
    pub(super) seg: SegmentOrdinal,
    pub(super) doc: DocId,
}

pub(super) type Facets = Vec<HashMap<String, usize>>;

pub(super) struct Gather {
    pub(super) scoring: bool,
    pub(super) facets: bool,
}

pub(super) struct SegGather {
    pub(super) seg: SegmentOrdinal,
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

pub(super) fn compare(sort: SearchSort, a: &Cand, b: &Cand) -> Ordering {
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
