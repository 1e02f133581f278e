//! `--as-of`: the date dated params are read at (default: today, in the user's time zone).
//!
//! Today is the calendar day where the user is, not in UTC: China is UTC+8, so before 08:00 the
//! UTC date is still yesterday. The zone is, in order: `$LIANGXIN_TZ`, `$TZ` (a zone name like
//! `Asia/Shanghai`, a POSIX rule like `CST-8`, or an offset like `+08:00` or `UTC+8`), the
//! system's zone unless it is UTC (what servers and containers are left at), and else China's.
//! Time zones are jiff's (the system's zone database, or its own where there is none).

use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};

/// China's time (Asia/Shanghai has kept UTC+8 since 1991), the default.
fn china() -> TimeZone {
    TimeZone::get("Asia/Shanghai").unwrap_or_else(|_| TimeZone::fixed(Offset::constant(8)))
}

/// Today's date in the user's time zone, as `YYYY-MM-DD`.
pub fn today() -> String {
    let setting = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let zone = setting("LIANGXIN_TZ").or_else(|| setting("TZ"));
    local_date(Timestamp::now(), zone.as_deref(), || {
        TimeZone::try_system().ok()
    })
}

/// The date at `now` in `zone` (a `TZ` value), else in the system's zone unless that is UTC,
/// else in China.
fn local_date(
    now: Timestamp,
    zone: Option<&str>,
    system: impl FnOnce() -> Option<TimeZone>,
) -> String {
    let tz = match zone {
        Some(zone) => named_zone(zone).unwrap_or_else(china),
        None => system()
            .filter(|tz| !tz.is_unknown() && tz.to_offset(now) != Offset::UTC)
            .unwrap_or_else(china),
    };
    tz.to_datetime(now).date().to_string()
}

/// A `TZ` value as a zone: a name in the zone database, a POSIX rule, or an offset.
fn named_zone(zone: &str) -> Option<TimeZone> {
    let zone = zone.trim();
    let zone = zone.strip_prefix(':').unwrap_or(zone);
    TimeZone::get(zone)
        .ok()
        .or_else(|| fixed_offset(zone).map(TimeZone::fixed))
        .or_else(|| TimeZone::posix(zone).ok())
}

/// `+08:00`, `+0800`, `+8`, `UTC+8`, `GMT+08:00`, `Z`: an offset as people write it (east
/// positive, unlike POSIX rules).
fn fixed_offset(text: &str) -> Option<Offset> {
    let upper = text.to_ascii_uppercase();
    let rest = ["UTC", "GMT", "Z"]
        .iter()
        .find_map(|p| upper.strip_prefix(p))
        .unwrap_or(&upper);
    if rest.is_empty() {
        return (rest.len() != upper.len()).then_some(Offset::UTC);
    }
    let (sign, digits) = match rest.as_bytes().first()? {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    if hours > 14 || minutes > 59 {
        return None;
    }
    Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}

/// Parses an `--as-of` argument.
pub fn parse(text: &str) -> Result<String, String> {
    liangxin::schema::parse_date(text)
        .ok_or_else(|| format!("`{text}` is not a date (use YYYY-MM-DD)"))
}

#[derive(Debug, Clone, clap::Args)]
pub struct AsOf {
    /// Read dated params as they are in force on this date (YYYY-MM-DD; default: today in
    /// $LIANGXIN_TZ or $TZ, else the system's zone, else China's UTC+8).
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
    use super::local_date;
    use jiff::Timestamp;
    use jiff::tz::TimeZone;

    /// A UTC date and time.
    fn utc(text: &str) -> Timestamp {
        format!("{text}Z").parse().unwrap()
    }

    #[test]
    fn before_eight_in_the_morning_china_is_already_tomorrow() {
        let late = utc("2026-12-01T23:30");
        // No zone set and a system left at UTC (or none known): China's date.
        assert_eq!(local_date(late, None, || Some(TimeZone::UTC)), "2026-12-02");
        assert_eq!(local_date(late, None, || None), "2026-12-02");
        assert_eq!(
            local_date(utc("2026-12-01T15:59"), None, || None),
            "2026-12-01"
        );
        assert_eq!(
            local_date(utc("2026-12-01T16:00"), None, || None),
            "2026-12-02"
        );
        // The year turns in China eight hours before it does in UTC.
        assert_eq!(
            local_date(utc("2026-12-31T16:00"), None, || None),
            "2027-01-01"
        );
        for zone in [
            "Asia/Shanghai",
            "+08:00",
            "+0800",
            "UTC+8",
            "CST-8",
            "<+08>-8",
            "Etc/GMT-8",
        ] {
            assert_eq!(
                local_date(late, Some(zone), || None),
                "2026-12-02",
                "{zone}"
            );
        }
        // A zone set on purpose is honoured, UTC included.
        for zone in ["UTC", "Etc/UTC", "+00:00", "Z"] {
            assert_eq!(
                local_date(late, Some(zone), || None),
                "2026-12-01",
                "{zone}"
            );
        }
        // Daylight saving time, from the zone database and from a POSIX rule: New York is
        // UTC-4 in July.
        for zone in ["America/New_York", "EST5EDT,M3.2.0,M11.1.0"] {
            assert_eq!(
                local_date(utc("2026-07-02T03:30"), Some(zone), || None),
                "2026-07-01"
            );
            assert_eq!(
                local_date(utc("2026-07-02T04:30"), Some(zone), || None),
                "2026-07-02"
            );
        }
        // A zone that cannot be understood falls back to China's.
        assert_eq!(
            local_date(late, Some("Nowhere/Atlantis"), || None),
            "2026-12-02"
        );
        // A system zone that is not UTC is the user's.
        let berlin = || TimeZone::get("Europe/Berlin").ok();
        assert_eq!(
            local_date(utc("2026-12-01T23:30"), None, berlin),
            "2026-12-02"
        );
        assert_eq!(
            local_date(utc("2026-12-01T22:30"), None, berlin),
            "2026-12-01"
        );
    }
}
