//! `liangxin compare`: the same records under several policies, or the standards themselves
//! side by side when no records are given.

use std::path::PathBuf;

use liangxin::compare::{compare, coverage};
use liangxin::evaluate::group_field;
use liangxin::report::{CompareReport, Format, coverage_document, standard_line};

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
        let names: Vec<String> = policies
            .iter()
            .map(|p| format!("{} ({})", p.meta.name, p.meta.region))
            .collect();
        let mut doc = coverage_document(&coverage, &names);
        doc.standard = policies
            .iter()
            .map(|p| {
                let m = &p.meta;
                standard_line(&m.name, &m.id, &m.version, &m.effective, m.as_of.as_deref())
            })
            .collect::<Vec<_>>()
            .join("；");
        let json = || serde_json::json!({ "policies": policies.iter().map(|p| &p.meta).collect::<Vec<_>>(), "coverage": coverage });
        return match args.out.emit(|| doc, json) {
            Ok(()) => Exit::Ok,
            Err(exit) => exit,
        };
    };

    let mut evaluations = Vec::new();
    let mut groupings = Vec::new();
    for p in &prepared {
        let ledger = match packs::ledger(records, &p.policy.policy.schema, &args.reading) {
            Ok(l) => l,
            Err(exit) => return exit,
        };
        let evaluation = p.policy.evaluate_ledger(&ledger);
        if let Some(field) = &args.group_by {
            match group_field(&p.policy.policy.schema, &ledger, field) {
                Ok(f) => groupings.push(p.policy.group(&evaluation, &ledger, f)),
                Err(message) => {
                    eprintln!("error: {message}");
                    return Exit::Usage;
                }
            }
        }
        evaluations.push(evaluation);
    }
    let comparison = compare(&policies, &evaluations);
    let report = CompareReport {
        comparison: &comparison,
        evaluations: &evaluations,
        groupings: args.group_by.is_some().then_some(groupings.as_slice()),
    };
    // A workbook has room for a sheet per policy besides the side-by-side table.
    let doc = || match args.out.format {
        Format::Xlsx => report.workbook(),
        _ => report.document(),
    };
    if let Err(exit) = args.out.emit(doc, || report.json()) {
        return exit;
    }
    let errors: usize = evaluations.iter().map(|e| e.summary.errors).sum();
    if errors > 0 {
        eprintln!(
            "{errors} record(s) could not be evaluated under some policy; see the errors sections"
        );
        Exit::Findings
    } else {
        Exit::Ok
    }
}
