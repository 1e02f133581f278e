//! The `liangxin` command: parses arguments and hands each subcommand to its module.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than the system allocator: records are made on the reading thread and
/// dropped on the evaluating ones, which glibc's allocator handles slowly (a third of a large
/// run's time went to it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Interrupted (Ctrl-C, a kill), a run removes the output file it was writing, so what is
    // left under the output's name is the good file from before or nothing.
    let _ = ctrlc::set_handler(|| {
        cli::output::remove_unfinished();
        std::process::exit(130);
    });
    let args = cli::Cli::parse();
    cli::progress::set_quiet(args.quiet);
    let code = match args.command {
        cli::Command::Eval(a) => cli::eval::run(a),
        cli::Command::Check(a) => cli::check::run(a),
        cli::Command::Compare(a) => cli::compare::run(a),
        cli::Command::Diff(a) => cli::diff::run(a),
        cli::Command::List(a) => cli::list::run(a),
        cli::Command::Test(a) => cli::test::run(a),
        cli::Command::Snapshot(a) => cli::snapshot::run(a),
        cli::Command::Schema(a) => cli::schema::run(a),
        cli::Command::Gen(a) => cli::generate::run(a),
        cli::Command::Template(a) => cli::template::run(a),
        cli::Command::Serve(a) => cli::serve::run(a),
        cli::Command::User(a) => cli::user::run(a),
        cli::Command::Publish(a) => cli::publish::run(a),
        cli::Command::History(a) => cli::history::run(a),
        cli::Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut cli::Cli::command(),
                "liangxin",
                &mut std::io::stdout(),
            );
            cli::Exit::Ok
        }
    };
    ExitCode::from(code as u8)
}
