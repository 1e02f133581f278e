//! Every invalid pack under fixtures/invalid/ (a policy.yaml file, or a pack directory) is
//! rejected with exactly one error, whose rendering is snapshotted. A new case is a new file.

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
    assert_eq!(
        errors,
        1,
        "{name} should have exactly one fault:\n{}",
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
