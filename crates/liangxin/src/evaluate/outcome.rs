//! What evaluating a record produces.

use crate::money::Money;
use std::sync::Arc;

use serde::Serialize;

/// A name from the policy (rule, criterion, grade), shared by every outcome that mentions it
/// rather than copied into each.
pub type Name = Arc<str>;

/// The result of one rule for one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    /// The rule's id.
    pub id: Name,
    /// The rule's kind, as written in `kind:` (`points`, `veto`, …).
    pub kind: &'static str,
    /// What the rule computed: the expression's number, the count of criteria met, the
    /// amount paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// What it added to the score (after caps; negative for deductions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<f64>,
    /// Whether a checklist passed, a veto fired, a money rule paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
    /// Criteria of a checklist that failed; steps of a procedure with a problem.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<Name>,
    /// A remark on the result: a points rule's cap (`capped from 30 to 20`), or why a decision
    /// table's row matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A procedure's missing, out-of-order and too-early steps, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// The running score after the rule, when its points went straight into the score (not
    /// into a category): what `--explain` shows, as evaluation computed it.
    #[serde(skip)]
    pub total: Option<f64>,
}

impl RuleResult {
    pub(crate) fn new(id: &Name, kind: &'static str) -> Self {
        RuleResult {
            id: id.clone(),
            kind,
            value: None,
            points: None,
            passed: None,
            failed: Vec::new(),
            note: None,
            problems: Vec::new(),
            total: None,
        }
    }
}

/// A category's points for one record: the rules' sum, capped, and the score after it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CategoryTotal {
    /// The sum of the category's rules' points, before the caps.
    pub sum: f64,
    /// That sum after the category's `min` and `max`: what joined the score.
    pub capped: f64,
    /// The score once this category joined it (categories join after every rule, in the
    /// policy's order).
    pub running: f64,
}

/// Where a quota ranked a record and what it did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuotaPlace {
    /// The quota group rule's id.
    pub rule: Name,
    /// Whether the record lost its grade to the quota.
    pub demoted: bool,
    /// In words: `ranked 3rd of 3 qualifying in 东城街道; quota 2; demoted to 达标`.
    pub text: String,
}

/// The outcome of one record under one policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The record's id (党员编号, 组织编号).
    pub record: String,
    /// The record's row in the ledger (see [`crate::RecordError::row`]).
    pub row: usize,
    /// The record's name (姓名, 组织名称), when the schema has a name field and the cell is filled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The score, when the policy scores.
    pub score: Option<f64>,
    /// The grade's id: from the first veto that fired, else the decision table's row, else the
    /// bands (a quota may then demote it); `None` when the policy gives no grade.
    pub grade: Option<Name>,
    /// The grade's Chinese label, e.g. 优先推荐; `None` when there is no grade.
    pub grade_label: Option<Name>,
    /// Whether the grade counts as passing (达标, 合格).
    pub passed: Option<bool>,
    /// Whether a veto fired; the grade is then the veto's, whatever the score.
    pub vetoed: bool,
    /// The treatment the grade gets.
    pub actions: Arc<[String]>,
    /// The date the treatment is due (the assessment date plus the grade's `due`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<Name>,
    /// Everything paid to the record: its money rules plus its grade's money, exact to the fen.
    pub money: Money,
    /// Place on the leaderboard (积分排行榜), when the policy ranks.
    pub rank: Option<usize>,
    /// Ids of the checklist criteria that failed, as `checklist.criterion`.
    pub failed: Vec<Name>,
    /// Where each quota ranked the record and what it did: `ranked 3rd of 3 qualifying in
    /// 东城街道; quota 2; demoted to 达标`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quotas: Vec<QuotaPlace>,
    /// Why the band matched, e.g. `score 900 >= 900 (inclusive)`. Shared text: records
    /// graded alike share one sentence rather than each writing its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub band: Option<Name>,
    /// Which band matched (index into the policy's bands), when one did.
    #[serde(skip)]
    pub band_index: Option<usize>,
    /// Per category of the policy, its total as evaluation computed it (for `--explain`).
    #[serde(skip)]
    pub categories: Vec<CategoryTotal>,
    /// Each rule's result, in the policy's rule order.
    pub rules: Vec<RuleResult>,
    /// The record's values in the ledger's columns the schema does not know, in
    /// [`crate::Evaluation::extra_columns`] order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<String>,
    /// Money per source, keyed by rule id or `grade:<id>`.
    #[serde(skip)]
    pub(crate) money_items: Vec<(Name, Money)>,
    /// What the bands measured (score, checklists passed, a rule's value), when there are bands.
    #[serde(skip)]
    pub(crate) metric: Option<f64>,
    /// The values the policy's group rules read, computed with the record (see
    /// `CompiledPolicy::group_reads`); empty without group rules.
    #[serde(skip)]
    pub(crate) group_values: Vec<crate::value::Value>,
}
