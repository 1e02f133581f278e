//! What reading a ledger whole will need, said before reading it rather than found by running
//! out of memory halfway.

use std::path::Path;

/// Memory a ledger read whole and evaluated takes per byte of its CSV file: about 3 KB a
/// record for about 100 bytes a row (measured on 1,000,000 generated Longwen rows: 2.9 GB for a
/// 98 MB file), rounded up.
const PER_CSV_BYTE: u64 = 32;
/// A workbook is compressed: its cells take about five times its size as CSV.
const PER_WORKBOOK_BYTE: u64 = PER_CSV_BYTE * 5;
/// Below this, a ledger is read whole without asking what memory is free.
const ALWAYS_FITS: u64 = 256 << 20;

/// Refuses, before reading, a ledger file whose whole reading would need more memory than the
/// machine has available, saying how much it needs and what to do instead.
///
/// # Errors
///
/// The message to show.
pub fn check_whole_read(path: &Path) -> Result<(), String> {
    let Ok(size) = std::fs::metadata(path).map(|m| m.len()) else {
        return Ok(());
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let per_byte = match ext.as_deref() {
        Some("xlsx" | "xls" | "xlsm" | "ods") => PER_WORKBOOK_BYTE,
        _ => PER_CSV_BYTE,
    };
    let needed = size.saturating_mul(per_byte);
    if needed < ALWAYS_FITS {
        return Ok(());
    }
    let Some(available) = available() else {
        return Ok(());
    };
    if needed <= available {
        return Ok(());
    }
    Err(format!(
        "reading {} whole needs about {} of memory ({} per MB of the file), and this machine has {} available: \
         save it as CSV and evaluate it without --group-by, --explain, --record and --entries, with --format csv, json or ndjson (or --summary), \
         which streams it in bounded memory; or split it; or free memory",
        path.display(),
        gb(needed),
        gb(per_byte << 20),
        gb(available)
    ))
}

fn gb(bytes: u64) -> String {
    format!("{:.1} GB", bytes as f64 / f64::from(1u32 << 30))
}

/// Memory available to a new allocation, in bytes: Linux's `MemAvailable`, lowered by an
/// address-space limit (`ulimit -v`) when one is set. None where neither is known.
fn available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<u64>()
        .ok()?;
    let mut available = kb.saturating_mul(1024);
    if let Ok(limits) = std::fs::read_to_string("/proc/self/limits")
        && let Some(line) = limits.lines().find(|l| l.starts_with("Max address space"))
        && let Some(limit) = line.split_whitespace().nth(3)
        && let Ok(limit) = limit.parse::<u64>()
    {
        available = available.min(limit);
    }
    Some(available)
}
