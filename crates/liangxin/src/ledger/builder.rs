//! Rows turned into records, shared by the CSV, sheet, JSON and YAML readers: cells typed by the
//! schema, ids normalized, duplicates found, percent columns resolved, extra columns kept.

use std::borrow::Cow;

use super::{Cell, Ledger, Record, RecordError, identity, percent};
use crate::schema::{FieldType, Schema};
use crate::value::Value;

/// One cell as the file holds it, borrowed: only cells that become values are copied.
pub(crate) enum CellText<'a> {
    Absent,
    Text(&'a str),
    Json(&'a serde_json::Value),
}

/// Turns rows into records, shared by the three formats.
pub(crate) struct Builder<'a> {
    pub(super) name: String,
    pub(super) schema: &'a Schema,
    /// The id field's index in the schema, looked up once rather than per row.
    id_index: usize,
    /// Per column: the schema field it fills, or the index of its extra column.
    targets: Vec<Target>,
    /// Per schema field, whether the header has a column for it: a record's cells start as
    /// `Missing` there and `Absent` elsewhere (set once per header, not per row).
    has_column: Vec<bool>,
    pub(super) ledger_columns: Vec<String>,
    /// Per header, from its row: the column each schema field is read from.
    pub(super) field_columns: Vec<(usize, Vec<Option<usize>>)>,
    pub(super) records: Vec<Record>,
    pub(super) errors: Vec<RecordError>,
    pub(crate) notes: Vec<String>,
    /// The row of each id read, and the later rows that repeat it.
    pub(super) seen_ids: std::collections::HashMap<String, (usize, Vec<usize>)>,
    /// How repeated ids are found: remembering every id (a ledger read whole), or, for a
    /// stream that cannot take back a record already counted, an 8-byte fingerprint of each.
    pub(crate) duplicates: Duplicates,
    /// Why a stream must stop, and at which row: an id met twice, a column read as fractions
    /// that turns out to hold percentages.
    pub(super) stream_stop: Option<(usize, String)>,
    /// Records read and errors found, including those already taken by a stream.
    pub(super) read: usize,
    pub(super) errors_taken: usize,
    /// Per schema field, whether to read it; unread fields are left empty (a stream reads only
    /// what the pack needs).
    pub(crate) wanted: Option<Vec<bool>>,
    /// Whether the ledger's unknown columns are kept with each record (for per-record output).
    pub(crate) extras: bool,
    /// Per schema field declared `percent`, what is known of its column.
    pub(super) percent: Vec<Option<percent::Column>>,
    /// Where among the notes the one on extra columns goes (the first header's place).
    pub(super) extras_note_at: Option<usize>,
    /// Cells are separated by semicolons, as where the decimal mark is a comma: `0,929` in a
    /// number could be 0.929 or 929, so it is refused rather than guessed.
    pub(crate) comma_may_be_decimal: bool,
    /// Whether the ledger's ids are codes (nine in ten have digits): an id of such a ledger
    /// (`LW2022001`) to name in errors, or empty when they are not; none until known.
    pub(super) coded_ids: Option<String>,
}

/// How a reader deals with an id on two rows.
pub(crate) enum Duplicates {
    /// Every id is remembered; neither row of a repeated id is graded.
    NeitherGraded,
    /// A stream hands records on as it reads, so it cannot leave out a row already counted: it
    /// remembers a fingerprint of each id (8 bytes) and stops at the first id met twice.
    StopStream(std::collections::HashSet<u64, BuildFingerprint>),
    /// Rows may share an id ([`Schema::repeated_ids`]: an entry ledger); nothing is remembered.
    Allowed,
}

/// An id's fingerprint: FNV-1a over its bytes, finished with splitmix64's mixer so every bit
/// depends on every byte (64 bits: two different ids of a ten-million-row ledger share one about
/// once in 10^5 runs, and then the run stops, naming the row, rather than going on wrong).
pub(crate) fn fingerprint(id: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in id.as_bytes() {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash ^= hash >> 30;
    hash = hash.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash ^= hash >> 27;
    hash = hash.wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

/// Fingerprints are hashes already: the set uses them as they are.
#[derive(Default, Clone, Copy)]
pub(crate) struct BuildFingerprint;

impl std::hash::BuildHasher for BuildFingerprint {
    type Hasher = FingerprintHasher;
    fn build_hasher(&self) -> FingerprintHasher {
        FingerprintHasher(0)
    }
}

pub(crate) struct FingerprintHasher(u64);

impl std::hash::Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Clone, Copy)]
enum Target {
    Field(usize),
    Extra(usize),
    Ignored,
}

impl<'a> Builder<'a> {
    pub(super) fn new(name: &str, schema: &'a Schema) -> Self {
        Builder {
            name: name.to_owned(),
            schema,
            id_index: schema.index_of(&schema.id_field).unwrap_or(0),
            targets: Vec::new(),
            has_column: vec![false; schema.fields.len()],
            ledger_columns: Vec::new(),
            field_columns: Vec::new(),
            records: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
            seen_ids: Default::default(),
            duplicates: if schema.repeated_ids {
                Duplicates::Allowed
            } else {
                Duplicates::NeitherGraded
            },
            stream_stop: None,
            read: 0,
            errors_taken: 0,
            wanted: None,
            extras: true,
            percent: schema
                .fields
                .values()
                .map(|f| f.percent.then(percent::Column::default))
                .collect(),
            extras_note_at: None,
            coded_ids: None,
            comma_may_be_decimal: false,
        }
    }

    /// Takes a header (the first, or a pasted block's own): each column's target from the
    /// mapping of columns to fields, unknown columns kept as extra columns by name.
    pub(super) fn columns(
        &mut self,
        row: usize,
        headers: &[String],
        fields: &[Option<usize>],
        unread: &[usize],
    ) {
        self.targets.clear();
        self.has_column.clear();
        self.has_column.resize(self.schema.fields.len(), false);
        self.extras_note_at.get_or_insert(self.notes.len());
        let mut field_columns = vec![None; self.schema.fields.len()];
        for (position, header) in headers.iter().enumerate() {
            let target = match fields.get(position).copied().flatten() {
                Some(field) => {
                    field_columns[field] = Some(position);
                    self.has_column[field] = true;
                    Target::Field(field)
                }
                None if header.trim().is_empty() || unread.contains(&position) => Target::Ignored,
                None => match self.ledger_columns.iter().position(|c| c == header) {
                    Some(i) => Target::Extra(i),
                    None => {
                        self.ledger_columns.push(header.clone());
                        Target::Extra(self.ledger_columns.len() - 1)
                    }
                },
            };
            self.targets.push(target);
        }
        self.field_columns.push((row, field_columns));
    }

    /// Drops the columns taken from a header row that turned out to be the first of two.
    pub(super) fn forget_columns(&mut self) {
        self.ledger_columns.clear();
        self.field_columns.pop();
    }

    /// One note for the columns no rule reads, naming the first few (a sheet can have
    /// thousands).
    pub(super) fn extra_columns_note(&self) -> Option<String> {
        const NAMED: usize = 10;
        let extras = &self.ledger_columns;
        if extras.is_empty() {
            return None;
        }
        let mut names: Vec<String> = extras
            .iter()
            .take(NAMED)
            .map(|c| format!("`{c}`"))
            .collect();
        if extras.len() > NAMED {
            names.push(format!("and {} more", extras.len() - NAMED));
        }
        let (what, verb) = match extras.len() {
            1 => ("column", "is"),
            _ => ("columns", "are"),
        };
        Some(format!(
            "{what} {} {verb} not in the {} schema; kept, not read by any rule",
            names.join(", "),
            self.schema.subject
        ))
    }

    pub(super) fn record<'c>(&mut self, row: usize, cells: impl Iterator<Item = CellText<'c>>) {
        let mut record = Record {
            row,
            id: String::new(),
            // A column the ledger has is empty in a row that stops short, never absent.
            cells: self
                .has_column
                .iter()
                .map(|&has| if has { Cell::Missing } else { Cell::Absent })
                .collect(),
            extra: vec![String::new(); self.ledger_columns.len()],
        };
        // Percent cells that may be fractions, known only once the record is kept.
        let mut maybe_fractions: Vec<usize> = Vec::new();
        for (target, cell) in self.targets.iter().zip(cells) {
            match *target {
                Target::Field(field) if self.wanted.as_ref().is_some_and(|w| !w[field]) => {}
                Target::Field(field) => {
                    let def = &self.schema.fields[field];
                    let cleaned;
                    let (parsed, text) = match &cell {
                        CellText::Absent => (Ok(None), None),
                        CellText::Text(t)
                            if self.comma_may_be_decimal
                                && matches!(def.ty, FieldType::Int | FieldType::Decimal)
                                && t.contains(',') =>
                        {
                            (
                                Err(format!(
                                    "`{}` has a comma, and in a ledger with semicolons between cells a comma may be the decimal mark (0,929) or a thousands separator (1,500); write the number without it",
                                    t.trim()
                                )),
                                Some(*t),
                            )
                        }
                        CellText::Text(t) => match identity::cell_text(t) {
                            Cow::Borrowed(t) => (def.parse_cell(t), Some(t)),
                            Cow::Owned(text) => {
                                cleaned = text;
                                (def.parse_cell(&cleaned), Some(cleaned.as_str()))
                            }
                        },
                        CellText::Json(serde_json::Value::String(t)) => (
                            def.parse_json(&serde_json::Value::String(t.clone())),
                            Some(t.as_str()),
                        ),
                        CellText::Json(v) => (def.parse_json(v), None),
                    };
                    if let (Some(column), Ok(Some(value))) = (&mut self.percent[field], &parsed) {
                        if percent::could_be_fraction(text, value) {
                            maybe_fractions.push(field);
                        } else if (value.as_f64().is_some_and(|v| v > 1.0)
                            || text.is_some_and(|t| t.contains(['%', '％'])))
                            && column.percentage()
                            && self.stream_stop.is_none()
                        {
                            self.stream_stop = Some((
                                row,
                                format!(
                                    "{} ({}) holds a percentage ({}) in a column whose earlier rows were fractions (0.929) and were read as percentages; a stream cannot take them back, so it stops: write the column one way, or have the ledger read whole (a file, without --summary), where the cells that could be either are refused",
                                    def.label,
                                    def.id,
                                    text.unwrap_or_default()
                                ),
                            ));
                        }
                    }
                    record.cells[field] = match parsed {
                        Ok(Some(v)) => Cell::Value(v),
                        Ok(None) => Cell::Missing,
                        Err(message) => Cell::Invalid(message),
                    };
                }
                // A streamed summary reports no per-record output, so it keeps no unknown columns.
                Target::Extra(_) if !self.extras => {}
                Target::Extra(i) => {
                    record.extra[i] = match cell {
                        CellText::Absent => String::new(),
                        CellText::Text(t) => identity::cell_text(t).into_owned(),
                        CellText::Json(serde_json::Value::String(s)) => s.clone(),
                        CellText::Json(v) => v.to_string(),
                    }
                }
                Target::Ignored => {}
            }
        }
        let id_index = self.id_index;
        let id_def = &self.schema.fields[id_index];
        let (id, changed) = match &record.cells[id_index] {
            Cell::Value(Value::Str(s)) => match identity::normalize_id(s) {
                Cow::Borrowed(same) => (same.to_owned(), false),
                Cow::Owned(normalized) => (normalized, true),
            },
            Cell::Value(v) => (identity::normalize_id(&v.to_string()).into_owned(), true),
            _ => (String::new(), false),
        };
        if id.is_empty() {
            self.errors.push(RecordError {
                file: None,
                row,
                record: None,
                field: Some(id_def.id.clone()),
                rule: None,
                message: format!(
                    "the record has no {} ({}); it is skipped",
                    id_def.label, id_def.id
                ),
            });
            return;
        }
        if let Some(message) = identity::mangled_id(&id) {
            self.errors.push(RecordError {
                file: None,
                row,
                record: Some(id),
                field: Some(id_def.id.clone()),
                rule: None,
                message,
            });
            return;
        }
        if changed {
            record.cells[id_index] = Cell::Value(Value::Str(id.clone()));
        }
        record.id = id;
        match &mut self.duplicates {
            Duplicates::Allowed => {}
            Duplicates::StopStream(seen) => {
                if !seen.insert(fingerprint(&record.id)) && self.stream_stop.is_none() {
                    let id_def = &self.schema.fields[&self.schema.id_field];
                    self.stream_stop = Some((
                        row,
                        format!(
                            "{} `{}` is on an earlier row too; a streamed summary has already counted that row and cannot leave both out, so it stops: correct the ledger, or evaluate it without --summary to list every repeated id",
                            id_def.label, record.id
                        ),
                    ));
                }
            }
            Duplicates::NeitherGraded => {
                if let Some((first, again)) = self.seen_ids.get_mut(&record.id) {
                    again.push(row);
                    let first = first.to_string();
                    let error = self.duplicate(row, &record.id, &first);
                    self.errors.push(error);
                    return;
                }
                self.seen_ids.insert(record.id.clone(), (row, Vec::new()));
            }
        }
        for field in maybe_fractions {
            if let Some(column) = &mut self.percent[field] {
                column.pending(self.records.len());
            }
        }
        self.read += 1;
        self.records.push(record);
    }

    /// The error of a row whose id is also on `others`.
    pub(super) fn duplicate(&self, row: usize, id: &str, others: &str) -> RecordError {
        let id_def = &self.schema.fields[&self.schema.id_field];
        RecordError {
            file: None,
            row,
            record: Some(id.to_owned()),
            field: Some(id_def.id.clone()),
            rule: None,
            message: format!(
                "duplicate {} `{id}` (also at row {others}); neither row is graded until one is corrected",
                id_def.label
            ),
        }
    }

    /// Reads the percent cells that may be fractions by their column (see [`percent`]).
    pub(super) fn resolve_percentages(&mut self, finished: bool) {
        for (field, column) in self.percent.iter_mut().enumerate() {
            if let Some(column) = column {
                column.resolve(field, &mut self.records, finished);
            }
        }
    }

    /// Refuses the records whose id has no digit when nine in ten ids of the ledger have one:
    /// a row labelled 统计, 示例 or with a word no list foresaw is not graded as a member.
    pub(super) fn refuse_unlike_ids(&mut self) {
        const AT_LEAST: usize = 5;
        let has_digit = |id: &str| id.bytes().any(|b| b.is_ascii_digit());
        // Decided once, from the records read so far (a whole ledger, or a stream's first
        // block), and kept for the blocks after it.
        if self.coded_ids.is_none() && self.records.len() >= AT_LEAST {
            let with_digits = self.records.iter().filter(|r| has_digit(&r.id)).count();
            self.coded_ids = (with_digits * 10 >= self.records.len() * 9)
                .then(|| self.records.iter().find(|r| has_digit(&r.id)))
                .flatten()
                .map(|r| r.id.clone())
                .or(Some(String::new()));
        }
        let Some(example) = self.coded_ids.clone().filter(|e| !e.is_empty()) else {
            return;
        };
        if self.records.iter().all(|r| has_digit(&r.id)) {
            return;
        }
        let id_def = &self.schema.fields[&self.schema.id_field];
        let (kept, unlike): (Vec<Record>, Vec<Record>) = std::mem::take(&mut self.records)
            .into_iter()
            .partition(|r| has_digit(&r.id));
        self.records = kept;
        for record in unlike {
            self.read -= 1;
            self.errors.push(RecordError {
                file: None,
                row: record.row,
                record: Some(record.id.clone()),
                field: Some(id_def.id.clone()),
                rule: None,
                message: format!(
                    "the {} `{}` has no digits, unlike the others (such as `{example}`): a total, an example or a note rather than a record? it is not graded; if it is a record, give it its real {}",
                    id_def.label, record.id, id_def.label
                ),
            });
        }
        self.errors.sort_by_key(|e| e.row);
    }

    pub(super) fn finish(mut self) -> Ledger {
        // Percent cells are resolved by their records' places, before any record is taken out.
        self.resolve_percentages(true);
        self.refuse_unlike_ids();
        if let Some(note) = self.extra_columns_note() {
            // Where the first header was read, as if said then.
            let at = self.extras_note_at.unwrap_or(0).min(self.notes.len());
            self.notes.insert(at, note);
        }
        for (def, column) in self.schema.fields.values().zip(&self.percent) {
            if let Some(note) = column.as_ref().and_then(|c| c.note(def)) {
                self.notes.push(note);
            }
        }
        // An id on two rows: neither is graded, the first no more than the second (which of
        // them is right, only the one who keeps the ledger knows).
        let doubled: std::collections::HashMap<&str, &[usize]> = self
            .seen_ids
            .iter()
            .filter(|(_, (_, again))| !again.is_empty())
            .map(|(id, (_, again))| (id.as_str(), again.as_slice()))
            .collect();
        if !doubled.is_empty() {
            let mut duplicates = Vec::new();
            let mut kept = Vec::with_capacity(self.records.len());
            for record in std::mem::take(&mut self.records) {
                match doubled.get(record.id.as_str()) {
                    Some(again) => {
                        self.read -= 1;
                        let rows: Vec<String> = again.iter().map(usize::to_string).collect();
                        duplicates.push(self.duplicate(record.row, &record.id, &rows.join(", ")));
                    }
                    None => kept.push(record),
                }
            }
            self.records = kept;
            self.errors.append(&mut duplicates);
            self.errors.sort_by_key(|e| e.row);
        }
        if self.read == 0 && self.errors.is_empty() && self.errors_taken == 0 {
            self.notes.push("the ledger has no records".to_owned());
        }
        let width = self.ledger_columns.len();
        for record in &mut self.records {
            // Records above a pasted block's header have no cells for the columns it added.
            record.extra.resize(width, String::new());
        }
        Ledger {
            path: self.name,
            records: self.records,
            errors: self.errors,
            notes: self.notes,
            extra_columns: self.ledger_columns,
            field_columns: self.field_columns,
        }
    }
}
