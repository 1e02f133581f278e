//! Documents for the terminal: tables aligned by display width (a Chinese character is two
//! columns) and fitted to the terminal's width, bar charts drawn with block characters.
//!
//! Ids, names, grades and numbers are never broken across lines: when a table is wider than the
//! terminal, the long text columns (treatments, failed items, messages) wrap. Output that goes
//! to a pipe or a file has no width and is not wrapped at all.

use comfy_table::{
    CellAlignment, ColumnConstraint, ContentArrangement, Table as Grid,
    presets::UTF8_FULL_CONDENSED,
};
use unicode_width::UnicodeWidthStr;

use super::doc::{Bars, Block, Document, Kind, Table};
/// The widest cell, in display columns.
const CELL: usize = 120;
/// The longest bar, in characters.
const BAR: f64 = 30.0;

/// The document as text; tables fitted to `width` columns, or not wrapped without one.
pub fn render(doc: &Document, width: Option<u16>) -> String {
    let mut out = format!("{}\n", doc.title);
    for section in &doc.sections {
        if !section.heading.is_empty() {
            out.push_str(&format!("\n## {}\n", section.heading));
        }
        for block in &section.blocks {
            match block {
                Block::Facts(facts) => {
                    let width = facts.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
                    for (k, v) in facts {
                        out.push_str(&format!("{k}{}  {v}\n", " ".repeat(width - k.width())));
                    }
                }
                Block::Table(t) | Block::Records(t) => {
                    out.push_str(&table(&t.brief(), width));
                    out.push('\n');
                }
                Block::Bars(b) => out.push_str(&bars(b)),
                Block::Lines(lines) | Block::Pre(lines) => {
                    for line in lines {
                        out.push_str(line);
                        out.push('\n');
                    }
                }
            }
        }
    }
    out
}

fn table(t: &Table, width: Option<u16>) -> String {
    let mut grid = Grid::new();
    grid.load_style(UTF8_FULL_CONDENSED).force_no_tty();
    match width {
        Some(width) => {
            grid.set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(width);
        }
        None => {
            grid.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    grid.set_header(t.columns.iter().map(|c| c.label.as_str()));
    for row in &t.rows {
        grid.add_row(
            row.iter()
                .zip(&t.columns)
                .map(|(cell, c)| clip(crate::report::visible(&cell.display(c.kind)).into_owned())),
        );
    }
    for (i, c) in t.columns.iter().enumerate() {
        let Some(column) = grid.column_mut(i) else {
            continue;
        };
        if !c.kind.is_text() {
            column.set_cell_alignment(CellAlignment::Right);
        }
        if keep_whole(c) {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    grid.to_string()
}

/// Whether a column is never wrapped: numbers, money, grades, ids and names (a name or an
/// amount broken across two lines is misread).
fn keep_whole(c: &super::doc::Column) -> bool {
    c.kind != Kind::Text || matches!(c.key.as_str(), "record" | "name" | "group" | "rank")
}

/// Cuts a cell to [`CELL`] display columns: a terminal table is for reading, and wrapping a huge
/// cell is slow (the other formats keep the whole text).
fn clip(text: String) -> String {
    if text.width() <= CELL {
        return text;
    }
    let mut out = String::new();
    let mut width = 0;
    for c in text.chars() {
        width += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if width > CELL - 1 {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

fn bars(b: &Bars) -> String {
    let total: f64 = b.bars.iter().map(|(_, v)| v).sum();
    let max = b.bars.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let width = b.bars.iter().map(|(l, _)| l.width()).max().unwrap_or(0);
    let mut out = format!("{}\n", b.title);
    for (label, value) in &b.bars {
        let len = if max > 0.0 {
            (value / max * BAR).round() as usize
        } else {
            0
        };
        let share = if total > 0.0 {
            crate::number::percent(value / total)
        } else {
            "-".into()
        };
        out.push_str(&format!(
            "  {label}{}  {}{} {} ({share})\n",
            " ".repeat(width - label.width()),
            "█".repeat(len),
            " ".repeat(BAR as usize - len),
            crate::number::format(*value)
        ));
    }
    out
}
