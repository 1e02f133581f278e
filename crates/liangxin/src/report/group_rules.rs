//! The sections of a report that show group rules: a table per rule, then its findings.

use super::doc::{Block, Cell, Column, Kind, Section, Table};
use crate::evaluate::{GroupRuleResult, Member};

/// One section per group rule.
pub(crate) fn sections(results: &[GroupRuleResult]) -> Vec<Section> {
    results.iter().map(section).collect()
}

fn section(r: &GroupRuleResult) -> Section {
    let group = r.by.clone().unwrap_or_else(|| "范围".to_owned());
    let mut heading = format!("{} ({} {})", r.label, r.kind, r.id);
    if r.assumed {
        heading.push_str(" [assumed]");
    }
    let mut section = Section::new(heading);
    if let Some(source) = &r.source {
        section
            .blocks
            .push(Block::Lines(vec![format!("source: {source}")]));
    }
    let table = match r.kind {
        "lead" => {
            let mut t = Table::new(vec![
                Column::new("group", format!("{group} group"), Kind::Text),
                Column::new("records", "记录数 records", Kind::Number),
                Column::new("candidates", "可牵头 candidates", Kind::Number),
                Column::new("lead", "牵头 lead", Kind::Text),
                Column::new("paired_count", "结对数 paired", Kind::Number),
                Column::detail("paired", "结对 paired records", Kind::Text),
            ]);
            for g in &r.groups {
                t.push(vec![
                    Cell::text(g.group.clone()),
                    Cell::Number(g.records as f64),
                    Cell::opt_number(g.candidates.map(|c| c as f64)),
                    g.lead
                        .as_ref()
                        .map_or(Cell::text("-"), |m| Cell::text(member(m))),
                    Cell::Number(g.paired.len() as f64),
                    Cell::text(g.paired.iter().map(member).collect::<Vec<_>>().join("; ")),
                ]);
            }
            t
        }
        "quota" => {
            let mut t = Table::new(vec![
                Column::new("group", format!("{group} group"), Kind::Text),
                Column::new("candidates", "参评 candidates", Kind::Number),
                Column::new("at_most", "名额 places", Kind::Number),
                Column::new("kept", "保留 kept", Kind::Number),
                Column::new("demoted", "降等 demoted", Kind::Number),
                Column::new("tied", "并列待定 tied", Kind::Number),
            ]);
            for g in &r.groups {
                t.push(vec![
                    Cell::text(g.group.clone()),
                    Cell::opt_number(g.candidates.map(|c| c as f64)),
                    Cell::opt_number(r.at_most.map(|c| c as f64)),
                    Cell::Number(g.kept.len() as f64),
                    Cell::Number(g.demoted.len() as f64),
                    Cell::Number(g.tied.len() as f64),
                ]);
            }
            t
        }
        _ => {
            let mut columns = vec![
                Column::new("group", format!("{group} group"), Kind::Text),
                Column::new("count", "符合 count", Kind::Number),
                Column::new("of", "总数 of", Kind::Number),
                Column::new("rate", "比例 rate", Kind::Percent),
            ];
            if r.at_least.is_some() {
                columns.push(Column::new("target", "目标 target", Kind::Percent));
            }
            let mut t = Table::new(columns);
            for g in &r.groups {
                let mut row = vec![
                    Cell::text(g.group.clone()),
                    Cell::opt_number(g.count.map(|c| c as f64)),
                    Cell::opt_number(g.of.map(|c| c as f64)),
                    Cell::opt_number(g.rate),
                ];
                if let Some(target) = r.at_least {
                    row.push(Cell::Number(target));
                }
                t.push(row);
            }
            t
        }
    };
    section.blocks.push(Block::Table(table));
    // The pairing plan itself, which the table only counts.
    let plan: Vec<String> = r
        .groups
        .iter()
        .filter(|g| !g.paired.is_empty())
        .map(|g| {
            let paired: Vec<String> = g.paired.iter().map(member).collect();
            match &g.lead {
                Some(l) => format!(
                    "{} 结对 paired with {}: {}",
                    g.group,
                    l.record,
                    paired.join(", ")
                ),
                None => format!("{} 待结对 awaiting a lead: {}", g.group, paired.join(", ")),
            }
        })
        .collect();
    if !plan.is_empty() {
        section.blocks.push(Block::Lines(plan));
    }
    // Who a quota demoted or left undecided, which the table only counts.
    let mut moved = Vec::new();
    for g in &r.groups {
        let list = |ms: &[Member]| ms.iter().map(member).collect::<Vec<_>>().join(", ");
        if !g.demoted.is_empty() {
            moved.push(format!("{} 降等 demoted: {}", g.group, list(&g.demoted)));
        }
        if !g.tied.is_empty() {
            moved.push(format!(
                "{} 并列待定 tied, not graded: {}",
                g.group,
                list(&g.tied)
            ));
        }
    }
    if !moved.is_empty() {
        section.blocks.push(Block::Lines(moved));
    }
    if !r.findings.is_empty() {
        let lines = r.findings.iter().map(|f| format!("finding: {f}")).collect();
        section.blocks.push(Block::Lines(lines));
    }
    section
}

/// A record as people read it: id, name and grade.
fn member(m: &Member) -> String {
    let mut s = m.record.clone();
    if let Some(name) = &m.name {
        s.push(' ');
        s.push_str(name);
    }
    if let Some(grade) = &m.grade_label {
        s.push_str(&format!(" ({grade})"));
    }
    s
}
