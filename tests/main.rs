//! The integration tests, in one binary to keep link time down.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod authoring;
mod cli;
mod docs;
mod empty_values;
mod engine;
mod entries;
mod eval_cases;
mod figures;
mod fuzz_replay;
mod hostile;
mod invalid;
mod ledger_rows;
mod pack_fields;
mod properties;
mod provenance;
mod publish;
mod real_world;
mod reports;
mod rule_kinds;
mod streaming;
mod workbooks;
mod worked_example;
mod xlsx;

use std::path::Path;

use liangxin::{FsLoader, Prepared, prepare};

/// Loads a bundled or fixture pack that is known to be valid.
pub fn pack(path: &str) -> Prepared {
    match prepare(&FsLoader, Path::new(path)) {
        Ok(p) => p,
        Err(liangxin::LoadError::Invalid(d)) => panic!(
            "{path} is invalid:\n{}",
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
        Err(e) => panic!("{path}: {e}"),
    }
}

/// Evaluates a ledger file under a pack.
pub fn evaluate(pack_path: &str, records: &str) -> liangxin::Evaluation {
    let prepared = pack(pack_path);
    let ledger = liangxin::Ledger::read(Path::new(records), &prepared.policy.policy.schema)
        .unwrap_or_else(|e| panic!("{e}"));
    prepared.policy.evaluate_ledger(&ledger)
}
