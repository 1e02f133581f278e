//! Calendar arithmetic on `YYYY-MM-DD` dates, for procedure rules' intervals and params dated
//! relative to the assessment date (`before_as_of`).
//!
//! Dates in records are already normalized to `YYYY-MM-DD` by the schema, so they compare as
//! strings; this module only adds intervals. Adding months keeps the day of the month, or
//! the month's last day when it has no such day (2016-01-31 plus one month is 2016-02-29), as
//! date arithmetic in Chinese administrative practice (and OpenFisca's periods) does.

use serde::Serialize;

/// A length of time: years and months (added together, on the calendar), then days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Interval {
    /// Whole years, added on the calendar together with the months.
    pub years: u32,
    /// Whole months; a day the month lacks becomes its last day (2016-01-31 plus one month is
    /// 2016-02-29).
    pub months: u32,
    /// Days, added after the years and months.
    pub days: u32,
}

impl Interval {
    /// The interval in words, e.g. `1 year`, `3 months and 7 days`.
    pub fn describe(&self) -> String {
        let unit = |n: u32, one: &str, many: &str| match n {
            0 => None,
            1 => Some(format!("1 {one}")),
            n => Some(format!("{n} {many}")),
        };
        let parts: Vec<String> = [
            unit(self.years, "year", "years"),
            unit(self.months, "month", "months"),
            unit(self.days, "day", "days"),
        ]
        .into_iter()
        .flatten()
        .collect();
        match parts.as_slice() {
            [] => "0 days".to_owned(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD` (the schema's normal form).
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.split('-');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.parse().ok()?;
        if parts.next().is_some() || !(1..=12).contains(&month) {
            return None;
        }
        (1..=days_in_month(year, month))
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// This date plus `interval`.
    pub fn plus(self, interval: Interval) -> Date {
        let months = self.month as i64 - 1 + interval.months as i64 + 12 * interval.years as i64;
        let year = self.year + (months.div_euclid(12)) as i32;
        let month = months.rem_euclid(12) as u32 + 1;
        let day = self.day.min(days_in_month(year, month));
        Date::from_days(Date { year, month, day }.days() + interval.days as i64)
    }

    /// The latest date from which `interval` has passed by `self` (the as-of date): the last
    /// `d` with `d.plus(interval) <= self`, so "in office for a year by the as-of date" is
    /// `since <= that date`, exactly as a procedure's `not_before` counts. Adding a year to
    /// 2028-02-29 gives 2029-02-28, so on 2029-02-28 a year has passed since 2028-02-29.
    pub(crate) fn latest_start(self, interval: Interval) -> Date {
        // Subtract on the calendar, then move by days to the exact boundary: clamping to a
        // month's end moves it by at most three days.
        let months = self.year as i64 * 12 + self.month as i64
            - 1
            - interval.months as i64
            - 12 * interval.years as i64;
        let year = months.div_euclid(12) as i32;
        let month = months.rem_euclid(12) as u32 + 1;
        let day = self.day.min(days_in_month(year, month));
        let mut start = Date { year, month, day }.days() - interval.days as i64;
        let limit = self.days();
        for _ in 0..8 {
            if Date::from_days(start).plus(interval).days() > limit {
                start -= 1;
            } else if Date::from_days(start + 1).plus(interval).days() <= limit {
                start += 1;
            } else {
                break;
            }
        }
        Date::from_days(start)
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    fn days(self) -> i64 {
        let y = self.year as i64 - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = self.month as i64;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + self.day as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    fn from_days(z: i64) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plus(date: &str, years: u32, months: u32, days: u32) -> String {
        let interval = Interval {
            years,
            months,
            days,
        };
        Date::parse(date).unwrap().plus(interval).to_string()
    }

    #[test]
    fn years_months_and_days_add_on_the_calendar() {
        // A one-year probation from 2016-03-01 ends on 2017-03-01.
        assert_eq!(plus("2016-03-01", 1, 0, 0), "2017-03-01");
        // A leap day plus a year is the last day of February.
        assert_eq!(plus("2016-02-29", 1, 0, 0), "2017-02-28");
        assert_eq!(plus("2016-01-31", 0, 1, 0), "2016-02-29");
        assert_eq!(plus("2016-12-28", 0, 0, 7), "2017-01-04");
        assert_eq!(plus("2015-11-30", 0, 3, 1), "2016-03-01");
    }

    fn start(as_of: &str, years: u32, months: u32, days: u32) -> String {
        let interval = Interval {
            years,
            months,
            days,
        };
        Date::parse(as_of)
            .unwrap()
            .latest_start(interval)
            .to_string()
    }

    #[test]
    fn the_latest_start_is_the_inverse_of_plus() {
        assert_eq!(start("2026-12-02", 1, 0, 0), "2025-12-02");
        assert_eq!(start("2026-12-01", 1, 0, 0), "2025-12-01");
        // 2028-02-29 plus a year is 2029-02-28: a year has passed on 2029-02-28.
        assert_eq!(start("2029-02-28", 1, 0, 0), "2028-02-29");
        assert_eq!(start("2029-03-01", 1, 0, 0), "2028-03-01");
        // 2028-02-29 is a year after 2027-02-28 (nothing later in February 2027 exists).
        assert_eq!(start("2028-02-29", 1, 0, 0), "2027-02-28");
        // 2016-01-29, -30 and -31 plus a month are all 2016-02-29.
        assert_eq!(start("2016-02-29", 0, 1, 0), "2016-01-31");
        assert_eq!(start("2016-02-28", 0, 1, 0), "2016-01-28");
        assert_eq!(start("2017-01-04", 0, 0, 7), "2016-12-28");
        assert_eq!(start("2016-03-01", 0, 3, 1), "2015-11-30");
        assert_eq!(start("2026-12-02", 0, 0, 0), "2026-12-02");
        // Every start, plus the interval, is on or before the as-of date, and the next day's is
        // after it.
        let mut day = Date::parse("2015-12-20").unwrap();
        for _ in 0..800 {
            for (y, m, d) in [(1, 0, 0), (0, 1, 0), (0, 6, 3), (2, 11, 30)] {
                let i = Interval {
                    years: y,
                    months: m,
                    days: d,
                };
                let s = day.latest_start(i);
                assert!(s.plus(i) <= day, "{day} {i:?}");
                assert!(Date::from_days(s.days() + 1).plus(i) > day, "{day} {i:?}");
            }
            day = Date::from_days(day.days() + 1);
        }
    }

    #[test]
    fn only_real_dates_parse() {
        assert!(Date::parse("2016-02-29").is_some());
        assert!(Date::parse("2017-02-29").is_none());
        assert!(Date::parse("2017-13-01").is_none());
        assert!(Date::parse("").is_none());
    }

    #[test]
    fn intervals_read_as_words() {
        let i = |years, months, days| Interval {
            years,
            months,
            days,
        };
        assert_eq!(i(1, 0, 0).describe(), "1 year");
        assert_eq!(i(0, 3, 7).describe(), "3 months and 7 days");
        assert_eq!(i(2, 1, 1).describe(), "2 years, 1 month and 1 day");
    }
}
