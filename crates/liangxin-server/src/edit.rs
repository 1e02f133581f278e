//! 修订: a pack edited through a form generated from its `policy.yaml`, checked as it is
//! typed, previewed on the session's ledger and its own test cases, and saved as a git commit
//! with the signed-in user as author. The file is edited in place (`liangxin::yaml_edit`):
//! comments, order and layout survive.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use serde_json::json;

use liangxin::Loader;
use liangxin::report::{Format, Options};
use liangxin::yaml_edit::{NewValue, PathStep, ScalarStyle, YamlDocument, YamlPath};

use crate::accounts::Role;
use crate::errors::{Failure, PageFailure};
use crate::session::Current;
use crate::{AppState, audit, blocking, library, pages, upload};

/// What a form field holds, which decides its input and how its text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Bool,
    Date,
    Text,
}

/// One editable value of the pack.
#[derive(Debug, Clone)]
struct Field {
    path: YamlPath,
    label: String,
    source: Option<String>,
    assumed: bool,
    kind: Kind,
    value: String,
    line: u32,
}

/// Fields under one heading.
#[derive(Debug)]
struct Group {
    title: &'static str,
    fields: Vec<Field>,
}

fn key(step: &PathStep) -> Option<&str> {
    match step {
        PathStep::Key(k) => Some(k),
        PathStep::Index(_) => None,
    }
}

fn text_at(doc: &YamlDocument, path: &str) -> Option<String> {
    let path: YamlPath = path.parse().ok()?;
    doc.get(&path).map(|s| s.value.clone())
}

/// What a bound, cap or amount key means, in Chinese.
fn key_zh(k: &str) -> &'static str {
    match k {
        "value" => "分值",
        "min" => "下限",
        "max" => "上限",
        "at_least" => "不低于（以上）",
        "above" => "高于",
        "at_most" => "不高于（以下）",
        "below" => "低于",
        "amount" => "金额（元）",
        "money" => "奖补金额（元）",
        "label" => "名称",
        "pass" => "是否合格",
        _ => "值",
    }
}

/// Every value of the pack a form may change, under headings: the pack's name and dates,
/// params, rules' points, caps and bounds, criteria's names, categories' caps, band bounds,
/// grades' labels, money and treatments, the budget and group rules' counts. Values written
/// as a param's name, expressions and multi-line text are left to the YAML view.
fn fields(doc: &YamlDocument) -> Vec<Group> {
    let mut groups: Vec<Group> = [
        "基本信息",
        "参数",
        "规则",
        "分类上限",
        "分数段",
        "等次",
        "预算与名额",
    ]
    .into_iter()
    .map(|title| Group {
        title,
        fields: Vec::new(),
    })
    .collect();
    for scalar in doc.scalars() {
        if matches!(scalar.style, ScalarStyle::MultiLine | ScalarStyle::Empty) {
            continue;
        }
        let p = &scalar.path.0;
        let keys: Vec<Option<&str>> = p.iter().map(key).collect();
        let plain_number =
            scalar.style == ScalarStyle::Plain && scalar.value.parse::<f64>().is_ok();
        let idx = |i: usize| match p.get(i) {
            Some(PathStep::Index(n)) => *n,
            _ => 0,
        };
        let meta = |prefix: &str| {
            (
                text_at(doc, &format!("{prefix}.source")),
                text_at(doc, &format!("{prefix}.assumed")).as_deref() == Some("true"),
            )
        };
        let (group, label, prefix) = match keys.as_slice() {
            [Some(k @ ("name" | "version" | "effective"))] => (
                0,
                match *k {
                    "name" => "标准名称".to_string(),
                    "version" => "版本".to_string(),
                    _ => "生效日期".to_string(),
                },
                String::new(),
            ),
            [Some("params"), Some(name), Some("value")] => (
                1,
                text_at(doc, &format!("params.{name}.label")).unwrap_or_else(|| name.to_string()),
                format!("params.{name}"),
            ),
            [
                Some("params"),
                Some(name),
                Some("values"),
                None,
                Some("value"),
            ] => {
                let at = format!("params.{name}.values[{}]", idx(3));
                (
                    1,
                    format!(
                        "{}（自 {} 起）",
                        text_at(doc, &format!("params.{name}.label"))
                            .unwrap_or_else(|| name.to_string()),
                        text_at(doc, &format!("{at}.from")).unwrap_or_default()
                    ),
                    at,
                )
            }
            [
                Some("rules"),
                None,
                Some(k @ ("value" | "min" | "max" | "at_least" | "amount")),
            ] if plain_number => {
                let at = format!("rules[{}]", idx(1));
                (
                    2,
                    format!(
                        "{} · {}",
                        text_at(doc, &format!("{at}.label")).unwrap_or_default(),
                        key_zh(k)
                    ),
                    at,
                )
            }
            [Some("rules"), None, Some("label")] => {
                let at = format!("rules[{}]", idx(1));
                (
                    2,
                    format!(
                        "规则名称（{}）",
                        text_at(doc, &format!("{at}.id")).unwrap_or_default()
                    ),
                    at,
                )
            }
            [Some("rules"), None, Some("criteria"), None, Some("label")] => {
                let at = format!("rules[{}].criteria[{}]", idx(1), idx(3));
                (
                    2,
                    format!(
                        "{} · 条目名称（{}）",
                        text_at(doc, &format!("rules[{}].label", idx(1))).unwrap_or_default(),
                        text_at(doc, &format!("{at}.id")).unwrap_or_default()
                    ),
                    at,
                )
            }
            [Some("rules"), None, Some("criteria"), None, Some("enabled")] => continue,
            [Some("rules"), None, Some("criteria"), None, Some("id")] => {
                // 启用: a criterion on or off. Most criteria do not write `enabled` (it is on by
                // default), so the field stands for the key whether written or not.
                let at = format!("rules[{}].criteria[{}]", idx(1), idx(3));
                let (source, assumed) = meta(&at);
                let path: YamlPath = match format!("{at}.enabled").parse() {
                    Ok(p) => p,
                    Err(_) => continue,
                };
                let value = doc
                    .get(&path)
                    .map_or("true".to_string(), |s| s.value.clone());
                groups[2].fields.push(Field {
                    path,
                    label: format!(
                        "{} · {} · 启用",
                        text_at(doc, &format!("rules[{}].label", idx(1))).unwrap_or_default(),
                        text_at(doc, &format!("{at}.label"))
                            .unwrap_or_else(|| scalar.value.clone())
                    ),
                    source,
                    assumed,
                    kind: Kind::Bool,
                    value,
                    line: scalar.line,
                });
                continue;
            }
            [Some("categories"), Some(c), Some(k @ ("min" | "max"))] if plain_number => (
                3,
                format!(
                    "{} · {}",
                    text_at(doc, &format!("categories.{c}.label")).unwrap_or_else(|| c.to_string()),
                    key_zh(k)
                ),
                format!("categories.{c}"),
            ),
            [
                Some("bands"),
                Some("grades"),
                None,
                Some(k @ ("at_least" | "above" | "at_most" | "below")),
            ] if plain_number => {
                let grade =
                    text_at(doc, &format!("bands.grades[{}].grade", idx(2))).unwrap_or_default();
                let shown = text_at(doc, &format!("grades.{grade}.label")).unwrap_or(grade);
                (4, format!("{shown} · {}", key_zh(k)), "bands".to_string())
            }
            [
                Some("grades"),
                Some(g),
                Some(k @ ("label" | "money" | "pass")),
            ] if *k != "money" || plain_number => (
                5,
                format!(
                    "{} · {}",
                    text_at(doc, &format!("grades.{g}.label")).unwrap_or_else(|| g.to_string()),
                    key_zh(k)
                ),
                format!("grades.{g}"),
            ),
            [Some("grades"), Some(g), Some("actions"), None] => (
                5,
                format!(
                    "{} · 处理措施 {}",
                    text_at(doc, &format!("grades.{g}.label")).unwrap_or_else(|| g.to_string()),
                    idx(3) + 1
                ),
                format!("grades.{g}"),
            ),
            [Some("budget"), Some("amount")] if plain_number => {
                (6, "预算总额（元）".to_string(), "budget".to_string())
            }
            [
                Some("group_rules"),
                None,
                Some(k @ ("at_least" | "at_most")),
            ] if plain_number => {
                let at = format!("group_rules[{}]", idx(1));
                (
                    6,
                    format!(
                        "{} · {}",
                        text_at(doc, &format!("{at}.label")).unwrap_or_default(),
                        key_zh(k)
                    ),
                    at,
                )
            }
            _ => continue,
        };
        let (source, assumed) = if prefix.is_empty() {
            (None, false)
        } else {
            meta(&prefix)
        };
        let kind = if plain_number {
            Kind::Number
        } else if scalar.style == ScalarStyle::Plain
            && matches!(scalar.value.as_str(), "true" | "false")
        {
            Kind::Bool
        } else if scalar.value.len() == 10 && scalar.value.parse::<jiff::civil::Date>().is_ok() {
            Kind::Date
        } else {
            Kind::Text
        };
        groups[group].fields.push(Field {
            path: scalar.path.clone(),
            label,
            source,
            assumed,
            kind,
            value: scalar.value.clone(),
            line: scalar.line,
        });
    }
    groups.retain(|g| !g.fields.is_empty());
    groups
}

/// A problem with one field's new value, or with the pack as edited.
#[derive(Debug, Clone, serde::Serialize)]
struct Problem {
    /// The field's path, when the problem is at a field.
    field: Option<String>,
    severity: &'static str,
    message: String,
}

/// The edited text: the form's values applied in place to `text` (or, from the YAML view, the
/// text as given); problems with values that cannot be written.
fn apply(text: &str, form: &[(String, String)]) -> Result<(String, Vec<Problem>), Failure> {
    if let Some((_, yaml)) = form.iter().find(|(k, _)| k == "_yaml") {
        return Ok((yaml.replace("\r\n", "\n"), Vec::new()));
    }
    let mut doc = YamlDocument::parse(text).map_err(|e| {
        Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "yaml",
            format!("标准文件无法读取 / {e}"),
        )
    })?;
    let editable: Vec<Field> = fields(&doc).into_iter().flat_map(|g| g.fields).collect();
    let mut problems = Vec::new();
    for (name, given) in form {
        let Some(field) = editable.iter().find(|f| f.path.to_string() == *name) else {
            continue;
        };
        let given = given.trim();
        let value = match field.kind {
            Kind::Number => match read_number(given) {
                Some(n) if field.value.parse::<f64>().ok() == Some(n) => continue,
                Some(n) => NewValue::Number(n),
                None => {
                    problems.push(Problem {
                        field: Some(name.clone()),
                        severity: "error",
                        message: format!("「{given}」不是数字 / not a number"),
                    });
                    continue;
                }
            },
            Kind::Bool => {
                let b = matches!(given, "true" | "是" | "on");
                if b.to_string() == field.value {
                    continue;
                }
                NewValue::Bool(b)
            }
            Kind::Date | Kind::Text if given == field.value => continue,
            Kind::Date if given.len() != 10 || given.parse::<jiff::civil::Date>().is_err() => {
                problems.push(Problem {
                    field: Some(name.clone()),
                    severity: "error",
                    message: format!("「{given}」不是日期（YYYY-MM-DD）/ not a date"),
                });
                continue;
            }
            Kind::Date | Kind::Text => NewValue::Text(given.to_string()),
        };
        if let Err(e) = doc.set_or_add(&field.path, &value) {
            problems.push(Problem {
                field: Some(name.clone()),
                severity: "error",
                message: e.to_string(),
            });
        }
    }
    Ok((doc.text().to_string(), problems))
}

/// A number as staff type it: full-width digits and thousands separators allowed.
fn read_number(given: &str) -> Option<f64> {
    liangxin::number::normalize(given)
        .trim()
        .replace([',', '，'], "")
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
}

/// Reads the pack with its `policy.yaml` replaced by the edited text; every other file
/// (scripts, test cases, packs it extends) from the disk.
struct Overlay {
    policy: PathBuf,
    text: String,
}

impl liangxin::Loader for Overlay {
    fn read(&self, path: &FsPath) -> std::io::Result<String> {
        if liangxin::load::normalize(path) == self.policy {
            Ok(self.text.clone())
        } else {
            liangxin::FsLoader.read(path)
        }
    }
    fn list(&self, dir: &FsPath, ext: &str) -> std::io::Result<Vec<PathBuf>> {
        liangxin::FsLoader.list(dir, ext)
    }
    fn is_file(&self, path: &FsPath) -> bool {
        liangxin::FsLoader.is_file(path)
    }
    fn real_path(&self, path: &FsPath) -> std::io::Result<PathBuf> {
        liangxin::FsLoader.real_path(path)
    }
}

fn overlay(dir: &FsPath, text: String) -> Overlay {
    let policy = liangxin::FsLoader
        .real_path(&dir.join("policy.yaml"))
        .unwrap_or_else(|_| liangxin::load::normalize(&dir.join("policy.yaml")));
    Overlay { policy, text }
}

/// The edited pack prepared as of `as_of`, and every problem: values that could not be
/// written, then the pack's diagnostics, each at its field when it points at a field's line.
fn check_text(
    dir: &FsPath,
    text: String,
    problems: Vec<Problem>,
    as_of: &str,
) -> (Option<liangxin::Prepared>, Vec<Problem>, Overlay) {
    let loader = overlay(dir, text);
    let lines: Vec<(u32, String)> = YamlDocument::parse(&loader.text)
        .map(|doc| {
            fields(&doc)
                .into_iter()
                .flat_map(|g| g.fields)
                .map(|f| (f.line, f.path.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let mut problems = problems;
    let at_field = |d: &liangxin::Diagnostic| -> Option<String> {
        if !d.location.file.ends_with("policy.yaml") {
            return None;
        }
        lines
            .iter()
            .find(|(line, _)| *line == d.location.line)
            .map(|(_, path)| path.clone())
    };
    let prepared = match liangxin::prepare_at(&loader, dir, Some(as_of)) {
        Ok(p) => {
            for d in &p.warnings {
                problems.push(Problem {
                    field: at_field(d),
                    severity: "warning",
                    message: diagnostic_text(d),
                });
            }
            Some(p)
        }
        Err(liangxin::LoadError::Invalid(diagnostics)) => {
            for d in &diagnostics {
                problems.push(Problem {
                    field: at_field(d),
                    severity: match d.severity {
                        liangxin::Severity::Error => "error",
                        liangxin::Severity::Warning => "warning",
                    },
                    message: diagnostic_text(d),
                });
            }
            None
        }
        Err(e) => {
            problems.push(Problem {
                field: None,
                severity: "error",
                message: e.to_string(),
            });
            None
        }
    };
    if !problems.iter().all(|p| p.severity != "error") {
        return (None, problems, loader);
    }
    (prepared, problems, loader)
}

fn diagnostic_text(d: &liangxin::Diagnostic) -> String {
    let place = match d.location.file.rsplit_once('/') {
        Some((_, file)) if d.location.line > 0 => {
            format!("{file}:{}:{}", d.location.line, d.location.column)
        }
        _ => d.location.to_string(),
    };
    match &d.help {
        Some(help) => format!("{place} {}（{help}）", d.message),
        None => format!("{place} {}", d.message),
    }
}

/// The pack's folder and `policy.yaml` text, for an editable library.
fn editable(state: &AppState, id: &str) -> Result<(PathBuf, String), Failure> {
    if state.repo.is_none() {
        return Err(Failure::new(
            StatusCode::FORBIDDEN,
            "read_only",
            "标准库为只读（内置标准）：用 liangxin serve --library 目录 启动即可修订，首次启动时复制内置标准 / the library is read-only: start with --library DIR to edit",
        ));
    }
    let dir = library::find(&state.library, id)?;
    let text = std::fs::read_to_string(dir.join("policy.yaml")).map_err(|e| {
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "io",
            format!("无法读取标准文件 / cannot read {id}/policy.yaml: {e}"),
        )
    })?;
    Ok((dir, text))
}

fn form_value<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `GET /packs/{id}/edit`: the form.
pub async fn form(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Path(id): Path<String>,
) -> Result<Response, PageFailure> {
    current.require(Role::Editor)?;
    let (_, text) = editable(&state, &id)?;
    let doc = YamlDocument::parse(&text).map_err(|e| {
        Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "yaml",
            format!("标准文件无法读取 / {e}"),
        )
    })?;
    let groups = fields(&doc);
    let name = text_at(&doc, "name").unwrap_or_else(|| id.clone());
    let ledger = current.ledger.as_ref().map(|l| l.name.clone());
    let content = html! {
        h1 { "修订：" (name) }
        p.muted { "改动即时检查；「预览」在当前台账和本标准的测试用例上显示哪些记录会变化；「保存」写入标准库并留下修订记录（须填写修订说明）。文件中的注释、顺序和格式保持不变。" }
        form #edit method="post" action={ "/packs/" (id) "/edit" } target="_self" {
            input type="hidden" name="_csrf" value=(current.csrf);
            @for group in &groups {
                fieldset {
                    legend { (group.title) }
                    @for f in &group.fields {
                        (field_input(f))
                    }
                }
            }
            fieldset.save {
                legend { "预览与保存" }
                p {
                    "当前台账："
                    @match &ledger {
                        Some(name) => strong { (name) },
                        None => span.muted { "尚无（先在「测评」页上传台账，预览才能显示记录变化）" },
                    }
                }
                button type="submit" formaction={ "/packs/" (id) "/edit/preview" } formtarget="preview" formnovalidate #preview-button { "预览 Preview" }
                label.wide { "修订说明（必填）" input type="text" name="_message" #message required maxlength="500" placeholder="例如：优先推荐线由900分调整为880分"; }
                button type="submit" #save-button { "保存 Save" }
            }
        }
        iframe name="preview" #preview title="预览" {}
        details {
            summary { "高级：直接编辑 YAML（按 JSON Schema 检查）" }
            form method="post" action={ "/packs/" (id) "/edit" } {
                input type="hidden" name="_csrf" value=(current.csrf);
                textarea name="_yaml" rows="30" spellcheck="false" { (text) }
                label.wide { "修订说明（必填）" input type="text" name="_message" required maxlength="500"; }
                button type="submit" formaction={ "/packs/" (id) "/edit/preview" } formtarget="preview" formnovalidate { "预览" }
                button type="submit" { "保存" }
            }
            p.muted { "编辑器补全与检查可用 " a href="/schema/policy.schema.json" { "policy.schema.json" } "。" }
        }
        script { (PreEscaped(CHECK_SCRIPT.replace("{id}", &id))) }
    };
    Ok(Html(pages::layout_for(
        Some(&current),
        &format!("修订 {name}"),
        content,
    ))
    .into_response())
}

fn field_input(f: &Field) -> Markup {
    let name = f.path.to_string();
    html! {
        div.field data-field=(name) {
            label {
                span.label { (f.label) @if f.assumed { " " span.assumed title="文件未给出，本标准的假设" { "假设" } } }
                @match f.kind {
                    Kind::Number => input type="text" inputmode="decimal" name=(name) value=(f.value);,
                    Kind::Date => input type="date" name=(name) value=(f.value);,
                    Kind::Bool => select name=(name) {
                        option value="true" selected[f.value == "true"] { "是" }
                        option value="false" selected[f.value == "false"] { "否" }
                    },
                    Kind::Text => input type="text" name=(name) value=(f.value);,
                }
            }
            @if let Some(source) = &f.source { div.source { "依据：" (source) } }
            div.problem {}
        }
    }
}

/// Checks the form as it is typed: posts it to `/edit/check` after a pause and shows each
/// problem under its field.
const CHECK_SCRIPT: &str = r#"
(function () {
  var form = document.getElementById('edit'), timer = null;
  function show(problems) {
    document.querySelectorAll('.field .problem').forEach(function (d) { d.textContent = ''; });
    var general = document.getElementById('general') || (function () {
      var d = document.createElement('div'); d.id = 'general'; form.prepend(d); return d; })();
    general.textContent = '';
    problems.forEach(function (p) {
      var where = p.field && document.querySelector('.field[data-field="' + CSS.escape(p.field) + '"] .problem');
      var line = (p.severity === 'error' ? '错误：' : '提醒：') + p.message;
      if (where) { where.textContent += line + ' '; where.className = 'problem ' + p.severity; }
      else { var d = document.createElement('div'); d.className = 'problem ' + p.severity; d.textContent = line; general.appendChild(d); }
    });
    document.body.dataset.checked = String(Date.now());
  }
  function check() {
    fetch('/packs/{id}/edit/check', { method: 'POST', body: new URLSearchParams(new FormData(form)),
      headers: { 'x-csrf-token': form._csrf.value } })
      .then(function (r) { return r.json(); })
      .then(function (j) { show(j.problems || []); })
      .catch(function () {});
  }
  form.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(check, 300); });
})();
"#;

/// `POST /packs/{id}/edit/check`: the problems of the form as it stands, as JSON.
pub async fn check(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, crate::errors::ApiFailure> {
    current.require(Role::Editor)?;
    let (dir, text) = editable(&state, &id)?;
    let day = library::today();
    let problems = blocking(move || -> Result<Vec<Problem>, Failure> {
        let (edited, problems) = apply(&text, &form)?;
        Ok(check_text(&dir, edited, problems, &day).1)
    })
    .await??;
    Ok(
        Json(json!({ "ok": problems.iter().all(|p| p.severity != "error"), "problems": problems }))
            .into_response(),
    )
}

/// `POST /packs/{id}/edit/preview`: what the edit moves on the session's ledger, and the
/// pack's own test cases under the edit, as a page shown beside the form.
pub async fn preview(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageFailure> {
    current.require(Role::Editor)?;
    let (dir, text) = editable(&state, &id)?;
    let ledger = current.ledger.clone();
    let page = blocking(move || -> Result<String, Failure> {
        let day = ledger.as_ref().map_or_else(library::today, |l| l.as_of.clone());
        let (edited, problems) = apply(&text, &form)?;
        let (prepared, problems, loader) = check_text(&dir, edited, problems, &day);
        let Some(new) = prepared else {
            return Ok(problems_page(&problems));
        };
        let cases = liangxin::testing::run_cases(&loader, &new.policy, &dir);
        // Case files named from the library, as staff know them: `longwen-points/tests/…`.
        let library_prefix = dir
            .parent()
            .map(|p| format!("{}{}", p.display(), std::path::MAIN_SEPARATOR))
            .unwrap_or_default();
        let local = |text: String| text.replace(&library_prefix, "");
        let tests = html! {
            h2 { "本标准的测试用例" }
            @if cases.failures.is_empty() && cases.errors.is_empty() {
                p.ok #cases { "全部 " (cases.passed) " 个用例通过。" }
            } @else {
                p.error #cases { (cases.passed) " 个通过，" (cases.failures.len()) " 个不通过" @if !cases.errors.is_empty() { "，" (cases.errors.len()) " 个用例文件有错误" } "：" }
                ul { @for f in &cases.failures { li { pre { (local(f.to_string())) } } } @for e in &cases.errors { li { (local(diagnostic_text(e))) } } }
            }
        };
        let moved = match &ledger {
            None => html! { p.muted { "尚无当前台账：在「测评」页上传台账后，预览会列出变化的记录。" } },
            Some(l) => {
                let old = library::prepare(&id, &dir, &day)?;
                let body = diff_document(&old, &new, l, ("当前版本", "修订后"))?;
                html! { (PreEscaped(body)) }
            }
        };
        let warnings: Vec<&Problem> = problems.iter().filter(|p| p.severity == "warning").collect();
        Ok(preview_page(html! {
            @if !warnings.is_empty() { ul.warnings { @for w in &warnings { li { "提醒：" (w.message) } } } }
            (tests)
            (moved)
        }))
    })
    .await??;
    Ok(Html(page).into_response())
}

/// The diff report of two prepared packs on a ledger, as the body of an HTML document.
pub fn diff_document(
    old: &liangxin::Prepared,
    new: &liangxin::Prepared,
    ledger: &crate::session::CurrentLedger,
    names: (&str, &str),
) -> Result<String, Failure> {
    let mut evaluations = Vec::new();
    for p in [old, new] {
        let read = upload::read_ledger(&ledger.bytes, &ledger.name, &p.policy.policy.schema)?;
        evaluations.push(p.policy.evaluate_ledger(&read));
    }
    let diff = liangxin::diff::diff(&evaluations[0], &evaluations[1]);
    let report = liangxin::report::DiffReport {
        diff: &diff,
        old: &evaluations[0].policy,
        new: &evaluations[1].policy,
        names,
        errors: (&evaluations[0].errors, &evaluations[1].errors),
    };
    let html = crate::errors::render(
        || report.document(),
        || report.json(),
        Format::Html,
        Options::default(),
    )?;
    let html = String::from_utf8_lossy(&html).into_owned();
    // The report is a whole document; its style and body go inside this page.
    let between = |open: &str, close: &str| -> Option<String> {
        let start = html.find(open)?;
        let start = start + html[start..].find('>')? + 1;
        let end = start + html[start..].find(close)?;
        Some(html[start..end].to_string())
    };
    let html = match (between("<style", "</style>"), between("<body", "</body>")) {
        (Some(style), Some(body)) => format!("<style>{style}</style>{body}"),
        _ => html,
    };
    let summary = format!(
        "<p id=\"moved\" data-moved=\"{}\">台账「{}」共 {} 条记录，{} 条变化。</p>",
        diff.changes.len(),
        html_escape(&ledger.name),
        diff.records,
        diff.changes.len()
    );
    Ok(format!("{summary}{html}"))
}

fn html_escape(text: &str) -> String {
    html! { (text) }.into_string()
}

fn preview_page(content: Markup) -> String {
    html! {
        (maud::DOCTYPE)
        html lang="zh-CN" {
            head { meta charset="utf-8"; title { "预览" } style { (PreEscaped(pages::STYLE)) } }
            body.preview { (content) }
        }
    }
    .into_string()
}

fn problems_page(problems: &[Problem]) -> String {
    preview_page(html! {
        h2 { "修订后的标准有错误，无法预览" }
        ul.problems #problems { @for p in problems { li.(p.severity) { (p.message) } } }
    })
}

/// `POST /packs/{id}/edit`: saves the edit as a commit, with the signed-in user as author and
/// the required message; the history page after.
pub async fn save(
    State(state): State<Arc<AppState>>,
    Extension(current): Extension<Current>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageFailure> {
    let user = current.require(Role::Editor)?.clone();
    current.check_csrf(form_value(&form, "_csrf"))?;
    let message = form_value(&form, "_message")
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    if message.is_empty() {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "message",
            "请填写修订说明 / a message saying why is required",
        )
        .into());
    }
    let (dir, text) = editable(&state, &id)?;
    let _one_at_a_time = state.repo_lock.lock().await;
    let day = library::today();
    let edited = blocking(move || -> Result<String, Failure> {
        let (edited, problems) = apply(&text, &form)?;
        let (prepared, problems, loader) = check_text(&dir, edited, problems, &day);
        if prepared.is_none() {
            let details = serde_json::to_value(&problems).unwrap_or_default();
            return Err(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "policy",
                "修订后的标准有错误，未保存 / the edited pack is invalid and was not saved",
            )
            .with_details(details));
        }
        Ok(loader.text)
    })
    .await??;
    let repo = state
        .repo
        .clone()
        .ok_or_else(|| Failure::new(StatusCode::FORBIDDEN, "read_only", "read-only"))?;
    let (pack, author, why) = (id.clone(), user.name.clone(), message.clone());
    let commit = blocking(move || repo.save_policy(&pack, &edited, &author, &why))
        .await?
        .map_err(|e| {
            Failure::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "git",
                format!("保存失败 / {e}"),
            )
        })?;
    state
        .audit
        .record(&audit::Entry {
            action: "save",
            user: &user.name,
            pack: Some(&id),
            commit: commit.as_deref(),
            detail: Some(if commit.is_some() {
                &message
            } else {
                "无改动 / nothing changed"
            }),
        })
        .map_err(Failure::audit)?;
    Ok(Redirect::to(&format!("/packs/{id}/history")).into_response())
}
