//! What a subscription asks for, in one canonical form.
//!
//! Dimensions are ANDed, values inside a dimension ORed: "창업 or 금융, in 울산, for
//! 소상공인" is `categories: [금융, 창업], regions: [31000], targets: [소상공인]`. An
//! empty dimension does not restrict. Identical criteria hash to the same row, so a
//! thousand owners asking for the same thing cost one evaluation.
//!
//! The index: each criteria is filed under the terms of its most selective dimension
//! (`c:`/`s:` categories, else `r:` regions, else `t:` targets, else `*`). An
//! announcement looks up the terms it carries; only those criteria are evaluated.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::announcements::model::Eligibility;
use crate::search::matcher::{DocText, Matcher};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criteria {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subcategories: Vec<String>,
    /// Region codes (시도 `31000` or 시군구 `31110`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    /// With regions: leave out nationwide programs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub local_only: bool,
    /// KSIC codes at any level (`I`, `56`, `5611`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ksic: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// Materialised from a business profile: the owner's own region and industry,
    /// matched as "this program is open to me" (eligibility is checked per owner).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub profile: bool,
}

/// What an announcement offers, in the terms criteria speak.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub category: Option<String>,
    pub subcategories: Vec<String>,
    /// (region code, 시도 code) pairs.
    pub regions: Vec<(String, String)>,
    pub nationwide: bool,
    pub targets: Vec<String>,
    pub eligibility: Eligibility,
    /// The searchable text as search tokenizes it, for keywords.
    pub doc: DocText,
}

/// Why a criteria matched, one part per dimension (rendered as "지역: 울산").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Because {
    Category(String),
    Region(String),
    Nationwide,
    Industry(String),
    Keyword(String),
    Target(String),
}

impl Criteria {
    /// Sorted, deduplicated, trimmed: equal intentions give equal JSON.
    pub fn canonical(mut self) -> Criteria {
        fn norm(v: &mut Vec<String>, lower: bool) {
            let set: BTreeSet<String> = v
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(|s| {
                    if lower {
                        s.to_lowercase()
                    } else {
                        s.to_string()
                    }
                })
                .collect();
            *v = set.into_iter().collect();
        }
        norm(&mut self.categories, false);
        norm(&mut self.subcategories, false);
        norm(&mut self.regions, false);
        norm(&mut self.ksic, false);
        for k in &mut self.keywords {
            *k = crate::search::korean::normalize(k)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
        }
        norm(&mut self.keywords, true);
        norm(&mut self.targets, false);
        if self.regions.is_empty() {
            self.local_only = false;
        }
        self
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    pub fn hash(&self) -> String {
        crate::ids::sha256_hex(&self.to_json())
    }

    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
            && self.subcategories.is_empty()
            && self.regions.is_empty()
            && self.ksic.is_empty()
            && self.keywords.is_empty()
            && self.targets.is_empty()
    }

    /// The index terms this criteria is filed under.
    pub fn index_terms(&self) -> Vec<String> {
        if !self.categories.is_empty() || !self.subcategories.is_empty() {
            let mut t: Vec<String> = self.categories.iter().map(|c| format!("c:{c}")).collect();
            t.extend(self.subcategories.iter().map(|s| format!("s:{s}")));
            return t;
        }
        if !self.regions.is_empty() {
            let mut t: BTreeSet<String> = BTreeSet::new();
            for r in &self.regions {
                t.insert(format!("r:{r}"));
                // A 시군구 subscription also hears of programs for its whole 시도.
                t.insert(format!("r:{}", sido_of(r)));
            }
            if !self.local_only {
                t.insert("r:nationwide".into());
            }
            return t.into_iter().collect();
        }
        if !self.targets.is_empty() {
            return self.targets.iter().map(|t| format!("t:{t}")).collect();
        }
        vec!["*".into()]
    }

    /// Does an announcement with these facts fit? `Some(reasons)` when it does.
    pub fn evaluate(&self, f: &Facts) -> Option<Vec<Because>> {
        let mut why = Vec::new();
        if !self.categories.is_empty() || !self.subcategories.is_empty() {
            let cat = f
                .category
                .as_ref()
                .filter(|c| self.categories.contains(c))
                .cloned()
                .or_else(|| {
                    f.subcategories
                        .iter()
                        .find(|s| self.subcategories.contains(s))
                        .cloned()
                })?;
            why.push(Because::Category(cat));
        }
        if !self.regions.is_empty() {
            let hit = self.regions.iter().find(|r| {
                f.regions.iter().any(|(code, sido)| {
                    // Same region; the program covers the subscriber's whole 시도; or the
                    // subscriber asked for a 시도 that contains the program's 시군구.
                    *code == **r || ((is_sido_code(code) || is_sido_code(r)) && *sido == sido2(r))
                })
            });
            match hit {
                Some(r) => why.push(Because::Region(r.clone())),
                None if f.nationwide && !self.local_only => why.push(Because::Nationwide),
                None => return None,
            }
        }
        if !self.ksic.is_empty() {
            let e = &f.eligibility;
            let excluded = |k: &str| e.ksic_exclude.iter().any(|x| ksic_covers(x, k));
            let hit = self.ksic.iter().find(|k| {
                !excluded(k)
                    && (e.ksic_include.is_empty()
                        || e.ksic_include.iter().any(|inc| {
                            ksic_covers(inc, k) || (!self.profile && ksic_covers(k, inc))
                        }))
            })?;
            why.push(Because::Industry(hit.clone()));
        }
        if !self.keywords.is_empty() {
            // Each keyword is a query, decided as search decides it: every word, in any
            // order, with search's particles, spacing and synonyms.
            let hit = self
                .keywords
                .iter()
                .find(|k| Matcher::new(k).matches(&f.doc))?;
            why.push(Because::Keyword(hit.clone()));
        }
        if !self.targets.is_empty() {
            let hit = self.targets.iter().find(|t| f.targets.contains(t))?;
            why.push(Because::Target(hit.clone()));
        }
        Some(why)
    }
}

impl Facts {
    /// The index terms an announcement carries; criteria filed under any of them are
    /// evaluated.
    pub fn terms(&self) -> Vec<String> {
        let mut t: BTreeSet<String> = BTreeSet::new();
        t.insert("*".into());
        if let Some(c) = &self.category {
            t.insert(format!("c:{c}"));
        }
        for s in &self.subcategories {
            t.insert(format!("s:{s}"));
        }
        if self.nationwide {
            t.insert("r:nationwide".into());
        }
        for (code, sido) in &self.regions {
            t.insert(format!("r:{code}"));
            // Every 시군구 criteria is filed under its 시도's term too.
            t.insert(format!("r:{sido}000"));
        }
        for x in &self.targets {
            t.insert(format!("t:{x}"));
        }
        t.into_iter().collect()
    }
}

/// `31110` → `31000`; a 시도 code is its own.
pub fn sido_of(code: &str) -> String {
    let two: String = code.chars().take(2).collect();
    format!("{two}000")
}

fn sido2(code: &str) -> &str {
    code.get(0..2).unwrap_or(code)
}

pub fn is_sido_code(code: &str) -> bool {
    code.len() == 5 && code.ends_with("000")
}

/// Does KSIC rule `rule` (a section letter or a numeric prefix) cover code `code`?
/// Section letters are resolved through `ksic_section`.
pub fn ksic_covers(rule: &str, code: &str) -> bool {
    if rule.is_empty() {
        return false;
    }
    if rule.chars().all(|c| c.is_ascii_alphabetic()) {
        return ksic_section(code).map(|s| s.eq_ignore_ascii_case(rule)) == Some(true)
            || code.eq_ignore_ascii_case(rule);
    }
    code.starts_with(rule)
}

/// The KSIC (11th) section of a numeric code, from its 2-digit division.
pub fn ksic_section(code: &str) -> Option<&'static str> {
    if code.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let div: u32 = code.get(0..2)?.parse().ok()?;
    Some(match div {
        1..=3 => "A",
        5..=8 => "B",
        10..=34 => "C",
        35 => "D",
        36..=39 => "E",
        41..=42 => "F",
        45..=47 => "G",
        49..=52 => "H",
        55..=56 => "I",
        58..=63 => "J",
        64..=66 => "K",
        68 => "L",
        70..=73 => "M",
        74..=76 => "N",
        84 => "O",
        85 => "P",
        86..=87 => "Q",
        90..=91 => "R",
        94..=96 => "S",
        97..=98 => "T",
        99 => "U",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            category: Some("금융".into()),
            subcategories: vec!["융자".into()],
            regions: vec![("31000".into(), "31".into())],
            nationwide: false,
            targets: vec!["소상공인".into()],
            eligibility: Eligibility::default(),
            doc: DocText::of(&crate::search::SearchDoc {
                title: "울산 소상공인 경영안정자금".into(),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn keywords_are_normalized_like_search() {
        let c = Criteria {
            keywords: vec!["신ㆍ재생에너지".into(), "ＡＩ".into()],
            ..Default::default()
        }
        .canonical();
        assert_eq!(
            c.keywords,
            vec!["ai".to_string(), "신재생에너지".to_string()]
        );
    }

    #[test]
    fn canonical_form_makes_equal_intentions_equal() {
        let a = Criteria {
            categories: vec!["창업".into(), "금융".into(), "금융".into()],
            keywords: vec![" AI ".into()],
            ..Default::default()
        }
        .canonical();
        let b = Criteria {
            categories: vec!["금융".into(), "창업".into()],
            keywords: vec!["ai".into()],
            ..Default::default()
        }
        .canonical();
        assert_eq!(a.hash(), b.hash());
        assert_ne!(a.hash(), Criteria::default().canonical().hash());
    }

    #[test]
    fn dimensions_and_values() {
        let f = facts();
        let c = Criteria {
            categories: vec!["금융".into(), "창업".into()],
            regions: vec!["31140".into()],
            ..Default::default()
        };
        // A 울산 남구 subscriber hears of an all-울산 program.
        assert_eq!(
            c.evaluate(&f),
            Some(vec![
                Because::Category("금융".into()),
                Because::Region("31140".into())
            ])
        );
        let elsewhere = Criteria {
            regions: vec!["26000".into()],
            ..Default::default()
        };
        assert_eq!(elsewhere.evaluate(&f), None);
        let wrong_target = Criteria {
            targets: vec!["중견기업".into()],
            ..Default::default()
        };
        assert_eq!(wrong_target.evaluate(&f), None);
        let kw = Criteria {
            keywords: vec!["경영안정".into()],
            ..Default::default()
        };
        assert!(kw.evaluate(&f).is_some());
    }

    #[test]
    fn nationwide_programs_reach_regional_subscribers_unless_local_only() {
        let mut f = facts();
        f.regions.clear();
        f.nationwide = true;
        let c = Criteria {
            regions: vec!["31000".into()],
            ..Default::default()
        };
        assert_eq!(c.evaluate(&f), Some(vec![Because::Nationwide]));
        let local = Criteria {
            local_only: true,
            ..c
        };
        assert_eq!(local.evaluate(&f), None);
        assert!(!local.index_terms().contains(&"r:nationwide".to_string()));
    }

    #[test]
    fn sigungu_program_does_not_reach_another_sigungu() {
        let mut f = facts();
        f.regions = vec![("31140".into(), "31".into())];
        let other = Criteria {
            regions: vec!["31110".into()],
            ..Default::default()
        };
        assert_eq!(other.evaluate(&f), None);
        let whole = Criteria {
            regions: vec!["31000".into()],
            ..Default::default()
        };
        assert!(whole.evaluate(&f).is_some());
        // and the index brings both as candidates (terms overlap)
        let terms = f.terms();
        assert!(whole.index_terms().iter().any(|t| terms.contains(t)));
    }

    #[test]
    fn industry_rules() {
        let mut f = facts();
        f.eligibility.ksic_include = vec!["I".into()];
        let restaurant = Criteria {
            ksic: vec!["56111".into()],
            profile: true,
            ..Default::default()
        };
        assert!(restaurant.evaluate(&f).is_some());
        f.eligibility.ksic_include = vec!["C".into()];
        assert_eq!(restaurant.evaluate(&f), None);
        f.eligibility.ksic_include.clear();
        f.eligibility.ksic_exclude = vec!["56".into()];
        assert_eq!(restaurant.evaluate(&f), None);
        assert_eq!(ksic_section("5611"), Some("I"));
        assert!(ksic_covers("56", "5611"));
        assert!(!ksic_covers("561", "5621"));
    }

    #[test]
    fn every_matching_criteria_is_a_candidate() {
        // Whatever dimension a criteria is filed under, an announcement it matches
        // carries one of its terms.
        let f = facts();
        let cases = [
            Criteria {
                subcategories: vec!["융자".into()],
                ..Default::default()
            },
            Criteria {
                regions: vec!["31710".into()],
                ..Default::default()
            },
            Criteria {
                targets: vec!["소상공인".into()],
                ..Default::default()
            },
            Criteria {
                keywords: vec!["울산".into()],
                ..Default::default()
            },
        ];
        let terms = f.terms();
        for c in cases {
            assert!(c.evaluate(&f).is_some(), "{c:?}");
            assert!(
                c.index_terms().iter().any(|t| terms.contains(t)),
                "{c:?} not a candidate"
            );
        }
    }
}
