//! `--format xlsx`: workbooks written by the binary, read back with calamine and held against
//! the CSV of the same run.

use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx, open_workbook_from_rs};

use crate::cli::{liangxin, text};

type Book = Xlsx<Cursor<Vec<u8>>>;

/// Runs the binary with `--format xlsx --output FILE` and opens what it wrote.
fn written(test: &str, args: &[&str]) -> Book {
    let dir = std::env::temp_dir().join(format!("liangxin-xlsx-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("result.xlsx");
    let out = liangxin(
        &[
            args,
            &["--format", "xlsx", "--output", file.to_str().unwrap()],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let bytes = std::fs::read(&file).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    open_workbook_from_rs(Cursor::new(bytes)).unwrap()
}

fn sheet(book: &mut Book, name: &str) -> Range<Data> {
    book.worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
}

/// A cell by its place on the sheet (0-based row and column), whatever the range's start.
fn at(range: &Range<Data>, row: u32, col: u32) -> Data {
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

fn row_text(range: &Range<Data>, row: u32) -> Vec<String> {
    (0..range.end().map_or(0, |(_, c)| c + 1))
        .map(|col| at(range, row, col).to_string())
        .collect()
}

const LONGWEN: [&str; 5] = [
    "eval",
    "--policy",
    "longwen-points",
    "--records",
    "fixtures/longwen/members.csv",
];

/// The title row, the sheet's heading, then the header: data starts on the fourth row.
const HEADER: u32 = 2;

#[test]
fn eval_workbook_has_a_summary_and_a_records_sheet_titled_with_the_standard() {
    let mut book = written("eval-sheets", &LONGWEN);
    assert_eq!(book.sheet_names(), ["汇总", "结果 outcomes"]);
    for name in ["汇总", "结果 outcomes"] {
        let title = at(&sheet(&mut book, name), 0, 0).to_string();
        assert!(
            title.contains("龙文区党员积分定等") && title.contains("2022-01-01"),
            "{name}: {title}"
        );
    }
    let records = sheet(&mut book, "结果 outcomes");
    assert_eq!(at(&records, 1, 0).to_string(), "结果 outcomes");
    assert_eq!(
        row_text(&records, HEADER)[..5],
        [
            "编号 record",
            "名称 name",
            "得分 score",
            "等次 grade",
            "达标 passed"
        ]
    );
    // Staff read 是/否 and grade labels, never true/false or a grade's id.
    let cells: Vec<String> = (HEADER + 1..records.height() as u32)
        .flat_map(|r| row_text(&records, r))
        .collect();
    assert!(cells.iter().any(|c| c == "是") && cells.iter().any(|c| c == "否"));
    for id in ["true", "false", "recommended", "qualified", "vetoed"] {
        assert!(!cells.iter().any(|c| c == id), "{id} in the workbook");
    }
    // The summary's counts are numbers, its pass rate a ratio.
    let summary = sheet(&mut book, "汇总");
    let fact = |label: &str| {
        (0..summary.height() as u32)
            .find(|&r| at(&summary, r, 0) == Data::String(label.to_owned()))
            .map(|r| at(&summary, r, 1))
            .unwrap_or_else(|| panic!("no fact {label}"))
    };
    assert_eq!(fact("records 记录"), Data::Float(60.0));
    assert_eq!(fact("pass rate 达标率"), Data::Float(0.95));
}

#[test]
fn eval_workbook_numbers_are_numbers_equal_to_the_csv() {
    let mut book = written("eval-csv", &LONGWEN);
    let records = sheet(&mut book, "结果 outcomes");
    // The CSV for Excel has the workbook's columns.
    let out = liangxin(&[&LONGWEN[..], &["--format", "csv", "--bom"]].concat());
    let stdout = out.stdout.strip_prefix("\u{feff}".as_bytes()).unwrap();
    let mut csv = csv::Reader::from_reader(stdout);
    let keys = csv.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 60);
    assert_eq!(
        records.height() as u32,
        HEADER + 1 + 60,
        "one row per record"
    );
    let mut numbers = 0;
    for (i, row) in rows.iter().enumerate() {
        for (col, (key, value)) in keys.iter().zip(row).enumerate() {
            let cell = at(&records, HEADER + 1 + i as u32, col as u32);
            match value.parse::<f64>() {
                Ok(n) => {
                    numbers += 1;
                    assert!(
                        matches!(cell, Data::Float(x) if x == n)
                            || matches!(cell, Data::Int(x) if x as f64 == n),
                        "row {i} {key}: {cell:?} is not the number {value}"
                    );
                }
                Err(_) if value.is_empty() => assert_eq!(cell, Data::Empty, "row {i} {key}"),
                Err(_) => assert_eq!(cell, Data::String(value.to_owned()), "row {i} {key}"),
            }
        }
    }
    // Score and rank for (nearly) every member.
    assert!(numbers > 100, "{numbers}");
}

#[test]
fn compare_workbook_has_a_sheet_per_policy() {
    let mut book = written(
        "compare",
        &[
            "compare",
            "--policy",
            "zhuzhou-wuhua-enterprise",
            "--policy",
            "jinan-sanqiang-sanhao",
            "--records",
            "fixtures/shared/organizations.csv",
        ],
    );
    let names = book.sheet_names();
    for expected in [
        "汇总",
        "逐条记录 records",
        "A zhuzhou-wuhua-enterprise",
        "B jinan-sanqiang-sanhao",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    for (name, standard) in [
        ("A zhuzhou-wuhua-enterprise", "株洲市非公有制经济组织党支部"),
        ("B jinan-sanqiang-sanhao", "三强三好"),
    ] {
        let range = sheet(&mut book, name);
        let title = at(&range, 0, 0).to_string();
        assert!(title.contains(standard), "{name}: {title}");
        assert_eq!(row_text(&range, HEADER)[..2], ["编号 record", "名称 name"]);
        assert_eq!(range.height() as u32, HEADER + 1 + 120, "{name}");
    }
    // Money is a number: Jinan funds each candidate.
    let jinan = sheet(&mut book, "B jinan-sanqiang-sanhao");
    let money = row_text(&jinan, HEADER)
        .iter()
        .position(|l| l == "金额 money")
        .unwrap() as u32;
    let paid: f64 = (HEADER + 1..jinan.height() as u32)
        .map(|r| match at(&jinan, r, money) {
            Data::Float(x) => x,
            Data::Int(x) => x as f64,
            other => panic!("money {other:?}"),
        })
        .sum();
    assert!(paid > 0.0);
}

#[test]
fn diff_workbook_lists_the_changed_records() {
    let mut book = written(
        "diff",
        &[
            "diff",
            "longwen-points",
            "fixtures/diff/longwen-880",
            "--records",
            "fixtures/longwen/members.csv",
        ],
    );
    assert_eq!(
        book.sheet_names(),
        [
            "汇总",
            "等次转移 grade transitions",
            "变动记录 changed records"
        ]
    );
    let changed = sheet(&mut book, "变动记录 changed records");
    assert!(
        at(&changed, 0, 0)
            .to_string()
            .contains("longwen-points v1.1.0-draft")
    );
    assert_eq!(changed.height() as u32, HEADER + 1 + 9);
}

#[test]
fn xlsx_goes_to_a_pipe_but_not_to_a_terminal() {
    let out = liangxin(&[&LONGWEN[..], &["--format", "xlsx"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut book: Book = open_workbook_from_rs(Cursor::new(out.stdout)).unwrap();
    assert_eq!(book.sheet_names().len(), 2);
    assert!(sheet(&mut book, "汇总").height() > 0);
    // A terminal needs a pseudo-terminal: util-linux `script` gives one where it is installed.
    let command = format!(
        "{} {} --format xlsx",
        env!("CARGO_BIN_EXE_liangxin"),
        LONGWEN.join(" ")
    );
    let Ok(tty) = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
    else {
        eprintln!("no `script` here: the terminal case is not checked");
        return;
    };
    assert_eq!(tty.status.code(), Some(2), "{}", text(&tty.stdout));
    assert!(
        text(&tty.stdout).contains("--output"),
        "{}",
        text(&tty.stdout)
    );
}

#[test]
fn text_that_looks_like_a_formula_stays_text() {
    let mut e = crate::evaluate("policies/longwen-points", "fixtures/longwen/members.csv");
    e.outcomes[0].name = Some("=HYPERLINK(\"http://x\",\"y\")".into());
    let bytes =
        liangxin::report::render_evaluation(&e, liangxin::report::Format::Xlsx, Default::default())
            .unwrap();
    let mut book: Book = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let records = sheet(&mut book, "结果 outcomes");
    assert_eq!(
        at(&records, HEADER + 1, 1),
        Data::String("=HYPERLINK(\"http://x\",\"y\")".into())
    );
    let formulas = book.worksheet_formula("结果 outcomes").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
}

#[test]
fn a_huge_or_control_laden_cell_is_clipped_and_kept_as_text() {
    let mut e = crate::evaluate("policies/longwen-points", "fixtures/longwen/members.csv");
    e.outcomes[0].name = Some("长".repeat(40_000));
    e.outcomes[1].name = Some("\u{1b}[31m红\u{7}".into());
    // How the file format writes a control character, typed as text.
    e.outcomes[2].name = Some("_x0041_ and _x001B_".into());
    let bytes =
        liangxin::report::render_evaluation(&e, liangxin::report::Format::Xlsx, Default::default())
            .unwrap();
    let mut book: Book = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let records = sheet(&mut book, "结果 outcomes");
    // Excel's limit: 32,767 characters a cell.
    assert_eq!(
        at(&records, HEADER + 1, 1),
        Data::String("长".repeat(32_767))
    );
    assert_eq!(
        at(&records, HEADER + 2, 1),
        Data::String("\u{1b}[31m红\u{7}".into())
    );
    assert_eq!(
        at(&records, HEADER + 3, 1),
        Data::String("_x0041_ and _x001B_".into())
    );
}

#[test]
fn the_template_notes_sheet_is_in_chinese() {
    let dir = std::env::temp_dir().join(format!("liangxin-xlsx-{}-template", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("template.xlsx");
    for pack in [
        "jinan-sanqiang-sanhao",
        "longwen-points",
        "ganjingzi-development",
    ] {
        let out = liangxin(&["template", "-p", pack, "-o", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let mut book: Book =
            open_workbook_from_rs(Cursor::new(std::fs::read(&file).unwrap())).unwrap();
        let notes = sheet(&mut book, "填写说明");
        assert_eq!(
            row_text(&notes, 0),
            ["列名", "字段代码", "类型", "可填写", "留空时", "说明"]
        );
        for row in 1..notes.height() as u32 {
            let cells = row_text(&notes, row);
            // The field id (column 1) is what `--group-by` and errors name; no other cell says
            // true/false or the English the sheet used to have (the 说明 column is the schema's
            // description, as written there).
            for (col, cell) in cells.iter().enumerate().filter(|(c, _)| *c != 1) {
                for english in [
                    "true",
                    "false",
                    "required",
                    "whole number",
                    "date",
                    "text",
                    "int",
                    "bool",
                    "enum",
                    "e.g.",
                ] {
                    assert!(
                        !cell
                            .split(|c: char| !c.is_ascii_alphabetic() && c != '.' && c != ' ')
                            .any(|w| w.trim() == english),
                        "{pack} row {row} column {col}: {cell}"
                    );
                }
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
