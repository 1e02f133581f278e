//! What the crate's unit tests share: a state on a library folder, a request sent in-process,
//! a small pack written to a folder.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use tower::ServiceExt;

use crate::{AppState, Config};

/// The bundled packs.
pub fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies")
}

/// A configuration on `library` with a 1 MiB body limit; the rest as `serve` has it.
pub fn config(library: &Path) -> Config {
    Config {
        library: library.to_owned(),
        body_limit: 1024 * 1024,
        ..Config::default()
    }
}

/// The state `config` describes, shared (so a test keeps a handle of it beside the app).
pub fn shared(config: &Config) -> Arc<AppState> {
    Arc::new(AppState::new(config).unwrap())
}

/// The answer to `request`: status, headers, body as text.
pub async fn send(app: &Router, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

/// `POST uri` with a JSON body.
pub fn post_json(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// A one-rule member pack: a base of `base` points plus the `org_life` column.
pub fn write_pack(dir: &Path, base: u32) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("policy.yaml"), pack_text(base)).unwrap();
}

pub fn pack_text(base: u32) -> String {
    format!(
        "id: small\nname: 小标准\nsubject: member\nfields: [org_life]\nrules:\n  - {{ id: base, kind: base, value: {base} }}\n  - {{ id: org_life, kind: points, expr: org_life }}\n"
    )
}

/// The score `POST /api/packs/{id}/evaluate` gives the record `{"党员编号": "M1", "组织生活": 5}`.
pub async fn score(app: &Router, id: &str) -> Result<f64, (StatusCode, String)> {
    let (status, _, body) = send(
        app,
        post_json(
            &format!("/api/packs/{id}/evaluate?as_of=2024-06-30"),
            r#"[{"党员编号": "M1", "组织生活": 5}]"#,
        ),
    )
    .await;
    if status != StatusCode::OK {
        return Err((status, body));
    }
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    Ok(value["outcomes"][0]["score"].as_f64().unwrap())
}
