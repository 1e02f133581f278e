//! `cargo bench`: how fast liangxin runs, as multiples of a floor measured in the same run.
//!
//! Part 1, the province-scale table (issue "Province-scale speed"): the Longwen points pack on a
//! generated member ledger (`liangxin gen`, seed 1) of each size in `LIANGXIN_BENCH_SIZES`
//! (default `100000,1000000`). The floor is what a programmer would write by hand: the csv
//! crate with serde reading the eight columns the rule needs, and the Longwen rule in Rust.
//! Each liangxin case is timed the same way (best of three) and shown as a ratio to it:
//! - `read`: the ledger read into typed records (encoding, header, every cell typed);
//! - `eval 1 thread`, `eval 2 threads`: evaluating every record, ranking and summarizing;
//! - `end to end`: read, evaluate on two threads, and render the CSV result;
//! - `streamed summary`: `eval --summary --top 10` as a stream (read, evaluate on two threads,
//!   summary and leaderboard; memory does not grow with the ledger).
//!
//! Part 2: each bundled pack on its fixture ledger repeated to `LIANGXIN_BENCH_ROWS` rows
//! (default 200,000), against plain CSV parsing of the same bytes.
//!
//! Figures are ratios to a baseline measured in the same run, because absolute times on shared
//! machines are noisy. `bench/run` runs this with the documented sizes.

use std::path::Path;
use std::time::{Duration, Instant};

use liangxin::{FsLoader, Ledger, prepare};

// The allocator the `liangxin` binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PACKS: [(&str, &str); 7] = [
    ("longwen-points", "fixtures/longwen/members.csv"),
    // Stars with the secretary's score and the grid plan over all rows.
    ("longwen-grid", "fixtures/longwen/organizations.csv"),
    // Procedures over dates, a veto, and three cohort rates.
    ("ganjingzi-development", "fixtures/ganjingzi/dossiers.csv"),
    ("xingyi-liuge-qianghua", "fixtures/xingyi/organizations.csv"),
    (
        "zhuzhou-wuhua-enterprise",
        "fixtures/zhuzhou/enterprise-branches.csv",
    ),
    (
        "zhuzhou-wuhua-social",
        "fixtures/zhuzhou/social-branches.csv",
    ),
    ("jinan-sanqiang-sanhao", "fixtures/jinan/organizations.csv"),
];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    province_table(root);
    // `bench/run` runs the province table a second time on one core, without this part.
    if std::env::var("LIANGXIN_BENCH_PACKS").as_deref() != Ok("0") {
        packs_table(root);
    }
}

/// The Longwen columns the hand-written floor reads.
#[derive(serde::Deserialize)]
struct LongwenRow {
    #[serde(rename = "党员编号")]
    id: String,
    #[serde(rename = "组织生活")]
    org_life: i64,
    #[serde(rename = "创先争优")]
    excellence: i64,
    #[serde(rename = "服务职工")]
    serve_workers: i64,
    #[serde(rename = "遵纪守法")]
    law_abiding: i64,
    #[serde(rename = "群众反映")]
    feedback: i64,
    #[serde(rename = "创新工作加分")]
    innovation: i64,
    #[serde(rename = "工作失误扣分")]
    mistakes: i64,
    #[serde(rename = "一票否决")]
    veto: String,
}

/// The rule of policies/longwen-points by hand: a veto overrides; 优先推荐 needs 日常工作积分 (the
/// base and the five daily-work categories) at 900 or more and the whole score (with the bonus,
/// less the deductions) above 500; 合格 the score above 500; else 帮扶教育. An index into
/// `LABELS`; the grade counts equal `liangxin eval`'s.
fn longwen_grade(r: &LongwenRow) -> usize {
    let daily = 1000 + r.org_life + r.excellence + r.serve_workers + r.law_abiding + r.feedback;
    let score = daily + r.innovation - r.mistakes;
    if r.veto == "是" {
        3
    } else if score > 500 && daily >= 900 {
        0
    } else if score > 500 {
        1
    } else {
        2
    }
}

/// The grades' labels, in `longwen_grade`'s order.
const LABELS: [&str; 4] = ["优先推荐", "合格", "帮扶教育", "一票否决"];

/// The floor: the Longwen rule by hand over csv + serde. Returns the count per grade, so the
/// work cannot be optimized away.
fn longwen_by_hand(bytes: &[u8]) -> [usize; 4] {
    let mut grades = [0usize; 4];
    let mut reader = csv::Reader::from_reader(bytes);
    for row in reader.deserialize::<LongwenRow>() {
        let Ok(r) = row else { continue };
        grades[longwen_grade(&r)] += 1;
        std::hint::black_box(&r.id);
    }
    grades
}

/// The floor of `eval --format csv`: the rule by hand, and each row's id and grade written as
/// CSV (the grade's label, as staff read it).
fn longwen_by_hand_written(bytes: &[u8], out: &mut Vec<u8>) -> usize {
    let mut reader = csv::Reader::from_reader(bytes);
    let mut writer = csv::Writer::from_writer(out);
    let mut n = 0;
    for row in reader.deserialize::<LongwenRow>() {
        let Ok(r) = row else { continue };
        if writer
            .write_record([r.id.as_str(), LABELS[longwen_grade(&r)]])
            .is_ok()
        {
            n += 1;
        }
    }
    let _ = writer.flush();
    n
}

fn province_table(root: &Path) {
    let sizes: Vec<u64> = std::env::var("LIANGXIN_BENCH_SIZES")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let prepared = match prepare(&FsLoader, &root.join("policies/longwen-points")) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("longwen-points: {e}");
            return;
        }
    };
    let compiled = &prepared.policy;
    let schema = &compiled.policy.schema;
    println!("Longwen points on a generated member ledger (ratio: time / floor, lower is better)");
    println!(
        "{:>9} {:<30} {:>10} {:>12} {:>8}",
        "rows", "case", "ms", "rows/s", "ratio"
    );
    for rows in sizes {
        let mut bytes = Vec::new();
        let spec = liangxin::generate::Spec { rows, seed: 1 };
        if let Err(e) = liangxin::generate::write_ledger(schema, spec, &mut bytes) {
            eprintln!("gen: {e}");
            return;
        }
        let floor = best_of(3, || {
            std::hint::black_box(longwen_by_hand(&bytes));
        });
        let read = best_of(3, || {
            let ledger = Ledger::from_csv_bytes(&bytes, "bench.csv", schema);
            std::hint::black_box(ledger.map(|l| l.records.len()).unwrap_or(0));
        });
        let Ok(ledger) = Ledger::from_csv_bytes(&bytes, "bench.csv", schema) else {
            eprintln!("the generated ledger does not read");
            return;
        };
        let eval1 = best_of(3, || {
            std::hint::black_box(compiled.evaluate_ledger_with(&ledger, 1).summary.records);
        });
        let eval2 = best_of(3, || {
            std::hint::black_box(compiled.evaluate_ledger_with(&ledger, 2).summary.records);
        });
        drop(ledger);
        let end_to_end = best_of(3, || {
            let Ok(ledger) = Ledger::from_csv_bytes(&bytes, "bench.csv", schema) else {
                return;
            };
            let evaluation = compiled.evaluate_ledger_with(&ledger, 2);
            // As `eval --format csv` writes it: row by row.
            let mut csv = Vec::with_capacity(bytes.len() * 2);
            let written =
                liangxin::report::write_evaluation_csv(&evaluation, Default::default(), &mut csv);
            std::hint::black_box((written.is_ok(), csv.len()));
        });
        let streamed = best_of(3, || {
            let options = liangxin::stream::StreamOptions {
                top: Some(10),
                threads: 2,
                ..Default::default()
            };
            let evaluation =
                liangxin::stream::evaluate_csv(compiled, bytes.as_slice(), "bench.csv", options);
            std::hint::black_box(evaluation.map(|e| e.summary.records).unwrap_or(0));
        });
        let floor_written = best_of(3, || {
            let mut out = Vec::with_capacity(bytes.len() / 3);
            std::hint::black_box(longwen_by_hand_written(&bytes, &mut out));
        });
        // `eval --format csv` as it runs: every record's outcome streamed, ranks filled in.
        let records = |threads: usize| {
            best_of(3, || {
                let options = liangxin::stream::StreamOptions {
                    threads,
                    ..Default::default()
                };
                let mut out = Vec::with_capacity(bytes.len());
                let format = liangxin::stream::RecordFormat::Csv(Default::default());
                let evaluation = liangxin::stream::write_records(
                    compiled,
                    bytes.as_slice(),
                    "bench.csv",
                    options,
                    format,
                    &mut out,
                );
                std::hint::black_box((evaluation.is_ok(), out.len()));
            })
        };
        let records1 = records(1);
        let records2 = records(2);
        for (case, time) in [
            ("floor: csv+serde, rule by hand", floor),
            ("floor, id and grade written", floor_written),
            ("streamed CSV, 1 worker", records1),
            ("streamed CSV, 2 workers", records2),
            ("read", read),
            ("eval 1 thread", eval1),
            ("eval 2 threads", eval2),
            ("read whole, 2 threads, CSV", end_to_end),
            ("streamed summary + top 10", streamed),
        ] {
            println!(
                "{:>9} {:<30} {:>10.1} {:>12.0} {:>7.1}x",
                rows,
                case,
                time.as_secs_f64() * 1000.0,
                rows as f64 / time.as_secs_f64(),
                time.as_secs_f64() / floor.as_secs_f64()
            );
        }
    }
    println!();
}

fn packs_table(root: &Path) {
    let rows: usize = std::env::var("LIANGXIN_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    println!("Each bundled pack on its fixture repeated to {rows} rows (LIANGXIN_BENCH_ROWS)");
    println!(
        "{:<26} {:>9} {:>9} {:>9} {:>12} {:>10} {:>10} {:>8}",
        "pack", "csv ms", "read ms", "eval ms", "rows/s", "read/csv", "eval/csv", "Rhai"
    );
    for (pack, fixture) in PACKS {
        let prepared = match prepare(&FsLoader, &root.join("policies").join(pack)) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{pack}: {e}");
                continue;
            }
        };
        let text = match std::fs::read_to_string(root.join(fixture)) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{fixture}: {e}");
                continue;
            }
        };
        let bytes = repeat(&text, rows);
        let schema = &prepared.policy.policy.schema;

        let csv = best_of(3, || {
            let mut reader = csv::Reader::from_reader(bytes.as_slice());
            let mut n = 0usize;
            for record in reader.records() {
                n += record.map(|r| r.len()).unwrap_or(0);
            }
            std::hint::black_box(n);
        });
        let read = best_of(3, || {
            std::hint::black_box(
                Ledger::from_csv_bytes(&bytes, "bench.csv", schema)
                    .map(|l| l.records.len())
                    .unwrap_or(0),
            );
        });
        let Ok(ledger) = Ledger::from_csv_bytes(&bytes, "bench.csv", schema) else {
            eprintln!("{pack}: the repeated ledger does not read");
            continue;
        };
        let eval = best_of(3, || {
            std::hint::black_box(
                prepared
                    .policy
                    .evaluate_ledger_with(&ledger, 1)
                    .summary
                    .records,
            );
        });
        let (_, scripted) = prepared.policy.expression_paths();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<26} {:>9.1} {:>9.1} {:>9.1} {:>12.0} {:>9.1}x {:>9.1}x {:>8}",
            pack,
            ms(csv),
            ms(read),
            ms(eval),
            rows as f64 / (read + eval).as_secs_f64(),
            read.as_secs_f64() / csv.as_secs_f64(),
            eval.as_secs_f64() / csv.as_secs_f64(),
            scripted
        );
    }
}

/// The fixture's header and its data rows repeated to `rows` rows, each with a fresh id.
fn repeat(text: &str, rows: usize) -> Vec<u8> {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let data: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    let mut out = String::with_capacity(text.len() * (rows / data.len().max(1) + 1));
    out.push_str(header);
    out.push('\n');
    for i in 0..rows {
        let line = data[i % data.len()];
        let rest = line.split_once(',').map_or("", |(_, rest)| rest);
        out.push_str(&format!("B{i:08},{rest}\n"));
    }
    out.into_bytes()
}

fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}
