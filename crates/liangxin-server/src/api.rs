//! The JSON API for other systems (智慧党建 platforms): list, check, evaluate, explain.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::errors::{ApiFailure, Failure};
use crate::{AppState, blocking, library, upload};

type ApiResult = Result<Response, ApiFailure>;

/// The OpenAPI document, written by hand.
const OPENAPI: &str = include_str!("openapi.json");

/// `?as_of=YYYY-MM-DD`: the date dated params are read at (default: today).
#[derive(Debug, Deserialize)]
pub struct AsOf {
    pub as_of: Option<String>,
}

fn as_of(query: Result<Query<AsOf>, QueryRejection>) -> Result<String, Failure> {
    let Query(q) =
        query.map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "query", e.body_text()))?;
    library::as_of(q.as_of.as_deref())
}

fn body(state: &AppState, body: Result<Bytes, BytesRejection>) -> Result<Bytes, Failure> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure::too_large(state.body_limit)
        } else {
            Failure::new(StatusCode::BAD_REQUEST, "body", e.body_text())
        }
    })
}

fn json_text(text: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// `GET /api/openapi.json`.
pub async fn openapi() -> Response {
    json_text(OPENAPI.to_owned())
}

/// `GET /api/packs`: every pack of the library with its name, region, subject and version.
pub async fn packs(State(state): State<Arc<AppState>>) -> ApiResult {
    let shared = state.clone();
    let summaries = blocking(&state, move || library::summaries(&shared)).await??;
    Ok(Json(summaries).into_response())
}

/// `POST /api/packs/{id}/check`: the pack's diagnostics, as `liangxin check --format json`
/// gives them for one pack.
pub async fn check(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    query: Result<Query<AsOf>, QueryRejection>,
) -> ApiResult {
    let dir = library::find(&state, &id)?;
    let day = as_of(query)?;
    let shared = state.clone();
    let result = blocking(&state, move || {
        Ok::<_, Failure>(match shared.prepared(&id, &dir, &day)? {
            Ok(p) => json!({ "pack": id, "ok": true, "diagnostics": p.warnings }),
            Err(diagnostics) => json!({ "pack": id, "ok": false, "diagnostics": *diagnostics }),
        })
    })
    .await??;
    Ok(Json(result).into_response())
}

/// `POST /api/packs/{id}/evaluate`: a JSON array of records → the JSON of
/// `liangxin eval --format json`.
pub async fn evaluate(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    query: Result<Query<AsOf>, QueryRejection>,
    records: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let dir = library::find(&state, &id)?;
    let day = as_of(query)?;
    let records = body(&state, records)?;
    let shared = state.clone();
    let text = blocking(&state, move || -> Result<Vec<u8>, Failure> {
        let prepared = shared.prepare(&id, &dir, &day)?;
        let compiled = &prepared.policy;
        let ledger = upload::read_records(&records, &compiled.policy.schema)?;
        let evaluation = compiled.evaluate_ledger_with(&ledger, shared.cores);
        let report = liangxin::report::EvalReport {
            evaluation: &evaluation,
            grouping: None,
            top: None,
            traces: None,
            summary_only: false,
        };
        let mut out = Vec::new();
        report.write_json(&mut out).map_err(|e| {
            Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
        })?;
        Ok(out)
    })
    .await??;
    Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
}

/// `POST /api/packs/{id}/explain`: one record (an object, or an array of one) → the JSON of
/// `liangxin eval --record ID --explain --format json`: its outcome with its trace.
pub async fn explain(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    query: Result<Query<AsOf>, QueryRejection>,
    record: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let dir = library::find(&state, &id)?;
    let day = as_of(query)?;
    let record = body(&state, record)?;
    let shared = state.clone();
    let value = blocking(&state, move || -> Result<serde_json::Value, Failure> {
        let prepared = shared.prepare(&id, &dir, &day)?;
        let compiled = &prepared.policy;
        // A quota, a lead or a rate depends on the other records: alone, a record would always
        // be kept and lead. Such a pack is explained from the whole ledger, never from one row.
        if !compiled.policy.group_rules.is_empty() {
            return Err(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "depends-on-ledger",
                format!(
                    "{id} 有分组规则（名额、牵头、比例），单条记录的结果取决于整本台账 / this pack has group rules (a quota, a lead, a rate), so one record's outcome depends on the whole ledger: evaluate the ledger (POST /api/packs/{id}/evaluate, or the 测评 page)"
                ),
            ));
        }
        let one_object = record
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|&b| b == b'{');
        let records = if one_object {
            [b"[".as_slice(), &record, b"]"].concat()
        } else {
            record.to_vec()
        };
        let ledger = upload::read_records(&records, &compiled.policy.schema)?;
        if ledger.records.len() + ledger.errors.len() != 1 {
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                "ledger",
                format!(
                    "explain 只接受一条记录 / explain takes one record, not {}",
                    ledger.records.len() + ledger.errors.len()
                ),
            ));
        }
        let mut evaluation = compiled.evaluate_ledger_with(&ledger, shared.cores);
        // A rank among one record says nothing: it is left out rather than shown as 1.
        for o in &mut evaluation.outcomes {
            o.rank = None;
        }
        let traces: Vec<_> = evaluation
            .outcomes
            .iter()
            .filter_map(|o| {
                ledger
                    .records
                    .iter()
                    .find(|r| r.id == o.record)
                    .map(|r| compiled.explain(o, r))
            })
            .collect();
        let report = liangxin::report::EvalReport {
            evaluation: &evaluation,
            grouping: None,
            top: None,
            traces: Some(&traces),
            summary_only: false,
        };
        Ok(report.json())
    })
    .await??;
    Ok(Json(value).into_response())
}

/// `GET /schema/policy.schema.json`: the JSON Schema of `policy.yaml`, for the YAML view and
/// editors.
pub async fn policy_schema() -> Response {
    json_text(liangxin::editor::json_schema(
        liangxin::editor::FileKind::Policy,
    ))
}

/// The body of `POST /api/session`.
#[derive(Debug, Deserialize)]
pub struct SignIn {
    /// The account name.
    pub name: String,
    /// Its password.
    pub password: String,
}

/// `POST /api/session`: signs a program in; the session cookie is set and the CSRF token its
/// state-changing requests carry (header `x-csrf-token`) is returned.
pub async fn sign_in(
    State(state): State<Arc<AppState>>,
    axum::Extension(current): axum::Extension<crate::session::Current>,
    body: Result<Json<SignIn>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(given) =
        body.map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "body", e.body_text()))?;
    let worker = state.clone();
    let old = current.session.clone();
    let (name, password) = (given.name.clone(), given.password);
    let id = blocking(&state, move || {
        crate::session::sign_in(&worker, &old, &name, &password)
    })
    .await??;
    let action = if id.is_some() {
        "sign-in"
    } else {
        "sign-in-failed"
    };
    state
        .audit
        .record(&crate::audit::Entry {
            action,
            user: state.logged_name(&given.name),
            pack: None,
            commit: None,
            detail: Some("api"),
        })
        .map_err(Failure::audit)?;
    let Some(id) = id else {
        return Err(Failure::new(
            StatusCode::UNAUTHORIZED,
            "sign_in",
            "账号或密码不对 / wrong name or password",
        )
        .into());
    };
    let csrf = state.sessions.csrf(&id).unwrap_or_default();
    let mut response = Json(json!({ "name": given.name, "csrf": csrf })).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, crate::session::set_cookie(&id));
    Ok(response)
}
