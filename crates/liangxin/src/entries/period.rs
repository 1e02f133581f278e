//! The period entries are summed over: a year (`--period 2024`) or two dates, both included.

use std::fmt;

/// Dates from `from` to `to`, both included, as `YYYY-MM-DD` (which order as text does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    from: String,
    to: String,
}

impl Period {
    /// The calendar year `year`: 1 January to 31 December.
    ///
    /// # Errors
    ///
    /// When the year is not a four-digit year from 1000 to 9999.
    pub fn year(year: &str) -> Result<Period, String> {
        let year = year.trim().trim_end_matches('年');
        match year.parse::<u32>() {
            Ok(y) if (1000..=9999).contains(&y) && year.len() == 4 => Ok(Period {
                from: format!("{y}-01-01"),
                to: format!("{y}-12-31"),
            }),
            _ => Err(format!(
                "`{year}` is not a year: a period is a year such as 2024, or two dates (--from 2024-01-01 --to 2024-06-30)"
            )),
        }
    }

    /// The dates from `from` to `to`, both included; dates may be written as ledgers write them
    /// (`2024/1/1`, `2024年1月1日`).
    ///
    /// # Errors
    ///
    /// When either is not a date, or `to` is before `from`.
    pub fn between(from: &str, to: &str) -> Result<Period, String> {
        let date = |text: &str| {
            crate::schema::parse_date(text)
                .ok_or_else(|| format!("`{text}` is not a date (YYYY-MM-DD)"))
        };
        let (from, to) = (date(from)?, date(to)?);
        if to < from {
            return Err(format!("the period ends ({to}) before it begins ({from})"));
        }
        Ok(Period { from, to })
    }

    /// The first day, `YYYY-MM-DD`.
    pub fn from(&self) -> &str {
        &self.from
    }

    /// The last day, `YYYY-MM-DD`.
    pub fn to(&self) -> &str {
        &self.to
    }

    /// Whether the date (`YYYY-MM-DD`) falls in the period.
    pub fn contains(&self, date: &str) -> bool {
        self.from.as_str() <= date && date <= self.to.as_str()
    }

    /// The whole calendar year the period is, if it is one.
    pub fn as_year(&self) -> Option<&str> {
        let year = self.from.get(..4)?;
        (self.from.ends_with("-01-01") && self.to == format!("{year}-12-31")).then_some(year)
    }
}

impl fmt::Display for Period {
    /// `2024年` for a calendar year, else `2024-01-01 至 2024-06-30`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_year() {
            Some(year) => write!(f, "{year}年"),
            None => write!(f, "{} 至 {}", self.from, self.to),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_is_its_days_both_ends_included() {
        let p = Period::year("2024").unwrap();
        assert!(p.contains("2024-01-01") && p.contains("2024-12-31"));
        assert!(!p.contains("2023-12-31") && !p.contains("2025-01-01"));
        assert_eq!(p.to_string(), "2024年");
        assert!(Period::year("24").is_err() && Period::year("2024x").is_err());
    }

    #[test]
    fn dates_are_read_as_ledgers_write_them_and_must_be_in_order() {
        let p = Period::between("2024/1/1", "2024年6月30日").unwrap();
        assert_eq!((p.from(), p.to()), ("2024-01-01", "2024-06-30"));
        assert_eq!(p.to_string(), "2024-01-01 至 2024-06-30");
        assert!(Period::between("2024-07-01", "2024-06-30").is_err());
        assert!(Period::between("2024-02-30", "2024-06-30").is_err());
    }
}
