//! A report as a format-neutral document: titled sections of facts, tables and bar charts.
//!
//! Each command builds one [`Document`] from its typed results; the text, Markdown, CSV and
//! HTML renderers each turn any document into their format, so a new command gets every format
//! for free and the formats cannot drift apart. (JSON is not rendered from the document: it is
//! the typed results themselves, with their stable keys.)

/// How a column's values are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Plain text: names, ids, words.
    Text,
    /// A score or count: `900`, `2.5`.
    Number,
    /// Yuan, with thousands separators for people: `5,300,000`.
    Money,
    /// A ratio shown as a percentage: `85.6%` (CSV keeps the ratio, for Excel).
    Percent,
    /// A grade's label: text, coloured by how the grade stands where a format has colour.
    Grade,
}

impl Kind {
    /// Whether the column holds text (aligned left, sorted as text).
    pub(crate) fn is_text(self) -> bool {
        matches!(self, Kind::Text | Kind::Grade)
    }
}

/// How a grade stands in its standard, for formats that colour grades (the workbook).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The grade passes.
    Pass,
    /// The grade does not pass.
    Fail,
    /// The grade a veto (一票否决) gives.
    Veto,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing: an empty cell.
    Empty,
    /// Text, shown as it is.
    Text(String),
    /// A number, shown by its column's [`Kind`].
    Number(f64),
    /// Yes or no: 是/否 for people, `true`/`false` in CSV for programs.
    Flag(bool),
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub(crate) fn opt_number(n: Option<f64>) -> Cell {
        n.map_or(Cell::Empty, Cell::Number)
    }

    /// The cell for people, formatted by its column's kind.
    pub fn display(&self, kind: Kind) -> String {
        use crate::number::{format, grouped, percent};
        match (self, kind) {
            (Cell::Empty, _) => String::new(),
            (Cell::Text(s), _) => s.clone(),
            (Cell::Flag(b), _) => yes_no(*b).to_owned(),
            (Cell::Number(n), Kind::Money) => grouped(*n),
            (Cell::Number(n), Kind::Percent) => percent(*n),
            (Cell::Number(n), _) => format(*n),
        }
    }

    /// The cell for programs: plain numbers, ratios as ratios, `true`/`false`.
    pub fn raw(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => crate::number::format_exact(*n),
            Cell::Flag(b) => b.to_string(),
        }
    }
}

/// Yes or no as staff read it.
pub(crate) fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// A column: a stable machine key (CSV header, HTML data attribute) and a label for people.
#[derive(Debug, Clone)]
pub struct Column {
    /// A stable machine key: the CSV header for programs, the HTML column's data attribute.
    pub key: String,
    /// The column's heading for people (usually `中文 english`).
    pub label: String,
    /// How the column's values are shown.
    pub kind: Kind,
    /// Shown in CSV, HTML and workbooks only: detail that would crowd a terminal.
    pub detail: bool,
    /// For programs only (a grade's id beside its label): kept in plain CSV, left out of
    /// everything people read.
    pub program: bool,
    /// For people only (the words of a column programs get as keys): left out of plain CSV.
    pub people: bool,
}

impl Column {
    /// A column for every audience.
    pub fn new(key: impl Into<String>, label: impl Into<String>, kind: Kind) -> Column {
        Column {
            key: key.into(),
            label: label.into(),
            kind,
            detail: false,
            program: false,
            people: false,
        }
    }

    /// A column for people only, left out of plain CSV (which has its keys in another).
    pub fn people(key: impl Into<String>, label: impl Into<String>, kind: Kind) -> Column {
        Column {
            people: true,
            ..Column::new(key, label, kind)
        }
    }

    /// A column for plain CSV only (programs), never shown to people.
    pub fn program(key: impl Into<String>, label: impl Into<String>, kind: Kind) -> Column {
        Column {
            program: true,
            detail: true,
            ..Column::new(key, label, kind)
        }
    }

    /// A column for CSV and HTML only.
    pub(crate) fn detail(key: impl Into<String>, label: impl Into<String>, kind: Kind) -> Column {
        Column {
            detail: true,
            ..Column::new(key, label, kind)
        }
    }
}

/// A table: columns, and rows of cells (one per column).
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The columns, in order.
    pub columns: Vec<Column>,
    /// The rows; each has one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table with these columns and no rows.
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            columns,
            rows: Vec::new(),
        }
    }

    /// Adds a row (one cell per column).
    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// The table without its detail columns, for narrow formats.
    pub(crate) fn brief(&self) -> Table {
        let keep: Vec<bool> = self.columns.iter().map(|c| !c.detail).collect();
        let mut t = self.clone();
        t.retain_columns(&keep);
        t
    }

    /// The table without the columns for programs (or, for programs, those for people).
    pub(crate) fn for_audience(&mut self, people: bool) {
        let keep: Vec<bool> = self
            .columns
            .iter()
            .map(|c| if people { !c.program } else { !c.people })
            .collect();
        if keep.iter().any(|k| !k) {
            self.retain_columns(&keep);
        }
    }

    /// Keeps the columns (and their cells) whose flag is true.
    pub(crate) fn retain_columns(&mut self, keep: &[bool]) {
        let mut flags = keep.iter();
        self.columns.retain(|_| *flags.next().unwrap_or(&true));
        for row in &mut self.rows {
            let mut flags = keep.iter();
            row.retain(|_| *flags.next().unwrap_or(&true));
        }
    }
}

/// A horizontal bar chart: one bar per label, the value's share of the total shown.
#[derive(Debug, Clone)]
pub struct Bars {
    /// The chart's title.
    pub title: String,
    /// Each bar's label and value, in order.
    pub bars: Vec<(String, f64)>,
}

/// One part of a section.
#[derive(Debug, Clone)]
pub enum Block {
    /// Label: value lines.
    Facts(Vec<(String, String)>),
    /// A table.
    Table(Table),
    /// A bar chart.
    Bars(Bars),
    /// Lines of text, e.g. warnings and notes.
    Lines(Vec<String>),
    /// Preformatted lines whose layout matters (a tree), kept as they are.
    Pre(Vec<String>),
    /// The report's main table, one row per record: what CSV output holds, and what HTML makes
    /// sortable and filterable. A document has at most one.
    Records(Table),
}

/// A titled part of a document.
#[derive(Debug, Clone)]
pub struct Section {
    /// The section's heading (a sheet's name in a workbook).
    pub heading: String,
    /// What the section shows, in order.
    pub blocks: Vec<Block>,
    /// The standard this section is about when a report has several (compare's sheet per
    /// policy): heads the section's sheet in a workbook instead of [`Document::standard`].
    pub standard: Option<String>,
}

impl Section {
    /// A section with this heading and nothing in it yet.
    pub fn new(heading: impl Into<String>) -> Section {
        Section {
            heading: heading.into(),
            blocks: Vec::new(),
            standard: None,
        }
    }

    /// The section with `block` added at its end.
    pub fn with(mut self, block: Block) -> Section {
        self.blocks.push(block);
        self
    }
}

/// A whole report.
#[derive(Debug, Clone)]
pub struct Document {
    /// The report's title.
    pub title: String,
    /// The standard (or standards) applied, named with their dates: the title row of every sheet
    /// of a workbook, where a sheet must say what it is without the others.
    pub standard: String,
    /// How each grade label stands, for formats that colour grades; a label not listed is
    /// neither passing nor failing.
    pub grades: Vec<(String, Standing)>,
    /// The sections, in order.
    pub sections: Vec<Section>,
}

impl Document {
    /// The document with only the columns for people (what people read) or only those for
    /// programs (plain CSV).
    pub(crate) fn for_audience(mut self, people: bool) -> Document {
        for section in &mut self.sections {
            for block in &mut section.blocks {
                if let Block::Table(t) | Block::Records(t) = block {
                    t.for_audience(people);
                }
            }
        }
        self
    }

    /// The main table, if the document has one.
    pub fn records(&self) -> Option<&Table> {
        self.sections
            .iter()
            .flat_map(|s| &s.blocks)
            .find_map(|b| match b {
                Block::Records(t) => Some(t),
                _ => None,
            })
    }
}
