//! `liangxin compare`: the same records under several policies, or the standards themselves
//! side by side when no records are given.

use std::path::PathBuf;

use liangxin::compare::{coverage, on_ledger};
use liangxin::report::{CompareReport, CoverageReport};

use super::choices::Format;
use super::{Exit, date, output, packs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A pack to compare (give two or more): directory, policy.yaml or bundled id.
    #[arg(long = "policy", short, required = true)]
    pub policies: Vec<PathBuf>,
    /// The ledger to evaluate under every pack. Without it, the standards are compared by the
    /// dimensions their rules are tagged with.
    #[arg(long, short)]
    pub records: Option<PathBuf>,
    /// Also summarize per value of this field (its id or label), per policy.
    #[arg(long, short)]
    pub group_by: Option<String>,
    #[command(flatten)]
    pub as_of: date::AsOf,
    #[command(flatten)]
    pub out: output::OutputArgs,
    #[command(flatten)]
    pub reading: packs::LedgerArgs,
}

pub fn run(args: Args) -> Exit {
    output::report_failures_as_json(args.out.format == Format::Json);
    if let Err(exit) = args.out.check() {
        return exit;
    }
    if args.policies.len() < 2 {
        eprintln!("error: compare needs at least two --policy");
        return Exit::Usage;
    }
    let mut prepared = Vec::new();
    for p in &args.policies {
        match packs::prepare(p, &args.as_of.date()) {
            Ok(p) => prepared.push(p),
            Err(exit) => return exit,
        }
    }
    let policies: Vec<&liangxin::Policy> = prepared.iter().map(|p| &p.policy.policy).collect();
    let subject = policies[0].meta.subject;
    if let Some(other) = policies.iter().find(|p| p.meta.subject != subject) {
        eprintln!(
            "error: cannot compare {} (subject {subject}) with {} (subject {}): they assess different records",
            policies[0].meta.id, other.meta.id, other.meta.subject
        );
        return Exit::Usage;
    }

    if args.group_by.is_some() && args.records.is_none() {
        eprintln!("error: --group-by needs --records: groups are of a ledger's records");
        return Exit::Usage;
    }
    let Some(records) = &args.records else {
        let coverage = coverage(&policies);
        let report = CoverageReport {
            policies: &policies,
            coverage: &coverage,
        };
        return match args.out.emit(|| report.document(), || report.json()) {
            Ok(()) => Exit::Ok,
            Err(exit) => exit,
        };
    };

    let mut ledgers = Vec::new();
    for p in &prepared {
        match packs::ledger(records, &p.policy.policy.schema, &args.reading) {
            Ok(l) => ledgers.push(l),
            Err(exit) => return exit,
        }
    }
    let compiled: Vec<&liangxin::CompiledPolicy> = prepared.iter().map(|p| &p.policy).collect();
    let result = on_ledger(&compiled, &ledgers);
    let left_out = match &result {
        Ok(r) => r.left_out.as_slice(),
        Err(left_out) => left_out.as_slice(),
    };
    for l in left_out {
        eprintln!(
            "error: {} reads {} column(s) {} does not have: {}; it is left out of the comparison",
            l.policy,
            l.missing_columns.len(),
            records.display(),
            l.missing_columns.join(", ")
        );
    }
    let run = match result {
        Ok(run) => run,
        Err(left_out) => {
            eprintln!(
                "error: nothing to compare: {} of the {} packs can read {} (give a ledger with the columns named above, or `liangxin template -p PACK` for an empty one)",
                prepared.len() - left_out.len(),
                prepared.len(),
                records.display()
            );
            output::failure_as_json(
                "ledger",
                &format!(
                    "the ledger lacks columns the packs read: {}",
                    left_out
                        .iter()
                        .map(|l| format!("{} ({})", l.policy, l.missing_columns.join(", ")))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                &[],
            );
            return Exit::Usage;
        }
    };
    let groupings = match &args.group_by {
        Some(field) => match run.groupings(&compiled, &ledgers, field) {
            Ok(g) => Some(g),
            Err(message) => {
                eprintln!("error: {message}");
                return Exit::Usage;
            }
        },
        None => None,
    };
    let report = CompareReport {
        comparison: &run.comparison,
        evaluations: &run.evaluations,
        groupings: groupings.as_deref(),
        left_out: &run.left_out,
    };
    // A workbook has room for a sheet per policy besides the side-by-side table.
    let doc = || match args.out.format {
        Format::Xlsx => report.workbook(),
        _ => report.document(),
    };
    if let Err(exit) = args.out.emit(doc, || report.json()) {
        return exit;
    }
    let errors: usize = run.evaluations.iter().map(|e| e.summary.errors).sum();
    if !run.left_out.is_empty() {
        Exit::Findings
    } else if errors > 0 {
        eprintln!(
            "{errors} record(s) could not be evaluated under some policy; see the errors sections"
        );
        Exit::Findings
    } else {
        Exit::Ok
    }
}
