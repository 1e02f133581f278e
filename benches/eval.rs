//! `cargo bench`: how fast the bundled packs run, against plain CSV parsing of the same bytes.
//!
//! Each pack's fixture ledger is repeated (with fresh ids) to `LIANGXIN_BENCH_ROWS` rows
//! (default 200,000). Per pack it measures, best of three runs on one core:
//! - `csv`: the csv crate reading every record of the ledger and nothing else (the baseline);
//! - `read`: reading the ledger into typed records (encoding, headers, cell types);
//! - `eval`: evaluating every record, ranking and summarizing.
//!
//! Figures are printed as rows per second and as multiples of the baseline measured in the same
//! run, because absolute times on shared machines are noisy.

use std::path::Path;
use std::time::{Duration, Instant};

use liangxin::{FsLoader, Ledger, prepare};

const PACKS: [(&str, &str); 7] = [
    ("longwen-points", "fixtures/longwen/members.csv"),
    // Stars with the secretary's score (two Rhai `if`s) and the grid plan over all rows.
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
    let rows: usize = std::env::var("LIANGXIN_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    println!("rows per ledger: {rows} (set LIANGXIN_BENCH_ROWS to change)");
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
            std::hint::black_box(prepared.policy.evaluate_ledger(&ledger).summary.records);
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
