//! The engine through its library API, on packs held in memory.

use liangxin::{Evaluation, Ledger, LoadError, MemoryLoader, Prepared, prepare};

const MEMBER_HEAD: &str = "id: t\nname: 测试\nsubject: member\n";

pub(crate) fn prepared(loader: &MemoryLoader, dir: &str) -> Prepared {
    match prepare(loader, dir.as_ref()) {
        Ok(p) => p,
        Err(LoadError::Invalid(d)) => panic!(
            "{}",
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
        Err(e) => panic!("{e}"),
    }
}

fn run(policy: &str, scripts: &[(&str, &str)], csv: &str) -> Evaluation {
    let mut loader = MemoryLoader::new().with("p/policy.yaml", format!("{MEMBER_HEAD}{policy}"));
    for (name, text) in scripts {
        loader = loader.with(format!("p/scripts/{name}"), *text);
    }
    let p = prepared(&loader, "p");
    let ledger =
        Ledger::from_csv_bytes(csv.as_bytes(), "test.csv", &p.policy.policy.schema).unwrap();
    p.policy.evaluate_ledger(&ledger)
}

fn strs(names: &[liangxin::evaluate::Name]) -> Vec<&str> {
    names.iter().map(|n| &**n).collect()
}

fn scores(e: &Evaluation) -> Vec<Option<f64>> {
    e.outcomes.iter().map(|o| o.score).collect()
}

#[test]
fn caps_apply_per_rule_and_per_category() {
    let policy = r#"
fields: [org_life, excellence, innovation]
categories:
  daily: { label: 日常, max: 30 }
rules:
  - { id: base, kind: base, value: 100 }
  - { id: org_life, kind: points, expr: org_life, category: daily }
  - { id: excellence, kind: points, expr: excellence, category: daily, min: -10 }
  - { id: innovation, kind: bonus, expr: innovation, max: 5 }
"#;
    let e = run(
        policy,
        &[],
        "id,org_life,excellence,innovation\nA,20,20,9\nB,10,-50,1\n",
    );
    // A: daily 20+20 capped at 30, bonus 9 capped at 5.
    // B: excellence -50 capped at -10, daily 10-10 = 0, bonus 1.
    assert_eq!(scores(&e), [Some(135.0), Some(101.0)]);
    assert_eq!(
        e.outcomes[0].rules[3].note.as_deref(),
        Some("capped from 9 to 5")
    );
}

#[test]
fn checklist_at_least_k_of_n() {
    let policy = r#"
fields: [org_life, excellence, veto]
rules:
  - id: active
    kind: checklist
    at_least: 2
    criteria:
      - { id: life, label: 组织生活, expr: org_life > 0 }
      - { id: excel, label: 创先争优, expr: excellence > 0 }
      - { id: clean, label: 无否决, expr: "!veto" }
bands:
  on: checklists
  grades:
    - { grade: ok, at_least: 1 }
    - { grade: no, below: 1 }
grades:
  ok: { label: 达标, pass: true }
  no: { label: 未达标 }
"#;
    let e = run(
        policy,
        &[],
        "id,org_life,excellence,veto\nA,1,0,否\nB,0,0,否\nC,0,0,是\n",
    );
    let grades: Vec<_> = e
        .outcomes
        .iter()
        .map(|o| o.grade.as_deref().unwrap())
        .collect();
    assert_eq!(grades, ["ok", "no", "no"]);
    assert_eq!(strs(&e.outcomes[1].failed), ["active.life", "active.excel"]);
    assert_eq!(
        strs(&e.outcomes[2].failed),
        ["active.life", "active.excel", "active.clean"]
    );
    assert_eq!(e.summary.pass_rate, Some(1.0 / 3.0));
}

#[test]
fn a_bad_record_fails_alone_with_its_row_id_and_rule() {
    let policy = "fields: [mistakes, org_life]\nrules:\n  - { id: base, kind: base, value: 10 }\n  - { id: mistakes, kind: deduction, expr: mistakes - org_life }\n";
    let e = run(
        policy,
        &[],
        "id,mistakes,org_life\nA,1,0\nB,1,5\nC,,x\nD,2,0\n",
    );
    assert_eq!(scores(&e), [Some(9.0), Some(8.0)]);
    let errors: Vec<String> = e.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        errors,
        [
            "row 3 (record B), rule `mistakes`: a deduction must not be negative, got -4",
            "row 4 (record C), field `org_life`: 组织生活 (org_life): `x` is not a whole number",
        ]
    );
    assert_eq!(e.summary.errors, 2);
}

#[test]
fn a_missing_required_value_names_the_field() {
    let policy = "fields: [org_life, mistakes]\nrules:\n  - { id: o, kind: points, expr: org_life }\n  - { id: m, kind: deduction, expr: mistakes }\n";
    let e = run(policy, &[], "党员编号,组织生活,工作失误扣分\nA,,\nB,3,\n");
    assert_eq!(
        e.errors[0].to_string(),
        "row 2 (record A), field `org_life`: missing value for 组织生活 (org_life), which this policy reads"
    );
    assert_eq!(
        e.outcomes[0].score,
        Some(3.0),
        "an empty cell takes the field's default (工作失误扣分: 0)"
    );
}

#[test]
fn a_default_never_fills_a_missing_column() {
    let e = run(
        "fields: [mistakes]\nrules:\n  - { id: m, kind: deduction, expr: mistakes }\n",
        &[],
        "党员编号,姓名\nA,张三\n",
    );
    assert_eq!(
        e.errors[0].to_string(),
        "row 2 (record A), field `mistakes`: the ledger has no column 工作失误扣分 (mistakes), which this policy reads"
    );
}

#[test]
fn an_endless_loop_stops_with_an_error_naming_the_rule() {
    let script = "fn spin(x) {\n    loop { x += 1; }\n}\n";
    let policy = "fields: [org_life, excellence]\nrules:\n  - { id: ok, kind: points, expr: excellence }\n  - { id: spinning, kind: points, expr: \"if org_life > 0 { spin(org_life) } else { 0 }\" }\n";
    let e = run(
        policy,
        &[("spin.rhai", script)],
        "id,org_life,excellence\nA,0,3\nB,1,3\nC,0,4\n",
    );
    assert_eq!(
        scores(&e),
        [Some(3.0), Some(4.0)],
        "the other records are still evaluated"
    );
    let error = e.errors[0].to_string();
    assert!(
        error.starts_with(
            "row 3 (record B), rule `spinning`: the script ran too long (operation limit reached"
        ),
        "{error}"
    );
}

#[test]
fn script_functions_are_compiled_once_and_called_with_fields() {
    let script = "// doubles positive points\nfn double_positive(x) {\n    if x > 0 { x * 2 } else { x }\n}\n";
    let policy = "fields: [org_life]\nrules:\n  - { id: o, kind: points, expr: double_positive(org_life) }\n";
    let e = run(
        policy,
        &[("double.rhai", script)],
        "id,org_life\nA,5\nB,-5\n",
    );
    assert_eq!(scores(&e), [Some(10.0), Some(-5.0)]);
}

#[test]
fn a_veto_overrides_the_grade_keeps_the_score_and_leaves_the_leaderboard() {
    let e = crate::evaluate("policies/longwen-points", "fixtures/longwen/members.csv");
    let vetoed: Vec<_> = e.outcomes.iter().filter(|o| o.vetoed).collect();
    assert!(!vetoed.is_empty());
    for o in vetoed {
        assert_eq!(o.grade.as_deref(), Some("vetoed"));
        assert_eq!(o.rank, None);
        assert!(o.actions.iter().any(|a| a == "不得评先评优"));
    }
}

#[test]
fn money_over_budget_is_a_warning_in_the_summary() {
    let policy = r#"
fields: [veto]
params:
  grant: { value: 600 }
rules:
  - { id: grant, kind: money, when: "!veto", amount: grant }
budget: { label: 年度预算, amount: 1000 }
"#;
    let e = run(policy, &[], "id,veto\nA,否\nB,否\nC,是\n");
    assert_eq!(
        e.summary.money_total,
        liangxin::money::Money::from_fen(120_000)
    );
    let budget = e.summary.budget.as_ref().unwrap();
    assert!(budget.over);
    assert_eq!(
        e.summary.warnings,
        ["money total 1,200 exceeds the budget 1,000 (年度预算) by 200"]
    );
}

#[test]
fn extends_overrides_rules_in_place_and_adds_new_ones() {
    let parent = format!(
        "{MEMBER_HEAD}fields: [org_life]\nparams:\n  w: {{ value: 2 }}\nrules:\n  - {{ id: a, kind: points, expr: org_life * w }}\n  - {{ id: b, kind: points, expr: \"1\" }}\n"
    );
    let child = "id: child\nname: 子\nextends: ../parent\nfields: [excellence]\nparams:\n  w: { value: 3 }\nrules:\n  - { id: b, kind: points, expr: excellence }\n  - { id: c, kind: bonus, expr: \"100\" }\n";
    let loader = MemoryLoader::new()
        .with("packs/parent/policy.yaml", parent)
        .with("packs/child/policy.yaml", child);
    let p = prepared(&loader, "packs/child");
    let ids: Vec<_> = p
        .policy
        .policy
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(p.policy.policy.meta.id, "child");
    assert_eq!(p.policy.policy.meta.extends, ["../parent"]);
    let ledger = Ledger::from_csv_bytes(
        b"id,org_life,excellence\nA,1,10\n",
        "t.csv",
        &p.policy.policy.schema,
    )
    .unwrap();
    // a = 1 * 3 (the child's w), b = 10 (the child's rule), c = 100.
    assert_eq!(
        p.policy.evaluate_ledger(&ledger).outcomes[0].score,
        Some(113.0)
    );
}

#[test]
fn extends_cycles_are_reported() {
    let a = format!("{MEMBER_HEAD}extends: ../b\n");
    let b = format!("{MEMBER_HEAD}extends: ../a\n");
    let loader = MemoryLoader::new()
        .with("x/a/policy.yaml", a)
        .with("x/b/policy.yaml", b);
    match prepare(&loader, "x/a".as_ref()) {
        Err(LoadError::Invalid(d)) => assert!(d[0].message.contains("makes a cycle"), "{}", d[0]),
        other => panic!("expected a cycle error, got {other:?}"),
    }
}

#[test]
fn simple_expressions_take_the_native_path() {
    let p = crate::pack("policies/longwen-points");
    assert_eq!(
        p.policy.expression_paths(),
        (10, 0),
        "every Longwen expression is a field read or sums and comparisons of them"
    );
    let p = crate::pack("policies/jinan-sanqiang-sanhao");
    assert_eq!(
        p.policy.expression_paths(),
        (6, 1),
        "only 社会评价好 calls a script function"
    );
}

#[test]
fn ledgers_read_title_rows_labels_unknown_columns_and_gbk() {
    let schema = liangxin::Schema::builtin(liangxin::Subject::Member);
    let utf8 = "龙文区党员积分台账\n\n党员编号,姓名,一票否决,备注\nM1,张三,是,党小组长\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(utf8);
    for (bytes, encoding_note) in [(utf8.as_bytes().to_vec(), false), (gbk.into_owned(), true)] {
        let ledger = Ledger::from_csv_bytes(&bytes, "t.csv", &schema).unwrap();
        assert_eq!(ledger.records.len(), 1);
        assert_eq!(ledger.records[0].id, "M1");
        assert_eq!(ledger.records[0].extra, ["党小组长"]);
        assert_eq!(ledger.extra_columns, ["备注"]);
        assert_eq!(
            ledger.notes.iter().any(|n| n.contains("GBK")),
            encoding_note
        );
        assert!(
            ledger
                .notes
                .iter()
                .any(|n| n.contains("skipped 1 row(s) above the header"))
        );
    }
}

#[test]
fn ledgers_without_a_header_or_in_a_foreign_encoding_are_clear_errors() {
    let schema = liangxin::Schema::builtin(liangxin::Subject::Member);
    let err = Ledger::from_csv_bytes("a,b\n1,2\n".as_bytes(), "t.csv", &schema).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ledger t.csv: no header row: expected a column named `党员编号` or `id` in the first 20 rows"
    );
    let err = Ledger::from_csv_bytes(&[0x41, 0xff, 0xff, 0x0a], "t.csv", &schema).unwrap_err();
    assert!(err.to_string().contains("neither UTF-8 nor GBK"), "{err}");
    let err = Ledger::from_json_str("[{\"id\": 1,}]", "t.json", &schema).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ledger t.json: trailing comma at line 1 column 11"
    );
}

#[test]
fn duplicate_and_missing_ids_are_row_errors() {
    let schema = liangxin::Schema::builtin(liangxin::Subject::Member);
    let ledger =
        Ledger::from_csv_bytes("id,name\nA,甲\n,乙\nA,丙\n".as_bytes(), "t.csv", &schema).unwrap();
    // Neither row with the id is graded: which one is right, only the ledger's keeper knows.
    assert_eq!(ledger.records.len(), 0);
    let errors: Vec<String> = ledger.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        errors,
        [
            "row 2 (record A), field `id`: duplicate 党员编号 `A` (also at row 4); neither row is graded until one is corrected",
            "row 3, field `id`: the record has no 党员编号 (id); it is skipped",
            "row 4 (record A), field `id`: duplicate 党员编号 `A` (also at row 2); neither row is graded until one is corrected",
        ]
    );
}

#[test]
fn yaml_and_json_ledgers_read_the_same_records() {
    let schema = liangxin::Schema::builtin(liangxin::Subject::Member);
    let json = Ledger::from_json_str(
        r#"[{"id": "A", "org_life": -3, "veto": true}]"#,
        "t.json",
        &schema,
    )
    .unwrap();
    let yaml = Ledger::from_yaml_str(
        "- { 党员编号: A, 组织生活: -3, 一票否决: 是 }\n",
        "t.yaml",
        &schema,
    )
    .unwrap();
    assert_eq!(json.records[0].cells, yaml.records[0].cells);
}

#[test]
fn a_script_error_names_the_script_file_and_line() {
    let script =
        "fn per_member(points, members) {\n    let share = points / members;\n    share\n}\n";
    let policy = "fields: [org_life, mistakes]\nrules:\n  - { id: share, kind: points, expr: \"per_member(org_life, mistakes)\" }\n";
    let e = run(
        policy,
        &[("share.rhai", script)],
        "id,org_life,mistakes\nA,10,2\nB,10,0\n",
    );
    assert_eq!(scores(&e), [Some(5.0)]);
    let error = e.errors[0].to_string();
    assert!(
        error.starts_with("row 3 (record B), rule `share`: division by zero"),
        "{error}"
    );
    assert!(
        error.contains("in function `per_member` (p/scripts/share.rhai:2:"),
        "{error}"
    );
}

#[test]
fn a_non_finite_number_is_a_record_error_not_a_grade() {
    let policy =
        "fields: [org_life]\nrules:\n  - { id: ratio, kind: points, expr: \"org_life / 0.0\" }\n";
    let e = run(policy, &[], "id,org_life\nA,0\nB,1\n");
    assert!(e.outcomes.is_empty());
    assert_eq!(e.errors.len(), 2);
    assert!(
        e.errors[0].message.contains("not a usable number"),
        "{}",
        e.errors[0]
    );
}

#[test]
fn bands_on_a_points_rule_use_its_capped_points() {
    let policy = r#"
fields: [org_life]
rules:
  - { id: life, kind: points, expr: org_life, max: 10 }
bands:
  on: life
  grades:
    - { grade: high, at_least: 50 }
    - { grade: low, below: 50 }
grades:
  high: { label: 高 }
  low: { label: 低 }
"#;
    let e = run(policy, &[], "id,org_life\nA,100\n");
    assert_eq!(e.outcomes[0].grade.as_deref(), Some("low"));
    assert_eq!(
        e.outcomes[0].band.as_deref(),
        Some("life 10 < 50 (exclusive)")
    );
}

#[test]
fn check_reports_problems_of_several_rules_in_one_pass() {
    let policy = format!(
        "{MEMBER_HEAD}fields: [org_life, excellence]\nrules:\n  - {{ id: a, kind: pionts, expr: org_life }}\n  - {{ id: b, kind: points, expr: \"excellence +* 2\" }}\n  - {{ id: c, kind: points, expr: excelence }}\n"
    );
    let loader = MemoryLoader::new().with("p/policy.yaml", policy);
    let Err(LoadError::Invalid(d)) = prepare(&loader, "p".as_ref()) else {
        panic!("should fail")
    };
    let codes: Vec<&str> = d.iter().filter(|d| d.is_error()).map(|d| d.code).collect();
    assert_eq!(codes, ["unknown-kind", "syntax", "unknown-name"]);
}

#[test]
fn extends_follows_directories_not_names() {
    // a extends ../b/sub, which extends ../sub (a different `sub`): no cycle.
    let a = format!("{MEMBER_HEAD}extends: ../b/sub\n");
    let b_sub = format!(
        "{MEMBER_HEAD}extends: ../../sub\nfields: [org_life]\nrules:\n  - {{ id: o, kind: points, expr: org_life }}\n"
    );
    let sub = format!(
        "{MEMBER_HEAD}fields: [excellence]\nrules:\n  - {{ id: e, kind: points, expr: excellence }}\n"
    );
    let loader = MemoryLoader::new()
        .with("x/a/policy.yaml", a)
        .with("x/b/sub/policy.yaml", b_sub)
        .with("x/sub/policy.yaml", sub);
    let p = prepared(&loader, "x/a");
    let ids: Vec<_> = p
        .policy
        .policy
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(ids, ["e", "o"]);
}

#[test]
fn ragged_rows_are_errors_not_shifted_or_defaulted_values() {
    let schema = liangxin::Schema::builtin(liangxin::Subject::Member);
    let ledger = Ledger::from_csv_bytes(
        "id,name,org_life\nA,甲\nB,乙,1,2\nC,丙,3\n".as_bytes(),
        "t.csv",
        &schema,
    )
    .unwrap();
    // Only the sound row is a record.
    assert_eq!(ledger.records.len(), 1);
    // A short row: a lost comma may have shifted its values, and its missing cells would
    // silently take defaults.
    assert_eq!(ledger.errors[0].row, 2);
    assert_eq!(ledger.errors[0].record.as_deref(), Some("A"));
    assert!(
        ledger.errors[0]
            .message
            .starts_with("the row has 2 cells but the header has 3"),
        "{}",
        ledger.errors[0]
    );
    // A long row: values may have shifted too.
    assert!(
        ledger.errors[1]
            .message
            .starts_with("the row has 4 cells but the header has 3"),
        "{}",
        ledger.errors[1]
    );
}

/// A quote that opens a cell and never closes would swallow the rest of the file as one cell:
/// its row is the error, and every row after it is read, whole or streamed.
#[test]
fn an_unclosed_quote_costs_one_row_not_the_rest_of_the_ledger() {
    let p = crate::pack("policies/longwen-points");
    let schema = &p.policy.policy.schema;
    let mut csv = std::fs::read_to_string("fixtures/longwen/members.csv").unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    let total = lines.len() - 1;
    let broken = lines[10].replacen(',', ",\"", 1);
    csv = [&lines[..10], &[broken.as_str()], &lines[11..]]
        .concat()
        .join("\n");
    let ledger = Ledger::from_csv_bytes(csv.as_bytes(), "t.csv", schema).unwrap();
    assert_eq!(ledger.records.len(), total - 1);
    assert_eq!(ledger.errors.len(), 1);
    assert_eq!(ledger.errors[0].row, 11);
    assert!(
        ledger.errors[0]
            .message
            .contains("a quote opens a cell at column 11 and never closes"),
        "{}",
        ledger.errors[0]
    );
    // A short cell limit cuts the runaway quote early, as 64 MB does on a province's ledger.
    for (block_bytes, max_cell_bytes) in [
        (64, 64 << 20),
        (1 << 20, 64 << 20),
        (64, 200),
        (1 << 20, 200),
    ] {
        let options = liangxin::stream::StreamOptions {
            block_bytes,
            max_cell_bytes,
            ..Default::default()
        };
        let e =
            liangxin::stream::evaluate_csv(&p.policy, csv.as_bytes(), "t.csv", options).unwrap();
        assert_eq!(e.summary.records, total - 1);
        assert_eq!(e.errors.iter().map(|e| e.row).collect::<Vec<_>>(), [11]);
    }
}

#[test]
fn an_empty_ledger_file_is_an_error_and_a_header_only_ledger_a_note() {
    let schema = liangxin::Schema::builtin(liangxin::Subject::Member);
    let err = Ledger::from_csv_bytes(b"  \n", "t.csv", &schema).unwrap_err();
    assert_eq!(err.to_string(), "ledger t.csv: the file is empty");
    let ledger = Ledger::from_csv_bytes("党员编号,姓名\n".as_bytes(), "t.csv", &schema).unwrap();
    assert_eq!(ledger.notes, ["the ledger has no records"]);
}

#[test]
fn unknown_columns_travel_with_their_records_to_the_output() {
    let e = crate::evaluate(
        "policies/longwen-points",
        "fixtures/longwen/members-excel-gbk.csv",
    );
    assert_eq!(e.extra_columns, ["备注"]);
    assert!(e.outcomes.iter().all(|o| o.extra.len() == 1));
    let csv = String::from_utf8(
        liangxin::report::render_evaluation(&e, liangxin::report::Format::Csv, Default::default())
            .unwrap(),
    )
    .unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",备注"), "{csv}");
}

#[test]
fn explain_traces_reads_running_totals_and_the_band() {
    let p = crate::pack("policies/longwen-points");
    let ledger = Ledger::read(
        "fixtures/longwen/members.csv".as_ref(),
        &p.policy.policy.schema,
    )
    .unwrap();
    let e = p.policy.evaluate_ledger(&ledger);
    let (o, r) = e
        .outcomes
        .iter()
        .zip(&ledger.records)
        .find(|(o, _)| o.score == Some(900.0))
        .unwrap();
    let trace = p.policy.explain(o, r);
    assert_eq!(
        trace.steps[0].total,
        Some(1000.0),
        "the base starts the running score"
    );
    assert_eq!(trace.steps[1].reads[0].field, "org_life");
    assert_eq!(trace.steps[1].reads[0].label, "组织生活");
    assert_eq!(
        trace.grade,
        "recommended 优先推荐: standing 2 >= 2 (inclusive)"
    );
    assert!(
        trace.categories[0].ends_with("→ 900"),
        "{:?}",
        trace.categories
    );
    let vetoed = e
        .outcomes
        .iter()
        .zip(&ledger.records)
        .find(|(o, _)| o.vetoed)
        .unwrap();
    let trace = p.policy.explain(vetoed.0, vetoed.1);
    assert_eq!(
        trace.veto.as_deref(),
        Some("key_work_veto 重点工作一票否决 fired")
    );
}

#[test]
fn points_that_no_band_or_ranking_uses_are_reported_unreachable() {
    let policy = format!(
        "{MEMBER_HEAD}fields: [org_life]\nrules:\n  - {{ id: extra, kind: points, expr: org_life }}\n  - id: c\n    kind: checklist\n    criteria: [{{ id: a, label: 甲, expr: org_life > 0 }}]\nbands:\n  on: checklists\n  grades:\n    - {{ grade: ok, at_least: 1 }}\n    - {{ grade: no, below: 1 }}\ngrades:\n  ok: {{ label: 达标 }}\n  no: {{ label: 未达标 }}\n"
    );
    let p = prepared(&MemoryLoader::new().with("p/policy.yaml", policy), "p");
    let codes: Vec<&str> = p.warnings.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["unreachable"]);
    assert!(
        p.warnings[0]
            .message
            .starts_with("rule `extra` gives points"),
        "{}",
        p.warnings[0]
    );
}

#[test]
fn compare_ranks_tiers_by_bands_not_by_the_order_grades_are_written() {
    let pack = |grades: &str| {
        format!(
            "{MEMBER_HEAD}fields: [org_life]\nrules:\n  - {{ id: o, kind: points, expr: org_life }}\nbands:\n  on: score\n  grades:\n    - {{ grade: high, at_least: 10 }}\n    - {{ grade: low, below: 10 }}\ngrades:\n{grades}"
        )
    };
    let a = pack("  high: { label: 高, pass: true }\n  low: { label: 低 }\n");
    let b = pack("  low: { label: 低 }\n  high: { label: 高, pass: true }\n");
    let loader = MemoryLoader::new()
        .with("a/policy.yaml", a)
        .with("b/policy.yaml", b);
    let (pa, pb) = (prepared(&loader, "a"), prepared(&loader, "b"));
    let csv = "id,org_life\nA,20\nB,0\n";
    let ea = pa.policy.evaluate_ledger(
        &Ledger::from_csv_bytes(csv.as_bytes(), "t.csv", &pa.policy.policy.schema).unwrap(),
    );
    let eb = pb.policy.evaluate_ledger(
        &Ledger::from_csv_bytes(csv.as_bytes(), "t.csv", &pb.policy.policy.schema).unwrap(),
    );
    let c = liangxin::compare::compare(&[&pa.policy.policy, &pb.policy.policy], &[ea, eb]);
    assert!(
        c.agreement[0].disagreements.is_empty(),
        "{:?}",
        c.agreement[0].disagreements
    );
    assert_eq!(c.agreement[0].same_pass, 2);
}

#[test]
fn crlf_ledgers_number_rows_by_file_line() {
    let schema = liangxin::Schema::builtin(liangxin::Subject::Member);
    let ledger =
        Ledger::from_csv_bytes(b"title\r\n\r\nid,name\r\nA,x\r\nB,y\r\n", "t.csv", &schema)
            .unwrap();
    let rows: Vec<usize> = ledger.records.iter().map(|r| r.row).collect();
    assert_eq!(rows, [4, 5]);
}

#[test]
fn groups_sort_numbers_as_numbers_and_show_yes_no_in_chinese() {
    let p = crate::pack("policies/jinan-sanqiang-sanhao");
    let ledger = Ledger::read(
        "fixtures/jinan/organizations.csv".as_ref(),
        &p.policy.policy.schema,
    )
    .unwrap();
    let e = p.policy.evaluate_ledger(&ledger);
    let schema = &p.policy.policy.schema;
    let by_members = p.policy.group(
        &e,
        &ledger,
        liangxin::evaluate::group_field(schema, &ledger, "党员人数").unwrap(),
    );
    let keys: Vec<f64> = by_members
        .groups
        .iter()
        .map(|g| g.key.parse().unwrap())
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    let by_new = p.policy.group(
        &e,
        &ledger,
        liangxin::evaluate::group_field(schema, &ledger, "newly_established").unwrap(),
    );
    let keys: Vec<&str> = by_new.groups.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(keys, ["是", "否"]);
    let member = liangxin::Schema::builtin(liangxin::Subject::Member);
    let no_district =
        Ledger::from_csv_bytes("党员编号,姓名\nA,甲\n".as_bytes(), "t.csv", &member).unwrap();
    let err = liangxin::evaluate::group_field(&member, &no_district, "district").unwrap_err();
    assert_eq!(
        err,
        "cannot group by `district`: the ledger has no column 所在区县 (district)"
    );
}

#[test]
fn csv_output_never_hands_excel_a_formula() {
    let mut e = crate::evaluate("policies/longwen-points", "fixtures/longwen/members.csv");
    e.outcomes[0].name = Some("=HYPERLINK(\"http://x\",\"y\")".into());
    let csv = String::from_utf8(
        liangxin::report::render_evaluation(&e, liangxin::report::Format::Csv, Default::default())
            .unwrap(),
    )
    .unwrap();
    assert!(
        csv.lines().nth(1).unwrap().contains(",\"'=HYPERLINK("),
        "{}",
        csv.lines().nth(1).unwrap()
    );
}

/// Evaluates a pack both ways, native path on and off, and returns both evaluations.
fn both_paths(loader: &dyn liangxin::Loader, pack: &str, ledger: &Ledger) -> [Evaluation; 2] {
    [true, false].map(|native| {
        let loaded = liangxin::load::load_pack(loader, pack.as_ref()).unwrap();
        let v = liangxin::validate::validate(loaded);
        let (compiled, _) =
            liangxin::compile::compile_with(v.policy, liangxin::sandbox::Limits::default(), native)
                .unwrap();
        compiled.evaluate_ledger(ledger)
    })
}

#[test]
fn the_native_path_agrees_with_rhai_on_every_bundled_pack_and_fixture() {
    for (pack, fixture) in [
        ("policies/longwen-points", "fixtures/longwen/members.csv"),
        (
            "policies/zhuzhou-wuhua-enterprise",
            "fixtures/zhuzhou/enterprise-branches.csv",
        ),
        (
            "policies/zhuzhou-wuhua-social",
            "fixtures/zhuzhou/social-branches.csv",
        ),
        (
            "policies/zhuzhou-wuhua-enterprise",
            "fixtures/shared/organizations.csv",
        ),
        (
            "policies/jinan-sanqiang-sanhao",
            "fixtures/jinan/organizations.csv",
        ),
        (
            "policies/jinan-sanqiang-sanhao",
            "fixtures/shared/organizations.csv",
        ),
        (
            "policies/longwen-stars",
            "fixtures/longwen/organizations.csv",
        ),
        (
            "policies/longwen-grid",
            "fixtures/longwen/organizations-weak-grid.csv",
        ),
        (
            "policies/xingyi-liuge-qianghua",
            "fixtures/xingyi/organizations.csv",
        ),
        (
            "policies/ganjingzi-development",
            "fixtures/ganjingzi/dossiers.csv",
        ),
        (
            "policies/ganjingzi-sanmanyi",
            "fixtures/ganjingzi/organizations.csv",
        ),
    ] {
        let p = crate::pack(pack);
        let ledger = Ledger::read(fixture.as_ref(), &p.policy.policy.schema).unwrap();
        let [native, rhai] = both_paths(&liangxin::FsLoader, pack, &ledger);
        assert_eq!(native.outcomes, rhai.outcomes, "{pack} on {fixture}");
        assert_eq!(native.group_rules, rhai.group_rules, "{pack} on {fixture}");
        assert_eq!(native.errors, rhai.errors);
    }
    // Text comparisons (dates as `YYYY-MM-DD`, enum ids) run natively too.
    let (_, scripted) = crate::pack("policies/ganjingzi-development")
        .policy
        .expression_paths();
    assert_eq!(scripted, 0);
    let (native, scripted) = crate::pack("policies/zhuzhou-wuhua-social")
        .policy
        .expression_paths();
    assert_eq!(
        (native, scripted),
        (16, 0),
        "every 五化 criterion runs natively"
    );
}

#[test]
fn the_native_path_agrees_with_rhai_on_mixed_types_and_overflow() {
    let policy = r#"
id: t
name: 测试
subject: organization
fields: [member_count, new_members, satisfaction, has_venue, honors]
params:
  line: { value: 90 }
  half: { value: 0.5 }
rules:
  - { id: mixed, kind: points, expr: "satisfaction * half + member_count - new_members * 2" }
  - { id: branch, kind: points, expr: "if has_venue { member_count } else { half }" }
  - { id: nested, kind: points, expr: "1 + if honors > 1 { 2 } else { 0 }" }
  - id: c
    kind: checklist
    criteria:
      - { id: a, label: 甲, expr: "satisfaction >= line" }
      - { id: b, label: 乙, expr: "!has_venue || honors != 3" }
      - { id: c, label: 丙, expr: "member_count * 1000000000000 * 1000000000 > 0" }
      - { id: d, label: 丁, expr: "has_venue == true && satisfaction < 90.5" }
"#;
    let loader = MemoryLoader::new().with("p/policy.yaml", policy);
    let schema = liangxin::Schema::builtin(liangxin::Subject::Organization);
    let csv = "组织编号,党员人数,当年发展党员数,满意度,有活动场所,获得表彰次数\nA,3,1,90,是,3\nB,0,0,89.9,否,0\nC,20,2,90.5,是,1\n";
    let ledger = Ledger::from_csv_bytes(csv.as_bytes(), "t.csv", &schema).unwrap();
    let [native, rhai] = both_paths(&loader, "p", &ledger);
    assert_eq!(native.outcomes, rhai.outcomes);
    let prepared = prepare(&loader, "p".as_ref()).unwrap();
    assert_eq!(
        prepared.policy.expression_paths(),
        (7, 0),
        "`if` with an else, nested or not, runs natively"
    );
    // C overflows in both: the same record fails, with the rule named.
    assert_eq!(
        native
            .errors
            .iter()
            .map(|e| (e.row, e.rule.clone()))
            .collect::<Vec<_>>(),
        rhai.errors
            .iter()
            .map(|e| (e.row, e.rule.clone()))
            .collect::<Vec<_>>()
    );
    assert_eq!(native.outcomes.len() + native.errors.len(), 3);
}

#[test]
fn dated_params_take_the_value_in_force_on_the_as_of_date() {
    let loader = liangxin::FsLoader;
    let pack: &std::path::Path = "fixtures/dated/longwen-dated".as_ref();
    let threshold = |day: Option<&str>| {
        let p = liangxin::prepare_at(&loader, pack, day).unwrap();
        (
            p.policy.policy.params["recommend_at"].value.clone(),
            p.policy.policy.meta.as_of.clone(),
        )
    };
    use liangxin::policy::ParamValue::Num;
    assert_eq!(
        threshold(Some("2023-12-31")),
        (Num(900.0), Some("2023-12-31".into()))
    );
    assert_eq!(
        threshold(Some("2024-01-01")),
        (Num(880.0), Some("2024-01-01".into())),
        "a value is in force from its own date"
    );
    assert_eq!(threshold(None), (Num(880.0), Some("latest".into())));
    let Err(LoadError::Invalid(d)) = liangxin::prepare_at(&loader, pack, Some("2021-12-31")) else {
        panic!("no value in force")
    };
    assert_eq!(
        d.iter().filter(|d| d.is_error()).count(),
        1,
        "the rules using it are not reported too"
    );
    // A pack without dated params says nothing about dates.
    assert_eq!(
        crate::pack("policies/longwen-points")
            .policy
            .policy
            .meta
            .as_of,
        None
    );
}

/// Evaluating on two threads gives exactly what one thread gives, in ledger order, group rules
/// and errors included.
#[test]
fn two_threads_agree_with_one() {
    for (pack, subject) in [
        ("policies/longwen-points", liangxin::Subject::Member),
        ("policies/longwen-grid", liangxin::Subject::Organization),
        ("policies/ganjingzi-development", liangxin::Subject::Dossier),
    ] {
        let schema = liangxin::Schema::builtin(subject);
        let mut csv = Vec::new();
        let spec = liangxin::generate::Spec {
            rows: 12_000,
            seed: 11,
        };
        liangxin::generate::write_ledger(&schema, spec, &mut csv).unwrap();
        // A bad row in each half, so errors from both threads must be merged in row order.
        let mut text = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let broken = |line: &str| line.replacen(",", ",,", 1).replace("是", "也许");
        let (a, b) = (broken(lines[10]), broken(lines[11_000]));
        text = text
            .replacen(lines[10], &a, 1)
            .replacen(lines[11_000], &b, 1);
        let ledger = Ledger::from_csv_bytes(text.as_bytes(), "gen.csv", &schema).unwrap();
        let p = crate::pack(pack);
        let one = p.policy.evaluate_ledger_with(&ledger, 1);
        let two = p.policy.evaluate_ledger_with(&ledger, 2);
        assert_eq!(one.outcomes, two.outcomes, "{pack}");
        assert_eq!(one.group_rules, two.group_rules, "{pack}");
        assert_eq!(one.errors, two.errors, "{pack}");
        assert!(two.errors.windows(2).all(|w| w[0].row <= w[1].row));
        assert!(
            !two.errors.is_empty(),
            "{pack}: the broken rows are reported"
        );
    }
}

/// Streaming a CSV ledger gives the in-memory evaluation's summary and leaders, exactly, in
/// small blocks too (rows cut across reads, quoted newlines, GBK, title rows).
#[test]
fn a_streamed_ledger_summarizes_like_one_read_whole() {
    use liangxin::stream::{StreamOptions, evaluate_csv};
    let cases = [
        ("policies/longwen-points", "fixtures/longwen/members.csv"),
        (
            "policies/longwen-points",
            "fixtures/longwen/members-excel-gbk.csv",
        ),
        // jinan-sanqiang-sanhao has a quota, which needs every record at once: it is not
        // streamed (`rule_kinds::a_pack_with_a_quota_is_not_streamed`).
        (
            "policies/ganjingzi-development",
            "fixtures/ganjingzi/dossiers.csv",
        ),
    ];
    for (pack, fixture) in cases {
        let p = crate::pack(pack);
        let compiled = &p.policy;
        let whole = compiled
            .evaluate_ledger(&Ledger::read(fixture.as_ref(), &compiled.policy.schema).unwrap());
        for block_bytes in [1, 300, 4 << 20] {
            let options = StreamOptions {
                top: Some(5),
                block_bytes,
                threads: 2,
                ..StreamOptions::default()
            };
            let file = std::fs::File::open(fixture).unwrap();
            let streamed = evaluate_csv(compiled, file, fixture, options).unwrap();
            let summary = |e: &Evaluation| serde_json::to_value(&e.summary).unwrap();
            assert_eq!(
                summary(&streamed),
                summary(&whole),
                "{pack} {fixture} {block_bytes}"
            );
            let ranked = |e: &Evaluation| -> Vec<(String, Option<usize>)> {
                let mut leaders: Vec<_> = e
                    .outcomes
                    .iter()
                    .filter(|o| o.rank.is_some_and(|r| r <= 5))
                    .map(|o| (o.record.clone(), o.rank))
                    .collect();
                leaders.sort();
                leaders
            };
            assert_eq!(ranked(&streamed), ranked(&whole), "{pack} {fixture}");
            assert_eq!(streamed.errors, whole.errors, "{pack} {fixture}");
        }
    }
}

/// A stream that ends without a line feed, holds a quoted newline, and has bad rows: the rows
/// are still cut right, and each bad row is counted with its line.
#[test]
fn a_stream_cuts_rows_only_at_their_ends() {
    use liangxin::stream::{StreamOptions, evaluate_csv};
    let csv = "2024年度党员积分台账\n党员编号,姓名,组织生活,创先争优,服务职工,遵纪守法,群众反映,创新工作加分,工作失误扣分,一票否决\nA,\"甲\n乙\",1,2,3,4,5,0,0,否\nB,乙,x,0,0,0,0,0,0,否\nC,丙,0,0,0,0,0,0,0,否";
    let p = crate::pack("policies/longwen-points");
    let options = StreamOptions {
        block_bytes: 7,
        ..StreamOptions::default()
    };
    let e = evaluate_csv(&p.policy, csv.as_bytes(), "t.csv", options.clone()).unwrap();
    assert_eq!(e.summary.records, 2);
    assert_eq!(e.summary.errors, 1);
    assert_eq!(e.errors[0].row, 5, "{:?}", e.errors);
    assert_eq!(e.errors[0].record.as_deref(), Some("B"));
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("skipped 1 row(s) above the header"))
    );
    let empty = evaluate_csv(&p.policy, &b""[..], "empty.csv", options);
    assert!(empty.unwrap_err().to_string().contains("the file is empty"));

    // A quote inside an unquoted cell is text, as the csv crate reads it; a later quoted cell
    // with a line break must still stay whole, in blocks of any size.
    let tricky = "党员编号,姓名,组织生活,创先争优,服务职工,遵纪守法,群众反映,创新工作加分,工作失误扣分,一票否决\nA,王\"五,1,2,3,4,5,0,0,否\nB,\"甲\n乙\",0,0,0,0,0,0,0,否\nC,\"丙\"\"丁\",0,0,0,0,0,0,0,否\nD,戊,x,0,0,0,0,0,0,否\nE,己,y,0,0,0,0,0,0,否\n";
    let schema = &p.policy.policy.schema;
    let whole = p
        .policy
        .evaluate_ledger(&Ledger::from_csv_bytes(tricky.as_bytes(), "t.csv", schema).unwrap());
    assert_eq!(whole.summary.records, 3);
    for block_bytes in [1, 2, 5, 40] {
        let options = StreamOptions {
            block_bytes,
            max_errors: 1,
            ..StreamOptions::default()
        };
        let e = evaluate_csv(&p.policy, tricky.as_bytes(), "t.csv", options).unwrap();
        let names: Vec<_> = e.outcomes.iter().map(|o| o.name.clone()).collect();
        assert_eq!(e.summary.records, 3, "{block_bytes}: {names:?}");
        assert_eq!(e.summary.errors, 2);
        assert_eq!(e.errors.len(), 1);
        assert_eq!(e.errors[0].row, 6, "the first error by row is kept");
        assert!(
            e.notes
                .iter()
                .any(|n| n.contains("the first 1 of 2 record errors")),
            "{:?}",
            e.notes
        );
    }
}

/// Numbers as staff type them: thousands separators, full-width digits and signs.
#[test]
fn numbers_with_separators_and_full_width_digits_are_read() {
    let policy = r#"
fields: [org_life, excellence]
rules:
  - { id: org_life, kind: points, expr: org_life }
  - { id: excellence, kind: points, expr: excellence }
"#;
    let csv = "党员编号,组织生活,创先争优\nM1,\"1,000\",１２３\nM2,－２０,−5\nM3,\"1,00\",0\n";
    let e = run(policy, &[], csv);
    assert_eq!(scores(&e), vec![Some(1123.0), Some(-25.0)]);
    assert_eq!(e.errors.len(), 1, "{:?}", e.errors);
    assert_eq!(e.errors[0].record.as_deref(), Some("M3"));
    assert!(
        e.errors[0].message.contains("`1,00` is not a whole number"),
        "{}",
        e.errors[0].message
    );
}

/// Points are floating point, which does not wrap around but can reach infinity: a score that
/// overflows is the record's error, never a grade.
#[test]
fn a_score_that_overflows_is_an_error_not_a_grade() {
    let policy = r#"
fields: [org_life]
params:
  huge: { value: 1.5e308 }
rules:
  - { id: base, kind: base, value: huge }
  - { id: more, kind: points, expr: huge }
  - { id: org_life, kind: points, expr: org_life }
"#;
    let e = run(policy, &[], "党员编号,组织生活\nM1,1\n");
    assert!(e.outcomes.is_empty());
    assert!(
        e.errors[0].message.contains("the score overflows"),
        "{}",
        e.errors[0].message
    );
}

/// A script that runs into a limit on placeholder values will likely fail real records too:
/// `check` warns, at the script line.
#[test]
fn a_script_that_loops_on_placeholder_values_is_a_warning() {
    let loader = MemoryLoader::new()
        .with(
            "p/policy.yaml",
            format!("{MEMBER_HEAD}fields: [org_life]\nrules:\n  - {{ id: spin, kind: points, expr: \"spin(org_life)\" }}\n"),
        )
        .with("p/scripts/spin.rhai", "fn spin(x) {\n    loop { x += 1; }\n}\n");
    let p = prepared(&loader, "p");
    let w = &p.warnings[0];
    assert_eq!(w.code, "script-limit");
    assert!(
        w.message.contains("ran too long") && w.message.contains("p/scripts/spin.rhai:2:"),
        "{}",
        w.message
    );
}

/// JSON lets a key appear twice and serde keeps the last: a ledger record with it is an error
/// at its line, not a silent choice of one value.
#[test]
fn a_json_record_with_a_key_twice_is_an_error() {
    let schema = liangxin::Schema::builtin(liangxin::Subject::Member);
    let text = "[\n {\"id\": \"A\", \"org_life\": 1},\n {\"id\": \"B\", \"org_life\": 1, \"org_life\": 9}\n]";
    let err = Ledger::from_json_str(text, "t.json", &schema).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ledger t.json: the record has the key `org_life` twice at line 3 column 42"
    );
}

/// A stream has counted a row before it meets its id again: it stops there, naming the row,
/// rather than grade one of the two.
#[test]
fn a_stream_stops_at_an_id_met_twice() {
    use liangxin::stream::{StreamOptions, evaluate_csv};
    let p = crate::pack("policies/longwen-points");
    let csv = "党员编号,姓名,组织生活,创先争优,服务职工,遵纪守法,群众反映,创新工作加分,工作失误扣分,一票否决\nA,甲,0,0,0,0,0,0,0,否\nB,乙,0,0,0,0,0,0,0,否\nＡ,丙,0,0,0,0,0,0,0,否\n";
    for block_bytes in [7, 1 << 20] {
        let options = StreamOptions {
            block_bytes,
            ..StreamOptions::default()
        };
        let error = evaluate_csv(&p.policy, csv.as_bytes(), "t.csv", options)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains("row 4: 党员编号 `A` is on an earlier row too"),
            "{error}"
        );
    }
    let once = csv.replace("Ａ,丙", "C,丙");
    let e = evaluate_csv(
        &p.policy,
        once.as_bytes(),
        "t.csv",
        StreamOptions::default(),
    )
    .unwrap();
    assert_eq!(e.summary.records, 3);
}

/// Group rules over a ledger some of whose records were refused say they are not final.
#[test]
fn group_rules_with_records_missing_say_they_are_not_final() {
    let p = crate::pack("policies/ganjingzi-development");
    let schema = &p.policy.policy.schema;
    let text = std::fs::read_to_string("fixtures/ganjingzi/dossiers.csv").unwrap();
    let whole = Ledger::from_csv_bytes(text.as_bytes(), "t.csv", schema).unwrap();
    let clean = p.policy.evaluate_ledger(&whole);
    assert!(
        clean
            .group_rules
            .iter()
            .all(|g| !g.findings.iter().any(|f| f.starts_with("not final")))
    );
    // One dossier's age made unreadable: it is refused, and every rate says it is missing.
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let age = lines[0].split(',').position(|h| h == "入党时年龄").unwrap();
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_owned).collect();
    cells[age] = "三十".into();
    lines[1] = cells.join(",");
    let broken = Ledger::from_csv_bytes(lines.join("\n").as_bytes(), "t.csv", schema).unwrap();
    let e = p.policy.evaluate_ledger(&broken);
    assert_eq!(e.summary.errors, 1);
    assert!(!e.group_rules.is_empty());
    for g in &e.group_rules {
        assert!(
            g.findings[0].starts_with("not final: 1 record(s) could not be evaluated"),
            "{:?}",
            g.findings
        );
    }
}

/// A stream decides what a rate column holds from its first block; a percentage later in a
/// column it read as fractions stops the run, and ids without digits among coded ids are
/// refused as they are when the ledger is read whole.
#[test]
fn a_stream_keeps_to_what_its_first_block_decided() {
    use liangxin::stream::{StreamOptions, evaluate_csv};
    let p = crate::pack("policies/ganjingzi-sanmanyi");
    let mut csv = "组织编号,组织名称,书记为管理层,有活动场所,企业满意度,职工党员满意度,社会满意度,党建项目验收\n".to_owned();
    // Enough rows for several blocks (a stream reads at least 4 KB before its first cut).
    for i in 1..=4000 {
        csv.push_str(&format!("ORG{i:05},公司{i},是,是,0.9,0.9,0.9,是\n"));
    }
    let options = || StreamOptions {
        block_bytes: 256,
        ..StreamOptions::default()
    };
    let fine = evaluate_csv(&p.policy, csv.as_bytes(), "t.csv", options()).unwrap();
    assert_eq!(fine.summary.records, 4000);

    let mut mixed = csv.clone();
    mixed.push_str("ORG9001,公司,是,是,92,92,92,是\n");
    let error = evaluate_csv(&p.policy, mixed.as_bytes(), "t.csv", options())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.contains("row 4002:") && error.contains("earlier rows were fractions"),
        "{error}"
    );

    let mut unlike = csv.clone();
    unlike.push_str("目标值,,是,是,0.9,0.9,0.9,是\n");
    let e = evaluate_csv(&p.policy, unlike.as_bytes(), "t.csv", options()).unwrap();
    assert_eq!(e.summary.records, 4000);
    assert_eq!(e.summary.errors, 1);
    assert!(
        e.errors[0].message.contains("has no digits"),
        "{:?}",
        e.errors
    );
}

/// A procedure step with a deadline (`not_after`) is too late one day past it, named in words.
#[test]
fn a_step_past_its_deadline_is_too_late() {
    let policy = "id: t\nname: 测试\nsubject: dossier\nfields: [activist_on, candidate_on]\nrules:\n  - id: procedure\n    kind: procedure\n    steps:\n      - field: activist_on\n      - field: candidate_on\n        not_after: { after: activist_on, years: 2, assumed: true }\n";
    let loader = MemoryLoader::new().with("p/policy.yaml", policy);
    let p = prepared(&loader, "p");
    let csv = "档案编号,确定为入党积极分子日期,确定为发展对象日期\nD1,2020-03-01,2022-03-01\nD2,2020-03-01,2022-03-02\n";
    let ledger = Ledger::from_csv_bytes(csv.as_bytes(), "t.csv", &p.policy.policy.schema).unwrap();
    let e = p.policy.evaluate_ledger(&ledger);
    assert!(e.errors.is_empty(), "{:?}", e.errors);
    let notes: Vec<Vec<String>> = e
        .outcomes
        .iter()
        .map(|o| o.rules[0].problems.clone())
        .collect();
    assert!(notes[0].is_empty(), "{notes:?}");
    assert!(notes[1][0].starts_with("too late:"), "{notes:?}");
    assert!(notes[1][0].contains("(latest 2022-03-01)"), "{notes:?}");
    // A deadline needs an interval.
    let bad = policy.replace("years: 2, ", "");
    let loader = MemoryLoader::new().with("p/policy.yaml", bad);
    let Err(LoadError::Invalid(d)) = prepare(&loader, "p".as_ref()) else {
        panic!("a deadline without an interval must be refused");
    };
    assert!(
        d.iter()
            .any(|d| d.message.contains("`not_after` needs an interval")),
        "{d:?}"
    );
}

/// An organization schema with a secretary's start date, for dates relative to the as-of date.
const TENURE_SCHEMA: &str = r#"
subject: organization
label: 党组织
id_field: id
fields:
  id: { label: 组织编号, type: string }
  secretary_since: { label: 书记任职日期, type: date, default: "" }
  formation:
    label: 组建方式
    type: enum
    values: { standalone: 单独组建, joint: 联合组建 }
    default: ""
"#;

/// 书记任职满1年, written with the labels, `and` and a date a year before the as-of date.
const TENURE_POLICY: &str = r#"
id: tenure
name: 任职年限
subject: organization
fields: [secretary_since, formation]
params:
  one_year_ago:
    before_as_of: { years: 1 }
    label: 任职满1年的最晚日期
    source: 书记任职满1年
rules:
  - id: c
    kind: checklist
    label: 书记
    criteria:
      - { id: tenure, label: 任职满1年, expr: '书记任职日期 != "" and 书记任职日期 <= 任职满1年的最晚日期' }
      - { id: own, label: 单独组建, expr: '组建方式 == "单独组建"' }
"#;

/// Which records meet 任职满1年 on `as_of`, natively and in Rhai (which must agree).
fn in_office_a_year(as_of: &str) -> Vec<String> {
    let loader = MemoryLoader::new()
        .with("schema/organization.yaml", TENURE_SCHEMA)
        .with("p/policy.yaml", TENURE_POLICY);
    let csv = "组织编号,书记任职日期,组建方式\nA,2025-12-02,单独组建\nB,2028-02-29,联合组建\nC,,\n";
    let [native, rhai] = [true, false].map(|native| {
        let pack = liangxin::load::load_pack(&loader, "p".as_ref()).unwrap();
        let v = liangxin::validate::validate_at(pack, Some(as_of));
        assert!(v.diagnostics.is_empty(), "{:?}", v.diagnostics);
        let (compiled, _) =
            liangxin::compile::compile_with(v.policy, liangxin::sandbox::Limits::default(), native)
                .unwrap();
        assert_eq!(
            compiled.expression_paths(),
            if native { (2, 0) } else { (0, 2) }
        );
        let ledger =
            Ledger::from_csv_bytes(csv.as_bytes(), "t.csv", &compiled.policy.schema).unwrap();
        let e = compiled.evaluate_ledger(&ledger);
        assert!(e.errors.is_empty(), "{:?}", e.errors);
        e.outcomes
            .iter()
            .map(|o| format!("{} {:?}", o.record, o.failed))
            .collect::<Vec<_>>()
    });
    assert_eq!(native, rhai, "on {as_of}");
    native
        .iter()
        .filter(|o| !o.contains("c.tenure"))
        .map(|o| o[..1].to_owned())
        .collect()
}

#[test]
fn a_date_before_the_as_of_date_counts_a_year_of_office() {
    // Appointed 2025-12-02: not a full year on 2026-12-01, a year on 2026-12-02.
    assert_eq!(in_office_a_year("2026-12-01"), Vec::<String>::new());
    assert_eq!(in_office_a_year("2026-12-02"), ["A"]);
    // As calendar.rs adds a year to a leap day (2028-02-29 plus a year is 2029-02-28), a
    // secretary appointed on 2028-02-29 has served a year on 2029-02-28, not a day before.
    assert_eq!(in_office_a_year("2029-02-27"), ["A"]);
    assert_eq!(in_office_a_year("2029-02-28"), ["A", "B"]);

    // The date is computed from the as-of date, never the clock: without one it is an error.
    let loader = MemoryLoader::new()
        .with("schema/organization.yaml", TENURE_SCHEMA)
        .with("p/policy.yaml", TENURE_POLICY);
    let Err(LoadError::Invalid(d)) = prepare(&loader, "p".as_ref()) else {
        panic!("a relative date needs an as-of date");
    };
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].code, "as-of-needed");
    assert_eq!(
        d[0].message,
        "param `one_year_ago` is a date 1 year before the assessment date, and no as-of date was given"
    );
    assert!(d[0].help.as_deref().unwrap_or("").contains("--as-of"));
    assert_eq!((d[0].location.line, d[0].location.column), (8, 19));

    // `--explain` shows the date the param stands for.
    let p = liangxin::prepare_at(&loader, "p".as_ref(), Some("2026-12-02")).unwrap();
    assert_eq!(p.policy.policy.meta.as_of.as_deref(), Some("2026-12-02"));
    let ledger = Ledger::from_csv_bytes(
        "组织编号,书记任职日期,组建方式\nA,2025-12-02,单独组建\n".as_bytes(),
        "t.csv",
        &p.policy.policy.schema,
    )
    .unwrap();
    let e = p.policy.evaluate_ledger(&ledger);
    let trace = p.policy.explain(&e.outcomes[0], &ledger.records[0]);
    let lines = trace.lines(&e.outcomes[0]).join("\n");
    assert!(
        lines.contains(
            "✓ tenure 任职满1年 [secretary_since 书记任职日期 = 2025-12-02, one_year_ago 任职满1年的最晚日期 (2026-12-02 − 1 year) = 2025-12-02]"
        ),
        "{lines}"
    );
}

#[test]
fn labels_and_words_read_as_ids_and_operators() {
    // The member schema's labels: 组织生活 (org_life), 创先争优 (excellence), 一票否决 (veto).
    let policy = r#"
fields: [org_life, excellence, veto]
params:
  excellent_at: { value: 30, label: 优秀线 }
rules:
  - { id: total, kind: points, label: 合计, expr: 组织生活 + 创先争优 }
  - id: c
    kind: checklist
    criteria:
      - { id: good, label: 优秀, expr: 组织生活 + 创先争优 >= 优秀线 and not 一票否决 }
      - { id: either, label: 任一, expr: not 组织生活 > 0 or 创先争优 > 0 }
"#;
    let e = run(
        policy,
        &[],
        "党员编号,组织生活,创先争优,一票否决\nM1,20,10,否\nM2,20,10,是\nM3,0,0,否\nM4,5,0,否\n",
    );
    assert!(e.errors.is_empty(), "{:?}", e.errors);
    let got: Vec<(Option<f64>, Vec<String>)> = e
        .outcomes
        .iter()
        .map(|o| (o.score, o.failed.iter().map(|f| f.to_string()).collect()))
        .collect();
    assert_eq!(
        got,
        [
            (Some(30.0), vec![]),
            (Some(30.0), vec!["c.good".to_owned()]),
            (Some(0.0), vec!["c.good".to_owned()]),
            (Some(5.0), vec!["c.good".to_owned(), "c.either".to_owned()]),
        ]
    );

    // A Chinese name that is no label: an error at its column, with the nearest label.
    let loader = MemoryLoader::new().with(
        "p/policy.yaml",
        format!(
            "{MEMBER_HEAD}fields: [org_life, excellence]\nrules:\n  - {{ id: t, kind: points, expr: 组织生活 and 创先争先 }}\n"
        ),
    );
    let Err(LoadError::Invalid(d)) = prepare(&loader, "p".as_ref()) else {
        panic!("创先争先 is no label");
    };
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(
        d[0].to_string(),
        "error[unknown-name]: `创先争先` is not the label or the id of a declared field or a param
  --> p/policy.yaml:6:43
  |
6 | …- { id: t, kind: points, expr: 组织生活 and 创先争先 }
  |                                              ^^^^^^^^
  = help: did you mean `创先争优` (excellence)?"
    );
}
