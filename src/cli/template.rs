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
    after_help = "Example:\n  liangxin template --policy longwen-points --output 党员积分台账.xlsx\n  liangxin template --policy zhuzhou-wuhua-enterprise --format csv"
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
    let bytes = match format {
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
