//! `GET /evaluate/download?format=xlsx|csv|html`: the session's current evaluation as a file,
//! the same bytes `liangxin eval --format FORMAT` writes (CSV for Excel/WPS: a byte-order mark,
//! Chinese headers, 是/否).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use liangxin::report::{EvalReport, Format, Options};

use crate::errors::{Failure, PageFailure};
use crate::session::Current;
use crate::{AppState, blocking, library, upload};

/// `GET /evaluate/download?format=...`.
pub async fn download(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageFailure> {
    let (format, ext, mime) = match query.get("format").map(String::as_str) {
        Some("xlsx") => (
            Format::Xlsx,
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        Some("csv") => (Format::Csv, "csv", "text/csv; charset=utf-8"),
        Some("html") => (Format::Html, "html", "text/html; charset=utf-8"),
        other => {
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                "format",
                format!(
                    "不支持的格式 {} / the format must be xlsx, csv or html",
                    other.unwrap_or_default()
                ),
            )
            .into());
        }
    };
    let ledger = current.ledger.clone().ok_or_else(Failure::no_ledger)?;
    let dir = library::find(&state, &ledger.pack)?;
    library::same_version(&state.library, ledger.library_version)?;
    let worker = ledger.clone();
    let bytes = blocking(&state, move || -> Result<Vec<u8>, Failure> {
        let ledger = worker;
        let prepared = library::prepare(&ledger.pack, &dir, &ledger.as_of)?;
        let compiled = &prepared.policy;
        let (read, _) = upload::read_current(&ledger, &compiled.policy)?;
        let evaluation = compiled.evaluate_ledger(&read);
        let grouping =
            crate::pages::grouped(compiled, &evaluation, &read, ledger.group_by.as_deref())?;
        let report = EvalReport {
            evaluation: &evaluation,
            grouping: grouping.as_ref(),
            top: compiled.policy.ranking.as_ref().map(|_| 10),
            traces: None,
            summary_only: false,
        };
        let options = Options {
            excel: true,
            ..Options::default()
        };
        crate::errors::render(|| report.document(), || report.json(), format, options)
    })
    .await??;
    let stem = ledger
        .name
        .rsplit_once('.')
        .map_or(ledger.name.as_str(), |(stem, _)| stem);
    let file = format!("{stem}-{}-测评结果.{ext}", ledger.pack);
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    // RFC 6266/5987: an ASCII fallback and the UTF-8 name browsers use.
    let disposition = format!(
        "attachment; filename=\"liangxin-{}.{ext}\"; filename*=UTF-8''{}",
        ledger.pack,
        crate::session::encode(&file)
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
