//! liangxin (两新): a rules engine for assessing party organizations and party members in
//! "two new" organizations (non-public enterprises and social organizations).
//!
//! This crate is the whole engine, and its public API is what another program embeds: the
//! `liangxin` command line and the web workbench (`liangxin-server`) use nothing else. A city's
//! standard is a *policy pack*: `policy.yaml` plus optional Rhai scripts. A pack is applied to a
//! *ledger* (台账) of records, members, organizations or member-development dossiers, and says
//! per record what the standard makes of it (score, grade, treatment, money, rank, and why),
//! and over groups of records what the group rules make of them.
//!
//! # The pipeline
//!
//! ```text
//! load (YAML -> Pack) -> validate (Pack -> Policy) -> compile (Policy -> CompiledPolicy)
//!      -> evaluate (CompiledPolicy x Record -> Outcome) -> report (Evaluation -> text)
//! ```
//!
//! # Where to start
//!
//! - [`prepare`] (or [`prepare_at`], with an assessment date) runs load, validate and compile on
//!   a pack read through a [`Loader`] ([`FsLoader`] for a disk, [`MemoryLoader`] for packs held
//!   in memory) and gives a [`Prepared`]: the [`CompiledPolicy`] and its warnings. On failure,
//!   [`LoadError::Invalid`] holds every [`Diagnostic`] found, not just the first.
//! - [`Ledger::read`] (any format, by extension), [`Ledger::from_csv_bytes`],
//!   [`Ledger::from_json_str`] or [`Ledger::from_yaml_str`] read records typed by the pack's
//!   [`Schema`] (`prepared.policy.policy.schema`). Rows that are not records are counted in
//!   [`Ledger::notes`] or become [`RecordError`]s; only a file that is not a ledger at all is a
//!   [`LedgerError`].
//! - [`CompiledPolicy::evaluate_ledger`] gives an [`Evaluation`]: one [`Outcome`] per record,
//!   the record errors, group rule results and the [`evaluate::Summary`].
//!   [`CompiledPolicy::evaluator`] evaluates records one at a time and
//!   [`CompiledPolicy::explain`] says why a record got its outcome.
//! - [`report::render`] (or [`report::render_evaluation`]) turns results into a table,
//!   Markdown, CSV, HTML, an Excel workbook or JSON; every format but JSON renders one
//!   [`report::doc::Document`], so they show the same numbers.
//!
//! Beyond one evaluation: [`compare::on_ledger`] (one ledger under several packs), [`diff::diff`]
//! (under two versions of a pack), [`stream::evaluate_csv`] (a CSV ledger too large to hold),
//! [`testing`] (the cases and snapshots staff write beside a pack), [`template`] (an empty
//! ledger with the columns a pack reads), [`generate`] (synthetic ledgers).
//!
//! # Guarantees
//!
//! - **Evaluation is pure**: an outcome is a function of (compiled policy, record) only: no
//!   I/O, no clock (the assessment date is an argument), nothing carried from one record to the
//!   next, so records may be split across threads and give what one thread gives.
//! - **Scripts cannot do I/O** and cannot hang the run: the Rhai engine has no file, module,
//!   print or time access, and operations, depth and sizes are bounded ([`sandbox::Limits`]);
//!   hitting a limit is that record's error.
//! - **Nothing panics on input**: problems with a pack, a script or a ledger are values
//!   ([`Diagnostic`], [`RecordError`], [`LedgerError`], [`LoadError`]); a bad record never
//!   stops the others.
//! - **Money is exact**: amounts are whole fen ([`money::Money`]), summed as integers.
//!
//! # Example
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
//!
//! # Modules
//!
//! The stages, in pipeline order:
//!
//! - [`load`]: stage 1, a pack's files read and parsed ([`load::raw`] is the file format).
//! - [`validate`]: stage 2, a loaded pack checked and resolved into a [`Policy`].
//! - [`policy`]: the validated policy model: rules, params, bands, grades, group rules.
//! - [`rules`]: the rule kinds' validated forms (points, veto, checklist, decision table, …).
//! - [`compile`]: stage 3, expressions and scripts compiled into a [`CompiledPolicy`].
//! - [`evaluate`]: stage 4, records evaluated into outcomes, ranks, group results, summaries.
//! - [`report`]: stage 5, results rendered in every format.
//!
//! Records and their values:
//!
//! - [`schema`]: the field dictionaries of each subject, and reading one cell.
//! - [`ledger`]: reading ledgers (CSV, JSON, YAML, workbooks) into typed records.
//! - [`workbook`]: ledgers kept as Excel or WPS workbooks (hidden rows, merged cells, formulas).
//! - [`encoding`]: the text encodings ledgers arrive in (UTF-8, GBK, UTF-16).
//! - [`value`]: a record's typed field values.
//! - [`money`]: exact amounts in fen.
//! - [`number`]: numbers formatted as the reports show them.
//! - [`calendar`]: dates plus years, months and days.
//!
//! Around the evaluation:
//!
//! - [`compare`], [`diff`]: several packs, or two versions of one, on one ledger.
//! - [`stream`]: a CSV ledger evaluated as it is read, in constant memory.
//! - [`testing`]: staff's test cases, snapshots and coverage.
//! - [`template`], [`generate`]: empty and synthetic ledgers.
//! - [`editor`]: JSON Schemas of the files staff edit.
//! - [`yaml_edit`]: one value of a `policy.yaml` changed in place, every other byte kept.
//! - [`diagnostic`]: problems in a pack, with file, line and column.
//! - [`dimension`]: the shared aspects of party building rules are tagged with.
//! - [`sandbox`]: the limits every script runs under.

#![warn(missing_docs)]
// Embedders handle each failure: a function returning `Result` says when it fails.
#![warn(clippy::missing_errors_doc)]

pub mod calendar;
pub mod compare;
pub mod compile;
pub mod diagnostic;
pub mod diff;
pub mod dimension;
pub mod editor;
pub mod encoding;
pub mod entries;
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
pub mod yaml_edit;

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

/// Runs load, validate and compile on the pack at `path` (its directory or its `policy.yaml`),
/// with no assessment date: dated params take their latest value, a pack with a `before_as_of`
/// param is refused (`as-of-needed`) and outcomes carry no due date. See [`prepare_at`].
///
/// # Errors
///
/// [`LoadError::Io`] when the pack's `policy.yaml` cannot be read; [`LoadError::Invalid`] when
/// the pack has an error: load's problems when its files cannot be parsed, else every problem
/// validate and compile found together (warnings among them).
pub fn prepare(loader: &dyn Loader, path: &Path) -> Result<Prepared, LoadError> {
    prepare_at(loader, path, None)
}

/// [`prepare`] on the assessment date `as_of` (YYYY-MM-DD): dated params take the value in
/// force on it, `before_as_of` params count back from it and grades' due dates count from it.
/// `None` is [`prepare`]. The date is an argument, never read from the clock, so a run is
/// reproducible.
///
/// # Errors
///
/// As [`prepare`].
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
