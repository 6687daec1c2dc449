//! ZIP downloads for reviewers: one application's files, or every file of a program's
//! applications in the agency's inbox, each ZIP with `index.csv` (which application,
//! which question, the original name, size, SHA-256, and whether the answers name it now
//! or an earlier 보완 version did). Entries are deflated by the
//! `zip` crate; names inside are generated (`{application}/{n}_{name}`), never a path
//! an applicant chose.

use std::io::Write;
use std::path::Path;

use zip::write::SimpleFileOptions;

use crate::error::{AppError, AppResult};

/// One file to put in the ZIP.
pub struct Entry {
    /// The folder inside the ZIP (the application's receipt number).
    pub folder: String,
    pub question_key: String,
    pub stored_name: String,
    pub original_name: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// Named by the application's answers now; `false` for a file of an earlier version
    /// (replaced or taken out in a 보완 answer, kept for the history).
    pub current: bool,
}

/// A name safe inside a ZIP: no separators, no leading dots, at most 100 characters.
fn safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '\0') {
                '_'
            } else {
                c
            }
        })
        .take(100)
        .collect();
    let s = s.trim_start_matches('.').trim().to_string();
    if s.is_empty() {
        "file".into()
    } else {
        s
    }
}

/// Build the ZIP from files under `dir`; a file missing on disk is listed in the index as
/// missing rather than failing the whole download.
pub fn build(dir: &Path, entries: &[Entry]) -> AppResult<Vec<u8>> {
    let zerr = |e: zip::result::ZipError| AppError::internal(format!("zip: {e}"));
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut index =
        String::from("\u{feff}파일,접수번호,질문,원래 이름,크기(바이트),SHA-256,상태,버전\r\n");
    for (n, e) in entries.iter().enumerate() {
        let name = format!("{}/{}_{}", safe(&e.folder), n + 1, safe(&e.original_name));
        let state = match std::fs::read(dir.join(&e.stored_name)) {
            Ok(bytes) => {
                w.start_file(name.as_str(), opts).map_err(zerr)?;
                w.write_all(&bytes)
                    .map_err(|e| AppError::internal(format!("zip write: {e}")))?;
                "포함"
            }
            Err(_) => "파일 없음",
        };
        let row = [
            name.clone(),
            e.folder.clone(),
            e.question_key.clone(),
            e.original_name.clone(),
            e.size_bytes.to_string(),
            e.sha256.clone(),
            state.to_string(),
            if e.current {
                "현재 답변"
            } else {
                "이전 제출본"
            }
            .to_string(),
        ];
        index.push_str(
            &row.iter()
                .map(|f| crate::search::web::csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        index.push_str("\r\n");
    }
    w.start_file("index.csv", opts).map_err(zerr)?;
    w.write_all(index.as_bytes())
        .map_err(|e| AppError::internal(format!("zip write: {e}")))?;
    Ok(w.finish().map_err(zerr)?.into_inner())
}
