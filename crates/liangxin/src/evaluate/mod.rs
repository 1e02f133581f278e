//! Stage 4, evaluate: apply a [`CompiledPolicy`] to records.
//!
//! Evaluating one record is a pure function of (compiled policy, record): no I/O, no clock, no
//! state carried from one record to the next (the reused Rhai scope is rewound before each
//! record). A record that cannot be evaluated gives errors naming its row, id, field or rule;
//! the other records are still evaluated. Ranking and the summary are computed over all
//! outcomes afterwards.

mod explain;
mod group;
mod group_rules;
pub(crate) mod locate;
mod outcome;
mod quota;
mod summary;

use crate::money::Money;
use std::sync::Arc;

use rhai::{Dynamic, EvalAltResult, Scope};

pub use explain::{CriterionStep, Read, Step, Trace};
pub use group::{Group, Grouping, NO_VALUE, group_field};
pub(crate) use group_rules::RuleFold;
pub use group_rules::{ALL_RECORDS, GroupResult, GroupRuleResult, Member};
pub use outcome::{CategoryTotal, Name, Outcome, QuotaPlace, RuleResult};
pub use summary::{BudgetCheck, Evaluation, PolicyInfo, Summary, rank};
pub(crate) use summary::{Tally, not_final};

use crate::compile::{CompiledExpr, CompiledPolicy, GroupRead, innermost};
use crate::ledger::{Cell, Ledger, Record, RecordError};
use crate::policy::{Metric, RuleKind};
use crate::value::Value;

/// What the rules of one record have added up so far, handed from kind to kind.
pub(crate) struct Tallies<'p> {
    /// The score without categories (none until a base or points rule).
    pub score: Option<f64>,
    /// Per category, the points of its rules so far (capped after all rules).
    pub category_totals: Vec<f64>,
    /// The grade of the first veto that fired.
    pub vetoed_by: Option<&'p str>,
    pub money: Money,
    pub money_items: Vec<(Name, Money)>,
    pub checklists_passed: usize,
    /// Failed criteria and steps with a problem, as `rule.criterion`.
    pub failed: Vec<Name>,
}

/// Evaluates records one after another, reusing one Rhai scope.
pub struct Evaluator<'p> {
    compiled: &'p CompiledPolicy,
    scope: Scope<'static>,
    /// The policy's names, this evaluator's own: outcomes made on different threads then share
    /// no reference counts, which the threads would otherwise contend for.
    names: std::rc::Rc<crate::compile::Names>,
    /// The current record's field values; the buffer is reused from record to record.
    values: Vec<Value>,
    /// Script limits located by a replay so far: a script that fails on every record is
    /// located for the first few only (each replay costs several times the evaluation).
    replays: usize,
    /// Per rule, the index of the category its points go into: looked up once, not per record.
    rule_categories: Vec<Option<usize>>,
    /// The per-category sums of the current record; the buffer is reused from record to record.
    category_totals: Vec<f64>,
    /// Why a band matched, by band and measure: most records share a few of them (a checklist
    /// count, a score near the base), and writing the sentence anew for each record cost more
    /// than the rest of the grading. Bounded; this evaluator's own, like `names`.
    band_notes: std::collections::HashMap<(usize, u64), Name, BuildMix>,
}

/// A hasher for the band cache's keys (a band's index and a number's bits): a multiply and the
/// splitmix64 finisher, rather than SipHash, on a lookup made for every record. The keys are
/// the evaluator's own numbers, so nothing hostile chooses them.
#[derive(Default, Clone, Copy)]
struct BuildMix;

impl std::hash::BuildHasher for BuildMix {
    type Hasher = Mix;
    fn build_hasher(&self) -> Mix {
        Mix(0)
    }
}

struct Mix(u64);

impl std::hash::Hasher for Mix {
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 30;
        h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h ^= h >> 27;
        h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^ (h >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(29) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// How many band explanations an evaluator keeps (scores can take many values).
const MAX_BAND_NOTES: usize = 4096;

/// How many failing evaluations per evaluator are replayed to find their script line.
const MAX_REPLAYS: usize = 20;

impl CompiledPolicy {
    /// An evaluator for records one at a time, reusing one Rhai scope: for an embedder that has
    /// records rather than a ledger. A single outcome has no rank, no quota place and no group
    /// rule results (those need the whole ledger: use [`CompiledPolicy::evaluate_ledger`]).
    pub fn evaluator(&self) -> Evaluator<'_> {
        let mut scope = Scope::new();
        for (name, value) in &self.constants {
            scope.push_constant_dynamic(name.clone(), value.clone());
        }
        Evaluator {
            compiled: self,
            scope,
            names: std::rc::Rc::new(crate::compile::Names::of(&self.policy)),
            values: Vec::with_capacity(self.slots.len()),
            replays: 0,
            rule_categories: self
                .policy
                .rules
                .iter()
                .map(|rule| match &rule.kind {
                    RuleKind::Points(p) => p
                        .category
                        .as_ref()
                        .and_then(|c| self.policy.categories.get_index_of(c)),
                    _ => None,
                })
                .collect(),
            category_totals: Vec::with_capacity(self.policy.categories.len()),
            band_notes: std::collections::HashMap::default(),
        }
    }

    /// Evaluates every record of a ledger, then ranks and summarizes, on as many threads as the
    /// machine has (outcomes stay in ledger order).
    pub fn evaluate_ledger(&self, ledger: &Ledger) -> Evaluation {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        self.evaluate_ledger_with(ledger, threads)
    }

    /// Evaluates every record of a ledger on up to `threads` threads, then ranks and
    /// summarizes. Each thread takes a contiguous run of records with its own evaluator, so the
    /// outcomes are exactly those of one thread, in ledger order.
    pub fn evaluate_ledger_with(&self, ledger: &Ledger, threads: usize) -> Evaluation {
        // Below a few thousand records a thread costs more than it saves.
        const MIN_PER_THREAD: usize = 4096;
        let records = &ledger.records;
        let threads = threads.clamp(1, records.len().div_ceil(MIN_PER_THREAD).max(1));
        let parts = self.evaluate_split(records, threads);
        let mut outcomes = Vec::with_capacity(records.len());
        let mut errors = ledger.errors.clone();
        for (mut o, mut e) in parts {
            outcomes.append(&mut o);
            errors.append(&mut e);
        }
        errors.sort_by_key(|e| e.row);
        let mut evaluation = Evaluation::new(self, outcomes, errors, ledger.notes.clone());
        evaluation.extra_columns = ledger.extra_columns.clone();
        evaluation
    }

    /// Evaluates records on up to `threads` threads, each taking a contiguous run with its own
    /// evaluator; the runs' results come back in order.
    pub(crate) fn evaluate_split(
        &self,
        records: &[Record],
        threads: usize,
    ) -> Vec<(Vec<Outcome>, Vec<RecordError>)> {
        let threads = threads.clamp(1, records.len().max(1));
        if threads == 1 {
            return vec![self.evaluate_records(records)];
        }
        let chunk = records.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let handles: Vec<_> = records
                .chunks(chunk)
                .map(|part| scope.spawn(move || self.evaluate_records(part)))
                .collect();
            handles
                .into_iter()
                .map(|h| match h.join() {
                    Ok(part) => part,
                    // Evaluation does not panic; if it ever did, the run must say so.
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    }

    /// Evaluates a run of records with one evaluator.
    pub(crate) fn evaluate_records(&self, records: &[Record]) -> (Vec<Outcome>, Vec<RecordError>) {
        let mut evaluator = self.evaluator();
        let mut outcomes = Vec::with_capacity(records.len());
        let mut errors = Vec::new();
        for record in records {
            match evaluator.evaluate(record) {
                Ok(mut outcome) => {
                    // Columns the schema does not know travel with the record to the output.
                    if !record.extra.is_empty() {
                        outcome.extra = record.extra.clone();
                    }
                    outcomes.push(outcome);
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        (outcomes, errors)
    }
}

impl Evaluator<'_> {
    /// Evaluates one record.
    ///
    /// # Errors
    ///
    /// The record's problems, each naming its row, id and field or rule: cells it reads that are
    /// missing or invalid, an expression or script that fails (a script limit included), a score that
    /// overflows, no band or table row that matches.
    pub fn evaluate(&mut self, record: &Record) -> Result<Outcome, Vec<RecordError>> {
        let compiled = self.compiled;
        let policy = &compiled.policy;
        let error = |field: Option<&str>, rule: Option<&str>, message: String| RecordError {
            file: None,
            row: record.row,
            record: Some(record.id.clone()),
            field: field.map(str::to_owned),
            rule: rule.map(str::to_owned),
            message,
        };

        // The values of the declared fields, or every reason they cannot be read.
        let mut values = std::mem::take(&mut self.values);
        values.clear();
        let mut errors = Vec::new();
        let mut absent = Vec::new();
        for slot in &compiled.slots {
            let def = &policy.schema.fields[slot.field];
            match record.cells.get(slot.field) {
                Some(Cell::Value(v)) => values.push(v.clone()),
                Some(Cell::Invalid(message)) => errors.push(error(
                    Some(&slot.name),
                    None,
                    format!("{} ({}): {message}", def.label, def.id),
                )),
                // A default fills an empty cell, never a missing column: a ledger without the
                // column would otherwise be judged on defaults without anyone noticing.
                Some(Cell::Absent) | None => absent.push(slot),
                _ => match &def.default {
                    Some(v) => values.push(v.clone()),
                    None => errors.push(error(
                        Some(&slot.name),
                        None,
                        format!(
                            "missing value for {} ({}), which this policy reads",
                            def.label, def.id
                        ),
                    )),
                },
            }
        }
        if !absent.is_empty() {
            // One error for all the missing columns: they are one problem with the ledger.
            let names: Vec<String> = absent
                .iter()
                .map(|slot| {
                    let def = &policy.schema.fields[slot.field];
                    format!("{} ({})", def.label, def.id)
                })
                .collect();
            let field = (absent.len() == 1).then(|| absent[0].name.as_str());
            let message = format!(
                "the ledger has no column {}, which this policy reads",
                names.join(", ")
            );
            errors.insert(0, error(field, None, message));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        self.push_fields(&values);

        let mut category_totals = std::mem::take(&mut self.category_totals);
        category_totals.clear();
        category_totals.resize(policy.categories.len(), 0.0);
        let mut tallies = Tallies {
            score: None,
            category_totals,
            vetoed_by: None,
            money: Money::ZERO,
            money_items: Vec::new(),
            checklists_passed: 0,
            failed: Vec::new(),
        };
        let mut results = Vec::with_capacity(policy.rules.len());

        let names = std::rc::Rc::clone(&self.names);
        for (i, (rule, exprs)) in policy.rules.iter().zip(&compiled.exprs).enumerate() {
            let mut result = RuleResult::new(&names.rules[i], rule.kind.name());
            let t = &mut tallies;
            let r = &mut result;
            let outcome = match &rule.kind {
                RuleKind::Base(k) => {
                    k.evaluate(t, r);
                    Ok(())
                }
                RuleKind::Points(k) => {
                    let category = self.rule_categories[i];
                    k.evaluate(category, self, exprs, &values, t, r)
                }
                RuleKind::Veto(k) => k.evaluate(self, exprs, &values, t, r),
                RuleKind::Checklist(k) => {
                    k.evaluate(self, exprs, &values, &names.criteria[i], t, r)
                }
                RuleKind::Procedure(k) => {
                    k.evaluate(self, exprs, &values, &names.criteria[i], t, r);
                    Ok(())
                }
                RuleKind::Money(k) => k.evaluate(self, exprs, &values, &names.rules[i], t, r),
                // Read once the score is final (below): a table reads any rule's result.
                RuleKind::Table(_) => Ok(()),
            };
            outcome.map_err(|message| vec![error(None, Some(&rule.id), message)])?;
            results.push(result);
        }
        let Tallies {
            mut score,
            category_totals,
            vetoed_by,
            mut money,
            mut money_items,
            checklists_passed,
            failed,
        } = tallies;

        // Category totals, capped, join the score after all rules; each is kept for the trace.
        let mut categories = Vec::with_capacity(category_totals.len());
        for ((_, category), total) in policy.categories.iter().zip(&category_totals) {
            let capped = total
                .max(category.min.unwrap_or(f64::NEG_INFINITY))
                .min(category.max.unwrap_or(f64::INFINITY));
            score = Some(score.unwrap_or(0.0) + capped);
            categories.push(CategoryTotal {
                sum: *total,
                capped,
                running: score.unwrap_or(0.0),
            });
        }
        // The buffer serves the next record.
        self.category_totals = category_totals;
        // Every rule's number is finite, but their sum can still overflow to infinity.
        if let Some(s) = score.filter(|s| !s.is_finite()) {
            let message = format!("the score overflows ({s}): the rules' points are too large");
            return Err(vec![error(None, None, message)]);
        }
        // Sums of decimals pick up binary noise (0.1 + 0.2); the bands see the tidy number.
        let score = score.map(crate::number::tidy);

        // A decision table's row (validation allows one table, and then no bands). A vetoed
        // record has its grade "whatever its score": no row is asked for.
        let mut table_grade: Option<(&str, Name)> = None;
        for (i, (rule, exprs)) in policy.rules.iter().zip(&compiled.exprs).enumerate() {
            let RuleKind::Table(table) = &rule.kind else {
                continue;
            };
            if vetoed_by.is_some() {
                break;
            }
            let inputs = self
                .table_inputs(table, exprs, &values, score, &results)
                .map_err(|m| vec![error(None, Some(&rule.id), m)])?;
            match table.first_hit(&inputs) {
                Ok(Some(r)) => {
                    results[i].value = Some((r + 1) as f64);
                    results[i].passed = Some(true);
                    let why = table.explain(r, &inputs);
                    table_grade = Some((table.rows[r].grade.as_str(), Name::from(why.as_str())));
                    results[i].note = Some(why);
                }
                Ok(None) => {
                    let message = format!(
                        "no row of table `{}` matches ({})",
                        rule.id,
                        table.describe_values(&inputs)
                    );
                    return Err(vec![error(None, Some(&rule.id), message)]);
                }
                Err(m) => return Err(vec![error(None, Some(&rule.id), m)]),
            }
        }

        let mut metric = None;
        let mut band_reason = None;
        let mut band_index = None;
        let grade: Option<&str> = match (vetoed_by, &policy.bands) {
            (Some(veto_grade), _) => Some(veto_grade),
            (None, _) if table_grade.is_some() => table_grade.map(|(g, why)| {
                band_reason = Some(why);
                g
            }),
            (None, Some(bands)) => {
                let (metric_name, x) = match bands.on {
                    Metric::Score => ("score", score.unwrap_or(0.0)),
                    Metric::ChecklistsPassed => ("checklists passed", checklists_passed as f64),
                    // A points rule counts with its caps applied; a checklist by criteria met.
                    Metric::Rule(i) => (
                        policy.rules[i].id.as_str(),
                        results[i].points.or(results[i].value).unwrap_or(0.0),
                    ),
                };
                metric = Some(x);
                match bands.bands.iter().position(|b| b.contains(x)) {
                    Some(i) => {
                        let band = &bands.bands[i];
                        let key = (i, x.to_bits());
                        let why = match self.band_notes.get(&key) {
                            Some(why) => why.clone(),
                            None => {
                                let why = Name::from(band.explain(metric_name, x));
                                if self.band_notes.len() < MAX_BAND_NOTES {
                                    self.band_notes.insert(key, why.clone());
                                }
                                why
                            }
                        };
                        band_reason = Some(why);
                        band_index = Some(i);
                        Some(band.grade.as_str())
                    }
                    None => {
                        let message =
                            format!("no band matches {metric_name} {}", crate::number::format(x));
                        return Err(vec![error(None, None, message)]);
                    }
                }
            }
            (None, None) => None,
        };
        // One lookup by position for both: `names.grades` follows `policy.grades`' order.
        let grade_at = grade.and_then(|g| grade_index(policy, g));
        let grade_def = grade_at
            .and_then(|i| policy.grades.get_index(i))
            .map(|(_, g)| g);
        let grade_names = grade_at
            .and_then(|i| names.grades.get_index(i))
            .map(|(_, n)| n);
        if let (Some(g), Some(n)) = (grade_def, grade_names)
            && !g.money.is_zero()
        {
            money += g.money;
            money_items.push((n.money_item.clone(), g.money));
        }
        let name = compiled.name_field.and_then(|i| match record.cells.get(i) {
            Some(Cell::Value(Value::Str(s))) if !s.is_empty() => Some(s.clone()),
            _ => None,
        });
        let mut group_values = Vec::with_capacity(compiled.group_reads.len());
        for read in &compiled.group_reads {
            group_values.push(match read {
                GroupRead::Field(slot) => values[*slot].clone(),
                GroupRead::When(expr, rule) => Value::Bool(
                    self.truth(expr, &values)
                        .map_err(|m| vec![error(None, Some(rule), m)])?,
                ),
            });
        }
        // The buffer serves the next record (after an error it is simply made anew).
        self.values = values;
        Ok(Outcome {
            record: record.id.clone(),
            row: record.row,
            name,
            score,
            grade: grade_names.map(|n| n.id.clone()),
            grade_label: grade_names.map(|n| n.label.clone()),
            passed: grade_def.map(|g| g.pass),
            vetoed: vetoed_by.is_some(),
            actions: grade_names.map_or_else(|| Arc::from(Vec::new()), |n| n.actions.clone()),
            due: grade_names.and_then(|n| n.due.clone()),
            money,
            rank: None,
            failed,
            band: band_reason,
            band_index,
            categories,
            quotas: Vec::new(),
            extra: Vec::new(),
            rules: results,
            money_items,
            metric,
            group_values,
        })
    }

    /// Puts the record's field values into the Rhai scope, if any expression needs Rhai.
    fn push_fields(&mut self, values: &[Value]) {
        let compiled = self.compiled;
        if compiled.uses_scripts {
            self.scope.rewind(compiled.constants.len());
            for (slot, value) in compiled.slots.iter().zip(values) {
                // A field left empty is its own kind of value: see `value::Empty`.
                let value = if crate::value::Empty::is(value) {
                    slot.empty.clone()
                } else {
                    to_dynamic(value)
                };
                self.scope.push_dynamic(slot.name.clone(), value);
            }
        }
    }

    /// Evaluates one expression on the given values of the declared fields (in slot order),
    /// as it is evaluated for a record holding them: `check` uses it to see what the schema's
    /// defaults alone decide.
    pub(crate) fn probe(&mut self, expr: &CompiledExpr, values: &[Value]) -> Result<Value, String> {
        self.push_fields(values);
        self.value(expr, values)
    }

    pub(crate) fn value(&mut self, expr: &CompiledExpr, values: &[Value]) -> Result<Value, String> {
        match expr {
            CompiledExpr::Field(i) => Ok(values[*i].clone()),
            CompiledExpr::Const(v) => Ok(v.clone()),
            CompiledExpr::Native(n) => n.eval(values),
            CompiledExpr::Script(ast) => {
                let compiled = self.compiled;
                let result = compiled
                    .engine
                    .eval_ast_with_scope::<Dynamic>(&mut self.scope, ast)
                    .map_err(|e| {
                        let mut message = script_error(&e, &compiled.function_files);
                        // A limit inside a script function is reported at the call; find the
                        // script line (a replay of this one evaluation, only on failure).
                        if e.is_system_exception() && self.replays < MAX_REPLAYS {
                            self.replays += 1;
                            if let Some(place) = locate::limit_location(
                                compiled.limits,
                                ast,
                                &self.scope,
                                &compiled.function_files,
                            ) {
                                message = format!("{}{place}", script_error_what(&e));
                            }
                        }
                        message
                    })?;
                from_dynamic(&result).ok_or_else(|| {
                    format!(
                        "the expression gave a {}, which is not a number, yes/no or text",
                        result.type_name()
                    )
                })
            }
        }
    }

    pub(crate) fn number(&mut self, expr: &CompiledExpr, values: &[Value]) -> Result<f64, String> {
        let value = self.value(expr, values)?;
        match value.as_f64() {
            Some(n) if n.is_finite() => Ok(n),
            // 0.0/0.0 and overflows must not be graded as if they were scores.
            Some(n) => Err(format!(
                "the expression gave {n}, which is not a usable number (a division by zero?)"
            )),
            None => Err(format!(
                "expected a number, the expression gave {} `{value}`",
                value.type_name()
            )),
        }
    }

    /// A decision table's inputs for the record: the final score, other rules' results (a
    /// points rule's points after caps; whether a checklist, veto, procedure or money rule
    /// passed, fired or paid) and fields.
    fn table_inputs(
        &mut self,
        table: &crate::rules::table::Table,
        exprs: &[CompiledExpr],
        values: &[Value],
        score: Option<f64>,
        results: &[RuleResult],
    ) -> Result<Vec<crate::rules::table::InputValue>, String> {
        use crate::rules::table::{InputKind, InputValue, Source};
        let mut out = Vec::with_capacity(table.inputs.len());
        for (input, expr) in table.inputs.iter().zip(exprs) {
            out.push(match (&input.source, input.kind) {
                (Source::Score, _) => InputValue::Number(score.unwrap_or(0.0)),
                (Source::Rule(j), InputKind::Number) => {
                    InputValue::Number(results[*j].points.or(results[*j].value).unwrap_or(0.0))
                }
                (Source::Rule(j), InputKind::YesNo | InputKind::Text) => {
                    InputValue::YesNo(results[*j].passed == Some(true))
                }
                (Source::Field(_), _) => match self.value(expr, values)? {
                    Value::Bool(b) => InputValue::YesNo(b),
                    Value::Str(s) if s.is_empty() => InputValue::Empty,
                    Value::Str(s) => InputValue::Text(s),
                    v => InputValue::Number(v.as_f64().unwrap_or(0.0)),
                },
            });
        }
        Ok(out)
    }

    pub(crate) fn truth(&mut self, expr: &CompiledExpr, values: &[Value]) -> Result<bool, String> {
        match self.value(expr, values)? {
            Value::Bool(b) => Ok(b),
            other => Err(format!(
                "expected true or false, the expression gave {} `{other}`",
                other.type_name()
            )),
        }
    }
}

/// The position of grade `id` among the policy's grades. A pack has a handful of grades, so
/// comparing ids is cheaper than hashing one (this runs for every record).
fn grade_index(policy: &crate::policy::Policy, id: &str) -> Option<usize> {
    const SCANNED: usize = 16;
    if policy.grades.len() <= SCANNED {
        policy.grades.keys().position(|g| g == id)
    } else {
        policy.grades.get_index_of(id)
    }
}

fn to_dynamic(value: &Value) -> Dynamic {
    match value {
        Value::Int(i) => Dynamic::from_int(*i),
        Value::Decimal(d) => Dynamic::from_float(*d),
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Str(s) => Dynamic::from(s.clone()),
    }
}

fn from_dynamic(value: &Dynamic) -> Option<Value> {
    if let Ok(i) = value.as_int() {
        Some(Value::Int(i))
    } else if let Ok(f) = value.as_float() {
        Some(Value::Decimal(f))
    } else if let Ok(b) = value.as_bool() {
        Some(Value::Bool(b))
    } else {
        value
            .clone()
            .into_immutable_string()
            .ok()
            .map(|s| Value::Str(s.to_string()))
    }
}

/// A script failure in words staff can act on, with the script line when it is in a function.
fn script_error(e: &EvalAltResult, files: &crate::compile::FunctionFiles) -> String {
    let inner = innermost(e);
    let what = script_error_what(e);
    let mut place = String::new();
    if let EvalAltResult::ErrorInFunctionCall(function, _, _, _) = e {
        let pos = inner.position();
        place = format!(" in function `{function}`");
        if let Some(source) = files.get(function) {
            place.push_str(&format!(" ({source}"));
            if let (Some(line), Some(col)) = (pos.line(), pos.position()) {
                place.push_str(&format!(":{line}:{col}"));
            }
            place.push(')');
        }
    } else if let Some(line) = inner.position().line() {
        place = format!(
            " at line {line}, column {} of the expression",
            inner.position().position().unwrap_or(0)
        );
    }
    format!("{what}{place}")
}

/// What went wrong in a script, in words, without where.
pub(crate) fn script_error_what(e: &EvalAltResult) -> String {
    match innermost(e) {
        EvalAltResult::ErrorRuntime(value, _) if value.is::<crate::value::Empty>() => {
            match value.clone().try_cast::<crate::value::Empty>() {
                Some(empty) => crate::value::empty_comparison(&empty.field),
                None => "an empty value cannot be compared".to_owned(),
            }
        }
        EvalAltResult::ErrorTooManyOperations(_) => {
            "the script ran too long (operation limit reached; is there an endless loop?)"
                .to_owned()
        }
        EvalAltResult::ErrorStackOverflow(_) => {
            "the script called functions too deeply (endless recursion?)".to_owned()
        }
        EvalAltResult::ErrorDataTooLarge(what, _) => {
            let value = match what.as_str() {
                "Length of string" => "a string",
                "Size of array/BLOB" => "an array",
                "Size of object map" => "a map",
                _ => "a value",
            };
            format!("the script built {value} larger than the sandbox allows")
        }
        other => {
            let text = other.to_string();
            let text = match text.rfind(" (line ") {
                Some(cut) => &text[..cut],
                None => &text,
            };
            crate::diagnostic::lowercase_first(text)
        }
    }
}
