//! Reading ledgers (台账): CSV, JSON or YAML files of records, typed by the schema.
//!
//! Ledgers come from Excel, so this is forgiving where it can be right: UTF-8 (with or
//! without a BOM), GBK (GB18030) and UTF-16 "Unicode text" are decoded (see [`crate::encoding`]),
//! cells may be separated by commas or tabs, title rows above the header are skipped, headers
//! may be field ids or Chinese labels, and columns the schema does not know are kept and
//! reported once. A cell that cannot be read is kept as invalid, so it fails only the records
//! of packs that read that field; every other record and field is still read.

mod header;
mod identity;
mod percent;
mod rows;

pub use header::ColumnChoice;
pub(crate) use header::column_letters;
pub use identity::normalize_id;

use crate::encoding::Encoding;
use std::borrow::Cow;
use std::path::Path;

use indexmap::IndexMap;
use serde::Serialize;

use crate::schema::{FieldType, Schema};
use crate::value::Value;

/// How many rows at the top of a CSV may sit above the header (titles, notes, blank rows).
const MAX_TITLE_ROWS: usize = 20;

/// A ledger that could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("cannot read ledger {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("ledger {path}: {message}")]
    Format { path: String, message: String },
    #[error("ledger {path}: unknown format (use a .csv, .json, .yaml or .yml file)")]
    UnknownFormat { path: String },
}

/// How to read a ledger file, where the user has a say.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The text encoding of a CSV, JSON or YAML file.
    pub encoding: Encoding,
    /// The sheet of a workbook: its name, or its position from 1 (default: the first with data).
    pub sheet: Option<String>,
    /// The header's row (a CSV line or a sheet row, from 1); by default the first row naming the
    /// id column, below any title rows.
    pub header_row: Option<usize>,
    /// Which column fills a field that two columns could fill (`组织生活=K`); without a choice
    /// such a ledger is refused, never read from the first of them.
    pub columns: Vec<ColumnChoice>,
    /// What to do with the hidden sheets, rows and columns and struck-through rows of a workbook.
    pub hidden: crate::workbook::Hidden,
}

/// A record that cannot be evaluated, or one problem with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordError {
    /// The line of the ledger file (CSV), or the position in the list (JSON, YAML), from 1.
    pub row: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub message: String,
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}", self.row)?;
        if let Some(record) = &self.record {
            write!(f, " (record {record})")?;
        }
        if let Some(rule) = &self.rule {
            write!(f, ", rule `{rule}`")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// How many records (rows) the errors are about: a record missing three columns is one record
/// that could not be evaluated, not three.
pub fn records_with_errors(errors: &[RecordError]) -> usize {
    let mut rows: Vec<usize> = errors.iter().map(|e| e.row).collect();
    rows.sort_unstable();
    rows.dedup();
    rows.len()
}

/// One cell of a record, as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// The ledger has no column for the field.
    Absent,
    /// The column is there but the cell is empty.
    Missing,
    Value(Value),
    /// Present but unreadable as the field's type; the message says why.
    Invalid(String),
}

/// One record of a ledger: its cells follow the schema's field order.
#[derive(Debug, Clone)]
pub struct Record {
    pub row: usize,
    pub id: String,
    pub cells: Vec<Cell>,
    /// Values of the columns the schema does not know, in [`Ledger::extra_columns`] order.
    pub extra: Vec<String>,
}

/// A ledger's records, typed by one schema.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub path: String,
    pub records: Vec<Record>,
    /// Rows that are not records (no id, a duplicate id).
    pub errors: Vec<RecordError>,
    /// What was done to read the file, e.g. "decoded as GBK".
    pub notes: Vec<String>,
    /// Columns that are not schema fields, kept as text.
    pub extra_columns: Vec<String>,
    /// Which column (from 0, counted from the ledger's first) each schema field was read from,
    /// from the row each header applies: a pasted block may bring its own header.
    pub(crate) field_columns: Vec<(usize, Vec<Option<usize>>)>,
}

impl Ledger {
    /// The column (from 0, counted from the ledger's first) the schema field `field` was read
    /// from in the record at `row`.
    pub fn column_of(&self, field: usize, row: usize) -> Option<usize> {
        self.field_columns
            .iter()
            .rev()
            .find(|(from, _)| *from <= row)
            .and_then(|(_, columns)| columns.get(field).copied().flatten())
    }

    /// Whether the ledger has a column for the schema field `field`.
    pub fn has_column(&self, field: usize) -> bool {
        self.records
            .iter()
            .any(|r| !matches!(r.cells.get(field), Some(Cell::Absent) | None))
    }

    /// Reads a ledger file (the format follows the extension), or CSV from stdin for `-`.
    pub fn read(path: &Path, schema: &Schema) -> Result<Ledger, LedgerError> {
        Ledger::read_with(path, schema, &ReadOptions::default())
    }

    /// [`Ledger::read`] with the choices a user can make: the text encoding, the sheet of a
    /// workbook, the header's row.
    pub fn read_with(
        path: &Path,
        schema: &Schema,
        options: &ReadOptions,
    ) -> Result<Ledger, LedgerError> {
        // `-` is standard input, read as CSV (`liangxin gen ... | liangxin eval --records -`).
        if path == Path::new("-") {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes).map_err(
                |source| LedgerError::Io {
                    path: "<stdin>".into(),
                    source,
                },
            )?;
            return Ledger::from_csv_bytes_with(&bytes, "<stdin>", schema, options);
        }
        let name = path.display().to_string();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if crate::workbook::is_workbook(&ext) {
            let workbook = crate::workbook::WorkbookOptions {
                hidden: options.hidden,
            };
            return crate::workbook::read_with(path, schema, options, &workbook);
        }
        let bytes = std::fs::read(path).map_err(|source| LedgerError::Io {
            path: name.clone(),
            source,
        })?;
        match ext.as_str() {
            "csv" | "txt" | "tsv" => Ledger::from_csv_bytes_with(&bytes, &name, schema, options),
            "json" | "yaml" | "yml" => {
                let (text, notes) = decode(&bytes, &name, options.encoding)?;
                let mut ledger = if ext == "json" {
                    Ledger::from_json_str(&text, &name, schema)
                } else {
                    Ledger::from_yaml_str(&text, &name, schema)
                }?;
                ledger.notes.splice(0..0, notes);
                Ok(ledger)
            }
            _ => Err(LedgerError::UnknownFormat { path: name }),
        }
    }

    /// Reads a CSV ledger in UTF-8 (with or without BOM), GBK or UTF-16, its cells separated
    /// by commas or tabs.
    pub fn from_csv_bytes(
        bytes: &[u8],
        name: &str,
        schema: &Schema,
    ) -> Result<Ledger, LedgerError> {
        Ledger::from_csv_bytes_with(bytes, name, schema, &ReadOptions::default())
    }

    /// [`Ledger::from_csv_bytes`] with the text encoding named (or `Auto`) and the header's
    /// line, if the user gives it.
    pub fn from_csv_bytes_with(
        bytes: &[u8],
        name: &str,
        schema: &Schema,
        options: &ReadOptions,
    ) -> Result<Ledger, LedgerError> {
        let (text, notes) = decode(bytes, name, options.encoding)?;
        let mut csv = CsvRows::new(name, schema);
        csv.delimiter = crate::encoding::delimiter(text.as_bytes());
        csv.header_row = options.header_row;
        csv.choices.clone_from(&options.columns);
        csv.builder.notes = notes;
        if csv.delimiter == b'\t' {
            csv.builder.notes.push("cells separated by tabs".to_owned());
        } else if csv.delimiter == b';' {
            csv.builder
                .notes
                .push("cells separated by semicolons".to_owned());
            csv.builder.comma_may_be_decimal = true;
        }
        csv.block(&text)?;
        csv.finish()
    }

    /// Reads a JSON ledger: an array of objects keyed by field id or label.
    pub fn from_json_str(text: &str, name: &str, schema: &Schema) -> Result<Ledger, LedgerError> {
        let rows: Vec<UniqueKeys> =
            serde_json::from_str(text).map_err(|e| LedgerError::Format {
                path: name.to_owned(),
                message: e.to_string(),
            })?;
        Ledger::from_objects(rows.into_iter().map(|r| r.0).collect(), name, schema)
    }

    /// Reads a YAML ledger: a list of mappings keyed by field id or label.
    pub fn from_yaml_str(text: &str, name: &str, schema: &Schema) -> Result<Ledger, LedgerError> {
        let rows: Vec<IndexMap<String, serde_json::Value>> =
            serde_saphyr::from_str(text).map_err(|e| LedgerError::Format {
                path: name.to_owned(),
                message: e.without_snippet().to_string(),
            })?;
        Ledger::from_objects(rows, name, schema)
    }

    /// Reads records given as objects keyed by field id or label (the JSON and YAML form); two
    /// keys for one field (`org_life` and `组织生活`) are an error naming both.
    pub fn from_objects(
        rows: Vec<IndexMap<String, serde_json::Value>>,
        name: &str,
        schema: &Schema,
    ) -> Result<Ledger, LedgerError> {
        let mut builder = Builder::new(name, schema);
        let mut columns: Vec<String> = Vec::new();
        for row in &rows {
            for key in row.keys() {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
        let header = header::columns(&columns, None);
        let mapping =
            header::map(schema, &header, &[], 0).map_err(|message| LedgerError::Format {
                path: name.to_owned(),
                message: message.replace("columns ", "keys "),
            })?;
        builder.columns(1, &columns, &mapping.fields, &mapping.unread);
        for (i, row) in rows.into_iter().enumerate() {
            builder.record(
                i + 1,
                columns
                    .iter()
                    .map(|c| row.get(c).map_or(CellText::Absent, CellText::Json)),
            );
        }
        Ok(builder.finish())
    }
}

/// How many line feeds `bytes` holds.
fn memchr_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count()
}

/// CSV text turned into records, one block of whole rows at a time: the header found in the
/// first block (below any title rows) applies to the next ones, and line numbers run on. A
/// whole file is one block; a stream is read in blocks (see [`crate::stream`]).
///
/// Not every row under the header is a record: a 合计 row, a 备注 or signature line, the header
/// repeated, a pasted block's own header. Each is recognised here ([`rows`], [`header`]) and
/// counted in a note; none of them is graded.
pub(crate) struct CsvRows<'a> {
    name: String,
    pub(crate) builder: Builder<'a>,
    pub(crate) header: Option<Vec<String>>,
    /// Rows skipped above the header.
    skipped: usize,
    /// The last row skipped above the header: group names, if the header is a two-row one.
    above_header: Option<Vec<String>>,
    /// The rows skipped above the header (titles), to know them when they repeat.
    titles: Vec<Vec<String>>,
    /// Lines in the blocks before this one.
    lines_before: usize,
    /// The cell separator: `,` or a tab.
    pub(crate) delimiter: u8,
    /// The header's row (line or sheet row, from 1) when the user names it; else it is found.
    pub(crate) header_row: Option<usize>,
    /// The user's choice of column for fields two columns could fill.
    pub(crate) choices: Vec<ColumnChoice>,
    /// The sheet column (from 0) of the first cell of a row, for naming columns as Excel does.
    pub(crate) first_column: usize,
    /// The id's column in the header, from 0.
    id_position: Option<usize>,
    /// Columns left of the id that fill no field (序号): where a 合计 row may say so.
    label_columns: Vec<usize>,
    /// The next row may be the second row of a two-row header.
    second_header_due: bool,
    /// The next row may give the units under a two-row header.
    units_due: bool,
    /// Rows that are not records, by kind: the rows where they are.
    not_records: Vec<(rows::NotARecord, usize)>,
    /// The header as its rows were written (two for a grouped header), to know it repeated.
    header_rows: Vec<Vec<String>>,
    /// The header's columns, with their groups.
    columns: Vec<header::Column>,
    /// The header's texts and the schema's labels: an id cell holding one starts a header.
    header_texts: std::collections::HashSet<String>,
    /// Per choice of column, whether a header had a column for it.
    choices_applied: Vec<bool>,
    /// Rows that repeat the header.
    repeated_headers: Vec<usize>,
    /// Why reading stopped, when it cannot go on (two columns for one field).
    failure: Option<LedgerError>,
}

impl<'a> CsvRows<'a> {
    pub(crate) fn new(name: &str, schema: &'a Schema) -> Self {
        CsvRows {
            name: name.to_owned(),
            builder: Builder::new(name, schema),
            header: None,
            skipped: 0,
            above_header: None,
            titles: Vec::new(),
            lines_before: 0,
            delimiter: b',',
            header_row: None,
            choices: Vec::new(),
            first_column: 0,
            id_position: None,
            label_columns: Vec::new(),
            second_header_due: false,
            units_due: false,
            not_records: Vec::new(),
            header_rows: Vec::new(),
            header_texts: Default::default(),
            columns: Vec::new(),
            choices_applied: Vec::new(),
            repeated_headers: Vec::new(),
            failure: None,
        }
    }

    /// Reads one block of whole rows (it ends at a row's end) into records. A quote that opens
    /// a cell and never closes would make the rest of the file one cell, and one whose closing
    /// quote, lines further on, is followed by more text would make two rows one record: the
    /// rows it spans are errors and reading goes on from the next line.
    pub(crate) fn block(&mut self, text: &str) -> Result<(), LedgerError> {
        let Some(problem) = quote_problem(text, self.delimiter) else {
            return self.rows(text);
        };
        let open = problem.open;
        let start = text[..open].rfind('\n').map_or(0, |i| i + 1);
        let last = problem.bad_close.unwrap_or(open);
        let end = text[last..].find('\n').map_or(text.len(), |i| last + i + 1);
        self.rows(&text[..start])?;
        let line = self.lines_before + 1;
        let column = text[start..open].chars().count() + 1;
        let message = match problem.bad_close {
            None => format!(
                "a quote opens a cell at column {column} and never closes, which would make the rest of the file one cell; the row is skipped"
            ),
            Some(close) => {
                let to = line + memchr_count(&text.as_bytes()[start..close]);
                format!(
                    "a quote opens a cell at column {column} and the quote that closes it, on line {to}, is followed by more text: the quotes do not pair up and would make lines {line}–{to} one record, so they are skipped"
                )
            }
        };
        self.builder.errors.push(RecordError {
            row: line,
            record: None,
            field: None,
            rule: None,
            message,
        });
        self.lines_before += memchr_count(&text.as_bytes()[start..end]);
        self.block(&text[end..])
    }

    fn rows(&mut self, text: &str) -> Result<(), LedgerError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.delimiter)
            .from_reader(text.as_bytes());
        let (mut line, mut counted) = (self.lines_before + 1, 0usize);
        let mut row = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut row) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let at = e.position().map_or(0, |p| p.line() as usize);
                    return Err(LedgerError::Format {
                        path: self.name.clone(),
                        message: format!("line {}: {e}", self.lines_before + at),
                    });
                }
            }
            // The file line the row starts on, counted from its byte offset: the csv crate's own
            // count is off by one for CRLF files (Excel's exports).
            let mut byte = row
                .position()
                .map_or(0, |p| p.byte() as usize)
                .min(text.len());
            // A CRLF record's position can sit on the line feed before it.
            while matches!(text.as_bytes().get(byte), Some(b'\r' | b'\n')) {
                byte += 1;
            }
            line += memchr_count(&text.as_bytes()[counted..byte]);
            counted = byte;
            if !self.row(line, row.len(), row.iter()) {
                break;
            }
        }
        self.lines_before += memchr_count(text.as_bytes());
        if let Some(failure) = self.failure.take() {
            return Err(failure);
        }
        if let Some((row, why)) = self.builder.stream_stop.take() {
            return Err(LedgerError::Format {
                path: self.name.clone(),
                message: format!("row {row}: {why}"),
            });
        }
        if self.header.is_none() && self.skipped > MAX_TITLE_ROWS {
            return Err(self.no_header());
        }
        Ok(())
    }

    /// Takes one row of cells (from a CSV line or a sheet row): a title row above the header,
    /// the header, a row that is not a record, or a record. False when reading must stop: too
    /// many rows have passed without a header, or a header cannot be read (`failure` says why).
    pub(crate) fn row<'r>(
        &mut self,
        line: usize,
        count: usize,
        cells: impl Iterator<Item = &'r str> + Clone,
    ) -> bool {
        if cells.clone().all(|c| c.trim().is_empty()) {
            return true;
        }
        let id_field = &self.builder.schema.fields[&self.builder.schema.id_field];
        let Some(columns) = &self.header else {
            return self.above_the_header(line, cells);
        };
        let width = columns.len();
        let header_text = |cells: &mut dyn Iterator<Item = &'r str>| -> Vec<String> {
            cells.map(header_cell).collect()
        };
        // The row under a header may give the units, or be a two-row header's second row.
        let units_due = std::mem::take(&mut self.units_due);
        let second_due = std::mem::take(&mut self.second_header_due);
        if units_due || second_due {
            let lower = header_text(&mut cells.clone());
            if header::is_units_row(&lower) {
                self.builder.notes.push(format!(
                    "row {line} gives the columns' units (分, 次, 人); skipped"
                ));
                self.header_rows.push(lower);
                return true;
            }
            if second_due && header::is_second_header_row(self.builder.schema, columns, &lower) {
                let labels = header::two_rows(columns, &lower);
                let groups = header::two_row_groups(columns, &lower);
                // The header spans this row too: its records start below.
                self.builder.notes.push(format!(
                    "the header takes two rows, ending at row {line} (group names above column labels)"
                ));
                self.header_rows.push(lower);
                self.units_due = true;
                return self.take_header(line, labels, Some(groups), false);
            }
        }
        let id_cell = self
            .id_position
            .and_then(|p| cells.clone().nth(p))
            .map(str::trim)
            .unwrap_or("");
        // Only a row whose id cell is empty or holds a header's text, or that names the id
        // column anywhere, can be a header again (the same, or a pasted block's in another
        // order): records pay one lookup and a comparison per cell.
        let names_id_anywhere = || {
            cells.clone().any(|c| {
                let c = c.trim();
                c == id_field.label || c == id_field.id
            })
        };
        // An id without a digit (`编号`, `党员编号（必填）`) may be a header that names the id
        // column otherwise: such rows are looked at too.
        let no_digit = !id_cell.bytes().any(|b| b.is_ascii_digit());
        if no_digit || self.header_texts.contains(id_cell) || names_id_anywhere() {
            let again = header_text(&mut cells.clone());
            let names_id = again
                .iter()
                .any(|c| *c == id_field.id || *c == id_field.label);
            let significant =
                |v: &[String]| v.len() - v.iter().rev().take_while(|c| c.is_empty()).count();
            if self
                .header_rows
                .iter()
                .any(|h| h[..significant(h)] == again[..significant(&again)])
            {
                self.repeated_headers.push(line);
                return true;
            }
            if names_id {
                // A block pasted with its own header: the rows under it are read by it.
                self.builder.notes.push(format!(
                    "row {line} is a header in another column order (a pasted block); the rows below it are read by it"
                ));
                return self.take_header(line, again, None, true);
            }
            if let Some(labels) = header::looks_like_header(self.builder.schema, &again) {
                // A header whose id column has another name: its rows cannot be read by the
                // header above (their columns may be in another order), nor by it.
                self.failure = Some(LedgerError::Format {
                    path: self.name.clone(),
                    message: format!(
                        "row {line} looks like a header ({labels}) but has no column named `{}` or `{}`: a block pasted with its own header? name its id column `{}` (then its rows are read by it), or remove the row",
                        id_field.label, id_field.id, id_field.label
                    ),
                });
                return false;
            }
        }
        let id = (!id_cell.is_empty()).then_some(id_cell);
        if let Some(kind) = rows::not_a_record(cells.clone(), id, &self.label_columns) {
            self.not_records.push((kind, line));
            return true;
        }
        if count < width {
            // Fewer cells than headers: a lost comma may have shifted the values, and
            // the cells missing at the end would silently take their defaults.
            let message = format!(
                "the row has {count} cells but the header has {width}; values may be shifted, so the row is skipped"
            );
            self.builder.errors.push(RecordError {
                row: line,
                record: id.map(str::to_owned),
                field: None,
                rule: None,
                message,
            });
        } else if cells.clone().skip(width).any(|c| !c.trim().is_empty()) {
            // Wider than the header: a pasted block's own header with more columns, or a
            // row whose values are shifted.
            let again = header_text(&mut cells.clone());
            if again
                .iter()
                .any(|c| *c == id_field.id || *c == id_field.label)
            {
                self.builder.notes.push(format!(
                    "row {line} is a header in another column order (a pasted block); the rows below it are read by it"
                ));
                return self.take_header(line, again, None, true);
            }
            // More cells than headers: a stray comma has likely shifted the values.
            let message = format!(
                "the row has {count} cells but the header has {width}; values may be shifted, so the row is skipped"
            );
            self.builder.errors.push(RecordError {
                row: line,
                record: None,
                field: None,
                rule: None,
                message,
            });
        } else {
            self.builder.record(line, cells.map(CellText::Text));
        }
        true
    }

    /// A row above the header: the header itself when it names the id column (or is the row
    /// the user named), else a title row, skipped.
    fn above_the_header<'r>(
        &mut self,
        line: usize,
        cells: impl Iterator<Item = &'r str> + Clone,
    ) -> bool {
        let id_field = &self.builder.schema.fields[&self.builder.schema.id_field];
        let names_id = cells.clone().any(|c| {
            let c = header_cell(c);
            c == id_field.id || c == id_field.label
        });
        let is_header = match self.header_row {
            // Named by the user: this row is the header, whatever rows come before;
            // without the id column it cannot be (`no_header` says so).
            Some(n) if line == n && !names_id => {
                self.skipped = MAX_TITLE_ROWS + 1;
                return false;
            }
            Some(n) => line == n,
            None => names_id,
        };
        if is_header {
            let labels: Vec<String> = cells.map(header_cell).collect();
            let groups = self
                .above_header
                .take()
                .filter(|row| header::holds_groups(row));
            let taken = self.take_header(line, labels, groups.clone(), true);
            self.header_rows.extend(groups);
            return taken;
        }
        self.skipped += 1;
        let row: Vec<String> = cells.map(header_cell).collect();
        // A title repeated on page two is skipped like the header repeated there.
        if self.titles.len() < MAX_TITLE_ROWS {
            self.titles.push(row.clone());
        }
        self.above_header = Some(row);
        self.header_row.is_some() || self.skipped <= MAX_TITLE_ROWS
    }

    /// Maps a header's columns to fields; false (with `failure` set) when two columns would
    /// fill one field and the user has not said which.
    fn take_header(
        &mut self,
        line: usize,
        labels: Vec<String>,
        groups: Option<Vec<String>>,
        first: bool,
    ) -> bool {
        let columns = header::columns(&labels, groups.as_deref());
        let mapping = match header::map(
            self.builder.schema,
            &columns,
            &self.choices,
            self.first_column,
        ) {
            Ok(mapping) => mapping,
            Err(message) => {
                self.failure = Some(LedgerError::Format {
                    path: self.name.clone(),
                    message: format!("the header at row {line}: {message}"),
                });
                return false;
            }
        };
        self.builder.notes.extend(mapping.notes);
        self.choices_applied.resize(self.choices.len(), false);
        for (seen, now) in self.choices_applied.iter_mut().zip(&mapping.applied) {
            *seen |= now;
        }
        // What the id cell of a header or title row (repeated, or a pasted block's) may hold.
        self.header_texts = labels
            .iter()
            .chain(self.titles.iter().flatten())
            .filter(|t| !t.is_empty())
            .cloned()
            .chain(self.builder.schema.fields.values().map(|f| f.label.clone()))
            .chain(["序号", "编号", "备注"].map(str::to_owned))
            .collect();
        if !first && self.builder.read == 0 {
            // The second row of a two-row header: it replaces the first row's reading.
            self.builder.forget_columns();
        }
        self.builder
            .columns(line, &labels, &mapping.fields, &mapping.unread);
        let id = self.builder.schema.index_of(&self.builder.schema.id_field);
        self.id_position = mapping.fields.iter().position(|f| *f == id && id.is_some());
        self.label_columns = (0..self.id_position.unwrap_or(0))
            .filter(|&p| mapping.fields.get(p).copied().flatten().is_none())
            .collect();
        if first {
            self.header_rows = vec![labels.clone()];
            self.header_rows.extend(self.titles.iter().cloned());
        }
        self.header = Some(labels);
        self.columns = columns;
        self.second_header_due = first;
        true
    }

    /// Columns that look like a field no column fills, which is said with how to read them:
    /// a header that starts with its label (`组织生活（分）`), or sub-columns under a group named
    /// like it (`加分` and `扣分` under 组织生活).
    fn near_misses(&self) -> Vec<String> {
        let Some((_, filled)) = self.builder.field_columns.last() else {
            return Vec::new();
        };
        let schema = self.builder.schema;
        let unfilled = |label: &str| {
            schema
                .fields
                .values()
                .enumerate()
                .find(|(i, f)| filled[*i].is_none() && f.label == label)
        };
        let mut notes = Vec::new();
        let mut under_groups: IndexMap<usize, Vec<String>> = IndexMap::new();
        for column in &self.columns {
            if column.text.is_empty() || filled.contains(&Some(column.position)) {
                continue;
            }
            let letter = column_letters(self.first_column + column.position);
            if let Some((i, _)) = column.group.as_deref().and_then(unfilled) {
                under_groups
                    .entry(i)
                    .or_default()
                    .push(format!("{letter} ({})", column.text));
                continue;
            }
            let near = schema.fields.values().enumerate().find(|(i, f)| {
                filled[*i].is_none()
                    && f.label.chars().count() >= 2
                    && column.text.starts_with(&f.label)
            });
            if let Some((_, field)) = near {
                notes.push(format!(
                    "column {letter} `{}` is not read as {} ({}); if it is that, add `--column {}={letter}`",
                    column.text, field.label, field.id, field.label
                ));
            }
        }
        for (i, columns) in under_groups {
            let field = &schema.fields[i];
            notes.push(format!(
                "{} ({}) is a group over columns {}, none of which is read as it; if one of them is, add `--column {}=COLUMN`",
                field.label,
                field.id,
                columns.join(", "),
                field.label
            ));
        }
        notes
    }

    fn no_header(&self) -> LedgerError {
        let id_field = &self.builder.schema.fields[&self.builder.schema.id_field];
        if let Some(n) = self.header_row {
            return LedgerError::Format {
                path: self.name.clone(),
                message: format!(
                    "row {n} is not a header: no column in it is named `{}` or `{}`",
                    id_field.label, id_field.id
                ),
            };
        }
        LedgerError::Format {
            path: self.name.clone(),
            message: format!(
                "no header row: expected a column named `{}` or `{}` in the first {MAX_TITLE_ROWS} rows",
                id_field.label, id_field.id
            ),
        }
    }

    /// The records and errors read so far, leaving the header, columns and line count in place
    /// for the next block.
    pub(crate) fn take(&mut self) -> (Vec<Record>, Vec<RecordError>) {
        self.builder.resolve_percentages(false);
        self.builder.refuse_unlike_ids();
        self.builder.errors_taken += self.builder.errors.len();
        // The next block is about as long: room for as many records, made once.
        let room = self.builder.records.len();
        (
            std::mem::replace(&mut self.builder.records, Vec::with_capacity(room)),
            std::mem::take(&mut self.builder.errors),
        )
    }

    /// The ledger, once every block is read; an error when no header was ever found.
    pub(crate) fn finish(mut self) -> Result<Ledger, LedgerError> {
        if let Some(failure) = self.failure.take() {
            return Err(failure);
        }
        if self.header.is_none() {
            return Err(self.no_header());
        }
        let unused: Vec<String> = self
            .choices
            .iter()
            .zip(self.choices_applied.iter().chain(std::iter::repeat(&false)))
            .filter(|(_, applied)| !**applied)
            .map(|(c, _)| format!("--column {}={}", c.field, c.column))
            .collect();
        if !unused.is_empty() {
            return Err(LedgerError::Format {
                path: self.name.clone(),
                message: format!(
                    "{}: the ledger has no such column for that field",
                    unused.join(", ")
                ),
            });
        }
        if self.skipped > 0 {
            self.builder.notes.push(format!(
                "skipped {} row(s) above the header (titles)",
                self.skipped
            ));
        }
        for kind in [
            rows::NotARecord::Summary,
            rows::NotARecord::Remark,
            rows::NotARecord::Example,
        ] {
            let at: Vec<usize> = self
                .not_records
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, row)| *row)
                .collect();
            if !at.is_empty() {
                self.builder.notes.push(format!(
                    "skipped {} {} at {}: not records, never graded or counted",
                    at.len(),
                    kind.describe(),
                    rows_list(&at)
                ));
            }
        }
        self.builder.notes.extend(self.near_misses());
        if !self.repeated_headers.is_empty() {
            self.builder.notes.push(format!(
                "skipped {} repeated header or title row(s) at {}",
                self.repeated_headers.len(),
                rows_list(&self.repeated_headers)
            ));
        }
        Ok(self.builder.finish())
    }
}

/// A header cell as it is matched: invisible characters and surrounding spaces removed.
fn header_cell(cell: &str) -> String {
    identity::without_invisibles(cell)
}

/// `row 12` or `rows 3, 9, 15` (the first ten, then how many more).
fn rows_list(rows: &[usize]) -> String {
    const NAMED: usize = 10;
    let mut named: Vec<String> = rows.iter().take(NAMED).map(usize::to_string).collect();
    if rows.len() > NAMED {
        named.push(format!("and {} more", rows.len() - NAMED));
    }
    match rows.len() {
        1 => format!("row {}", named.join("")),
        _ => format!("rows {}", named.join(", ")),
    }
}

/// A record object whose keys are unique: JSON allows `{"党员编号": "A", "党员编号": "B"}` and
/// serde keeps the last, silently; a ledger with it is an error at its line and column.
struct UniqueKeys(IndexMap<String, serde_json::Value>);

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = UniqueKeys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a record: an object of fields")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<UniqueKeys, A::Error> {
                let mut out = IndexMap::new();
                while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
                    if out.contains_key(&key) {
                        return Err(serde::de::Error::custom(format!(
                            "the record has the key `{key}` twice"
                        )));
                    }
                    out.insert(key, value);
                }
                Ok(UniqueKeys(out))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// Where a CSV scanner is, as the csv crate reads it: a quote opens a quoted field only at the
/// start of a field (`王"五` is plain text), and `""` inside quotes is a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scan {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: its end, or the first of `""`.
    QuoteInQuoted,
}

impl Scan {
    /// The state after byte `b`, with `delimiter` separating cells.
    pub(crate) fn next(self, b: u8, delimiter: u8) -> Scan {
        match (self, b) {
            (Scan::Quoted, b'"') => Scan::QuoteInQuoted,
            (Scan::Quoted, _) => Scan::Quoted,
            (Scan::QuoteInQuoted, b'"') | (Scan::FieldStart, b'"') => Scan::Quoted,
            (_, b'\n' | b'\r') => Scan::FieldStart,
            (_, b) if b == delimiter => Scan::FieldStart,
            _ => Scan::Unquoted,
        }
    }
}

/// A quoted cell whose quotes do not pair up.
struct QuoteProblem {
    /// Where the cell's opening quote is.
    open: usize,
    /// Where text follows its closing quote, on a later line (`"张一,10…\nLW002,"张二`);
    /// none when the quote never closes.
    bad_close: Option<usize>,
}

/// The first quoted cell in `text` whose quotes do not pair up, if there is one: one that never
/// closes, or whose closing quote is on a later line and followed by more text. (Text after a
/// closing quote on the quote's own line, `"张三"（党员）`, is read as the csv crate reads it.)
fn quote_problem(text: &str, delimiter: u8) -> Option<QuoteProblem> {
    let bytes = text.as_bytes();
    if !bytes.contains(&b'"') {
        return None;
    }
    let mut state = Scan::FieldStart;
    let (mut opened, mut line_breaks) = (0, false);
    for (i, &b) in bytes.iter().enumerate() {
        let next = state.next(b, delimiter);
        if state == Scan::FieldStart && next == Scan::Quoted {
            (opened, line_breaks) = (i, false);
        }
        if state == Scan::Quoted && b == b'\n' {
            line_breaks = true;
        }
        if state == Scan::QuoteInQuoted && next == Scan::Unquoted && line_breaks {
            return Some(QuoteProblem {
                open: opened,
                bad_close: Some(i),
            });
        }
        state = next;
    }
    (state == Scan::Quoted).then_some(QuoteProblem {
        open: opened,
        bad_close: None,
    })
}

/// The text of a ledger file (see [`crate::encoding`]), and a note on how it was decoded.
fn decode<'b>(
    bytes: &'b [u8],
    name: &str,
    encoding: Encoding,
) -> Result<(Cow<'b, str>, Vec<String>), LedgerError> {
    let format = |message: String| LedgerError::Format {
        path: name.to_owned(),
        message,
    };
    let decoded = crate::encoding::decode(bytes, encoding).map_err(format)?;
    if decoded.text.trim().is_empty() {
        return Err(format("the file is empty".into()));
    }
    Ok((decoded.text, decoded.note.into_iter().collect()))
}

/// One cell as the file holds it, borrowed: only cells that become values are copied.
enum CellText<'a> {
    Absent,
    Text(&'a str),
    Json(&'a serde_json::Value),
}

/// Turns rows into records, shared by the three formats.
pub(crate) struct Builder<'a> {
    name: String,
    schema: &'a Schema,
    /// Per column: the schema field it fills, or the index of its extra column.
    targets: Vec<Target>,
    ledger_columns: Vec<String>,
    /// Per header, from its row: the column each schema field is read from.
    field_columns: Vec<(usize, Vec<Option<usize>>)>,
    records: Vec<Record>,
    errors: Vec<RecordError>,
    pub(crate) notes: Vec<String>,
    /// The row of each id read, and the later rows that repeat it.
    seen_ids: std::collections::HashMap<String, (usize, Vec<usize>)>,
    /// How repeated ids are found: remembering every id (a ledger read whole), or, for a
    /// stream that cannot take back a record already counted, an 8-byte fingerprint of each.
    pub(crate) duplicates: Duplicates,
    /// Why a stream must stop, and at which row: an id met twice, a column read as fractions
    /// that turns out to hold percentages.
    stream_stop: Option<(usize, String)>,
    /// Records read and errors found, including those already taken by a stream.
    read: usize,
    errors_taken: usize,
    /// Per schema field, whether to read it; unread fields are left empty (a stream reads only
    /// what the pack needs).
    pub(crate) wanted: Option<Vec<bool>>,
    /// Per schema field declared `percent`, what is known of its column.
    percent: Vec<Option<percent::Column>>,
    /// Where among the notes the one on extra columns goes (the first header's place).
    extras_note_at: Option<usize>,
    /// Cells are separated by semicolons, as where the decimal mark is a comma: `0,929` in a
    /// number could be 0.929 or 929, so it is refused rather than guessed.
    pub(crate) comma_may_be_decimal: bool,
    /// Whether the ledger's ids are codes (nine in ten have digits): an id of such a ledger
    /// (`LW2022001`) to name in errors, or empty when they are not; none until known.
    coded_ids: Option<String>,
}

/// How a reader deals with an id on two rows.
pub(crate) enum Duplicates {
    /// Every id is remembered; neither row of a repeated id is graded.
    NeitherGraded,
    /// A stream hands records on as it reads, so it cannot leave out a row already counted: it
    /// remembers a fingerprint of each id (8 bytes) and stops at the first id met twice.
    StopStream(std::collections::HashSet<u64, BuildFingerprint>),
}

/// An id's fingerprint: FNV-1a over its bytes, finished with splitmix64's mixer so every bit
/// depends on every byte (64 bits: two different ids of a ten-million-row ledger share one about
/// once in 10^5 runs, and then the run stops, naming the row, rather than going on wrong).
fn fingerprint(id: &str) -> u64 {
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
    fn new(name: &str, schema: &'a Schema) -> Self {
        Builder {
            name: name.to_owned(),
            schema,
            targets: Vec::new(),
            ledger_columns: Vec::new(),
            field_columns: Vec::new(),
            records: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
            seen_ids: Default::default(),
            duplicates: Duplicates::NeitherGraded,
            stream_stop: None,
            read: 0,
            errors_taken: 0,
            wanted: None,
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
    fn columns(
        &mut self,
        row: usize,
        headers: &[String],
        fields: &[Option<usize>],
        unread: &[usize],
    ) {
        self.targets.clear();
        self.extras_note_at.get_or_insert(self.notes.len());
        let mut field_columns = vec![None; self.schema.fields.len()];
        for (position, header) in headers.iter().enumerate() {
            let target = match fields.get(position).copied().flatten() {
                Some(field) => {
                    field_columns[field] = Some(position);
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
    fn forget_columns(&mut self) {
        self.ledger_columns.clear();
        self.field_columns.pop();
    }

    /// One note for the columns no rule reads, naming the first few (a sheet can have
    /// thousands).
    fn extra_columns_note(&self) -> Option<String> {
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

    fn record<'c>(&mut self, row: usize, cells: impl Iterator<Item = CellText<'c>>) {
        let mut record = Record {
            row,
            id: String::new(),
            cells: vec![Cell::Absent; self.schema.fields.len()],
            extra: vec![String::new(); self.ledger_columns.len()],
        };
        // A column the ledger has is empty in a row that stops short, never absent.
        for target in &self.targets {
            if let Target::Field(field) = *target {
                record.cells[field] = Cell::Missing;
            }
        }
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
                                    "{} ({}) holds a percentage ({}) in a column whose earlier rows were fractions (0.929) and were read as percentages; a streamed summary cannot take them back, so it stops: write the column one way, or evaluate without --summary to have the cells that could be either refused",
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
                // A stream reports no per-record output, so it keeps no unknown columns.
                Target::Extra(_) if self.wanted.is_some() => {}
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
        let id_index = self.schema.index_of(&self.schema.id_field).unwrap_or(0);
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
        if let Duplicates::StopStream(seen) = &mut self.duplicates {
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
        } else {
            if let Some((first, again)) = self.seen_ids.get_mut(&record.id) {
                again.push(row);
                let first = first.to_string();
                let error = self.duplicate(row, &record.id, &first);
                self.errors.push(error);
                return;
            }
            self.seen_ids.insert(record.id.clone(), (row, Vec::new()));
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
    fn duplicate(&self, row: usize, id: &str, others: &str) -> RecordError {
        let id_def = &self.schema.fields[&self.schema.id_field];
        RecordError {
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
    fn resolve_percentages(&mut self, finished: bool) {
        for (field, column) in self.percent.iter_mut().enumerate() {
            if let Some(column) = column {
                column.resolve(field, &mut self.records, finished);
            }
        }
    }

    /// Refuses the records whose id has no digit when nine in ten ids of the ledger have one:
    /// a row labelled 统计, 示例 or with a word no list foresaw is not graded as a member.
    fn refuse_unlike_ids(&mut self) {
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

    fn finish(mut self) -> Ledger {
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
