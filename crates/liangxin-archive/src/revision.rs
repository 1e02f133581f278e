//! The git revision a pack was published at, asked of the `git` program (as the workbench's
//! history does): the last commit that touched the pack's folder, and whether the folder has
//! changes not committed, since then the commit alone does not say what was run.

use std::path::Path;
use std::process::Command;

/// A pack folder's revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The full commit id of the last commit that changed the pack's folder.
    pub commit: String,
    /// Whether the folder has changes (or files) not in that commit.
    pub dirty: bool,
}

/// The revision of the pack in `dir`; `None` when it is not inside a git repository (or git is
/// not installed), which the publication then records as no revision.
pub fn of(dir: &Path) -> Option<Revision> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            // Neither the user's nor the system's configuration changes what is read.
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let commit = git(&["log", "-1", "--format=%H", "--", "."])?;
    if commit.is_empty() {
        // In a repository, but never committed.
        return Some(Revision {
            commit: String::new(),
            dirty: true,
        });
    }
    let status = git(&["status", "--porcelain", "--untracked-files=all", "--", "."])?;
    Some(Revision {
        commit,
        dirty: !status.is_empty(),
    })
}
