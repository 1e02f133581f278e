//! The `procedure` rule kind: a dossier's dated steps checked for presence, order, minimum
//! intervals (`not_before`) and deadlines (`not_after`).

use crate::calendar::Date;
use crate::compile::{CompiledExpr, Compiler};
use crate::diagnostic::suggest;
use crate::evaluate::{Evaluator, Name, RuleResult, Tallies};
use crate::policy::{Step, Wait};
use crate::validate::{RuleInput, Validator};
use crate::value::Value;

/// Dated steps that must be present, in order, and far enough apart.
#[derive(Debug, Clone)]
pub struct Procedure {
    /// The steps, in the order they must happen.
    pub steps: Vec<Step>,
}

impl Procedure {
    /// Each step that never has a problem.
    pub(crate) fn uncovered(
        &self,
        rule: &crate::policy::Rule,
        results: &[&RuleResult],
    ) -> Vec<String> {
        self.steps
            .iter()
            .filter(|s| {
                !results
                    .iter()
                    .any(|r| r.failed.iter().any(|f| **f == *s.field))
            })
            .map(|s| {
                format!(
                    "step `{}.{}` {} never has a problem",
                    rule.id, s.field, s.label
                )
            })
            .collect()
    }

    pub(crate) fn traced(&self, result: &RuleResult) -> String {
        match (result.passed, result.value) {
            (Some(true), _) => format!("all {} steps in order → passed", self.steps.len()),
            (Some(false), Some(v)) => format!(
                "{} problem{} → failed",
                crate::number::format(v),
                if v == 1.0 { "" } else { "s" }
            ),
            _ => String::new(),
        }
    }

    /// A step is read as its date field's value; validation made sure it is a date.
    pub(crate) fn compile(&self, c: &mut Compiler<'_>) -> Vec<CompiledExpr> {
        self.steps
            .iter()
            .filter_map(|s| c.slot(&s.field))
            .map(CompiledExpr::Field)
            .collect()
    }

    /// A procedure's steps: each a declared date field, named once, waiting only on an
    /// earlier step.
    pub(crate) fn validate(v: &mut Validator<'_>, r: &RuleInput<'_>) -> Option<Self> {
        let (file, rule_raw) = (r.file, r.raw);
        let Some(raw) = &rule_raw.steps else {
            v.missing(r, "steps");
            return None;
        };
        let schema = &v.pack.schema;
        let rule = rule_raw.id.value.as_str();
        let mut steps: Vec<Step> = Vec::new();
        let mut sound = true;
        for step in raw {
            let name = &step.field.value;
            let def = schema.field(name);
            match def {
                Some(def) if def.ty != crate::schema::FieldType::Date => {
                    let message = format!(
                        "step `{name}` of procedure `{rule}` is of type {}; a step is a date",
                        def.ty.name()
                    );
                    v.error(file, &step.field, "procedure", message);
                    sound = false;
                }
                Some(_) if !v.pack.fields.iter().any(|f| &f.item.value == name) => {
                    let message = format!("step `{name}` is not a declared field of the pack");
                    v.error(file, &step.field, "undeclared-field", message).help =
                        Some(format!("add `{name}` to the pack's `fields:`"));
                    sound = false;
                }
                Some(_) => {}
                None => {
                    let help = suggest(
                        name,
                        schema.fields.keys().map(String::as_str),
                        &format!("the {} schema's date fields are the steps", schema.subject),
                    );
                    let message = format!("unknown field `{name}` in procedure `{rule}`");
                    v.error(file, &step.field, "unknown-field", message).help = Some(help);
                    sound = false;
                }
            }
            if steps.iter().any(|s| &s.field == name) {
                let message = format!("step `{name}` appears twice in procedure `{rule}`");
                v.error(file, &step.field, "duplicate-id", message);
                sound = false;
            }
            let mut wait = |key: &str, w: &crate::load::raw::RawWait| {
                let Some(after) = steps.iter().position(|s| s.field == w.after.value) else {
                    let message = format!(
                        "`{key}.after: {}` must name an earlier step of procedure `{rule}`",
                        w.after.value
                    );
                    v.error(file, &w.after, "procedure", message);
                    sound = false;
                    return None;
                };
                let interval = crate::calendar::Interval {
                    years: w.years,
                    months: w.months,
                    days: w.days,
                };
                // Beyond a century nothing in a party procedure waits; it also keeps the date
                // arithmetic far from overflow.
                if w.years > 100 || w.months > 1200 || w.days > 36_500 {
                    let message = format!(
                        "step `{name}` waits {} after `{}`: a wait is at most 100 years (1200 months, 36500 days)",
                        interval.describe(),
                        w.after.value
                    );
                    v.error(file, &w.after, "procedure", message);
                    sound = false;
                }
                if interval == crate::calendar::Interval::default() {
                    let message = format!("`{key}` needs an interval: `years`, `months` or `days`");
                    v.error(file, &w.after, "procedure", message);
                    sound = false;
                }
                Some(Wait {
                    after,
                    interval,
                    source: w.source.clone(),
                    assumed: w.assumed,
                })
            };
            let not_before = step.not_before.as_ref().and_then(|w| wait("not_before", w));
            let not_after = step.not_after.as_ref().and_then(|w| wait("not_after", w));
            steps.push(Step {
                field: name.clone(),
                label: step
                    .label
                    .clone()
                    .or_else(|| def.map(|d| d.label.clone()))
                    .unwrap_or_else(|| name.clone()),
                required: step.required,
                not_before,
                not_after,
            });
        }
        if steps.is_empty() {
            let message = format!("procedure `{rule}` has no steps");
            v.error(file, &rule_raw.kind, "procedure", message);
            return None;
        }
        sound.then_some(Procedure { steps })
    }

    /// `names`: per step, its field and `procedure.step` key. Never an error: a date that is not
    /// there is a missing step.
    pub(crate) fn evaluate(
        &self,
        evaluator: &mut Evaluator<'_>,
        exprs: &[CompiledExpr],
        values: &[Value],
        names: &[(Name, Name)],
        tallies: &mut Tallies<'_>,
        result: &mut RuleResult,
    ) {
        let dates: Vec<Option<Date>> = exprs
            .iter()
            .map(|e| match evaluator.value(e, values) {
                Ok(Value::Str(s)) => Date::parse(&s),
                _ => None,
            })
            .collect();
        let problems = check(&self.steps, &dates);
        for problem in &problems {
            let (id, key) = &names[problem.step()];
            if !tallies.failed.contains(key) {
                tallies.failed.push(key.clone());
            }
            if !result.failed.contains(id) {
                result.failed.push(id.clone());
            }
            result.problems.push(problem.describe(&self.steps, &dates));
        }
        result.value = Some(problems.len() as f64);
        result.passed = Some(problems.is_empty());
    }
}

/// What is wrong with one step of a dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// Required, or skipped: a later step is present.
    Missing { step: usize },
    /// Dated before an earlier step.
    OutOfOrder { step: usize, before: usize },
    /// Dated before the earliest day its wait allows.
    TooEarly { step: usize, earliest: Date },
    /// Dated after the latest day its deadline allows.
    TooLate { step: usize, latest: Date },
}

impl Problem {
    pub(crate) fn step(&self) -> usize {
        match self {
            Problem::Missing { step }
            | Problem::OutOfOrder { step, .. }
            | Problem::TooEarly { step, .. }
            | Problem::TooLate { step, .. } => *step,
        }
    }

    /// The problem in words, naming the steps by their Chinese labels.
    pub(crate) fn describe(&self, steps: &[Step], dates: &[Option<Date>]) -> String {
        let name = |i: usize| format!("{} ({})", steps[i].label, steps[i].field);
        let date = |i: usize| dates[i].map(|d| d.to_string()).unwrap_or_default();
        match *self {
            Problem::Missing { step } if steps[step].required => {
                format!("missing {}: the step is required", name(step))
            }
            Problem::Missing { step } => {
                format!("missing {}: a later step is recorded", name(step))
            }
            Problem::OutOfOrder { step, before } => format!(
                "out of order: {} on {} is before {} on {}",
                name(step),
                date(step),
                name(before),
                date(before)
            ),
            Problem::TooEarly { step, earliest } => {
                let wait = steps[step].not_before.as_ref();
                let (after, interval, source) = wait.map_or((step, String::new(), None), |w| {
                    (w.after, w.interval.describe(), w.source.as_deref())
                });
                let source = source.map(|s| format!("; {s}")).unwrap_or_default();
                format!(
                    "too early: {} on {} is less than {interval} after {} on {} (earliest {earliest}{source})",
                    name(step),
                    date(step),
                    name(after),
                    date(after),
                )
            }
            Problem::TooLate { step, latest } => {
                let wait = steps[step].not_after.as_ref();
                let (after, interval, source) = wait.map_or((step, String::new(), None), |w| {
                    (w.after, w.interval.describe(), w.source.as_deref())
                });
                let source = source.map(|s| format!("; {s}")).unwrap_or_default();
                format!(
                    "too late: {} on {} is more than {interval} after {} on {} (latest {latest}{source})",
                    name(step),
                    date(step),
                    name(after),
                    date(after),
                )
            }
        }
    }
}

/// Checks a dossier's step dates (`None`: not taken) against the procedure. Problems come in
/// step order; a step has at most one (missing, else out of order, else too early, else too
/// late).
pub(crate) fn check(steps: &[Step], dates: &[Option<Date>]) -> Vec<Problem> {
    let mut problems = Vec::new();
    // The latest step taken so far, which every later step must not precede.
    let mut latest: Option<usize> = None;
    for (i, step) in steps.iter().enumerate() {
        let Some(date) = dates[i] else {
            let skipped = dates[i + 1..].iter().any(Option::is_some);
            if step.required || skipped {
                problems.push(Problem::Missing { step: i });
            }
            continue;
        };
        if let Some(before) = latest.filter(|&j| dates[j].is_some_and(|d| date < d)) {
            problems.push(Problem::OutOfOrder { step: i, before });
        } else if let Some(wait) = &step.not_before
            && let Some(after) = dates[wait.after]
            && date < after.plus(wait.interval)
        {
            problems.push(Problem::TooEarly {
                step: i,
                earliest: after.plus(wait.interval),
            });
        } else if let Some(wait) = &step.not_after
            && let Some(after) = dates[wait.after]
            && date > after.plus(wait.interval)
        {
            problems.push(Problem::TooLate {
                step: i,
                latest: after.plus(wait.interval),
            });
        }
        if latest.is_none_or(|j| dates[j].is_none_or(|d| date >= d)) {
            latest = Some(i);
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Interval;
    use crate::policy::Wait;

    /// 申请 -> 积极分子 -> 发展对象 (a year after 积极分子) -> 预备党员, the last optional.
    fn steps() -> Vec<Step> {
        let step = |field: &str, required: bool, not_before: Option<Wait>| Step {
            field: field.into(),
            label: field.into(),
            required,
            not_before,
            not_after: None,
        };
        vec![
            step("applied_on", true, None),
            step("activist_on", true, None),
            step(
                "candidate_on",
                false,
                Some(Wait {
                    after: 1,
                    interval: Interval {
                        years: 1,
                        ..Interval::default()
                    },
                    source: None,
                    assumed: false,
                }),
            ),
            step("approved_on", false, None),
        ]
    }

    fn dates(texts: [&str; 4]) -> Vec<Option<Date>> {
        texts.iter().map(|t| Date::parse(t)).collect()
    }

    #[test]
    fn a_complete_dossier_in_order_has_no_problems() {
        let d = dates(["2014-03-01", "2014-09-01", "2015-09-01", "2016-03-01"]);
        assert_eq!(check(&steps(), &d), vec![]);
    }

    #[test]
    fn a_dossier_in_progress_is_not_missing_its_future_steps() {
        let d = dates(["2014-03-01", "2014-09-01", "", ""]);
        assert_eq!(check(&steps(), &d), vec![]);
    }

    #[test]
    fn missing_skipped_out_of_order_and_too_early_steps_are_found() {
        // No activist date: required. 发展对象 one day short of the year is not checked
        // against an absent date.
        let d = dates(["2014-03-01", "", "2015-08-31", ""]);
        assert_eq!(check(&steps(), &d), vec![Problem::Missing { step: 1 }]);
        // Skipped: 预备党员 recorded without 发展对象.
        let d = dates(["2014-03-01", "2014-09-01", "", "2016-03-01"]);
        assert_eq!(check(&steps(), &d), vec![Problem::Missing { step: 2 }]);
        // One day short of a year as an activist.
        let d = dates(["2014-03-01", "2014-09-01", "2015-08-31", ""]);
        let earliest = Date::parse("2015-09-01").unwrap();
        assert_eq!(
            check(&steps(), &d),
            vec![Problem::TooEarly { step: 2, earliest }]
        );
        // A deadline: 发展对象 at most two years after 积极分子.
        let mut late = steps();
        late[2].not_after = Some(Wait {
            after: 1,
            interval: Interval {
                years: 2,
                ..Interval::default()
            },
            source: None,
            assumed: false,
        });
        let d = dates(["2014-03-01", "2014-09-01", "2016-09-01", ""]);
        assert_eq!(check(&late, &d), vec![]);
        let d = dates(["2014-03-01", "2014-09-01", "2016-09-02", ""]);
        let latest = Date::parse("2016-09-01").unwrap();
        assert_eq!(check(&late, &d), vec![Problem::TooLate { step: 2, latest }]);
        assert_eq!(
            Problem::TooLate { step: 2, latest }.describe(&late, &d),
            "too late: candidate_on (candidate_on) on 2016-09-02 is more than 2 years after activist_on (activist_on) on 2014-09-01 (latest 2016-09-01)"
        );
        // The activist date precedes the application.
        let d = dates(["2014-09-01", "2014-03-01", "2015-09-01", ""]);
        assert_eq!(
            check(&steps(), &d),
            vec![Problem::OutOfOrder { step: 1, before: 0 }]
        );
    }
}
