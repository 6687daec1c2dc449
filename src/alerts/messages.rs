//! What each delivery says, in Korean: subject, text and HTML for email, a title/body/link
//! for push, a short text for SMS. One `Message` renders into all three so they agree.

use serde::Serialize;

use super::model::Delivery;
use crate::announcements::model::{Announcement, FieldChange};
use crate::announcements::view::window_label;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Default, Serialize)]
pub struct Item {
    pub title: String,
    pub agency: Option<String>,
    pub deadline: Option<String>,
    pub reason: Option<String>,
    pub url: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Message {
    pub subject: String,
    pub heading: String,
    pub intro: Vec<String>,
    pub items: Vec<Item>,
    pub changes: Vec<FieldChange>,
    pub action_label: String,
    pub action_url: Option<String>,
    pub footer: String,
    pub unsubscribe_url: Option<String>,
    /// What the way-out link says ("이 공고의 정정 알림 그만 받기").
    pub unsubscribe_label: String,
    pub pixel_url: Option<String>,
}

pub fn item(
    base: &str,
    a: &Announcement,
    agency: Option<String>,
    reason: Option<String>,
    code: &str,
) -> Item {
    Item {
        title: a.title.clone(),
        agency,
        deadline: Some(window_label(a)).filter(|s| !s.is_empty()),
        reason: reason.filter(|r| !r.is_empty()),
        url: format!("{base}/t/c/{code}"),
    }
}

/// The `reason` of a correction to someone who bookmarked the announcement.
pub const REASON_BOOKMARKED: &str = "관심 공고";
/// The `reason` of a correction to someone an alert told of the announcement, followed
/// by the alert's name in quotes when known.
pub const REASON_TOLD: &str = "알림 받은 공고";

/// The message for an alert about one announcement (new, changed, reminder).
pub fn announcement_message(
    base: &str,
    d: &Delivery,
    a: &Announcement,
    agency: Option<String>,
) -> Message {
    let it = item(base, a, agency, Some(d.reason.clone()), &d.short_code);
    let mut m = Message {
        footer: "이 메일은 지원(jiwon.kr)에서 알림을 신청하신 분께 보내드립니다.".into(),
        unsubscribe_label: "이 알림 그만 받기".into(),
        ..Default::default()
    };
    if let Some(rest) = d.kind.strip_prefix("changed_r") {
        let detail = d.detail_json();
        m.subject = format!("[지원] 공고 정정: {}", a.title);
        // Why this person hears of it: a bookmark, or an alert that told them before.
        if d.reason == REASON_BOOKMARKED {
            m.heading = "관심 공고의 내용이 바뀌었습니다".into();
            m.intro
                .push("이 공고를 관심 공고로 저장하셨기 때문에 정정 내용을 알려 드립니다.".into());
        } else {
            m.heading = "알림으로 받으신 공고의 내용이 바뀌었습니다".into();
            let which = d
                .reason
                .strip_prefix(REASON_TOLD)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|name| format!("{name} 알림으로 "))
                .unwrap_or_default();
            m.intro.push(format!(
                "이 공고를 {which}받으셨기 때문에 정정 내용을 알려 드립니다. 관심 공고로 저장하지 않으셨어도, 이미 알려 드린 공고가 바뀌면 알려 드립니다."
            ));
        }
        m.unsubscribe_label = "이 공고의 정정 알림 그만 받기".into();
        let nth = crate::announcements::model::correction_label(rest.parse::<i32>().unwrap_or(2))
            .unwrap_or_else(|| "정정".into());
        m.intro.push(format!(
            "{nth} 사유: {}",
            detail.get("reason").and_then(|v| v.as_str()).unwrap_or("")
        ));
        m.changes = detail
            .get("changes")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
    } else if let Some(days) = d.kind.strip_prefix("reminder_d") {
        let left = d
            .detail_json()
            .get("days_left")
            .and_then(|v| v.as_i64())
            .unwrap_or(0);
        let label = if left <= 0 {
            "오늘 마감".to_string()
        } else {
            format!("마감 {left}일 전")
        };
        m.subject = format!("[지원] {label}: {}", a.title);
        m.heading = format!("관심 공고가 곧 마감됩니다 ({label})");
        m.intro.push(format!(
            "D-{days} 알림을 설정해 두셨습니다. 신청을 서둘러 주세요."
        ));
        m.unsubscribe_label = "이 공고의 마감 알림 그만 받기".into();
    } else {
        m.subject = format!("[지원] 새 공고: {}", a.title);
        m.heading = "조건에 맞는 새 공고가 게시되었습니다".into();
    }
    m.action_label = "공고 보기".into();
    m.action_url = Some(it.url.clone());
    m.items.push(it);
    m.pixel_url = Some(format!("{base}/t/o/{}.gif", d.short_code));
    m
}

/// A digest of several announcements.
pub fn digest_message(base: &str, d: &Delivery, items: Vec<Item>) -> Message {
    let weekly = d.frequency == "weekly";
    let n = items.len();
    Message {
        subject: if weekly {
            format!("[지원] 이번 주 맞춤 공고 {n}건")
        } else {
            format!("[지원] 오늘의 맞춤 공고 {n}건")
        },
        heading: if weekly {
            format!("이번 주 조건에 맞는 공고 {n}건")
        } else {
            format!("오늘 조건에 맞는 공고 {n}건")
        },
        items,
        action_label: "내 알림 관리".into(),
        action_url: Some(format!("{base}/me/subscriptions")),
        footer: "이 메일은 지원(jiwon.kr)에서 요약 알림을 신청하신 분께 보내드립니다.".into(),
        unsubscribe_label: "요약 알림 그만 받기".into(),
        pixel_url: Some(format!("{base}/t/o/{}.gif", d.short_code)),
        ..Default::default()
    }
}

/// Account messages: verification, password reset, subscription confirmation, invitation.
pub fn account_message(d: &Delivery) -> AppResult<Message> {
    let detail = d.detail_json();
    let link = detail
        .get("link")
        .and_then(|v| v.as_str())
        .ok_or_else(|| AppError::internal("account email without a link"))?
        .to_string();
    let kind = d.kind.split(':').next().unwrap_or("");
    let (subject, heading, intro, label) = match kind {
        "verify" => (
            "[지원] 이메일 주소를 확인해 주세요",
            "가입을 마치려면 이메일 주소를 확인해 주세요",
            "아래 버튼을 누르면 확인이 끝납니다. 링크는 24시간 동안 유효합니다.",
            "이메일 확인",
        ),
        "reset" => (
            "[지원] 비밀번호 재설정 안내",
            "비밀번호 재설정",
            "아래 버튼을 눌러 새 비밀번호를 정해 주세요. 링크는 1시간 동안 한 번만 쓸 수 있습니다. 요청하지 않으셨다면 이 메일을 무시하세요.",
            "비밀번호 재설정",
        ),
        "confirm" => (
            "[지원] 알림 신청을 확인해 주세요",
            "알림 신청 확인",
            "아래 버튼을 누르셔야 알림이 시작됩니다. 신청하지 않으셨다면 이 메일을 무시하세요 — 아무것도 보내지 않습니다.",
            "알림 신청 확인",
        ),
        "invite" => (
            "[지원] 기관 담당자로 초대되었습니다",
            "지원 기관 콘솔 초대",
            "아래 버튼을 눌러 계정을 만들어 주세요. 링크는 7일 동안 유효합니다.",
            "초대 수락",
        ),
        "app_arrived" => (
            "[지원] 새 신청서가 접수되었습니다",
            "기관 신청함에 새 신청서가 도착했습니다",
            "기관 콘솔의 신청함에서 확인해 주세요.",
            "신청서 열기",
        ),
        "business_invite" => (
            "[지원] 사업자 구성원으로 초대되었습니다",
            "지원사업 신청을 함께 준비해 주세요",
            "아래 버튼을 눌러 초대를 수락하면 이 사업자의 신청서를 작성하고 제출할 수 있습니다. 모르는 초대라면 이 메일을 무시하세요.",
            "초대 수락",
        ),
        "app_status" => (
            "[지원] 신청 처리 상태가 바뀌었습니다",
            "신청 처리 상태 안내",
            "신청하신 사업의 처리 상태가 바뀌었습니다.",
            "신청 내역 보기",
        ),
        _ => return Err(AppError::internal(format!("unknown account email kind {kind}"))),
    };
    let mut intro = vec![intro.to_string()];
    if let Some(summary) = detail.get("summary").and_then(|v| v.as_str()) {
        intro.push(format!("신청 내용: {summary}"));
    }
    // Application messages: their facts, one line each.
    if let Some(lines) = detail.get("lines").and_then(|v| v.as_array()) {
        intro.extend(lines.iter().filter_map(|l| l.as_str()).map(String::from));
    }
    Ok(Message {
        subject: subject.into(),
        heading: heading.into(),
        intro,
        action_label: label.into(),
        action_url: Some(link),
        footer: "이 메일은 지원(jiwon.kr) 계정 안내 메일입니다.".into(),
        ..Default::default()
    })
}

/// The plain-text part: the same content as the HTML.
pub fn to_text(m: &Message) -> String {
    let mut out = format!("{}\n\n", m.heading);
    for line in &m.intro {
        out.push_str(line);
        out.push_str("\n\n");
    }
    for it in &m.items {
        out.push_str(&format!("■ {}\n", it.title));
        if let Some(a) = &it.agency {
            out.push_str(&format!("  {a}\n"));
        }
        if let Some(dl) = &it.deadline {
            out.push_str(&format!("  신청기간: {dl}\n"));
        }
        if let Some(r) = &it.reason {
            out.push_str(&format!("  알림 조건: {r}\n"));
        }
        out.push_str(&format!("  {}\n\n", it.url));
    }
    if !m.changes.is_empty() {
        out.push_str("바뀐 내용\n");
        for c in &m.changes {
            out.push_str(&format!("- {}: {} → {}\n", c.label, c.old, c.new));
        }
        out.push('\n');
    }
    if let Some(url) = &m.action_url {
        out.push_str(&format!("{}: {}\n\n", m.action_label, url));
    }
    out.push_str(&m.footer);
    out.push('\n');
    if let Some(u) = &m.unsubscribe_url {
        out.push_str(&format!("{}: {u}\n", m.unsubscribe_label));
    }
    out
}

pub fn to_html(tera: &tera::Tera, m: &Message) -> AppResult<String> {
    let mut ctx = tera::Context::new();
    ctx.insert("m", m);
    Ok(tera.render("email/message.html", &ctx)?)
}
