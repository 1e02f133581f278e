//! The `table` rule kind: a decision table, as staff keep one in Excel. Each row gives
//! conditions on some inputs (the score, another rule's result, a field) and the grade a record
//! gets when all of them hold; the first row that matches decides (first hit, as business-rule
//! engines do), and a record no row matches is the record's error, never a silent default.
//!
//! ```yaml
//! - id: rating
//!   kind: table
//!   rows:
//!     - { score: ">= 90", strong_leadership: 是, strong_membership: 是, grade: shifan }
//!     - { score: ">= 75", grade: dabiao }
//!     - { grade: buhege }
//! ```
//!
//! Everything about the kind is here: the parsed form ([`Table`]), reading a cell
//! ([`Condition::parse`]), matching a row ([`Table::first_hit`]) and saying why
//! ([`Table::explain`]). `validate` resolves the inputs, `evaluate` gathers their values after
//! every other rule (so `score` is the final score, categories included).

use crate::diagnostic::Location;

/// A decision table, validated: its inputs in the order they first appear, and its rows.
#[derive(Debug, Clone)]
pub struct Table {
    pub inputs: Vec<Input>,
    pub rows: Vec<Row>,
}

/// One column of the table: what it reads.
#[derive(Debug, Clone)]
pub struct Input {
    /// The key as written in the rows (an id or a Chinese label).
    pub key: String,
    /// How people read it: the field's or rule's label.
    pub label: String,
    pub source: Source,
    pub kind: InputKind,
}

/// Where an input's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// The record's score (base plus points, categories capped).
    Score,
    /// Another rule's result: a checklist, veto, procedure or money rule's yes/no, a base or
    /// points rule's points. Index into the policy's rules.
    Rule(usize),
    /// A declared field of the record.
    Field(String),
}

/// The type an input's cells are read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Number,
    YesNo,
    /// Text or a choice: equality with a value (a choice's id; its label is read as the id).
    Text,
}

/// One row: conditions on some of the inputs (the others are "any"), and its grade.
#[derive(Debug, Clone)]
pub struct Row {
    /// (index into [`Table::inputs`], the condition), in input order.
    pub conditions: Vec<(usize, Condition)>,
    pub grade: String,
    pub loc: Location,
}

/// What a cell asks of its input.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Every comparison holds (`>= 60, < 75`).
    Number(Vec<(Op, f64)>),
    YesNo(bool),
    /// The value is this one (`!=`: is not).
    Text {
        value: String,
        negated: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
    Ne,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Lt => "<",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }

    fn holds(self, x: f64, bound: f64) -> bool {
        match self {
            Op::Ge => x >= bound,
            Op::Gt => x > bound,
            Op::Le => x <= bound,
            Op::Lt => x < bound,
            Op::Eq => x == bound,
            Op::Ne => x != bound,
        }
    }
}

/// A cell as written in YAML.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Bool(bool),
    Num(f64),
    Text(String),
}

/// An input's value for one record.
#[derive(Debug, Clone, PartialEq)]
pub enum InputValue {
    Number(f64),
    YesNo(bool),
    Text(String),
    /// A field left empty (a date, text or choice).
    Empty,
}

impl std::fmt::Display for InputValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputValue::Number(n) => write!(f, "{}", crate::number::format(*n)),
            InputValue::YesNo(b) => write!(f, "{}", if *b { "是" } else { "否" }),
            InputValue::Text(s) => write!(f, "{s}"),
            InputValue::Empty => write!(f, "(empty)"),
        }
    }
}

/// Cells that mean "any value": the input does not matter in this row.
const ANY: [&str; 4] = ["", "-", "*", "任意"];

impl Condition {
    /// Reads a cell for an input of `kind`. `Ok(None)` is "any". `number` resolves a param
    /// named in place of a number. Errors are lowercase and say what the cell may be.
    pub fn parse(
        cell: &Cell,
        kind: InputKind,
        number: &dyn Fn(&str) -> Option<f64>,
    ) -> Result<Option<Condition>, String> {
        match (cell, kind) {
            (Cell::Text(t), _) if ANY.contains(&t.trim()) => Ok(None),
            (Cell::Bool(b), InputKind::YesNo) => Ok(Some(Condition::YesNo(*b))),
            (Cell::Text(t), InputKind::YesNo) => match t.trim() {
                "是" | "true" | "yes" | "Y" | "y" | "√" | "✓" => {
                    Ok(Some(Condition::YesNo(true)))
                }
                "否" | "false" | "no" | "N" | "n" | "×" | "✗" => {
                    Ok(Some(Condition::YesNo(false)))
                }
                other => Err(format!("`{other}` is not 是 or 否 (this input is yes/no)")),
            },
            (Cell::Num(n), InputKind::Number) => Ok(Some(Condition::Number(vec![(Op::Eq, *n)]))),
            (Cell::Text(t), InputKind::Number) => parse_comparisons(t, number).map(Some),
            (Cell::Text(t), InputKind::Text) => {
                let t = t.trim();
                let (negated, value) = match t.strip_prefix("!=").or_else(|| t.strip_prefix('≠'))
                {
                    Some(rest) => (true, rest.trim()),
                    None => (false, t.strip_prefix("==").unwrap_or(t).trim()),
                };
                Ok(Some(Condition::Text {
                    value: value.to_owned(),
                    negated,
                }))
            }
            (Cell::Num(n), InputKind::Text) => Ok(Some(Condition::Text {
                value: crate::number::format(*n),
                negated: false,
            })),
            (Cell::Bool(_), _) => Err("a yes/no cell for an input that is not yes/no".to_owned()),
            (Cell::Num(_), InputKind::YesNo) => {
                Err("a number for a yes/no input: write 是 or 否".to_owned())
            }
        }
    }

    /// Whether the condition holds for the value; ordering an empty value is an error.
    fn holds(&self, value: &InputValue) -> Result<bool, String> {
        match (self, value) {
            (Condition::Number(cmps), InputValue::Number(x)) => {
                Ok(cmps.iter().all(|(op, bound)| op.holds(*x, *bound)))
            }
            (Condition::YesNo(want), InputValue::YesNo(b)) => Ok(want == b),
            (Condition::Text { value, negated }, InputValue::Text(s)) => {
                Ok((value == s) != *negated)
            }
            (Condition::Text { negated, .. }, InputValue::Empty) => Ok(*negated),
            (Condition::Number(_), InputValue::Empty) => {
                Err("the cell is empty, so it cannot be compared".to_owned())
            }
            (c, v) => Err(format!("cannot compare {v} with {}", c.describe())),
        }
    }

    /// The condition in words, e.g. `>= 90, < 100`, `是`, `单独组建`.
    pub fn describe(&self) -> String {
        match self {
            Condition::Number(cmps) => cmps
                .iter()
                .map(|(op, b)| format!("{} {}", op.symbol(), crate::number::format(*b)))
                .collect::<Vec<_>>()
                .join(", "),
            Condition::YesNo(b) => (if *b { "是" } else { "否" }).to_owned(),
            Condition::Text { value, negated } => {
                format!("{}{value}", if *negated { "!= " } else { "" })
            }
        }
    }
}

/// `>= 90`, `90分以上`, `< 60`, `>= 60, < 75` (all must hold), a param's name as the number.
fn parse_comparisons(
    text: &str,
    number: &dyn Fn(&str) -> Option<f64>,
) -> Result<Condition, String> {
    let mut cmps = Vec::new();
    for part in text.split([',', '，', '且']).map(str::trim) {
        if part.is_empty() {
            return Err(format!("`{text}` has an empty comparison"));
        }
        let ops: [(&str, Op); 10] = [
            (">=", Op::Ge),
            ("≥", Op::Ge),
            ("<=", Op::Le),
            ("≤", Op::Le),
            ("!=", Op::Ne),
            ("≠", Op::Ne),
            ("==", Op::Eq),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("=", Op::Eq),
        ];
        let (op, rest) = match ops
            .iter()
            .find_map(|(s, op)| part.strip_prefix(s).map(|r| (*op, r)))
        {
            Some((op, rest)) => (op, rest.trim()),
            // 以上/以下 include the number itself (Civil Code art. 1259).
            None => match part
                .strip_suffix("以上")
                .map(|r| (Op::Ge, r))
                .or_else(|| part.strip_suffix("以下").map(|r| (Op::Le, r)))
            {
                Some((op, rest)) => (op, rest.trim().trim_end_matches('分').trim()),
                None => (Op::Eq, part),
            },
        };
        let bound = match rest.parse::<f64>() {
            Ok(n) if n.is_finite() => n,
            _ => number(rest).ok_or_else(|| {
                format!(
                    "`{part}` is not a comparison with a number: write `>= 90`, `< 60`, `90分以上` or `>= 60, < 75`"
                )
            })?,
        };
        cmps.push((op, bound));
    }
    Ok(Condition::Number(cmps))
}

impl Table {
    /// The first row whose conditions all hold for the inputs' values (in [`Table::inputs`]
    /// order), or an error naming the input that cannot be compared. No row matching is
    /// `Ok(None)`.
    pub fn first_hit(&self, values: &[InputValue]) -> Result<Option<usize>, String> {
        for (r, row) in self.rows.iter().enumerate() {
            let mut all = true;
            for (i, condition) in &row.conditions {
                let holds = condition.holds(&values[*i]).map_err(|m| {
                    format!(
                        "row {} of the table, {} ({}): {m}",
                        r + 1,
                        self.inputs[*i].label,
                        self.inputs[*i].key
                    )
                })?;
                if !holds {
                    all = false;
                    break;
                }
            }
            if all {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }

    /// Why row `r` matched: `row 2: score 85 >= 75; 领导班子强 = 是`.
    pub fn explain(&self, r: usize, values: &[InputValue]) -> String {
        let row = &self.rows[r];
        let parts: Vec<String> = row
            .conditions
            .iter()
            .map(|(i, c)| {
                let input = &self.inputs[*i];
                let name = if input.label == input.key {
                    input.key.clone()
                } else {
                    format!("{} {}", input.key, input.label)
                };
                match c {
                    Condition::Number(_) => format!("{name} {} {}", values[*i], c.describe()),
                    _ => format!("{name} = {} (wants {})", values[*i], c.describe()),
                }
            })
            .collect();
        if parts.is_empty() {
            format!("row {} (no conditions: every other record)", r + 1)
        } else {
            format!("row {}: {}", r + 1, parts.join("; "))
        }
    }

    /// The inputs' values in words, for a record no row matched.
    pub fn describe_values(&self, values: &[InputValue]) -> String {
        self.inputs
            .iter()
            .zip(values)
            .map(|(input, v)| format!("{} {v}", input.label))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether the last row has no conditions, so every record gets a grade.
    pub fn has_default_row(&self) -> bool {
        self.rows.last().is_some_and(|r| r.conditions.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<f64> {
        None
    }

    #[test]
    fn cells_read_as_staff_write_them() {
        let n = |t: &str| Condition::parse(&Cell::Text(t.into()), InputKind::Number, &none);
        assert_eq!(
            n(">= 90"),
            Ok(Some(Condition::Number(vec![(Op::Ge, 90.0)])))
        );
        assert_eq!(
            n("90分以上"),
            Ok(Some(Condition::Number(vec![(Op::Ge, 90.0)])))
        );
        assert_eq!(
            n("60以下"),
            Ok(Some(Condition::Number(vec![(Op::Le, 60.0)])))
        );
        assert_eq!(
            n(">= 60, < 75"),
            Ok(Some(Condition::Number(vec![
                (Op::Ge, 60.0),
                (Op::Lt, 75.0)
            ])))
        );
        assert_eq!(n("-"), Ok(None));
        assert!(n("about 90").unwrap_err().contains("not a comparison"));
        let p = |t: &str| {
            Condition::parse(&Cell::Text(t.into()), InputKind::Number, &|name| {
                (name == "shifan_score").then_some(90.0)
            })
        };
        assert_eq!(
            p(">= shifan_score"),
            Ok(Some(Condition::Number(vec![(Op::Ge, 90.0)])))
        );
        let yes = Condition::parse(&Cell::Text("是".into()), InputKind::YesNo, &none);
        assert_eq!(yes, Ok(Some(Condition::YesNo(true))));
        assert!(Condition::parse(&Cell::Num(1.0), InputKind::YesNo, &none).is_err());
    }

    #[test]
    fn the_first_row_that_matches_decides() {
        let input = |key: &str, kind| Input {
            key: key.into(),
            label: key.into(),
            source: Source::Score,
            kind,
        };
        let row = |conditions, grade: &str| Row {
            conditions,
            grade: grade.into(),
            loc: Location::default(),
        };
        let table = Table {
            inputs: vec![
                input("score", InputKind::Number),
                input("strong", InputKind::YesNo),
            ],
            rows: vec![
                row(
                    vec![
                        (0, Condition::Number(vec![(Op::Ge, 90.0)])),
                        (1, Condition::YesNo(true)),
                    ],
                    "shifan",
                ),
                row(vec![(0, Condition::Number(vec![(Op::Ge, 75.0)]))], "dabiao"),
            ],
        };
        let hit = |score, strong| {
            table.first_hit(&[InputValue::Number(score), InputValue::YesNo(strong)])
        };
        assert_eq!(hit(95.0, true), Ok(Some(0)));
        // 95 without the 强 check is not 示范: the second row takes it.
        assert_eq!(hit(95.0, false), Ok(Some(1)));
        assert_eq!(hit(60.0, true), Ok(None));
        assert!(!table.has_default_row());
        assert_eq!(
            table.explain(0, &[InputValue::Number(95.0), InputValue::YesNo(true)]),
            "row 1: score 95 >= 90; strong = 是 (wants 是)"
        );
    }
}
