//! The `points`, `bonus` and `deduction` rule kinds: a number from an expression, capped per
//! rule, into the score or into its category (capped after all rules).

use crate::compile::{CompiledExpr, Compiler, Expect};
use crate::diagnostic::suggest;
use crate::evaluate::{Evaluator, RuleResult, Tallies};
use crate::policy::{Direction, Expr};
use crate::validate::{RuleInput, Validator};
use crate::value::Value;

/// Adds (or, for deductions, subtracts) the value of `expr`, capped per rule.
#[derive(Debug, Clone)]
pub struct Points {
    /// Whether the number is added as it is, must not be negative, or is subtracted.
    pub direction: Direction,
    /// The number a record earns.
    pub expr: Expr,
    /// The least the expression's number may be (a smaller one is raised to it), before a
    /// deduction subtracts it.
    pub min: Option<f64>,
    /// The most the expression's number may be (a larger one is cut to it), before a deduction
    /// subtracts it.
    pub max: Option<f64>,
    /// The category (its id) whose total the points go into, capped after all rules; `None`: the
    /// points go straight into the score.
    pub category: Option<String>,
}

impl Points {
    /// Never giving points is never being exercised.
    pub(crate) fn uncovered(
        &self,
        rule: &crate::policy::Rule,
        results: &[&RuleResult],
    ) -> Vec<String> {
        if results.iter().any(|r| r.points.is_some_and(|p| p != 0.0)) {
            return Vec::new();
        }
        vec![format!(
            "rule `{}` {} never gives points",
            rule.id, rule.label
        )]
    }

    /// Its expression, a number.
    pub(crate) fn compile(&self, c: &mut Compiler<'_>, rule: &str) -> Vec<CompiledExpr> {
        vec![c.expr(&self.expr, Expect::Number, rule)]
    }

    /// Reads a `points`, `bonus` or `deduction` rule: `expr`, its caps and its category.
    pub(crate) fn validate(
        v: &mut Validator<'_>,
        r: &RuleInput<'_>,
        direction: Direction,
    ) -> Option<Self> {
        let (file, raw) = (r.file, r.raw);
        let (min, max) = v.caps(file, raw.min.as_ref(), raw.max.as_ref(), r.params);
        if let Some(c) = &raw.category
            && !r.categories.contains_key(&c.value)
        {
            let help = suggest(
                &c.value,
                r.categories.keys().map(String::as_str),
                "declare it under `categories:`",
            );
            let message = format!("unknown category `{}`", c.value);
            v.error(file, c, "unknown-category", message).help = Some(help);
        }
        match &raw.expr {
            Some(e) => Some(Points {
                direction,
                expr: v.expr(file, e),
                min,
                max,
                category: raw.category.as_ref().map(|c| c.value.clone()),
            }),
            None => {
                v.missing(r, "expr");
                None
            }
        }
    }

    /// The kind's name as written: `points`, `bonus` or `deduction`.
    pub(crate) fn name(&self) -> &'static str {
        match self.direction {
            Direction::Points => "points",
            Direction::Bonus => "bonus",
            Direction::Deduction => "deduction",
        }
    }

    pub(crate) fn evaluate(
        &self,
        category: Option<usize>,
        evaluator: &mut Evaluator<'_>,
        exprs: &[CompiledExpr],
        values: &[Value],
        tallies: &mut Tallies<'_>,
        result: &mut RuleResult,
    ) -> Result<(), String> {
        let raw = crate::number::tidy(evaluator.number(&exprs[0], values)?);
        if self.direction != Direction::Points && raw < 0.0 {
            return Err(format!(
                "a {} must not be negative, got {}",
                self.name(),
                crate::number::format(raw)
            ));
        }
        let capped = raw
            .max(self.min.unwrap_or(f64::NEG_INFINITY))
            .min(self.max.unwrap_or(f64::INFINITY));
        if capped != raw {
            result.note = Some(format!(
                "capped from {} to {}",
                crate::number::format(raw),
                crate::number::format(capped)
            ));
        }
        let points = if self.direction == Direction::Deduction {
            -capped
        } else {
            capped
        };
        result.value = Some(raw);
        result.points = Some(points);
        // `category`: the index of `self.category` among the policy's, found once per evaluator.
        match category {
            Some(i) => tallies.category_totals[i] += points,
            None => {
                let total = tallies.score.unwrap_or(0.0) + points;
                tallies.score = Some(total);
                result.total = Some(total);
            }
        }
        Ok(())
    }
}
