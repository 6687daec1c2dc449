//! Index settings shared by both engines. The file is Meilisearch's own settings JSON
//! (`search-config/announcements.json`), sent as is to Meilisearch (`raw`) and read by
//! the embedded engine for field order (boosts), synonyms, stop words, typo tolerance and
//! the hit cap. It is compiled into the binary so a deployment needs no extra file.

use std::collections::BTreeMap;

use serde_json::Value;

use super::SearchError;

/// The settings file, embedded at build time.
pub const ANNOUNCEMENTS_JSON: &str = include_str!("../../search-config/announcements.json");

/// Field names of `SearchDoc` that settings may mention.
pub const DOC_FIELDS: &[&str] = &[
    "id",
    "title",
    "summary",
    "body",
    "agencies",
    "agency_ids",
    "category",
    "subcategories",
    "target_types",
    "regions",
    "region_names",
    "nationwide",
    "status",
    "window_kind",
    "apply_start",
    "apply_end",
    "published_at",
];

#[derive(Debug, Clone, PartialEq)]
pub struct SearchConfig {
    /// Searchable fields, most important first.
    pub searchable: Vec<String>,
    pub filterable: Vec<String>,
    pub sortable: Vec<String>,
    /// word → alternatives (one direction; the file lists both directions explicitly).
    pub synonyms: BTreeMap<String, Vec<String>>,
    pub stop_words: Vec<String>,
    /// Deepest hit reachable by paging (`pagination.maxTotalHits`).
    pub max_total_hits: usize,
    /// The whole settings object, as Meilisearch expects it.
    pub raw: Value,
}

impl SearchConfig {
    /// The settings compiled into the binary.
    pub fn load() -> Result<SearchConfig, SearchError> {
        SearchConfig::from_json(ANNOUNCEMENTS_JSON)
    }

    pub fn from_json(json: &str) -> Result<SearchConfig, SearchError> {
        let raw: Value = serde_json::from_str(json).map_err(|e| {
            SearchError::Internal(format!("search settings are not valid JSON: {e}"))
        })?;
        let obj = raw
            .as_object()
            .ok_or_else(|| SearchError::Internal("search settings must be a JSON object".into()))?;

        let searchable = string_list(obj.get("searchableAttributes"), "searchableAttributes")?;
        let filterable = string_list(obj.get("filterableAttributes"), "filterableAttributes")?;
        let sortable = string_list(obj.get("sortableAttributes"), "sortableAttributes")?;
        let stop_words = string_list(obj.get("stopWords"), "stopWords")?;
        if searchable.is_empty() {
            return Err(SearchError::Internal(
                "searchableAttributes is empty".into(),
            ));
        }
        for (key, list) in [
            ("searchableAttributes", &searchable),
            ("filterableAttributes", &filterable),
            ("sortableAttributes", &sortable),
        ] {
            for name in list {
                if !DOC_FIELDS.contains(&name.as_str()) {
                    return Err(SearchError::Internal(format!(
                        "{key}: \"{name}\" is not a field of SearchDoc"
                    )));
                }
            }
        }

        let mut synonyms = BTreeMap::new();
        match obj.get("synonyms") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (word, alts) in map {
                    let alts = string_list(Some(alts), &format!("synonyms.{word}"))?;
                    if word.trim().is_empty() || alts.iter().any(|a| a.trim().is_empty()) {
                        return Err(SearchError::Internal(format!(
                            "synonyms.{word}: empty word"
                        )));
                    }
                    synonyms.insert(word.clone(), alts);
                }
            }
            Some(_) => return Err(SearchError::Internal("synonyms must be an object".into())),
        }

        let max_total_hits = match obj.get("pagination").and_then(|p| p.get("maxTotalHits")) {
            None => 1000,
            Some(v) => v.as_u64().filter(|n| *n > 0).ok_or_else(|| {
                SearchError::Internal("pagination.maxTotalHits must be a positive integer".into())
            })? as usize,
        };

        Ok(SearchConfig {
            searchable,
            filterable,
            sortable,
            synonyms,
            stop_words,
            max_total_hits,
            raw,
        })
    }

    /// Typo tolerance from `typoTolerance` as (enabled, min length for one typo, for two).
    /// Meilisearch's defaults (5, 9) when unset.
    pub fn typo_sizes(&self) -> (bool, usize, usize) {
        let t = self.raw.get("typoTolerance");
        let enabled = t
            .and_then(|t| t.get("enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let sizes = t.and_then(|t| t.get("minWordSizeForTypos"));
        let one = sizes
            .and_then(|s| s.get("oneTypo"))
            .and_then(Value::as_u64)
            .unwrap_or(5) as usize;
        let two = sizes
            .and_then(|s| s.get("twoTypos"))
            .and_then(Value::as_u64)
            .unwrap_or(9) as usize;
        (enabled, one, two.max(one))
    }
}

fn string_list(v: Option<&Value>, key: &str) -> Result<Vec<String>, SearchError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| SearchError::Internal(format!("{key}: expected strings")))
            })
            .collect(),
        Some(_) => Err(SearchError::Internal(format!(
            "{key}: expected an array of strings"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_settings_load() {
        let c = SearchConfig::load().unwrap();
        assert_eq!(c.searchable[0], "title");
        assert_eq!(c.searchable.last().map(String::as_str), Some("body"));
        assert_eq!(c.max_total_hits, 5000);
        assert!(c.synonyms.contains_key("소상공인"));
        assert_eq!(c.typo_sizes(), (true, 5, 9));
        // Every synonym pair the file declares goes both ways unless deliberately one-way:
        // 소상공인 → 소공인 (a subset), e-commerce → 쇼핑몰, the misspelling 마켓팅 → 마케팅.
        let one_way = [
            ("소상공인", "소공인"),
            ("이커머스", "쇼핑몰"),
            ("전자상거래", "쇼핑몰"),
            ("마켓팅", "마케팅"),
        ];
        // Owners' everyday words lead to the words agencies write, not back: 가게 → 점포
        // (a 점포 search should not also find every 소상공인 program), 폐업 → 희망리턴.
        let everyday = ["가게", "장사", "폐업", "월세", "이자", "인건비", "대출"];
        for (word, alts) in &c.synonyms {
            for alt in alts {
                if everyday.contains(&word.as_str())
                    || one_way.contains(&(word.as_str(), alt.as_str()))
                {
                    continue;
                }
                let back = c
                    .synonyms
                    .get(alt)
                    .map(|v| v.iter().any(|x| x == word))
                    .unwrap_or(false);
                assert!(back, "synonym {word} → {alt} has no way back");
            }
        }
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let bad = r#"{"searchableAttributes": ["title", "nope"]}"#;
        assert!(SearchConfig::from_json(bad).is_err());
        let bad = r#"{"searchableAttributes": ["title"], "filterableAttributes": ["price"]}"#;
        assert!(SearchConfig::from_json(bad).is_err());
        let ok = r#"{"searchableAttributes": ["title"], "synonyms": {"a": ["b"]}}"#;
        let c = SearchConfig::from_json(ok).unwrap();
        assert_eq!(c.max_total_hits, 1000);
        assert!(SearchConfig::from_json("[]").is_err());
    }
}
