//! The `checklist` rule kind: criteria that hold or fail; passed when at least `at_least` hold.
//! The failed criteria are listed in the outcome as `checklist.criterion`.

use crate::compile::{CompiledExpr, Compiler, Expect};
use crate::evaluate::{Evaluator, Name, RuleResult, Tallies};
use crate::policy::Criterion;
use crate::validate::{RuleInput, Validator};
use crate::value::Value;

/// Passed when at least `at_least` of the criteria hold.
#[derive(Debug, Clone)]
pub struct Checklist {
    /// The criteria, in the order written.
    pub criteria: Vec<Criterion>,
    /// How many criteria must hold, from 1 to their number (all of them unless the pack says).
    pub at_least: usize,
}

impl Checklist {
    /// Each criterion that never fails.
    pub(crate) fn uncovered(
        &self,
        rule: &crate::policy::Rule,
        results: &[&RuleResult],
    ) -> Vec<String> {
        self.criteria
            .iter()
            .filter(|c| {
                !results
                    .iter()
                    .any(|r| r.failed.iter().any(|f| **f == *c.id))
            })
            .map(|c| format!("criterion `{}.{}` {} never fails", rule.id, c.id, c.label))
            .collect()
    }

    pub(crate) fn traced(&self, result: &RuleResult) -> String {
        match (result.passed, result.value) {
            (Some(p), Some(v)) => format!(
                "{} of {} criteria met → {}",
                crate::number::format(v),
                self.criteria.len(),
                if p { "passed" } else { "failed" }
            ),
            _ => String::new(),
        }
    }

    /// One condition per criterion, in order.
    pub(crate) fn compile(&self, c: &mut Compiler<'_>, rule: &str) -> Vec<CompiledExpr> {
        self.criteria
            .iter()
            .map(|criterion| c.expr(&criterion.expr, Expect::Bool, rule))
            .collect()
    }

    /// Reads a `checklist` rule: its criteria (ids used once) and `at_least`, from 1 to their
    /// number.
    pub(crate) fn validate(v: &mut Validator<'_>, r: &RuleInput<'_>) -> Option<Self> {
        let (file, raw) = (r.file, r.raw);
        let Some(raw_criteria) = &raw.criteria else {
            v.missing(r, "criteria");
            return None;
        };
        let mut ids = std::collections::HashSet::new();
        let mut criteria = Vec::new();
        for c in raw_criteria {
            if !ids.insert(c.id.value.as_str()) {
                v.error(
                    file,
                    &c.id,
                    "duplicate-id",
                    format!(
                        "criterion id `{}` is used twice in checklist `{}`",
                        c.id.value, raw.id.value
                    ),
                );
            }
            // A criterion switched off is left out whole: not asked, not counted.
            if !c.enabled {
                continue;
            }
            criteria.push(Criterion {
                id: c.id.value.clone(),
                label: c.label.clone(),
                expr: v.expr(file, &c.expr),
                assumed: c.assumed,
                dimension: v
                    .dimension(file, c.dimension.as_ref())
                    .or_else(|| raw.dimension.as_ref().map(|d| d.value.clone())),
            });
        }
        if criteria.is_empty() {
            v.error(
                file,
                &raw.kind,
                "checklist",
                if raw_criteria.is_empty() {
                    format!("checklist `{}` has no criteria", raw.id.value)
                } else {
                    format!(
                        "every criterion of checklist `{}` is switched off (`enabled: false`)",
                        raw.id.value
                    )
                },
            );
            return None;
        }
        let at_least = match &raw.at_least {
            None => criteria.len(),
            Some(k) => {
                let n = v.number(file, k, r.params)?;
                if n.fract() != 0.0 || n < 1.0 || n > criteria.len() as f64 {
                    let message = format!(
                        "`at_least` must be a whole number from 1 to {} (the number of criteria switched on), not {n}",
                        criteria.len()
                    );
                    v.error(file, k, "checklist", message);
                    return None;
                }
                n as usize
            }
        };
        Some(Checklist { criteria, at_least })
    }

    /// `names`: per criterion, its id and `checklist.criterion` key.
    pub(crate) fn evaluate(
        &self,
        evaluator: &mut Evaluator<'_>,
        exprs: &[CompiledExpr],
        values: &[Value],
        names: &[(Name, Name)],
        tallies: &mut Tallies<'_>,
        result: &mut RuleResult,
    ) -> Result<(), String> {
        let mut met = 0;
        for (c, (criterion, expr)) in self.criteria.iter().zip(exprs).enumerate() {
            let holds = evaluator
                .truth(expr, values)
                .map_err(|m| format!("criterion `{}`: {m}", criterion.id))?;
            if holds {
                met += 1;
            } else {
                let (id, key) = &names[c];
                result.failed.push(id.clone());
                tallies.failed.push(key.clone());
            }
        }
        let passed = met >= self.at_least;
        tallies.checklists_passed += usize::from(passed);
        result.value = Some(met as f64);
        result.passed = Some(passed);
        Ok(())
    }
}
