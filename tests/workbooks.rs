//! Ledgers as staff keep them: Excel workbooks read directly (fixtures/workbooks.py makes them
//! from the CSV fixtures).

use liangxin::Ledger;
use liangxin::ledger::{Cell, ReadOptions};

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
    let p = crate::pack("policies/longwen-points");
    let schema = &p.policy.policy.schema;
    for other in [
        "fixtures/longwen/members-ledger.xls",
        "fixtures/longwen/members-ledger.ods",
    ] {
        // What these formats hide cannot be seen: read only when told to read everything.
        let refused = Ledger::read(std::path::Path::new(other), schema).err();
        let message = refused.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("save it as .xlsx"), "{other}: {message}");
        let options = ReadOptions {
            hidden: liangxin::workbook::Hidden::Read,
            ..ReadOptions::default()
        };
        let ledger = Ledger::read_with(std::path::Path::new(other), schema, &options).unwrap();
        let e = p.policy.evaluate_ledger(&ledger);
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
fn percentages_stored_as_fractions_are_read_as_percentages() {
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
    // 满意度 is a percentage (`percent: true`): the column of fractions is read as 88.6 and 75.
    let schema = &p.policy.policy.schema;
    let field = schema.index_of("satisfaction").unwrap();
    let rates: Vec<&Cell> = ledger.records.iter().map(|r| &r.cells[field]).collect();
    assert_eq!(
        rates,
        [
            &Cell::Value(liangxin::value::Value::Decimal(88.6)),
            &Cell::Value(liangxin::value::Value::Decimal(75.0))
        ]
    );
    assert!(
        ledger
            .notes
            .iter()
            .any(|n| n.starts_with("满意度 (satisfaction) is a percentage written as fractions")),
        "{:?}",
        ledger.notes
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Reads a fixture of `fixtures/workbooks/` for the Longwen member schema, with what to do about
/// what it hides.
fn read_staff_workbook(
    file: &str,
    sheet: Option<&str>,
    hidden: liangxin::workbook::Hidden,
) -> Result<Ledger, liangxin::ledger::LedgerError> {
    let p = crate::pack("policies/longwen-points");
    let options = ReadOptions {
        sheet: sheet.map(str::to_owned),
        ..Default::default()
    };
    liangxin::workbook::read_with(
        std::path::Path::new(&format!("fixtures/workbooks/{file}")),
        &p.policy.policy.schema,
        &options,
        &liangxin::workbook::WorkbookOptions { hidden },
    )
}

fn ids(ledger: &Ledger) -> Vec<&str> {
    ledger.records.iter().map(|r| r.id.as_str()).collect()
}

/// A workbook with a 2024 and a 2023 ledger is not read until one is named (it read the first,
/// whichever year that was); a 说明 sheet before the one ledger does not stop it being found; a
/// hidden sheet holding a ledger is never read silently.
#[test]
fn a_workbook_with_several_ledgers_is_read_only_when_one_is_named() {
    use liangxin::workbook::Hidden;
    let err = read_staff_workbook("several-ledgers.xlsx", None, Hidden::Skip)
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "2 sheets hold a ledger (a header row naming `党员编号`): `2024`, `2023`; name the one to read with `--sheet NAME`, e.g. `--sheet 2024`"
        ),
        "{err}"
    );
    let named = read_staff_workbook("several-ledgers.xlsx", Some("2023"), Hidden::Skip).unwrap();
    assert_eq!(ids(&named), ["M001", "M002"]);

    // The ledger is the second sheet, after 说明; the hidden 旧台账 is named, not read.
    let ledger = read_staff_workbook("ledger-after-notes.xlsx", None, Hidden::Skip).unwrap();
    assert_eq!(ids(&ledger), ["M001", "M002", "M003"]);
    assert!(
        ledger.notes[0].starts_with("read sheet `台账`"),
        "{:?}",
        ledger.notes
    );
    assert!(
        ledger.notes.contains(
            &"hidden sheet(s) `旧台账` also hold a ledger and are not read (`--sheet NAME` reads one)"
                .to_owned()
        ),
        "{:?}",
        ledger.notes
    );
    let err = read_staff_workbook("ledger-after-notes.xlsx", None, Hidden::Refuse)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("hidden sheet(s) `旧台账` hold a ledger"),
        "{err}"
    );
    let err = read_staff_workbook("ledger-after-notes.xlsx", None, Hidden::Read)
        .unwrap_err()
        .to_string();
    assert!(err.contains("`台账`, `旧台账` (hidden)"), "{err}");
    let old = read_staff_workbook("ledger-after-notes.xlsx", Some("旧台账"), Hidden::Skip).unwrap();
    assert_eq!(ids(&old), ["M001", "M002"]);
    assert!(
        old.notes
            .contains(&"sheet `旧台账` is hidden; read because `--sheet` names it".to_owned()),
        "{:?}",
        old.notes
    );

    // An empty 模板 sheet with only the header is no second ledger.
    let ledger = read_staff_workbook("ledger-and-template.xlsx", None, Hidden::Skip).unwrap();
    assert_eq!(ids(&ledger), ["M001", "M002", "M003"]);
    assert!(
        ledger
            .notes
            .contains(&"sheet(s) `模板` hold only a header, no rows, and are not read".to_owned()),
        "{:?}",
        ledger.notes
    );

    // Through the command line: exit 2, the sheets listed.
    let out = liangxin(&[
        "eval",
        "--policy",
        "longwen-points",
        "--records",
        "fixtures/workbooks/several-ledgers.xlsx",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("`--sheet NAME`"),
        "{}",
        text(&out.stderr)
    );
}

/// Hidden rows, struck-through rows and hidden columns are left out with a note naming them (the
/// hidden old 组织生活 column does not stand in for the visible one), refused, or read, as asked.
#[test]
fn hidden_and_struck_through_rows_and_columns_are_never_read_silently() {
    use liangxin::workbook::Hidden;
    let p = crate::pack("policies/longwen-points");
    let org_life = p.policy.policy.schema.index_of("org_life").unwrap();
    let ledger = read_staff_workbook("hidden-rows-columns.xlsx", None, Hidden::Skip).unwrap();
    assert_eq!(ids(&ledger), ["M001", "M002", "M006"]);
    let life: Vec<String> = ledger
        .records
        .iter()
        .map(|r| format!("{:?}", r.cells[org_life]))
        .collect();
    assert_eq!(life, ["Value(Int(5))", "Value(Int(-5))", "Value(Int(0))"]);
    assert!(ledger.errors.is_empty(), "{:?}", ledger.errors);
    assert!(
        ledger.notes.contains(
            &"skipped what sheet `党员积分` hides: hidden row(s) 4; struck-through row(s) 5, 6; hidden column(s) C (组织生活) (`--hidden read` reads them, `--hidden refuse` stops)"
                .to_owned()
        ),
        "{:?}",
        ledger.notes
    );

    let err = read_staff_workbook("hidden-rows-columns.xlsx", None, Hidden::Refuse)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "sheet `党员积分` hides hidden row(s) 4; struck-through row(s) 5, 6; hidden column(s) C (组织生活); with `--hidden refuse`"
        ),
        "{err}"
    );

    // Read, the hidden old column is one more 组织生活: which one is for the user to say.
    let err = read_staff_workbook("hidden-rows-columns.xlsx", None, Hidden::Read)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("columns C (组织生活) and D (组织生活)"),
        "{err}"
    );
    let options = ReadOptions {
        columns: vec!["组织生活=D".parse().unwrap()],
        ..Default::default()
    };
    let all = liangxin::workbook::read_with(
        std::path::Path::new("fixtures/workbooks/hidden-rows-columns.xlsx"),
        &p.policy.policy.schema,
        &options,
        &liangxin::workbook::WorkbookOptions {
            hidden: Hidden::Read,
        },
    )
    .unwrap();
    assert_eq!(ids(&all), ["M001", "M002", "M003", "M004", "M005", "M006"]);
    assert!(
        all.notes
            .iter()
            .any(|n| n.starts_with("read what sheet `党员积分` hides: hidden row(s) 4")),
        "{:?}",
        all.notes
    );
}

/// A formula never calculated (no saved value) and a saved value that contradicts its obvious
/// sum are their cells' errors, never an empty cell or a stale number; a 合计 row of sums down
/// the columns is not a record.
#[test]
fn formulas_without_a_right_saved_value_are_cell_errors_and_total_rows_are_skipped() {
    let e = crate::evaluate(
        "policies/longwen-points",
        "fixtures/workbooks/formulas.xlsx",
    );
    let outcomes: Vec<&str> = e.outcomes.iter().map(|o| o.record.as_str()).collect();
    assert_eq!(outcomes, ["M001", "M004"]);
    let errors: Vec<(usize, Option<&str>, &str)> = e
        .errors
        .iter()
        .map(|e| (e.row, e.record.as_deref(), e.message.as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (
                3,
                Some("M002"),
                "组织生活 (org_life): 党员积分!C3: the formula =SUM(K3:L3) has no saved value; open and save the file in Excel/WPS, or export values"
            ),
            (
                4,
                Some("M003"),
                "组织生活 (org_life): 党员积分!C4: the saved value 12 contradicts the formula =SUM(K4:L4), which gives -10; the sheet was changed without being recalculated: open and save the file in Excel/WPS, or export values"
            ),
        ]
    );
    assert!(
        e.notes.contains(
            &"skipped 1 总计/合计 row(s) whose formulas total the columns above them: 党员积分!6:6"
                .to_owned()
        ),
        "{:?}",
        e.notes
    );
}

/// Ids typed as numbers keep the leading zeros their format shows (00101); an 18-digit id that
/// Excel turned into a number has lost its last digits, and its row is refused, saying so.
#[test]
fn ids_keep_their_leading_zeros_and_ids_excel_mangled_are_refused() {
    let ledger = read_staff_workbook("ids.xlsx", None, liangxin::workbook::Hidden::Skip).unwrap();
    assert_eq!(ids(&ledger), ["00101", "02087", "M004"]);
    assert_eq!(ledger.errors.len(), 1, "{:?}", ledger.errors);
    assert_eq!(ledger.errors[0].row, 3);
    assert_eq!(
        ledger.errors[0].message,
        "党员积分!A3: the id was turned into a number by Excel and lost its digits (the cell holds 350602199001011000, shown as 3.50602E+17); format the column as text and re-enter it"
    );
}
