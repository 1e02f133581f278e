//! `liangxin template`: an empty ledger with exactly the columns a pack reads.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::{Exit, output, packs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TemplateFormat {
    /// A header row of Chinese labels (UTF-8 with a byte-order mark, for Excel).
    Csv,
    /// An Excel workbook: title, header, cells that check what is typed in, a sheet of notes.
    Xlsx,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  liangxin template --policy longwen-points --output 党员积分台账.xlsx\n  liangxin template --policy zhuzhou-wuhua-enterprise --format csv\n  liangxin template --policy longwen-points --entries --output 党员积分记录.xlsx\n  liangxin template --policy longwen-points --roster --output 党员名册.xlsx"
)]
pub struct Args {
    /// The pack: its directory, its policy.yaml, or a bundled pack's id.
    #[arg(long, short)]
    policy: PathBuf,
    /// csv or xlsx (default: from the output file's extension, else csv).
    #[arg(long, short, value_enum)]
    format: Option<TemplateFormat>,
    /// Write to this file (atomically) instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// For points recorded through the year (a pack with an item catalog): the entry ledger
    /// (积分记录, its 积分项目 a list of the catalog's items, with the catalog 积分细则 on a sheet
    /// of its own); as CSV, its header.
    #[arg(long, conflicts_with = "roster")]
    entries: bool,
    /// The roster read beside an entry ledger: one row per record, without the columns the
    /// entries fill.
    #[arg(long)]
    roster: bool,
}

pub fn run(args: Args) -> Exit {
    let format = args.format.unwrap_or_else(|| {
        let xlsx = args
            .output
            .as_deref()
            .and_then(|p| p.extension())
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
        if xlsx {
            TemplateFormat::Xlsx
        } else {
            TemplateFormat::Csv
        }
    });
    if format == TemplateFormat::Xlsx && args.output.is_none() && std::io::stdout().is_terminal() {
        eprintln!("error: a workbook cannot be shown in a terminal; give --output FILE.xlsx");
        return Exit::Usage;
    }
    let prepared = match packs::prepare(&args.policy, &super::date::today()) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    if (args.entries || args.roster) && prepared.policy.policy.catalog.is_none() {
        eprintln!(
            "error: the pack {} has no item catalog (`catalog:`), so it takes no entry ledger: its template is a ledger of totals (without --entries or --roster)",
            prepared.policy.policy.meta.id
        );
        return Exit::Usage;
    }
    let bytes = match format {
        TemplateFormat::Csv if args.entries => {
            liangxin::template::entries_csv(&prepared.policy).into_bytes()
        }
        TemplateFormat::Xlsx if args.entries => {
            match liangxin::template::entries_xlsx(&prepared.policy) {
                Ok(Some(bytes)) => bytes,
                Ok(None) => return Exit::Usage,
                Err(e) => {
                    eprintln!("error: cannot make the workbook: {e}");
                    return Exit::Usage;
                }
            }
        }
        TemplateFormat::Csv if args.roster => liangxin::template::roster_csv(&prepared.policy)
            .unwrap_or_default()
            .into_bytes(),
        TemplateFormat::Xlsx if args.roster => {
            match liangxin::template::roster_xlsx(&prepared.policy) {
                Ok(Some(bytes)) => bytes,
                Ok(None) => return Exit::Usage,
                Err(e) => {
                    eprintln!("error: cannot make the workbook: {e}");
                    return Exit::Usage;
                }
            }
        }
        TemplateFormat::Csv => liangxin::template::csv(&prepared.policy).into_bytes(),
        TemplateFormat::Xlsx => match liangxin::template::xlsx(&prepared.policy) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("error: cannot make the workbook: {e}");
                return Exit::Usage;
            }
        },
    };
    output::write_or_say(args.output.as_deref(), |out| out.write_all(&bytes))
}
