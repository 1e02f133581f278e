//! `liangxin gen`: a synthetic ledger for trials and benchmarks.

use std::path::PathBuf;

use liangxin::generate::{Spec, write_ledger};
use liangxin::{Schema, Subject};

use super::{Exit, output};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  liangxin gen --subject member --rows 1000000 --output members.csv\n  liangxin gen --subject member --rows 100000000 | liangxin eval --policy longwen-points --records -"
)]
pub struct Args {
    /// What one row is: member (党员), organization (党组织) or dossier (发展党员档案).
    #[arg(long, value_parser = parse_subject)]
    subject: Subject,
    /// How many rows.
    #[arg(long)]
    rows: u64,
    /// The same seed gives the same ledger, byte for byte.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write to this file (atomically) instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

fn parse_subject(s: &str) -> Result<Subject, String> {
    Subject::ALL
        .into_iter()
        .find(|subject| subject.as_str() == s)
        .ok_or_else(|| format!("`{s}` is not a subject (member, organization or dossier)"))
}

pub fn run(args: Args) -> Exit {
    let schema = Schema::builtin(args.subject);
    let spec = Spec {
        rows: args.rows,
        seed: args.seed,
    };
    output::write_or_say(args.output.as_deref(), |out| {
        write_ledger(&schema, spec, out)
    })
}
