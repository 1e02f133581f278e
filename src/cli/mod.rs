//! Command-line arguments, and what the subcommands share.

/// `println!` that ignores a closed stdout (`liangxin test | head`) instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub mod check;
pub mod choices;
pub mod compare;
mod date;
pub mod diff;
mod entries;
pub mod eval;
pub mod generate;
mod git;
pub mod history;
pub mod list;
mod memory;
pub mod output;
mod packs;
pub mod progress;
pub mod publish;
pub mod schema;
pub mod serve;
pub mod snapshot;
mod stream;
pub mod template;
pub mod test;
pub mod user;
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
    /// No progress bar on stderr (it shows only on a terminal, for runs over a second).
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a ledger's records under a policy pack.
    #[command(
        after_help = "Examples:\n  liangxin eval --policy longwen-points --records 党员积分台账.xlsx\n  liangxin eval -p longwen-points -r members.csv --format xlsx --output 结果.xlsx\n  liangxin eval -p longwen-points -r members.csv --record LW2022008 --explain\n  liangxin gen --subject member --rows 10000000 | liangxin eval -p longwen-points -r - --summary --top 10"
    )]
    Eval(eval::Args),
    /// Compare several packs: on the same ledger, or their standards side by side.
    #[command(
        after_help = "Examples:\n  liangxin compare -p zhuzhou-wuhua-enterprise -p zhuzhou-wuhua-social -r fixtures/zhuzhou/enterprise-branches.csv\n  liangxin compare -p longwen-stars -p xingyi-liuge-qianghua --format html --output 对比.html\n  liangxin compare -p longwen-points -p jinan-sanqiang-sanhao   (the standards side by side)"
    )]
    Compare(compare::Args),
    /// What a change to a pack does: every record whose grade, score, money or veto moves.
    #[command(
        after_help = "Examples:\n  liangxin diff longwen-points my-draft -r fixtures/longwen/members.csv\n  liangxin diff HEAD~1:policies/longwen-points policies/longwen-points -r members.csv --fail-on-change"
    )]
    Diff(diff::Args),
    /// Check policy packs and report every problem at once.
    #[command(
        after_help = "Examples:\n  liangxin check                      (every bundled pack)\n  liangxin check my-pack --watch      (again on every save)\n  liangxin check my-pack --format json"
    )]
    Check(check::Args),
    /// Run the test cases and snapshots kept beside packs (`tests/`, `snapshots/`).
    #[command(
        after_help = "Examples:\n  liangxin test                       (every bundled pack)\n  liangxin test my-pack --coverage\n  liangxin test my-pack --accept      (keep the new outcomes as the snapshot)"
    )]
    Test(test::Args),
    /// Store a ledger's outcomes beside a pack, for `liangxin test` to check.
    #[command(
        after_help = "Example:\n  liangxin snapshot --policy my-pack --records fixtures/longwen/members.csv"
    )]
    Snapshot(snapshot::Args),
    /// Print the JSON Schema of the policy format (or, with --cases, of test case files).
    #[command(after_help = "Example:\n  liangxin schema --output docs/schema/policy.json")]
    Schema(schema::Args),
    /// List the bundled policy packs.
    #[command(after_help = "Example:\n  liangxin list")]
    List(list::Args),
    /// Write a synthetic ledger (deterministic, any size) for trials and benchmarks.
    Gen(generate::Args),
    /// Write an empty ledger with exactly the columns a pack reads (CSV, or Excel with checks).
    Template(template::Args),
    /// Start the workbench in a browser: the standards library, evaluating an uploaded ledger,
    /// and a JSON API for other systems.
    #[command(after_help = "Examples:
  liangxin serve                          (the bundled packs, read-only, http://127.0.0.1:8080)
  liangxin serve --library 标准库          (editable; a new folder gets the bundled packs)
  liangxin serve --library 标准库 --addr 0.0.0.0:8080   (other machines: needs accounts)")]
    Serve(serve::Args),
    /// Manage the workbench's accounts (sign-in with roles: viewer, editor, admin).
    #[command(after_help = "Examples:
  liangxin user add 王科长 --role editor --library 标准库
  liangxin user passwd 王科长 --library 标准库
  liangxin user list --library 标准库")]
    User(user::Args),
    /// Publish an assessment: evaluate a ledger and freeze the result, with the pack's git
    /// revision and the ledger's SHA-256, in the library's archive (never changed after;
    /// publishing again needs a reason and supersedes it).
    #[command(after_help = "Examples:
  liangxin publish longwen-points 2023党员积分台账.xlsx --period 2023 --as-of 2023-12-31 --by 王科长 --library 标准库
  liangxin publish longwen-points 台账-更正.xlsx --period 2023 --as-of 2023-12-31 --by 王科长 --reason \"更正3名党员的扣分\" --library 标准库
Refused (exit 1) when any record of the ledger could not be evaluated: correct it first.")]
    Publish(publish::Args),
    /// Read the archive of published assessments: a record or an organization year over year,
    /// who moved up or down, follow-ups with deadlines, the public notice (公示).
    #[command(after_help = "Examples:
  liangxin history list --library 标准库
  liangxin history record LW2022008 --library 标准库
  liangxin history moves --pack longwen-points --from 2022 --to 2023 --library 标准库
  liangxin history org LWO2022004 --library 标准库
  liangxin history followups --as-of 2024-04-01 --library 标准库
  liangxin history notice longwen-stars 2023 --from 2024-01-08 --to 2024-01-14 -o 公示.html --library 标准库")]
    History(history::Args),
    /// Print a shell's completion script for liangxin.
    #[command(
        after_help = "Examples:\n  liangxin completions bash > ~/.local/share/bash-completion/completions/liangxin\n  liangxin completions zsh > ~/.zfunc/_liangxin"
    )]
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
    },
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
