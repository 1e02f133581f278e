//! Packs read from a git revision (`REV:path`), through the same [`Loader`] trait as the
//! filesystem, so `liangxin diff HEAD~1:policies/x policies/x` compares a pack with its last
//! committed version without checking anything out.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use liangxin::Loader;

/// Reads files as they are in one git revision of the repository around the current directory.
pub struct GitLoader {
    pub rev: String,
}

impl GitLoader {
    /// Splits `REV:path` when it does not name an existing file or directory.
    pub fn parse(arg: &Path) -> Option<(GitLoader, PathBuf)> {
        if arg.exists() {
            return None;
        }
        let text = arg.to_str()?;
        let (rev, path) = text.split_once(':')?;
        if rev.is_empty() || path.is_empty() {
            return None;
        }
        Some((
            GitLoader {
                rev: rev.to_owned(),
            },
            PathBuf::from(path),
        ))
    }

    fn git(&self, args: &[&str]) -> io::Result<Vec<u8>> {
        let out = Command::new("git").args(args).output()?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            let message = String::from_utf8_lossy(&out.stderr).trim().to_owned();
            Err(io::Error::new(io::ErrorKind::NotFound, message))
        }
    }

    /// `REV:./path`, so paths are relative to the current directory as elsewhere.
    fn object(&self, path: &Path) -> String {
        format!("{}:./{}", self.rev, path.display())
    }
}

impl Loader for GitLoader {
    fn read(&self, path: &Path) -> io::Result<String> {
        let bytes = self.git(&["show", &self.object(path)])?;
        String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    fn list(&self, dir: &Path, ext: &str) -> io::Result<Vec<PathBuf>> {
        let tree = format!("{}/", self.object(dir));
        let Ok(out) = self.git(&["ls-tree", "--name-only", &tree]) else {
            return Ok(Vec::new());
        };
        let mut files: Vec<PathBuf> = String::from_utf8_lossy(&out)
            .lines()
            .map(|name| dir.join(Path::new(name).file_name().unwrap_or_default()))
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .collect();
        files.sort();
        Ok(files)
    }

    fn is_file(&self, path: &Path) -> bool {
        self.git(&["cat-file", "-e", &self.object(path)]).is_ok()
    }
}
