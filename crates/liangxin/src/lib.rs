//! liangxin (两新): a rules engine for assessing party organizations and party members in
//! "two new" organizations (non-public enterprises and social organizations).
//!
//! A city's standard is a policy pack: `policy.yaml` plus optional Rhai scripts. The pipeline:
//!
//! ```text
//! load (YAML -> Pack) -> validate (Pack -> Policy) -> compile (Policy -> CompiledPolicy)
//!      -> evaluate (CompiledPolicy x Record -> Outcome) -> report (Evaluation -> text)
//! ```
//!
//! ```
//! use liangxin::{MemoryLoader, Ledger, prepare};
//! let loader = MemoryLoader::new().with("p/policy.yaml", r#"
//! id: demo
//! name: 示例
//! subject: member
//! fields: [org_life]
//! params: { base_score: { value: 1000 } }
//! rules:
//!   - { id: base, kind: base, value: base_score }
//!   - { id: org_life, kind: points, expr: org_life }
//! "#);
//! let prepared = prepare(&loader, "p".as_ref()).unwrap();
//! let ledger = Ledger::from_csv_bytes("党员编号,组织生活\nM1,-20\n".as_bytes(), "inline", &prepared.policy.policy.schema).unwrap();
//! let evaluation = prepared.policy.evaluate_ledger(&ledger);
//! assert_eq!(evaluation.outcomes[0].score, Some(980.0));
//! ```

#![warn(missing_docs)]

pub mod calendar;
pub mod compare;
pub mod compile;
pub mod diagnostic;
pub mod diff;
pub mod dimension;
pub mod editor;
pub mod encoding;
pub mod evaluate;
#[doc(hidden)]
pub mod fuzz;
pub mod generate;
mod labels;
pub mod ledger;
pub mod load;
pub mod money;
pub(crate) mod native;
pub mod number;
pub mod policy;
pub mod report;
pub mod rules;
pub mod sandbox;
pub mod schema;
pub mod stream;
pub mod template;
pub mod testing;
pub mod validate;
pub mod value;
pub mod workbook;

use std::path::Path;

pub use compile::CompiledPolicy;
pub use diagnostic::{Diagnostic, Severity};
pub use evaluate::{Evaluation, Outcome};
pub use ledger::{Ledger, LedgerError, Record, RecordError};
pub use load::{FsLoader, LoadError, Loader, MemoryLoader};
pub use policy::Policy;
pub use schema::{Schema, Subject};

/// A compiled policy and the warnings found on the way.
#[derive(Debug)]
pub struct Prepared {
    /// The compiled policy, ready to evaluate ledgers.
    pub policy: CompiledPolicy,
    /// Warnings found by validate and compile (never errors: with an error there is no `Prepared`).
    pub warnings: Vec<Diagnostic>,
}

/// Runs load, validate and compile on the pack at `path` (its directory or policy.yaml). On
/// failure, every problem found by validate and compile together.
pub fn prepare(loader: &dyn Loader, path: &Path) -> Result<Prepared, LoadError> {
    prepare_at(loader, path, None)
}

/// [`prepare`] with dated params read as of `as_of` (YYYY-MM-DD; None: their latest values).
pub fn prepare_at(
    loader: &dyn Loader,
    path: &Path,
    as_of: Option<&str>,
) -> Result<Prepared, LoadError> {
    let pack = load::load_pack(loader, path)?;
    let validate::Validation {
        policy,
        mut diagnostics,
        compilable,
    } = validate::validate_at(pack, as_of);
    if !compilable {
        return Err(LoadError::Invalid(diagnostics));
    }
    match compile::compile(policy) {
        Ok((compiled, more)) => {
            diagnostics.extend(more);
            if diagnostic::has_errors(&diagnostics) {
                Err(LoadError::Invalid(diagnostics))
            } else {
                Ok(Prepared {
                    policy: compiled,
                    warnings: diagnostics,
                })
            }
        }
        Err(more) => {
            diagnostics.extend(more);
            Err(LoadError::Invalid(diagnostics))
        }
    }
}
