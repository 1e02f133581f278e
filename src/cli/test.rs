//! `liangxin test`: run the cases and snapshots that policy staff keep beside their packs.

use std::path::{Path, PathBuf};

use liangxin::testing::{
    Snapshot, SnapshotGroup, SnapshotRow, group_changes, run_cases, snapshot_changes, uncovered,
};
use liangxin::{FsLoader, Ledger, Prepared};

use super::{Exit, output, packs, watch};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Packs to test (directories or bundled ids); all bundled packs if none.
    pub packs: Vec<PathBuf>,
    /// Store the current outcomes in the pack's snapshots (after reviewing the changes shown).
    #[arg(long)]
    pub accept: bool,
    /// Also list rules, criteria and bands that no case or snapshot exercises.
    #[arg(long)]
    pub coverage: bool,
    #[command(flatten)]
    pub watch: watch::WatchArgs,
    /// The assessment date cases and snapshots are evaluated on (dated params, dates counted
    /// back from it, due dates), so a pack's tests give the same answer every day.
    #[command(flatten)]
    pub as_of: super::date::AsOf,
}

pub fn run(args: Args) -> Exit {
    if !args.watch.watch {
        return run_once(&args);
    }
    let roots = || watch::packs_roots(&args.packs);
    watch::watch(roots, args.watch.watch_runs, || run_once(&args))
}

fn run_once(args: &Args) -> Exit {
    let dirs = match packs::list_or_bundled(&args.packs) {
        Ok(d) => d,
        Err(exit) => return exit,
    };
    let mut exit = Exit::Ok;
    for dir in dirs {
        if super::git::GitLoader::parse(&dir).is_some() {
            eprintln!(
                "error: `liangxin test` runs a pack's files on disk; {} names a git revision",
                dir.display()
            );
            exit = worst(exit, Exit::Usage);
            continue;
        }
        let prepared = match packs::prepare(&dir, &args.as_of.date()) {
            Ok(p) => p,
            Err(e) => {
                exit = worst(exit, e);
                continue;
            }
        };
        exit = worst(exit, test_pack(&prepared, &dir, args));
    }
    exit
}

fn worst(a: Exit, b: Exit) -> Exit {
    if (b as u8) > (a as u8) { b } else { a }
}

fn test_pack(prepared: &Prepared, dir: &Path, args: &Args) -> Exit {
    let compiled = &prepared.policy;
    let id = &compiled.policy.meta.id;
    let pack_dir = liangxin::load::policy_file(dir)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let cases = run_cases(&FsLoader, compiled, &pack_dir);
    let mut exit = Exit::Ok;
    for d in &cases.errors {
        say!("{d}\n");
        exit = Exit::Findings;
    }
    for f in &cases.failures {
        say!("{f}");
        exit = Exit::Findings;
    }
    let mut outcomes = cases.outcomes;
    let mut snapshots = 0;
    for path in liangxin::testing::yaml_files(&FsLoader, &pack_dir.join("snapshots")) {
        snapshots += 1;
        match check_snapshot(prepared, &pack_dir, &path, args.accept) {
            Ok((mut o, failed)) => {
                outcomes.append(&mut o);
                if failed {
                    exit = Exit::Findings;
                }
            }
            Err(message) => {
                say!("error: {message}");
                exit = worst(exit, Exit::Usage);
            }
        }
    }
    let tested = cases.passed + cases.failures.len() + snapshots;
    let verdict = match (exit, tested) {
        (Exit::Ok, 0) => "untested",
        (Exit::Ok, _) => "ok",
        _ => "FAILED",
    };
    if tested == 0 && exit == Exit::Ok {
        say!(
            "warning: {id}: no cases in tests/ and no snapshots in snapshots/, so nothing was tested"
        );
    }
    say!(
        "{verdict}: {id}: {} of {} case(s) passed, {snapshots} snapshot(s)",
        cases.passed,
        cases.passed + cases.failures.len()
    );
    if args.coverage {
        let gaps = uncovered(compiled, &outcomes);
        if gaps.is_empty() {
            say!("coverage: {id}: every rule, criterion and band is exercised");
        } else {
            say!(
                "coverage: {id}: {} not exercised by any case or snapshot:",
                gaps.len()
            );
            for g in gaps {
                say!("  - {g}");
            }
        }
    }
    exit
}

/// Re-evaluates a snapshot's ledger and shows what moved; with `accept`, stores the new outcomes.
fn check_snapshot(
    prepared: &Prepared,
    pack_dir: &Path,
    path: &Path,
    accept: bool,
) -> Result<(Vec<liangxin::Outcome>, bool), String> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let stored: Snapshot = serde_saphyr::from_str(&text)
        .map_err(|e| liangxin::load::yaml_error(&e, &name.to_string(), &text).to_string())?;
    let compiled = &prepared.policy;
    let ledger = Ledger::read(&stored.ledger_path(pack_dir), &compiled.policy.schema)
        .map_err(|e| e.to_string())?;
    let evaluation = compiled.evaluate_ledger(&ledger);
    // A record that no longer evaluates is a failure to fix, never an outcome to accept.
    if !evaluation.errors.is_empty() {
        say!(
            "snapshot {name}: {} record error(s):",
            evaluation.errors.len()
        );
        for e in evaluation.errors.iter().take(20) {
            say!("  {e}");
        }
        if evaluation.errors.len() > 20 {
            say!("  ... and {} more", evaluation.errors.len() - 20);
        }
        if accept {
            say!("  not accepted: fix the errors first");
        }
        return Ok((evaluation.outcomes, true));
    }
    let now: Vec<SnapshotRow> = evaluation.outcomes.iter().map(SnapshotRow::of).collect();
    let changes = snapshot_changes(&stored, &now);
    let groups_now = SnapshotGroup::all(&evaluation);
    let moved_groups = group_changes(&stored.groups, &groups_now);
    if changes.is_empty() && moved_groups.is_empty() {
        say!("snapshot {name}: {} records unchanged", now.len());
    } else {
        say!(
            "snapshot {name}: {} of {} records changed{}:",
            changes.len(),
            now.len().max(stored.outcomes.len()),
            match moved_groups.len() {
                0 => String::new(),
                1 => ", 1 group changed".to_owned(),
                n => format!(", {n} groups changed"),
            }
        );
        for c in &changes {
            say!("  {c}");
        }
        for g in &moved_groups {
            say!("  {g}");
        }
        if accept {
            let updated = Snapshot {
                records: stored.records.clone(),
                outcomes: now,
                groups: groups_now,
            };
            output::write(Some(path), &updated.to_yaml(&compiled.policy.meta.id))
                .map_err(|e| e.to_string())?;
            say!("  accepted: {name} updated");
        } else {
            say!("  (run `liangxin test --accept` to store the new outcomes)");
        }
    }
    let moved = !changes.is_empty() || !moved_groups.is_empty();
    Ok((evaluation.outcomes, moved && !accept))
}
