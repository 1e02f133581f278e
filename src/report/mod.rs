//! Stage 5, report: render an [`Evaluation`] for people (an aligned table) and for programs
//! (JSON, CSV). Rendering never evaluates anything; it only formats what evaluation produced.

mod csv;
mod table;

use serde::Serialize;

use crate::evaluate::Evaluation;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// An aligned table with a summary, for reading in a terminal.
    Table,
    /// One JSON object: policy, outcomes, errors, summary.
    Json,
    /// One row per record with one header row, for Excel.
    Csv,
}

/// Rendering choices that are not the format itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Start CSV output with a UTF-8 byte-order mark, so Excel shows Chinese text correctly.
    pub bom: bool,
}

/// Renders an evaluation.
pub fn render(evaluation: &Evaluation, format: Format, options: Options) -> String {
    match format {
        Format::Table => table::render(evaluation),
        Format::Json => to_json(evaluation),
        Format::Csv => csv::render(evaluation, options.bom),
    }
}

/// Pretty JSON with a final newline.
pub fn to_json<T: Serialize>(value: &T) -> String {
    let mut text =
        serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// The outcome columns shared by the table and the CSV: what each policy shows depends on
/// whether it scores, pays, ranks or checks.
pub(crate) struct Columns {
    pub score: bool,
    pub rank: bool,
    pub money: bool,
    pub failed: bool,
}

impl Columns {
    pub fn of(evaluation: &Evaluation) -> Columns {
        let any = |f: fn(&crate::evaluate::Outcome) -> bool| evaluation.outcomes.iter().any(f);
        Columns {
            score: any(|o| o.score.is_some()),
            rank: any(|o| o.rank.is_some()),
            money: any(|o| o.money != 0.0) || evaluation.summary.budget.is_some(),
            failed: any(|o| !o.failed.is_empty() || o.rules.iter().any(|r| r.kind == "checklist")),
        }
    }
}
