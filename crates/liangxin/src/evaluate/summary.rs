//! A whole run over a ledger: outcomes with ranks, errors, and the summary.

use crate::money::Money;
use indexmap::IndexMap;
use serde::Serialize;

use super::Outcome;
use crate::compile::CompiledPolicy;
use crate::ledger::{RecordError, records_with_errors};
use crate::policy::{Budget, Policy};

/// Which policy produced an evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyInfo {
    /// The pack's id.
    pub id: String,
    /// The standard's Chinese name.
    pub name: String,
    /// The pack's version, as written.
    pub version: String,
    /// The city or district.
    pub region: String,
    /// What a record is: a member, an organization or a dossier.
    pub subject: crate::schema::Subject,
    /// The Chinese label of every checklist criterion and procedure step, keyed as in
    /// [`Outcome::failed`] (`checklist.criterion`, `procedure.step`).
    pub criteria: IndexMap<String, String>,
    /// The Chinese label of every grade, in the policy's order.
    pub grades: IndexMap<String, String>,
    /// The date dated params were read at, when the policy has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// The date the standard takes effect (`effective:`), for reports' titles. Not in the JSON,
    /// whose keys are stable; the pack's own metadata has it.
    #[serde(skip)]
    pub effective: String,
    /// The grades that pass, and those a veto gives: reports colour grades by them. Not in the
    /// JSON, which has `passed` and `vetoed` per outcome.
    #[serde(skip)]
    pub passing: Vec<String>,
    /// The grades a veto gives.
    #[serde(skip)]
    pub veto_grades: Vec<String>,
}

/// The run's money against the policy's budget.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetCheck {
    /// The budget's Chinese name.
    pub label: String,
    /// The budget.
    pub amount: Money,
    /// The run's money total.
    pub used: Money,
    /// What is left: `amount - used`, negative when over budget.
    pub remaining: Money,
    /// Whether the money total exceeds the budget (a warning in `warnings`, never an error).
    pub over: bool,
}

/// Counts and totals over all outcomes.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Records evaluated (not counting records with errors).
    pub records: usize,
    /// Outcomes per grade, in the policy's grade order (zero counts included).
    pub by_grade: IndexMap<String, usize>,
    /// Share of evaluated records whose grade passes; `null` with no records.
    pub pass_rate: Option<f64>,
    /// Records a veto fired for.
    pub vetoed: usize,
    /// Money paid over all evaluated records, exact to the fen.
    pub money_total: Money,
    /// Money per source: a money rule's id, or `grade:<id>` for money attached to a grade.
    pub money_by_item: IndexMap<String, Money>,
    /// Records whose ledger row or evaluation failed.
    pub errors: usize,
    /// The money total against the budget, when the pack has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetCheck>,
    /// Things a reader should not miss (e.g. over budget).
    pub warnings: Vec<String>,
}

/// The result of evaluating a ledger under one policy.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Which pack produced the evaluation.
    pub policy: PolicyInfo,
    /// One outcome per evaluated record, in ledger order.
    pub outcomes: Vec<Outcome>,
    /// Records that could not be read or evaluated (ledger rows without an id, duplicate ids, unreadable
    /// cells, failing scripts, quota ties), in row order; they have no outcome.
    pub errors: Vec<RecordError>,
    /// Counts and totals over the outcomes.
    pub summary: Summary,
    /// How the ledger was read (encoding, skipped rows, unknown columns).
    pub notes: Vec<String>,
    /// The results of the policy's group rules (a lead per grid, a cohort's rates).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_rules: Vec<super::GroupRuleResult>,
    /// The ledger's columns the schema does not know, kept in each outcome's `extra`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_columns: Vec<String>,
}

impl Evaluation {
    pub(crate) fn new(
        compiled: &CompiledPolicy,
        mut outcomes: Vec<Outcome>,
        errors: Vec<RecordError>,
        notes: Vec<String>,
    ) -> Evaluation {
        let policy = &compiled.policy;
        let mut errors = errors;
        // Ranks are by score, which no quota changes: ranked first, a record a quota cannot
        // settle (a tie at its cut) still holds its place, and the ones below keep theirs.
        if let Some(ranking) = &policy.ranking {
            rank(&mut outcomes, ranking.exclude_vetoed);
        }
        // Quotas change grades: before anything reads them. Over a ledger with refused records
        // a record's place is not final either: a refused record may outrank it.
        let refused_before = records_with_errors(&errors);
        let quotas = compiled.apply_quotas(&mut outcomes, &mut errors);
        if refused_before > 0 {
            for place in outcomes.iter_mut().flat_map(|o| o.quotas.iter_mut()) {
                place.text.push_str(&format!(
                    " (not final: {refused_before} record(s) of the ledger could not be evaluated)"
                ));
            }
        }
        let summary = Summary::of(
            policy,
            &outcomes,
            records_with_errors(&errors),
            policy.budget.as_ref(),
        );
        let mut group_rules = compiled.group_rules(&outcomes, quotas);
        not_final(&mut group_rules, records_with_errors(&errors));
        Evaluation {
            group_rules,
            policy: PolicyInfo {
                id: policy.meta.id.clone(),
                name: policy.meta.name.clone(),
                version: policy.meta.version.clone(),
                region: policy.meta.region.clone(),
                subject: policy.meta.subject,
                criteria: policy
                    .rules
                    .iter()
                    .flat_map(|r| match &r.kind {
                        crate::policy::RuleKind::Checklist(
                            crate::rules::checklist::Checklist { criteria, .. },
                        ) => criteria
                            .iter()
                            .map(|c| (crate::policy::criterion_key(&r.id, &c.id), c.label.clone()))
                            .collect(),
                        crate::policy::RuleKind::Procedure(
                            crate::rules::procedure::Procedure { steps },
                        ) => steps
                            .iter()
                            .map(|s| {
                                (
                                    crate::policy::criterion_key(&r.id, &s.field),
                                    s.label.clone(),
                                )
                            })
                            .collect(),
                        crate::policy::RuleKind::Base(_)
                        | crate::policy::RuleKind::Points(_)
                        | crate::policy::RuleKind::Veto(_)
                        | crate::policy::RuleKind::Money(_)
                        | crate::policy::RuleKind::Table(_) => Vec::new(),
                    })
                    .collect(),
                as_of: policy.meta.as_of.clone(),
                effective: policy.meta.effective.clone(),
                passing: policy
                    .grades
                    .iter()
                    .filter(|(_, g)| g.pass)
                    .map(|(id, _)| id.clone())
                    .collect(),
                veto_grades: policy
                    .rules
                    .iter()
                    .filter_map(|r| match &r.kind {
                        crate::policy::RuleKind::Veto(crate::rules::veto::Veto {
                            grade, ..
                        }) => Some(grade.clone()),
                        _ => None,
                    })
                    .collect(),
                grades: policy
                    .grades
                    .iter()
                    .map(|(id, g)| (id.clone(), g.label.clone()))
                    .collect(),
            },
            outcomes,
            errors,
            summary,
            notes,
            extra_columns: Vec::new(),
        }
    }
}

impl CompiledPolicy {
    /// The evaluation narrowed to one record (its outcome keeps its ledger-wide rank).
    pub fn only(&self, mut evaluation: Evaluation, record: &str) -> Evaluation {
        evaluation.outcomes.retain(|o| o.record == record);
        evaluation
            .errors
            .retain(|e| e.record.as_deref() == Some(record));
        evaluation.summary = Summary::of(
            &self.policy,
            &evaluation.outcomes,
            records_with_errors(&evaluation.errors),
            None,
        );
        evaluation
    }
}

impl Summary {
    /// Counts and totals over `outcomes`; the budget check only when a budget is given (a
    /// group of a ledger is not held to the whole budget).
    pub(crate) fn of<'a>(
        policy: &Policy,
        outcomes: impl IntoIterator<Item = &'a Outcome>,
        errors: usize,
        budget: Option<&Budget>,
    ) -> Summary {
        let mut tally = Tally::new(policy);
        for o in outcomes {
            tally.add(o);
        }
        tally.summary(policy, errors, budget)
    }
}

/// A lead or a rate over the records that could be evaluated is not the ledger's answer while
/// `refused` others are missing from it: says so where the result is read.
pub(crate) fn not_final(group_rules: &mut [super::GroupRuleResult], refused: usize) {
    if refused == 0 {
        return;
    }
    for result in group_rules {
        result.findings.insert(
            0,
            format!(
                "not final: {refused} record(s) could not be evaluated and are not counted in this rule; correct them and run again"
            ),
        );
    }
}

/// Counts and totals added up one outcome at a time, so a stream of records needs no list of
/// outcomes to be summarized.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    records: usize,
    by_grade: IndexMap<String, usize>,
    passed: usize,
    vetoed: usize,
    money_total: Money,
    money_by_item: IndexMap<String, Money>,
}

impl Tally {
    pub(crate) fn new(policy: &Policy) -> Tally {
        Tally {
            records: 0,
            by_grade: policy.grades.keys().map(|g| (g.clone(), 0)).collect(),
            passed: 0,
            vetoed: 0,
            money_total: Money::ZERO,
            money_by_item: IndexMap::new(),
        }
    }

    pub(crate) fn add(&mut self, o: &Outcome) {
        self.records += 1;
        if let Some(g) = &o.grade {
            // A handful of grades: comparing ids is cheaper than hashing one, per record.
            let known = self
                .by_grade
                .iter_mut()
                .find(|(id, _)| id.as_str() == &**g)
                .map(|(_, n)| n);
            match known {
                Some(n) => *n += 1,
                None => {
                    self.by_grade.insert(g.to_string(), 1);
                }
            }
        }
        self.passed += usize::from(o.passed == Some(true));
        self.vetoed += usize::from(o.vetoed);
        self.money_total += o.money;
        for (item, amount) in &o.money_items {
            match self.money_by_item.get_mut(&**item) {
                Some(total) => *total += *amount,
                None => {
                    self.money_by_item.insert(item.to_string(), *amount);
                }
            }
        }
    }

    /// Adds the outcomes `other` counted after this tally's (blocks of a stream, taken in
    /// ledger order, so money items keep the order they first appear in).
    pub(crate) fn merge(&mut self, other: Tally) {
        self.records += other.records;
        for (grade, n) in other.by_grade {
            *self.by_grade.entry(grade).or_default() += n;
        }
        self.passed += other.passed;
        self.vetoed += other.vetoed;
        self.money_total += other.money_total;
        for (item, amount) in other.money_by_item {
            *self.money_by_item.entry(item).or_insert(Money::ZERO) += amount;
        }
    }

    /// The summary of everything added; `errors` is the number of records that failed.
    pub(crate) fn summary(
        self,
        policy: &Policy,
        errors: usize,
        budget: Option<&Budget>,
    ) -> Summary {
        let Tally {
            records,
            by_grade,
            passed,
            vetoed,
            money_total,
            money_by_item,
        } = self;
        let mut warnings = Vec::new();
        let budget = budget.map(|b| {
            let over = money_total > b.amount;
            if over {
                let label = if b.label.is_empty() {
                    "budget"
                } else {
                    &b.label
                };
                warnings.push(format!(
                    "money total {} exceeds the budget {} ({label}) by {}",
                    money_total,
                    b.amount,
                    money_total - b.amount
                ));
            }
            BudgetCheck {
                label: b.label.clone(),
                amount: b.amount,
                used: money_total,
                remaining: b.amount - money_total,
                over,
            }
        });
        Summary {
            records,
            by_grade,
            pass_rate: (records > 0 && policy.grades.values().any(|g| g.pass))
                .then(|| passed as f64 / records as f64),
            vetoed,
            money_total,
            money_by_item,
            errors,
            budget,
            warnings,
        }
    }
}

/// Standard competition ranking by score, highest first: ties share a rank and the next rank
/// skips (1, 2, 2, 4).
pub fn rank(outcomes: &mut [Outcome], exclude_vetoed: bool) {
    let ranks = competition_ranks(outcomes.iter(), exclude_vetoed);
    for (o, r) in outcomes.iter_mut().zip(ranks) {
        o.rank = r;
    }
}

/// The competition rank of each outcome among `outcomes` (None: no score, or vetoed and
/// excluded).
pub fn competition_ranks<'a>(
    outcomes: impl Iterator<Item = &'a Outcome> + Clone,
    exclude_vetoed: bool,
) -> Vec<Option<usize>> {
    let ranked = |o: &Outcome| o.score.filter(|_| !(exclude_vetoed && o.vetoed));
    let mut scores: Vec<f64> = outcomes.clone().filter_map(ranked).collect();
    scores.sort_by(|a, b| b.total_cmp(a));
    outcomes
        .map(|o| ranked(o).map(|s| 1 + scores.partition_point(|x| *x > s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(score: f64, vetoed: bool) -> Outcome {
        Outcome {
            record: String::new(),
            row: 0,
            name: None,
            score: Some(score),
            grade: None,
            grade_label: None,
            passed: None,
            vetoed,
            actions: Vec::new().into(),
            due: None,
            money: Money::ZERO,
            rank: None,
            failed: vec![],
            band: None,
            quotas: Vec::new(),
            band_index: None,
            categories: Vec::new(),
            extra: vec![],
            rules: vec![],
            money_items: vec![],
            metric: None,
            group_values: vec![],
        }
    }

    /// The figure: 5,654,000.00 yuan paid over a million records stays exact. The same
    /// amounts summed as floats end at 5654000.000047178.
    #[test]
    fn money_totals_stay_exact_over_a_million_records() {
        let loader = crate::MemoryLoader::new().with(
            "p/policy.yaml",
            "{ id: p, name: p, subject: member, fields: [], rules: [] }",
        );
        let policy = crate::prepare(&loader, "p".as_ref()).unwrap().policy.policy;
        let mut tally = Tally::new(&policy);
        let mut paid = |yuan: f64, times: usize| {
            let mut o = outcome(0.0, false);
            o.money = Money::from_yuan(yuan).unwrap();
            o.money_items = vec![("grant".into(), o.money)];
            for _ in 0..times {
                tally.add(&o);
            }
        };
        paid(5.65, 1_000_000);
        paid(10.0, 400);
        let summary = tally.summary(&policy, 0, None);
        assert_eq!(summary.money_total, Money::from_fen(565_400_000));
        assert_eq!(summary.money_by_item["grant"], Money::from_fen(565_400_000));
        assert_eq!(summary.money_total.to_string(), "5,654,000");
        assert_eq!(summary.records, 1_000_400);
    }

    #[test]
    fn ties_share_a_rank_and_the_next_skips() {
        let mut outcomes: Vec<Outcome> = [950.0, 900.0, 900.0, 899.0]
            .map(|s| outcome(s, false))
            .into();
        rank(&mut outcomes, false);
        let ranks: Vec<_> = outcomes.iter().map(|o| o.rank).collect();
        assert_eq!(ranks, [Some(1), Some(2), Some(2), Some(4)]);
    }

    #[test]
    fn vetoed_records_can_be_left_off_the_leaderboard() {
        let mut outcomes = vec![
            outcome(990.0, true),
            outcome(950.0, false),
            outcome(900.0, false),
        ];
        rank(&mut outcomes, true);
        let ranks: Vec<_> = outcomes.iter().map(|o| o.rank).collect();
        assert_eq!(ranks, [None, Some(1), Some(2)]);
    }
}
