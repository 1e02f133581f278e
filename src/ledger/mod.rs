//! Reading ledgers (台账): CSV, JSON or YAML files of records, typed by the schema.
//!
//! Ledgers come from Excel, so this is forgiving where it can be right: UTF-8 (with or
//! without a BOM), GBK (GB18030) and UTF-16 "Unicode text" are decoded (see [`crate::encoding`]),
//! cells may be separated by commas or tabs, title rows above the header are skipped, headers
//! may be field ids or Chinese labels, and columns the schema does not know are kept and
//! reported once. A cell that cannot be read is kept as invalid, so it fails only the records
//! of packs that read that field; every other record and field is still read.

use crate::encoding::Encoding;
use std::borrow::Cow;
use std::path::Path;

use indexmap::IndexMap;
use serde::Serialize;

use crate::schema::Schema;
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
}

impl Ledger {
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
            return crate::workbook::read(path, schema, options);
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
        csv.builder.notes = notes;
        if csv.delimiter == b'\t' {
            csv.builder.notes.push("cells separated by tabs".to_owned());
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
        Ok(Ledger::from_objects(
            rows.into_iter().map(|r| r.0).collect(),
            name,
            schema,
        ))
    }

    /// Reads a YAML ledger: a list of mappings keyed by field id or label.
    pub fn from_yaml_str(text: &str, name: &str, schema: &Schema) -> Result<Ledger, LedgerError> {
        let rows: Vec<IndexMap<String, serde_json::Value>> =
            serde_saphyr::from_str(text).map_err(|e| LedgerError::Format {
                path: name.to_owned(),
                message: e.without_snippet().to_string(),
            })?;
        Ok(Ledger::from_objects(rows, name, schema))
    }

    /// Reads records given as objects keyed by field id or label (the JSON and YAML form).
    pub fn from_objects(
        rows: Vec<IndexMap<String, serde_json::Value>>,
        name: &str,
        schema: &Schema,
    ) -> Ledger {
        let mut builder = Builder::new(name, schema);
        let mut columns: Vec<String> = Vec::new();
        for row in &rows {
            for key in row.keys() {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
        builder.columns(&columns);
        for (i, row) in rows.into_iter().enumerate() {
            builder.record(
                i + 1,
                columns
                    .iter()
                    .map(|c| row.get(c).map_or(CellText::Absent, CellText::Json)),
            );
        }
        builder.finish()
    }
}

/// How many line feeds `bytes` holds.
fn memchr_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count()
}

/// CSV text turned into records, one block of whole rows at a time: the header found in the
/// first block (below any title rows) applies to the next ones, and line numbers run on. A
/// whole file is one block; a stream is read in blocks (see [`crate::stream`]).
pub(crate) struct CsvRows<'a> {
    name: String,
    pub(crate) builder: Builder<'a>,
    pub(crate) header: Option<Vec<String>>,
    /// Rows skipped above the header.
    skipped: usize,
    /// Lines in the blocks before this one.
    lines_before: usize,
    /// The cell separator: `,` or a tab.
    pub(crate) delimiter: u8,
    /// The header's row (line or sheet row, from 1) when the user names it; else it is found.
    pub(crate) header_row: Option<usize>,
}

impl<'a> CsvRows<'a> {
    pub(crate) fn new(name: &str, schema: &'a Schema) -> Self {
        CsvRows {
            name: name.to_owned(),
            builder: Builder::new(name, schema),
            header: None,
            skipped: 0,
            lines_before: 0,
            delimiter: b',',
            header_row: None,
        }
    }

    /// Reads one block of whole rows (it ends at a row's end) into records. A quote that opens
    /// a cell and never closes would make the rest of the file one cell: its row is an error
    /// and reading goes on from the next line.
    pub(crate) fn block(&mut self, text: &str) -> Result<(), LedgerError> {
        let Some(open) = unclosed_quote(text, self.delimiter) else {
            return self.rows(text);
        };
        let start = text[..open].rfind('\n').map_or(0, |i| i + 1);
        let end = text[open..].find('\n').map_or(text.len(), |i| open + i + 1);
        self.rows(&text[..start])?;
        let line = self.lines_before + 1;
        let column = text[start..open].chars().count() + 1;
        self.builder.errors.push(RecordError {
            row: line,
            record: None,
            field: None,
            rule: None,
            message: format!(
                "a quote opens a cell at column {column} and never closes, which would make the rest of the file one cell; the row is skipped"
            ),
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
        if self.header.is_none() && self.skipped > MAX_TITLE_ROWS {
            return Err(self.no_header());
        }
        Ok(())
    }

    /// Takes one row of cells (from a CSV line or a sheet row): a title row above the header,
    /// the header, or a record. False once too many rows have passed without a header.
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
        match &self.header {
            None => {
                let names_id = cells
                    .clone()
                    .any(|c| c.trim() == id_field.id || c.trim() == id_field.label);
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
                    let header: Vec<String> = cells.map(|c| c.trim().to_owned()).collect();
                    self.builder.columns(&header);
                    self.header = Some(header);
                } else {
                    self.skipped += 1;
                    if self.header_row.is_none() && self.skipped > MAX_TITLE_ROWS {
                        return false;
                    }
                }
            }
            Some(columns) if count < columns.len() => {
                // Fewer cells than headers: a lost comma may have shifted the values, and
                // the cells missing at the end would silently take their defaults.
                let message = format!(
                    "the row has {count} cells but the header has {}; values may be shifted, so the row is skipped",
                    columns.len()
                );
                let id = cells.clone().next().map(|id| id.trim().to_owned());
                self.builder.errors.push(RecordError {
                    row: line,
                    record: id.filter(|id| !id.is_empty()),
                    field: None,
                    rule: None,
                    message,
                });
            }
            Some(columns)
                if cells
                    .clone()
                    .skip(columns.len())
                    .any(|c| !c.trim().is_empty()) =>
            {
                // More cells than headers: a stray comma has likely shifted the values.
                let message = format!(
                    "the row has {count} cells but the header has {}; values may be shifted, so the row is skipped",
                    columns.len()
                );
                self.builder.errors.push(RecordError {
                    row: line,
                    record: None,
                    field: None,
                    rule: None,
                    message,
                });
            }
            Some(_) => self.builder.record(line, cells.map(CellText::Text)),
        }
        true
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
        if self.header.is_none() {
            return Err(self.no_header());
        }
        if self.skipped > 0 {
            self.builder.notes.push(format!(
                "skipped {} row(s) above the header (titles)",
                self.skipped
            ));
        }
        Ok(self.builder.finish())
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

/// The byte offset of a quote that opens a cell in `text` and is never closed, if there is one.
fn unclosed_quote(text: &str, delimiter: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    if !bytes.contains(&b'"') {
        return None;
    }
    let mut state = Scan::FieldStart;
    let mut opened = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let next = state.next(b, delimiter);
        if state == Scan::FieldStart && next == Scan::Quoted {
            opened = i;
        }
        state = next;
    }
    (state == Scan::Quoted).then_some(opened)
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
    records: Vec<Record>,
    errors: Vec<RecordError>,
    pub(crate) notes: Vec<String>,
    seen_ids: std::collections::HashMap<String, usize>,
    /// Whether to report duplicate ids (which means remembering every id read).
    pub(crate) check_duplicates: bool,
    /// Records read and errors found, including those already taken by a stream.
    read: usize,
    errors_taken: usize,
    /// Per schema field, whether to read it; unread fields are left empty (a stream reads only
    /// what the pack needs).
    pub(crate) wanted: Option<Vec<bool>>,
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
            records: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
            seen_ids: Default::default(),
            check_duplicates: true,
            read: 0,
            errors_taken: 0,
            wanted: None,
        }
    }

    fn columns(&mut self, headers: &[String]) {
        let mut filled = vec![false; self.schema.fields.len()];
        for header in headers {
            let target = match self.schema.field_for_header(header) {
                Some(field) if filled[field] => {
                    self.notes.push(format!(
                        "column `{header}` repeats field `{}`; the first one is read",
                        self.schema.fields[field].id
                    ));
                    Target::Ignored
                }
                Some(field) => {
                    filled[field] = true;
                    Target::Field(field)
                }
                None if header.trim().is_empty() => Target::Ignored,
                None => {
                    self.ledger_columns.push(header.clone());
                    Target::Extra(self.ledger_columns.len() - 1)
                }
            };
            self.targets.push(target);
        }
        // One note for the columns no rule reads, naming the first few (a sheet can have
        // thousands).
        if !self.ledger_columns.is_empty() {
            const NAMED: usize = 10;
            let mut names: Vec<String> = self
                .ledger_columns
                .iter()
                .take(NAMED)
                .map(|c| format!("`{c}`"))
                .collect();
            if self.ledger_columns.len() > NAMED {
                names.push(format!("and {} more", self.ledger_columns.len() - NAMED));
            }
            let (what, verb) = match self.ledger_columns.len() {
                1 => ("column", "is"),
                _ => ("columns", "are"),
            };
            self.notes.push(format!(
                "{what} {} {verb} not in the {} schema; kept, not read by any rule",
                names.join(", "),
                self.schema.subject
            ));
        }
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
        for (target, cell) in self.targets.iter().zip(cells) {
            match *target {
                Target::Field(field) if self.wanted.as_ref().is_some_and(|w| !w[field]) => {}
                Target::Field(field) => {
                    let def = &self.schema.fields[field];
                    let parsed = match &cell {
                        CellText::Absent => Ok(None),
                        CellText::Text(t) => def.parse_cell(t),
                        CellText::Json(v) => def.parse_json(v),
                    };
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
                        CellText::Text(t) => t.to_owned(),
                        CellText::Json(serde_json::Value::String(s)) => s.clone(),
                        CellText::Json(v) => v.to_string(),
                    }
                }
                Target::Ignored => {}
            }
        }
        let id_index = self.schema.index_of(&self.schema.id_field).unwrap_or(0);
        let id_def = &self.schema.fields[id_index];
        match &record.cells[id_index] {
            Cell::Value(Value::Str(s)) => record.id = s.clone(),
            Cell::Value(v) => record.id = v.to_string(),
            _ => {
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
        }
        if !self.check_duplicates {
            self.read += 1;
            self.records.push(record);
            return;
        }
        if let Some(first) = self.seen_ids.get(&record.id) {
            self.errors.push(RecordError {
                row,
                record: Some(record.id.clone()),
                field: Some(id_def.id.clone()),
                rule: None,
                message: format!(
                    "duplicate {} `{}` (first at row {first}); this row is skipped",
                    id_def.label, record.id
                ),
            });
            return;
        }
        self.seen_ids.insert(record.id.clone(), row);
        self.read += 1;
        self.records.push(record);
    }

    fn finish(mut self) -> Ledger {
        if self.read == 0 && self.errors.is_empty() && self.errors_taken == 0 {
            self.notes.push("the ledger has no records".to_owned());
        }
        Ledger {
            path: self.name,
            records: self.records,
            errors: self.errors,
            notes: self.notes,
            extra_columns: self.ledger_columns,
        }
    }
}
