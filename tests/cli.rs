//! The `liangxin` binary: exit codes, outputs and errors, as a user meets them.

use std::process::{Command, Output};

pub(crate) fn liangxin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liangxin"))
        .args(args)
        // Piped output has no width to fit, whatever the shell says.
        .env_remove("COLUMNS")
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

/// A fresh folder for one test's files.
fn scratch(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("liangxin-cli-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn csv_in_a_file_is_for_excel_and_on_stdout_for_programs() {
    let dir = scratch("csv-for-excel");
    let file = dir.join("out.csv");
    let csv = |extra: &[&str], output: Option<&std::path::Path>| {
        let mut args: Vec<&str> = [&["eval"], &LONGWEN[..], &["--format", "csv"], extra].concat();
        if let Some(path) = output {
            args.extend(["--output", path.to_str().unwrap()]);
        }
        let out = liangxin(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        match output {
            Some(path) => {
                assert!(out.stdout.is_empty());
                std::fs::read_to_string(path).unwrap()
            }
            None => text(&out.stdout),
        }
    };
    // A file is opened in Excel: a byte-order mark (or a Chinese Excel shows garbage), labels,
    // 是/否 and grade labels only.
    let excel = csv(&[], Some(&file));
    assert!(
        excel.starts_with(
            "\u{feff}编号 record,名称 name,得分 score,等次 grade,达标 passed,一票否决 vetoed"
        ),
        "{}",
        &excel[..200]
    );
    assert!(excel.contains(",优先推荐,是,否,"));
    assert!(!excel.contains("true") && !excel.contains("recommended"));
    assert_eq!(csv(&["--bom"], Some(&file)), excel);
    assert!(
        csv(&["--lang", "zh"], Some(&file))
            .starts_with("\u{feff}编号,名称,得分,等次,达标,一票否决")
    );
    // --no-bom, and stdout, are for programs: stable keys, true/false, grade ids.
    let plain = csv(&["--no-bom"], Some(&file));
    assert!(plain.starts_with("record,name,score,grade,grade_label,passed,vetoed"));
    assert!(plain.contains(",recommended,优先推荐,true,false,"));
    assert_eq!(csv(&[], None), plain);
    // --bom on stdout is the CSV for Excel.
    assert_eq!(csv(&["--bom"], None), excel);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() != "out.csv")
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left behind");
    let out = liangxin(
        &[
            &["eval"],
            &LONGWEN[..],
            &["--format", "csv", "--bom", "--no-bom"],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(2), "--bom and --no-bom conflict");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ids_a_spreadsheet_would_mangle_are_text_in_the_csv_for_excel() {
    let dir = scratch("csv-ids");
    let file = dir.join("ids.csv");
    let ids = [
        "--policy",
        "longwen-points",
        "--records",
        "tests/reports/ledgers/ids-as-numbers.csv",
    ];
    let out = liangxin(
        &[
            &["eval"],
            &ids[..],
            &["--format", "csv", "--output", file.to_str().unwrap()],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let excel = std::fs::read_to_string(&file).unwrap();
    let mut reader = csv::Reader::from_reader(excel.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    // Leading zeros and an 18-digit 身份证号, as a record id and in a column no rule reads: a
    // formula whose value is the text, so Excel, WPS and Calc keep every digit.
    assert_eq!(&rows[0][0], "=\"00101\"");
    assert_eq!(&rows[2][0], "=\"350602199203150034\"");
    assert_eq!(rows[0].iter().next_back(), Some("=\"350602198507120017\""));
    // An id with a letter in it is text to a spreadsheet already.
    assert_eq!(rows[1].iter().next_back(), Some("35060219900301002X"));
    // Plain CSV keeps the ids as they are.
    let out = liangxin(&[&["eval"], &ids[..], &["--format", "csv"]].concat());
    let plain = text(&out.stdout);
    assert!(
        plain.contains("\n00101,") && plain.contains(",350602198507120017\n"),
        "{plain}"
    );
    assert!(!plain.contains('='));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn staff_outputs_say_yes_and_no_in_chinese_and_json_keeps_booleans() {
    // Every report a person reads, of each command: no true/false, no grade ids.
    let runs: [&[&str]; 4] = [
        &[
            "eval",
            "-p",
            "jinan-sanqiang-sanhao",
            "-r",
            "fixtures/jinan/organizations.csv",
            "--record",
            "JN20180002",
        ],
        &[
            "eval",
            "-p",
            "longwen-points",
            "-r",
            "fixtures/longwen/members.csv",
        ],
        &[
            "diff",
            "longwen-points",
            "fixtures/diff/longwen-880",
            "-r",
            "fixtures/longwen/members.csv",
        ],
        &[
            "compare",
            "-p",
            "zhuzhou-wuhua-enterprise",
            "-p",
            "zhuzhou-wuhua-social",
            "-r",
            "fixtures/zhuzhou/social-branches.csv",
        ],
    ];
    for args in runs {
        for format in [
            &["--format", "table"][..],
            &["--format", "md"],
            &["--format", "html"],
            &["--format", "csv", "--bom"],
        ] {
            let out = liangxin(&[args, format].concat());
            assert!(
                out.status.code().is_some_and(|c| c < 2),
                "{args:?} {format:?}: {}",
                text(&out.stderr)
            );
            let shown = text(&out.stdout);
            for word in ["true", "false"] {
                for leak in [
                    format!("= {word}"),
                    format!(",{word},"),
                    format!(">{word}<"),
                    format!("┆ {word} "),
                ] {
                    assert!(!shown.contains(&leak), "{args:?} {format:?} shows {leak}");
                }
            }
            for id in [
                ",recommended,",
                ">recommended<",
                ">qualified<",
                ",candidate,",
                ">candidate<",
            ] {
                assert!(
                    !shown.contains(id),
                    "{args:?} {format:?} shows the grade id {id}"
                );
            }
        }
    }
    let out = liangxin(&[&["eval"], &LONGWEN[..], &["--format", "json"]].concat());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["outcomes"][0]["vetoed"], serde_json::json!(false));
    assert_eq!(json["outcomes"][0]["grade"], "recommended");
    // The changed column: 等次 for people, `grade` for programs.
    let diff = [
        "diff",
        "longwen-points",
        "fixtures/diff/longwen-880",
        "-r",
        "fixtures/longwen/members.csv",
    ];
    let people = text(&liangxin(&[&diff[..], &["--format", "csv", "--bom"]].concat()).stdout);
    assert!(people.contains(",否,否,等次"), "{people}");
    let programs = text(&liangxin(&[&diff[..], &["--format", "csv"]].concat()).stdout);
    assert!(programs.contains(",false,false,grade"), "{programs}");
}

#[test]
fn tables_fit_the_terminal_width_and_a_pipe_gets_whole_lines() {
    let args = [
        "compare",
        "-p",
        "zhuzhou-wuhua-enterprise",
        "-p",
        "zhuzhou-wuhua-social",
        "-p",
        "jinan-sanqiang-sanhao",
    ];
    let widest = |out: &Output| {
        text(&out.stdout)
            .lines()
            .map(unicode_width::UnicodeWidthStr::width)
            .max()
            .unwrap_or(0)
    };
    // A pipe: nothing wrapped, so a standard's name is on one line.
    let piped = liangxin(&args);
    assert!(widest(&piped) > 120, "{}", widest(&piped));
    assert!(text(&piped.stdout).contains("株洲市非公有制经济组织党支部\"五化\"建设标准"));
    // $COLUMNS (what a terminal's width is otherwise read as): tables fit it.
    for columns in [100, 160] {
        let fitted = Command::new(env!("CARGO_BIN_EXE_liangxin"))
            .args(args)
            .env("COLUMNS", columns.to_string())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        let width = widest(&fitted);
        assert!(width <= columns && width > 80, "COLUMNS={columns}: {width}");
    }
    // Names and money are never broken across lines, even in a narrow terminal.
    let narrow = Command::new(env!("CARGO_BIN_EXE_liangxin"))
        .args([
            "eval",
            "-p",
            "jinan-sanqiang-sanhao",
            "-r",
            "fixtures/jinan/organizations.csv",
        ])
        .env("COLUMNS", "60")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let shown = text(&narrow.stdout);
    assert!(
        shown.contains("济南市历下区潮汕商会党支部"),
        "{}",
        &shown[..2000.min(shown.len())]
    );
    assert!(shown.contains("100,000"));
}

#[test]
fn compare_names_the_columns_each_pack_lacks_up_front() {
    // The social standard reads 年检合格, which an enterprise ledger does not have; Jinan's
    // reads seven more columns.
    let out = liangxin(&[
        "compare",
        "-p",
        "zhuzhou-wuhua-enterprise",
        "-p",
        "zhuzhou-wuhua-social",
        "-p",
        "jinan-sanqiang-sanhao",
        "-r",
        "fixtures/zhuzhou/enterprise-branches.csv",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("error: zhuzhou-wuhua-social reads 1 column(s) fixtures/zhuzhou/enterprise-branches.csv does not have: 年检合格 (annual_inspection_passed)"), "{stderr}");
    assert!(
        stderr.contains("error: jinan-sanqiang-sanhao reads 7 column(s)"),
        "{stderr}"
    );
    assert!(stderr.contains("满意度 (satisfaction)"), "{stderr}");
    assert!(
        stderr.contains("nothing to compare: 1 of the 3 packs"),
        "{stderr}"
    );
    // No table of errors and no agreement of zeros.
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));

    // Two packs that can read the ledger are compared; the one that cannot is named in the
    // report and left out (exit 1: the comparison is not the one asked for).
    let dir = scratch("compare-missing");
    let ledger = dir.join("organizations.csv");
    let shared = std::fs::read_to_string("fixtures/shared/organizations.csv").unwrap();
    // The shared ledger without its 满意度 column, which only Jinan reads.
    let mut reader = csv::Reader::from_reader(shared.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let drop = headers.iter().position(|h| h == "满意度").unwrap();
    let mut writer = csv::Writer::from_path(&ledger).unwrap();
    writer
        .write_record(
            headers
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != drop)
                .map(|(_, h)| h),
        )
        .unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        writer
            .write_record(
                row.iter()
                    .enumerate()
                    .filter(|(i, _)| *i != drop)
                    .map(|(_, c)| c),
            )
            .unwrap();
    }
    writer.flush().unwrap();
    let three = [
        "compare",
        "-p",
        "zhuzhou-wuhua-enterprise",
        "-p",
        "zhuzhou-wuhua-social",
        "-p",
        "jinan-sanqiang-sanhao",
        "-r",
        ledger.to_str().unwrap(),
    ];
    let out = liangxin(&three);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: jinan-sanqiang-sanhao reads 1 column(s)"),
        "{stderr}"
    );
    assert!(stdout.contains("## 未比较 left out\njinan-sanqiang-sanhao: 台账缺少其读取的列 the ledger lacks the columns it reads: 满意度 (satisfaction)"), "{stdout}");
    assert!(
        stdout.contains("## 一致性 agreement: A vs B") && !stdout.contains("A vs C"),
        "{stdout}"
    );
    assert!(!stdout.contains("(出错 error)"), "no column of errors");
    let json: serde_json::Value =
        serde_json::from_slice(&liangxin(&[&three[..], &["--format", "json"]].concat()).stdout)
            .unwrap();
    assert_eq!(json["left_out"][0]["policy"], "jinan-sanqiang-sanhao");
    assert_eq!(json["keys"].as_array().unwrap().len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn compare_groups_by_the_same_fields_as_eval() {
    let ledger = "fixtures/shared/organizations.csv";
    for field in [
        "district",
        "所在区县",
        "org_type",
        "组织类型",
        "newly_established",
        "当年新建",
        "org",
        "no_such_field",
    ] {
        let eval = liangxin(&[
            "eval",
            "-p",
            "zhuzhou-wuhua-enterprise",
            "-r",
            ledger,
            "--group-by",
            field,
        ]);
        let compare = liangxin(&[
            "compare",
            "-p",
            "zhuzhou-wuhua-enterprise",
            "-p",
            "jinan-sanqiang-sanhao",
            "-r",
            ledger,
            "--group-by",
            field,
        ]);
        assert_eq!(
            eval.status.code(),
            compare.status.code(),
            "--group-by {field}: {}",
            text(&compare.stderr)
        );
        assert_eq!(
            text(&eval.stderr),
            text(&compare.stderr),
            "--group-by {field}"
        );
    }
    // With a pack left out for lacking columns, the others are still grouped.
    let out = liangxin(&[
        "compare",
        "-p",
        "zhuzhou-wuhua-enterprise",
        "-p",
        "zhuzhou-wuhua-social",
        "-p",
        "jinan-sanqiang-sanhao",
        "-r",
        "fixtures/zhuzhou/social-branches.csv",
        "--group-by",
        "所在区县",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["groups"]["zhuzhou-wuhua-social"].is_object(), "{json}");
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
    // The summary says the deltas leave them out.
    let out = liangxin(&[
        "diff",
        "longwen-points",
        "fixtures/diff/longwen-880",
        "--records",
        ledger.to_str().unwrap(),
    ]);
    let table = text(&out.stdout);
    assert!(
        table.contains("not evaluated 未能测评") && table.contains("1 → 1 records"),
        "{table}"
    );
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
fn generated_entries_are_the_same_each_time_and_eval_sums_them_streamed_without_an_error() {
    let dir = std::env::temp_dir().join(format!("liangxin-gen-entries-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let generate = |entries: &str, roster: &str| {
        let out = liangxin(&[
            "gen",
            "--subject",
            "member",
            "--rows",
            "300",
            "--policy",
            "longwen-points",
            "--entries",
            entries,
            "--per-member",
            "15",
            "-o",
            roster,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    };
    generate(&path("e1.csv"), &path("r1.csv"));
    generate(&path("e2.csv"), &path("r2.csv"));
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    assert_eq!(read("e1.csv"), read("e2.csv"));
    assert_eq!(read("r1.csv"), read("r2.csv"));
    let out = liangxin(&[
        "eval",
        "-p",
        "longwen-points",
        "-r",
        &path("r1.csv"),
        "--entries",
        &path("e1.csv"),
        "--period",
        "2024",
        "--summary",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["records"], 300, "{json}");
    assert_eq!(json["errors"].as_array().map(Vec::len), Some(0));
    // A pack without a catalog cannot have entries generated for it.
    let out = liangxin(&[
        "gen",
        "--subject",
        "member",
        "--rows",
        "3",
        "--policy",
        "jinan-sanqiang-sanhao",
        "--entries",
        &path("e3.csv"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
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

#[test]
fn check_and_eval_give_a_relative_date_its_as_of_date() {
    let dir = std::env::temp_dir().join(format!("liangxin-before-as-of-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("policy.yaml"),
        "id: x\nname: 测试\nsubject: dossier\nfields: [approved_on]\nparams:\n  year_ago: { before_as_of: { years: 1 }, label: 一年前 }\nrules:\n  - id: c\n    kind: checklist\n    criteria:\n      - { id: due, label: 满一年, expr: '上级党委审批日期 != \"\" and 上级党委审批日期 <= 一年前' }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("d.csv"),
        "档案编号,上级党委审批日期\nD1,2025-12-02\n",
    )
    .unwrap();
    let pack = dir.to_str().unwrap();
    let out = liangxin(&["check", pack, "--as-of", "2026-12-02"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // Without `--as-of`, today's date.
    assert_eq!(liangxin(&["check", pack]).status.code(), Some(0));
    let records = dir.join("d.csv");
    let eval = |day: &str| {
        let out = liangxin(&[
            "eval",
            "--policy",
            pack,
            "--records",
            records.to_str().unwrap(),
            "--as-of",
            day,
            "--format",
            "json",
        ]);
        text(&out.stdout)
    };
    assert!(
        eval("2026-12-02").contains("\"failed\": []"),
        "{}",
        eval("2026-12-02")
    );
    assert!(
        eval("2026-12-01").contains("c.due"),
        "{}",
        eval("2026-12-01")
    );
    // A case for a date counted back from the assessment date holds on the day it is tested
    // for: `test --as-of` fixes it, so the case does not change its answer as days pass.
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(
        dir.join("tests/year.yaml"),
        "cases:\n  - name: a year served\n    record: { 上级党委审批日期: 2025-12-02 }\n    expect: { failed: [] }\n",
    )
    .unwrap();
    let test = |day: &str| liangxin(&["test", pack, "--as-of", day]).status.code();
    assert_eq!(test("2026-12-02"), Some(0));
    assert_eq!(test("2026-12-01"), Some(1));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `liangxin serve` starts the workbench on the bundled packs, prints its address, and answers
/// a browser and a program; it refuses any address but loopback until sign-in exists.
#[test]
fn serve_prints_its_address_and_answers() {
    use std::io::{BufRead, BufReader, Read, Write};
    let refused = liangxin(&["serve", "--addr", "0.0.0.0:0"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("loopback"),
        "{}",
        text(&refused.stderr)
    );

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_liangxin"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_default()
        .to_owned();
    let get = |path: &str| {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    };
    let packs = get("/api/packs");
    let page = get("/");
    let escape = get("/packs/..%2F..%2Fetc");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.contains("两新测评工作台"), "{line}");
    assert!(
        packs.starts_with("HTTP/1.1 200") && packs.contains("longwen-points"),
        "{packs}"
    );
    assert!(page.contains("标准库"), "{page}");
    assert!(escape.starts_with("HTTP/1.1 404"), "{escape}");
}
