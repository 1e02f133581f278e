//! Number formatting shared by the reports.

/// The number as an integer, when it is whole and small enough to be exact.
pub fn whole(n: f64) -> Option<i64> {
    (n.fract() == 0.0 && n.abs() < 9e15).then_some(n as i64)
}

/// A computed number with binary floating-point noise removed: rounded to nine decimals, so
/// `81.1 * 0.6` is 48.66 (not 48.660000000000004) and `0.1 + 0.2` reaches a band at 0.3. Ledger
/// values carry a few decimals at most, so nothing meaningful is lost; numbers too large for
/// nine decimals to be exact are left as they are.
pub fn tidy(n: f64) -> f64 {
    if n.is_finite() && n.abs() < 1e6 {
        // Dividing by 1e9 is correctly rounded: the result is the double nearest the decimal.
        (n * 1e9).round() / 1e9
    } else {
        n
    }
}

/// Formats a number without a trailing `.0` when it is whole, and with at most two decimals
/// otherwise (scores and yuan amounts never need more).
pub fn format(n: f64) -> String {
    match whole(n) {
        Some(i) => i.to_string(),
        None => {
            let s = format!("{n:.2}");
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
    }
}

/// Formats a number with all its digits (no rounding), for machine-readable output.
pub fn format_exact(n: f64) -> String {
    whole(n).map_or_else(|| n.to_string(), |i| i.to_string())
}

/// Formats a ratio in 0..=1 as a percentage with one decimal, e.g. `85.6%`.
pub fn percent(ratio: f64) -> String {
    format!("{:.1}%", ratio * 100.0)
}

/// Formats a whole amount with thousands separators, e.g. `5,300,000`.
pub fn grouped(n: f64) -> String {
    let plain = format(n.abs());
    let (int, frac) = plain.split_once('.').unwrap_or((&plain, ""));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if n < 0.0 {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_removes_floating_point_noise_only() {
        assert_eq!(tidy(81.1 * 0.6), 48.66);
        assert_eq!(tidy(0.1 + 0.2), 0.3);
        assert_eq!(tidy(900.0), 900.0);
        assert_eq!(tidy(-12.345), -12.345);
        assert_eq!(tidy(5_300_000.123_456_7), 5_300_000.123_456_7);
    }

    #[test]
    fn whole_numbers_have_no_decimals() {
        assert_eq!(format(900.0), "900");
        assert_eq!(format(-3.0), "-3");
        assert_eq!(format(2.5), "2.5");
        assert_eq!(format(1.0 / 3.0), "0.33");
    }

    #[test]
    fn grouped_inserts_thousands_separators() {
        assert_eq!(grouped(5_300_000.0), "5,300,000");
        assert_eq!(grouped(354_000.0), "354,000");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(grouped(-1234.5), "-1,234.5");
    }

    #[test]
    fn percent_has_one_decimal() {
        assert_eq!(percent(214.0 / 250.0), "85.6%");
    }
}
