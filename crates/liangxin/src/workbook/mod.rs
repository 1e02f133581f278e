//! Ledgers kept as workbooks (.xlsx, .xlsm, .xls, .ods), read directly with calamine: staff keep
//! their 台账 in Excel or WPS and need no CSV step.
//!
//! A sheet is read like a CSV file, row by row through the same `CsvRows` (title rows above
//! the header skipped, headers by id or Chinese label, ragged rows reported), after what only a
//! workbook has: merged cells take their top-left cell's value in every cell they cover (an
//! organization's name merged down over its members' rows), dates stored as Excel serial numbers
//! are read as dates, a number shown with leading zeros (`00101`) is read as shown, and an error
//! cell (`#DIV/0!`) is text that fails to parse. A cell a record cannot use is named as Excel
//! names it: `党员积分!F12`.
//!
//! Nothing in a workbook is read silently that Excel does not show or that staff have struck out
//! (see [`Hidden`]); a workbook with several ledgers is not read until one is named; a formula
//! whose value was never saved, or contradicts an obvious sum, is its cell's error; a row that
//! totals the columns above it is not a record; an id Excel turned into a 15-digit number is
//! refused.

mod formulas;
mod layout;

use std::collections::BTreeSet;
use std::path::Path;

use calamine::{Data, Dimensions, Reader, Sheets, StyleRange};

use crate::ledger::{Cell, CsvRows, Ledger, LedgerError, ReadOptions, RecordError, column_letters};
use crate::schema::{FieldType, Schema};

use formulas::Formulas;

/// What to do with what a workbook hides or strikes out: hidden sheets, hidden rows, hidden
/// columns and struck-through rows (every filled cell struck, or the id cell). None of it is ever
/// read silently.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Hidden {
    /// Leave them out, with a note naming them (a hidden column that would fill a field is
    /// dropped, so it cannot stand in for or clash with the visible one).
    #[default]
    Skip,
    /// Stop with an error naming them.
    Refuse,
    /// Read them like the rest, with a note naming them.
    Read,
}

/// The choices about a workbook that a CSV file does not need.
#[derive(Debug, Clone, Copy, Default)]
pub struct WorkbookOptions {
    /// What to do with hidden sheets, rows and columns and struck-through rows.
    pub hidden: Hidden,
}

/// How many rows or columns a note or an error names before it says "and N more".
const NAMED: usize = 20;

/// Whether a file extension (lowercase) is a workbook's.
pub(crate) fn is_workbook(ext: &str) -> bool {
    matches!(ext, "xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
}

/// Reads the ledger in one sheet of the workbook at `path`, hidden things skipped.
///
/// # Errors
///
/// [`LedgerError::Io`] when the file cannot be opened, [`LedgerError::Format`] when it is not a
/// workbook or holds no ledger sheet (or several, without `options.sheet`).
pub fn read(path: &Path, schema: &Schema, options: &ReadOptions) -> Result<Ledger, LedgerError> {
    read_with(path, schema, options, &WorkbookOptions::default())
}

/// [`read`] with the workbook's own choices.
///
/// # Errors
///
/// As [`read`].
pub fn read_with(
    path: &Path,
    schema: &Schema,
    options: &ReadOptions,
    workbook: &WorkbookOptions,
) -> Result<Ledger, LedgerError> {
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
    let hidden_sheets: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.visible != calamine::SheetVisible::Visible)
        .map(|s| s.name.clone())
        .collect();
    let chosen = choose_sheet(
        &mut book,
        schema,
        options,
        workbook.hidden,
        &sheets,
        &hidden_sheets,
    )
    .map_err(format)?;
    let (sheet, range) = (chosen.name, chosen.range);
    let merged = merged_cells(&mut book, &sheet);
    let is_xlsx = matches!(book, Sheets::Xlsx(_));
    if !is_xlsx && workbook.hidden != Hidden::Read {
        // Hidden and struck-through rows would be read as records without anyone knowing.
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        return Err(format(format!(
            "in an .{ext} workbook liangxin cannot see which rows and columns are hidden or struck through, so it would grade them like the rest: save it as .xlsx (Excel or WPS: 另存为 .xlsx) and read that, or add `--hidden read` to read every row and column as it is"
        )));
    }
    let styles = match &mut book {
        Sheets::Xlsx(x) => x.worksheet_style(&sheet).map_err(|e| {
            format(format!(
                "cannot read the cell formats of sheet `{sheet}`: {e}"
            ))
        })?,
        _ => StyleRange::empty(),
    };
    let hidden_layout = if is_xlsx {
        layout::read(path, &sheet).map_err(|e| {
            format(format!(
                "cannot read which rows and columns sheet `{sheet}` hides: {e}"
            ))
        })?
    } else {
        layout::Layout::default()
    };
    let formulas = match book.worksheet_formula(&sheet) {
        Ok(f) => Formulas::new(&f),
        Err(e) => {
            return Err(format(format!(
                "cannot read the formulas of sheet `{sheet}`: {e}"
            )));
        }
    };
    let totals = if formulas.is_empty() {
        BTreeSet::new()
    } else {
        formulas.total_rows(&range)
    };

    let grid = Grid::new(&range, &merged, &styles);
    // Hidden columns with something in them: dropped (read as empty) unless they are to be read.
    let hidden_columns: Vec<usize> = (0..grid.width())
        .filter(|&i| hidden_layout.column_hidden(grid.first_column + i))
        .filter(|&i| {
            grid.cells
                .iter()
                .any(|row| row.get(i).is_some_and(|c| !c.trim().is_empty()))
        })
        .collect();
    let drop_column: Vec<bool> = (0..grid.width())
        .map(|i| workbook.hidden != Hidden::Read && hidden_columns.contains(&i))
        .collect();
    let id_field = schema.index_of(&schema.id_field).unwrap_or(0);

    let mut rows = CsvRows::new(&name, schema);
    rows.header_row = options.header_row;
    rows.choices.clone_from(&options.columns);
    rows.first_column = grid.first_column;
    let mut header_at = None;
    let mut id_column = None;
    let mut unseen = Unseen::default();
    let mut total_rows = Vec::new();
    for (row, cells) in grid.rows() {
        if header_at.is_some() && cells.iter().any(|c| !c.trim().is_empty()) {
            let hidden = hidden_layout.hidden_rows.contains(&row);
            let struck = !hidden && struck_row(&range, &styles, row, id_column);
            if hidden {
                unseen.rows.push(row + 1);
            } else if struck {
                unseen.struck.push(row + 1);
            }
            if (hidden || struck) && workbook.hidden != Hidden::Read {
                continue;
            }
            if totals.contains(&row) {
                total_rows.push(row + 1);
                continue;
            }
        }
        let cells_read = cells
            .iter()
            .zip(&drop_column)
            .map(|(c, &dropped)| if dropped { "" } else { c.as_str() });
        if !rows.row(row + 1, cells.len(), cells_read) {
            break;
        }
        if header_at.is_none()
            && let Some(header) = &rows.header
        {
            header_at = Some(row);
            id_column = header
                .iter()
                .position(|h| schema.field_for_header(h) == Some(id_field))
                .map(|i| grid.first_column + i);
        }
    }
    if let Some(at) = header_at {
        unseen.columns = hidden_columns
            .iter()
            .map(|&i| {
                let title = grid.cells[at - grid.first_row]
                    .get(i)
                    .map_or("", |t| t.trim());
                let letters = column_letters(grid.first_column + i);
                if title.is_empty() {
                    letters
                } else {
                    format!("{letters} ({title})")
                }
            })
            .collect();
    }
    if workbook.hidden == Hidden::Refuse && !unseen.is_empty() {
        return Err(format(format!(
            "sheet `{sheet}` hides {}; with `--hidden refuse` nothing hidden or struck out is read: unhide or delete them, or use `--hidden skip` or `--hidden read`",
            unseen.describe()
        )));
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
    ledger.notes.splice(1..1, chosen.notes);
    if !unseen.is_empty() {
        let (verb, hint) = match workbook.hidden {
            Hidden::Read => ("read", "`--hidden skip` leaves them out"),
            _ => (
                "skipped",
                "`--hidden read` reads them, `--hidden refuse` stops",
            ),
        };
        ledger.notes.push(format!(
            "{verb} what sheet `{sheet}` hides: {} ({hint})",
            unseen.describe()
        ));
    }
    if !total_rows.is_empty() {
        ledger.notes.push(format!(
            "skipped {} 总计/合计 row(s) whose formulas total the columns above them: {}",
            total_rows.len(),
            listed(total_rows.iter().map(|r| format!("{sheet}!{r}:{r}")))
        ));
    }
    ledger.notes.extend(percent_columns(&ledger, schema));
    if header.is_some() {
        let columns = SheetColumns {
            first_column: grid.first_column,
            by_header: ledger.field_columns.clone(),
        };
        check_cells(&mut ledger, schema, &columns, &range, &formulas);
        name_cells(&mut ledger, &sheet, schema, &columns);
    }
    Ok(ledger)
}

/// What a sheet hides or strikes out, as sheet rows (from 1) and column names.
#[derive(Default)]
struct Unseen {
    rows: Vec<usize>,
    struck: Vec<usize>,
    columns: Vec<String>,
}

impl Unseen {
    fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.struck.is_empty() && self.columns.is_empty()
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.rows.is_empty() {
            parts.push(format!(
                "hidden row(s) {}",
                listed(self.rows.iter().map(usize::to_string))
            ));
        }
        if !self.struck.is_empty() {
            parts.push(format!(
                "struck-through row(s) {}",
                listed(self.struck.iter().map(usize::to_string))
            ));
        }
        if !self.columns.is_empty() {
            parts.push(format!(
                "hidden column(s) {}",
                listed(self.columns.iter().cloned())
            ));
        }
        parts.join("; ")
    }
}

/// The first [`NAMED`] items, then how many more there are.
fn listed(items: impl ExactSizeIterator<Item = String>) -> String {
    let count = items.len();
    let mut names: Vec<String> = items.take(NAMED).collect();
    if count > NAMED {
        names.push(format!("and {} more", count - NAMED));
    }
    names.join(", ")
}

/// Whether a sheet row is struck out: its id cell is struck through, or every filled cell is.
fn struck_row(
    values: &calamine::Range<Data>,
    styles: &StyleRange,
    row: usize,
    id_column: Option<usize>,
) -> bool {
    if styles.is_empty() {
        return false;
    }
    let Ok(r) = u32::try_from(row) else {
        return false;
    };
    let is_struck = |c: u32| {
        styles
            .get((r, c))
            .and_then(|s| s.font.as_ref())
            .is_some_and(calamine::Font::has_strikethrough)
    };
    let filled = |c: u32| !matches!(values.get_value((r, c)), None | Some(Data::Empty));
    if let Some(id) = id_column.and_then(|c| u32::try_from(c).ok())
        && filled(id)
        && is_struck(id)
    {
        return true;
    }
    let (first, last) = match (values.start(), values.end()) {
        (Some(s), Some(e)) => (s.1, e.1),
        _ => return false,
    };
    let mut any = false;
    for c in first..=last {
        if filled(c) {
            if !is_struck(c) {
                return false;
            }
            any = true;
        }
    }
    any
}

/// The sheet chosen, with what the choice needs said.
struct Chosen {
    name: String,
    range: calamine::Range<Data>,
    notes: Vec<String>,
}

/// The sheet the user named (by name, or by position from 1); else the one sheet that holds a
/// ledger the schema can read (a header row naming the id column and at least one more field,
/// found as [`CsvRows`] finds it). Several such sheets are an error listing them; hidden ones count only when they are to be
/// read. With none, the first sheet with data (whose reading then says what is missing).
fn choose_sheet(
    book: &mut Sheets<std::io::BufReader<std::fs::File>>,
    schema: &Schema,
    options: &ReadOptions,
    hidden: Hidden,
    sheets: &[String],
    hidden_sheets: &[String],
) -> Result<Chosen, String> {
    let listed = || sheets.join(", ");
    let is_hidden = |name: &str| hidden_sheets.iter().any(|h| h == name);
    let name = match options.sheet.as_deref() {
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
            Err(_) => {
                return Err(format!(
                    "there is no sheet `{w}` (the sheets: {})",
                    listed()
                ));
            }
        },
        None => return find_ledger_sheet(book, schema, options, hidden, sheets, hidden_sheets),
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| format!("cannot read sheet `{name}`: {e}"))?;
    let mut notes = Vec::new();
    if is_hidden(&name) {
        notes.push(format!(
            "sheet `{name}` is hidden; read because `--sheet` names it"
        ));
    }
    Ok(Chosen { name, range, notes })
}

/// [`choose_sheet`] when no sheet is named.
fn find_ledger_sheet(
    book: &mut Sheets<std::io::BufReader<std::fs::File>>,
    schema: &Schema,
    options: &ReadOptions,
    hidden: Hidden,
    sheets: &[String],
    hidden_sheets: &[String],
) -> Result<Chosen, String> {
    let id = &schema.fields[&schema.id_field];
    let quoted = |names: &[&String]| {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Each sheet with data: its name, whether it is hidden, its cells, whether it holds a ledger
    // (and whether any rows are below its header).
    let mut found = Vec::new();
    for sheet in sheets {
        if let Ok(range) = book.worksheet_range(sheet)
            && !range.is_empty()
        {
            let ledger = holds_ledger(&range, schema, options.header_row);
            let hidden = hidden_sheets.contains(sheet);
            found.push((sheet.clone(), hidden, range, ledger));
        }
    }
    let hidden_ledgers: Vec<&String> = found
        .iter()
        .filter(|(_, h, _, l)| *h && l.is_some())
        .map(|(n, ..)| n)
        .collect();
    if hidden == Hidden::Refuse && !hidden_ledgers.is_empty() {
        return Err(format!(
            "hidden sheet(s) {} hold a ledger (a header row naming `{}`); with `--hidden refuse` nothing hidden is read: unhide or delete them, or name the sheet to read with `--sheet NAME`",
            quoted(&hidden_ledgers),
            id.label
        ));
    }
    let mut candidates: Vec<&String> = found
        .iter()
        .filter(|(_, h, _, l)| l.is_some() && (!*h || hidden == Hidden::Read))
        .map(|(n, ..)| n)
        .collect();
    // A sheet with the header and nothing under it (an empty 模板) is no rival for one with rows.
    let with_rows = |name: &String| {
        found
            .iter()
            .any(|(n, _, _, l)| n == name && *l == Some(true))
    };
    let mut header_only = Vec::new();
    if candidates.len() > 1 && candidates.iter().any(|n| with_rows(n)) {
        (candidates, header_only) = candidates.into_iter().partition(|n| with_rows(n));
    }
    if candidates.len() > 1 {
        let names: Vec<String> = candidates
            .iter()
            .map(|n| {
                if hidden_sheets.contains(n) {
                    format!("`{n}` (hidden)")
                } else {
                    format!("`{n}`")
                }
            })
            .collect();
        return Err(format!(
            "{} sheets hold a ledger (a header row naming `{}`): {}; name the one to read with `--sheet NAME`, e.g. `--sheet {}`",
            candidates.len(),
            id.label,
            names.join(", "),
            candidates[0]
        ));
    }
    let mut notes = Vec::new();
    if !header_only.is_empty() {
        notes.push(format!(
            "sheet(s) {} hold only a header, no rows, and are not read",
            quoted(&header_only)
        ));
    }
    let chosen = match candidates.first() {
        Some(&name) => name.clone(),
        None if !hidden_ledgers.is_empty() => {
            return Err(format!(
                "the only sheet(s) holding a ledger (a header row naming `{}`) are hidden: {}; unhide it, or name it with `--sheet {}`",
                id.label,
                quoted(&hidden_ledgers),
                hidden_ledgers[0]
            ));
        }
        // No sheet holds a ledger: the first visible one with data, whose reading says why not.
        None => match found.iter().find(|(_, h, ..)| !*h).or(found.first()) {
            Some((name, ..)) => name.clone(),
            None => {
                return Err(format!(
                    "no sheet has data (the sheets: {})",
                    sheets.join(", ")
                ));
            }
        },
    };
    if hidden == Hidden::Skip && !hidden_ledgers.is_empty() {
        notes.push(format!(
            "hidden sheet(s) {} also hold a ledger and are not read (`--sheet NAME` reads one)",
            quoted(&hidden_ledgers)
        ));
    }
    if hidden_sheets.contains(&chosen) {
        notes.push(format!(
            "sheet `{chosen}` is hidden; read because of `--hidden read`"
        ));
    }
    let index = found.iter().position(|(n, ..)| *n == chosen).unwrap_or(0);
    let (name, _, range, _) = found.swap_remove(index);
    Ok(Chosen { name, range, notes })
}

/// Whether a sheet has a header row naming the id column where [`CsvRows`] looks for one, and
/// another field beside it: `None` if not, else whether any row below it has something in it.
fn holds_ledger(
    range: &calamine::Range<Data>,
    schema: &Schema,
    header_row: Option<usize>,
) -> Option<bool> {
    let grid = Grid::new(range, &[], &StyleRange::empty());
    let mut rows = CsvRows::new("", schema);
    rows.header_row = header_row;
    rows.first_column = grid.first_column;
    // The row the reading stopped at: the header, or a header refused (two columns for one
    // field, which its reading will report).
    let mut last = None;
    for (row, cells) in grid.rows() {
        last = Some((row, cells));
        if !rows.row(row + 1, cells.len(), cells.iter().map(String::as_str))
            || rows.header.is_some()
        {
            break;
        }
    }
    let (at, header) = last?;
    // A notes sheet explaining the columns names the id column too, in a row of its own: a
    // ledger's header names at least one more field.
    let id = schema.index_of(&schema.id_field);
    let fields: BTreeSet<usize> = header
        .iter()
        .filter_map(|h| schema.field_for_header(h.trim()))
        .collect();
    if !(id.is_some_and(|id| fields.contains(&id)) && fields.len() >= 2) {
        return None;
    }
    Some(
        grid.rows()
            .skip_while(|(row, _)| *row <= at)
            .any(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty())),
    )
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
    fn new(range: &calamine::Range<Data>, merged: &[Dimensions], styles: &StyleRange) -> Grid {
        let (first_row, first_column) = range
            .start()
            .map_or((0, 0), |(r, c)| (r as usize, c as usize));
        let number_format = |r: usize, c: usize| {
            let position = (u32::try_from(r).ok()?, u32::try_from(c).ok()?);
            styles
                .get(position)?
                .number_format
                .as_ref()
                .map(|f| f.format_code.as_str())
        };
        let mut cells: Vec<Vec<String>> = range
            .rows()
            .enumerate()
            .map(|(r, row)| {
                row.iter()
                    .enumerate()
                    .map(|(c, cell)| {
                        let shown = match cell {
                            Data::Float(_) | Data::Int(_) if !styles.is_empty() => {
                                number_format(first_row + r, first_column + c)
                                    .and_then(|f| zero_padded(cell, f))
                            }
                            _ => None,
                        };
                        shown.unwrap_or_else(|| cell_text(cell))
                    })
                    .collect()
            })
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

    /// The number of columns.
    fn width(&self) -> usize {
        self.cells.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// Each row with its sheet row number (from 0).
    fn rows(&self) -> impl Iterator<Item = (usize, &Vec<String>)> {
        self.cells
            .iter()
            .enumerate()
            .map(|(i, row)| (self.first_row + i, row))
    }
}

/// A whole number shown with leading zeros (the format `00000` shows 101 as `00101`, and
/// `"LW"0000000` shows 2022001 as `LW2022001`) as it is shown: an id typed as a number keeps
/// what staff see. Only formats of two or more zeros with quoted text around them count, so a
/// score shown as `0"分"` stays a number.
fn zero_padded(cell: &Data, format: &str) -> Option<String> {
    let section = format.split(';').next()?;
    let (mut prefix, mut suffix, mut digits) = (String::new(), String::new(), 0usize);
    let mut chars = section.chars();
    while let Some(c) = chars.next() {
        if c == '0' && suffix.is_empty() {
            digits += 1;
            continue;
        }
        let text = if digits == 0 {
            &mut prefix
        } else {
            &mut suffix
        };
        match c {
            '"' => loop {
                match chars.next()? {
                    '"' => break,
                    other => text.push(other),
                }
            },
            '\\' => text.push(chars.next()?),
            _ => return None,
        }
    }
    if digits < 2 {
        return None;
    }
    let value = match cell {
        Data::Float(f) => crate::number::whole(*f)?,
        Data::Int(i) => *i,
        _ => return None,
    };
    (value >= 0).then(|| format!("{prefix}{value:0digits$}{suffix}"))
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
        // A percent field's fractions are read as percentages by the ledger itself.
        if field.percent || field.max.is_none_or(|max| max <= 1.0) {
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

/// The sheet column (from 0) each schema field was read from, per header: a pasted block can
/// bring its own, and `--column` can choose a later column over an earlier one.
struct SheetColumns {
    first_column: usize,
    by_header: Vec<(usize, Vec<Option<usize>>)>,
}

impl SheetColumns {
    /// The sheet column of `field` in the record at sheet row `row` (from 1).
    fn of(&self, field: usize, row: usize) -> Option<usize> {
        self.by_header
            .iter()
            .rev()
            .find(|(from, _)| *from <= row)
            .and_then(|(_, columns)| columns.get(field).copied().flatten())
            .map(|c| self.first_column + c)
    }
}

/// Cells a record cannot use although they look read: a formula with no saved value or a saved
/// value that contradicts an obvious sum (the cell's error), and an id or text cell that Excel
/// turned into a number of 16 or more digits, which keeps only 15 (the id refuses the record).
fn check_cells(
    ledger: &mut Ledger,
    schema: &Schema,
    columns: &SheetColumns,
    values: &calamine::Range<Data>,
    formulas: &Formulas,
) {
    let id_field = schema.index_of(&schema.id_field).unwrap_or(0);
    let value_at = |row: usize, column: usize| {
        let position = (u32::try_from(row).ok()?, u32::try_from(column).ok()?);
        values.get_value(position)
    };
    let mangled = |row: usize, column: usize| match value_at(row, column) {
        Some(Data::Float(f)) if f.abs() >= 1e15 => Some(*f),
        Some(Data::Int(i)) if i.unsigned_abs() >= 1_000_000_000_000_000 => Some(*i as f64),
        _ => None,
    };
    let id_def = &schema.fields[id_field];
    let mut refused = Vec::new();
    for (at, record) in ledger.records.iter_mut().enumerate() {
        let row = record.row.saturating_sub(1);
        if let Some(number) = columns
            .of(id_field, record.row)
            .and_then(|c| mangled(row, c))
        {
            ledger.errors.push(RecordError {
                file: None,
                row: record.row,
                record: Some(record.id.clone()),
                field: Some(id_def.id.clone()),
                rule: None,
                message: scientific_message(number),
            });
            refused.push(at);
            continue;
        }
        for field in 0..record.cells.len() {
            let Some(column) = columns.of(field, record.row) else {
                continue;
            };
            if let Some(problem) = formulas.problem(values, row, column) {
                record.cells[field] = Cell::Invalid(problem);
            } else if matches!(schema.fields[field].ty, FieldType::String)
                && let Some(number) = mangled(row, column)
            {
                record.cells[field] = Cell::Invalid(scientific_message(number));
            }
        }
    }
    for at in refused.into_iter().rev() {
        ledger.records.remove(at);
    }
    // A row with no id because its id is a formula with no saved value: say so.
    for error in &mut ledger.errors {
        if error.field.as_deref() == Some(id_def.id.as_str())
            && error.record.is_none()
            && let Some(column) = columns.of(id_field, error.row)
            && let Some(problem) = formulas.problem(values, error.row.saturating_sub(1), column)
        {
            error.message = problem;
        }
    }
    ledger.errors.sort_by_key(|e| e.row);
}

/// Why a number of 16 or more digits in an id or text column is refused.
fn scientific_message(number: f64) -> String {
    format!(
        "the id was turned into a number by Excel and lost its digits (the cell holds {}, shown as {}); format the column as text and re-enter it",
        crate::number::format_exact(number),
        excel_scientific(number)
    )
}

/// A number as Excel's General format shows it when it is too long: `3.50602E+17`.
fn excel_scientific(number: f64) -> String {
    let text = format!("{number:.5E}");
    let (mantissa, exponent) = text.split_once('E').unwrap_or((&text, "0"));
    let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
    match exponent.strip_prefix('-') {
        Some(e) => format!("{mantissa}E-{e:0>2}"),
        None => format!("{mantissa}E+{exponent:0>2}"),
    }
}

/// Names the cell of each unreadable value the way Excel does (`党员积分!F12`), so staff can go
/// straight to it: in the ledger's errors and in the cells a pack's evaluation reports.
fn name_cells(ledger: &mut Ledger, sheet: &str, schema: &Schema, columns: &SheetColumns) {
    let cell = |field: usize, row: usize| {
        columns
            .of(field, row)
            .map(|c| format!("{sheet}!{}{row}", column_letters(c)))
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

#[cfg(test)]
mod tests {
    use super::{excel_scientific, zero_padded};
    use calamine::Data;

    #[test]
    fn numbers_shown_with_zeros_or_a_code_keep_what_is_shown() {
        let id = Data::Float(101.0);
        assert_eq!(zero_padded(&id, "00000").as_deref(), Some("00101"));
        assert_eq!(
            zero_padded(&Data::Int(2022001), "\"LW\"0000000").as_deref(),
            Some("LW2022001")
        );
        assert_eq!(zero_padded(&id, "\\A000").as_deref(), Some("A101"));
        // A score shown with its unit, a percentage, a plain number: numbers as they are.
        assert_eq!(zero_padded(&Data::Float(-13.0), "0\"分\""), None);
        assert_eq!(zero_padded(&id, "0.0%"), None);
        assert_eq!(zero_padded(&id, "General"), None);
        assert_eq!(zero_padded(&Data::Float(1.5), "00000"), None);
    }

    #[test]
    fn long_numbers_are_shown_as_excel_shows_them() {
        assert_eq!(excel_scientific(350_602_199_001_011_000.0), "3.50602E+17");
        assert_eq!(excel_scientific(1e15), "1E+15");
    }
}
