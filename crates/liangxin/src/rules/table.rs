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
//! (`Condition::parse`), matching a row (`Table::first_hit`) and saying why
//! (`Table::explain`). `validate` resolves the inputs, `evaluate` gathers their values after
//! every other rule (so `score` is the final score, categories included).

use indexmap::IndexMap;
use serde_saphyr::Spanned;

use crate::compile::{CompiledExpr, Compiler};
use crate::diagnostic::{Location, suggest};
use crate::load::At;
use crate::load::raw::Literal;
pub use crate::native::Compare;
use crate::policy::{Grade, Param, ParamValue, Rule, RuleKind, scores};
use crate::validate::{RuleInput, Validator};

/// A decision table, validated: its inputs in the order they first appear, and its rows.
#[derive(Debug, Clone)]
pub struct Table {
    /// The columns the rows read, in the order they first appear.
    pub inputs: Vec<Input>,
    /// The rows, in order: the first whose conditions all hold gives the grade.
    pub rows: Vec<Row>,
}

/// One column of the table: what it reads.
#[derive(Debug, Clone)]
pub struct Input {
    /// The key as written in the rows (an id or a Chinese label).
    pub key: String,
    /// How people read it: the field's or rule's label.
    pub label: String,
    /// Where the input's value comes from.
    pub source: Source,
    /// How its cells are read.
    pub kind: InputKind,
    /// A choice field's values with their labels, so explanations say 社会组织, not `social`.
    pub choices: IndexMap<String, String>,
}

impl Input {
    /// A value as people read it: a choice's label, anything else as it is.
    fn shown(&self, value: &str) -> String {
        self.choices
            .get(value)
            .cloned()
            .unwrap_or_else(|| value.to_owned())
    }

    fn shown_value(&self, value: &InputValue) -> String {
        match value {
            InputValue::Text(s) => self.shown(s),
            other => other.to_string(),
        }
    }

    /// A condition as people read it: a choice by its label (`社会组织`, not `social`).
    pub fn shown_condition(&self, c: &Condition) -> String {
        match c {
            Condition::Text { value, negated } => {
                format!("{}{}", if *negated { "!= " } else { "" }, self.shown(value))
            }
            other => other.describe(),
        }
    }
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
    /// A number, compared (`>= 90`, `90分以上`).
    Number,
    /// Yes or no (`是`/`否`).
    YesNo,
    /// Text or a choice: equality with a value (a choice's id; its label is read as the id).
    Text,
}

/// One row: conditions on some of the inputs (the others are "any"), and its grade.
#[derive(Debug, Clone)]
pub struct Row {
    /// (index into [`Table::inputs`], the condition), in input order.
    pub conditions: Vec<(usize, Condition)>,
    /// The id of the grade the row gives.
    pub grade: String,
    /// Where the row's `grade:` is written, for diagnostics.
    pub loc: Location,
}

/// What a cell asks of its input.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Every comparison holds (`>= 60, < 75`).
    Number(Vec<(Compare, f64)>),
    /// The yes/no the input must be.
    YesNo(bool),
    /// The value is this one (`!=`: is not).
    Text {
        /// A value id (a choice's label is read as its id).
        value: String,
        /// `!=`: the input must not be `value`.
        negated: bool,
    },
}

/// A cell as written in YAML.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Num(f64),
    /// Text: a comparison (`>= 90`), `是`/`否`, a choice, or `-` for any.
    Text(String),
}

/// An input's value for one record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum InputValue {
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

/// Cells that mean "any value": the input does not matter in this row. An empty cell is not
/// one of them: it reads like "empty", so it is refused with a pointer to `-`.
const ANY: [&str; 3] = ["-", "*", "任意"];

impl Condition {
    /// Reads a cell for an input of `kind`. `Ok(None)` is "any". `number` resolves a param
    /// named in place of a number. Errors are lowercase and say what the cell may be.
    pub(crate) fn parse(
        cell: &Cell,
        kind: InputKind,
        number: &dyn Fn(&str) -> Option<f64>,
    ) -> Result<Option<Condition>, String> {
        match (cell, kind) {
            (Cell::Text(t), _) if ANY.contains(&t.trim()) => Ok(None),
            (Cell::Text(t), _) if t.trim().is_empty() => Err(
                "an empty cell: write `-` for any value, or leave the input out of the row"
                    .to_owned(),
            ),
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
            (Cell::Num(n), InputKind::Number) => {
                Ok(Some(Condition::Number(vec![(Compare::Eq, *n)])))
            }
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
            // Empty is unknown, not "something else": `!= 单独组建` cannot be answered for it.
            (Condition::Text { negated: false, .. }, InputValue::Empty) => Ok(false),
            (
                Condition::Text {
                    negated: true,
                    value,
                },
                InputValue::Empty,
            ) => Err(format!(
                "the cell is empty, so whether it is not {value} cannot be decided; fill it in"
            )),
            (Condition::Number(_), InputValue::Empty) => {
                Err("the cell is empty, so it cannot be compared".to_owned())
            }
            (c, v) => Err(format!("cannot compare {v} with {}", c.describe())),
        }
    }

    /// The condition in words, e.g. `>= 90, < 100`, `是`, `单独组建`.
    pub(crate) fn describe(&self) -> String {
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
        let ops: [(&str, Compare); 10] = [
            (">=", Compare::Ge),
            ("≥", Compare::Ge),
            ("<=", Compare::Le),
            ("≤", Compare::Le),
            ("!=", Compare::Ne),
            ("≠", Compare::Ne),
            ("==", Compare::Eq),
            (">", Compare::Gt),
            ("<", Compare::Lt),
            ("=", Compare::Eq),
        ];
        let (op, rest) = match ops
            .iter()
            .find_map(|(s, op)| part.strip_prefix(s).map(|r| (*op, r)))
        {
            Some((op, rest)) => (op, rest.trim()),
            // 以上/以下 include the number itself (Civil Code art. 1259).
            None => match part
                .strip_suffix("以上")
                .map(|r| (Compare::Ge, r))
                .or_else(|| part.strip_suffix("以下").map(|r| (Compare::Le, r)))
            {
                Some((op, rest)) => (op, rest.trim().trim_end_matches('分').trim()),
                None => (Compare::Eq, part),
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
    /// Each row no record reaches (the row that matched is the rule's value, 1 for the first).
    pub(crate) fn uncovered(
        &self,
        rule: &crate::policy::Rule,
        results: &[&crate::evaluate::RuleResult],
    ) -> Vec<String> {
        (0..self.rows.len())
            .filter(|r| !results.iter().any(|res| res.value == Some((r + 1) as f64)))
            .map(|r| {
                format!(
                    "row {} of table `{}` (grade `{}`) never matches",
                    r + 1,
                    rule.id,
                    self.rows[r].grade
                )
            })
            .collect()
    }

    /// Its note says which row and why.
    pub(crate) fn traced(&self, result: &crate::evaluate::RuleResult) -> String {
        match result.passed {
            Some(true) => "→ grade".to_owned(),
            // Not asked: a veto gave the grade whatever the table says.
            _ => "not asked (a veto decided the grade)".to_owned(),
        }
    }

    /// One per input: a field's slot; the score and other rules' results are the evaluator's
    /// own (a placeholder keeps the inputs aligned).
    pub(crate) fn compile(&self, c: &mut Compiler<'_>) -> Vec<CompiledExpr> {
        let placeholder = || CompiledExpr::Const(crate::value::Value::Bool(false));
        self.inputs
            .iter()
            .map(|input| match &input.source {
                Source::Field(name) => c.slot(name).map_or_else(placeholder, CompiledExpr::Field),
                Source::Score | Source::Rule(_) => placeholder(),
            })
            .collect()
    }

    /// A table as read from its rule, before its inputs are resolved: `rows` must be there.
    pub(crate) fn placeholder(v: &mut Validator<'_>, r: &RuleInput<'_>) -> Option<Self> {
        match &r.raw.rows {
            Some(_) => Some(Table {
                inputs: Vec::new(),
                rows: Vec::new(),
            }),
            None => {
                v.missing(r, "rows");
                None
            }
        }
    }

    /// Resolves each decision table's inputs (the score, any other rule, a declared field, by
    /// id or Chinese label) and reads its cells, once every rule is known.
    pub(crate) fn resolve(
        v: &mut Validator<'_>,
        rules: &mut [Rule],
        params: &IndexMap<String, Param>,
        grades: &IndexMap<String, Grade>,
    ) {
        let pack = v.pack;
        let table_ids: Vec<usize> = (0..rules.len())
            .filter(|&i| matches!(rules[i].kind, RuleKind::Table(_)))
            .collect();
        for &t in &table_ids {
            let Some(At { file, item: raw }) =
                pack.rules.iter().find(|r| r.item.id.value == rules[t].id)
            else {
                continue;
            };
            let file = *file;
            let rule_id = raw.id.value.clone();
            if table_ids.len() > 1 && t != table_ids[0] {
                let message = format!(
                    "table `{rule_id}` is a second decision table: one table gives the grade"
                );
                v.error(file, &raw.kind, "table", message);
            }
            if pack.bands.is_some() {
                let message = format!(
                    "table `{rule_id}` gives the grade, and so do the `bands`: keep one of them"
                );
                v.error(file, &raw.kind, "table", message).help =
                    Some("a score band becomes a row: `{ score: \">= 90\", grade: ... }`".into());
            }
            let mut inputs: Vec<Input> = Vec::new();
            let mut rows = Vec::new();
            let mut sound = true;
            let used = std::cell::RefCell::new(Vec::new());
            let number = |name: &str| match params.get(name).map(|p| &p.value) {
                Some(ParamValue::Num(n)) => {
                    used.borrow_mut().push(name.to_owned());
                    Some(*n)
                }
                _ => None,
            };
            for (r, raw_row) in raw.rows.iter().flatten().enumerate() {
                let mut grade = None;
                let mut grade_written = false;
                let mut conditions = Vec::new();
                for (key, cell) in raw_row {
                    if key.value == "grade" {
                        grade_written = true;
                        match &cell.value {
                            // A grade by its Chinese label is the grade, as staff say it.
                            Literal::Str(g) => match grades.iter().find(|(_, d)| d.label == *g) {
                                Some((id, _)) if !grades.contains_key(g) => {
                                    grade = Some(id.clone())
                                }
                                _ => {
                                    let g = Spanned {
                                        value: g.clone(),
                                        referenced: cell.referenced,
                                        defined: cell.defined,
                                    };
                                    if v.known_grade(file, &g, grades) {
                                        grade = Some(g.value);
                                    } else {
                                        sound = false;
                                    }
                                }
                            },
                            Literal::Bool(_) => {
                                let message = "a row's `grade` is a grade id, and YAML reads this one as yes/no: put it in quotes (`grade: \"yes\"`)".to_owned();
                                v.error(file, cell, "table", message);
                                sound = false;
                            }
                            Literal::Num(_) => {
                                let message =
                                    "a row's `grade` is a grade id, not a number".to_owned();
                                v.error(file, cell, "table", message);
                                sound = false;
                            }
                        }
                        continue;
                    }
                    let i = match inputs.iter().position(|inp| inp.key == key.value) {
                        Some(i) => i,
                        None => match Table::input(v, file, key, t, rules) {
                            Some((source, label, kind)) => {
                                let choices = match &source {
                                    Source::Field(f) => match v.pack.schema.field(f).map(|d| &d.ty)
                                    {
                                        Some(crate::schema::FieldType::Enum(values)) => {
                                            values.clone()
                                        }
                                        _ => IndexMap::new(),
                                    },
                                    Source::Score | Source::Rule(_) => IndexMap::new(),
                                };
                                inputs.push(Input {
                                    key: key.value.clone(),
                                    label,
                                    source,
                                    kind,
                                    choices,
                                });
                                inputs.len() - 1
                            }
                            None => {
                                sound = false;
                                continue;
                            }
                        },
                    };
                    if inputs.iter().enumerate().any(|(j, inp)| {
                        j != i
                            && inp.source == inputs[i].source
                            && conditions.iter().any(|(k, _)| *k == j)
                    }) {
                        let message = format!(
                            "row {} names {} twice (by id and by label)",
                            r + 1,
                            inputs[i].label
                        );
                        v.error(file, key, "table", message);
                        sound = false;
                    }
                    let written = match &cell.value {
                        Literal::Bool(b) => Cell::Bool(*b),
                        Literal::Num(n) => Cell::Num(*n),
                        Literal::Str(s) => Cell::Text(s.clone()),
                    };
                    match Condition::parse(&written, inputs[i].kind, &number) {
                        Ok(None) => {}
                        Ok(Some(c)) => match Table::choice(v, file, cell, &inputs[i], c) {
                            Some(c) => conditions.push((i, c)),
                            None => sound = false,
                        },
                        Err(message) => {
                            let message = format!("row {}, {}: {message}", r + 1, inputs[i].label);
                            v.error(file, cell, "table", message);
                            sound = false;
                        }
                    }
                }
                conditions.sort_by_key(|(i, _)| *i);
                let loc = raw_row
                    .keys()
                    .next()
                    .map_or_else(|| pack.loc(file, &raw.kind), |k| pack.loc(file, k));
                match grade {
                    Some(grade) => rows.push(Row {
                        conditions,
                        grade,
                        loc,
                    }),
                    // A grade written but refused has its own error already.
                    None if grade_written => sound = false,
                    None => {
                        let message = format!(
                            "row {} of table `{rule_id}` has no `grade`: what does a record matching it get?",
                            r + 1
                        );
                        v.error(file, &raw.kind, "table", message);
                        sound = false;
                    }
                }
            }
            v.used_params.extend(used.into_inner());
            if rows.is_empty() && sound {
                let message = format!("table `{rule_id}` has no rows");
                v.error(file, &raw.kind, "table", message);
                sound = false;
            }
            let table = Table { inputs, rows };
            if sound && !table.has_default_row() {
                let message = format!(
                    "table `{rule_id}` has no last row without conditions: a record no row matches is refused"
                );
                v.warning(file, &raw.kind, "table-no-default", message);
            }
            // An unsound table keeps no rows; its errors stop the pack before evaluation.
            rules[t].kind = RuleKind::Table(table);
        }
    }

    /// What a table's key reads: `score`, another rule (by id or label) or a declared field
    /// (by id or label), with its label and how its cells are read.
    fn input(
        v: &mut Validator<'_>,
        file: usize,
        key: &Spanned<String>,
        table: usize,
        rules: &[Rule],
    ) -> Option<(Source, String, InputKind)> {
        let name = key.value.as_str();
        if name == "score" {
            if scores(rules) {
                return Some((Source::Score, "score".into(), InputKind::Number));
            }
            let message = "`score` needs a base or points rule".to_owned();
            v.error(file, key, "table", message);
            return None;
        }
        let schema = &v.pack.schema;
        let field_named = v.pack.fields.iter().any(|f| {
            schema
                .field(&f.item.value)
                .is_some_and(|d| d.id == name || d.label == name)
        });
        if let Some(i) = rules.iter().position(|r| r.id == name || r.label == name) {
            if field_named {
                let message = format!(
                    "`{name}` names both a rule and a field: write the rule's or the field's id"
                );
                v.error(file, key, "table", message);
                return None;
            }
            let kind = match &rules[i].kind {
                RuleKind::Base(_) | RuleKind::Points(_) => InputKind::Number,
                RuleKind::Veto(_)
                | RuleKind::Checklist(_)
                | RuleKind::Procedure(_)
                | RuleKind::Money(_) => InputKind::YesNo,
                RuleKind::Table(_) => {
                    let message = format!("a table cannot read a table (`{name}`)");
                    v.error(file, key, "table", message);
                    return None;
                }
            };
            if i == table {
                return None;
            }
            return Some((Source::Rule(i), rules[i].label.clone(), kind));
        }
        let declared: Vec<&crate::schema::FieldDef> = v
            .pack
            .fields
            .iter()
            .filter_map(|f| schema.field(&f.item.value))
            .collect();
        if let Some(def) = declared.iter().find(|d| d.id == name || d.label == name) {
            use crate::schema::FieldType;
            let kind = match def.ty {
                FieldType::Int | FieldType::Decimal => InputKind::Number,
                FieldType::Bool => InputKind::YesNo,
                FieldType::String | FieldType::Enum(_) => InputKind::Text,
                FieldType::Date => {
                    let message = format!(
                        "a table cannot compare the date {} ({}): compare it in a rule's expression and read that rule",
                        def.label, def.id
                    );
                    v.error(file, key, "table", message);
                    return None;
                }
            };
            return Some((Source::Field(def.id.clone()), def.label.clone(), kind));
        }
        let mut known: Vec<&str> = vec!["score"];
        known.extend(rules.iter().map(|r| r.id.as_str()));
        known.extend(
            declared
                .iter()
                .flat_map(|d| [d.id.as_str(), d.label.as_str()]),
        );
        let help = suggest(
            name,
            known,
            "a table reads `score`, a rule's id or label, or a field of `fields:` by id or label",
        );
        let message = format!("unknown table input `{name}`");
        v.error(file, key, "table", message).help = Some(help);
        None
    }

    /// A table cell on a choice field names one of its values, by id or label (read as the id).
    fn choice(
        v: &mut Validator<'_>,
        file: usize,
        cell: &Spanned<Literal>,
        input: &Input,
        condition: Condition,
    ) -> Option<Condition> {
        let (Source::Field(field), Condition::Text { value, negated }) =
            (&input.source, &condition)
        else {
            return Some(condition);
        };
        let Some(crate::schema::FieldType::Enum(values)) =
            v.pack.schema.field(field).map(|d| &d.ty)
        else {
            return Some(condition);
        };
        if values.contains_key(value) {
            return Some(condition);
        }
        if let Some((id, _)) = values.iter().find(|(_, label)| *label == value) {
            return Some(Condition::Text {
                value: id.clone(),
                negated: *negated,
            });
        }
        let allowed: Vec<&str> = values.values().map(String::as_str).collect();
        let message = format!(
            "`{value}` is not a value of {} ({field}): it is one of {}",
            input.label,
            allowed.join("、")
        );
        v.error(file, cell, "table", message);
        None
    }

    /// The first row whose conditions all hold for the inputs' values (in [`Table::inputs`]
    /// order), or an error naming the input that cannot be compared. No row matching is
    /// `Ok(None)`.
    pub(crate) fn first_hit(&self, values: &[InputValue]) -> Result<Option<usize>, String> {
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
    pub(crate) fn explain(&self, r: usize, values: &[InputValue]) -> String {
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
                let value = input.shown_value(&values[*i]);
                match c {
                    Condition::Number(_) => format!("{name} {value} {}", c.describe()),
                    _ => format!("{name} = {value} (wants {})", input.shown_condition(c)),
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
    pub(crate) fn describe_values(&self, values: &[InputValue]) -> String {
        self.inputs
            .iter()
            .zip(values)
            .map(|(input, v)| format!("{} {}", input.label, input.shown_value(v)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether the last row has no conditions, so every record gets a grade.
    pub(crate) fn has_default_row(&self) -> bool {
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
            Ok(Some(Condition::Number(vec![(Compare::Ge, 90.0)])))
        );
        assert_eq!(
            n("90分以上"),
            Ok(Some(Condition::Number(vec![(Compare::Ge, 90.0)])))
        );
        assert_eq!(
            n("60以下"),
            Ok(Some(Condition::Number(vec![(Compare::Le, 60.0)])))
        );
        assert_eq!(
            n(">= 60, < 75"),
            Ok(Some(Condition::Number(vec![
                (Compare::Ge, 60.0),
                (Compare::Lt, 75.0)
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
            Ok(Some(Condition::Number(vec![(Compare::Ge, 90.0)])))
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
            choices: IndexMap::new(),
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
                        (0, Condition::Number(vec![(Compare::Ge, 90.0)])),
                        (1, Condition::YesNo(true)),
                    ],
                    "shifan",
                ),
                row(
                    vec![(0, Condition::Number(vec![(Compare::Ge, 75.0)]))],
                    "dabiao",
                ),
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
