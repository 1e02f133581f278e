//! What a change to a policy does to a ledger: two evaluations of the same records (under an old
//! and a new version of a pack) compared record by record.

use std::collections::HashMap;

use indexmap::IndexMap;
use serde::Serialize;

use crate::evaluate::{Evaluation, Outcome};

/// A record's result on one side of a diff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// The grade's id; `None` when the record got no grade.
    pub grade: Option<String>,
    /// The grade's Chinese label.
    pub grade_label: Option<String>,
    /// The score; `None` when the pack computes none.
    pub score: Option<f64>,
    /// The money paid to the record, in yuan.
    pub money: f64,
    /// Whether a veto fired.
    pub vetoed: bool,
    /// Whether the grade counts as passing; `None` without a grade.
    pub passed: Option<bool>,
}

impl Side {
    fn of(o: &Outcome) -> Side {
        Side {
            grade: o.grade.as_deref().map(str::to_owned),
            grade_label: o.grade_label.as_deref().map(str::to_owned),
            score: o.score,
            money: o.money.yuan(),
            vetoed: o.vetoed,
            passed: o.passed,
        }
    }
}

/// One record whose outcome changed. A side is None where that version could not evaluate it.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The record's id.
    pub record: String,
    /// The record's name, when the ledger has one.
    pub name: Option<String>,
    /// Its result under the old version; `None` when that version could not evaluate it.
    pub before: Option<Side>,
    /// Its result under the new version; `None` when that version could not evaluate it.
    pub after: Option<Side>,
    /// What changed: `grade`, `score`, `money`, `vetoed`, or `evaluated` (one side failed).
    pub changed: Vec<&'static str>,
}

/// A number before and after.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Delta {
    /// The old value; `None` when the old evaluation has none (e.g. no pass rate without records).
    pub before: Option<f64>,
    /// The new value; `None` when the new evaluation has none.
    pub after: Option<f64>,
    /// `after - before`; `None` unless both are known.
    pub change: Option<f64>,
}

impl Delta {
    fn new(before: Option<f64>, after: Option<f64>) -> Delta {
        Delta {
            before,
            after,
            change: before.zip(after).map(|(b, a)| a - b),
        }
    }
}

/// What changed between two evaluations of one ledger under two versions of a pack.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// Records in the ledger (evaluated by either version).
    pub records: usize,
    /// The records whose outcome changed, in ledger order.
    pub changes: Vec<Change>,
    /// Old grade -> new grade -> records (records both versions evaluated).
    pub transitions: IndexMap<String, IndexMap<String, usize>>,
    /// The share of evaluated records that pass, before and after.
    pub pass_rate: Delta,
    /// The money total in yuan, before and after.
    pub money_total: Delta,
    /// Groups whose group rule result moved (a new lead, other pairs, another count), in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

impl Diff {
    /// Whether anything changed: a record's outcome or a group rule's result.
    pub fn changed(&self) -> bool {
        !self.changes.is_empty() || !self.groups.is_empty()
    }
}

/// Compares two evaluations of the same ledger, record by record (matched by id).
pub fn diff(old: &Evaluation, new: &Evaluation) -> Diff {
    let index = |e: &Evaluation| -> HashMap<String, usize> {
        e.outcomes
            .iter()
            .enumerate()
            .map(|(i, o)| (o.record.clone(), i))
            .collect()
    };
    let (old_ix, new_ix) = (index(old), index(new));
    let order = crate::compare::ledger_order([old, new]);

    let mut transitions: IndexMap<String, IndexMap<String, usize>> = old
        .policy
        .grades
        .keys()
        .map(|g| {
            (
                g.clone(),
                new.policy.grades.keys().map(|h| (h.clone(), 0)).collect(),
            )
        })
        .collect();
    let mut changes = Vec::new();
    for (id, (_, name)) in &order {
        let before = old_ix.get(id).map(|&i| &old.outcomes[i]);
        let after = new_ix.get(id).map(|&i| &new.outcomes[i]);
        let mut changed = Vec::new();
        match (before, after) {
            (Some(b), Some(a)) => {
                let grade = |o: &Outcome| o.grade.as_deref().unwrap_or("-").to_owned();
                *transitions
                    .entry(grade(b))
                    .or_default()
                    .entry(grade(a))
                    .or_default() += 1;
                if b.grade != a.grade {
                    changed.push("grade");
                }
                if b.score != a.score {
                    changed.push("score");
                }
                if b.money != a.money {
                    changed.push("money");
                }
                if b.vetoed != a.vetoed {
                    changed.push("vetoed");
                }
            }
            (None, None) => {}
            _ => changed.push("evaluated"),
        }
        if !changed.is_empty() {
            changes.push(Change {
                record: id.clone(),
                name: name.clone().or_else(|| after.and_then(|o| o.name.clone())),
                before: before.map(Side::of),
                after: after.map(Side::of),
                changed,
            });
        }
    }
    Diff {
        records: order.len(),
        changes,
        transitions,
        pass_rate: Delta::new(old.summary.pass_rate, new.summary.pass_rate),
        money_total: Delta::new(
            Some(old.summary.money_total.yuan()),
            Some(new.summary.money_total.yuan()),
        ),
        groups: crate::testing::group_changes(
            &crate::testing::SnapshotGroup::all(old),
            &crate::testing::SnapshotGroup::all(new),
        ),
    }
}

/// How a diff names a version: as the user gave it (a path, an id, a git revision), with the
/// date its dated params were read at when it has any, since the same pack reads differently
/// on another day.
pub fn version_name(given: &str, meta: &crate::policy::Meta) -> String {
    match &meta.as_of {
        Some(day) => format!("{given} as of {day}"),
        None => given.to_owned(),
    }
}
