//! The `liangxin` binary: exit codes, outputs and errors, as a user meets them.

use std::process::{Command, Output};

pub(crate) fn liangxin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liangxin"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

/// Runs the binary with `input` on its stdin.
pub(crate) fn liangxin_with_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_liangxin"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Written from another thread, so a large input cannot block on a full output pipe.
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    out
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const LONGWEN: [&str; 4] = [
    "--policy",
    "longwen-points",
    "--records",
    "fixtures/longwen/members.csv",
];

#[test]
fn eval_json_has_the_documented_keys() {
    let out = liangxin(&[&["eval"], &LONGWEN[..], &["--format", "json"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["policy", "outcomes", "errors", "summary"] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    let first = &json["outcomes"][0];
    for key in [
        "record",
        "score",
        "grade",
        "grade_label",
        "vetoed",
        "actions",
        "money",
        "rank",
        "rules",
    ] {
        assert!(first.get(key).is_some(), "outcome lacks {key}");
    }
    for key in ["records", "by_grade", "pass_rate", "money_total", "errors"] {
        assert!(json["summary"].get(key).is_some(), "summary lacks {key}");
    }
    assert_eq!(json["policy"]["id"], "longwen-points");
}

#[test]
fn eval_table_aligns_chinese_text() {
    let out = liangxin(&[&["eval"], &LONGWEN[..]].concat());
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    let widths: Vec<usize> = stdout
        .lines()
        .filter(|l| l.starts_with('│'))
        .map(unicode_width::UnicodeWidthStr::width)
        .collect();
    assert!(widths.len() > 10);
    assert!(
        widths.iter().all(|w| *w == widths[0]),
        "every table row has the same display width"
    );
    assert!(stdout.contains("优先推荐"));
}

#[test]
fn eval_writes_csv_with_a_bom_to_a_file() {
    let dir = std::env::temp_dir().join(format!("liangxin-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("out.csv");
    let out = liangxin(
        &[
            &["eval"],
            &LONGWEN[..],
            &[
                "--format",
                "csv",
                "--bom",
                "--output",
                file.to_str().unwrap(),
            ],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.starts_with("\u{feff}record,name,score,grade"));
    assert!(out.stdout.is_empty());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() != "out.csv")
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left behind");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unwritable_output_is_an_io_error_and_leaves_nothing() {
    let out = liangxin(
        &[
            &["eval"],
            &LONGWEN[..],
            &["--output", "/nonexistent-dir/out.txt"],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: cannot write /nonexistent-dir/out.txt"));
}

#[test]
fn a_missing_ledger_or_pack_is_exit_2_with_one_clear_line() {
    let out = liangxin(&[
        "eval",
        "--policy",
        "longwen-points",
        "--records",
        "no/such.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: cannot read ledger no/such.csv: No such file or directory (os error 2)\n"
    );
    let out = liangxin(&[
        "eval",
        "--policy",
        "no-such-pack",
        "--records",
        "fixtures/longwen/members.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: cannot read policy no-such-pack/policy.yaml"));
}

#[test]
fn an_invalid_pack_is_exit_1_with_its_location() {
    let out = liangxin(&[
        "eval",
        "--policy",
        "fixtures/invalid/unknown-rule-kind.yaml",
        "--records",
        "fixtures/longwen/members.csv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("--> fixtures/invalid/unknown-rule-kind.yaml:17:11"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn record_errors_are_exit_1_and_the_other_records_still_evaluate() {
    let dir = std::env::temp_dir().join(format!("liangxin-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ledger = dir.join("bad.csv");
    std::fs::write(&ledger, "党员编号,组织生活,创先争优,服务职工,遵纪守法,群众反映,创新工作加分,工作失误扣分,一票否决\nA,0,0,0,0,0,,,\nB,x,0,0,0,0,,,\n").unwrap();
    let out = liangxin(&[
        "eval",
        "--policy",
        "longwen-points",
        "--records",
        ledger.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["outcomes"].as_array().unwrap().len(), 1);
    assert_eq!(json["errors"][0]["row"], 3);
    assert_eq!(json["errors"][0]["record"], "B");
    assert_eq!(json["errors"][0]["field"], "org_life");
    assert!(text(&out.stderr).contains("row 3 (record B), field `org_life`"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_passes_every_bundled_pack_and_fails_invalid_ones() {
    let out = liangxin(&["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(text(&out.stdout).matches("ok: ").count(), 9);
    let out = liangxin(&[
        "check",
        "longwen-points",
        "fixtures/invalid/gapped-bands.yaml",
        "fixtures/invalid/unknown-param.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("ok: "));
    assert_eq!(
        stdout.matches("failed: ").count(),
        2,
        "every pack is checked, not just up to the first failure"
    );
}

#[test]
fn list_shows_the_bundled_packs() {
    let out = liangxin(&["list"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    for id in [
        "longwen-points",
        "zhuzhou-wuhua-enterprise",
        "zhuzhou-wuhua-social",
        "jinan-sanqiang-sanhao",
    ] {
        assert!(stdout.contains(id), "{id}");
    }
    assert!(stdout.contains("龙文区党员积分定等"));
}

#[test]
fn usage_errors_are_exit_2() {
    assert_eq!(liangxin(&["eval", "--policy", "x"]).status.code(), Some(2));
    assert_eq!(liangxin(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn a_policy_saved_as_gbk_is_a_policy_error_not_an_io_error() {
    let dir = std::env::temp_dir().join(format!("liangxin-gbk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // "name: 测试" in GBK.
    std::fs::write(
        dir.join("policy.yaml"),
        [
            b"id: x\nname: ".as_slice(),
            &[0xb2, 0xe2, 0xca, 0xd4],
            b"\nsubject: member\n",
        ]
        .concat(),
    )
    .unwrap();
    let out = liangxin(&["check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("not UTF-8 text"),
        "{}",
        text(&out.stdout)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn misused_options_are_usage_errors() {
    let cases: [&[&str]; 5] = [
        &[
            "eval",
            "--policy",
            "longwen-points",
            "--records",
            "fixtures/longwen/members.csv",
            "--top",
            "0",
        ],
        &[
            "eval",
            "--policy",
            "longwen-points",
            "--records",
            "fixtures/longwen/members.csv",
            "--output",
            "fixtures",
        ],
        &[
            "compare",
            "--policy",
            "zhuzhou-wuhua-enterprise",
            "--policy",
            "jinan-sanqiang-sanhao",
            "--group-by",
            "district",
        ],
        &[
            "snapshot",
            "--policy",
            "HEAD:policies/longwen-points",
            "--records",
            "fixtures/longwen/members.csv",
        ],
        &[
            "snapshot",
            "--policy",
            "longwen-points",
            "--records",
            "fixtures/longwen/members.csv",
            "--name",
            "../../escape",
        ],
    ];
    for args in cases {
        let out = liangxin(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: {}",
            args.join(" "),
            text(&out.stderr)
        );
        assert!(!text(&out.stderr).contains("panicked"));
    }
}

#[test]
fn diff_reports_records_that_fail_to_evaluate() {
    let dir = std::env::temp_dir().join(format!("liangxin-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ledger = dir.join("bad.csv");
    std::fs::write(
        &ledger,
        "党员编号,组织生活,创先争优,服务职工,遵纪守法,群众反映,创新工作加分,工作失误扣分,一票否决\nA,0,0,0,0,0,,,\nB,x,0,0,0,0,,,\n",
    )
    .unwrap();
    let out = liangxin(&[
        "diff",
        "longwen-points",
        "fixtures/diff/longwen-880",
        "--records",
        ledger.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["errors"]["old"][0]["record"], "B");
    assert_eq!(json["errors"]["new"][0]["record"], "B");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn packs_can_be_read_from_a_git_revision() {
    // The repository's own history: HEAD holds the bundled packs.
    if !std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".git")
        .exists()
    {
        return;
    }
    let out = liangxin(&["check", "HEAD:policies/zhuzhou-wuhua-social"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = liangxin(&[
        "diff",
        "HEAD:policies/longwen-points",
        "longwen-points",
        "--records",
        "fixtures/longwen/members.csv",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = liangxin(&[
        "diff",
        "no-such-rev:policies/longwen-points",
        "longwen-points",
        "--records",
        "fixtures/longwen/members.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no-such-rev:policies/longwen-points/policy.yaml"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn as_of_must_be_a_date() {
    let out = liangxin(&[
        "eval",
        "--policy",
        "fixtures/dated/longwen-dated",
        "--records",
        "fixtures/longwen/members.csv",
        "--as-of",
        "2024-13-01",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is not a date"));
}

#[test]
fn a_generated_ledger_pipes_into_eval_through_stdin() {
    let generated = liangxin(&[
        "gen",
        "--subject",
        "member",
        "--rows",
        "2000",
        "--seed",
        "3",
    ]);
    assert_eq!(generated.status.code(), Some(0));
    let out = liangxin_with_stdin(
        &[
            "eval",
            "--policy",
            "longwen-points",
            "--records",
            "-",
            "--format",
            "json",
        ],
        &generated.stdout,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["records"], 2000);
    assert_eq!(json["summary"]["errors"], 0);
    // Every band of the standard has members in a generated ledger of this size.
    for grade in ["recommended", "qualified", "vetoed"] {
        assert!(
            json["summary"]["by_grade"][grade].as_u64().unwrap() > 0,
            "{grade}"
        );
    }
}

#[test]
fn gen_writes_its_file_whole_or_names_the_problem() {
    let dir = std::env::temp_dir().join(format!("liangxin-gen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("orgs.csv");
    let f = file.to_str().unwrap();
    let out = liangxin(&["gen", "--subject", "organization", "--rows", "50", "-o", f]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 51);
    // No temporary file is left beside it.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    let out = liangxin(&["gen", "--subject", "party", "--rows", "5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("`party` is not a subject"));
    let out = liangxin(&[
        "gen",
        "--subject",
        "member",
        "--rows",
        "5",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("it is a directory"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn summary_streams_stdin_and_has_no_csv_form() {
    let generated = liangxin(&["gen", "--subject", "member", "--rows", "30000"]);
    let out = liangxin_with_stdin(
        &[
            "eval",
            "--policy",
            "longwen-points",
            "--records",
            "-",
            "--summary",
            "--top",
            "2",
            "--format",
            "json",
        ],
        &generated.stdout,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["records"], 30000);
    assert!(json.get("outcomes").is_none(), "no per-record list");
    assert_eq!(json["top"][0]["rank"], 1);
    let out = liangxin(&[&["eval"], &LONGWEN[..], &["--summary", "--format", "csv"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--summary has no CSV form"));
}

/// `check --format json`: every problem as data, with its code and location, for editors and CI.
#[test]
fn check_reports_problems_as_json() {
    let out = liangxin(&[
        "check",
        "fixtures/invalid/unknown-key.yaml",
        "longwen-points",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["ok"], false);
    let d = &json[0]["diagnostics"][0];
    assert_eq!(d["code"], "unknown-key");
    assert_eq!(d["severity"], "error");
    assert_eq!(
        (
            d["location"]["line"].as_u64(),
            d["location"]["column"].as_u64()
        ),
        (Some(18), Some(5))
    );
    assert_eq!(json[1]["ok"], true);
}

/// Asked for JSON, a run that fails before any report (an invalid pack, a ledger that cannot be
/// read, whole or streamed) still gives JSON on stdout: the error as data.
#[test]
fn failures_before_any_report_are_json_too() {
    let out = liangxin(&[
        "eval",
        "--policy",
        "fixtures/invalid/unknown-key.yaml",
        "--records",
        "fixtures/longwen/members.csv",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["error"]["kind"], "policy");
    assert_eq!(json["error"]["diagnostics"][0]["code"], "unknown-key");
    assert_eq!(json["error"]["diagnostics"][0]["location"]["line"], 18);
    for extra in [&[][..], &["--summary"]] {
        let args = [
            &[
                "eval",
                "--policy",
                "longwen-points",
                "--records",
                "-",
                "--format",
                "json",
            ],
            extra,
        ]
        .concat();
        let out = liangxin_with_stdin(&args, b"id,x\n\xFF\xFE\xFD\n");
        assert_eq!(out.status.code(), Some(2));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["error"]["kind"], "ledger");
        assert!(
            json["error"]["message"]
                .as_str()
                .unwrap()
                .contains("byte 5"),
            "{json}"
        );
    }
}

/// Every command's `--help` ends with an example to copy; `completions` prints a shell's script.
#[test]
fn every_command_has_an_example_and_shells_get_completions() {
    for command in [
        "eval",
        "compare",
        "diff",
        "check",
        "test",
        "snapshot",
        "schema",
        "list",
        "gen",
        "template",
        "completions",
    ] {
        let out = liangxin(&[command, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{command}");
        assert!(
            text(&out.stdout).contains("Example"),
            "`{command} --help` has no example"
        );
    }
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = liangxin(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0));
        assert!(text(&out.stdout).contains("template"), "{shell}");
    }
    assert_eq!(liangxin(&["completions", "tcsh"]).status.code(), Some(2));
}

/// Colour only on a terminal: piped, or with NO_COLOR set, no output carries escape codes
/// (liangxin's own output has none; clap's help honours both).
#[test]
fn no_colour_unless_a_terminal_and_never_with_no_color() {
    for args in [
        &["--help"][..],
        &["eval", "--help"],
        &["check", "longwen-points"],
        &["eval", "--nonsense"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_liangxin"))
            .args(args)
            .env("NO_COLOR", "1")
            .env("CLICOLOR_FORCE", "0")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert!(
            !out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b),
            "{args:?}"
        );
    }
    let out = std::process::Command::new("script")
        .args([
            "-qc",
            &format!(
                "NO_COLOR=1 {} eval --nonsense",
                env!("CARGO_BIN_EXE_liangxin")
            ),
            "/dev/null",
        ])
        .output();
    if let Ok(out) = out {
        assert!(!out.stdout.contains(&0x1b), "NO_COLOR on a terminal");
    }
}

/// `--lang zh|en` keeps one half of the bilingual headings and column labels; the packs' own
/// words (grade labels) stay Chinese.
#[test]
fn lang_picks_the_labels_language() {
    let en = text(&liangxin(&[&["eval"], &LONGWEN[..], &["--lang", "en"]].concat()).stdout);
    assert!(
        en.contains("## outcomes") && en.contains("│ record ") && !en.contains("结果"),
        "{en}"
    );
    assert!(en.contains("优先推荐"));
    let zh = text(&liangxin(&[&["eval"], &LONGWEN[..], &["--lang", "zh"]].concat()).stdout);
    assert!(
        zh.contains("## 汇总") && zh.contains("达标率") && !zh.contains("pass rate"),
        "{zh}"
    );
    let both = text(&liangxin(&[&["eval"], &LONGWEN[..]].concat()).stdout);
    assert!(both.contains("## 汇总 summary"));
}
