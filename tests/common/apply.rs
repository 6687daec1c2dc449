//! The owner's side of applying, walked over HTTP as a browser would post it: a program
//! of an agency taking portal applications with a form that has every kind of answer, an
//! owner with a business, and each step of the form.

use jiwon::applications::form::{Column, FormSchema, Kind, Question, Section, ShowIf};
use jiwon::applications::model::Settings;
use jiwon::applications::store;

use super::{create_announcement, Client, Resp, TestApp};

pub const PW: &str = "owner password 1";

pub fn q(key: &str, kind: Kind, label: &str, required: bool) -> Question {
    Question {
        required,
        ..Question::new(key, kind, label)
    }
}

pub fn schema(bank_key: &str) -> FormSchema {
    let mut hard = q(
        "not_closed",
        Kind::YesNo,
        "현재 휴업·폐업 상태가 아닙니다",
        true,
    );
    hard.hard = Some("yes".into());
    hard.fail_message = "휴업·폐업 중인 사업자는 신청할 수 없습니다.".into();
    let mut choice = q("channel", Kind::SingleChoice, "판매 채널", true);
    choice.options = vec!["온라인".into(), "오프라인".into()];
    let mut why = q("online_plan", Kind::LongText, "온라인 판매 계획", true);
    why.show_if = Some(ShowIf {
        question: "channel".into(),
        equals: "온라인".into(),
    });
    why.max_chars = Some(500);
    let mut sales = q("sales", Kind::Table, "연도별 매출", false);
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
    let mut item = q("item", Kind::ShortText, "주력 상품", true);
    item.bank_key = Some(bank_key.into());
    FormSchema {
        sections: vec![
            Section {
                key: "eligibility".into(),
                title: "신청 자격".into(),
                intro: String::new(),
                questions: vec![hard],
            },
            Section {
                key: "plan".into(),
                title: "사업 계획".into(),
                intro: String::new(),
                questions: vec![
                    item,
                    q("budget", Kind::Money, "필요 자금", true),
                    choice,
                    why,
                    sales,
                    {
                        let mut f = q("proof", Kind::File, "사업자등록증명", false);
                        f.accept = vec!["pdf".into()];
                        f.max_files = Some(2);
                        f
                    },
                ],
            },
        ],
    }
}

/// A published program of `agency` taking portal applications with `schema`, open from
/// 2026-11-20 to `end` (KST). Returns its id.
pub fn program(app: &TestApp, agency: &str, title: &str, end: &str, s: &FormSchema) -> String {
    program_with(app, agency, title, end, s, &[])
}

/// [`program`] with more announcement fields (`("partner_agency", "")`: no executing
/// agency, so applications go to `agency` itself).
pub fn program_with(
    app: &TestApp,
    agency: &str,
    title: &str,
    end: &str,
    s: &FormSchema,
    more: &[(&str, &str)],
) -> String {
    let (_, email, pw) = app.staff(agency, "editor");
    let staff = app.client();
    staff.login(&email, &pw);
    let mut fields = vec![
        ("title", title),
        ("apply_start", "2026-11-20"),
        ("apply_end", end),
        ("ksic_include", ""),
        ("owner_age_min", ""),
    ];
    fields.extend_from_slice(more);
    let id = create_announcement(&staff, &fields);
    let csrf = staff.csrf(&format!("/console/announcements/{id}"));
    let r = staff.post_form(
        &format!("/console/announcements/{id}/publish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let now = app.now();
    let mut conn = app.conn();
    store::save_settings(
        &mut conn,
        &Settings {
            announcement_id: id.clone(),
            mode: "portal".into(),
            supplement_days: 7,
            show_count: false,
            updated_at: now,
        },
    )
    .expect("settings");
    store::save_draft_form(&mut conn, &id, s, None, now).expect("form");
    store::publish_draft_form(&mut conn, &id, now)
        .expect("publish")
        .expect("published");
    id
}

pub fn owner(app: &TestApp, number: &str) -> (String, Client) {
    let (uid, email) = app.owner_with(PW, |p| {
        p.business_number = Some(number.into());
        p.business_name = "울산 한식당".into();
        p.phone = Some("010-1234-5678".into());
        p.employees = Some(4);
    });
    let c = app.client();
    c.login(&email, PW);
    (uid, c)
}

/// Start the application and return its id.
pub fn start(c: &Client, program: &str) -> String {
    let csrf = c.csrf("/me/applications");
    let r = c.post_form(
        &format!("/announcements/{program}/apply"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    r.location()
        .trim_start_matches("/me/applications/")
        .to_string()
}

pub fn post_step(c: &Client, id: &str, fields: &[(&str, &str)]) -> Resp {
    let csrf = c.csrf(&format!("/me/applications/{id}"));
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    c.post_form(&format!("/me/applications/{id}"), &all)
}

pub const APPLICANT: &[(&str, &str)] = &[
    ("step", "2"),
    ("a.representative", "김대표"),
    ("a.phone", "010-1234-5678"),
    ("a.address", "울산광역시 남구"),
    ("a.industry", "한식 음식점업"),
    ("a.founded_on", "2021-03-15"),
    ("a.employees", "4"),
];

/// Fill every step of a fresh application.
pub fn fill(c: &Client, id: &str, item: &str) {
    let r = post_step(c, id, &[("step", "1"), ("q.not_closed", "yes")]);
    assert_eq!(r.status, 303, "{}", r.body);
    let r = post_step(c, id, APPLICANT);
    assert_eq!(r.status, 303, "{}", r.body);
    let r = post_step(
        c,
        id,
        &[
            ("step", "3"),
            ("q.item", item),
            ("q.budget", "1,500만"),
            ("q.channel", "온라인"),
            ("q.online_plan", "스마트스토어 입점"),
            ("q.sales.0.year", "2025"),
            ("q.sales.0.amount", "120000000"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location().contains("step=4"), "{}", r.location());
}

pub fn submit(c: &Client, id: &str) -> Resp {
    let csrf = c.csrf(&format!("/me/applications/{id}?step=4"));
    c.post_form(
        &format!("/me/applications/{id}/submit"),
        &[
            ("csrf_token", &csrf),
            ("consent_privacy", "yes"),
            ("consent_third", "yes"),
        ],
    )
}
