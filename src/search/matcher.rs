//! Does one document match a query, decided the way search decides it — without an index.
//!
//! Alert keywords use this (`alerts::criteria`), so a new announcement that a saved search
//! would list is an announcement its subscribers hear about: the query is planned by
//! [`crate::search::query`] exactly as the embedded engine plans it (words, particles, stop
//! words, synonyms, typo allowance, compounds cut into known words), and a document is
//! tokenized by [`crate::search::korean::analyze`] exactly as the engine indexes it (per run,
//! and joined for title and summary). Every word group must match in some searchable field;
//! a word of several tokens is a phrase. The one thing left out is the engine's relaxation
//! that uses its index's counts (a rare compound tried split in two when almost nothing
//! matches): an alert is decided before anything else is known.

use super::korean::{analyze, edit_distance, normalize};
use super::query::{shared_settings, Plan, QWord};
use super::SearchDoc;

/// A document's searchable text, tokenized once.
#[derive(Debug, Clone, Default)]
pub struct DocText {
    /// Per searchable field, per value: its tokens (per run).
    plain: Vec<Vec<Vec<String>>>,
    /// Title and summary in the joined (spacing-insensitive) form.
    joined: Vec<Vec<String>>,
}

impl DocText {
    pub fn of(doc: &SearchDoc) -> DocText {
        let d = doc.normalized();
        let toks = |s: &str, joined: bool| -> Vec<String> {
            analyze(s, joined).into_iter().map(|t| t.text).collect()
        };
        let many =
            |v: &[String]| -> Vec<Vec<String>> { v.iter().map(|s| toks(s, false)).collect() };
        let category: Vec<String> = d.category.iter().cloned().collect();
        let plain = vec![
            vec![toks(&d.title, false)],
            vec![toks(&d.summary, false)],
            many(&d.agencies),
            many(&category),
            many(&d.subcategories),
            many(&d.target_types),
            many(&d.region_names),
            vec![toks(&d.body, false)],
        ];
        DocText {
            plain,
            joined: vec![toks(&d.title, true), toks(&d.summary, true)],
        }
    }

    fn has(&self, w: &QWord) -> bool {
        let values = self.plain.iter().flatten();
        if w.toks.len() == 1 {
            let t = &w.toks[0];
            return values
                .flatten()
                .any(|x| x == t || (w.typos > 0 && within(x, t, w.typos as usize)));
        }
        values
            .chain(self.joined.iter())
            .any(|v| phrase_in(v, &w.toks))
    }
}

fn phrase_in(toks: &[String], phrase: &[String]) -> bool {
    toks.windows(phrase.len()).any(|w| w == phrase)
}

/// Within `max` edits (a transposition counts one, as in the engine's fuzzy terms).
fn within(a: &str, b: &str, max: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    a.len().abs_diff(b.len()) <= max && edit_distance(&a, &b) <= max
}

/// One query, planned once, to test documents against.
#[derive(Debug, Clone)]
pub struct Matcher {
    plan: Option<Plan>,
}

impl Matcher {
    pub fn new(q: &str) -> Matcher {
        Matcher {
            plan: shared_settings().plan(&normalize(q)),
        }
    }

    /// A query with no searchable word (only punctuation) asks for nothing in particular.
    pub fn is_empty(&self) -> bool {
        self.plan.is_none()
    }

    /// Every word group has an alternative whose words are all in the document.
    pub fn matches(&self, doc: &DocText) -> bool {
        let Some(plan) = &self.plan else {
            return true;
        };
        plan.groups
            .iter()
            .all(|alts| alts.iter().any(|alt| alt.words.iter().all(|w| doc.has(w))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(title: &str, body: &str) -> DocText {
        DocText::of(&SearchDoc {
            id: "x".into(),
            title: title.into(),
            body: body.into(),
            agencies: vec!["울산경제일자리진흥원".into()],
            region_names: vec!["울산".into(), "남구".into()],
            ..SearchDoc::default()
        })
    }

    #[test]
    fn every_word_in_any_order_and_field() {
        let d = doc(
            "2026년 울산 소상공인 경영안정 지원사업",
            "점포 임차료를 지원합니다",
        );
        assert!(Matcher::new("소상공인 지원").matches(&d));
        assert!(Matcher::new("지원 소상공인").matches(&d));
        // particles as search strips them; a word found only in the body still counts
        assert!(Matcher::new("소상공인의 임차료").matches(&d));
        // spacing: typed together, found spaced
        assert!(Matcher::new("소상공인지원").matches(&d));
        assert!(Matcher::new("경영안정지원").matches(&d));
        // agency and region names are searchable fields too
        assert!(Matcher::new("울산 남구 소상공인").matches(&d));
        // every word is needed
        assert!(!Matcher::new("소상공인 수출").matches(&d));
        // one-bigram words never match across a word boundary ("사업 체계" is not 업체)
        assert!(!Matcher::new("업체").matches(&doc("지원사업 체계 개편", "")));
    }

    #[test]
    fn synonyms_and_typos_as_search() {
        let d = doc("자영업자 정책자금 융자 안내", "");
        assert!(Matcher::new("소상공인 대출").matches(&d));
        let m = doc("Global marketing program", "");
        assert!(Matcher::new("marketting").matches(&m));
        assert!(!Matcher::new("markets").matches(&m));
    }

    #[test]
    fn osa_distance() {
        assert!(within("marketing", "marketnig", 1));
        assert!(within("startup", "startupp", 1));
        assert!(!within("startup", "stratupp", 1));
        assert!(within("abc", "abc", 0));
    }
}
