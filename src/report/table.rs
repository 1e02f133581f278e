//! The table for people: outcomes aligned by display width (Chinese characters are two
//! columns wide), then the summary and any errors.

use comfy_table::{CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use super::Columns;
use crate::evaluate::Evaluation;
use crate::number::{format, grouped, percent};

pub fn render(evaluation: &Evaluation) -> String {
    let columns = Columns::of(evaluation);
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(80);
    let mut header = vec!["编号 record", "名称 name"];
    // Numbers are right-aligned.
    let mut numeric = vec![];
    if columns.score {
        numeric.push(header.len());
        header.push("得分 score");
    }
    header.push("等次 grade");
    if columns.money {
        numeric.push(header.len());
        header.push("金额 money");
    }
    if columns.rank {
        numeric.push(header.len());
        header.push("排名 rank");
    }
    if columns.failed {
        header.push("未达标项 failed");
    }
    table.set_header(header);
    for o in &evaluation.outcomes {
        let mut row = vec![o.record.clone(), o.name.clone().unwrap_or_default()];
        if columns.score {
            row.push(o.score.map(format).unwrap_or_default());
        }
        let mut grade = o.grade_label.as_deref().unwrap_or("-").to_owned();
        if o.vetoed && !grade.contains("否决") {
            grade.push_str(" (一票否决)");
        }
        row.push(grade);
        if columns.money {
            row.push(grouped(o.money));
        }
        if columns.rank {
            row.push(o.rank.map(|r| r.to_string()).unwrap_or_else(|| "-".into()));
        }
        if columns.failed {
            let labels: Vec<&str> = o
                .failed
                .iter()
                .map(|id| {
                    evaluation
                        .policy
                        .criteria
                        .get(&**id)
                        .map_or(&**id, String::as_str)
                })
                .collect();
            row.push(labels.join("、"));
        }
        table.add_row(row);
    }
    for i in numeric {
        if let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }

    let s = &evaluation.summary;
    let mut out = format!(
        "{} {} (v{})\n",
        evaluation.policy.id, evaluation.policy.name, evaluation.policy.version
    );
    out.push_str(&table.to_string());
    out.push('\n');
    out.push_str(&format!("records: {}   errors: {}", s.records, s.errors));
    if let Some(rate) = s.pass_rate {
        out.push_str(&format!("   pass rate 达标率: {}", percent(rate)));
    }
    out.push('\n');
    let grades: Vec<String> = s
        .by_grade
        .iter()
        .map(|(g, n)| {
            let label = evaluation.policy.grades.get(g).unwrap_or(g);
            format!("{label} {n}")
        })
        .collect();
    if !grades.is_empty() {
        out.push_str(&format!("by grade: {}\n", grades.join(" · ")));
    }
    if columns.money {
        out.push_str(&format!("money total: {} yuan", grouped(s.money_total)));
        let items: Vec<String> = s
            .money_by_item
            .iter()
            .map(|(k, v)| format!("{k} {}", grouped(*v)))
            .collect();
        if !items.is_empty() {
            out.push_str(&format!(" ({})", items.join(", ")));
        }
        out.push('\n');
    }
    if let Some(b) = &s.budget {
        out.push_str(&format!(
            "budget {}: {} used of {}, {} remaining\n",
            b.label,
            grouped(b.used),
            grouped(b.amount),
            grouped(b.remaining)
        ));
    }
    for w in &s.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    for note in &evaluation.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    for e in &evaluation.errors {
        out.push_str(&format!("error: {e}\n"));
    }
    out
}
