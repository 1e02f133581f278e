//! `liangxin check`: validate packs and report every problem at once.

use std::path::PathBuf;

use liangxin::{FsLoader, LoadError, prepare};

use super::{Exit, packs, watch};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Packs to check (directories, policy.yaml files or bundled ids); all bundled packs if none.
    pub packs: Vec<PathBuf>,
    #[command(flatten)]
    pub watch: watch::WatchArgs,
}

pub fn run(args: Args) -> Exit {
    if !args.watch.watch {
        return run_once(&args);
    }
    let roots = || watch::packs_roots(&args.packs);
    let mut previous: Option<Vec<String>> = None;
    watch::watch(roots, args.watch.watch_runs, || {
        let mut problems = Vec::new();
        let exit = check(&args, &mut problems);
        if let Some(before) = &previous {
            let fixed = before.iter().filter(|p| !problems.contains(p)).count();
            let new = problems.iter().filter(|p| !before.contains(p)).count();
            say!("-- since the last run: {fixed} problem(s) fixed, {new} new");
        }
        previous = Some(problems);
        exit
    })
}

fn run_once(args: &Args) -> Exit {
    check(args, &mut Vec::new())
}

/// Checks the packs, printing every problem; `problems` collects each one's headline, for
/// `--watch` to say what changed.
fn check(args: &Args, problems: &mut Vec<String>) -> Exit {
    let packs = match packs::list_or_bundled(&args.packs) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let mut exit = Exit::Ok;
    for pack in &packs {
        // A pack on disk, or `REV:path` in a git revision.
        let result = match super::git::GitLoader::parse(pack) {
            Some((git, path)) => prepare(&git, &path),
            None => prepare(&FsLoader, pack),
        };
        match result {
            Ok(prepared) => {
                for w in &prepared.warnings {
                    say!("{w}\n");
                    problems.push(format!("{} {}", w.location, w.message));
                }
                let p = &prepared.policy.policy;
                let (native, scripted) = prepared.policy.expression_paths();
                let groups = match p.group_rules.len() {
                    0 => String::new(),
                    1 => ", 1 group rule".to_owned(),
                    n => format!(", {n} group rules"),
                };
                say!(
                    "ok: {} ({} {}): {} rules{groups}, {} expressions ({native} native, {scripted} Rhai), {} warning(s)",
                    pack.display(),
                    p.meta.id,
                    p.meta.name,
                    p.rules.len(),
                    native + scripted,
                    prepared.warnings.len()
                );
            }
            Err(LoadError::Io { path, source }) => {
                say!("error: cannot read policy {path}: {source}");
                exit = Exit::Usage;
            }
            Err(LoadError::Invalid(diagnostics)) => {
                for d in &diagnostics {
                    say!("{d}\n");
                    problems.push(format!("{} {}", d.location, d.message));
                }
                let errors = diagnostics.iter().filter(|d| d.is_error()).count();
                say!(
                    "failed: {}: {errors} error(s), {} warning(s)",
                    pack.display(),
                    diagnostics.len() - errors
                );
                if exit == Exit::Ok {
                    exit = Exit::Findings;
                }
            }
        }
    }
    exit
}
