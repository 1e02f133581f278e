//! Entry ledgers: a roster plus a year's entries, summed with the pack's item catalog, give
//! exactly what the ledger of totals gives; every entry that cannot be counted is refused at its
//! row (fixtures/entries/*.csv, one case a file, each against the Longwen 2022 roster).

use std::path::Path;

use liangxin::entries::{Aggregator, Period};
use liangxin::{Evaluation, Ledger};

const PACK: &str = "policies/longwen-points";
const ROSTER: &str = "fixtures/longwen/roster-2022.csv";

/// The roster with the entries of `entries` summed over 2022, evaluated.
fn evaluate_entries(entries: &Path) -> (Evaluation, Aggregator) {
    // Relative to the crate, so messages (and snapshots) do not name where the repository is.
    let entries = entries
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(entries);
    let prepared = crate::pack(PACK);
    let policy = &prepared.policy.policy;
    let mut roster = Ledger::read(Path::new(ROSTER), &policy.schema).unwrap();
    let catalog = policy
        .catalog
        .as_ref()
        .expect("longwen-points has a catalog");
    let mut aggregator = Aggregator::new(
        catalog,
        Period::year("2022").unwrap(),
        &roster,
        &policy.schema,
    );
    let ledger = Ledger::read(entries, aggregator.entry_schema()).unwrap();
    aggregator.add_ledger(&ledger).unwrap();
    aggregator.apply(&mut roster, &policy.schema).unwrap();
    (prepared.policy.evaluate_ledger(&roster), aggregator)
}

#[test]
fn a_year_of_entries_gives_exactly_the_outcomes_of_the_ledger_of_totals() {
    let by_hand = crate::evaluate(PACK, "fixtures/longwen/members.csv");
    let (summed, aggregator) = evaluate_entries(Path::new("fixtures/longwen/entries-2022.csv"));
    assert!(summed.errors.is_empty(), "{:?}", summed.errors);
    assert_eq!(aggregator.entries(), 1287);
    assert_eq!(summed.outcomes.len(), 60);
    let json = |e: &Evaluation| {
        (
            liangxin::report::to_json(&e.outcomes),
            liangxin::report::to_json(&e.summary),
        )
    };
    assert_eq!(json(&summed), json(&by_hand));
    // The figures of DOMAIN.md's Longwen fixture, reached from entries: 29 优先推荐, 2 帮扶教育,
    // 1 一票否决, 95.0% pass.
    assert_eq!(summed.summary.by_grade["recommended"], 29);
    assert_eq!(summed.summary.by_grade["remedial"], 2);
    assert_eq!(summed.summary.vetoed, 1);
}

#[test]
fn the_fixture_needs_its_caps_to_match() {
    // Without the caps the sums differ: the fixture spells out more points than count.
    let (_, aggregator) = evaluate_entries(Path::new("fixtures/longwen/entries-2022.csv"));
    let capped: Vec<String> = ["LW2022003", "LW2022037"]
        .iter()
        .flat_map(|id| aggregator.totals(id).unwrap().notes)
        .filter(|n| n.contains("封顶"))
        .collect();
    assert!(
        capped
            .iter()
            .any(|n| n == "创新工作加分: 各项合计 35, 封顶 30"),
        "{capped:?}"
    );
    assert!(
        capped
            .iter()
            .any(|n| n == "组织生活 · 按时参加组织生活: 记录合计 24 (1 条), 封顶 20"),
        "{capped:?}"
    );
}

#[test]
fn entry_cases() {
    insta::glob!("../fixtures/entries", "*.csv", |path| {
        let (evaluation, aggregator) = evaluate_entries(path);
        let mut snapshot = format!(
            "entries counted: {}\nrecords graded: {} of 60\n",
            aggregator.entries(),
            evaluation.outcomes.len()
        );
        for e in &evaluation.errors {
            snapshot.push_str(&format!("error: {e}\n"));
        }
        // Every record an error names is left out of the outcomes: none is graded on a
        // total that misses an entry.
        for e in &evaluation.errors {
            if let Some(id) = &e.record {
                assert!(evaluation.outcomes.iter().all(|o| &o.record != id));
            }
        }
        for id in ["LW2022001", "LW2022002", "LW2022003"] {
            if let Some(o) = evaluation.outcomes.iter().find(|o| o.record == id) {
                let totals = aggregator.totals(id).unwrap();
                snapshot.push_str(&format!(
                    "{id}: {} {} [{}]\n",
                    o.score.map_or("-".into(), liangxin::number::format),
                    o.grade_label.as_deref().unwrap_or("-"),
                    totals.notes.join("; ")
                ));
            }
        }
        insta::assert_snapshot!(snapshot);
    });
}

#[test]
fn a_roster_with_a_column_the_entries_fill_is_refused() {
    let prepared = crate::pack(PACK);
    let policy = &prepared.policy.policy;
    let mut roster = Ledger::from_csv_bytes(
        "党员编号,姓名,组织生活\nLW1,甲,-5\n".as_bytes(),
        "roster.csv",
        &policy.schema,
    )
    .unwrap();
    let catalog = policy.catalog.as_ref().unwrap();
    let aggregator = Aggregator::new(
        catalog,
        Period::year("2022").unwrap(),
        &roster,
        &policy.schema,
    );
    let error = aggregator
        .apply(&mut roster, &policy.schema)
        .unwrap_err()
        .to_string();
    assert!(error.contains("组织生活 (org_life)"), "{error}");
    assert!(error.contains("cannot both count"), "{error}");
}

#[test]
fn a_member_without_entries_keeps_the_base_score() {
    let prepared = crate::pack(PACK);
    let policy = &prepared.policy.policy;
    let mut roster = Ledger::from_csv_bytes(
        "党员编号,姓名\nLW1,甲\n".as_bytes(),
        "r.csv",
        &policy.schema,
    )
    .unwrap();
    let catalog = policy.catalog.as_ref().unwrap();
    let aggregator = Aggregator::new(
        catalog,
        Period::year("2022").unwrap(),
        &roster,
        &policy.schema,
    );
    aggregator.apply(&mut roster, &policy.schema).unwrap();
    let evaluation = prepared.policy.evaluate_ledger(&roster);
    assert_eq!(evaluation.outcomes[0].score, Some(1000.0));
    assert_eq!(evaluation.outcomes[0].grade.as_deref(), Some("recommended"));
    assert_eq!(
        aggregator.totals("LW1").unwrap().notes,
        ["2022年 无积分记录: 各项为 0"]
    );
}

/// `liangxin eval` with a roster and entries, as staff run it.
mod cli {
    use crate::cli::liangxin;

    const ENTRIES: &str = "fixtures/longwen/entries-2022.csv";

    #[test]
    fn eval_with_entries_explains_the_sums_and_their_caps() {
        let out = liangxin(&[
            "eval",
            "-p",
            super::PACK,
            "-r",
            super::ROSTER,
            "--entries",
            ENTRIES,
            "--period",
            "2022",
            "--record",
            "LW2022037",
        ]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}");
        assert!(
            stdout.contains("├─ entries 组织生活 · 按时参加组织生活: 记录合计 24 (1 条), 封顶 20"),
            "{stdout}"
        );
        assert!(stdout.contains("├─ entries 组织生活 20 (1 条)"), "{stdout}");
    }

    #[test]
    fn a_refused_entry_ends_the_run_with_findings_naming_its_row() {
        let out = liangxin(&[
            "eval",
            "-p",
            super::PACK,
            "-r",
            super::ROSTER,
            "--entries",
            "fixtures/entries/unknown-item.csv",
            "--from",
            "2022-01-01",
            "--to",
            "2022-12-31",
            "--format",
            "csv",
        ]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("fixtures/entries/unknown-item.csv row 3: 积分项目 `按时参加组织活动`"),
            "{stderr}"
        );
        // The two members are left out of the results, the 58 others are graded.
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 59);
    }

    #[test]
    fn entries_need_a_period_and_a_pack_with_a_catalog() {
        let no_period = liangxin(&[
            "eval",
            "-p",
            super::PACK,
            "-r",
            super::ROSTER,
            "--entries",
            ENTRIES,
        ]);
        assert_eq!(no_period.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&no_period.stderr).contains("--period 2024"));
        let no_catalog = liangxin(&[
            "eval",
            "-p",
            "longwen-stars",
            "-r",
            "fixtures/longwen/organizations.csv",
            "--entries",
            ENTRIES,
            "--period",
            "2022",
        ]);
        assert_eq!(no_catalog.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&no_catalog.stderr).contains("has no item catalog"),
            "{}",
            String::from_utf8_lossy(&no_catalog.stderr)
        );
    }
}

#[test]
fn the_pack_readme_lists_every_item_with_its_worth() {
    let readme = std::fs::read_to_string(format!("{PACK}/README.md")).unwrap();
    let prepared = crate::pack(PACK);
    let catalog = prepared.policy.policy.catalog.as_ref().unwrap();
    // The README writes minus signs as − and a positive fixed worth with +, except for
    // deductions (工作失误扣分), which the column holds as positive points.
    let signed = |p: f64, field: &str| {
        let n = liangxin::number::format(p.abs());
        match (p < 0.0, field == "mistakes") {
            (true, _) => format!("−{n}"),
            (false, true) => n,
            (false, false) => format!("+{n}"),
        }
    };
    let plain = |p: f64| liangxin::number::format(p).replace('-', "−");
    for item in &catalog.items {
        let worth = match item.worth {
            liangxin::entries::Worth::Fixed(p) => signed(p, &item.field),
            liangxin::entries::Worth::Range { min, max } => {
                format!("{}…{}", plain(min), plain(max))
            }
            liangxin::entries::Worth::Veto => "(sets 是)".to_owned(),
        };
        let written = format!("{} {worth}", item.label);
        assert!(readme.contains(&written), "README lacks `{written}`");
        if let Some(cap) = item.cap {
            let capped = format!("{written} (item cap {})", plain(cap));
            assert!(readme.contains(&capped), "README lacks `{capped}`");
        }
    }
    assert_eq!(readme.matches("| +20 |").count(), 5);
    assert!(readme.contains("| 30 |"));
}

/// The templates staff start a year's records from.
mod templates {
    use crate::cli::liangxin;

    #[test]
    fn the_entry_and_roster_templates_read_back_as_what_eval_takes() {
        let dir = std::env::temp_dir().join(format!("liangxin-templates-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let entries = dir.join("积分记录.xlsx");
        let roster = dir.join("名册.csv");
        let out = liangxin(&[
            "template",
            "-p",
            super::PACK,
            "--entries",
            "-o",
            entries.to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = liangxin(&[
            "template",
            "-p",
            super::PACK,
            "--roster",
            "-o",
            roster.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            std::fs::read_to_string(&roster).unwrap(),
            "\u{feff}党员编号,姓名,所在组织\r\n"
        );
        // The 积分项目 cells offer the catalog's 16 items, listed on the 积分细则 sheet.
        let book = std::fs::File::open(&entries).unwrap();
        let mut zip = zip::ZipArchive::new(book).unwrap();
        let mut sheet = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
            &mut sheet,
        )
        .unwrap();
        assert!(sheet.contains("'积分细则'!$A$2:$A$17"), "{sheet}");
        // Read as an entry ledger: one sheet holds it (积分细则 and 填写说明 are not mistaken
        // for one), with no entries yet.
        let prepared = crate::pack(super::PACK);
        let schema = liangxin::entries::entry_schema(&prepared.policy.policy.schema);
        let ledger = liangxin::Ledger::read(&entries, &schema).unwrap();
        assert!(ledger.records.is_empty() && ledger.errors.is_empty());
        assert!(
            ledger
                .notes
                .iter()
                .any(|n| n == "the ledger has no records"),
            "{:?}",
            ledger.notes
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_pack_without_a_catalog_has_no_entry_template() {
        let out = liangxin(&["template", "-p", "zhuzhou-wuhua-social", "--entries"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("no item catalog"));
    }
}

#[test]
fn entries_kept_in_a_workbook_with_excel_dates_sum_as_the_csv_does() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let text = std::fs::read_to_string("fixtures/longwen/entries-2022.csv").unwrap();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("积分记录").unwrap();
    sheet.write_string(0, 0, "2022年党员积分记录").unwrap();
    let date = Format::new().set_num_format("yyyy年m月d日");
    for (r, line) in text.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            let (row, column) = (r as u32 + 1, c as u16);
            let day = cell
                .split('-')
                .map(str::parse::<u16>)
                .collect::<Result<Vec<_>, _>>();
            match (c, day.as_deref(), cell.parse::<f64>()) {
                (2, Ok([y, m, d]), _) => {
                    let when = ExcelDateTime::from_ymd(*y, *m as u8, *d as u8).unwrap();
                    sheet
                        .write_datetime_with_format(row, column, &when, &date)
                        .unwrap();
                }
                (4 | 5, _, Ok(n)) => {
                    sheet.write_number(row, column, n).unwrap();
                }
                _ => {
                    sheet.write_string(row, column, cell).unwrap();
                }
            }
        }
    }
    let path = std::env::temp_dir().join(format!("liangxin-entries-{}.xlsx", std::process::id()));
    book.save(&path).unwrap();
    let (from_book, _) = evaluate_entries(&path);
    std::fs::remove_file(&path).unwrap();
    let (from_csv, _) = evaluate_entries(Path::new("fixtures/longwen/entries-2022.csv"));
    assert!(from_book.errors.is_empty(), "{:?}", from_book.errors);
    assert_eq!(
        liangxin::report::to_json(&from_book.outcomes),
        liangxin::report::to_json(&from_csv.outcomes)
    );
}

#[test]
fn fractions_of_a_point_add_up_to_the_decimal_they_stand_for() {
    // Ten entries of 0.1 are 1 point, not 0.9999999999999999: a line at 1001 is reached.
    let loader = liangxin::MemoryLoader::new().with(
        "p/policy.yaml",
        r#"
id: tenths
name: 十分之一分
subject: member
fields: [{ id: study, label: 学习积分, type: decimal }]
params: { base_score: { value: 1000 } }
rules:
  - { id: base, kind: base, value: base_score }
  - { id: study, kind: points, expr: study }
  - { id: line, kind: checklist, criteria: [{ id: reached, expr: base_score + study >= 1001 }] }
bands:
  on: line
  grades:
    - { grade: good, at_least: 1 }
    - { grade: short, below: 1 }
grades:
  good: { label: 达标, pass: true }
  short: { label: 未达标, pass: false }
catalog:
  items:
    - { id: lesson, label: 学习一课, field: study, points: 0.1 }
"#,
    );
    let prepared = crate::engine::prepared(&loader, "p");
    let policy = &prepared.policy.policy;
    let mut roster =
        Ledger::from_csv_bytes("党员编号,姓名\nM1,甲\n".as_bytes(), "r.csv", &policy.schema)
            .unwrap();
    let mut aggregator = Aggregator::new(
        policy.catalog.as_ref().unwrap(),
        Period::year("2024").unwrap(),
        &roster,
        &policy.schema,
    );
    let mut entries = String::from("党员编号,日期,积分项目\n");
    for day in 1..=10 {
        entries.push_str(&format!("M1,2024-03-{day:02},学习一课\n"));
    }
    let ledger =
        Ledger::from_csv_bytes(entries.as_bytes(), "e.csv", aggregator.entry_schema()).unwrap();
    aggregator.add_ledger(&ledger).unwrap();
    assert_eq!(aggregator.totals("M1").unwrap().values, [1.0]);
    aggregator.apply(&mut roster, &policy.schema).unwrap();
    let evaluation = prepared.policy.evaluate_ledger(&roster);
    assert_eq!(evaluation.outcomes[0].grade.as_deref(), Some("good"));
}

/// What a hostile review of the first version found, kept fixed.
mod review {
    use crate::cli::liangxin;

    #[test]
    fn a_member_with_a_refused_entry_stays_in_his_group_and_says_why() {
        let out = liangxin(&[
            "eval",
            "-p",
            super::PACK,
            "-r",
            super::ROSTER,
            "--entries",
            "fixtures/entries/unknown-item.csv",
            "--period",
            "2022",
            "--record",
            "LW2022001",
        ]);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
        assert!(
            format!("{stdout}{stderr}").contains("积分项目 `按时参加组织活动` is not an item"),
            "{stdout}{stderr}"
        );
    }

    #[test]
    fn an_entry_ledger_without_a_date_or_item_column_is_refused_once() {
        let dir = std::env::temp_dir().join(format!("liangxin-review-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("e.csv");
        std::fs::write(
            &file,
            "党员编号,姓名,日期,积分项目（名称）\nLW2022001,蔡振鑫,2022-03-01,按时参加组织生活\n",
        )
        .unwrap();
        let out = liangxin(&[
            "eval",
            "-p",
            super::PACK,
            "-r",
            super::ROSTER,
            "--entries",
            file.to_str().unwrap(),
            "--period",
            "2022",
        ]);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("the entry ledger has no column 积分项目"),
            "{stderr}"
        );
    }

    #[test]
    fn an_entry_for_no_one_is_reported_in_the_entry_ledger_not_the_roster() {
        let out = liangxin(&[
            "eval",
            "-p",
            super::PACK,
            "-r",
            super::ROSTER,
            "--entries",
            "fixtures/entries/unknown-member.csv",
            "--period",
            "2022",
            "--format",
            "csv",
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("error: fixtures/entries/unknown-member.csv row 4 (record LW2O22002)"),
            "{stderr}"
        );
        assert!(
            !stderr.contains("roster-2022.csv: fixtures/entries"),
            "{stderr}"
        );
    }
}
