//! Command-line arguments, and what the subcommands share.

/// `println!` that ignores a closed stdout (`liangxin test | head`) instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub mod check;
pub mod compare;
mod date;
pub mod diff;
pub mod eval;
pub mod generate;
mod git;
pub mod list;
pub mod output;
mod packs;
pub mod schema;
pub mod snapshot;
pub mod template;
pub mod test;
mod watch;

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
    /// Run the test cases and snapshots kept beside packs (`tests/`, `snapshots/`).
    Test(test::Args),
    /// Store a ledger's outcomes beside a pack, for `liangxin test` to check.
    Snapshot(snapshot::Args),
    /// Print the JSON Schema of the policy format (or, with --cases, of test case files).
    Schema(schema::Args),
    /// List the bundled policy packs.
    List(list::Args),
    /// Write a synthetic ledger (deterministic, any size) for trials and benchmarks.
    Gen(generate::Args),
    /// Write an empty ledger with exactly the columns a pack reads (CSV, or Excel with checks).
    Template(template::Args),
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
