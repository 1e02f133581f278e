//! The reports of `liangxin compare`: the same records under several policies, and the
//! standards themselves side by side.

use serde_json::json;

use super::doc::{Bars, Block, Cell, Column, Document, Kind, Section, Table};
use super::eval::errors_table;
use crate::compare::{Comparison, Coverage, LeftOut};
use crate::evaluate::{Evaluation, Grouping};
use crate::number::percent;
use crate::policy::Policy;

/// What `compare` with records reports.
pub struct CompareReport<'a> {
    /// The evaluations aligned by record ([`crate::compare::compare`]).
    pub comparison: &'a Comparison,
    /// One per policy, in the comparison's order.
    pub evaluations: &'a [Evaluation],
    /// One per policy, with `--group-by`.
    pub groupings: Option<&'a [Grouping]>,
    /// The packs left out because the ledger lacks columns they read.
    pub left_out: &'a [LeftOut],
}

impl CompareReport<'_> {
    /// The JSON `compare --format json` prints.
    pub fn json(&self) -> serde_json::Value {
        let c = self.comparison;
        let e = self.evaluations;
        let records: Vec<serde_json::Value> = c
            .rows
            .iter()
            .map(|row| {
                let results: serde_json::Map<String, serde_json::Value> = c
                    .keys
                    .iter()
                    .zip(&row.outcomes)
                    .zip(e)
                    .map(|((key, o), ev)| {
                        let value = o.map_or(serde_json::Value::Null, |i| {
                            let o = &ev.outcomes[i];
                            json!({ "grade": o.grade, "grade_label": o.grade_label, "score": o.score, "money": o.money, "passed": o.passed, "vetoed": o.vetoed })
                        });
                        (key.clone(), value)
                    })
                    .collect();
                json!({ "record": row.record, "name": row.name, "results": results })
            })
            .collect();
        let by_key = |f: &dyn Fn(&Evaluation) -> serde_json::Value| -> serde_json::Map<String, serde_json::Value> { c.keys.iter().zip(e).map(|(k, ev)| (k.clone(), f(ev))).collect() };
        let mut value = json!({
            "policies": e.iter().map(|ev| &ev.policy).collect::<Vec<_>>(),
            "keys": c.keys,
            "summaries": by_key(&|ev| json!(ev.summary)),
            "records": records,
            "errors": by_key(&|ev| json!(ev.errors)),
            "agreement": c.agreement,
        });
        if !self.left_out.is_empty() {
            value["left_out"] = json!(self.left_out);
        }
        if let Some(groupings) = self.groupings {
            value["groups"] = json!(
                c.keys
                    .iter()
                    .zip(groupings)
                    .map(|(k, g)| (k.clone(), json!(g)))
                    .collect::<serde_json::Map<_, _>>()
            );
        }
        value
    }

    /// The report as a document, for every format but JSON (see [`super::render`]).
    pub fn document(&self) -> Document {
        let c = self.comparison;
        let e = self.evaluations;
        let legend: Vec<(String, String)> = c
            .keys
            .iter()
            .zip(e)
            .enumerate()
            .map(|(i, (k, ev))| {
                (
                    letter(i),
                    format!("{k}: {} ({})", ev.policy.name, ev.policy.region),
                )
            })
            .collect();
        let mut sections = vec![Section::new("标准 policies").with(Block::Facts(legend))];
        if !self.left_out.is_empty() {
            sections.push(
                Section::new("未比较 left out").with(Block::Lines(
                    self.left_out
                        .iter()
                        .map(|l| {
                            format!(
                                "{}: 台账缺少其读取的列 the ledger lacks the columns it reads: {}",
                                l.policy,
                                l.missing_columns.join(", ")
                            )
                        })
                        .collect(),
                )),
            );
        }
        sections.push(self.summaries());
        if let Some(groupings) = self.groupings {
            sections.push(self.groups(groupings));
        }
        sections.push(Section::new("逐条记录 records").with(Block::Records(self.records())));
        for a in &c.agreement {
            let (ia, ib) = (position(c, &a.a), position(c, &a.b));
            let mut facts = vec![("records in both 共同记录".to_owned(), a.both.to_string())];
            if a.both == 0 {
                // No record was graded by both: a table of zeros would read as an agreement.
                sections.push(
                    Section::new(format!(
                        "一致性 agreement: {} vs {}",
                        letter(ia),
                        letter(ib)
                    ))
                    .with(Block::Facts(facts))
                    .with(Block::Lines(vec![
                        "没有两者都评定的记录 no record was graded under both".into(),
                    ])),
                );
                continue;
            }
            if a.both > 0 {
                facts.push((
                    "same pass/fail 达标一致".into(),
                    format!(
                        "{} ({})",
                        a.same_pass,
                        percent(a.same_pass as f64 / a.both as f64)
                    ),
                ));
            }
            let mut crosstab = Table::new(vec![Column::new(
                "grade",
                format!("{} \\ {}", letter(ia), letter(ib)),
                Kind::Grade,
            )]);
            for gb in e[ib].policy.grades.keys() {
                crosstab.columns.push(Column::new(
                    gb.clone(),
                    e[ib].policy.grades[gb].clone(),
                    Kind::Number,
                ));
            }
            for (ga, row) in &a.crosstab {
                let mut cells = vec![Cell::text(
                    e[ia]
                        .policy
                        .grades
                        .get(ga)
                        .cloned()
                        .unwrap_or_else(|| ga.clone()),
                )];
                cells.extend(
                    e[ib]
                        .policy
                        .grades
                        .keys()
                        .map(|gb| Cell::Number(row.get(gb).copied().unwrap_or(0) as f64)),
                );
                crosstab.push(cells);
            }
            let mut section = Section::new(format!(
                "一致性 agreement: {} vs {}",
                letter(ia),
                letter(ib)
            ))
            .with(Block::Facts(facts))
            .with(Block::Table(crosstab));
            if !a.disagreements.is_empty() {
                let mut t = Table::new(vec![
                    Column::new("record", "编号 record", Kind::Text),
                    Column::new("a", letter(ia), Kind::Grade),
                    Column::new("b", letter(ib), Kind::Grade),
                    Column::new("distance", "差距 distance", Kind::Number),
                ]);
                for d in &a.disagreements {
                    t.push(vec![
                        Cell::text(d.record.clone()),
                        Cell::text(d.a.clone()),
                        Cell::text(d.b.clone()),
                        Cell::Number((d.distance * 100.0).round() / 100.0),
                    ]);
                }
                section.blocks.push(Block::Lines(vec![
                    "分歧最大的记录 records they disagree on most:".into(),
                ]));
                section.blocks.push(Block::Table(t));
            }
            sections.push(section);
        }
        for (key, ev) in c.keys.iter().zip(e) {
            if !ev.errors.is_empty() {
                sections.push(
                    Section::new(format!("错误 errors: {key}"))
                        .with(Block::Lines(vec![format!(
                            "{} record(s) {key} could not evaluate:",
                            ev.summary.errors
                        )]))
                        .with(Block::Table(errors_table(&ev.errors))),
                );
            }
        }
        Document {
            title: format!("对比 compare: {}", c.keys.join(" vs ")),
            standard: e
                .iter()
                .map(|ev| super::eval::standard_line(&ev.policy))
                .collect::<Vec<_>>()
                .join("；"),
            grades: super::eval::standings(e.iter().map(|ev| &ev.policy)),
            sections,
        }
    }

    /// The document for a workbook: [`document`](Self::document) plus, after the records, a
    /// section per policy with its outcomes as `eval` lists them, headed by that standard (a
    /// sheet per policy, which a side-by-side table is too wide to replace).
    pub fn workbook(&self) -> Document {
        let mut doc = self.document();
        let after_records = doc
            .sections
            .iter()
            .position(|s| s.blocks.iter().any(|b| matches!(b, Block::Records(_))))
            .map_or(doc.sections.len(), |i| i + 1);
        let per_policy = self
            .comparison
            .keys
            .iter()
            .zip(self.evaluations)
            .enumerate()
            .map(|(i, (key, ev))| {
                let mut section = Section::new(format!("{} {key}", letter(i)))
                    .with(Block::Table(super::eval::outcomes_table(ev)));
                section.standard = Some(super::eval::standard_line(&ev.policy));
                section
            });
        doc.sections
            .splice(after_records..after_records, per_policy);
        doc
    }

    fn summaries(&self) -> Section {
        let c = self.comparison;
        let e = self.evaluations;
        let mut columns = vec![Column::new("measure", "", Kind::Text)];
        columns.extend(
            c.keys
                .iter()
                .enumerate()
                .map(|(i, k)| Column::new(k.clone(), letter(i), Kind::Text)),
        );
        let mut t = Table::new(columns);
        let mut row = |label: &str, f: &dyn Fn(&Evaluation) -> String| {
            let mut cells = vec![Cell::text(label)];
            cells.extend(e.iter().map(|ev| Cell::text(f(ev))));
            t.push(cells);
        };
        row("标准 standard", &|ev| ev.policy.name.clone());
        row("记录 records", &|ev| ev.summary.records.to_string());
        row("达标率 pass rate", &|ev| {
            ev.summary.pass_rate.map_or("-".into(), percent)
        });
        row("金额 money", &|ev| ev.summary.money_total.to_string());
        // Beside the rate and the money, since neither counts these records: a pack that
        // refuses more records can look stricter or cheaper than it is.
        row("未能测评 not evaluated", &|ev| {
            ev.summary.errors.to_string()
        });
        if e.iter().any(|ev| !ev.summary.money_by_item.is_empty()) {
            row("金额明细 money by item", &|ev| {
                ev.summary
                    .money_by_item
                    .iter()
                    .map(|(k, v)| format!("{} {v}", super::eval::money_item(&ev.policy, k)))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        if e.iter().any(|ev| ev.summary.budget.is_some()) {
            row("预算 budget", &|ev| {
                ev.summary.budget.as_ref().map_or("-".into(), |b| {
                    format!(
                        "{} of {}{}",
                        b.used,
                        b.amount,
                        if b.over { " (over)" } else { "" }
                    )
                })
            });
        }
        row("等次 grades", &|ev| {
            let n = ev.summary.records.max(1) as f64;
            let parts: Vec<String> = ev
                .summary
                .by_grade
                .iter()
                .map(|(g, k)| {
                    format!(
                        "{} {k} ({})",
                        ev.policy.grades.get(g).unwrap_or(g),
                        percent(*k as f64 / n)
                    )
                })
                .collect();
            parts.join("\n")
        });
        let mut section = Section::new("各标准汇总 per policy").with(Block::Table(t));
        for (i, (key, ev)) in c.keys.iter().zip(e).enumerate() {
            section.blocks.push(Block::Bars(Bars {
                title: format!("等次分布 grades: {} {key}", letter(i)),
                bars: ev
                    .summary
                    .by_grade
                    .iter()
                    .map(|(g, n)| {
                        (
                            ev.policy
                                .grades
                                .get(g)
                                .cloned()
                                .unwrap_or_else(|| g.clone()),
                            *n as f64,
                        )
                    })
                    .collect(),
            }));
            section.blocks.extend(
                ev.summary
                    .warnings
                    .iter()
                    .map(|w| Block::Lines(vec![format!("warning ({key}): {w}")])),
            );
        }
        section
    }

    fn records(&self) -> Table {
        let c = self.comparison;
        let e = self.evaluations;
        let scores: Vec<bool> = e
            .iter()
            .map(|ev| ev.outcomes.iter().any(|o| o.score.is_some()))
            .collect();
        let pays: Vec<bool> = (0..e.len()).map(|i| self.pays(i)).collect();
        let mut columns = vec![
            Column::new("record", "编号 record", Kind::Text),
            Column::new("name", "名称 name", Kind::Text),
        ];
        for (i, key) in c.keys.iter().enumerate() {
            let l = letter(i);
            columns.push(Column::new(
                format!("{key}.grade_label"),
                format!("{l} 等次"),
                Kind::Grade,
            ));
            if scores[i] {
                columns.push(Column::new(
                    format!("{key}.score"),
                    format!("{l} 得分"),
                    Kind::Number,
                ));
            }
            if pays[i] {
                columns.push(Column::new(
                    format!("{key}.money"),
                    format!("{l} 金额"),
                    Kind::Money,
                ));
            }
        }
        let mut t = Table::new(columns);
        for row in &c.rows {
            let mut cells = vec![
                Cell::text(row.record.clone()),
                Cell::text(row.name.clone().unwrap_or_default()),
            ];
            for (i, o) in row.outcomes.iter().enumerate() {
                let o = o.map(|k| &e[i].outcomes[k]);
                cells.push(Cell::text(o.map_or(super::diff::ERROR, |o| {
                    o.grade_label.as_deref().unwrap_or("-")
                })));
                if scores[i] {
                    cells.push(Cell::opt_number(o.and_then(|o| o.score)));
                }
                if pays[i] {
                    cells.push(Cell::opt_number(o.map(|o| o.money.yuan())));
                }
            }
            t.push(cells);
        }
        t
    }

    /// Whether the i-th policy pays money (so its money columns are worth showing).
    fn pays(&self, i: usize) -> bool {
        let s = &self.evaluations[i].summary;
        !s.money_total.is_zero() || s.budget.is_some()
    }

    fn groups(&self, groupings: &[Grouping]) -> Section {
        let c = self.comparison;
        let label = groupings.first().map_or(String::new(), |g| g.label.clone());
        let mut columns = vec![Column::new("group", label.clone(), Kind::Text)];
        for (i, key) in c.keys.iter().enumerate() {
            let l = letter(i);
            columns.push(Column::new(
                format!("{key}.records"),
                format!("{l} 记录"),
                Kind::Number,
            ));
            columns.push(Column::new(
                format!("{key}.pass_rate"),
                format!("{l} 达标率"),
                Kind::Percent,
            ));
            if self.pays(i) {
                columns.push(Column::new(
                    format!("{key}.money"),
                    format!("{l} 金额"),
                    Kind::Money,
                ));
            }
        }
        let mut keys: Vec<&str> = groupings
            .iter()
            .flat_map(|g| g.groups.iter().map(|x| x.key.as_str()))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let mut t = Table::new(columns);
        for k in keys {
            let mut cells = vec![Cell::text(k)];
            for (i, g) in groupings.iter().enumerate() {
                let s = g.groups.iter().find(|x| x.key == k).map(|x| &x.summary);
                cells.push(Cell::Number(s.map_or(0, |s| s.records) as f64));
                cells.push(Cell::opt_number(s.and_then(|s| s.pass_rate)));
                if self.pays(i) {
                    cells.push(Cell::Number(s.map_or(0.0, |s| s.money_total.yuan())));
                }
            }
            t.push(cells);
        }
        let field = groupings.first().map_or(String::new(), |g| g.field.clone());
        let mut section = Section::new(format!("按{label}分组 by {field}")).with(Block::Table(t));
        // Each policy's grade distribution per group.
        for (i, (g, ev)) in groupings.iter().zip(self.evaluations).enumerate() {
            section.blocks.push(Block::Lines(vec![format!(
                "{} {}: 等次 grades by {label}",
                letter(i),
                c.keys[i]
            )]));
            section
                .blocks
                .push(Block::Table(super::eval::groups_table(&ev.policy, g)));
        }
        section
    }
}

/// The short name of the i-th policy in column headers: A, B, C, ... (the legend says which).
fn letter(i: usize) -> String {
    let letters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    match letters.get(i) {
        Some(c) => (*c as char).to_string(),
        None => format!("P{}", i + 1),
    }
}

fn position(c: &Comparison, key: &str) -> usize {
    c.keys.iter().position(|k| k == key).unwrap_or(0)
}

/// What `compare` without records reports: the standards side by side by dimension.
pub struct CoverageReport<'a> {
    /// The policies, in the order given.
    pub policies: &'a [&'a Policy],
    /// Their [`coverage`](crate::compare::coverage).
    pub coverage: &'a Coverage,
}

impl CoverageReport<'_> {
    /// The JSON: each policy's meta and the coverage.
    pub fn json(&self) -> serde_json::Value {
        json!({
            "policies": self.policies.iter().map(|p| &p.meta).collect::<Vec<_>>(),
            "coverage": self.coverage,
        })
    }

    /// The document: [`coverage_document`], with each standard named with its version and dates.
    pub fn document(&self) -> Document {
        let names: Vec<String> = self
            .policies
            .iter()
            .map(|p| format!("{} ({})", p.meta.name, p.meta.region))
            .collect();
        let mut doc = coverage_document(self.coverage, &names);
        doc.standard = self
            .policies
            .iter()
            .map(|p| {
                let m = &p.meta;
                super::standard_line(&m.name, &m.id, &m.version, &m.effective, m.as_of.as_deref())
            })
            .collect::<Vec<_>>()
            .join("；");
        doc
    }
}

/// The document of `compare` without records: the standards side by side.
pub fn coverage_document(coverage: &Coverage, names: &[String]) -> Document {
    let mut columns = vec![Column::new("dimension", "维度 dimension", Kind::Text)];
    columns.extend(
        coverage
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| Column::new(k.clone(), letter(i), Kind::Text)),
    );
    let mut t = Table::new(columns);
    for d in &coverage.dimensions {
        let mut cells = vec![Cell::text(format!("{} {}", d.label, d.id))];
        cells.extend(d.items.iter().map(|items| {
            Cell::text(if items.is_empty() {
                "—".to_owned()
            } else {
                items.join("、")
            })
        }));
        t.push(cells);
    }
    let facts: Vec<(String, String)> = coverage
        .keys
        .iter()
        .zip(names)
        .enumerate()
        .map(|(i, (k, n))| (letter(i), format!("{k}: {n}")))
        .collect();
    let label = |id: &str| {
        coverage
            .dimensions
            .iter()
            .find(|d| d.id == id)
            .map_or(id.to_owned(), |d| d.label.clone())
    };
    let mut gaps = Vec::new();
    for g in &coverage.gaps {
        let list = |ids: &[String]| {
            if ids.is_empty() {
                "无".to_owned()
            } else {
                ids.iter().map(|i| label(i)).collect::<Vec<_>>().join("、")
            }
        };
        // In Chinese, as staff read it: what it lists are the dimensions' Chinese labels.
        let line = |has: &str, lacks: &str, only: &[String]| {
            format!("{has} 有而 {lacks} 没有的维度：{}", list(only))
        };
        gaps.push(line(&g.a, &g.b, &g.only_a));
        gaps.push(line(&g.b, &g.a, &g.only_b));
    }
    Document {
        title: format!("标准对比 standards: {}", coverage.keys.join(" vs ")),
        // The standards' names; a caller that has their dates may name them with those.
        standard: names.join("；"),
        grades: Vec::new(),
        sections: vec![
            Section::new("标准 standards").with(Block::Facts(facts)),
            Section::new("按维度 by dimension").with(Block::Records(t)),
            Section::new("差异 differences").with(Block::Lines(gaps)),
        ],
    }
}
