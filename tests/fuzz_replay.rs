//! Replays the fuzz corpus and the inputs of bugs fuzzing found through the harnesses of the
//! cargo-fuzz targets (`liangxin::fuzz`, run by `fuzz/`), so `cargo test` keeps what fuzzing
//! learned without fuzzing. `tests/fuzz/corpus/<target>/` is a minimized sample of the corpus;
//! `tests/fuzz/regressions/<target>/` holds one minimized input per bug, each of which once
//! panicked (or hung): if a bug comes back, its test names the file.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// The files of `tests/fuzz/<kind>/<target>/`, sorted; none if the directory does not exist.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs every corpus and regression input of `target` through `harness`; fails naming each
/// input that panicked.
fn replay(target: &str, harness: fn(&[u8])) {
    let corpus = inputs("corpus", target);
    assert!(
        !corpus.is_empty(),
        "tests/fuzz/corpus/{target}/ is empty or missing"
    );
    let mut failed = Vec::new();
    for path in corpus.iter().chain(&inputs("regressions", target)) {
        let data = std::fs::read(path).unwrap();
        if catch_unwind(AssertUnwindSafe(|| harness(&data))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "panicked on:\n{}", failed.join("\n"));
}

#[test]
fn bundled_packs_for_the_ledger_targets_prepare() {
    assert!(liangxin::fuzz::bundled_ready());
}

#[test]
fn policy() {
    replay("policy", liangxin::fuzz::policy);
}

#[test]
fn ledger_csv() {
    replay("ledger_csv", liangxin::fuzz::ledger_csv);
}

#[test]
fn ledger_json() {
    replay("ledger_json", liangxin::fuzz::ledger_json);
}

#[test]
fn ledger_yaml() {
    replay("ledger_yaml", liangxin::fuzz::ledger_yaml);
}

#[test]
fn expression() {
    replay("expression", liangxin::fuzz::expression);
}
