//! CSV output: one header row, one row per evaluated record.

use super::Columns;
use crate::evaluate::Evaluation;
use crate::number::format;

pub fn render(evaluation: &Evaluation, bom: bool) -> String {
    let columns = Columns::of(evaluation);
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["record", "name"];
    if columns.score {
        header.push("score");
    }
    header.extend(["grade", "grade_label", "passed", "vetoed"]);
    if columns.money {
        header.push("money");
    }
    if columns.rank {
        header.push("rank");
    }
    header.push("actions");
    if columns.failed {
        header.push("failed");
    }
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for o in &evaluation.outcomes {
        let mut row = vec![o.record.clone(), o.name.clone().unwrap_or_default()];
        if columns.score {
            row.push(o.score.map(format).unwrap_or_default());
        }
        row.push(o.grade.as_deref().unwrap_or_default().to_owned());
        row.push(o.grade_label.as_deref().unwrap_or_default().to_owned());
        row.push(o.passed.map(|p| p.to_string()).unwrap_or_default());
        row.push(o.vetoed.to_string());
        if columns.money {
            row.push(format(o.money));
        }
        if columns.rank {
            row.push(o.rank.map(|r| r.to_string()).unwrap_or_default());
        }
        row.push(o.actions.join("；"));
        if columns.failed {
            row.push(o.failed.join(" "));
        }
        rows.push(row);
    }
    for row in rows {
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(&row);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    let mut text = String::from_utf8(bytes).unwrap_or_default();
    if bom {
        text.insert(0, '\u{feff}');
    }
    text
}
