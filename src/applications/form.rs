//! A program's question set — the versioned schema an agency builds in the console and an
//! owner answers — and the one check of answers against it.
//!
//! A form is sections of questions. Every question has a stable `key` (answers are kept
//! under it, so a new version that keeps the key keeps the answer), a kind, a label, help,
//! a required flag and the limits of its kind. A question may be shown only when an
//! earlier answer is a value (`show_if`); hidden questions are neither required nor kept.
//! A question taken from the question bank carries its `bank_key`, so the business's
//! answer to it in an earlier application is offered again. The section with key
//! [`ELIGIBILITY`] comes first: its yes/no statements marked `hard` stop an owner who
//! answers against them, with the reason, before anything else is filled.
//!
//! Answers are one JSON object, key → value: a string for text, number, money (whole 원),
//! date (YYYY-MM-DD), single choice and yes/no (`"yes"`/`"no"`); an array of strings for
//! multiple choice and for files (ids of `application_files`); an array of row objects
//! (column key → string) for tables. Form posts name fields `q.{key}` (`q.{key}.{row}.{col}`
//! for tables); [`answers_from_form`] reads them, [`check`] says what is wrong in Korean,
//! field by field, in form order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::web::form::{FieldErrors, Form};

/// The key of the section that comes first and decides eligibility.
pub const ELIGIBILITY: &str = "eligibility";
/// Most rows a table question takes.
pub const MAX_TABLE_ROWS: usize = 20;
/// Longest text any answer may be (a long-text question sets its own, lower, limit).
pub const MAX_TEXT_CHARS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    ShortText,
    LongText,
    Number,
    Money,
    Date,
    SingleChoice,
    MultipleChoice,
    YesNo,
    File,
    Table,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::ShortText,
        Kind::LongText,
        Kind::Number,
        Kind::Money,
        Kind::Date,
        Kind::SingleChoice,
        Kind::MultipleChoice,
        Kind::YesNo,
        Kind::File,
        Kind::Table,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ShortText => "short_text",
            Kind::LongText => "long_text",
            Kind::Number => "number",
            Kind::Money => "money",
            Kind::Date => "date",
            Kind::SingleChoice => "single_choice",
            Kind::MultipleChoice => "multiple_choice",
            Kind::YesNo => "yes_no",
            Kind::File => "file",
            Kind::Table => "table",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// How the console names the kind.
    pub fn label(self) -> &'static str {
        match self {
            Kind::ShortText => "짧은 글",
            Kind::LongText => "긴 글",
            Kind::Number => "숫자",
            Kind::Money => "금액(원)",
            Kind::Date => "날짜",
            Kind::SingleChoice => "하나 고르기",
            Kind::MultipleChoice => "여러 개 고르기",
            Kind::YesNo => "예/아니요",
            Kind::File => "파일 첨부",
            Kind::Table => "표",
        }
    }
}

/// Show a question only when an earlier question's answer is `equals` (for a multiple
/// choice: contains it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowIf {
    pub question: String,
    pub equals: String,
}

/// A column of a table question (its cells are short text, or numbers / money).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub key: String,
    pub label: String,
    #[serde(default = "short_text")]
    pub kind: Kind,
}

fn short_text() -> Kind {
    Kind::ShortText
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub key: String,
    pub kind: Kind,
    pub label: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help: String,
    #[serde(default)]
    pub required: bool,
    /// Text: most characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<u32>,
    /// Number and money: bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// Choices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Table columns, and most rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<Column>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rows: Option<u32>,
    /// File: most files and accepted extensions (empty: the portal's attachment types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_files: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accept: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<ShowIf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_key: Option<String>,
    /// Eligibility yes/no: the answer that qualifies (`"yes"` or `"no"`); another answer
    /// stops the application with `fail_message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hard: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fail_message: String,
}

impl Question {
    pub fn new(key: &str, kind: Kind, label: &str) -> Question {
        Question {
            key: key.into(),
            kind,
            label: label.into(),
            help: String::new(),
            required: false,
            max_chars: None,
            min: None,
            max: None,
            options: Vec::new(),
            columns: Vec::new(),
            max_rows: None,
            max_files: None,
            accept: Vec::new(),
            show_if: None,
            bank_key: None,
            hard: None,
            fail_message: String::new(),
        }
    }

    /// The form field (and error anchor) of this question.
    pub fn field(&self) -> String {
        format!("q.{}", self.key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub key: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub intro: String,
    #[serde(default)]
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormSchema {
    #[serde(default)]
    pub sections: Vec<Section>,
}

/// Answers, key → value (see the module documentation).
pub type Answers = Map<String, Value>;

impl FormSchema {
    pub fn from_json(s: &str) -> Option<FormSchema> {
        serde_json::from_str(s).ok()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| s.questions.iter())
    }

    /// The form fields that carry several values (multiple choice): what
    /// `Form::parse` must be told.
    pub fn multi_fields(&self) -> Vec<String> {
        self.questions()
            .filter(|q| q.kind == Kind::MultipleChoice)
            .map(Question::field)
            .collect()
    }

    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions().find(|q| q.key == key)
    }

    /// Is `q` shown, given the answers so far?
    pub fn visible(&self, q: &Question, answers: &Answers) -> bool {
        let Some(cond) = &q.show_if else {
            return true;
        };
        // A question shown under a hidden one is hidden too.
        if let Some(parent) = self.question(&cond.question) {
            if parent.key != q.key && !self.visible(parent, answers) {
                return false;
            }
        }
        match answers.get(&cond.question) {
            Some(Value::String(s)) => *s == cond.equals,
            Some(Value::Array(v)) => v.iter().any(|x| x.as_str() == Some(cond.equals.as_str())),
            _ => false,
        }
    }

    /// What a builder got wrong: duplicate or malformed keys, choices without options, a
    /// condition on a later or unknown question, eligibility not first. Korean, per
    /// question key.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (si, s) in self.sections.iter().enumerate() {
            if s.key == ELIGIBILITY && si != 0 {
                out.push((
                    s.key.clone(),
                    "자격 확인 항목은 맨 앞에 두어야 합니다.".into(),
                ));
            }
            for q in &s.questions {
                if q.key.is_empty()
                    || !q
                        .key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    out.push((
                        q.key.clone(),
                        "질문 키는 영문·숫자·_·- 로 적어 주세요.".into(),
                    ));
                }
                if seen.contains(&q.key.as_str()) {
                    out.push((q.key.clone(), "같은 질문 키가 두 번 쓰였습니다.".into()));
                }
                if q.label.trim().is_empty() {
                    out.push((q.key.clone(), "질문 문구를 적어 주세요.".into()));
                }
                if matches!(q.kind, Kind::SingleChoice | Kind::MultipleChoice)
                    && q.options.len() < 2
                {
                    out.push((
                        q.key.clone(),
                        "고를 수 있는 보기를 두 개 이상 적어 주세요.".into(),
                    ));
                }
                if q.kind == Kind::Table && q.columns.is_empty() {
                    out.push((q.key.clone(), "표의 열을 하나 이상 적어 주세요.".into()));
                }
                if let Some(cond) = &q.show_if {
                    if !seen.contains(&cond.question.as_str()) {
                        out.push((
                            q.key.clone(),
                            "조건은 앞에 나온 질문의 답으로만 걸 수 있습니다.".into(),
                        ));
                    }
                }
                if let Some(h) = &q.hard {
                    if q.kind != Kind::YesNo || !matches!(h.as_str(), "yes" | "no") {
                        out.push((
                            q.key.clone(),
                            "필수 자격은 예/아니요 질문에만 걸 수 있습니다.".into(),
                        ));
                    }
                }
                seen.push(&q.key);
            }
        }
        out
    }

    /// The hard eligibility statements the answers fail, with why (in form order).
    pub fn ineligible(&self, answers: &Answers) -> Vec<String> {
        self.sections
            .iter()
            .filter(|s| s.key == ELIGIBILITY)
            .flat_map(|s| s.questions.iter())
            .filter(|q| self.visible(q, answers))
            .filter_map(|q| {
                let want = q.hard.as_deref()?;
                let got = answers.get(&q.key)?.as_str()?;
                (got != want).then(|| {
                    if q.fail_message.is_empty() {
                        format!("‘{}’에 해당하지 않으면 신청할 수 없습니다.", q.label)
                    } else {
                        q.fail_message.clone()
                    }
                })
            })
            .collect()
    }
}

/// Whole 원 from what people type: "1,500,000", "1500000원", "150만", "1억 5,000만 원".
pub fn parse_money(s: &str) -> Option<i64> {
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .collect();
    let t = t.trim_end_matches('원');
    if t.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut rest = t;
    for (unit, mult) in [("억", 100_000_000i64), ("만", 10_000)] {
        if let Some((head, tail)) = rest.split_once(unit) {
            let n: i64 = if head.is_empty() {
                1
            } else {
                head.parse().ok()?
            };
            total = total.checked_add(n.checked_mul(mult)?)?;
            rest = tail;
        }
    }
    if !rest.is_empty() {
        total = total.checked_add(rest.parse::<i64>().ok()?)?;
    }
    (total >= 0).then_some(total)
}

fn parse_number(s: &str) -> Option<i64> {
    s.trim().replace(',', "").parse().ok()
}

/// The answers a form post carries for `schema` (files are uploaded on their own and kept
/// from `previous`). Values are trimmed; empty ones are left out.
pub fn answers_from_form(schema: &FormSchema, form: &Form, previous: &Answers) -> Answers {
    let mut out = Answers::new();
    for q in schema.questions() {
        let field = q.field();
        let value = match q.kind {
            Kind::File => previous.get(&q.key).cloned(),
            Kind::MultipleChoice => {
                let v: Vec<Value> = form
                    .list(&field)
                    .into_iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .map(Value::String)
                    .collect();
                (!v.is_empty()).then_some(Value::Array(v))
            }
            Kind::Table => {
                let rows_max = q.max_rows.unwrap_or(MAX_TABLE_ROWS as u32) as usize;
                let mut rows = Vec::new();
                for r in 0..rows_max.min(MAX_TABLE_ROWS) {
                    let mut row = Map::new();
                    for c in &q.columns {
                        let v = form
                            .get(&format!("{field}.{r}.{}", c.key))
                            .trim()
                            .to_string();
                        if !v.is_empty() {
                            row.insert(c.key.clone(), Value::String(v));
                        }
                    }
                    if !row.is_empty() {
                        rows.push(Value::Object(row));
                    }
                }
                (!rows.is_empty()).then_some(Value::Array(rows))
            }
            _ => {
                let v = form.get(&field).trim().to_string();
                (!v.is_empty()).then_some(Value::String(v))
            }
        };
        if let Some(v) = value {
            out.insert(q.key.clone(), v);
        }
    }
    out
}

/// Check `answers` against `schema`. Returns the answers as kept (hidden questions dropped,
/// money and numbers normalized to digits) and the problems, at `q.{key}`, in form order.
/// `complete`: required questions must be answered (submission); a draft saved on the way
/// only has what is there checked.
pub fn check(schema: &FormSchema, answers: &Answers, complete: bool) -> (Answers, FieldErrors) {
    let mut errors = FieldErrors::new();
    let mut kept = Answers::new();
    for q in schema.questions() {
        if !schema.visible(q, answers) {
            continue;
        }
        let field = q.field();
        let Some(v) = answers.get(&q.key) else {
            if complete && q.required {
                errors.set(&field, format!("‘{}’에 답해 주세요.", q.label));
            }
            continue;
        };
        match check_one(q, v) {
            Ok(v) => {
                kept.insert(q.key.clone(), v);
            }
            Err(msg) => {
                // Keep what was typed so the form shows it again.
                kept.insert(q.key.clone(), v.clone());
                errors.set(&field, msg);
            }
        }
    }
    (kept, errors)
}

fn check_one(q: &Question, v: &Value) -> Result<Value, String> {
    let text = || v.as_str().unwrap_or_default().to_string();
    match q.kind {
        Kind::ShortText | Kind::LongText => {
            let s = text();
            let limit = q
                .max_chars
                .map(|n| n as usize)
                .unwrap_or(if q.kind == Kind::ShortText {
                    200
                } else {
                    MAX_TEXT_CHARS
                });
            let n = s.chars().count();
            if n > limit {
                return Err(format!("{limit}자 이내로 적어 주세요. (지금 {n}자)"));
            }
            Ok(Value::String(s))
        }
        Kind::Number | Kind::Money => {
            let s = text();
            let n = if q.kind == Kind::Money {
                parse_money(&s).ok_or("금액을 숫자로 적어 주세요. (예: 1,500,000 또는 150만)")?
            } else {
                parse_number(&s).ok_or("숫자로 적어 주세요.")?
            };
            let unit = if q.kind == Kind::Money { "원" } else { "" };
            if let Some(min) = q.min.filter(|m| n < *m) {
                return Err(format!("{min}{unit} 이상으로 적어 주세요."));
            }
            if let Some(max) = q.max.filter(|m| n > *m) {
                return Err(format!("{max}{unit} 이하로 적어 주세요."));
            }
            Ok(Value::String(n.to_string()))
        }
        Kind::Date => {
            let s = text();
            chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
                .map_err(|_| "날짜를 2026-03-01처럼 적어 주세요.".to_string())
        }
        Kind::SingleChoice => {
            let s = text();
            if q.options.contains(&s) {
                Ok(Value::String(s))
            } else {
                Err("보기 중에서 골라 주세요.".into())
            }
        }
        Kind::YesNo => match text().as_str() {
            "yes" | "no" => Ok(v.clone()),
            _ => Err("예 또는 아니요를 골라 주세요.".into()),
        },
        Kind::MultipleChoice => {
            let picked: Vec<String> = v
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            if picked.iter().any(|p| !q.options.contains(p)) {
                return Err("보기 중에서 골라 주세요.".into());
            }
            Ok(json!(picked))
        }
        Kind::File => {
            let ids: Vec<String> = v
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            let most = q.max_files.unwrap_or(5) as usize;
            if ids.len() > most {
                return Err(format!("파일은 {most}개까지 붙일 수 있습니다."));
            }
            Ok(json!(ids))
        }
        Kind::Table => {
            let rows = v.as_array().cloned().unwrap_or_default();
            let most = q.max_rows.map(|n| n as usize).unwrap_or(MAX_TABLE_ROWS);
            if rows.len() > most {
                return Err(format!("{most}줄까지 적을 수 있습니다."));
            }
            let mut kept = Vec::new();
            for (i, row) in rows.iter().enumerate() {
                let mut out = BTreeMap::new();
                for c in &q.columns {
                    let cell = row.get(&c.key).and_then(Value::as_str).unwrap_or("").trim();
                    if cell.is_empty() {
                        return Err(format!(
                            "{}번째 줄의 ‘{}’을(를) 채워 주세요.",
                            i + 1,
                            c.label
                        ));
                    }
                    let cell = match c.kind {
                        Kind::Money => parse_money(cell)
                            .ok_or(format!(
                                "{}번째 줄의 ‘{}’은(는) 금액으로 적어 주세요.",
                                i + 1,
                                c.label
                            ))?
                            .to_string(),
                        Kind::Number => parse_number(cell)
                            .ok_or(format!(
                                "{}번째 줄의 ‘{}’은(는) 숫자로 적어 주세요.",
                                i + 1,
                                c.label
                            ))?
                            .to_string(),
                        _ => cell.to_string(),
                    };
                    out.insert(c.key.clone(), cell);
                }
                kept.push(json!(out));
            }
            Ok(Value::Array(kept))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> FormSchema {
        let mut eligible = Question::new(
            "small",
            Kind::YesNo,
            "상시 근로자 5인 미만의 소상공인입니다",
        );
        eligible.required = true;
        eligible.hard = Some("yes".into());
        let mut plan = Question::new("plan", Kind::LongText, "사업 계획");
        plan.required = true;
        plan.max_chars = Some(20);
        let mut budget = Question::new("budget", Kind::Money, "신청 금액");
        budget.max = Some(5_000_000);
        let mut channel = Question::new("channel", Kind::SingleChoice, "판매 채널");
        channel.options = vec!["온라인".into(), "오프라인".into()];
        channel.required = true;
        let mut mall = Question::new("mall", Kind::ShortText, "입점한 쇼핑몰");
        mall.required = true;
        mall.show_if = Some(ShowIf {
            question: "channel".into(),
            equals: "온라인".into(),
        });
        let mut sales = Question::new("sales", Kind::Table, "연도별 매출");
        sales.columns = vec![
            Column {
                key: "year".into(),
                label: "연도".into(),
                kind: Kind::Number,
            },
            Column {
                key: "amount".into(),
                label: "매출".into(),
                kind: Kind::Money,
            },
        ];
        FormSchema {
            sections: vec![
                Section {
                    key: ELIGIBILITY.into(),
                    title: "자격 확인".into(),
                    intro: String::new(),
                    questions: vec![eligible],
                },
                Section {
                    key: "main".into(),
                    title: "사업 내용".into(),
                    intro: String::new(),
                    questions: vec![plan, budget, channel, mall, sales],
                },
            ],
        }
    }

    fn answers(v: Value) -> Answers {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn money_as_koreans_type_it() {
        assert_eq!(parse_money("1,500,000"), Some(1_500_000));
        assert_eq!(parse_money("1500000원"), Some(1_500_000));
        assert_eq!(parse_money("150만"), Some(1_500_000));
        assert_eq!(parse_money("1억 5,000만 원"), Some(150_000_000));
        assert_eq!(parse_money("삼백만"), None);
        assert_eq!(parse_money(""), None);
    }

    #[test]
    fn complete_answers_pass_and_are_normalized() {
        let s = schema();
        assert!(s.problems().is_empty(), "{:?}", s.problems());
        let a = answers(json!({
            "small": "yes", "plan": "온라인 판로 확대", "budget": "300만",
            "channel": "온라인", "mall": "스마트스토어",
            "sales": [{"year": "2025", "amount": "1억"}]
        }));
        let (kept, errors) = check(&s, &a, true);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(kept["budget"], "3000000");
        assert_eq!(kept["sales"][0]["amount"], "100000000");
        assert!(s.ineligible(&kept).is_empty());
    }

    #[test]
    fn wrong_answers_are_named_at_their_fields_and_kept() {
        let s = schema();
        let a = answers(json!({
            "small": "yes", "plan": "가".repeat(21), "budget": "600만",
            "channel": "온라인",
            "sales": [{"year": "2025"}]
        }));
        let (kept, errors) = check(&s, &a, true);
        assert!(errors.get("q.plan").unwrap().contains("20자 이내"));
        assert!(errors.get("q.budget").unwrap().contains("5000000원 이하"));
        assert!(errors.get("q.mall").unwrap().contains("답해 주세요"));
        assert!(errors.get("q.sales").unwrap().contains("매출"));
        assert_eq!(
            kept["plan"],
            "가".repeat(21),
            "what was typed is shown again"
        );
        // A draft saved on the way: the missing answer is not an error yet.
        let (_, draft) = check(&s, &answers(json!({"channel": "온라인"})), false);
        assert!(draft.is_empty());
    }

    #[test]
    fn a_hidden_question_is_neither_required_nor_kept() {
        let s = schema();
        let a = answers(json!({
            "small": "yes", "plan": "매장 개선", "channel": "오프라인", "mall": "남은 답"
        }));
        let (kept, errors) = check(&s, &a, true);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(!kept.contains_key("mall"));
    }

    #[test]
    fn a_failed_hard_criterion_says_why() {
        let s = schema();
        let why = s.ineligible(&answers(json!({"small": "no"})));
        assert_eq!(why.len(), 1);
        assert!(why[0].contains("상시 근로자 5인 미만"));
    }

    #[test]
    fn builder_mistakes_are_named() {
        let mut s = schema();
        s.sections[1].questions[3].show_if = Some(ShowIf {
            question: "later".into(),
            equals: "x".into(),
        });
        s.sections[1].questions[2].options.truncate(1);
        s.sections[1]
            .questions
            .push(Question::new("plan", Kind::ShortText, ""));
        let p = s.problems();
        let keys: Vec<&str> = p.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["channel", "mall", "plan", "plan"]);
    }

    #[test]
    fn the_schema_round_trips_as_json() {
        let s = schema();
        assert_eq!(FormSchema::from_json(&s.to_json()), Some(s));
    }
}
