//! The pages staff read, in Chinese: the library, a pack as a document, the evaluation form
//! and its report. Templates are maud macros: checked when the crate compiles, every value
//! HTML-escaped unless marked otherwise.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use liangxin::policy::{GroupKind, Metric, Policy, Prefer, RuleKind, Selector};
use liangxin::report::{EvalReport, Format, Options};

use crate::accounts::Role;
use crate::errors::{Failure, PageFailure};
use crate::session::{self, Current, CurrentLedger};
use crate::{AppState, audit, blocking, library, upload};

type PageResult = Result<Response, PageFailure>;

pub(crate) const STYLE: &str = include_str!("style.css");

/// A page without the signed-in user's bar (failures, the sign-in page).
fn layout(title: &str, content: Markup) -> String {
    layout_for(None, title, content)
}

/// A page: the header with the navigation and who is signed in, the content, the footer.
pub(crate) fn layout_for(current: Option<&Current>, title: &str, content: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · 两新测评工作台" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    strong { "两新测评工作台" }
                    nav {
                        a href="/" { "标准库" }
                        a href="/evaluate" { "测评" }
                        a href="/compare" { "对比" }
                        a href="/archive" { "档案" }
                        a href="/api/openapi.json" { "接口 API" }
                    }
                    @if let Some(user) = current.and_then(|c| c.user.as_ref()) {
                        span.user #user {
                            (user.name) "（" (user.role.zh()) "）"
                            @if let Some(c) = current.filter(|c| !c.csrf.is_empty() && user.name != "本机用户") {
                                form.inline method="post" action="/sign-out" {
                                    input type="hidden" name="_csrf" value=(c.csrf);
                                    button.link type="submit" { "退出" }
                                }
                            }
                        }
                    }
                }
                main { (content) }
                footer { "liangxin " (env!("CARGO_PKG_VERSION")) }
            }
        }
    }
    .into_string()
}

/// The page for a failed request.
pub fn failure_page(title: &str, message: &str, details: Option<&serde_json::Value>) -> String {
    let diagnostics: Vec<String> = details
        .and_then(|d| d.as_array())
        .map(|items| {
            items
                .iter()
                .map(|d| {
                    format!(
                        "{} {}",
                        d["location"].as_str().unwrap_or_default(),
                        d["message"].as_str().unwrap_or_default()
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    layout(
        title,
        html! {
            h1 { (title) }
            pre.error { (message) }
            @if !diagnostics.is_empty() {
                ul { @for d in &diagnostics { li { (d) } } }
            }
            p { a href="/" { "返回标准库" } " · " a href="/evaluate" { "重新测评" } }
        },
    )
}

pub fn subject_zh(subject: &str) -> &'static str {
    match subject {
        "member" => "党员",
        "organization" => "党组织",
        "dossier" => "发展党员档案",
        _ => "",
    }
}

/// `GET /`: 标准库.
pub async fn library(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
) -> PageResult {
    let shared = state.clone();
    let packs = blocking(&state, move || library::summaries(&shared)).await??;
    let editable = state.editable();
    let can_edit = editable
        && current
            .user
            .as_ref()
            .is_some_and(|u| u.role >= Role::Editor);
    let page = layout_for(
        Some(&current),
        "标准库",
        html! {
            h1 { "标准库" }
            p.muted { "标准目录：" code { (state.library.display()) }
                @if editable { "（可修订，每次保存留有记录）" } @else { "（内置标准，只读；用 liangxin serve --library 目录 启动即可修订）" } }
            table {
                thead { tr { th { "标准" } th { "地区" } th { "对象" } th { "版本" } th { "编号" } @if editable { th { "修订" } } } }
                tbody {
                    @for p in &packs {
                        tr {
                            @if p.ok {
                                td { a href={ "/packs/" (p.id) } { (p.name) } }
                                td { (p.region) }
                                td { (subject_zh(&p.subject)) " " span.muted { (p.subject) } }
                                td { (p.version) }
                            } @else {
                                td colspan="4" { "（标准有错误，无法读取；请运行 liangxin check）" }
                            }
                            td { code { (p.id) } }
                            @if editable {
                                td {
                                    @if can_edit { a href={ "/packs/" (p.id) "/edit" } { "修订" } " · " }
                                    a href={ "/packs/" (p.id) "/history" } { "历史" }
                                }
                            }
                        }
                    }
                }
            }
            p { a.button href="/evaluate" { "上传台账测评 →" } }
        },
    );
    Ok(Html(page).into_response())
}

fn num(x: f64) -> String {
    liangxin::number::format(x)
}

fn assumed(flag: bool) -> Markup {
    html! { @if flag { span.assumed title="原文未给出，此值为假设" { "已假设" } } }
}

/// The fields of the policy an expression mentions (by id or Chinese label).
fn reads(policy: &Policy, text: &str) -> Vec<String> {
    policy
        .fields
        .iter()
        .filter_map(|id| {
            let label = policy
                .schema
                .field(id)
                .map_or(id.as_str(), |f| f.label.as_str());
            (text.contains(id.as_str()) || text.contains(label)).then(|| label.to_owned())
        })
        .collect()
}

fn grade_label<'a>(policy: &'a Policy, id: &'a str) -> &'a str {
    policy.grades.get(id).map_or(id, |g| g.label.as_str())
}

fn kind_zh(kind: &RuleKind) -> &'static str {
    match kind.name() {
        "base" => "基础分",
        "points" => "加减分",
        "bonus" => "加分",
        "deduction" => "扣分",
        "veto" => "一票否决",
        "checklist" => "达标条件",
        "money" => "奖补",
        "procedure" => "程序",
        "table" => "决定表",
        _ => "",
    }
}

/// What a rule does, in a cell.
fn rule_body(policy: &Policy, kind: &RuleKind) -> (Markup, Vec<String>) {
    match kind {
        RuleKind::Base(b) => (html! { "起始分 " strong { (num(b.value)) } }, Vec::new()),
        RuleKind::Points(p) => (
            html! {
                code { (p.expr.text) }
                @if let Some(max) = p.max { " · 上限 " (num(max)) }
                @if let Some(min) = p.min { " · 下限 " (num(min)) }
                @if let Some(c) = &p.category {
                    " · 计入 " (policy.categories.get(c).map_or(c.as_str(), |c| c.label.as_str()))
                }
            },
            reads(policy, &p.expr.text),
        ),
        RuleKind::Veto(v) => (
            html! { "当 " code { (v.when.text) } " 时定为 " strong { (grade_label(policy, &v.grade)) } },
            reads(policy, &v.when.text),
        ),
        RuleKind::Checklist(c) => {
            let mut fields = Vec::new();
            for criterion in &c.criteria {
                fields.extend(reads(policy, &criterion.expr.text));
            }
            fields.dedup();
            (
                html! {
                    "至少满足 " (c.at_least) " / " (c.criteria.len()) " 项："
                    ol { @for k in &c.criteria {
                        li { (k.label) "：" code { (k.expr.text) } " " (assumed(k.assumed)) }
                    } }
                },
                fields,
            )
        }
        RuleKind::Money(m) => (
            html! {
                "奖补 " strong { (m.amount) " 元" }
                @if let Some(when) = &m.when { "，当 " code { (when.text) } }
            },
            m.when
                .as_ref()
                .map(|w| reads(policy, &w.text))
                .unwrap_or_default(),
        ),
        RuleKind::Procedure(p) => (
            html! {
                ol { @for s in &p.steps {
                    li {
                        (s.label)
                        @if !s.required { "（可选）" }
                        @if let Some(w) = &s.not_before {
                            " · 不早于第 " (w.after + 1) " 步后 " (w.interval.describe()) " " (assumed(w.assumed))
                        }
                        @if let Some(w) = &s.not_after {
                            " · 不晚于第 " (w.after + 1) " 步后 " (w.interval.describe()) " " (assumed(w.assumed))
                        }
                    }
                } }
            },
            p.steps
                .iter()
                .map(|s| {
                    policy
                        .schema
                        .field(&s.field)
                        .map_or(s.field.clone(), |f| f.label.clone())
                })
                .collect(),
        ),
        RuleKind::Table(t) => (
            html! {
                table.inner {
                    thead { tr { @for i in &t.inputs { th { (i.label) } } th { "等次" } } }
                    tbody { @for row in &t.rows {
                        tr {
                            @for (i, input) in t.inputs.iter().enumerate() {
                                td { @for (at, c) in &row.conditions { @if *at == i { (input.shown_condition(c)) } } }
                            }
                            td { (grade_label(policy, &row.grade)) }
                        }
                    } }
                }
            },
            t.inputs.iter().map(|i| i.label.clone()).collect(),
        ),
    }
}

fn selector(policy: &Policy, s: &Selector) -> Markup {
    html! {
        @if !s.grades.is_empty() {
            "等次为 " (s.grades.iter().map(|g| grade_label(policy, g)).collect::<Vec<_>>().join("、"))
        }
        @if let Some(w) = &s.when { " 当 " code { (w.text) } }
        @if let Some(r) = &s.require { " 且须 " code { (r.text) } }
        @if s.grades.is_empty() && s.when.is_none() { "全部记录" }
    }
}

fn prefer(p: &[Prefer]) -> String {
    p.iter()
        .map(|p| match p {
            Prefer::Metric => "等次指标".to_owned(),
            Prefer::Score => "得分".to_owned(),
            Prefer::Field(f) => f.clone(),
        })
        .collect::<Vec<_>>()
        .join(" > ")
}

fn pack_document(id: &str, policy: &Policy) -> Markup {
    let m = &policy.meta;
    html! {
        h1 { (m.name) }
        table.facts {
            tr { th { "编号" } td { code { (id) } } }
            tr { th { "地区" } td { (m.region) } }
            tr { th { "对象" } td { (subject_zh(m.subject.as_str())) " (" (m.subject) ")" } }
            tr { th { "版本" } td { (m.version) } }
            tr { th { "施行日期" } td { (m.effective) } }
            @if let Some(day) = &m.as_of { tr { th { "参数日期" } td { (day) } } }
            tr { th { "出处" } td { (m.source) } }
            @if !m.extends.is_empty() { tr { th { "继承自" } td { (m.extends.join("、")) } } }
        }
        h2 { "规则" }
        table {
            thead { tr { th { "规则" } th { "类型" } th { "内容" } th { "读取" } th { "维度" } } }
            tbody { @for r in &policy.rules {
                @let (body, fields) = rule_body(policy, &r.kind);
                tr {
                    td { (r.label) " " (assumed(r.assumed)) br; code.muted { (r.id) } }
                    td { (kind_zh(&r.kind)) }
                    td { (body) }
                    td { (fields.join("、")) }
                    td { (r.dimension.as_deref().unwrap_or("")) }
                }
            } }
        }
        @if !policy.params.is_empty() {
            h2 { "参数" }
            table {
                thead { tr { th { "参数" } th { "取值" } th { "依据" } } }
                tbody { @for (pid, p) in &policy.params {
                    tr {
                        td { (p.label) br; code.muted { (pid) } }
                        td {
                            (param_value(&p.value))
                            @for (day, v) in &p.history { br; span.muted { (day) " 起：" (param_value(v)) } }
                            @if let Some(i) = &p.before_as_of { br; span.muted { "测评日前 " (i.describe()) } }
                        }
                        td { (p.source.as_deref().unwrap_or("")) " " (assumed(p.assumed)) }
                    }
                } }
            }
        }
        @if !policy.categories.is_empty() {
            h2 { "分类上限" }
            table {
                thead { tr { th { "分类" } th { "下限" } th { "上限" } } }
                tbody { @for c in policy.categories.values() {
                    tr {
                        td { (c.label) " " (assumed(c.assumed)) }
                        td { (c.min.map(num).unwrap_or_default()) }
                        td { (c.max.map(num).unwrap_or_default()) }
                    }
                } }
            }
        }
        @if let Some(bands) = &policy.bands {
            h2 { "等次线 " (assumed(bands.assumed)) }
            p.muted { "按" (match bands.on { Metric::Score => "得分".to_owned(), Metric::ChecklistsPassed => "达标的条件项数".to_owned(), Metric::Rule(i) => policy.rules.get(i).map_or(String::new(), |r| r.label.clone()) }) "定等" }
            table {
                thead { tr { th { "等次" } th { "范围" } } }
                tbody { @for b in &bands.bands {
                    tr { td { (grade_label(policy, &b.grade)) } td { (band_range(b)) } }
                } }
            }
        }
        h2 { "等次与待遇" }
        table {
            thead { tr { th { "等次" } th { "达标" } th { "待遇/处理" } th { "奖补（元）" } th { "期限" } } }
            tbody { @for g in policy.grades.values() {
                tr {
                    td { (g.label) " " (assumed(g.assumed)) }
                    td { @if g.pass { "是" } @else { "否" } }
                    td { @for a in &g.actions { (a) br; } }
                    td.num { @if !g.money.is_zero() { (g.money) } }
                    td { @if let Some(d) = &g.due { (d.within_text) " " (assumed(d.assumed)) } }
                }
            } }
        }
        @if let Some(r) = &policy.ranking {
            p { "排名：" @if r.exclude_vetoed { "一票否决者不参加排名" } @else { "全部记录参加排名" } " " (assumed(r.assumed)) }
        }
        @if let Some(b) = &policy.budget {
            p { "经费：" (b.label) " " strong { (b.amount) " 元" } " " span.muted { (b.source.as_deref().unwrap_or("")) } }
        }
        @if !policy.group_rules.is_empty() {
            h2 { "集体规则" }
            table {
                thead { tr { th { "规则" } th { "分组" } th { "内容" } th { "依据" } } }
                tbody { @for g in &policy.group_rules {
                    tr {
                        td { (g.label) br; code.muted { (g.id) } }
                        td { (g.by.as_deref().map(|f| policy.schema.field(f).map_or(f, |d| d.label.as_str())).unwrap_or("全部")) }
                        td { (group_kind(policy, &g.kind)) }
                        td { (g.source.as_deref().unwrap_or("")) " " (assumed(g.assumed)) }
                    }
                } }
            }
        }
        p { a.button href={ "/evaluate?pack=" (id) } { "用此标准测评 →" } }
    }
}

fn group_kind(policy: &Policy, kind: &GroupKind) -> Markup {
    match kind {
        GroupKind::Lead {
            lead,
            prefer: p,
            pair,
        } => html! {
            "每组选一个牵头：" (selector(policy, lead))
            @if !p.is_empty() { "，优先 " (prefer(p)) }
            @if let Some(pair) = pair { "；结对：" (selector(policy, pair)) }
        },
        GroupKind::Rate {
            count,
            of,
            at_least,
        } => html! {
            "比例：" (selector(policy, count))
            @if let Some(of) = of { " / " (selector(policy, of)) }
            @if let Some(t) = at_least { "，不低于 " (liangxin::number::percent(*t)) }
        },
        GroupKind::Quota {
            select,
            prefer: p,
            at_most,
            demote_to,
        } => html! {
            "名额：" (selector(policy, select)) " 至多 " (at_most) " 个"
            @if !p.is_empty() { "，按 " (prefer(p)) " 排序" }
            "，其余定为 " (grade_label(policy, demote_to))
        },
    }
}

fn param_value(v: &liangxin::policy::ParamValue) -> String {
    match v {
        liangxin::policy::ParamValue::Num(n) => num(*n),
        liangxin::policy::ParamValue::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        liangxin::policy::ParamValue::Str(s) => s.clone(),
    }
}

fn band_range(b: &liangxin::policy::Band) -> String {
    let lower = b
        .lower
        .map(|l| format!("{} {}", if l.inclusive { "≥" } else { ">" }, num(l.value)));
    let upper = b
        .upper
        .map(|u| format!("{} {}", if u.inclusive { "≤" } else { "<" }, num(u.value)));
    match (lower, upper) {
        (Some(l), Some(u)) => format!("{l} 且 {u}"),
        (Some(l), None) => l,
        (None, Some(u)) => u,
        (None, None) => "全部".to_owned(),
    }
}

/// `GET /packs/{id}`: the pack as a readable document.
pub async fn pack(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Path(id): Path<String>,
) -> PageResult {
    let dir = library::find(&state, &id)?;
    let day = library::today();
    let editable = state.editable();
    let shared = state.clone();
    let page = blocking(&state, move || -> Result<String, Failure> {
        let prepared = shared.prepare(&id, &dir, &day)?;
        let policy = &prepared.policy.policy;
        let links = html! {
            @if editable {
                p.links {
                    @if current.user.as_ref().is_some_and(|u| u.role >= Role::Editor) {
                        a.button href={ "/packs/" (id) "/edit" } { "修订此标准" } " "
                    }
                    a href={ "/packs/" (id) "/history" } { "修订历史" }
                }
            }
        };
        Ok(layout_for(
            Some(&current),
            &policy.meta.name,
            html! { (links) (pack_document(&id, policy)) },
        ))
    })
    .await??;
    Ok(Html(page).into_response())
}

/// `GET /evaluate`: the form.
pub async fn evaluate_form(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    query: axum::extract::Query<std::collections::HashMap<String, String>>,
) -> PageResult {
    let shared = state.clone();
    let packs = blocking(&state, move || library::summaries(&shared)).await??;
    let chosen = query.get("pack").cloned().unwrap_or_default();
    let today = library::today();
    let page = layout_for(
        Some(&current),
        "测评",
        html! {
            h1 { "测评" }
            p { "上传台账（CSV、Excel .xlsx/.xls、WPS .ods、JSON 或 YAML；UTF-8、GBK 均可），选择标准和测评日期。" }
            form method="post" action="/evaluate" enctype="multipart/form-data" {
                label { "标准 "
                    select name="pack" required {
                        @for p in packs.iter().filter(|p| p.ok) {
                            option value=(p.id) selected[p.id == chosen] { (p.name) "（" (p.region) "）" }
                        }
                    }
                }
                label { "测评日期 " input type="date" name="as_of" value=(today); }
                label { "分组（可选）" input type="text" name="group_by" list="group-fields" placeholder="如 所在组织、所在区县";
                    datalist #group-fields { @for f in ["所在组织", "所在区县", "所在街道", "组织类型", "行业"] { option value=(f) {} } }
                }
                label { "台账文件 " input type="file" name="ledger" required; }
                fieldset {
                    legend { "积分记录（可选，用于有积分细则的标准）" }
                    p.muted { "逐条记录全年积分时：上面的台账为名册（每人一行），这里上传积分记录（每条一行：党员编号、姓名、日期、积分项目、分值、次数、说明、记录人），按积分细则汇总本年度积分后测评。" }
                    label { "积分记录文件 " input type="file" name="entries"; }
                    label { "考评年度 " input type="number" name="period" min="2000" max="2100" value=(&today[..4]); }
                }
                button type="submit" { "测评" }
            }
            p.muted { "文件大小上限 " (state.body_limit / (1024 * 1024)) " MiB。" }
            div #progress hidden { progress #upload-bar max="100" value="0" {} " " span #upload-status {} }
            script { (PreEscaped(UPLOAD_PROGRESS)) }
        },
    );
    Ok(Html(page).into_response())
}

/// `POST /evaluate`: the uploaded ledger evaluated under the chosen pack, as the HTML report.
pub async fn evaluate(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    mut form: Multipart,
) -> PageResult {
    let limit = state.body_limit;
    let field_failure = Failure::multipart(limit);
    let (mut pack, mut as_of, mut ledger, mut group_by) = (None, None, None, None);
    let (mut entries, mut period) = (None, None);
    while let Some(field) = form.next_field().await.map_err(field_failure)? {
        match field.name() {
            Some("pack") => pack = Some(field.text().await.map_err(field_failure)?),
            Some("as_of") => as_of = Some(field.text().await.map_err(field_failure)?),
            Some("group_by") => {
                let text = field.text().await.map_err(field_failure)?;
                group_by = Some(text.trim().to_string()).filter(|t| !t.is_empty());
            }
            Some("ledger") => {
                let name = field.file_name().unwrap_or("ledger.csv").to_owned();
                ledger = Some((name, field.bytes().await.map_err(field_failure)?));
            }
            Some("entries") => {
                let name = field.file_name().unwrap_or("entries.csv").to_owned();
                let bytes = field.bytes().await.map_err(field_failure)?;
                // A file input left empty still sends a part, with no name and no bytes.
                if !bytes.is_empty() {
                    entries = Some((crate::upload::clean_name(&name), bytes));
                }
            }
            Some("period") => period = Some(field.text().await.map_err(field_failure)?),
            _ => {}
        }
    }
    let missing = |what: &str| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            "upload",
            format!("请{what} / the form lacks its {what}"),
        )
    };
    let id = pack.ok_or_else(|| missing("选择标准"))?;
    let (name, bytes) = ledger.ok_or_else(|| missing("选择台账文件"))?;
    let dir = library::find(&state, &id)?;
    let day = library::as_of(as_of.as_deref())?;
    let entries = match entries {
        None => None,
        Some((name, bytes)) => {
            let period =
                liangxin::entries::Period::year(period.as_deref().unwrap_or("")).map_err(|e| {
                    Failure::new(
                        StatusCode::BAD_REQUEST,
                        "period",
                        format!("请填写考评年度 / give the year the entries are summed over: {e}"),
                    )
                })?;
            Some(Arc::new(crate::session::UploadedEntries {
                name,
                bytes: bytes.to_vec(),
                period,
            }))
        }
    };
    let summed_entries = entries.clone();
    let (pack, as_of) = (id.clone(), day.clone());
    let group = group_by.clone();
    let library_dir = state.library.clone();
    let shared = state.clone();
    // Editors of an editable library may publish what the page shows.
    let publish_form = (state.editable()
        && current
            .user
            .as_ref()
            .is_some_and(|u| u.role >= Role::Editor))
    .then(|| crate::archive::publish_form(&current, &as_of));
    let (page, bytes, name, library_version) = blocking(&state, move || -> Result<(String, _, String, u64), Failure> {
        let library_version = library::version(&library_dir);
        let prepared = shared.prepare_fresh(&id, &dir, &day)?;
        let compiled = &prepared.policy;
        let mut ledger = upload::read_ledger(&bytes, &name, &compiled.policy.schema)?;
        if let Some(entries) = &summed_entries {
            upload::sum_entries(&mut ledger, entries, &compiled.policy)?;
        }
        let evaluation = compiled.evaluate_ledger(&ledger);
        let grouping = grouped(compiled, &evaluation, &ledger, group.as_deref())?;
        let report = EvalReport {
            evaluation: &evaluation,
            grouping: grouping.as_ref(),
            top: compiled.policy.ranking.as_ref().map(|_| 10),
            traces: None,
            // A page of 100,000 rows is tens of MB that no laptop scrolls: past PAGE_ROWS the
            // page keeps the summary, leaderboard, groups and errors, and the records are in
            // the downloads (and each record's explanation by its id).
            summary_only: ledger.records.len() > PAGE_ROWS,
        };
        let html = crate::errors::render(|| report.document(), || report.json(), Format::Html, Options::default())?;
        let html = String::from_utf8_lossy(&html).into_owned();
        let nav = html! {
            nav.workbench style="font:14px sans-serif;padding:6px 12px;background:#8b1a1a" {
                a style="color:#fff;margin-right:1em" href="/" { "标准库" }
                a style="color:#fff;margin-right:1em" href="/evaluate" { "再次测评" }
                span style="color:#fff" {
                    @if let Some(e) = &summed_entries { "积分记录：" (e.name) "（" (e.period) "）· " }
                }
                span style="color:#fff" { "台账：" (ledger.path) " · 标准：" (compiled.policy.meta.name) " · 测评日期 " (day) }
            }
            form.workbench method="get" action="/explain" style="font:14px sans-serif;padding:6px 12px;background:#f3eded" {
                label { "查看一条记录的测评说明：" input #explain-record list="record-ids" name="record" required placeholder="记录编号"; }
                // The ids to pick from (and to link in the records table), for a page that has one.
                @if ledger.records.len() <= PAGE_ROWS {
                    datalist #record-ids { @for r in &ledger.records { option value=(r.id) {} } }
                }
                " " button type="submit" { "说明" }
                @if ledger.records.len() > PAGE_ROWS {
                    strong #large-ledger style="margin-left:1em" { "共 " (ledger.records.len()) " 条记录，超过 " (PAGE_ROWS) " 条：页面只显示汇总，逐条结果请下载。" }
                }
                span style="margin-left:2em" {
                    "下载结果："
                    a #download-xlsx href="/evaluate/download?format=xlsx" { "Excel (.xlsx)" } " · "
                    a href="/evaluate/download?format=csv" { "CSV" } " · "
                    a href="/evaluate/download?format=html" { "网页 (.html)" }
                }
            }
            @if let Some(form) = &publish_form { (form) }
        }
        .into_string();
        let page = match html.find("<body>") {
            Some(at) => {
                let at = at + "<body>".len();
                format!("{}{nav}{}{RECORD_LINKS}", &html[..at], &html[at..])
            }
            None => html,
        };
        Ok((page, bytes, ledger.path.clone(), library_version))
    })
    .await??;
    // The ledger stays as the session's current one: the explanation of a record, the edit
    // preview and the history's comparison are computed on it.
    state.sessions.set_ledger(
        &current.session,
        CurrentLedger {
            name,
            bytes: bytes.to_vec(),
            pack,
            as_of,
            group_by,
            library_version,
            entries,
        },
    );
    Ok(Html(page).into_response())
}

/// Past this many records the report page leaves out the per-record table (see `evaluate`).
const PAGE_ROWS: usize = 20_000;

/// Makes each record's id in the report's tables a link to its explanation.
const RECORD_LINKS: &str = r#"<script>
(function () {
  var ids = {};
  document.querySelectorAll('#record-ids option').forEach(function (o) { ids[o.value] = true; });
  document.querySelectorAll('td').forEach(function (td) {
    var id = td.textContent.trim();
    if (ids[id] && !td.querySelector('a')) {
      var a = document.createElement('a');
      a.href = '/explain?record=' + encodeURIComponent(id);
      a.textContent = id;
      a.className = 'record-link';
      td.textContent = '';
      td.appendChild(a);
    }
  });
})();
</script>"#;

/// `GET /explain?record=ID`: one record of the session's current ledger, explained as
/// `eval --record ID --explain` does, under the pack and date it was evaluated with.
pub async fn explain(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> PageResult {
    let ledger = current.ledger.clone().ok_or_else(Failure::no_ledger)?;
    let record = query.get("record").cloned().unwrap_or_default();
    let dir = library::find(&state, &ledger.pack)?;
    library::same_version(&state.library, ledger.library_version)?;
    let shown = current.clone();
    let page = blocking(&state, move || -> Result<String, Failure> {
        let prepared = library::prepare(&ledger.pack, &dir, &ledger.as_of)?;
        let compiled = &prepared.policy;
        let (read, summed) = upload::read_current(&ledger, &compiled.policy)?;
        let evaluation = compiled.evaluate_ledger(&read);
        let found = evaluation
            .outcomes
            .iter()
            .find(|o| o.record == record)
            .and_then(|o| read.records.iter().find(|r| r.id == o.record).map(|r| (o, r)));
        let Some((outcome, r)) = found else {
            let refused = evaluation.errors.iter().find(|e| e.record.as_deref() == Some(record.as_str()));
            return Err(Failure::new(
                StatusCode::NOT_FOUND,
                "no_record",
                match refused {
                    Some(e) => format!("记录 {record} 未能测评 / record {record} could not be evaluated: {}", e.message),
                    None => format!("台账「{}」中没有记录 {record} / no record {record} in the ledger", ledger.name),
                },
            ));
        };
        let mut trace = compiled.explain(outcome, r);
        if let Some(totals) = summed.as_ref().and_then(|s| s.totals(&record)) {
            trace.entries = totals.notes;
        }
        let lines = trace.lines(outcome);
        Ok(layout_for(
            Some(&shown),
            &format!("说明 {record}"),
            html! {
                h1 { "测评说明：" (record) }
                p.muted { "台账「" (ledger.name) "」· 标准：" (compiled.policy.meta.name) " · 测评日期 " (ledger.as_of) }
                pre.trace #trace { @for l in &lines { (l) "\n" } }
                p { a #record-history href={ "/archive/record?id=" (session::encode(&record)) } { "这条记录的历年已发布结果 →" } }
                p { a href="javascript:history.back()" { "← 返回测评结果" } }
            },
        ))
    })
    .await??;
    Ok(Html(page).into_response())
}

/// `GET /sign-in`: the sign-in form.
pub async fn sign_in_form(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> PageResult {
    let next = query.get("next").cloned().unwrap_or_else(|| "/".into());
    Ok(Html(sign_in_page(&state, &current, &next, None)).into_response())
}

fn sign_in_page(state: &AppState, current: &Current, next: &str, error: Option<&str>) -> String {
    layout(
        "登录",
        html! {
            h1 { "登录" }
            @if !state.signs_in() { p.muted { "本工作台没有账号，本机使用无需登录。" } }
            @if let Some(e) = error { pre.error #sign-in-error { (e) } }
            form method="post" action="/sign-in" {
                input type="hidden" name="_csrf" value=(current.csrf);
                input type="hidden" name="next" value=(next);
                label { "账号 " input type="text" name="name" autocomplete="username" required; }
                label { "密码 " input type="password" name="password" autocomplete="current-password" required; }
                button type="submit" { "登录" }
            }
        },
    )
}

/// Where to go after signing in: a path of this site only (never `//host`, a full URL, or
/// anything with spaces, control characters or backslashes, which browsers read leniently).
fn safe_next(next: &str) -> &str {
    let plain = next
        .chars()
        .all(|c| !c.is_control() && !c.is_whitespace() && c != '\\');
    if plain && next.starts_with('/') && !next.starts_with("//") {
        next
    } else {
        "/"
    }
}

/// `POST /sign-in`: checks the password; on success a new session and back to where the
/// person was going.
pub async fn sign_in(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> PageResult {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let name = form.get("name").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let next = safe_next(form.get("next").map_or("/", String::as_str)).to_string();
    let worker = state.clone();
    let old = current.session.clone();
    let tried = name.clone();
    let id = blocking(&state, move || {
        session::sign_in(&worker, &old, &tried, &password)
    })
    .await??;
    match id {
        Some(id) => {
            state
                .audit
                .record(&audit::Entry {
                    action: "sign-in",
                    user: &name,
                    pack: None,
                    commit: None,
                    detail: None,
                })
                .map_err(Failure::audit)?;
            let mut response = Redirect::to(&next).into_response();
            response
                .headers_mut()
                .insert(header::SET_COOKIE, session::set_cookie(&id));
            Ok(response)
        }
        None => {
            state
                .audit
                .record(&audit::Entry {
                    action: "sign-in-failed",
                    user: state.logged_name(&name),
                    pack: None,
                    commit: None,
                    detail: None,
                })
                .map_err(Failure::audit)?;
            let page = sign_in_page(
                &state,
                &current,
                &next,
                Some("账号或密码不对 / wrong name or password"),
            );
            Ok((StatusCode::UNAUTHORIZED, Html(page)).into_response())
        }
    }
}

/// `POST /sign-out`: ends the session.
pub async fn sign_out(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> PageResult {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    session::sign_out(&state, &current.session);
    if let Some(user) = &current.user {
        let _ = state.audit.record(&audit::Entry {
            action: "sign-out",
            user: &user.name,
            pack: None,
            commit: None,
            detail: None,
        });
    }
    Ok(Redirect::to("/sign-in").into_response())
}

/// Shows how far an upload has got, then that it is being evaluated: a large ledger (100,000
/// rows, tens of MB) takes a while, and a page that seems stuck gets submitted twice.
const UPLOAD_PROGRESS: &str = r#"
(function () {
  var form = document.querySelector('form[action="/evaluate"]');
  if (!form || !window.XMLHttpRequest) return;
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var box = document.getElementById('progress'), bar = document.getElementById('upload-bar'),
        status = document.getElementById('upload-status');
    box.hidden = false;
    form.querySelector('button').disabled = true;
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/evaluate');
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(100 * e.loaded / e.total);
        status.textContent = '上传中 ' + bar.value + '%（' + (e.loaded / 1048576).toFixed(1) + ' / ' + (e.total / 1048576).toFixed(1) + ' MiB）';
      }
    };
    xhr.upload.onload = function () { bar.removeAttribute('value'); status.textContent = '已上传，正在读取台账并测评……'; };
    xhr.onload = function () {
      history.pushState(null, '', '/evaluate');
      document.open(); document.write(xhr.responseText); document.close();
    };
    xhr.onerror = function () { status.textContent = '上传失败：网络中断，请重试'; form.querySelector('button').disabled = false; };
    xhr.send(new FormData(form));
  });
})();
"#;

/// The evaluation split by the field named `group_by` (id or Chinese header), as `eval
/// --group-by` does; a field the pack or the ledger lacks is a 400 naming it.
pub(crate) fn grouped(
    compiled: &liangxin::CompiledPolicy,
    evaluation: &liangxin::Evaluation,
    ledger: &liangxin::Ledger,
    group_by: Option<&str>,
) -> Result<Option<liangxin::evaluate::Grouping>, Failure> {
    let Some(name) = group_by else {
        return Ok(None);
    };
    let field =
        liangxin::evaluate::group_field(&compiled.policy.schema, ledger, name).map_err(|m| {
            Failure::new(
                StatusCode::BAD_REQUEST,
                "group_by",
                format!("无法按「{name}」分组 / {m}"),
            )
        })?;
    Ok(Some(compiled.group(evaluation, ledger, field)))
}
