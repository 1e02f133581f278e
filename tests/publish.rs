//! `liangxin publish` and `liangxin history`: two years of the Longwen ledger published from the
//! command line and read back, as a district officer would.

use std::path::PathBuf;

use crate::cli::liangxin;

/// A fresh library folder for one test.
fn library(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("liangxin-publish-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn publish(library: &str, ledger: &str, period: &str, extra: &[&str]) -> std::process::Output {
    let as_of = format!("{period}-12-31");
    let mut args = vec![
        "publish",
        "longwen-points",
        ledger,
        "--period",
        period,
        "--as-of",
        &as_of,
        "--by",
        "王科长",
        "--library",
        library,
    ];
    args.extend(extra);
    liangxin(&args)
}

#[test]
fn two_years_published_show_the_record_and_the_moves() {
    let dir = library("two-years");
    let lib = dir.to_str().unwrap();
    let first = publish(lib, "fixtures/longwen/members.csv", "2022", &[]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert!(
        text(&first.stdout).contains("已发布 第 1 号"),
        "{}",
        text(&first.stdout)
    );
    // The bundled pack is in this checkout's git repository: its revision is recorded.
    assert!(text(&first.stdout).contains("标准版本 revision: "));
    let second = publish(lib, "fixtures/longwen/members-2023.csv", "2023", &[]);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));

    let record = liangxin(&["history", "record", "LW2022014", "--library", lib]);
    assert_eq!(record.status.code(), Some(0), "{}", text(&record.stderr));
    let shown = text(&record.stdout);
    let lines: Vec<&str> = shown.lines().filter(|l| l.contains("LW2022014")).collect();
    assert_eq!(lines.len(), 2, "{shown}");
    assert!(lines[0].contains("2022") && lines[0].contains("899") && lines[0].contains("合格"));
    assert!(lines[1].contains("2023") && lines[1].contains("900") && lines[1].contains("优先推荐"));

    let moves = liangxin(&[
        "history",
        "moves",
        "--pack",
        "longwen-points",
        "--from",
        "2022",
        "--to",
        "2023",
        "--library",
        lib,
        "--format",
        "json",
    ]);
    assert_eq!(moves.status.code(), Some(0), "{}", text(&moves.stderr));
    let json: serde_json::Value = serde_json::from_slice(&moves.stdout).unwrap();
    let ids = |key: &str| -> Vec<String> {
        json[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["record"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids("up"), ["LW2022005", "LW2022014", "LW2022028"]);
    assert_eq!(ids("down"), ["LW2022002", "LW2022007", "LW2022060"]);
    assert_eq!(json["unchanged"], 53);

    // Publishing 2023 again is refused without a reason (exit 1), and supersedes with one.
    let again = publish(lib, "fixtures/longwen/members-2023.csv", "2023", &[]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("--reason"),
        "{}",
        text(&again.stderr)
    );
    let corrected = publish(
        lib,
        "fixtures/longwen/members-2023.csv",
        "2023",
        &["--reason", "更正"],
    );
    assert_eq!(
        corrected.status.code(),
        Some(0),
        "{}",
        text(&corrected.stderr)
    );
    let list = liangxin(&["history", "list", "--library", lib]);
    let shown = text(&list.stdout);
    assert!(shown.contains("已被第 3 号取代"), "{shown}");
    assert!(shown.contains("取代第 2 号：更正"), "{shown}");

    // The notice, written whole to a file.
    let notice = dir.join("公示.html");
    let out = liangxin(&[
        "history",
        "notice",
        "longwen-points",
        "2023",
        "--from",
        "2024-01-08",
        "--to",
        "2024-01-14",
        "--grade",
        "优先推荐",
        "-o",
        notice.to_str().unwrap(),
        "--library",
        lib,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let page = std::fs::read_to_string(&notice).unwrap();
    assert!(page.contains("王荣阳") && page.contains("2024年1月8日至2024年1月14日"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_ledger_with_record_errors_is_refused_and_nothing_is_kept() {
    let dir = library("refused");
    let ledger = dir.join("台账.csv");
    let text_in = std::fs::read_to_string("fixtures/longwen/members.csv").unwrap();
    std::fs::write(&ledger, text_in.replacen(",2022,-13,", ",2022,很多,", 1)).unwrap();
    let out = publish(dir.to_str().unwrap(), ledger.to_str().unwrap(), "2022", &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("row 2 (record LW2022001)"), "{stderr}");
    let list = liangxin(&[
        "history",
        "list",
        "--library",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(text(&list.stdout).trim(), "[]");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_damaged_archive_or_none_is_a_clear_error() {
    let dir = library("damaged");
    let lib = dir.to_str().unwrap();
    let none = liangxin(&["history", "list", "--library", lib]);
    assert_eq!(none.status.code(), Some(2));
    assert!(text(&none.stderr).contains("nothing has been published"));
    std::fs::create_dir_all(dir.join(".liangxin")).unwrap();
    std::fs::write(dir.join(".liangxin/archive.sqlite"), vec![b'x'; 4096]).unwrap();
    let damaged = liangxin(&["history", "list", "--library", lib]);
    assert_eq!(damaged.status.code(), Some(2));
    assert!(
        text(&damaged.stderr).contains("is not a liangxin archive"),
        "{}",
        text(&damaged.stderr)
    );
    assert!(!text(&damaged.stderr).contains("panicked"));
    let _ = std::fs::remove_dir_all(&dir);
}
