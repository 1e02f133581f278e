//! `eval --entries`: a roster plus an entry ledger, summed over a period with the pack's item
//! catalog before the rules read them.

use std::path::PathBuf;

use liangxin::entries::{Aggregator, Period, add_csv};

use super::Exit;

#[derive(Debug, Clone, clap::Args)]
pub struct EntryArgs {
    /// An entry ledger (one row per entry: 党员编号, 日期, 积分项目, 分值, 次数, 说明, 记录人), summed
    /// per record over the period with the pack's item catalog; --records is then the roster
    /// (one row per record, without the columns the entries fill).
    #[arg(long)]
    pub entries: Option<PathBuf>,
    /// The period the entries are summed over: a year, e.g. 2024. Its last day is also the
    /// assessment date unless --as-of says otherwise.
    #[arg(long, conflicts_with_all = ["from", "to"], requires = "entries")]
    pub period: Option<String>,
    /// The period's first day (with --to), e.g. 2024-01-01.
    #[arg(long, requires_all = ["to", "entries"])]
    pub from: Option<String>,
    /// The period's last day, included (with --from).
    #[arg(long, requires_all = ["from", "entries"])]
    pub to: Option<String>,
}

impl EntryArgs {
    /// The assessment date entries imply when none is given: the period's last day, so a past
    /// year's entries are graded by the params in force then, not today's.
    pub fn as_of(&self) -> Option<String> {
        self.entries.as_ref()?;
        self.period().ok().map(|p| p.to().to_owned())
    }

    fn period(&self) -> Result<Period, String> {
        match (&self.period, &self.from, &self.to) {
            (Some(year), _, _) => Period::year(year),
            (None, Some(from), Some(to)) => Period::between(from, to),
            _ => Err(
                "--entries needs the period to sum over: --period 2024, or --from and --to".into(),
            ),
        }
    }
}

/// Sums the entries into the roster's cells, when there are entries; the aggregator is kept
/// for the explanations.
pub fn sum_into(
    args: &EntryArgs,
    policy: &liangxin::Policy,
    roster: &mut liangxin::Ledger,
    reading: &super::packs::LedgerArgs,
) -> Result<Option<Aggregator>, Exit> {
    let Some(path) = &args.entries else {
        return Ok(None);
    };
    let fail = |message: String| {
        eprintln!("error: {message}");
        super::output::failure_as_json("entries", &message, &[]);
        Exit::Usage
    };
    let Some(catalog) = &policy.catalog else {
        return Err(fail(format!(
            "the pack {} has no item catalog (`catalog:`), so it cannot sum entries: evaluate a ledger of totals, or add a catalog to the pack",
            policy.meta.id
        )));
    };
    let period = args.period().map_err(fail)?;
    let mut aggregator = Aggregator::new(catalog, period, roster, &policy.schema);
    // The encoding applies to both files; sheet, header row and column choices are the roster's.
    // What a workbook hides is treated as the roster's is (`--hidden`): an AutoFilter left on
    // must not drop entries with nothing but a note.
    let options = liangxin::ledger::ReadOptions {
        encoding: reading.encoding,
        hidden: reading.hidden.into(),
        ..Default::default()
    };
    let (name, notes) = match streamable(path) {
        // A CSV entry ledger is summed as it is read: a province's year of entries need not
        // fit in memory, only one tally per member.
        Some(stdin) => {
            let options = liangxin::stream::StreamOptions {
                encoding: reading.encoding,
                progress: Some(super::progress::bytes_read),
                ..Default::default()
            };
            let name = if stdin {
                "<stdin>".to_owned()
            } else {
                path.display().to_string()
            };
            let size = std::fs::metadata(path).ok().map(|m| m.len());
            super::progress::start(size.filter(|_| !stdin), "summing entries");
            let notes = if stdin {
                add_csv(&mut aggregator, std::io::stdin(), &name, &options)
            } else {
                std::fs::File::open(path)
                    .map_err(|source| liangxin::LedgerError::Io {
                        path: name.clone(),
                        source,
                    })
                    .and_then(|file| add_csv(&mut aggregator, file, &name, &options))
            };
            (name, notes.map_err(|e| fail(e.to_string()))?)
        }
        None => {
            let entries = liangxin::Ledger::read_with(path, aggregator.entry_schema(), &options)
                .map_err(|e| fail(e.to_string()))?;
            aggregator
                .add_ledger(&entries)
                .map_err(|e| fail(e.to_string()))?;
            (entries.path, entries.notes)
        }
    };
    roster
        .notes
        .extend(notes.iter().map(|note| format!("{name}: {note}")));
    aggregator
        .apply(roster, &policy.schema)
        .map_err(|e| fail(e.to_string()))?;
    Ok(Some(aggregator))
}

/// Whether the entry ledger is CSV (streamed), and whether it is stdin (`-`); None for a
/// workbook, JSON or YAML, which are read whole.
fn streamable(path: &std::path::Path) -> Option<bool> {
    if path.as_os_str() == "-" {
        return Some(true);
    }
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    matches!(ext.as_str(), "csv" | "txt" | "tsv").then_some(false)
}
