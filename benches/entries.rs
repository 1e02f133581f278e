//! `bash bench/entries`: summing a large entry ledger, as a multiple of a hand-written floor
//! measured in the same run (issue 17).
//!
//! For each size in `LIANGXIN_BENCH_MEMBERS` (default `100000,1000000`) × `LIANGXIN_BENCH_PER_MEMBER`
//! (default 20) entries, the roster and entry ledger are generated (`liangxin gen --entries`,
//! seed 1) into a temporary folder, then each case runs in a process of its own (this binary,
//! started again with the case's name), so its peak memory (`VmHWM`) is its own; the cases are
//! interleaved, three rounds, and the fastest of each is kept:
//! - `floor`: what a programmer would write by hand: the csv crate reads the roster into a map
//!   of ids and the entries row by row, looks the item up by id or label, and adds its points
//!   (times 次数) into the member's totals; no checks, no caps, no duplicate check;
//! - `stream, 1 thread` / `stream, 2 threads`: [`liangxin::entries::add_csv`] as `eval
//!   --entries` runs it (on 2 threads one reads and types blocks, the other adds them);
//! - `whole`: the ledger read whole, then added (the path for workbooks and JSON), for the
//!   sizes up to `LIANGXIN_BENCH_WHOLE_MAX` entries (default 2,500,000), as it holds them all.
//!
//! Times are of summing the entries only (the roster is read before the clock starts, as both
//! need it); memory is the process's peak, roster included.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use liangxin::entries::generate::{EntrySpec, YEAR, write_entries, write_roster};
use liangxin::entries::{Aggregator, Period, Worth, add_csv};
use liangxin::{FsLoader, Ledger, prepare};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CASES: [&str; 4] = ["floor", "stream-1", "stream-2", "whole"];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--case") {
        match (args.get(i + 1), args.get(i + 2), args.get(i + 3)) {
            (Some(case), Some(roster), Some(entries)) => {
                run_case(case, Path::new(roster), Path::new(entries));
            }
            _ => eprintln!("--case CASE ROSTER ENTRIES"),
        }
        return;
    }
    let env = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let members: Vec<u64> = env("LIANGXIN_BENCH_MEMBERS", "100000,1000000")
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let per_member: u32 = env("LIANGXIN_BENCH_PER_MEMBER", "20").parse().unwrap_or(20);
    let whole_max: u64 = env("LIANGXIN_BENCH_WHOLE_MAX", "2500000")
        .parse()
        .unwrap_or(2_500_000);
    let dir = std::env::temp_dir().join(format!("liangxin-bench-entries-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("{}: {e}", dir.display());
        return;
    }
    println!(
        "Summing an entry ledger (longwen-points catalog; ratio: time / floor, lower is better)"
    );
    println!(
        "{:>9} {:>11} {:<18} {:>9} {:>12} {:>7} {:>9}",
        "members", "entries", "case", "ms", "entries/s", "ratio", "peak MB"
    );
    for n in members {
        let Some((roster, entries, count)) = generate(&dir, n, per_member) else {
            break;
        };
        let cases: Vec<&str> = CASES
            .into_iter()
            .filter(|c| *c != "whole" || count <= whole_max)
            .collect();
        // Interleaved rounds: a slow moment of the shared machine hits every case alike.
        let mut best: HashMap<&str, (f64, u64)> = HashMap::new();
        for _round in 0..3 {
            for &case in &cases {
                let Some((secs, peak, counted)) = child(case, &roster, &entries) else {
                    continue;
                };
                if counted != count {
                    eprintln!("{case}: {counted} of {count} entries counted");
                }
                let slot = best.entry(case).or_insert((f64::INFINITY, 0));
                slot.0 = slot.0.min(secs);
                slot.1 = slot.1.max(peak);
            }
        }
        let floor = best.get("floor").map_or(f64::NAN, |b| b.0);
        for case in cases {
            if let Some(&(secs, peak)) = best.get(case) {
                println!(
                    "{:>9} {:>11} {:<18} {:>9.0} {:>12.0} {:>6.2}x {:>9.0}",
                    n,
                    count,
                    case,
                    secs * 1000.0,
                    count as f64 / secs,
                    secs / floor,
                    peak as f64 / 1024.0
                );
            }
        }
        let _ = std::fs::remove_file(&roster);
        let _ = std::fs::remove_file(&entries);
    }
    let _ = std::fs::remove_dir(&dir);
}

fn longwen() -> Option<liangxin::Prepared> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    prepare(&FsLoader, &root.join("policies/longwen-points"))
        .map_err(|e| eprintln!("longwen-points: {e}"))
        .ok()
}

/// The roster and entry ledger of `n` members, and how many entries it has.
fn generate(dir: &Path, n: u64, per_member: u32) -> Option<(PathBuf, PathBuf, u64)> {
    let prepared = longwen()?;
    let policy = &prepared.policy.policy;
    let catalog = policy.catalog.as_ref()?;
    let spec = EntrySpec {
        members: n,
        per_member,
        seed: 1,
    };
    let roster = dir.join(format!("roster-{n}.csv"));
    let entries = dir.join(format!("entries-{n}.csv"));
    let write = |path: &Path, entries: bool| -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        if entries {
            write_entries(&policy.schema, catalog, spec, &mut out)
        } else {
            write_roster(&policy.schema, catalog, spec, &mut out)
        }
    };
    if let Err(e) = write(&roster, false).and_then(|()| write(&entries, true)) {
        eprintln!("gen: {e}");
        return None;
    }
    let lines = std::fs::read(&entries)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count() as u64)
        .unwrap_or(1);
    Some((roster, entries, lines.saturating_sub(1)))
}

/// Runs one case in a process of its own: its time in seconds, peak memory in KiB, and the
/// entries it counted without an error.
fn child(case: &str, roster: &Path, entries: &Path) -> Option<(f64, u64, u64)> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe)
        .arg("--case")
        .arg(case)
        .arg(roster)
        .arg(entries)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fields = text.split_whitespace();
    let mut number = || fields.next().and_then(|s| s.parse::<f64>().ok());
    match (number(), number(), number(), number()) {
        (Some(secs), Some(peak), Some(counted), Some(errors)) => {
            Some((secs, peak as u64, (counted - errors) as u64))
        }
        _ => {
            eprintln!("{case}: {}", String::from_utf8_lossy(&out.stderr));
            None
        }
    }
}

/// Prints `seconds peak-KiB entries errors` for one case.
fn run_case(case: &str, roster_path: &Path, entries_path: &Path) {
    let Some(prepared) = longwen() else { return };
    let policy = &prepared.policy.policy;
    let Some(catalog) = policy.catalog.as_ref() else {
        return;
    };
    if case == "floor" {
        let start = Instant::now();
        let (counted, total) = by_hand(catalog, roster_path, entries_path);
        let secs = start.elapsed().as_secs_f64();
        println!("{secs} {} {counted} 0 {total}", peak_kib());
        return;
    }
    let roster = match Ledger::read(roster_path, &policy.schema) {
        Ok(r) => r,
        Err(e) => return eprintln!("{e}"),
    };
    let Ok(period) = Period::year(&YEAR.to_string()) else {
        return;
    };
    let mut aggregator = Aggregator::new(catalog, period, &roster, &policy.schema);
    let start = Instant::now();
    let result = match case {
        "stream-1" | "stream-2" => {
            let options = liangxin::stream::StreamOptions {
                threads: if case == "stream-1" { 1 } else { 2 },
                ..Default::default()
            };
            std::fs::File::open(entries_path)
                .map_err(|e| e.to_string())
                .and_then(|file| {
                    add_csv(&mut aggregator, file, "entries.csv", &options)
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                })
        }
        _ => Ledger::read(entries_path, aggregator.entry_schema())
            .map_err(|e| e.to_string())
            .and_then(|ledger| aggregator.add_ledger(&ledger).map_err(|e| e.to_string())),
    };
    let secs = start.elapsed().as_secs_f64();
    if let Err(e) = result {
        return eprintln!("{e}");
    }
    let errors = aggregator.unattributed().len();
    println!("{secs} {} {} {errors}", peak_kib(), aggregator.entries());
}

/// The floor: the entries summed per member by hand with the csv crate.
fn by_hand(catalog: &liangxin::entries::Catalog, roster: &Path, entries: &Path) -> (u64, f64) {
    let slots = catalog.fields.len();
    let mut index: HashMap<String, usize> = HashMap::new();
    let Ok(mut reader) = csv::Reader::from_path(roster) else {
        return (0, 0.0);
    };
    for row in reader.records().flatten() {
        let id = row.get(0).unwrap_or_default().to_owned();
        let next = index.len();
        index.entry(id).or_insert(next);
    }
    let mut sums = vec![0.0f64; index.len() * slots];
    // Item by id or label: its field's slot and fixed points (None: the entry gives them).
    let mut items: HashMap<&str, (usize, Option<f64>)> = HashMap::new();
    for item in &catalog.items {
        let slot = catalog.fields.get_index_of(&item.field).unwrap_or(0);
        let points = match item.worth {
            Worth::Fixed(p) => Some(p),
            Worth::Range { .. } => None,
            Worth::Veto => Some(1.0),
        };
        items.insert(&item.id, (slot, points));
        items.insert(&item.label, (slot, points));
    }
    let Ok(mut reader) = csv::Reader::from_path(entries) else {
        return (0, 0.0);
    };
    let mut row = csv::StringRecord::new();
    let mut counted = 0u64;
    while let Ok(true) = reader.read_record(&mut row) {
        let (Some(&who), Some(&(slot, fixed))) = (
            index.get(row.get(0).unwrap_or_default()),
            items.get(row.get(3).unwrap_or_default()),
        ) else {
            continue;
        };
        let given = row.get(4).and_then(|p| p.parse::<f64>().ok());
        let count = row
            .get(5)
            .and_then(|c| c.parse::<f64>().ok())
            .unwrap_or(1.0);
        sums[who * slots + slot] += given.or(fixed).unwrap_or(0.0) * count;
        counted += 1;
    }
    (counted, std::hint::black_box(sums.iter().sum()))
}

/// This process's peak resident memory in KiB (`VmHWM`), 0 where /proc is not there.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
