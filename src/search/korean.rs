//! Korean text normalization, the same for documents and queries in both engines (and
//! for alert keywords): what people type and what agencies write differ in ways a reader
//! does not notice.
//!
//! - Interpuncts and middle dots inside Hangul are not word breaks: `신ㆍ재생에너지`,
//!   `신·재생에너지`, `신・재생에너지` and `신‧재생에너지` are `신재생에너지`. Elsewhere
//!   (`R&D·마케팅`, `A · B`) they separate, as a space.
//! - Full-width forms are their ordinary selves (`ＡＩ` → `AI`, `２０２６` → `2026`,
//!   the ideographic space → a space).
//! - Decomposed Hangul (conjoining jamo, as macOS file names and some HWP exports
//!   carry it) is composed into syllables, so `소상공인` is `소상공인`. Compatibility
//!   jamo (ㄱ, ㆍ) are left as they are, except the 아래아 interpunct above.

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

fn is_syllable(c: char) -> bool {
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

#[cfg(test)]
mod tests {
    use super::normalize;

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
}
