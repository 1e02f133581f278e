//! The pack library: a folder of packs, found by id. An id is only ever compared with the
//! names read from the folder, never joined onto a path as given, so no request reaches
//! outside the library.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::http::StatusCode;
use liangxin::Prepared;
use serde::Serialize;

use crate::AppState;
use crate::cache::Outcome;
use crate::errors::Failure;

/// The bundled packs: `$LIANGXIN_POLICIES`, else `./policies`, else the `policies/` of the
/// source tree the server was built from (as the CLI finds them).
pub fn default_library() -> PathBuf {
    if let Some(dir) = std::env::var_os("LIANGXIN_POLICIES") {
        return PathBuf::from(dir);
    }
    let local = PathBuf::from("policies");
    if local.is_dir() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
        .join("policies")
}

/// Whether `id` can name a pack: lowercase ASCII letters, digits and `-`, 1 to 100 of them.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The packs of the library, sorted by id: folders with a `policy.yaml` whose names are valid
/// ids (others are not served).
pub fn list(library: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut packs = Vec::new();
    for entry in std::fs::read_dir(library)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let dir = entry.path();
        if valid_id(&name) && dir.join("policy.yaml").is_file() {
            packs.push((name, dir));
        }
    }
    packs.sort();
    Ok(packs)
}

/// The folder of the pack `id`, if the library has it: compared with the library's listing
/// (kept by the state for at most its recheck interval; see `cache.rs`).
pub fn find(state: &AppState, id: &str) -> Result<PathBuf, Failure> {
    if !valid_id(id) {
        return Err(Failure::no_pack(id));
    }
    let packs = state
        .packs
        .listing(&state.library)
        .map_err(|e| library_unreadable(&state.library, &e))?;
    packs
        .iter()
        .find(|(name, _)| name == id)
        .map(|(_, dir)| dir.clone())
        .ok_or_else(|| Failure::no_pack(id))
}

pub fn library_unreadable(library: &Path, e: &std::io::Error) -> Failure {
    Failure::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "library",
        format!(
            "无法读取标准库 / cannot read the pack library {}: {e}",
            library.display()
        ),
    )
}

/// Today in China (+08:00), `YYYY-MM-DD`: the as-of date when none is given.
pub fn today() -> String {
    jiff::tz::offset(8)
        .to_datetime(jiff::Timestamp::now())
        .date()
        .to_string()
}

/// The as-of date given (`YYYY-MM-DD`), or today; a malformed date is a 400.
pub fn as_of(given: Option<&str>) -> Result<String, Failure> {
    match given.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(today()),
        Some(day) => match day.parse::<jiff::civil::Date>() {
            Ok(date) if day.len() == 10 => Ok(date.to_string()),
            _ => Err(Failure::new(
                StatusCode::BAD_REQUEST,
                "as_of",
                format!("日期应写作 YYYY-MM-DD / the as-of date `{day}` is not YYYY-MM-DD"),
            )),
        },
    }
}

impl AppState {
    /// The pack `id` (in `dir`) loaded, validated and compiled as of a date, kept from an
    /// earlier request when its files are unchanged; an invalid pack is a 422 with its
    /// diagnostics. Blocking: call it inside [`crate::blocking`].
    pub(crate) fn prepare(
        &self,
        id: &str,
        dir: &Path,
        as_of: &str,
    ) -> Result<Arc<Prepared>, Failure> {
        self.prepared(id, dir, as_of)?.map_err(|diagnostics| {
            Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "policy",
                format!("标准 `{id}` 有错误，无法使用 / policy {id} is invalid"),
            )
            .with_details(serde_json::to_value(&*diagnostics).unwrap_or_default())
        })
    }

    /// As [`AppState::prepare`], but an invalid pack's diagnostics are an answer, not a
    /// failure (for `check`); only a pack that cannot be read fails.
    pub(crate) fn prepared(&self, id: &str, dir: &Path, as_of: &str) -> Result<Outcome, Failure> {
        self.packs
            .get(id, dir, as_of, &liangxin::FsLoader)
            .map_err(|e| {
                Failure::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "io",
                    format!("无法读取标准 / cannot read policy {}: {}", e.path, e.source),
                )
            })
    }
}

/// A pack as the list shows it.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub id: String,
    pub ok: bool,
    pub name: String,
    pub region: String,
    pub subject: String,
    pub version: String,
}

/// Every pack of the library, prepared as of today to read its name (an invalid pack is
/// listed with `ok: false`).
pub fn summaries(state: &AppState) -> Result<Vec<Summary>, Failure> {
    let library = &state.library;
    let packs = state
        .packs
        .listing(library)
        .map_err(|e| library_unreadable(library, &e))?;
    let today = today();
    Ok(packs
        .iter()
        .map(|(id, dir)| match state.prepare(id, dir, &today) {
            Ok(p) => {
                let m = &p.policy.policy.meta;
                Summary {
                    id: id.clone(),
                    ok: true,
                    name: m.name.clone(),
                    region: m.region.clone(),
                    subject: m.subject.to_string(),
                    version: m.version.clone(),
                }
            }
            Err(_) => Summary {
                id: id.clone(),
                ok: false,
                name: String::new(),
                region: String::new(),
                subject: String::new(),
                version: String::new(),
            },
        })
        .collect())
}
