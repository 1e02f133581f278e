//! The library's history: the library folder is a git repository, every save and restore a
//! commit with the signed-in user as author. Git is run as a program (`git`, which every office
//! machine with the source has), with the user's and system's git settings switched off so
//! hooks, signing or a pager cannot change what happens.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A library folder that is a git repository.
#[derive(Debug, Clone)]
pub struct Repo {
    dir: PathBuf,
}

/// Why a git operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// `git` could not be started.
    #[error("cannot run git (is it installed?): {0}")]
    NoGit(std::io::Error),
    /// git ran and refused.
    #[error("git {0} failed: {1}")]
    Git(String, String),
    /// A file of the library could not be read or written.
    #[error("cannot read or write {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// One version of a pack: a commit that touched its folder.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Version {
    /// The full commit id.
    pub commit: String,
    /// Who made it (the account name).
    pub author: String,
    /// When, in China's time (+08:00), `YYYY-MM-DD HH:MM`.
    pub when: String,
    /// Why: the message given when saving.
    pub message: String,
}

/// The bundled packs are copied into a new library; these files and folders are not part of a
/// pack's history.
const IGNORED: &str = ".liangxin/\n";

impl Repo {
    /// Opens `dir` as a library repository. An empty or missing folder is first filled with
    /// the packs of `seed` (the bundled packs); a folder that is not yet a git repository
    /// becomes one, its packs the first commit.
    ///
    /// # Errors
    /// When the folder cannot be written or git fails.
    pub fn open_or_init(dir: &Path, seed: Option<&Path>) -> Result<Repo, RepoError> {
        let io = |e| RepoError::Io(dir.to_path_buf(), e);
        std::fs::create_dir_all(dir).map_err(io)?;
        let repo = Repo {
            dir: dir.to_path_buf(),
        };
        if dir.join(".git").exists() {
            repo.exclude_state()?;
            return Ok(repo);
        }
        // A folder inside another repository (the bundled `policies/` of a source checkout,
        // say) is not made a repository of its own: that would hide its files from the outer
        // one. The library is then a folder of its own, or the outer repository's top.
        if let Ok(top) = repo.git(&["rev-parse", "--show-toplevel"]) {
            return Err(RepoError::Git(
                "init".into(),
                format!(
                    "{} is inside the git repository {}: give a library folder outside it (a new folder gets a copy of the bundled packs) / 标准库目录位于另一个 git 仓库之内，请另选目录",
                    dir.display(),
                    top.trim()
                ),
            ));
        }
        // Empty but for the workbench's own state (accounts made before the first start).
        let empty = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(Result::ok)
            .all(|e| e.file_name() == ".liangxin");
        if let (true, Some(seed)) = (empty, seed) {
            copy_packs(seed, dir)?;
        }
        repo.git(&["init", "--quiet", "--initial-branch=main"])?;
        repo.exclude_state()?;
        repo.git(&["add", "--all"])?;
        repo.commit_as("liangxin", "标准库初始版本 / the library's first version")?;
        Ok(repo)
    }

    /// Keeps the accounts and audit log (`.liangxin/`) out of the packs' history.
    fn exclude_state(&self) -> Result<(), RepoError> {
        let info = self.dir.join(".git").join("info");
        std::fs::create_dir_all(&info).map_err(|e| RepoError::Io(info.clone(), e))?;
        let exclude = info.join("exclude");
        let now = std::fs::read_to_string(&exclude).unwrap_or_default();
        if !now.lines().any(|l| l.trim() == ".liangxin/") {
            std::fs::write(&exclude, format!("{now}{IGNORED}"))
                .map_err(|e| RepoError::Io(exclude.clone(), e))?;
        }
        Ok(())
    }

    /// Runs git in the library with a fixed environment; its standard output on success.
    fn git(&self, args: &[&str]) -> Result<String, RepoError> {
        let output = Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args([
                "-c",
                "core.hooksPath=/dev/null",
                "-c",
                "commit.gpgSign=false",
                "-c",
                "core.quotePath=false",
                "-c",
                "user.name=liangxin",
                "-c",
                "user.email=liangxin@localhost",
            ])
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_TERMINAL_PROMPT", "0")
            // China's time without needing the tz database: POSIX for UTC+8.
            .env("TZ", "CST-8")
            .output()
            .map_err(RepoError::NoGit)?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(RepoError::Git(
                args.first().copied().unwrap_or_default().to_string(),
                String::from_utf8_lossy(&output.stderr).trim().to_string(),
            ))
        }
    }

    fn commit_as(&self, author: &str, message: &str) -> Result<String, RepoError> {
        let author = format!("{author} <{}@liangxin.local>", email_part(author));
        self.git(&[
            "commit",
            "--quiet",
            "--allow-empty-message",
            "--allow-empty",
            "--author",
            &author,
            "-m",
            message,
        ])?;
        Ok(self.git(&["rev-parse", "HEAD"])?.trim().to_string())
    }

    /// Writes a pack's `policy.yaml` and commits it with `author` and `message`; the new
    /// commit's id. Nothing is committed when the text is unchanged.
    ///
    /// # Errors
    /// When the file cannot be written or git fails (the file is then restored).
    pub fn save_policy(
        &self,
        pack: &str,
        text: &str,
        author: &str,
        message: &str,
    ) -> Result<Option<String>, RepoError> {
        let relative = format!("{pack}/policy.yaml");
        let path = self.dir.join(&relative);
        let before = std::fs::read_to_string(&path).map_err(|e| RepoError::Io(path.clone(), e))?;
        if before == text {
            return Ok(None);
        }
        write_whole(&path, text)?;
        let committed = self
            .git(&["add", "--", &relative])
            .and_then(|_| self.commit_as(author, message));
        if committed.is_err() {
            // Leave the library as it was: the file and the index.
            let _ = write_whole(&path, &before);
            let _ = self.git(&["reset", "--quiet", "--", &relative]);
        }
        committed.map(Some)
    }

    /// Restores a pack's folder to what it was at `commit`, as a new commit; the new commit's
    /// id, or `None` when the pack is already that version. `check` runs on the restored
    /// folder before the commit: when it refuses, the folder is put back as it was. Files of
    /// the folder that were never committed are left alone.
    ///
    /// # Errors
    /// An unknown commit, a commit without the pack, git failing; `check`'s refusal.
    pub fn restore<E: From<RepoError>>(
        &self,
        pack: &str,
        commit: &str,
        author: &str,
        message: &str,
        check: impl FnOnce() -> Result<(), E>,
    ) -> Result<Option<String>, E> {
        let spec = format!("{pack}/");
        self.check_commit(commit)?;
        let files = |rev: &str| -> Result<Vec<String>, RepoError> {
            Ok(self
                .git(&["ls-tree", "-r", "-z", "--name-only", rev, "--", &spec])?
                .split('\0')
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect())
        };
        let (now, then) = (files("HEAD")?, files(commit)?);
        if then.is_empty() {
            return Err(RepoError::Git(
                "restore".into(),
                format!("version {commit} has no pack `{pack}`"),
            )
            .into());
        }
        // Committed files the old version lacks go; the old version's files come back.
        let gone: Vec<&String> = now.iter().filter(|f| !then.contains(f)).collect();
        let undo = || {
            let _ = self.git(&["reset", "--quiet", "--", &spec]);
            let _ = self.git(&["checkout", "HEAD", "--", &spec]);
            for added in then.iter().filter(|f| !now.contains(f)) {
                let _ = std::fs::remove_file(self.dir.join(added));
            }
        };
        let staged = (|| -> Result<(), RepoError> {
            if !gone.is_empty() {
                let mut args = vec!["rm", "--quiet", "--"];
                args.extend(gone.iter().map(|f| f.as_str()));
                self.git(&args)?;
            }
            self.git(&["checkout", commit, "--", &spec])?;
            Ok(())
        })();
        if let Err(e) = staged {
            undo();
            return Err(e.into());
        }
        if self
            .git(&["diff", "--cached", "--quiet", "--", &spec])
            .is_ok()
        {
            return Ok(None);
        }
        if let Err(e) = check() {
            undo();
            return Err(e);
        }
        match self.commit_as(author, message) {
            Ok(id) => Ok(Some(id)),
            Err(e) => {
                undo();
                Err(e.into())
            }
        }
    }

    fn check_commit(&self, commit: &str) -> Result<(), RepoError> {
        if commit.len() < 7 || commit.len() > 64 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(RepoError::Git(
                "rev-parse".into(),
                format!("`{commit}` is not a version id"),
            ));
        }
        self.git(&["cat-file", "-e", &format!("{commit}^{{commit}}")])
            .map(|_| ())
    }

    /// Every version of a pack, newest first.
    ///
    /// # Errors
    /// When git fails.
    pub fn history(&self, pack: &str) -> Result<Vec<Version>, RepoError> {
        let out = self.git(&[
            "log",
            "--format=%H%x1f%an%x1f%ad%x1f%B%x1e",
            "--date=format-local:%Y-%m-%d %H:%M",
            "--",
            &format!("{pack}/"),
        ])?;
        Ok(out
            .split('\u{1e}')
            .filter_map(|entry| {
                let mut parts = entry.trim_start_matches('\n').splitn(4, '\u{1f}');
                Some(Version {
                    commit: parts.next()?.to_string(),
                    author: parts.next()?.to_string(),
                    when: parts.next()?.to_string(),
                    message: parts.next()?.trim().to_string(),
                })
            })
            .collect())
    }

    /// The text differences of a pack's folder between two versions, as a unified diff.
    ///
    /// # Errors
    /// Unknown versions, git failing.
    pub fn text_diff(&self, pack: &str, old: &str, new: &str) -> Result<String, RepoError> {
        self.check_commit(old)?;
        self.check_commit(new)?;
        self.git(&[
            "diff",
            "--no-color",
            "--no-ext-diff",
            old,
            new,
            "--",
            &format!("{pack}/"),
        ])
    }

    /// Writes the library as it was at `commit` into `into` (a fresh folder), so a version of a
    /// pack, with the packs it extends, can be prepared and evaluated.
    ///
    /// # Errors
    /// Unknown version, git failing, the folder not writable.
    pub fn export(&self, commit: &str, into: &Path) -> Result<(), RepoError> {
        self.check_commit(commit)?;
        let files = self.git(&["ls-tree", "-r", "-z", "--name-only", commit])?;
        for name in files.split('\0').filter(|n| !n.is_empty()) {
            let relative = Path::new(name);
            if relative
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
            {
                continue;
            }
            let bytes = Command::new("git")
                .arg("-C")
                .arg(&self.dir)
                .args(["cat-file", "blob", &format!("{commit}:{name}")])
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .output()
                .map_err(RepoError::NoGit)?;
            if !bytes.status.success() {
                return Err(RepoError::Git(
                    "cat-file".into(),
                    String::from_utf8_lossy(&bytes.stderr).trim().to_string(),
                ));
            }
            let path = into.join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| RepoError::Io(parent.into(), e))?;
            }
            std::fs::write(&path, &bytes.stdout).map_err(|e| RepoError::Io(path.clone(), e))?;
        }
        Ok(())
    }
}

/// The account name as the local part of a commit's e-mail: ASCII letters and digits kept,
/// anything else written as its code point, so the address is well-formed for any name.
fn email_part(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c.to_string()
            } else {
                format!("u{:x}", c as u32)
            }
        })
        .collect()
}

/// Writes a file whole: a temporary file beside it renamed over it.
fn write_whole(path: &Path, text: &str) -> Result<(), RepoError> {
    let io = |e| RepoError::Io(path.to_path_buf(), e);
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(io)?;
    // The temporary file is private (0600); the pack keeps the permissions it had, so other
    // tools and accounts on the machine still read it.
    if let Ok(meta) = std::fs::metadata(path) {
        file.as_file()
            .set_permissions(meta.permissions())
            .map_err(io)?;
    }
    file.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Copies the packs of `from` (folders holding a `policy.yaml`, with their files and
/// subfolders) into `to`.
fn copy_packs(from: &Path, to: &Path) -> Result<(), RepoError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| RepoError::Io(p, e)
    };
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let path = entry.path();
        if path.join("policy.yaml").is_file() || path.is_file() {
            copy_tree(&path, &to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), RepoError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| RepoError::Io(p, e)
    };
    if from.is_file() {
        std::fs::copy(from, to).map_err(io(to))?;
        return Ok(());
    }
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        copy_tree(&entry.path(), &to.join(entry.file_name()))?;
    }
    Ok(())
}
