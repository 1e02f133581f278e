//! The server's handlers, in-process (`tower::ServiceExt::oneshot` on `app(state)`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use liangxin_server::{AppState, Config, app};
use tower::ServiceExt;

const AS_OF: &str = "2024-06-30";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn state() -> AppState {
    AppState::new(&Config {
        library: root().join("policies"),
        read_only: true,
        body_limit: 1024 * 1024,
        timeout: Duration::from_secs(60),
        ..Config::default()
    })
    .unwrap()
}

async fn send(request: Request<Body>) -> (StatusCode, String) {
    let response = app(state()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn get(uri: &str) -> (StatusCode, String) {
    send(Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post_json(uri: &str, body: impl Into<Body>) -> (StatusCode, String) {
    send(
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.into())
            .unwrap(),
    )
    .await
}

const BOUNDARY: &str = "liangxin-test-boundary";

fn multipart(pack: &str, file_name: &str, ledger: &[u8]) -> Request<Body> {
    let mut body = Vec::new();
    for (name, value) in [("pack", pack), ("as_of", AS_OF)] {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"ledger\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(ledger);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Request::post("/evaluate")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn the_library_lists_the_bundled_packs() {
    let (status, page) = get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("标准库"));
    assert!(page.contains("龙文区党员积分定等"));
    assert!(page.contains("/packs/longwen-points"));

    let (status, json) = get("/api/packs").await;
    assert_eq!(status, StatusCode::OK);
    let packs: serde_json::Value = serde_json::from_str(&json).unwrap();
    let packs = packs.as_array().unwrap();
    assert!(packs.len() >= 9, "{packs:?}");
    let longwen = packs.iter().find(|p| p["id"] == "longwen-points").unwrap();
    assert_eq!(longwen["ok"], true);
    assert_eq!(longwen["name"], "龙文区党员积分定等");
    assert_eq!(longwen["subject"], "member");
}

#[tokio::test]
async fn a_pack_reads_as_a_document() {
    let (status, page) = get("/packs/longwen-points").await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "龙文区",
        "1000",
        "优先推荐",
        "一票否决",
        "已假设",
        "等次线",
        "参数",
    ] {
        assert!(page.contains(expected), "no {expected} in the pack page");
    }
    // A pack with group rules shows them.
    let (status, page) = get("/packs/longwen-grid").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("集体规则"));
}

#[tokio::test]
async fn an_uploaded_ledger_is_evaluated_as_the_html_report() {
    let csv = std::fs::read(root().join("fixtures/longwen/members.csv")).unwrap();
    let (status, page) = send(multipart("longwen-points", "members.csv", &csv)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("95.0%"));
    assert!(page.contains("LW2022060"));
    assert!(page.contains("records 记录"));
    // 60 records: the summary's count.
    let facts = page.split("records 记录").nth(1).unwrap();
    assert!(facts[..200].contains("60"), "{}", &facts[..200]);
    // A workbook reads the same.
    let xlsx = std::fs::read(root().join("fixtures/longwen/members-ledger.xlsx")).unwrap();
    let (status, page) = send(multipart("longwen-points", "党员积分台账.xlsx", &xlsx)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("LW2022"));
}

#[tokio::test]
async fn a_malformed_upload_shows_the_located_error() {
    // Two columns for one field: the CLI's located error, naming the file as uploaded.
    let bad = "党员编号,组织生活,组织生活\nM1,1,2\n";
    let (status, page) = send(multipart("longwen-points", "bad.csv", bad.as_bytes())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("ledger bad.csv: the header at row 1: columns B (组织生活) and C (组织生活)"),
        "{page}"
    );
    assert!(
        !page.contains("liangxin-server-"),
        "the temporary folder leaked: {page}"
    );
    let (status, page) = send(multipart("longwen-points", "notes.docx", b"x")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("unknown format"), "{page}");
}

#[tokio::test]
async fn json_evaluate_equals_the_librarys_own_evaluation() {
    let members: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/longwen/members.json")).unwrap(),
    )
    .unwrap();
    let one = members[1].clone();
    assert_eq!(one["id"], "LW2022002");
    let record = serde_json::to_string(&[&one]).unwrap();
    let (status, json) = post_json(
        &format!("/api/packs/longwen-points/evaluate?as_of={AS_OF}"),
        record.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");

    let prepared = liangxin::prepare_at(
        &liangxin::FsLoader,
        &root().join("policies/longwen-points"),
        Some(AS_OF),
    )
    .unwrap();
    let ledger =
        liangxin::Ledger::from_json_str(&record, "request", &prepared.policy.policy.schema)
            .unwrap();
    let evaluation = prepared.policy.evaluate_ledger(&ledger);
    let mut expected = serde_json::to_string_pretty(&evaluation).unwrap();
    expected.push('\n');
    assert_eq!(json, expected);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["outcomes"][0]["record"], "LW2022002");
    assert!(value["outcomes"][0]["score"].is_number(), "{value}");

    let (status, json) = post_json(
        &format!("/api/packs/longwen-points/explain?as_of={AS_OF}"),
        serde_json::to_string(&one).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(value["outcomes"][0]["trace"]["steps"].is_array(), "{value}");
    // A rank among one record is no rank.
    assert!(value["outcomes"][0]["rank"].is_null(), "{value}");

    // A pack with a quota (Jinan's 53 places) cannot explain a record without its ledger: alone
    // it would always be "kept".
    let (status, json) = post_json(
        &format!("/api/packs/jinan-sanqiang-sanhao/explain?as_of={AS_OF}"),
        r#"{"组织编号": "JN1"}"#.to_owned(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    assert!(json.contains("depends-on-ledger"), "{json}");
}

#[tokio::test]
async fn check_gives_diagnostics_and_openapi_is_served() {
    let (status, json) = post_json("/api/packs/longwen-points/check", "").await;
    assert_eq!(status, StatusCode::OK);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["ok"], true);
    assert!(value["diagnostics"].is_array());

    let (status, json) = get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    // Every JSON endpoint the router serves is described.
    let routes = std::fs::read_to_string(root().join("crates/liangxin-server/src/lib.rs")).unwrap();
    for line in routes.lines().filter(|l| l.contains(".route(\"/api/")) {
        let path = line.split('"').nth(1).unwrap();
        assert!(
            value["paths"][path].is_object(),
            "{path} is not in openapi.json"
        );
    }
}

#[tokio::test]
async fn pack_ids_never_reach_outside_the_library() {
    for uri in [
        "/packs/..",
        "/packs/..%2F..%2Fetc",
        "/packs/%2Fetc%2Fpasswd",
        "/packs/Longwen-points",
        "/packs/no-such-pack",
        "/packs/../../etc/passwd",
    ] {
        let (status, page) = get(uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {page}");
    }
    for uri in [
        "/api/packs/..%2Fpolicies%2Flongwen-points/evaluate",
        "/api/packs/%2Fetc/check",
        "/api/packs/no-such-pack/evaluate",
    ] {
        let (status, json) = post_json(uri, "[]").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {json}");
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["error"]["status"], 404, "{json}");
    }
}

#[tokio::test]
async fn an_oversized_body_gets_413() {
    let big = vec![b' '; 2 * 1024 * 1024];
    let (status, json) = post_json("/api/packs/longwen-points/evaluate", big.clone()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{json}");
    assert!(json.contains("too_large"));
    let (status, page) = send(multipart("longwen-points", "big.csv", &big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{page}");
    assert!(page.contains("文件太大"));
}

#[tokio::test]
async fn api_failures_are_json() {
    let (status, json) = post_json("/api/packs/longwen-points/evaluate", "{not json").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["error"]["kind"], "ledger");
    let (status, json) =
        post_json("/api/packs/longwen-points/evaluate?as_of=2024-13-01", "[]").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    let (status, json) = get("/api/nothing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(json.starts_with('{'));
}

#[tokio::test]
async fn serve_refuses_an_address_other_than_loopback() {
    let config = liangxin_server::Config {
        addr: "0.0.0.0:0".parse().unwrap(),
        ..liangxin_server::Config::default()
    };
    let error = liangxin_server::serve(config).await.unwrap_err();
    assert!(error.to_string().contains("has no accounts"), "{error}");
}

/// A decision table on the pack page names a choice by its label, as staff wrote it.
#[tokio::test]
async fn a_table_on_the_pack_page_shows_choices_by_label() {
    let library = tempfile::tempdir().unwrap();
    let pack = library.path().join("table-pack");
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::write(
        pack.join("policy.yaml"),
        "id: table-pack\nname: 表格示例\nsubject: organization\nfields: [org_type]\nrules:\n  - id: rating\n    kind: table\n    rows:\n      - { org_type: 社会组织, grade: social_ok }\n      - { grade: other }\ngrades:\n  social_ok: { label: 社会组织达标, pass: true }\n  other: { label: 其他 }\n",
    )
    .unwrap();
    let state = AppState::new(&Config {
        library: library.path().to_owned(),
        read_only: true,
        body_limit: 1024 * 1024,
        timeout: Duration::from_secs(60),
        ..Config::default()
    })
    .unwrap();
    let response = app(state)
        .oneshot(
            Request::get("/packs/table-pack")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let page = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(page.contains("<td>社会组织</td>"), "{page}");
    assert!(!page.contains(">social<"), "{page}");
}
