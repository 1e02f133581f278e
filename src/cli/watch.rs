//! `--watch`: re-run a command whenever one of its files is saved.
//!
//! Polls modification times every 100 ms (no file-notification dependency; the watched set is
//! a handful of files), so the result follows a save within the poll interval plus the run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::Exit;

const POLL: Duration = Duration::from_millis(100);

/// What is watched, by path: modification time and size of every file below it.
type Stamps = Vec<(PathBuf, Option<SystemTime>, u64)>;

fn stamps(roots: &[PathBuf]) -> Stamps {
    let mut out = Vec::new();
    for root in roots {
        collect(root, &mut out, 0);
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

fn collect(path: &Path, out: &mut Stamps, depth: usize) {
    let Ok(meta) = std::fs::metadata(path) else {
        out.push((path.to_path_buf(), None, 0));
        return;
    };
    if meta.is_dir() {
        // Packs are shallow (scripts/, tests/, snapshots/); stop well before any deep tree.
        if depth > 3 {
            return;
        }
        if let Ok(entries) = std::fs::read_dir(path) {
            for entry in entries.flatten() {
                collect(&entry.path(), out, depth + 1);
            }
        }
    } else {
        out.push((path.to_path_buf(), meta.modified().ok(), meta.len()));
    }
}

/// Runs `once` now and again after every change below `roots` (recomputed before each wait, so
/// a new `extends` or script is picked up). `runs` stops after that many runs (for tests).
pub fn watch(
    mut roots: impl FnMut() -> Vec<PathBuf>,
    runs: Option<usize>,
    mut once: impl FnMut() -> Exit,
) -> Exit {
    let mut exit = once();
    let mut done = 1;
    loop {
        if runs.is_some_and(|n| done >= n) {
            return exit;
        }
        let watched = roots();
        eprintln!(
            "-- watching {} path(s); save a file to re-run (Ctrl-C to stop)",
            watched.len()
        );
        let before = stamps(&watched);
        let seen = loop {
            std::thread::sleep(POLL);
            if stamps(&watched) != before {
                break Instant::now();
            }
        };
        // Editors often write a file in several steps: let them finish.
        std::thread::sleep(Duration::from_millis(30));
        say!("\n-- change seen; re-running");
        exit = once();
        done += 1;
        say!(
            "-- result in {} ms after the change was seen",
            seen.elapsed().as_millis()
        );
    }
}

/// The roots of the packs a command names (all bundled packs when none).
pub fn packs_roots(args: &[PathBuf]) -> Vec<PathBuf> {
    super::packs::list_or_bundled(args)
        .map(|dirs| dirs.iter().flat_map(|d| pack_roots(d)).collect())
        .unwrap_or_default()
}

/// The directories of a pack and of the packs it extends, and its scripts.
pub fn pack_roots(pack: &Path) -> Vec<PathBuf> {
    // `policy.yaml` alone has an empty parent: the current directory.
    let dir = |p: &Path| {
        p.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    };
    let mut roots = vec![dir(&liangxin::load::policy_file(pack))];
    if let Ok(loaded) = liangxin::load::load_pack(&liangxin::FsLoader, pack) {
        roots.extend(loaded.files.iter().map(|f| dir(Path::new(&f.path))));
    }
    roots
}

#[derive(Debug, Clone, clap::Args)]
pub struct WatchArgs {
    /// Re-run whenever a file of the pack (or the ledger) is saved, and show what changed.
    #[arg(long)]
    pub watch: bool,
    /// Stop watching after this many runs (for tests).
    #[arg(long, hide = true)]
    pub watch_runs: Option<usize>,
}
