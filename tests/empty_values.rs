//! Values as logic sees them. Empty values: a field left empty never satisfies a comparison,
//! on the native path and in Rhai alike; a default fills only the cells of a field that
//! declares one; `check` warns when a default alone makes a criterion pass. Float noise: a
//! whole number Excel stores as -30.000000000000004 is read as -30.

use liangxin::{Evaluation, FsLoader, Ledger, MemoryLoader};

/// An organization schema with the issue's field: 书记任职日期, a date that may be left empty.
const SCHEMA: &str = r#"
subject: organization
label: 党组织
id_field: id
fields:
  id: { label: 组织编号, type: string }
  name: { label: 组织名称, type: string, default: "" }
  secretary_since: { label: 书记任职日期, type: date, default: "" }
  grid:
    label: 所属网格
    type: enum
    values: { food: 食品饮料, printing: 印刷包装 }
    default: ""
  meetings: { label: 会议次数, type: int }
  trained: { label: 书记参加培训, type: bool, default: true }
"#;

const HEAD: &str = "id: t\nname: 测试\nsubject: organization\nfields: [secretary_since, grid, meetings]\nparams:\n  since_by: { value: \"2023-06-30\" }\n";

/// A, in office since 2022; B, since 2024; C, 书记任职日期 left empty.
const LEDGER: &str =
    "组织编号,书记任职日期,所属网格,会议次数\nA,2022-01-01,食品饮料,3\nB,2024-01-01,,0\nC,,,2\n";

fn loader(rules: &str, script: Option<&str>) -> MemoryLoader {
    let mut loader = MemoryLoader::new()
        .with("schema/organization.yaml", SCHEMA)
        .with("p/policy.yaml", format!("{HEAD}{rules}"));
    if let Some(script) = script {
        loader = loader.with("p/scripts/tenure.rhai", script);
    }
    loader
}

/// The pack evaluated natively and in Rhai only.
fn both_paths(rules: &str, script: Option<&str>) -> [Evaluation; 2] {
    let loader = loader(rules, script);
    [true, false].map(|native| {
        let pack = liangxin::load::load_pack(&loader, "p".as_ref()).unwrap();
        let v = liangxin::validate::validate(pack);
        let (compiled, _) =
            liangxin::compile::compile_with(v.policy, liangxin::sandbox::Limits::default(), native)
                .unwrap();
        let ledger =
            Ledger::from_csv_bytes(LEDGER.as_bytes(), "t.csv", &compiled.policy.schema).unwrap();
        compiled.evaluate_ledger(&ledger)
    })
}

fn checklist(expr: &str) -> String {
    format!(
        "rules:\n  - id: c\n    kind: checklist\n    criteria:\n      - {{ id: tenure, label: 任职满期, expr: '{expr}' }}\n"
    )
}

/// Per record: whether the criterion was met, or the error's message.
fn results(e: &Evaluation) -> Vec<(String, Result<bool, String>)> {
    let mut out: Vec<_> = e
        .outcomes
        .iter()
        .map(|o| (o.record.to_string(), Ok(o.failed.is_empty())))
        .chain(e.errors.iter().map(|e| {
            let id = e.record.clone().unwrap_or_default();
            (id.to_string(), Err(e.message.clone()))
        }))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The issue's case: `"" <= "2023-06-30"` holds for text, so an empty 书记任职日期 passed
/// `since <= date`. Now the record is refused, naming the field, on both paths.
#[test]
fn an_empty_date_never_satisfies_a_comparison() {
    for expr in [
        "secretary_since <= since_by",
        "since_by >= secretary_since",
        "secretary_since > \"2000-01-01\"",
        "!(secretary_since > since_by)",
    ] {
        for e in both_paths(&checklist(expr), None) {
            let r = results(&e);
            assert_eq!(r.len(), 3, "{expr}");
            assert!(r[0].1.is_ok(), "{expr}: {r:?}");
            assert!(r[1].1.is_ok(), "{expr}: {r:?}");
            let message = r[2].1.as_ref().unwrap_err();
            assert!(
                message.starts_with(
                    "criterion `tenure`: 书记任职日期 (secretary_since) is empty; an empty value cannot be compared"
                ),
                "{expr}: {message}"
            );
            assert_eq!(e.errors[0].rule.as_deref(), Some("c"));
        }
    }
    let [native, rhai] = both_paths(&checklist("secretary_since <= since_by"), None);
    assert_eq!(native.outcomes, rhai.outcomes);
    assert_eq!(results(&native)[0].1, Ok(true));
    assert_eq!(results(&native)[1].1, Ok(false));
}

/// `== ""` and `!= ""` still ask whether a field was filled, so a pack can say what an empty
/// date means; guarded that way, the comparison is never reached and nothing is refused.
#[test]
fn an_empty_value_equals_only_empty_text_and_a_guard_answers_for_it() {
    for (expr, expected) in [
        (
            "secretary_since != \"\" && secretary_since <= since_by",
            [true, false, false],
        ),
        (
            "secretary_since == \"\" || secretary_since <= since_by",
            [true, false, true],
        ),
        ("grid == \"\"", [false, true, true]),
        ("grid != \"food\"", [false, true, true]),
        ("grid == secretary_since", [false, false, true]),
        // Through `if`, an empty field stays empty.
        (
            "(if meetings > 0 { grid } else { \"food\" }) == \"\"",
            [false, false, true],
        ),
    ] {
        let [native, rhai] = both_paths(&checklist(expr), None);
        assert_eq!(native.outcomes, rhai.outcomes, "{expr}");
        for e in [native, rhai] {
            let met: Vec<_> = results(&e).into_iter().map(|(_, r)| r).collect();
            assert_eq!(met, expected.map(Ok), "{expr}");
        }
    }
}

/// An empty value reaching a comparison through `if`, or inside a script function, is refused
/// the same way.
#[test]
fn an_empty_value_is_refused_through_if_and_in_scripts() {
    let expr = "(if meetings > 0 { secretary_since } else { \"2000-01-01\" }) <= since_by";
    let [native, rhai] = both_paths(&checklist(expr), None);
    assert_eq!(native.outcomes, rhai.outcomes);
    for e in [native, rhai] {
        assert_eq!(e.errors.len(), 1, "{:?}", e.errors);
        assert_eq!(e.errors[0].record.as_deref(), Some("C"));
        assert!(
            e.errors[0]
                .message
                .contains("书记任职日期 (secretary_since) is empty")
        );
    }
    let script = "fn tenure_ok(since, by) {\n    since <= by\n}\n";
    let e = &both_paths(
        &checklist("tenure_ok(secretary_since, since_by)"),
        Some(script),
    )[1];
    assert_eq!(e.errors.len(), 1, "{:?}", e.errors);
    let message = &e.errors[0].message;
    assert!(
        message.contains("书记任职日期 (secretary_since) is empty")
            && message.contains("in function `tenure_ok` (p/scripts/tenure.rhai:2:"),
        "{message}"
    );
}

/// The warnings `check` shows for a pack of the test schema reading `fields`.
fn warnings(fields: &str, rules: &str) -> Vec<liangxin::Diagnostic> {
    let policy = format!(
        "id: t\nname: 测试\nsubject: organization\nfields: [{fields}]\nparams:\n  since_by: {{ value: \"2023-06-30\" }}\n{rules}"
    );
    let loader = MemoryLoader::new()
        .with("schema/organization.yaml", SCHEMA)
        .with("p/policy.yaml", policy);
    match liangxin::prepare(&loader, "p".as_ref()) {
        Ok(p) => p.warnings,
        Err(e) => panic!("{e:?}"),
    }
}

/// A default fills an empty cell only where the schema declares one (a field without one is
/// the record's error: `engine::a_missing_required_value_names_the_field`), and `check` warns
/// where a default alone makes a criterion, a veto, a payment or a group's condition hold.
#[test]
fn a_default_that_makes_a_condition_hold_is_a_warning() {
    let rules = r#"rules:
  - id: c
    kind: checklist
    criteria:
      - { id: trained, label: 培训, expr: trained }
      - { id: both, label: 两者, expr: "trained && meetings >= 2" }
      - { id: no_grid, label: 无网格, expr: 'grid == ""' }
  - { id: v, kind: veto, when: "!trained", grade: g }
  - { id: m, kind: money, when: 'trained || grid != ""', amount: 100 }
grades:
  g: { label: 甲 }
"#;
    let w = warnings("trained, meetings, grid", rules);
    let w: Vec<_> = w.into_iter().filter(|d| d.code != "unused-param").collect();
    let shown: Vec<(&str, String, u32)> = w
        .iter()
        .map(|d| (d.code, d.message.clone(), d.location.line))
        .collect();
    assert_eq!(
        shown,
        [
            (
                "default-passes",
                "criterion `trained` of `c` passes when 书记参加培训 (trained) is left empty: its default is 是; an empty cell would count as met".to_owned(),
                11
            ),
            (
                "default-passes",
                "money rule `m` pays when 书记参加培训 (trained) is left empty: its default is 是; an empty cell would be paid for".to_owned(),
                15
            ),
        ],
        "{w:#?}"
    );
    // Rendered by `check` at the criterion, with what to do.
    let text = w[0].to_string();
    assert!(
        text.contains("p/policy.yaml:11:")
            && text.contains("help: if an empty cell must not count"),
        "{text}"
    );
}

/// A condition that orders a field which may be left empty, without testing it first, would
/// refuse every record that leaves it empty: `check` says so before any ledger is read.
#[test]
fn ordering_a_field_that_may_be_empty_is_a_warning_until_it_is_tested() {
    let rules = |expr: &str| {
        format!(
            "rules:\n  - id: c\n    kind: checklist\n    criteria:\n      - {{ id: tenure, label: 任职, expr: '{expr}' }}\n"
        )
    };
    let w = warnings("secretary_since", &rules("secretary_since <= since_by"));
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].code, "empty-compared");
    assert!(
        w[0].message
            == "criterion `tenure` of `c` orders 书记任职日期 (secretary_since) without testing whether it was filled: every record that leaves it empty would be refused",
        "{}",
        w[0].message
    );
    for guarded in [
        "secretary_since != \"\" && secretary_since <= since_by",
        "secretary_since == \"\" || secretary_since <= since_by",
    ] {
        let w = warnings("secretary_since", &rules(guarded));
        assert!(w.is_empty(), "{guarded}: {w:#?}");
    }
}

/// Every pack under fixtures/warnings/ is valid, with exactly one warning of the kind it is
/// named for, rendered as `check` shows it (snapshotted).
#[test]
fn warning_fixtures() {
    insta::glob!("../fixtures/warnings", "*.yaml", |path| {
        let path = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(path);
        let name = path.display().to_string();
        let warnings = match liangxin::prepare(&FsLoader, path) {
            Ok(p) => p.warnings,
            Err(e) => panic!("{name} should be valid: {e:?}"),
        };
        let code = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let rendered: Vec<String> = warnings.iter().map(|d| d.to_string()).collect();
        assert!(
            warnings.len() == 1 && warnings[0].code == code,
            "{name} should have one `{code}` warning:\n{}",
            rendered.join("\n\n")
        );
        insta::assert_snapshot!(rendered.join("\n\n"));
    });
}

/// Excel computes in binary: a sum it shows as -30 may be stored as -30.000000000000004. In a
/// whole-number field that reads as -30 (within `number::WHOLE_TOLERANCE`), from a workbook, a
/// CSV export or JSON alike; 30.4 is still the cell's error. Decimals lose the noise too, so a
/// rating of 100.00000000000001 is within its maximum of 100.
#[test]
fn excel_float_noise_in_whole_numbers_reads_as_the_whole_number() {
    let policy = "id: t\nname: 测试\nsubject: member\nfields: [org_life, excellence]\nrules:\n  - { id: org_life, kind: points, expr: org_life }\n  - { id: excellence, kind: points, expr: excellence }\n";
    let loader = MemoryLoader::new().with("p/policy.yaml", policy);
    let p = liangxin::prepare(&loader, "p".as_ref()).unwrap();
    let schema = &p.policy.policy.schema;
    let check = |ledger: &Ledger, source: &str| {
        let e = p.policy.evaluate_ledger(ledger);
        let scores: Vec<_> = e.outcomes.iter().map(|o| (&*o.record, o.score)).collect();
        assert_eq!(scores, [("A", Some(0.0)), ("C", Some(-2.0))], "{source}");
        let values: Vec<_> = e.outcomes[0].rules.iter().map(|r| r.value).collect();
        assert_eq!(values, [Some(-30.0), Some(30.0)], "{source}");
        assert_eq!(e.errors.len(), 1, "{source}: {:?}", e.errors);
        assert_eq!(e.errors[0].record.as_deref(), Some("B"), "{source}");
        assert!(
            e.errors[0].message.contains("`30.4` is not a whole number"),
            "{source}: {}",
            e.errors[0].message
        );
    };
    let rows: [(&str, f64, f64); 3] = [
        ("A", -30.000_000_000_000_004, 29.999_999_999_999_996),
        ("B", 30.4, 0.0),
        ("C", 1000.3 - 970.3, -32.0),
    ];

    // A workbook, as Excel saves the numbers.
    let dir = std::env::temp_dir().join(format!("liangxin-float-noise-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("noise.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, label) in ["党员编号", "组织生活", "创先争优"].into_iter().enumerate() {
        sheet.write_string(0, c as u16, label).unwrap();
    }
    for (r, (id, a, b)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, *id).unwrap();
        sheet.write_number(r, 1, *a).unwrap();
        sheet.write_number(r, 2, *b).unwrap();
    }
    book.save(&file).unwrap();
    check(&Ledger::read(&file, schema).unwrap(), "xlsx");
    std::fs::remove_dir_all(&dir).unwrap();

    // The same numbers in a CSV export and in JSON.
    let mut csv = "党员编号,组织生活,创先争优\n".to_owned();
    let mut json = Vec::new();
    for (id, a, b) in rows {
        csv.push_str(&format!("{id},{a},{b}\n"));
        json.push(format!(
            "{{\"id\": \"{id}\", \"org_life\": {a}, \"excellence\": {b}}}"
        ));
    }
    check(
        &Ledger::from_csv_bytes(csv.as_bytes(), "t.csv", schema).unwrap(),
        "csv",
    );
    let json = format!("[{}]", json.join(",\n"));
    check(
        &Ledger::from_json_str(&json, "t.json", schema).unwrap(),
        "json",
    );

    let org = liangxin::Schema::builtin(liangxin::Subject::Organization);
    let rating = org.field("secretary_rating").unwrap();
    assert_eq!(
        rating.parse_cell("100.00000000000001"),
        Ok(Some(liangxin::value::Value::Decimal(100.0)))
    );
    assert_eq!(
        rating.parse_json(&serde_json::json!(29.999_999_999_999_996)),
        Ok(Some(liangxin::value::Value::Decimal(30.0)))
    );
    let members = org.field("member_count").unwrap();
    assert!(
        members
            .parse_json(&serde_json::json!(9_007_199_254_740_993_i64))
            .unwrap_err()
            .contains("too large to be counted exactly")
    );
}
