//! Ledgers kept as workbooks (.xlsx, .xlsm, .xls, .ods), read directly with calamine: staff keep
//! their 台账 in Excel or WPS and need no CSV step.
//!
//! A sheet is read like a CSV file, row by row through the same [`CsvRows`] (title rows above
//! the header skipped, headers by id or Chinese label, ragged rows reported), after three things
//! only a workbook has: merged cells take their top-left cell's value in every cell they cover
//! (an organization's name merged down over its members' rows), dates stored as Excel serial
//! numbers are read as dates, and an error cell (`#DIV/0!`) is text that fails to parse. A cell
//! a record cannot use is named as Excel names it: `党员积分!F12`.

use std::path::Path;

use calamine::{Data, Dimensions, Reader, Sheets};

use crate::ledger::{Cell, CsvRows, Ledger, LedgerError, ReadOptions};
use crate::schema::Schema;

/// Whether a file extension (lowercase) is a workbook's.
pub fn is_workbook(ext: &str) -> bool {
    matches!(ext, "xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
}

/// Reads the ledger in one sheet of the workbook at `path`.
pub fn read(path: &Path, schema: &Schema, options: &ReadOptions) -> Result<Ledger, LedgerError> {
    let name = path.display().to_string();
    let format = |message: String| LedgerError::Format {
        path: name.clone(),
        message,
    };
    let mut book = match calamine::open_workbook_auto(path) {
        Ok(book) => book,
        Err(calamine::Error::Io(source)) => {
            return Err(LedgerError::Io {
                path: name.clone(),
                source,
            });
        }
        Err(e) => return Err(format(format!("cannot read it as a workbook: {e}"))),
    };
    let sheets = book.sheet_names();
    let (sheet, range) =
        choose_sheet(&mut book, &sheets, options.sheet.as_deref()).map_err(format)?;
    let merged = merged_cells(&mut book, &sheet);

    let grid = Grid::new(&range, &merged);
    let mut rows = CsvRows::new(&name, schema);
    rows.header_row = options.header_row;
    for (row, cells) in grid.rows() {
        if !rows.row(row + 1, cells.len(), cells.iter().map(String::as_str)) {
            break;
        }
    }
    let header = rows.header.clone();
    let mut ledger = rows.finish()?;
    let mut note = format!("read sheet `{sheet}`");
    if sheets.len() > 1 {
        note.push_str(&format!(" (of {}: {})", sheets.len(), sheets.join(", ")));
    }
    if matches!(book, Sheets::Ods(_) | Sheets::Xlsb(_)) {
        note.push_str("; merged cells are not filled in this format (save as .xlsx to have them)");
    }
    if !merged.is_empty() {
        note.push_str(&format!(
            "; {} merged cell range(s) filled from their first cell",
            merged.len()
        ));
    }
    ledger.notes.insert(0, note);
    ledger.notes.extend(percent_columns(&ledger, schema));
    if let Some(header) = header {
        name_cells(&mut ledger, &sheet, schema, &header, grid.first_column);
    }
    Ok(ledger)
}

/// The sheet the user named (by name, or by position from 1), else the first that has data.
fn choose_sheet(
    book: &mut Sheets<std::io::BufReader<std::fs::File>>,
    sheets: &[String],
    wanted: Option<&str>,
) -> Result<(String, calamine::Range<Data>), String> {
    let listed = || sheets.join(", ");
    let name = match wanted {
        // A sheet named `2023` is that sheet, not the 2023rd.
        Some(w) if sheets.iter().any(|s| s == w) => w.to_owned(),
        Some(w) => match w.parse::<usize>() {
            Ok(i) if (1..=sheets.len()).contains(&i) => sheets[i - 1].clone(),
            Ok(i) => {
                return Err(format!(
                    "there is no sheet {i}: the workbook has {} ({})",
                    sheets.len(),
                    listed()
                ));
            }
            Err(_) => sheets
                .iter()
                .find(|s| s.as_str() == w)
                .cloned()
                .ok_or_else(|| format!("there is no sheet `{w}` (the sheets: {})", listed()))?,
        },
        None => {
            for sheet in sheets {
                if let Ok(range) = book.worksheet_range(sheet)
                    && !range.is_empty()
                {
                    return Ok((sheet.clone(), range));
                }
            }
            return Err(format!("no sheet has data (the sheets: {})", listed()));
        }
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| format!("cannot read sheet `{name}`: {e}"))?;
    Ok((name, range))
}

/// The merged cell ranges of a sheet, where the format records them (xlsx and xls).
fn merged_cells(
    book: &mut Sheets<std::io::BufReader<std::fs::File>>,
    sheet: &str,
) -> Vec<Dimensions> {
    match book {
        Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(sheet).unwrap_or_default(),
        Sheets::Xls(x) => x.merge_cells_by_sheet_name(sheet).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// A sheet's cells as text, merged ranges filled in.
struct Grid {
    /// The sheet row and column (from 0) of the first cell.
    first_row: usize,
    first_column: usize,
    cells: Vec<Vec<String>>,
}

impl Grid {
    fn new(range: &calamine::Range<Data>, merged: &[Dimensions]) -> Grid {
        let (first_row, first_column) = range
            .start()
            .map_or((0, 0), |(r, c)| (r as usize, c as usize));
        let mut cells: Vec<Vec<String>> = range
            .rows()
            .map(|row| row.iter().map(cell_text).collect())
            .collect();
        for m in merged {
            let (r0, c0) = (m.start.0 as usize, m.start.1 as usize);
            let Some(value) = cells
                .get(r0.wrapping_sub(first_row))
                .and_then(|row| row.get(c0.wrapping_sub(first_column)))
                .cloned()
            else {
                continue;
            };
            // Clamped to the cells there are: a merge may claim the whole sheet.
            let last_row = (m.end.0 as usize).min(first_row + cells.len().saturating_sub(1));
            let width = cells.iter().map(Vec::len).max().unwrap_or(0);
            let last_column = (m.end.1 as usize).min(first_column + width.saturating_sub(1));
            for r in r0..=last_row {
                for c in c0..=last_column {
                    if let Some(cell) = cells
                        .get_mut(r.wrapping_sub(first_row))
                        .and_then(|row| row.get_mut(c.wrapping_sub(first_column)))
                    {
                        cell.clone_from(&value);
                    }
                }
            }
        }
        Grid {
            first_row,
            first_column,
            cells,
        }
    }

    /// Each row with its sheet row number (from 0).
    fn rows(&self) -> impl Iterator<Item = (usize, &Vec<String>)> {
        self.cells
            .iter()
            .enumerate()
            .map(|(i, row)| (self.first_row + i, row))
    }
}

/// A cell as the text a CSV export of it would hold.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => crate::number::format_exact(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
            if (h, min, s) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{day:02}")
            } else {
                format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}:{s:02}")
            }
        }
        Data::DateTime(d) => crate::number::format_exact(d.as_f64()),
        Data::Error(e) => e.to_string(),
    }
}

/// Columns that look like percentages stored as fractions. A cell Excel shows as `88.6%` holds
/// 0.886, which calamine gives without its format; the CSV Excel exports says `88.6%`, read as
/// 88.6. A column on a 0–100 scale whose values all lie between 0 and 1 is most likely that, and
/// its grades would silently be wrong: say so.
fn percent_columns(ledger: &Ledger, schema: &Schema) -> Vec<String> {
    let mut notes = Vec::new();
    for (i, field) in schema.fields.values().enumerate() {
        if field.max.is_none_or(|max| max <= 1.0) {
            continue;
        }
        let values: Vec<f64> = ledger
            .records
            .iter()
            .filter_map(|r| match r.cells.get(i) {
                Some(Cell::Value(crate::value::Value::Decimal(d))) => Some(*d),
                _ => None,
            })
            .collect();
        let fractions = values.iter().all(|v| (0.0..=1.0).contains(v))
            && values.iter().any(|v| v.fract() != 0.0);
        if fractions {
            notes.push(format!(
                "column {} holds only values between 0 and 1 although its scale reaches {}: if the sheet shows them as percentages (88.6%), Excel stores 0.886; format the column as plain numbers (88.6) or export the sheet as CSV",
                field.label,
                crate::number::format(field.max.unwrap_or(100.0))
            ));
        }
    }
    notes
}

/// Names the cell of each unreadable value the way Excel does (`党员积分!F12`), so staff can go
/// straight to it: in the ledger's errors and in the cells a pack's evaluation reports.
fn name_cells(
    ledger: &mut Ledger,
    sheet: &str,
    schema: &Schema,
    header: &[String],
    first_column: usize,
) {
    // The sheet column of each schema field the header has.
    let mut columns: Vec<Option<usize>> = vec![None; schema.fields.len()];
    for (i, h) in header.iter().enumerate() {
        if let Some(field) = schema.field_for_header(h)
            && columns[field].is_none()
        {
            columns[field] = Some(first_column + i);
        }
    }
    let cell = |field: usize, row: usize| {
        columns[field].map(|c| format!("{sheet}!{}{row}", column_letters(c)))
    };
    for record in &mut ledger.records {
        for (field, value) in record.cells.iter_mut().enumerate() {
            if let Cell::Invalid(message) = value
                && let Some(at) = cell(field, record.row)
            {
                *message = format!("{at}: {message}");
            }
        }
    }
    for error in &mut ledger.errors {
        let field = error
            .field
            .as_deref()
            .and_then(|f| schema.fields.get_index_of(f));
        if let Some(at) = field.and_then(|f| cell(f, error.row)) {
            error.message = format!("{at}: {}", error.message);
        }
    }
}

/// Excel's name for a column (from 0): A, B, ..., Z, AA, AB, ...
fn column_letters(mut column: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    letters.iter().rev().map(|&b| b as char).collect()
}

#[cfg(test)]
mod tests {
    use super::column_letters;

    #[test]
    fn columns_are_named_as_excel_names_them() {
        let names: Vec<String> = [0, 5, 25, 26, 27, 701, 702].map(column_letters).into();
        assert_eq!(names, ["A", "F", "Z", "AA", "AB", "ZZ", "AAA"]);
    }
}
