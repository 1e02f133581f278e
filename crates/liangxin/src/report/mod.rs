//! Stage 5, report: turn results into something a person reads or a program parses.
//!
//! Each command's results become a format-neutral [`doc::Document`] (sections of facts,
//! tables and bar charts); `text`, `markdown`, `csv`, `html` and `xlsx` each render any
//! document. JSON is the typed results themselves. Rendering never evaluates anything.

mod compare;
mod csv;
mod diff;
pub mod doc;
mod eval;
mod group_rules;
mod html;
mod lang;
mod markdown;
pub(crate) mod records;
mod text;
mod xlsx;

use serde::Serialize;

pub use compare::{CompareReport, CoverageReport, coverage_document};
pub use diff::DiffReport;
pub use eval::EvalReport;
pub use lang::Lang;
pub use records::RecordFormat;
pub use xlsx::Error as WorkbookError;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned tables and a summary, for reading in a terminal (fitted to its width).
    Table,
    /// One JSON object with stable keys (see the README).
    Json,
    /// The main table, one header row, for Excel.
    Csv,
    /// JSON on one line (an evaluation's per-record output writes one outcome a line).
    Ndjson,
    /// GitHub-flavoured Markdown, for pasting into documents.
    Md,
    /// One self-contained HTML page with charts and a sortable, filterable table.
    Html,
    /// One Excel workbook: a summary sheet and a sheet per table; needs --output.
    Xlsx,
}

/// Rendering choices that are not the format itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// CSV for a spreadsheet (Excel, WPS, LibreOffice) rather than for programs: a UTF-8
    /// byte-order mark (without it a Chinese Excel shows the text as garbage), labels as the
    /// header, 是/否 for yes and no, no grade ids, and ids written as `="00101"` so a spreadsheet
    /// keeps them as text (leading zeros and 18-digit 身份证号 intact). Plain CSV (the default)
    /// has stable keys, `true`/`false`, grade ids and raw ids.
    pub excel: bool,
    /// The labels' language (`--lang`).
    pub lang: Lang,
    /// The width terminal tables are fitted to; none: tables are not wrapped (a pipe, a file).
    pub width: Option<u16>,
}

/// Renders a report: the document in any format but JSON (which `json` gives instead). Text for
/// every format but xlsx, whose workbook fails only when a sheet would outgrow Excel's limits.
///
/// # Errors
///
/// Only for xlsx: when a sheet would outgrow Excel's limits or the workbook cannot be written.
pub fn render(
    doc: impl FnOnce() -> doc::Document,
    json: impl FnOnce() -> serde_json::Value,
    format: Format,
    options: Options,
) -> Result<Vec<u8>, WorkbookError> {
    // Programs get plain CSV (and JSON) with every column; people never see the columns meant
    // for programs (a grade's id beside its label).
    let for_programs = format == Format::Csv && !options.excel;
    let doc = || lang::localize(doc(), options.lang).for_audience(!for_programs);
    let text = match format {
        // JSON is the typed results: the document is not built for it.
        Format::Json => to_json(&json()),
        Format::Ndjson => {
            let mut line = serde_json::to_string(&json()).unwrap_or_default();
            line.push('\n');
            line
        }
        Format::Table => text::render(&doc(), options.width),
        Format::Csv => csv::render(&doc(), options),
        Format::Md => markdown::render(&doc()),
        Format::Html => html::render(&doc()),
        Format::Xlsx => return xlsx::render(&doc()),
    };
    Ok(text.into_bytes())
}

/// Writes an evaluation's outcomes as CSV straight to `out`, row by row: the same bytes as
/// [`render_evaluation`] in CSV, without building the report first.
///
/// # Errors
///
/// Whatever `out` fails with.
pub fn write_evaluation_csv(
    evaluation: &crate::Evaluation,
    options: Options,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    eval::write_outcomes_csv(evaluation, options, out)
}

/// Renders an evaluation alone (no grouping, no leaderboard).
///
/// # Errors
///
/// As [`render`].
pub fn render_evaluation(
    evaluation: &crate::Evaluation,
    format: Format,
    options: Options,
) -> Result<Vec<u8>, WorkbookError> {
    let report = EvalReport {
        evaluation,
        grouping: None,
        top: None,
        traces: None,
        summary_only: false,
    };
    render(|| report.document(), || report.json(), format, options)
}

/// A standard named with its version and dates, as a workbook's sheets are titled:
/// `龙文区党员积分定等 (longwen-points v1.0.0) · 施行 effective 2022-01-01`.
pub fn standard_line(
    name: &str,
    id: &str,
    version: &str,
    effective: &str,
    as_of: Option<&str>,
) -> String {
    let mut line = format!("{name} ({id} v{version})");
    if !effective.is_empty() {
        line.push_str(&format!(" · 施行 effective {effective}"));
    }
    if let Some(day) = as_of {
        line.push_str(&format!(" · 参数 params as of {day}"));
    }
    line
}

/// Pretty JSON with a final newline.
pub fn to_json<T: Serialize>(value: &T) -> String {
    let mut text =
        serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// Text from a ledger made safe for a terminal: control characters (an escape sequence hidden in
/// a name could recolour or rewrite the screen) are shown as symbols (␛), line breaks kept.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    let control = |c: char| (c.is_control() && c != '\n') || c == '\u{7f}';
    if !text.chars().any(control) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| match c {
            '\t' => ' ',
            '\0'..='\x1f' if c != '\n' => char::from_u32(0x2400 + c as u32).unwrap_or('?'),
            '\u{7f}' => '␡',
            c if c.is_control() && c != '\n' => '�',
            c => c,
        })
        .collect()
}
