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
    /// The pack's id, e.g. `longwen-points` (its `id:`, not its folder's name).
    pub id: String,
    /// The standard's Chinese name.
    pub name: String,
    /// The city or district the standard is for, e.g. 福建省漳州市龙文区; empty when not given.
    pub region: String,
    /// The seed article the standard is taken from.
    pub source: String,
    /// What one record is: a party member, a party organization or a member-development dossier.
    pub subject: Subject,
    /// The pack's own revision, as written; empty when not given.
    pub version: String,
    /// The date the standard takes effect, as written; empty when not given.
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
    /// A number (`value: 1000`).
    Num(f64),
    /// A yes/no (`value: true`).
    Bool(bool),
    /// Text, e.g. a date (YYYY-MM-DD; a `before_as_of` param's value is one) or a choice's id.
    Str(String),
}

/// A named value the rules refer to, resolved: its value in force and where it comes from.
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
    /// The param's Chinese name (expressions may use it in place of the id); empty when not given.
    pub label: String,
    /// Where the value comes from, in the pack's words; `None` when the pack does not say.
    pub source: Option<String>,
    /// The article does not give this value; the pack's authors chose it.
    pub assumed: bool,
}

/// A category of points rules whose total may be capped.
#[derive(Debug, Clone, Serialize)]
pub struct Category {
    /// The category's Chinese name, e.g. 日常工作积分.
    pub label: String,
    /// The least the category's total may be (params resolved); `None`: no floor.
    pub min: Option<f64>,
    /// The most the category's total may be (params resolved); `None`: no ceiling.
    pub max: Option<f64>,
    /// The article does not give this category; the pack's authors chose it.
    pub assumed: bool,
}

/// A Rhai expression as written in the policy, with where it was written.
#[derive(Debug, Clone)]
pub struct Expr {
    /// The expression exactly as written in the pack (before Chinese labels are rewritten to ids).
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

/// One criterion of a checklist rule: a condition that holds or not.
#[derive(Debug, Clone)]
pub struct Criterion {
    /// The criterion's id, unique in its checklist; outcomes name it `checklist.criterion`.
    pub id: String,
    /// The Chinese name reports show for the criterion.
    pub label: String,
    /// The condition (true or false).
    pub expr: Expr,
    /// The article does not give this criterion; the pack's authors chose it.
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
    /// The step's name in reports: its `label`, else the date field's label.
    pub label: String,
    /// The step must be present. A step that is not required is still missing when a later step is
    /// present (the procedure skipped it).
    pub required: bool,
    /// The step may not happen before an earlier step plus an interval.
    pub not_before: Option<Wait>,
    /// A deadline: the step may not happen after an earlier step plus its interval.
    pub not_after: Option<Wait>,
}

/// A step may not happen before (or, as a deadline, after) an earlier step plus `interval`.
#[derive(Debug, Clone)]
pub struct Wait {
    /// Index of the earlier step in the procedure's steps.
    pub after: usize,
    /// How long after the earlier step.
    pub interval: crate::calendar::Interval,
    /// Where the interval comes from, in the pack's words; `None` when the pack does not say.
    pub source: Option<String>,
    /// The source does not give this interval; the pack's authors chose it.
    pub assumed: bool,
}

impl RuleKind {
    /// The kind's name as written in `kind:` (`base`, `points`, `bonus`, `deduction`, `veto`,
    /// `checklist`, `procedure`, `money`, `table`).
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

/// A validated rule: its identity and its kind's own parameters.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule's id, unique in the pack; outcomes and reports name the rule by it.
    pub id: String,
    /// The Chinese name reports show for the rule.
    pub label: String,
    /// The article does not give this rule; the pack's authors chose it.
    pub assumed: bool,
    /// The dimension it assesses (from `schema/dimensions.yaml`).
    pub dimension: Option<String>,
    /// What the rule does, with its kind's parameters resolved (params to numbers).
    pub kind: RuleKind,
    /// Where the rule's `id:` is written, for diagnostics.
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
    /// The bound's number (params resolved).
    pub value: f64,
    /// 以上/以下 in the seeds include the number itself: `inclusive: true`.
    pub inclusive: bool,
}

/// A range of the metric that maps to a grade. A missing bound is unbounded.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// The id of the grade (in [`Policy::grades`]) a value in this band gets.
    pub grade: String,
    /// The lower end; `None`: unbounded below.
    pub lower: Option<Bound>,
    /// The upper end; `None`: unbounded above.
    pub upper: Option<Bound>,
    /// Where the band's `grade:` is written, for diagnostics.
    pub loc: Location,
}

impl Band {
    /// Whether `x` lies within both bounds.
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

/// How the metric maps to grades.
#[derive(Debug, Clone)]
pub struct Bands {
    /// What the bands measure.
    pub on: Metric,
    /// The article does not give these bands; the pack's authors chose them.
    pub assumed: bool,
    /// Ordered as written; together they cover every number exactly once.
    pub bands: Vec<Band>,
}

/// A grade: its Chinese label, whether it counts as passing, its treatment and its money.
#[derive(Debug, Clone, Serialize)]
pub struct Grade {
    /// The grade's Chinese name, as the city writes it, e.g. 优先推荐.
    pub label: String,
    /// The article does not give this grade; the pack's authors chose it.
    pub assumed: bool,
    /// Whether a record with this grade counts towards the pass rate (达标率).
    pub pass: bool,
    /// The treatment records with this grade get, in the city's words (may be empty).
    pub actions: Vec<String>,
    /// Paid to each record with this grade; zero when the grade pays nothing.
    pub money: Money,
    /// The treatment's deadline: how long from the assessment date, and the date itself
    /// when the assessment date is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<Due>,
}

/// A grade's deadline (限期整改 within 3 months).
#[derive(Debug, Clone, Serialize)]
pub struct Due {
    /// How long from the assessment date.
    #[serde(skip)]
    pub within: crate::calendar::Interval,
    /// `within` in words: `3 months`.
    pub within_text: String,
    /// The assessment date plus `within` (none without an assessment date).
    pub date: Option<String>,
    /// Where the deadline comes from, in the pack's words; `None` when the pack does not say.
    pub source: Option<String>,
    /// The article gives no deadline; the pack's authors chose it.
    pub assumed: bool,
}

/// The leaderboard: competition ranks by score (1, 2, 2, 4).
#[derive(Debug, Clone)]
pub struct Ranking {
    /// Vetoed records get no rank.
    pub exclude_vetoed: bool,
    /// The article does not describe a leaderboard; the pack's authors chose it.
    pub assumed: bool,
}

/// The budget the run's money total is checked against (over budget is a warning).
#[derive(Debug, Clone, Serialize)]
pub struct Budget {
    /// The amount the money total may reach.
    pub amount: Money,
    /// The budget's Chinese name.
    pub label: String,
    /// Where the amount comes from, in the pack's words; `None` when the pack does not say.
    pub source: Option<String>,
}

/// Which records a group rule takes: those whose grade is one of `grades`, or for which
/// `when` holds; with neither, every record.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    /// Grade ids: a record whose grade is one of them is taken.
    pub grades: Vec<String>,
    /// A condition: a record for which it holds is taken.
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
    /// The record's score.
    Score,
    /// A numeric field of the record.
    Field(String),
}

/// What a group rule does with the records of each group.
#[derive(Debug, Clone)]
pub enum GroupKind {
    /// One record per group leads; the records `pair` selects are paired with it.
    Lead {
        /// Which records may lead.
        lead: Selector,
        /// How candidates are ordered, most important key first, higher first.
        prefer: Vec<Prefer>,
        /// Which records are paired with their group's lead; `None`: none are.
        pair: Option<Selector>,
    },
    /// The share of `of` (default: all) records that `count` selects.
    Rate {
        /// Which records count.
        count: Selector,
        /// Which records the rate is out of; `None`: every record of the group.
        of: Option<Selector>,
        /// The lowest acceptable rate, as a fraction (0.856 for 85.6%); a group below it is a finding.
        at_least: Option<f64>,
    },
    /// At most `at_most` of the records `select` takes keep their grade, ranked by `prefer`;
    /// the rest get `demote_to`. Runs before every other group rule, the ranks and the
    /// summary, so a demotion changes grade, money and pass rate everywhere.
    Quota {
        /// Which records compete for the places.
        select: Selector,
        /// How they are ranked, most important key first, higher first.
        prefer: Vec<Prefer>,
        /// How many keep their grade, per group (over all records when the rule has no `by`).
        at_most: usize,
        /// The id of the grade the others get.
        demote_to: String,
    },
}

/// A rule over the records of each group (or all records), run after every record is
/// evaluated. What it cannot satisfy is a finding, not an error.
#[derive(Debug, Clone)]
pub struct GroupRule {
    /// The group rule's id, unique among the group rules.
    pub id: String,
    /// The Chinese name reports show for the rule.
    pub label: String,
    /// Where the rule comes from, in the pack's words; `None` when the pack does not say.
    pub source: Option<String>,
    /// The article does not give this rule; the pack's authors chose it.
    pub assumed: bool,
    /// The field whose value makes the groups.
    pub by: Option<String>,
    /// What the rule does, with its parameters.
    pub kind: GroupKind,
    /// Where the rule's `id:` is written, for diagnostics.
    pub loc: Location,
}

impl GroupKind {
    /// The kind's name as written in `kind:` (`lead`, `rate`, `quota`).
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
    /// Who wrote the standard, for what, and which version.
    pub meta: Meta,
    /// The record schema: the subject's shared fields plus the pack's own declared fields.
    pub schema: Schema,
    /// The dimensions rules and criteria may be tagged with.
    pub dimensions: crate::dimension::Dimensions,
    /// The record fields the policy reads, in declaration order.
    pub fields: Vec<String>,
    /// The params by id, in the order written; a dated param's value is the one in force on the
    /// as-of date (its latest without one).
    pub params: IndexMap<String, Param>,
    /// The categories by id, in the order written.
    pub categories: IndexMap<String, Category>,
    /// The rules, in the order they run.
    pub rules: Vec<Rule>,
    /// How the metric maps to a grade; `None` when the pack has no bands (its grades, if any,
    /// come from a decision table or a veto).
    pub bands: Option<Bands>,
    /// The grades by id, in the order written.
    pub grades: IndexMap<String, Grade>,
    /// The leaderboard, when the pack ranks records.
    pub ranking: Option<Ranking>,
    /// The budget, when the pack has one.
    pub budget: Option<Budget>,
    /// Rules over groups of records, run after every record is evaluated.
    pub group_rules: Vec<GroupRule>,
    /// The item catalog (积分细则) entry ledgers are summed with, if the pack has one.
    pub catalog: Option<crate::entries::Catalog>,
    /// The pack's script files (Rhai functions the expressions may call).
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
