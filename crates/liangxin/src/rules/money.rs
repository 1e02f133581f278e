//! The `money` rule kind: an amount paid when a condition holds (Jinan's 2,000 yuan of start-up
//! funds for each new organization).

use crate::compile::{CompiledExpr, Compiler, Expect};
use crate::evaluate::{Evaluator, Name, RuleResult, Tallies};
use crate::money::Money;
use crate::policy::Expr;
use crate::validate::{RuleInput, Validator};
use crate::value::Value;

/// Pays `amount` when `when` holds (always, without `when`).
#[derive(Debug, Clone)]
pub struct Pay {
    /// The condition; `None`: the rule always pays.
    pub when: Option<Expr>,
    /// Paid to each record for which `when` holds.
    pub amount: Money,
}

impl Pay {
    pub(crate) fn uncovered(
        &self,
        rule: &crate::policy::Rule,
        results: &[&RuleResult],
    ) -> Vec<String> {
        if results.iter().any(|r| r.passed == Some(true)) {
            return Vec::new();
        }
        vec![format!(
            "money rule `{}` {} never pays",
            rule.id, rule.label
        )]
    }

    pub(crate) fn traced(&self, result: &RuleResult) -> String {
        match (result.passed, result.value) {
            (Some(true), Some(v)) => format!("pays {}", crate::number::grouped(v)),
            (Some(false), _) => "pays nothing".to_owned(),
            _ => String::new(),
        }
    }

    /// Its condition, if any.
    pub(crate) fn compile(&self, c: &mut Compiler<'_>, rule: &str) -> Vec<CompiledExpr> {
        self.when
            .iter()
            .map(|w| c.expr(w, Expect::Bool, rule))
            .collect()
    }

    /// Reads a `money` rule: `amount` (exact to the fen) and an optional `when`.
    pub(crate) fn validate(v: &mut Validator<'_>, r: &RuleInput<'_>) -> Option<Self> {
        let (file, raw) = (r.file, r.raw);
        match &raw.amount {
            Some(a) => Some(Pay {
                when: raw.when.as_ref().map(|w| v.expr(file, w)),
                amount: v.money(file, a, r.params)?,
            }),
            None => {
                v.missing(r, "amount");
                None
            }
        }
    }

    /// `item`: the rule's id, the key of its money in the summary.
    pub(crate) fn evaluate(
        &self,
        evaluator: &mut Evaluator<'_>,
        exprs: &[CompiledExpr],
        values: &[Value],
        item: &Name,
        tallies: &mut Tallies<'_>,
        result: &mut RuleResult,
    ) -> Result<(), String> {
        let pays = match exprs.first() {
            Some(when) => evaluator.truth(when, values)?,
            None => true,
        };
        result.passed = Some(pays);
        if pays {
            tallies.money += self.amount;
            tallies.money_items.push((item.clone(), self.amount));
            result.value = Some(self.amount.yuan());
        }
        Ok(())
    }
}
