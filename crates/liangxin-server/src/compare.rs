//! 对比 Compare: several packs on one ledger, as `liangxin compare --records` runs them, or,
//! without a ledger, the standards side by side by dimension (the CLI's `compare` without
//! `--records`). The page (`GET`/`POST /compare`) shows the library's HTML report; the API
//! (`POST /api/compare`) gives the JSON of `liangxin compare --format json`, byte for byte.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};

use liangxin::compare::{coverage, on_ledger};
use liangxin::report::{CompareReport, CoverageReport, Format, Options};

use crate::api::AsOf;
use crate::errors::{ApiFailure, Failure, PageFailure};
use crate::input::{self, Asked, Endpoint, Records};
use crate::pages::{layout_for, subject_zh};
use crate::session::Current;
use crate::{AppState, blocking, library};

/// The packs asked for, found in the library: at least two, each an id the library lists (an id
/// is compared with the library's listing, never joined onto a path).
pub fn find_packs(state: &AppState, ids: &[String]) -> Result<Vec<(String, PathBuf)>, Failure> {
    if ids.len() < 2 {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "packs",
            format!(
                "请至少选择两个标准 / compare needs at least two packs (given {})",
                ids.len()
            ),
        ));
    }
    ids.iter()
        .map(|id| Ok((id.clone(), library::find(state, id)?)))
        .collect()
}

/// Each pack prepared as of `day`; packs that assess different subjects (members and
/// organizations) are refused, since no record is both.
pub fn prepare_alike(
    packs: &[(String, PathBuf)],
    day: &str,
) -> Result<Vec<liangxin::Prepared>, Failure> {
    let prepared = packs
        .iter()
        .map(|(id, dir)| library::prepare(id, dir, day))
        .collect::<Result<Vec<_>, _>>()?;
    let subject = |p: &liangxin::Prepared| p.policy.policy.meta.subject;
    if let Some(first) = prepared.first()
        && let Some(other) = prepared.iter().find(|p| subject(p) != subject(first))
    {
        let (a, b) = (subject(first).as_str(), subject(other).as_str());
        let (first, other) = (&first.policy.policy.meta.id, &other.policy.policy.meta.id);
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "subject",
            format!(
                "{first}（测评{}）与 {other}（测评{}）的对象不同，无法对比 / cannot compare {first} (subject {a}) with {other} (subject {b}): they assess different records",
                subject_zh(a),
                subject_zh(b),
            ),
        ));
    }
    Ok(prepared)
}

/// What `liangxin compare` writes for these packs, in `format`: the comparison on the records,
/// or, with none, the standards side by side.
pub fn report(
    packs: &[(String, PathBuf)],
    records: Option<&Records>,
    group_by: Option<&str>,
    day: &str,
    format: Format,
) -> Result<Vec<u8>, Failure> {
    let prepared = prepare_alike(packs, day)?;
    let rendered = |doc: &dyn Fn() -> liangxin::report::doc::Document,
                    json: &dyn Fn() -> serde_json::Value| {
        crate::errors::render(doc, json, format, Options::default())
    };
    let Some(records) = records else {
        if group_by.is_some() {
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                "group_by",
                "分组需要台账 / group_by needs records: groups are of a ledger's records",
            ));
        }
        let policies: Vec<&liangxin::Policy> = prepared.iter().map(|p| &p.policy.policy).collect();
        let coverage = coverage(&policies);
        let report = CoverageReport {
            policies: &policies,
            coverage: &coverage,
        };
        return rendered(&|| report.document(), &|| report.json());
    };
    let ledgers = prepared
        .iter()
        .map(|p| records.read(&p.policy.policy.schema))
        .collect::<Result<Vec<_>, _>>()?;
    let compiled: Vec<&liangxin::CompiledPolicy> = prepared.iter().map(|p| &p.policy).collect();
    let run = on_ledger(&compiled, &ledgers).map_err(|left_out| {
        Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ledger",
            format!(
                "台账缺少标准读取的列，可对比的标准不足两个 / nothing to compare: {} of the {} packs can read {}; the ledger lacks columns the packs read: {}",
                packs.len() - left_out.len(),
                packs.len(),
                records.name(),
                left_out
                    .iter()
                    .map(|l| format!("{} ({})", l.policy, l.missing_columns.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )
        .with_details(serde_json::to_value(&left_out).unwrap_or_default())
    })?;
    let groupings = group_by
        .map(|field| run.groupings(&compiled, &ledgers, field))
        .transpose()
        .map_err(|message| {
            Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "group_by",
                format!("无法按此字段分组 / {message}"),
            )
        })?;
    let report = CompareReport {
        comparison: &run.comparison,
        evaluations: &run.evaluations,
        groupings: groupings.as_deref(),
        left_out: &run.left_out,
    };
    rendered(&|| report.document(), &|| report.json())
}

/// `POST /api/compare`: `{packs, records?, as_of?, group_by?}` as JSON, or the same as a form
/// with the ledger uploaded → the JSON of `liangxin compare --format json`.
pub async fn api(
    State(state): State<Arc<AppState>>,
    query: Result<Query<AsOf>, QueryRejection>,
    request: Request,
) -> Result<Response, ApiFailure> {
    let asked = input::read(query, request, Endpoint::Compare, state.body_limit).await?;
    let packs = find_packs(&state, &asked.packs)?;
    let day = library::as_of(asked.as_of.as_deref())?;
    let json = blocking(&state, move || {
        report(
            &packs,
            asked.records.as_ref(),
            asked.group_by.as_deref(),
            &day,
            Format::Json,
        )
    })
    .await??;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// `GET /compare`: the form. Packs are grouped by what they assess, since only packs of one
/// subject can be compared.
pub async fn form(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
) -> Result<Response, PageFailure> {
    let shared = state.clone();
    let packs = blocking(&state, move || library::summaries(&shared)).await??;
    let mut subjects: Vec<&str> = Vec::new();
    for p in packs.iter().filter(|p| p.ok) {
        if !subjects.contains(&p.subject.as_str()) {
            subjects.push(&p.subject);
        }
    }
    // Members, organizations, dossiers: the order the docs name them in, whatever the ids.
    let order = ["member", "organization", "dossier"];
    subjects.sort_by_key(|s| order.iter().position(|o| o == s).unwrap_or(order.len()));
    let page = layout_for(
        Some(&current),
        "对比",
        html! {
            h1 { "对比" }
            p { "选择两个或更多同类标准（同为党员、党组织或发展党员档案），上传一本台账，看同一批记录在各标准下的等次、达标率、金额和一致性。" }
            p.muted { "不上传台账时，按维度并列显示所选标准的条文（标准对比）。" }
            form method="post" action="/compare" enctype="multipart/form-data" {
                @for subject in &subjects {
                    fieldset style="display:grid;gap:.2em" {
                        legend { (subject_zh(subject)) " " span.muted { (subject) } }
                        @for p in packs.iter().filter(|p| p.ok && p.subject == *subject) {
                            label.choice {
                                input type="checkbox" name="packs" value=(p.id);
                                " " (p.name) "（" (p.region) "）"
                            }
                        }
                    }
                }
                label { "测评日期 " input type="date" name="as_of" value=(library::today()); }
                label { "台账文件（可选） " input type="file" name="ledger"; }
                label { "分组字段（可选，如 所在区县） " input type="text" name="group_by"; }
                button type="submit" { "对比" }
            }
            p.muted { "台账可为 CSV、Excel .xlsx/.xls、WPS .ods、JSON 或 YAML（UTF-8、GBK 均可），大小上限 " (state.body_limit / (1024 * 1024)) " MiB。" }
        },
    );
    Ok(Html(page).into_response())
}

/// `POST /compare`: the comparison (or the standards side by side) as the library's HTML
/// report, with the workbench's navigation on top.
pub async fn page(
    State(state): State<Arc<AppState>>,
    form: Multipart,
) -> Result<Response, PageFailure> {
    let Asked {
        packs,
        as_of: date,
        group_by,
        records,
        ..
    } = input::read_form(form, Endpoint::Compare, state.body_limit).await?;
    let packs = find_packs(&state, &packs)?;
    let day = library::as_of(date.as_deref())?;
    let page = blocking(&state, move || -> Result<String, Failure> {
        let html = report(
            &packs,
            records.as_ref(),
            group_by.as_deref(),
            &day,
            Format::Html,
        )?;
        let nav = html! {
            @if let Some(r) = &records { "台账：" (r.name()) " · " } @else { "标准对比（未上传台账）· " }
            "测评日期 " (day)
        };
        Ok(with_nav(&String::from_utf8_lossy(&html), nav))
    })
    .await??;
    Ok(Html(page).into_response())
}

/// The report page with the workbench's links and what was compared on a bar above it. The
/// report is the library's own self-contained page (its styles, script and charts), so it is
/// shown whole rather than taken apart into the workbench's layout.
fn with_nav(report: &str, about: Markup) -> String {
    let bar = html! {
        nav.workbench style="font:14px sans-serif;padding:6px 12px;background:#8b1a1a;color:#fff" {
            a style="color:#fff;margin-right:1em" href="/" { "标准库" }
            a style="color:#fff;margin-right:1em" href="/compare" { "再次对比" }
            span { (about) }
        }
    }
    .into_string();
    match report.find("<body>") {
        Some(at) => {
            let at = at + "<body>".len();
            format!("{}{bar}{}", &report[..at], &report[at..])
        }
        None => report.to_owned(),
    }
}
