//! What a change to a policy does to a ledger: two evaluations of the same records (under an old
//! and a new version of a pack) compared record by record.

use std::collections::HashMap;

use indexmap::IndexMap;
use serde::Serialize;

use crate::evaluate::{Evaluation, Outcome};

/// A record's result on one side of a diff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub grade: Option<String>,
    pub grade_label: Option<String>,
    pub score: Option<f64>,
    pub money: f64,
    pub vetoed: bool,
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
    pub record: String,
    pub name: Option<String>,
    pub before: Option<Side>,
    pub after: Option<Side>,
    /// What changed: `grade`, `score`, `money`, `vetoed`, or `evaluated` (one side failed).
    pub changed: Vec<&'static str>,
}

/// A number before and after.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Delta {
    pub before: Option<f64>,
    pub after: Option<f64>,
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

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// Records in the ledger (evaluated by either version).
    pub records: usize,
    pub changes: Vec<Change>,
    /// Old grade -> new grade -> records (records both versions evaluated).
    pub transitions: IndexMap<String, IndexMap<String, usize>>,
    pub pass_rate: Delta,
    pub money_total: Delta,
    /// Groups whose group rule result moved (a new lead, other pairs, another count), in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

impl Diff {
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
