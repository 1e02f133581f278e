//! Documents as one Excel workbook (.xlsx), for staff who go on working in Excel or WPS.
//!
//! The first sheet, 汇总, holds the document's facts and bar charts (as small tables) and every
//! section that has no table; each section with a table (or preformatted text) gets a sheet of
//! its own, named after its heading, with the section's other blocks in order. Every sheet
//! starts with a title row naming the standard and its dates, then its heading; the first
//! table's header is frozen and filterable. Numbers are numeric cells (money `#,##0`, ratios
//! `0.0%`), grades are filled by how they stand, and columns are as wide as their text (a
//! Chinese character is two columns). Text is always a text cell, never a formula.

use rust_xlsxwriter::{Color, DocProperties, Format as Style, FormatBorder, Workbook, Worksheet};
use unicode_width::UnicodeWidthStr;

use super::doc::{Bars, Block, Cell, Column, Document, Kind, Standing, Table};
use crate::number;

/// Why a workbook could not be made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A sheet would have more rows than Excel allows.
    #[error(
        "the sheet `{sheet}` would need {rows} rows; an Excel sheet holds at most 1,048,576 (use --format csv)"
    )]
    TooManyRows {
        /// The sheet's name.
        sheet: String,
        /// The rows it would need.
        rows: usize,
    },
    /// The workbook writer failed.
    #[error("cannot write the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// Rows in an Excel sheet.
const MAX_ROWS: usize = 1_048_576;
/// Characters (UTF-16 units) in an Excel cell.
const MAX_TEXT: usize = 32_767;
/// The widest column, in characters: wider text wraps or runs on.
const MAX_WIDTH: usize = 60;
/// A header frozen lower than this would leave little of the window to scroll.
const FREEZE_WITHIN: u32 = 12;

pub fn render(doc: &Document) -> Result<Vec<u8>, Error> {
    let styles = Styles::new(&doc.grades);
    let mut names = Vec::new();
    let mut summary = Sheet::new(
        sheet_name("汇总", &mut names),
        &doc.standard,
        &doc.title,
        &styles,
    )?;
    // The summary has no one header to freeze.
    summary.frozen = true;
    let mut others = Vec::new();
    for section in &doc.sections {
        // Preformatted text (an explanation per record) is as long as a table.
        let has_table = section
            .blocks
            .iter()
            .any(|b| matches!(b, Block::Table(_) | Block::Records(_) | Block::Pre(_)));
        // Facts and charts are what one reads first: they stay on the summary sheet.
        let summary_blocks: Vec<&Block> = section
            .blocks
            .iter()
            .filter(|b| !has_table || matches!(b, Block::Facts(_) | Block::Bars(_)))
            .collect();
        if !summary_blocks.is_empty() {
            summary.heading(&section.heading)?;
            for block in summary_blocks {
                summary.block(block)?;
            }
        }
        if has_table {
            let title = section.standard.as_deref().unwrap_or(&doc.standard);
            let name = sheet_name(&section.heading, &mut names);
            let mut sheet = Sheet::new(name, title, &section.heading, &styles)?;
            for block in &section.blocks {
                if !matches!(block, Block::Facts(_) | Block::Bars(_)) {
                    sheet.block(block)?;
                }
            }
            others.push(sheet.finish()?);
        }
    }
    let mut book = Workbook::new();
    book.set_properties(&DocProperties::new().set_title(&doc.title));
    book.push_worksheet(summary.finish()?);
    for sheet in others {
        book.push_worksheet(sheet);
    }
    Ok(book.save_to_buffer()?)
}

/// One sheet being written: the next free row and how wide each column's text is.
struct Sheet<'a> {
    sheet: Worksheet,
    name: String,
    row: u32,
    /// Whether the next block follows a heading or a caption directly (no blank row).
    fresh: bool,
    widths: Vec<usize>,
    /// Whether a table's header is frozen (and filtered) already: the sheet's main table.
    frozen: bool,
    styles: &'a Styles,
}

impl<'a> Sheet<'a> {
    /// A sheet with its title row (the standard) and its heading.
    fn new(name: String, title: &str, heading: &str, styles: &'a Styles) -> Result<Self, Error> {
        let mut sheet = Worksheet::new();
        sheet.set_name(&name)?;
        sheet.write_string_with_format(0, 0, clip(title), &styles.title)?;
        sheet.write_string_with_format(1, 0, clip(heading), &styles.heading)?;
        Ok(Sheet {
            sheet,
            name,
            row: 2,
            fresh: true,
            widths: Vec::new(),
            frozen: false,
            styles,
        })
    }

    /// A section's heading on the summary sheet, a row apart from what came before.
    fn heading(&mut self, heading: &str) -> Result<(), Error> {
        self.row += 1;
        if !heading.is_empty() {
            self.sheet.write_string_with_format(
                self.row,
                0,
                clip(heading),
                &self.styles.heading,
            )?;
            self.row += 1;
        }
        self.fresh = true;
        Ok(())
    }

    fn block(&mut self, block: &Block) -> Result<(), Error> {
        if !self.fresh {
            // A blank row between blocks, as between paragraphs.
            self.row += 1;
        }
        // Lines introduce what follows them ("records they disagree on most:").
        self.fresh = matches!(block, Block::Lines(_));
        match block {
            Block::Facts(facts) => {
                let styles = self.styles;
                for (label, value) in facts {
                    self.text(0, label, &styles.bold)?;
                    match as_number(value) {
                        Some((n, kind)) => self.number(1, n, kind, n.fract() == 0.0)?,
                        None => self.text(1, value, &styles.plain)?,
                    }
                    self.row += 1;
                }
            }
            Block::Lines(lines) | Block::Pre(lines) => {
                // Lines run on to the right; they do not widen the column.
                for line in lines {
                    self.sheet.write_string(self.row, 0, clip(line))?;
                    self.row += 1;
                }
            }
            Block::Bars(bars) => {
                self.sheet.write_string_with_format(
                    self.row,
                    0,
                    clip(&bars.title),
                    &self.styles.bold,
                )?;
                self.row += 1;
                self.table(&bars_table(bars), false)?;
            }
            Block::Table(t) => self.table(t, false)?,
            Block::Records(t) => self.table(t, true)?,
        }
        Ok(())
    }

    /// A header row and a row per table row; the sheet's first table gets its header frozen and
    /// a filter on it.
    fn table(&mut self, t: &Table, records: bool) -> Result<(), Error> {
        let rows = self.row as usize + 1 + t.rows.len();
        if rows > MAX_ROWS {
            return Err(Error::TooManyRows {
                sheet: self.name.clone(),
                rows,
            });
        }
        let header = self.row;
        let styles = self.styles;
        for (col, column) in t.columns.iter().enumerate() {
            self.text(col as u16, &column.label, &styles.header)?;
        }
        let main = !self.frozen && header < FREEZE_WITHIN;
        if main {
            self.sheet.set_freeze_panes(header + 1, 0)?;
            self.frozen = true;
        }
        // Money shows its fen only in a column that has any.
        let whole: Vec<bool> = (0..t.columns.len())
            .map(|i| {
                t.rows.iter().all(|r| match r.get(i) {
                    Some(Cell::Number(n)) => n.fract() == 0.0,
                    _ => true,
                })
            })
            .collect();
        for row in &t.rows {
            self.row += 1;
            for (col, (cell, column)) in row.iter().zip(&t.columns).enumerate() {
                self.cell(col as u16, cell, column, records, whole[col])?;
            }
        }
        if main && !t.columns.is_empty() {
            let last = (t.columns.len() - 1) as u16;
            self.sheet.autofilter(header, 0, self.row, last)?;
        }
        self.row += 1;
        Ok(())
    }

    fn cell(
        &mut self,
        col: u16,
        cell: &Cell,
        column: &Column,
        records: bool,
        whole: bool,
    ) -> Result<(), Error> {
        let styles = self.styles;
        match cell {
            Cell::Empty => Ok(()),
            Cell::Flag(b) => self.text(col, super::doc::yes_no(*b), &styles.plain),
            Cell::Number(n) => self.number(col, *n, column.kind, whole),
            Cell::Text(t) if column.kind == Kind::Grade => self.text(col, t, styles.grade(t)),
            Cell::Text(t) => {
                // Outside the records, tables mix numbers into text columns (compare's summary,
                // row by row); they are numbers again, except ids, which are names.
                let number = (!records && column.key != "record")
                    .then(|| as_number(t))
                    .flatten();
                match number {
                    Some((n, kind)) => self.number(col, n, kind, n.fract() == 0.0),
                    None => self.text(col, t, &styles.plain),
                }
            }
        }
    }

    fn number(&mut self, col: u16, n: f64, kind: Kind, whole: bool) -> Result<(), Error> {
        let styles = self.styles;
        let style = match kind {
            Kind::Money if whole => &styles.money,
            Kind::Money => &styles.fen,
            Kind::Percent => &styles.percent,
            _ => &styles.plain,
        };
        self.sheet
            .write_number_with_format(self.row, col, n, style)?;
        self.widen(col, &Cell::Number(n).display(kind));
        Ok(())
    }

    fn text(&mut self, col: u16, text: &str, style: &Style) -> Result<(), Error> {
        if text.contains('\n') {
            // Line breaks show only in a cell that wraps.
            let wrapped = style.clone().set_text_wrap();
            self.sheet
                .write_string_with_format(self.row, col, clip(text), &wrapped)?;
        } else {
            self.sheet
                .write_string_with_format(self.row, col, clip(text), style)?;
        }
        self.widen(col, text);
        Ok(())
    }

    fn widen(&mut self, col: u16, text: &str) {
        let col = col as usize;
        if self.widths.len() <= col {
            self.widths.resize(col + 1, 0);
        }
        let width = text.lines().map(|l| l.width()).max().unwrap_or(0);
        self.widths[col] = self.widths[col].max(width);
    }

    /// The sheet with its columns sized to their text (Excel's unit is about one Latin digit,
    /// so a Chinese character, two display columns, takes two).
    fn finish(mut self) -> Result<Worksheet, Error> {
        for (col, width) in self.widths.iter().enumerate() {
            let width = (width + 2).clamp(6, MAX_WIDTH);
            self.sheet.set_column_width(col as u16, width as f64)?;
        }
        Ok(self.sheet)
    }
}

/// A bar chart (a grade distribution) as a table: each bar's label, value and share of the
/// total.
fn bars_table(b: &Bars) -> Table {
    let total: f64 = b.bars.iter().map(|(_, v)| v).sum();
    let mut t = Table::new(vec![
        Column::new("label", "等次 grade", Kind::Grade),
        Column::new("value", "数量 count", Kind::Number),
        Column::new("share", "占比 share", Kind::Percent),
    ]);
    for (label, value) in &b.bars {
        t.push(vec![
            Cell::text(label.clone()),
            Cell::Number(*value),
            if total > 0.0 {
                Cell::Number(value / total)
            } else {
                Cell::Empty
            },
        ]);
    }
    t
}

/// Text a report made from a number (`30`, `85.6%`, `5,300,000`), as that number, when
/// formatting the number gives the text back exactly: `007` or an 18-digit id stay text.
fn as_number(text: &str) -> Option<(f64, Kind)> {
    if let Some(digits) = text.strip_suffix('%') {
        let n: f64 = digits.parse().ok()?;
        let ratio = n / 100.0;
        return (number::percent(ratio) == text).then_some((ratio, Kind::Percent));
    }
    if text.contains(',') {
        let n: f64 = text.replace(',', "").parse().ok()?;
        return (n.is_finite() && number::grouped(n) == text).then_some((n, Kind::Money));
    }
    let n: f64 = text.parse().ok()?;
    (n.is_finite() && number::format(n) == text).then_some((n, Kind::Number))
}

/// Text cut to what an Excel cell holds. (rust_xlsxwriter escapes control characters, and
/// text that looks like such an escape, `_x001B_`, so either reads back as itself.)
fn clip(text: &str) -> &str {
    let mut units = 0;
    for (i, c) in text.char_indices() {
        units += c.len_utf16();
        if units > MAX_TEXT {
            return &text[..i];
        }
    }
    text
}

/// A unique sheet name from a heading: Excel allows 31 characters, none of `[]:*?/\`, no
/// apostrophe at either end, and compares names without case.
fn sheet_name(heading: &str, taken: &mut Vec<String>) -> String {
    let clean: String = heading
        .chars()
        .map(|c| {
            if "[]:*?/\\".contains(c) || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    // Names are trimmed of apostrophes and spaces at both ends (Excel refuses the one, and
    // the other hides in a tab).
    let edge = |c: char| c == '\'' || c.is_whitespace();
    let base = match clean.trim_matches(edge) {
        "" => "Sheet",
        b => b,
    };
    let mut n = 1;
    loop {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!(" ({n})")
        };
        let mut name = String::new();
        for c in base.chars() {
            if name.encode_utf16().count() + c.len_utf16() + suffix.len() > 31 {
                break;
            }
            name.push(c);
        }
        let name = format!("{}{suffix}", name.trim_end_matches(edge));
        let lower = name.to_lowercase();
        // "History" is reserved by Excel.
        if lower != "history" && !taken.iter().any(|t| t.to_lowercase() == lower) {
            taken.push(name.clone());
            return name;
        }
        n += 1;
    }
}

/// The cell styles of one workbook, a fill per grade among them.
struct Styles {
    title: Style,
    heading: Style,
    header: Style,
    bold: Style,
    plain: Style,
    money: Style,
    fen: Style,
    percent: Style,
    neutral: Style,
    grades: Vec<(String, Style)>,
}

impl Styles {
    fn new(grades: &[(String, Standing)]) -> Styles {
        // Excel's own "good" and "bad" cell colours first, then further shades, so two grades
        // that both pass (优先推荐, 合格) still differ.
        const PASS: [u32; 4] = [0xC6EFCE, 0xE2EFDA, 0xA9D08E, 0xD8E4BC];
        const FAIL: [u32; 3] = [0xFFC7CE, 0xFCE4D6, 0xF8CBAD];
        const VETO: u32 = 0xFF8F8F;
        let (mut pass, mut fail) = (0, 0);
        let grades = grades
            .iter()
            .map(|(label, standing)| {
                let (fill, font) = match standing {
                    Standing::Pass => {
                        pass += 1;
                        (PASS[(pass - 1) % PASS.len()], 0x006100)
                    }
                    Standing::Fail => {
                        fail += 1;
                        (FAIL[(fail - 1) % FAIL.len()], 0x9C0006)
                    }
                    Standing::Veto => (VETO, 0x600000),
                };
                let style = Style::new()
                    .set_background_color(Color::RGB(fill))
                    .set_font_color(Color::RGB(font));
                (label.clone(), style)
            })
            .collect();
        Styles {
            title: Style::new().set_bold().set_font_size(14),
            heading: Style::new().set_bold().set_font_color(Color::RGB(0xB22222)),
            header: Style::new()
                .set_bold()
                .set_background_color(Color::RGB(0xF3F3F3))
                .set_border_bottom(FormatBorder::Thin),
            bold: Style::new().set_bold(),
            plain: Style::new(),
            money: Style::new().set_num_format("#,##0"),
            fen: Style::new().set_num_format("#,##0.00"),
            percent: Style::new().set_num_format("0.0%"),
            neutral: Style::new().set_background_color(Color::RGB(0xEDEDED)),
            grades,
        }
    }

    /// A grade's fill: the same for a label wherever it appears in the workbook.
    fn grade(&self, label: &str) -> &Style {
        self.grades
            .iter()
            .find(|(l, _)| l == label)
            .map_or(&self.neutral, |(_, s)| s)
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::{Kind, as_number, sheet_name};

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut taken = Vec::new();
        assert_eq!(
            sheet_name("一致性 agreement: A vs B", &mut taken),
            "一致性 agreement A vs B"
        );
        assert_eq!(
            sheet_name("一致性 agreement: A vs B", &mut taken),
            "一致性 agreement A vs B (2)"
        );
        let long = sheet_name(&"很长的标题".repeat(10), &mut taken);
        assert_eq!(long.encode_utf16().count(), 31);
        assert_eq!(sheet_name("'[]'", &mut taken), "Sheet");
        assert_eq!(sheet_name("history", &mut taken), "history (2)");
        assert_eq!(sheet_name("SHEET", &mut taken), "SHEET (2)");
    }

    #[test]
    fn numbers_made_into_text_become_numbers_again_and_ids_do_not() {
        assert_eq!(as_number("30"), Some((30.0, Kind::Number)));
        let Some((ratio, Kind::Percent)) = as_number("85.6%") else {
            panic!("85.6% is a percentage");
        };
        assert!((ratio - 0.856).abs() < 1e-12);
        assert_eq!(as_number("5,300,000"), Some((5_300_000.0, Kind::Money)));
        for text in [
            "007",
            "LW2022001",
            "110101199001011234",
            "1,2",
            "85.60%",
            "inf",
            "",
        ] {
            assert_eq!(as_number(text), None, "{text}");
        }
    }
}
