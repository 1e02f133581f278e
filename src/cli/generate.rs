//! `liangxin gen`: a synthetic ledger for trials and benchmarks.

use std::path::PathBuf;

use liangxin::entries::generate::{EntrySpec, MAX_PER_MEMBER, write_entries, write_roster};
use liangxin::generate::{Spec, write_ledger};
use liangxin::{Schema, Subject};

use super::{Exit, output};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  liangxin gen --subject member --rows 1000000 --output members.csv\n  liangxin gen --subject member --rows 100000000 | liangxin eval --policy longwen-points --records -\n  liangxin gen --subject member --rows 1000000 --policy longwen-points --entries entries.csv --per-member 20 -o roster.csv\n  liangxin eval -p longwen-points -r roster.csv --entries entries.csv --period 2024 --summary"
)]
pub struct Args {
    /// What one row is: member (党员), organization (党组织) or dossier (发展党员档案).
    #[arg(long, value_parser = parse_subject)]
    subject: Subject,
    /// How many rows.
    #[arg(long)]
    rows: u64,
    /// The same seed gives the same ledger, byte for byte.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write to this file (atomically) instead of stdout; with --entries, the roster.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Also write an entry ledger for the pack's item catalog (积分细则) to this file: about
    /// --per-member entries per member over 2024 (`eval --entries ... --period 2024`); the
    /// ledger written is then the roster, without the columns the entries fill.
    #[arg(long, requires = "policy")]
    entries: Option<PathBuf>,
    /// The pack whose catalog the entries use (with --entries).
    #[arg(long, short, requires = "entries")]
    policy: Option<PathBuf>,
    /// Entries per member in the year (with --entries).
    #[arg(long, default_value_t = 20, requires = "entries")]
    per_member: u32,
}

fn parse_subject(s: &str) -> Result<Subject, String> {
    Subject::ALL
        .into_iter()
        .find(|subject| subject.as_str() == s)
        .ok_or_else(|| format!("`{s}` is not a subject (member, organization or dossier)"))
}

pub fn run(args: Args) -> Exit {
    if let (Some(entries), Some(policy)) = (&args.entries, &args.policy) {
        return roster_and_entries(&args, entries, policy);
    }
    let schema = Schema::builtin(args.subject);
    let spec = Spec {
        rows: args.rows,
        seed: args.seed,
    };
    output::write_or_say(args.output.as_deref(), |out| {
        write_ledger(&schema, spec, out)
    })
}

/// `gen --entries`: the roster to --output (or stdout), the entry ledger to its file; both are
/// written whole or not at all.
fn roster_and_entries(args: &Args, entries: &std::path::Path, policy: &std::path::Path) -> Exit {
    let prepared = match super::packs::prepare(policy, "2024-12-31") {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let policy = &prepared.policy.policy;
    let Some(catalog) = &policy.catalog else {
        eprintln!(
            "error: the pack {} has no item catalog (`catalog:`): entries are items of a catalog",
            policy.meta.id
        );
        return Exit::Usage;
    };
    if policy.schema.subject != args.subject {
        eprintln!(
            "error: the pack {} assesses {} records, not {}",
            policy.meta.id,
            policy.schema.subject.as_str(),
            args.subject.as_str()
        );
        return Exit::Usage;
    }
    let spec = EntrySpec {
        members: args.rows,
        per_member: args.per_member,
        seed: args.seed,
    };
    if spec.per_member > MAX_PER_MEMBER {
        eprintln!("error: --per-member is at most {MAX_PER_MEMBER}");
        return Exit::Usage;
    }
    let exit = output::write_or_say(Some(entries), |out| {
        write_entries(&policy.schema, catalog, spec, out)
    });
    if exit != Exit::Ok {
        return exit;
    }
    output::write_or_say(args.output.as_deref(), |out| {
        write_roster(&policy.schema, catalog, spec, out)
    })
}
