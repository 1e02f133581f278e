//! Ledgers as staff really keep them: rows that are not records, headers that are not one tidy
//! row, columns that clash, rates typed three ways, ids typed differently. Each is read right or
//! refused where it is, never graded wrong.

use liangxin::ledger::{ColumnChoice, ReadOptions};
use liangxin::{Ledger, LedgerError, Schema, Subject};

const HEADER: &str = "党员编号,姓名,所在组织,所在区县,年度,组织生活,创先争优,服务职工,遵纪守法,群众反映,创新工作加分,工作失误扣分,一票否决";

fn members(csv: &str) -> Ledger {
    read(csv, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn read(csv: &str, options: &ReadOptions) -> Result<Ledger, LedgerError> {
    let schema = Schema::builtin(Subject::Member);
    Ledger::from_csv_bytes_with(csv.as_bytes(), "台账.csv", &schema, options)
}

fn ids(ledger: &Ledger) -> Vec<&str> {
    ledger.records.iter().map(|r| r.id.as_str()).collect()
}

fn cell(ledger: &Ledger, id: &str, field: &str) -> liangxin::ledger::Cell {
    let schema = Schema::builtin(Subject::Member);
    let index = schema.index_of(field).unwrap();
    let record = ledger.records.iter().find(|r| r.id == id).unwrap();
    record.cells[index].clone()
}

fn int(n: i64) -> liangxin::ledger::Cell {
    liangxin::ledger::Cell::Value(liangxin::value::Value::Int(n))
}

#[test]
fn summary_note_and_signature_rows_are_skipped_and_counted_never_graded() {
    let csv = format!(
        "{HEADER}\n\
         LW1,甲,一支部,龙文区,2024,-10,5,0,0,0,0,0,否\n\
         LW2,乙,一支部,龙文区,2024,-20,5,0,0,0,0,0,否\n\
         合计,,,,,-30,10,0,0,0,0,0,\n\
         平均,,,,,-15,5,0,0,0,0,0,\n\
         ,,合 计,,,-30,10,0,0,0,0,0,\n\
         备注：组织生活按次计分。,,,,,,,,,,,,\n\
         填表人：张三,,,审核人：李四,,,,,,,,,\n"
    );
    let ledger = members(&csv);
    assert_eq!(ids(&ledger), ["LW1", "LW2"]);
    assert!(ledger.errors.is_empty(), "{:?}", ledger.errors);
    let notes = ledger.notes.join("\n");
    assert!(notes.contains("skipped 3 summary row(s)"), "{notes}");
    assert!(notes.contains("rows 4, 5, 6"), "{notes}");
    assert!(
        notes.contains("skipped 2 note or signature row(s)"),
        "{notes}"
    );

    // Graded under Longwen's standard, the summary rows are nowhere: not a record, not a rate.
    let prepared = crate::pack("policies/longwen-points");
    let evaluation = prepared.policy.evaluate_ledger(&ledger);
    assert_eq!(evaluation.outcomes.len(), 2);
    assert_eq!(evaluation.summary.records, 2);
}

#[test]
fn a_repeated_header_is_skipped_and_a_pasted_block_is_read_by_its_own_header() {
    let csv = format!(
        "{HEADER}\n\
         LW1,甲,一支部,龙文区,2024,-10,5,0,0,0,0,0,否\n\
         {HEADER}\n\
         LW2,乙,一支部,龙文区,2024,-20,5,0,0,0,0,0,否\n\
         姓名,党员编号,所在组织,所在区县,年度,创先争优,组织生活,服务职工,遵纪守法,群众反映,创新工作加分,工作失误扣分,一票否决\n\
         丙,LW3,二支部,龙文区,2024,7,-3,0,0,0,0,0,否\n"
    );
    let ledger = members(&csv);
    assert_eq!(ids(&ledger), ["LW1", "LW2", "LW3"]);
    assert!(ledger.errors.is_empty(), "{:?}", ledger.errors);
    // Read by the pasted block's header: 组织生活 is its seventh column, not its sixth.
    assert_eq!(cell(&ledger, "LW3", "org_life"), int(-3));
    assert_eq!(cell(&ledger, "LW3", "excellence"), int(7));
    let notes = ledger.notes.join("\n");
    assert!(
        notes.contains("skipped 1 repeated header or title row(s) at row 3"),
        "{notes}"
    );
    assert!(
        notes.contains("row 5 is a header in another column order"),
        "{notes}"
    );
}

/// A sheet kept over two years: 2023 and 2024 blocks under merged group names, the same
/// sub-headers in each.
const TWO_YEARS: &str = "\
党员编号,姓名,2023年,,2024年,\n\
,,组织生活,创先争优,组织生活,创先争优\n\
LW1,甲,-10,5,-40,2\n\
LW2,乙,-20,6,0,3\n";

#[test]
fn two_columns_for_one_field_are_refused_naming_both_unless_one_is_chosen() {
    let Err(error) = read(TWO_YEARS, &ReadOptions::default()) else {
        panic!("a two-year sheet must not be read from its first block");
    };
    let error = error.to_string();
    assert!(
        error.contains("C (2023年 › 组织生活) and E (2024年 › 组织生活)"),
        "{error}"
    );
    assert!(
        error.contains("D (2023年 › 创先争优) and F (2024年 › 创先争优)"),
        "{error}"
    );
    assert!(error.contains("--column 组织生活=2024年"), "{error}");

    for pick in ["2024年", "E", "5"] {
        let options = ReadOptions {
            columns: vec![
                ColumnChoice {
                    field: "组织生活".into(),
                    column: pick.into(),
                },
                "excellence=2024年".parse().unwrap(),
            ],
            ..ReadOptions::default()
        };
        let ledger = read(TWO_YEARS, &options).unwrap_or_else(|e| panic!("{pick}: {e}"));
        assert_eq!(ids(&ledger), ["LW1", "LW2"], "{pick}");
        assert_eq!(cell(&ledger, "LW1", "org_life"), int(-40), "{pick}");
        assert_eq!(cell(&ledger, "LW2", "excellence"), int(3), "{pick}");
    }
    let wrong = ReadOptions {
        columns: vec!["组织生活=2022年".parse().unwrap()],
        ..ReadOptions::default()
    };
    let error = read(TWO_YEARS, &wrong).err().unwrap().to_string();
    assert!(
        error.contains("C (2023年 › 组织生活), E (2024年 › 组织生活)"),
        "{error}"
    );
}

#[test]
fn a_two_row_grouped_header_is_one_header() {
    // 党员编号 and 姓名 merged down both rows; the scores grouped under 考核指标.
    let csv = "\
党员积分台账\n\
党员编号,姓名,考核指标,,,,,,,,一票否决\n\
,,组织生活,创先争优,服务职工,遵纪守法,群众反映,创新工作加分,工作失误扣分,年度,\n\
LW1,甲,-10,5,0,0,0,0,0,2024,否\n\
LW2,乙,-20,6,0,0,0,0,0,2024,是\n";
    let ledger = members(csv);
    assert_eq!(ids(&ledger), ["LW1", "LW2"]);
    assert!(ledger.errors.is_empty(), "{:?}", ledger.errors);
    assert_eq!(cell(&ledger, "LW2", "excellence"), int(6));
    assert!(
        ledger
            .notes
            .iter()
            .any(|n| n.contains("the header takes two rows")),
        "{:?}",
        ledger.notes
    );
    // The same, with the id cell merged down as a workbook fills it.
    let filled = csv.replacen("\n,,组织生活", "\n党员编号,姓名,组织生活", 1);
    assert_eq!(ids(&members(&filled)), ["LW1", "LW2"]);
}

#[test]
fn rates_typed_as_fractions_percentages_or_with_a_sign_mean_the_same() {
    let schema = Schema::builtin(Subject::Organization);
    let read = |csv: &str| Ledger::from_csv_bytes(csv.as_bytes(), "组织.csv", &schema).unwrap();
    let rate = |ledger: &Ledger, id: &str| {
        let index = schema.index_of("satisfaction").unwrap();
        ledger.records.iter().find(|r| r.id == id).unwrap().cells[index].clone()
    };
    let decimal = |n| liangxin::ledger::Cell::Value(liangxin::value::Value::Decimal(n));
    for csv in [
        "组织编号,满意度\nA,0.929\nB,1\nC,0.5\n",
        "组织编号,满意度\nA,92.9\nB,100\nC,50\n",
        "组织编号,满意度\nA,92.9%\nB,100%\nC,50%\n",
    ] {
        let ledger = read(csv);
        assert_eq!(rate(&ledger, "A"), decimal(92.9), "{csv}");
        assert_eq!(rate(&ledger, "B"), decimal(100.0), "{csv}");
        assert_eq!(rate(&ledger, "C"), decimal(50.0), "{csv}");
    }
    let fractions = read("组织编号,满意度\nA,0.929\n");
    assert!(
        fractions
            .notes
            .iter()
            .any(|n| n.contains("written as fractions")),
        "{:?}",
        fractions.notes
    );
    // A column mixing both: the cells that could be either are refused, each on its own.
    let mixed = read("组织编号,满意度\nA,92.9\nB,0.9\nC,0.5%\n");
    assert_eq!(rate(&mixed, "A"), decimal(92.9));
    assert_eq!(rate(&mixed, "C"), decimal(0.5));
    match rate(&mixed, "B") {
        liangxin::ledger::Cell::Invalid(message) => {
            assert!(message.contains("0.9% or 90%"), "{message}")
        }
        other => panic!("0.9 beside 92.9 must be refused, got {other:?}"),
    }
}

#[test]
fn ids_are_normalized_mangled_ones_refused_and_duplicates_never_graded() {
    let csv = format!(
        "{HEADER}\n\
         ＬＷ００１,甲,一支部,龙文区,2024,-10,5,0,0,0,0,0,否\n\
         LW\u{200B}002\u{00A0},乙,一支部,龙文区,2024,-10,5,0,0,0,0,0,否\n\
         00101,丙,一支部,龙文区,2024,-10,5,0,0,0,0,0,否\n\
         3.50602E+17,丁,一支部,龙文区,2024,-10,5,0,0,0,0,0,否\n\
         LW001,戊,一支部,龙文区,2024,-10,5,0,0,0,0,0,否\n"
    );
    let ledger = members(&csv);
    assert_eq!(ids(&ledger), ["LW002", "00101"]);
    let errors: Vec<String> = ledger.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].starts_with("row 2 (record LW001)"), "{errors:?}");
    assert!(errors[0].contains("also at row 6"), "{errors:?}");
    assert!(
        errors[1].starts_with("row 5 (record 3.50602E+17)"),
        "{errors:?}"
    );
    assert!(errors[1].contains("scientific form"), "{errors:?}");
    assert!(errors[2].starts_with("row 6 (record LW001)"), "{errors:?}");
}

#[test]
fn json_keys_for_one_field_twice_are_refused() {
    let schema = Schema::builtin(Subject::Member);
    let error = Ledger::from_json_str(
        r#"[{"id": "A", "org_life": 1, "组织生活": 2}]"#,
        "t.json",
        &schema,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        error.contains("org_life") && error.contains("组织生活"),
        "{error}"
    );
}

#[test]
fn a_column_named_like_a_field_is_pointed_out_and_can_be_chosen() {
    let csv = "党员编号,姓名,组织生活（分）\nLW1,甲,-10\n";
    let ledger = members(csv);
    assert!(
        ledger.notes.iter().any(|n| n
            .contains("column C `组织生活（分）` is not read as 组织生活")
            && n.contains("--column 组织生活=C")),
        "{:?}",
        ledger.notes
    );
    let chosen = read(
        csv,
        &ReadOptions {
            columns: vec!["组织生活=C".parse().unwrap()],
            ..ReadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(cell(&chosen, "LW1", "org_life"), int(-10));
    // The header as written chooses it too.
    let by_header = read(
        csv,
        &ReadOptions {
            columns: vec!["org_life=组织生活（分）".parse().unwrap()],
            ..ReadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(cell(&by_header, "LW1", "org_life"), int(-10));
}

#[test]
fn a_group_named_like_a_field_over_sub_columns_is_not_that_field() {
    // 组织生活 merged over 加分 and 扣分: neither column is 组织生活, so nothing is read as it.
    let csv = "\
党员编号,姓名,组织生活,,创先争优\n\
,,加分,扣分,\n\
LW1,甲,5,-15,2\n";
    let ledger = members(csv);
    assert_eq!(ids(&ledger), ["LW1"]);
    assert_eq!(
        cell(&ledger, "LW1", "org_life"),
        liangxin::ledger::Cell::Absent
    );
    assert_eq!(cell(&ledger, "LW1", "excellence"), int(2));
    assert!(
        ledger
            .notes
            .iter()
            .any(|n| n.contains("组织生活 (org_life) is a group over columns C (加分), D (扣分)")),
        "{:?}",
        ledger.notes
    );
}

#[test]
fn rows_labelled_with_words_no_list_foresaw_are_refused_not_graded() {
    let mut csv = format!("{HEADER}\n");
    for i in 1..=9 {
        csv.push_str(&format!(
            "LW{i:03},党员{i},一支部,龙文区,2024,-10,5,0,0,0,0,0,否\n"
        ));
    }
    csv.push_str("均分行,,,,,-10,5,0,0,0,0,0,否\n");
    let ledger = members(&csv);
    assert_eq!(ledger.records.len(), 9);
    let errors: Vec<String> = ledger.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("row 11 (record 均分行)"),
        "{errors:?}"
    );
    assert!(
        errors[0].contains("has no digits, unlike the others (such as `LW001`)"),
        "{errors:?}"
    );
    // Ids of words throughout (a ledger keyed by name) are not second-guessed.
    let mut names = csv.clone();
    for (i, name) in ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬"]
        .iter()
        .enumerate()
    {
        names = names.replace(&format!("LW{:03},", i + 1), &format!("{name},"));
    }
    assert_eq!(members(&names).records.len(), 10);
}

#[test]
fn a_row_of_units_under_the_header_is_skipped() {
    let csv = format!(
        "{HEADER}\n,,,,,分,分,分,分,分,（分）,（分）,\nLW1,甲,一支部,龙文区,2024,-10,5,0,0,0,0,0,否\n"
    );
    let ledger = members(&csv);
    assert_eq!(ids(&ledger), ["LW1"]);
    assert!(ledger.errors.is_empty(), "{:?}", ledger.errors);
    assert_eq!(cell(&ledger, "LW1", "org_life"), int(-10));
    assert!(
        ledger
            .notes
            .iter()
            .any(|n| n.contains("row 2 gives the columns' units")),
        "{:?}",
        ledger.notes
    );
}

#[test]
fn stray_quotes_that_would_join_two_rows_refuse_both() {
    let csv = format!(
        "{HEADER}\n\
         LW001,\"张一,一支部,龙文区,2024,10,5,0,0,0,0,0,否\n\
         LW002,\"张二,一支部,龙文区,2024,-80,5,0,0,0,0,0,是\n\
         LW003,张三,一支部,龙文区,2024,-10,5,0,0,0,0,0,否\n"
    );
    let ledger = members(&csv);
    assert_eq!(ids(&ledger), ["LW003"]);
    let errors: Vec<String> = ledger.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("row 2:"), "{errors:?}");
    assert!(errors[0].contains("lines 2–3 one record"), "{errors:?}");
    // A quoted cell with a line break in it, closed properly, is one cell.
    let fine = format!("{HEADER}\nLW001,\"张\n一\",一支部,龙文区,2024,10,5,0,0,0,0,0,否\n");
    assert_eq!(ids(&members(&fine)), ["LW001"]);
}

/// Review findings: each was a confident wrong answer before.
#[test]
fn a_refused_row_does_not_shift_which_rates_are_read_as_fractions() {
    let schema = Schema::builtin(Subject::Organization);
    let mut csv = "组织编号,组织名称,企业满意度\n".to_owned();
    for i in 1..=9 {
        csv.push_str(&format!("ORG00{i},公司{i},0.95\n"));
        if i == 3 {
            csv.push_str("张三,丙公司,\n");
        }
    }
    let ledger = Ledger::from_csv_bytes(csv.as_bytes(), "t.csv", &schema).unwrap();
    let field = schema.index_of("enterprise_satisfaction").unwrap();
    for record in &ledger.records {
        assert_eq!(
            record.cells[field],
            liangxin::ledger::Cell::Value(liangxin::value::Value::Decimal(95.0)),
            "{}",
            record.id
        );
    }
    assert_eq!(ledger.errors.len(), 1);
}

#[test]
fn a_pasted_header_is_known_by_its_id_column_wherever_it_stands() {
    let csv = "\
党员编号,姓名,组织生活,创先争优,服务职工,遵纪守法,群众反映,创新工作加分,工作失误扣分,一票否决\n\
LW001,张一,10,5,5,0,0,0,0,否\n\
工号,党员编号,群众反映,遵纪守法,服务职工,创先争优,组织生活,创新工作加分,工作失误扣分,一票否决\n\
1006,LW006,-20,0,0,0,10,0,0,否\n";
    let ledger = members(csv);
    assert_eq!(ids(&ledger), ["LW001", "LW006"]);
    assert_eq!(cell(&ledger, "LW006", "org_life"), int(10));
    assert_eq!(cell(&ledger, "LW006", "feedback"), int(-20));
}

#[test]
fn a_column_letter_is_not_taken_from_a_pasted_block_with_another_layout() {
    let csv = "\
,,2023年,2024年,,,,,,,\n\
党员编号,姓名,组织生活,组织生活,创先争优,服务职工,遵纪守法,群众反映,创新工作加分,工作失误扣分,一票否决\n\
LW001,张一,-90,10,5,5,0,0,0,0,否\n\
姓名,党员编号,组织生活,上年组织生活,创先争优,服务职工,遵纪守法,群众反映,创新工作加分,工作失误扣分,一票否决\n\
张三,LW003,10,-90,5,5,0,0,0,0,否\n";
    let options = ReadOptions {
        columns: vec!["组织生活=D".parse().unwrap()],
        ..ReadOptions::default()
    };
    let error = read(csv, &options)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("the header at row 4"), "{error}");
    assert!(error.contains("no single column `D`"), "{error}");
}

#[test]
fn a_record_without_an_id_under_the_header_is_not_a_second_header() {
    let csv = "\
党员编号,姓名,所在组织,组织生活,创先争优,服务职工,遵纪守法,群众反映,创新工作加分,工作失误扣分,一票否决\n\
,张零,二支部,,,,,,,,\n\
LW001,张一,一支部,10,5,5,0,0,0,0,否\n";
    let ledger = members(csv);
    assert_eq!(ids(&ledger), ["LW001"]);
    assert_eq!(
        cell(&ledger, "LW001", "name"),
        liangxin::ledger::Cell::Value(liangxin::value::Value::Str("张一".into()))
    );
    assert_eq!(ledger.errors.len(), 1, "{:?}", ledger.errors);
    assert_eq!(ledger.errors[0].row, 2);
}

#[test]
fn a_group_named_like_a_number_is_chosen_by_its_name() {
    let csv =
        "党员编号,姓名,2023,,2024,\n,,组织生活,创先争优,组织生活,创先争优\nLW1,甲,-10,5,-40,2\n";
    let error = read(csv, &ReadOptions::default())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("--column 组织生活=2024"), "{error}");
    let options = ReadOptions {
        columns: vec![
            "组织生活=2024".parse().unwrap(),
            "创先争优=2024".parse().unwrap(),
        ],
        ..ReadOptions::default()
    };
    let ledger = read(csv, &options).unwrap();
    assert_eq!(cell(&ledger, "LW1", "org_life"), int(-40));
}

#[test]
fn commas_in_numbers_of_a_semicolon_ledger_are_refused_not_guessed() {
    let csv = "党员编号;姓名;组织生活;创先争优\nLW1;甲;-10;5\nLW2;乙;1,500;5\n";
    let ledger = members(csv);
    assert_eq!(cell(&ledger, "LW1", "org_life"), int(-10));
    match cell(&ledger, "LW2", "org_life") {
        liangxin::ledger::Cell::Invalid(m) => assert!(m.contains("decimal mark"), "{m}"),
        other => panic!("1,500 must be refused, got {other:?}"),
    }
}

#[test]
fn a_units_row_under_a_two_row_header_is_skipped() {
    let csv = "党员编号,姓名,考核指标,\n,,组织生活,创先争优\n,,分,分\nLW1,甲,-10,5\n";
    let ledger = members(csv);
    assert_eq!(ids(&ledger), ["LW1"]);
    assert!(ledger.errors.is_empty(), "{:?}", ledger.errors);
    assert_eq!(cell(&ledger, "LW1", "org_life"), int(-10));
}

#[test]
fn a_pasted_header_that_names_its_id_column_otherwise_stops_the_run() {
    for id_label in ["编号", "党员编号（必填）", "ＩＤ"] {
        let csv = format!(
            "{HEADER}\n\
             LW001,张一,一支部,龙文区,2024,10,5,0,0,0,0,0,否\n\
             {id_label},姓名,所在组织,所在区县,年度,组织生活,创先争优,服务职工,遵纪守法,群众反映,工作失误扣分,创新工作加分,一票否决\n\
             LW002,张二,一支部,龙文区,2024,10,5,0,0,0,30,0,否\n"
        );
        let error = read(&csv, &ReadOptions::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains("row 3 looks like a header"),
            "{id_label}: {error}"
        );
        assert!(
            error.contains("name its id column `党员编号`"),
            "{id_label}: {error}"
        );
    }
}

#[test]
fn totals_with_a_head_count_and_examples_with_an_id_are_not_members() {
    let csv = format!(
        "{HEADER}\n\
         LW2022XXX,张三,XX公司党支部,龙文区,2024,-10,5,0,0,0,0,0,否\n\
         LW001,张一,一支部,龙文区,2024,10,5,0,0,0,0,0,否\n\
         共60人,合计,,,,-1234,260,-1010,-300,-420,180,12,\n"
    );
    let ledger = members(&csv);
    assert_eq!(ids(&ledger), ["LW001"]);
    assert!(ledger.errors.is_empty(), "{:?}", ledger.errors);
    let notes = ledger.notes.join("\n");
    assert!(
        notes.contains("skipped 1 summary row(s)") && notes.contains("row 4"),
        "{notes}"
    );
    assert!(
        notes.contains("skipped 1 example row(s)") && notes.contains("row 2"),
        "{notes}"
    );
}
