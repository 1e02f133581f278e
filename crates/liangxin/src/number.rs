//! Number formatting shared by the reports.

/// The number as an integer, when it is whole and small enough to be exact.
pub(crate) fn whole(n: f64) -> Option<i64> {
    (n.fract() == 0.0 && n.abs() < 9e15).then_some(n as i64)
}

/// How far from a whole number a number may be and still be read as that whole number in a
/// whole-number field: one part in 10^9 of it, at least 10^-9 (near zero) and at most 10^-6
/// (so 1,000,000,000.5 is not taken for a whole number). Excel computes in binary and shows 15
/// significant digits, so a cell it shows as -30 may hold -30.000000000000004, and 1000.3 -
/// 970.3 is 30.000000000000114 (10^-13 off); nothing typed into a whole-number column comes
/// that close to a whole number without being one, and 30.4 or 30.001 stay far outside.
pub(crate) const WHOLE_TOLERANCE: f64 = 1e-9;

/// The whole number `n` is, allowing binary floating-point noise within [`WHOLE_TOLERANCE`]:
/// -30.000000000000004 and 29.999999999999996 are -30 and 30; 30.4 is none.
pub(crate) fn nearly_whole(n: f64) -> Option<i64> {
    let rounded = n.round();
    let tolerance = (WHOLE_TOLERANCE * rounded.abs().max(1.0)).min(1e-6);
    if (n - rounded).abs() <= tolerance {
        whole(rounded)
    } else {
        None
    }
}

/// A computed number with binary floating-point noise removed: rounded to nine decimals, so
/// `81.1 * 0.6` is 48.66 (not 48.660000000000004) and `0.1 + 0.2` reaches a band at 0.3. Ledger
/// values carry a few decimals at most, so nothing meaningful is lost; numbers too large for
/// nine decimals to be exact are left as they are.
pub(crate) fn tidy(n: f64) -> f64 {
    if n.is_finite() && n.abs() < 1e6 {
        // Dividing by 1e9 is correctly rounded: the result is the double nearest the decimal.
        (n * 1e9).round() / 1e9
    } else {
        n
    }
}

/// A number as staff type it, made parseable: full-width digits and signs (１２３, －５, as a
/// Chinese input method writes them) become ASCII, the minus sign − becomes `-`, and commas
/// between groups of three digits (`1,000`, `12,345.5`) are dropped. Anything else is left as
/// it is, so `1,00` or `1,000,0` still fail to parse rather than being guessed at. Plain ASCII
/// without commas, nearly every cell, is returned borrowed.
pub fn normalize(text: &str) -> std::borrow::Cow<'_, str> {
    if text.is_ascii() && !text.contains(',') {
        return std::borrow::Cow::Borrowed(text);
    }
    let ascii: String = text
        .chars()
        .map(|c| match c {
            // Full-width forms U+FF01..U+FF5E are ASCII shifted by 0xFEE0.
            '０'..='９' | '．' | '－' | '＋' | '，' | '％' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '−' => '-',
            _ => c,
        })
        .collect();
    match ascii.split_once(',') {
        Some(_) if grouped_by_thousands(&ascii) => std::borrow::Cow::Owned(ascii.replace(',', "")),
        _ => std::borrow::Cow::Owned(ascii),
    }
}

/// Whether the commas in `text` separate groups of three digits: `-1,234,567.5`, `12,000%`.
fn grouped_by_thousands(text: &str) -> bool {
    let unsigned = text.trim_start_matches(['-', '+']);
    let int = unsigned.split(['.', '%']).next().unwrap_or("");
    let mut groups = int.split(',');
    let first = groups.next().unwrap_or("");
    (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
        && !unsigned[int.len()..].contains(',')
}

/// Formats a number without a trailing `.0` when it is whole, and with at most two decimals
/// otherwise (scores and yuan amounts never need more), except that a number that is not whole
/// is never rounded to a whole one.
pub fn format(n: f64) -> String {
    match whole(n) {
        Some(i) => i.to_string(),
        None => {
            let s = format!("{n:.2}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            // A number that is not whole never shows as one: 89.9999999 next to a band at 90
            // would read as 90 graded below it. Such a number keeps every digit.
            if s.contains('.') {
                s.to_owned()
            } else {
                n.to_string()
            }
        }
    }
}

/// Formats a number with all its digits (no rounding), for machine-readable output.
pub(crate) fn format_exact(n: f64) -> String {
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
    fn a_number_just_below_a_bound_never_shows_as_the_bound() {
        assert_eq!(format(89.9999999), "89.9999999");
        assert_eq!(format(89.996), "89.996");
        assert_eq!(format(933.3333), "933.33");
        assert_eq!(format(90.0), "90");
        assert_eq!(format(92.9), "92.9");
    }

    #[test]
    fn numbers_typed_the_way_staff_type_them_parse() {
        assert_eq!(normalize("1,000"), "1000");
        assert_eq!(normalize("-12,345.5"), "-12345.5");
        assert_eq!(normalize("１２３"), "123");
        assert_eq!(normalize("－５．５"), "-5.5");
        assert_eq!(normalize("−20"), "-20");
        assert_eq!(normalize("１，０００"), "1000");
        assert_eq!(normalize("12,000%"), "12000%");
        // Commas that are not thousands separators are not guessed at.
        assert_eq!(normalize("1,00"), "1,00");
        assert_eq!(normalize("1,000,0"), "1,000,0");
        assert_eq!(normalize("1.000,5"), "1.000,5");
        assert!(matches!(normalize("900"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn tidy_removes_floating_point_noise_only() {
        assert_eq!(tidy(81.1 * 0.6), 48.66);
        assert_eq!(tidy(0.1 + 0.2), 0.3);
        assert_eq!(tidy(900.0), 900.0);
        assert_eq!(tidy(-12.345), -12.345);
        assert_eq!(tidy(5_300_000.123_456_7), 5_300_000.123_456_7);
    }

    #[test]
    fn float_noise_around_whole_numbers_is_within_the_tolerance() {
        assert_eq!(nearly_whole(-30.000_000_000_000_004), Some(-30));
        assert_eq!(nearly_whole(29.999_999_999_999_996), Some(30));
        assert_eq!(nearly_whole(0.1 + 0.2 - 0.3), Some(0));
        assert_eq!(nearly_whole(12.0), Some(12));
        assert_eq!(nearly_whole(1000.3 - 970.3), Some(30));
        assert_eq!(nearly_whole(1_000_000.000_000_1), Some(1_000_000));
        for not_whole in [
            30.4,
            30.001,
            -0.5,
            0.000_001,
            12.000_000_1,
            1_000_000_000.5,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(nearly_whole(not_whole), None, "{not_whole}");
        }
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
