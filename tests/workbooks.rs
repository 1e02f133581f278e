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

/// The same workbook saved as .xls (Excel 97-2003) and .ods (OpenDocument, LibreOffice and
/// WPS) evaluates the same. (ODS's merged cells are not filled: calamine does not report them;
/// the Longwen rules do not read the organization.)
#[test]
fn xls_and_ods_ledgers_evaluate_like_the_xlsx() {
    let xlsx = crate::evaluate(
        "policies/longwen-points",
        "fixtures/longwen/members-ledger.xlsx",
    );
    for other in [
        "fixtures/longwen/members-ledger.xls",
        "fixtures/longwen/members-ledger.ods",
    ] {
        let e = crate::evaluate("policies/longwen-points", other);
        assert_eq!(results(&e), results(&xlsx), "{other}");
        assert_eq!(e.errors, xlsx.errors, "{other}");
    }
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

/// `liangxin template`: the columns a pack reads (id, name, the fields its rules read), headed
/// by their Chinese labels, as CSV or as a workbook with a notes sheet; the workbook, filled in
/// as staff fill it, evaluates like the CSV ledger.
#[test]
fn a_template_has_the_columns_the_pack_reads_and_round_trips() {
    let out = liangxin(&["template", "--policy", "longwen-points"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "\u{feff}党员编号,姓名,组织生活,创先争优,服务职工,遵纪守法,群众反映,创新工作加分,工作失误扣分,一票否决\r\n"
    );

    let dir = std::env::temp_dir().join(format!("liangxin-template-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("台账.xlsx");
    let out = liangxin(&[
        "template",
        "--policy",
        "ganjingzi-development",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(&file).unwrap();
    assert_eq!(book.sheet_names(), ["台账", "填写说明"]);
    let sheet = book.worksheet_range("台账").unwrap();
    let header: Vec<String> = sheet
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header[..3], ["档案编号", "姓名", "入党时年龄"]);
    assert!(header.contains(&"转为正式党员日期".to_owned()));
    // Empty, it is a ledger with no records.
    let p = crate::pack("policies/ganjingzi-development");
    let ledger = Ledger::read(&file, &p.policy.policy.schema).unwrap();
    assert!(ledger.records.is_empty());

    // Filled in (fixtures/workbooks.py), it evaluates like the CSV.
    let fresh = liangxin(&["template", "--policy", "longwen-points"]);
    let labels: Vec<String> = text(&fresh.stdout)
        .trim_start_matches('\u{feff}')
        .trim_end()
        .split(',')
        .map(str::to_owned)
        .collect();
    let mut filled =
        calamine::open_workbook_auto("fixtures/longwen/members-from-template.xlsx").unwrap();
    let sheet = filled.worksheet_range("台账").unwrap();
    let header: Vec<String> = sheet
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        header, labels,
        "the filled fixture has today's template columns"
    );
    let csv = crate::evaluate("policies/longwen-points", "fixtures/longwen/members.csv");
    let xlsx = crate::evaluate(
        "policies/longwen-points",
        "fixtures/longwen/members-from-template.xlsx",
    );
    assert_eq!(results(&xlsx), results(&csv));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A sheet named like a number (a year) is chosen by its name before any position.
#[test]
fn a_sheet_named_like_a_number_is_found_by_name() {
    let dir = std::env::temp_dir().join(format!("liangxin-sheet-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("years.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    for (year, member) in [("2024", "M2024"), ("2023", "M2023")] {
        let sheet = book.add_worksheet();
        sheet.set_name(year).unwrap();
        sheet.write_string(0, 0, "党员编号").unwrap();
        sheet.write_string(0, 1, "组织生活").unwrap();
        sheet.write_string(1, 0, member).unwrap();
        sheet.write_number(1, 1, 5).unwrap();
    }
    book.save(&file).unwrap();
    let p = crate::pack("policies/longwen-points");
    let read = |sheet: &str| {
        let options = ReadOptions {
            sheet: Some(sheet.to_owned()),
            ..Default::default()
        };
        Ledger::read_with(&file, &p.policy.policy.schema, &options)
            .unwrap()
            .records[0]
            .id
            .clone()
    };
    assert_eq!(read("2023"), "M2023");
    assert_eq!(read("1"), "M2024");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A 满意度 column formatted as percentages holds fractions (88.6% is 0.886 in the file): the
/// reader cannot see the format, so it says what it suspects rather than grade silently.
#[test]
fn percentages_stored_as_fractions_are_pointed_out() {
    let dir = std::env::temp_dir().join(format!("liangxin-percent-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("orgs.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let percent = rust_xlsxwriter::Format::new().set_num_format("0.0%");
    for (c, h) in ["组织编号", "满意度"].into_iter().enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for (r, (id, share)) in [("O1", 0.886), ("O2", 0.75)].into_iter().enumerate() {
        sheet.write_string(r as u32 + 1, 0, id).unwrap();
        sheet
            .write_number_with_format(r as u32 + 1, 1, share, &percent)
            .unwrap();
    }
    book.save(&file).unwrap();
    let p = crate::pack("policies/jinan-sanqiang-sanhao");
    let ledger = Ledger::read(&file, &p.policy.policy.schema).unwrap();
    assert!(
        ledger
            .notes
            .iter()
            .any(|n| n.starts_with("column 满意度 holds only values between 0 and 1")),
        "{:?}",
        ledger.notes
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
