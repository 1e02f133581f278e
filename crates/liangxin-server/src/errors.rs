//! Failures as responses: JSON under `/api`, a Chinese page elsewhere.

use axum::Json;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

/// Whether a path is the JSON API's (its failures are JSON).
pub fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// A request that failed: its status, a short kind for programs and a message for people.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
    /// More for programs (a pack's diagnostics).
    pub details: Option<serde_json::Value>,
}

impl Failure {
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            status,
            kind,
            message: message.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Failure {
        self.details = Some(details);
        self
    }

    /// No pack of that id in the library (or an id that could not be one).
    pub fn no_pack(id: &str) -> Failure {
        Failure::new(
            StatusCode::NOT_FOUND,
            "no_pack",
            format!("标准库中没有标准 `{id}` / no pack `{id}` in the library"),
        )
    }

    /// The audit log could not be written (the action is then not reported as done).
    pub fn audit(e: std::io::Error) -> Failure {
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "audit",
            format!("无法写入审计日志 / cannot write the audit log: {e}"),
        )
    }

    /// No ledger has been evaluated in this session yet.
    pub fn no_ledger() -> Failure {
        Failure::new(
            StatusCode::BAD_REQUEST,
            "no_ledger",
            "尚无当前台账：请先在「测评」页上传台账 / no ledger evaluated in this session yet",
        )
    }

    /// A multipart form that could not be read: 413 past the body limit, else 400.
    pub fn multipart(
        limit: usize,
    ) -> impl Fn(axum::extract::multipart::MultipartError) -> Failure + Copy {
        move |e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Failure::too_large(limit)
            } else {
                Failure::new(
                    StatusCode::BAD_REQUEST,
                    "upload",
                    format!(
                        "上传内容无法读取 / the upload cannot be read: {}",
                        e.body_text()
                    ),
                )
            }
        }
    }

    /// The request body was larger than the limit.
    pub fn too_large(limit: usize) -> Failure {
        Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "上传内容超过 {} MiB 的上限 / the request body is larger than the {} MiB limit",
                limit / (1024 * 1024),
                limit / (1024 * 1024)
            ),
        )
    }

    /// The response: JSON for the API, a page for people.
    pub fn respond(self, api: bool) -> Response {
        if api {
            ApiFailure(self).into_response()
        } else {
            PageFailure(self).into_response()
        }
    }
}

impl From<crate::repo::RepoError> for Failure {
    fn from(e: crate::repo::RepoError) -> Failure {
        Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "git",
            format!("版本操作失败 / {e}"),
        )
    }
}

/// A report rendered by the library (`eval`, `diff`, … as `--format` gives them).
pub fn render(
    doc: impl FnOnce() -> liangxin::report::doc::Document,
    json: impl FnOnce() -> serde_json::Value,
    format: liangxin::report::Format,
    options: liangxin::report::Options,
) -> Result<Vec<u8>, Failure> {
    liangxin::report::render(doc, json, format, options)
        .map_err(|e| Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "report", e.to_string()))
}

/// A failure answered as JSON: `{"error": {"status", "kind", "message", "details"?}}`.
#[derive(Debug)]
pub struct ApiFailure(pub Failure);

impl From<Failure> for ApiFailure {
    fn from(f: Failure) -> ApiFailure {
        ApiFailure(f)
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let f = self.0;
        let mut error = json!({
            "status": f.status.as_u16(),
            "kind": f.kind,
            "message": f.message,
        });
        if let Some(details) = f.details {
            error["details"] = details;
        }
        (f.status, Json(json!({ "error": error }))).into_response()
    }
}

/// A failure answered as a page in Chinese.
#[derive(Debug)]
pub struct PageFailure(pub Failure);

impl From<Failure> for PageFailure {
    fn from(f: Failure) -> PageFailure {
        PageFailure(f)
    }
}

impl IntoResponse for PageFailure {
    fn into_response(self) -> Response {
        let f = self.0;
        let title = match f.status {
            StatusCode::NOT_FOUND => "找不到",
            StatusCode::FORBIDDEN => "无权操作",
            StatusCode::UNAUTHORIZED => "请先登录",
            StatusCode::PAYLOAD_TOO_LARGE => "文件太大",
            StatusCode::SERVICE_UNAVAILABLE => "超时",
            s if s.is_server_error() => "服务器错误",
            _ => "无法处理",
        };
        let page = crate::pages::failure_page(title, &f.message, f.details.as_ref());
        (f.status, Html(page)).into_response()
    }
}

/// Any path no route takes.
pub async fn not_found(uri: Uri) -> Response {
    Failure::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("没有这个页面 / nothing at {}", uri.path()),
    )
    .respond(is_api(uri.path()))
}
