//! `liangxin eval`: evaluate a ledger under a pack.

use std::path::PathBuf;

use liangxin::report::{self, Format};
use liangxin::{FsLoader, Ledger, LoadError, prepare};

use super::{Exit, output, packs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pack: its directory, its policy.yaml, or a bundled pack's id (see `liangxin list`).
    #[arg(long, short)]
    pub policy: PathBuf,
    /// The ledger: .csv (UTF-8 or GBK, headers by field id or Chinese label), .json or .yaml.
    #[arg(long, short)]
    pub records: PathBuf,
    #[arg(long, short, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to this file instead of stdout (written whole or not at all).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Start CSV output with a UTF-8 byte-order mark, for Excel.
    #[arg(long)]
    pub bom: bool,
}

pub fn run(args: Args) -> Exit {
    let pack = packs::resolve(&args.policy);
    let prepared = match prepare(&FsLoader, &pack) {
        Ok(p) => p,
        Err(LoadError::Io { path, source }) => {
            eprintln!("error: cannot read policy {path}: {source}");
            return Exit::Usage;
        }
        Err(LoadError::Invalid(diagnostics)) => {
            for d in &diagnostics {
                eprintln!("{d}\n");
            }
            eprintln!(
                "error: policy {} is invalid; `liangxin check {}` lists the problems",
                pack.display(),
                pack.display()
            );
            return Exit::Findings;
        }
    };
    for w in &prepared.warnings {
        eprintln!("{w}\n");
    }
    let ledger = match Ledger::read(&args.records, &prepared.policy.policy.schema) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let evaluation = prepared.policy.evaluate_ledger(&ledger);
    let text = report::render(&evaluation, args.format, report::Options { bom: args.bom });
    if let Err(e) = output::write(args.output.as_deref(), &text) {
        eprintln!(
            "error: cannot write {}: {e}",
            args.output
                .as_deref()
                .unwrap_or("stdout".as_ref())
                .display()
        );
        return Exit::Usage;
    }
    if args.format != Format::Table || args.output.is_some() {
        // The table shows these itself; other formats carry them in their data.
        for e in &evaluation.errors {
            eprintln!("error: {}: {e}", ledger.path);
        }
    }
    if evaluation.errors.is_empty() {
        Exit::Ok
    } else {
        Exit::Findings
    }
}
