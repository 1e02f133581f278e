//! The report of `liangxin eval`: one policy on one ledger, optionally grouped and with a
//! leaderboard.

use serde_json::json;

use super::doc::{Bars, Block, Cell, Column, Document, Kind, Section, Standing, Table};
use crate::evaluate::{Evaluation, Grouping, Outcome, PolicyInfo, Summary, Trace};
use crate::number::percent;

/// What `eval` reports: the evaluation, and optionally its groups and its top N.
pub struct EvalReport<'a> {
    /// The evaluation to report.
    pub evaluation: &'a Evaluation,
    /// The evaluation split by a field (`--group-by`), for a table of groups.
    pub grouping: Option<&'a Grouping>,
    /// Show the leaderboard down to this rank (ties at the last rank included).
    pub top: Option<usize>,
    /// With `--explain`: the trace of each outcome, in outcome order.
    pub traces: Option<&'a [Trace]>,
    /// With `--summary`: no per-record table (the outcomes may be only the leaders).
    pub summary_only: bool,
}

impl EvalReport<'_> {
    /// The JSON: the evaluation's keys, plus `groups` (with `--group-by`) and `top` (with `--top`).
    pub fn json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self.evaluation).unwrap_or_default();
        if let Some(g) = self.grouping {
            let groups: Vec<serde_json::Value> = g
                .groups
                .iter()
                .map(|group| {
                    let mut v = json!({ "key": group.key, "summary": group.summary });
                    if let Some(n) = self.top {
                        v["top"] = json!(leaders(group.members.iter().map(|&i| &self.evaluation.outcomes[i]).zip(group.ranks.iter().copied()), n)
                            .iter()
                            .map(|(o, r)| json!({ "rank": r, "record": o.record, "name": o.name, "score": o.score, "grade": o.grade }))
                            .collect::<Vec<_>>());
                    }
                    v
                })
                .collect();
            value["grouping"] = json!({ "field": g.field, "label": g.label });
            value["groups"] = json!(groups);
        }
        if let (Some(traces), Some(outcomes)) = (self.traces, value["outcomes"].as_array_mut()) {
            for (o, t) in outcomes.iter_mut().zip(traces) {
                o["trace"] = json!(t);
            }
        }
        if self.summary_only {
            if let Some(map) = value.as_object_mut() {
                map.remove("outcomes");
            }
            if let Some(n) = self.top {
                value["top"] = json!(self.overall_leaders(n)
                    .iter()
                    .map(|(o, r)| json!({ "rank": r, "record": o.record, "name": o.name, "score": o.score, "grade": o.grade }))
                    .collect::<Vec<_>>());
            }
        } else if let Some(n) = self.top {
            value["top"] = json!(
                self.overall_leaders(n)
                    .iter()
                    .map(|(o, _)| o.record.as_str())
                    .collect::<Vec<_>>()
            );
        }
        value
    }

    /// Writes the JSON to `out`: the same bytes as `to_json(&self.json())`, serialized straight
    /// from the evaluation when nothing is added to it, so a large ledger's JSON is never held
    /// whole as a tree of values.
    ///
    /// # Errors
    ///
    /// Whatever `out` fails with.
    pub fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let plain = self.grouping.is_none()
            && self.top.is_none()
            && self.traces.is_none()
            && !self.summary_only;
        if plain {
            serde_json::to_writer_pretty(&mut *out, self.evaluation)?;
            out.write_all(b"\n")
        } else {
            out.write_all(super::to_json(&self.json()).as_bytes())
        }
    }

    /// Writes one outcome a line as compact JSON (NDJSON), each with its `trace` when the report
    /// has traces; the summary, errors and notes are not written (the stream is the records).
    ///
    /// # Errors
    ///
    /// Whatever `out` fails with.
    pub fn write_ndjson(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        for (i, o) in self.evaluation.outcomes.iter().enumerate() {
            match self.traces.and_then(|t| t.get(i)) {
                Some(trace) => {
                    let mut value = serde_json::to_value(o).map_err(std::io::Error::other)?;
                    value["trace"] = json!(trace);
                    serde_json::to_writer(&mut *out, &value)?;
                }
                None => serde_json::to_writer(&mut *out, o)?,
            }
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn overall_leaders(&self, n: usize) -> Vec<(&Outcome, usize)> {
        leaders(self.evaluation.outcomes.iter().map(|o| (o, o.rank)), n)
    }

    /// The report as a document, for every format but JSON (see [`super::render`]).
    pub fn document(&self) -> Document {
        let e = self.evaluation;
        let p = &e.policy;
        let mut sections = Vec::new();
        if !self.summary_only {
            sections.push(Section::new("结果 outcomes").with(Block::Records(outcomes_table(e))));
        }
        sections.push(summary_section("汇总 summary", p, &e.summary));
        sections.extend(super::group_rules::sections(&e.group_rules));
        if let Some(g) = self.grouping {
            sections.push(
                Section::new(format!("按{}分组 by {}", g.label, g.field))
                    .with(Block::Table(groups_table(p, g))),
            );
        }
        if let Some(n) = self.top {
            let mut section = Section::new(format!("积分排行榜 top {n}"))
                .with(Block::Table(leaders_table(&self.overall_leaders(n))));
            if let Some(g) = self.grouping {
                for group in &g.groups {
                    let members = group
                        .members
                        .iter()
                        .map(|&i| &e.outcomes[i])
                        .zip(group.ranks.iter().copied());
                    section
                        .blocks
                        .push(Block::Lines(vec![format!("{}: {}", g.label, group.key)]));
                    section
                        .blocks
                        .push(Block::Table(leaders_table(&leaders(members, n))));
                }
            }
            sections.push(section);
        }
        if let Some(traces) = self.traces {
            let mut section = Section::new("解释 explain");
            for (o, t) in e.outcomes.iter().zip(traces) {
                section.blocks.push(Block::Pre(
                    t.lines(o).iter().map(|l| yes_no_in_trace(l)).collect(),
                ));
            }
            sections.push(section);
        }
        if !e.errors.is_empty() {
            sections.push(Section::new("错误 errors").with(Block::Table(errors_table(&e.errors))));
        }
        if !e.notes.is_empty() {
            sections.push(Section::new("说明 notes").with(Block::Lines(e.notes.clone())));
        }
        Document {
            title: match &p.as_of {
                Some(day) => format!("{} ({} v{}, params as of {day})", p.name, p.id, p.version),
                None => format!("{} ({} v{})", p.name, p.id, p.version),
            },
            standard: standard_line(p),
            grades: standings([p]),
            sections,
        }
    }
}

/// A trace line with the yes/no values it read as staff read them: `配备书记 = 是`, not `= true`.
fn yes_no_in_trace(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find(" = ") {
        out.push_str(&rest[..at + 3]);
        rest = &rest[at + 3..];
        for (word, shown) in [("true", "是"), ("false", "否")] {
            if let Some(after) = rest.strip_prefix(word)
                && (after.is_empty() || after.starts_with([',', ']', ')', ' ', ';']))
            {
                out.push_str(shown);
                rest = after;
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Outcomes ranked `n` or better, best first (ties at rank `n` all included).
fn leaders<'a>(
    ranked: impl Iterator<Item = (&'a Outcome, Option<usize>)>,
    n: usize,
) -> Vec<(&'a Outcome, usize)> {
    let mut top: Vec<(&Outcome, usize)> = ranked
        .filter_map(|(o, r)| r.filter(|r| *r <= n).map(|r| (o, r)))
        .collect();
    top.sort_by_key(|(o, r)| (*r, o.row));
    top
}

fn leaders_table(leaders: &[(&Outcome, usize)]) -> Table {
    let mut t = Table::new(vec![
        Column::new("rank", "排名 rank", Kind::Number),
        Column::new("record", "编号 record", Kind::Text),
        Column::new("name", "名称 name", Kind::Text),
        Column::new("score", "得分 score", Kind::Number),
        Column::new("grade", "等次 grade", Kind::Grade),
    ]);
    for (o, r) in leaders {
        t.push(vec![
            Cell::Number(*r as f64),
            Cell::text(o.record.as_str()),
            Cell::text(o.name.clone().unwrap_or_default()),
            Cell::opt_number(o.score),
            Cell::text(o.grade_label.as_deref().unwrap_or_default()),
        ]);
    }
    t
}

/// One row per outcome; which columns appear depends on whether the policy scores, pays,
/// ranks or checks.
pub(crate) fn outcomes_table(e: &Evaluation) -> Table {
    let layout = OutcomeColumns::of(e);
    let mut t = Table::new(layout.columns());
    for o in &e.outcomes {
        let mut row = Vec::new();
        layout.row(e, o, &mut |cell: CellRef<'_>| {
            row.push(match cell {
                CellRef::Text(s) => Cell::text(s),
                CellRef::Number(n) => Cell::opt_number(n),
                CellRef::Flag(b) => b.map_or(Cell::Empty, Cell::Flag),
            })
        });
        t.push(row);
    }
    t
}

/// A cell of the outcomes table as it is produced, borrowed where it can be.
pub(crate) enum CellRef<'a> {
    Text(&'a str),
    Number(Option<f64>),
    Flag(Option<bool>),
}

/// Writes the outcomes as CSV straight to `out`, row by row: the same bytes as the CSV of the
/// report's records table, without holding the table (a ledger can have millions of rows).
pub(crate) fn write_outcomes_csv(
    e: &Evaluation,
    options: super::Options,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let excel = options.excel;
    if excel {
        out.write_all("\u{feff}".as_bytes())?;
    }
    let layout = OutcomeColumns::of(e);
    let mut writer = csv::Writer::from_writer(out);
    let mut columns = layout.columns();
    if excel {
        // The same columns, with the same labels, as the document's table for people.
        let keep: Vec<bool> = columns.iter().map(|c| !c.program).collect();
        columns.retain(|c| !c.program);
        let labels: Vec<String> = columns
            .iter()
            .map(|c| super::lang::pick(&c.label, options.lang))
            .collect();
        writer.write_record(&labels)?;
        for o in &e.outcomes {
            let mut result = Ok(());
            let mut flags = keep.iter();
            layout.row(e, o, &mut |cell: CellRef<'_>| {
                if !flags.next().copied().unwrap_or(true) {
                    return;
                }
                let written = match cell {
                    CellRef::Text(t) => writer.write_field(super::csv::text(t, true)),
                    CellRef::Number(Some(n)) => writer.write_field(crate::number::format_exact(n)),
                    CellRef::Flag(Some(b)) => writer.write_field(super::doc::yes_no(b)),
                    CellRef::Number(None) | CellRef::Flag(None) => writer.write_field(""),
                };
                if result.is_ok() {
                    result = written;
                }
            });
            result?;
            writer.write_record(None::<&[u8]>)?;
        }
        return writer.flush();
    }
    writer.write_record(columns.iter().map(|c| c.key.as_str()))?;
    for o in &e.outcomes {
        let mut result = Ok(());
        // Each field straight to the writer: no cell is copied into a table first.
        layout.row(e, o, &mut |cell: CellRef<'_>| {
            let written = match cell {
                CellRef::Text(t) if super::csv::looks_like_formula(t) => {
                    writer.write_field(format!("'{t}"))
                }
                CellRef::Text(t) => writer.write_field(t),
                CellRef::Number(Some(n)) => writer.write_field(crate::number::format_exact(n)),
                CellRef::Flag(Some(b)) => writer.write_field(if b { "true" } else { "false" }),
                CellRef::Number(None) | CellRef::Flag(None) => writer.write_field(""),
            };
            if result.is_ok() {
                result = written;
            }
        });
        result?;
        writer.write_record(None::<&[u8]>)?;
    }
    writer.flush()
}

/// Which optional columns the outcomes table has.
pub(crate) struct OutcomeColumns {
    pub(crate) score: bool,
    pub(crate) money: bool,
    pub(crate) rank: bool,
    pub(crate) checks: bool,
    pub(crate) problems: bool,
    pub(crate) due: bool,
    pub(crate) extra: Vec<String>,
}

impl OutcomeColumns {
    fn of(e: &Evaluation) -> OutcomeColumns {
        let any = |f: fn(&Outcome) -> bool| e.outcomes.iter().any(f);
        OutcomeColumns {
            score: any(|o| o.score.is_some()),
            money: any(|o| !o.money.is_zero()) || e.summary.budget.is_some(),
            rank: any(|o| o.rank.is_some()),
            checks: !e.policy.criteria.is_empty(),
            problems: any(|o| o.rules.iter().any(|r| !r.problems.is_empty())),
            due: any(|o| o.due.is_some()),
            extra: e.extra_columns.clone(),
        }
    }

    /// Every column an outcome under `e`'s policy could fill, extra columns aside: what a
    /// stream renders for each record before it knows which columns the ledger will have.
    pub(crate) fn every(e: &Evaluation) -> OutcomeColumns {
        OutcomeColumns {
            score: true,
            money: true,
            rank: true,
            checks: !e.policy.criteria.is_empty(),
            problems: true,
            due: true,
            extra: Vec::new(),
        }
    }

    /// The columns before the extra ones, each with whether this table has it, in the order
    /// [`OutcomeColumns::row`] hands out cells; absent ones are left out of `columns` and `row`.
    pub(crate) fn slots(&self) -> Vec<(Column, bool)> {
        vec![
            (Column::new("record", "编号 record", Kind::Text), true),
            (Column::new("name", "名称 name", Kind::Text), true),
            (Column::new("score", "得分 score", Kind::Number), self.score),
            (Column::program("grade", "grade", Kind::Text), true),
            (Column::new("grade_label", "等次 grade", Kind::Grade), true),
            (Column::detail("passed", "达标 passed", Kind::Text), true),
            (
                Column::detail("vetoed", "一票否决 vetoed", Kind::Text),
                true,
            ),
            (Column::new("money", "金额 money", Kind::Money), self.money),
            (Column::new("rank", "排名 rank", Kind::Number), self.rank),
            (Column::detail("actions", "措施 actions", Kind::Text), true),
            (Column::new("due", "整改期限 due", Kind::Text), self.due),
            (
                Column::new("failed", "未达标项 failed", Kind::Text),
                self.checks,
            ),
            (
                Column::detail("problems", "程序问题 problems", Kind::Text),
                self.problems,
            ),
        ]
    }

    pub(crate) fn columns(&self) -> Vec<Column> {
        let mut columns: Vec<Column> = self
            .slots()
            .into_iter()
            .filter_map(|(c, present)| present.then_some(c))
            .collect();
        for name in &self.extra {
            columns.push(Column::detail(name.clone(), name.clone(), Kind::Text));
        }
        columns
    }

    /// Hands each cell of `o`'s row, in column order, to `cell`.
    pub(crate) fn row(&self, e: &Evaluation, o: &Outcome, cell: &mut dyn FnMut(CellRef<'_>)) {
        cell(CellRef::Text(&o.record));
        cell(CellRef::Text(o.name.as_deref().unwrap_or_default()));
        if self.score {
            cell(CellRef::Number(o.score));
        }
        cell(CellRef::Text(o.grade.as_deref().unwrap_or_default()));
        cell(CellRef::Text(o.grade_label.as_deref().unwrap_or_default()));
        cell(CellRef::Flag(o.passed));
        cell(CellRef::Flag(Some(o.vetoed)));
        if self.money {
            cell(CellRef::Number(Some(o.money.yuan())));
        }
        if self.rank {
            cell(CellRef::Number(o.rank.map(|r| r as f64)));
        }
        cell(CellRef::Text(&o.actions.join("；")));
        if self.due {
            cell(CellRef::Text(o.due.as_deref().unwrap_or_default()));
        }
        if self.checks {
            let labels: Vec<&str> = o
                .failed
                .iter()
                .map(|id| e.policy.criteria.get(&**id).map_or(&**id, String::as_str))
                .collect();
            cell(CellRef::Text(&labels.join("、")));
        }
        if self.problems {
            let all: Vec<&str> = o
                .rules
                .iter()
                .flat_map(|r| &r.problems)
                .map(String::as_str)
                .collect();
            cell(CellRef::Text(&all.join("；")));
        }
        for i in 0..self.extra.len() {
            cell(CellRef::Text(o.extra.get(i).map_or("", String::as_str)));
        }
    }
}

/// The standard an evaluation applied, named with its dates.
pub(crate) fn standard_line(p: &PolicyInfo) -> String {
    super::standard_line(&p.name, &p.id, &p.version, &p.effective, p.as_of.as_deref())
}

/// How each grade label of these policies stands; the first policy to name a label decides, so
/// a label is one colour throughout a report. A policy where no grade passes has no failing
/// grades either (its grades are tiers, not verdicts), only its veto grades.
pub(crate) fn standings<'a>(
    policies: impl IntoIterator<Item = &'a PolicyInfo>,
) -> Vec<(String, Standing)> {
    let mut out: Vec<(String, Standing)> = Vec::new();
    for p in policies {
        for (id, label) in &p.grades {
            let standing = if p.veto_grades.contains(id) {
                Standing::Veto
            } else if p.passing.contains(id) {
                Standing::Pass
            } else if !p.passing.is_empty() {
                Standing::Fail
            } else {
                continue;
            };
            if !out.iter().any(|(l, _)| l == label) {
                out.push((label.clone(), standing));
            }
        }
    }
    out
}

/// An item of the money breakdown as staff read it: a grade's money by the grade's label
/// (`grade:candidate` is 市级示范点创建对象), a rule's by its id.
pub(crate) fn money_item<'a>(p: &'a PolicyInfo, key: &'a str) -> &'a str {
    key.strip_prefix("grade:")
        .and_then(|id| p.grades.get(id))
        .map_or(key, String::as_str)
}

/// Facts, the grade distribution and warnings of one summary.
pub(crate) fn summary_section(heading: &str, p: &PolicyInfo, s: &Summary) -> Section {
    let mut facts = vec![
        ("records 记录".to_owned(), s.records.to_string()),
        ("errors 错误".to_owned(), s.errors.to_string()),
    ];
    if let Some(rate) = s.pass_rate {
        facts.push(("pass rate 达标率".into(), percent(rate)));
    }
    if s.vetoed > 0 {
        facts.push(("vetoed 一票否决".into(), s.vetoed.to_string()));
    }
    if !s.money_total.is_zero() || s.budget.is_some() {
        let mut money = format!("{} yuan", s.money_total);
        let items: Vec<String> = s
            .money_by_item
            .iter()
            .map(|(k, v)| format!("{} {v}", money_item(p, k)))
            .collect();
        if !items.is_empty() {
            money.push_str(&format!(" ({})", items.join(", ")));
        }
        facts.push(("money 金额".into(), money));
    }
    if let Some(b) = &s.budget {
        facts.push((
            format!("budget 预算 {}", b.label),
            format!("{} used of {}, {} remaining", b.used, b.amount, b.remaining),
        ));
    }
    let mut section = Section::new(heading).with(Block::Facts(facts));
    if !s.by_grade.is_empty() {
        section = section.with(Block::Bars(Bars {
            title: format!("等次分布 grades: {}", p.name),
            bars: s
                .by_grade
                .iter()
                .map(|(g, n)| {
                    (
                        p.grades.get(g).cloned().unwrap_or_else(|| g.clone()),
                        *n as f64,
                    )
                })
                .collect(),
        }));
    }
    if !s.warnings.is_empty() {
        section = section.with(Block::Lines(
            s.warnings.iter().map(|w| format!("warning: {w}")).collect(),
        ));
    }
    section
}

pub(crate) fn groups_table(p: &PolicyInfo, g: &Grouping) -> Table {
    let mut columns = vec![
        Column::new("group", g.label.clone(), Kind::Text),
        Column::new("records", "记录 records", Kind::Number),
    ];
    for (id, label) in &p.grades {
        columns.push(Column::new(id.clone(), label.clone(), Kind::Number));
    }
    columns.push(Column::new("pass_rate", "达标率 pass", Kind::Percent));
    let pays = g.groups.iter().any(|x| !x.summary.money_total.is_zero());
    if pays {
        columns.push(Column::new("money", "金额 money", Kind::Money));
    }
    columns.push(Column::new("errors", "错误 errors", Kind::Number));
    let mut t = Table::new(columns);
    for group in &g.groups {
        let s = &group.summary;
        let mut row = vec![
            Cell::text(group.key.clone()),
            Cell::Number(s.records as f64),
        ];
        for id in p.grades.keys() {
            row.push(Cell::Number(s.by_grade.get(id).copied().unwrap_or(0) as f64));
        }
        row.push(Cell::opt_number(s.pass_rate));
        if pays {
            row.push(Cell::Number(s.money_total.yuan()));
        }
        row.push(Cell::Number(s.errors as f64));
        t.push(row);
    }
    t
}

pub(crate) fn errors_table(errors: &[crate::ledger::RecordError]) -> Table {
    let mut t = Table::new(vec![
        Column::new("row", "行 row", Kind::Number),
        Column::new("record", "编号 record", Kind::Text),
        Column::new("where", "字段/规则 field/rule", Kind::Text),
        Column::new("message", "问题 problem", Kind::Text),
    ]);
    for e in errors {
        let place = e
            .rule
            .as_ref()
            .map(|r| format!("rule {r}"))
            .or_else(|| e.field.as_ref().map(|f| format!("field {f}")))
            .unwrap_or_default();
        t.push(vec![
            Cell::Number(e.row as f64),
            Cell::text(e.record.clone().unwrap_or_default()),
            Cell::text(place),
            Cell::text(e.message.clone()),
        ]);
    }
    t
}
