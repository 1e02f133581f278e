//! 档案 in the workbench: an editor publishes two years of the Longwen ledger from the
//! evaluation page, the archive shows them year over year, the moves between them, the 公示;
//! publishing a year again asks why; a viewer reads but may not publish.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::http::StatusCode;
use liangxin_server::accounts::Role;

mod common;
use common::{Browser, library};

/// Uploads `ledger` evaluated as of `as_of`, then publishes it for `period` from the page's
/// publish form.
async fn publish(browser: &mut Browser, ledger: &str, as_of: &str, period: &str) -> common::Page {
    let page = browser
        .upload_with("longwen-points", ledger, &[("as_of", as_of)])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("action=\"/archive/publish\""),
        "no publish form"
    );
    let csrf = page.csrf();
    browser
        .post_form(
            "/archive/publish",
            &[
                ("_csrf", &csrf),
                ("period", period),
                ("notice_from", "2024-01-08"),
                ("notice_to", "2024-01-14"),
            ],
        )
        .await
}

#[tokio::test]
async fn two_published_years_show_year_over_year_moves_and_the_notice() {
    let (dir, app) = library(&[("王科长", Role::Editor), ("小李", Role::Viewer)]);
    let mut editor = Browser::new(&app);
    editor.sign_in("王科长", "password-123").await;

    let first = publish(
        &mut editor,
        "fixtures/longwen/members.csv",
        "2022-12-31",
        "2022",
    )
    .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(first.location.as_deref(), Some("/archive/1"));
    let second = publish(
        &mut editor,
        "fixtures/longwen/members-2023.csv",
        "2023-12-31",
        "2023",
    )
    .await;
    assert_eq!(
        second.location.as_deref(),
        Some("/archive/2"),
        "{}",
        second.body
    );

    // 档案: both, by whom, with the library's git revision.
    let index = editor.get("/archive").await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.body.contains("龙文区党员积分定等"));
    assert_eq!(index.body.matches("王科长</td>").count(), 2);
    let head = common::git(
        &dir.path().join("标准库"),
        &["log", "-1", "--format=%H", "--", "longwen-points"],
    );
    assert!(
        index.body.contains(&head.trim()[..8]),
        "the revision is shown"
    );

    // A member year over year: 合格 899 in 2022, 优先推荐 900 in 2023.
    let record = editor.get("/archive/record?id=LW2022014").await;
    assert_eq!(record.status, StatusCode::OK);
    let cells = grades(&record.body);
    assert_eq!(cells, ["合格", "优先推荐"], "{}", record.body);
    assert!(record.body.contains(">899<") && record.body.contains(">900<"));

    // The moves list, exactly.
    let moves = editor
        .get("/archive/moves?pack=longwen-points&from=2022&to=2023")
        .await;
    assert_eq!(moves.status, StatusCode::OK, "{}", moves.body);
    assert_eq!(
        ids_in(&moves.body, "up"),
        ["LW2022005", "LW2022014", "LW2022028"]
    );
    assert_eq!(
        ids_in(&moves.body, "down"),
        ["LW2022002", "LW2022007", "LW2022060"]
    );

    // The 公示 page: printable, the notice period, names and grades, no scores or ids.
    let notice = editor
        .get("/archive/notice?pack=longwen-points&period=2023&grade=%E4%BC%98%E5%85%88%E6%8E%A8%E8%8D%90")
        .await;
    assert_eq!(notice.status, StatusCode::OK, "{}", notice.body);
    assert!(notice.body.contains("2024年1月8日至2024年1月14日"));
    assert!(notice.body.contains("王荣阳"));
    assert!(
        !notice.body.contains("洪惠红"),
        "合格 is not in a notice of 优先推荐"
    );
    assert!(!notice.body.contains("LW2022014"));
    assert!(notice.body.contains("@media print"));

    // Publishing 2023 again asks why, and changes nothing until a reason is given.
    let again = publish(
        &mut editor,
        "fixtures/longwen/members-2023.csv",
        "2023-12-31",
        "2023",
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("name=\"reason\""));
    let csrf = again.csrf();
    let superseded = editor
        .post_form(
            "/archive/publish",
            &[("_csrf", &csrf), ("period", "2023"), ("reason", "更正扣分")],
        )
        .await;
    assert_eq!(
        superseded.location.as_deref(),
        Some("/archive/3"),
        "{}",
        superseded.body
    );
    let index = editor.get("/archive").await;
    assert!(index.body.contains("已被"), "the old one is marked");
    assert!(index.body.contains("更正扣分"));
    let audit = std::fs::read_to_string(dir.path().join("标准库/.liangxin/audit.log")).unwrap();
    assert_eq!(audit.matches("\"action\":\"publish\"").count(), 3);

    // A viewer reads the archive but may not publish.
    let mut viewer = Browser::new(&app);
    viewer.sign_in("小李", "password-123").await;
    let page = viewer
        .upload_with(
            "longwen-points",
            "fixtures/longwen/members.csv",
            &[("as_of", "2022-12-31")],
        )
        .await;
    assert!(!page.body.contains("action=\"/archive/publish\""));
    let csrf = viewer.get("/archive").await.csrf();
    let refused = viewer
        .post_form("/archive/publish", &[("_csrf", &csrf), ("period", "2021")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        viewer.get("/archive/record?id=LW2022014").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn publishing_needs_the_forms_token() {
    let (_dir, app) = library(&[]);
    let mut browser = Browser::new(&app);
    browser
        .upload_with(
            "longwen-points",
            "fixtures/longwen/members.csv",
            &[("as_of", "2022-12-31")],
        )
        .await;
    let refused = browser
        .post_form("/archive/publish", &[("period", "2022")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let index = browser.get("/archive").await;
    assert!(index.body.contains("id=\"no-publications\""));
}

/// The grade cells of the years table, in order.
fn grades(body: &str) -> Vec<String> {
    body.split("<td class=\"grade\">")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_owned())
        .collect()
}

/// The record ids linked in the table `id`.
fn ids_in(body: &str, id: &str) -> Vec<String> {
    let start = body.find(&format!("<table id=\"{id}\">")).unwrap();
    let table = &body[start..start + body[start..].find("</table>").unwrap()];
    table
        .split("class=\"record\"")
        .skip(1)
        .map(|s| {
            let s = &s[s.find('>').unwrap() + 1..];
            s[..s.find('<').unwrap()].to_owned()
        })
        .collect()
}
