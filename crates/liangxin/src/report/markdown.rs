//! Documents as GitHub-flavoured Markdown, for pasting into reports and documents.

use super::doc::{Block, Cell, Column, Document, Kind, Table};

pub fn render(doc: &Document) -> String {
    let mut out = format!("# {}\n", escape(&doc.title));
    for section in &doc.sections {
        if !section.heading.is_empty() {
            out.push_str(&format!("\n## {}\n", escape(&section.heading)));
        }
        for block in &section.blocks {
            out.push('\n');
            match block {
                Block::Facts(facts) => {
                    for (k, v) in facts {
                        out.push_str(&format!("- **{}**: {}\n", escape(k), escape(v)));
                    }
                }
                Block::Table(t) | Block::Records(t) => out.push_str(&table(&t.brief())),
                Block::Bars(b) => {
                    let total: f64 = b.bars.iter().map(|(_, v)| v).sum();
                    out.push_str(&format!("**{}**\n\n", escape(&b.title)));
                    let mut t = Table::new(vec![
                        Column::new("label", "", Kind::Text),
                        Column::new("count", "count", Kind::Number),
                        Column::new("share", "%", Kind::Percent),
                    ]);
                    for (label, value) in &b.bars {
                        let share = if total > 0.0 {
                            Cell::Number(value / total)
                        } else {
                            Cell::Empty
                        };
                        t.push(vec![Cell::text(label), Cell::Number(*value), share]);
                    }
                    out.push_str(&table(&t));
                }
                // Indented, so no text in a line (a name with backticks) can end the block.
                Block::Pre(lines) => {
                    for line in lines {
                        out.push_str(&format!("    {}\n", line.replace(['\n', '\r'], " ")));
                    }
                }
                Block::Lines(lines) => {
                    for line in lines {
                        out.push_str(&format!("- {}\n", escape(line)));
                    }
                }
            }
        }
    }
    out
}

fn table(t: &Table) -> String {
    let mut out = String::new();
    let header: Vec<String> = t.columns.iter().map(|c| escape(&c.label)).collect();
    out.push_str(&format!("| {} |\n", header.join(" | ")));
    let rule: Vec<&str> = t
        .columns
        .iter()
        .map(|c| if c.kind.is_text() { "---" } else { "---:" })
        .collect();
    out.push_str(&format!("| {} |\n", rule.join(" | ")));
    for row in &t.rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&t.columns)
            .map(|(cell, c)| escape(&cell.display(c.kind)))
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

/// Escapes what Markdown would read as table or emphasis syntax.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('*', "\\*")
        .replace('_', "\\_")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', " ")
}
