//! Fixtures for the applications tests: a submitted application made the way a submission
//! leaves it, without walking the owner's form.

use diesel::prelude::*;
use jiwon::applications::form::{FormSchema, Kind, Question, Section};
use jiwon::applications::model::{Application, Business};
use jiwon::applications::{jobs, store};
use jiwon::db::schema::{applications, businesses};
use jiwon::ids::new_id;

use super::TestApp;

/// A business (by 사업자등록번호, made once) and its submitted application to
/// `announcement`, routed by the job the submission would queue. Returns its id.
pub fn submit(app: &TestApp, announcement: &str, owner: &str, number: &str, name: &str) -> String {
    let mut conn = app.conn();
    let now = app.now();
    let business = match store::business_by_number(&mut conn, number).expect("business") {
        Some(b) => b,
        None => {
            let b = Business {
                id: new_id(),
                business_number: number.into(),
                name: name.into(),
                created_by: owner.into(),
                created_at: now,
            };
            diesel::insert_into(businesses::table)
                .values(&b)
                .execute(&mut conn)
                .expect("insert business");
            b
        }
    };
    let form = match store::published_form(&mut conn, announcement).expect("form") {
        Some(f) => f,
        None => {
            let mut plan = Question::new("plan", Kind::LongText, "사업 계획");
            plan.required = true;
            let schema = FormSchema {
                sections: vec![Section {
                    key: "program".into(),
                    title: "사업 질문".into(),
                    intro: String::new(),
                    questions: vec![
                        plan,
                        Question::new("amount", Kind::Money, "신청 금액"),
                        Question::new("export", Kind::YesNo, "수출 경험"),
                        Question::new("plan_file", Kind::File, "사업계획서 파일"),
                    ],
                }],
            };
            store::save_draft_form(&mut conn, announcement, &schema, None, now).expect("draft");
            store::publish_draft_form(&mut conn, announcement, now)
                .expect("publish")
                .expect("a draft to publish")
        }
    };
    let agency: Option<String> = jiwon::db::schema::announcements::table
        .find(announcement)
        .select(jiwon::db::schema::announcements::owner_agency_id)
        .first(&mut conn)
        .expect("announcement");
    let id = new_id();
    let receipt = format!("J-{}", &id[id.len() - 8..]);
    diesel::insert_into(applications::table)
        .values(&Application {
            id: id.clone(),
            announcement_id: announcement.into(),
            business_id: business.id.clone(),
            form_id: form.id.clone(),
            agency_id: agency.expect("owning agency"),
            status: "submitted".into(),
            receipt_no: Some(receipt),
            applicant_json: serde_json::json!({"대표자": "김사장", "연락처": "010-0000-0000"})
                .to_string(),
            answers_json: serde_json::json!({"plan": "온라인 판로 확대", "amount": "15000000", "export": "no"})
                .to_string(),
            step: 3,
            supplement_note: String::new(),
            supplement_due: None,
            created_by: owner.into(),
            submitted_by: Some(owner.into()),
            submitted_at: Some(now),
            decided_at: None,
            created_at: now,
            updated_at: now,
        })
        .execute(&mut conn)
        .expect("insert application");
    store::add_event(
        &mut conn,
        &id,
        Some(owner),
        "submitted",
        Some("submitted"),
        "",
        None,
        now,
    )
    .expect("event");
    jobs::enqueue_route(&mut conn, &id, "submitted", now).expect("route job");
    drop(conn);
    app.tick();
    id
}

/// A stored PDF answering the application's `plan_file` question, the way an upload
/// leaves it: the bytes under a generated name, the `application_files` row, and its id
/// in the answers. Returns the file's id.
pub fn attach(app: &TestApp, application: &str, name: &str, bytes: &[u8]) -> String {
    use jiwon::db::schema::application_files as f;
    let dir = &app.state.config.upload_dir;
    std::fs::create_dir_all(dir).expect("upload dir");
    let stored = jiwon::storage::store(dir, bytes).expect("store");
    let id = new_id();
    let mut conn = app.conn();
    diesel::insert_into(f::table)
        .values((
            f::id.eq(&id),
            f::application_id.eq(application),
            f::question_key.eq("plan_file"),
            f::stored_name.eq(&stored),
            f::original_name.eq(name),
            f::content_type.eq("application/pdf"),
            f::size_bytes.eq(bytes.len() as i64),
            f::sha256.eq(hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes))),
            f::created_by.eq(None::<String>),
            f::created_at.eq(app.now()),
        ))
        .execute(&mut conn)
        .expect("application file");
    let answers: String = applications::table
        .find(application)
        .select(applications::answers_json)
        .first(&mut conn)
        .expect("answers");
    let mut answers: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&answers).expect("answers JSON");
    let list = answers
        .entry("plan_file")
        .or_insert_with(|| serde_json::json!([]));
    list.as_array_mut()
        .expect("a file list")
        .push(id.clone().into());
    diesel::update(applications::table.find(application))
        .set(applications::answers_json.eq(serde_json::Value::Object(answers).to_string()))
        .execute(&mut conn)
        .expect("answers");
    id
}
