//! A board kept on disk, in `<library>/.liangxin/boards/<pack>/<year>/`: the roster as
//! uploaded (`roster.<ext>`), the entries accepted so far as an entry ledger (`entries.csv`,
//! the columns `liangxin eval --entries` reads, plus 录入时间), and `entries.committed`, the
//! length of `entries.csv` after the last batch the server answered for.
//!
//! A batch is appended and synced, then the committed length is replaced (written aside,
//! synced, renamed). A crash between the two leaves rows past the committed length: nobody
//! was told they were counted, so at the next start they are moved to a file of their own and
//! the board says so; they are never counted silently. A file shorter than its committed
//! length was cut by someone else: the board refuses to open rather than show fewer entries.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The extensions a roster may be kept under (what the ledger reader reads).
const ROSTER_EXTENSIONS: &[&str] = &["csv", "tsv", "txt", "xlsx", "xls", "ods", "json", "yaml"];

/// Why a stored board cannot be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file of the board could not be read or written.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// The stored files contradict each other (edited or damaged by hand).
    #[error("{}: {message}", path.display())]
    Damaged { path: PathBuf, message: String },
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One board's folder.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// What a stored board holds.
#[derive(Debug)]
pub struct Stored {
    /// The roster file, if one was uploaded.
    pub roster: Option<PathBuf>,
    /// The entry ledger, if any entry was ever accepted (or a header written).
    pub entries: Option<PathBuf>,
    /// What opening found and did (an unanswered tail set aside), for the page.
    pub notices: Vec<String>,
}

impl Store {
    /// The folder of the board of `pack` for `year` in `library` (both already checked: a
    /// pack id of the library, a four-digit year).
    pub fn new(library: &Path, pack: &str, year: &str) -> Store {
        Store {
            dir: library
                .join(".liangxin")
                .join("boards")
                .join(pack)
                .join(year),
        }
    }

    fn entries_path(&self) -> PathBuf {
        self.dir.join("entries.csv")
    }

    fn committed_path(&self) -> PathBuf {
        self.dir.join("entries.committed")
    }

    /// The board's files, after setting aside rows appended but never answered for.
    ///
    /// # Errors
    /// A file cannot be read, two rosters are kept, or the entry ledger is shorter than the
    /// server last wrote it.
    pub fn open(&self) -> Result<Stored, StoreError> {
        let mut notices = Vec::new();
        let roster = self.roster()?;
        let entries = self.entries_path();
        if !entries.exists() {
            return Ok(Stored {
                roster,
                entries: None,
                notices,
            });
        }
        let length = fs::metadata(&entries).map_err(io_at(&entries))?.len();
        let committed_path = self.committed_path();
        match fs::read_to_string(&committed_path) {
            Ok(text) => {
                let committed: u64 = text.trim().parse().map_err(|_| StoreError::Damaged {
                    path: committed_path.clone(),
                    message: format!("`{}` is not a length in bytes", text.trim()),
                })?;
                if length < committed {
                    return Err(StoreError::Damaged {
                        path: entries,
                        message: format!(
                            "积分记录文件比服务器最后写入时短（{length} 字节，应为 {committed} 字节），可能被手工修改或损坏；请从备份恢复 / the entry ledger is {length} bytes, shorter than the {committed} bytes last written: restore it from a backup"
                        ),
                    });
                }
                if length > committed {
                    let aside = self.set_aside(&entries, committed)?;
                    notices.push(format!(
                        "上次写入未完成（服务器在确认前中断），未确认的 {} 字节已移至 {}，未计入 / an append the server never confirmed was moved to {} and not counted",
                        length - committed,
                        aside.display(),
                        aside.display()
                    ));
                }
            }
            // Placed by hand (no server wrote it): taken as it is.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_at(&committed_path)(e)),
        }
        Ok(Stored {
            roster,
            entries: Some(entries),
            notices,
        })
    }

    /// The kept roster: at most one `roster.<ext>`.
    fn roster(&self) -> Result<Option<PathBuf>, StoreError> {
        let mut found = Vec::new();
        for ext in ROSTER_EXTENSIONS {
            let path = self.dir.join(format!("roster.{ext}"));
            if path.is_file() {
                found.push(path);
            }
        }
        match found.len() {
            0 | 1 => Ok(found.pop()),
            _ => Err(StoreError::Damaged {
                path: self.dir.clone(),
                message: format!(
                    "保存了多份名册，无法确定使用哪一份；请删除多余的 / several rosters are kept ({}): remove all but one",
                    found
                        .iter()
                        .filter_map(|p| p.file_name())
                        .map(|n| n.to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }

    /// Moves the bytes of `entries` past `committed` to a file of their own and cuts the
    /// ledger back to what was answered for.
    fn set_aside(&self, entries: &Path, committed: u64) -> Result<PathBuf, StoreError> {
        let bytes = fs::read(entries).map_err(io_at(entries))?;
        let start = usize::try_from(committed)
            .unwrap_or(bytes.len())
            .min(bytes.len());
        let stamp = jiff::Timestamp::now().as_second();
        let aside = self.dir.join(format!("entries.unconfirmed-{stamp}.csv"));
        write_synced(&aside, &bytes[start..])?;
        let file = OpenOptions::new()
            .write(true)
            .open(entries)
            .map_err(io_at(entries))?;
        file.set_len(committed).map_err(io_at(entries))?;
        file.sync_all().map_err(io_at(entries))?;
        Ok(aside)
    }

    /// Keeps `bytes` as the roster (named by `ext`), replacing any other.
    ///
    /// # Errors
    /// When the folder or the file cannot be written.
    pub fn put_roster(&self, ext: &str, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        fs::create_dir_all(&self.dir).map_err(io_at(&self.dir))?;
        let path = self.dir.join(format!("roster.{ext}"));
        replace(&path, bytes)?;
        for other in ROSTER_EXTENSIONS.iter().filter(|e| **e != ext) {
            let old = self.dir.join(format!("roster.{other}"));
            if old.exists() {
                fs::remove_file(&old).map_err(io_at(&old))?;
            }
        }
        Ok(path)
    }

    /// Appends whole rows (each ending in a line feed) to the entry ledger, writing `header`
    /// first when the ledger is new, and records the new length as answered for.
    ///
    /// # Errors
    /// When the ledger or its committed length cannot be written and synced; the rows are then
    /// not answered for (the next start sets them aside).
    pub fn append(&self, header: &str, rows: &str) -> Result<(), StoreError> {
        fs::create_dir_all(&self.dir).map_err(io_at(&self.dir))?;
        let path = self.entries_path();
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io_at(&path))?;
        let length = file.metadata().map_err(io_at(&path))?.len();
        let mut text = String::with_capacity(header.len() + rows.len());
        if length == 0 {
            text.push_str(header);
        }
        text.push_str(rows);
        file.write_all(text.as_bytes()).map_err(io_at(&path))?;
        file.sync_all().map_err(io_at(&path))?;
        let now = length + text.len() as u64;
        replace(&self.committed_path(), now.to_string().as_bytes())
    }
}

/// Writes a new file and syncs it.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut file = File::create(path).map_err(io_at(path))?;
    file.write_all(bytes).map_err(io_at(path))?;
    file.sync_all().map_err(io_at(path))
}

/// Replaces `path` with `bytes` all at once: written beside it, synced, renamed over it, and
/// the folder synced so the rename survives a crash.
fn replace(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut aside = tempfile::NamedTempFile::new_in(dir).map_err(io_at(dir))?;
    aside.write_all(bytes).map_err(io_at(path))?;
    aside.as_file().sync_all().map_err(io_at(path))?;
    aside.persist(path).map_err(|e| io_at(path)(e.error))?;
    if let Ok(folder) = File::open(dir) {
        // Not every file system can sync a folder; the rename is then as durable as it gets.
        let _ = folder.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn rows_past_the_committed_length_are_set_aside_not_counted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path(), "p", "2022");
        store.append("a,b\n", "1,2\n").unwrap();
        // A crash after the append, before the committed length was replaced: half a row.
        let entries = dir.path().join(".liangxin/boards/p/2022/entries.csv");
        let mut file = OpenOptions::new().append(true).open(&entries).unwrap();
        file.write_all(b"3,").unwrap();
        let stored = store.open().unwrap();
        assert_eq!(fs::read_to_string(&entries).unwrap(), "a,b\n1,2\n");
        assert_eq!(stored.notices.len(), 1, "{:?}", stored.notices);
        assert!(stored.notices[0].contains("未确认"), "{:?}", stored.notices);
        // The next append continues from the answered-for rows.
        store.append("a,b\n", "4,5\n").unwrap();
        assert_eq!(fs::read_to_string(&entries).unwrap(), "a,b\n1,2\n4,5\n");
        assert!(store.open().unwrap().notices.is_empty());
    }

    #[test]
    fn a_ledger_cut_short_or_two_rosters_refuse_to_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path(), "p", "2022");
        store.append("a,b\n", "1,2\n").unwrap();
        let entries = dir.path().join(".liangxin/boards/p/2022/entries.csv");
        fs::write(&entries, "a,b\n").unwrap();
        let e = store.open().unwrap_err().to_string();
        assert!(e.contains("shorter") && e.contains("entries.csv"), "{e}");

        let other = Store::new(dir.path(), "q", "2022");
        other.put_roster("csv", b"x").unwrap();
        other.put_roster("xlsx", b"y").unwrap();
        assert!(
            other
                .open()
                .unwrap()
                .roster
                .unwrap()
                .ends_with("roster.xlsx")
        );
        fs::write(dir.path().join(".liangxin/boards/q/2022/roster.csv"), "x").unwrap();
        let e = other.open().unwrap_err().to_string();
        assert!(e.contains("roster.csv") && e.contains("roster.xlsx"), "{e}");
    }
}
