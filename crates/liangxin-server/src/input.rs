//! What a compare or diff request asks for, read from a JSON body or from a form
//! (`multipart/form-data`, as the 对比 page and a program uploading a ledger file send it).
//! Both ways end in the same [`Asked`], so the page, the JSON body and the upload are checked
//! alike. A name the endpoint does not take is refused, never ignored: a misspelt `recrods`
//! would otherwise compare the standards without the ledger and answer confidently.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, Multipart, Query, Request};
use axum::http::{StatusCode, header};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::api::AsOf;
use crate::errors::Failure;
use crate::upload;

/// Records given with a request.
#[derive(Debug)]
pub enum Records {
    /// A JSON array of records (objects keyed by field id or Chinese header), as its text.
    Json(String),
    /// An uploaded ledger file, in any format the CLI reads.
    Upload { name: String, bytes: Bytes },
}

impl Records {
    /// The records read with a pack's schema. Each pack reads them anew: its schema types the
    /// cells, so a cell one pack reads as a number another may not read at all.
    pub fn read(&self, schema: &liangxin::Schema) -> Result<liangxin::Ledger, Failure> {
        match self {
            Records::Json(text) => upload::read_records(text.as_bytes(), schema),
            Records::Upload { name, bytes } => upload::read_ledger(bytes, name, schema),
        }
    }

    /// How the report names the ledger.
    pub fn name(&self) -> &str {
        match self {
            Records::Json(_) => "request",
            Records::Upload { name, .. } => name,
        }
    }
}

/// Which endpoint is asking: each takes its own names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `packs` (two or more), `records`, `as_of`, `group_by`.
    Compare,
    /// `old`, `new`, `records`, `as_of`.
    Diff,
}

/// What a request asks for.
#[derive(Debug, Default)]
pub struct Asked {
    pub packs: Vec<String>,
    pub old: Option<String>,
    pub new: Option<String>,
    pub as_of: Option<String>,
    pub group_by: Option<String>,
    pub records: Option<Records>,
}

/// `POST /api/compare` as JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompareBody {
    packs: Vec<String>,
    // Kept as written: numbers and ids reach the ledger reader exactly as sent.
    #[serde(default)]
    records: Option<Box<RawValue>>,
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    group_by: Option<String>,
}

/// `POST /api/diff` as JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffBody {
    old: String,
    new: String,
    records: Box<RawValue>,
    #[serde(default)]
    as_of: Option<String>,
}

fn bad_request(kind: &'static str, message: impl Into<String>) -> Failure {
    Failure::new(StatusCode::BAD_REQUEST, kind, message)
}

/// Reads a request: a form when it says `multipart/form-data`, else a JSON body. The as-of date
/// may also be in the query (`?as_of=`, as the other endpoints take it); two different dates are
/// refused rather than one picked.
pub async fn read(
    query: Result<Query<AsOf>, QueryRejection>,
    request: Request,
    endpoint: Endpoint,
    limit: usize,
) -> Result<Asked, Failure> {
    let Query(query) = query.map_err(|e| bad_request("query", e.body_text()))?;
    let mut asked = read_body(request, endpoint, limit).await?;
    fn given(d: Option<&str>) -> Option<&str> {
        d.map(str::trim).filter(|d| !d.is_empty())
    }
    match (given(query.as_of.as_deref()), given(asked.as_of.as_deref())) {
        (Some(q), Some(a)) if q != a => {
            return Err(bad_request(
                "as_of",
                format!(
                    "测评日期给了两个：{q} 和 {a} / two as-of dates were given: {q} in the query and {a} in the request"
                ),
            ));
        }
        (Some(q), None) => asked.as_of = Some(q.to_owned()),
        _ => {}
    }
    Ok(asked)
}

async fn read_body(request: Request, endpoint: Endpoint, limit: usize) -> Result<Asked, Failure> {
    let form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("multipart/form-data"));
    if form {
        let form = Multipart::from_request(request, &())
            .await
            .map_err(|e| bad_request("upload", e.body_text()))?;
        return read_form(form, endpoint, limit).await;
    }
    let body = Bytes::from_request(request, &()).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure::too_large(limit)
        } else {
            bad_request("body", e.body_text())
        }
    })?;
    let refused = |e: serde_json::Error| {
        bad_request(
            "request",
            format!("请求内容无法读取 / the request body cannot be read: {e}"),
        )
    };
    let records = |raw: Box<RawValue>| Records::Json(raw.get().to_owned());
    Ok(match endpoint {
        Endpoint::Compare => {
            let b: CompareBody = serde_json::from_slice(&body).map_err(refused)?;
            Asked {
                packs: b.packs,
                // `"records": null` is no records, as leaving the key out is.
                records: b.records.filter(|r| r.get() != "null").map(records),
                as_of: b.as_of,
                group_by: b.group_by,
                ..Asked::default()
            }
        }
        Endpoint::Diff => {
            let b: DiffBody = serde_json::from_slice(&body).map_err(refused)?;
            Asked {
                old: Some(b.old),
                new: Some(b.new),
                records: Some(records(b.records)),
                as_of: b.as_of,
                ..Asked::default()
            }
        }
    })
}

/// Reads a form. A file input left empty arrives as a part with no file name and no bytes: that
/// is no ledger (the 对比 page then compares the standards), while a named empty file is read
/// and refused as the CLI refuses it.
pub async fn read_form(
    mut form: Multipart,
    endpoint: Endpoint,
    limit: usize,
) -> Result<Asked, Failure> {
    let failure = Failure::multipart(limit);
    let mut asked = Asked::default();
    while let Some(field) = form.next_field().await.map_err(failure)? {
        let name = field.name().unwrap_or_default().to_owned();
        match (name.as_str(), endpoint) {
            ("ledger", _) => {
                let file = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(failure)?;
                if !(file.is_empty() && bytes.is_empty()) {
                    let name = if file.is_empty() {
                        "ledger.csv".to_owned()
                    } else {
                        file
                    };
                    asked.records = Some(Records::Upload { name, bytes });
                }
            }
            ("as_of", _) => asked.as_of = Some(field.text().await.map_err(failure)?),
            ("packs", Endpoint::Compare) => asked.packs.push(field.text().await.map_err(failure)?),
            ("group_by", Endpoint::Compare) => {
                let text = field.text().await.map_err(failure)?;
                asked.group_by = Some(text).filter(|t| !t.trim().is_empty());
            }
            ("old", Endpoint::Diff) => asked.old = Some(field.text().await.map_err(failure)?),
            ("new", Endpoint::Diff) => asked.new = Some(field.text().await.map_err(failure)?),
            (other, _) => {
                return Err(bad_request(
                    "upload",
                    format!("表单中有未知字段 `{other}` / the form has an unknown field `{other}`"),
                ));
            }
        }
    }
    Ok(asked)
}
