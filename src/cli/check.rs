//! `liangxin check`: validate packs and report every problem at once.

use std::path::PathBuf;

use liangxin::{FsLoader, LoadError, prepare};

use super::{Exit, packs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Packs to check (directories, policy.yaml files or bundled ids); all bundled packs if none.
    pub packs: Vec<PathBuf>,
}

pub fn run(args: Args) -> Exit {
    let packs = if args.packs.is_empty() {
        match packs::bundled() {
            Ok(p) => p,
            Err(e) => {
                eprintln!(
                    "error: cannot list bundled packs in {}: {e}",
                    packs::policies_dir().display()
                );
                return Exit::Usage;
            }
        }
    } else {
        args.packs.iter().map(|p| packs::resolve(p)).collect()
    };
    let mut exit = Exit::Ok;
    for pack in &packs {
        match prepare(&FsLoader, pack) {
            Ok(prepared) => {
                for w in &prepared.warnings {
                    println!("{w}\n");
                }
                let p = &prepared.policy.policy;
                let (native, scripted) = prepared.policy.expression_paths();
                println!(
                    "ok: {} ({} {}): {} rules, {} expressions ({native} native, {scripted} Rhai), {} warning(s)",
                    pack.display(),
                    p.meta.id,
                    p.meta.name,
                    p.rules.len(),
                    native + scripted,
                    prepared.warnings.len()
                );
            }
            Err(LoadError::Io { path, source }) => {
                println!("error: cannot read policy {path}: {source}");
                exit = Exit::Usage;
            }
            Err(LoadError::Invalid(diagnostics)) => {
                for d in &diagnostics {
                    println!("{d}\n");
                }
                let errors = diagnostics.iter().filter(|d| d.is_error()).count();
                println!(
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
