//! Reading ledgers (台账): CSV, JSON or YAML files of records, typed by the schema.
//!
//! Ledgers come from Excel, so this is forgiving where it can be right: UTF-8 (with or
//! without a BOM), GBK (GB18030) and UTF-16 "Unicode text" are decoded (see [`crate::encoding`]),
//! cells may be separated by commas or tabs, title rows above the header are skipped, headers
//! may be field ids or Chinese labels, and columns the schema does not know are kept and
//! reported once. A cell that cannot be read is kept as invalid, so it fails only the records
//! of packs that read that field; every other record and field is still read.

mod builder;
mod csv_rows;
mod header;
mod identity;
mod percent;
mod rows;

use builder::{Builder, CellText};
pub(crate) use builder::{Duplicates, fingerprint};
pub(crate) use csv_rows::{CsvRows, Scan};

pub use header::ColumnChoice;
pub(crate) use header::column_letters;

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
    /// The file could not be read (missing, unreadable).
    #[error("cannot read ledger {path}: {source}")]
    Io {
        /// The ledger's path as given (`<stdin>` for standard input).
        path: String,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but cannot be read as a ledger, e.g. malformed CSV, JSON or YAML, no
    /// header naming the id column, or a header two columns of which could fill one field.
    #[error("ledger {path}: {message}")]
    Format {
        /// The ledger's path or name as given.
        path: String,
        /// What is wrong, with the row, column or cell where there is one.
        message: String,
    },
    /// A ledger read as a stream met what it cannot take back once counted (an id met twice by
    /// a streamed summary, a percent column that changes form): read whole, it can be evaluated.
    #[error("ledger {path}: {message}")]
    Unstreamable {
        /// The ledger's path or name as given.
        path: String,
        /// What was met, at which row, and what to do.
        message: String,
    },
    /// The file's extension names no format the core reads.
    #[error("ledger {path}: unknown format (use a .csv, .json, .yaml or .yml file)")]
    UnknownFormat {
        /// The ledger's path as given.
        path: String,
    },
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
    /// The record's id, when the row has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// The field the problem is about (its id), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The rule that failed (its id), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The file `row` is in when it is not the ledger's own: an entry ledger summed into a
    /// roster (see [`crate::entries`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file} ")?;
        }
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
pub(crate) fn records_with_errors(errors: &[RecordError]) -> usize {
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
    /// The cell's value, typed by the field.
    Value(Value),
    /// Present but unreadable as the field's type; the message says why.
    Invalid(String),
}

/// One record of a ledger: its cells follow the schema's field order.
#[derive(Debug, Clone)]
pub struct Record {
    /// The row in the ledger: the line of a CSV file or the row of a sheet, or the position in a
    /// JSON or YAML list, from 1 (errors and reports name it).
    pub row: usize,
    /// The record's id (the schema's id field), normalized: full-width letters and digits made
    /// ASCII, spaces and invisible characters trimmed.
    pub id: String,
    /// One cell per schema field, in [`Schema::fields`] order (see [`Schema::index_of`]).
    pub cells: Vec<Cell>,
    /// Values of the columns the schema does not know, in [`Ledger::extra_columns`] order.
    pub extra: Vec<String>,
}

/// A ledger's records, typed by one schema.
#[derive(Debug, Clone)]
pub struct Ledger {
    /// The ledger's name for messages: the path as given, `<stdin>`, or the name passed to
    /// `from_csv_bytes` and the like.
    pub path: String,
    /// The records, in ledger order.
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
    ///
    /// # Errors
    ///
    /// [`LedgerError::Io`] when the file (or stdin) cannot be read, [`LedgerError::UnknownFormat`]
    /// for an extension the core does not read, [`LedgerError::Format`] when the content is not a
    /// ledger. Problems with single rows are not errors: they are in [`Ledger::errors`].
    pub fn read(path: &Path, schema: &Schema) -> Result<Ledger, LedgerError> {
        Ledger::read_with(path, schema, &ReadOptions::default())
    }

    /// [`Ledger::read`] with the choices a user can make: the text encoding, the sheet of a
    /// workbook, the header's row.
    ///
    /// # Errors
    ///
    /// As [`Ledger::read`].
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
    ///
    /// # Errors
    ///
    /// [`LedgerError::Format`] when the bytes are not text in a known encoding or not a ledger (no
    /// header naming the id column, quotes that do not pair up). Problems with single rows are in
    /// [`Ledger::errors`] instead.
    pub fn from_csv_bytes(
        bytes: &[u8],
        name: &str,
        schema: &Schema,
    ) -> Result<Ledger, LedgerError> {
        Ledger::from_csv_bytes_with(bytes, name, schema, &ReadOptions::default())
    }

    /// [`Ledger::from_csv_bytes`] with the text encoding named (or `Auto`) and the header's
    /// line, if the user gives it.
    ///
    /// # Errors
    ///
    /// As [`Ledger::from_csv_bytes`].
    pub fn from_csv_bytes_with(
        bytes: &[u8],
        name: &str,
        schema: &Schema,
        options: &ReadOptions,
    ) -> Result<Ledger, LedgerError> {
        let (text, notes) = decode(bytes, name, options.encoding)?;
        let mut csv = CsvRows::new(name, schema);
        csv.header_row = options.header_row;
        csv.choices.clone_from(&options.columns);
        csv.builder.notes = notes;
        csv.separated_by(crate::encoding::delimiter(text.as_bytes()));
        csv.block(&text)?;
        csv.finish()
    }

    /// Reads a JSON ledger: an array of objects keyed by field id or label.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Format`] when the text is not a JSON array of objects, or two keys name one
    /// field (`org_life` and `组织生活`).
    pub fn from_json_str(text: &str, name: &str, schema: &Schema) -> Result<Ledger, LedgerError> {
        let rows: Vec<UniqueKeys> =
            serde_json::from_str(text).map_err(|e| LedgerError::Format {
                path: name.to_owned(),
                message: e.to_string(),
            })?;
        Ledger::from_objects(rows.into_iter().map(|r| r.0).collect(), name, schema)
    }

    /// Reads a YAML ledger: a list of mappings keyed by field id or label.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Format`] when the text is not a YAML list of mappings, or two keys name one
    /// field (`org_life` and `组织生活`).
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
    pub(crate) fn from_objects(
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
