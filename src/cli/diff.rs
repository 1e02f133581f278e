//! `liangxin diff`: evaluate one ledger under two versions of a pack and list what moved.

use std::path::PathBuf;

use liangxin::report::DiffReport;

use super::{Exit, date, output, packs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The old version: a pack directory, policy.yaml, bundled id, or `REV:path` (a git
    /// revision of a pack, e.g. `HEAD~1:policies/longwen-points`).
    pub old: PathBuf,
    /// The new version, given the same ways.
    pub new: PathBuf,
    /// The ledger to evaluate under both.
    #[arg(long, short)]
    pub records: PathBuf,
    /// Read both versions' dated params as of this date (YYYY-MM-DD; default: today).
    #[arg(long, value_parser = date::parse)]
    pub as_of: Option<String>,
    /// Read the old version's dated params as of this date (to compare one pack at two dates).
    #[arg(long, value_parser = date::parse)]
    pub old_as_of: Option<String>,
    /// Read the new version's dated params as of this date.
    #[arg(long, value_parser = date::parse)]
    pub new_as_of: Option<String>,
    /// Exit with 1 when any record changes, to guard a policy change in CI.
    #[arg(long)]
    pub fail_on_change: bool,
    #[command(flatten)]
    pub out: output::OutputArgs,
    #[command(flatten)]
    pub reading: packs::LedgerArgs,
}

pub fn run(args: Args) -> Exit {
    output::report_failures_as_json(args.out.format == super::choices::Format::Json);
    if let Err(exit) = args.out.check() {
        return exit;
    }
    let day = args.as_of.clone().unwrap_or_else(date::today);
    let old_day = args.old_as_of.clone().unwrap_or_else(|| day.clone());
    let new_day = args.new_as_of.clone().unwrap_or_else(|| day.clone());
    let (old, new) = match (
        packs::prepare(&args.old, &old_day),
        packs::prepare(&args.new, &new_day),
    ) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    if old.policy.policy.meta.subject != new.policy.policy.meta.subject {
        eprintln!(
            "error: the two versions assess different subjects ({} and {})",
            old.policy.policy.meta.subject, new.policy.policy.meta.subject
        );
        return Exit::Usage;
    }
    let mut evaluations = Vec::new();
    for p in [&old, &new] {
        match packs::ledger(&args.records, &p.policy.policy.schema, &args.reading) {
            Ok(ledger) => evaluations.push(p.policy.evaluate_ledger(&ledger)),
            Err(exit) => return exit,
        }
    }
    let diff = liangxin::diff::diff(&evaluations[0], &evaluations[1]);
    let (old_name, new_name) = (
        liangxin::diff::version_name(&args.old.display().to_string(), &old.policy.policy.meta),
        liangxin::diff::version_name(&args.new.display().to_string(), &new.policy.policy.meta),
    );
    let report = DiffReport::new(
        &diff,
        &evaluations[0],
        &evaluations[1],
        (&old_name, &new_name),
    );
    if let Err(exit) = args.out.emit(|| report.document(), || report.json()) {
        return exit;
    }
    let errors = evaluations[0].errors.len() + evaluations[1].errors.len();
    if errors > 0 {
        eprintln!("{errors} record error(s); see the errors sections");
    }
    if args.fail_on_change && diff.changed() {
        eprintln!("{} of {} records changed", diff.changes.len(), diff.records);
    }
    if errors > 0 || (args.fail_on_change && diff.changed()) {
        Exit::Findings
    } else {
        Exit::Ok
    }
}
