//! The `veto` rule kind (一票否决): when its condition holds, the record gets the veto's grade
//! whatever its score, and no commendation.

use crate::compile::CompiledExpr;
use crate::evaluate::{Evaluator, RuleResult, Tallies};
use crate::policy::Expr;
use crate::value::Value;

/// When `when` holds, the record gets `grade` whatever its score.
#[derive(Debug, Clone)]
pub struct Veto {
    pub when: Expr,
    pub grade: String,
}

impl Veto {
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
