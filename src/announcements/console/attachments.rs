//! Attachments of an announcement: upload (size-limited, content sniffed, stored under
//! a generated name) and delete.

use actix_multipart::Multipart;
use actix_web::{web, HttpResponse};

use crate::accounts::{Csrf, CurrentUser};
use crate::announcements::editing;
use crate::announcements::model::Attachment;
use crate::announcements::store;
use crate::error::{AppError, AppResult};
use crate::ids::new_id;
use crate::storage;
use crate::web::redirect;
use crate::AppState;

use super::{owned, ActionForm};

pub use crate::storage::check_upload;

pub(super) async fn upload(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let id = path.into_inner();
    // Another agency's announcement is refused before the upload is read at all.
    let (own, aid) = (staff.agency.id.clone(), id.clone());
    state
        .db(move |conn| owned(conn, &aid, &own).map(|_| ()))
        .await?;
    let limit = state.config.max_upload_bytes;
    let up = storage::read_multipart(payload, "file", limit).await?;
    let too_large = up.too_large;
    let token = up.field("csrf_token").to_string();
    let file = up.file.map(|(_, name, bytes)| (name, bytes));
    let back = |msg: &str| {
        redirect(&format!(
            "/console/announcements/{id}?error={}",
            urlencoding::encode(msg)
        ))
    };
    if too_large {
        return Ok(back(&format!(
            "파일이 너무 큽니다. {}MB 이하만 올릴 수 있습니다.",
            limit / 1024 / 1024
        )));
    }
    csrf.verify(&token)?;
    let Some((original, bytes)) = file.filter(|(n, _)| !n.is_empty()) else {
        return Ok(back("올릴 파일을 선택해 주세요."));
    };
    let display = storage::display_name(&original);
    let ctype = match check_upload(&display, &bytes) {
        Ok(t) => t,
        Err(msg) => return Ok(back(&msg)),
    };
    let dir = state.config.upload_dir.clone();
    let size = bytes.len() as i64;
    let d2 = dir.clone();
    let stored = web::block(move || storage::store(&d2, &bytes)).await??;
    let now = state.now();
    let own = staff.agency.id.clone();
    let aid = id.clone();
    let stored_name = stored.clone();
    let saved = state
        .db(move |conn| {
            let att = Attachment {
                id: new_id(),
                announcement_id: aid,
                position: 0,
                file_name: display,
                stored_name: Some(stored_name),
                url: None,
                content_type: Some(ctype.to_string()),
                size_bytes: Some(size),
                created_at: now,
            };
            editing::add_attachment(conn, &own, att, &user, now)
        })
        .await;
    if let Err(e) = saved {
        // Nothing half-written: the file goes when its row could not be saved.
        storage::remove(&dir, &stored);
        return Err(e);
    }
    Ok(redirect(&format!("/console/announcements/{id}")))
}

pub(super) async fn delete_attachment(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<(String, String)>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let staff = user.require_edit()?;
    let (id, aid) = path.into_inner();
    let own = staff.agency.id.clone();
    let now = state.now();
    let ann_id = id.clone();
    let stored = state
        .db(move |conn| editing::delete_attachment(conn, &own, &ann_id, &aid, &user, now))
        .await?;
    if let Some(name) = stored {
        let _ = std::fs::remove_file(state.config.upload_dir.join(name));
    }
    Ok(redirect(&format!("/console/announcements/{id}")))
}

/// Deleting a file asks once: it is gone from the announcement page at once, cannot be
/// undone, and nobody is told (it is not a correction).
pub(super) async fn delete_attachment_confirm(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let (id, aid) = path.into_inner();
    let own = staff.agency.id.clone();
    let ann_id = id.clone();
    let (a, file) = state
        .db(move |conn| {
            let a = owned(conn, &ann_id, &own)?;
            let f = store::find_attachment(conn, &aid)?.ok_or(AppError::NotFound)?;
            if f.announcement_id != a.id {
                return Err(AppError::NotFound);
            }
            Ok((a, f))
        })
        .await?;
    let public = a.is_public();
    let c = super::manage::Confirm {
        heading: "첨부파일을 삭제할까요?".into(),
        subject: format!("{} — {}", file.file_name, a.title),
        effects: vec![
            if public {
                "공고 페이지에서 이 파일이 바로 사라지고, 받아 두지 않은 사람은 더 내려받을 수 없습니다.".to_string()
            } else {
                "이 파일을 공고에서 지웁니다.".to_string()
            },
            "삭제한 파일은 되살릴 수 없습니다. 고친 파일은 새로 올려 주세요.".into(),
        ],
        told: "파일 삭제는 정정 공고가 아니어서 누구에게도 안내가 가지 않습니다. 내용이 바뀐 파일이라면 정정 공고로 알려 주세요.".into(),
        action: format!("/console/announcements/{id}/attachments/{}/delete", file.id),
        button: "삭제".into(),
        back: format!("/console/announcements/{id}"),
    };
    super::manage::render_confirm(&state, &user, &csrf, &c)
}
