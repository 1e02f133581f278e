//! Every invalid pack under fixtures/invalid/ (a policy.yaml file, or a pack directory) is
//! rejected with exactly one error, whose rendering is snapshotted. A new case is a new file.
//! A file whose first line says `# N faults` has N, all reported in one run.

use std::path::Path;

use liangxin::{FsLoader, LoadError, prepare};

fn check(path: &Path) {
    // Relative to the crate, so snapshots do not depend on where the repository is.
    let path = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path);
    let name = path.display().to_string();
    let diagnostics = match prepare(&FsLoader, path) {
        Ok(_) => panic!("{name} should be rejected"),
        Err(LoadError::Io { path, source }) => panic!("{path}: {source}"),
        Err(LoadError::Invalid(d)) => d,
    };
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let rendered: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
    let faults = faults(&liangxin::load::policy_file(path));
    assert_eq!(
        errors,
        faults,
        "{name} should have {faults} fault(s):\n{}",
        rendered.join("\n\n")
    );
    for d in &diagnostics {
        assert!(
            !d.location.file.is_empty(),
            "{name}: a diagnostic without a file"
        );
    }
    insta::assert_snapshot!(rendered.join("\n\n"));
}

/// How many faults a case has: `# N faults` on its first line, else one.
fn faults(file: &Path) -> usize {
    let text = std::fs::read(file).unwrap_or_default();
    let first = String::from_utf8_lossy(&text);
    first
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("# "))
        .and_then(|line| line.split_once(" faults"))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or(1)
}

#[test]
fn invalid_policy_files() {
    insta::glob!("../fixtures/invalid", "*.yaml", check);
}

#[test]
fn invalid_pack_directories() {
    insta::glob!("../fixtures/invalid", "*/policy.yaml", |path| check(
        path.parent().unwrap_or(path)
    ));
}
