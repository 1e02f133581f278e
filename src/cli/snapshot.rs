//! `liangxin snapshot`: store a ledger's outcomes beside a pack, for `liangxin test` to check.

use std::path::{Path, PathBuf};

use liangxin::testing::{Snapshot, SnapshotGroup, SnapshotRow};

use super::{Exit, output, packs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pack (directory or bundled id).
    #[arg(long, short)]
    pub policy: PathBuf,
    /// The ledger whose outcomes to keep.
    #[arg(long, short)]
    pub records: PathBuf,
    /// The snapshot's name (default: the ledger's file name).
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub reading: packs::LedgerArgs,
}

pub fn run(args: Args) -> Exit {
    if super::git::GitLoader::parse(&args.policy).is_some() {
        eprintln!(
            "error: a snapshot is stored beside a pack on disk; {} names a git revision",
            args.policy.display()
        );
        return Exit::Usage;
    }
    if let Some(name) = &args.name
        && (name.is_empty() || name.contains(['/', '\\']) || name.contains(".."))
    {
        eprintln!("error: --name `{name}` must be a plain file name (no `/`, `\\` or `..`)");
        return Exit::Usage;
    }
    let prepared = match packs::prepare(&args.policy, &super::date::today()) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let compiled = &prepared.policy;
    let ledger = match packs::ledger(&args.records, &compiled.policy.schema, &args.reading) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let evaluation = compiled.evaluate_ledger(&ledger);
    let pack_dir = liangxin::load::policy_file(&packs::resolve(&args.policy))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let Some(records) = relative(&args.records, &pack_dir) else {
        eprintln!(
            "error: cannot express {} relative to the pack's directory {}",
            args.records.display(),
            pack_dir.display()
        );
        return Exit::Usage;
    };
    let stem = args.name.clone().unwrap_or_else(|| {
        args.records
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "ledger".into())
    });
    let path = pack_dir.join("snapshots").join(format!("{stem}.yaml"));
    let snapshot = Snapshot {
        records,
        outcomes: evaluation.outcomes.iter().map(SnapshotRow::of).collect(),
        groups: SnapshotGroup::all(&evaluation),
    };
    if let Err(e) = std::fs::create_dir_all(pack_dir.join("snapshots"))
        .and_then(|_| output::write(Some(&path), &snapshot.to_yaml(&compiled.policy.meta.id)))
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        return Exit::Usage;
    }
    say!(
        "wrote {} ({} records)",
        path.display(),
        snapshot.outcomes.len()
    );
    output::print_errors(&ledger.path, &evaluation.errors);
    if evaluation.errors.is_empty() {
        Exit::Ok
    } else {
        Exit::Findings
    }
}

/// `target` as a path relative to `base` (both taken from the current directory).
fn relative(target: &Path, base: &Path) -> Option<String> {
    let cwd = std::env::current_dir().ok()?;
    let target = liangxin::load::normalize(&cwd.join(target));
    let base = liangxin::load::normalize(&cwd.join(base));
    let common = target
        .components()
        .zip(base.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut rel = PathBuf::new();
    for _ in base.components().skip(common) {
        rel.push("..");
    }
    for part in target.components().skip(common) {
        rel.push(part);
    }
    Some(rel.to_string_lossy().replace('\\', "/"))
}
