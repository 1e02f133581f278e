//! The validated policy: what `validate` produces and `compile` consumes. Every reference in
//! it has been resolved (params to numbers, grades and categories to existing ids), so later
//! stages never look at YAML again.

use crate::money::Money;
use indexmap::IndexMap;
use serde::Serialize;

use crate::diagnostic::Location;
use crate::load::SourceFile;
use crate::schema::{Schema, Subject};

/// Who wrote the standard, for what, and which version this is.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub id: String,
    pub name: String,
    pub region: String,
    /// The seed article the standard is taken from.
    pub source: String,
    pub subject: Subject,
    pub version: String,
    pub effective: String,
    /// The packs this one extends, nearest first.
    pub extends: Vec<String>,
    /// The date dated params were read at (only when the pack has dated params).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

/// A param's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    Num(f64),
    Bool(bool),
    Str(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct Param {
    /// The value in force (for a dated param, on the evaluation's as-of date).
    pub value: ParamValue,
    /// A dated param's values with the dates they take effect, earliest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<(String, ParamValue)>,
    /// A date relative to the as-of date (`before_as_of`): how long before it the value is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_as_of: Option<crate::calendar::Interval>,
    pub label: String,
    pub source: Option<String>,
    pub assumed: bool,
}

/// A category of points rules whose total may be capped.
#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub label: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub assumed: bool,
}

/// A Rhai expression as written in the policy, with where it was written.
#[derive(Debug, Clone)]
pub struct Expr {
    pub text: String,
    /// The location of the expression's first character.
    pub loc: Location,
    /// The file (index into [`Policy::files`]) the expression is in.
    pub file: usize,
}

/// How a points rule moves the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Adds a signed number.
    Points,
    /// Adds a number that must not be negative.
    Bonus,
    /// Subtracts a number that must not be negative.
    Deduction,
}

#[derive(Debug, Clone)]
pub struct Criterion {
    pub id: String,
    pub label: String,
    pub expr: Expr,
    pub assumed: bool,
    /// The dimension it assesses (its own, or its checklist's).
    pub dimension: Option<String>,
}

/// A rule's kind: one module per kind under [`crate::rules`].
#[derive(Debug, Clone)]
pub enum RuleKind {
    /// Sets the starting score.
    Base(crate::rules::base::Base),
    /// Adds (or, for deductions, subtracts) a number, capped per rule.
    Points(crate::rules::points::Points),
    /// When its condition holds, the record gets its grade whatever its score.
    Veto(crate::rules::veto::Veto),
    /// Passed when enough criteria hold.
    Checklist(crate::rules::checklist::Checklist),
    /// Pays an amount when its condition holds.
    Money(crate::rules::money::Pay),
    /// Dated steps that must be present, in order, and far enough apart.
    Procedure(crate::rules::procedure::Procedure),
    /// A decision table: the first row whose conditions hold gives the grade.
    Table(crate::rules::table::Table),
}

/// A step of a procedure: a date field of the record.
#[derive(Debug, Clone)]
pub struct Step {
    /// The date field.
    pub field: String,
    pub label: String,
    pub required: bool,
    pub not_before: Option<Wait>,
    /// A deadline: the step may not happen after an earlier step plus its interval.
    pub not_after: Option<Wait>,
}

/// A step may not happen before (or, as a deadline, after) an earlier step plus `interval`.
#[derive(Debug, Clone)]
pub struct Wait {
    /// Index of the earlier step in the procedure's steps.
    pub after: usize,
    pub interval: crate::calendar::Interval,
    pub source: Option<String>,
    pub assumed: bool,
}

impl RuleKind {
    pub fn name(&self) -> &'static str {
        match self {
            RuleKind::Base(_) => "base",
            RuleKind::Points(p) => p.name(),
            RuleKind::Veto(_) => "veto",
            RuleKind::Checklist(_) => "checklist",
            RuleKind::Money(_) => "money",
            RuleKind::Procedure(_) => "procedure",
            RuleKind::Table(_) => "table",
        }
    }

    /// What of the rule `results` (one per record) never exercise, in words: a veto never
    /// fired, a criterion never failed, a table row never matched. The base is the same for
    /// every record: nothing to exercise.
    pub(crate) fn uncovered(
        &self,
        rule: &Rule,
        results: &[&crate::evaluate::RuleResult],
    ) -> Vec<String> {
        match self {
            RuleKind::Base(_) => Vec::new(),
            RuleKind::Points(k) => k.uncovered(rule, results),
            RuleKind::Veto(k) => k.uncovered(rule, results),
            RuleKind::Checklist(k) => k.uncovered(rule, results),
            RuleKind::Procedure(k) => k.uncovered(rule, results),
            RuleKind::Money(k) => k.uncovered(rule, results),
            RuleKind::Table(k) => k.uncovered(rule, results),
        }
    }

    /// What the rule did for one record, in words, for `--explain`: `3 of 4 criteria met →
    /// failed`, `fired`, `pays 2,000`; a points rule's line is its points and running total.
    pub(crate) fn traced(&self, result: &crate::evaluate::RuleResult) -> String {
        let n = crate::number::format;
        match self {
            RuleKind::Base(_) | RuleKind::Points(_) => match (result.points, result.total) {
                (Some(p), Some(t)) => {
                    format!("{}{} → {}", if p >= 0.0 { "+" } else { "" }, n(p), n(t))
                }
                (Some(p), None) => format!(
                    "{}{} (into its category, below)",
                    if p >= 0.0 { "+" } else { "" },
                    n(p)
                ),
                (None, _) => String::new(),
            },
            RuleKind::Veto(k) => k.traced(result),
            RuleKind::Checklist(k) => k.traced(result),
            RuleKind::Procedure(k) => k.traced(result),
            RuleKind::Money(k) => k.traced(result),
            RuleKind::Table(k) => k.traced(result),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub label: String,
    pub assumed: bool,
    /// The dimension it assesses (from `schema/dimensions.yaml`).
    pub dimension: Option<String>,
    pub kind: RuleKind,
    pub loc: Location,
}

/// What the bands measure.
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    /// The score: base plus points, bonuses and capped categories, less deductions.
    Score,
    /// How many checklist rules passed.
    ChecklistsPassed,
    /// The value of one rule: a checklist's count of criteria met, or a points rule's points.
    Rule(usize),
}

/// One end of a band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bound {
    pub value: f64,
    /// 以上/以下 in the seeds include the number itself: `inclusive: true`.
    pub inclusive: bool,
}

/// A range of the metric that maps to a grade. A missing bound is unbounded.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub grade: String,
    pub lower: Option<Bound>,
    pub upper: Option<Bound>,
    pub loc: Location,
}

impl Band {
    pub fn contains(&self, x: f64) -> bool {
        let above_lower = self.lower.is_none_or(|b| {
            if b.inclusive {
                x >= b.value
            } else {
                x > b.value
            }
        });
        let below_upper = self.upper.is_none_or(|b| {
            if b.inclusive {
                x <= b.value
            } else {
                x < b.value
            }
        });
        above_lower && below_upper
    }

    /// Why `x` falls in this band, e.g. `score 900 >= 900 (inclusive)`.
    pub fn explain(&self, metric: &str, x: f64) -> String {
        let mut parts = Vec::new();
        let n = crate::number::format;
        if let Some(b) = self.lower {
            parts.push(format!(
                "{metric} {} {} {} ({})",
                n(x),
                if b.inclusive { ">=" } else { ">" },
                n(b.value),
                if b.inclusive {
                    "inclusive"
                } else {
                    "exclusive"
                }
            ));
        }
        if let Some(b) = self.upper {
            parts.push(format!(
                "{metric} {} {} {} ({})",
                n(x),
                if b.inclusive { "<=" } else { "<" },
                n(b.value),
                if b.inclusive {
                    "inclusive"
                } else {
                    "exclusive"
                }
            ));
        }
        if parts.is_empty() {
            format!("{metric} {} (band without bounds)", n(x))
        } else {
            parts.join(" and ")
        }
    }
}

#[derive(Debug, Clone)]
pub struct Bands {
    pub on: Metric,
    pub assumed: bool,
    /// Ordered as written; together they cover every number exactly once.
    pub bands: Vec<Band>,
}

/// A grade: its Chinese label, whether it counts as passing, its treatment and its money.
#[derive(Debug, Clone, Serialize)]
pub struct Grade {
    pub label: String,
    pub assumed: bool,
    pub pass: bool,
    pub actions: Vec<String>,
    pub money: Money,
    /// The treatment's deadline: how long from the assessment date, and the date itself
    /// when the assessment date is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<Due>,
}

/// A grade's deadline (限期整改 within 3 months).
#[derive(Debug, Clone, Serialize)]
pub struct Due {
    #[serde(skip)]
    pub within: crate::calendar::Interval,
    /// `within` in words: `3 months`.
    pub within_text: String,
    /// The assessment date plus `within` (none without an assessment date).
    pub date: Option<String>,
    pub source: Option<String>,
    pub assumed: bool,
}

#[derive(Debug, Clone)]
pub struct Ranking {
    pub exclude_vetoed: bool,
    pub assumed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Budget {
    pub amount: Money,
    pub label: String,
    pub source: Option<String>,
}

/// Which records a group rule takes: those whose grade is one of `grades`, or for which
/// `when` holds; with neither, every record.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    pub grades: Vec<String>,
    pub when: Option<Expr>,
    /// What every record the selector takes must also meet.
    pub require: Option<Expr>,
}

impl Selector {
    /// The selector's expressions: `when`, then `require`.
    pub(crate) fn exprs(&self) -> impl Iterator<Item = &Expr> {
        self.when.iter().chain(&self.require)
    }
}

/// What makes one candidate lead better than another (higher first).
#[derive(Debug, Clone, PartialEq)]
pub enum Prefer {
    /// What the bands measure (checklists passed: stars).
    Metric,
    Score,
    /// A numeric field of the record.
    Field(String),
}

#[derive(Debug, Clone)]
pub enum GroupKind {
    /// One record per group leads; the records `pair` selects are paired with it.
    Lead {
        lead: Selector,
        prefer: Vec<Prefer>,
        pair: Option<Selector>,
    },
    /// The share of `of` (default: all) records that `count` selects.
    Rate {
        count: Selector,
        of: Option<Selector>,
        at_least: Option<f64>,
    },
    /// At most `at_most` of the records `select` takes keep their grade, ranked by `prefer`;
    /// the rest get `demote_to`. Runs before every other group rule, the ranks and the
    /// summary, so a demotion changes grade, money and pass rate everywhere.
    Quota {
        select: Selector,
        prefer: Vec<Prefer>,
        at_most: usize,
        demote_to: String,
    },
}

/// A rule over the records of each group (or all records), run after every record is
/// evaluated. What it cannot satisfy is a finding, not an error.
#[derive(Debug, Clone)]
pub struct GroupRule {
    pub id: String,
    pub label: String,
    pub source: Option<String>,
    pub assumed: bool,
    /// The field whose value makes the groups.
    pub by: Option<String>,
    pub kind: GroupKind,
    pub loc: Location,
}

impl GroupKind {
    pub fn name(&self) -> &'static str {
        match self {
            GroupKind::Lead { .. } => "lead",
            GroupKind::Rate { .. } => "rate",
            GroupKind::Quota { .. } => "quota",
        }
    }

    /// The selectors, in a fixed order: lead, pair; or count, of.
    pub(crate) fn selectors(&self) -> Vec<&Selector> {
        match self {
            GroupKind::Lead { lead, pair, .. } => std::iter::once(lead).chain(pair).collect(),
            GroupKind::Rate { count, of, .. } => std::iter::once(count).chain(of).collect(),
            GroupKind::Quota { select, .. } => vec![select],
        }
    }
}

/// A script file of the pack.
#[derive(Debug, Clone)]
pub struct Script {
    /// Index into [`Policy::files`].
    pub file: usize,
}

/// A policy pack, validated.
#[derive(Debug, Clone)]
pub struct Policy {
    pub meta: Meta,
    pub schema: Schema,
    pub dimensions: crate::dimension::Dimensions,
    /// The record fields the policy reads, in declaration order.
    pub fields: Vec<String>,
    pub params: IndexMap<String, Param>,
    pub categories: IndexMap<String, Category>,
    pub rules: Vec<Rule>,
    pub bands: Option<Bands>,
    pub grades: IndexMap<String, Grade>,
    pub ranking: Option<Ranking>,
    pub budget: Option<Budget>,
    pub group_rules: Vec<GroupRule>,
    pub scripts: Vec<Script>,
    /// The pack's files, for diagnostics from later stages.
    pub files: Vec<SourceFile>,
}

/// How outcomes name a criterion: `checklist.criterion`.
pub(crate) fn criterion_key(rule: &str, criterion: &str) -> String {
    format!("{rule}.{criterion}")
}

/// Whether rules compute a score (there is a base or a points rule).
pub(crate) fn scores(rules: &[Rule]) -> bool {
    rules
        .iter()
        .any(|r| matches!(r.kind, RuleKind::Base(_) | RuleKind::Points(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(lower: Option<(f64, bool)>, upper: Option<(f64, bool)>) -> Band {
        Band {
            grade: "g".into(),
            lower: lower.map(|(value, inclusive)| Bound { value, inclusive }),
            upper: upper.map(|(value, inclusive)| Bound { value, inclusive }),
            loc: Location::default(),
        }
    }

    #[test]
    fn inclusive_bounds_contain_the_number() {
        // 900分以上: 900 is in, 899 is not.
        let recommended = band(Some((900.0, true)), None);
        assert!(recommended.contains(900.0));
        assert!(!recommended.contains(899.0));
        // 500分以下: 500 is in, 501 is not.
        let remedial = band(None, Some((500.0, true)));
        assert!(remedial.contains(500.0));
        assert!(!remedial.contains(501.0));
    }

    #[test]
    fn exclusive_bounds_leave_the_number_out() {
        let middle = band(Some((500.0, false)), Some((900.0, false)));
        assert!(!middle.contains(500.0));
        assert!(middle.contains(500.5));
        assert!(middle.contains(899.0));
        assert!(!middle.contains(900.0));
    }

    #[test]
    fn explain_names_the_bound_and_its_inclusiveness() {
        assert_eq!(
            band(Some((900.0, true)), None).explain("score", 900.0),
            "score 900 >= 900 (inclusive)"
        );
        assert_eq!(
            band(Some((500.0, false)), Some((900.0, false))).explain("score", 700.0),
            "score 700 > 500 (exclusive) and score 700 < 900 (exclusive)"
        );
    }
}
