//! `--as-of`: the date dated params are read at (default: today, in the user's time zone).
//!
//! Today is the calendar day where the user is, not in UTC: China is UTC+8, so before 08:00 the
//! UTC date is still yesterday. The zone is, in order: `$LIANGXIN_TZ`, `$TZ` (a fixed offset
//! like `+08:00` or `UTC+8`, a POSIX rule like `CST-8`, or a zone name like `Asia/Shanghai`
//! looked up in the system's zone files), the system's zone (`/etc/localtime`) unless it is UTC
//! (what servers and containers are left at), and else China's `+08:00`.

/// Seconds east of UTC of China's time (Asia/Shanghai), the default.
const CHINA: i64 = 8 * 3600;

/// Today's date in the user's time zone, as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let setting = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let zone = setting("LIANGXIN_TZ").or_else(|| setting("TZ"));
    let system = || std::fs::read("/etc/localtime").ok();
    local_date(secs, zone.as_deref(), system)
}

/// The date at `secs` (Unix time) in `zone` (a `TZ` value), else in the system's zone (the
/// bytes of its zone file) unless that is UTC, else in China.
fn local_date(secs: i64, zone: Option<&str>, system: impl FnOnce() -> Option<Vec<u8>>) -> String {
    let offset = match zone {
        Some(zone) => zone_offset(zone, secs).unwrap_or(CHINA),
        None => system()
            .and_then(|bytes| tzif_offset(&bytes, secs))
            .filter(|&offset| offset != 0)
            .unwrap_or(CHINA),
    };
    civil((secs + offset).div_euclid(86_400))
}

/// The offset (seconds east of UTC) at `secs` of a `TZ` value, if it can be understood.
fn zone_offset(zone: &str, secs: i64) -> Option<i64> {
    let zone = zone.trim();
    let zone = zone.strip_prefix(':').unwrap_or(zone);
    if let Some(offset) = fixed_offset(zone) {
        return Some(offset);
    }
    if let Some(offset) = posix_offset(zone, secs) {
        return Some(offset);
    }
    // A zone name (Asia/Shanghai): the system's zone file, never a path outside its folder.
    if zone.is_empty() || zone.contains("..") {
        return None;
    }
    let dir = std::env::var_os("TZDIR")
        .map_or_else(|| "/usr/share/zoneinfo".into(), std::path::PathBuf::from);
    let path = if zone.starts_with('/') {
        std::path::PathBuf::from(zone)
    } else {
        dir.join(zone)
    };
    let bytes = std::fs::read(path).ok()?;
    tzif_offset(&bytes, secs)
}

/// `+08:00`, `+0800`, `+8`, `UTC+8`, `GMT+08:00`, `UTC`, `Z`: an offset as people write it
/// (east positive).
fn fixed_offset(text: &str) -> Option<i64> {
    let upper = text.to_ascii_uppercase();
    let rest = ["UTC", "GMT", "ETC/UTC", "ETC/GMT", "Z"]
        .iter()
        .find_map(|p| upper.strip_prefix(p))
        .unwrap_or(&upper);
    if rest.is_empty() {
        return (rest.len() != upper.len()).then_some(0);
    }
    let (sign, digits) = match rest.as_bytes().first()? {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    // Etc/GMT-8 is POSIX's sign: eight hours east.
    let sign = if upper.starts_with("ETC/") {
        -sign
    } else {
        sign
    };
    Some(sign * hours_minutes(digits)?)
}

/// `8`, `08`, `0800`, `08:00`, `5:30` as seconds.
fn hours_minutes(text: &str) -> Option<i64> {
    let (h, m) = match text.split_once(':') {
        Some((h, m)) => (h, m),
        None if text.len() == 4 => text.split_at(2),
        None => (text, "0"),
    };
    let all_digits =
        |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(h) || !all_digits(m) {
        return None;
    }
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60).then_some(h * 3600 + m * 60)
}

/// A POSIX `TZ` rule (`CST-8`, `EST5EDT,M3.2.0,M11.1.0`): the offset at `secs`, east positive
/// (POSIX writes west positive). Rules in `Jn` or `n` form are read as standard time.
fn posix_offset(rule: &str, secs: i64) -> Option<i64> {
    let (std_name, rest) = zone_name(rule)?;
    if std_name.len() < 3 {
        return None;
    }
    let (std_offset, rest) = posix_time(rest)?;
    let standard = -std_offset;
    if rest.is_empty() {
        return Some(standard);
    }
    let (_, rest) = zone_name(rest)?;
    let (daylight, rules) = match rest.split_once(',') {
        Some(("", rules)) => (standard + 3600, rules),
        Some((offset, rules)) => (-posix_time(offset)?.0, rules),
        None => return Some(standard),
    };
    let (start, end) = rules.split_once(',')?;
    let year = year_of(secs + standard);
    let begins = transition(start, year)? - standard;
    let ends = transition(end, year)? - daylight;
    let in_daylight = if begins < ends {
        secs >= begins && secs < ends
    } else {
        secs >= begins || secs < ends
    };
    Some(if in_daylight { daylight } else { standard })
}

/// A zone abbreviation (`CST`, `<+08>`) and what follows it.
fn zone_name(text: &str) -> Option<(&str, &str)> {
    if let Some(quoted) = text.strip_prefix('<') {
        let end = quoted.find('>')?;
        return Some((&quoted[..end], &quoted[end + 1..]));
    }
    let end = text
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    Some((&text[..end], &text[end..]))
}

/// A signed `hh[:mm[:ss]]` at the start of `text`, in seconds, and what follows it.
fn posix_time(text: &str) -> Option<(i64, &str)> {
    let (sign, body) = match text.as_bytes().first()? {
        b'-' => (-1, &text[1..]),
        b'+' => (1, &text[1..]),
        _ => (1, text),
    };
    let end = body
        .find(|c: char| !c.is_ascii_digit() && c != ':')
        .unwrap_or(body.len());
    if end == 0 {
        return None;
    }
    let mut secs = 0;
    for (part, unit) in body[..end].split(':').zip([3600, 60, 1]) {
        secs += part.parse::<i64>().ok()? * unit;
    }
    Some((sign * secs, &body[end..]))
}

/// When a rule `Mm.w.d[/time]` falls in `year`, as seconds of local standard-or-daylight
/// time from the epoch.
fn transition(rule: &str, year: i64) -> Option<i64> {
    let (date, time) = match rule.split_once('/') {
        Some((date, time)) => (date, posix_time(time)?.0),
        None => (rule, 7200),
    };
    let mut parts = date.strip_prefix('M')?.split('.');
    let mut next = || parts.next().and_then(|p| p.parse::<i64>().ok());
    let (month, week, weekday) = (next()?, next()?, next()?);
    if !(1..=12).contains(&month) || !(1..=5).contains(&week) || !(0..=6).contains(&weekday) {
        return None;
    }
    let first = days_from_civil(year, month, 1);
    // 1970-01-01 was a Thursday (4).
    let first_weekday = (first + 4).rem_euclid(7);
    let mut day = first + (weekday - first_weekday).rem_euclid(7) + (week - 1) * 7;
    let next_month = if month == 12 {
        days_from_civil(year + 1, 1, 1)
    } else {
        days_from_civil(year, month + 1, 1)
    };
    while day >= next_month {
        day -= 7;
    }
    Some(day * 86_400 + time)
}

/// The offset at `secs` from a zone file (TZif, RFC 8536): the transition in force, or after
/// the last one the file's closing POSIX rule.
fn tzif_offset(bytes: &[u8], secs: i64) -> Option<i64> {
    let header = |at: usize| -> Option<[usize; 6]> {
        if bytes.get(at..at + 4)? != b"TZif" {
            return None;
        }
        let mut counts = [0usize; 6];
        for (i, c) in counts.iter_mut().enumerate() {
            let start = at + 20 + i * 4;
            let b: [u8; 4] = bytes.get(start..start + 4)?.try_into().ok()?;
            *c = u32::from_be_bytes(b) as usize;
        }
        Some(counts)
    };
    let block_len = |c: [usize; 6], time: usize| {
        // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
        c[3] * time + c[3] + c[4] * 6 + c[5] + c[2] * (time + 4) + c[1] + c[0]
    };
    let v1 = header(0)?;
    let version = *bytes.get(4)?;
    let (counts, data, time) = if version >= b'2' {
        let second = 44 + block_len(v1, 4);
        (header(second)?, second + 44, 8)
    } else {
        (v1, 44, 4)
    };
    let [_, _, _, timecnt, typecnt, _] = counts;
    let read_time = |i: usize| -> Option<i64> {
        let start = data + i * time;
        let raw = bytes.get(start..start + time)?;
        Some(if time == 8 {
            i64::from_be_bytes(raw.try_into().ok()?)
        } else {
            i64::from(i32::from_be_bytes(raw.try_into().ok()?))
        })
    };
    let types = data + timecnt * time;
    let infos = types + timecnt;
    let offset_of = |t: usize| -> Option<i64> {
        let start = infos + t * 6;
        let b: [u8; 4] = bytes.get(start..start + 4)?.try_into().ok()?;
        Some(i64::from(i32::from_be_bytes(b)))
    };
    if typecnt == 0 {
        return None;
    }
    let mut last = None;
    for i in 0..timecnt {
        if read_time(i)? > secs {
            break;
        }
        last = Some(i);
    }
    let after_all = last.is_some_and(|i| i + 1 == timecnt) || timecnt == 0;
    if after_all && version >= b'2' {
        let footer = data + block_len(counts, time);
        if let Some(text) = bytes
            .get(footer..)
            .and_then(|b| std::str::from_utf8(b).ok())
        {
            let rule = text.trim_matches('\n');
            if let Some(offset) = posix_offset(rule, secs) {
                return Some(offset);
            }
        }
    }
    match last {
        Some(i) => offset_of(usize::from(*bytes.get(types + i)?)),
        // Before the first transition: the first type.
        None => offset_of(0),
    }
}

/// The year of a day count's date, from seconds.
fn year_of(secs: i64) -> i64 {
    civil(secs.div_euclid(86_400))
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(1970)
}

/// Days from 1970-01-01 to a date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
    use super::{days_from_civil, local_date};

    /// Unix time of a UTC date and time.
    fn utc(y: i64, m: i64, d: i64, h: i64, min: i64) -> i64 {
        days_from_civil(y, m, d) * 86_400 + h * 3600 + min * 60
    }

    #[test]
    fn day_numbers_become_dates() {
        assert_eq!(super::civil(0), "1970-01-01");
        assert_eq!(super::civil(19_723), "2024-01-01");
        assert_eq!(super::civil(20_416), "2025-11-24");
        assert_eq!(super::civil(11_016), "2000-02-29");
        for days in [-800, 0, 11_016, 19_723, 20_416, 40_000] {
            let date = super::civil(days);
            let (y, m, d) = (&date[..4], &date[5..7], &date[8..]);
            let back = days_from_civil(y.parse().unwrap(), m.parse().unwrap(), d.parse().unwrap());
            assert_eq!(back, days, "{date}");
        }
    }

    #[test]
    fn before_eight_in_the_morning_china_is_already_tomorrow() {
        let late = utc(2026, 12, 1, 23, 30);
        // No zone set and a system left at UTC (or no zone file): China's date.
        let utc_zone_file =
            || Some(std::fs::read("/usr/share/zoneinfo/Etc/UTC").unwrap_or_default());
        assert_eq!(local_date(late, None, utc_zone_file), "2026-12-02");
        assert_eq!(local_date(late, None, || None), "2026-12-02");
        assert_eq!(
            local_date(utc(2026, 12, 1, 15, 59), None, || None),
            "2026-12-01"
        );
        assert_eq!(
            local_date(utc(2026, 12, 1, 16, 0), None, || None),
            "2026-12-02"
        );
        // The year turns in China eight hours before it does in UTC.
        assert_eq!(
            local_date(utc(2026, 12, 31, 16, 0), None, || None),
            "2027-01-01"
        );
        for zone in [
            "Asia/Shanghai",
            "+08:00",
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
        if std::path::Path::new("/usr/share/zoneinfo/America/New_York").exists() {
            assert_eq!(
                local_date(utc(2026, 12, 2, 3, 0), Some("America/New_York"), || None),
                "2026-12-01"
            );
            assert_eq!(
                local_date(utc(2026, 7, 2, 3, 30), Some("America/New_York"), || None),
                "2026-07-01"
            );
            assert_eq!(
                local_date(utc(2026, 7, 2, 4, 30), Some("America/New_York"), || None),
                "2026-07-02"
            );
        }
        // Daylight saving time from the rule: New York is UTC-4 in July.
        assert_eq!(
            local_date(
                utc(2026, 7, 2, 3, 30),
                Some("EST5EDT,M3.2.0,M11.1.0"),
                || None
            ),
            "2026-07-01"
        );
        assert_eq!(
            local_date(
                utc(2026, 7, 2, 4, 30),
                Some("EST5EDT,M3.2.0,M11.1.0"),
                || None
            ),
            "2026-07-02"
        );
        // A zone that cannot be understood falls back to China's.
        assert_eq!(
            local_date(late, Some("Nowhere/Atlantis"), || None),
            "2026-12-02"
        );
        // A system zone that is not UTC is the user's.
        if let Ok(berlin) = std::fs::read("/usr/share/zoneinfo/Europe/Berlin") {
            assert_eq!(
                local_date(utc(2026, 12, 1, 23, 30), None, || Some(berlin.clone())),
                "2026-12-02"
            );
            assert_eq!(
                local_date(utc(2026, 12, 1, 22, 30), None, || Some(berlin)),
                "2026-12-01"
            );
        }
    }
}
