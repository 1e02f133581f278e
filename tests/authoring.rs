//! The authoring loop as staff meet it: `liangxin test` on cases and snapshots, `--accept`,
//! `--coverage`, and `liangxin snapshot`.

use std::process::{Command, Output};

fn liangxin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liangxin"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

/// A draft of longwen-points that only changes the recommendation threshold, to be written in
/// a [`draft_dir`] (inside the project, since a pack may extend only packs of its project).
fn draft(recommend_at: u32) -> String {
    format!(
        "id: draft\nname: 草稿\nsubject: member\nextends: ../../../policies/longwen-points\nparams:\n  recommend_at: {{ value: {recommend_at} }}\n"
    )
}

/// A fresh folder for a draft pack, two levels inside the project: `target/liangxin-tests/`.
fn draft_dir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/liangxin-tests")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs a `--watch` command, saves `file` with `contents` once it is watching, and returns its
/// output after its last run.
fn watch_and_save(args: &[&str], file: &std::path::Path, contents: String) -> Output {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_liangxin"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 && !line.contains("watching") {
        line.clear();
    }
    std::thread::sleep(std::time::Duration::from_millis(50));
    // A different length too (a trailing comment), so even a coarse file clock sees the change.
    std::fs::write(file, contents + "# saved\n").unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_bundled_pack_passes_its_cases_and_snapshots_and_is_fully_covered() {
    let out = liangxin(&["test", "--coverage"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for line in [
        "ok: longwen-points: 10 of 10 case(s) passed, 1 snapshot(s)",
        "ok: zhuzhou-wuhua-enterprise: 5 of 5 case(s) passed, 1 snapshot(s)",
        "ok: zhuzhou-wuhua-social: 3 of 3 case(s) passed, 1 snapshot(s)",
        "ok: jinan-sanqiang-sanhao: 6 of 6 case(s) passed, 2 snapshot(s)",
        "ok: longwen-stars: 10 of 10 case(s) passed, 1 snapshot(s)",
        "ok: longwen-grid: 2 of 2 case(s) passed, 1 snapshot(s)",
        "ok: xingyi-liuge-qianghua: 7 of 7 case(s) passed, 1 snapshot(s)",
        "ok: ganjingzi-development: 38 of 38 case(s) passed, 1 snapshot(s)",
        "ok: ganjingzi-sanmanyi: 5 of 5 case(s) passed, 1 snapshot(s)",
    ] {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
    assert_eq!(
        text.matches("every rule, criterion and band is exercised")
            .count(),
        9,
        "{text}"
    );
}

#[test]
fn failing_cases_show_file_line_expected_and_actual() {
    let out = liangxin(&["test", "fixtures/authoring/failing-case"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn a_changed_rule_shows_the_records_it_moves_until_accepted() {
    let dir = draft_dir("authoring");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("policy.yaml"), draft(900)).unwrap();
    let d = dir.to_str().unwrap();
    let out = liangxin(&[
        "snapshot",
        "--policy",
        d,
        "--records",
        "fixtures/longwen/members.csv",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("snapshots/members.yaml").is_file());
    assert_eq!(liangxin(&["test", d]).status.code(), Some(0));

    std::fs::write(dir.join("policy.yaml"), draft(880)).unwrap();
    let out = liangxin(&["test", d]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("9 of 60 records changed"), "{text}");
    assert!(
        text.contains("LW2022014: qualified score 899 money 0 → recommended score 899 money 0"),
        "{text}"
    );

    assert_eq!(liangxin(&["test", d, "--accept"]).status.code(), Some(0));
    let out = liangxin(&["test", d]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("60 records unchanged"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn coverage_lists_what_no_case_exercises() {
    let out = liangxin(&["test", "fixtures/authoring/failing-case", "--coverage"]);
    let text = stdout(&out);
    assert!(
        text.contains("veto `key_work_veto` 重点工作一票否决 never fires"),
        "{text}"
    );
    assert!(
        text.contains("band 3 (grade `remedial`) is never matched"),
        "{text}"
    );
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_liangxin"))
        .args([
            "eval",
            "--policy",
            "jinan-sanqiang-sanhao",
            "--records",
            "fixtures/jinan/organizations.csv",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_ne!(status.code(), Some(101), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_editor_schemas_in_docs_match_the_format() {
    for (args, file) in [
        (&["schema"][..], "docs/schema/policy.schema.json"),
        (&["schema", "--cases"][..], "docs/schema/cases.schema.json"),
    ] {
        let out = liangxin(args);
        let committed =
            std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
                .unwrap();
        assert_eq!(
            stdout(&out),
            committed,
            "{file} is stale: regenerate it with `liangxin {} -o {file}`",
            args.join(" ")
        );
    }
    let schema: serde_json::Value = serde_json::from_str(&stdout(&liangxin(&["schema"]))).unwrap();
    // Every key of the format is described, and a misspelt key is flagged.
    assert_eq!(schema["additionalProperties"], false);
    for key in [
        "id", "name", "subject", "params", "rules", "bands", "grades", "extends",
    ] {
        assert!(
            schema["properties"][key]["description"].is_string(),
            "{key}"
        );
    }
}

#[test]
fn every_bundled_file_names_its_schema_for_editors() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for pack in std::fs::read_dir(root.join("policies")).unwrap() {
        let dir = pack.unwrap().path();
        let policy = std::fs::read_to_string(dir.join("policy.yaml")).unwrap();
        assert!(
            policy.starts_with(
                "# yaml-language-server: $schema=../../docs/schema/policy.schema.json\n"
            ),
            "{}",
            dir.display()
        );
        for case in std::fs::read_dir(dir.join("tests")).unwrap() {
            let text = std::fs::read_to_string(case.unwrap().path()).unwrap();
            assert!(text.starts_with(
                "# yaml-language-server: $schema=../../../docs/schema/cases.schema.json\n"
            ));
        }
    }
}

#[test]
fn watch_reruns_on_save_and_shows_what_moved() {
    let dir = draft_dir("watch");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("policy.yaml"), draft(900)).unwrap();
    let d = dir.to_str().unwrap();
    let args = [
        "eval",
        "--policy",
        d,
        "--records",
        "fixtures/longwen/members.csv",
        "--format",
        "csv",
        "--watch",
        "--watch-runs",
        "2",
    ];
    let out = watch_and_save(&args, &dir.join("policy.yaml"), draft(880));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text.contains("-- since the last run: 9 of 60 records changed"),
        "{text}"
    );
    assert!(
        text.contains("LW2022014 王荣阳: 合格 899 → 优先推荐 899"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_watch_says_which_problems_a_save_fixed() {
    let dir = std::env::temp_dir().join(format!("liangxin-check-watch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/invalid/unknown-rule-kind.yaml"),
    )
    .unwrap();
    std::fs::write(dir.join("policy.yaml"), &broken).unwrap();
    let args = [
        "check",
        dir.to_str().unwrap(),
        "--watch",
        "--watch-runs",
        "2",
    ];
    let out = watch_and_save(
        &args,
        &dir.join("policy.yaml"),
        broken.replace("kind: pionts", "kind: points"),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("-- since the last run: 1 problem(s) fixed, 0 new"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(0), "the last run passed");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_snapshot_record_that_stops_evaluating_fails_the_test_and_is_not_accepted() {
    let dir = draft_dir("snap-err");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("policy.yaml"), draft(900)).unwrap();
    let d = dir.to_str().unwrap();
    assert_eq!(
        liangxin(&[
            "snapshot",
            "--policy",
            d,
            "--records",
            "fixtures/longwen/members.csv"
        ])
        .status
        .code(),
        Some(0)
    );
    // A rule that divides by zero for some members.
    std::fs::write(
        dir.join("policy.yaml"),
        draft(900) + "rules:\n  - { id: share, kind: points, expr: \"1000 / (org_life + 23)\" }\n",
    )
    .unwrap();
    let before = std::fs::read_to_string(dir.join("snapshots/members.yaml")).unwrap();
    let out = liangxin(&["test", d, "--accept"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("record error(s)"), "{}", stdout(&out));
    assert!(stdout(&out).contains("not accepted"), "{}", stdout(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join("snapshots/members.yaml")).unwrap(),
        before
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
