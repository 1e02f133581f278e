//! Every record's outcome written as a stream (`liangxin::stream::write_records`) gives the
//! bytes of the whole-ledger output, for every bundled pack's CSV fixtures, in every streamed
//! format, however the ledger is cut into blocks and however many threads evaluate it; and what
//! a stream cannot do is refused before anything is written.

use std::path::Path;

use liangxin::report::{EvalReport, Lang, Options, RecordFormat};
use liangxin::stream::{StreamError, StreamOptions, write_records};
use liangxin::{CompiledPolicy, Evaluation, Ledger};

use crate::pack;

/// Asserts two outputs are the same bytes; when not, shows where they part.
fn same(streamed: &[u8], whole: &[u8], what: &str) {
    if streamed == whole {
        return;
    }
    let at = streamed
        .iter()
        .zip(whole)
        .position(|(a, b)| a != b)
        .unwrap_or(streamed.len().min(whole.len()));
    let from = at.saturating_sub(300);
    panic!(
        "{what}: the streamed output parts from the whole ledger's at byte {at}:\n--- streamed\n{}\n--- whole\n{}",
        String::from_utf8_lossy(&streamed[from..(at + 300).min(streamed.len())]),
        String::from_utf8_lossy(&whole[from..(at + 300).min(whole.len())])
    );
}

/// Packs and their CSV fixture ledgers.
const LEDGERS: &[(&str, &str)] = &[
    ("policies/longwen-points", "fixtures/longwen/members.csv"),
    (
        "policies/longwen-points",
        "fixtures/longwen/members-2023.csv",
    ),
    (
        "policies/longwen-points",
        "fixtures/longwen/members-excel-gbk.csv",
    ),
    (
        "policies/longwen-points",
        "fixtures/longwen/members-ledger-gbk.csv",
    ),
    (
        "policies/longwen-grid",
        "fixtures/longwen/organizations.csv",
    ),
    (
        "policies/xingyi-liuge-qianghua",
        "fixtures/xingyi/organizations.csv",
    ),
    (
        "policies/zhuzhou-wuhua-enterprise",
        "fixtures/zhuzhou/enterprise-branches.csv",
    ),
    (
        "policies/zhuzhou-wuhua-social",
        "fixtures/zhuzhou/social-branches.csv",
    ),
    (
        "policies/jinan-sanqiang-sanhao",
        "fixtures/jinan/organizations.csv",
    ),
    (
        "policies/ganjingzi-development",
        "fixtures/ganjingzi/dossiers.csv",
    ),
];

fn formats() -> Vec<(&'static str, RecordFormat)> {
    let csv = |excel| {
        RecordFormat::Csv(Options {
            excel,
            lang: Lang::Both,
            width: None,
        })
    };
    vec![
        ("csv", csv(false)),
        ("csv for excel", csv(true)),
        ("json", RecordFormat::Json),
        ("ndjson", RecordFormat::Ndjson),
    ]
}

/// The whole-ledger output of `evaluation` in `format`.
fn whole_output(evaluation: &Evaluation, format: RecordFormat, top: Option<usize>) -> Vec<u8> {
    let report = EvalReport {
        evaluation,
        grouping: None,
        top,
        traces: None,
        summary_only: false,
    };
    let mut out = Vec::new();
    match format {
        RecordFormat::Csv(options) => {
            liangxin::report::write_evaluation_csv(evaluation, options, &mut out).unwrap()
        }
        RecordFormat::Json => report.write_json(&mut out).unwrap(),
        RecordFormat::Ndjson => report.write_ndjson(&mut out).unwrap(),
    }
    out
}

/// Two ways to stream: one evaluating thread with big blocks and everything in memory; three
/// threads, blocks of a few rows (so they come back out of order), the spool and the ids on disk.
fn settings(top: Option<usize>) -> Vec<StreamOptions> {
    let spill = StreamOptions {
        threads: 3,
        block_bytes: 300,
        spool_in_memory: 1,
        ids_in_memory: 7,
        top,
        // Every error listed, as a ledger read whole lists them (the CLI keeps 10,000).
        max_errors: usize::MAX,
        ..Default::default()
    };
    vec![
        StreamOptions {
            threads: 1,
            top,
            max_errors: usize::MAX,
            ..Default::default()
        },
        spill,
    ]
}

fn stream(
    compiled: &CompiledPolicy,
    bytes: &[u8],
    options: StreamOptions,
    format: RecordFormat,
) -> Result<(Vec<u8>, Evaluation), StreamError> {
    let mut out = Vec::new();
    let evaluation = write_records(compiled, bytes, "ledger.csv", options, format, &mut out)?;
    Ok((out, evaluation))
}

#[test]
fn every_fixture_streams_to_the_whole_ledgers_bytes() {
    let mut streamed = 0;
    for (pack_path, ledger_path) in LEDGERS {
        let prepared = pack(pack_path);
        let compiled = &prepared.policy;
        let bytes = std::fs::read(ledger_path).unwrap();
        if let Err(why) = liangxin::stream::streamable(compiled) {
            // Refused before anything is read or written.
            let mut out = Vec::new();
            let refused = write_records(
                compiled,
                &bytes[..],
                "x.csv",
                StreamOptions::default(),
                RecordFormat::Json,
                &mut out,
            );
            assert!(
                matches!(refused, Err(StreamError::NotStreamable { ref message, .. }) if *message == why),
                "{pack_path}: {refused:?}"
            );
            assert!(out.is_empty());
            continue;
        }
        let ledger = Ledger::read(Path::new(ledger_path), &compiled.policy.schema).unwrap();
        let whole = compiled.evaluate_ledger(&ledger);
        let top = compiled.policy.ranking.as_ref().map(|_| 3);
        for (name, format) in formats() {
            for top in [None, top] {
                let expected = whole_output(&whole, format, top);
                for options in settings(top) {
                    let threads = options.threads;
                    let (out, evaluation) = stream(compiled, &bytes, options, format)
                        .unwrap_or_else(|e| panic!("{ledger_path} {name}: {e}"));
                    same(
                        &out,
                        &expected,
                        &format!("{ledger_path} as {name}, top {top:?}, {threads} thread(s)"),
                    );
                    assert_eq!(
                        serde_json::to_value(&evaluation.summary).unwrap(),
                        serde_json::to_value(&whole.summary).unwrap(),
                        "{ledger_path}"
                    );
                    assert_eq!(evaluation.errors, whole.errors, "{ledger_path}");
                }
            }
        }
        streamed += 1;
    }
    assert!(streamed >= 8, "only {streamed} ledgers streamed");
}

/// The streamed summary (`eval --summary`) runs `lead` and `rate` group rules too, with the
/// whole ledger's results, and names a quota it cannot run.
#[test]
fn the_streamed_summary_runs_group_rules_as_the_whole_ledger_does() {
    let mut folded = 0;
    for (pack_path, ledger_path) in LEDGERS {
        let prepared = pack(pack_path);
        let compiled = &prepared.policy;
        let bytes = std::fs::read(ledger_path).unwrap();
        let options = StreamOptions {
            threads: 2,
            block_bytes: 400,
            ..Default::default()
        };
        let streamed = liangxin::stream::evaluate_csv(compiled, &bytes[..], "x.csv", options);
        if liangxin::stream::streamable(compiled).is_err() {
            let refused = streamed.unwrap_err().to_string();
            assert!(refused.contains("quota"), "{refused}");
            continue;
        }
        let streamed = streamed.unwrap();
        let ledger = Ledger::read(Path::new(ledger_path), &compiled.policy.schema).unwrap();
        let whole = compiled.evaluate_ledger(&ledger);
        let json = |v: &dyn erased::Json| v.json();
        assert_eq!(
            json(&streamed.group_rules),
            json(&whole.group_rules),
            "{ledger_path}"
        );
        assert_eq!(
            json(&streamed.summary),
            json(&whole.summary),
            "{ledger_path}"
        );
        folded += usize::from(!whole.group_rules.is_empty());
    }
    assert!(folded >= 3, "{folded} ledgers with group rules");
}

mod erased {
    /// A value's JSON, to compare results that are not `PartialEq`.
    pub trait Json {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }
}

/// A generated province-style ledger: ranks with thousands of ties, a few blocks per thread.
#[test]
fn a_generated_ledger_streams_with_exact_ranks_and_leaders() {
    let prepared = pack("policies/longwen-points");
    let compiled = &prepared.policy;
    let mut bytes = Vec::new();
    liangxin::generate::write_ledger(
        &compiled.policy.schema,
        liangxin::generate::Spec {
            rows: 20_000,
            seed: 7,
        },
        &mut bytes,
    )
    .unwrap();
    let whole = compiled.evaluate_ledger(
        &Ledger::from_csv_bytes(&bytes, "g.csv", &compiled.policy.schema).unwrap(),
    );
    for format in [RecordFormat::Json, RecordFormat::Ndjson] {
        let expected = whole_output(&whole, format, Some(10));
        let options = StreamOptions {
            threads: 2,
            block_bytes: 64 << 10,
            ids_in_memory: 5_000,
            top: Some(10),
            ..Default::default()
        };
        let (out, evaluation) = stream(compiled, &bytes, options, format).unwrap();
        same(&out, &expected, "20,000 generated rows");
        // The leaders are the whole ledger's top ten, ties at the tenth place included.
        let leaders = |e: &Evaluation| -> Vec<(String, Option<usize>)> {
            let mut l: Vec<_> = e
                .outcomes
                .iter()
                .filter(|o| o.rank.is_some_and(|r| r <= 10))
                .map(|o| (o.record.clone(), o.rank))
                .collect();
            l.sort();
            l
        };
        assert_eq!(leaders(&evaluation), leaders(&whole));
        assert!(leaders(&whole).len() >= 10);
    }
}

/// An id on two rows is found at the end, whether the ids stayed in memory or went to sorted
/// runs on disk, and nothing is written: the caller reads the ledger whole, where neither row is
/// graded.
#[test]
fn an_id_on_two_rows_stops_the_stream_before_anything_is_written() {
    let prepared = pack("policies/longwen-points");
    let compiled = &prepared.policy;
    let text = std::fs::read_to_string("fixtures/longwen/members.csv").unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    // The fifth record's row again, at the end.
    let again = lines[5];
    lines.push(again);
    let bytes = lines.join("\n").into_bytes();
    let last_row = lines.len();
    for ids_in_memory in [1 << 20, 4] {
        let mut out = Vec::new();
        let options = StreamOptions {
            ids_in_memory,
            block_bytes: 500,
            threads: 2,
            ..Default::default()
        };
        let result = write_records(
            compiled,
            &bytes[..],
            "twice.csv",
            options,
            RecordFormat::Json,
            &mut out,
        );
        match result {
            Err(StreamError::NotStreamable { message, .. }) => {
                assert!(
                    message.starts_with(&format!("rows 6 and {last_row} have the same 党员编号")),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(out.is_empty(), "nothing is written");
    }
}

/// A ledger with a header and no records streams to the whole ledger's (empty) output.
#[test]
fn a_ledger_without_records_streams_to_the_whole_ledgers_output() {
    let prepared = pack("policies/longwen-points");
    let compiled = &prepared.policy;
    let text = std::fs::read_to_string("fixtures/longwen/members.csv").unwrap();
    let header = text.lines().next().unwrap();
    let bytes = format!("{header}\n").into_bytes();
    let whole = compiled.evaluate_ledger(
        &Ledger::from_csv_bytes(&bytes, "ledger.csv", &compiled.policy.schema).unwrap(),
    );
    for (name, format) in formats() {
        let (out, _) = stream(compiled, &bytes, StreamOptions::default(), format).unwrap();
        same(&out, &whole_output(&whole, format, None), name);
    }
}

/// A block pasted with its own header, with one more column, late in the ledger: the records
/// above it get an empty cell in that column, as in the whole ledger's output.
#[test]
fn a_column_added_by_a_pasted_header_late_is_filled_for_the_rows_above() {
    let prepared = pack("policies/longwen-points");
    let compiled = &prepared.policy;
    let text = std::fs::read_to_string("fixtures/longwen/members.csv").unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let header = lines[0].clone();
    let tail = lines.split_off(40);
    lines.push(format!("{header},备注"));
    lines.extend(tail.into_iter().map(|l| format!("{l},调入")));
    let bytes = lines.join("\n").into_bytes();
    let ledger = Ledger::from_csv_bytes(&bytes, "ledger.csv", &compiled.policy.schema).unwrap();
    assert_eq!(ledger.extra_columns, ["备注"]);
    let whole = compiled.evaluate_ledger(&ledger);
    for (name, format) in formats() {
        let expected = whole_output(&whole, format, None);
        for options in settings(None) {
            let (out, _) = stream(compiled, &bytes, options, format).unwrap();
            same(&out, &expected, name);
        }
    }
}

mod cli {
    //! The streamed outputs as a user meets them: `liangxin eval --format csv|json|ndjson`.

    use crate::cli::{liangxin, liangxin_with_stdin, text};

    fn twice_ledger(dir: &std::path::Path) -> std::path::PathBuf {
        let body = std::fs::read_to_string("fixtures/longwen/members.csv").unwrap();
        let mut lines: Vec<&str> = body.lines().collect();
        let again = lines[5];
        lines.push(again);
        let file = dir.join("twice.csv");
        std::fs::write(&file, lines.join("\n")).unwrap();
        file
    }

    /// From a file, an id on two rows sends the ledger to be read whole: neither row is graded,
    /// every other record is, and the output is the whole ledger's.
    #[test]
    fn an_id_on_two_rows_of_a_file_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let file = twice_ledger(dir.path());
        let file = file.to_str().unwrap();
        let out = liangxin(&[
            "eval",
            "-p",
            "longwen-points",
            "-r",
            file,
            "-f",
            "ndjson",
            "--as-of",
            "2024-06-30",
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("note: ") && stderr.contains("have the same 党员编号"),
            "{stderr}"
        );
        assert!(stderr.contains("duplicate 党员编号"), "{stderr}");
        let lines = text(&out.stdout).lines().count();
        assert_eq!(lines, 59, "60 records, the one on two rows not graded");
    }

    /// From stdin, which cannot be read twice, the run stops with nothing on stdout.
    #[test]
    fn an_id_on_two_rows_of_stdin_stops_with_nothing_written() {
        let dir = tempfile::tempdir().unwrap();
        let file = twice_ledger(dir.path());
        let input = std::fs::read(file).unwrap();
        let out = liangxin_with_stdin(
            &[
                "eval",
                "-p",
                "longwen-points",
                "-r",
                "-",
                "-f",
                "csv",
                "--as-of",
                "2024-06-30",
            ],
            &input,
        );
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty(), "nothing is written");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("rows 6 and 62 have the same 党员编号")
                && stderr.contains("save the ledger to a file"),
            "{stderr}"
        );
    }

    /// Under an address-space limit (`ulimit -v`), a ledger whose whole reading would not fit is
    /// refused before it is read, saying what it needs and what to do; streamed, the same
    /// ledger's every record is written within the limit.
    #[test]
    fn a_memory_limit_is_said_up_front_and_the_stream_stays_within_it() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("big.csv");
        let generated = liangxin(&[
            "gen",
            "--subject",
            "member",
            "--rows",
            "250000",
            "--seed",
            "3",
            "-o",
            ledger.to_str().unwrap(),
        ]);
        assert!(generated.status.success(), "{}", text(&generated.stderr));
        let run = |format: &str| {
            let script = format!(
                "ulimit -v 700000 && exec \"$0\" eval -p longwen-points -r {} -f {format} --as-of 2024-06-30 -o {}",
                ledger.display(),
                dir.path().join(format!("out.{format}")).display()
            );
            std::process::Command::new("bash")
                .args(["-c", &script, env!("CARGO_BIN_EXE_liangxin")])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .output()
                .unwrap()
        };
        let whole = run("md");
        assert_eq!(whole.status.code(), Some(2), "{}", text(&whole.stderr));
        let stderr = text(&whole.stderr);
        assert!(
            stderr.contains("whole needs about") && stderr.contains("which streams it"),
            "{stderr}"
        );
        assert!(
            !stderr.contains("panicked") && !stderr.contains("memory allocation"),
            "{stderr}"
        );
        let streamed = run("csv");
        assert_eq!(
            streamed.status.code(),
            Some(0),
            "{}",
            text(&streamed.stderr)
        );
        let written = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
        assert_eq!(written.lines().count(), 250_001);
    }
}

/// A ledger separated by semicolons, where a comma in a number may be a decimal mark: streamed,
/// such a cell is refused at its row as when the ledger is read whole, never read as a number.
#[test]
fn a_comma_in_a_number_of_a_semicolon_ledger_is_refused_streamed_too() {
    let prepared = pack("policies/longwen-points");
    let compiled = &prepared.policy;
    let text = std::fs::read_to_string("fixtures/longwen/members.csv")
        .unwrap()
        .replace(',', ";")
        .replacen(
            "LW2022001;蔡振鑫;漳州华森家具有限公司党支部;龙文区;2022;-13",
            "LW2022001;蔡振鑫;漳州华森家具有限公司党支部;龙文区;2022;1,5",
            1,
        );
    let bytes = text.into_bytes();
    let whole = compiled.evaluate_ledger(
        &Ledger::from_csv_bytes(&bytes, "semi.csv", &compiled.policy.schema).unwrap(),
    );
    assert!(
        whole
            .errors
            .iter()
            .any(|e| e.row == 2 && e.message.contains("comma")),
        "{:?}",
        whole.errors
    );
    let (out, streamed) = stream(
        compiled,
        &bytes,
        StreamOptions::default(),
        RecordFormat::Json,
    )
    .unwrap();
    assert_eq!(streamed.errors, whole.errors);
    same(
        &out,
        &whole_output(&whole, RecordFormat::Json, None),
        "semicolons",
    );
    let summary =
        liangxin::stream::evaluate_csv(compiled, &bytes[..], "semi.csv", StreamOptions::default())
            .unwrap();
    assert_eq!(summary.errors, whole.errors);
    assert!(
        summary
            .notes
            .iter()
            .any(|n| n == "cells separated by semicolons")
    );
}

/// Every real-world ledger kept as CSV (`fixtures/real-world`: grouped headers, titles, GBK,
/// empty cells, percent columns, pasted blocks…), read with default options, streams to the
/// whole ledger's bytes, or is refused both ways, or is sent to be read whole.
#[test]
fn every_real_world_csv_streams_as_it_reads_whole() {
    let (mut compared, mut refused, mut sent_whole) = (0, 0, 0);
    let mut cases: Vec<_> = std::fs::read_dir("fixtures/real-world")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.yaml").is_file())
        .collect();
    cases.sort();
    for case in cases {
        let yaml = std::fs::read_to_string(case.join("case.yaml")).unwrap();
        let Some(pack_id) = yaml.lines().find_map(|l| l.strip_prefix("pack: ")) else {
            continue;
        };
        let Some(ledger_path) = std::fs::read_dir(&case)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "csv"))
        else {
            continue;
        };
        let prepared = pack(&format!("policies/{}", pack_id.trim()));
        let compiled = &prepared.policy;
        if liangxin::stream::streamable(compiled).is_err() {
            // A quota: read whole (see the first test).
            continue;
        }
        let bytes = std::fs::read(&ledger_path).unwrap();
        let what = ledger_path.display().to_string();
        let whole = Ledger::from_csv_bytes(&bytes, "ledger.csv", &compiled.policy.schema);
        for (name, format) in formats() {
            let streamed = stream(compiled, &bytes, settings(None).remove(1), format);
            match (&whole, streamed) {
                (Err(_), Err(StreamError::Ledger(_))) => refused += 1,
                (Ok(_), Err(StreamError::NotStreamable { .. })) => sent_whole += 1,
                (Ok(ledger), Ok((out, _))) => {
                    let evaluation = compiled.evaluate_ledger(ledger);
                    same(
                        &out,
                        &whole_output(&evaluation, format, None),
                        &format!("{what} as {name}"),
                    );
                    compared += 1;
                }
                (whole, streamed) => panic!(
                    "{what} as {name}: read whole {:?}, streamed {:?}",
                    whole.as_ref().map(|l| l.records.len()),
                    streamed.map(|(_, e)| e.summary.records)
                ),
            }
        }
    }
    assert!(
        compared >= 200,
        "{compared} compared, {refused} refused, {sent_whole} read whole"
    );
}
