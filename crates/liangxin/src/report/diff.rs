//! The report of `liangxin diff`: which records a change to a policy moves.

use serde_json::json;

use super::doc::{Block, Cell, Column, Document, Kind, Section, Table};
use crate::diff::{Delta, Diff};
use crate::evaluate::{Evaluation, PolicyInfo};
use crate::ledger::RecordError;
use crate::number::{grouped, percent};

/// A record one version could not evaluate, in its grade column.
pub(crate) const ERROR: &str = "(出错 error)";

/// What changed, as staff read it.
fn changed_label(key: &str) -> &str {
    match key {
        "grade" => "等次",
        "score" => "得分",
        "money" => "金额",
        "vetoed" => "一票否决",
        "evaluated" => "能否评定",
        other => other,
    }
}

/// What `diff` reports: which records a change to a pack moves, and how the totals move.
pub struct DiffReport<'a> {
    /// The comparison of the two evaluations ([`crate::diff::diff`]).
    pub diff: &'a Diff,
    /// The old version's pack.
    pub old: &'a PolicyInfo,
    /// The new version's pack.
    pub new: &'a PolicyInfo,
    /// How the user named the two versions (paths or git revisions).
    pub names: (&'a str, &'a str),
    /// Records each version could not evaluate, and why.
    pub errors: (&'a [RecordError], &'a [RecordError]),
}

impl<'a> DiffReport<'a> {
    /// The report of `diff`, made of the evaluations `old` and `new` of one ledger, the two
    /// versions named as `names` (see [`version_name`](crate::diff::version_name)).
    pub fn new(
        diff: &'a Diff,
        old: &'a Evaluation,
        new: &'a Evaluation,
        names: (&'a str, &'a str),
    ) -> DiffReport<'a> {
        DiffReport {
            diff,
            old: &old.policy,
            new: &new.policy,
            names,
            errors: (&old.errors, &new.errors),
        }
    }

    /// The JSON `diff --format json` prints.
    pub fn json(&self) -> serde_json::Value {
        let d = self.diff;
        json!({
            "old": { "source": self.names.0, "policy": self.old },
            "new": { "source": self.names.1, "policy": self.new },
            "records": d.records,
            "changed": d.changes.len(),
            "changes": d.changes,
            "transitions": d.transitions,
            "pass_rate": d.pass_rate,
            "money_total": d.money_total,
            "groups": d.groups,
            "errors": { "old": self.errors.0, "new": self.errors.1 },
        })
    }

    /// The report as a document, for every format but JSON (see [`super::render`]).
    pub fn document(&self) -> Document {
        let d = self.diff;
        let delta = |x: &Delta, show: fn(f64) -> String| match (x.before, x.after) {
            (Some(b), Some(a)) => format!(
                "{} → {} ({}{})",
                show(b),
                show(a),
                if a >= b { "+" } else { "-" },
                show((a - b).abs())
            ),
            _ => "-".to_owned(),
        };
        let mut facts = vec![
            (
                "old 原".to_owned(),
                format!("{} ({} v{})", self.names.0, self.old.id, self.old.version),
            ),
            (
                "new 新".to_owned(),
                format!("{} ({} v{})", self.names.1, self.new.id, self.new.version),
            ),
            (
                "records changed 变动记录".to_owned(),
                format!("{} of {}", d.changes.len(), d.records),
            ),
            ("pass rate 达标率".to_owned(), delta(&d.pass_rate, percent)),
            ("money 金额".to_owned(), delta(&d.money_total, grouped)),
        ];
        if !d.groups.is_empty() {
            facts.push((
                "groups changed 分组变动".to_owned(),
                d.groups.len().to_string(),
            ));
        }
        // Records one side could not evaluate are in neither side's money and pass rate: say how
        // many, so a delta is not read as the rules' change alone.
        let refused = |errors: &[RecordError]| {
            let mut rows: Vec<usize> = errors.iter().map(|e| e.row).collect();
            rows.dedup();
            rows.len()
        };
        let (old_refused, new_refused) = (refused(self.errors.0), refused(self.errors.1));
        if old_refused + new_refused > 0 {
            facts.push((
                "not evaluated 未能测评".to_owned(),
                format!(
                    "{old_refused} → {new_refused} records (not in the money and pass rate above; see the errors below)"
                ),
            ));
        }
        let mut transitions =
            Table::new(vec![Column::new("old", "原 \\ 新 old \\ new", Kind::Grade)]);
        for g in self.new.grades.keys() {
            transitions.columns.push(Column::new(
                g.clone(),
                self.new.grades[g].clone(),
                Kind::Number,
            ));
        }
        for (g, row) in &d.transitions {
            let mut cells = vec![Cell::text(
                self.old.grades.get(g).cloned().unwrap_or_else(|| g.clone()),
            )];
            cells.extend(
                self.new
                    .grades
                    .keys()
                    .map(|h| Cell::Number(row.get(h).copied().unwrap_or(0) as f64)),
            );
            transitions.push(cells);
        }
        let mut changes = Table::new(vec![
            Column::new("record", "编号 record", Kind::Text),
            Column::new("name", "名称 name", Kind::Text),
            Column::new("old_grade_label", "原等次 old", Kind::Grade),
            Column::new("new_grade_label", "新等次 new", Kind::Grade),
            Column::new("old_score", "原得分", Kind::Number),
            Column::new("new_score", "新得分", Kind::Number),
            Column::new("old_money", "原金额", Kind::Money),
            Column::new("new_money", "新金额", Kind::Money),
            Column::detail("old_vetoed", "原否决", Kind::Text),
            Column::detail("new_vetoed", "新否决", Kind::Text),
            Column::program("changed", "changed", Kind::Text),
            Column::people("changed_label", "变动 changed", Kind::Text),
        ]);
        let scores = d
            .changes
            .iter()
            .any(|c| c.before.iter().chain(&c.after).any(|s| s.score.is_some()));
        let money = d
            .changes
            .iter()
            .any(|c| c.before.iter().chain(&c.after).any(|s| s.money != 0.0));
        for c in &d.changes {
            let side = |s: &Option<crate::diff::Side>| -> [Cell; 4] {
                match s {
                    Some(s) => [
                        Cell::text(s.grade_label.clone().unwrap_or_default()),
                        Cell::opt_number(s.score),
                        Cell::Number(s.money),
                        Cell::Flag(s.vetoed),
                    ],
                    None => [Cell::text(ERROR), Cell::Empty, Cell::Empty, Cell::Empty],
                }
            };
            let [og, os, om, ov] = side(&c.before);
            let [ng, ns, nm, nv] = side(&c.after);
            changes.push(vec![
                Cell::text(c.record.clone()),
                Cell::text(c.name.clone().unwrap_or_default()),
                og,
                ng,
                os,
                ns,
                om,
                nm,
                ov,
                nv,
                Cell::text(c.changed.join(", ")),
                Cell::text(
                    c.changed
                        .iter()
                        .map(|k| changed_label(k))
                        .collect::<Vec<_>>()
                        .join("、"),
                ),
            ]);
        }
        // Drop the score or money pairs when neither side has any.
        let keep: Vec<bool> = changes
            .columns
            .iter()
            .map(|c| {
                (scores || !c.key.ends_with("_score")) && (money || !c.key.ends_with("_money"))
            })
            .collect();
        changes.retain_columns(&keep);

        let mut sections = vec![
            Section::new("汇总 summary").with(Block::Facts(facts)),
            Section::new("等次转移 grade transitions").with(Block::Table(transitions)),
        ];
        let mut changed = Section::new("变动记录 changed records");
        if d.changes.is_empty() {
            changed
                .blocks
                .push(Block::Lines(vec!["no record changes".into()]));
        }
        changed.blocks.push(Block::Records(changes));
        sections.push(changed);
        if !d.groups.is_empty() {
            sections.push(
                Section::new("分组规则变动 group rules changed")
                    .with(Block::Lines(d.groups.clone())),
            );
        }
        for (which, errors) in [("old 原", self.errors.0), ("new 新", self.errors.1)] {
            if !errors.is_empty() {
                sections.push(
                    Section::new(format!("错误 errors: {which}"))
                        .with(Block::Table(super::eval::errors_table(errors))),
                );
            }
        }
        Document {
            title: format!("变更 diff: {} → {}", self.names.0, self.names.1),
            standard: format!(
                "原 old: {} → 新 new: {}",
                super::eval::standard_line(self.old),
                super::eval::standard_line(self.new)
            ),
            grades: super::eval::standings([self.old, self.new]),
            sections,
        }
    }
}
