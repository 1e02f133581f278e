//! axum's own refusals, said as the rest of the server says them.
//!
//! When an extractor refuses a request (a JSON body that does not parse, a wrong
//! `Content-Type`, a form whose multipart boundary is missing, a path parameter that is not
//! UTF-8, a body over the limit) or the router refuses a method, axum answers in plain English
//! text, or with no body at all. Staff would see a bare English line, and programs a body that
//! is not the API's JSON. This middleware, outside every route, turns any failure answered as
//! plain text (or with no body) into the server's own failure: the `{"error": …}` JSON under
//! `/api`, the Chinese page elsewhere, with a Chinese message first and axum's English after
//! it. It covers extractors added later without each handler having to map its rejections.
//!
//! The server's own failures are JSON or HTML (`errors.rs`), so they pass through unchanged;
//! a handler must never answer a failure as plain text, or it is rewritten here.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;
use crate::errors::{Failure, is_api};

/// The most of a refusal's text that is read: axum's are one line.
const MAX_TEXT: usize = 16 * 1024;

/// The middleware: failures in plain text (or with no body) restated in the server's words.
pub async fn in_our_words(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let api = is_api(request.uri().path());
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|t| t.as_bytes().starts_with(b"text/plain"));
    if !plain {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_TEXT)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let allow = parts.headers.get(header::ALLOW).cloned();
    let failure = restate(status, &text, &method, allow.as_ref(), state.body_limit);
    let mut restated = failure.respond(api);
    // What the client needs to try again stays: the methods a 405's path takes.
    if let Some(allow) = allow {
        restated.headers_mut().insert(header::ALLOW, allow);
    }
    restated
}

/// A refusal's status and English text as a failure with a Chinese message.
fn restate(
    status: StatusCode,
    text: &str,
    method: &Method,
    allow: Option<&HeaderValue>,
    body_limit: usize,
) -> Failure {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return Failure::too_large(body_limit);
    }
    let english = if text.is_empty() {
        status.canonical_reason().unwrap_or("refused").to_owned()
    } else {
        text.to_owned()
    };
    let (kind, chinese) = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = allow.and_then(|a| a.to_str().ok()).unwrap_or("");
            return Failure::new(
                status,
                "method",
                format!(
                    "此地址不接受 {method} 请求（可用：{allowed}）/ {method} is not allowed here (allowed: {allowed})"
                ),
            );
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "content_type",
            "请求的内容类型（Content-Type）不对".to_owned(),
        ),
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => bad_request(status, text),
        StatusCode::NOT_FOUND => ("not_found", "找不到".to_owned()),
        s if s.is_server_error() => ("internal", "服务器内部错误".to_owned()),
        _ => ("refused", "请求无法处理".to_owned()),
    };
    Failure::new(status, kind, format!("{chinese} / {english}"))
}

/// What part of a 400 or 422 request was wrong, read from axum's text (its rejections' wording
/// is the only thing left of their type once answered).
fn bad_request(status: StatusCode, text: &str) -> (&'static str, String) {
    let unprocessable = status == StatusCode::UNPROCESSABLE_ENTITY;
    if text.contains("JSON") {
        if unprocessable {
            ("json", "请求的 JSON 内容与要求的字段不符".to_owned())
        } else {
            ("json", "请求内容不是有效的 JSON".to_owned())
        }
    } else if text.starts_with("Invalid URL") || text.contains("path param") {
        ("path", "网址中的参数无法读取".to_owned())
    } else if text.contains("query string") {
        ("query", "网址中的查询参数无法读取".to_owned())
    } else if text.contains("multipart") || text.contains("boundary") {
        ("upload", "上传的表单无法读取".to_owned())
    } else if text.contains("form") {
        ("form", "表单内容无法读取".to_owned())
    } else if unprocessable {
        ("unprocessable", "请求内容无法处理".to_owned())
    } else {
        ("bad_request", "请求无法读取".to_owned())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use axum::Router;
    use axum::body::Body;
    use axum::extract::DefaultBodyLimit;
    use axum::http::{HeaderMap, Request, StatusCode, header};
    use axum::routing::post;

    use super::in_our_words;
    use crate::app_on;
    use crate::testing::{bundled, config, post_json, send, shared};

    fn is_json(headers: &HeaderMap) -> bool {
        headers[header::CONTENT_TYPE] == "application/json"
    }

    fn is_html(headers: &HeaderMap) -> bool {
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    }

    /// The API's error, read: its kind and message.
    fn api_error(body: &str) -> (String, String) {
        let value: serde_json::Value = serde_json::from_str(body).unwrap();
        (
            value["error"]["kind"].as_str().unwrap().to_owned(),
            value["error"]["message"].as_str().unwrap().to_owned(),
        )
    }

    /// A router with axum's `Json` extractor (which the server's handlers do not use yet: they
    /// read the bytes themselves), under the same middleware as the server, on an API path
    /// and a page path, with a 64-byte body limit.
    fn json_router() -> Router {
        async fn echo(axum::Json(v): axum::Json<serde_json::Value>) -> String {
            v.to_string()
        }
        let state = shared(&crate::Config {
            body_limit: 64,
            ..config(&bundled())
        });
        Router::new()
            .route("/api/echo", post(echo))
            .route("/echo", post(echo))
            .layer(DefaultBodyLimit::max(64))
            .layer(axum::middleware::from_fn_with_state(state, in_our_words))
    }

    #[tokio::test]
    async fn a_malformed_json_body_is_refused_in_chinese() {
        let router = json_router();
        let (status, headers, body) = send(&router, post_json("/api/echo", "{not json")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(is_json(&headers), "{headers:?}");
        let (kind, message) = api_error(&body);
        assert_eq!(kind, "json");
        assert!(
            message.starts_with("请求内容不是有效的 JSON / Failed to parse"),
            "{message}"
        );

        let (status, headers, body) = send(&router, post_json("/echo", "{not json")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(is_html(&headers), "{headers:?}");
        assert!(body.contains("请求内容不是有效的 JSON"), "{body}");
        assert!(body.contains("<html lang=\"zh-CN\">"), "{body}");
    }

    #[tokio::test]
    async fn a_wrong_content_type_is_refused_in_chinese() {
        let request = Request::post("/api/echo")
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from("[]"))
            .unwrap();
        let (status, headers, body) = send(&json_router(), request).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
        assert!(is_json(&headers));
        let (kind, message) = api_error(&body);
        assert_eq!(kind, "content_type");
        assert!(
            message.contains("内容类型") && message.contains("application/json"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_in_chinese() {
        let big = format!("[{}]", "1,".repeat(100) + "1");
        let (status, headers, body) = send(&json_router(), post_json("/api/echo", &big)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        assert!(is_json(&headers));
        let (kind, message) = api_error(&body);
        assert_eq!(kind, "too_large");
        assert!(message.contains("上传内容超过"), "{message}");
        let (status, headers, body) = send(&json_router(), post_json("/echo", &big)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(is_html(&headers) && body.contains("文件太大"), "{body}");
    }

    /// The upload form posted without a multipart body: the `Multipart` extractor's refusal.
    #[tokio::test]
    async fn an_upload_that_is_not_multipart_is_refused_in_chinese() {
        let app = app_on(shared(&config(&bundled())));
        let request = Request::post("/evaluate")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("pack=longwen-points"))
            .unwrap();
        let (status, headers, body) = send(&app, request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(is_html(&headers), "{headers:?}");
        assert!(body.contains("上传的表单无法读取"), "{body}");
        assert!(body.contains("boundary"), "{body}");
    }

    /// A path parameter that is not UTF-8 once decoded: the `Path` extractor's refusal.
    #[tokio::test]
    async fn a_path_that_cannot_be_read_is_refused_in_chinese() {
        let app = app_on(shared(&config(&bundled())));
        let (status, headers, body) = send(&app, post_json("/api/packs/%FF/check", "")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(is_json(&headers));
        let (kind, message) = api_error(&body);
        assert_eq!(kind, "path");
        assert!(message.starts_with("网址中的参数无法读取 / "), "{message}");

        let request = Request::get("/packs/%FF").body(Body::empty()).unwrap();
        let (status, headers, body) = send(&app, request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            is_html(&headers) && body.contains("网址中的参数无法读取"),
            "{body}"
        );
    }

    /// The router's 405 has no body at all; it gets one, and keeps its `Allow`.
    #[tokio::test]
    async fn a_wrong_method_is_refused_in_chinese() {
        let app = app_on(shared(&config(&bundled())));
        let request = Request::get("/api/packs/longwen-points/evaluate")
            .body(Body::empty())
            .unwrap();
        let (status, headers, body) = send(&app, request).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
        assert!(is_json(&headers));
        assert_eq!(headers[header::ALLOW], "POST");
        let (kind, message) = api_error(&body);
        assert_eq!(kind, "method");
        assert!(message.starts_with("此地址不接受 GET 请求"), "{message}");
    }
}
