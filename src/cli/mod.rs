//! Command-line arguments, and what the subcommands share.

pub mod check;
pub mod compare;
pub mod diff;
pub mod eval;
mod git;
pub mod list;
mod output;
mod packs;

use clap::{Parser, Subcommand};

/// Exit codes: 0 all good, 1 a policy or record problem was found, 2 usage or I/O error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Findings = 1,
    Usage = 2,
}

/// liangxin (两新): apply a city's assessment standard for party organizations and members in
/// "two new" organizations to a ledger (台账).
#[derive(Debug, Parser)]
#[command(name = "liangxin", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a ledger's records under a policy pack.
    Eval(eval::Args),
    /// Compare several packs: on the same ledger, or their standards side by side.
    Compare(compare::Args),
    /// What a change to a pack does: every record whose grade, score, money or veto moves.
    Diff(diff::Args),
    /// Check policy packs and report every problem at once.
    Check(check::Args),
    /// List the bundled policy packs.
    List(list::Args),
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
