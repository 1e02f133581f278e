//! The `checklist` rule kind: criteria that hold or fail; passed when at least `at_least` hold.
//! The failed criteria are listed in the outcome as `checklist.criterion`.

use crate::compile::CompiledExpr;
use crate::evaluate::{Evaluator, Name, RuleResult, Tallies};
use crate::policy::Criterion;
use crate::value::Value;

/// Passed when at least `at_least` of the criteria hold.
#[derive(Debug, Clone)]
pub struct Checklist {
    pub criteria: Vec<Criterion>,
    pub at_least: usize,
}

impl Checklist {
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
