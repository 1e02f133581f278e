//! The archive on the Longwen fixtures published in two years: year over year, moves,
//! superseding, star history, follow-ups, the notice, and what the database refuses.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use liangxin::{CompiledPolicy, FsLoader, Ledger};
use liangxin_archive::{Archive, ArchiveError, Submission};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn prepare(dir: &Path, as_of: &str) -> CompiledPolicy {
    liangxin::prepare_at(&FsLoader, dir, Some(as_of))
        .unwrap()
        .policy
}

/// Publishes `ledger` (a path under the repository) under the pack in `dir` for `period`.
fn publish(
    archive: &mut Archive,
    dir: &Path,
    ledger: &str,
    period: &str,
    reason: Option<&str>,
) -> Result<i64, ArchiveError> {
    let as_of = format!("{period}-12-31");
    let compiled = prepare(dir, &as_of);
    let path = root().join(ledger);
    let bytes = std::fs::read(&path).unwrap();
    let read = Ledger::read(&path, &compiled.policy.schema).unwrap();
    let evaluation = compiled.evaluate_ledger(&read);
    archive.publish(&Submission {
        policy: &compiled,
        evaluation: &evaluation,
        ledger: &read,
        ledger_sha256: liangxin_archive::ledger_sha256(&bytes),
        ledger_name: ledger.rsplit('/').next().unwrap().to_owned(),
        period: period.to_owned(),
        as_of,
        revision: None,
        by: "王科长".into(),
        at: format!(
            "{}-01-05T09:30:00+08:00",
            period.parse::<i32>().unwrap() + 1
        ),
        notice: Some((
            format!("{}-01-08", period.parse::<i32>().unwrap() + 1),
            format!("{}-01-14", period.parse::<i32>().unwrap() + 1),
        )),
        reason: reason.map(str::to_owned),
    })
}

fn points() -> PathBuf {
    root().join("policies/longwen-points")
}

/// Publishes the 2022 and 2023 ledgers under the pack in `pack`.
fn publish_both(archive: &mut Archive, pack: &Path, ledgers: [&str; 2]) {
    for (ledger, period) in ledgers.into_iter().zip(["2022", "2023"]) {
        publish(archive, pack, ledger, period, None).unwrap();
    }
}

const MEMBERS: [&str; 2] = [
    "fixtures/longwen/members.csv",
    "fixtures/longwen/members-2023.csv",
];

/// An archive with longwen-points published for 2022 and 2023.
fn two_years() -> (tempfile::TempDir, Archive) {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(dir.path()).unwrap();
    publish_both(&mut archive, &points(), MEMBERS);
    (dir, archive)
}

#[test]
fn a_member_published_in_two_years_shows_both() {
    let (_dir, archive) = two_years();
    let years = archive.record_history("LW2022014", None).unwrap();
    let shown: Vec<_> = years
        .iter()
        .map(|y| {
            (
                y.publication.period.as_str(),
                y.outcome.score,
                y.outcome.grade_label.as_deref(),
                y.outcome.organization.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (
                "2022",
                Some(899.0),
                Some("合格"),
                Some("福建龙江电子科技有限公司党支部")
            ),
            (
                "2023",
                Some(900.0),
                Some("优先推荐"),
                Some("福建龙江电子科技有限公司党支部")
            ),
        ]
    );
    // The publication records what it was made from.
    let p = &years[1].publication;
    assert_eq!(p.ledger_name, "members-2023.csv");
    assert_eq!(
        p.ledger_sha256,
        liangxin_archive::ledger_sha256(
            &std::fs::read(root().join("fixtures/longwen/members-2023.csv")).unwrap()
        )
    );
    assert_eq!((p.as_of.as_str(), p.records), ("2023-12-31", 60));
    assert_eq!(p.published_by, "王科长");
}

#[test]
fn the_moves_between_two_years_are_exactly_the_changed_grades() {
    let (_dir, archive) = two_years();
    let moves = archive.moves("longwen-points", "2022", "2023").unwrap();
    let ids = |list: &[liangxin_archive::Move]| -> Vec<String> {
        list.iter().map(|m| m.record.clone()).collect()
    };
    // Up: 899 → 900 (合格 → 优先推荐), 500 → 501 (帮扶教育 → 合格), a veto lifted.
    assert_eq!(ids(&moves.up), ["LW2022005", "LW2022014", "LW2022028"]);
    // Down: 900 → 899, 501 → 500, a veto fired.
    assert_eq!(ids(&moves.down), ["LW2022002", "LW2022007", "LW2022060"]);
    assert_eq!(moves.left, ["LW2022059"]);
    assert_eq!(moves.joined, ["LW2023061"]);
    // LW2022001's score rose by 10 within 优先推荐: not a move.
    assert_eq!(moves.unchanged, 53);
    let vetoed = &moves.up[0];
    assert_eq!(
        (
            vetoed.before.grade_label.as_deref(),
            vetoed.after.grade_label.as_deref()
        ),
        (Some("一票否决"), Some("优先推荐"))
    );
}

#[test]
fn publishing_again_needs_a_reason_and_keeps_the_superseded_one() {
    let (_dir, mut archive) = two_years();
    let again = publish(
        &mut archive,
        &points(),
        "fixtures/longwen/members-2023.csv",
        "2023",
        None,
    );
    assert!(
        matches!(again, Err(ArchiveError::AlreadyPublished { id: 2, .. })),
        "{again:?}"
    );
    // Corrected: LW2022014 back to 899 in the later ledger (the 2022 one stands in for it).
    let id = publish(
        &mut archive,
        &points(),
        "fixtures/longwen/members.csv",
        "2023",
        Some("更正台账"),
    )
    .unwrap();
    assert_eq!(id, 3);
    let all = archive.publications(Some("longwen-points")).unwrap();
    let shown: Vec<_> = all
        .iter()
        .map(|p| {
            (
                p.id,
                p.period.as_str(),
                p.superseded_by,
                p.supersedes,
                p.reason.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (1, "2022", None, None, None),
            (2, "2023", Some(3), None, None),
            (3, "2023", None, Some(2), Some("更正台账")),
        ]
    );
    // Queries read the current one; the superseded one's outcomes are still there.
    let years = archive.record_history("LW2022014", None).unwrap();
    assert_eq!(years[1].publication.id, 3);
    assert_eq!(years[1].outcome.score, Some(899.0));
    assert_eq!(archive.outcomes(2).unwrap().len(), 60);
    // A reason with nothing to supersede is refused.
    let first = publish(
        &mut archive,
        &points(),
        "fixtures/longwen/members.csv",
        "2021",
        Some("更正"),
    );
    assert!(
        matches!(first, Err(ArchiveError::NothingToSupersede { .. })),
        "{first:?}"
    );
}

#[test]
fn the_database_refuses_to_change_what_was_published() {
    let (dir, archive) = two_years();
    drop(archive);
    let db = rusqlite::Connection::open(liangxin_archive::archive_path(dir.path())).unwrap();
    for sql in [
        "UPDATE outcomes SET score = 1000 WHERE record = 'LW2022014'",
        "DELETE FROM outcomes WHERE publication = 1",
        "UPDATE grades SET label = '优秀'",
        "DELETE FROM grades",
        "UPDATE publications SET published_by = '别人' WHERE id = 1",
        "UPDATE publications SET superseded = 1, reason = '改' WHERE id = 1",
        "DELETE FROM publications WHERE id = 1",
    ] {
        let refused = db.execute(sql, []).unwrap_err().to_string();
        assert!(refused.contains("never changed"), "{sql}: {refused}");
    }
    // Marking superseded is the one change allowed, and only once.
    db.execute("UPDATE publications SET superseded = 1 WHERE id = 1", [])
        .unwrap();
    let again = db
        .execute("UPDATE publications SET superseded = 0 WHERE id = 1", [])
        .unwrap_err();
    assert!(again.to_string().contains("never changed"));
    let score: f64 = db
        .query_row(
            "SELECT score FROM outcomes WHERE publication = 2 AND record = 'LW2022014'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(score, 900.0);
}

#[test]
fn a_file_that_is_not_an_archive_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = liangxin_archive::archive_path(dir.path());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();

    // Damaged: not a database at all.
    let junk = b"this is not SQLite, it is a damaged copy of the archive ..........................................................................................".repeat(8);
    std::fs::write(&path, &junk).unwrap();
    let err = Archive::open(dir.path()).unwrap_err();
    assert!(matches!(err, ArchiveError::NotAnArchive { .. }), "{err:?}");
    assert!(err.to_string().contains("not a liangxin archive"));
    assert_eq!(std::fs::read(&path).unwrap(), junk);

    // Another program's database.
    std::fs::remove_file(&path).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE mine (x)")
        .unwrap();
    let err = Archive::open(dir.path()).unwrap_err();
    assert!(matches!(err, ArchiveError::NotAnArchive { .. }), "{err:?}");

    // An archive of a newer format.
    std::fs::remove_file(&path).unwrap();
    drop(Archive::open(dir.path()).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = Archive::open(dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            ArchiveError::NewerFormat {
                found: 99,
                known: 1,
                ..
            }
        ),
        "{err:?}"
    );

    // Reading a library without an archive does not make one.
    let empty = tempfile::tempdir().unwrap();
    let err = Archive::open_existing(empty.path()).unwrap_err();
    assert!(matches!(err, ArchiveError::NoArchive(_)), "{err:?}");
    assert!(!liangxin_archive::archive_path(empty.path()).exists());
}

#[test]
fn concurrent_publications_are_taken_one_after_the_other() {
    let dir = tempfile::tempdir().unwrap();
    drop(Archive::open(dir.path()).unwrap());
    let library = dir.path().to_owned();
    let results: Vec<Result<i64, ArchiveError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let library = library.clone();
                s.spawn(move || {
                    let mut archive = Archive::open(&library).unwrap();
                    publish(
                        &mut archive,
                        &points(),
                        "fixtures/longwen/members.csv",
                        "2022",
                        None,
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let published = results.iter().filter(|r| r.is_ok()).count();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(ArchiveError::AlreadyPublished { .. })))
        .count();
    assert_eq!((published, refused), (1, 3), "{results:?}");
    let archive = Archive::open(&library).unwrap();
    assert_eq!(archive.publications(None).unwrap().len(), 1);
    assert_eq!(archive.outcomes(1).unwrap().len(), 60);
}

#[test]
fn a_ledger_with_record_errors_is_refused_naming_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(root().join("fixtures/longwen/members.csv")).unwrap();
    text = text.replacen(",2022,-13,", ",2022,很多,", 1);
    let ledger = dir.path().join("台账.csv");
    std::fs::write(&ledger, text).unwrap();
    let mut archive = Archive::open(dir.path()).unwrap();
    let err = publish(
        &mut archive,
        &points(),
        ledger.to_str().unwrap(),
        "2022",
        None,
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, ArchiveError::Refused(_)));
    assert!(message.contains("row 2 (record LW2022001)"), "{message}");
    assert!(archive.publications(None).unwrap().is_empty());
}

#[test]
fn an_organizations_stars_year_over_year() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(dir.path()).unwrap();
    let stars = root().join("policies/longwen-stars");
    publish_both(
        &mut archive,
        &stars,
        [
            "fixtures/longwen/organizations.csv",
            "fixtures/longwen/organizations-2023.csv",
        ],
    );
    let years = archive.organization_history("LWO2022004").unwrap();
    let shown: Vec<_> = years
        .iter()
        .map(|y| {
            (
                y.publication.period.as_str(),
                y.outcome.grade_label.as_deref(),
                y.outcome.stars,
            )
        })
        .collect();
    assert_eq!(shown, STAR_HISTORY);
    // By name too.
    let by_name = archive
        .organization_history("朝阳润泰家具有限公司党支部")
        .unwrap();
    assert_eq!(by_name.len(), 2);
}

/// LWO2022004's stars in 2022 and 2023 (see fixtures/longwen/README.md).
const STAR_HISTORY: [(&str, Option<&str>, Option<i64>); 2] = [
    ("2022", Some("三星级"), Some(3)),
    ("2023", Some("四星级"), Some(4)),
];

/// longwen-points with a deadline on 帮扶教育 (限期整改 within 3 months), in a library folder.
fn points_with_deadline(library: &Path) -> PathBuf {
    let dir = library.join("longwen-points");
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(points().join("policy.yaml")).unwrap();
    let text = text.replacen(
        "    actions: [帮扶教育, 限期整改]\n",
        "    actions: [帮扶教育, 限期整改]\n    due: { months: 3, assumed: true }\n",
        1,
    );
    assert!(text.contains("months: 3"));
    std::fs::write(dir.join("policy.yaml"), text).unwrap();
    dir
}

#[test]
fn follow_ups_are_due_then_overdue_per_organization() {
    let dir = tempfile::tempdir().unwrap();
    let pack = points_with_deadline(dir.path());
    let mut archive = Archive::open(dir.path()).unwrap();
    publish_both(&mut archive, &pack, MEMBERS);
    let list = archive.follow_ups("2023-03-31").unwrap();
    let shown: Vec<_> = list
        .iter()
        .map(|f| {
            (
                f.outcome.organization.as_deref().unwrap(),
                f.outcome.record.as_str(),
                f.outcome.due.as_deref().unwrap(),
                f.overdue,
            )
        })
        .collect();
    // 2022's remedial members were due 2023-03-31 (due, not yet overdue on the day itself);
    // 2023's are due 2024-03-31.
    assert_eq!(
        shown,
        [
            (
                "漳州华森家具有限公司党支部",
                "LW2022007",
                "2024-03-31",
                false
            ),
            (
                "福建丰源食品有限公司党支部",
                "LW2022028",
                "2023-03-31",
                false
            ),
            (
                "福建鑫盛印刷包装有限公司党支部",
                "LW2022042",
                "2023-03-31",
                false
            ),
            (
                "福建鑫盛印刷包装有限公司党支部",
                "LW2022042",
                "2024-03-31",
                false
            ),
        ]
    );
    let overdue: Vec<_> = archive
        .follow_ups("2023-04-01")
        .unwrap()
        .into_iter()
        .filter(|f| f.overdue)
        .map(|f| (f.outcome.record, f.period))
        .collect();
    assert_eq!(
        overdue,
        [
            ("LW2022028".to_owned(), "2022".to_owned()),
            ("LW2022042".into(), "2022".into())
        ]
    );
    assert_eq!(list[0].outcome.actions, ["帮扶教育", "限期整改"]);
}

#[test]
fn the_notice_lists_name_organization_and_grade_only() {
    let (_dir, archive) = two_years();
    let notice = archive
        .notice("longwen-points", "2023", None, &["优先推荐".to_owned()])
        .unwrap();
    assert_eq!(
        (notice.from.as_str(), notice.to.as_str()),
        ("2024-01-08", "2024-01-14")
    );
    assert!(notice.lines.iter().all(|l| l.grade == "优先推荐"));
    assert!(notice.lines.iter().any(|l| l.name == "王荣阳"));
    assert!(!notice.lines.iter().any(|l| l.name == "洪惠红"));
    let page = liangxin_archive::notice::html(&notice);
    assert!(page.contains("龙文区党员积分定等2023年度测评结果公示"));
    assert!(page.contains("2024年1月8日至2024年1月14日"));
    assert!(page.contains("@media print"));
    // No score, id or money on a public notice.
    assert!(!page.contains("LW2022014"));
    assert!(!page.contains("900"));
    // The notice period can be given on the page; a backwards one is refused.
    let err = archive
        .notice(
            "longwen-points",
            "2023",
            Some(("2024-02-10", "2024-02-01")),
            &[],
        )
        .unwrap_err();
    assert!(err.to_string().contains("before it starts"), "{err}");
    let err = archive
        .notice("longwen-points", "2023", None, &["优秀".to_owned()])
        .unwrap_err();
    assert!(err.to_string().contains("no grade `优秀`"), "{err}");
}
