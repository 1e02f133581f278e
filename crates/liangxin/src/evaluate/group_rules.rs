//! Group rules: rules over the records of each group (a grid, a district, a cohort), run once
//! every record is evaluated. They read only outcomes (each outcome carries the values its
//! group rules need), never the ledger, and what they cannot satisfy (a grid without a
//! qualified lead, a rate below target) is a finding in the result, not an error.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::Serialize;

use super::Outcome;
use crate::compile::{CompiledGroup, CompiledPolicy};
use crate::policy::{GroupKind, GroupRule, Prefer, Selector};
use crate::schema::FieldType;
use crate::value::Value;

/// The label of the one group of a rule without `by`.
pub const ALL_RECORDS: &str = "全部";

/// A record a group rule names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Member {
    /// The record's id.
    pub record: String,
    /// The record's name (姓名, 组织名称), when the ledger has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The record's grade id (after any quota).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    /// The grade's Chinese label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade_label: Option<String>,
}

/// One group's result under one group rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupResult {
    /// The group: the `by` field's value as people read it (an enum's label), or 全部.
    pub group: String,
    /// Evaluated records in the group.
    pub records: usize,
    /// `lead`: the chosen lead, if any record qualifies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead: Option<Member>,
    /// `lead`: how many records could have led.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidates: Option<usize>,
    /// `lead`: the records paired with the lead (or left without one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paired: Vec<Member>,
    /// `rate`: records counted, out of `of`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// `rate`: the records the rate is out of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub of: Option<usize>,
    /// `rate`: count / of, as a fraction; none when `of` is 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// `quota`: the records that keep their grade, best first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<Member>,
    /// `quota`: the records demoted, with the grade they now have, best first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub demoted: Vec<Member>,
    /// `quota`: records tied for the last places that the tie-break cannot separate; they are
    /// not graded (each is a record error) until someone decides.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tied: Vec<Member>,
    /// What the rule could not satisfy in this group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
}

/// One group rule's result over the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRuleResult {
    /// The group rule's id.
    pub id: String,
    /// The group rule's Chinese name.
    pub label: String,
    /// `lead`, `rate` or `quota`.
    pub kind: &'static str,
    /// The `by` field's label, when the rule groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// `rate`: the target, as a fraction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    /// `quota`: how many records per group keep their grade.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_most: Option<usize>,
    /// Where the rule comes from, in the pack's words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The article does not give this rule; the pack's authors chose it.
    pub assumed: bool,
    /// One result per group, in the `by` field's order (an enum's values as declared, other
    /// values sorted); one group, [`ALL_RECORDS`], without `by`.
    pub groups: Vec<GroupResult>,
    /// Every group's finding, plus records the rule could not place.
    pub findings: Vec<String>,
}

/// A record as a group rule's result names it.
pub(super) fn member(o: &Outcome) -> Member {
    Member {
        record: o.record.clone(),
        name: o.name.clone(),
        grade: o.grade.as_deref().map(str::to_owned),
        grade_label: o.grade_label.as_deref().map(str::to_owned),
    }
}

impl GroupResult {
    pub(super) fn new(group: String, records: usize) -> GroupResult {
        GroupResult {
            group,
            records,
            lead: None,
            candidates: None,
            paired: Vec::new(),
            count: None,
            of: None,
            rate: None,
            kept: Vec::new(),
            demoted: Vec::new(),
            tied: Vec::new(),
            finding: None,
        }
    }
}

impl CompiledPolicy {
    /// Runs every group rule over the outcomes; a quota's result comes from `quotas` (it was
    /// applied before, see [`CompiledPolicy::apply_quotas`]).
    pub(crate) fn group_rules(
        &self,
        outcomes: &[Outcome],
        mut quotas: Vec<Option<GroupRuleResult>>,
    ) -> Vec<GroupRuleResult> {
        self.policy
            .group_rules
            .iter()
            .zip(&self.groups)
            .enumerate()
            .map(
                |(i, (rule, compiled))| match quotas.get_mut(i).and_then(Option::take) {
                    Some(applied) => applied,
                    None => self.group_rule(rule, compiled, outcomes),
                },
            )
            .collect()
    }

    /// The groups of a rule, as indices into `outcomes`, in the field's order: an enum's
    /// values as declared (a value no record has is still a group), other values sorted; and
    /// the records without a value.
    pub(super) fn grouping(
        &self,
        rule: &GroupRule,
        compiled: &CompiledGroup,
        outcomes: &[Outcome],
    ) -> (BTreeMap<GroupKey, Vec<usize>>, Vec<usize>) {
        let by = rule.by.as_deref().and_then(|b| self.policy.schema.field(b));
        let mut groups: BTreeMap<GroupKey, Vec<usize>> = BTreeMap::new();
        let mut unplaced = Vec::new();
        match by.map(|f| &f.ty) {
            None => {
                groups.insert(
                    GroupKey::Text(ALL_RECORDS.to_owned()),
                    (0..outcomes.len()).collect(),
                );
            }
            Some(ty) => {
                if let FieldType::Enum(values) = ty {
                    for (i, label) in values.values().enumerate() {
                        groups.insert(GroupKey::Enum(i, label.clone()), Vec::new());
                    }
                }
                for (i, o) in outcomes.iter().enumerate() {
                    let value = compiled.by.and_then(|i| o.group_values.get(i));
                    match value.and_then(|v| GroupKey::of(v, ty)) {
                        Some(key) => groups.entry(key).or_default().push(i),
                        None => unplaced.push(i),
                    }
                }
            }
        }
        (groups, unplaced)
    }

    /// The finding for records without the `by` field's value.
    pub(super) fn unplaced(&self, rule: &GroupRule, unplaced: usize) -> Option<String> {
        let f = rule
            .by
            .as_deref()
            .and_then(|b| self.policy.schema.field(b))?;
        (unplaced > 0).then(|| {
            format!(
                "{unplaced} record{} without {} ({}) belong to no group",
                if unplaced == 1 { "" } else { "s" },
                f.label,
                f.id
            )
        })
    }

    fn group_rule(
        &self,
        rule: &GroupRule,
        compiled: &CompiledGroup,
        outcomes: &[Outcome],
    ) -> GroupRuleResult {
        let mut fold = RuleFold::new(self, rule, compiled);
        for o in outcomes {
            fold.add(o);
        }
        fold.finish()
    }

    /// A fold per group rule of the policy, for outcomes taken one at a time (a stream's);
    /// None when a rule is a quota, which changes grades once every record is known.
    pub(crate) fn group_folds(&self) -> Option<Vec<RuleFold<'_>>> {
        self.policy
            .group_rules
            .iter()
            .zip(&self.groups)
            .map(|(rule, compiled)| {
                (!matches!(rule.kind, GroupKind::Quota { .. }))
                    .then(|| RuleFold::new(self, rule, compiled))
            })
            .collect()
    }

    pub(super) fn rule_result(
        &self,
        rule: &GroupRule,
        groups: Vec<GroupResult>,
        findings: Vec<String>,
    ) -> GroupRuleResult {
        let by = rule.by.as_deref().and_then(|b| self.policy.schema.field(b));
        GroupRuleResult {
            id: rule.id.clone(),
            label: rule.label.clone(),
            kind: rule.kind.name(),
            by: by.map(|f| f.label.clone()),
            at_least: match rule.kind {
                GroupKind::Rate { at_least, .. } => at_least,
                GroupKind::Lead { .. } | GroupKind::Quota { .. } => None,
            },
            at_most: match rule.kind {
                GroupKind::Quota { at_most, .. } => Some(at_most),
                GroupKind::Lead { .. } | GroupKind::Rate { .. } => None,
            },
            source: rule.source.clone(),
            assumed: rule.assumed,
            groups,
            findings,
        }
    }
}

impl CompiledPolicy {
    /// What a selector asks for, in words: `四星级 or 五星级`, `member_count == 0`.
    fn describe(&self, selector: &Selector) -> String {
        let grades = &self.policy.grades;
        let mut parts: Vec<String> = selector
            .grades
            .iter()
            .map(|g| grades.get(g).map_or(g.clone(), |d| d.label.clone()))
            .collect();
        parts.extend(selector.when.as_ref().map(|w| w.text.trim().to_owned()));
        let taken = if parts.is_empty() {
            "any record".to_owned()
        } else {
            parts.join(" or ")
        };
        match &selector.require {
            Some(require) => format!("{taken}, and {}", require.text.trim()),
            None => taken,
        }
    }
}

/// Whether the rule's selector number `index` takes the outcome: its grade is listed or its
/// `when` held (or it names neither), and its `require` holds.
pub(super) fn selects(
    selector: &Selector,
    compiled: &CompiledGroup,
    index: usize,
    o: &Outcome,
) -> bool {
    let holds = |read: Option<&Option<usize>>| {
        read.copied()
            .flatten()
            .is_some_and(|i| o.group_values.get(i) == Some(&Value::Bool(true)))
    };
    let by_grade = o
        .grade
        .as_deref()
        .is_some_and(|g| selector.grades.iter().any(|s| s == g));
    let by_when = holds(compiled.when.get(index));
    let unrestricted = selector.grades.is_empty() && selector.when.is_none();
    let required = selector.require.is_none() || holds(compiled.require.get(index));
    (unrestricted || by_grade || by_when) && required
}

/// Orders two candidates: by each `prefer` key (higher is better), then the record id first in
/// text order (`ZZ10` before `ZZ9`) is better, so the choice never depends on ledger order.
fn better(prefer: &[Prefer], reads: &[Option<usize>], a: &Outcome, b: &Outcome) -> Ordering {
    preferred(prefer, reads, a, b).then_with(|| b.record.cmp(&a.record))
}

/// Orders two records by the `prefer` keys alone (higher is greater): `Equal` is a tie the
/// keys cannot break.
pub(super) fn preferred(
    prefer: &[Prefer],
    reads: &[Option<usize>],
    a: &Outcome,
    b: &Outcome,
) -> Ordering {
    let key = |o: &Outcome, i: usize| -> f64 {
        match &prefer[i] {
            Prefer::Metric => o.metric,
            Prefer::Score => o.score,
            Prefer::Field(_) => reads[i]
                .and_then(|r| o.group_values.get(r))
                .and_then(Value::as_f64),
        }
        .unwrap_or(f64::NEG_INFINITY)
    };
    (0..prefer.len())
        .map(|i| key(a, i).total_cmp(&key(b, i)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// A group's place in the order of groups.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum GroupKey {
    /// An enum value, by its place in the schema, with its label.
    Enum(usize, String),
    /// A number, as a sortable integer of its bits, with how it reads.
    Number(i64, String),
    Text(String),
}

impl GroupKey {
    fn of(value: &Value, ty: &FieldType) -> Option<GroupKey> {
        match (value, ty) {
            (Value::Str(s), _) if s.is_empty() => None,
            (Value::Str(s), FieldType::Enum(values)) => {
                let i = values.get_index_of(s)?;
                Some(GroupKey::Enum(i, values[i].clone()))
            }
            (Value::Str(s), _) => Some(GroupKey::Text(s.clone())),
            (Value::Bool(b), _) => Some(GroupKey::Enum(
                usize::from(!*b),
                if *b { "是" } else { "否" }.to_owned(),
            )),
            (v, _) => {
                let n = v.as_f64()?;
                // Orders like the number (milli-units are precise enough for a group key).
                Some(GroupKey::Number((n * 1000.0).round() as i64, v.to_string()))
            }
        }
    }

    pub(super) fn label(&self) -> String {
        match self {
            GroupKey::Enum(_, s) | GroupKey::Number(_, s) | GroupKey::Text(s) => s.clone(),
        }
    }
}

/// A `lead` or `rate` rule's result built one outcome at a time, from what each outcome
/// carries for it (never the records): counts per group, each group's best candidate so far,
/// and the records to pair. Folds of consecutive runs of outcomes merge, in order, into the
/// fold of them all, so a stream's blocks can be folded apart.
pub(crate) struct RuleFold<'a> {
    policy: &'a CompiledPolicy,
    rule: &'a GroupRule,
    compiled: &'a CompiledGroup,
    by: Option<&'a FieldType>,
    groups: BTreeMap<GroupKey, GroupFold>,
    unplaced: usize,
}

/// One group's counts under one rule.
#[derive(Default)]
struct GroupFold {
    records: usize,
    /// `lead`: records that could lead, and the best of them (a tie broken by record id, so
    /// the choice does not depend on the order records come in).
    candidates: usize,
    lead: Option<Outcome>,
    /// `lead`: records to pair, in ledger order (the chosen lead is left out at the end).
    paired: Vec<Member>,
    /// `rate`: records the rate is out of, and those of them counted.
    of: usize,
    count: usize,
}

impl<'a> RuleFold<'a> {
    fn new(policy: &'a CompiledPolicy, rule: &'a GroupRule, compiled: &'a CompiledGroup) -> Self {
        let by = rule
            .by
            .as_deref()
            .and_then(|b| policy.policy.schema.field(b))
            .map(|f| &f.ty);
        let mut groups = BTreeMap::new();
        match by {
            None => {
                groups.insert(GroupKey::Text(ALL_RECORDS.to_owned()), GroupFold::default());
            }
            // An enum's values are groups even when no record has them.
            Some(FieldType::Enum(values)) => {
                for (i, label) in values.values().enumerate() {
                    groups.insert(GroupKey::Enum(i, label.clone()), GroupFold::default());
                }
            }
            Some(_) => {}
        }
        RuleFold {
            policy,
            rule,
            compiled,
            by,
            groups,
            unplaced: 0,
        }
    }

    /// Takes one outcome (after any quota).
    pub(crate) fn add(&mut self, o: &Outcome) {
        let group = match self.by {
            None => self.groups.values_mut().next(),
            Some(ty) => {
                let value = self.compiled.by.and_then(|i| o.group_values.get(i));
                match value.and_then(|v| GroupKey::of(v, ty)) {
                    Some(key) => Some(self.groups.entry(key).or_default()),
                    None => None,
                }
            }
        };
        let Some(group) = group else {
            self.unplaced += 1;
            return;
        };
        let compiled = self.compiled;
        group.records += 1;
        match &self.rule.kind {
            GroupKind::Lead { lead, prefer, pair } => {
                if selects(lead, compiled, 0, o) {
                    group.candidates += 1;
                    if group.lead.as_ref().is_none_or(|best| {
                        better(prefer, &compiled.prefer, o, best) == Ordering::Greater
                    }) {
                        group.lead = Some(o.clone());
                    }
                }
                if pair.as_ref().is_some_and(|p| selects(p, compiled, 1, o)) {
                    group.paired.push(member(o));
                }
            }
            GroupKind::Rate { count, of, .. } => {
                if of.as_ref().is_none_or(|of| selects(of, compiled, 1, o)) {
                    group.of += 1;
                    group.count += usize::from(selects(count, compiled, 0, o));
                }
            }
            // Applied to the outcomes before every other group rule: `apply_quotas`.
            GroupKind::Quota { .. } => {}
        }
    }

    /// Adds the fold of the outcomes that came after this fold's.
    pub(crate) fn merge(&mut self, later: RuleFold<'a>) {
        self.unplaced += later.unplaced;
        let prefer = match &self.rule.kind {
            GroupKind::Lead { prefer, .. } => prefer.as_slice(),
            GroupKind::Rate { .. } | GroupKind::Quota { .. } => &[],
        };
        for (key, g) in later.groups {
            let mine = self.groups.entry(key).or_default();
            mine.records += g.records;
            mine.candidates += g.candidates;
            mine.lead = match (mine.lead.take(), g.lead) {
                (Some(a), Some(b)) => Some(
                    if better(prefer, &self.compiled.prefer, &b, &a) == Ordering::Greater {
                        b
                    } else {
                        a
                    },
                ),
                (a, b) => a.or(b),
            };
            mine.paired.extend(g.paired);
            mine.of += g.of;
            mine.count += g.count;
        }
    }

    /// The rule's result over every outcome taken.
    pub(crate) fn finish(self) -> GroupRuleResult {
        let mut findings = Vec::new();
        let mut results = Vec::new();
        for (key, g) in self.groups {
            let group = key.label();
            let mut result = GroupResult::new(group.clone(), g.records);
            match &self.rule.kind {
                GroupKind::Lead { lead, pair, .. } => {
                    result.candidates = Some(g.candidates);
                    let chosen = g.lead.as_ref().map(|o| o.record.as_str());
                    result.lead = g.lead.as_ref().map(member);
                    if pair.is_some() {
                        result.paired = g
                            .paired
                            .into_iter()
                            .filter(|m| chosen != Some(m.record.as_str()))
                            .collect();
                    }
                    if chosen.is_none() {
                        let waiting = if result.paired.is_empty() {
                            String::new()
                        } else {
                            format!("; {} to pair are left without one", result.paired.len())
                        };
                        result.finding = Some(format!(
                            "{group}: no record qualifies to lead ({}; {} records){waiting}",
                            self.policy.describe(lead),
                            g.records
                        ));
                    }
                }
                GroupKind::Rate { at_least, .. } => {
                    result.count = Some(g.count);
                    result.of = Some(g.of);
                    result.rate = (g.of > 0).then(|| g.count as f64 / g.of as f64);
                    if let (Some(target), Some(rate)) = (at_least, result.rate)
                        && rate < *target
                    {
                        result.finding = Some(format!(
                            "{group}: {} is below the target {}",
                            crate::number::percent(rate),
                            crate::number::percent(*target)
                        ));
                    }
                }
                GroupKind::Quota { .. } => {}
            }
            findings.extend(result.finding.clone());
            results.push(result);
        }
        findings.extend(self.policy.unplaced(self.rule, self.unplaced));
        self.policy.rule_result(self.rule, results, findings)
    }
}
