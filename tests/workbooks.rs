//! Ledgers as staff keep them: Excel workbooks read directly (fixtures/workbooks.py makes them
//! from the CSV fixtures).

use liangxin::Ledger;
use liangxin::ledger::ReadOptions;

use crate::cli::{liangxin, text};

fn results(e: &liangxin::Evaluation) -> Vec<(String, Option<f64>, Option<String>)> {
    e.outcomes
        .iter()
        .map(|o| {
            (
                o.record.clone(),
                o.score,
                o.grade.as_deref().map(str::to_owned),
            )
        })
        .collect()
}

/// The Longwen ledger as an .xlsx: title rows above the header, organizations merged down their
/// members' rows, numbers typed as text, formatted empty rows below. It evaluates exactly as the
/// CSV does, and so does Excel's GBK CSV export of it; the one bad cell is named as Excel names it.
#[test]
fn an_excel_ledger_evaluates_like_its_csv() {
    let csv = crate::evaluate("policies/longwen-points", "fixtures/longwen/members.csv");
    let xlsx = crate::evaluate(
        "policies/longwen-points",
        "fixtures/longwen/members-ledger.xlsx",
    );
    let gbk = crate::evaluate(
        "policies/longwen-points",
        "fixtures/longwen/members-ledger-gbk.csv",
    );
    // The workbook's one bad cell (十二 where 组织生活 is a number) costs that record only.
    let mut expected = results(&csv);
    expected.retain(|(id, _, _)| id != "LW2022008");
    assert_eq!(results(&xlsx), expected);
    assert_eq!(results(&gbk), expected);
    assert_eq!(xlsx.errors.len(), 1);
    assert_eq!(xlsx.errors[0].record.as_deref(), Some("LW2022008"));
    assert_eq!(
        xlsx.errors[0].message,
        "组织生活 (org_life): 党员积分台账!F11: `十二` is not a whole number"
    );
    assert!(
        xlsx.notes[0].starts_with("read sheet `党员积分台账` (of 2: 党员积分台账, 说明)"),
        "{:?}",
        xlsx.notes
    );

    // Merged cells: every member has the organization its merged cell shows.
    let p = crate::pack("policies/longwen-points");
    let schema = &p.policy.policy.schema;
    let ledger = Ledger::read("fixtures/longwen/members-ledger.xlsx".as_ref(), schema).unwrap();
    let org = schema.index_of("org").unwrap();
    let orgs: Vec<String> = ledger
        .records
        .iter()
        .map(|r| format!("{:?}", r.cells[org]))
        .collect();
    let plain = Ledger::read("fixtures/longwen/members.csv".as_ref(), schema).unwrap();
    let plain_orgs: Vec<String> = plain
        .records
        .iter()
        .map(|r| format!("{:?}", r.cells[org]))
        .collect();
    assert_eq!(orgs, plain_orgs);
}

/// Dates stored as Excel dates (serial numbers with a date format) are read as dates: the
/// dossier ledger as a workbook gives the CSV's outcomes, procedure problems included.
#[test]
fn excel_dates_are_dates() {
    let csv = crate::evaluate(
        "policies/ganjingzi-development",
        "fixtures/ganjingzi/dossiers.csv",
    );
    let xlsx = crate::evaluate(
        "policies/ganjingzi-development",
        "fixtures/ganjingzi/dossiers.xlsx",
    );
    assert!(xlsx.errors.is_empty(), "{:?}", xlsx.errors);
    assert_eq!(results(&xlsx), results(&csv));
    assert_eq!(xlsx.group_rules, csv.group_rules);
}

/// `--sheet` by name or position, `--header-row` when finding the header goes wrong; a wrong
/// choice says what the workbook has.
#[test]
fn sheets_and_header_rows_can_be_chosen() {
    let p = crate::pack("policies/longwen-points");
    let schema = &p.policy.policy.schema;
    let path = std::path::Path::new("fixtures/longwen/members-ledger.xlsx");
    let read = |sheet: Option<&str>, header_row: Option<usize>| {
        let options = ReadOptions {
            sheet: sheet.map(str::to_owned),
            header_row,
            ..Default::default()
        };
        Ledger::read_with(path, schema, &options)
    };
    assert_eq!(read(Some("1"), Some(3)).unwrap().records.len(), 60);
    assert_eq!(read(Some("党员积分台账"), None).unwrap().records.len(), 60);
    let err = read(Some("9"), None).unwrap_err().to_string();
    assert!(
        err.ends_with("there is no sheet 9: the workbook has 2 (党员积分台账, 说明)"),
        "{err}"
    );
    let err = read(Some("汇总"), None).unwrap_err().to_string();
    assert!(
        err.ends_with("there is no sheet `汇总` (the sheets: 党员积分台账, 说明)"),
        "{err}"
    );
    let err = read(None, Some(2)).unwrap_err().to_string();
    assert!(
        err.ends_with("row 2 is not a header: no column in it is named `党员编号` or `id`"),
        "{err}"
    );
    let err = read(Some("说明"), None).unwrap_err().to_string();
    assert!(err.contains("no header row"), "{err}");

    let out = liangxin(&[
        "eval",
        "--policy",
        "longwen-points",
        "--records",
        "fixtures/longwen/members-ledger.xlsx",
        "--sheet",
        "9",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("there is no sheet 9"),
        "{}",
        text(&out.stderr)
    );
}
