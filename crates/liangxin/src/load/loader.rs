//! Where pack files come from: the filesystem or memory, behind one trait, so tests and
//! embedders can load packs without touching the disk.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// Reads the files of policy packs and schemas.
pub trait Loader {
    /// The whole text of a file.
    ///
    /// # Errors
    ///
    /// When the file cannot be read (missing, not UTF-8 text: [`io::ErrorKind::InvalidData`]).
    fn read(&self, path: &Path) -> io::Result<String>;
    /// The files directly in `dir` whose name ends with `.{ext}`, sorted by name. A missing
    /// directory has no files.
    ///
    /// # Errors
    ///
    /// When the directory exists but cannot be listed.
    fn list(&self, dir: &Path, ext: &str) -> io::Result<Vec<PathBuf>>;
    /// Whether `path` is a file.
    fn is_file(&self, path: &Path) -> bool;
    /// Where `path` really is, with `.` and `..` resolved (and, on a disk, symbolic links
    /// followed), so a pack's reach can be checked (see `load::library_root`).
    ///
    /// # Errors
    ///
    /// When the path cannot be resolved (on a disk: it does not exist).
    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        Ok(normalize(path))
    }
}

/// Reads packs from the filesystem.
#[derive(Debug, Default, Clone, Copy)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn read(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn list(&self, dir: &Path, ext: &str) -> io::Result<Vec<PathBuf>> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut files = Vec::new();
        for entry in entries {
            let path = entry?.path();
            // Not only files: a dangling link or a folder named `x.rhai` must fail to read, not
            // vanish (a pack silently missing a script fails later, for a misleading reason).
            if path.extension().is_some_and(|e| e == ext) {
                files.push(path);
            }
        }
        files.sort();
        Ok(files)
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        let path = if path.as_os_str().is_empty() {
            Path::new(".")
        } else {
            path
        };
        std::fs::canonicalize(path)
    }
}

/// Packs held in memory, keyed by path: `policies/x/policy.yaml` -> its text.
#[derive(Debug, Default, Clone)]
pub struct MemoryLoader {
    files: BTreeMap<PathBuf, String>,
}

impl MemoryLoader {
    /// An empty loader; add files with [`MemoryLoader::with`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file.
    pub fn with(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        self.files.insert(path.into(), text.into());
        self
    }
}

impl Loader for MemoryLoader {
    fn read(&self, path: &Path) -> io::Result<String> {
        self.files
            .get(&normalize(path))
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file in memory"))
    }

    fn list(&self, dir: &Path, ext: &str) -> io::Result<Vec<PathBuf>> {
        let dir = normalize(dir);
        Ok(self
            .files
            .keys()
            .filter(|p| {
                p.parent() == Some(dir.as_path()) && p.extension().is_some_and(|e| e == ext)
            })
            .cloned()
            .collect())
    }

    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(&normalize(path))
    }
}

/// Resolves `.` and `..` without touching the disk, so `a/b/../c` and `a/c` name one file.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
