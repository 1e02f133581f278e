//! The `table` rule kind and the `quota` group rule, through the library on in-memory packs.

use liangxin::{Evaluation, Ledger, LoadError, MemoryLoader, prepare};

const ORG_HEAD: &str = "id: t\nname: 测试\nsubject: organization\n";

fn evaluate(policy: &str, csv: &str) -> Evaluation {
    let loader = MemoryLoader::new().with("p/policy.yaml", format!("{ORG_HEAD}{policy}"));
    let p = crate::engine::prepared(&loader, "p");
    let ledger = Ledger::from_csv_bytes(csv.as_bytes(), "t.csv", &p.policy.policy.schema).unwrap();
    p.policy.evaluate_ledger(&ledger)
}

fn diagnostics(policy: &str) -> Vec<String> {
    let loader = MemoryLoader::new().with("p/policy.yaml", format!("{ORG_HEAD}{policy}"));
    match prepare(&loader, "p".as_ref()) {
        Err(LoadError::Invalid(d)) => d.iter().map(|d| d.to_string()).collect(),
        Ok(p) => p.warnings.iter().map(|d| d.to_string()).collect(),
        Err(e) => vec![e.to_string()],
    }
}

fn grades(e: &Evaluation) -> Vec<(&str, &str)> {
    e.outcomes
        .iter()
        .map(|o| (o.record.as_str(), o.grade.as_deref().unwrap_or("-")))
        .collect()
}

/// A grade from the score AND two checks: 90 with both → 示范; 90 without one → 达标.
const TABLE: &str = r#"fields: [service_activities, has_secretary, rules_complete, org_type]
rules:
  - { id: base, kind: base, value: 0 }
  - { id: activities, kind: points, expr: service_activities * 10, max: 100 }
  - id: strong_party
    kind: checklist
    label: 党建强
    criteria:
      - { id: secretary, expr: has_secretary }
  - id: strong_growth
    kind: checklist
    label: 发展强
    criteria:
      - { id: rules, expr: rules_complete }
  - id: rating
    kind: table
    label: 等次评定
    rows:
      - { score: "90分以上", 党建强: 是, strong_growth: 是, grade: shifan }
      - { score: ">= 60, < 90", org_type: 社会组织, grade: dabiao }
      - { score: ">= 60", grade: dabiao }
      - { grade: buhege }
grades:
  shifan: { label: 示范, pass: true, money: 20000 }
  dabiao: { label: 达标, pass: true }
  buhege: { label: 不达标 }
"#;

#[test]
fn a_decision_table_grades_by_score_and_checks_first_hit() {
    let csv = "组织编号,服务活动次数,配备书记,工作制度健全,组织类型\n\
               A,9,是,是,非公企业\n\
               B,10,否,是,非公企业\n\
               C,7,是,是,社会组织\n\
               D,2,是,是,非公企业\n";
    let e = evaluate(TABLE, csv);
    assert!(e.errors.is_empty(), "{:?}", e.errors);
    assert_eq!(
        grades(&e),
        [
            ("A", "shifan"),
            ("B", "dabiao"),
            ("C", "dabiao"),
            ("D", "buhege")
        ]
    );
    // The row that matched, in words, is the reason.
    assert_eq!(
        e.outcomes[0].band.as_deref(),
        Some("row 1: score 90 >= 90; 党建强 = 是 (wants 是); strong_growth 发展强 = 是 (wants 是)")
    );
    assert_eq!(
        e.outcomes[2].band.as_deref(),
        Some("row 2: score 70 >= 60, < 90; org_type 组织类型 = 社会组织 (wants 社会组织)")
    );
    assert_eq!(e.summary.money_total.yuan(), 20000.0);
}

#[test]
fn a_record_no_row_matches_is_refused_and_the_others_still_graded() {
    let no_default = TABLE.replace("      - { grade: buhege }\n", "");
    assert!(
        diagnostics(&no_default)
            .iter()
            .any(|d| d.contains("table-no-default")),
        "{:?}",
        diagnostics(&no_default)
    );
    let csv = "组织编号,服务活动次数,配备书记,工作制度健全,组织类型\nA,9,是,是,非公企业\nD,2,是,是,非公企业\n";
    let e = evaluate(&no_default, csv);
    assert_eq!(grades(&e), [("A", "shifan")]);
    assert_eq!(e.errors.len(), 1);
    assert!(
        e.errors[0]
            .message
            .contains("no row of table `rating` matches (score 20"),
        "{}",
        e.errors[0].message
    );
}

#[test]
fn table_mistakes_are_named_where_they_are_written() {
    let typo = TABLE.replace("党建强: 是", "党建弱: 是");
    let d = diagnostics(&typo);
    assert!(
        d.iter().any(|d| d.contains("unknown table input `党建弱`")),
        "{d:?}"
    );
    let bad_cell = TABLE.replace("\"90分以上\"", "about ninety");
    let d = diagnostics(&bad_cell);
    assert!(
        d.iter()
            .any(|d| d.contains("row 1, score: `about ninety` is not a comparison")),
        "{d:?}"
    );
    let bad_choice = TABLE.replace("org_type: 社会组织", "org_type: 协会");
    let d = diagnostics(&bad_choice);
    assert!(
        d.iter()
            .any(|d| d.contains("`协会` is not a value of 组织类型")),
        "{d:?}"
    );
    let no_grade = TABLE.replace("{ grade: buhege }", "{ score: \"< 60\" }");
    let d = diagnostics(&no_grade);
    assert!(
        d.iter()
            .any(|d| d.contains("row 4 of table `rating` has no `grade`")),
        "{d:?}"
    );
    let with_bands = format!("{TABLE}bands:\n  on: score\n  grades:\n    - {{ grade: buhege }}\n");
    let d = diagnostics(&with_bands);
    assert!(
        d.iter()
            .any(|d| d.contains("so do the `bands`: keep one of them")),
        "{d:?}"
    );
}

/// At most 2 示范 per district, ranked by score then by 服务活动次数; the rest are 达标.
const QUOTA: &str = r#"fields: [district, committee_meetings, service_activities]
rules:
  - { id: base, kind: base, value: 0 }
  - { id: meetings, kind: points, expr: committee_meetings * 10 }
bands:
  on: score
  grades:
    - { grade: shifan, at_least: 90 }
    - { grade: dabiao, below: 90 }
grades:
  shifan: { label: 示范, pass: true, money: 20000 }
  dabiao: { label: 达标, pass: true }
group_rules:
  - id: shifan_quota
    kind: quota
    label: 每区示范名额
    by: district
    select: { grades: [shifan], prefer: [score, service_activities] }
    at_most: 2
    demote_to: dabiao
"#;

#[test]
fn a_quota_keeps_the_best_and_demotes_the_rest_everywhere() {
    // 东城: E1 (100), E2 (90, 5 activities), E3 (90, 3 activities) qualify: E3 is demoted.
    // 西城: W1 qualifies alone and keeps its place.
    let csv = "组织编号,所在区县,支委会次数,服务活动次数\n\
               E1,东城,10,1\nE2,东城,9,5\nE3,东城,9,3\nE4,东城,5,9\nW1,西城,9,0\n";
    let e = evaluate(QUOTA, csv);
    assert!(e.errors.is_empty(), "{:?}", e.errors);
    assert_eq!(
        grades(&e),
        [
            ("E1", "shifan"),
            ("E2", "shifan"),
            ("E3", "dabiao"),
            ("E4", "dabiao"),
            ("W1", "shifan")
        ]
    );
    let e3 = &e.outcomes[2];
    assert_eq!(e3.grade_label.as_deref(), Some("达标"));
    assert_eq!(e3.money.yuan(), 0.0);
    assert_eq!(
        e3.quotas[0].text,
        "ranked 3rd of 3 qualifying in 东城; quota 2; demoted to 达标"
    );
    // The money and the grade counts are the quota's: 3 × 20,000, not 4 × 20,000.
    assert_eq!(e.summary.money_total.yuan(), 60000.0);
    assert_eq!(e.summary.by_grade["shifan"], 3);
    let rule = &e.group_rules[0];
    assert_eq!(rule.at_most, Some(2));
    assert_eq!(rule.groups[0].kept.len(), 2);
    assert_eq!(rule.groups[0].demoted[0].record, "E3");
    assert!(rule.findings.is_empty(), "{:?}", rule.findings);
}

#[test]
fn a_tie_at_the_cut_is_never_settled_silently() {
    // E2 and E3 tie on score and on 服务活动次数 for the one place left after E1.
    let csv = "组织编号,所在区县,支委会次数,服务活动次数\n\
               E1,东城,10,1\nE2,东城,9,5\nE3,东城,9,5\nW1,西城,9,0\n";
    let e = evaluate(QUOTA, csv);
    assert_eq!(grades(&e), [("E1", "shifan"), ("W1", "shifan")]);
    let refused: Vec<&str> = e
        .errors
        .iter()
        .filter_map(|x| x.record.as_deref())
        .collect();
    assert_eq!(refused, ["E2", "E3"]);
    assert!(
        e.errors[0]
            .message
            .contains("tied with E3 for the last 1 place of 2 in 东城"),
        "{}",
        e.errors[0].message
    );
    let rule = &e.group_rules[0];
    assert_eq!(rule.groups[0].tied.len(), 2);
    assert!(
        rule.findings
            .iter()
            .any(|f| f.contains("2 records tie for the last 1 place of 2 (E2, E3)")),
        "{:?}",
        rule.findings
    );
    // Nothing is paid for the undecided place.
    assert_eq!(e.summary.money_total.yuan(), 40000.0);
}

/// Grades named by their Chinese labels in a quota, as staff say them.
#[test]
fn a_quota_names_grades_by_label_too() {
    let by_label = QUOTA
        .replace("grades: [shifan]", "grades: [示范]")
        .replace("demote_to: dabiao", "demote_to: 达标");
    assert!(
        diagnostics(&by_label).is_empty(),
        "{:?}",
        diagnostics(&by_label)
    );
    let csv = "组织编号,所在区县,支委会次数,服务活动次数\n\
               E1,东城,10,1\nE2,东城,9,5\nE3,东城,9,3\n";
    assert_eq!(
        grades(&evaluate(&by_label, csv)),
        [("E1", "shifan"), ("E2", "shifan"), ("E3", "dabiao")]
    );
}

#[test]
fn quota_mistakes_are_refused() {
    let d = diagnostics(&QUOTA.replace("demote_to: dabiao", "demote_to: shifan"));
    assert!(d.iter().any(|d| d.contains("would compete again")), "{d:?}");
    // Every problem of a quota at once, `by` included.
    let both = QUOTA
        .replace("demote_to: dabiao", "demote_to: shifan")
        .replace("by: district", "by: grid");
    let d = diagnostics(&both);
    assert!(d.iter().any(|d| d.contains("would compete again")), "{d:?}");
    assert!(d.iter().any(|d| d.contains("grid")), "{d:?}");
    let d = diagnostics(&QUOTA.replace("at_most: 2", "at_most: 1.5"));
    assert!(
        d.iter()
            .any(|d| d.contains("a whole number from 1, not 1.5")),
        "{d:?}"
    );
    let d = diagnostics(&QUOTA.replace("    demote_to: dabiao\n", ""));
    assert!(d.iter().any(|d| d.contains("needs `demote_to`")), "{d:?}");
}

/// 限期整改 within 3 months: the due date is the assessment date plus 3 months, in the
/// outcome and in the table staff read; without an assessment date it is left out, not guessed.
#[test]
fn a_treatment_is_due_a_time_after_the_assessment_date() {
    let policy = format!(
        "{ORG_HEAD}fields: [committee_meetings]\nrules:\n  - {{ id: base, kind: base, value: 0 }}\n  - {{ id: meetings, kind: points, expr: committee_meetings }}\nbands:\n  on: score\n  grades:\n    - {{ grade: ok, at_least: 4 }}\n    - {{ grade: remedial, below: 4 }}\ngrades:\n  ok: {{ label: 合格, pass: true }}\n  remedial:\n    label: 整改\n    actions: [限期整改]\n    due: {{ months: 3, assumed: true }}\n"
    );
    let loader = MemoryLoader::new().with("p/policy.yaml", policy);
    let csv = "组织编号,支委会次数\nA,6\nB,2\n";
    let due = |as_of: Option<&str>| {
        let p = liangxin::prepare_at(&loader, "p".as_ref(), as_of).unwrap();
        let ledger =
            Ledger::from_csv_bytes(csv.as_bytes(), "t.csv", &p.policy.policy.schema).unwrap();
        let e = p.policy.evaluate_ledger(&ledger);
        let dues: Vec<Option<String>> = e
            .outcomes
            .iter()
            .map(|o| o.due.as_deref().map(str::to_owned))
            .collect();
        (dues, e)
    };
    let (dues, e) = due(Some("2026-11-30"));
    assert_eq!(dues, [None, Some("2027-02-28".to_owned())]);
    let options = liangxin::report::Options {
        excel: true,
        ..Default::default()
    };
    let bytes =
        liangxin::report::render_evaluation(&e, liangxin::report::Format::Csv, options).unwrap();
    let table = String::from_utf8(bytes).unwrap();
    assert!(table.contains("整改期限"), "{table}");
    assert!(table.contains("2027-02-28"), "{table}");
    assert_eq!(due(None).0, [None, None]);
}

/// A streamed summary counts grades block by block, before a quota could apply: the library
/// refuses to stream a pack with a quota rather than give the unquota'd totals.
#[test]
fn a_pack_with_a_quota_is_not_streamed() {
    let loader = MemoryLoader::new().with("p/policy.yaml", format!("{ORG_HEAD}{QUOTA}"));
    let p = prepare(&loader, "p".as_ref()).unwrap();
    let csv = "组织编号,所在区县,支委会次数,服务活动次数\nE1,东城,10,1\n";
    let options = liangxin::stream::StreamOptions::default();
    let Err(err) = liangxin::stream::evaluate_csv(&p.policy, csv.as_bytes(), "t.csv", options)
    else {
        panic!("a pack with a quota was streamed");
    };
    assert!(
        err.to_string()
            .contains("quota `shifan_quota` needs every record at once"),
        "{err}"
    );
}

/// Found by a new user's trial: a quota must not keep or guess the place of a record it cannot
/// group, must not touch a vetoed record, and must not move the leaderboard.
#[test]
fn a_quota_refuses_what_it_cannot_place_and_leaves_vetoes_and_ranks_alone() {
    // W2 has no 所在区县: it would keep 示范 (and its money) outside every street's count.
    let csv = "组织编号,所在区县,支委会次数,服务活动次数\n\
               E1,东城,10,1\nE2,东城,9,5\nE3,东城,9,3\nW2,,9,9\n";
    let e = evaluate(QUOTA, csv);
    let refused: Vec<&str> = e
        .errors
        .iter()
        .filter_map(|x| x.record.as_deref())
        .collect();
    assert_eq!(refused, ["W2"]);
    assert!(
        e.errors[0].message.contains(
            "所在区县 (district) is empty, so the record's place in the quota cannot be decided"
        ),
        "{}",
        e.errors[0].message
    );
    assert_eq!(e.summary.money_total.yuan(), 40000.0);

    // A veto's grade holds whatever the score: a vetoed 示范 is neither ranked nor demoted.
    let vetoing = QUOTA.replacen(
        "rules:\n",
        "rules:\n  - { id: no_service, kind: veto, when: service_activities == 0, grade: shifan }\n",
        1,
    );
    let vetoing = format!("{vetoing}ranking: {{ by: score }}\n");
    let csv = "组织编号,所在区县,支委会次数,服务活动次数\n\
               E1,东城,10,1\nE2,东城,9,5\nE3,东城,9,5\nE4,东城,1,0\nE5,东城,7,2\n";
    let e = evaluate(&vetoing, csv);
    let e4 = e.outcomes.iter().find(|o| o.record == "E4").unwrap();
    assert_eq!((e4.grade.as_deref(), e4.vetoed), (Some("shifan"), true));
    assert!(e4.quotas.is_empty(), "{:?}", e4.quotas);
    // E2 and E3 tie for the last place and are refused; E5 (70) is still 4th, not 2nd.
    let refused: Vec<&str> = e
        .errors
        .iter()
        .filter_map(|x| x.record.as_deref())
        .collect();
    assert_eq!(refused, ["E2", "E3"]);
    let e5 = e.outcomes.iter().find(|o| o.record == "E5").unwrap();
    assert_eq!(e5.rank, Some(4));
}

/// A vetoed record gets its veto's grade even when no row of the table would match it; an
/// empty cell in a table is refused (it reads like "empty", not "any"); `!=` on an empty
/// choice is not answered by guess.
#[test]
fn tables_leave_vetoes_alone_and_never_read_empty_as_any() {
    let table = TABLE
        .replace("      - { grade: buhege }\n", "")
        .replace(
            "  - id: rating\n",
            "  - { id: no_rules, kind: veto, when: \"!rules_complete\", grade: buhege }\n  - id: rating\n",
        );
    let csv = "组织编号,服务活动次数,配备书记,工作制度健全,组织类型\nV,2,是,否,非公企业\n";
    let e = evaluate(&table, csv);
    assert!(e.errors.is_empty(), "{:?}", e.errors);
    assert_eq!(grades(&e), [("V", "buhege")]);
    // The table was not asked: its result has no row.
    let rating = e.outcomes[0]
        .rules
        .iter()
        .find(|r| r.kind == "table")
        .unwrap();
    assert_eq!((rating.passed, rating.value), (None, None));

    let d = diagnostics(&TABLE.replace("org_type: 社会组织", "org_type: \"\""));
    assert!(
        d.iter()
            .any(|d| d.contains("an empty cell: write `-` for any value")),
        "{d:?}"
    );

    let not_standalone = "fields: [branch_form]\nrules:\n  - id: form\n    kind: table\n    rows:\n      - { 组建方式: \"!= 单独组建\", grade: joint }\n      - { grade: standalone }\ngrades:\n  joint: { label: 联合 }\n  standalone: { label: 单独 }\n";
    let csv = "组织编号,组建方式\nC,\n";
    let e = evaluate(not_standalone, csv);
    assert_eq!(e.outcomes.len(), 0);
    assert!(
        e.errors[0].message.contains("cannot be decided"),
        "{}",
        e.errors[0].message
    );
}

/// A grade written by its label is the grade; a misspelt one is one error, not two; a grade id
/// YAML reads as yes/no says to quote it.
#[test]
fn table_grades_by_label_and_one_error_each() {
    let by_label = TABLE.replace(
        "grade: dabiao }\n      - { grade: buhege }",
        "grade: 达标 }\n      - { grade: 不达标 }",
    );
    let csv = "组织编号,服务活动次数,配备书记,工作制度健全,组织类型\nD,2,是,是,非公企业\n";
    assert_eq!(grades(&evaluate(&by_label, csv)), [("D", "buhege")]);
    let d = diagnostics(&TABLE.replace("grade: buhege }", "grade: buhegee }"));
    assert_eq!(
        d.iter().filter(|d| d.starts_with("error")).count(),
        1,
        "{d:?}"
    );
    let d = diagnostics(&TABLE.replace("grade: buhege }", "grade: no }"));
    assert!(d.iter().any(|d| d.contains("put it in quotes")), "{d:?}");
    assert_eq!(
        d.iter().filter(|d| d.starts_with("error")).count(),
        1,
        "{d:?}"
    );
}

/// A quota that does not say how to rank leaves every over-full group undecided: `check` says
/// so before a ledger does.
#[test]
fn a_quota_without_a_ranking_is_warned_about() {
    let d = diagnostics(&QUOTA.replace(", prefer: [score, service_activities]", ""));
    assert!(d.iter().any(|d| d.contains("quota-unranked")), "{d:?}");
}

/// Found in review: a quota's `when` would let other grades compete (a failing record
/// "demoted" upward); a table key that is both a rule's and a field's label is ambiguous; a
/// quota place over a ledger with refused records is not final.
#[test]
fn quota_when_and_ambiguous_table_keys_are_refused_and_places_say_when_not_final() {
    let d = diagnostics(&QUOTA.replace(
        "select: { grades: [shifan],",
        "select: { grades: [shifan], when: \"committee_meetings >= 3\",",
    ));
    assert!(
        d.iter()
            .any(|d| d.contains("`when` would let records of other grades compete")),
        "{d:?}"
    );

    let ambiguous = TABLE.replace("label: 党建强", "label: 配备书记");
    let ambiguous = ambiguous.replace("党建强: 是", "配备书记: 是");
    let d = diagnostics(&ambiguous);
    assert!(
        d.iter()
            .any(|d| d.contains("names both a rule and a field")),
        "{d:?}"
    );

    let csv = "组织编号,所在区县,支委会次数,服务活动次数\n\
               E1,东城,x,1\nE2,东城,9,5\nE3,东城,9,3\n";
    let e = evaluate(QUOTA, csv);
    let e2 = e.outcomes.iter().find(|o| o.record == "E2").unwrap();
    assert!(
        e2.quotas[0].text.contains("not final: 1 record(s)"),
        "{:?}",
        e2.quotas
    );
}

/// A criterion switched off (`enabled: false`) is neither asked nor counted: a record failing
/// only it passes the checklist, `at_least` by default counts the criteria switched on, and a
/// checklist with every criterion off is refused where it is written.
#[test]
fn a_criterion_switched_off_is_not_asked_or_counted() {
    let pack = |second: &str| {
        format!(
            "fields: [has_secretary, rules_complete]\nrules:\n  - id: strong\n    kind: checklist\n    criteria:\n      - {{ id: secretary, expr: has_secretary }}\n      - {{ id: rules, expr: rules_complete{second} }}\n"
        )
    };
    let csv = "组织编号,配备书记,工作制度健全\nO1,是,否\nO2,否,是\n";
    let checklist = |e: &Evaluation| -> Vec<(String, Option<bool>, Vec<String>)> {
        e.outcomes
            .iter()
            .map(|o| {
                let r = o.rules.iter().find(|r| r.id.as_ref() == "strong").unwrap();
                (
                    o.record.clone(),
                    r.passed,
                    o.failed.iter().map(|f| f.to_string()).collect(),
                )
            })
            .collect()
    };
    let on = checklist(&evaluate(&pack(""), csv));
    assert_eq!(
        on[0],
        ("O1".into(), Some(false), vec!["strong.rules".into()])
    );
    let off = checklist(&evaluate(&pack(", enabled: false"), csv));
    assert_eq!(
        off[0],
        ("O1".into(), Some(true), vec![]),
        "only the criterion switched on is asked"
    );
    assert_eq!(
        off[1],
        ("O2".into(), Some(false), vec!["strong.secretary".into()])
    );
    let all_off =
        pack(", enabled: false").replace("has_secretary }", "has_secretary, enabled: false }");
    let found = diagnostics(&all_off);
    assert!(
        found
            .iter()
            .any(|d| d.contains("every criterion of checklist `strong` is switched off")),
        "{found:?}"
    );
}
