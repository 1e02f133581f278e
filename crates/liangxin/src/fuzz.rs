//! Fuzzing harnesses: the bodies of the cargo-fuzz targets in `fuzz/`, kept in the library so
//! `tests/fuzz_replay.rs` replays the saved corpus and regressions through the very same code
//! on every `cargo test` (no fuzzing in CI).
//!
//! Each function takes arbitrary bytes and returns nothing. None of them panics on its own: an
//! input the engine rejects is an `Err` and is dropped, so any panic, hang or runaway allocation
//! seen while fuzzing is the engine's.

use std::path::Path;
use std::sync::OnceLock;

use crate::generate::{Spec, write_ledger};
use crate::{Ledger, MemoryLoader, Prepared, Schema, prepare};

/// The bytes as a pack's only file, through load, validate and compile; a pack that prepares
/// also evaluates a few generated records of its subject, so what it compiled gets run.
pub fn policy(data: &[u8]) {
    // MemoryLoader holds text; non-UTF-8 is rejected before the YAML parser by FsLoader too.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(prepared) = prepare_text(text) {
        evaluate_generated(&prepared);
    }
}

/// The bytes as a CSV ledger of each bundled pack's subject, evaluated whole and streamed in
/// small blocks (the stream cuts blocks at row ends itself, a separate reader to fuzz).
pub fn ledger_csv(data: &[u8]) {
    for prepared in bundled() {
        let schema = &prepared.policy.policy.schema;
        if let Ok(ledger) = Ledger::from_csv_bytes(data, "fuzz.csv", schema) {
            let _ = prepared.policy.evaluate_ledger_with(&ledger, 1);
        }
        let options = crate::stream::StreamOptions {
            threads: 1,
            top: Some(3),
            block_bytes: 64,
            max_errors: 10,
            ..Default::default()
        };
        let _ = crate::stream::evaluate_csv(&prepared.policy, data, "fuzz.csv", options);
    }
}

/// The bytes as a JSON ledger of each bundled pack's subject.
pub fn ledger_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for prepared in bundled() {
        let schema = &prepared.policy.policy.schema;
        if let Ok(ledger) = Ledger::from_json_str(text, "fuzz.json", schema) {
            let _ = prepared.policy.evaluate_ledger_with(&ledger, 1);
        }
    }
}

/// The bytes as a YAML ledger of each bundled pack's subject.
pub fn ledger_yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for prepared in bundled() {
        let schema = &prepared.policy.policy.schema;
        if let Ok(ledger) = Ledger::from_yaml_str(text, "fuzz.yaml", schema) {
            let _ = prepared.policy.evaluate_ledger_with(&ledger, 1);
        }
    }
}

/// The bytes as one rule's expression: first a points rule's `expr` (a number), and if that
/// pack does not prepare, a veto's `when` (a yes/no), so expressions of either type get compiled
/// and run on generated records, on the native path or in Rhai, whichever compile picks.
pub fn expression(data: &[u8]) {
    let Ok(expr) = std::str::from_utf8(data) else {
        return;
    };
    for rule in [
        serde_json::json!({ "id": "fuzzed", "kind": "points", "expr": expr }),
        serde_json::json!({ "id": "fuzzed", "kind": "veto", "when": expr, "grade": "vetoed" }),
    ] {
        let mut policy = expression_policy();
        if let Some(rules) = policy["rules"].as_array_mut() {
            rules.push(rule);
        }
        // JSON is YAML: serializing, not pasting, keeps any text a single string value.
        match prepare_text(&policy.to_string()) {
            Ok(prepared) => return evaluate_generated(&prepared),
            // Only a type error (a yes/no where a number goes) can pass as a `when`; anything
            // else would fail again, and each try builds a Rhai engine.
            Err(crate::LoadError::Invalid(d)) if d.iter().any(|d| d.code == "type") => {}
            Err(_) => return,
        }
    }
}

/// Whether the packs the ledger targets evaluate with all prepared; `tests/fuzz_replay.rs`
/// checks it, since a pack that stopped preparing would silently leave them nothing to run.
pub fn bundled_ready() -> bool {
    bundled().len() == BUNDLED.len()
}

/// The pack the expression target puts its rule in: every field of the organization schema
/// (int, decimal, bool, enum and string ones) and params like the bundled packs' to compare
/// them with, so expressions taken from those packs compile here.
fn expression_policy() -> serde_json::Value {
    let schema = Schema::builtin(crate::Subject::Organization);
    let fields: Vec<&String> = schema
        .fields
        .keys()
        .filter(|f| **f != schema.id_field)
        .collect();
    serde_json::json!({
        "id": "fuzz-expression",
        "name": "fuzz",
        "subject": "organization",
        "version": "1.0.0",
        "fields": fields,
        "params": {
            "min_members": { "value": 3 },
            "min_service_activities": { "value": 4 },
            "good_satisfaction": { "value": 0.9 },
            "fair_satisfaction": { "value": 0.6 },
            "points_per_honor": { "value": 2.5 }
        },
        "rules": [ { "id": "base", "kind": "base", "value": 100 } ],
        "grades": { "vetoed": { "label": "否决", "pass": false } }
    })
}

/// Packs with one file, `p/policy.yaml`, prepared.
fn prepare_text(text: &str) -> Result<Prepared, crate::LoadError> {
    let loader = MemoryLoader::new().with("p/policy.yaml", text);
    prepare(&loader, Path::new("p"))
}

/// Evaluates a few generated records of the pack's subject, plus one with only its id.
fn evaluate_generated(prepared: &Prepared) {
    let schema: &Schema = &prepared.policy.policy.schema;
    let mut csv = Vec::new();
    if write_ledger(schema, Spec { rows: 3, seed: 7 }, &mut csv).is_err() {
        return;
    }
    csv.extend_from_slice(b"FUZZ-ONLY-ID\n");
    if let Ok(ledger) = Ledger::from_csv_bytes(&csv, "generated.csv", schema) {
        let _ = prepared.policy.evaluate_ledger_with(&ledger, 1);
    }
}

/// Bundled packs, one per subject (jinan's has a Rhai script file, so scripts run too).
const BUNDLED: [(&str, &str, Option<&str>); 3] = [
    (
        "longwen-points",
        include_str!("../../../policies/longwen-points/policy.yaml"),
        None,
    ),
    (
        "jinan-sanqiang-sanhao",
        include_str!("../../../policies/jinan-sanqiang-sanhao/policy.yaml"),
        Some(include_str!(
            "../../../policies/jinan-sanqiang-sanhao/scripts/reputation.rhai"
        )),
    ),
    (
        "ganjingzi-development",
        include_str!("../../../policies/ganjingzi-development/policy.yaml"),
        None,
    ),
];

/// The bundled packs, compiled once per process (compiling per input would drown the fuzzer).
fn bundled() -> &'static [Prepared] {
    static PACKS: OnceLock<Vec<Prepared>> = OnceLock::new();
    PACKS.get_or_init(|| {
        BUNDLED
            .iter()
            .filter_map(|(name, policy, script)| {
                let dir = Path::new("policies").join(name);
                let mut loader = MemoryLoader::new().with(dir.join("policy.yaml"), *policy);
                if let Some(script) = script {
                    loader = loader.with(dir.join("scripts/reputation.rhai"), *script);
                }
                prepare(&loader, &dir).ok()
            })
            .collect()
    })
}
