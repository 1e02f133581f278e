//! Tests that policy staff write: YAML cases beside a pack (`tests/*.yaml`), outcome snapshots
//! of whole ledgers (`snapshots/*.yaml`), and which rules, criteria and bands they exercise.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::compile::CompiledPolicy;
use crate::diagnostic::{Diagnostic, Location, did_you_mean};
use crate::evaluate::Outcome;
use crate::ledger::Ledger;
use crate::load::{Loader, location, yaml_error};
use crate::schema::FieldType;
use crate::value::Value;

/// A file of test cases beside a pack (`tests/*.yaml`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// Fields every case's record starts from (a case's own `record` overrides them).
    #[serde(default)]
    defaults: IndexMap<String, serde_json::Value>,
    cases: Vec<RawCase>,
}

/// One case: a record and the outcome parts it must get.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawCase {
    /// What the case shows, in words (reported with a failure).
    #[schemars(with = "String")]
    name: Spanned<String>,
    /// The record's id (default: `case-N`).
    #[serde(default)]
    id: Option<String>,
    /// The fields that matter, by id or Chinese label; the others take their defaults.
    #[serde(default)]
    record: IndexMap<String, serde_json::Value>,
    expect: Expect,
}

/// The parts of an outcome a case expects; parts left out are not checked.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The grade, by id or by its Chinese label (`none` when the record gets no grade).
    #[serde(default)]
    pub grade: Option<String>,
    /// The score, compared in full (not as rounded for display).
    #[serde(default)]
    pub score: Option<f64>,
    /// Whether a veto fired.
    #[serde(default)]
    pub vetoed: Option<bool>,
    /// The money paid to the record, in yuan.
    #[serde(default)]
    pub money: Option<f64>,
    /// Whether the record's grade counts as passing.
    #[serde(default)]
    pub passed: Option<bool>,
    /// The failed criteria, as `checklist.criterion`, in order.
    #[serde(default)]
    pub failed: Option<Vec<String>>,
    /// Single rules' results, by rule id: only the parts given are checked.
    #[serde(default)]
    pub rules: IndexMap<String, ExpectRule>,
}

/// What a case expects of one rule's result; parts left out are not checked.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectRule {
    /// What the rule computed: the expression's number, the count of criteria met, the amount paid.
    #[serde(default)]
    pub value: Option<f64>,
    /// What the rule added to the score, after its caps (negative for deductions).
    #[serde(default)]
    pub points: Option<f64>,
    /// Whether a checklist passed, a veto fired, a money rule paid.
    #[serde(default)]
    pub passed: Option<bool>,
}

/// A case that did not get what it expected.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The case's file and line.
    pub location: Location,
    /// The case's `name`, as written.
    pub case: String,
    /// One line per mismatch: `grade: expected recommended, got qualified`.
    pub problems: Vec<String>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FAIL {}: {}", self.location, self.case)?;
        for p in &self.problems {
            write!(f, "\n     {p}")?;
        }
        Ok(())
    }
}

/// What running a pack's cases found.
#[derive(Debug, Default)]
pub struct CaseRun {
    /// How many cases got everything they expected.
    pub passed: usize,
    /// The cases that did not, in the order run.
    pub failures: Vec<Failure>,
    /// Case files that could not be read or are malformed.
    pub errors: Vec<Diagnostic>,
    /// Every case's outcome, for coverage.
    pub outcomes: Vec<Outcome>,
}

/// The `.yaml` and `.yml` files directly in `dir`, sorted (none when it does not exist).
pub fn yaml_files(loader: &dyn Loader, dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["yaml", "yml"]
        .iter()
        .flat_map(|ext| loader.list(dir, ext).unwrap_or_default())
        .collect();
    files.sort();
    files
}

/// Runs every case in `<pack>/tests/*.yaml` (or `.yml`).
pub fn run_cases(loader: &dyn Loader, compiled: &CompiledPolicy, pack_dir: &Path) -> CaseRun {
    let mut run = CaseRun::default();
    let files = yaml_files(loader, &pack_dir.join("tests"));
    for path in files {
        let name = path.display().to_string();
        let text = match loader.read(&path) {
            Ok(t) => t,
            Err(e) => {
                run.errors.push(Diagnostic::error(
                    "test",
                    format!("cannot read {name}: {e}"),
                    Location::file_only(&name),
                ));
                continue;
            }
        };
        let file: CaseFile = match serde_saphyr::from_str(&text) {
            Ok(f) => f,
            Err(e) => {
                run.errors.push(yaml_error(&e, &name, &text));
                continue;
            }
        };
        let CaseFile { defaults, cases } = file;
        for (i, case) in cases.into_iter().enumerate() {
            let loc = location(&name, &case.name.referenced);
            match run_case(compiled, &defaults, case, i) {
                Ok((outcome, problems)) => {
                    if problems.is_empty() {
                        run.passed += 1;
                    } else {
                        run.failures.push(Failure {
                            location: loc,
                            case: outcome.1,
                            problems,
                        });
                    }
                    run.outcomes.push(outcome.0);
                }
                Err((case_name, problems)) => run.failures.push(Failure {
                    location: loc,
                    case: case_name,
                    problems,
                }),
            }
        }
    }
    run
}

type CaseResult = Result<((Outcome, String), Vec<String>), (String, Vec<String>)>;

fn run_case(
    compiled: &CompiledPolicy,
    defaults: &IndexMap<String, serde_json::Value>,
    case: RawCase,
    index: usize,
) -> CaseResult {
    let policy = &compiled.policy;
    let schema = &policy.schema;
    let name = case.name.value;
    let mut problems = Vec::new();
    // The record by field id: left-out fields take the schema's default (or their type's zero),
    // then the file's defaults, then the case's own values.
    let mut row: IndexMap<String, serde_json::Value> = policy
        .fields
        .iter()
        .map(|f| (f.clone(), default_json(&schema.fields[f])))
        .collect();
    for (key, value) in defaults.iter().chain(&case.record) {
        match schema.field_for_header(key) {
            Some(i) => {
                row.insert(schema.fields[i].id.clone(), value.clone());
            }
            None => {
                let names = schema
                    .fields
                    .values()
                    .flat_map(|f| [f.id.as_str(), f.label.as_str()]);
                let hint = did_you_mean(key, names)
                    .map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
                problems.push(format!(
                    "record: `{key}` is not a field of the {} schema{hint}",
                    schema.subject
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err((name, problems));
    }
    row.insert(
        schema.id_field.clone(),
        serde_json::Value::String(case.id.unwrap_or_else(|| format!("case-{}", index + 1))),
    );
    let ledger = Ledger::from_objects(vec![row], "case", schema)
        .map_err(|e| (name.clone(), vec![e.to_string()]))?;
    let evaluation = compiled.evaluate_ledger(&ledger);
    let Some(outcome) = evaluation.outcomes.into_iter().next() else {
        return Err((
            name,
            evaluation
                .errors
                .iter()
                .map(|e| format!("cannot evaluate: {}", e.message))
                .collect(),
        ));
    };
    let e = &case.expect;
    let mut check = |what: &str, expected: Option<String>, actual: String| {
        if let Some(expected) = expected
            && expected != actual
        {
            problems.push(format!("{what}: expected {expected}, got {actual}"));
        }
    };
    // Numbers compare in full, not as rounded for display.
    let n = |x: Option<f64>| x.map_or("none".to_owned(), crate::number::format_exact);
    // A case may name the grade by its label (优先推荐) as staff do, or by its id.
    let expected_grade = e.grade.as_ref().map(|g| {
        policy
            .grades
            .iter()
            .find(|(_, def)| def.label == *g)
            .map_or_else(|| g.clone(), |(id, _)| id.clone())
    });
    check(
        "grade",
        expected_grade,
        outcome.grade.as_deref().unwrap_or("none").to_owned(),
    );
    check("score", e.score.map(|s| n(Some(s))), n(outcome.score));
    check(
        "vetoed",
        e.vetoed.map(|v| v.to_string()),
        outcome.vetoed.to_string(),
    );
    check(
        "money",
        e.money.map(|m| n(Some(m))),
        n(Some(outcome.money.yuan())),
    );
    check(
        "passed",
        e.passed.map(|p| p.to_string()),
        outcome.passed.map_or("none".into(), |p| p.to_string()),
    );
    check(
        "failed",
        e.failed.as_ref().map(|f| f.join(", ")),
        outcome
            .failed
            .iter()
            .map(|f| &**f)
            .collect::<Vec<_>>()
            .join(", "),
    );
    let mut unknown_rules = Vec::new();
    for (rule, expected) in &e.rules {
        let Some(actual) = outcome.rules.iter().find(|r| &*r.id == rule) else {
            let hint = did_you_mean(rule, policy.rules.iter().map(|r| r.id.as_str()))
                .map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
            unknown_rules.push(format!("rules: the policy has no rule `{rule}`{hint}"));
            continue;
        };
        check(
            &format!("rule {rule} value"),
            expected.value.map(|v| n(Some(v))),
            n(actual.value),
        );
        check(
            &format!("rule {rule} points"),
            expected.points.map(|v| n(Some(v))),
            n(actual.points),
        );
        check(
            &format!("rule {rule} passed"),
            expected.passed.map(|p| p.to_string()),
            actual.passed.map_or("none".into(), |p| p.to_string()),
        );
    }
    problems.extend(unknown_rules);
    Ok(((outcome, name), problems))
}

/// The value a case's left-out field takes: the schema's default, else the zero of its type.
fn default_json(def: &crate::schema::FieldDef) -> serde_json::Value {
    use serde_json::Value as J;
    match (&def.default, &def.ty) {
        (Some(Value::Int(i)), _) => J::from(*i),
        (Some(Value::Decimal(d)), _) => J::from(*d),
        (Some(Value::Bool(b)), _) => J::from(*b),
        (Some(Value::Str(s)), _) => J::from(s.clone()),
        (None, FieldType::Int) => J::from(0),
        (None, FieldType::Decimal) => J::from(0.0),
        (None, FieldType::Bool) => J::from(false),
        (None, FieldType::Enum(values)) => {
            J::from(values.keys().next().cloned().unwrap_or_default())
        }
        (None, FieldType::Date) => J::from("2000-01-01"),
        (None, FieldType::String) => J::from(""),
    }
}

/// One record's outcome as a snapshot keeps it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotRow {
    /// The record's id.
    pub record: String,
    /// The grade's id; `None` when the record got no grade.
    pub grade: Option<String>,
    /// The score; `None` when the pack computes none.
    pub score: Option<f64>,
    /// The money paid to the record, in yuan.
    pub money: f64,
    /// Whether a veto fired.
    pub vetoed: bool,
}

impl SnapshotRow {
    /// The parts of `o` a snapshot keeps.
    pub fn of(o: &Outcome) -> SnapshotRow {
        SnapshotRow {
            record: o.record.clone(),
            grade: o.grade.as_deref().map(str::to_owned),
            score: o.score,
            money: o.money.yuan(),
            vetoed: o.vetoed,
        }
    }
}

/// A stored snapshot: a ledger's outcomes under a pack.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// The ledger, relative to the pack's directory.
    pub records: String,
    /// Each record's outcome, in the ledger's order.
    pub outcomes: Vec<SnapshotRow>,
    /// The group rules' results (a lead per grid, a cohort's counts).
    #[serde(default)]
    pub groups: Vec<SnapshotGroup>,
}

/// One group's result under one group rule, as a snapshot keeps it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotGroup {
    /// The group rule's id.
    pub rule: String,
    /// The group's value of the rule's `by` field ([`crate::evaluate::ALL_RECORDS`] without `by`).
    pub group: String,
    /// A lead rule's lead; `None` when no record qualified.
    #[serde(default)]
    pub lead: Option<String>,
    /// A lead rule's paired records.
    #[serde(default)]
    pub paired: Vec<String>,
    /// A rate rule's count of records it selects.
    #[serde(default)]
    pub count: Option<usize>,
    /// A rate rule's count of records the rate is out of.
    #[serde(default)]
    pub of: Option<usize>,
    /// A quota's demoted records (present for quotas only).
    #[serde(default)]
    pub demoted: Option<Vec<String>>,
    /// A quota's records tied at its cut, left ungraded.
    #[serde(default)]
    pub tied: Vec<String>,
}

impl SnapshotGroup {
    /// Every group of every group rule of an evaluation.
    pub fn all(evaluation: &crate::Evaluation) -> Vec<SnapshotGroup> {
        evaluation
            .group_rules
            .iter()
            .flat_map(|rule| {
                rule.groups.iter().map(|g| SnapshotGroup {
                    rule: rule.id.clone(),
                    group: g.group.clone(),
                    lead: g.lead.as_ref().map(|m| m.record.clone()),
                    paired: g.paired.iter().map(|m| m.record.clone()).collect(),
                    count: g.count,
                    of: g.of,
                    demoted: (rule.kind == "quota")
                        .then(|| g.demoted.iter().map(|m| m.record.clone()).collect()),
                    tied: g.tied.iter().map(|m| m.record.clone()).collect(),
                })
            })
            .collect()
    }

    fn describe(&self) -> String {
        if let Some(demoted) = &self.demoted {
            return format!(
                "demoted [{}], tied [{}]",
                demoted.join(", "),
                self.tied.join(", ")
            );
        }
        match (self.count, self.of) {
            (Some(count), Some(of)) => format!("{count} of {of}"),
            _ => format!(
                "lead {}, paired [{}]",
                self.lead.as_deref().unwrap_or("-"),
                self.paired.join(", ")
            ),
        }
    }
}

/// Groups whose snapshotted result differs from `now`, in words.
pub fn group_changes(stored: &[SnapshotGroup], now: &[SnapshotGroup]) -> Vec<String> {
    let key = |g: &SnapshotGroup| (g.rule.clone(), g.group.clone());
    let old: IndexMap<_, &SnapshotGroup> = stored.iter().map(|g| (key(g), g)).collect();
    let new: IndexMap<_, &SnapshotGroup> = now.iter().map(|g| (key(g), g)).collect();
    let side = |g: Option<&&SnapshotGroup>| g.map_or("(absent)".to_owned(), |g| g.describe());
    old.keys()
        .chain(new.keys().filter(|k| !old.contains_key(*k)))
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| {
            format!(
                "{} {}: {} → {}",
                k.0,
                k.1,
                side(old.get(k)),
                side(new.get(k))
            )
        })
        .collect()
}

impl Snapshot {
    /// The snapshot as reviewable YAML: one line per record.
    pub fn to_yaml(&self, policy_id: &str) -> String {
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let n = |x: Option<f64>| x.map_or("null".to_owned(), crate::number::format_exact);
        let mut out = format!(
            "# Outcomes of {} under {policy_id}, made by `liangxin snapshot`.\n# `liangxin test` shows which records a change to the pack moves; `--accept` updates this file.\nrecords: {}\noutcomes:{}\n",
            self.records,
            q(&self.records),
            // An empty ledger's snapshot must still read back as a list.
            if self.outcomes.is_empty() { " []" } else { "" }
        );
        for r in &self.outcomes {
            out.push_str(&format!(
                "  - {{ record: {}, grade: {}, score: {}, money: {}, vetoed: {} }}\n",
                q(&r.record),
                r.grade.as_deref().map_or("null".to_owned(), q),
                n(r.score),
                n(Some(r.money)),
                r.vetoed
            ));
        }
        if !self.groups.is_empty() {
            out.push_str("groups:\n");
        }
        for g in &self.groups {
            let list = |xs: &[String]| xs.iter().map(|p| q(p)).collect::<Vec<_>>().join(", ");
            let detail = match (g.count, g.of, &g.demoted) {
                (_, _, Some(demoted)) => {
                    format!("demoted: [{}], tied: [{}]", list(demoted), list(&g.tied))
                }
                (Some(count), Some(of), None) => format!("count: {count}, of: {of}"),
                _ => format!(
                    "lead: {}, paired: [{}]",
                    g.lead.as_deref().map_or("null".to_owned(), q),
                    g.paired.iter().map(|p| q(p)).collect::<Vec<_>>().join(", ")
                ),
            };
            out.push_str(&format!(
                "  - {{ rule: {}, group: {}, {detail} }}\n",
                q(&g.rule),
                q(&g.group)
            ));
        }
        out
    }

    /// The ledger's path, from the pack's directory.
    pub fn ledger_path(&self, pack_dir: &Path) -> PathBuf {
        crate::load::normalize(&pack_dir.join(&self.records))
    }
}

/// How a snapshotted record changed.
#[derive(Debug, Clone)]
pub struct SnapshotChange {
    /// The record's id.
    pub record: String,
    /// Its outcome as stored; `None` when the record is new.
    pub before: Option<SnapshotRow>,
    /// Its outcome now; `None` when the record is gone.
    pub after: Option<SnapshotRow>,
}

impl std::fmt::Display for SnapshotChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let side = |r: &Option<SnapshotRow>| match r {
            None => "(absent)".to_owned(),
            Some(r) => format!(
                "{} score {} money {}{}",
                r.grade.as_deref().unwrap_or("-"),
                r.score.map_or("-".into(), crate::number::format),
                crate::number::format(r.money),
                if r.vetoed { " vetoed" } else { "" }
            ),
        };
        write!(
            f,
            "{}: {} → {}",
            self.record,
            side(&self.before),
            side(&self.after)
        )
    }
}

/// Records whose snapshotted outcome differs from `now`.
pub fn snapshot_changes(stored: &Snapshot, now: &[SnapshotRow]) -> Vec<SnapshotChange> {
    let mut changes = Vec::new();
    let old: IndexMap<&str, &SnapshotRow> = stored
        .outcomes
        .iter()
        .map(|r| (r.record.as_str(), r))
        .collect();
    let new: IndexMap<&str, &SnapshotRow> = now.iter().map(|r| (r.record.as_str(), r)).collect();
    for (id, before) in &old {
        match new.get(id) {
            Some(after) if after == before => {}
            after => changes.push(SnapshotChange {
                record: (*id).to_owned(),
                before: Some((*before).clone()),
                after: after.map(|a| (*a).clone()),
            }),
        }
    }
    for (id, after) in &new {
        if !old.contains_key(id) {
            changes.push(SnapshotChange {
                record: (*id).to_owned(),
                before: None,
                after: Some((*after).clone()),
            });
        }
    }
    changes
}

/// Rules, criteria and bands that no outcome exercises: a band never matched, a veto never
/// fired, a criterion never failed, a points rule never non-zero, a money rule never paid.
pub fn uncovered(compiled: &CompiledPolicy, outcomes: &[Outcome]) -> Vec<String> {
    let policy = &compiled.policy;
    let mut gaps = Vec::new();
    for (i, rule) in policy.rules.iter().enumerate() {
        // Each kind says what of it the outcomes never exercised.
        let results: Vec<&crate::evaluate::RuleResult> =
            outcomes.iter().filter_map(|o| o.rules.get(i)).collect();
        gaps.extend(rule.kind.uncovered(rule, &results));
    }
    for rule in &policy.group_rules {
        match &rule.kind {
            crate::policy::GroupKind::Quota { .. } => {
                let demotes = outcomes
                    .iter()
                    .flat_map(|o| &o.quotas)
                    .any(|q| q.demoted && *q.rule == *rule.id);
                if !demotes {
                    gaps.push(format!("quota `{}` {} never demotes", rule.id, rule.label));
                }
            }
            crate::policy::GroupKind::Lead { .. } | crate::policy::GroupKind::Rate { .. } => {}
        }
    }
    if let Some(bands) = &policy.bands {
        for (i, b) in bands.bands.iter().enumerate() {
            if !outcomes
                .iter()
                .any(|o| o.band_index == Some(i) && !o.vetoed)
            {
                gaps.push(format!(
                    "band {} (grade `{}`) is never matched",
                    i + 1,
                    b.grade
                ));
            }
        }
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(group: &str, lead: &str, paired: &[&str]) -> SnapshotGroup {
        SnapshotGroup {
            rule: "grid".into(),
            group: group.into(),
            lead: Some(lead.into()),
            paired: paired.iter().map(|p| (*p).to_owned()).collect(),
            count: None,
            of: None,
            demoted: None,
            tied: vec![],
        }
    }

    #[test]
    fn a_moved_lead_and_a_changed_count_are_shown_and_nothing_else() {
        let before = [
            lead("电子行业", "A", &["C"]),
            lead("机械制造", "D", &[]),
            SnapshotGroup {
                rule: "young".into(),
                group: "全部".into(),
                lead: None,
                paired: vec![],
                count: Some(188),
                of: Some(300),
                demoted: None,
                tied: vec![],
            },
            SnapshotGroup {
                rule: "quota".into(),
                group: "东城".into(),
                lead: None,
                paired: vec![],
                count: None,
                of: None,
                demoted: Some(vec!["E3".into()]),
                tied: vec![],
            },
        ];
        let mut after = before.clone();
        after[0] = lead("电子行业", "B", &["A", "C"]);
        after[2].count = Some(187);
        after[3].demoted = Some(vec![]);
        after[3].tied = vec!["E2".into(), "E3".into()];
        assert_eq!(
            group_changes(&before, &after),
            [
                "grid 电子行业: lead A, paired [C] → lead B, paired [A, C]",
                "young 全部: 188 of 300 → 187 of 300",
                "quota 东城: demoted [E3], tied [] → demoted [], tied [E2, E3]",
            ]
        );
        assert!(group_changes(&before, &before).is_empty());
        // A group that appears or disappears is a change too.
        assert_eq!(
            group_changes(&before[..1], &[]),
            ["grid 电子行业: lead A, paired [C] → (absent)"]
        );
    }

    #[test]
    fn snapshots_with_groups_read_back_what_they_wrote() {
        let snapshot = Snapshot {
            records: "../../fixtures/x.csv".into(),
            outcomes: vec![],
            groups: vec![lead("家具日化", "LWO1", &["LWO2", "LWO3"])],
        };
        let read: Snapshot = serde_saphyr::from_str(&snapshot.to_yaml("p")).unwrap();
        assert_eq!(read.groups, snapshot.groups);
    }
}
