//! Uploaded files, one mechanism for announcement attachments and application files:
//! the types allowed, the content sniffed against the extension, the multipart body read
//! with a size limit, and the bytes stored under a generated name in `upload_dir`.

use std::path::Path;

use actix_multipart::Multipart;
use futures_util::StreamExt;

use crate::error::{AppError, AppResult};
use crate::ids::new_id;

/// Allowed attachment types: extension → the kinds its content may sniff as.
const ALLOWED: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("hwp", "application/x-hwp"),
    ("hwpx", "application/hwp+zip"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xls", "application/vnd.ms-excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("ppt", "application/vnd.ms-powerpoint"),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("zip", "application/zip"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
];

/// Check a file's content against its extension. Returns the content type to serve,
/// or a Korean reason for refusing it.
pub fn check_upload(file_name: &str, bytes: &[u8]) -> Result<&'static str, String> {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_lowercase())
        .unwrap_or_default();
    let Some((_, ctype)) = ALLOWED.iter().find(|(e, _)| *e == ext) else {
        return Err(format!("'{ext}' 파일은 올릴 수 없습니다. PDF, HWP, HWPX, 오피스 문서, ZIP, JPG, PNG만 가능합니다."));
    };
    if bytes.is_empty() {
        return Err("빈 파일입니다.".into());
    }
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    const ZIP: &[u8] = b"PK\x03\x04";
    let ok = match ext.as_str() {
        "pdf" => bytes.starts_with(b"%PDF-"),
        "hwp" | "doc" | "xls" | "ppt" => bytes.starts_with(OLE),
        "hwpx" | "docx" | "xlsx" | "pptx" | "zip" => bytes.starts_with(ZIP),
        "jpg" | "jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        _ => false,
    };
    if !ok {
        let actual = infer::get(bytes)
            .map(|k| k.extension().to_string())
            .unwrap_or_else(|| "알 수 없는 형식".into());
        return Err(format!(
            "파일 내용이 확장자(.{ext})와 다릅니다(실제: {actual}). 올바른 파일을 올려 주세요."
        ));
    }
    Ok(ctype)
}

/// A multipart form read with a size limit: its text fields and its one file.
pub struct Upload {
    pub fields: Vec<(String, String)>,
    /// (form field, file name as sent, bytes)
    pub file: Option<(String, String, Vec<u8>)>,
    /// A part went over the limit: nothing of the file is kept.
    pub too_large: bool,
}

impl Upload {
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// Read a multipart body: text fields, and the file of the part named `file_field`.
pub async fn read_multipart(
    mut payload: Multipart,
    file_field: &str,
    limit: usize,
) -> AppResult<Upload> {
    let mut up = Upload {
        fields: Vec::new(),
        file: None,
        too_large: false,
    };
    while let Some(field) = payload.next().await {
        let mut field =
            field.map_err(|_| AppError::BadRequest("업로드를 읽을 수 없습니다.".into()))?;
        let name = field.name().unwrap_or_default().to_string();
        let filename = field
            .content_disposition()
            .and_then(|cd| cd.get_filename().map(String::from));
        let mut buf = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk =
                chunk.map_err(|_| AppError::BadRequest("업로드를 읽을 수 없습니다.".into()))?;
            if buf.len() + chunk.len() > limit {
                up.too_large = true;
                break;
            }
            buf.extend_from_slice(&chunk);
        }
        if up.too_large {
            break;
        }
        if name == file_field {
            up.file = filename.map(|f| (name, f, buf));
        } else {
            up.fields
                .push((name, String::from_utf8_lossy(&buf).to_string()));
        }
    }
    Ok(up)
}

/// The name to show for a file as sent (no path, no control characters, 200 at most).
pub fn display_name(original: &str) -> String {
    original
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("file")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect()
}

/// Store `bytes` under a generated name in `dir`; returns the name.
pub fn store(dir: &Path, bytes: &[u8]) -> AppResult<String> {
    let stored = format!("{}.bin", new_id());
    std::fs::write(dir.join(&stored), bytes).map_err(AppError::internal)?;
    Ok(stored)
}

/// Remove a stored file (its row could not be saved, or was deleted).
pub fn remove(dir: &Path, stored: &str) {
    let _ = std::fs::remove_file(dir.join(stored));
}

/// The bytes stored under `stored` in `dir` (404 when the file is gone).
pub fn read(dir: &Path, stored: &str) -> AppResult<Vec<u8>> {
    std::fs::read(dir.join(stored)).map_err(|_| AppError::NotFound)
}
