//! The command line's names for the core's choices (`--format`, `--lang`, `--hidden`).
//!
//! The core has no clap: each choice is mirrored here with the names and help the command line
//! shows, and turned into the core's value with `From`. The `match`es are exhaustive, so a choice
//! added to the core does not compile here until the command line names it.

use liangxin::report;
use liangxin::workbook;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned tables and a summary, for reading in a terminal (fitted to its width).
    Table,
    /// One JSON object with stable keys (see the README).
    Json,
    /// The main table, one header row, for Excel.
    Csv,
    /// One JSON object per line: `eval` writes each record's outcome (streamed from a CSV
    /// ledger); other commands write their JSON on one line.
    Ndjson,
    /// GitHub-flavoured Markdown, for pasting into documents.
    Md,
    /// One self-contained HTML page with charts and a sortable, filterable table.
    Html,
    /// One Excel workbook: a summary sheet and a sheet per table; needs --output.
    Xlsx,
}

impl From<Format> for report::Format {
    fn from(format: Format) -> report::Format {
        match format {
            Format::Table => report::Format::Table,
            Format::Json => report::Format::Json,
            Format::Csv => report::Format::Csv,
            Format::Ndjson => report::Format::Ndjson,
            Format::Md => report::Format::Md,
            Format::Html => report::Format::Html,
            Format::Xlsx => report::Format::Xlsx,
        }
    }
}

/// Which labels a report shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Chinese and English side by side.
    #[default]
    Both,
    /// 中文.
    Zh,
    /// English.
    En,
}

impl From<Lang> for report::Lang {
    fn from(lang: Lang) -> report::Lang {
        match lang {
            Lang::Both => report::Lang::Both,
            Lang::Zh => report::Lang::Zh,
            Lang::En => report::Lang::En,
        }
    }
}

/// What to do with what a workbook hides or strikes out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
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

impl From<Hidden> for workbook::Hidden {
    fn from(hidden: Hidden) -> workbook::Hidden {
        match hidden {
            Hidden::Skip => workbook::Hidden::Skip,
            Hidden::Refuse => workbook::Hidden::Refuse,
            Hidden::Read => workbook::Hidden::Read,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    /// Every choice reaches the core's value of the same name.
    #[test]
    fn every_choice_is_the_cores_value_of_its_name() {
        for f in super::Format::value_variants() {
            let name = f.to_possible_value().map(|v| v.get_name().to_owned());
            let core = format!("{:?}", liangxin::report::Format::from(*f)).to_lowercase();
            assert_eq!(name.as_deref(), Some(core.as_str()));
        }
        for l in super::Lang::value_variants() {
            let name = l.to_possible_value().map(|v| v.get_name().to_owned());
            let core = format!("{:?}", liangxin::report::Lang::from(*l)).to_lowercase();
            assert_eq!(name.as_deref(), Some(core.as_str()));
        }
        for h in super::Hidden::value_variants() {
            let name = h.to_possible_value().map(|v| v.get_name().to_owned());
            let core = format!("{:?}", liangxin::workbook::Hidden::from(*h)).to_lowercase();
            assert_eq!(name.as_deref(), Some(core.as_str()));
        }
    }
}
