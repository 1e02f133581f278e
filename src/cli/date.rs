//! `--as-of`: the date dated params are read at (default: today).

/// Today's date (UTC), as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil(secs as i64 / 86_400)
}

/// The calendar date of a day number counted from 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Parses an `--as-of` argument.
pub fn parse(text: &str) -> Result<String, String> {
    liangxin::schema::parse_date(text)
        .ok_or_else(|| format!("`{text}` is not a date (use YYYY-MM-DD)"))
}

#[derive(Debug, Clone, clap::Args)]
pub struct AsOf {
    /// Read dated params as they are in force on this date (YYYY-MM-DD; default: today).
    #[arg(long, value_parser = parse)]
    pub as_of: Option<String>,
}

impl AsOf {
    pub fn date(&self) -> String {
        self.as_of.clone().unwrap_or_else(today)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn day_numbers_become_dates() {
        assert_eq!(super::civil(0), "1970-01-01");
        assert_eq!(super::civil(19_723), "2024-01-01");
        assert_eq!(super::civil(20_416), "2025-11-24");
        assert_eq!(super::civil(11_016), "2000-02-29");
    }
}
