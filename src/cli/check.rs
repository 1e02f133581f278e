//! `liangxin check`: validate packs and report every problem at once.

use std::path::PathBuf;

use liangxin::{FsLoader, LoadError, prepare_at};

use super::{Exit, packs, watch};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Packs to check (directories, policy.yaml files or bundled ids); all bundled packs if none.
    pub packs: Vec<PathBuf>,
    /// How to report: text, or json for editors and CI.
    #[arg(long, short, value_enum, default_value = "text")]
    pub format: CheckFormat,
    /// Dated params and dates relative to the assessment date (`before_as_of`) as on this day.
    #[command(flatten)]
    pub as_of: super::date::AsOf,
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

/// How `check` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Each problem with its source line underlined, then a line per pack.
    Text,
    /// One object per pack: `pack`, `ok`, `summary` and `diagnostics` (severity, code,
    /// message, location {file, line, column}, help), for editors and CI.
    Json,
}

/// What checking one pack found.
#[derive(serde::Serialize)]
struct PackCheck {
    pack: String,
    ok: bool,
    /// The pack's one-line description when it is usable, else why not.
    summary: String,
    diagnostics: Vec<liangxin::Diagnostic>,
}

/// Checks the packs and prints what was found; `problems` collects each one's headline, for
/// `--watch` to say what changed.
fn check(args: &Args, problems: &mut Vec<String>) -> Exit {
    let packs = match packs::list_or_bundled(&args.packs) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let mut exit = Exit::Ok;
    let mut checks = Vec::new();
    let as_of = args.as_of.date();
    for pack in &packs {
        let (check, pack_exit) = check_pack(pack, &as_of);
        problems.extend(
            check
                .diagnostics
                .iter()
                .map(|d| format!("{} {}", d.location, d.message)),
        );
        if pack_exit as u8 > exit as u8 {
            exit = pack_exit;
        }
        match args.format {
            CheckFormat::Text => {
                for d in &check.diagnostics {
                    say!("{d}\n");
                }
                say!("{}", check.summary);
            }
            CheckFormat::Json => checks.push(check),
        }
    }
    if args.format == CheckFormat::Json {
        match serde_json::to_string_pretty(&checks) {
            Ok(json) => say!("{json}"),
            Err(e) => {
                eprintln!("error: cannot write the JSON report: {e}");
                return Exit::Usage;
            }
        }
    }
    exit
}

fn check_pack(pack: &std::path::Path, as_of: &str) -> (PackCheck, Exit) {
    // A pack on disk, or `REV:path` in a git revision.
    let result = match super::git::GitLoader::parse(pack) {
        Some((git, path)) => prepare_at(&git, &path, Some(as_of)),
        None => prepare_at(&FsLoader, pack, Some(as_of)),
    };
    let name = pack.display().to_string();
    match result {
        Ok(prepared) => {
            let p = &prepared.policy.policy;
            let (native, scripted) = prepared.policy.expression_paths();
            let groups = match p.group_rules.len() {
                0 => String::new(),
                1 => ", 1 group rule".to_owned(),
                n => format!(", {n} group rules"),
            };
            let summary = format!(
                "ok: {name} ({} {}): {} rules{groups}, {} expressions ({native} native, {scripted} Rhai), {} warning(s)",
                p.meta.id,
                p.meta.name,
                p.rules.len(),
                native + scripted,
                prepared.warnings.len()
            );
            let check = PackCheck {
                pack: name,
                ok: true,
                summary,
                diagnostics: prepared.warnings,
            };
            (check, Exit::Ok)
        }
        Err(LoadError::Io { path, source }) => {
            let check = PackCheck {
                pack: name,
                ok: false,
                summary: format!("error: cannot read policy {path}: {source}"),
                diagnostics: Vec::new(),
            };
            (check, Exit::Usage)
        }
        Err(LoadError::Invalid(diagnostics)) => {
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            let check = PackCheck {
                summary: format!(
                    "failed: {name}: {errors} error(s), {} warning(s)",
                    diagnostics.len() - errors
                ),
                pack: name,
                ok: false,
                diagnostics,
            };
            (check, Exit::Findings)
        }
    }
}
