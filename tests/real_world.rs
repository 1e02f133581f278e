//! Issue 14's evidence: a corpus of small ledgers kept the way district staff keep them, each
//! with one real-world convention (fixtures/real-world/, made by fixtures/real_world.py; the
//! corpus is listed in docs/real-world.md). Every case is read through the library as `eval`
//! reads it and classified:
//!
//! - **right**: every record got the grade, score and money of the clean ledger it was made
//!   from, nothing else got an outcome, and the expected notes are there;
//! - **refused-located**: the refusal the case expects happened, naming what it must (a row, a
//!   cell, a column, a sheet), and no record was graded against it;
//! - **wrong**: a record got a grade, score or money other than the clean ledger's, a row that is
//!   not a record got an outcome, a record vanished without an error, or a refusal was expected
//!   and records were graded instead. This must never happen;
//! - **unmet**: not wrong, but not what the case expects either (refused where it should have
//!   been read, a note or a location missing).
//!
//! A case whose mechanism has not landed yet says `pending: "why"` in its case.yaml. The test
//! fails when a case that is not pending is wrong or unmet, and when a pending case passes (its
//! mark must then go). `cargo test --test main real_world -- --nocapture` prints the table; it
//! is also written to target/real-world.txt.
//!
//! The expected outcomes in each case.yaml come from evaluating clean baselines
//! (fixtures/real-world/_baselines/); `cargo test --test main real_world_baselines -- --ignored`
//! re-evaluates them into the JSON files the generator reads.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use liangxin::ledger::{ColumnChoice, ReadOptions};
use liangxin::{Evaluation, Ledger, Prepared};
use serde::Deserialize;

const CORPUS: &str = "fixtures/real-world";

/// One case.yaml.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// The one real-world convention the ledger has.
    convention: String,
    /// What liangxin should do with it, in words (for docs/real-world.md).
    #[allow(dead_code)]
    handling: String,
    /// Set where the issue leaves the behaviour open and the case expects the safe one.
    #[serde(default)]
    #[allow(dead_code)]
    safe: bool,
    /// A bundled pack's id or a pack's path.
    pack: String,
    /// The ledger file in the case's folder (default: the one file that is not case.yaml).
    #[serde(default)]
    ledger: Option<String>,
    #[serde(default)]
    sheet: Option<String>,
    #[serde(default)]
    header_row: Option<usize>,
    /// Column choices, `FIELD: COLUMN` (`--column FIELD=COLUMN`).
    #[serde(default)]
    columns: IndexMap<String, String>,
    /// Why the case cannot pass yet: the mechanism it needs has not landed.
    #[serde(default)]
    pending: Option<String>,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// The run stops: the ledger is refused (or every row is an error) and the error says these.
    #[serde(default)]
    refused: Option<Vec<String>>,
    /// Every record that must be graded, by id: its row, and its outcome.
    #[serde(default)]
    records: IndexMap<String, RecordExpect>,
    /// How many records are graded (default: as many as `records`).
    #[serde(default)]
    count: Option<usize>,
    /// Rows refused with an error located at them.
    #[serde(default)]
    errors: Vec<ErrorExpect>,
    /// Notes that must be there: each entry is a substring, or a list of alternatives.
    #[serde(default)]
    notes: Vec<OneOf>,
    /// The issue allows refusing instead: an expected record may be an error at its row (or the
    /// whole ledger may be refused) rather than read.
    #[serde(default)]
    may_refuse: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordExpect {
    row: usize,
    /// The grade's id or label.
    grade: String,
    #[serde(default)]
    score: Option<f64>,
    /// In yuan.
    #[serde(default)]
    money: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorExpect {
    row: usize,
    /// Substrings the error (as printed: `row N (record X), field `f`: message`) must contain.
    contains: OneOrMany,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn all(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A note expectation: one substring, or any of several.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOf {
    One(String),
    Any(Vec<String>),
}

impl OneOf {
    fn found_in(&self, notes: &[String]) -> bool {
        let alternatives = match self {
            OneOf::One(s) => vec![s.as_str()],
            OneOf::Any(v) => v.iter().map(String::as_str).collect(),
        };
        notes
            .iter()
            .any(|n| alternatives.iter().any(|a| n.contains(a)))
    }

    fn describe(&self) -> String {
        match self {
            OneOf::One(s) => format!("`{s}`"),
            OneOf::Any(v) => v
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(" or "),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Right,
    RefusedLocated,
    Wrong(Vec<String>),
    Unmet(Vec<String>),
}

impl Verdict {
    fn passes(&self) -> bool {
        matches!(self, Verdict::Right | Verdict::RefusedLocated)
    }

    fn name(&self) -> &'static str {
        match self {
            Verdict::Right => "right",
            Verdict::RefusedLocated => "refused-located",
            Verdict::Wrong(_) => "WRONG",
            Verdict::Unmet(_) => "unmet",
        }
    }

    fn reasons(&self) -> &[String] {
        match self {
            Verdict::Wrong(r) | Verdict::Unmet(r) => r,
            _ => &[],
        }
    }
}

/// The read options a case asks for (`columns` as `--column FIELD=COLUMN` gives them).
fn read_options(case: &Case) -> Result<ReadOptions, String> {
    Ok(ReadOptions {
        sheet: case.sheet.clone(),
        header_row: case.header_row,
        columns: case
            .columns
            .iter()
            .map(|(field, column)| ColumnChoice {
                field: field.clone(),
                column: column.clone(),
            })
            .collect(),
        ..Default::default()
    })
}

fn pack_path(pack: &str) -> PathBuf {
    if pack.contains('/') {
        PathBuf::from(pack)
    } else {
        Path::new("policies").join(pack)
    }
}

/// The ledger file of a case folder.
fn ledger_file(dir: &Path, case: &Case) -> PathBuf {
    if let Some(name) = &case.ledger {
        return dir.join(name);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "case.yaml"))
        .collect();
    assert_eq!(
        files.len(),
        1,
        "{}: one ledger file beside case.yaml, or `ledger:`",
        dir.display()
    );
    files.remove(0)
}

/// Reads and evaluates a case's ledger; a panic is caught and reported.
fn run(
    prepared: &Prepared,
    path: &Path,
    options: &ReadOptions,
) -> Result<Result<Evaluation, String>, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let schema = &prepared.policy.policy.schema;
        Ledger::read_with(path, schema, options)
            .map(|ledger| prepared.policy.evaluate_ledger(&ledger))
            .map_err(|e| e.to_string())
    }))
    .map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    })
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

fn classify(case: &Case, result: Result<Result<Evaluation, String>, String>) -> Verdict {
    let expect = &case.expect;
    let evaluation = match result {
        Err(panic) => return Verdict::Unmet(vec![format!("liangxin panicked: {panic}")]),
        Ok(Err(refusal)) => {
            return match &expect.refused {
                Some(needed) => {
                    let missing: Vec<&String> =
                        needed.iter().filter(|s| !refusal.contains(*s)).collect();
                    if missing.is_empty() {
                        Verdict::RefusedLocated
                    } else {
                        Verdict::Unmet(vec![format!(
                            "refused, but the message does not say {missing:?}: {refusal}"
                        )])
                    }
                }
                None if expect.may_refuse => Verdict::RefusedLocated,
                None => Verdict::Unmet(vec![format!("refused the ledger: {refusal}")]),
            };
        }
        Ok(Ok(evaluation)) => evaluation,
    };
    let errors: Vec<(usize, String)> = evaluation
        .errors
        .iter()
        .map(|e| (e.row, e.to_string()))
        .collect();

    if let Some(needed) = &expect.refused {
        if !evaluation.outcomes.is_empty() {
            let graded: Vec<String> = evaluation
                .outcomes
                .iter()
                .take(4)
                .map(|o| {
                    format!(
                        "{} {}",
                        o.record,
                        o.grade_label.as_deref().unwrap_or("(no grade)")
                    )
                })
                .collect();
            return Verdict::Wrong(vec![format!(
                "a refusal ({needed:?}) was expected, but {} record(s) were graded: {}{}",
                evaluation.outcomes.len(),
                graded.join(", "),
                if evaluation.outcomes.len() > 4 {
                    ", ..."
                } else {
                    ""
                }
            )]);
        }
        let all: String = errors
            .iter()
            .map(|(_, e)| e.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        let missing: Vec<&String> = needed.iter().filter(|s| !all.contains(*s)).collect();
        return if !errors.is_empty() && missing.is_empty() {
            Verdict::RefusedLocated
        } else {
            Verdict::Unmet(vec![format!(
                "no record was graded, but the errors do not say {missing:?}: {}",
                all.lines().take(3).collect::<Vec<_>>().join(" | ")
            )])
        };
    }

    let mut wrong = Vec::new();
    let mut unmet = Vec::new();
    let by_row: HashMap<usize, (&String, &RecordExpect)> = expect
        .records
        .iter()
        .map(|(id, r)| (r.row, (id, r)))
        .collect();
    let mut graded_rows = std::collections::HashSet::new();
    for o in &evaluation.outcomes {
        graded_rows.insert(o.row);
        let got_grade = o.grade.as_deref().unwrap_or("");
        let got_label = o.grade_label.as_deref().unwrap_or("");
        let Some((id, want)) = by_row.get(&o.row) else {
            wrong.push(format!(
                "row {} (`{}`) is not a record but was graded {} (score {:?}, money {})",
                o.row,
                o.record,
                if got_label.is_empty() {
                    "(none)"
                } else {
                    got_label
                },
                o.score,
                o.money.yuan()
            ));
            continue;
        };
        if want.grade != got_grade && want.grade != got_label {
            wrong.push(format!(
                "row {} ({id}): grade {got_label} ({got_grade}), expected {}",
                o.row, want.grade
            ));
        }
        if let Some(score) = want.score
            && !o.score.is_some_and(|s| same(s, score))
        {
            wrong.push(format!(
                "row {} ({id}): score {:?}, expected {score}",
                o.row, o.score
            ));
        }
        if let Some(money) = want.money
            && !same(o.money.yuan(), money)
        {
            wrong.push(format!(
                "row {} ({id}): money {}, expected {money}",
                o.row,
                o.money.yuan()
            ));
        }
        if o.record != **id {
            unmet.push(format!(
                "row {}: the id is read as `{}`, expected `{id}`",
                o.row,
                o.record.escape_debug()
            ));
        }
    }
    let mut refused_some = false;
    for (id, want) in &expect.records {
        if graded_rows.contains(&want.row) {
            continue;
        }
        match errors.iter().find(|(row, _)| *row == want.row) {
            Some(_) if expect.may_refuse => refused_some = true,
            Some((_, e)) => unmet.push(format!("row {} ({id}) was refused: {e}", want.row)),
            None => wrong.push(format!(
                "row {} ({id}) was neither graded nor refused: it vanished",
                want.row
            )),
        }
    }
    if let Some(count) = expect.count
        && count != evaluation.outcomes.len()
    {
        unmet.push(format!(
            "{} records graded, expected {count}",
            evaluation.outcomes.len()
        ));
    }
    for want in &expect.errors {
        let needed = want.contains.all();
        if !errors
            .iter()
            .any(|(row, e)| *row == want.row && needed.iter().all(|s| e.contains(s)))
        {
            let at_row: Vec<&str> = errors
                .iter()
                .filter(|(row, _)| *row == want.row)
                .map(|(_, e)| e.as_str())
                .collect();
            unmet.push(format!(
                "no error at row {} saying {needed:?} (errors there: {at_row:?})",
                want.row
            ));
        }
    }
    for (row, e) in &errors {
        let expected = expect.errors.iter().any(|w| w.row == *row)
            || (expect.may_refuse && by_row.contains_key(row));
        if !expected {
            unmet.push(format!("unexpected error: {e}"));
        }
    }
    for note in &expect.notes {
        if !note.found_in(&evaluation.notes) {
            unmet.push(format!(
                "no note says {} (notes: {:?})",
                note.describe(),
                evaluation.notes
            ));
        }
    }
    if !wrong.is_empty() {
        wrong.extend(unmet);
        Verdict::Wrong(wrong)
    } else if !unmet.is_empty() {
        Verdict::Unmet(unmet)
    } else if !expect.errors.is_empty() || refused_some {
        Verdict::RefusedLocated
    } else {
        Verdict::Right
    }
}

struct Row {
    name: String,
    convention: String,
    pending: Option<String>,
    verdict: Verdict,
}

fn cases() -> Vec<(String, PathBuf, Case)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(CORPUS)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| !n.starts_with('_'))
        })
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(dir.join("case.yaml"))
                .unwrap_or_else(|e| panic!("{name}/case.yaml: {e}"));
            let case: Case =
                serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{name}/case.yaml: {e}"));
            (name, dir, case)
        })
        .collect()
}

/// Runs every case of the corpus.
fn corpus() -> Vec<Row> {
    let mut packs: HashMap<String, Prepared> = HashMap::new();
    let mut rows = Vec::new();
    for (name, dir, case) in cases() {
        let prepared = packs
            .entry(case.pack.clone())
            .or_insert_with(|| crate::pack(pack_path(&case.pack).to_str().unwrap()));
        let verdict = match read_options(&case) {
            Err(why) => Verdict::Unmet(vec![why]),
            Ok(options) => classify(&case, run(prepared, &ledger_file(&dir, &case), &options)),
        };
        rows.push(Row {
            name,
            convention: case.convention.clone(),
            pending: case.pending.clone(),
            verdict,
        });
    }
    rows
}

/// The counts table and every case's line.
fn table(rows: &[Row]) -> String {
    let count = |f: &dyn Fn(&Row) -> bool| rows.iter().filter(|r| f(r)).count();
    let right = count(&|r| r.pending.is_none() && r.verdict == Verdict::Right);
    let refused = count(&|r| r.pending.is_none() && r.verdict == Verdict::RefusedLocated);
    let pending = count(&|r| r.pending.is_some());
    let pending_wrong = count(&|r| r.pending.is_some() && matches!(r.verdict, Verdict::Wrong(_)));
    let wrong = count(&|r| r.pending.is_none() && matches!(r.verdict, Verdict::Wrong(_)));
    let unmet = count(&|r| r.pending.is_none() && matches!(r.verdict, Verdict::Unmet(_)));
    let mut out = String::new();
    writeln!(out, "real-world ledgers: {} cases", rows.len()).unwrap();
    writeln!(out).unwrap();
    writeln!(
        out,
        "| read right | refused, located | pending | wrong | unmet |"
    )
    .unwrap();
    writeln!(out, "|---:|---:|---:|---:|---:|").unwrap();
    writeln!(
        out,
        "| {right} | {refused} | {pending} (today {pending_wrong} of them wrong) | {wrong} | {unmet} |"
    )
    .unwrap();
    writeln!(out).unwrap();
    for r in rows {
        let status = match (&r.pending, r.verdict.passes()) {
            (Some(_), true) => format!("PASSES BUT PENDING (today {})", r.verdict.name()),
            (Some(_), false) => format!("pending (today {})", r.verdict.name()),
            (None, _) => r.verdict.name().to_owned(),
        };
        writeln!(out, "{:<48} {status}: {}", r.name, r.convention).unwrap();
        if let Some(why) = &r.pending {
            writeln!(out, "    pending: {why}").unwrap();
        }
        for reason in r.verdict.reasons().iter().take(6) {
            writeln!(out, "    - {reason}").unwrap();
        }
    }
    out
}

/// Every case is read right or refused with its location, except the pending ones; a pending
/// case that passes must lose its mark.
#[test]
fn real_world_ledgers() {
    let rows = corpus();
    let report = table(&rows);
    println!("{report}");
    let _ = std::fs::create_dir_all("target");
    let _ = std::fs::write("target/real-world.txt", &report);
    let failing: Vec<String> = rows
        .iter()
        .filter(|r| r.verdict.passes() == r.pending.is_some())
        .map(|r| {
            if r.pending.is_some() {
                format!("{}: passes now; remove its `pending:`", r.name)
            } else {
                format!(
                    "{}: {} ({})",
                    r.name,
                    r.verdict.name(),
                    r.verdict.reasons().join("; ")
                )
            }
        })
        .collect();
    assert!(
        failing.is_empty(),
        "{report}\n{} case(s) fail:\n{}",
        failing.len(),
        failing.join("\n")
    );
}

/// Evaluates the clean baselines into the JSON the generator reads its expectations from:
/// `cargo test --test main real_world_baselines -- --ignored`, then `python3
/// fixtures/real_world.py` again.
#[test]
#[ignore = "writes fixtures/real-world/_baselines/*.json for the generator"]
fn real_world_baselines() {
    let dir = Path::new(CORPUS).join("_baselines");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    for file in files {
        let stem = file.file_stem().unwrap().to_str().unwrap().to_owned();
        let (pack, _) = stem
            .split_once("__")
            .unwrap_or_else(|| panic!("{stem}: baselines are named PACK__NAME.csv"));
        let evaluation = crate::evaluate(pack_path(pack).to_str().unwrap(), file.to_str().unwrap());
        assert!(
            evaluation.errors.is_empty(),
            "{stem}: a baseline must be clean: {:?}",
            evaluation.errors
        );
        let outcomes: Vec<serde_json::Value> = evaluation
            .outcomes
            .iter()
            .map(|o| {
                serde_json::json!({
                    "record": o.record,
                    "grade": o.grade.as_deref(),
                    "grade_label": o.grade_label.as_deref(),
                    "score": o.score,
                    "money": o.money.yuan(),
                })
            })
            .collect();
        let text =
            serde_json::to_string_pretty(&serde_json::json!({ "outcomes": outcomes })).unwrap();
        std::fs::write(file.with_extension("json"), text + "\n").unwrap();
    }
}
