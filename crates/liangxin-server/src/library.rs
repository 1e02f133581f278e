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

/// The packs of the library, sorted by id: folders (not links to folders elsewhere) with a
/// `policy.yaml` whose names are valid ids (others are not served).
pub fn list(library: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut packs = Vec::new();
    for entry in std::fs::read_dir(library)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let dir = entry.path();
        let real_folder = entry.file_type().is_ok_and(|t| t.is_dir());
        let real_policy =
            std::fs::symlink_metadata(dir.join("policy.yaml")).is_ok_and(|m| m.is_file());
        if valid_id(&name) && real_folder && real_policy {
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

/// Loads, validates and compiles a pack, as of a date; an invalid pack is a 422 with its
/// diagnostics. Nothing outside the library is read (see [`Confined`]).
pub fn prepare(id: &str, dir: &Path, as_of: &str) -> Result<liangxin::Prepared, Failure> {
    let loader = Confined::new(dir.parent().unwrap_or(dir), None);
    liangxin::prepare_at(&loader, dir, Some(as_of)).map_err(|e| load_failure(id, e))
}

/// Reads packs from the library folder and nowhere else: a file outside it does not exist for
/// the workbench. So `extends:` cannot reach outside the library, and no `schema/` folder above
/// it (which anyone may create in /tmp) changes a pack's fields or dimensions: the built-in
/// dictionaries are used unless the library holds its own. Optionally one file is read from
/// memory instead of the disk (a pack's `policy.yaml` as edited, before it is saved).
#[derive(Debug)]
pub struct Confined {
    root: PathBuf,
    overlay: Option<(PathBuf, String)>,
}

impl Confined {
    /// A loader confined to `library`, with `policy` (a path and its text) read from memory.
    pub fn new(library: &Path, overlay: Option<(PathBuf, String)>) -> Confined {
        let root =
            std::fs::canonicalize(library).unwrap_or_else(|_| liangxin::load::normalize(library));
        let overlay = overlay.map(|(path, text)| (real(&path), text));
        Confined { root, overlay }
    }

    /// The text read from memory, if any.
    pub fn overlay_text(&self) -> Option<&str> {
        self.overlay.as_ref().map(|(_, t)| t.as_str())
    }

    fn inside(&self, path: &Path) -> Option<PathBuf> {
        let real = real(path);
        real.starts_with(&self.root).then_some(real)
    }
}

/// Where a path really is: links resolved for the part that exists, `.` and `..` removed.
fn real(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    // A file that does not exist (yet): its folder resolved, the name kept.
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => real(parent).join(name),
        _ => liangxin::load::normalize(path),
    }
}

fn outside(path: &Path) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::NotFound,
        format!("{} is outside the library", path.display()),
    )
}

impl liangxin::Loader for Confined {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        let real = self.inside(path).ok_or_else(|| outside(path))?;
        match &self.overlay {
            Some((at, text)) if *at == real => Ok(text.clone()),
            _ => std::fs::read_to_string(real),
        }
    }

    fn list(&self, dir: &Path, ext: &str) -> std::io::Result<Vec<PathBuf>> {
        match self.inside(dir) {
            Some(_) => liangxin::FsLoader.list(dir, ext),
            None => Ok(Vec::new()),
        }
    }

    fn is_file(&self, path: &Path) -> bool {
        self.inside(path).is_some_and(|p| p.is_file())
    }

    fn real_path(&self, path: &Path) -> std::io::Result<PathBuf> {
        Ok(real(path))
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
        self.prepared(id, dir, as_of)?
            .map_err(|diagnostics| invalid_pack(id, &diagnostics))
    }

    /// As [`AppState::prepare`], but an invalid pack's diagnostics are an answer, not a
    /// failure (for `check`); only a pack that cannot be read fails.
    pub(crate) fn prepared(&self, id: &str, dir: &Path, as_of: &str) -> Result<Outcome, Failure> {
        self.packs
            .get(id, dir, as_of, || Confined::new(&self.library, None))
            .map_err(|e| unreadable_pack(&e.path, &e.source))
    }

    /// As [`AppState::prepare`], with the kept pack's files checked now rather than within the
    /// recheck interval: for an evaluation stored with the library's version (the upload page),
    /// which must have been made from the files that version names.
    pub(crate) fn prepare_fresh(
        &self,
        id: &str,
        dir: &Path,
        as_of: &str,
    ) -> Result<Arc<Prepared>, Failure> {
        self.packs
            .get_fresh(id, dir, as_of, || Confined::new(&self.library, None))
            .map_err(|e| unreadable_pack(&e.path, &e.source))?
            .map_err(|diagnostics| invalid_pack(id, &diagnostics))
    }
}

fn load_failure(id: &str, e: liangxin::LoadError) -> Failure {
    match e {
        liangxin::LoadError::Io { path, source } => unreadable_pack(&path, &source),
        liangxin::LoadError::Invalid(diagnostics) => invalid_pack(id, &diagnostics),
    }
}

fn unreadable_pack(path: &str, source: &std::io::Error) -> Failure {
    Failure::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "io",
        format!("无法读取标准 / cannot read policy {path}: {source}"),
    )
}

/// A pack that does not validate or compile: 422, with its diagnostics.
fn invalid_pack(id: &str, diagnostics: &[liangxin::Diagnostic]) -> Failure {
    Failure::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "policy",
        format!("标准 `{id}` 有错误，无法使用 / policy {id} is invalid"),
    )
    .with_details(serde_json::to_value(diagnostics).unwrap_or_default())
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

/// Refuses a change that would make another pack of the library unusable (one that extends
/// the changed pack, say): every pack valid before must still prepare with `changed` (a pack
/// folder and its new `policy.yaml` text).
pub fn still_valid(
    library: &Path,
    day: &str,
    changed: (&Path, &str),
    pack: &str,
) -> Result<(), Failure> {
    let packs = list(library).map_err(|e| library_unreadable(library, &e))?;
    for (id, dir) in packs.iter().filter(|(id, _)| id != pack) {
        let before = Confined::new(library, None);
        if liangxin::prepare_at(&before, dir, Some(day)).is_err() {
            continue;
        }
        let after = Confined::new(
            library,
            Some((changed.0.join("policy.yaml"), changed.1.to_string())),
        );
        if let Err(e) = liangxin::prepare_at(&after, dir, Some(day)) {
            return Err(breaks(id, &e));
        }
    }
    Ok(())
}

fn breaks(id: &str, e: &liangxin::LoadError) -> Failure {
    let first = match e {
        liangxin::LoadError::Invalid(d) => d
            .iter()
            .find(|d| d.severity == liangxin::Severity::Error)
            .map(|d| format!("{} {}", d.location, d.message))
            .unwrap_or_default(),
        other => other.to_string(),
    };
    Failure::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "breaks",
        format!(
            "这样修改会使标准 `{id}` 无法使用（{first}），未保存 / the change would make pack {id} invalid: {first}"
        ),
    )
}

/// The packs of the library that prepare today.
pub fn valid_ids(library: &Path, day: &str) -> Vec<String> {
    let loader = Confined::new(library, None);
    list(library)
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, dir)| liangxin::prepare_at(&loader, dir, Some(day)).is_ok())
        .map(|(id, _)| id)
        .collect()
}

/// The first of `ids` (packs valid before a change) that no longer prepares, as a failure.
pub fn first_broken(library: &Path, day: &str, ids: &[String]) -> Result<(), Failure> {
    let loader = Confined::new(library, None);
    for (id, dir) in list(library).unwrap_or_default() {
        if ids.contains(&id)
            && let Err(e) = liangxin::prepare_at(&loader, &dir, Some(day))
        {
            return Err(breaks(&id, &e));
        }
    }
    Ok(())
}

/// A fingerprint of every file of the library (its packs, scripts and cases; not `.git` or the
/// workbench's own `.liangxin`): a result computed under one fingerprint is only offered again
/// (downloaded, explained) while the library still has it.
pub fn version(library: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            if name == ".git" || name == ".liangxin" {
                continue;
            }
            match entry.file_type() {
                Ok(t) if t.is_dir() => walk(&entry.path(), files),
                Ok(t) if t.is_file() => files.push(entry.path()),
                _ => {}
            }
        }
    }
    let mut files = Vec::new();
    walk(library, &mut files);
    files.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for file in files {
        file.hash(&mut hasher);
        std::fs::read(&file).unwrap_or_default().hash(&mut hasher);
    }
    hasher.finish()
}

/// Refuses to offer again a result computed under another version of the library.
pub fn same_version(library: &Path, evaluated: u64) -> Result<(), Failure> {
    if version(library) == evaluated {
        return Ok(());
    }
    Err(Failure::new(
        StatusCode::CONFLICT,
        "changed",
        "标准库在这次测评之后已有修订，结果可能不同：请重新上传台账测评 / the library changed after this evaluation: evaluate the ledger again",
    ))
}
