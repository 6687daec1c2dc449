//! 시도 (province-level region) names.
//!
//! bizinfo has no region field: regions come from `hashtags` (all 17 시도
//! listed means nationwide) and from a `[지역]` prefix of the title. 2026 data
//! uses the merged region `전남광주` (전남광주통합특별시), which counts as both
//! 광주 and 전남.

use once_cell::sync::Lazy;
use regex::Regex;

/// Number of 시도.
pub const REGION_COUNT: usize = 17;

/// The 17 시도 short names in canonical (administrative code) order.
pub const REGIONS: [&str; REGION_COUNT] = [
    "서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종", "경기", "강원", "충북", "충남",
    "전북", "전남", "경북", "경남", "제주",
];

/// A set of 시도, as a bit mask over [`REGIONS`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RegionSet(u32);

impl RegionSet {
    const ALL_BITS: u32 = (1 << REGION_COUNT) - 1;

    pub(crate) fn all() -> Self {
        RegionSet(Self::ALL_BITS)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0 == 0
    }

    pub(crate) fn is_all(&self) -> bool {
        self.0 & Self::ALL_BITS == Self::ALL_BITS
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    pub(crate) fn union(self, other: RegionSet) -> RegionSet {
        RegionSet(self.0 | other.0)
    }

    fn insert_name(&mut self, short: &str) {
        if let Some(i) = REGIONS.iter().position(|r| *r == short) {
            self.0 |= 1 << i;
        }
    }

    fn from_names(names: &[&str]) -> Self {
        let mut s = RegionSet::default();
        for n in names {
            s.insert_name(n);
        }
        s
    }

    /// Short names in canonical order.
    pub(crate) fn names(&self) -> Vec<String> {
        REGIONS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, r)| r.to_string())
            .collect()
    }
}

/// Regions named by one exact token: a short name, `전남광주`, or a full name
/// (`경상북도`, `서울특별시`, …). `None` if the token names no region.
pub(crate) fn exact_token(token: &str) -> Option<RegionSet> {
    let t = token.trim();
    if REGIONS.contains(&t) {
        return Some(RegionSet::from_names(&[t]));
    }
    let names: &[&str] = match t {
        "전남광주" | "전남광주통합특별시" | "광주전남" => &["광주", "전남"],
        "서울특별시" | "서울시" => &["서울"],
        "부산광역시" | "부산시" => &["부산"],
        "대구광역시" | "대구시" => &["대구"],
        "인천광역시" | "인천시" => &["인천"],
        "광주광역시" | "광주시" => &["광주"],
        "대전광역시" | "대전시" => &["대전"],
        "울산광역시" | "울산시" => &["울산"],
        "세종특별자치시" | "세종시" => &["세종"],
        "경기도" => &["경기"],
        "강원도" | "강원특별자치도" => &["강원"],
        "충청북도" => &["충북"],
        "충청남도" => &["충남"],
        "전라북도" | "전북특별자치도" => &["전북"],
        "전라남도" => &["전남"],
        "경상북도" => &["경북"],
        "경상남도" => &["경남"],
        "제주도" | "제주특별자치도" => &["제주"],
        _ => return None,
    };
    Some(RegionSet::from_names(names))
}

/// Regions named by a token of a title prefix: [`exact_token`] plus the
/// 권역 names (`충청권`, `호남권`, `비수도권`, …).
fn prefix_token(token: &str) -> Option<RegionSet> {
    if let Some(s) = exact_token(token) {
        return Some(s);
    }
    let names: &[&str] = match token.trim() {
        "수도권" => &["서울", "인천", "경기"],
        "충청" | "충청권" => &["대전", "세종", "충북", "충남"],
        "호남" | "호남권" => &["광주", "전북", "전남"],
        "영남" | "영남권" => &["부산", "대구", "울산", "경북", "경남"],
        "동남권" => &["부산", "울산", "경남"],
        "대경권" => &["대구", "경북"],
        "강원권" => &["강원"],
        "제주권" => &["제주"],
        "비수도권" => {
            let capital = RegionSet::from_names(&["서울", "인천", "경기"]);
            return Some(RegionSet(RegionSet::ALL_BITS & !capital.0));
        }
        "전국" => return Some(RegionSet::all()),
        _ => return None,
    };
    Some(RegionSet::from_names(names))
}

/// Regions listed in a bizinfo `hashtags` value (comma-separated): only
/// tokens equal to a short name, `전남광주` or `전국` count — other tags
/// (agency names such as `경상북도경제진흥원`) are ignored.
pub(crate) fn from_hashtags(hashtags: &[String]) -> RegionSet {
    let mut set = RegionSet::default();
    for tag in hashtags {
        let t = tag.trim();
        if t == "전국" {
            set = RegionSet::all();
        } else if REGIONS.contains(&t) || t == "전남광주" {
            if let Some(s) = exact_token(t) {
                set = set.union(s);
            }
        }
    }
    set
}

/// The 시도 of a local government named as an agency: a 시도 (`경기도`,
/// `부산광역시`, `전남광주통합특별시`), a 시도 and 시군구 (`경기도 과천시`), or a 시군구
/// alone that exists in one 시도 only (`과천시`, `과천시청`; `중구` says nothing), by the
/// reference region codes. None for every other agency (ministries, 진흥원, …): their
/// programs may be for anyone.
pub(crate) fn from_local_agency(name: &str) -> Option<RegionSet> {
    let first = name.split_whitespace().next()?;
    if let Some(s) = exact_token(first) {
        // A bare short name ("경기") is no agency's name.
        return (!REGIONS.contains(&first)).then_some(s);
    }
    let base = first.strip_suffix('청').unwrap_or(first);
    crate::reference::sido_of_sigungu(base).map(|sido| RegionSet::from_names(&[sido]))
}

static PREFIX_RE: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^\s*\[([^\]]{1,40})\]").unwrap_or_else(|e| panic!("PREFIX_RE: {e}")));

/// Regions in a `[지역]` title prefix such as `[울산]`, `[전남광주]`,
/// `[부산ㆍ울산ㆍ경남]` or `[충청권]`. Empty when the prefix is missing or
/// names something else (`[소싱디렉팅]`).
pub(crate) fn from_title_prefix(title: &str) -> RegionSet {
    let Some(inner) = PREFIX_RE.captures(title).and_then(|c| c.get(1)) else {
        return RegionSet::default();
    };
    let mut set = RegionSet::default();
    for part in inner.as_str().split(['ㆍ', '·', '・', ',', '/', ' ', '.']) {
        if part.is_empty() {
            continue;
        }
        match prefix_token(part) {
            Some(s) => set = set.union(s),
            // One unknown part means the prefix is not a region list.
            None => return RegionSet::default(),
        }
    }
    set
}

/// Regions of a K-Startup `supt_regin` / `region` value (`전국`, `서울`, or a
/// comma-separated list). Returns the set and the parts that were not understood.
pub(crate) fn from_kstartup(value: &str) -> (RegionSet, Vec<String>) {
    let mut set = RegionSet::default();
    let mut unknown = Vec::new();
    for part in value.split([',', 'ㆍ', '·', '/']) {
        let p = part.trim();
        if p.is_empty() {
            continue;
        }
        match prefix_token(p) {
            Some(s) => set = set.union(s),
            None => unknown.push(p.to_string()),
        }
    }
    (set, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(s: &str) -> Vec<String> {
        s.split(',').map(|t| t.to_string()).collect()
    }

    #[test]
    fn jeonnam_gwangju_counts_twice() {
        assert_eq!(
            from_hashtags(&tags("전남광주,2026")).names(),
            vec!["광주", "전남"]
        );
        assert_eq!(
            from_title_prefix("[전남광주] 목포시 2026년 …").names(),
            vec!["광주", "전남"]
        );
        let all = "경영,서울,부산,대구,인천,전남광주,대전,울산,세종,경기,강원,충북,충남,전북,경북,경남,제주,2026";
        assert!(from_hashtags(&tags(all)).is_all());
        assert_eq!(from_hashtags(&tags(all)).len(), 17);
    }

    #[test]
    fn local_agencies_name_their_region() {
        let names = |n: &str| from_local_agency(n).map(|s| s.names());
        assert_eq!(names("경기도"), Some(vec!["경기".to_string()]));
        assert_eq!(names("과천시"), Some(vec!["경기".to_string()]));
        assert_eq!(names("과천시청"), Some(vec!["경기".to_string()]));
        assert_eq!(names("경상북도 안동시"), Some(vec!["경북".to_string()]));
        assert_eq!(
            names("전남광주통합특별시"),
            Some(vec!["광주".to_string(), "전남".to_string()])
        );
        // Names in several 시도, ministries and public bodies say nothing.
        assert_eq!(names("중구"), None);
        assert_eq!(names("중소벤처기업부"), None);
        assert_eq!(names("경기도경제과학진흥원"), None);
        assert_eq!(names("기초자치단체"), None);
    }

    #[test]
    fn hashtags_only_count_exact_names() {
        let s = from_hashtags(&tags("경상북도경제진흥원,경북,포항시,경기도"));
        assert_eq!(s.names(), vec!["경북"]);
        assert!(from_hashtags(&tags("전국,R&D")).is_all());
    }

    #[test]
    fn title_prefixes() {
        assert_eq!(from_title_prefix("[울산] 2026년 …").names(), vec!["울산"]);
        assert_eq!(
            from_title_prefix("[부산ㆍ울산ㆍ경남] 2026년 …").names(),
            vec!["부산", "울산", "경남"]
        );
        assert_eq!(
            from_title_prefix("[충청권ㆍ호남권] x").names(),
            vec!["광주", "대전", "세종", "충북", "충남", "전북", "전남"]
        );
        assert_eq!(from_title_prefix("[비수도권] x").len(), 14);
        assert!(from_title_prefix("[소싱디렉팅] D&M Boost-up").is_empty());
        assert!(from_title_prefix("[서남권] x").is_empty());
        assert!(from_title_prefix("2026년 [경북] x").is_empty());
    }

    #[test]
    fn kstartup_values() {
        assert!(from_kstartup("전국").0.is_all());
        assert_eq!(from_kstartup("서울").0.names(), vec!["서울"]);
        let (s, unknown) = from_kstartup("경기, 해외");
        assert_eq!(s.names(), vec!["경기"]);
        assert_eq!(unknown, vec!["해외"]);
    }
}
