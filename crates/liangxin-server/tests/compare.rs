//! 对比 and 变更 in-process: the compare page, `POST /api/compare` and `POST /api/diff`. The JSON
//! is held to what the CLI printed for the same inputs: the report snapshots under the root's
//! `tests/snapshots/` are the CLI's stdout, so the API and the command line cannot drift apart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use liangxin_server::{AppState, Config, app};
use serde_json::{Value, json};
use tower::ServiceExt;

const AS_OF: &str = "2024-06-30";
const BOUNDARY: &str = "liangxin-compare-boundary";
/// The three organization standards `tests/reports/compare-*.yaml` compare.
const THREE: [&str; 3] = [
    "zhuzhou-wuhua-enterprise",
    "zhuzhou-wuhua-social",
    "jinan-sanqiang-sanhao",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn state(library: &Path) -> AppState {
    AppState::new(&Config {
        library: library.to_owned(),
        read_only: true,
        body_limit: 1024 * 1024,
        timeout: Duration::from_secs(60),
        ..Config::default()
    })
    .unwrap()
}

async fn send_to(library: &Path, request: Request<Body>) -> (StatusCode, String) {
    let response = app(state(library)).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn send(request: Request<Body>) -> (StatusCode, String) {
    send_to(&root().join("policies"), request).await
}

fn post_json(uri: &str, body: &Value) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// A form as a browser sends it: text fields, then the ledger (`None`: the file input left
/// empty, which a browser sends as a part with no file name and no bytes).
fn form(uri: &str, fields: &[(&str, &str)], ledger: Option<(&str, &[u8])>) -> Request<Body> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    let (file_name, bytes) = ledger.unwrap_or(("", b""));
    body.extend(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"ledger\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(bytes);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Request::post(uri)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap()
}

/// The packs as form fields, with the as-of date.
fn pack_fields<'a>(packs: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = packs.iter().map(|p| ("packs", *p)).collect();
    fields.push(("as_of", AS_OF));
    fields
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(root().join(path)).unwrap()
}

/// The three standards on a ledger of the repository, uploaded to `uri` under its file name.
async fn upload_three(uri: &str, path: &str) -> (StatusCode, String) {
    let name = path.rsplit('/').next().unwrap();
    send(form(uri, &pack_fields(&THREE), Some((name, &read(path))))).await
}

/// What the CLI printed for a report case: the snapshot's text after its header.
fn cli_output(case: &str, format: &str) -> String {
    let path = root().join(format!(
        "tests/snapshots/main__reports__{case}.{format}@{case}.yaml.snap"
    ));
    let text = std::fs::read_to_string(&path).unwrap();
    let body = text.splitn(3, "---\n").nth(2).unwrap();
    body.trim_end().to_owned()
}

/// A CSV ledger (no quoted cells) as a JSON array of objects keyed by its headers, every cell
/// a string as typed.
fn csv_as_json(path: &str) -> Vec<Value> {
    let csv = String::from_utf8(read(path)).unwrap();
    assert!(!csv.contains('"'), "{path} has quoted cells");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|line| {
            Value::Object(
                header
                    .iter()
                    .zip(line.split(','))
                    .map(|(k, v)| ((*k).to_owned(), json!(v)))
                    .collect(),
            )
        })
        .collect()
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test]
async fn an_uploaded_ledger_compares_as_the_cli_compares_it() {
    // `liangxin compare -p zhuzhou-wuhua-enterprise -p zhuzhou-wuhua-social -p
    // jinan-sanqiang-sanhao -r tests/reports/ledgers/organizations-with-unreadable-cells.csv
    // --format json`, whose output the snapshot keeps.
    let (status, json) = upload_three(
        "/api/compare",
        "tests/reports/ledgers/organizations-with-unreadable-cells.csv",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(
        json.trim_end(),
        cli_output("compare-refused-records", "json"),
        "the API's JSON is not the CLI's"
    );
    // The figures the CLI printed: 20 organizations; Jinan could not evaluate the two whose 满意度
    // is a word, the social standard the one whose 年检合格 is 待定.
    let value = parse(&json);
    let s = &value["summaries"];
    assert_eq!(s["zhuzhou-wuhua-enterprise"]["records"], 20);
    assert_eq!(s["zhuzhou-wuhua-enterprise"]["errors"], 0);
    assert_eq!(s["zhuzhou-wuhua-enterprise"]["pass_rate"], 0.7);
    assert_eq!(s["zhuzhou-wuhua-social"]["records"], 19);
    assert_eq!(s["zhuzhou-wuhua-social"]["errors"], 1);
    assert_eq!(s["jinan-sanqiang-sanhao"]["records"], 18);
    assert_eq!(s["jinan-sanqiang-sanhao"]["errors"], 2);
    assert_eq!(s["jinan-sanqiang-sanhao"]["money_total"], 400000.0);
    assert_eq!(
        value["errors"]["jinan-sanqiang-sanhao"][0]["record"],
        "GX0003"
    );
    assert_eq!(
        value["errors"]["zhuzhou-wuhua-social"][0]["record"],
        "GX0009"
    );
    let ab = &value["agreement"][0];
    assert_eq!(
        (ab["both"].as_u64(), ab["same_pass"].as_u64()),
        (Some(19), Some(9))
    );
}

#[tokio::test]
async fn records_as_a_json_array_compare_as_the_file_does() {
    // The same ledger as objects keyed by its Chinese headers.
    let records = csv_as_json("tests/reports/ledgers/organizations-with-unreadable-cells.csv");
    assert_eq!(records.len(), 20);
    let (status, json) = send(post_json(
        &format!("/api/compare?as_of={AS_OF}"),
        &json!({ "packs": THREE, "records": records }),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let value = parse(&json);
    let cli = parse(&cli_output("compare-refused-records", "json"));
    assert_eq!(value["summaries"], cli["summaries"]);
    assert_eq!(value["agreement"], cli["agreement"]);
    assert_eq!(value["records"], cli["records"]);
}

#[tokio::test]
async fn without_records_the_standards_are_side_by_side() {
    // `liangxin compare -p zhuzhou-wuhua-enterprise -p zhuzhou-wuhua-social -p
    // jinan-sanqiang-sanhao --format json`.
    let (status, json) = send(post_json("/api/compare", &json!({ "packs": THREE }))).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json.trim_end(), cli_output("compare-standards", "json"));
    assert!(
        parse(&json)["coverage"]["dimensions"]
            .as_array()
            .unwrap()
            .len()
            > 3
    );

    // The page, with the file input left empty: the same side-by-side table, in Chinese.
    let (status, page) = send(form("/compare", &pack_fields(&THREE), None)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for expected in [
        "按维度 by dimension",
        "差异 differences",
        "jinan-sanqiang-sanhao 有而 zhuzhou-wuhua-enterprise 没有的维度：经费保障、社会评价",
        "标准对比（未上传台账）",
    ] {
        assert!(page.contains(expected), "no {expected} in the page");
    }
    let dimension = &parse(&json)["coverage"]["dimensions"][0];
    assert!(
        page.contains(dimension["label"].as_str().unwrap()),
        "{dimension}"
    );
}

#[tokio::test]
async fn a_pack_the_ledger_lacks_columns_for_is_left_out_as_the_cli_leaves_it_out() {
    let csv = read("tests/reports/ledgers/organizations-without-satisfaction.csv");
    let (status, json) = upload_three(
        "/api/compare",
        "tests/reports/ledgers/organizations-without-satisfaction.csv",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json.trim_end(), cli_output("compare-left-out", "json"));
    assert_eq!(
        parse(&json)["left_out"][0]["policy"],
        "jinan-sanqiang-sanhao"
    );
    // With only one pack able to read it, there is nothing to compare: refused, with the
    // columns, as the CLI refuses it.
    let (status, json) = send(form(
        "/api/compare",
        &pack_fields(&["zhuzhou-wuhua-enterprise", "jinan-sanqiang-sanhao"]),
        Some(("organizations-without-satisfaction.csv", &csv)),
    ))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    let error = &parse(&json)["error"];
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("nothing to compare: 1 of the 2 packs"),
        "{error}"
    );
    assert_eq!(error["details"][0]["policy"], "jinan-sanqiang-sanhao");
}

#[tokio::test]
async fn the_compare_page_shows_what_each_pack_could_not_evaluate() {
    let (status, page) = send(Request::get("/compare").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"name="packs" value="jinan-sanqiang-sanhao""#));
    assert!(page.contains("党组织"), "packs are grouped by subject");
    let (_, library) = send(Request::get("/").body(Body::empty()).unwrap()).await;
    assert!(library.contains(r#"href="/compare""#), "no link to 对比");

    let csv = read("tests/reports/ledgers/organizations-with-unreadable-cells.csv");
    let (status, page) = send(form(
        "/compare",
        &pack_fields(&THREE),
        Some(("台账.csv", &csv)),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // The pass rates, the money and, beside them, the records not evaluated: 0, 1 and 2.
    assert!(page.contains(r#"<td data-value="未能测评 not evaluated">未能测评 not evaluated</td><td data-value="0">0</td><td data-value="1">1</td><td data-value="2">2</td>"#), "{page}");
    for expected in [
        "70.0%",
        "15.8%",
        "22.2%",
        "400,000",
        "各标准汇总 per policy",
        "一致性 agreement: A vs B",
        "GX0009",
        "台账：台账.csv",
        "测评日期 2024-06-30",
    ] {
        assert!(page.contains(expected), "no {expected} in the page");
    }
}

#[tokio::test]
async fn a_malformed_upload_is_refused_with_its_located_error() {
    let bad = "组织编号,满意度,满意度\nX1,90,91\n";
    let (status, page) = send(form(
        "/compare",
        &pack_fields(&THREE),
        Some(("bad.csv", bad.as_bytes())),
    ))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("ledger bad.csv: the header at row 1: columns B (满意度) and C (满意度)"),
        "{page}"
    );
    assert!(
        !page.contains("liangxin-server-"),
        "the temporary folder leaked"
    );

    let (status, json) = send(form(
        "/api/compare",
        &pack_fields(&THREE),
        Some(("bad.csv", bad.as_bytes())),
    ))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    assert_eq!(parse(&json)["error"]["kind"], "ledger");

    // A cell that cannot be read is that record's located error, shown with the report.
    let (status, json) = send(post_json(
        "/api/compare",
        &json!({ "packs": THREE, "records": "not an array" }),
    ))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    assert!(json.contains("ledger request"), "{json}");
}

#[tokio::test]
async fn what_cannot_be_compared_is_refused() {
    // Fewer than two packs.
    let (status, json) = send(post_json(
        "/api/compare",
        &json!({ "packs": ["longwen-points"] }),
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    assert_eq!(parse(&json)["error"]["kind"], "packs");
    let (status, page) = send(form("/compare", &pack_fields(&["longwen-stars"]), None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("请至少选择两个标准"), "{page}");

    // Members and organizations.
    let (status, json) = send(post_json(
        "/api/compare",
        &json!({ "packs": ["longwen-points", "longwen-stars"] }),
    ))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    assert_eq!(parse(&json)["error"]["kind"], "subject");

    // A misspelt key is refused, not ignored (the standards would be compared without the
    // records).
    let (status, json) = send(post_json(
        "/api/compare",
        &json!({ "packs": THREE, "recrods": [] }),
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    assert!(json.contains("recrods"), "{json}");

    // Larger than the body limit (1 MiB here), as JSON and as an upload.
    let big = " ".repeat(2 * 1024 * 1024);
    let (status, json) = send(
        Request::post("/api/compare")
            .body(Body::from(big.clone()))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{json}");
    let (status, page) = send(form(
        "/compare",
        &pack_fields(&THREE),
        Some(("big.csv", big.as_bytes())),
    ))
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.contains("文件太大"), "{page}");

    // Two different dates; a date that is no date; groups without records.
    for (uri, body) in [
        (
            "/api/compare?as_of=2024-01-01",
            json!({ "packs": THREE, "as_of": "2024-06-30" }),
        ),
        (
            "/api/compare",
            json!({ "packs": THREE, "as_of": "2024-02-30" }),
        ),
        (
            "/api/compare",
            json!({ "packs": THREE, "group_by": "district" }),
        ),
    ] {
        let (status, json) = send(post_json(uri, &body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri} {body}: {json}");
    }
}

#[tokio::test]
async fn unknown_packs_and_paths_are_refused() {
    for id in [
        "no-such-pack",
        "../policies/longwen-stars",
        "..",
        "/etc",
        "Longwen-stars",
        "longwen-stars/../longwen-grid",
    ] {
        let (status, json) = send(post_json(
            "/api/compare",
            &json!({ "packs": ["longwen-stars", id] }),
        ))
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}: {json}");
        assert_eq!(parse(&json)["error"]["kind"], "no_pack", "{id}");

        let (status, json) = send(post_json(
            "/api/diff",
            &json!({ "old": id, "new": "longwen-stars", "records": [] }),
        ))
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}: {json}");

        let (status, page) =
            send(form("/compare", &pack_fields(&["longwen-stars", id]), None)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}: {page}");
        assert!(page.contains("标准库中没有标准"), "{page}");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// A library holding the bundled longwen-points and its proposed revision
/// (`fixtures/diff/longwen-880`: recommending from 880 points), as two packs. The revision
/// extends the bundled pack by a path from the fixtures; here it extends the copy beside it
/// (a pack extends only packs inside its library).
fn library_with_the_880_revision() -> tempfile::TempDir {
    let library = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("policies/longwen-points"),
        &library.path().join("longwen-points"),
    );
    let revision =
        std::fs::read_to_string(root().join("fixtures/diff/longwen-880/policy.yaml")).unwrap();
    let from = "extends: ../../../policies/longwen-points";
    assert!(revision.contains(from));
    std::fs::create_dir(library.path().join("longwen-880")).unwrap();
    std::fs::write(
        library.path().join("longwen-880/policy.yaml"),
        revision.replace(from, "extends: ../longwen-points"),
    )
    .unwrap();
    library
}

#[tokio::test]
async fn diff_gives_the_records_that_move_as_the_cli_does() {
    let library = library_with_the_880_revision();
    // `liangxin diff longwen-points fixtures/diff/longwen-880 --records
    // fixtures/longwen/members.csv --format json`: the same, but for how the new version is
    // named (here by its id in the library).
    let csv = read("fixtures/longwen/members.csv");
    let (status, json) = send_to(
        library.path(),
        form(
            "/api/diff",
            &[
                ("old", "longwen-points"),
                ("new", "longwen-880"),
                ("as_of", AS_OF),
            ],
            Some(("members.csv", &csv)),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let mut value = parse(&json);
    assert_eq!(value["new"]["source"], "longwen-880");
    value["new"]["source"] = json!("fixtures/diff/longwen-880");
    assert_eq!(value, parse(&cli_output("diff-longwen-880", "json")));
    // The figures the CLI printed: 9 of the 60 members (daily-work points from 880 to 899) move
    // from 合格 to 优先推荐, and the pass rate stays 95.0%.
    assert_eq!(value["records"], 60);
    assert_eq!(value["changed"], 9);
    assert_eq!(value["transitions"]["qualified"]["recommended"], 9);
    assert_eq!(value["transitions"]["recommended"]["recommended"], 29);
    for change in value["changes"].as_array().unwrap() {
        assert_eq!(change["before"]["grade_label"], "合格", "{change}");
        assert_eq!(change["after"]["grade_label"], "优先推荐", "{change}");
    }
    assert_eq!(value["changes"][0]["record"], "LW2022014");
    assert_eq!(value["pass_rate"]["before"], 0.95);
    assert_eq!(value["pass_rate"]["change"], 0.0);
    assert!(value["errors"]["old"].as_array().unwrap().is_empty());

    // The records as a JSON array move the same records.
    let members = csv_as_json("fixtures/longwen/members.csv");
    let (status, json) = send_to(
        library.path(),
        post_json(
            "/api/diff",
            &json!({ "old": "longwen-points", "new": "longwen-880", "records": members, "as_of": AS_OF }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let from_json = parse(&json);
    assert_eq!(from_json["changes"], value["changes"]);
    assert_eq!(from_json["transitions"], value["transitions"]);

    // No records: refused (a diff is of a ledger).
    let (status, json) = send_to(
        library.path(),
        post_json(
            "/api/diff",
            &json!({ "old": "longwen-points", "new": "longwen-880" }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    assert!(json.contains("records"), "{json}");
    // A form with its file input left empty: the same.
    let (status, json) = send_to(
        library.path(),
        form(
            "/api/diff",
            &[("old", "longwen-points"), ("new", "longwen-880")],
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    assert!(json.contains("the file `ledger` in a form"), "{json}");
}

#[tokio::test]
async fn the_openapi_document_describes_compare_and_diff() {
    let (status, json) = send(
        Request::get("/api/openapi.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let value = parse(&json);
    for path in ["/api/compare", "/api/diff"] {
        assert!(
            value["paths"][path]["post"]["requestBody"].is_object(),
            "{path}"
        );
    }
    assert_eq!(
        value["components"]["schemas"]["DiffRequest"]["required"],
        json!(["old", "new", "records"])
    );
}

/// With accounts, comparing needs sign-in, and a viewer (read, evaluate, compare) may.
#[tokio::test]
async fn with_accounts_a_viewer_signs_in_to_compare() {
    use liangxin_server::accounts::{Accounts, Role, accounts_path};
    let library = tempfile::tempdir().unwrap();
    for id in ["longwen-stars", "longwen-grid"] {
        copy_dir(&root().join("policies").join(id), &library.path().join(id));
    }
    let mut accounts = Accounts::default();
    accounts.add("小李", Role::Viewer, "password-123").unwrap();
    accounts.write(&accounts_path(library.path())).unwrap();
    let app = app(state(library.path()));
    let body = json!({ "packs": ["longwen-stars", "longwen-grid"] });

    let response = app
        .clone()
        .oneshot(post_json("/api/compare", &body))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = app
        .clone()
        .oneshot(Request::get("/compare").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[header::LOCATION],
        "/sign-in?next=/compare"
    );

    let response = app
        .clone()
        .oneshot(post_json(
            "/api/session",
            &json!({ "name": "小李", "password": "password-123" }),
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let mut request = post_json("/api/compare", &body);
    request
        .headers_mut()
        .insert(header::COOKIE, cookie.parse().unwrap());
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let value: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        value["coverage"]["keys"],
        json!(["longwen-stars", "longwen-grid"])
    );
}
