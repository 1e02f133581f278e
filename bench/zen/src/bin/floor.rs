//! The floor: the Longwen rule written by hand over the same reading and writing as the zen
//! binary (csv + serde, `党员编号,等次` per row).
//!
//!     floor LEDGER.csv OUTPUT.csv [--threads N|all]

use liangxin_bench_zen::{Args, Row, run};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The rule of policies/longwen-points: a veto overrides; 优先推荐 needs 日常工作积分 (the base
/// and the five daily-work categories) at 900 or more and the whole score above 500; 合格 the
/// score above 500; else 帮扶教育 (500 itself is remedial). Indices into `GRADES`.
fn grade(r: &Row) -> usize {
    let daily = 1000 + r.org_life + r.excellence + r.serve_workers + r.law_abiding + r.feedback;
    let score = daily + r.innovation - r.mistakes;
    if r.veto == "是" {
        3
    } else if score > 500 && daily >= 900 {
        0
    } else if score > 500 {
        1
    } else {
        2
    }
}

fn main() -> std::process::ExitCode {
    let usage = "floor LEDGER.csv OUTPUT.csv [--threads N|all]";
    let outcome =
        Args::parse(usage).and_then(|args| run("floor", &args, || Ok(|r: &Row| Ok(grade(r)))));
    match outcome {
        Ok(t) if t.errors == 0 => std::process::ExitCode::SUCCESS,
        Ok(_) => std::process::ExitCode::from(1),
        Err(e) => {
            eprintln!("{e}");
            std::process::ExitCode::from(2)
        }
    }
}
