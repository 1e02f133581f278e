//! Prepared packs kept between requests.
//!
//! Loading, validating and compiling a pack (`liangxin::prepare_at`) costs far more than
//! evaluating one record, so the server keeps what it prepared, by pack id and as-of date (dated
//! params make the same pack a different policy on another date).
//!
//! A kept pack must never be older than its files. Two ways a pack changes:
//!
//! - **through the server** (a pack saved or reverted by the workbench): the code that writes
//!   it calls [`crate::AppState::packs_changed`], which empties the cache before it returns, so
//!   the next request prepares again;
//! - **on disk, by someone else**: each entry remembers every question the loader asked while
//!   preparing it (every file read with its text, every folder listed, every `is_file` and
//!   every link resolved, found ones and missing ones alike, since a `schema/` that appears
//!   above a pack changes the pack too) and, at most once per `recheck` interval, asks them
//!   again, of the same loader (the caller's: the file system, or a loader confined to the
//!   library). Any different answer and the pack is prepared anew. This covers `extends:`
//!   parents, scripts and schemas without knowing how the core finds them: what the core read
//!   is, by construction, what its result depends on. Texts are compared whole, not by
//!   modification time, so an edit within the file system's timestamp granularity is not
//!   missed.
//!
//! An invalid pack is kept too (its diagnostics, for the 422 and `check`): fixing the file is
//! seen the same way. An I/O failure is never kept: it may be passing.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use liangxin::{Diagnostic, LoadError, Loader, Prepared};

// Prepared packs are shared between requests on different threads. `CompiledPolicy` holds a
// Rhai `Engine` and ASTs; the workspace builds Rhai with its `sync` feature, which makes them
// `Send + Sync`, and evaluation takes `&self` (each evaluation builds its own scope), so one
// `Arc<Prepared>` serves any number of evaluations at once. Should that ever stop being true,
// this line stops compiling rather than the server turning unsound.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Prepared>();
};

/// The packs of the library, by id, sorted.
pub type Listing = Arc<Vec<(String, PathBuf)>>;

/// What preparing a pack gave: the prepared pack, or the diagnostics that make it invalid.
pub type Outcome = Result<Arc<Prepared>, Arc<Vec<Diagnostic>>>;

/// A pack file that could not be read at all (not kept: it may be passing).
#[derive(Debug)]
pub struct Unreadable {
    pub path: String,
    pub source: io::Error,
}

/// The prepared packs, by (pack id, as-of date); shared by every clone of the state.
#[derive(Debug)]
pub struct PackCache {
    entries: Mutex<HashMap<String, Arc<Entry>>>,
    /// The library's packs (id, folder) and when they were listed: listing the folder is a
    /// dozen system calls, more than the rest of a small request's file system work.
    listing: Mutex<Option<(Instant, Listing)>>,
    /// Bumped by [`PackCache::clear`]: an entry prepared from files read before a clear is never
    /// kept after it.
    generation: AtomicU64,
    /// A counter for least-recently-used eviction.
    tick: AtomicU64,
    capacity: usize,
    recheck: Duration,
}

#[derive(Debug)]
struct Entry {
    outcome: Outcome,
    seen: Vec<Seen>,
    /// When the pack's files were last found unchanged (or read).
    checked: Mutex<Instant>,
    used: AtomicU64,
}

impl PackCache {
    /// A cache of at most `capacity` packs (at least one), each rechecked against its files at
    /// most once per `recheck`.
    pub fn new(capacity: usize, recheck: Duration) -> PackCache {
        PackCache {
            entries: Mutex::new(HashMap::new()),
            listing: Mutex::new(None),
            generation: AtomicU64::new(0),
            tick: AtomicU64::new(0),
            capacity: capacity.max(1),
            recheck,
        }
    }

    /// The pack `id` in folder `dir`, prepared as of `as_of` through `loader`: kept, or prepared
    /// now. The same loader (one that reads the same files the same way) must be given for a
    /// pack every time: a kept pack's answers are asked of it again. Blocking (it reads files
    /// and compiles): call it on a blocking thread.
    pub fn get<L: Loader>(
        &self,
        id: &str,
        dir: &Path,
        as_of: &str,
        loader: impl Fn() -> L,
    ) -> Result<Outcome, Unreadable> {
        self.get_within(id, dir, as_of, self.recheck, loader)
    }

    /// As [`PackCache::get`], but a kept pack's files are asked again now, whenever they were
    /// last: for work whose result is labelled with the library's state as it is now.
    pub fn get_fresh<L: Loader>(
        &self,
        id: &str,
        dir: &Path,
        as_of: &str,
        loader: impl Fn() -> L,
    ) -> Result<Outcome, Unreadable> {
        self.get_within(id, dir, as_of, Duration::ZERO, loader)
    }

    fn get_within<L: Loader>(
        &self,
        id: &str,
        dir: &Path,
        as_of: &str,
        recheck: Duration,
        loader: impl Fn() -> L,
    ) -> Result<Outcome, Unreadable> {
        // Made only when the files are asked (a miss, or a recheck that is due): a loader may
        // cost system calls to make (a confined one resolves the library's path).
        let made = std::cell::OnceCell::new();
        let loader = || made.get_or_init(&loader);
        let key = format!("{id} {as_of}");
        let generation = self.generation.load(Ordering::Acquire);
        let kept = self.lock().get(&key).cloned();
        if let Some(entry) = kept {
            entry
                .used
                .store(self.tick.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
            if !entry.due(recheck) || entry.seen.iter().all(|s| s.still_holds(loader())) {
                return Ok(entry.outcome.clone());
            }
        }
        let started = Instant::now();
        let recorder = Recorder {
            inner: loader(),
            seen: RefCell::default(),
        };
        let outcome = match liangxin::prepare_at(&recorder, dir, Some(as_of)) {
            Ok(prepared) => Ok(Arc::new(prepared)),
            Err(LoadError::Invalid(diagnostics)) => Err(Arc::new(diagnostics)),
            Err(LoadError::Io { path, source }) => return Err(Unreadable { path, source }),
        };
        let entry = Arc::new(Entry {
            outcome: outcome.clone(),
            seen: recorder.seen.into_inner(),
            checked: Mutex::new(started),
            used: AtomicU64::new(self.tick.fetch_add(1, Ordering::Relaxed)),
        });
        let mut entries = self.lock();
        // Checked under the lock `clear` takes: a clear that began after this preparation read
        // its files has either emptied the map already (and changed the generation) or will.
        if self.generation.load(Ordering::Acquire) == generation {
            entries.insert(key, entry);
            while entries.len() > self.capacity {
                let oldest = entries
                    .iter()
                    .min_by_key(|(_, e)| e.used.load(Ordering::Relaxed))
                    .map(|(k, _)| k.clone());
                match oldest {
                    Some(k) => entries.remove(&k),
                    None => break,
                };
            }
        }
        Ok(outcome)
    }

    /// The packs of `library` ([`crate::library::list`]), listed again when the last listing
    /// is older than the recheck interval: a pack added or removed on disk is seen within it.
    pub fn listing(&self, library: &Path) -> io::Result<Listing> {
        let mut kept = self.listing.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((at, packs)) = kept.as_ref()
            && at.elapsed() < self.recheck
        {
            return Ok(packs.clone());
        }
        // Listed under the lock, so `clear` cannot slip between the listing and its keeping;
        // timed from before the listing, which may miss a pack added while it runs.
        let started = Instant::now();
        let packs: Listing = Arc::new(crate::library::list(library)?);
        *kept = Some((started, packs.clone()));
        Ok(packs)
    }

    /// Forgets every prepared pack and the listing, at once: the next request lists the
    /// library and prepares from the files.
    pub fn clear(&self) {
        let mut entries = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
        *self.listing.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// How many packs are kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Entry>>> {
        // A panic while holding the lock leaves the map whole (inserts and removes are single
        // calls), so a poisoned lock is still a sound map.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Entry {
    /// Whether the files are due to be asked again; if so, the next check is `recheck` away
    /// (other requests meanwhile keep using this entry, which is at most that old).
    fn due(&self, recheck: Duration) -> bool {
        let now = Instant::now();
        let mut checked = self.checked.lock().unwrap_or_else(PoisonError::into_inner);
        if now.saturating_duration_since(*checked) < recheck {
            return false;
        }
        *checked = now;
        true
    }
}

/// One question the loader answered while a pack was prepared, with its answer. An error is
/// kept by its kind: a file still missing is the same answer, a file now readable is not.
#[derive(Debug)]
enum Seen {
    Read(PathBuf, Result<String, io::ErrorKind>),
    List(PathBuf, String, Result<Vec<PathBuf>, io::ErrorKind>),
    IsFile(PathBuf, bool),
    RealPath(PathBuf, Result<PathBuf, io::ErrorKind>),
}

impl Seen {
    /// Whether `loader` still gives the same answer.
    fn still_holds(&self, loader: &dyn Loader) -> bool {
        match self {
            Seen::Read(path, was) => kinds(loader.read(path)) == *was,
            Seen::List(dir, ext, was) => kinds(loader.list(dir, ext)) == *was,
            Seen::IsFile(path, was) => loader.is_file(path) == *was,
            Seen::RealPath(path, was) => kinds(loader.real_path(path)) == *was,
        }
    }
}

fn kinds<T>(result: io::Result<T>) -> Result<T, io::ErrorKind> {
    result.map_err(|e| e.kind())
}

/// A loader, noting every answer it gives.
struct Recorder<'a> {
    inner: &'a dyn Loader,
    seen: RefCell<Vec<Seen>>,
}

impl Recorder<'_> {
    fn note<T: Clone>(
        &self,
        answer: io::Result<T>,
        seen: impl FnOnce(Result<T, io::ErrorKind>) -> Seen,
    ) -> io::Result<T> {
        let kept = match &answer {
            Ok(value) => Ok(value.clone()),
            Err(e) => Err(e.kind()),
        };
        self.seen.borrow_mut().push(seen(kept));
        answer
    }
}

impl Loader for Recorder<'_> {
    fn read(&self, path: &Path) -> io::Result<String> {
        self.note(self.inner.read(path), |a| Seen::Read(path.to_owned(), a))
    }

    fn list(&self, dir: &Path, ext: &str) -> io::Result<Vec<PathBuf>> {
        self.note(self.inner.list(dir, ext), |a| {
            Seen::List(dir.to_owned(), ext.to_owned(), a)
        })
    }

    fn is_file(&self, path: &Path) -> bool {
        let answer = self.inner.is_file(path);
        self.seen
            .borrow_mut()
            .push(Seen::IsFile(path.to_owned(), answer));
        answer
    }

    fn real_path(&self, path: &Path) -> io::Result<PathBuf> {
        self.note(self.inner.real_path(path), |a| {
            Seen::RealPath(path.to_owned(), a)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::time::Duration;

    use axum::http::StatusCode;
    use liangxin::FsLoader;

    use super::PackCache;
    use crate::testing::{config, score, shared, write_pack};
    use crate::{AppState, Config, app_on};

    fn state(library: &std::path::Path, recheck: Duration) -> std::sync::Arc<AppState> {
        shared(&Config {
            pack_recheck: recheck,
            ..config(library)
        })
    }

    /// A pack is prepared once and kept: within the recheck interval a change on disk is not
    /// read (which shows the second request did not prepare it again), and `packs_changed`
    /// makes the next request read it at once.
    #[tokio::test]
    async fn packs_changed_is_seen_by_the_next_request() {
        let library = tempfile::tempdir().unwrap();
        let pack = library.path().join("small");
        write_pack(&pack, 1000);
        let state = state(library.path(), Duration::from_secs(3600));
        let app = app_on(state.clone());
        assert_eq!(score(&app, "small").await.unwrap(), 1005.0);
        write_pack(&pack, 2000);
        assert_eq!(score(&app, "small").await.unwrap(), 1005.0, "kept");
        // A pack added is in the kept listing only once told.
        write_pack(&library.path().join("added"), 500);
        let (status, _) = score(&app, "added").await.unwrap_err();
        assert_eq!(status, StatusCode::NOT_FOUND);
        state.packs_changed();
        assert_eq!(score(&app, "small").await.unwrap(), 2005.0);
        assert_eq!(score(&app, "added").await.unwrap(), 505.0);
    }

    /// Edited on disk by someone else, a pack is read again once the recheck interval has
    /// passed, and a pack added is listed. The edit keeps the file's length: texts are
    /// compared, not sizes.
    #[tokio::test]
    async fn a_pack_edited_on_disk_is_seen_after_the_recheck_interval() {
        let library = tempfile::tempdir().unwrap();
        let pack = library.path().join("small");
        write_pack(&pack, 1000);
        let app = app_on(state(library.path(), Duration::from_millis(200)));
        assert_eq!(score(&app, "small").await.unwrap(), 1005.0);
        write_pack(&pack, 3000);
        write_pack(&library.path().join("added"), 500);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(score(&app, "small").await.unwrap(), 3005.0);
        assert_eq!(score(&app, "added").await.unwrap(), 505.0);
    }

    /// What a pack extends is part of it: a parent edited on disk changes the child.
    #[tokio::test]
    async fn an_edited_parent_pack_changes_its_child() {
        let library = tempfile::tempdir().unwrap();
        write_pack(&library.path().join("parent"), 1000);
        let child = library.path().join("child");
        std::fs::create_dir_all(&child).unwrap();
        std::fs::write(
            child.join("policy.yaml"),
            "id: child\nname: 子标准\nextends: ../parent\n",
        )
        .unwrap();
        let app = app_on(state(library.path(), Duration::ZERO));
        assert_eq!(score(&app, "child").await.unwrap(), 1005.0);
        write_pack(&library.path().join("parent"), 4000);
        assert_eq!(score(&app, "child").await.unwrap(), 4005.0);
    }

    /// An invalid pack still answers 422 with its diagnostics, from the cache too, and is
    /// usable once fixed on disk.
    #[tokio::test]
    async fn an_invalid_pack_keeps_its_diagnostics_until_fixed() {
        let library = tempfile::tempdir().unwrap();
        let pack = library.path().join("small");
        write_pack(&pack, 1000);
        let broken = crate::testing::pack_text(1000).replace("expr: org_life", "expr: org_lief");
        std::fs::write(pack.join("policy.yaml"), broken).unwrap();
        let app = app_on(state(library.path(), Duration::ZERO));
        for _ in 0..2 {
            let (status, body) = score(&app, "small").await.unwrap_err();
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            let value: serde_json::Value = serde_json::from_str(&body).unwrap();
            let details = value["error"]["details"].to_string();
            assert!(details.contains("org_lief"), "{body}");
        }
        write_pack(&pack, 1000);
        assert_eq!(score(&app, "small").await.unwrap(), 1005.0);
    }

    /// As-of dates vary: the cache keeps at most its capacity, the least recently used going
    /// first.
    #[test]
    fn the_cache_is_bounded() {
        let library = tempfile::tempdir().unwrap();
        let pack = library.path().join("small");
        write_pack(&pack, 1000);
        let cache = PackCache::new(2, Duration::from_secs(3600));
        let first = cache
            .get("small", &pack, "2024-01-01", || FsLoader)
            .unwrap()
            .unwrap();
        let again = cache
            .get("small", &pack, "2024-01-01", || FsLoader)
            .unwrap()
            .unwrap();
        assert!(std::sync::Arc::ptr_eq(&first, &again), "prepared once");
        cache
            .get("small", &pack, "2024-01-02", || FsLoader)
            .unwrap()
            .unwrap();
        // 01-01 used again, so 01-02 is the least recently used when 01-03 comes.
        cache
            .get("small", &pack, "2024-01-01", || FsLoader)
            .unwrap()
            .unwrap();
        cache
            .get("small", &pack, "2024-01-03", || FsLoader)
            .unwrap()
            .unwrap();
        assert_eq!(cache.len(), 2);
        let kept = cache
            .get("small", &pack, "2024-01-01", || FsLoader)
            .unwrap()
            .unwrap();
        assert!(
            std::sync::Arc::ptr_eq(&first, &kept),
            "the recently used one stays"
        );
    }
}
