//! The `veto` rule kind (一票否决): when its condition holds, the record gets the veto's grade
//! whatever its score, and no commendation.

use crate::compile::{CompiledExpr, Compiler, Expect};
use crate::evaluate::{Evaluator, RuleResult, Tallies};
use crate::policy::Expr;
use crate::validate::{RuleInput, Validator};
use crate::value::Value;

/// When `when` holds, the record gets `grade` whatever its score.
#[derive(Debug, Clone)]
pub struct Veto {
    /// The condition (一票否决 when it holds).
    pub when: Expr,
    /// The id of the grade a vetoed record gets.
    pub grade: String,
}

impl Veto {
    pub(crate) fn uncovered(
        &self,
        rule: &crate::policy::Rule,
        results: &[&RuleResult],
    ) -> Vec<String> {
        if results.iter().any(|r| r.passed == Some(true)) {
            return Vec::new();
        }
        vec![format!("veto `{}` {} never fires", rule.id, rule.label)]
    }

    pub(crate) fn traced(&self, result: &RuleResult) -> String {
        match result.passed {
            Some(true) => "fired".to_owned(),
            Some(false) => "not fired".to_owned(),
            None => String::new(),
        }
    }

    /// Its condition.
    pub(crate) fn compile(&self, c: &mut Compiler<'_>, rule: &str) -> Vec<CompiledExpr> {
        vec![c.expr(&self.when, Expect::Bool, rule)]
    }

    /// Reads a `veto` rule: `when` and a declared `grade`.
    pub(crate) fn validate(v: &mut Validator<'_>, r: &RuleInput<'_>) -> Option<Self> {
        let (file, raw) = (r.file, r.raw);
        let grade = match &raw.grade {
            Some(g) => v.grade_id(file, g, r.grades),
            None => {
                v.missing(r, "grade");
                None
            }
        };
        if raw.when.is_none() {
            v.missing(r, "when");
        }
        Some(Veto {
            when: v.expr(file, raw.when.as_ref()?),
            grade: grade?,
        })
    }

    pub(crate) fn evaluate<'p>(
        &'p self,
        evaluator: &mut Evaluator<'_>,
        exprs: &[CompiledExpr],
        values: &[Value],
        tallies: &mut Tallies<'p>,
        result: &mut RuleResult,
    ) -> Result<(), String> {
        let fired = evaluator.truth(&exprs[0], values)?;
        result.passed = Some(fired);
        if fired && tallies.vetoed_by.is_none() {
            // The first veto that fires decides the grade.
            tallies.vetoed_by = Some(self.grade.as_str());
        }
        Ok(())
    }
}
