//! An uploaded ledger read exactly as the CLI reads a file: it is written to a private
//! temporary folder under its own (cleaned) file name, read by `Ledger::read_with`, and the
//! folder removed. Messages name the file as uploaded, never the temporary folder.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::StatusCode;

use crate::errors::Failure;

static UPLOADS: AtomicU64 = AtomicU64::new(0);

/// A temporary folder removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The uploaded file's name as one safe path component: its last component, with anything
/// but letters, digits, `.`, `-`, `_`, spaces and brackets replaced, and never starting with
/// a dot.
pub fn clean_name(given: &str) -> String {
    let last = given.rsplit(['/', '\\']).next().unwrap_or("");
    let mut name: String = last
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    if name.is_empty() || name.starts_with('.') {
        name.insert_str(0, "ledger");
    }
    name
}

/// Reads the bytes of an uploaded ledger named `file_name`; a ledger that cannot be read is a
/// 422 whose message is the library's located error.
pub fn read_ledger(
    bytes: &[u8],
    file_name: &str,
    schema: &liangxin::Schema,
) -> Result<liangxin::Ledger, Failure> {
    let name = clean_name(file_name);
    let internal = |e: std::io::Error| {
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "io",
            format!("无法保存上传的台账 / cannot store the upload: {e}"),
        )
    };
    let dir = TempDir(std::env::temp_dir().join(format!(
        "liangxin-server-{}-{}",
        std::process::id(),
        UPLOADS.fetch_add(1, Ordering::Relaxed)
    )));
    std::fs::create_dir_all(&dir.0).map_err(internal)?;
    let path = dir.0.join(&name);
    std::fs::write(&path, bytes).map_err(internal)?;
    let prefix = format!("{}{}", dir.0.display(), std::path::MAIN_SEPARATOR);
    match liangxin::Ledger::read_with(&path, schema, &liangxin::ledger::ReadOptions::default()) {
        Ok(mut ledger) => {
            ledger.path = name;
            Ok(ledger)
        }
        Err(e) => Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ledger",
            e.to_string().replace(&prefix, ""),
        )),
    }
}

/// Reads a JSON array of records (objects keyed by field id or Chinese header), as a `.json`
/// ledger is read.
pub fn read_records(body: &[u8], schema: &liangxin::Schema) -> Result<liangxin::Ledger, Failure> {
    let text = std::str::from_utf8(body).map_err(|e| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            "ledger",
            format!("请求内容不是 UTF-8 / the body is not UTF-8: {e}"),
        )
    })?;
    liangxin::Ledger::from_json_str(text, "request", schema)
        .map_err(|e| Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "ledger", e.to_string()))
}
