//! CSV text (or a sheet's rows) turned into records, one block of whole rows at a time: the
//! header found below any title rows, rows that are not records recognised, a pasted block's
//! own header taken, quotes that do not pair up refused by the rows they span.

use indexmap::IndexMap;

use super::builder::{Builder, CellText};
use super::{
    ColumnChoice, Ledger, LedgerError, MAX_TITLE_ROWS, Record, RecordError, column_letters, header,
    identity, rows,
};
use crate::schema::Schema;

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
        self.row_error(line, None, message);
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
            return Err(LedgerError::Unstreamable {
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
            self.row_error(line, id, message);
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
            self.row_error(line, None, message);
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

    /// An error about a whole row (its cells cannot be trusted), not one field of it.
    fn row_error(&mut self, line: usize, record: Option<&str>, message: String) {
        self.builder.errors.push(RecordError {
            file: None,
            row: line,
            record: record.map(str::to_owned),
            field: None,
            rule: None,
            message,
        });
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

    /// Takes the cell separator found in the first bytes, saying so when it is not a comma:
    /// with semicolons a comma in a number may be the decimal mark, so such numbers are refused.
    pub(crate) fn separated_by(&mut self, delimiter: u8) {
        self.delimiter = delimiter;
        if delimiter == b'\t' {
            self.builder
                .notes
                .push("cells separated by tabs".to_owned());
        } else if delimiter == b';' {
            self.builder
                .notes
                .push("cells separated by semicolons".to_owned());
            self.builder.comma_may_be_decimal = true;
        }
    }

    /// Puts `notes` (how the input was decoded, known as it was read) before the notes on its
    /// rows, where a ledger read whole has them.
    pub(crate) fn notes_first(&mut self, notes: Vec<String>) {
        if let Some(at) = &mut self.builder.extras_note_at {
            *at += notes.len();
        }
        self.builder.notes.splice(0..0, notes);
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
