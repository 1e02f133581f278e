//! `liangxin publish`: evaluate a ledger under a pack and freeze the result in the library's
//! archive (`DIR/.liangxin/archive.sqlite`), with the pack's git revision and the ledger's hash.

use std::path::{Path, PathBuf};

use liangxin_archive::{Archive, Submission};

use super::{Exit, date, packs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pack: a folder of the library, its directory, or a bundled pack's id.
    pub pack: PathBuf,
    /// The ledger, in any format `eval` reads.
    pub ledger: PathBuf,
    /// The period assessed: the year (2023), or the year and its part (2023-上半年).
    #[arg(long)]
    pub period: String,
    /// The assessment date (YYYY-MM-DD): dated params and treatment deadlines are read at it.
    /// Required: a publication says which date it was made at, never today by default.
    #[arg(long, value_parser = date::parse)]
    pub as_of: String,
    /// Who publishes (recorded with the publication).
    #[arg(long)]
    pub by: String,
    /// Why an earlier publication of the same pack and period is superseded (required then,
    /// refused otherwise); the earlier one is kept, marked superseded.
    #[arg(long)]
    pub reason: Option<String>,
    /// The public notice's (公示) first day, YYYY-MM-DD.
    #[arg(long, value_parser = date::parse, requires = "notice_to")]
    pub notice_from: Option<String>,
    /// The public notice's last day, YYYY-MM-DD.
    #[arg(long, value_parser = date::parse, requires = "notice_from")]
    pub notice_to: Option<String>,
    /// The library whose archive keeps the publication (`DIR/.liangxin/archive.sqlite`, as the
    /// workbench's `--library DIR`); a pack id names its folder there first.
    #[arg(long, default_value = ".")]
    pub library: PathBuf,
    /// Show the result as a table (default) or JSON.
    #[arg(long, value_enum, default_value = "table")]
    pub format: super::history::Shown,
    #[command(flatten)]
    pub reading: packs::LedgerArgs,
}

/// The pack argument: a folder of the library by that name, else as other commands find it.
fn pack_dir(library: &Path, pack: &Path) -> PathBuf {
    let in_library = library.join(pack);
    if !pack.exists() && in_library.join("policy.yaml").is_file() {
        in_library
    } else {
        packs::resolve(pack)
    }
}

pub fn run(args: Args) -> Exit {
    let dir = pack_dir(&args.library, &args.pack);
    let prepared = match packs::prepare(&dir, &args.as_of) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let compiled = &prepared.policy;
    // The hash is of the bytes read: read before and after, a file changed meanwhile is refused.
    let bytes = match std::fs::read(&args.ledger) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.ledger.display());
            return Exit::Usage;
        }
    };
    let ledger = match packs::ledger(&args.ledger, &compiled.policy.schema, &args.reading) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    if std::fs::read(&args.ledger).ok().as_deref() != Some(&bytes[..]) {
        eprintln!(
            "error: {} changed while it was read; publish again once it is saved / 台账在读取时被修改",
            args.ledger.display()
        );
        return Exit::Usage;
    }
    let evaluation = compiled.evaluate_ledger(&ledger);
    let submission = Submission {
        policy: compiled,
        evaluation: &evaluation,
        ledger: &ledger,
        ledger_sha256: liangxin_archive::ledger_sha256(&bytes),
        ledger_name: args
            .ledger
            .file_name()
            .map_or_else(|| ledger.path.clone(), |n| n.to_string_lossy().into_owned()),
        period: args.period.clone(),
        as_of: args.as_of.clone(),
        revision: liangxin_archive::revision::of(&dir),
        by: args.by.clone(),
        at: liangxin_archive::china_now(),
        notice: args.notice_from.clone().zip(args.notice_to.clone()),
        reason: args.reason.clone(),
    };
    let published = Archive::open(&args.library).and_then(|mut archive| {
        let id = archive.publish(&submission)?;
        archive.publication(id)
    });
    match published {
        Ok(p) => {
            if args.format == super::history::Shown::Json {
                super::history::print_json(&p)
            } else {
                say!(
                    "已发布 第 {} 号 / published No. {}: {} {} ({} 条记录 records), 测评日期 as of {}",
                    p.id,
                    p.id,
                    p.pack_name,
                    p.period,
                    p.records,
                    p.as_of
                );
                say!(
                    "  标准版本 revision: {}{}",
                    p.revision
                        .as_deref()
                        .unwrap_or("（不在 git 仓库中 / not in a git repository）"),
                    if p.revision_dirty {
                        "（有未提交的修改 / with uncommitted changes）"
                    } else {
                        ""
                    }
                );
                say!(
                    "  台账 ledger: {} sha256 {}",
                    p.ledger_name,
                    p.ledger_sha256
                );
                if let Some(old) = p.supersedes {
                    say!(
                        "  取代 supersedes No. {old}: {}",
                        p.reason.as_deref().unwrap_or("")
                    );
                }
                Exit::Ok
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            match e {
                // What was asked is not publishable as it stands: the ledger or the call must change.
                liangxin_archive::ArchiveError::Refused(_)
                | liangxin_archive::ArchiveError::AlreadyPublished { .. }
                | liangxin_archive::ArchiveError::NothingToSupersede { .. } => Exit::Findings,
                _ => Exit::Usage,
            }
        }
    }
}
