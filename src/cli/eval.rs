//! `liangxin eval`: evaluate a ledger under a pack.

use std::path::PathBuf;

use liangxin::evaluate::group_field;
use liangxin::report::EvalReport;

use super::choices::Format;
use super::{Exit, date, entries, output, packs, watch};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pack: its directory, its policy.yaml, or a bundled pack's id (see `liangxin list`).
    #[arg(long, short)]
    pub policy: PathBuf,
    /// The ledger: .csv (UTF-8 or GBK, headers by field id or Chinese label), .json or .yaml;
    /// `-` reads CSV from stdin.
    #[arg(long, short)]
    pub records: PathBuf,
    /// Also summarize per value of this field (its id or label), e.g. `district` or `org`.
    #[arg(long, short)]
    pub group_by: Option<String>,
    /// Also show the leaderboard (积分排行榜) down to rank N, overall and per group.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub top: Option<u64>,
    /// Explain each record's outcome: every rule with the values it read, the running score,
    /// the band that matched and why, the veto that fired.
    #[arg(long)]
    pub explain: bool,
    /// Report on this record only (by its id), with its explanation.
    #[arg(long, conflicts_with = "summary")]
    pub record: Option<String>,
    /// Report the summary only (with --top, the leaderboard too). A CSV ledger, or `-` for
    /// stdin, is then read as a stream in constant memory, for ledgers of any size.
    #[arg(long, conflicts_with = "explain")]
    pub summary: bool,
    #[command(flatten)]
    pub out: output::OutputArgs,
    #[command(flatten)]
    pub reading: packs::LedgerArgs,
    #[command(flatten)]
    pub entries: entries::EntryArgs,
    #[command(flatten)]
    pub as_of: date::AsOf,
    #[command(flatten)]
    pub watch: watch::WatchArgs,
}

pub fn run(args: Args) -> Exit {
    output::report_failures_as_json(matches!(args.out.format, Format::Json | Format::Ndjson));
    if let Err(exit) = args.out.check() {
        return exit;
    }
    if !args.watch.watch {
        let exit = run_once(&args).0;
        super::progress::finish();
        return exit;
    }
    let mut previous: Option<liangxin::Evaluation> = None;
    let roots = || {
        let mut roots = watch::pack_roots(&packs::resolve(&args.policy));
        roots.push(args.records.clone());
        // The entry ledger is what changes day to day.
        roots.extend(args.entries.entries.clone());
        roots
    };
    watch::watch(roots, args.watch.watch_runs, || {
        let (exit, evaluation) = run_once(&args);
        super::progress::finish();
        if let (Some(before), Some(after)) = (&previous, &evaluation) {
            let diff = liangxin::diff::diff(before, after);
            say!(
                "-- since the last run: {} of {} records changed",
                diff.changes.len(),
                diff.records
            );
            for c in diff.changes.iter().take(20) {
                let side = |s: &Option<liangxin::diff::Side>| {
                    s.as_ref().map_or("(no outcome)".to_owned(), |s| {
                        format!(
                            "{} {}",
                            s.grade_label.as_deref().unwrap_or("-"),
                            s.score.map_or(String::new(), liangxin::number::format)
                        )
                    })
                };
                say!(
                    "   {} {}: {} → {}",
                    c.record,
                    c.name.as_deref().unwrap_or(""),
                    side(&c.before),
                    side(&c.after)
                );
            }
        }
        if evaluation.is_some() {
            previous = evaluation;
        }
        exit
    })
}

/// One evaluation, reported; the evaluation is returned for `--watch` to compare with the next.
fn run_once(args: &Args) -> (Exit, Option<liangxin::Evaluation>) {
    let as_of = args
        .as_of
        .as_of
        .clone()
        .or_else(|| args.entries.as_of())
        .unwrap_or_else(date::today);
    let prepared = match packs::prepare(&args.policy, &as_of) {
        Ok(p) => p,
        Err(exit) => return (exit, None),
    };
    let compiled = &prepared.policy;
    if args.top.is_some() && compiled.policy.ranking.is_none() {
        eprintln!(
            "error: --top needs a policy that ranks (`ranking:`); {} does not",
            compiled.policy.meta.id
        );
        return (Exit::Usage, None);
    }
    if args.summary && args.out.format == Format::Csv {
        eprintln!(
            "error: --summary has no CSV form (CSV is the per-record table); use --format table, json, md, html or xlsx"
        );
        return (Exit::Usage, None);
    }
    if args.summary
        && args.group_by.is_none()
        && liangxin::stream::streamable(compiled).is_ok()
        && args.entries.entries.is_none()
    {
        match streamed(args, compiled) {
            Some(Ok(evaluation)) => return report(args, &evaluation, None, None, ""),
            Some(Err(exit)) => return (exit, None),
            // Not a CSV ledger: read it whole below.
            None => {}
        }
    }
    if let Some(format) = super::stream::record_format(args, compiled)
        && let Some(done) = super::stream::run(args, compiled, format)
    {
        return done;
    }
    super::progress::start(None, "reading the ledger");
    let mut ledger = match packs::ledger(&args.records, &compiled.policy.schema, &args.reading) {
        Ok(l) => l,
        Err(exit) => return (exit, None),
    };
    let summed =
        match entries::sum_into(&args.entries, &compiled.policy, &mut ledger, &args.reading) {
            Ok(summed) => summed,
            Err(exit) => return (exit, None),
        };
    super::progress::phase(format!("evaluating {} records", ledger.records.len()));
    let field = match args
        .group_by
        .as_deref()
        .map(|f| group_field(&compiled.policy.schema, &ledger, f))
        .transpose()
    {
        Ok(f) => f,
        Err(message) => {
            eprintln!("error: {message}");
            return (Exit::Usage, None);
        }
    };
    let mut evaluation = compiled.evaluate_ledger(&ledger);
    if args.summary {
        let why = if liangxin::stream::streamable(compiled).is_err() {
            "the pack's quota needs every record at once"
        } else if args.group_by.is_some() {
            "--group-by needs every record at once"
        } else if summed.is_some() {
            "entries are summed per record of the roster, which is read whole (a CSV entry ledger itself is streamed)"
        } else {
            "only a CSV ledger (or stdin) is streamed"
        };
        evaluation
            .notes
            .push(format!("read whole, not streamed: {why}"));
    }
    if let Some(id) = &args.record {
        if !ledger.records.iter().any(|r| &r.id == id) {
            eprintln!("error: the ledger has no record `{id}`");
            return (Exit::Usage, None);
        }
        evaluation = compiled.only(evaluation, id);
    }
    let traces: Option<Vec<_>> = (args.explain || args.record.is_some()).then(|| {
        let records: std::collections::HashMap<&str, &liangxin::Record> =
            ledger.records.iter().map(|r| (r.id.as_str(), r)).collect();
        evaluation
            .outcomes
            .iter()
            .filter_map(|o| {
                records.get(o.record.as_str()).map(|r| {
                    let mut trace = compiled.explain(o, r);
                    if let Some(totals) = summed.as_ref().and_then(|s| s.totals(&o.record)) {
                        trace.entries = totals.notes;
                    }
                    trace
                })
            })
            .collect()
    });
    let grouping = field.map(|f| compiled.group(&evaluation, &ledger, f));
    let (exit, _) = report(
        args,
        &evaluation,
        grouping.as_ref(),
        traces.as_deref(),
        &ledger.path,
    );
    (exit, (exit != Exit::Usage).then_some(evaluation))
}

/// Writes the report of an evaluation; the exit code says whether any record failed.
fn report(
    args: &Args,
    evaluation: &liangxin::Evaluation,
    grouping: Option<&liangxin::evaluate::Grouping>,
    traces: Option<&[liangxin::evaluate::Trace]>,
    ledger_path: &str,
) -> (Exit, Option<liangxin::Evaluation>) {
    // The bar goes before the report is written, so the two never mix on a terminal.
    super::progress::finish();
    let report = EvalReport {
        evaluation,
        grouping,
        top: args.top.map(|n| n as usize),
        traces,
        summary_only: args.summary,
    };
    let target = || {
        args.out
            .output
            .as_deref()
            .map_or("stdout".to_owned(), |p| p.display().to_string())
    };
    let written = if args.out.format == Format::Json {
        output::write_with(args.out.output.as_deref(), |out| report.write_json(out)).map_err(|e| {
            eprintln!("error: cannot write {}: {e}", target());
            Exit::Usage
        })
    } else if args.out.format == Format::Ndjson && !args.summary {
        // One outcome a line, with its explanation when asked for.
        output::write_with(args.out.output.as_deref(), |out| report.write_ndjson(out)).map_err(
            |e| {
                eprintln!("error: cannot write {}: {e}", target());
                Exit::Usage
            },
        )
    } else if args.out.format == Format::Csv {
        // The per-record table, written row by row rather than built whole first.
        let options = args.out.options();
        output::write_with(args.out.output.as_deref(), |out| {
            liangxin::report::write_evaluation_csv(evaluation, options, out)
        })
        .map_err(|e| {
            eprintln!("error: cannot write {}: {e}", target());
            Exit::Usage
        })
    } else {
        args.out.emit(|| report.document(), || report.json())
    };
    if let Err(exit) = written {
        return (exit, None);
    }
    if args.out.format != Format::Table || args.out.output.is_some() {
        // The table shows these itself; other formats carry them in their data.
        let path = if ledger_path.is_empty() {
            args.records.display().to_string()
        } else {
            ledger_path.to_owned()
        };
        output::print_errors(&path, &evaluation.errors);
    }
    let failed = evaluation.summary.errors > 0 || !evaluation.errors.is_empty();
    (if failed { Exit::Findings } else { Exit::Ok }, None)
}

/// `--summary` on a CSV ledger or stdin: evaluated as a stream. None when the ledger is not
/// CSV (it is then read whole).
fn streamed(
    args: &Args,
    compiled: &liangxin::CompiledPolicy,
) -> Option<Result<liangxin::Evaluation, Exit>> {
    let path = &args.records;
    let stdin = path.as_os_str() == "-";
    if !super::stream::is_csv(path) {
        return None;
    }
    let options = super::stream::options(args);
    super::stream::start_progress(path);
    let result = if stdin {
        liangxin::stream::evaluate_csv(compiled, std::io::stdin(), "<stdin>", options)
    } else {
        match std::fs::File::open(path) {
            Ok(file) => {
                let name = path.display().to_string();
                liangxin::stream::evaluate_csv(compiled, file, &name, options)
            }
            Err(source) => Err(liangxin::LedgerError::Io {
                path: path.display().to_string(),
                source,
            }),
        }
    };
    Some(result.map_err(|e| {
        eprintln!("error: {e}");
        output::failure_as_json("ledger", &e.to_string(), &[]);
        Exit::Usage
    }))
}
