use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{agencies, invitations, users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = agencies)]
pub struct Agency {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub region_code: Option<String>,
    pub homepage: Option<String>,
    pub phone: Option<String>,
    pub created_at: NaiveDateTime,
}

impl Agency {
    pub fn kind_label(&self) -> &'static str {
        agency_kind_label(&self.kind)
    }
}

pub fn agency_kind_label(kind: &str) -> &'static str {
    match kind {
        "ministry" => "중앙부처",
        "local" => "지방자치단체",
        "public" => "공공기관",
        "private" => "민간기관",
        _ => "기타 기관",
    }
}

/// Names imports give where no agency is meant (bizinfo's 수행기관 "기초자치단체").
pub fn is_placeholder_agency(name: &str) -> bool {
    matches!(
        name.trim(),
        "" | "-" | "기초자치단체" | "광역자치단체" | "지방자치단체" | "해당없음" | "없음"
    )
}

/// An imported agency name as the agency's own name: the first of several ("A, B"), the
/// office after "겸", no legal-form prefix ("(재)", "사단법인"), and no head's title or
/// person ("…센터 대표이사", "(주)공공플랜 대표 이유한", "창업진흥원장",
/// "중소벤처기업부장관", "광명시장" → "…센터", "공공플랜", "창업진흥원",
/// "중소벤처기업부", "광명시"). Whitespace is normalised.
pub fn normalize_agency_name(raw: &str) -> String {
    static PERSON: once_cell::sync::Lazy<Option<regex::Regex>> = once_cell::sync::Lazy::new(|| {
        regex::Regex::new(
            r"^(.+?(?:장관|이사장|대표이사|대표|원장|센터장|단장|회장|청장|시장|군수|구청장|도지사|총장|소장|관장))\s+[가-힣](?:\s?[가-힣]){1,3}$",
        )
        .ok()
    });
    let mut n = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some((first, _)) = n.split_once([',', '/']) {
        n = first.trim().to_string();
    }
    if let Some((_, office)) = n.rsplit_once(" 겸 ") {
        n = office.trim().to_string();
    }
    if let Some(c) = PERSON.as_ref().and_then(|re| re.captures(&n)) {
        if let Some(m) = c.get(1) {
            n = m.as_str().to_string();
        }
    }
    for prefix in [
        "(재)",
        "(사)",
        "(주)",
        "㈜",
        "재단법인 ",
        "사단법인 ",
        "주식회사 ",
    ] {
        if let Some(rest) = n.strip_prefix(prefix) {
            n = rest.trim().to_string();
        }
    }
    // Titles: dropped with the space before them, or turned back into the office.
    for title in [" 대표이사", " 대표", " 이사장", " 회장", " 센터장", " 원장"] {
        if let Some(rest) = n.strip_suffix(title) {
            return rest.trim().to_string();
        }
    }
    let offices: [(&str, &str); 12] = [
        ("대표이사", ""),
        ("이사장", ""),
        ("장관", ""),
        ("센터장", "센터"),
        ("캠퍼스장", "캠퍼스"),
        ("사업단장", "사업단"),
        ("원장", "원"),
        ("구청장", "구"),
        ("청장", "청"),
        ("군수", "군"),
        ("도지사", "도"),
        ("시장", "시"),
    ];
    for (title, office) in offices {
        if let Some(rest) = n.strip_suffix(title) {
            let candidate = format!("{rest}{office}");
            // "…시장" is a mayor only where a city of that name exists.
            if title == "시장"
                && crate::reference::sido_of_sigungu(&candidate).is_none()
                && !candidate.ends_with("광역시")
                && !candidate.ends_with("특별시")
            {
                continue;
            }
            if !candidate.trim().is_empty() {
                return candidate.trim().to_string();
            }
        }
    }
    n
}

/// Two agency names are one agency when these are equal: normalised, without spaces.
pub fn agency_key(name: &str) -> String {
    normalize_agency_name(name)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The directory's groups, in order: 중앙부처, 광역 (a 시도 government), 기초 (a
/// 시군구 government), 공공기관 (everything else). Derived from the stored kind
/// (`guess_agency_kind` at import, or what an operator set) and, for local governments,
/// the name: a 시도 name (the reference list, or …특별시/광역시/특별자치시·도) is 광역.
pub fn agency_group(kind: &str, name: &str) -> (u8, &'static str) {
    match kind {
        "ministry" => (0, "중앙부처"),
        "local" if is_sido_government(name) => (1, "광역자치단체"),
        "local" => (2, "기초자치단체"),
        _ => (3, "공공기관·기타"),
    }
}

fn is_sido_government(name: &str) -> bool {
    let n = name.trim();
    const SIDO_NAMES: [&str; 8] = [
        "경기도",
        "충청북도",
        "충청남도",
        "전라북도",
        "전라남도",
        "경상북도",
        "경상남도",
        "강원도",
    ];
    SIDO_NAMES.contains(&n)
        || ["특별시", "광역시", "특별자치시", "특별자치도"]
            .iter()
            .any(|s| n.ends_with(s))
}

/// Guess an agency's kind from its name (imports name agencies but do not type them).
pub fn guess_agency_kind(name: &str) -> &'static str {
    let n = name.trim();
    if n.ends_with('부') || n.ends_with('처') || n.ends_with('청') || n.ends_with("위원회") {
        "ministry"
    } else if n.ends_with('시')
        || n.ends_with('도')
        || n.ends_with('군')
        || n.ends_with('구')
        || n.contains("특별자치")
        || n.ends_with("광역시")
    {
        "local"
    } else if n.contains("(주)") || n.contains("주식회사") {
        "private"
    } else {
        "public"
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    pub display_name: String,
    pub is_operator: bool,
    pub agency_id: Option<String>,
    pub agency_role: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
}

/// A staff member's role inside their agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyRole {
    /// Manages staff and everything the agency posts.
    Admin,
    /// Writes, schedules, publishes, corrects and closes announcements.
    Editor,
    /// Reads announcements (and, later, reviews applications); cannot change them.
    Reviewer,
}

impl AgencyRole {
    pub fn parse(s: &str) -> Option<AgencyRole> {
        match s {
            "admin" => Some(AgencyRole::Admin),
            "editor" => Some(AgencyRole::Editor),
            "reviewer" => Some(AgencyRole::Reviewer),
            _ => None,
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            AgencyRole::Admin => "admin",
            AgencyRole::Editor => "editor",
            AgencyRole::Reviewer => "reviewer",
        }
    }
    pub fn label(&self) -> &'static str {
        match self {
            AgencyRole::Admin => "기관 관리자",
            AgencyRole::Editor => "공고 담당자",
            AgencyRole::Reviewer => "검토자",
        }
    }
    pub fn can_edit(&self) -> bool {
        matches!(self, AgencyRole::Admin | AgencyRole::Editor)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: String,
    /// `None` for an operator.
    pub agency_id: Option<String>,
    pub email: String,
    /// `None` for an operator.
    pub agency_role: Option<String>,
    #[serde(skip)]
    pub token_hash: String,
    /// `None` when made on the command line (`jiwon staff add`).
    pub invited_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    /// The person becomes a site operator (no agency).
    pub operator: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imported_agency_names_are_the_agency() {
        let cases = [
            ("(재)경남창조경제혁신센터 대표이사", "경남창조경제혁신센터"),
            ("인천창조경제혁신센터 대표이사", "인천창조경제혁신센터"),
            ("(주)공공플랜 대표 이유한", "공공플랜"),
            ("창업진흥원장", "창업진흥원"),
            ("(재)전남바이오진흥원장", "전남바이오진흥원"),
            ("중소벤처기업부장관", "중소벤처기업부"),
            ("신용보증기금 이사장", "신용보증기금"),
            ("서울바이오허브 센터장", "서울바이오허브"),
            ("부산지식재산센터장", "부산지식재산센터"),
            ("광명시장", "광명시"),
            (
                "과학기술부총리 겸 과학기술정보통신부장관 배 경 훈, 과학기술사업화진흥원장 김 병 국",
                "과학기술정보통신부",
            ),
            // Not titles: kept.
            ("소상공인시장진흥공단", "소상공인시장진흥공단"),
            ("경기도시장상권진흥원", "경기도시장상권진흥원"),
            ("한국무역보험공사 강원지사", "한국무역보험공사 강원지사"),
            ("중소벤처기업부", "중소벤처기업부"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_agency_name(raw), want, "{raw}");
        }
        assert_eq!(
            agency_key("(재)부산창조경제혁신센터 대표이사"),
            agency_key("부산창조경제혁신센터")
        );
    }

    #[test]
    fn directory_groups() {
        assert_eq!(agency_group("ministry", "중소벤처기업부").1, "중앙부처");
        assert_eq!(agency_group("local", "경기도").1, "광역자치단체");
        assert_eq!(
            agency_group("local", "전남광주통합특별시").1,
            "광역자치단체"
        );
        assert_eq!(agency_group("local", "과천시").1, "기초자치단체");
        assert_eq!(agency_group("public", "창업진흥원").1, "공공기관·기타");
    }
}
