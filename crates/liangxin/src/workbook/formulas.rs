//! Formula cells: the ones a record cannot use (no saved value, or a saved value that an obvious
//! sum contradicts) and the rows that total the columns above them (a 合计 row of `=SUM(F4:F19)`).
//! calamine gives a formula's text without its `=`, and its saved value as the cell's value (none
//! when the file was written by a program and never opened in Excel).

use std::collections::{BTreeSet, HashMap};

use calamine::{Data, Range};

/// Over how many cells an obvious sum is checked: `=SUM(A1:Z9999)` is not re-added.
const MAX_SUMMED_CELLS: usize = 10_000;

/// The formulas of one sheet, by sheet position (row, column from 0).
pub(super) struct Formulas {
    cells: HashMap<(usize, usize), String>,
}

impl Formulas {
    pub fn new(range: &Range<String>) -> Formulas {
        let (r0, c0) = range
            .start()
            .map_or((0, 0), |(r, c)| (r as usize, c as usize));
        let mut cells = HashMap::new();
        for (r, row) in range.rows().enumerate() {
            for (c, formula) in row.iter().enumerate() {
                if !formula.trim().is_empty() {
                    cells.insert((r0 + r, c0 + c), formula.trim().to_owned());
                }
            }
        }
        Formulas { cells }
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    pub fn at(&self, row: usize, column: usize) -> Option<&str> {
        self.cells.get(&(row, column)).map(String::as_str)
    }

    /// Why the value of the formula cell at (row, column) cannot be used, if it cannot: it has no
    /// saved value, or its saved value is not what an obvious sum of numbers in the sheet gives.
    pub fn problem(&self, values: &Range<Data>, row: usize, column: usize) -> Option<String> {
        let formula = self.at(row, column)?;
        let saved = match value_at(values, row, column) {
            None => {
                return Some(format!(
                    "the formula ={formula} has no saved value; open and save the file in Excel/WPS, or export values"
                ));
            }
            Some(Data::Float(f)) => *f,
            Some(Data::Int(i)) => *i as f64,
            Some(_) => return None,
        };
        let cells = obvious_sum(formula)?;
        let mut total = 0.0;
        for (r, c) in cells {
            // A summed cell that is itself unusable is reported where it is.
            if self.at(r, c).is_some() && value_at(values, r, c).is_none() {
                return None;
            }
            match value_at(values, r, c) {
                None => {}
                Some(Data::Float(f)) => total += f,
                Some(Data::Int(i)) => total += *i as f64,
                // Text, dates, errors: not an obvious sum.
                Some(_) => return None,
            }
        }
        let tolerance = 1e-9 * saved.abs().max(total.abs()).max(1.0);
        ((saved - total).abs() > tolerance).then(|| {
            format!(
                "the saved value {} contradicts the formula ={formula}, which gives {}; the sheet was changed without being recalculated: open and save the file in Excel/WPS, or export values",
                crate::number::format_exact(saved),
                crate::number::format_exact(total)
            )
        })
    }

    /// The sheet rows (from 0) that total the columns above them: at least one cell sums (or
    /// subtotals, or averages) the cells above it in its own column, and every number in the row
    /// is a formula. Such a row is a 合计 row, not a record.
    pub fn total_rows(&self, values: &Range<Data>) -> BTreeSet<usize> {
        let mut candidates = BTreeSet::new();
        for (&(row, column), formula) in &self.cells {
            if column_aggregate(formula).is_some_and(|cells| {
                !cells.is_empty() && cells.iter().all(|&(r, c)| c == column && r < row)
            }) {
                candidates.insert(row);
            }
        }
        let width = values.width();
        let first_column = values.start().map_or(0, |(_, c)| c as usize);
        candidates.retain(|&row| {
            (first_column..first_column + width).all(|c| {
                !matches!(
                    value_at(values, row, c),
                    Some(Data::Float(_) | Data::Int(_))
                ) || self.at(row, c).is_some()
            })
        });
        candidates
    }
}

/// The value of a cell; `None` when it has none (empty, or an empty string: a formula's `<v/>`).
fn value_at(values: &Range<Data>, row: usize, column: usize) -> Option<&Data> {
    let row = u32::try_from(row).ok()?;
    let column = u32::try_from(column).ok()?;
    values
        .get_value((row, column))
        .filter(|v| !matches!(v, Data::Empty) && !matches!(v, Data::String(s) if s.is_empty()))
}

/// The cells an obvious sum adds: `SUM(C12:E12)`, `SUM(C12,D12:E12)` or `C12+D12+E12`, over cells
/// of this sheet; `None` for any other formula.
pub(super) fn obvious_sum(formula: &str) -> Option<Vec<(usize, usize)>> {
    let text: String = formula
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if let Some(inner) = text
        .strip_prefix("SUM(")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        return cells(inner.split(','));
    }
    if text.contains(':') {
        return None;
    }
    cells(text.split('+'))
}

/// The cells a column total reads: `SUM(F4:F19)`, `SUBTOTAL(9,F4:F19)`, `AVERAGE(F4:F19)` or an
/// obvious sum.
fn column_aggregate(formula: &str) -> Option<Vec<(usize, usize)>> {
    let text: String = formula
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    for function in ["SUBTOTAL(9,", "SUBTOTAL(109,", "SUBTOTAL(1,", "AVERAGE("] {
        if let Some(inner) = text
            .strip_prefix(function)
            .and_then(|rest| rest.strip_suffix(')'))
        {
            return cells(inner.split(','));
        }
    }
    obvious_sum(&text)
}

/// The cells of references like `C12`, `$C$12` and ranges `C12:E14`; `None` if any part is not one.
fn cells<'a>(parts: impl Iterator<Item = &'a str>) -> Option<Vec<(usize, usize)>> {
    let mut out = Vec::new();
    for part in parts {
        let (from, to) = match part.split_once(':') {
            Some((a, b)) => (reference(a)?, reference(b)?),
            None => {
                let one = reference(part)?;
                (one, one)
            }
        };
        let (r0, r1) = (from.0.min(to.0), from.0.max(to.0));
        let (c0, c1) = (from.1.min(to.1), from.1.max(to.1));
        if out.len() + (r1 - r0 + 1) * (c1 - c0 + 1) > MAX_SUMMED_CELLS {
            return None;
        }
        for r in r0..=r1 {
            for c in c0..=c1 {
                out.push((r, c));
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// A cell reference (`F12`, `$F$12`) as a sheet position from 0.
fn reference(text: &str) -> Option<(usize, usize)> {
    let text = text.strip_prefix('$').unwrap_or(text);
    let letters = text.bytes().take_while(u8::is_ascii_uppercase).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let rest = &text[letters..];
    let digits = rest.strip_prefix('$').unwrap_or(rest);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let row: usize = digits.parse().ok()?;
    let column = text[..letters]
        .bytes()
        .fold(0usize, |n, b| n * 26 + usize::from(b - b'A') + 1);
    Some((row.checked_sub(1)?, column - 1))
}

#[cfg(test)]
mod tests {
    use super::{column_aggregate, obvious_sum, reference};

    #[test]
    fn obvious_sums_are_recognised_and_others_are_not() {
        assert_eq!(reference("F12"), Some((11, 5)));
        assert_eq!(reference("$AA$1"), Some((0, 26)));
        assert_eq!(reference("F0"), None);
        assert_eq!(
            obvious_sum("SUM(C12:E12)"),
            Some(vec![(11, 2), (11, 3), (11, 4)])
        );
        assert_eq!(obvious_sum("c2 + d2"), Some(vec![(1, 2), (1, 3)]));
        assert_eq!(obvious_sum("SUM(C2:E2)*2"), None);
        assert_eq!(obvious_sum("C2-D2"), None);
        assert_eq!(obvious_sum("Sheet2!C2+D2"), None);
        assert_eq!(obvious_sum("SUM(A:A)"), None);
        assert_eq!(obvious_sum("SUM(A1:Z9999)"), None);
        assert_eq!(
            column_aggregate("SUBTOTAL(9,F4:F5)"),
            Some(vec![(3, 5), (4, 5)])
        );
    }
}
