//! The Longwen points decision evaluated by GoRules zen-engine, as a zen user would model it:
//! the JDM graph `longwen-points.jdm.json` (an expression node computing 日常工作积分 and 积分, a
//! first-hit decision table giving the grade), loaded and compiled once per thread, evaluated
//! for each row with the row as JSON input.
//!
//!     zen LEDGER.csv OUTPUT.csv [--threads N|all] [--graph longwen-points.jdm.json]
//!
//! The graph is compiled into the binary; `--graph` reads another file instead (to try a
//! different model without rebuilding).

use std::sync::Arc;

use liangxin_bench_zen::{Args, GRADES, Row, run};
use serde_json::json;
use zen_engine::model::DecisionContent;
use zen_engine::{Decision, DecisionEngine};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const GRAPH: &str = include_str!("../../longwen-points.jdm.json");

/// One thread's evaluator: its own engine, its decision compiled (expression bytecode, table
/// indexes) once, and a current-thread tokio runtime to drive zen's async `evaluate`.
struct Zen {
    runtime: tokio::runtime::Runtime,
    decision: Decision,
}

impl Zen {
    fn new(graph: &str) -> Result<Zen, String> {
        let content: DecisionContent =
            serde_json::from_str(graph).map_err(|e| format!("the JDM graph: {e}"))?;
        let engine = DecisionEngine::default();
        let mut decision = engine
            .create_decision(Arc::new(content))
            .map_err(|e| e.to_string())?;
        decision.validate().map_err(|e| e.to_string())?;
        decision.compile();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Zen { runtime, decision })
    }

    fn grade(&self, r: &Row) -> Result<usize, String> {
        let input = json!({
            "orgLife": r.org_life,
            "excellence": r.excellence,
            "serveWorkers": r.serve_workers,
            "lawAbiding": r.law_abiding,
            "feedback": r.feedback,
            "innovation": r.innovation,
            "mistakes": r.mistakes,
            "veto": r.veto,
        });
        let response = self
            .runtime
            .block_on(self.decision.evaluate(input.into()))
            .map_err(|e| e.to_string())?;
        let grade = response.result.dot("grade");
        let label = grade.as_ref().and_then(|g| g.as_str()).unwrap_or_default();
        GRADES
            .iter()
            .position(|g| *g == label)
            .ok_or_else(|| format!("no grade in {}", response.result))
    }
}

fn main() -> std::process::ExitCode {
    let usage = "zen LEDGER.csv OUTPUT.csv [--threads N|all] [--graph FILE.jdm.json]";
    let mut argv: Vec<String> = std::env::args().collect();
    let graph = match argv.iter().position(|a| a == "--graph") {
        Some(i) if i + 1 < argv.len() => {
            let path = argv.remove(i + 1);
            argv.remove(i);
            match std::fs::read_to_string(&path) {
                Ok(g) => g,
                Err(e) => {
                    eprintln!("{path}: {e}");
                    return std::process::ExitCode::from(2);
                }
            }
        }
        _ => GRAPH.to_owned(),
    };
    let outcome = Args::parse_from(argv.into_iter().skip(1), usage).and_then(|args| {
        run("zen", &args, || {
            let zen = Zen::new(&graph)?;
            Ok(move |r: &Row| zen.grade(r))
        })
    });
    match outcome {
        Ok(t) if t.errors == 0 => std::process::ExitCode::SUCCESS,
        Ok(_) => std::process::ExitCode::from(1),
        Err(e) => {
            eprintln!("{e}");
            std::process::ExitCode::from(2)
        }
    }
}
