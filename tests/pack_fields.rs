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

/// What `check --format json` says, with each file named by its real path, so two runs from
/// different folders can be compared.
fn check_json(cwd: &Path, pack: &str) -> (Option<i32>, Vec<serde_json::Value>) {
    let out = run_in(cwd, &["check", pack, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    let diagnostics = json[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let mut d = d.clone();
            let file = d["location"]["file"].as_str().unwrap().to_owned();
            let real = std::fs::canonicalize(cwd.join(&file))
                .unwrap_or_else(|e| panic!("{file} from {}: {e}", cwd.display()));
            d["location"]["file"] = real.display().to_string().into();
            d
        })
        .collect();
    (out.status.code(), diagnostics)
}

/// `liangxin check .` in the pack's folder, `check policy.yaml` there and `check policies/a`
/// from the project find the same schema (the project's, which has a field the built-in one
/// lacks), follow the same `extends:` and report the same problems at the same places.
#[test]
fn check_gives_one_answer_from_inside_the_pack_and_from_above() {
    let project = scratch("one-answer");
    let schema =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/member.yaml"))
            .unwrap();
    std::fs::create_dir_all(project.join("schema")).unwrap();
    std::fs::write(
        project.join("schema/member.yaml"),
        format!("{schema}  house_visits:\n    label: 入户走访\n    type: int\n    default: 0\n"),
    )
    .unwrap();
    let write = |path: &str, text: &str| {
        let path = project.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "policies/b/policy.yaml",
        "id: b\nname: 乙\nsubject: member\nfields: [org_life]\nrules:\n  - { id: base, kind: base, value: 100 }\n  - { id: org_life, kind: points, label: 组织生活, expr: org_lif }\nbands:\n  on: score\n  grades:\n    - { grade: good, at_least: 120 }\n    - { grade: fair, below: 120 }\ngrades:\n  good: { label: 优秀, pass: true }\n  fair: { label: 合格, pass: true }\n",
    );
    write(
        "policies/a/policy.yaml",
        "id: a\nname: 甲\nextends: ../b\nfields: [house_visits]\nrules:\n  - { id: visits, kind: points, label: 走访, expr: house_visit * 2 }\n",
    );
    let inside = project.join("policies/a");
    let from_above = check_json(&project, "policies/a");
    assert_eq!(from_above.0, Some(1));
    let codes: Vec<&str> = (from_above.1.iter())
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    // The parent's misspelt field and the pack's, found through the project's schema.
    assert_eq!(
        codes,
        ["unknown-name", "unknown-name"],
        "{:#?}",
        from_above.1
    );
    assert!(
        from_above
            .1
            .iter()
            .any(|d| d["help"] == "did you mean `house_visits`?"),
        "{:#?}",
        from_above.1
    );
    for (cwd, pack) in [
        (&inside, "."),
        (&inside, "policy.yaml"),
        (&inside, "./"),
        (&project.join("policies"), "a"),
    ] {
        assert_eq!(
            check_json(cwd, pack),
            from_above,
            "check {pack} in {}",
            cwd.display()
        );
    }
}

/// A pack that extends another inherits its declared fields; declaring one again with the label
/// of an inherited one under another id is a clash.
#[test]
fn declared_fields_are_inherited_through_extends() {
    let parent = "id: p\nname: 父\nsubject: member\nfields:\n  - { id: visits, label: 走访次数, type: int, min: 0, default: 0 }\nrules:\n  - { id: visits, kind: points, label: 走访, expr: visits }\n";
    let child = "id: c\nname: 子\nextends: ../p\nrules:\n  - { id: more, kind: points, label: 加分, expr: visits * 2 }\n";
    let loader = liangxin::MemoryLoader::new()
        .with("packs/p/policy.yaml", parent)
        .with("packs/c/policy.yaml", child);
    let prepared =
        liangxin::prepare(&loader, "packs/c".as_ref()).unwrap_or_else(|e| panic!("{e:?}"));
    let schema = &prepared.policy.policy.schema;
    let visits = schema.field("visits").unwrap();
    assert_eq!(
        (visits.label.as_str(), visits.own, visits.min),
        ("走访次数", true, Some(0.0))
    );

    let clashing = child.replace(
        "rules:",
        "fields:\n  - { id: house_visits, label: 走访次数, type: int }\nrules:",
    );
    let loader = liangxin::MemoryLoader::new()
        .with("packs/p/policy.yaml", parent)
        .with("packs/c/policy.yaml", clashing);
    let Err(liangxin::LoadError::Invalid(diagnostics)) =
        liangxin::prepare(&loader, "packs/c".as_ref())
    else {
        panic!("a clash between declared labels must be refused");
    };
    let codes: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect();
    assert_eq!(codes, ["field-clash"], "{diagnostics:#?}");
}
