//! Text helpers every domain may use: HTML sanitising, HTML → plain text, list splitting.

use std::collections::{HashMap, HashSet};

use once_cell::sync::Lazy;
use regex::Regex;

/// Longest summary, in characters (including the trailing `…`).
pub(crate) const SUMMARY_MAX_CHARS: usize = 300;

/// Tags kept by [`sanitize_html`].
const ALLOWED_TAGS: &[&str] = &[
    "p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "u", "a", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col",
];

static SANITIZER: Lazy<ammonia::Builder<'static>> = Lazy::new(|| {
    let tags: HashSet<&str> = ALLOWED_TAGS.iter().copied().collect();
    let mut attrs: HashMap<&str, HashSet<&str>> = HashMap::new();
    attrs.insert("a", ["href"].into_iter().collect());
    attrs.insert("td", ["colspan", "rowspan"].into_iter().collect());
    attrs.insert("th", ["colspan", "rowspan"].into_iter().collect());
    attrs.insert("col", ["span"].into_iter().collect());
    attrs.insert("colgroup", ["span"].into_iter().collect());
    let schemes: HashSet<&str> = ["http", "https", "mailto", "tel"].into_iter().collect();
    let mut b = ammonia::Builder::default();
    b.tags(tags)
        .tag_attributes(attrs)
        .generic_attributes(HashSet::new())
        .url_schemes(schemes)
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true);
    b
});

/// Sanitises announcement HTML for display.
///
/// Keeps `p br ul ol li strong em b i u a[href] h3–h6` and table tags
/// (`td`/`th` keep `colspan`/`rowspan`); drops every other tag (keeping its
/// text), all `style`/`class`/event attributes, and `script`/`style` elements
/// with their content. Links get `rel="noopener noreferrer nofollow"`; only
/// http(s)/mailto/tel URLs survive. Text without any tag is escaped and its
/// line breaks become `<br>`.
pub fn sanitize_html(html: &str) -> String {
    if !ANY_TAG_RE.is_match(html) {
        return plain_to_html(&html_escape::decode_html_entities(html));
    }
    SANITIZER.clean(html).to_string().trim().to_string()
}

/// Escapes plain text as HTML: one `<p>` per blank-line-separated paragraph,
/// single line breaks as `<br>`.
pub(crate) fn plain_to_html(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::new();
    for para in text.split("\n\n") {
        let lines: Vec<String> = para
            .lines()
            .map(|l| html_escape::encode_text(l.trim()).into_owned())
            .filter(|l| !l.is_empty())
            .collect();
        if lines.is_empty() {
            continue;
        }
        out.push_str("<p>");
        out.push_str(&lines.join("<br>"));
        out.push_str("</p>");
    }
    out
}

/// Whether a body the console was given is HTML rather than Markdown: it begins with a
/// tag, as imported bodies (which the edit form shows as they are) do. Kept as HTML, such
/// a body renders exactly as before.
pub fn is_html_body(body: &str) -> bool {
    static LEADING_TAG: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"^\s*<[A-Za-z][A-Za-z0-9]*[\s/>]")
            .unwrap_or_else(|e| panic!("LEADING_TAG: {e}"))
    });
    LEADING_TAG.is_match(body)
}

/// Renders the console's body Markdown as HTML, for [`sanitize_html`] to clean (raw HTML
/// in the Markdown passes through to it, so a `<script>` never survives, and an HTML body
/// pasted in keeps its structure). Plain text reads as written: paragraphs at blank
/// lines, a line break at each line end. Headings start at `<h3>` (`#` → h3, `##` → h4),
/// under the page's own h1 and h2; tables are GitHub-style.
pub fn markdown_to_html(markdown: &str) -> String {
    use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
    let demote = |l: HeadingLevel| match l {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    };
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).map(|e| match e {
        Event::SoftBreak => Event::HardBreak,
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: demote(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(demote(level))),
        e => e,
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

static SCRIPT_STYLE_RE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?is)<(script|style)\b[^>]*>.*?</(script|style)\s*>|<!--.*?-->")
        .unwrap_or_else(|e| panic!("SCRIPT_STYLE_RE: {e}"))
});
static BLOCK_TAG_RE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?i)</?(p|br|div|li|ul|ol|tr|td|th|table|thead|tbody|h[1-6]|blockquote|section|article|dd|dt|dl|hr|pre)\b[^>]*>",
    )
    .unwrap_or_else(|e| panic!("BLOCK_TAG_RE: {e}"))
});
static ANY_TAG_RE: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"</?[A-Za-z][^>]*>").unwrap_or_else(|e| panic!("ANY_TAG_RE: {e}")));

/// Converts HTML (or plain text with entities) to a single line of plain
/// text: script/style and comments removed, block tags become spaces, other
/// tags vanish, entities are decoded, whitespace (including `&nbsp;`) collapsed.
pub fn html_to_text(html: &str) -> String {
    let s = SCRIPT_STYLE_RE.replace_all(html, " ");
    let s = BLOCK_TAG_RE.replace_all(&s, " ");
    let s = ANY_TAG_RE.replace_all(&s, "");
    let s = html_escape::decode_html_entities(&s);
    collapse_ws(&s)
}

/// Trims and collapses every run of Unicode whitespace to one space.
pub(crate) fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes HTML entities and collapses whitespace (for titles and names).
pub(crate) fn clean_line(s: &str) -> String {
    collapse_ws(&html_escape::decode_html_entities(s))
}

/// Cuts `text` to at most `max` characters, ending in `…` when cut.
pub(crate) fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let keep: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", keep.trim_end())
}

/// Plain-text summary of HTML, at most [`SUMMARY_MAX_CHARS`] characters.
pub(crate) fn summary_of(html: &str) -> String {
    truncate_chars(&html_to_text(html), SUMMARY_MAX_CHARS)
}

/// Splits on any of `seps`, trims, decodes entities, drops empties and duplicates
/// (keeping first-seen order).
pub(crate) fn split_list(s: &str, seps: &[char]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in s.split(seps) {
        let v = clean_line(part);
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_drops_style_and_script() {
        let html = r#"<p style="line-height: 1.8;" class="x" onclick="evil()">☞&nbsp;지원 <span style="color:red">내용</span></p><script>alert(1)</script><style>p{color:red}</style><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a><a href="https://www.bizinfo.go.kr/" target="_blank">링크</a><table><tr><td colspan="2" style="width:10px">셀</td></tr></table><h2>제목</h2><h4>소제목</h4>"#;
        let out = sanitize_html(html);
        assert!(!out.contains("style"), "{out}");
        assert!(!out.contains("script"), "{out}");
        assert!(!out.contains("alert"), "{out}");
        assert!(!out.contains("onclick"), "{out}");
        assert!(!out.contains("class"), "{out}");
        assert!(!out.contains("<img"), "{out}");
        assert!(!out.contains("<span"), "{out}");
        assert!(!out.contains("<h2"), "{out}");
        assert!(out.contains("<p>☞&nbsp;지원 내용</p>"), "{out}");
        assert!(out.contains(r#"<a href="https://www.bizinfo.go.kr/" rel="noopener noreferrer nofollow">링크</a>"#), "{out}");
        assert!(out.contains(r#"<td colspan="2">셀</td>"#), "{out}");
        assert!(out.contains("<h4>소제목</h4>"), "{out}");
        assert!(out.contains("제목"), "{out}");
    }

    #[test]
    fn plain_text_bodies_become_paragraphs() {
        assert_eq!(
            sanitize_html("첫 줄\r\n둘째 <줄> & R&amp;D\n\n새 문단"),
            "<p>첫 줄<br>둘째 &lt;줄&gt; &amp; R&amp;D</p><p>새 문단</p>"
        );
    }

    #[test]
    fn markdown_bodies_render_and_are_sanitized() {
        let md = "# 지원 내용\n\n- **온라인** 입점\n- [신청](https://example.go.kr)\n\n첫 줄\n둘째 줄\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>";
        let html = sanitize_html(&markdown_to_html(md));
        assert!(html.contains("<h3>지원 내용</h3>"), "{html}");
        assert!(
            html.contains("<li><strong>온라인</strong> 입점</li>"),
            "{html}"
        );
        assert!(html.contains("href=\"https://example.go.kr\""), "{html}");
        assert!(
            html.contains("첫 줄<br>"),
            "a line end is a line break: {html}"
        );
        assert!(
            !html.contains("<script") && !html.contains("alert(1)</"),
            "{html}"
        );
        assert!(
            !html.contains("javascript:") && !html.contains("onerror"),
            "{html}"
        );
        assert!(is_html_body("  <p>문단</p>") && is_html_body("<table>"));
        assert!(!is_html_body("# 제목\n<p>x</p>") && !is_html_body("<3 고마워요"));
        // An HTML body (an import's, pasted in) keeps its structure.
        let imported = "<p>지원 내용</p><ul><li>입점</li></ul><table><tr><td>1</td></tr></table>";
        let html = sanitize_html(&markdown_to_html(imported));
        assert!(
            html.contains("<ul><li>입점</li></ul>") && html.contains("<td>1</td>"),
            "{html}"
        );
    }

    #[test]
    fn html_to_text_decodes_and_collapses() {
        assert_eq!(
            html_to_text("<p>해양수산&nbsp;유망기업</p><p><br></p><p>☞&nbsp;홍보, R&amp;D<b>지원</b></p><script>x()</script>"),
            "해양수산 유망기업 ☞ 홍보, R&D지원"
        );
        assert_eq!(html_to_text("  a \n\t b  "), "a b");
        assert_eq!(html_to_text("3 < 5 and 6 > 2"), "3 < 5 and 6 > 2");
    }

    #[test]
    fn truncation_is_char_based() {
        let long = "가".repeat(400);
        let t = truncate_chars(&long, 300);
        assert_eq!(t.chars().count(), 300);
        assert!(t.ends_with('…'));
        assert_eq!(truncate_chars("짧다", 300), "짧다");
        let exact = "나".repeat(300);
        assert_eq!(truncate_chars(&exact, 300), exact);
    }

    #[test]
    fn split_list_dedups() {
        assert_eq!(
            split_list(" 해외진출 @@시장개척@ 해외진출 @", &['@']),
            vec!["해외진출", "시장개척"]
        );
        assert_eq!(
            split_list("기술개발(R&amp;D)", &['@']),
            vec!["기술개발(R&D)"]
        );
        assert!(split_list("", &['@']).is_empty());
    }
}
