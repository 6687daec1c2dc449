//! The agency builds the form (issue 12 items 1 and 2): how a program takes applications,
//! the version of its form being edited, the question bank, publishing a version. Every
//! function that writes owns its transaction; web handlers call these.
//!
//! A change to the form is made to the version being edited (created from the last
//! published version, or a starter form whose eligibility section is drafted from the
//! announcement's structured eligibility) and saved only when the whole schema passes
//! [`FormSchema::problems`]; otherwise nothing is saved and the problems come back at the
//! editor's fields. Publishing makes that version the one new drafts use; a published
//! version never changes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::form::{Column, FormSchema, Kind, Question, Section, ShowIf, ELIGIBILITY};
use super::model::{Application, ApplyMode, FormVersion, Settings};
use super::store;
use crate::announcements::model::Announcement;
use crate::db::schema::{application_forms, question_bank};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::ids::new_id;
use crate::web::form::{FieldErrors, Form};

// --- how to apply -------------------------------------------------------------------

/// Longest 보완 answer time an agency may set, in days.
pub const MAX_SUPPLEMENT_DAYS: i32 = 90;

/// Save how the program takes applications (the caller has checked it is the agency's).
pub fn save_settings(
    conn: &mut DbConnection,
    announcement_id: &str,
    form: &Form,
    now: NaiveDateTime,
) -> AppResult<Result<Settings, FieldErrors>> {
    let mut errors = FieldErrors::new();
    let mode = match form.get("mode") {
        "portal" => ApplyMode::Portal,
        "external" => ApplyMode::External,
        _ => {
            errors.set("mode", "신청 방법을 골라 주세요.");
            ApplyMode::External
        }
    };
    let days = match form.get("supplement_days").trim().parse::<i32>() {
        Ok(d) if (1..=MAX_SUPPLEMENT_DAYS).contains(&d) => d,
        _ => {
            errors.set(
                "supplement_days",
                format!("보완 기한은 1일에서 {MAX_SUPPLEMENT_DAYS}일 사이로 적어 주세요."),
            );
            7
        }
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let s = Settings {
        announcement_id: announcement_id.into(),
        mode: mode.as_str().into(),
        supplement_days: days,
        show_count: form.get("show_count") == "yes",
        updated_at: now,
    };
    crate::db::write_transaction(conn, |conn| store::save_settings(conn, &s))?;
    Ok(Ok(s))
}

/// What the console's manage page shows of the settings (the `AppState::apply` hook).
pub fn settings_view(
    conn: &mut DbConnection,
    announcement_id: &str,
) -> AppResult<serde_json::Value> {
    let s = store::settings(conn, announcement_id)?;
    let published = store::published_form(conn, announcement_id)?;
    Ok(serde_json::json!({
        "mode": s.as_ref().map(|s| s.mode().as_str()).unwrap_or("external"),
        "supplement_days": s.as_ref().map(|s| s.supplement_days).unwrap_or(7),
        "show_count": s.as_ref().is_some_and(|s| s.show_count),
        "published_version": published.map(|f| f.version),
    }))
}

/// Does the program take applications on this portal with a published form? (The public
/// page adds "이 포털에서 신청하기" when this is true and the window is open.)
pub fn portal_ready(conn: &mut DbConnection, announcement_id: &str) -> AppResult<bool> {
    Ok(store::takes_portal_applications(conn, announcement_id)?
        && store::published_form(conn, announcement_id)?.is_some())
}

// --- the version being edited -------------------------------------------------------

/// The starter form: an eligibility section drafted from the announcement's structured
/// eligibility (yes/no statements the owner must answer "예"), and an empty section for
/// the program's own questions. The common applicant section is the owner side's.
pub fn starter(a: &Announcement) -> FormSchema {
    let e = a.eligibility();
    let mut qs: Vec<Question> = Vec::new();
    let yes = |key: &str, label: String| {
        let mut q = Question::new(key, Kind::YesNo, &label);
        q.required = true;
        q.hard = Some("yes".into());
        q
    };
    if let Some(n) = e.employees_max {
        qs.push(yes(
            "elig_employees_max",
            format!("상시 근로자 {n}명 이하입니다"),
        ));
    }
    if let Some(n) = e.employees_min {
        qs.push(yes(
            "elig_employees_min",
            format!("상시 근로자 {n}명 이상입니다"),
        ));
    }
    if let Some(n) = e.business_age_max_years {
        qs.push(yes("elig_age_max", format!("창업한 지 {n}년 이내입니다")));
    }
    if let Some(n) = e.business_age_min_years {
        qs.push(yes(
            "elig_age_min",
            format!("창업한 지 {n}년 이상 되었습니다"),
        ));
    }
    if let Some(w) = e.revenue_max_won {
        qs.push(yes(
            "elig_revenue_max",
            format!(
                "최근 연 매출이 {} 이하입니다",
                crate::announcements::model::format_won(w)
            ),
        ));
    }
    if e.sole_proprietor == Some(true) {
        qs.push(yes("elig_sole", "개인사업자입니다".into()));
    }
    if e.preliminary_founders == Some(true) {
        qs.push(yes("elig_founder", "예비창업자 또는 창업기업입니다".into()));
    }
    if qs.is_empty() {
        qs.push(yes(
            "elig_notice",
            "공고의 신청 자격을 읽었고 이에 해당합니다".into(),
        ));
    }
    FormSchema {
        sections: vec![
            Section {
                key: ELIGIBILITY.into(),
                title: "자격 확인".into(),
                intro: "아래에 해당하지 않으면 신청할 수 없습니다.".into(),
                questions: qs,
            },
            Section {
                key: "program".into(),
                title: "사업 내용".into(),
                intro: String::new(),
                questions: Vec::new(),
            },
        ],
    }
}

/// The version being edited, created (from the last published one, or the starter form)
/// when there is none. Called inside the caller's transaction.
fn editing_in(
    conn: &mut DbConnection,
    a: &Announcement,
    by: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<FormVersion> {
    if let Some(d) = store::draft_form(conn, &a.id)? {
        return Ok(d);
    }
    let schema = match store::published_form(conn, &a.id)? {
        Some(p) => p.schema(),
        None => starter(a),
    };
    store::save_draft_form(conn, &a.id, &schema, by, now)
}

/// The version being edited (see [`editing_in`]), in its own transaction.
pub fn editing(
    conn: &mut DbConnection,
    a: &Announcement,
    by: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<FormVersion> {
    crate::db::write_transaction(conn, |conn| editing_in(conn, a, by, now))
}

/// Change the version being edited with `change`; saved only when the whole schema has
/// no [`FormSchema::problems`]. A refused change comes back as field errors (the
/// problems of question `focus` at the editor's fields, others under `form`).
pub fn change_draft(
    conn: &mut DbConnection,
    a: &Announcement,
    by: Option<&str>,
    now: NaiveDateTime,
    focus: Option<&str>,
    change: impl FnOnce(&mut FormSchema) -> Result<(), FieldErrors>,
) -> AppResult<Result<FormVersion, FieldErrors>> {
    crate::db::write_transaction(conn, |conn| {
        let d = editing_in(conn, a, by, now)?;
        let mut schema = d.schema();
        if let Err(e) = change(&mut schema) {
            return Ok(Err(e));
        }
        let errors = problem_fields(&schema, focus);
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        Ok(Ok(store::save_draft_form(conn, &a.id, &schema, by, now)?))
    })
}

/// [`FormSchema::problems`] as the editor's fields: those of question `focus` at the
/// field the message is about, the rest under `form`.
pub fn problem_fields(schema: &FormSchema, focus: Option<&str>) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for (key, message) in schema.problems() {
        let field = if Some(key.as_str()) == focus {
            if message.contains("키") {
                "key"
            } else if message.contains("보기") {
                "options"
            } else if message.contains("열을") {
                "columns"
            } else if message.contains("조건") {
                "show_if_question"
            } else if message.contains("자격") {
                "hard"
            } else if message.contains("문구") {
                "label"
            } else {
                "form"
            }
        } else {
            "form"
        };
        let message = if field == "form" {
            format!("{key}: {message}")
        } else {
            message
        };
        errors.add(field, message);
    }
    errors
}

/// Publish the version being edited: it becomes version N (the one new drafts use) and
/// never changes again. Refused when there is nothing to publish or it has problems.
pub fn publish(
    conn: &mut DbConnection,
    a: &Announcement,
    now: NaiveDateTime,
) -> AppResult<FormVersion> {
    crate::db::write_transaction(conn, |conn| {
        let Some(d) = store::draft_form(conn, &a.id)? else {
            return Err(AppError::BadRequest(
                "게시할 새 버전이 없습니다. 먼저 질문을 고쳐 주세요.".into(),
            ));
        };
        let schema = d.schema();
        if !schema.problems().is_empty() {
            return Err(AppError::BadRequest(
                "고칠 곳이 남아 있어 게시하지 않았습니다.".into(),
            ));
        }
        if store::published_form(conn, &a.id)?.is_some_and(|p| p.schema() == schema) {
            return Err(AppError::BadRequest(
                "바뀐 내용이 없어 게시하지 않았습니다.".into(),
            ));
        }
        if schema.questions().next().is_none() {
            return Err(AppError::BadRequest(
                "질문이 하나도 없어 게시하지 않았습니다.".into(),
            ));
        }
        store::publish_draft_form(conn, &a.id, now)?.ok_or(AppError::NotFound)
    })
}

/// Every version of the program's form, newest first.
pub fn versions(conn: &mut DbConnection, announcement_id: &str) -> AppResult<Vec<FormVersion>> {
    Ok(application_forms::table
        .filter(application_forms::announcement_id.eq(announcement_id))
        .order(application_forms::version.desc())
        .select(FormVersion::as_select())
        .load(conn)?)
}

/// The form an owner's draft is answered on, after the agency published a newer version.
///
/// The rule: a draft stays on its version while every question of that version is still
/// in the newest published one with the same key and kind (nothing it answers was taken
/// away or changed in type) — the owner is not disturbed. Otherwise it moves to the
/// newest version, keeping answers by key (the owner side shows a notice when `form_id`
/// changes and [`super::form::check`] drops answers to questions no longer there). A
/// submitted application keeps its version for good.
pub fn form_for_draft(conn: &mut DbConnection, app: &Application) -> AppResult<FormVersion> {
    let own = store::form_by_id(conn, &app.form_id)?.ok_or(AppError::NotFound)?;
    if app.status() != super::model::AppStatus::Draft {
        return Ok(own);
    }
    let Some(newest) = store::published_form(conn, &app.announcement_id)? else {
        return Ok(own);
    };
    if newest.id == own.id {
        return Ok(own);
    }
    let (old, new) = (own.schema(), newest.schema());
    let subset = old.questions().all(|q| {
        new.question(&q.key)
            .is_some_and(|n| n.kind == q.kind && n.options == q.options)
    });
    Ok(if subset { own } else { newest })
}

// --- editing questions --------------------------------------------------------------

/// A question as the editor's form posts it (`key`, `kind`, `label`, `help`, `required`,
/// `max_chars`, `min`, `max`, `options` one per line, `columns` one per line as
/// `key|label|kind`, `show_if_question` + `show_if_value`, `hard`, `fail_message`).
pub fn question_from_form(form: &Form) -> Result<Question, FieldErrors> {
    let mut errors = FieldErrors::new();
    let kind = Kind::parse(form.get("kind"));
    if kind.is_none() {
        errors.set("kind", "질문 종류를 골라 주세요.");
    }
    let mut q = Question::new(
        form.get("key").trim(),
        kind.unwrap_or(Kind::ShortText),
        form.get("label").trim(),
    );
    q.help = form.get("help").trim().into();
    q.required = form.get("required") == "yes";
    let number = |field: &str, errors: &mut FieldErrors| -> Option<i64> {
        let t = form.get(field).trim().replace(',', "");
        if t.is_empty() {
            return None;
        }
        match t.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.set(field, "숫자로 적어 주세요.");
                None
            }
        }
    };
    q.max_chars = number("max_chars", &mut errors).and_then(|n| {
        if n <= 0 || n > super::form::MAX_TEXT_CHARS as i64 {
            errors.set(
                "max_chars",
                format!(
                    "글자 수는 1에서 {}까지 적어 주세요.",
                    super::form::MAX_TEXT_CHARS
                ),
            );
            None
        } else {
            Some(n as u32)
        }
    });
    q.min = number("min", &mut errors);
    q.max = number("max", &mut errors);
    if let (Some(lo), Some(hi)) = (q.min, q.max) {
        if lo > hi {
            errors.set("max", "최댓값이 최솟값보다 작습니다.");
        }
    }
    q.options = lines(form.get("options"));
    let mut columns = Vec::new();
    for (i, line) in lines(form.get("columns")).iter().enumerate() {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let col_kind = parts.get(2).map(|k| Kind::parse(k));
        match (parts.first(), parts.get(1), col_kind) {
            (Some(k), Some(l), None | Some(Some(Kind::ShortText | Kind::Number | Kind::Money)))
                if !k.is_empty() && !l.is_empty() =>
            {
                columns.push(Column {
                    key: (*k).into(),
                    label: (*l).into(),
                    kind: col_kind.flatten().unwrap_or(Kind::ShortText),
                })
            }
            _ => errors.add(
                "columns",
                format!(
                    "{}번째 줄을 ‘키|이름|종류’로 적어 주세요. (종류: short_text, number, money)",
                    i + 1
                ),
            ),
        }
    }
    q.columns = columns;
    let cond = form.get("show_if_question").trim();
    if !cond.is_empty() {
        let value = form.get("show_if_value").trim();
        if value.is_empty() {
            errors.set("show_if_value", "조건이 되는 답을 적어 주세요.");
        }
        q.show_if = Some(ShowIf {
            question: cond.into(),
            equals: value.into(),
        });
    }
    q.hard = match form.get("hard") {
        "yes" | "no" => Some(form.get("hard").into()),
        _ => None,
    };
    q.fail_message = form.get("fail_message").trim().into();
    // Only what the kind uses is kept.
    if !matches!(q.kind, Kind::ShortText | Kind::LongText) {
        q.max_chars = None;
    }
    if !matches!(q.kind, Kind::Number | Kind::Money) {
        (q.min, q.max) = (None, None);
    }
    if !matches!(q.kind, Kind::SingleChoice | Kind::MultipleChoice) {
        q.options.clear();
    }
    if q.kind != Kind::Table {
        q.columns.clear();
    }
    if errors.is_empty() {
        Ok(q)
    } else {
        Err(errors)
    }
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// The editor's form values of a question (what [`question_from_form`] reads).
pub fn question_to_form(q: &Question) -> serde_json::Value {
    serde_json::json!({
        "key": q.key, "kind": q.kind.as_str(), "label": q.label, "help": q.help,
        "required": q.required,
        "max_chars": q.max_chars.map(|n| n.to_string()).unwrap_or_default(),
        "min": q.min.map(|n| n.to_string()).unwrap_or_default(),
        "max": q.max.map(|n| n.to_string()).unwrap_or_default(),
        "options": q.options.join("\n"),
        "columns": q.columns.iter().map(|c| format!("{}|{}|{}", c.key, c.label, c.kind.as_str())).collect::<Vec<_>>().join("\n"),
        "show_if_question": q.show_if.as_ref().map(|s| s.question.clone()).unwrap_or_default(),
        "show_if_value": q.show_if.as_ref().map(|s| s.equals.clone()).unwrap_or_default(),
        "hard": q.hard.clone().unwrap_or_default(),
        "fail_message": q.fail_message,
        "bank_key": q.bank_key,
    })
}

/// Put `q` into section `section`: in place of `original` when editing, at the end when
/// adding.
pub fn put_question(
    schema: &mut FormSchema,
    section: &str,
    original: Option<&str>,
    mut q: Question,
) -> Result<(), FieldErrors> {
    if let Some(orig) = original {
        for s in &mut schema.sections {
            if let Some(slot) = s.questions.iter_mut().find(|x| x.key == orig) {
                q.bank_key = slot.bank_key.clone();
                *slot = q;
                return Ok(());
            }
        }
        return Err(FieldErrors::one(
            "form",
            "고치려던 질문이 없습니다. 다른 사람이 지웠을 수 있습니다.",
        ));
    }
    let Some(s) = schema.sections.iter_mut().find(|s| s.key == section) else {
        return Err(FieldErrors::one("section", "항목을 골라 주세요."));
    };
    s.questions.push(q);
    Ok(())
}

pub fn add_section(schema: &mut FormSchema, title: &str) -> Result<(), FieldErrors> {
    let title = title.trim();
    if title.is_empty() {
        return Err(FieldErrors::one("title", "항목 이름을 적어 주세요."));
    }
    if title.chars().count() > 100 {
        return Err(FieldErrors::one(
            "title",
            "항목 이름은 100자 이내로 적어 주세요.",
        ));
    }
    let mut n = schema.sections.len() + 1;
    while schema.sections.iter().any(|s| s.key == format!("s{n}")) {
        n += 1;
    }
    schema.sections.push(Section {
        key: format!("s{n}"),
        title: title.into(),
        intro: String::new(),
        questions: Vec::new(),
    });
    Ok(())
}

pub fn delete_question(schema: &mut FormSchema, key: &str) -> Result<(), FieldErrors> {
    for s in &mut schema.sections {
        if let Some(i) = s.questions.iter().position(|q| q.key == key) {
            s.questions.remove(i);
            return Ok(());
        }
    }
    Err(FieldErrors::one("form", "그 질문이 없습니다."))
}

/// Move a question up or down within its section.
pub fn move_question(schema: &mut FormSchema, key: &str, up: bool) -> Result<(), FieldErrors> {
    for s in &mut schema.sections {
        if let Some(i) = s.questions.iter().position(|q| q.key == key) {
            let j = if up {
                i.checked_sub(1)
            } else {
                Some(i + 1).filter(|j| *j < s.questions.len())
            };
            if let Some(j) = j {
                s.questions.swap(i, j);
            }
            return Ok(());
        }
    }
    Err(FieldErrors::one("form", "그 질문이 없습니다."))
}

// --- the question bank --------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = question_bank)]
pub struct BankQuestion {
    pub id: String,
    pub agency_id: Option<String>,
    pub bank_key: String,
    pub question_json: String,
    pub created_at: NaiveDateTime,
}

impl BankQuestion {
    pub fn question(&self) -> Option<Question> {
        serde_json::from_str(&self.question_json).ok()
    }
}

/// The agency's bank questions and the portal's (agency_id NULL), the agency's first.
pub fn bank_for(conn: &mut DbConnection, agency_id: &str) -> AppResult<Vec<BankQuestion>> {
    let mut rows: Vec<BankQuestion> = question_bank::table
        .filter(
            question_bank::agency_id
                .eq(agency_id)
                .or(question_bank::agency_id.is_null()),
        )
        .order(question_bank::bank_key.asc())
        .select(BankQuestion::as_select())
        .load(conn)?;
    rows.sort_by_key(|b| b.agency_id.is_none());
    Ok(rows)
}

/// Save question `key` of the version being edited to the agency's bank (its bank key is
/// the question's key; saving again replaces it), and mark the question as that bank
/// question.
pub fn save_to_bank(
    conn: &mut DbConnection,
    a: &Announcement,
    agency_id: &str,
    key: &str,
    by: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<Result<(), FieldErrors>> {
    crate::db::write_transaction(conn, |conn| {
        let d = editing_in(conn, a, by, now)?;
        let mut schema = d.schema();
        let Some(q) = schema
            .sections
            .iter_mut()
            .flat_map(|s| s.questions.iter_mut())
            .find(|q| q.key == key)
        else {
            return Ok(Err(FieldErrors::one("form", "그 질문이 없습니다.")));
        };
        q.bank_key = Some(q.key.clone());
        let mut stored = q.clone();
        // A condition names a question of this form only.
        stored.show_if = None;
        let json = serde_json::to_string(&stored).map_err(|e| AppError::Internal(e.to_string()))?;
        let existing: Option<String> = question_bank::table
            .filter(question_bank::agency_id.eq(agency_id))
            .filter(question_bank::bank_key.eq(key))
            .select(question_bank::id)
            .first(conn)
            .optional()?;
        match existing {
            Some(id) => {
                diesel::update(question_bank::table.find(id))
                    .set(question_bank::question_json.eq(&json))
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(question_bank::table)
                    .values(&BankQuestion {
                        id: new_id(),
                        agency_id: Some(agency_id.into()),
                        bank_key: key.into(),
                        question_json: json,
                        created_at: now,
                    })
                    .execute(conn)?;
            }
        }
        store::save_draft_form(conn, &a.id, &schema, by, now)?;
        Ok(Ok(()))
    })
}

/// Add bank question `bank_id` (the agency's or the portal's) to section `section` of the
/// version being edited.
pub fn add_from_bank(
    conn: &mut DbConnection,
    a: &Announcement,
    agency_id: &str,
    bank_id: &str,
    section: &str,
    by: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<Result<FormVersion, FieldErrors>> {
    let row: Option<BankQuestion> = question_bank::table
        .find(bank_id)
        .select(BankQuestion::as_select())
        .first(conn)
        .optional()?;
    // Another agency's bank question is as good as absent.
    let Some(q) = row
        .filter(|b| b.agency_id.is_none() || b.agency_id.as_deref() == Some(agency_id))
        .and_then(|b| {
            b.question().map(|mut q| {
                q.bank_key = Some(b.bank_key.clone());
                q
            })
        })
    else {
        return Err(AppError::NotFound);
    };
    let key = q.key.clone();
    change_draft(conn, a, by, now, Some(&key), |schema| {
        if schema.question(&key).is_some() {
            return Err(FieldErrors::one(
                "form",
                format!("‘{}’ 질문은 이미 이 신청서에 있습니다.", q.label),
            ));
        }
        put_question(schema, section, None, q)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Form {
        Form::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            &[],
        )
    }

    #[test]
    fn the_editor_reads_a_table_question_and_names_bad_lines() {
        let q = question_from_form(&form(&[
            ("key", "sales"),
            ("kind", "table"),
            ("label", "연도별 매출"),
            ("columns", "year|연도|number\namount|매출|money\n"),
            ("options", "ignored"),
        ]))
        .unwrap();
        assert_eq!(q.columns.len(), 2);
        assert_eq!(q.columns[1].kind, Kind::Money);
        assert!(q.options.is_empty(), "only what the kind uses is kept");
        let e = question_from_form(&form(&[
            ("key", "sales"),
            ("kind", "table"),
            ("label", "매출"),
            ("columns", "year"),
            ("max_chars", "many"),
        ]))
        .unwrap_err();
        assert!(e.get("columns").unwrap().contains("1번째 줄"));
        assert!(e.get("max_chars").is_some());
    }

    #[test]
    fn problems_of_the_edited_question_land_at_its_fields() {
        let mut s = FormSchema::default();
        add_section(&mut s, "사업 내용").unwrap();
        let sec = s.sections[0].key.clone();
        put_question(&mut s, &sec, None, Question::new("a", Kind::ShortText, "A")).unwrap();
        put_question(
            &mut s,
            &sec,
            None,
            Question::new("a", Kind::SingleChoice, "B"),
        )
        .unwrap();
        let e = problem_fields(&s, Some("a"));
        assert!(e.get("key").unwrap().contains("두 번"));
        assert!(e.get("options").unwrap().contains("보기"));
        move_question(&mut s, "a", false).unwrap();
        delete_question(&mut s, "a").unwrap();
        assert_eq!(s.sections[0].questions.len(), 1);
    }
}
