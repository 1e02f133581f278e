//! Why a record got its grade: a trace of each rule with the field values it read, what it
//! gave, the running score, the band that matched and the veto that fired.
//!
//! The trace is rebuilt from an outcome and its record after evaluation, by a separate pure
//! function, so evaluating without `--explain` does no tracing work at all.

use serde::Serialize;

use super::{Outcome, RuleResult};
use crate::compile::{CompiledExpr, CompiledPolicy};
use crate::ledger::{Cell, Record};
use crate::policy::{Expr, RuleKind};
use crate::value::Value;

/// A field's value as a rule read it.
#[derive(Debug, Clone, Serialize)]
pub struct Read {
    /// The field's id (or a date param's, for a `before_as_of` param).
    pub field: String,
    /// The field's Chinese label.
    pub label: String,
    /// The value read: the cell, else the field's default; `None` when it has neither.
    pub value: Option<Value>,
}

/// One criterion of a checklist, or one step of a procedure, in a trace.
#[derive(Debug, Clone, Serialize)]
pub struct CriterionStep {
    /// The criterion's id, or the step's date field.
    pub id: String,
    /// Its Chinese label.
    pub label: String,
    /// The values it read.
    pub reads: Vec<Read>,
    /// Whether the criterion held (the step had no problem).
    pub holds: bool,
}

/// One rule's part in the outcome: its result, with what it read and the running score.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// The rule's result, as in the outcome.
    #[serde(flatten)]
    pub result: RuleResult,
    /// The rule's Chinese label.
    pub label: String,
    /// The values the rule's expressions read.
    pub reads: Vec<Read>,
    /// The score after this rule (points in a category join it with the category, after all rules).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// A checklist's criteria or a procedure's steps, each with what it read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<CriterionStep>,
    /// What the rule did, in words, as its kind says it (`3 of 4 criteria met → failed`).
    #[serde(skip)]
    pub what: String,
}

/// Why a record got its outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    /// The record's id.
    pub record: String,
    /// One step per rule, in rule order.
    pub steps: Vec<Step>,
    /// Category totals with their caps, as they joined the score.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// The veto that fired (`<id> <label> fired`); `None` when none did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub veto: Option<String>,
    /// Why the grade: the band that matched and its bounds, or the veto.
    pub grade: String,
    /// How the record's fields were summed from an entry ledger, caps applied (see
    /// [`crate::entries`]); empty when the record was read as it is.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<String>,
}

impl CompiledPolicy {
    /// The trace of `outcome`, which this policy gave `record`.
    pub fn explain(&self, outcome: &Outcome, record: &Record) -> Trace {
        // The totals are the ones evaluation recorded (each rule's running score, each
        // category's sum and cap): the trace never scores a record again.
        let policy = &self.policy;
        let mut steps = Vec::new();
        let mut veto = None;
        for ((rule, result), exprs) in policy.rules.iter().zip(&outcome.rules).zip(&self.exprs) {
            if matches!(rule.kind, RuleKind::Veto(_))
                && result.passed == Some(true)
                && veto.is_none()
            {
                veto = Some(format!("{} {} fired", rule.id, rule.label));
            }
            let criteria = match &rule.kind {
                RuleKind::Checklist(crate::rules::checklist::Checklist { criteria, .. }) => {
                    criteria
                        .iter()
                        .zip(exprs)
                        .map(|(c, e)| CriterionStep {
                            id: c.id.clone(),
                            label: c.label.clone(),
                            reads: self.reads(e, &c.expr, record),
                            holds: !result.failed.iter().any(|f| **f == *c.id),
                        })
                        .collect()
                }
                // Each step reads its date; it holds when it has no problem.
                RuleKind::Procedure(crate::rules::procedure::Procedure { steps }) => steps
                    .iter()
                    .zip(exprs)
                    .map(|(s, e)| CriterionStep {
                        id: s.field.clone(),
                        label: s.label.clone(),
                        reads: match e {
                            CompiledExpr::Field(i) => self.read_slots(vec![*i], record),
                            _ => Vec::new(),
                        },
                        holds: !result.failed.iter().any(|f| **f == *s.field),
                    })
                    .collect(),
                RuleKind::Base(_)
                | RuleKind::Points(_)
                | RuleKind::Veto(_)
                | RuleKind::Money(_)
                | RuleKind::Table(_) => Vec::new(),
            };
            let reads = match &rule.kind {
                RuleKind::Points(crate::rules::points::Points { expr, .. }) => {
                    self.reads(&exprs[0], expr, record)
                }
                RuleKind::Veto(crate::rules::veto::Veto { when, .. }) => {
                    self.reads(&exprs[0], when, record)
                }
                RuleKind::Money(crate::rules::money::Pay {
                    when: Some(when), ..
                }) => self.reads(&exprs[0], when, record),
                // The fields a table reads; its note says which row matched and why.
                RuleKind::Table(table) => {
                    let slots = table
                        .inputs
                        .iter()
                        .zip(exprs)
                        .filter_map(|(_, e)| match e {
                            CompiledExpr::Field(i) => Some(*i),
                            _ => None,
                        })
                        .collect();
                    self.read_slots(slots, record)
                }
                RuleKind::Money(crate::rules::money::Pay { when: None, .. })
                | RuleKind::Base(_)
                | RuleKind::Checklist(_)
                | RuleKind::Procedure(_) => Vec::new(),
            };
            steps.push(Step {
                result: result.clone(),
                label: rule.label.clone(),
                reads,
                // Points in a category join the score after all rules, with the category.
                total: result.total,
                criteria,
                what: rule.kind.traced(result),
            });
        }
        let categories = policy
            .categories
            .iter()
            .zip(&outcome.categories)
            .map(|((id, c), t)| {
                let n = crate::number::format;
                if t.capped == t.sum {
                    format!("{id} {}: {} → {}", c.label, n(t.sum), n(t.running))
                } else {
                    format!(
                        "{id} {}: {} capped to {} → {}",
                        c.label,
                        n(t.sum),
                        n(t.capped),
                        n(t.running)
                    )
                }
            })
            .collect();
        let label = outcome.grade_label.as_deref().unwrap_or("-");
        let grade = match (&veto, &outcome.band, &outcome.grade) {
            (Some(v), _, Some(g)) => format!("{g} {label}: vetoed ({v}), whatever the score"),
            (None, Some(band), Some(g)) => format!("{g} {label}: {band}"),
            _ => "no grade (the policy has no bands)".to_owned(),
        };
        Trace {
            record: outcome.record.clone(),
            steps,
            categories,
            veto,
            grade,
            entries: Vec::new(),
        }
    }

    /// The declared fields an expression reads, with the record's values.
    fn reads(&self, compiled: &CompiledExpr, expr: &Expr, record: &Record) -> Vec<Read> {
        let slots: Vec<usize> = match compiled {
            CompiledExpr::Field(i) => vec![*i],
            CompiledExpr::Const(_) => vec![],
            CompiledExpr::Native(_) | CompiledExpr::Script(_) => {
                let names = crate::labels::names(&expr.text, &self.policy);
                let slots = (0..self.slots.len())
                    .filter(|&i| names.iter().any(|n| n == self.slots[i].name.as_str()))
                    .collect();
                let mut reads = self.read_slots(slots, record);
                reads.extend(self.relative_dates(&names));
                return reads;
            }
        };
        self.read_slots(slots, record)
    }

    /// The params among `names` that are dates relative to the as-of date, with the date each
    /// stands for.
    fn relative_dates(&self, names: &[String]) -> Vec<Read> {
        self.policy
            .params
            .iter()
            .filter(|(name, _)| names.contains(name))
            .filter_map(|(name, p)| {
                let interval = p.before_as_of?;
                let crate::policy::ParamValue::Str(date) = &p.value else {
                    return None;
                };
                let as_of = self.policy.meta.as_of.as_deref().unwrap_or("");
                Some(Read {
                    field: name.clone(),
                    label: format!("{} ({as_of} − {})", p.label, interval.describe())
                        .trim_start()
                        .to_owned(),
                    value: Some(Value::Str(date.clone())),
                })
            })
            .collect()
    }

    fn read_slots(&self, slots: Vec<usize>, record: &Record) -> Vec<Read> {
        slots
            .into_iter()
            .map(|i| {
                let def = &self.policy.schema.fields[self.slots[i].field];
                let value = match record.cells.get(self.slots[i].field) {
                    Some(Cell::Value(v)) => Some(v.clone()),
                    _ => def.default.clone(),
                };
                Read {
                    field: def.id.clone(),
                    label: def.label.clone(),
                    value,
                }
            })
            .collect()
    }
}

impl Trace {
    /// The trace as a tree of text lines, for people.
    pub fn lines(&self, outcome: &Outcome) -> Vec<String> {
        let n = crate::number::format;
        let reads = |reads: &[Read]| -> String {
            if reads.is_empty() {
                return String::new();
            }
            let parts: Vec<String> = reads
                .iter()
                .map(|r| {
                    format!(
                        "{} {} = {}",
                        r.field,
                        r.label,
                        match &r.value {
                            None => "(empty)".to_owned(),
                            Some(Value::Str(s)) if s.is_empty() => "(empty)".to_owned(),
                            Some(v) => v.to_string(),
                        }
                    )
                })
                .collect();
            format!(" [{}]", parts.join(", "))
        };
        let mut lines = vec![format!(
            "{} {}: {}{}",
            outcome.record,
            outcome.name.as_deref().unwrap_or(""),
            outcome
                .score
                .map_or(String::new(), |s| format!("score {} → ", n(s))),
            outcome.grade_label.as_deref().unwrap_or("-")
        )];
        lines.extend(self.entries.iter().map(|e| format!("├─ entries {e}")));
        // A table reads the final score: it is shown after the categories that complete it.
        let (tables, others): (Vec<&Step>, Vec<&Step>) =
            self.steps.iter().partition(|s| s.result.kind == "table");
        let categories = others.len();
        for (i, step) in others.into_iter().chain(tables).enumerate() {
            if i == categories {
                lines.extend(self.categories.iter().map(|c| format!("├─ category {c}")));
            }
            let r = &step.result;
            let what = step.what.clone();
            let note = r.note.as_ref().map_or(String::new(), |n| format!(" ({n})"));
            lines.push(format!(
                "├─ {} {}{}: {what}{note}",
                r.id,
                step.label,
                reads(&step.reads)
            ));
            for c in &step.criteria {
                lines.push(format!(
                    "│  {} {} {}{}",
                    if c.holds { "✓" } else { "✗" },
                    c.id,
                    c.label,
                    reads(&c.reads)
                ));
            }
            for problem in &r.problems {
                lines.push(format!("│  ! {problem}"));
            }
        }
        if categories == self.steps.len() {
            lines.extend(self.categories.iter().map(|c| format!("├─ category {c}")));
        }
        for q in &outcome.quotas {
            lines.push(format!("├─ quota {}: {}", q.rule, q.text));
        }
        lines.push(format!("└─ grade {}", self.grade));
        lines
    }
}
