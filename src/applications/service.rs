//! What an owner does with an application, each one transaction: start (the business is
//! created from the profile the first time, its draft prefilled), save a step, submit
//! (receipt number, the event with the answers, the routing job — together), cancel,
//! and re-submit after a 보완 request. Web handlers parse, call one of these and render.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::form::{self, Answers, FormSchema};
use super::jobs::enqueue_route;
use super::model::{AppStatus, Application, Business, FormVersion};
use super::store;
use crate::announcements::model::{Announcement, Phase};
use crate::db::schema::{applications, business_members, businesses};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::ids::{new_id, random_token};
use crate::web::form::FieldErrors;

/// The consent texts an owner agrees to at submission, and their version (recorded in
/// the submission's event).
pub const CONSENT_VERSION: &str = "신청 동의 2026-12-06";
pub const PRIVACY_CONSENT: &str = "지원사업 신청·심사를 위해 상호, 사업자등록번호, 대표자, 연락처, 주소, 업종, 업력, 상시 근로자 수와 신청서에 적은 내용, 첨부한 파일을 수집·이용합니다. 보유 기간은 사업 종료 후 5년이며, 동의하지 않으면 신청할 수 없습니다.";
pub const THIRD_PARTY_CONSENT: &str = "신청서와 첨부 파일을 사업을 수행하는 기관(공고의 소관·수행 기관)에 제공합니다. 제공받는 기관은 신청·심사·선정 통보에만 이용하며, 동의하지 않으면 신청할 수 없습니다.";

/// The applicant section: the business's facts as they go with this application
/// (prefilled from the profile, editable for this application, kept as a snapshot).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub name: String,
    pub business_number: String,
    pub representative: String,
    pub phone: String,
    pub address: String,
    pub industry: String,
    pub founded_on: String,
    pub employees: String,
}

impl Applicant {
    pub fn from_json(s: &str) -> Applicant {
        serde_json::from_str(s).unwrap_or_default()
    }

    /// Take `earlier`'s 대표자 (the profile has none: the login's name may be a member's),
    /// and its value of each other field that is empty here or that it extends
    /// ("울산광역시 남구" → "울산광역시 남구 삼산로 12"). The business's name and number stay.
    pub fn fill_from(&mut self, earlier: &Applicant) {
        if !earlier.representative.trim().is_empty() {
            self.representative = earlier.representative.clone();
        }
        for (mine, theirs) in [
            (&mut self.phone, &earlier.phone),
            (&mut self.address, &earlier.address),
            (&mut self.industry, &earlier.industry),
            (&mut self.founded_on, &earlier.founded_on),
            (&mut self.employees, &earlier.employees),
        ] {
            if !theirs.trim().is_empty() && theirs.starts_with(mine.trim()) {
                *mine = theirs.clone();
            }
        }
    }

    /// The fields of the section, form name and Korean label, in order.
    pub const FIELDS: [(&'static str, &'static str); 8] = [
        ("name", "상호"),
        ("business_number", "사업자등록번호"),
        ("representative", "대표자"),
        ("phone", "연락처"),
        ("address", "주소"),
        ("industry", "업종"),
        ("founded_on", "개업일(업력)"),
        ("employees", "상시 근로자 수"),
    ];

    /// Read the editable fields from a form post (상호 and 사업자등록번호 are the
    /// business's and stay), and say what is wrong at `a.{field}`.
    pub fn edited(&self, get: impl Fn(&str) -> String) -> (Applicant, FieldErrors) {
        let mut a = self.clone();
        let mut errors = FieldErrors::new();
        let t = |k: &str| get(&format!("a.{k}")).trim().to_string();
        a.representative = t("representative");
        a.phone = t("phone");
        a.address = t("address");
        a.industry = t("industry");
        a.founded_on = t("founded_on");
        a.employees = t("employees");
        for (k, v) in [
            ("representative", &a.representative),
            ("phone", &a.phone),
            ("address", &a.address),
            ("industry", &a.industry),
            ("founded_on", &a.founded_on),
            ("employees", &a.employees),
        ] {
            if v.chars().count() > 200 {
                errors.add(&format!("a.{k}"), "200자 이내로 적어 주세요.");
            }
        }
        if a.representative.is_empty() {
            errors.add("a.representative", "대표자 이름을 적어 주세요.");
        }
        let digits = a.phone.chars().filter(|c| c.is_ascii_digit()).count();
        if a.phone.is_empty() {
            errors.add("a.phone", "연락처를 적어 주세요.");
        } else if !(8..=12).contains(&digits)
            || a.phone
                .chars()
                .any(|c| !(c.is_ascii_digit() || c == '-' || c == ' '))
        {
            errors.add(
                "a.phone",
                "연락처는 숫자와 -로 적어 주세요 (예: 010-1234-5678).",
            );
        }
        if !a.founded_on.is_empty()
            && chrono::NaiveDate::parse_from_str(&a.founded_on, "%Y-%m-%d").is_err()
        {
            errors.add("a.founded_on", "개업일은 2020-03-15처럼 적어 주세요.");
        }
        if !a.employees.is_empty() && a.employees.replace(',', "").parse::<u32>().is_err() {
            errors.add("a.employees", "상시 근로자 수는 숫자로 적어 주세요.");
        }
        (a, errors)
    }
}

/// Whether the program takes applications on the portal now, and why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gate {
    Open,
    /// Applications go to the announcement's own site.
    External,
    /// The agency has not published its form yet.
    NoForm,
    NotYet,
    Closed,
}

impl Gate {
    pub fn message(self) -> &'static str {
        match self {
            Gate::Open => "",
            Gate::External => "이 사업은 이 포털에서 신청받지 않습니다. 공고에 적힌 신청 방법(기관 누리집 등)으로 신청해 주세요.",
            Gate::NoForm => "기관이 아직 신청서를 준비하지 않았습니다. 접수가 시작되면 다시 찾아 주세요.",
            Gate::NotYet => "아직 접수 기간이 아닙니다. 공고의 신청 기간을 확인해 주세요.",
            Gate::Closed => "신청 기간이 끝났습니다. 마감 후에는 신청할 수 없습니다.",
        }
    }
}

/// Where the program stands for a new application at `now` (KST window), with its form.
pub fn gate(
    conn: &mut DbConnection,
    a: &Announcement,
    now: NaiveDateTime,
) -> AppResult<(Gate, Option<FormVersion>)> {
    if !store::takes_portal_applications(conn, &a.id)? {
        return Ok((Gate::External, None));
    }
    let Some(f) = store::published_form(conn, &a.id)? else {
        return Ok((Gate::NoForm, None));
    };
    let g = match a.phase(now) {
        Phase::Open => Gate::Open,
        Phase::Upcoming => Gate::NotYet,
        Phase::Closed | Phase::Hidden => Gate::Closed,
    };
    Ok((g, Some(f)))
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::Invalid {
        code: "application",
        message: message.into(),
    }
}

/// A public announcement, or 404.
pub fn public_announcement(conn: &mut DbConnection, id: &str) -> AppResult<Announcement> {
    crate::announcements::store::find(conn, id)?
        .filter(|a| a.is_public())
        .ok_or(AppError::NotFound)
}

/// The application `id` if `user_id` is a member of its business; 404 otherwise (an
/// application of another business is not there for the caller).
pub fn of_member(conn: &mut DbConnection, id: &str, user_id: &str) -> AppResult<Application> {
    let app = store::application(conn, id)?.ok_or(AppError::NotFound)?;
    if !store::is_member(conn, &app.business_id, user_id)? {
        return Err(AppError::NotFound);
    }
    Ok(app)
}

/// The business the owner applies for: theirs by the profile's 사업자등록번호, created
/// with them as representative the first time. Another person's business (same number,
/// not a member) is refused: the representative invites them.
pub fn business_for(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> AppResult<Business> {
    let p = crate::alerts::store::find_profile(conn, user_id)?.ok_or(AppError::Forbidden)?;
    let number = p
        .business_number
        .clone()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| {
            invalid("신청하려면 먼저 내 정보에 사업자등록번호를 적어 주세요 (/me/profile).")
        })?;
    if let Some(b) = store::business_by_number(conn, &number)? {
        if store::is_member(conn, &b.id, user_id)? {
            return Ok(b);
        }
        return Err(invalid(
            "이 사업자등록번호로는 다른 회원이 이미 신청하고 있습니다. 그 회원(대표자)에게 사업자 구성원으로 초대해 달라고 요청해 주세요.",
        ));
    }
    let b = Business {
        id: new_id(),
        business_number: number,
        name: if p.business_name.is_empty() {
            "(상호 미입력)".into()
        } else {
            p.business_name.clone()
        },
        created_by: user_id.into(),
        created_at: now,
    };
    diesel::insert_into(businesses::table)
        .values(&b)
        .execute(conn)?;
    diesel::insert_into(business_members::table)
        .values((
            business_members::business_id.eq(&b.id),
            business_members::user_id.eq(user_id),
            business_members::role.eq("representative"),
            business_members::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(b)
}

fn applicant_from_profile(
    conn: &mut DbConnection,
    user_id: &str,
    b: &Business,
) -> AppResult<Applicant> {
    let p = crate::alerts::store::find_profile(conn, user_id)?;
    let user = crate::accounts::store::find_user(conn, user_id)?;
    let mut a = Applicant {
        name: b.name.clone(),
        business_number: b.business_number.clone(),
        representative: user.map(|u| u.display_name).unwrap_or_default(),
        ..Applicant::default()
    };
    if let Some(p) = p {
        a.phone = p.phone.clone().unwrap_or_default();
        if let Some(code) = &p.region_code {
            a.address = crate::reference::find_region(conn, code)?
                .map(|r| r.name)
                .unwrap_or_default();
        }
        if let Some(code) = &p.ksic_code {
            a.industry = crate::reference::find_ksic(conn, code)?
                .map(|k| format!("{} ({})", k.name, k.code))
                .unwrap_or_default();
        }
        a.founded_on = p.founded_on.map(|d| d.to_string()).unwrap_or_default();
        a.employees = p.employees.map(|n| n.to_string()).unwrap_or_default();
    }
    // What the business wrote in its last application fills what the profile lacks (the
    // 대표자, the street after the profile's region): the profile is what the owner keeps
    // up to date, so where it has a value that is not a prefix of the earlier one, it wins.
    let last: Option<String> = applications::table
        .filter(applications::business_id.eq(&b.id))
        .filter(applications::submitted_at.is_not_null())
        .order(applications::submitted_at.desc())
        .select(applications::applicant_json)
        .first(conn)
        .optional()?;
    if let Some(last) = last.map(|j| Applicant::from_json(&j)) {
        a.fill_from(&last);
    }
    Ok(a)
}

/// Answers the business gave to the same bank questions in its earlier applications
/// (the newest first wins).
pub fn bank_prefill(
    conn: &mut DbConnection,
    business_id: &str,
    schema: &FormSchema,
) -> AppResult<Answers> {
    let mut out = Answers::new();
    let wanted: Vec<(&str, &str, form::Kind)> = schema
        .questions()
        .filter(|q| q.kind != form::Kind::File)
        .filter_map(|q| q.bank_key.as_deref().map(|b| (b, q.key.as_str(), q.kind)))
        .collect();
    if wanted.is_empty() {
        return Ok(out);
    }
    let earlier: Vec<Application> = applications::table
        .filter(applications::business_id.eq(business_id))
        .order(applications::updated_at.desc())
        .select(Application::as_select())
        .load(conn)?;
    for app in earlier {
        let Some(f) = store::form_by_id(conn, &app.form_id)? else {
            continue;
        };
        let their = f.schema();
        let answers = app.answers();
        for (bank, key, kind) in &wanted {
            if out.contains_key(*key) {
                continue;
            }
            if let Some(q) = their
                .questions()
                .find(|q| q.bank_key.as_deref() == Some(bank) && q.kind == *kind)
            {
                if let Some(v) = answers.get(&q.key) {
                    out.insert((*key).to_string(), v.clone());
                }
            }
        }
    }
    Ok(out)
}

/// The program's executing agency if the announcement names one, else its owner.
fn agency_of(a: &Announcement) -> AppResult<String> {
    a.exec_agency_id
        .clone()
        .or_else(|| a.owner_agency_id.clone())
        .ok_or_else(|| invalid("이 공고에는 신청을 받을 기관이 없습니다."))
}

/// Start (or find) the business's application to the program: the same row for a
/// second click, another device or another member.
pub fn start(
    conn: &mut DbConnection,
    user_id: &str,
    announcement_id: &str,
    now: NaiveDateTime,
) -> AppResult<Application> {
    let result = crate::db::write_transaction(conn, |conn| {
        let a = public_announcement(conn, announcement_id)?;
        let b = business_for(conn, user_id, now)?;
        if let Some(app) = store::application_of(conn, &a.id, &b.id)? {
            if app.status() == AppStatus::Cancelled {
                return reopen(conn, &a, app, user_id, now);
            }
            return Ok(app);
        }
        let (g, f) = gate(conn, &a, now)?;
        let Some(f) = f.filter(|_| g == Gate::Open) else {
            return Err(invalid(g.message()));
        };
        let applicant = applicant_from_profile(conn, user_id, &b)?;
        let prefill = bank_prefill(conn, &b.id, &f.schema())?;
        let app = Application {
            id: new_id(),
            announcement_id: a.id.clone(),
            business_id: b.id.clone(),
            form_id: f.id.clone(),
            agency_id: agency_of(&a)?,
            status: AppStatus::Draft.as_str().into(),
            receipt_no: None,
            applicant_json: serde_json::to_string(&applicant).unwrap_or_else(|_| "{}".into()),
            answers_json: Value::Object(prefill).to_string(),
            step: 0,
            supplement_note: String::new(),
            supplement_due: None,
            created_by: user_id.into(),
            submitted_by: None,
            submitted_at: None,
            decided_at: None,
            created_at: now,
            updated_at: now,
        };
        diesel::insert_into(applications::table)
            .values(&app)
            .execute(conn)?;
        store::add_event(conn, &app.id, Some(user_id), "created", None, "", None, now)?;
        Ok(app)
    });
    match result {
        // Two first clicks at once: the other one made the row.
        Err(AppError::Db(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ))) => crate::db::write_transaction(conn, |conn| {
            let b = business_for(conn, user_id, now)?;
            store::application_of(conn, announcement_id, &b.id)?.ok_or(AppError::NotFound)
        }),
        other => other,
    }
}

/// A business that cancelled may apply again while the window is open: the same row (one
/// per business and program) becomes a draft again with its answers and history kept; the
/// receipt number is kept too, so the agency sees one application, not two.
fn reopen(
    conn: &mut DbConnection,
    a: &Announcement,
    app: Application,
    user_id: &str,
    now: NaiveDateTime,
) -> AppResult<Application> {
    let (g, f) = gate(conn, a, now)?;
    if f.is_none() || g != Gate::Open {
        return Err(invalid(g.message()));
    }
    diesel::update(
        applications::table
            .find(&app.id)
            .filter(applications::status.eq(AppStatus::Cancelled.as_str())),
    )
    .set((
        applications::status.eq(AppStatus::Draft.as_str()),
        applications::step.eq(0),
        applications::updated_at.eq(now),
    ))
    .execute(conn)?;
    store::add_event(
        conn,
        &app.id,
        Some(user_id),
        "reopened",
        Some(AppStatus::Draft.as_str()),
        "",
        None,
        now,
    )?;
    store::application(conn, &app.id)?.ok_or(AppError::NotFound)
}

/// May the business still change the answers? (a draft, or a 보완 request)
pub fn editable(app: &Application) -> bool {
    matches!(app.status(), AppStatus::Draft | AppStatus::Supplement)
}

/// What a save or submission found wrong, with the answers as kept.
pub struct Problems {
    pub errors: FieldErrors,
    /// Hard eligibility failed: why (the owner stops here).
    pub ineligible: Vec<String>,
}

/// Save the applicant section and answers of a draft (or a 보완 answer): what is valid is
/// kept, what is not comes back at its field. `eligibility_only`: only the eligibility
/// section was posted (the first step), the rest stays as it was.
pub fn save(
    conn: &mut DbConnection,
    user_id: &str,
    id: &str,
    applicant: Option<&Applicant>,
    answers: &Answers,
    step: i32,
    now: NaiveDateTime,
) -> AppResult<Result<Application, Problems>> {
    crate::db::write_transaction(conn, |conn| {
        let app = of_member(conn, id, user_id)?;
        if !editable(&app) {
            return Err(invalid("이미 접수된 신청서는 고칠 수 없습니다."));
        }
        let f = store::form_by_id(conn, &app.form_id)?.ok_or(AppError::NotFound)?;
        let schema = f.schema();
        let (kept, errors) = form::check(&schema, answers, false);
        let ineligible = schema.ineligible(&kept);
        let mut set_applicant = app.applicant_json.clone();
        if let Some(a) = applicant {
            set_applicant = serde_json::to_string(a).unwrap_or(set_applicant);
        }
        let kept_json = Value::Object(kept).to_string();
        diesel::update(applications::table.find(&app.id))
            .set((
                applications::answers_json.eq(&kept_json),
                applications::applicant_json.eq(&set_applicant),
                applications::step.eq(step.max(app.step)),
                applications::updated_at.eq(now),
            ))
            .execute(conn)?;
        let saved = Application {
            answers_json: kept_json,
            applicant_json: set_applicant,
            step: step.max(app.step),
            updated_at: now,
            ..app
        };
        if errors.is_empty() && ineligible.is_empty() {
            Ok(Ok(saved))
        } else {
            Ok(Err(Problems { errors, ineligible }))
        }
    })
}

/// A receipt number: JW-YYYYMMDD (KST) and six random letters and digits.
fn receipt_no(now: NaiveDateTime) -> String {
    format!(
        "JW-{}-{}",
        crate::clock::kst_today(now).format("%Y%m%d"),
        random_token(6).to_uppercase()
    )
}

/// Submit a draft, or re-submit after a 보완 request: the full check, the consents, the
/// deadline, then status, receipt, the event with the answers as submitted and the
/// routing job — in one transaction. A second submit of the same draft (double click,
/// second device) changes nothing and says so.
pub fn submit(
    conn: &mut DbConnection,
    user_id: &str,
    id: &str,
    consented: bool,
    now: NaiveDateTime,
) -> AppResult<Result<Application, Problems>> {
    crate::db::write_transaction(conn, |conn| {
        let app = of_member(conn, id, user_id)?;
        let resubmit = match app.status() {
            AppStatus::Draft => false,
            AppStatus::Supplement => true,
            AppStatus::Cancelled => return Err(invalid("취소한 신청서는 제출할 수 없습니다.")),
            _ => {
                return Err(AppError::Conflict(format!(
                    "이 사업자는 이미 이 사업에 신청했습니다 (접수번호 {}).",
                    app.receipt_no.clone().unwrap_or_default()
                )))
            }
        };
        let a = public_announcement(conn, &app.announcement_id)?;
        if resubmit {
            if app.supplement_due.is_some_and(|due| now > due) {
                return Err(invalid(
                    "보완 제출 기한이 지났습니다. 담당 기관에 문의해 주세요.",
                ));
            }
        } else if a.phase(now) != Phase::Open {
            return Err(invalid(
                "신청 기간이 끝나 제출할 수 없습니다. 마감 후에는 신청할 수 없습니다.",
            ));
        }
        let f = store::form_by_id(conn, &app.form_id)?.ok_or(AppError::NotFound)?;
        let schema = f.schema();
        let (kept, mut errors) = form::check(&schema, &app.answers(), true);
        let ineligible = schema.ineligible(&kept);
        let applicant = Applicant::from_json(&app.applicant_json);
        let (_, applicant_errors) = applicant.edited(|k| {
            let k = k.trim_start_matches("a.");
            serde_json::to_value(&applicant)
                .ok()
                .and_then(|v| v.get(k).and_then(Value::as_str).map(String::from))
                .unwrap_or_default()
        });
        for (f, m) in applicant_errors.iter() {
            errors.add(f, m);
        }
        if !consented && !resubmit {
            errors.add(
                "consent",
                "개인정보 수집·이용과 제3자 제공에 모두 동의해야 신청할 수 있습니다.",
            );
        }
        if !errors.is_empty() || !ineligible.is_empty() {
            return Ok(Err(Problems { errors, ineligible }));
        }
        let (kind, status_from) = if resubmit {
            ("resubmitted", AppStatus::Supplement)
        } else {
            ("submitted", AppStatus::Draft)
        };
        let receipt = app.receipt_no.clone().unwrap_or_else(|| receipt_no(now));
        let answers_json = Value::Object(kept).to_string();
        // Only from the state read: a concurrent submit of the same draft finds nothing
        // to change.
        let changed = diesel::update(
            applications::table
                .find(&app.id)
                .filter(applications::status.eq(status_from.as_str())),
        )
        .set((
            applications::status.eq(AppStatus::Submitted.as_str()),
            applications::receipt_no.eq(Some(&receipt)),
            applications::answers_json.eq(&answers_json),
            applications::submitted_by.eq(Some(user_id)),
            applications::submitted_at.eq(Some(now)),
            applications::updated_at.eq(now),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Err(AppError::Conflict(
                "이 신청서는 이미 제출되었습니다.".into(),
            ));
        }
        let note = if resubmit {
            "보완 제출".to_string()
        } else {
            format!("동의: 개인정보 수집·이용, 제3자 제공 ({CONSENT_VERSION})")
        };
        store::add_event(
            conn,
            &app.id,
            Some(user_id),
            kind,
            Some(AppStatus::Submitted.as_str()),
            &note,
            Some(&serde_json::json!({"applicant": applicant, "answers": serde_json::from_str::<Value>(&answers_json).unwrap_or_default()}).to_string()),
            now,
        )?;
        enqueue_route(conn, &app.id, kind, now)?;
        Ok(Ok(Application {
            status: AppStatus::Submitted.as_str().into(),
            receipt_no: Some(receipt),
            answers_json,
            submitted_by: Some(user_id.into()),
            submitted_at: Some(now),
            updated_at: now,
            ..app
        }))
    })
}

/// Cancel (취소) before review starts.
pub fn cancel(
    conn: &mut DbConnection,
    user_id: &str,
    id: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let app = of_member(conn, id, user_id)?;
        if !app.status().applicant_may_cancel() {
            return Err(invalid(
                "검토가 시작된 신청은 취소할 수 없습니다. 담당 기관에 문의해 주세요.",
            ));
        }
        let changed = diesel::update(
            applications::table
                .find(&app.id)
                .filter(applications::status.eq(&app.status)),
        )
        .set((
            applications::status.eq(AppStatus::Cancelled.as_str()),
            applications::updated_at.eq(now),
        ))
        .execute(conn)?;
        if changed == 1 {
            store::add_event(
                conn,
                &app.id,
                Some(user_id),
                "cancelled",
                Some(AppStatus::Cancelled.as_str()),
                "신청인이 취소",
                None,
                now,
            )?;
        }
        Ok(())
    })
}

/// One line of the applicant's dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardItem {
    pub id: String,
    pub announcement_id: String,
    pub program: String,
    pub agency: String,
    pub business: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub receipt_no: Option<String>,
    pub next_action: String,
    pub deadline: Option<String>,
    pub may_cancel: bool,
    pub updated: String,
}

/// "12월 20일" (KST) of a UTC time.
pub fn kst_day(t: NaiveDateTime) -> String {
    crate::clock::to_kst(t).format("%-m월 %-d일").to_string()
}

pub fn kst_minute(t: NaiveDateTime) -> String {
    crate::clock::to_kst(t)
        .format("%Y년 %-m월 %-d일 %H:%M")
        .to_string()
}

/// What the applicant does next, in words.
pub fn next_action(app: &Application, a: Option<&Announcement>) -> String {
    match app.status() {
        AppStatus::Draft => match a.and_then(|a| a.apply_end) {
            Some(end) => format!("작성 이어하기 ({}까지 제출)", kst_day(end)),
            None => "작성 이어하기".into(),
        },
        AppStatus::Supplement => match app.supplement_due {
            Some(due) => format!("보완 제출 ({}까지)", kst_day(due)),
            None => "보완 제출".into(),
        },
        AppStatus::Submitted => "기관 검토를 기다리는 중".into(),
        AppStatus::Reviewing => "기관이 검토하는 중".into(),
        AppStatus::Selected | AppStatus::Rejected => "결과 확인".into(),
        AppStatus::Cancelled => "없음".into(),
    }
}

/// Every application of the businesses `user_id` belongs to, newest first.
pub fn dashboard(conn: &mut DbConnection, user_id: &str) -> AppResult<Vec<DashboardItem>> {
    let mine: Vec<(Application, String)> = applications::table
        .inner_join(businesses::table)
        .inner_join(
            business_members::table.on(business_members::business_id.eq(applications::business_id)),
        )
        .filter(business_members::user_id.eq(user_id))
        .order(applications::updated_at.desc())
        .select((Application::as_select(), businesses::name))
        .load(conn)?;
    let mut out = Vec::new();
    for (app, business) in mine {
        let a = crate::announcements::store::find(conn, &app.announcement_id)?;
        let agency = crate::accounts::store::find_agency(conn, &app.agency_id)?
            .map(|g| g.name)
            .unwrap_or_default();
        let deadline = match app.status() {
            AppStatus::Supplement => app.supplement_due.map(kst_day),
            AppStatus::Draft => a.as_ref().and_then(|a| a.apply_end).map(kst_day),
            _ => None,
        };
        out.push(DashboardItem {
            id: app.id.clone(),
            announcement_id: app.announcement_id.clone(),
            program: a.as_ref().map(|a| a.title.clone()).unwrap_or_default(),
            agency,
            business,
            status: app.status().as_str(),
            status_label: app.status().label(),
            receipt_no: app.receipt_no.clone(),
            next_action: next_action(&app, a.as_ref()),
            deadline,
            may_cancel: app.status().applicant_may_cancel(),
            updated: kst_minute(app.updated_at),
        });
    }
    Ok(out)
}

/// The 보완 due date a reviewer's request gets when they name none.
pub fn default_supplement_due(days: i32, now: NaiveDateTime) -> NaiveDateTime {
    now + Duration::days(days.max(1) as i64)
}

/// Most files a file question takes when it says nothing.
pub const DEFAULT_MAX_FILES: usize = 5;

/// An uploaded file, stored already (`storage::store`), to attach to a question.
pub struct NewFile {
    pub question_key: String,
    /// The id of a file of the same question this one takes the place of.
    pub replaces: Option<String>,
    pub stored_name: String,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// Attach a stored file to a file question of a draft (or a 보완 answer): the question's
/// types and count are checked, the answer lists the file's id. The caller removes the
/// stored file when this fails. With `replaces`, that file of the question is taken out
/// (row and answer) and its stored name returned, for the caller to remove from disk.
pub fn add_file(
    conn: &mut DbConnection,
    user_id: &str,
    id: &str,
    f: NewFile,
    now: NaiveDateTime,
) -> AppResult<Option<String>> {
    use crate::db::schema::application_files;
    crate::db::write_transaction(conn, |conn| {
        let app = of_member(conn, id, user_id)?;
        if !editable(&app) {
            return Err(invalid("이미 접수된 신청서에는 파일을 올릴 수 없습니다."));
        }
        let schema = store::form_by_id(conn, &app.form_id)?
            .ok_or(AppError::NotFound)?
            .schema();
        let q = schema
            .question(&f.question_key)
            .filter(|q| q.kind == form::Kind::File)
            .ok_or_else(|| invalid("파일을 올릴 질문이 없습니다."))?;
        let ext = f
            .original_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_lowercase())
            .unwrap_or_default();
        if !q.accept.is_empty() && !q.accept.iter().any(|a| a.eq_ignore_ascii_case(&ext)) {
            return Err(invalid(format!(
                "‘{}’에는 {} 파일만 올릴 수 있습니다.",
                q.label,
                q.accept.join(", ").to_uppercase()
            )));
        }
        let mut answers = app.answers();
        let mut list: Vec<Value> = answers
            .get(&q.key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut replaced = None;
        if let Some(old) = &f.replaces {
            replaced = detach_file(conn, &app, &q.key, old, &mut list)?;
        }
        let most = q.max_files.map(|n| n as usize).unwrap_or(DEFAULT_MAX_FILES);
        if list.len() >= most {
            return Err(invalid(format!(
                "‘{}’에는 파일을 {most}개까지 올릴 수 있습니다.",
                q.label
            )));
        }
        let file_id = new_id();
        diesel::insert_into(application_files::table)
            .values((
                application_files::id.eq(&file_id),
                application_files::application_id.eq(&app.id),
                application_files::question_key.eq(&q.key),
                application_files::stored_name.eq(&f.stored_name),
                application_files::original_name.eq(&f.original_name),
                application_files::content_type.eq(&f.content_type),
                application_files::size_bytes.eq(f.size_bytes),
                application_files::sha256.eq(&f.sha256),
                application_files::created_by.eq(Some(user_id)),
                application_files::created_at.eq(now),
            ))
            .execute(conn)?;
        list.push(Value::String(file_id));
        answers.insert(q.key.clone(), Value::Array(list));
        diesel::update(applications::table.find(&app.id))
            .set((
                applications::answers_json.eq(Value::Object(answers).to_string()),
                applications::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(replaced)
    })
}

/// Take file `file_id` out of the answer `list` of question `key`. A file the agency has
/// received (the application was submitted before: a 보완 answer) stays stored — the
/// history's earlier version still names it — and `None` comes back; a draft's file row
/// goes, and its stored name comes back for the caller to delete the bytes.
fn detach_file(
    conn: &mut DbConnection,
    app: &Application,
    key: &str,
    file_id: &str,
    list: &mut Vec<Value>,
) -> AppResult<Option<String>> {
    use crate::db::schema::application_files;
    let stored: String = application_files::table
        .filter(application_files::id.eq(file_id))
        .filter(application_files::application_id.eq(&app.id))
        .filter(application_files::question_key.eq(key))
        .select(application_files::stored_name)
        .first(conn)
        .optional()?
        .ok_or_else(|| invalid("그 파일이 이 질문에 없습니다. 다시 골라 주세요."))?;
    list.retain(|v| v.as_str() != Some(file_id));
    if app.receipt_no.is_some() {
        return Ok(None);
    }
    diesel::delete(application_files::table.find(file_id)).execute(conn)?;
    Ok(Some(stored))
}

/// Remove one uploaded file from question `key` of a draft or 보완 answer. Returns the
/// stored name whose bytes may go (see [`detach_file`]).
pub fn remove_file(
    conn: &mut DbConnection,
    user_id: &str,
    id: &str,
    key: &str,
    file_id: &str,
    now: NaiveDateTime,
) -> AppResult<Option<String>> {
    crate::db::write_transaction(conn, |conn| {
        let app = of_member(conn, id, user_id)?;
        if !editable(&app) {
            return Err(invalid("이미 접수된 신청서의 파일은 뺄 수 없습니다."));
        }
        let mut answers = app.answers();
        let mut list: Vec<Value> = answers
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let gone = detach_file(conn, &app, key, file_id, &mut list)?;
        answers.insert(key.to_string(), Value::Array(list));
        diesel::update(applications::table.find(&app.id))
            .set((
                applications::answers_json.eq(Value::Object(answers).to_string()),
                applications::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(gone)
    })
}

/// The event of a draft moved to a newer version of its form.
pub const FORM_MOVED: &str = "form_moved";

/// Would `builder::form_for_draft` move this draft to a newer version of the form?
pub fn newer_form_pending(conn: &mut DbConnection, app: &Application) -> AppResult<bool> {
    Ok(super::builder::form_for_draft(conn, app)?.id != app.form_id)
}

/// Move a draft to the newer version of its form when `builder::form_for_draft` says so
/// (answers kept by key; `form::check` drops those of removed questions), with an event.
/// `Some` (the moved draft) only for the call that moved it, so the owner is told once.
pub fn follow_newer_form(
    conn: &mut DbConnection,
    app: &Application,
    now: NaiveDateTime,
) -> AppResult<Option<Application>> {
    crate::db::write_transaction(conn, |conn| {
        let form = super::builder::form_for_draft(conn, app)?;
        if form.id == app.form_id {
            return Ok(None);
        }
        let changed = diesel::update(
            applications::table
                .find(&app.id)
                .filter(applications::form_id.eq(&app.form_id))
                .filter(applications::status.eq(AppStatus::Draft.as_str())),
        )
        .set((
            applications::form_id.eq(&form.id),
            applications::updated_at.eq(now),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Ok(None);
        }
        store::add_event(
            conn,
            &app.id,
            None,
            FORM_MOVED,
            None,
            &format!("신청 양식 {}판으로 옮김", form.version),
            None,
            now,
        )?;
        Ok(Some(Application {
            form_id: form.id,
            updated_at: now,
            ..app.clone()
        }))
    })
}

/// The files of an application, question key → [{id, name, size}] (for the form).
pub fn files_by_question(
    conn: &mut DbConnection,
    id: &str,
) -> AppResult<std::collections::HashMap<String, Vec<Value>>> {
    use crate::db::schema::application_files;
    let rows: Vec<(String, String, String, i64)> = application_files::table
        .filter(application_files::application_id.eq(id))
        .order(application_files::created_at.asc())
        .select((
            application_files::id,
            application_files::question_key,
            application_files::original_name,
            application_files::size_bytes,
        ))
        .load(conn)?;
    let mut out: std::collections::HashMap<String, Vec<Value>> = Default::default();
    for (fid, key, name, size) in rows {
        let size = if size >= 1024 * 1024 {
            format!("{:.1}MB", size as f64 / 1024.0 / 1024.0)
        } else {
            format!("{}KB", (size + 1023) / 1024)
        };
        out.entry(key)
            .or_default()
            .push(serde_json::json!({"id": fid, "name": name, "size": size}));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::Applicant;

    #[test]
    fn the_last_application_fills_what_the_profile_lacks_and_the_profile_wins_elsewhere() {
        let mut from_profile = Applicant {
            name: "울산 한식당".into(),
            phone: "010-2222-3333".into(),
            address: "울산광역시 남구".into(),
            employees: "5".into(),
            ..Applicant::default()
        };
        from_profile.representative = "박직원".into();
        let earlier = Applicant {
            name: "옛 상호".into(),
            representative: "김대표".into(),
            phone: "010-1111-2222".into(),
            address: "울산광역시 남구 삼산로 12".into(),
            employees: "4".into(),
            ..Applicant::default()
        };
        from_profile.fill_from(&earlier);
        assert_eq!(from_profile.name, "울산 한식당");
        assert_eq!(from_profile.representative, "김대표");
        assert_eq!(from_profile.phone, "010-2222-3333");
        assert_eq!(from_profile.address, "울산광역시 남구 삼산로 12");
        assert_eq!(from_profile.employees, "5");
    }
}
