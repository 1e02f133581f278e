//! A pack's own fields (declared in `fields:` for columns the shared schema lacks) and one
//! answer from `check` wherever it is run from.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::cli::text;

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("liangxin-fields-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liangxin"))
        .args(args)
        .env_remove("COLUMNS")
        .env("LIANGXIN_POLICIES", dir.join("no-bundled-packs"))
        .current_dir(dir)
        .output()
        .unwrap()
}

fn copy(from: &str, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(from), to).unwrap();
}

/// The pack's own fields are read, defaulted, explained and templated like the schema's, in a
/// folder outside the repository with no `schema/` above it.
#[test]
fn a_packs_own_fields_work_outside_the_repository() {
    let dir = scratch("outside");
    copy(
        "fixtures/own-fields/visits/policy.yaml",
        &dir.join("visits/policy.yaml"),
    );
    copy("fixtures/own-fields/members.csv", &dir.join("members.csv"));

    let check = run_in(&dir, &["check", "visits"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));

    let eval = run_in(
        &dir,
        &[
            "eval",
            "--policy",
            "visits",
            "--records",
            "members.csv",
            "--format",
            "json",
        ],
    );
    assert_eq!(eval.status.code(), Some(0), "{}", text(&eval.stderr));
    let json: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
    let scores: Vec<(String, f64)> = json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["record"].as_str().unwrap().to_owned(),
                o["score"].as_f64().unwrap(),
            )
        })
        .collect();
    // M1: 100 + 5 + min(12 * 2, 20) + 5 (95% >= 90); M2: 100 + 3 + 0 (走访次数 empty: default 0).
    assert_eq!(scores, [("M1".to_owned(), 130.0), ("M2".to_owned(), 103.0)]);

    let explain = run_in(
        &dir,
        &[
            "eval",
            "--policy",
            "visits",
            "--records",
            "members.csv",
            "--record",
            "M2",
        ],
    );
    let explain = text(&explain.stdout);
    assert!(explain.contains("visits 走访次数 = 0"), "{explain}");
    assert!(
        explain.contains("visit_rating 走访满意度 = 80"),
        "{explain}"
    );

    let template = run_in(&dir, &["template", "--policy", "visits"]);
    let header = text(&template.stdout);
    assert!(header.contains("组织生活,走访次数,走访满意度"), "{header}");
}

/// A declared field that clashes with the schema, and a type misspelt, are each an error with
/// its place; the field's uses are not reported again.
#[test]
fn a_declared_field_that_clashes_is_an_error_at_its_place() {
    let dir = scratch("clash");
    let policy = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/own-fields/visits/policy.yaml"),
    )
    .unwrap()
    .replace("type: int", "type: integer")
    .replace("label: 走访满意度", "label: 组织生活");
    std::fs::create_dir_all(dir.join("visits")).unwrap();
    std::fs::write(dir.join("visits/policy.yaml"), policy).unwrap();
    let out = run_in(&dir, &["check", "visits", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, String, u64)> = json[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["help"].as_str().unwrap_or("").to_owned(),
                d["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("own-field".to_owned(), "did you mean `int`?".to_owned(), 10),
            (
                "field-clash".to_owned(),
                "read the schema's field (`- org_life`), or give `visit_rating` a label of its own"
                    .to_owned(),
                15
            ),
        ],
        "{json}"
    );
}
