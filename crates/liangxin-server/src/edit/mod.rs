//! 修订: a pack edited through a form generated from its `policy.yaml`, checked as it is
//! typed, previewed on the session's ledger and its own test cases, and saved as a git commit
//! with the signed-in user as author. The file is edited in place (`liangxin::yaml_edit`):
//! comments, order and layout survive.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use serde_json::json;

use liangxin::report::{Format, Options};
use liangxin::yaml_edit::YamlDocument;

use crate::accounts::Role;
use crate::errors::{Failure, PageFailure};
use crate::session::Current;
use crate::{AppState, audit, blocking, library, pages, upload};

mod check;
mod fields;

use check::{Problem, apply, check_text, diagnostic_text};
use fields::{Field, Kind, fields, text_at};

/// The pack's folder and `policy.yaml` text, for an editable library.
fn editable(state: &AppState, id: &str) -> Result<(PathBuf, String), Failure> {
    if state.repo.is_none() {
        return Err(Failure::new(
            StatusCode::FORBIDDEN,
            "read_only",
            "标准库为只读（内置标准）：用 liangxin serve --library 目录 启动即可修订，首次启动时复制内置标准 / the library is read-only: start with --library DIR to edit",
        ));
    }
    let dir = library::find(state, id)?;
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
    let ledger_pack = current.ledger.as_ref().map(|l| l.pack.clone());
    let content = html! {
        h1 { "修订：" (name) }
        p.muted { "改动即时检查；「预览」在当前台账和本标准的测试用例上显示哪些记录会变化；「保存」写入标准库并留下修订记录（须填写修订说明）。文件中的注释、顺序和格式保持不变。" }
        form #edit method="post" action={ "/packs/" (id) "/edit" } target="_self" {
            input type="hidden" name="_csrf" value=(current.csrf);
            input type="hidden" name="_base" value=(fingerprint(&text));
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
                        Some(name) => { strong { (name) } " （按「" (ledger_pack.as_deref().unwrap_or_default()) "」测评）" },
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
                input type="hidden" name="_base" value=(fingerprint(&text));
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
    let problems = blocking(&state, move || -> Result<Vec<Problem>, Failure> {
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
    let page = blocking(&state, move || -> Result<String, Failure> {
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
                match diff_document(&old, &new, l, ("当前版本", "修订后")) {
                    Ok(body) => html! { (PreEscaped(body)) },
                    // A ledger of members previewing an organizations' pack, say: the cases
                    // above still count; the ledger's problem is said, not a failed page.
                    Err(f) => html! {
                        p.error #ledger-unfit {
                            "当前台账「" (l.name) "」（按「" (l.pack) "」测评）不能用于本标准，无法显示记录变化：" (f.message)
                        }
                    },
                }
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
        let (read, _) = upload::read_current(ledger, &p.policy.policy)?;
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

/// A fingerprint of a pack's text, carried by the form (`_base`) so a save from a form made
/// before someone else's save is refused rather than undoing it.
pub(crate) fn fingerprint(text: &str) -> String {
    use std::hash::{Hash, Hasher};
    // SipHash with fixed keys: the same text gives the same value in every process.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    format!("{:016x}{:08x}", hasher.finish(), text.len())
}

fn unchanged_since_form(text: &str, base: Option<&str>) -> Result<(), Failure> {
    if base == Some(fingerprint(text).as_str()) {
        return Ok(());
    }
    Err(Failure::new(
        StatusCode::CONFLICT,
        "stale",
        "此标准在您打开修订页之后已有修改（可能是他人保存或恢复），本次修改未保存：请重新打开修订页，再改一次 / the pack changed after this form was opened; nothing was saved: open the edit page again",
    ))
}

/// A save's message: required, one line, at most 500 characters.
fn commit_message(given: Option<&str>) -> Result<String, Failure> {
    let message = given.map(str::trim).unwrap_or_default();
    let refuse = |why: &str| {
        Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "message",
            why.to_string(),
        ))
    };
    if message.is_empty() {
        return refuse("请填写修订说明 / a message saying why is required");
    }
    if message.chars().any(char::is_control) {
        return refuse(
            "修订说明只能写一行，不能含控制字符 / the message is one line without control characters",
        );
    }
    if message.chars().count() > 500 {
        return refuse("修订说明不超过 500 字 / the message is at most 500 characters");
    }
    Ok(message.to_string())
}

/// The pack's `id:` must stay its folder's name: reports, diffs and links name it by its id.
fn same_id(folder: &str, prepared: &liangxin::Prepared) -> Result<(), Failure> {
    let id = &prepared.policy.policy.meta.id;
    if id == folder {
        return Ok(());
    }
    Err(Failure::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "id",
        format!(
            "标准编号（id）须与所在文件夹同名：应为 `{folder}`，而不是 `{id}`；未保存 / the pack's id must stay `{folder}`, not `{id}`"
        ),
    ))
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
    let message = commit_message(form_value(&form, "_message"))?;
    let (dir, _) = editable(&state, &id)?;
    let _one_at_a_time = state.repo_lock.lock().await;
    // Read again under the lock: what the form was made from must still be the file.
    let (_, text) = editable(&state, &id)?;
    unchanged_since_form(&text, form_value(&form, "_base"))?;
    let day = library::today();
    let library_dir = state.library.clone();
    let pack = id.clone();
    let edited = blocking(&state, move || -> Result<String, Failure> {
        let (edited, problems) = apply(&text, &form)?;
        if edited == text {
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                "unchanged",
                "没有改动，未保存 / nothing was changed, so nothing was saved",
            ));
        }
        let (prepared, problems, loader) = check_text(&dir, edited, problems, &day);
        let Some(prepared) = prepared else {
            let details = serde_json::to_value(&problems).unwrap_or_default();
            return Err(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "policy",
                "修订后的标准有错误，未保存 / the edited pack is invalid and was not saved",
            )
            .with_details(details));
        };
        same_id(&pack, &prepared)?;
        let edited = loader.overlay_text().unwrap_or_default().to_string();
        library::still_valid(&library_dir, &day, (&dir, &edited), &pack)?;
        Ok(edited)
    })
    .await??;
    let repo = state
        .repo
        .clone()
        .ok_or_else(|| Failure::new(StatusCode::FORBIDDEN, "read_only", "read-only"))?;
    let (pack, author, why) = (id.clone(), user.name.clone(), message.clone());
    let saved = blocking(&state, move || {
        repo.save_policy(&pack, &edited, &author, &why)
    })
    .await;
    // Whatever git answered, the file may have been written: no kept pack may outlive it.
    state.packs_changed();
    let commit = saved?.map_err(|e| {
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
            detail: Some(&message),
        })
        .map_err(Failure::audit)?;
    Ok(Redirect::to(&format!("/packs/{id}/history")).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_yes_or_no_field_takes_only_yes_or_no() {
        let text = "rules:\n  - id: c\n    label: 检查\n    criteria:\n      - { id: a, label: 甲, expr: x }\n";
        let form = |v: &str| vec![("rules[0].criteria[0].enabled".to_string(), v.to_string())];
        let (edited, problems) = super::check::apply(text, &form("否")).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert!(
            edited.contains("{ id: a, label: 甲, expr: x, enabled: false }"),
            "{edited}"
        );
        let (edited, problems) = super::check::apply(text, &form("yes")).unwrap();
        assert_eq!(edited, text, "nothing written");
        assert!(
            problems[0].message.contains("应为 是 或 否"),
            "{problems:?}"
        );
    }

    #[test]
    fn numbers_are_read_as_staff_mean_them_or_refused() {
        use super::check::read_number;
        for (given, read) in [
            ("880", 880.0),
            ("1,000", 1000.0),
            ("1，000", 1000.0),
            ("８８０", 880.0),
            ("-0.5", -0.5),
            ("+12", 12.0),
            ("1,234,567.5", 1_234_567.5),
            (" 900 ", 900.0),
        ] {
            assert_eq!(read_number(given), Some(read), "{given}");
        }
        for refused in [
            "1,5",
            "0,9",
            "９００，５",
            "1e3",
            "1e-400",
            "9007199254740993",
            "",
            "-",
            "12,34",
            "1_000",
            "50%",
            "0x10",
        ] {
            assert_eq!(read_number(refused), None, "{refused}");
        }
    }
}
