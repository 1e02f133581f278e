//! `liangxin compare`: the same records under several policies, or the standards themselves
//! side by side when no records are given.

use std::path::PathBuf;

use liangxin::compare::{compare, coverage};
use liangxin::evaluate::group_field;
use liangxin::report::{CompareReport, coverage_document, standard_line};

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

    // Each pack's ledger, read first: a pack that reads columns the ledger does not have would
    // fail on every record, so it is named with those columns before anything is evaluated and
    // left out, rather than shown as a column of errors and an agreement of zeros.
    let mut ledgers = Vec::new();
    for p in &prepared {
        match packs::ledger(records, &p.policy.policy.schema, &args.reading) {
            Ok(l) => ledgers.push(l),
            Err(exit) => return exit,
        }
    }
    let mut left_out: Vec<LeftOut> = Vec::new();
    for (i, (p, ledger)) in prepared.iter().zip(&ledgers).enumerate() {
        let missing = missing_columns(&p.policy, ledger);
        if !missing.is_empty() {
            let id = &p.policy.policy.meta.id;
            eprintln!(
                "error: {id} reads {} column(s) {} does not have: {}; it is left out of the comparison",
                missing.len(),
                records.display(),
                missing.join(", ")
            );
            left_out.push(LeftOut {
                index: i,
                policy: id.clone(),
                missing,
            });
        }
    }
    let kept: Vec<usize> = (0..prepared.len())
        .filter(|i| !left_out.iter().any(|l| l.index == *i))
        .collect();
    if kept.len() < 2 && !left_out.is_empty() {
        eprintln!(
            "error: nothing to compare: {} of the {} packs can read {} (give a ledger with the columns named above, or `liangxin template -p PACK` for an empty one)",
            kept.len(),
            prepared.len(),
            records.display()
        );
        output::failure_as_json(
            "ledger",
            &format!(
                "the ledger lacks columns the packs read: {}",
                left_out
                    .iter()
                    .map(|l| format!("{} ({})", l.policy, l.missing.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            &[],
        );
        return Exit::Usage;
    }
    let policies: Vec<&liangxin::Policy> = kept.iter().map(|&i| policies[i]).collect();

    let mut evaluations = Vec::new();
    let mut groupings = Vec::new();
    for &i in &kept {
        let (p, ledger) = (&prepared[i], &ledgers[i]);
        let evaluation = p.policy.evaluate_ledger(ledger);
        // The same fields as `eval --group-by`: any field of the pack's schema (id or label)
        // that the ledger has, whether the pack reads it or not.
        if let Some(field) = &args.group_by {
            match group_field(&p.policy.policy.schema, ledger, field) {
                Ok(f) => groupings.push(p.policy.group(&evaluation, ledger, f)),
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
        left_out: &left_out
            .iter()
            .map(|l| (l.policy.clone(), l.missing.clone()))
            .collect::<Vec<_>>(),
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
    if !left_out.is_empty() {
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

/// A pack left out of a comparison: the ledger lacks columns it reads.
struct LeftOut {
    index: usize,
    policy: String,
    /// The columns, as `年检合格 (annual_inspection_passed)`.
    missing: Vec<String>,
}

/// The columns a pack's rules read that the ledger does not have (the record's name is not
/// needed; an empty ledger lacks nothing).
fn missing_columns(compiled: &liangxin::CompiledPolicy, ledger: &liangxin::Ledger) -> Vec<String> {
    if ledger.records.is_empty() {
        return Vec::new();
    }
    let schema = &compiled.policy.schema;
    compiled
        .fields_read()
        .iter()
        .zip(schema.fields.values())
        .enumerate()
        .filter(|(i, (read, def))| {
            **read && def.id != schema.id_field && def.id != "name" && !ledger.has_column(*i)
        })
        .map(|(_, (_, def))| format!("{} ({})", def.label, def.id))
        .collect()
}
