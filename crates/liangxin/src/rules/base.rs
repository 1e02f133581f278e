//! The `base` rule kind: the starting score (赋予1000分基本分值).

use crate::evaluate::{RuleResult, Tallies};
use crate::validate::{RuleInput, Validator};

/// Sets the starting score.
#[derive(Debug, Clone)]
pub struct Base {
    /// The starting score (params resolved).
    pub value: f64,
}

impl Base {
    /// Reads a `base` rule: its `value`, a number or a param.
    pub(crate) fn validate(v: &mut Validator<'_>, r: &RuleInput<'_>) -> Option<Self> {
        match &r.raw.value {
            Some(value) => v
                .number(r.file, value, r.params)
                .map(|value| Base { value }),
            None => {
                v.missing(r, "value");
                None
            }
        }
    }

    pub(crate) fn evaluate(&self, tallies: &mut Tallies<'_>, result: &mut RuleResult) {
        let total = tallies.score.unwrap_or(0.0) + self.value;
        tallies.score = Some(total);
        result.value = Some(self.value);
        result.points = Some(self.value);
        result.total = Some(total);
    }
}
