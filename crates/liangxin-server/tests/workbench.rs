//! The workbench as staff use it, in-process: editing with review, history and restore, sign-in
//! with roles, and the security checks every request passes (CSRF, origin, host, pack names).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use liangxin_server::accounts::{Accounts, Role, accounts_path};
use liangxin_server::{AppState, Config, app};
use tower::ServiceExt;

mod common;
use common::{Browser, git, library, root};

const FIELD: &str = "params.recommend_at.value";

#[tokio::test]
async fn an_edit_is_previewed_saved_as_a_commit_in_place_and_restored() {
    let (dir, app) = library(&[]);
    let library = dir.path().join("标准库");
    let policy = library.join("longwen-points/policy.yaml");
    let before = std::fs::read_to_string(&policy).unwrap();
    assert_eq!(
        git(&library, &["log", "--format=%an %s"]).trim(),
        "liangxin 标准库初始版本 / the library's first version"
    );
    let mut browser = Browser::new(&app);

    // The form shows the param with its source sentence.
    let form = browser.get("/packs/longwen-points/edit").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(
        form.body
            .contains(&format!("name=\"{FIELD}\" value=\"900\"")),
        "{}",
        form.body
    );
    assert!(form.body.contains("900分以上的党员优先推荐"));
    let csrf = form.csrf();

    // A value that is not a number is named at its field, as typed.
    let check = browser
        .post_form("/packs/longwen-points/edit/check", &[(FIELD, "九百x")])
        .await;
    let check: serde_json::Value = serde_json::from_str(&check.body).unwrap();
    assert_eq!(check["ok"], false);
    assert_eq!(check["problems"][0]["field"], FIELD);

    // The preview on the session's ledger lists exactly the records the change moves:
    // the members whose daily-work points are 880 to 899.
    browser
        .upload("longwen-points", "fixtures/longwen/members.csv")
        .await;
    let preview = browser
        .post_form(
            "/packs/longwen-points/edit/preview",
            &[("_csrf", &csrf), (FIELD, "880")],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let moved = expected_moves(880.0);
    assert!(!moved.is_empty());
    assert!(
        preview
            .body
            .contains(&format!("data-moved=\"{}\"", moved.len())),
        "{}",
        &preview.body[..2000.min(preview.body.len())]
    );
    for id in &moved {
        assert!(
            preview.body.contains(id.as_str()),
            "{id} not in the preview"
        );
    }
    // The pack's own cases run under the edit: those written for the 900 line now fail, and
    // say so before anything is saved.
    assert!(
        preview.body.contains("个不通过"),
        "{}",
        &preview.body[..3000.min(preview.body.len())]
    );
    assert!(
        preview
            .body
            .contains("FAIL longwen-points/tests/bands.yaml:")
    );
    // Nothing is saved by a preview.
    assert_eq!(std::fs::read_to_string(&policy).unwrap(), before);

    // Saving needs the CSRF token and a message.
    let refused = browser
        .post_form(
            "/packs/longwen-points/edit",
            &[(FIELD, "880"), ("_message", "调整")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = browser
        .post_form(
            "/packs/longwen-points/edit",
            &[("_csrf", &csrf), (FIELD, "880"), ("_message", " ")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let saved = browser
        .post_form(
            "/packs/longwen-points/edit",
            &[
                ("_csrf", &csrf),
                ("_base", &form.hidden("_base")),
                (FIELD, "880"),
                ("_message", "优先推荐线调整为880分"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    // Only the value changed: comments, order and layout are as they were.
    let after = std::fs::read_to_string(&policy).unwrap();
    assert_eq!(
        after,
        before.replacen("    value: 900\n", "    value: 880\n", 1)
    );
    assert_eq!(
        git(&library, &["log", "-1", "--format=%an|%s"]).trim(),
        "本机用户|优先推荐线调整为880分"
    );
    let audit = std::fs::read_to_string(library.join(".liangxin/audit.log")).unwrap();
    assert!(audit.contains("\"action\":\"save\""), "{audit}");
    assert!(audit.contains("+08:00"), "{audit}");
    // The accounts and audit log stay out of the packs' history.
    assert!(git(&library, &["status", "--porcelain"]).trim().is_empty());

    // History shows the commit, its author and message; restoring the first version is a new
    // commit and brings 900 back.
    let history = browser.get("/packs/longwen-points/history").await;
    assert!(history.body.contains("优先推荐线调整为880分"));
    assert!(history.body.contains("本机用户"));
    let first = git(&library, &["rev-list", "--max-parents=0", "HEAD"]);
    let head = git(&library, &["rev-parse", "HEAD"]);
    let compared = browser
        .get(&format!(
            "/packs/longwen-points/history?old={}&new={}",
            first.trim(),
            head.trim()
        ))
        .await;
    assert!(
        compared.body.contains("-    value: 900"),
        "{}",
        compared.body
    );
    assert!(compared.body.contains("+    value: 880"));
    assert!(
        compared
            .body
            .contains(&format!("data-moved=\"{}\"", moved.len()))
    );
    let restored = browser
        .post_form(
            "/packs/longwen-points/history/restore",
            &[("_csrf", &csrf), ("commit", first.trim())],
        )
        .await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER, "{}", restored.body);
    assert_eq!(std::fs::read_to_string(&policy).unwrap(), before);
    assert_eq!(git(&library, &["rev-list", "--count", "HEAD"]).trim(), "3");
}

/// Prepared packs are kept between requests (here rechecked on disk only once an hour), yet a
/// pack saved or restored through the workbench is what the very next request reads.
#[tokio::test]
async fn a_pack_saved_or_restored_is_read_by_the_next_request() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("标准库");
    let state = AppState::new(&Config {
        library: library.clone(),
        read_only: false,
        pack_recheck: Duration::from_secs(3600),
        ..Config::default()
    })
    .unwrap();
    let app = app(state);
    let mut browser = Browser::new(&app);
    let page = browser.get("/packs/longwen-points").await;
    assert!(page.body.contains("<td>900"), "{}", page.body);

    let form = browser.get("/packs/longwen-points/edit").await;
    let csrf = form.csrf();
    let saved = browser
        .post_form(
            "/packs/longwen-points/edit",
            &[
                ("_csrf", &csrf),
                ("_base", &form.hidden("_base")),
                (FIELD, "880"),
                ("_message", "优先推荐线调整为880分"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = browser.get("/packs/longwen-points").await;
    assert!(page.body.contains("<td>880"), "{}", page.body);

    let first = git(&library, &["rev-list", "--max-parents=0", "HEAD"]);
    let restored = browser
        .post_form(
            "/packs/longwen-points/history/restore",
            &[("_csrf", &csrf), ("commit", first.trim())],
        )
        .await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER, "{}", restored.body);
    let page = browser.get("/packs/longwen-points").await;
    assert!(page.body.contains("<td>900"), "{}", page.body);
}

/// The members the CLI's own pipeline says move when the line is `line`: evaluated through the
/// library with the pack edited on disk in a copy, independently of the workbench.
fn expected_moves(line: f64) -> Vec<String> {
    let copy = tempfile::tempdir().unwrap();
    let pack = copy.path().join("longwen-points");
    std::fs::create_dir_all(&pack).unwrap();
    let text = std::fs::read_to_string(root().join("policies/longwen-points/policy.yaml")).unwrap();
    std::fs::write(
        pack.join("policy.yaml"),
        text.replacen("    value: 900\n", &format!("    value: {line}\n"), 1),
    )
    .unwrap();
    let loader = liangxin::FsLoader;
    let old = liangxin::prepare_at(
        &loader,
        &root().join("policies/longwen-points"),
        Some("2024-06-30"),
    )
    .unwrap();
    let new = liangxin::prepare_at(&loader, &pack, Some("2024-06-30")).unwrap();
    let ledger_path = root().join("fixtures/longwen/members.csv");
    let evaluate = |p: &liangxin::Prepared| {
        let ledger = liangxin::Ledger::read_with(
            &ledger_path,
            &p.policy.policy.schema,
            &liangxin::ledger::ReadOptions::default(),
        )
        .unwrap();
        p.policy.evaluate_ledger(&ledger)
    };
    let diff = liangxin::diff::diff(&evaluate(&old), &evaluate(&new));
    diff.changes.into_iter().map(|c| c.record).collect()
}

#[tokio::test]
async fn with_accounts_sign_in_is_required_and_a_viewer_cannot_edit() {
    let (dir, app) = library(&[("小李", Role::Viewer), ("王科长", Role::Editor)]);
    let mut anonymous = Browser::new(&app);
    let page = anonymous.get("/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/sign-in?next=/"));
    let api = anonymous.get("/api/packs").await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    let edit = anonymous
        .post_form(
            "/packs/longwen-points/edit",
            &[(FIELD, "880"), ("_message", "x")],
        )
        .await;
    // Sent to sign in; nothing saved.
    assert!(edit.location.unwrap().starts_with("/sign-in"));
    assert_eq!(
        git(&dir.path().join("标准库"), &["rev-list", "--count", "HEAD"]).trim(),
        "1"
    );

    let wrong = anonymous.sign_in("小李", "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("账号或密码不对"));

    let mut viewer = Browser::new(&app);
    let signed = viewer.sign_in("小李", "password-123").await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let library_page = viewer.get("/").await;
    assert_eq!(library_page.status, StatusCode::OK);
    assert!(library_page.body.contains("小李（查看）"));
    let form = viewer.get("/packs/longwen-points/edit").await;
    assert_eq!(form.status, StatusCode::FORBIDDEN);
    assert!(form.body.contains("修订"), "{}", form.body);
    let csrf = library_page.csrf();
    let save = viewer
        .post_form(
            "/packs/longwen-points/edit",
            &[("_csrf", &csrf), (FIELD, "880"), ("_message", "试图修改")],
        )
        .await;
    assert_eq!(save.status, StatusCode::FORBIDDEN);

    let mut editor = Browser::new(&app);
    editor.sign_in("王科长", "password-123").await;
    let form = editor.get("/packs/longwen-points/edit").await;
    assert_eq!(form.status, StatusCode::OK);
    let saved = editor
        .post_form(
            "/packs/longwen-points/edit",
            &[
                ("_csrf", &form.csrf()),
                ("_base", &form.hidden("_base")),
                (FIELD, "880"),
                ("_message", "调整推荐线"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let library = dir.path().join("标准库");
    assert_eq!(
        git(&library, &["log", "-1", "--format=%an"]).trim(),
        "王科长"
    );
    let audit = std::fs::read_to_string(library.join(".liangxin/audit.log")).unwrap();
    for expected in [
        "\"sign-in-failed\"",
        "\"user\":\"小李\"",
        "\"sign-in\"",
        "\"save\"",
    ] {
        assert!(audit.contains(expected), "{expected} not in {audit}");
    }
    assert!(!audit.contains("password-123"));

    // A program signs in over the API and gets the session's CSRF token.
    let mut program = Browser::new(&app);
    let session = program
        .send(
            Request::post("/api/session")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"name":"小李","password":"password-123"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(session.status, StatusCode::OK, "{}", session.body);
    assert!(session.body.contains("\"csrf\""));
    assert_eq!(program.get("/api/packs").await.status, StatusCode::OK);
}

#[tokio::test]
async fn requests_from_other_sites_and_pack_names_outside_the_library_are_refused() {
    let (_dir, app) = library(&[]);
    let mut browser = Browser::new(&app);
    let form = browser.get("/packs/longwen-points/edit").await;
    let csrf = form.csrf();
    // Another site's page posting to the workbench.
    let mut request = Request::post("/packs/longwen-points/edit")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::ORIGIN, "http://evil.example")
        .body(Body::from(format!("_csrf={csrf}&_message=x")))
        .unwrap();
    request.headers_mut().insert(
        header::COOKIE,
        browser.cookie.clone().unwrap().parse().unwrap(),
    );
    let page = browser.send(request).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // A DNS-rebound name for the loopback server.
    let page = browser
        .send(
            Request::get("/")
                .header(header::HOST, "evil.example:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // Another session's token is not this session's.
    let mut other = Browser::new(&app);
    other.get("/").await;
    let page = other
        .post_form(
            "/packs/longwen-points/edit",
            &[("_csrf", &csrf), (FIELD, "880"), ("_message", "x")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // Pack names that would reach outside the library.
    for uri in [
        "/packs/..%2F..%2Fetc/edit",
        "/packs/%2Fetc/history",
        "/packs/..%2Fsrc/edit",
        "/packs/.git/history",
    ] {
        let page = browser.get(uri).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{uri}: {}", page.body);
    }
    let page = browser
        .post_form(
            "/packs/longwen-points/history/restore",
            &[("_csrf", &csrf), ("commit", "--help")],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
}

#[tokio::test]
async fn an_invalid_edit_is_not_saved_and_says_where() {
    let (dir, app) = library(&[]);
    let mut browser = Browser::new(&app);
    let form = browser.get("/packs/longwen-points/edit").await;
    let csrf = form.csrf();
    let policy = dir.path().join("标准库/longwen-points/policy.yaml");
    let before = std::fs::read_to_string(&policy).unwrap();
    let page = browser
        .post_form(
            "/packs/longwen-points/edit",
            &[
                ("_csrf", &csrf),
                ("_base", &form.hidden("_base")),
                ("_message", "坏的修改"),
                ("_yaml", "id: longwen-points\nrules: [\n"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("policy.yaml:"), "{}", page.body);
    assert_eq!(std::fs::read_to_string(&policy).unwrap(), before);
}

#[tokio::test]
async fn the_bundled_packs_are_read_only() {
    let state = AppState::new(&Config {
        library: root().join("policies"),
        read_only: true,
        ..Config::default()
    })
    .unwrap();
    let mut browser = Browser::new(&app(state));
    let page = browser.get("/packs/longwen-points/edit").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("只读"));
}

#[tokio::test]
async fn the_evaluation_downloads_as_xlsx_csv_and_html() {
    let (_dir, app) = library(&[]);
    let mut browser = Browser::new(&app);
    assert_eq!(
        browser.get("/evaluate/download?format=xlsx").await.status,
        StatusCode::BAD_REQUEST,
        "nothing evaluated yet"
    );
    let report = browser
        .upload(
            "longwen-points",
            "fixtures/longwen/members-from-template.xlsx",
        )
        .await;
    assert!(report.body.contains("/evaluate/download?format=xlsx"));
    let response = app
        .clone()
        .oneshot(
            Request::get("/evaluate/download?format=xlsx")
                .header(header::COOKIE, browser.cookie.clone().unwrap())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains("filename*=UTF-8''members-from-template-longwen-points-"),
        "{disposition}"
    );
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert!(bytes.starts_with(b"PK"), "an xlsx is a zip");
    let csv = browser.get("/evaluate/download?format=csv").await;
    assert!(
        csv.body.starts_with('\u{feff}'),
        "a byte-order mark for Excel"
    );
    assert_eq!(csv.body.lines().count(), 61, "a header and the 60 members");
    assert!(csv.body.contains("优先推荐"));
    let html = browser.get("/evaluate/download?format=html").await;
    assert!(html.body.contains("95.0%"));
    assert_eq!(
        browser.get("/evaluate/download?format=pdf").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_criterion_is_switched_off_from_the_form_by_adding_one_line() {
    let (dir, app) = library(&[]);
    let mut browser = Browser::new(&app);
    let form = browser.get("/packs/zhuzhou-wuhua-enterprise/edit").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    // The first criterion of the first checklist, shown as 启用 = 是.
    let at = form
        .body
        .find(".enabled\"")
        .expect("a criterion's 启用 field");
    let name_start = form.body[..at].rfind("data-field=\"").unwrap() + 12;
    let field = form.body[name_start..at + 8].to_string();
    let select = form.body.find(&format!("select name=\"{field}\"")).unwrap();
    assert!(
        form.body[select..select + 200].contains("<option value=\"true\" selected>是"),
        "{}",
        &form.body[select..select + 200]
    );
    let policy = dir
        .path()
        .join("标准库/zhuzhou-wuhua-enterprise/policy.yaml");
    let before = std::fs::read_to_string(&policy).unwrap();
    let saved = browser
        .post_form(
            "/packs/zhuzhou-wuhua-enterprise/edit",
            &[
                ("_csrf", &form.csrf()),
                ("_base", &form.hidden("_base")),
                (&field, "false"),
                ("_message", "今年不考核此项"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = std::fs::read_to_string(&policy).unwrap();
    let added: Vec<&str> = after
        .lines()
        .filter(|l| !before.lines().any(|b| b == *l))
        .collect();
    assert_eq!(added.len(), 1, "{added:?}");
    assert!(added[0].contains("enabled: false"), "{added:?}");
    assert_eq!(
        after.lines().count(),
        before.lines().count() + usize::from(!added[0].contains('{'))
    );
    let form = browser.get("/packs/zhuzhou-wuhua-enterprise/edit").await;
    assert!(form.body.contains("<option value=\"false\" selected>否"));
}

#[tokio::test]
async fn a_report_is_grouped_by_a_field_named_in_chinese() {
    let (_dir, app) = library(&[]);
    let mut browser = Browser::new(&app);
    let page = browser
        .upload_with(
            "longwen-points",
            "fixtures/longwen/members.csv",
            &[("group_by", "所在组织")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let groups = liangxin_groups();
    assert!(groups.len() > 1);
    for g in &groups {
        assert!(
            page.body.contains(g.as_str()),
            "group {g} not in the report"
        );
    }
    let csv = browser.get("/evaluate/download?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let page = browser
        .upload_with(
            "longwen-points",
            "fixtures/longwen/members.csv",
            &[("group_by", "所在星球")],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("无法按「所在星球」分组"),
        "{}",
        page.body
    );
}

/// The organizations of the Longwen fixture, read independently of the workbench.
fn liangxin_groups() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("fixtures/longwen/members.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = header.iter().position(|h| *h == "所在组织").unwrap();
    let mut groups: Vec<String> = lines
        .map(|l| l.split(',').nth(column).unwrap().to_string())
        .collect();
    groups.sort();
    groups.dedup();
    groups
}

#[tokio::test]
async fn a_large_ledger_s_page_keeps_the_summary_and_points_to_the_downloads() {
    let (_dir, app) = library(&[]);
    let mut browser = Browser::new(&app);
    // 20,001 members: one past the page's limit.
    let mut csv = String::from(
        "党员编号,组织生活,创先争优,服务职工,遵纪守法,群众反映,创新工作加分,工作失误扣分,一票否决\n",
    );
    for i in 0..20_001 {
        // Scores spread out, so the leaderboard (top 10 with ties) stays short.
        csv.push_str(&format!("M{i:06},-{},0,0,0,0,0,0,否\n", i % 500));
    }
    let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(file.path(), &csv).unwrap();
    let page = browser
        .upload("longwen-points", file.path().to_str().unwrap())
        .await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "{}",
        &page.body[..page.body.len().min(2000)]
    );
    assert!(page.body.contains("共 20001 条记录，超过 20000 条"));
    assert!(
        page.body.contains("20001"),
        "the summary counts every record"
    );
    assert!(!page.body.contains("M010001"), "no per-record table");
    let csv = browser.get("/evaluate/download?format=csv").await;
    assert_eq!(
        csv.body.lines().count(),
        20_002,
        "every record is in the download"
    );
    let explained = browser.get("/explain?record=M010001").await;
    assert_eq!(explained.status, StatusCode::OK);
    assert!(explained.body.contains("M010001"));
}

#[tokio::test]
async fn a_save_from_a_stale_form_or_that_breaks_another_pack_is_refused() {
    let (dir, app) = library(&[]);
    let library = dir.path().join("标准库");
    let mut a = Browser::new(&app);
    let mut b = Browser::new(&app);
    let form_a = a.get("/packs/longwen-points/edit").await;
    let form_b = b.get("/packs/longwen-points/edit").await;
    let saved = b
        .post_form(
            "/packs/longwen-points/edit",
            &[
                ("_csrf", &form_b.csrf()),
                ("_base", &form_b.hidden("_base")),
                (FIELD, "880"),
                ("_message", "B 改为880"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    // A's form was made before B's save: A's save would write 900 back over B's 880.
    let stale = a
        .post_form(
            "/packs/longwen-points/edit",
            &[
                ("_csrf", &form_a.csrf()),
                ("_base", &form_a.hidden("_base")),
                ("params.remedial_at.value", "450"),
                ("_message", "A 改帮扶线"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(stale.body.contains("请重新打开修订页"));
    let text = std::fs::read_to_string(library.join("longwen-points/policy.yaml")).unwrap();
    assert!(text.contains("    value: 880\n") && !text.contains("    value: 450\n"));

    // Removing a field the social pack's extension reads would make that pack unusable.
    let form = a.get("/packs/zhuzhou-wuhua-enterprise/edit").await;
    let yaml =
        std::fs::read_to_string(library.join("zhuzhou-wuhua-enterprise/policy.yaml")).unwrap();
    let social = std::fs::read_to_string(library.join("zhuzhou-wuhua-social/policy.yaml")).unwrap();
    assert!(
        social.contains("extends"),
        "the social pack extends the enterprise one"
    );
    let changed = yaml.replacen(
        "id: zhuzhou-wuhua-enterprise",
        "id: zhuzhou-wuhua-enterprise2",
        1,
    );
    let refused = a
        .post_form(
            "/packs/zhuzhou-wuhua-enterprise/edit",
            &[
                ("_csrf", &form.csrf()),
                ("_base", &form.hidden("_base")),
                ("_yaml", &changed),
                ("_message", "改编号"),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("须与所在文件夹同名"),
        "{}",
        refused.body
    );

    // A message that would forge a history row is refused.
    let form = a.get("/packs/longwen-points/edit").await;
    let forged = a
        .post_form(
            "/packs/longwen-points/edit",
            &[
                ("_csrf", &form.csrf()),
                ("_base", &form.hidden("_base")),
                (FIELD, "870"),
                ("_message", "调整\u{1e}abc\u{1f}王科长"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    // A number with a comma that is not a thousands separator is refused, not read as 15.
    let check = a
        .post_form("/packs/longwen-points/edit/check", &[(FIELD, "1,5")])
        .await;
    assert!(check.body.contains("不是数字"), "{}", check.body);
}

#[tokio::test]
async fn a_removed_account_is_signed_out_and_repeated_failures_lock_a_name() {
    let (dir, app) = library(&[("王科长", Role::Editor)]);
    let mut editor = Browser::new(&app);
    editor.sign_in("王科长", "password-123").await;
    assert_eq!(editor.get("/").await.status, StatusCode::OK);
    let path = accounts_path(&dir.path().join("标准库"));
    let mut accounts = Accounts::read(&path).unwrap();
    accounts.remove("王科长").unwrap();
    // The file's time must change for the workbench to read it again.
    std::thread::sleep(Duration::from_millis(20));
    accounts.write(&path).unwrap();
    let page = editor.get("/").await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "a removed account's session ends"
    );

    let (_dir, app) = library(&[("小李", Role::Viewer)]);
    let mut guesser = Browser::new(&app);
    for _ in 0..5 {
        assert_eq!(
            guesser.sign_in("小李", "wrong-guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = guesser.sign_in("小李", "password-123").await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.body
    );
    assert!(locked.body.contains("15 分钟"));
}

#[tokio::test]
async fn restoring_keeps_files_never_committed_and_a_download_after_a_save_is_refused() {
    let (dir, app) = library(&[]);
    let library = dir.path().join("标准库");
    let mut browser = Browser::new(&app);
    browser
        .upload("longwen-points", "fixtures/longwen/members.csv")
        .await;
    let form = browser.get("/packs/longwen-points/edit").await;
    browser
        .post_form(
            "/packs/longwen-points/edit",
            &[
                ("_csrf", &form.csrf()),
                ("_base", &form.hidden("_base")),
                (FIELD, "880"),
                ("_message", "880"),
            ],
        )
        .await;
    // The page showed 900's results: its download would now be 880's.
    let download = browser.get("/evaluate/download?format=csv").await;
    assert_eq!(download.status, StatusCode::CONFLICT);
    assert!(download.body.contains("请重新上传台账测评"));

    let draft = library.join("longwen-points/notes-draft.txt");
    std::fs::write(&draft, "草稿").unwrap();
    let first = git(&library, &["rev-list", "--max-parents=0", "HEAD"]);
    let restored = browser
        .post_form(
            "/packs/longwen-points/history/restore",
            &[("_csrf", &form.csrf()), ("commit", first.trim())],
        )
        .await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER, "{}", restored.body);
    assert_eq!(std::fs::read_to_string(&draft).unwrap(), "草稿");
}

#[tokio::test]
async fn a_schema_folder_above_the_library_is_not_read() {
    let (dir, app) = library(&[]);
    // Someone makes schema/ dictionaries above the library (in /tmp anyone can): a pack could
    // then read them, or `extends:` reach beside the library. The workbench reads neither.
    let schema = dir.path().join("schema");
    std::fs::create_dir_all(&schema).unwrap();
    std::fs::write(
        schema.join("dimensions.yaml"),
        "- { id: bogus, label: 伪造 }\n",
    )
    .unwrap();
    let outside = dir.path().join("outside-pack");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::copy(
        root().join("policies/longwen-points/policy.yaml"),
        outside.join("policy.yaml"),
    )
    .unwrap();
    let mut browser = Browser::new(&app);
    let page = browser.get("/packs/longwen-points").await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the dictionaries above are not read: {}",
        page.body
    );
    let yaml = std::fs::read_to_string(dir.path().join("标准库/longwen-grid/policy.yaml")).unwrap();
    let reaching = format!("extends: ../../outside-pack\n{yaml}");
    let check = browser
        .post_form("/packs/longwen-grid/edit/check", &[("_yaml", &reaching)])
        .await;
    assert!(check.body.contains("\"ok\":false"), "{}", check.body);
}

#[test]
fn a_library_inside_another_repository_is_refused_not_made_a_nested_one() {
    let outer = tempfile::tempdir().unwrap();
    git(outer.path(), &["init", "--quiet"]);
    let inside = outer.path().join("packs");
    std::fs::create_dir_all(&inside).unwrap();
    let error = AppState::new(&Config {
        library: inside.clone(),
        read_only: false,
        ..Config::default()
    })
    .unwrap_err();
    assert!(
        error.to_string().contains("is inside the git repository"),
        "{error}"
    );
    assert!(!inside.join(".git").exists());
}

#[tokio::test]
async fn an_item_of_the_catalog_is_revalued_from_the_form_in_place() {
    let (dir, app) = library(&[]);
    let mut browser = Browser::new(&app);
    let form = browser.get("/packs/longwen-points/edit").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("积分细则"), "no 积分细则 group");
    assert!(form.body.contains("按时参加组织生活 · 每次分值"));
    assert!(form.body.contains("按时参加组织生活 · 本项封顶（每期）"));
    assert!(form.body.contains("组织生活 · 每期合计上限"));
    let at = form
        .body
        .find("按时参加组织生活 · 每次分值")
        .expect("the item's field");
    let name_start = form.body[..at].rfind("data-field=\"").unwrap() + 12;
    let name_end = name_start + form.body[name_start..].find('"').unwrap();
    let field = form.body[name_start..name_end].to_string();
    assert_eq!(field, "catalog.items[0].points");
    let policy = dir.path().join("标准库/longwen-points/policy.yaml");
    let before = std::fs::read_to_string(&policy).unwrap();
    let saved = browser
        .post_form(
            "/packs/longwen-points/edit",
            &[
                ("_csrf", &form.csrf()),
                ("_base", &form.hidden("_base")),
                (&field, "3"),
                ("_message", "参加组织生活每次改为3分"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = std::fs::read_to_string(&policy).unwrap();
    let changed: Vec<(&str, &str)> = before
        .lines()
        .zip(after.lines())
        .filter(|(b, a)| b != a)
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(
        changed[0].1,
        changed[0]
            .0
            .replace("points: 2, cap: 20", "points: 3, cap: 20")
    );
    assert_eq!(before.len(), after.len());
}

#[tokio::test]
async fn a_roster_and_its_entries_are_evaluated_explained_and_previewed() {
    let (_dir, app) = library(&[]);
    let mut browser = Browser::new(&app);
    let form = browser.get("/evaluate").await;
    assert!(form.body.contains("积分记录文件"));
    let report = browser
        .upload_files(
            "longwen-points",
            &[
                ("ledger", "fixtures/longwen/roster-2022.csv"),
                ("entries", "fixtures/longwen/entries-2022.csv"),
            ],
            &[("period", "2022")],
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    // The 60 members of the ledger of totals, graded alike: 95.0% pass.
    assert!(report.body.contains("积分记录：entries-2022.csv（2022年）"));
    assert!(report.body.contains("95.0%"), "{}", &report.body[..3000]);
    // A member's explanation shows the sums and the cap applied.
    let explained = browser.get("/explain?record=LW2022037").await;
    assert_eq!(explained.status, StatusCode::OK, "{}", explained.body);
    assert!(
        explained
            .body
            .contains("组织生活 · 按时参加组织生活: 记录合计 24 (1 条), 封顶 20"),
        "{}",
        explained.body
    );
    // Revaluing an item previews the members it moves, summed with the edited catalog:
    // 按时参加组织生活 at 10 points a time lifts members over the 900 line.
    let edit = browser.get("/packs/longwen-points/edit").await;
    let preview = browser
        .post_form(
            "/packs/longwen-points/edit/preview",
            &[("_csrf", &edit.csrf()), ("catalog.items[0].points", "10")],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let moved = preview
        .body
        .split("data-moved=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|n| n.parse::<usize>().ok())
        .expect("the preview says how many records move");
    assert!(
        moved > 0,
        "{}",
        &preview.body[..3000.min(preview.body.len())]
    );
    // Without a year the entries are refused, saying what to give.
    let refused = browser
        .upload_files(
            "longwen-points",
            &[
                ("ledger", "fixtures/longwen/roster-2022.csv"),
                ("entries", "fixtures/longwen/entries-2022.csv"),
            ],
            &[("period", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("考评年度"), "{}", refused.body);
}
