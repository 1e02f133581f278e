//! The archive of published assessments (测评结果档案): an embedded SQLite database in the
//! library folder, `DIR/.liangxin/archive.sqlite`, that keeps every published assessment as it
//! was when it was published.
//!
//! Publishing ([`Archive::publish`]) freezes one evaluation of one ledger under one pack for one
//! period (a year, `2023`): the pack's id, name and version and the library's git revision, the
//! as-of date, the ledger's SHA-256, every outcome, who published and when. Published results
//! are never changed: the database itself refuses any `UPDATE` or `DELETE` of an outcome (SQLite
//! triggers), and of a publication anything but marking it superseded. Publishing again for the
//! same pack and period needs a reason and supersedes the earlier publication, which is kept;
//! every query reads the current publication of each pack and period.
//!
//! The queries are what staff ask across years: a record's score, grade and stars per period
//! ([`Archive::record_history`]), who moved up or down between two periods ([`Archive::moves`]),
//! an organization's star history ([`Archive::organization_history`]), the treatments whose
//! deadline is due or past ([`Archive::follow_ups`]), and a publication's public notice
//! ([`notice::html`]).
//!
//! ```no_run
//! # fn run() -> Result<(), liangxin_archive::ArchiveError> {
//! let archive = liangxin_archive::Archive::open(std::path::Path::new("标准库"))?;
//! for p in archive.publications(Some("longwen-points"))? {
//!     println!("{} {} by {} at {}", p.pack, p.period, p.published_by, p.published_at);
//! }
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]
#![warn(clippy::missing_errors_doc)]

mod error;
pub mod grades;
mod migrate;
pub mod notice;
mod publish;
mod query;
pub mod revision;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

pub use error::ArchiveError;
pub use publish::{Submission, ledger_sha256};
pub use query::{FollowUp, Move, Moves, Publication, Stored, Year};

/// The archive's file inside a library folder.
pub fn archive_path(library: &Path) -> PathBuf {
    library.join(".liangxin").join("archive.sqlite")
}

/// The time now in China, as a publication records it: `2024-01-05T09:30:00+08:00`. Staff read
/// times in China's time whatever zone the server runs in.
pub fn china_now() -> String {
    jiff::tz::offset(8)
        .to_datetime(jiff::Timestamp::now())
        .strftime("%Y-%m-%dT%H:%M:%S+08:00")
        .to_string()
}

/// An open archive database.
#[derive(Debug)]
pub struct Archive {
    conn: Connection,
    path: PathBuf,
}

/// How long a writer waits for another writer (a publication by someone else) to finish.
const BUSY_WAIT: Duration = Duration::from_secs(10);

impl Archive {
    /// Opens the archive of the library at `library`, creating the database (and the
    /// `.liangxin` folder) when there is none yet.
    ///
    /// # Errors
    /// [`ArchiveError`] when the file cannot be opened or created, is not an archive (another
    /// SQLite database, a damaged file) or was made by a newer liangxin.
    pub fn open(library: &Path) -> Result<Archive, ArchiveError> {
        Archive::open_file(&archive_path(library))
    }

    /// Opens an existing archive of the library at `library`, never creating one: what the
    /// read-only commands (`liangxin history`) use, so that a mistyped folder is an error rather
    /// than an empty archive.
    ///
    /// # Errors
    /// [`ArchiveError::NoArchive`] when the library has no archive yet, and whatever
    /// [`Archive::open`] refuses.
    pub fn open_existing(library: &Path) -> Result<Archive, ArchiveError> {
        let path = archive_path(library);
        if !path.is_file() {
            return Err(ArchiveError::NoArchive(path));
        }
        Archive::open_file(&path)
    }

    /// Opens (or creates) the archive database at `path`.
    ///
    /// # Errors
    /// As [`Archive::open`].
    pub fn open_file(path: &Path) -> Result<Archive, ArchiveError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| ArchiveError::Io(dir.to_owned(), e))?;
        }
        let at = |e| ArchiveError::sqlite(path, e);
        let conn = Connection::open(path).map_err(at)?;
        conn.busy_timeout(BUSY_WAIT).map_err(at)?;
        conn.pragma_update(None, "foreign_keys", true).map_err(at)?;
        let mut archive = Archive {
            conn,
            path: path.to_owned(),
        };
        migrate::migrate(&mut archive.conn, path)?;
        Ok(archive)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn fail(&self) -> impl Fn(rusqlite::Error) -> ArchiveError + '_ {
        move |e| ArchiveError::sqlite(&self.path, e)
    }
}
