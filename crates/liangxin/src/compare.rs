//! Comparing standards: the same records under several policies, and the standards themselves
//! side by side by the dimensions their rules are tagged with.

use std::collections::HashMap;

use indexmap::IndexMap;
use serde::Serialize;

use crate::compile::CompiledPolicy;
use crate::evaluate::{Evaluation, Grouping, Outcome, group_field};
use crate::ledger::Ledger;
use crate::policy::{Policy, RuleKind};

/// How many of the most-disagreeing records each pair lists.
pub(crate) const DISAGREEMENTS: usize = 10;

/// The dimension row for rules and criteria that carry no dimension tag.
pub(crate) const UNTAGGED: &str = "(untagged)";

/// Several evaluations of one ledger, aligned by record.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// One unique key per policy, in the order given (the policy id; `id#2` for a repeat).
    pub keys: Vec<String>,
    /// One row per record any of the evaluations saw (evaluated or refused), in ledger order.
    pub rows: Vec<Row>,
    /// One entry per pair of policies (a before b, in `keys` order).
    pub agreement: Vec<Agreement>,
}

/// One record across the policies.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The record's id.
    pub record: String,
    /// The record's name (姓名, 组织名称), when the ledger has one.
    pub name: Option<String>,
    /// Per policy: the index of the record's outcome in that evaluation, or None when that
    /// policy could not evaluate it (see its errors).
    #[serde(skip)]
    pub outcomes: Vec<Option<usize>>,
}

/// How two policies grade the same records.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    /// The first policy's key (see [`Comparison::keys`]).
    pub a: String,
    /// The second policy's key.
    pub b: String,
    /// Records both evaluated.
    pub both: usize,
    /// Of those, records both pass or both fail.
    pub same_pass: usize,
    /// Grade under `a` -> grade under `b` -> records.
    pub crosstab: IndexMap<String, IndexMap<String, usize>>,
    /// The records whose tiers are furthest apart, most first.
    pub disagreements: Vec<Disagreement>,
}

/// A record the two policies grade apart.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    /// The record's id.
    pub record: String,
    /// Its grade's label under `a` (`-` for none).
    pub a: String,
    /// Its grade's label under `b` (`-` for none).
    pub b: String,
    /// How far apart the two tiers are, from 0 (same relative tier) to 1 (top vs bottom).
    pub distance: f64,
    /// One policy passes the record and the other does not.
    pub pass_differs: bool,
}

/// Unique keys for policies: the id, with `#n` for the n-th repeat of an id.
pub(crate) fn keys<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    ids.map(|id| {
        let n = seen.entry(id).or_default();
        *n += 1;
        if *n == 1 {
            id.to_owned()
        } else {
            format!("{id}#{n}")
        }
    })
    .collect()
}

/// Every record any of the evaluations saw (evaluated or failed), in ledger order (by row),
/// with its name where one is known.
pub(crate) fn ledger_order<'a>(
    evaluations: impl IntoIterator<Item = &'a Evaluation>,
) -> IndexMap<String, (usize, Option<String>)> {
    let mut order: IndexMap<String, (usize, Option<String>)> = IndexMap::new();
    for e in evaluations {
        for o in &e.outcomes {
            order
                .entry(o.record.clone())
                .or_insert((o.row, o.name.clone()));
        }
        for err in &e.errors {
            if let Some(id) = &err.record {
                order.entry(id.clone()).or_insert((err.row, None));
            }
        }
    }
    order.sort_by(|_, (a, _), _, (b, _)| a.cmp(b));
    order
}

/// Aligns evaluations of the same ledger (one per policy, in order) by record id.
pub fn compare(policies: &[&Policy], evaluations: &[Evaluation]) -> Comparison {
    let keys = keys(policies.iter().map(|p| p.meta.id.as_str()));
    let order = ledger_order(evaluations);
    let index: Vec<HashMap<&str, usize>> = evaluations
        .iter()
        .map(|e| {
            e.outcomes
                .iter()
                .enumerate()
                .map(|(i, o)| (o.record.as_str(), i))
                .collect()
        })
        .collect();
    let rows: Vec<Row> = order
        .iter()
        .map(|(id, (_, name))| Row {
            record: id.clone(),
            name: name.clone().or_else(|| {
                index.iter().zip(evaluations).find_map(|(ix, e)| {
                    ix.get(id.as_str())
                        .and_then(|&i| e.outcomes[i].name.clone())
                })
            }),
            outcomes: index
                .iter()
                .map(|ix| ix.get(id.as_str()).copied())
                .collect(),
        })
        .collect();
    let mut agreement = Vec::new();
    for a in 0..policies.len() {
        for b in a + 1..policies.len() {
            agreement.push(agree(
                policies,
                evaluations,
                &rows,
                (a, b),
                (&keys[a], &keys[b]),
            ));
        }
    }
    Comparison {
        keys,
        rows,
        agreement,
    }
}

/// A pack left out of a comparison on a ledger: the ledger lacks columns its rules read, so
/// every record would fail under it. It is named with those columns rather than shown as a
/// column of errors and an agreement of zeros.
#[derive(Debug, Clone, Serialize)]
pub struct LeftOut {
    /// Its place among the packs given.
    #[serde(skip)]
    pub index: usize,
    /// The pack's id.
    pub policy: String,
    /// The columns, as `年检合格 (annual_inspection_passed)`.
    pub missing_columns: Vec<String>,
}

/// The columns a pack's rules read that the ledger does not have (the record's name is not
/// needed; an empty ledger lacks nothing).
pub fn missing_columns(compiled: &CompiledPolicy, ledger: &Ledger) -> Vec<String> {
    if ledger.records.is_empty() {
        return Vec::new();
    }
    let schema = &compiled.policy.schema;
    compiled
        .fields_read()
        .iter()
        .zip(schema.fields.values())
        .enumerate()
        .filter(|(i, (read, def))| {
            **read && def.id != schema.id_field && def.id != "name" && !ledger.has_column(*i)
        })
        .map(|(_, (_, def))| format!("{} ({})", def.label, def.id))
        .collect()
}

/// Several packs run on one ledger, as `liangxin compare --records` runs them.
#[derive(Debug, Clone)]
pub struct OnLedger {
    /// The places (among the packs given) of the packs compared, in order.
    pub kept: Vec<usize>,
    /// The packs the ledger lacks columns for.
    pub left_out: Vec<LeftOut>,
    /// One per pack kept.
    pub evaluations: Vec<Evaluation>,
    /// The kept packs' evaluations aligned by record ([`compare`]).
    pub comparison: Comparison,
}

/// Evaluates one ledger under several packs and aligns the results. `ledgers` holds the ledger
/// as read with each pack's schema (in the packs' order). A pack whose columns the ledger lacks
/// is left out before anything is evaluated; when fewer than two packs are left, there is
/// nothing to compare and the packs left out are the error.
///
/// # Errors
///
/// The packs left out, when fewer than two packs are left to compare.
pub fn on_ledger(packs: &[&CompiledPolicy], ledgers: &[Ledger]) -> Result<OnLedger, Vec<LeftOut>> {
    let left_out: Vec<LeftOut> = packs
        .iter()
        .zip(ledgers)
        .enumerate()
        .filter_map(|(index, (p, ledger))| {
            let missing = missing_columns(p, ledger);
            (!missing.is_empty()).then(|| LeftOut {
                index,
                policy: p.policy.meta.id.clone(),
                missing_columns: missing,
            })
        })
        .collect();
    let kept: Vec<usize> = (0..packs.len().min(ledgers.len()))
        .filter(|i| !left_out.iter().any(|l| l.index == *i))
        .collect();
    if kept.len() < 2 && !left_out.is_empty() {
        return Err(left_out);
    }
    let evaluations: Vec<Evaluation> = kept
        .iter()
        .map(|&i| packs[i].evaluate_ledger(&ledgers[i]))
        .collect();
    let policies: Vec<&Policy> = kept.iter().map(|&i| &packs[i].policy).collect();
    let comparison = compare(&policies, &evaluations);
    Ok(OnLedger {
        kept,
        left_out,
        evaluations,
        comparison,
    })
}

impl OnLedger {
    /// Each compared pack's summaries per value of `field` (an id or label of the pack's schema
    /// that the ledger has, whether the pack reads it or not), as `--group-by` gives them; the
    /// arguments are those given to [`on_ledger`].
    ///
    /// # Errors
    ///
    /// Why a kept pack cannot group by `field`, in words (as [`group_field`]).
    pub fn groupings(
        &self,
        packs: &[&CompiledPolicy],
        ledgers: &[Ledger],
        field: &str,
    ) -> Result<Vec<Grouping>, String> {
        self.kept
            .iter()
            .zip(&self.evaluations)
            .map(|(&i, evaluation)| {
                let f = group_field(&packs[i].policy.schema, &ledgers[i], field)?;
                Ok(packs[i].group(evaluation, &ledgers[i], f))
            })
            .collect()
    }
}

/// Where a grade sits among its policy's tiers, from 0 (the top) to 1 (the bottom): band grades
/// ordered by their bands' lower bounds, highest first; a veto's grade at the bottom.
fn tier(policy: &Policy, grade: Option<&str>) -> f64 {
    let Some(grade) = grade else { return 0.0 };
    let mut tiers: Vec<(f64, &str)> = policy
        .bands
        .iter()
        .flat_map(|b| &b.bands)
        .map(|b| {
            (
                b.lower.map_or(f64::NEG_INFINITY, |l| l.value),
                b.grade.as_str(),
            )
        })
        .collect();
    tiers.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut order: Vec<&str> = Vec::new();
    for (_, g) in tiers {
        if !order.contains(&g) {
            order.push(g);
        }
    }
    let vetoes = policy
        .rules
        .iter()
        .any(|r| matches!(&r.kind, RuleKind::Veto(crate::rules::veto::Veto { grade: g, .. }) if g == grade));
    let steps = order.len().saturating_sub(1)
        + usize::from(
            policy
                .rules
                .iter()
                .any(|r| matches!(r.kind, RuleKind::Veto(_))),
        );
    if steps == 0 {
        return 0.0;
    }
    match order.iter().position(|g| *g == grade) {
        Some(i) => i as f64 / steps as f64,
        None if vetoes => 1.0,
        None => 0.0,
    }
}

fn agree(
    policies: &[&Policy],
    evaluations: &[Evaluation],
    rows: &[Row],
    (a, b): (usize, usize),
    (ka, kb): (&str, &str),
) -> Agreement {
    let grade = |o: &Outcome| o.grade.as_deref().unwrap_or("-").to_owned();
    let mut crosstab: IndexMap<String, IndexMap<String, usize>> = policies[a]
        .grades
        .keys()
        .map(|ga| {
            (
                ga.clone(),
                policies[b]
                    .grades
                    .keys()
                    .map(|gb| (gb.clone(), 0))
                    .collect(),
            )
        })
        .collect();
    let (mut both, mut same_pass) = (0, 0);
    let mut disagreements = Vec::new();
    for row in rows {
        let (Some(ia), Some(ib)) = (row.outcomes[a], row.outcomes[b]) else {
            continue;
        };
        let (oa, ob) = (&evaluations[a].outcomes[ia], &evaluations[b].outcomes[ib]);
        both += 1;
        same_pass += usize::from(oa.passed == ob.passed);
        *crosstab
            .entry(grade(oa))
            .or_default()
            .entry(grade(ob))
            .or_default() += 1;
        let distance =
            (tier(policies[a], oa.grade.as_deref()) - tier(policies[b], ob.grade.as_deref())).abs();
        if distance > 0.0 || oa.passed != ob.passed {
            disagreements.push(Disagreement {
                record: row.record.clone(),
                a: oa.grade_label.as_deref().unwrap_or("-").to_owned(),
                b: ob.grade_label.as_deref().unwrap_or("-").to_owned(),
                distance,
                pass_differs: oa.passed != ob.passed,
            });
        }
    }
    // Furthest apart first; a pass/fail split before a mere tier shift; then ledger order.
    disagreements.sort_by(|x, y| {
        y.distance
            .total_cmp(&x.distance)
            .then(y.pass_differs.cmp(&x.pass_differs))
    });
    disagreements.truncate(DISAGREEMENTS);
    Agreement {
        a: ka.to_owned(),
        b: kb.to_owned(),
        both,
        same_pass,
        crosstab,
        disagreements,
    }
}

/// The standards side by side: per dimension, what each policy assesses.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// One unique key per policy, in the order given (the policy id; `id#2` for a repeat).
    pub keys: Vec<String>,
    /// One row per dimension some policy assesses, in the first policy's dimension order.
    pub dimensions: Vec<DimensionRow>,
    /// For each pair: the dimensions one covers and the other does not.
    pub gaps: Vec<Gap>,
}

/// One dimension across the policies.
#[derive(Debug, Clone, Serialize)]
pub struct DimensionRow {
    /// The dimension's id (or `(untagged)` for rules and criteria without one).
    pub id: String,
    /// The dimension's Chinese label.
    pub label: String,
    /// Per policy (in `keys` order): the labels of its rules and criteria in this dimension.
    pub items: Vec<Vec<String>>,
}

/// What two policies assess that the other does not.
#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    /// The first policy's key.
    pub a: String,
    /// The second policy's key.
    pub b: String,
    /// Ids of the dimensions `a` assesses and `b` does not.
    pub only_a: Vec<String>,
    /// Ids of the dimensions `b` assesses and `a` does not.
    pub only_b: Vec<String>,
}

/// What each policy assesses, by dimension (the first policy's dimension list).
pub fn coverage(policies: &[&Policy]) -> Coverage {
    let keys = keys(policies.iter().map(|p| p.meta.id.as_str()));
    let Some(first) = policies.first() else {
        return Coverage {
            keys,
            dimensions: vec![],
            gaps: vec![],
        };
    };
    let mut rows: IndexMap<String, DimensionRow> = first
        .dimensions
        .dimensions
        .iter()
        .map(|(id, d)| {
            let row = DimensionRow {
                id: id.clone(),
                label: d.label.clone(),
                items: vec![Vec::new(); policies.len()],
            };
            (id.clone(), row)
        })
        .collect();
    for (i, p) in policies.iter().enumerate() {
        for rule in &p.rules {
            let tagged: Vec<(Option<&String>, &str)> = match &rule.kind {
                RuleKind::Checklist(crate::rules::checklist::Checklist { criteria, .. }) => {
                    criteria
                        .iter()
                        .map(|c| (c.dimension.as_ref(), c.label.as_str()))
                        .collect()
                }
                RuleKind::Base(_) => vec![],
                RuleKind::Points(_)
                | RuleKind::Veto(_)
                | RuleKind::Money(_)
                | RuleKind::Procedure(_)
                | RuleKind::Table(_) => vec![(rule.dimension.as_ref(), rule.label.as_str())],
            };
            for (dimension, label) in tagged {
                let id = dimension.map_or(UNTAGGED, String::as_str);
                let row = rows.entry(id.to_owned()).or_insert_with(|| DimensionRow {
                    id: id.to_owned(),
                    label: id.to_owned(),
                    items: vec![Vec::new(); policies.len()],
                });
                row.items[i].push(label.to_owned());
            }
        }
    }
    let dimensions: Vec<DimensionRow> = rows
        .into_values()
        .filter(|r| r.items.iter().any(|i| !i.is_empty()))
        .collect();
    let mut gaps = Vec::new();
    for a in 0..policies.len() {
        for b in a + 1..policies.len() {
            let only = |x: usize, y: usize| {
                dimensions
                    .iter()
                    .filter(|d| !d.items[x].is_empty() && d.items[y].is_empty())
                    .map(|d| d.id.clone())
                    .collect()
            };
            gaps.push(Gap {
                a: keys[a].clone(),
                b: keys[b].clone(),
                only_a: only(a, b),
                only_b: only(b, a),
            });
        }
    }
    Coverage {
        keys,
        dimensions,
        gaps,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn repeated_ids_get_distinct_keys() {
        assert_eq!(
            super::keys(["a", "b", "a", "a"].into_iter()),
            ["a", "b", "a#2", "a#3"]
        );
    }
}
