//! A ledger's header: which column fills which field of the schema.
//!
//! Staff headers are not one tidy row. A sheet kept over two years has a 2023 block and a 2024
//! block with the same sub-headers under merged group names; a pasted block brings its own
//! header in another order. Two columns that fill the same field are never resolved by taking
//! the first: the user says which (`--column 组织生活=K`), or the ledger is refused with both
//! columns named.

use crate::schema::Schema;

/// One column of a header row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Column {
    /// From 0, counted from the ledger's first column.
    pub position: usize,
    pub text: String,
    /// The group name above it in a two-row header (`2024年` over `组织生活`).
    pub group: Option<String>,
}

impl Column {
    /// How a message names the column: its letter as Excel shows it, and its header.
    pub(crate) fn describe(&self, first_column: usize) -> String {
        let letter = column_letters(first_column + self.position);
        match &self.group {
            Some(group) => format!("{letter} ({group} › {})", self.text),
            None => format!("{letter} ({})", self.text),
        }
    }
}

/// Which column the user chose for a field when two of them could fill it:
/// `--column 组织生活=K` (a column letter, a column number from 1, a header or a group name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnChoice {
    /// A field's id or label.
    pub field: String,
    /// The column: a letter (`K`), a number from 1, a header or a group name.
    pub column: String,
}

impl std::str::FromStr for ColumnChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once('=') {
            Some((field, column)) if !field.trim().is_empty() && !column.trim().is_empty() => {
                Ok(ColumnChoice {
                    field: field.trim().to_owned(),
                    column: column.trim().to_owned(),
                })
            }
            _ => Err(format!(
                "`{s}` is not FIELD=COLUMN (e.g. 组织生活=K, org_life=11 or 组织生活=2024年)"
            )),
        }
    }
}

/// Excel's name for a column (from 0): A, B, ..., Z, AA, AB, ...
pub(crate) fn column_letters(mut column: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    letters.iter().rev().map(|&b| b as char).collect()
}

/// The column (from 0) Excel names `letters`, if it is a column name.
fn letters_column(letters: &str) -> Option<usize> {
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let mut n = 0usize;
    for b in letters.bytes() {
        n = n * 26 + usize::from(b - b'A' + 1);
    }
    Some(n - 1)
}

/// One header row's columns, with the group names of the row above when it holds groups.
pub(crate) fn columns(labels: &[String], groups: Option<&[String]>) -> Vec<Column> {
    let mut current: Option<&str> = None;
    labels
        .iter()
        .enumerate()
        .map(|(position, text)| {
            let group = groups.and_then(|g| g.get(position)).map(String::as_str);
            // A group name is written in the first column of its block (merged cells fill the
            // rest): it carries on to the right until the next one.
            match group {
                Some(g) if !g.is_empty() => current = Some(g),
                Some(_) if text.is_empty() => current = None,
                _ => {}
            }
            let group = current
                .filter(|g| *g != text)
                .filter(|_| !text.is_empty())
                .map(str::to_owned);
            Column {
                position,
                text: text.clone(),
                group,
            }
        })
        .collect()
}

/// A two-row header read as one: where the lower row has a label, the upper row's text is its
/// group; where it has none, the upper row's text is the label (a cell merged down both rows).
pub(crate) fn two_rows(upper: &[String], lower: &[String]) -> Vec<String> {
    let width = upper.len().max(lower.len());
    (0..width)
        .map(|i| {
            let low = lower.get(i).map_or("", String::as_str);
            if low.is_empty() {
                upper.get(i).cloned().unwrap_or_default()
            } else {
                low.to_owned()
            }
        })
        .collect()
}

/// The groups of a two-row header: the upper row's text above each labelled column.
pub(crate) fn two_row_groups(upper: &[String], lower: &[String]) -> Vec<String> {
    let width = upper.len().max(lower.len());
    (0..width)
        .map(|i| {
            let up = upper.get(i).map_or("", String::as_str);
            let low = lower.get(i).map_or("", String::as_str);
            if low.is_empty() || low == up {
                String::new()
            } else {
                up.to_owned()
            }
        })
        .collect()
}

/// Whether the row under a header is the second row of a grouped header: its id cell is empty
/// (or repeats the header's, a cell merged down), none of its cells is a value (a number, a
/// yes/no, a date), and it has a label where the header above has something else: a field's
/// label, or a sub-label under a group (`加分` and `扣分` under 组织生活, merged over both).
pub(crate) fn is_second_header_row(schema: &Schema, header: &[String], row: &[String]) -> bool {
    let id_field = &schema.fields[&schema.id_field];
    let id_position = header
        .iter()
        .position(|h| *h == id_field.id || *h == id_field.label);
    if let Some(p) = id_position {
        let id_cell = row.get(p).map_or("", String::as_str);
        if !id_cell.is_empty() && id_cell != header[p] {
            return false;
        }
    }
    let text = |i: usize| header.get(i).map_or("", String::as_str);
    let mut labels = 0;
    for (i, cell) in row.iter().enumerate() {
        let above = text(i);
        if cell.is_empty() || cell == above {
            continue;
        }
        if is_a_value(cell) {
            return false;
        }
        // A label sits under a group that spans several columns (merged: the cell beside it
        // is empty or repeats it), or under nothing; text under a header of its own one
        // column is a record's value (`张零` under 姓名, in a row without an id).
        let spans = above.is_empty()
            || text(i + 1).is_empty()
            || text(i + 1) == above
            || (i > 0 && text(i - 1) == above);
        if !spans {
            return false;
        }
        labels += 1;
    }
    labels > 0
}

/// Units staff write in a row under the header (`分`, `（次）`, `%`).
const UNITS: [&str; 18] = [
    "分", "次", "人", "名", "个", "项", "元", "万元", "%", "％", "天", "日", "月", "年", "岁",
    "小时", "户", "篇",
];

/// Whether the row under a header only gives the columns' units (分, 次, 人): not a record, and
/// not a second header row either (its cells would hide the labels above them).
pub(crate) fn is_units_row(row: &[String]) -> bool {
    let mut units = row
        .iter()
        .map(|c| c.trim_matches(['（', '(', '）', ')', '[', ']', '【', '】']))
        .filter(|c| !c.is_empty())
        .peekable();
    units.peek().is_some() && units.all(|c| UNITS.contains(&c))
}

/// Whether a cell reads as a record's value rather than a label.
fn is_a_value(cell: &str) -> bool {
    let number = crate::number::normalize(cell);
    let number = number.trim_end_matches(['%', '％']);
    number.parse::<f64>().is_ok()
        || crate::schema::parse_date(cell).is_some()
        || [
            "是", "否", "√", "×", "有", "无", "true", "false", "yes", "no",
        ]
        .iter()
        .any(|w| cell.eq_ignore_ascii_case(w))
}

/// The labels, when a row under the header is a header itself: at least three of its cells,
/// and half of those filled, are labels of the schema's fields.
pub(crate) fn looks_like_header(schema: &Schema, row: &[String]) -> Option<String> {
    let filled: Vec<&String> = row.iter().filter(|c| !c.is_empty()).collect();
    let labels: Vec<&str> = filled
        .iter()
        .filter(|c| schema.field_for_header(c).is_some())
        .map(|c| c.as_str())
        .collect();
    (labels.len() >= 3 && labels.len() * 2 >= filled.len()).then(|| {
        labels
            .iter()
            .take(4)
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// Whether a row above the header names groups of columns (`2023年`, `2024年` over the same
/// sub-headers): two different texts at least, so a title merged across the sheet is not one.
pub(crate) fn holds_groups(row: &[String]) -> bool {
    let mut texts = row.iter().filter(|c| !c.is_empty());
    match texts.next() {
        Some(first) => texts.any(|t| t != first),
        None => false,
    }
}

/// What each column fills: a schema field, or nothing (an extra column). Two columns filling one
/// field are an error naming both, unless a choice picks one.
pub(crate) struct Mapping {
    /// Per column: the schema field it fills.
    pub fields: Vec<Option<usize>>,
    /// Columns left unread because a choice picked another for their field.
    pub notes: Vec<String>,
    /// Their positions: they are not kept as extra columns either.
    pub unread: Vec<usize>,
    /// Per choice, whether this header has a column for it (a two-row header's first row may
    /// not have it yet).
    pub applied: Vec<bool>,
}

pub(crate) fn map(
    schema: &Schema,
    columns: &[Column],
    choices: &[ColumnChoice],
    first_column: usize,
) -> Result<Mapping, String> {
    let mut fields: Vec<Option<usize>> = columns
        .iter()
        .map(|c| schema.field_for_header(&c.text))
        .collect();
    let mut notes = Vec::new();
    let mut unread = Vec::new();
    let mut applied = Vec::with_capacity(choices.len());
    for choice in choices {
        let Some(field) = schema.field_for_header(&choice.field) else {
            return Err(format!(
                "--column {}={}: the {} schema has no field `{}`",
                choice.field, choice.column, schema.subject, choice.field
            ));
        };
        let def = &schema.fields[field];
        let candidates: Vec<&Column> = columns
            .iter()
            .filter(|c| fields[c.position] == Some(field))
            .collect();
        let wanted = choice.column.as_str();
        // A group's or a header's name first (a group may be called `2024`), then a column
        // letter or number, which must be one of the field's columns in this header (a pasted
        // block's own header can have another column at that letter), or, when no column fills
        // the field, one that fills nothing.
        let mut by_name: Vec<&Column> = candidates
            .iter()
            .copied()
            .filter(|c| {
                c.group.as_deref() == Some(wanted)
                    || c.group.as_ref().is_some_and(|g| {
                        format!("{g} › {}", c.text) == wanted || format!("{g}{}", c.text) == wanted
                    })
            })
            .collect();
        if by_name.is_empty() {
            // A header the schema does not know (`是否有工作经费`), named as written.
            by_name = columns
                .iter()
                .filter(|c| c.text == wanted && fields[c.position].is_none())
                .collect();
        }
        let by_position = letters_column(wanted)
            .and_then(|c| c.checked_sub(first_column))
            .or_else(|| {
                wanted
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1 + first_column))
            });
        // Nothing in this header for the choice (a two-row header's first row): later.
        let unmapped_at = by_position.is_some_and(|p| p < columns.len() && fields[p].is_none());
        if candidates.is_empty() && by_name.is_empty() && !unmapped_at {
            applied.push(false);
            continue;
        }
        let chosen: Vec<&Column> = match by_position {
            _ if !by_name.is_empty() => by_name,
            Some(p) => columns
                .iter()
                .filter(|c| {
                    c.position == p
                        && (fields[p] == Some(field)
                            || (candidates.is_empty() && fields[p].is_none()))
                })
                .collect(),
            None => Vec::new(),
        };
        let [chosen] = chosen.as_slice() else {
            let named: Vec<String> = candidates
                .iter()
                .map(|c| c.describe(first_column))
                .collect();
            return Err(format!(
                "--column {}={}: no single column `{wanted}` to read {} ({}) from; the columns that can fill it: {}",
                choice.field,
                choice.column,
                def.label,
                def.id,
                if named.is_empty() {
                    "none".to_owned()
                } else {
                    named.join(", ")
                }
            ));
        };
        for other in &candidates {
            if other.position != chosen.position {
                fields[other.position] = None;
                unread.push(other.position);
                notes.push(format!(
                    "column {} not read: --column {}={} chose column {} for {}",
                    other.describe(first_column),
                    choice.field,
                    choice.column,
                    column_letters(first_column + chosen.position),
                    def.label
                ));
            }
        }
        fields[chosen.position] = Some(field);
        applied.push(true);
    }
    let mut clashes = Vec::new();
    for (field, def) in schema.fields.values().enumerate() {
        let holding: Vec<&Column> = columns
            .iter()
            .filter(|c| fields[c.position] == Some(field))
            .collect();
        if let [first, .., last] = holding.as_slice() {
            let named: Vec<String> = holding.iter().map(|c| c.describe(first_column)).collect();
            let pick = |c: &Column| match &c.group {
                Some(group) => group.clone(),
                None => column_letters(first_column + c.position),
            };
            clashes.push(format!(
                "columns {} {} hold {} ({}); say which to read, e.g. `--column {}={}` or `--column {}={}`",
                named.join(" and "),
                if named.len() == 2 { "both" } else { "all" },
                def.label,
                def.id,
                def.label,
                pick(last),
                def.label,
                pick(first)
            ));
        }
    }
    if !clashes.is_empty() {
        return Err(clashes.join("; "));
    }
    Ok(Mapping {
        fields,
        notes,
        unread,
        applied,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Subject;

    fn texts(row: &[&str]) -> Vec<String> {
        row.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn columns_are_named_as_excel_names_them() {
        let names: Vec<String> = [0, 5, 25, 26, 27, 701, 702].map(column_letters).into();
        assert_eq!(names, ["A", "F", "Z", "AA", "AB", "ZZ", "AAA"]);
        for c in [0, 5, 25, 26, 27, 701, 702] {
            assert_eq!(letters_column(&column_letters(c)), Some(c));
        }
    }

    #[test]
    fn group_names_carry_over_their_block() {
        let cols = columns(
            &texts(&["编号", "组织生活", "积分", "组织生活", "积分"]),
            Some(&texts(&["", "2023年", "", "2024年", ""])),
        );
        let groups: Vec<Option<&str>> = cols.iter().map(|c| c.group.as_deref()).collect();
        assert_eq!(
            groups,
            [
                None,
                Some("2023年"),
                Some("2023年"),
                Some("2024年"),
                Some("2024年")
            ]
        );
    }

    #[test]
    fn two_columns_for_one_field_are_refused_naming_both_or_chosen() {
        let schema = crate::schema::Schema::builtin(Subject::Member);
        let cols = columns(
            &texts(&["党员编号", "组织生活", "组织生活"]),
            Some(&texts(&["", "2023年", "2024年"])),
        );
        let message = map(&schema, &cols, &[], 0).err().unwrap_or_default();
        assert!(message.contains("B (2023年 › 组织生活)"), "{message}");
        assert!(message.contains("C (2024年 › 组织生活)"), "{message}");
        assert!(message.contains("--column 组织生活=2024年"), "{message}");
        let org_life = schema.field_for_header("组织生活");
        for pick in ["C", "3", "2024年"] {
            let choice = ColumnChoice {
                field: "组织生活".into(),
                column: pick.into(),
            };
            let Ok(mapping) = map(&schema, &cols, &[choice], 0) else {
                panic!("{pick} should choose column C");
            };
            assert_eq!(mapping.fields[1], None);
            assert_eq!(mapping.fields[2], org_life);
            assert_eq!(mapping.notes.len(), 1);
        }
    }
}
