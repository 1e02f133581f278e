//! Why an archive operation failed, as data: each case names what staff must do.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// Why an archive operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The library has no archive yet (nothing was ever published there).
    #[error(
        "no archive at {0}: nothing has been published in this library yet (liangxin publish) / 此标准库尚无已发布的测评结果"
    )]
    NoArchive(PathBuf),
    /// The file exists but is not a liangxin archive: another program's database, or damaged.
    #[error(
        "{path} is not a liangxin archive ({why}); it was not changed. Restore it from a backup or move it away / 此文件不是测评结果档案或已损坏，未作任何修改"
    )]
    NotAnArchive {
        /// The file.
        path: PathBuf,
        /// What was found instead.
        why: String,
    },
    /// The archive was written by a newer liangxin, whose tables this one does not know.
    #[error(
        "{path} has archive format {found}, newer than this liangxin's {known}: update liangxin / 档案由较新版本的 liangxin 写入，请升级"
    )]
    NewerFormat {
        /// The file.
        path: PathBuf,
        /// Its format version (SQLite's `user_version`).
        found: i64,
        /// The newest format this build knows.
        known: i64,
    },
    /// The file could not be read or written.
    #[error("cannot use the folder {0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// SQLite answered with an error not covered above (disk full, read-only file, a lock held
    /// past the wait).
    #[error("the archive {path} could not be used: {message}")]
    Database {
        /// The file.
        path: PathBuf,
        /// SQLite's message.
        message: String,
    },
    /// Published results are never changed: the database refused a change (an `UPDATE` or
    /// `DELETE` of something published).
    #[error("published results are never changed: {0} / 已发布的结果不可修改")]
    Frozen(String),
    /// A publication for this pack and period exists; publishing again supersedes it and needs
    /// a reason.
    #[error(
        "{pack} {period} was already published (No. {id}, by {by} at {at}); to supersede it, give the reason (--reason) / 该标准该期已发布，重新发布须说明理由"
    )]
    AlreadyPublished {
        /// The pack.
        pack: String,
        /// The period.
        period: String,
        /// The current publication's number.
        id: i64,
        /// Who published it.
        by: String,
        /// When.
        at: String,
    },
    /// A reason was given, but there is nothing to supersede.
    #[error(
        "{pack} {period} has not been published yet: a reason is only for superseding a publication / 该标准该期尚未发布，无需填写重新发布理由"
    )]
    NothingToSupersede {
        /// The pack.
        pack: String,
        /// The period.
        period: String,
    },
    /// What was asked to be published is not publishable (record errors, a bad period, no
    /// publisher); the message names the rows or the value.
    #[error("{0}")]
    Refused(String),
    /// No current publication of this pack for this period.
    #[error("{pack} has no publication for {period} / 该标准没有 {period} 的已发布结果")]
    NotPublished {
        /// The pack.
        pack: String,
        /// The period.
        period: String,
    },
    /// No publication with this number.
    #[error("no publication No. {0} in the archive / 档案中没有第 {0} 号发布")]
    NoPublication(i64),
}

impl ArchiveError {
    /// SQLite's error on `path`, told apart: a file that is not a database, a change the
    /// triggers refused, and the rest.
    pub(crate) fn sqlite(path: &Path, e: rusqlite::Error) -> ArchiveError {
        match &e {
            rusqlite::Error::SqliteFailure(f, message) => match f.code {
                ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => {
                    ArchiveError::NotAnArchive {
                        path: path.to_owned(),
                        why: message.clone().unwrap_or_else(|| f.to_string()),
                    }
                }
                // RAISE(ABORT, …) in a trigger: the message is the trigger's own.
                ErrorCode::ConstraintViolation
                    if message
                        .as_deref()
                        .is_some_and(|m| m.contains("never changed")) =>
                {
                    ArchiveError::Frozen(message.clone().unwrap_or_default())
                }
                _ => ArchiveError::Database {
                    path: path.to_owned(),
                    message: e.to_string(),
                },
            },
            _ => ArchiveError::Database {
                path: path.to_owned(),
                message: e.to_string(),
            },
        }
    }
}
