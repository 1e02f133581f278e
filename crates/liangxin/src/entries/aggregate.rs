//! Entries summed per record of the roster: each entry checked (whose, when, which item, how
//! many points, seen before?), item and field caps applied, and the sums written into the
//! roster's cells, so the pack's rules read them as they read a hand-summed ledger.
//!
//! An entry that cannot be counted is never dropped: when it names a record of the roster,
//! that record is not graded (its total would be wrong) and says why; when it names none, it
//! is an error of its own, at its row.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use serde::Serialize;

use super::catalog::{Catalog, Worth};
use super::period::Period;
use super::read::{EntryCells, entry_schema};
use crate::ledger::{Cell, Ledger, LedgerError, Record, RecordError};
use crate::number::format as n;
use crate::schema::{FieldType, Schema};
use crate::value::Value;

/// An entry that could not be counted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryError {
    /// The entry's row in the entry ledger (a CSV line or sheet row, from 1).
    pub row: usize,
    /// The id the entry gives, when it gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// What is wrong, in one sentence.
    pub message: String,
}

/// What one record's entries add up to, caps applied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordTotals {
    /// Per field the catalog fills ([`Catalog::fields`] order): the total (a veto field: 1 when
    /// an entry set it, else 0).
    pub values: Vec<f64>,
    /// How many entries were counted.
    pub entries: usize,
    /// The sums in words, caps noted: `组织生活 -13 (4 entries)`, `按时参加组织生活: entries 28,
    /// capped at 20`.
    pub notes: Vec<String>,
    /// The entries that could not be counted; with any, the record is not graded.
    pub errors: Vec<EntryError>,
}

/// One record's entries so far: per item its points and count.
#[derive(Debug, Default, Clone)]
struct Tally {
    /// (item index, points, entries), in the order items were first met.
    items: Vec<(usize, f64, usize)>,
    entries: usize,
    errors: Vec<EntryError>,
}

/// Sums entries per record of a roster. Entries can be added one at a time (a live
/// leaderboard) or a ledger at once; the totals are asked for per record.
#[derive(Debug)]
pub struct Aggregator {
    catalog: Catalog,
    period: Period,
    /// The entry ledger's name, for messages.
    file: String,
    schema: Schema,
    /// Per field the catalog fills: its Chinese label, and whether it holds whole points.
    labels: Vec<String>,
    whole: Vec<bool>,
    /// Roster id → index in `tallies` (and `names`).
    index: HashMap<String, usize>,
    names: Vec<String>,
    tallies: Vec<Tally>,
    /// Entries naming no record of the roster, and rows that are no entry.
    unattributed: Vec<EntryError>,
    /// A fingerprint of every entry counted, with its row: the same entry twice is refused.
    seen: HashMap<u64, usize>,
    entries: usize,
}

impl Aggregator {
    /// An aggregator for the records of `roster` (ids and names), counting entries of
    /// `period` under `catalog`; `file` names the entry ledger in messages.
    pub fn new(catalog: &Catalog, period: Period, roster: &Ledger, schema: &Schema) -> Self {
        let name = schema.index_of("name");
        let mut index = HashMap::with_capacity(roster.records.len());
        let mut names = Vec::with_capacity(roster.records.len());
        for record in &roster.records {
            index.insert(record.id.clone(), names.len());
            names.push(match name.and_then(|i| record.cells.get(i)) {
                Some(Cell::Value(Value::Str(s))) => s.trim().to_owned(),
                _ => String::new(),
            });
        }
        let defs: Vec<Option<&crate::schema::FieldDef>> =
            catalog.fields.keys().map(|f| schema.field(f)).collect();
        let catalog = catalog.clone();
        Aggregator {
            labels: (defs.iter().zip(catalog.fields.keys()))
                .map(|(d, f)| d.map_or_else(|| f.clone(), |d| d.label.clone()))
                .collect(),
            whole: defs
                .iter()
                .map(|d| d.is_some_and(|d| matches!(d.ty, FieldType::Int | FieldType::Bool)))
                .collect(),
            catalog,
            period,
            file: String::new(),
            schema: entry_schema(schema),
            tallies: vec![Tally::default(); names.len()],
            index,
            names,
            unattributed: Vec::new(),
            seen: HashMap::new(),
            entries: 0,
        }
    }

    /// The schema entry ledgers are read with (see [`entry_schema`]).
    pub fn entry_schema(&self) -> &Schema {
        &self.schema
    }

    /// The period entries are counted in.
    pub fn period(&self) -> &Period {
        &self.period
    }

    /// Adds every entry of an entry ledger read with [`Aggregator::entry_schema`]; its rows
    /// that are no entry (no id, a bad row) are kept as errors.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Format`] when the ledger has entries but no column for their day or their
    /// item (a renamed header): every entry would be refused for an empty cell, when the fault
    /// is one header.
    pub fn add_ledger(&mut self, entries: &Ledger) -> Result<(), LedgerError> {
        self.has_columns(&entries.path, &entries.records)?;
        self.file.clone_from(&entries.path);
        self.add_row_errors(&entries.errors);
        for record in &entries.records {
            self.add(record);
        }
        Ok(())
    }

    /// Refuses entries read without a column for their day or their item (a renamed header):
    /// every entry would be refused for an empty cell, when the fault is one header.
    pub(crate) fn has_columns(&self, path: &str, records: &[Record]) -> Result<(), LedgerError> {
        if records.is_empty() {
            return Ok(());
        }
        let missing: Vec<String> = [super::read::column::DATE, super::read::column::ITEM]
            .iter()
            .filter_map(|id| {
                let i = self.schema.index_of(id)?;
                let absent = records
                    .iter()
                    .all(|r| matches!(r.cells.get(i), Some(Cell::Absent) | None));
                absent.then(|| self.schema.fields[i].label.clone())
            })
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let columns: Vec<&str> = self
            .schema
            .fields
            .values()
            .map(|f| f.label.as_str())
            .collect();
        Err(LedgerError::Format {
            path: path.to_owned(),
            message: format!(
                "the entry ledger has no column {}: its columns are headed {}",
                missing.join(" or "),
                columns.join(", ")
            ),
        })
    }

    /// Keeps rows of the entry ledger that are no entry (no id, a bad row) as errors.
    pub(crate) fn add_row_errors(&mut self, errors: &[RecordError]) {
        for error in errors {
            // A row the reader could not take (no id, the same id rules of a roster do not
            // apply) is an entry that counts for no one.
            let message = match error.message.strip_suffix("; it is skipped") {
                Some(what) => format!(
                    "{}: the entry is counted for no one",
                    what.replacen("the record has", "the entry has", 1)
                ),
                None => error.message.clone(),
            };
            self.unattributed.push(EntryError {
                row: error.row,
                record: error.record.clone(),
                message,
            });
        }
    }

    /// Names the entry ledger in messages.
    pub(crate) fn set_file(&mut self, file: &str) {
        file.clone_into(&mut self.file);
    }

    /// Room for `entries` more entries in what grows with the ledger (the duplicate check and
    /// the list of entries that name no record), so that memory running out is an error the
    /// caller can report rather than an abort.
    pub(crate) fn try_reserve(
        &mut self,
        entries: usize,
    ) -> Result<(), std::collections::TryReserveError> {
        self.seen.try_reserve(entries)?;
        self.unattributed.try_reserve(entries)
    }

    /// Adds one entry (a record of an entry ledger). An entry that cannot be counted is kept
    /// as an error of the record it names, or of its own when it names none.
    pub fn add(&mut self, entry: &Record) {
        if let Err(error) = self.count(entry) {
            match self.index.get(&entry.id) {
                Some(&who) => self.tallies[who].errors.push(error),
                None => self.unattributed.push(error),
            }
        }
    }

    /// Counts one entry, or says why it cannot be counted and keeps nothing of it: for a
    /// ledger kept entry by entry (a live leaderboard), where a refused entry is sent back to
    /// whoever made it rather than left to ungrade its record.
    ///
    /// # Errors
    ///
    /// Why the entry cannot be counted: its record is not in the roster, or [`Aggregator::add`]
    /// would refuse it (period, item, points, name, the same entry twice).
    pub fn count(&mut self, entry: &Record) -> Result<(), EntryError> {
        let Some(&who) = self.index.get(&entry.id) else {
            let message = format!(
                "{} `{}` is not in the roster: the entry is counted for no one; correct the id, or add the record to the roster",
                self.id_label(),
                entry.id
            );
            return Err(EntryError {
                row: entry.row,
                record: Some(entry.id.clone()),
                message,
            });
        };
        let (item, points) = self.check(who, entry).map_err(|message| EntryError {
            row: entry.row,
            record: Some(entry.id.clone()),
            message,
        })?;
        let tally = &mut self.tallies[who];
        tally.entries += 1;
        self.entries += 1;
        match tally.items.iter_mut().find(|(i, _, _)| *i == item) {
            Some((_, sum, count)) => {
                *sum += points;
                *count += 1;
            }
            None => tally.items.push((item, points, 1)),
        }
        Ok(())
    }

    /// The item and points of an entry of record `who`, or why it cannot be counted.
    fn check(&mut self, who: usize, entry: &Record) -> Result<(usize, f64), String> {
        let cells = EntryCells::of(entry, &self.schema);
        if let Some(name) = cells.name
            && !self.names[who].is_empty()
            && name.trim() != self.names[who]
        {
            return Err(format!(
                "the entry names {name}, but {} `{}` is {} in the roster: the id or the name is wrong",
                self.id_label(),
                entry.id,
                self.names[who]
            ));
        }
        let date = cells.date?;
        if !self.period.contains(date) {
            return Err(format!(
                "the entry is dated {date}, outside the period ({}): it belongs to another period's assessment",
                self.period
            ));
        }
        let named = cells.item?;
        let Some(item_index) = self.catalog.position(named) else {
            return Err(format!(
                "积分项目 `{named}` is not an item of the catalog{}",
                self.closest_item(named)
            ));
        };
        let item = &self.catalog.items[item_index];
        let count = cells.count?;
        let given = cells.points?;
        let whole = self
            .catalog
            .fields
            .get_index_of(&item.field)
            .is_some_and(|slot| self.whole[slot]);
        let points = match (item.worth, given) {
            (Worth::Veto, None) => 1.0,
            (Worth::Veto, Some(p)) => {
                return Err(format!(
                    "{} is a one-vote veto and carries no points; 分值 says {}: leave it empty",
                    item.label,
                    n(p)
                ));
            }
            (Worth::Fixed(p), None) => p * count as f64,
            (Worth::Fixed(p), Some(q)) if q == p => p * count as f64,
            (Worth::Fixed(p), Some(q)) => {
                return Err(format!(
                    "{} is worth {} per occurrence; 分值 says {} (分值 is per occurrence, 次数 {count}): leave it empty or write {}",
                    item.label,
                    n(p),
                    n(q),
                    n(p)
                ));
            }
            (Worth::Range { min, max }, None) => {
                return Err(format!(
                    "{} is given {} to {} points as the recorder judges; 分值 is empty",
                    item.label,
                    n(min),
                    n(max)
                ));
            }
            (Worth::Range { min, max }, Some(q)) if q < min || q > max => {
                return Err(format!(
                    "{} is given {} to {} points per occurrence; 分值 says {}",
                    item.label,
                    n(min),
                    n(max),
                    n(q)
                ));
            }
            (Worth::Range { .. }, Some(q)) if whole && q.fract() != 0.0 => {
                return Err(format!(
                    "{} fills a field of whole points; 分值 says {}",
                    item.label,
                    n(q)
                ));
            }
            (Worth::Range { .. }, Some(q)) => q * count as f64,
        };
        // The same entry twice (same record, day, item, points, count and note) is an entry
        // entered twice more often than a second occurrence; a second occurrence says so in
        // 次数 or 说明.
        let mut hasher = std::hash::DefaultHasher::new();
        // The worth per occurrence as counted (an empty 分值 on a fixed item is its worth; -0 is
        // 0), so `分值 empty` and `分值 2` for the same meeting are the same entry.
        let per = match item.worth {
            Worth::Veto => None,
            Worth::Fixed(p) => Some(p),
            Worth::Range { .. } => given,
        }
        .map(|p| (p + 0.0).to_bits());
        (who, date, item_index, per, count, cells.note.trim()).hash(&mut hasher);
        if let Some(first) = self.seen.get(&hasher.finish()) {
            return Err(format!(
                "the same entry as row {first} (same day, item, 分值, 次数 and 说明): entered twice? if it happened twice, write 次数 2 on one row, or tell the two apart in 说明"
            ));
        }
        self.seen.insert(hasher.finish(), entry.row);
        Ok((item_index, points))
    }

    fn id_label(&self) -> &str {
        self.schema
            .fields
            .get(&self.schema.id_field)
            .map_or("id", |f| f.label.as_str())
    }

    /// `; did you mean 按时参加组织生活?` when an item's label or id is close.
    fn closest_item(&self, named: &str) -> String {
        let best = self
            .catalog
            .items
            .iter()
            .map(|i| {
                let score =
                    strsim::jaro_winkler(named, &i.label).max(strsim::jaro_winkler(named, &i.id));
                (score, i)
            })
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        match best {
            Some((_, i)) => format!("; did you mean {} ({})?", i.label, i.id),
            None => String::new(),
        }
    }

    /// How many entries were counted.
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// The entries that name no record of the roster, and rows of the entry ledger that are
    /// no entry.
    pub fn unattributed(&self) -> &[EntryError] {
        &self.unattributed
    }

    /// What the entries of the record `id` add up to, caps applied; `None` for an id not in
    /// the roster.
    pub fn totals(&self, id: &str) -> Option<RecordTotals> {
        let tally = &self.tallies[*self.index.get(id)?];
        let fields = &self.catalog.fields;
        let mut values = vec![0.0; fields.len()];
        let mut counts = vec![0usize; fields.len()];
        let mut notes = Vec::new();
        let field_label =
            |field: &str| self.schema_label(field).unwrap_or_else(|| field.to_owned());
        for &(index, sum, count) in &tally.items {
            let sum = settle(sum);
            let item = &self.catalog.items[index];
            let Some(slot) = fields.get_index_of(&item.field) else {
                continue;
            };
            let counted = match item.cap {
                Some(cap) if sum.abs() > cap => {
                    notes.push(format!(
                        "{} · {}: 记录合计 {} ({count} 条), 封顶 {}",
                        field_label(&item.field),
                        item.label,
                        n(sum),
                        n(cap.copysign(sum))
                    ));
                    cap.copysign(sum)
                }
                _ => sum,
            };
            counts[slot] += count;
            values[slot] = match item.worth {
                Worth::Veto => 1.0,
                _ => values[slot] + counted,
            };
        }
        for (slot, (field, total)) in fields.iter().enumerate() {
            let sum = settle(values[slot]);
            values[slot] = sum;
            let bounded = match (total.min, total.max) {
                (Some(min), _) if sum < min => min,
                (_, Some(max)) if sum > max => max,
                _ => sum,
            };
            if bounded != sum {
                notes.push(format!(
                    "{}: 各项合计 {}, 封顶 {}",
                    field_label(field),
                    n(sum),
                    n(bounded)
                ));
                values[slot] = bounded;
            }
        }
        let mut summary: Vec<String> = fields
            .keys()
            .enumerate()
            .filter(|(slot, _)| counts[*slot] > 0)
            .map(|(slot, field)| {
                format!(
                    "{} {} ({} 条)",
                    field_label(field),
                    self.shown(field, values[slot]),
                    counts[slot]
                )
            })
            .collect();
        if summary.is_empty() {
            summary.push(format!("{} 无积分记录: 各项为 0", self.period));
        }
        summary.append(&mut notes);
        Some(RecordTotals {
            values,
            entries: tally.entries,
            notes: summary,
            errors: tally.errors.clone(),
        })
    }

    fn shown(&self, field: &str, value: f64) -> String {
        let veto = self
            .catalog
            .items
            .iter()
            .any(|i| i.field == field && i.worth == Worth::Veto);
        match (veto, value != 0.0) {
            (true, true) => "是".to_owned(),
            (true, false) => "否".to_owned(),
            (false, _) => n(value),
        }
    }

    fn schema_label(&self, field: &str) -> Option<String> {
        let slot = self.catalog.fields.get_index_of(field)?;
        self.labels.get(slot).cloned()
    }
}

/// Why a roster and entries cannot be read together.
pub(crate) fn conflict(roster: &Ledger, schema: &Schema, catalog: &Catalog) -> Option<LedgerError> {
    let filled: Vec<String> = catalog
        .fields
        .keys()
        .filter_map(|f| schema.index_of(f))
        .filter(|&i| roster.has_column(i))
        .map(|i| {
            let def = &schema.fields[i];
            format!("{} ({})", def.label, def.id)
        })
        .collect();
    (!filled.is_empty()).then(|| LedgerError::Format {
        path: roster.path.clone(),
        message: format!(
            "the roster has the column(s) {}, which the entries fill: a total written by hand and one summed from entries cannot both count; remove the column(s), or evaluate the ledger alone without entries",
            filled.join(", ")
        ),
    })
}

impl Aggregator {
    /// Writes the record's totals into its cells (a record not in the roster is left as it
    /// is); the entries that could not be counted, if any, instead.
    ///
    /// # Errors
    ///
    /// The record's entries that could not be counted: with any, its totals would be wrong.
    pub fn fill(&self, record: &mut Record, schema: &Schema) -> Result<(), Vec<EntryError>> {
        let Some(totals) = self.totals(&record.id) else {
            return Ok(());
        };
        if !totals.errors.is_empty() {
            return Err(totals.errors);
        }
        for (field, value) in self.catalog.fields.keys().zip(&totals.values) {
            if let Some(i) = schema.index_of(field) {
                record.cells[i] = cell(&schema.fields[i], *value);
            }
        }
        Ok(())
    }

    /// Writes every record's totals into the roster's cells; a record with an entry that could
    /// not be counted is taken out of the roster and becomes an error naming the entry's row,
    /// and entries naming no record become errors at their own rows.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Format`] when the roster has a column the entries fill (a total written
    /// by hand would be counted twice or overwritten).
    pub fn apply(&self, roster: &mut Ledger, schema: &Schema) -> Result<(), LedgerError> {
        if let Some(error) = conflict(roster, schema, &self.catalog) {
            return Err(error);
        }
        let file = if self.file.is_empty() {
            "the entry ledger".to_owned()
        } else {
            self.file.clone()
        };
        let mut kept = Vec::with_capacity(roster.records.len());
        for mut record in std::mem::take(&mut roster.records) {
            match self.fill(&mut record, schema) {
                Ok(()) => kept.push(record),
                Err(errors) => {
                    let why: Vec<String> = errors
                        .iter()
                        .map(|e| format!("{file} row {}: {}", e.row, e.message))
                        .collect();
                    let message = format!(
                        "{}; the record is not graded until the entry is corrected",
                        why.join("; ")
                    );
                    // Every total the entries fill is unknown; the record stays in the roster
                    // (its group, `--record`) and is reported once, as a bad cell would be.
                    if let Some(i) = self.catalog.fields.keys().find_map(|f| schema.index_of(f)) {
                        // The other totals are written (they are not missing columns); the
                        // first is unreadable, so the record is reported and not graded.
                        if let Some(totals) = self.totals(&record.id) {
                            for (field, value) in self.catalog.fields.keys().zip(&totals.values) {
                                if let Some(j) = schema.index_of(field) {
                                    record.cells[j] = cell(&schema.fields[j], *value);
                                }
                            }
                        }
                        record.cells[i] = Cell::Invalid(message);
                        kept.push(record);
                    } else {
                        roster.errors.push(RecordError {
                            file: None,
                            row: record.row,
                            record: Some(record.id.clone()),
                            field: None,
                            rule: None,
                            message,
                        });
                    }
                }
            }
        }
        roster.records = kept;
        for e in &self.unattributed {
            roster.errors.push(RecordError {
                file: Some(file.clone()),
                row: e.row,
                record: e.record.clone(),
                field: None,
                rule: None,
                message: e.message.clone(),
            });
        }
        roster.notes.push(format!(
            "{} entries of {} from {file} summed per record",
            self.entries, self.period
        ));
        Ok(())
    }
}

/// A sum of points as the decimal number it stands for: binary fractions drift (ten entries of
/// 0.1 add up to 0.9999999999999999, which a line at 1 would refuse), so sums are rounded to a
/// millionth of a point, finer than any 细则 writes.
fn settle(sum: f64) -> f64 {
    let settled = (sum * 1e6).round() / 1e6;
    if settled == 0.0 { 0.0 } else { settled }
}

/// The cell a total becomes, checked against the field's bounds as a ledger cell would be.
fn cell(def: &crate::schema::FieldDef, value: f64) -> Cell {
    let out_of_bounds = def
        .min
        .filter(|m| value < *m)
        .map(|m| ("least", m))
        .or_else(|| def.max.filter(|m| value > *m).map(|m| ("most", m)));
    if let Some((which, bound)) = out_of_bounds {
        return Cell::Invalid(format!(
            "the entries sum to {}, and {} is at {which} {}",
            n(value),
            def.label,
            n(bound)
        ));
    }
    if matches!(def.ty, FieldType::Int) && value.fract() != 0.0 {
        return Cell::Invalid(format!(
            "the entries sum to {} after the catalog's caps, and {} holds whole points: a cap of the catalog is not a whole number",
            n(value),
            def.label
        ));
    }
    Cell::Value(match def.ty {
        FieldType::Bool => Value::Bool(value != 0.0),
        FieldType::Int => Value::Int(value as i64),
        _ => Value::Decimal(value),
    })
}
