//! Money as a whole number of fen (分, 1/100 yuan), so that sums are exact.
//!
//! A pack writes amounts in yuan (`amount: 50000`, `money: 12.5`). They are turned into fen once,
//! when the pack is validated (an amount finer than a fen, or too large, is an error there), and
//! every sum after that is integer arithmetic: 113 sites at 50,000 yuan total 5,650,000.00
//! however many records there are and in whatever order threads add them. The inner integer is
//! an `i128`: a record's money is at most a few hundred amounts of at most [`Money::MAX_AMOUNT`]
//! each, so no ledger of any size can overflow a total.
//!
//! Amounts leave as yuan: JSON numbers and report cells are the yuan value as an `f64`, which is
//! the nearest double to the decimal and prints as that decimal (up to 15 significant digits,
//! far beyond any budget).

use serde::{Serialize, Serializer};

/// An amount of money in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i128);

/// Why a number written in a pack is not an amount of money.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MoneyError {
    /// The number is infinite or not a number.
    #[error("{0} is not a finite number")]
    NotFinite(f64),
    /// The number has more than two decimals.
    #[error("{0} is finer than a fen (分): money has at most two decimals")]
    FinerThanFen(f64),
    /// The number is beyond [`Money::MAX_AMOUNT`].
    #[error("{0} is larger than the largest amount, {max} yuan", max = Money::MAX_AMOUNT.yuan())]
    TooLarge(f64),
}

impl Money {
    /// No money.
    pub const ZERO: Money = Money(0);
    /// The largest single amount a pack may write: one trillion yuan (一万亿元). Bounding
    /// amounts is what makes every total provably exact (see the module docs).
    pub const MAX_AMOUNT: Money = Money(100_000_000_000_000);

    /// The amount `fen` fen (1 yuan is 100 fen).
    pub const fn from_fen(fen: i128) -> Money {
        Money(fen)
    }

    /// The amount in whole fen.
    pub const fn fen(self) -> i128 {
        self.0
    }

    /// An amount written in yuan, exact to the fen. Numbers a pack writes as decimals (12.35)
    /// arrive as the nearest double; anything within a millionth of a fen of a whole fen is
    /// that fen, anything else has more than two decimals and is refused.
    ///
    /// # Errors
    ///
    /// [`MoneyError`] when `yuan` is not finite, has more than two decimals or exceeds
    /// [`Money::MAX_AMOUNT`].
    pub fn from_yuan(yuan: f64) -> Result<Money, MoneyError> {
        if !yuan.is_finite() {
            return Err(MoneyError::NotFinite(yuan));
        }
        if yuan.abs() > Money::MAX_AMOUNT.yuan() {
            return Err(MoneyError::TooLarge(yuan));
        }
        let fen = yuan * 100.0;
        let whole = fen.round();
        // A decimal written with two places arrives as the nearest double, off by a few units
        // in its last place: more than a millionth of a fen once amounts reach 100 million yuan.
        let tolerance = (fen.abs() * 8.0 * f64::EPSILON).max(1e-6);
        if (fen - whole).abs() > tolerance {
            return Err(MoneyError::FinerThanFen(yuan));
        }
        // In range: |whole| <= 1e16 < 2^63, so the conversion is exact.
        Ok(Money(whole as i128))
    }

    /// The amount in yuan, for reports and JSON.
    pub fn yuan(self) -> f64 {
        // Exact division of two exactly represented integers: the nearest double to the
        // decimal amount (for totals below 2^53 fen, i.e. 90 trillion yuan).
        self.0 as f64 / 100.0
    }

    /// Whether the amount is zero.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        Money(self.0 + other.0)
    }
}

impl std::ops::AddAssign for Money {
    fn add_assign(&mut self, other: Money) {
        self.0 += other.0;
    }
}

impl std::ops::Sub for Money {
    type Output = Money;
    fn sub(self, other: Money) -> Money {
        Money(self.0 - other.0)
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

/// Written as a number of yuan, as the JSON output always has.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.yuan())
    }
}

/// Yuan with thousands separators and only the decimals it has: `5,654,000`, `1,234.5`,
/// `-0.05`. Integer arithmetic throughout, so large totals print exactly.
impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fen = self.0.unsigned_abs();
        let (yuan, cents) = (fen / 100, fen % 100);
        let digits = yuan.to_string();
        let mut out = String::with_capacity(digits.len() + 8);
        if self.0 < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        match cents {
            0 => {}
            c if c % 10 == 0 => out.push_str(&format!(".{}", c / 10)),
            c => out.push_str(&format!(".{c:02}")),
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_amounts_are_exact_fen() {
        assert_eq!(Money::from_yuan(0.1).map(Money::fen), Ok(10));
        assert_eq!(Money::from_yuan(12.35).map(Money::fen), Ok(1235));
        assert_eq!(Money::from_yuan(-0.05).map(Money::fen), Ok(-5));
        assert_eq!(Money::from_yuan(50_000.0).map(Money::fen), Ok(5_000_000));
    }

    #[test]
    fn sums_do_not_drift_like_floats() {
        let dime = Money::from_yuan(0.1).unwrap();
        let total: Money = std::iter::repeat_n(dime, 1_000_000).sum();
        assert_eq!(total, Money::from_fen(10_000_000));
        let float: f64 = std::iter::repeat_n(0.1, 1_000_000).sum();
        assert_ne!(
            float, 100_000.0,
            "the float sum drifts, which is why money is in fen"
        );
    }

    #[test]
    fn amounts_finer_than_a_fen_or_too_large_are_refused() {
        assert_eq!(
            Money::from_yuan(0.001),
            Err(MoneyError::FinerThanFen(0.001))
        );
        assert!(matches!(
            Money::from_yuan(f64::NAN),
            Err(MoneyError::NotFinite(_))
        ));
        assert!(matches!(
            Money::from_yuan(1e13),
            Err(MoneyError::TooLarge(_))
        ));
        assert!(Money::from_yuan(1e12).is_ok());
        // Two decimals stay exact at 100 million yuan and more (the float is a few ulps off).
        assert_eq!(
            Money::from_yuan(575_884_436.92).map(Money::fen),
            Ok(57_588_443_692)
        );
        assert_eq!(
            Money::from_yuan(999_999_999_999.99).map(Money::fen),
            Ok(99_999_999_999_999)
        );
        assert!(Money::from_yuan(575_884_436.925).is_err());
    }

    #[test]
    fn displays_yuan_with_separators_and_needed_decimals() {
        assert_eq!(Money::from_fen(565_400_000).to_string(), "5,654,000");
        assert_eq!(Money::from_fen(123_450).to_string(), "1,234.5");
        assert_eq!(Money::from_fen(-5).to_string(), "-0.05");
        assert_eq!(Money::from_fen(7).to_string(), "0.07");
        assert_eq!(
            Money::from_fen(i128::from(i64::MAX) * 1000).to_string(),
            "92,233,720,368,547,758,070"
        );
    }

    #[test]
    fn serializes_as_yuan() {
        assert_eq!(
            serde_json::to_string(&Money::from_fen(1235)).unwrap(),
            "12.35"
        );
        assert_eq!(
            serde_json::to_string(&Money::from_fen(565_400_000)).unwrap(),
            "5654000.0"
        );
    }
}
