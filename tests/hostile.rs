//! Hostile and broken input, one class at a time: each gets a clear error with its location and
//! the right exit code, or is read correctly when it can be. docs/reliability.md lists every
//! class with the test here that shows it.

use std::path::PathBuf;

use crate::cli::{liangxin, liangxin_with_stdin, text};

/// A fresh directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("liangxin-hostile-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `liangxin eval --policy longwen-points --records RECORDS ...`.
fn eval_longwen(records: &str, extra: &[&str]) -> std::process::Output {
    liangxin(
        &[
            &["eval", "--policy", "longwen-points", "--records", records],
            extra,
        ]
        .concat(),
    )
}

fn members_csv() -> String {
    std::fs::read_to_string("fixtures/longwen/members.csv").unwrap()
}

fn eval_json(records: &str, extra: &[&str]) -> serde_json::Value {
    let args = [
        &[
            "eval",
            "--policy",
            "longwen-points",
            "--records",
            records,
            "--format",
            "json",
        ],
        extra,
    ]
    .concat();
    let out = liangxin(&args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The outcomes' ids, grades and scores: what must not depend on how the file was encoded.
fn results(json: &serde_json::Value) -> Vec<(String, String, String)> {
    json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["record"].to_string(),
                o["grade"].to_string(),
                o["score"].to_string(),
            )
        })
        .collect()
}

/// Excel's "Unicode text": UTF-16LE with a byte-order mark and tabs between cells, read whole
/// and streamed, gives what the UTF-8 CSV gives.
#[test]
fn excel_unicode_text_is_read_like_the_csv() {
    let dir = scratch("utf16");
    let tsv = members_csv().replace(',', "\t");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(tsv.encode_utf16().flat_map(u16::to_le_bytes));
    let file = dir.join("members.txt");
    std::fs::write(&file, &bytes).unwrap();
    let expected = eval_json("fixtures/longwen/members.csv", &[]);
    let got = eval_json(file.to_str().unwrap(), &[]);
    assert_eq!(results(&got), results(&expected));
    let notes = got["notes"].to_string();
    assert!(
        notes.contains("decoded as UTF-16LE") && notes.contains("tabs"),
        "{notes}"
    );

    // Streamed from stdin, the summary is the same.
    let summary = |out: std::process::Output| {
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json["summary"].clone()
    };
    let args = [
        "eval",
        "--policy",
        "longwen-points",
        "--records",
        "-",
        "--summary",
        "--format",
        "json",
    ];
    let streamed = summary(liangxin_with_stdin(&args, &bytes));
    let plain = summary(liangxin_with_stdin(&args, members_csv().as_bytes()));
    assert_eq!(streamed, plain);
    // Named rather than announced by a mark.
    let unmarked = &bytes[2..];
    let named = [&args[..], &["--encoding", "utf-16le"]].concat();
    assert_eq!(summary(liangxin_with_stdin(&named, unmarked)), plain);
}

/// GBK is what Chinese Excel saves as CSV; GB18030's four-byte characters (a rare surname
/// character outside GBK) come through too, detected or named with --encoding.
#[test]
fn gbk_and_gb18030_exports_are_read() {
    let dir = scratch("gbk");
    let csv = members_csv().replacen("蔡振鑫", "蔡𠀀鑫", 1);
    assert!(csv.contains("蔡𠀀鑫"), "the fixture has the name to change");
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&csv);
    assert!(!unmappable);
    let file = dir.join("members-gbk.csv");
    std::fs::write(&file, &bytes).unwrap();
    for extra in [&[][..], &["--encoding", "gbk"]] {
        let json = eval_json(file.to_str().unwrap(), extra);
        assert!(json["outcomes"].to_string().contains("蔡𠀀鑫"));
        assert!(json["notes"].to_string().contains("GBK"));
    }
    // Named wrongly, the error says where the text stops being UTF-8.
    let out = eval_longwen(file.to_str().unwrap(), &["--encoding", "utf-8"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("is not UTF-8 text from byte") && err.contains("(line 1"),
        "{err}"
    );
}

/// A file that is no text at all: the error names the byte where decoding fails; a workbook
/// is named as one.
#[test]
fn binary_files_are_refused_with_the_byte_offset() {
    let dir = scratch("binary");
    let mut bytes = b"\xE5\x85\x9A\xE5\x91\x98\xE7\xBC\x96\xE5\x8F\xB7,x\n".to_vec();
    bytes.extend((0..=255u8).cycle().skip(128).take(2000));
    let file = dir.join("noise.csv");
    std::fs::write(&file, &bytes).unwrap();
    let out = eval_longwen(file.to_str().unwrap(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("neither UTF-8 nor GBK")
            && err.contains("not UTF-8 from byte 15 (line 2, 0x80)"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    let xlsx = dir.join("ledger.csv");
    std::fs::write(&xlsx, b"PK\x03\x04\x14\x00\x06\x00").unwrap();
    let out = eval_longwen(xlsx.to_str().unwrap(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("Excel (.xlsx)"),
        "{}",
        text(&out.stderr)
    );
}

/// A library of packs in a scratch folder (no `schema/` above, so the library is the folder the
/// packs sit in), with a file outside it that a hostile pack tries to reach.
fn library(test: &str) -> (PathBuf, PathBuf) {
    let dir = scratch(test);
    let lib = dir.join("lib");
    let policy = std::fs::read_to_string("policies/longwen-points/policy.yaml").unwrap();
    for pack in [lib.join("base"), dir.join("outside")] {
        std::fs::create_dir_all(&pack).unwrap();
        std::fs::write(pack.join("policy.yaml"), &policy).unwrap();
    }
    (dir, lib)
}

fn child_pack(lib: &std::path::Path, extends: &str) -> String {
    let pack = lib.join("child");
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::write(
        pack.join("policy.yaml"),
        format!("id: child\nname: 子\nsubject: member\nextends: {extends}\n"),
    )
    .unwrap();
    pack.to_str().unwrap().to_owned()
}

/// `extends:` reaches the packs beside a pack and no further: not `../../`, not an absolute
/// path, not a link out of the library.
#[test]
fn packs_cannot_extend_outside_their_library() {
    let (dir, lib) = library("extends");
    let sibling = child_pack(&lib, "../base");
    let out = liangxin(&["check", &sibling]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));

    let outside = dir.join("outside");
    std::os::unix::fs::symlink(&outside, lib.join("linked")).unwrap();
    for extends in ["../../outside", outside.to_str().unwrap(), "../linked"] {
        let pack = child_pack(&lib, extends);
        let out = liangxin(&["check", &pack]);
        let err = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{extends}: {err}");
        assert!(
            err.contains("error[extends-outside]") && err.contains("policy.yaml:4:10"),
            "{err}"
        );
    }
    // A pack folder inside the library whose policy.yaml is a link out of it.
    let inside = lib.join("looks-inside");
    std::fs::create_dir_all(&inside).unwrap();
    std::os::unix::fs::symlink(outside.join("policy.yaml"), inside.join("policy.yaml")).unwrap();
    let pack = child_pack(&lib, "../looks-inside");
    let out = liangxin(&["check", &pack]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("error[extends-outside]"),
        "{}",
        text(&out.stdout)
    );
}

/// A pack given as `.` (staff working inside its folder) still belongs to its project.
#[test]
fn a_pack_checked_from_its_own_folder_may_extend_its_project() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_liangxin"))
        .args(["check", "."])
        .current_dir(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/diff/longwen-880"),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

/// A script that is a link to a file elsewhere is refused before it is read.
#[test]
fn scripts_linked_from_outside_the_pack_are_refused() {
    let (dir, lib) = library("script-link");
    let secret = dir.join("secret.rhai");
    std::fs::write(&secret, "fn leak() { 1 }").unwrap();
    let scripts = lib.join("base/scripts");
    std::fs::create_dir_all(&scripts).unwrap();
    std::os::unix::fs::symlink(&secret, scripts.join("leak.rhai")).unwrap();
    let out = liangxin(&["check", lib.join("base").to_str().unwrap()]);
    let err = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error[script-outside]") && err.contains("secret.rhai"),
        "{err}"
    );
    // A `scripts/` folder that is itself a link out of the pack.
    std::fs::remove_dir_all(&scripts).unwrap();
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("leak.rhai"), "fn leak() { 1 }").unwrap();
    std::os::unix::fs::symlink(&elsewhere, &scripts).unwrap();
    let out = liangxin(&["check", lib.join("base").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("error[script-outside]"),
        "{}",
        text(&out.stdout)
    );
}

/// Interrupted while writing its output (Ctrl-C), a run leaves the good file from before and no
/// temporary file; killed outright, it still never leaves a half-written file under the name.
#[test]
fn an_interrupted_run_leaves_the_previous_output_whole() {
    let dir = scratch("interrupt");
    let target = dir.join("ledger.csv");
    std::fs::write(&target, "the good file from before\n").unwrap();
    for signal in ["-INT", "-KILL"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_liangxin"))
            .args(["gen", "--subject", "member", "--rows", "100000000", "-o"])
            .arg(&target)
            .spawn()
            .unwrap();
        // Wait until it is writing: its temporary file has grown.
        let writing = || {
            std::fs::read_dir(&dir)
                .unwrap()
                .filter_map(Result::ok)
                .any(|e| {
                    e.file_name().to_string_lossy().ends_with(".tmp")
                        && e.metadata().is_ok_and(|m| m.len() > 1 << 20)
                })
        };
        let start = std::time::Instant::now();
        while !writing() && start.elapsed() < std::time::Duration::from_secs(60) {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(writing(), "the run started writing");
        let kill = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let status = child.wait().unwrap();
        assert!(!status.success());
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "the good file from before\n",
            "after {signal}"
        );
        if signal == "-INT" {
            assert_eq!(status.code(), Some(130));
            let left: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .filter_map(Result::ok)
                .map(|e| e.file_name())
                .collect();
            assert_eq!(
                left,
                ["ledger.csv"],
                "no temporary file is left after Ctrl-C"
            );
        }
    }
}

/// Every way a script can fail at run time stops that record only, with the rule and the script
/// file, line and column; the other records are evaluated. (Each stops in milliseconds: the
/// sandbox's operation, call-depth and size limits, docs/reliability.md.)
#[test]
fn failing_scripts_name_the_rule_and_the_script_line() {
    let e = crate::evaluate(
        "fixtures/hostile/script-failures",
        "fixtures/hostile/script-failures/records.csv",
    );
    let evaluated: Vec<&str> = e.outcomes.iter().map(|o| o.record.as_str()).collect();
    assert_eq!(evaluated, ["M0", "M8"]);
    let dir = "fixtures/hostile/script-failures/scripts";
    let expected = [
        (
            "M1",
            "endless_loop",
            "the script ran too long",
            "limits.rhai:4:21",
        ),
        (
            "M2",
            "deep_recursion",
            "called functions too deeply",
            "limits.rhai:10:29",
        ),
        (
            "M3",
            "huge_string",
            "built a string larger than the sandbox allows",
            "limits.rhai:17:21",
        ),
        (
            "M4",
            "huge_array",
            "built an array larger than the sandbox allows",
            "limits.rhai:25:18",
        ),
        (
            "M5",
            "missing_function",
            "function not found: nothing_here",
            "mistakes.rhai:3:24",
        ),
        (
            "M6",
            "division_by_zero",
            "division by zero",
            "mistakes.rhai:8:27",
        ),
        (
            "M7",
            "integer_overflow",
            "addition overflow",
            "mistakes.rhai:13:44",
        ),
    ];
    assert_eq!(e.errors.len(), expected.len(), "{:#?}", e.errors);
    for (error, (record, rule, what, place)) in e.errors.iter().zip(expected) {
        assert_eq!(error.record.as_deref(), Some(record));
        assert_eq!(error.rule.as_deref(), Some(rule));
        assert!(error.message.contains(what), "{}", error.message);
        assert!(
            error.message.contains(&format!("({dir}/{place})")),
            "{}",
            error.message
        );
    }
}

/// `--output` to a pipe or a device writes into it, and to a link writes the file it points to:
/// neither is replaced by a regular file.
#[test]
fn output_to_a_pipe_or_a_link_keeps_it() {
    let dir = scratch("output-kinds");
    let fifo = dir.join("pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = eval_longwen(
        "fixtures/longwen/members.csv",
        &["--format", "csv", "--output", fifo.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        reader
            .join()
            .unwrap()
            .starts_with("record,name,score,grade")
    );
    let meta = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(
        std::os::unix::fs::FileTypeExt::is_fifo(&meta.file_type()),
        "the pipe is still a pipe"
    );

    let real = dir.join("real.csv");
    std::fs::write(&real, "old\n").unwrap();
    let link = dir.join("link.csv");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = eval_longwen(
        "fixtures/longwen/members.csv",
        &[
            "--format",
            "csv",
            "--no-bom",
            "--output",
            link.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .starts_with("record,name")
    );
    // A link to a file not made yet: the file is made where the link points.
    let later = dir.join("later.csv");
    let link = dir.join("link-to-later.csv");
    std::os::unix::fs::symlink("later.csv", &link).unwrap();
    let out = eval_longwen(
        "fixtures/longwen/members.csv",
        &[
            "--format",
            "csv",
            "--no-bom",
            "--output",
            link.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        std::fs::read_to_string(&later)
            .unwrap()
            .starts_with("record,name")
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// A script that cannot be read (a dangling link, a folder named like a script) is an error
/// naming it, not silently left out.
#[test]
fn an_unreadable_script_is_named_not_skipped() {
    let (_dir, lib) = library("script-unreadable");
    let scripts = lib.join("base/scripts");
    std::fs::create_dir_all(scripts.join("folder.rhai")).unwrap();
    let out = liangxin(&["check", lib.join("base").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stdout) + text(&out.stderr).as_str();
    assert!(said.contains("folder.rhai"), "{said}");
    std::fs::remove_dir(scripts.join("folder.rhai")).unwrap();
    std::os::unix::fs::symlink(lib.join("nowhere.rhai"), scripts.join("dangling.rhai")).unwrap();
    let out = liangxin(&["check", lib.join("base").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stdout) + text(&out.stderr).as_str();
    assert!(
        said.contains("dangling.rhai") && said.contains("No such file"),
        "{said}"
    );
}

/// 10,000 columns, a 10 MB cell and a cell with line breaks in it: all read, one note for the
/// columns no rule reads.
#[test]
fn wide_rows_huge_cells_and_quoted_newlines_are_read() {
    let p = crate::pack("policies/longwen-points");
    let header = "党员编号,姓名,组织生活,创先争优,服务职工,遵纪守法,群众反映,创新工作加分,工作失误扣分,一票否决";
    let extra: Vec<String> = (0..10_000).map(|i| format!("备注{i}")).collect();
    let mut csv = format!("{header},{}\n", extra.join(","));
    let filler = vec![""; 10_000].join(",");
    let huge = "很".repeat((10 << 20) / 3);
    csv.push_str(&format!("M1,\"王\n五\",1,2,3,4,5,0,0,否,{huge}{filler}\n"));
    csv.push_str(&format!("M2,李四,0,0,0,0,0,0,0,否,{filler}\n"));
    let ledger =
        liangxin::Ledger::from_csv_bytes(csv.as_bytes(), "wide.csv", &p.policy.policy.schema)
            .unwrap();
    assert!(ledger.errors.is_empty(), "{:?}", ledger.errors);
    let e = p.policy.evaluate_ledger(&ledger);
    assert_eq!(e.outcomes.len(), 2);
    assert_eq!(e.outcomes[0].name.as_deref(), Some("王\n五"));
    assert_eq!(e.outcomes[0].score, Some(1015.0));
    assert_eq!(ledger.notes.len(), 1, "{:?}", ledger.notes);
    assert!(
        ledger.notes[0].contains("`备注0`") && ledger.notes[0].contains("and 9990 more"),
        "{}",
        ledger.notes[0]
    );
}

/// A 100 MB policy file: its 100 MB of text in one value is refused by the loader's budget, with
/// the place shown around the column (not the 100 MB line).
#[test]
fn a_hundred_megabyte_policy_is_refused_at_its_place() {
    let dir = scratch("yaml-100mb");
    let pack = dir.join("huge");
    std::fs::create_dir_all(&pack).unwrap();
    let policy = format!(
        "id: huge\nname: 大文件\nsubject: member\nfields: [org_life]\nrules:\n  - id: o\n    kind: points\n    expr: org_life\n    description: \"{}\"\n",
        "两".repeat(35 << 20)
    );
    assert!(policy.len() > 100 << 20);
    std::fs::write(pack.join("policy.yaml"), policy).unwrap();
    let out = liangxin(&["check", pack.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stdout);
    assert!(
        said.contains("more than 100 MB of text") && said.contains("policy.yaml:9:18"),
        "{}",
        &said[..said.len().min(2000)]
    );
    assert!(said.len() < 2000, "{} bytes said", said.len());
}

/// Escape sequences hidden in a ledger's cells never reach the terminal raw: they are shown as
/// symbols (␛) in tables and in the errors on stderr.
#[test]
fn control_characters_in_cells_are_shown_not_sent() {
    let out = liangxin_with_stdin(
        &["eval", "--policy", "longwen-points", "--records", "-"],
        "党员编号,姓名,组织生活,创先争优,服务职工,遵纪守法,群众反映,创新工作加分,工作失误扣分,一票否决\nM1,\x1b[31m红字\x1b[0m,1,1,1,1,1,0,0,否\nM\x1b[2J2,乙,x,1,1,1,1,0,0,否\n".as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(!stdout.contains('\x1b') && !stderr.contains('\x1b'));
    assert!(
        stdout.contains("␛[31m红字") && stdout.contains("M␛[2J2"),
        "{stdout}\n{stderr}"
    );
    // In CSV the errors go to stderr.
    let out = liangxin_with_stdin(
        &[
            "eval",
            "--policy",
            "longwen-points",
            "--records",
            "-",
            "--format",
            "csv",
        ],
        "党员编号,姓名,组织生活\nM\x1b[2J2,乙,x\n".as_bytes(),
    );
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains('\x1b') && stderr.contains("M␛[2J2"),
        "{stderr}"
    );
}
