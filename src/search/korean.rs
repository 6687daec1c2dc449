//! Korean text analysis, one module for both engines (and for alert keywords).
//!
//! # Normalization
//!
//! The same for documents and queries in both engines (and for alert keywords): what
//! people type and what agencies write differ in ways a reader does not notice.
//!
//! - Interpuncts and middle dots inside Hangul are not word breaks: `신ㆍ재생에너지`,
//!   `신·재생에너지`, `신・재생에너지` and `신‧재생에너지` are `신재생에너지`. Elsewhere
//!   (`R&D·마케팅`, `A · B`) they separate, as a space.
//! - Full-width forms are their ordinary selves (`ＡＩ` → `AI`, `２０２６` → `2026`,
//!   the ideographic space → a space).
//! - Decomposed Hangul (conjoining jamo, as macOS file names and some HWP exports
//!   carry it) is composed into syllables, so `소상공인` is `소상공인`. Compatibility
//!   jamo (ㄱ, ㆍ) are left as they are, except the 아래아 interpunct above.
//!
//! # Tokens ([`analyze`], the embedded engine's tokenizer)
//!
//! Text is cut into runs of Hangul syllables, of other letters/digits ("words": Latin,
//! numbers, Hanja) and of everything else (dropped). A Hangul run becomes overlapping
//! character bigrams (`소상공인` → 소상 상공 공인); a one-syllable run stays a unigram. A word
//! run becomes one lowercase token (`R&D` → `r&d`: an `&` between letters is kept, so
//! "R&D" only matches "R&D"). Positions are consecutive, so a Hangul word is searched as a
//! phrase of its bigrams: `창업` is the single bigram 창업 and never matches a text that only
//! has 창의 or 업체. The *joined* form concatenates Hangul runs separated only by
//! whitespace before bigramming ("소상공인 온라인" also yields 인온), for loose spacing.
//!
//! # Query words (both engines)
//!
//! [`split_words`] cuts a query at whitespace and punctuation; [`strip_particle`] drops a
//! trailing particle from Hangul words of three syllables or more (소상공인의 → 소상공인)
//! or right after a Latin word (AI의 → AI); [`despaced`] is how compounds and multi-word
//! synonym keys are compared.

/// The characters used as interpuncts / middle dots in Korean text.
pub fn is_interpunct(c: char) -> bool {
    matches!(
        c,
        '\u{00B7}' // · middle dot
            | '\u{318D}' // ㆍ Hangul letter araea, the usual Korean interpunct
            | '\u{119E}' // ᆞ conjoining araea
            | '\u{30FB}' // ・ katakana middle dot
            | '\u{FF65}' // ･ halfwidth katakana middle dot
            | '\u{2027}' // ‧ hyphenation point
            | '\u{2219}' // ∙ bullet operator
            | '\u{22C5}' // ⋅ dot operator
            | '\u{2022}' // • bullet
    )
}

/// A precomposed Hangul syllable (가 … 힣).
pub fn is_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Full-width ASCII and the ideographic space to their ordinary forms.
fn narrow(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Compose conjoining jamo (L V [T]) into precomposed syllables.
fn compose(chars: Vec<char>) -> Vec<char> {
    const S_BASE: u32 = 0xAC00;
    const L_BASE: u32 = 0x1100;
    const V_BASE: u32 = 0x1161;
    const T_BASE: u32 = 0x11A7;
    const L_COUNT: u32 = 19;
    const V_COUNT: u32 = 21;
    const T_COUNT: u32 = 28;
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i] as u32;
        let v = chars.get(i + 1).map(|&v| v as u32);
        match v {
            Some(v)
                if (L_BASE..L_BASE + L_COUNT).contains(&c)
                    && (V_BASE..V_BASE + V_COUNT).contains(&v) =>
            {
                let mut s = S_BASE + ((c - L_BASE) * V_COUNT + (v - V_BASE)) * T_COUNT;
                i += 2;
                if let Some(&t) = chars.get(i) {
                    let t = t as u32;
                    if (T_BASE + 1..T_BASE + T_COUNT).contains(&t) {
                        s += t - T_BASE;
                        i += 1;
                    }
                }
                out.push(char::from_u32(s).unwrap_or('\u{FFFD}'));
            }
            _ => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

/// The normalized form of `text` (see the module documentation). Idempotent; text that
/// needs nothing comes back unchanged.
pub fn normalize(text: &str) -> String {
    let needs = text.chars().any(|c| {
        is_interpunct(c)
            || ('\u{FF01}'..='\u{FF5E}').contains(&c)
            || c == '\u{3000}'
            || ('\u{1100}'..='\u{11FF}').contains(&c)
    });
    if !needs {
        return text.to_string();
    }
    let chars: Vec<char> = compose(text.chars().map(narrow).collect());
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if is_interpunct(c) {
            let before = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
            let after = chars.get(i + 1).copied();
            let inside_hangul = before.is_some_and(is_syllable) && after.is_some_and(is_syllable);
            if !inside_hangul {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Longest Latin/number token kept (bytes); longer runs are noise (URLs, hashes).
const MAX_WORD_BYTES: usize = 64;

/// A token with byte offsets into the analysed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub text: String,
    pub from: usize,
    pub to: usize,
    pub pos: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Hangul,
    Word,
}

#[derive(Debug, Clone, Copy)]
struct Run {
    kind: Kind,
    start: usize,
    end: usize,
}

/// Hangul jamo (ㆍ, ㄱ …): separators here, like punctuation.
fn is_jamo(c: char) -> bool {
    matches!(c, '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}' | '\u{A960}'..='\u{A97F}' | '\u{D7B0}'..='\u{D7FF}')
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_syllable(c) && !is_jamo(c)
}

fn runs(text: &str) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut cur: Option<Run> = None;
    let mut it = text.char_indices().peekable();
    while let Some((b, c)) = it.next() {
        let kind = if is_syllable(c) {
            Some(Kind::Hangul)
        } else if is_word_char(c) {
            Some(Kind::Word)
        } else if c == '&'
            && matches!(cur, Some(Run { kind: Kind::Word, end, .. }) if end == b)
            && it.peek().is_some_and(|(_, n)| n.is_ascii_alphanumeric())
        {
            // R&D, M&A: one word.
            Some(Kind::Word)
        } else {
            None
        };
        let end = b + c.len_utf8();
        match (kind, cur.as_mut()) {
            (Some(k), Some(r)) if r.kind == k && r.end == b => r.end = end,
            (Some(k), _) => {
                if let Some(r) = cur.take() {
                    out.push(r);
                }
                cur = Some(Run {
                    kind: k,
                    start: b,
                    end,
                });
            }
            (None, _) => {
                if let Some(r) = cur.take() {
                    out.push(r);
                }
            }
        }
    }
    if let Some(r) = cur {
        out.push(r);
    }
    out
}

/// Tokens of `text` (see the module documentation). `joined`: Hangul runs separated only by whitespace are bigrammed as
/// one run (the spacing-insensitive form).
pub fn analyze(text: &str, joined: bool) -> Vec<Tok> {
    let runs = runs(text);
    let mut toks = Vec::new();
    let mut i = 0;
    while i < runs.len() {
        let r = runs[i];
        match r.kind {
            Kind::Word => {
                if r.end - r.start <= MAX_WORD_BYTES {
                    toks.push(Tok {
                        text: text[r.start..r.end].to_lowercase(),
                        from: r.start,
                        to: r.end,
                        pos: toks.len(),
                    });
                }
                i += 1;
            }
            Kind::Hangul => {
                let mut syl: Vec<(usize, char)> = text[r.start..r.end]
                    .char_indices()
                    .map(|(b, c)| (r.start + b, c))
                    .collect();
                let mut j = i + 1;
                if joined {
                    while j < runs.len()
                        && runs[j].kind == Kind::Hangul
                        && text[runs[j - 1].end..runs[j].start]
                            .chars()
                            .all(char::is_whitespace)
                    {
                        let s = runs[j].start;
                        syl.extend(text[s..runs[j].end].char_indices().map(|(b, c)| (s + b, c)));
                        j += 1;
                    }
                }
                if syl.len() == 1 {
                    let (b, c) = syl[0];
                    toks.push(Tok {
                        text: c.to_string(),
                        from: b,
                        to: b + c.len_utf8(),
                        pos: toks.len(),
                    });
                } else {
                    for w in syl.windows(2) {
                        let (b0, c0) = w[0];
                        let (b1, c1) = w[1];
                        let mut t = String::with_capacity(6);
                        t.push(c0);
                        t.push(c1);
                        toks.push(Tok {
                            text: t,
                            from: b0,
                            to: b1 + c1.len_utf8(),
                            pos: toks.len(),
                        });
                    }
                }
                i = j;
            }
        }
    }
    toks
}

/// Particles stripped from the end of query words (longest first).
const PARTICLES: &[&str] = &[
    "에서", "으로", "부터", "까지", "의", "을", "를", "이", "가", "은", "는", "에", "로", "와",
    "과", "도", "만",
];
/// Words whose ending only looks like a particle.
const NOT_PARTICLE_ENDINGS: &[&str] = &[
    "어린이",
    "전문가",
    "예술가",
    "사업가",
    "기업가",
    "창업가",
    "투자가",
    "평가",
    "경기도",
    "강원도",
    "제주도",
    "울릉도",
    "남도",
    "북도",
    "자치도",
    "만족도",
    "인지도",
    "활용도",
    "신용도",
    "완성도",
];

/// `소상공인의` → `소상공인`, `판로를` → `판로`, `AI의` → `AI`; words of fewer than three
/// syllables are left alone (판로, 창업).
pub fn strip_particle(word: &str) -> &str {
    if NOT_PARTICLE_ENDINGS.iter().any(|e| word.ends_with(e)) {
        return word;
    }
    let chars: Vec<char> = word.chars().collect();
    let tail = chars.iter().rev().take_while(|c| is_syllable(**c)).count();
    if tail == 0 {
        return word;
    }
    for p in PARTICLES {
        if !word.ends_with(p) {
            continue;
        }
        let pl = p.chars().count();
        if tail < pl {
            continue;
        }
        let rest = tail - pl;
        let ok = if rest == 0 {
            // A particle right after a Latin word: "AI의", "R&D를" (not "10만").
            chars.len() > pl && chars[chars.len() - pl - 1].is_alphabetic()
        } else {
            tail >= 3 && rest >= 2
        };
        if ok {
            let cut: usize = p.len();
            return &word[..word.len() - cut];
        }
    }
    word
}

/// Query words: groups of runs not separated by anything (`2026년`, `R&D과제`); whitespace
/// and punctuation separate words.
pub fn split_words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let rs = runs(text);
    let mut i = 0;
    while i < rs.len() {
        let start = rs[i].start;
        let mut end = rs[i].end;
        let mut j = i + 1;
        while j < rs.len() && rs[j].start == end {
            end = rs[j].end;
            j += 1;
        }
        out.push(&text[start..end]);
        i = j;
    }
    out
}

/// `s` without whitespace, lowercased: how multi-word synonym keys are compared
/// ("디지털 전환" ≡ "디지털전환").
pub fn despaced(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Hangul syllables spelled out in their jamo (`식당` → ㅅㅣㄱㄷㅏㅇ as conjoining jamo), so
/// that distances count the letters people mistype; other characters stay as they are.
pub fn jamo(s: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        if is_syllable(c) {
            let i = c as u32 - 0xAC00;
            let (l, v, t) = (i / (21 * 28), (i % (21 * 28)) / 28, i % 28);
            out.extend(char::from_u32(0x1100 + l));
            out.extend(char::from_u32(0x1161 + v));
            if t > 0 {
                out.extend(char::from_u32(0x11A7 + t));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Optimal-string-alignment distance (a swap of neighbours counts one).
pub fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpuncts_inside_hangul_join() {
        for s in [
            "신ㆍ재생에너지",
            "신·재생에너지",
            "신・재생에너지",
            "신‧재생에너지",
            "신･재생에너지",
        ] {
            assert_eq!(normalize(s), "신재생에너지", "{s:?}");
        }
        assert_eq!(normalize("창업ㆍ벤처ㆍ소상공인"), "창업벤처소상공인");
        // Elsewhere a dot separates.
        assert_eq!(normalize("R&D·마케팅"), "R&D 마케팅");
        assert_eq!(normalize("수출 · 판로"), "수출   판로");
    }

    #[test]
    fn full_width_and_decomposed_forms() {
        assert_eq!(normalize("ＡＩ　바우처 ２０２６"), "AI 바우처 2026");
        let decomposed = "\u{1109}\u{1169}\u{1109}\u{1161}\u{11BC}\u{1100}\u{1169}\u{11BC}\u{110B}\u{1175}\u{11AB}";
        assert_eq!(normalize(decomposed), "소상공인");
        assert_eq!(normalize("소상공인 지원"), "소상공인 지원");
        let once = normalize("신ㆍ재생 ＡＩ");
        assert_eq!(normalize(&once), once);
    }

    fn texts(text: &str, joined: bool) -> Vec<String> {
        analyze(text, joined).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn bigrams_unigrams_and_words() {
        assert_eq!(
            texts("소상공인 창업", false),
            ["소상", "상공", "공인", "창업"]
        );
        assert_eq!(
            texts("2026년 R&D 지원", false),
            ["2026", "년", "r&d", "지원"]
        );
        assert_eq!(texts("비R&D, B2C!", false), ["비", "r&d", "b2c"]);
        assert_eq!(
            texts("소상공인ㆍ자영업자", false),
            ["소상", "상공", "공인", "자영", "영업", "업자"]
        );
        assert_eq!(texts("& < >", false), Vec::<String>::new());
        assert_eq!(texts("Start-up", false), ["start", "up"]);
    }

    #[test]
    fn joined_form_bridges_spaces_only() {
        assert_eq!(texts("판로 지원", true), ["판로", "로지", "지원"]);
        assert_eq!(texts("판로 지원", false), ["판로", "지원"]);
        assert_eq!(texts("판로(지원)", true), ["판로", "지원"]);
        let toks = analyze("소상공인 온라인", true);
        let cross = toks.iter().find(|t| t.text == "인온").unwrap();
        assert_eq!(&"소상공인 온라인"[cross.from..cross.to], "인 온");
    }

    #[test]
    fn jamo_distance() {
        let d = |a: &str, b: &str| edit_distance(&jamo(a), &jamo(b));
        assert_eq!(d("식땅", "식당"), 1);
        assert_eq!(d("소상공닌", "소상공인"), 1);
        assert_eq!(d("창업", "창업"), 0);
        assert_eq!(d("AI", "IA"), 1);
        assert!(d("수출", "창업") > 2);
    }

    #[test]
    fn particles() {
        assert_eq!(strip_particle("소상공인의"), "소상공인");
        assert_eq!(strip_particle("판로를"), "판로");
        assert_eq!(strip_particle("온라인으로"), "온라인");
        assert_eq!(strip_particle("판로"), "판로");
        assert_eq!(strip_particle("창업"), "창업");
        assert_eq!(strip_particle("AI의"), "AI");
        assert_eq!(strip_particle("10만"), "10만");
        assert_eq!(strip_particle("전문가"), "전문가");
        assert_eq!(strip_particle("경상북도"), "경상북도");
        assert_eq!(strip_particle("사업에서"), "사업");
    }
}
