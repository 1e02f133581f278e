//! `liangxin schema`: the JSON Schema of the policy format (or of test case files), for editors.

use std::path::PathBuf;

use liangxin::editor::{FileKind, json_schema};

use super::{Exit, output};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The schema of test case files (`tests/*.yaml`) instead of `policy.yaml`.
    #[arg(long)]
    pub cases: bool,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub fn run(args: Args) -> Exit {
    let kind = if args.cases {
        FileKind::Cases
    } else {
        FileKind::Policy
    };
    match output::write(args.output.as_deref(), &json_schema(kind)) {
        Ok(()) => Exit::Ok,
        Err(e) => {
            eprintln!("error: cannot write the schema: {e}");
            Exit::Usage
        }
    }
}
