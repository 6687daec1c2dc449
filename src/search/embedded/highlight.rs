//! Highlighting: the query words' matches in a title or snippet (typo-tolerant like the
//! query), escaped, with `<mark>` around them.

use tantivy::schema::{Field, Value};
use tantivy::TantivyDocument;

use super::query::QWord;
use super::{EmbeddedIndex, SNIPPET_CHARS, SNIPPET_SOURCE_CHARS};
use crate::search::korean::{analyze, is_syllable};
use crate::search::SearchHit;

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

impl EmbeddedIndex {
    pub(super) fn hit(&self, doc: &TantivyDocument, words: &[&QWord]) -> SearchHit {
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

#[cfg(test)]
mod tests {
    use super::*;

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
