//! Rates typed three ways. A 满意度 of 92.9% is `92.9` in one ledger, `92.9%` in another and
//! `0.929` in a third (a cell Excel formats as a percentage stores the fraction). A field the
//! schema declares `percent: true` is on the 0–100 scale, so:
//!
//! - `92.9%` and any bare number above 1 are percentages, whatever else the column holds;
//! - a bare number between 0 and 1 is a fraction when every such cell of the column is one
//!   (the column is fractions: `0.929` is 92.9), and ambiguous when the column also holds
//!   percentages (`0.9` could be 0.9% or 90%): that cell is refused, never guessed.
//!
//! A ledger read whole decides per column once every row is read. A stream decides from the
//! rows read so far when a block is handed on, and keeps that decision; a percentage in a later
//! block of a column it read as fractions stops the run, naming the row.

use crate::ledger::{Cell, Record};
use crate::schema::FieldDef;
use crate::value::Value;

/// How the column of a percent field is written, once known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    Fractions,
    Percentages,
}

/// What is known of one percent column while its rows are read.
#[derive(Debug, Default)]
pub(crate) struct Column {
    form: Option<Form>,
    /// A cell that can only be a percentage has been read (`92.9`, `92.9%`).
    percentages_seen: bool,
    /// Records (by index in the builder's records) whose cell is a bare number in (0, 1].
    pending: Vec<usize>,
    /// Fractions already read as percentages, for the note.
    converted: usize,
}

/// Whether a cell of a percent field, as typed, could be a fraction: a bare number in (0, 1].
pub(crate) fn could_be_fraction(text: Option<&str>, value: &Value) -> bool {
    let bare = text.is_none_or(|t| !t.contains(['%', '％']));
    bare && value.as_f64().is_some_and(|v| v > 0.0 && v <= 1.0)
}

impl Column {
    /// Notes that a record's cell is a bare number in (0, 1], to be resolved with its column.
    pub(crate) fn pending(&mut self, record: usize) {
        self.pending.push(record);
    }

    /// Notes a cell that can only be a percentage. True when the column was already read as
    /// fractions and some were handed on so (a stream's earlier block): the two readings clash
    /// and reading must stop, since what was handed on cannot be taken back.
    pub(crate) fn percentage(&mut self) -> bool {
        self.percentages_seen = true;
        self.form == Some(Form::Fractions) && self.converted > 0
    }

    /// Decides the column's form if it can be decided now (`finished`: every row is read), and
    /// applies it to the pending cells of `records`.
    pub(crate) fn resolve(&mut self, field: usize, records: &mut [Record], finished: bool) {
        if self.form.is_none() && (finished || self.percentages_seen || !self.pending.is_empty()) {
            self.form = if self.percentages_seen {
                Some(Form::Percentages)
            } else if self.pending.is_empty() {
                None
            } else {
                Some(Form::Fractions)
            };
        }
        let Some(form) = self.form else {
            return;
        };
        for &i in &self.pending {
            let Some(cell) = records.get_mut(i).and_then(|r| r.cells.get_mut(field)) else {
                continue;
            };
            let Cell::Value(value) = cell else {
                continue;
            };
            let v = value.as_f64().unwrap_or_default();
            *cell = match form {
                Form::Fractions => {
                    self.converted += 1;
                    Cell::Value(Value::Decimal(crate::number::tidy(v * 100.0)))
                }
                Form::Percentages => Cell::Invalid(format!(
                    "`{}` is ambiguous: the column holds percentages (92.9 or 92.9%), so it could be {}% or {}%; write the percentage ({} or {}%)",
                    crate::number::format(v),
                    crate::number::format(v),
                    crate::number::format(crate::number::tidy(v * 100.0)),
                    crate::number::format(crate::number::tidy(v * 100.0)),
                    crate::number::format(v),
                )),
            };
        }
        self.pending.clear();
    }

    /// The note for a column read as fractions.
    pub(crate) fn note(&self, def: &FieldDef) -> Option<String> {
        (self.form == Some(Form::Fractions) && self.converted > 0).then(|| {
            format!(
                "{} ({}) is a percentage written as fractions in this ledger (0.929 for 92.9%): {} cell(s) read as percentages",
                def.label, def.id, self.converted
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_numbers_up_to_one_could_be_fractions() {
        let d = Value::Decimal;
        assert!(could_be_fraction(Some("0.929"), &d(0.929)));
        assert!(could_be_fraction(Some("1"), &d(1.0)));
        assert!(could_be_fraction(None, &d(0.5)));
        assert!(!could_be_fraction(Some("0.5%"), &d(0.5)));
        assert!(!could_be_fraction(Some("92.9"), &d(92.9)));
        assert!(!could_be_fraction(Some("0"), &d(0.0)));
    }
}
